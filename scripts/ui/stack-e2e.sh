#!/usr/bin/env bash
# The UI suite of `just test`: lint, unit tests, build and the end-to-end flow
# against the fake API (error states), then the same flow against the real
# local stack loaded with the fixture photos (real detections, real graph).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib/common.sh"

source "$SIGHTGRAPH_ROOT/scripts/models/env.sh"
"$here/test.sh"

work="$(mktemp -d)"
port="$(free_port)"
cp -r "$SIGHTGRAPH_ROOT/fixtures/gcs" "$work/gcs"
# NB: its own SQLite file: the stack uses the store connect_graph picks, and the test
# services' env names a shared Neo4j whose data other suites write.
env -u NEO4J_URI -u SPANNER_DATABASE "$CARGO_TARGET_DIR/debug/sightgraph-local" serve --port "$port" --bucket-root "$work/gcs" \
  --sqlite-path "$work/sightgraph.db" --ui-dist "$SIGHTGRAPH_ROOT/ui/dist" --watch --announce-existing \
  > "$work/stack.log" 2>&1 &
stack=$!
trap 'kill $stack 2>/dev/null || true; wait $stack 2>/dev/null || true; rm -rf "$work"' EXIT

log "loading the fixture photos into a local stack on port $port"
query='{"subject":{"label":"person"},"relation":{"type":"NEAR"},"object":{"label":"car"}}'
for _ in $(seq 1 180); do
  n="$(curl -fsS -H 'content-type: application/json' -d "$query" "http://127.0.0.1:$port/query/pattern" 2>/dev/null \
    | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["matches"]))' 2>/dev/null || echo 0)"
  ((n > 0)) && break
  sleep 1
done
((n > 0)) || { tail -50 "$work/stack.log" >&2; die "the stack did not find person NEAR car within 180 s"; }

log "end-to-end flow against the real stack"
cd "$SIGHTGRAPH_ROOT/ui"
SIGHTGRAPH_URL="http://127.0.0.1:$port" CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}" npm run --silent test:e2e
