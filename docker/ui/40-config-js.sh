#!/bin/sh
# Run by the nginx image's /docker-entrypoint.sh before nginx starts: writes the /config.js
# that ui/index.html loads before the app, setting window.SIGHTGRAPH_API_BASE from the
# environment. Unset or empty, config.js sets nothing and the UI calls its own origin.
# Usage: 40-config-js.sh [OUT] (default /tmp/sightgraph/config.js, where nginx.conf serves it).
set -eu
out="${1:-/tmp/sightgraph/config.js}"
base="${SIGHTGRAPH_API_BASE:-}"
mkdir -p "$(dirname "$out")"
if [ -n "$base" ]; then
  # A JavaScript string literal: no control characters, backslashes and quotes escaped.
  quoted=$(printf '%s' "$base" | tr -d '\000-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')
  printf 'window.SIGHTGRAPH_API_BASE = "%s";\n' "$quoted" > "$out.tmp"
else
  printf '// SIGHTGRAPH_API_BASE is unset: the UI calls its own origin.\n' > "$out.tmp"
fi
mv "$out.tmp" "$out"
printf "%s: wrote %s (SIGHTGRAPH_API_BASE=%s)\n" "$0" "$out" "${base:-<unset>}"
