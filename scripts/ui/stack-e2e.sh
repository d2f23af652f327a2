#!/usr/bin/env bash
# The UI suite of `just test`: lint, unit tests, build and the end-to-end flow
# against the fake API (error states), then the same flow against the real
# local stack loaded with the fixture photos (real detections, real graph),
# with a second model version (`just models-int8`) backfilled over dog.jpg so the
# versions page has real coverage, a real backfill run and a real comparison.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib/common.sh"

source "$SIGHTGRAPH_ROOT/scripts/models/env.sh"
"$here/test.sh"

work="$(mktemp -d)"
port="$(free_port)"
cp -r "$SIGHTGRAPH_ROOT/fixtures/gcs" "$work/gcs"
# NB: a throw-away admin token for the versions page's activate/rollback/compare; never printed.
admin_token="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
# NB: its own SQLite file: the stack uses the store connect_graph picks, and the test
# services' env names a shared Neo4j whose data other suites write.
ADMIN_TOKENS="ui-e2e:$admin_token" env -u NEO4J_URI -u SPANNER_DATABASE "$CARGO_TARGET_DIR/debug/sightgraph-local" serve --port "$port" --bucket-root "$work/gcs" \
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

photos="$(find "$work/gcs" -type f \( -name '*.jpg' -o -name '*.jpeg' -o -name '*.png' \) | wc -l)"
covered() {
  curl -fsS "http://127.0.0.1:$port/versions" 2>/dev/null | python3 -c '
import json, sys
sets = json.load(sys.stdin)["feature_sets"]
print(sets[0]["coverage"]["images"] if sets else 0)' 2>/dev/null || echo 0
}
for _ in $(seq 1 180); do
  (($(covered) == photos)) && break
  sleep 1
done
(($(covered) == photos)) || { tail -50 "$work/stack.log" >&2; die "the stack did not process all $photos fixture photos within 180 s"; }

log "a second model version backfilled over dog.jpg only (1 of $photos images)"
int8="$("$SIGHTGRAPH_ROOT/scripts/models/build_int8.sh")"
int8_dir="$(sed -n 's/^SIGHTGRAPH_MODEL_DIR_INT8=//p' <<<"$int8")"
int8_version="$(sed -n 's/^MODEL_VERSION_INT8=//p' <<<"$int8")"
[[ -n $int8_dir && -n $int8_version ]] || die "scripts/models/build_int8.sh printed no model folder or version"
version="$(sed -n 's/^  "model_version": "\(.*\)",$/\1/p' "$SIGHTGRAPH_MODEL_DIR/manifest.json")"
[[ -n $version ]] || die "no model_version in $SIGHTGRAPH_MODEL_DIR/manifest.json"
# NB: the run writes to the stack's SQLite file (WAL) while it serves, and its markers to
# the backfill root the stack reads (next to the database), so GET /backfills shows it.
SQLITE_PATH="$work/sightgraph.db" LOCAL_BUCKET_ROOT="$work/gcs" \
  env -u NEO4J_URI -u SPANNER_DATABASE -u REDIS_URL -u REDIS_CLUSTER_URLS \
  "$CARGO_TARGET_DIR/debug/sightgraph" backfill run --model-version "$int8_version" --model-dir "$int8_dir" \
  --scope gs://sightgraph-raw/photos/dog --root "$work/backfills" >"$work/backfill.log" 2>&1 \
  || { cat "$work/backfill.log" >&2; die "the backfill of $int8_version failed"; }

log "end-to-end flow against the real stack"
cd "$SIGHTGRAPH_ROOT/ui"
SIGHTGRAPH_URL="http://127.0.0.1:$port" CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}" \
  SIGHTGRAPH_E2E_ADMIN_TOKEN="$admin_token" SIGHTGRAPH_E2E_ACTOR=ui-e2e \
  SIGHTGRAPH_E2E_VERSION="$version" \
  SIGHTGRAPH_E2E_NEW_VERSION="$int8_version" SIGHTGRAPH_E2E_IMAGES="$photos" SIGHTGRAPH_E2E_NEW_IMAGES=1 \
  npm run --silent test:e2e
