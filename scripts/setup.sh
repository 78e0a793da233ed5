#!/usr/bin/env bash
# Set up RareSight on Debian/Ubuntu, idempotently:
#   1. system packages: QGIS 3.22 LTR (python3-qgis, qgis-providers), GDAL, rasterio, scipy, Xvfb;
#   2. the project venv at .venv (Debian's /usr/bin/python3, --system-site-packages, so it sees QGIS
#      and the geospatial stack) with the pinned tools of requirements-dev.txt;
#   3. the `raresight` command at .venv/bin/raresight.
# Re-running it does nothing that is already done.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

APT_PACKAGES=(qgis python3-qgis qgis-providers python3-gdal python3-rasterio python3-scipy
              python3-matplotlib python3-venv python3-pip xvfb xauth qttools5-dev-tools)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  /usr/bin/python3 -m venv --system-site-packages .venv
fi

stamp=.venv/.raresight-setup
# A development checkout installs the test tools too; the installed plugin ships requirements.txt only.
REQS=requirements-dev.txt
[ -f "$REQS" ] || REQS=requirements.txt
want="$(cat requirements.txt "$REQS" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  # torch + torchvision (a pinned pair): the CPU build unless RARESIGHT_TORCH=cuda. The PyTorch CPU
  # index is listed as an extra index so that its "+cpu" wheels win where it is reachable (a few
  # hundred MB); without it, pip's configured sources give the CUDA build (about 5.5 GB, runs on
  # the CPU too). The requirements' pins then find both installed.
  pair=($(grep -E '^(torch|torchvision)==' requirements.txt))
  if ! .venv/bin/python -c "import torch, torchvision, sys; sys.exit(torch.__version__.split('+')[0] != '${pair[0]#torch==}')" 2>/dev/null; then
    echo "setup: installing ${pair[*]}"
    if [ "${RARESIGHT_TORCH:-cpu}" = "cuda" ]; then
      .venv/bin/python -m pip install -q --disable-pip-version-check "${pair[@]}"
    else
      cpu_index=https://download.pytorch.org/whl/cpu
      extra=()
      .venv/bin/python -c "import urllib.request as u; u.urlopen('$cpu_index/', timeout=10)" 2>/dev/null \
        && extra=(--extra-index-url "$cpu_index") \
        || echo "setup: $cpu_index is not reachable; taking torch from pip's configured sources"
      .venv/bin/python -m pip install -q --disable-pip-version-check "${pair[@]}" "${extra[@]}"
    fi
  fi
  echo "setup: installing Python packages ($REQS)"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$REQS"
  echo "$want" > "$stamp"
fi

cat > .venv/bin/raresight <<LAUNCHER
#!/usr/bin/env bash
# The raresight command (written by scripts/setup.sh).
export PYTHONPATH="$ROOT\${PYTHONPATH:+:\$PYTHONPATH}"
exec "$ROOT/.venv/bin/python" -m backend "\$@"
LAUNCHER
chmod +x .venv/bin/raresight
.venv/bin/raresight --version >/dev/null
# compiled translations (i18n/*.qm); silent when up to date, absent from an installed plugin's copy
[ ! -f scripts/i18n.py ] || .venv/bin/python scripts/i18n.py compile
echo "setup: ready ($(.venv/bin/raresight --version), QGIS $(.venv/bin/python -c 'from qgis.core import Qgis; print(Qgis.QGIS_VERSION)' 2>/dev/null || echo 'bindings not importable'))"
