#!/usr/bin/env bash
# One bounded wrk run against a feature service on this machine, printing
# key=value lines: requests, duration_s, rps, p50_ms, p90_ms, p99_ms, p999_ms,
# max_ms, errors_non2xx, errors_socket.
#
#   bench/load/wrk.sh BASE_URL [DURATION=30s] [CONNECTIONS=64] [THREADS=2]
#   e.g. bench/load/wrk.sh http://127.0.0.1:18080 20s 64
#
# Env: OBJECT_COUNT (ids 0..N-1 requested round-robin, default 10000),
# PATH_PREFIX (default /features/object/). Loopback targets only.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../scripts/lib/common.sh"

url="${1:?usage: $0 BASE_URL [DURATION] [CONNECTIONS] [THREADS]}"
[[ "$url" =~ ^http://(127\.[0-9.]+|localhost|\[::1\])(:[0-9]+)?(/|$) ]] \
  || die "refusing a non-loopback target: $url"
command -v wrk >/dev/null || "$here/install.sh" >/dev/null
# NB: --latency only adds wrk's own histogram; the Lua done() prints the lines we parse.
wrk -t "${4:-2}" -c "${3:-64}" -d "${2:-30s}" --timeout 5s -s "$here/latency.lua" "$url" \
  | sed -n '/^requests=/,$p'
