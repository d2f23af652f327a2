#!/usr/bin/env bash
# Query by vector at scale (called by run.sh; not on its own): BENCH_VEC_COUNT (100,000)
# synthetic 1280-d embeddings in a Neo4j of its own (`neo4j.sh … sgbench-vec`, heap
# BENCH_VEC_HEAP=3g, page cache BENCH_VEC_PAGECACHE=2g: the shared test instance's 512 MB
# heap is too small to build the HNSW index over ~500 MB of float32 vectors), seeded once
# through the production writer (bench/serving/src/vector_bench.rs; kept between runs, re-seeded
# when the count changes); then a release feature-service on it answers `POST /similar`:
# recall@10 against the exact top 10 (200 re-identification queries, with and without a
# label filter) and latency with oha (`-Z` bodies, closed loop) at concurrency 1 and 16.
# Writes WORK/vec-*.json.
#
#   bench/serving/vectors.sh WORK DURATION OHA
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../scripts/lib/common.sh"
work="$1" duration="$2" oha="$3"
count="${BENCH_VEC_COUNT:-100000}" dim="${BENCH_DIM:-1280}"
vb="$CARGO_TARGET_DIR/release/vector_bench"
bin="$CARGO_TARGET_DIR/release/feature-service"

export NEO4J_HEAP="${BENCH_VEC_HEAP:-3g}" NEO4J_PAGECACHE="${BENCH_VEC_PAGECACHE:-2g}"
data="$SIGHTGRAPH_RUN/vector-bench"
if [[ "$(cat "$data/seeded" 2>/dev/null)" != "$count $dim" ]]; then
  scripts/services/neo4j.sh clean sgbench-vec >/dev/null 2>&1 || true
  rm -rf "$data"
fi
mkdir -p "$data"
set -a; eval "$(scripts/services/neo4j.sh start sgbench-vec)"; set +a
service_pid=""
trap '[[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null; scripts/services/neo4j.sh stop sgbench-vec >/dev/null 2>&1 || true' EXIT
export FEATURE_SET=vector-bench
if [[ ! -s "$data/seed.json" ]]; then
  log "seeding $count vectors of $dim floats (once; kept in $data)"
  "$vb" seed --count "$count" --dim "$dim" --clusters $((count / 100 > 0 ? count / 100 : 1)) --queries 200 \
    --out "$data" > "$data/seed.json.tmp"
  mv "$data/seed.json.tmp" "$data/seed.json"
  echo "$count $dim" > "$data/seeded"
fi
cp "$data/seed.json" "$work/vec-seed.json"

port="$(free_port)"
(unset REDIS_URL REDIS_CLUSTER_URLS; PORT="$port" HOST=127.0.0.1 RUST_LOG=warn exec "$bin") > "$work/vec-service.log" 2>&1 &
service_pid=$!
for ((i = 0; i < 300; i++)); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
  sleep 0.1
done
log "recall@10 of $(python3 -c "import json; print(json.load(open('$data/seed.json'))['queries'])") queries"
"$vb" recall --base "http://127.0.0.1:$port" --dir "$data" > "$work/vec-recall.json"
for c in 1 16; do
  log "POST /similar: c=$c ($duration)"
  "$oha" -z "$duration" -c "$c" --no-tui --output-format json -m POST -H "content-type: application/json" \
    -Z "$data/bodies.txt" "http://127.0.0.1:$port/similar" > "$work/vec-c$c.json"
done
log "POST /similar with a label filter: c=1 ($duration)"
"$oha" -z "$duration" -c 1 --no-tui --output-format json -m POST -H "content-type: application/json" \
  -Z "$data/bodies-label.txt" "http://127.0.0.1:$port/similar" > "$work/vec-label-c1.json"
echo "{\"heap\":\"$NEO4J_HEAP\",\"pagecache\":\"$NEO4J_PAGECACHE\"}" > "$work/vec-neo4j.json"
