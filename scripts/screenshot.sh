#!/usr/bin/env bash
# Run RareSight in the real QGIS desktop under Xvfb and take the README screenshot:
#   bash scripts/screenshot.sh [--output PNG] [--report JSON] [--workdir DIR] [--no-export] [--keep]
#                              [--setup] [--scenario NAME] [--locale LL_CC]
# A throw-away QGIS profile (this tree linked as plugin `raresight` by dev_link.sh, no tips, news
# or version check, English UI) runs scripts/gui_session.py: the embedded sample in false colour,
# the RareSight dock, plain RX on the Sentinel-1 image, the slider at a 10 % false-alarm rate,
# polygons of at least 2000 m2 exported, then a grab of the main window. The PNG is copied to
# --output (default docs/images/qgis_plugin.png) only when the session's JSON report says it
# succeeded; otherwise the report is printed and the script fails. --report keeps the report there; --workdir uses that folder for the profile,
# outputs and logs (default: a temp folder, removed afterwards unless --keep); --no-export skips
# the polygon export; --setup grabs the dock's Set up backend panel instead of a detection (write it
# with --output docs/images/setup_backend.png); --scenario runs one of scripts/gui_session.py's
# scenarios (sample, change, nogeo, prompt, cancel); --locale sets QGIS's language (e.g. fr_FR).
# Needs qgis, xvfb-run (xvfb, xauth) and the backend venv (scripts/setup.sh).
# Environment: RARESIGHT_GUI_TIMEOUT (seconds, default 120) and the other RARESIGHT_GUI_* settings
# of scripts/gui_session.py.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() { sed -n '2,18s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
die() { echo "screenshot: error: $*" >&2; exit 1; }

output="$ROOT/docs/images/qgis_plugin.png"
report_copy=""
workdir=""
keep=0
export_polygons=1
setup=0
scenario=sample
locale=en_US
while (($#)); do
  case "$1" in
    --output) (($# >= 2)) || die "--output needs a path"; output="$2"; shift 2 ;;
    --output=*) output="${1#*=}"; shift ;;
    --report) (($# >= 2)) || die "--report needs a path"; report_copy="$2"; shift 2 ;;
    --report=*) report_copy="${1#*=}"; shift ;;
    --workdir) (($# >= 2)) || die "--workdir needs a folder"; workdir="$2"; shift 2 ;;
    --workdir=*) workdir="${1#*=}"; shift ;;
    --no-export) export_polygons=0; shift ;;
    --setup) setup=1; export_polygons=0; shift ;;
    --scenario) (($# >= 2)) || die "--scenario needs a name"; scenario="$2"; shift 2 ;;
    --scenario=*) scenario="${1#*=}"; shift ;;
    --locale) (($# >= 2)) || die "--locale needs a locale such as fr_FR"; locale="$2"; shift 2 ;;
    --locale=*) locale="${1#*=}"; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

QGIS="$(command -v qgis)" || die "qgis not found (Debian/Ubuntu: apt-get install qgis)"
command -v xvfb-run >/dev/null || die "xvfb-run not found (apt-get install xvfb xauth)"
[[ "$scenario" =~ ^(sample|change|nogeo|prompt|cancel)$ ]] || die "unknown scenario '$scenario'"
[[ "$locale" =~ ^[a-z][a-z](_[A-Z][A-Z])?$ ]] || die "--locale takes a locale such as fr_FR, not '$locale'"
[ -x "$ROOT/.venv/bin/python" ] || die "backend venv missing: run scripts/setup.sh first"

if [ -z "$workdir" ]; then
  workdir="$(mktemp -d "${TMPDIR:-/tmp}/raresight-gui.XXXXXX")"
  ((keep)) || trap 'rm -rf -- "$workdir"' EXIT
else
  mkdir -p -- "$workdir"
  workdir="$(cd "$workdir" && pwd)"
fi
config="$workdir/config"
shot="$workdir/screenshot.png"
report="$workdir/report.json"
log="$workdir/qgis.log"
rm -rf -- "$config" "$workdir/out"
rm -f -- "$shot" "$report" "$log"
mkdir -p -- "$config/profiles/default/QGIS"

# The profile's settings, before dev_link.sh adds [PythonPlugins]: no first-run noise, English UI.
cat >"$config/profiles/default/QGIS/QGIS3.ini" <<INI
[qgis]
checkVersion=false
showTips=false
showTips322=false
allowCrashReporting=false
askToSaveProjectChanges=false
askToSaveMemoryLayers=false
warnOldProjectVersion=false
messageTimeout=30
showProjectionsTab=false
projOpenEmpty=false
newProjectDefault=false
enable_anti_aliasing=true
default_selection_color_alpha=255

[core]
NewsFeed\httpsfeedqgisorg\disabled=true

[locale]
overrideFlag=true
userLocale=$locale
globalLocale=$locale

[Projections]
promptWhenMultipleTransformsExist=false

[PythonPlugins]
processing=true
INI
bash "$ROOT/scripts/dev_link.sh" --config-dir "$config" >/dev/null

timeout_s="${RARESIGHT_GUI_TIMEOUT:-120}"
[[ "$timeout_s" =~ ^[1-9][0-9]*$ ]] || die "RARESIGHT_GUI_TIMEOUT must be a whole number of seconds, not '$timeout_s'"
echo "screenshot: running QGIS under Xvfb (profile in $config, at most $((timeout_s + 30)) s)"
start=$(date +%s)
status=0
(
  cd "$workdir"
  env -u QT_QPA_PLATFORM -u QGIS_CUSTOM_CONFIG_PATH \
    QT_QPA_PLATFORM=xcb LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    RARESIGHT_SCREENSHOT="$shot" RARESIGHT_GUI_REPORT="$report" RARESIGHT_GUI_OUT="$workdir/out" \
    RARESIGHT_ROOT="$ROOT" RARESIGHT_GUI_TIMEOUT="$timeout_s" RARESIGHT_GUI_EXPORT="$export_polygons" \
    RARESIGHT_GUI_SETUP="$setup" RARESIGHT_GUI_SCENARIO="$scenario" \
    timeout -k 10 "$((timeout_s + 30))" \
    xvfb-run -a -s "-screen 0 1800x1000x24 -nolisten tcp" \
    "$QGIS" --profiles-path "$config" --profile default --nologo --noversioncheck \
      --code "$ROOT/scripts/gui_session.py"
) >"$log" 2>&1 || status=$?
echo "screenshot: QGIS exited with status $status after $(($(date +%s) - start)) s"

[ -z "$report_copy" ] || { [ ! -f "$report" ] || { mkdir -p -- "$(dirname -- "$report_copy")"; cp -- "$report" "$report_copy"; }; }
if [ ! -f "$report" ]; then
  echo "screenshot: no report was written; QGIS output (last 60 lines):" >&2
  tail -n 60 "$log" >&2 || true
  die "the GUI session did not finish"
fi
ok="$(python3 -c 'import json,sys; print("yes" if json.load(open(sys.argv[1])).get("ok") else "no")' "$report")"
if [ "$ok" != yes ] || [ ! -s "$shot" ]; then
  echo "screenshot: the GUI session failed; report:" >&2
  cat "$report" >&2
  echo "screenshot: QGIS output (last 40 lines):" >&2
  tail -n 40 "$log" >&2 || true
  die "no screenshot copied"
fi
mkdir -p -- "$(dirname -- "$output")"
cp -- "$shot" "$output.part"
mv -f -- "$output.part" "$output"
echo "screenshot: wrote $output ($(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("x".join(map(str, r["screenshot_size"])), "px;", r.get("threshold_label", ""))' "$report"))"
