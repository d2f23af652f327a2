#!/usr/bin/env bash
# What Spanner costs the graph store in calls and writes (`just bench-spanner`): an emulator
# of its own with --log_requests, and `shared/examples/spanner_bench.rs`, which runs every
# store operation once and counts, from the emulator's request log, the gRPC calls each
# made (round trips) and the rows and cells each commit wrote. Also asks the emulator for
# query plans (it has none). Writes bench/results/spanner-rpcs-<date>.md.
#
#   bench/spanner/run.sh            # BENCH_OBJECTS (per image, 5), BENCH_DIM (1280), OUT
#
# The emulator is a functional model, not a performance one: no latency is reported.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../scripts/lib/common.sh"
cd "$SIGHTGRAPH_ROOT"
use_run_folder
objects="${BENCH_OBJECTS:-5}" dim="${BENCH_DIM:-1280}"

# NB: counts do not depend on the build profile; the debug build is the cheap one.
cargo build --quiet -p shared --example spanner_bench
cleanup() { scripts/services/spanner.sh stop sgbench >/dev/null 2>&1 || true; }
trap cleanup EXIT
scripts/services/spanner.sh stop sgbench >/dev/null 2>&1 || true
env_out="$(SPANNER_LOG_REQUESTS=1 scripts/services/spanner.sh start sgbench)"
set -a; eval "$env_out"; set +a

table="$("$CARGO_TARGET_DIR/debug/examples/spanner_bench" "$SPANNER_EMULATOR_HOST" \
  "$SIGHTGRAPH_SPANNER_INSTANCE" "$SIGHTGRAPH_SPANNER_LOG" "$objects" "$dim")"

# Query plans: the emulator answers PLAN and PROFILE, but with one node "No query plan".
db="$(echo "$table" | sed -n 's/^Database \([^:]*\):.*/\1/p')"
session="$(curl -fsS -X POST "$SIGHTGRAPH_SPANNER_REST/v1/$db/sessions" -d '{}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])')"
plan="$(curl -fsS -X POST "$SIGHTGRAPH_SPANNER_REST/v1/$session:executeSql" \
  -d '{"sql":"SELECT o.ObjectId FROM Objects@{FORCE_INDEX=ObjectsById} AS o WHERE o.ObjectId = \"0\"","queryMode":"PROFILE"}' \
  | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["stats"]))')"

out="${OUT:-$SIGHTGRAPH_ROOT/bench/results/spanner-rpcs-$(date +%F).md}"
cat > "$out" <<MD
# Spanner graph store: calls and writes per operation ($(date +%F))

\`bench/spanner/run.sh\` on $(nproc) CPUs, Cloud Spanner emulator $(gcloud version 2>/dev/null | sed -n 's/^cloud-spanner-emulator //p')
(\`--log_requests\`), gcloud-spanner 1.9, $objects objects per image, vectors of $dim floats. Each
row is one store call; its gRPC calls and commit contents are read from the emulator's request
log. Counts are properties of the client and the schema and carry over to Cloud Spanner; the
emulator's timings would not, so none are given.

$table

Query plans: the emulator answers \`queryMode: PROFILE\` with \`$plan\`, so the plans of the hot
paths are given as statements and the indexes they use (bench/results/spanner-2026-11-30.md).
MD
log "wrote $out"
