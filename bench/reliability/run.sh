#!/usr/bin/env bash
# `just reliability`: the full forms of the reliability scenarios with the
# release binaries, against real servers on this machine (loopback only),
# each bounded in time. Writes bench/results/reliability-<date>.md: the
# machine, the method and each scenario's figures with its goals marked.
#
#   bench/reliability/run.sh [SCENARIO...]   # duplicates redis-outage neo4j-restart neo4j-lookup ingestor-killed (default: all)
#
# Env: OUT (report path). Scenario 4 (ingestor killed mid-stream on the
# Pub/Sub path) is tests/e2e/test_ingestor_killed.py, run by ingestor_killed.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../scripts/lib/common.sh"
cd "$SIGHTGRAPH_ROOT"
use_run_folder

log "services (shared Neo4j and Redis; the scenarios start their own instances to break)"
scripts/services/all.sh up >/dev/null
set -a; source "$SIGHTGRAPH_RUN/services.env"; set +a
source scripts/models/env.sh

log "release build"
cargo build --release --quiet --workspace --bins

out="${OUT:-$SIGHTGRAPH_ROOT/bench/results/reliability-$(date +%F).md}"
mkdir -p "$(dirname "$out")"
body="$(mktemp)"
trap 'rm -f "$body"' EXIT
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started=$SECONDS
scenarios=()
for s in "$@"; do [[ "$s" == ingestor-killed ]] || scenarios+=("$s"); done
if (($# == 0 || ${#scenarios[@]})); then
  "$CARGO_TARGET_DIR/release/reliability" "${scenarios[@]}" > "$body"
fi

# Scenario 4 (ingestor killed mid-stream on the Pub/Sub path) is a pytest against the Pub/Sub
# emulator; it appends its own Markdown section. Run with the others unless scenarios were named.
if (($# == 0)) || [[ " $* " == *" ingestor-killed "* ]]; then
  "$here/ingestor_killed.sh" 200 >> "$body"
fi

{
  echo "# Reliability suite — $(date +%F)"
  echo
  echo "Machine: $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM,"
  echo "$(uname -sr). Shared with other work: load average $load_before at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end;"
  echo "the load generator, the services and the functions all run on these CPUs. Commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with local changes)')."
  echo "Release build; \`bench/reliability/run.sh\` ($((SECONDS - started)) s). Method per scenario below; source in \`bench/reliability/src/\`."
  echo
  cat "$body"
} > "$out"
log "wrote $out"
