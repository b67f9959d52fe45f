#!/usr/bin/env bash
# The README's screenshots, from the real window on a virtual X screen of each size.
#
#   docs/screenshots.sh            # all of them, into docs/
#   docs/screenshots.sh 1024x700   # one screen size
#
# Each shot starts the window with fresh settings and data (a first start), on an Xvfb
# screen of exactly that size (the window fits the screen it opens on), in the light or
# dark scheme; "traffic" runs a demo end to end first. The window saves itself
# (`gui --screenshot`). Needs Xvfb (Debian: xvfb) and `make venv`. Look at every PNG.
set -eu
cd "$(dirname "$0")/.."
app=.venv/bin/callback-inspector
command -v Xvfb >/dev/null || { echo "screenshots: Xvfb is missing (apt install xvfb)" >&2; exit 1; }
sizes=${1:-"1440x900 1024x700"}
wait_first=${SHOT_WAIT_FIRST:-6}      # seconds: the window up, the servers listening
wait_traffic=${SHOT_WAIT_TRAFFIC:-40} # seconds: a demo transcribed, retried and delivered

shot() {  # shot OUT.png WxH SECONDS THEME [gui args...]
  local out=$1 size=$2 wait_s=$3 theme=$4
  shift 4
  local disp=":$((300 + RANDOM % 600))" cfg data
  cfg=$(mktemp -d) data=$(mktemp -d)
  Xvfb "$disp" -screen 0 "${size}x24" -nolisten tcp >/dev/null 2>&1 &
  local xvfb=$!
  sleep 1
  env -u QT_QPA_PLATFORM DISPLAY="$disp" XDG_CONFIG_HOME="$cfg" XDG_DATA_HOME="$data" \
    CALLBACK_INSPECTOR_THEME="$theme" \
    "$app" gui --port 0 --emulator-port 0 --screenshot "$out" --quit-after "$wait_s" "$@" \
    >/dev/null 2>&1 || echo "screenshots: $out failed" >&2
  kill "$xvfb" 2>/dev/null || true
  rm -rf "$cfg" "$data"
  echo "$out"
}

for size in $sizes; do
  for theme in light dark; do
    shot "docs/window-$size-$theme-first-run.png" "$size" "$wait_first" "$theme"
    demo=retry-storm
    [ "$theme" = dark ] && demo=stream-kill
    shot "docs/window-$size-$theme-traffic.png" "$size" "$wait_traffic" "$theme" --demo "$demo"
  done
done
