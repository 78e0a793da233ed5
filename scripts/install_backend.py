"""Set up RareSight's backend environment from PyPI wheels (what the dock's Set up backend does).

    python scripts/install_backend.py [--venv DIR] [--profile core|generative|clip] [--device cpu|cuda]
        [--python PYTHON] [--wheelhouse DIR] [--index-url URL]

Any Python 3.10+ runs it (no QGIS, no Qt). The environment goes to ``--venv`` (default: the user's
data folder, e.g. ``~/.local/share/RareSight/venv``, where the plugin looks for it); a rerun resumes
or updates it. Exit status 0 when the backend answers from the new environment, 1 on a failure
(its message says what to do), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plugin.setup_backend.installer import SetupCancelledError, SetupError, SetupOptions, set_up  # noqa: E402
from plugin.setup_backend.paths import backend_venv  # noqa: E402
from plugin.setup_backend.profiles import DEVICES, PROFILES  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--venv", type=Path, default=None, help=f"environment folder (default {backend_venv()})")
    p.add_argument("--profile", choices=list(PROFILES), default="core")
    p.add_argument("--device", choices=DEVICES, default="cpu")
    p.add_argument("--python", help="make the environment from this interpreter (default: found)")
    p.add_argument("--wheelhouse", type=Path, help="install offline from this folder of wheels")
    p.add_argument("--index-url", help="a package index in place of PyPI (a company mirror)")
    args = p.parse_args(argv)
    options = SetupOptions(
        venv=(args.venv or backend_venv()).absolute(), profile=args.profile, device=args.device,
        python=args.python, wheelhouse=args.wheelhouse, index_url=args.index_url,
    )  # fmt: skip
    try:
        set_up(options, log=lambda line: print(line, flush=True))
    except SetupCancelledError as exc:
        print(exc, file=sys.stderr)
        return 130
    except SetupError as exc:
        print(f"install_backend: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted: what was installed is kept; run again to resume.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
