#!/usr/bin/env bash
# Speed of the generative methods on a CUDA device, in one run of under 8 minutes:
#
#   bash scripts/bench_gpu.sh [OUTPUT.json]        (default: $OUT/gpu_speed.json, else gpu_speed.json)
#
# then, back on the development machine, add its rows to docs/BENCHMARKS.md:
#
#   .venv/bin/python scripts/bench_generative.py --gpu-in OUTPUT.json
#
# It runs `scripts/bench_generative.py --gpu-out`: rx, and each generative method fit + score, score
# only and a pair with the encoder expert on 1-megapixel 13-band rasters, and the saved model on a
# 16-megapixel one, all with `--device auto` (the GPU).
#
# Needs python3 with torch (CUDA), numpy, scipy and safetensors. What that machine lacks comes as
# wheels in .whl/ (installed into /tmp/site), prepared where pip can reach PyPI, for its Python
# (e.g. 3.12):
#   pip download --only-binary=:all: --python-version 3.12 --platform manylinux2014_x86_64 \
#       -d .whl rasterio affine click cligj click-plugins
# and the encoder expert's weights in .weights/galileo-nano/ (a copy of ../shared/data/weights/galileo-nano).
# Both folders are ignored by git: name them in the device tool's `carry`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
out="${1:-${OUT:-.}/gpu_speed.json}"
PYTHON="${PYTHON:-python3}"
if compgen -G ".whl/*.whl" >/dev/null; then
    "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi
if [[ -d .weights ]]; then
    export RARESIGHT_ENCODER_PATH="$ROOT/.weights${RARESIGHT_ENCODER_PATH:+:$RARESIGHT_ENCODER_PATH}"
fi
export HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
exec "$PYTHON" scripts/bench_generative.py --gpu-out "$out" --cache /tmp/raresight-bench
