#!/usr/bin/env bash
# Run the whole test suite (sets up first if needed). Extra arguments go to pytest.
# --quick leaves out the tests marked slow (real scenes, model training, GUI sessions) and runs the
# property tests with fewer examples; CI (.ci/run) runs everything:
#   bash scripts/test.sh --quick
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
args=()
for arg in "$@"; do
    if [[ $arg == --quick ]]; then
        args+=(-m "not slow")
        export RARESIGHT_HYPOTHESIS="${RARESIGHT_HYPOTHESIS:-quick}"
    else
        args+=("$arg")
    fi
done
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1 PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec .venv/bin/python -m pytest "${args[@]}"
