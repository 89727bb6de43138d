#!/usr/bin/env bash
# Renders a ufq-replay report.md to HTML beside it (REPORT.html) and takes a full-page
# screenshot with headless Chromium (REPORT.png by default), to check by eye that the tables
# and the SVG charts render. Not part of `npm test`. Needs chromium (Debian: apt-get install -y
# chromium). Usage: scripts/render-report.sh REPORT.md [SHOT.png] [WIDTH_PX]
set -euo pipefail
report=${1:?usage: scripts/render-report.sh REPORT.md [SHOT.png] [WIDTH_PX]}
shot=${2:-${report%.md}.png}
width=${3:-1100}
here=$(cd "$(dirname "$0")" && pwd)
html=${report%.md}.html
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "render-report: no chromium found (Debian: apt-get install -y chromium)" >&2
  exit 1
fi
node "$here/report-html.mjs" "$report" >"$html"
# A tall window holds the whole page: about 20 px per Markdown line plus 320 px per chart.
lines=$(wc -l <"$report")
charts=$(grep -c '^!\[' "$report" || true)
height=$((lines * 20 + charts * 320 + 200))
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run \
  --user-data-dir="$profile" --hide-scrollbars --window-size="$width,$height" \
  --screenshot="$(realpath -m "$shot")" "file://$(realpath "$html")" 2>/dev/null
echo "wrote $html and $shot (${width}x${height})"
