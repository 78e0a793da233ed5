#!/usr/bin/env bash
# Link this working tree into a QGIS profile as the `raresight` plugin, for development:
#   bash scripts/dev_link.sh [--profile NAME] [--config-dir DIR] [--unlink]
# creates <config>/profiles/<NAME>/python/plugins/raresight -> this repository (a symlink, so edits
# show up after a plugin reload or a QGIS restart) and enables the plugin in that profile's
# QGIS/QGIS3.ini ([PythonPlugins] raresight=true). <config> defaults to $QGIS_CUSTOM_CONFIG_PATH,
# else ~/.local/share/QGIS/QGIS3; NAME defaults to `default`. --unlink removes the link (only a
# link: a real plugin folder is never touched). Running it again changes nothing.
# QGIS rewrites QGIS3.ini when it exits, so close QGIS before running this.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() { sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
die() { echo "dev_link: error: $*" >&2; exit 1; }

profile=default
config="${QGIS_CUSTOM_CONFIG_PATH:-$HOME/.local/share/QGIS/QGIS3}"
unlink=0
while (($#)); do
  case "$1" in
    --profile) (($# >= 2)) || die "--profile needs a name"; profile="$2"; shift 2 ;;
    --profile=*) profile="${1#*=}"; shift ;;
    --config-dir) (($# >= 2)) || die "--config-dir needs a folder"; config="$2"; shift 2 ;;
    --config-dir=*) config="${1#*=}"; shift ;;
    --unlink) unlink=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[ -n "$profile" ] && [[ "$profile" != */* ]] && [ "$profile" != . ] && [ "$profile" != .. ] \
  || die "bad profile name: '$profile'"
[ -n "$config" ] || die "empty --config-dir"

profile_dir="$config/profiles/$profile"
link="$profile_dir/python/plugins/raresight"
ini="$profile_dir/QGIS/QGIS3.ini"

if ((unlink)); then
  if [ -L "$link" ]; then
    rm -f -- "$link"
    echo "dev_link: removed $link"
  elif [ -e "$link" ]; then
    die "$link is not a symlink (an installed copy?); not removing it"
  else
    echo "dev_link: nothing to remove at $link"
  fi
  exit 0
fi

if [ -L "$link" ]; then
  if [ "$(readlink -- "$link")" = "$ROOT" ]; then
    echo "dev_link: $link already points to $ROOT"
  else
    ln -sfn -- "$ROOT" "$link"
    echo "dev_link: $link now points to $ROOT (was another link)"
  fi
elif [ -e "$link" ]; then
  die "$link exists and is not a symlink (an installed copy?); remove it yourself first"
else
  mkdir -p -- "$(dirname -- "$link")"
  ln -s -- "$ROOT" "$link"
  echo "dev_link: linked $link -> $ROOT"
fi

# Enable the plugin: raresight=true under [PythonPlugins], editing lines so that everything else in
# the file (other sections, comments, order, line endings) stays as it is.
mkdir -p -- "$(dirname -- "$ini")"
PY="$(command -v python3 || echo /usr/bin/python3)"
"$PY" - "$ini" <<'PYTHON'
import os
import sys

path, section, key = sys.argv[1], "[PythonPlugins]", "raresight"
try:
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().splitlines(keepends=True)
except FileNotFoundError:
    lines = []
eol = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
if lines and not lines[-1].endswith(("\n", "\r")):
    lines[-1] += eol
entry = f"{key}=true{eol}"


def name(line):
    """The section name of a ``[...]`` line, else None."""
    s = line.strip()
    return s if s.startswith("[") and s.endswith("]") else None


start = next((i for i, line in enumerate(lines) if name(line) == section), None)
if start is None:
    if lines and lines[-1].strip():
        lines.append(eol)
    lines += [section + eol, entry]
else:
    end = next((i for i in range(start + 1, len(lines)) if name(lines[i])), len(lines))
    found = [i for i in range(start + 1, end) if lines[i].split("=", 1)[0].strip() == key]
    if found:
        lines[found[0]] = entry
        for i in reversed(found[1:]):  # a key written twice: keep one
            del lines[i]
    else:
        last = max([i for i in range(start, end) if lines[i].strip()], default=start)
        lines.insert(last + 1, entry)
text = "".join(lines)
try:
    with open(path, encoding="utf-8", newline="") as f:
        unchanged = f.read() == text
except FileNotFoundError:
    unchanged = False
if unchanged:
    print(f"dev_link: already enabled in {path}")
else:
    tmp = path + ".dev_link.part"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    if os.path.exists(path):
        os.chmod(tmp, os.stat(path).st_mode & 0o777)
    os.replace(tmp, path)
    print(f"dev_link: enabled raresight in {path}")
PYTHON
echo "dev_link: restart QGIS (profile '$profile') to load the plugin"
