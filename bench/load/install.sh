#!/usr/bin/env bash
# Installs the load generators for the serving benchmark, idempotently:
#   wrk (Debian) with latency.lua: closed-loop load, p50/p90/p99/p99.9 and RPS;
#   redis-benchmark (Debian redis-tools): Redis' own ceiling on this machine;
#   oha (crates.io, only with `install.sh oha`; ~5 min to build on 2 cores)
#     into $SIGHTGRAPH_CACHE/tools/bin: open-loop runs (-q RATE with
#     --latency-correction) and JSON output.
# Prints the tools' paths.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"

apt_install wrk redis-tools
echo "wrk=$(command -v wrk)"
echo "redis-benchmark=$(command -v redis-benchmark)"

if [[ "${1:-}" == oha ]]; then
  tools="$SIGHTGRAPH_CACHE/tools"
  if [[ ! -x "$tools/bin/oha" ]]; then
    log "building oha with cargo (takes minutes)"
    cargo install oha --locked --quiet --root "$tools" >&2
  fi
  echo "oha=$tools/bin/oha"
fi
