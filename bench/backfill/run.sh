#!/usr/bin/env bash
# `just bench-backfill`: images/s of a backfill (`sightgraph backfill run`, SHARDS `cv-processor batch`
# processes) against today's path (one `cv-processor` process per image), on the same IMAGES distinct
# images and the same model weights, CPU only; per-stage timings and a plot; then the event path's
# end-to-end latency (finalize event → features answered) over LATENCY_UPLOADS (100) uploads. The
# headline backfill runs at BACKFILL_BATCH_SIZE (default 1: on CPU, batching the models buys nothing,
# see the report); the same backfill at each size in BACKFILL_SWEEP (default "4 16", each under a version
# name of its own) shows why. The two paths run in BENCH_ROUNDS (3) pairs; the ratio reported is the
# median of the pairs'. Last, efficiency.py sets ONNX Runtime's speed on the models against one core's
# GEMM rate, the ceiling's cause. Writes bench/results/backfill-<date>.md and .png.
#
#   bench/backfill/run.sh [IMAGES=500] [SHARDS=2]
#
# Env: CARGO_TARGET_DIR (release binaries), OUT_DIR (default bench/results), BENCH_MODEL_DIR (models
# with a dynamic batch dimension; default SIGHTGRAPH_MODEL_DIR after `just models`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../scripts/lib/common.sh"
images="${1:-500}" shards="${2:-2}"
batch_size="${BACKFILL_BATCH_SIZE:-1}" sweep="${BACKFILL_SWEEP:-4 16}" rounds="${BENCH_ROUNDS:-3}"

if ! source "$SIGHTGRAPH_ROOT/scripts/models/env.sh" 2>/dev/null; then
  "$SIGHTGRAPH_ROOT/scripts/models/build.sh" >/dev/null
  source "$SIGHTGRAPH_ROOT/scripts/models/env.sh"
fi
models_a="${BENCH_MODEL_DIR:-$SIGHTGRAPH_MODEL_DIR}"
py="$(venv bench-backfill "$here/requirements.txt")/bin/python"

log "building cv-processor, feature-ingestor, sightgraph and sightgraph-local (release)"
(cd "$SIGHTGRAPH_ROOT" && cargo build --release --quiet -p cv-processor -p feature-ingestor -p sightgraph -p local-stack)
bin="$CARGO_TARGET_DIR/release"

work="$(mktemp -d)"
ingestor_pid=""
cleanup() { [[ -n $ingestor_pid ]] && kill "$ingestor_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

log "making $images distinct images"
"$py" "$here/images.py" "$SIGHTGRAPH_ROOT/fixtures/gcs/sightgraph-raw/photos" "$work/bucket/bench/photos" "$images" >&2
(cd "$work/bucket/bench/photos" && ls) | sed 's|^|gs://bench/photos/|' > "$work/uris.txt"

# Version B: the same model files under another version name, so the backfill has work and both paths
# compute the same thing.
# NB: version B (and each sweep version) = version A's model files under another name, so every
# path does the same arithmetic and the backfill has every image to redo.
models_named() { # DIR SUFFIX
  mkdir -p "$1"
  ln -s "$models_a/detector.onnx" "$1/detector.onnx"
  ln -s "$models_a/embedder.onnx" "$1/embedder.onnx"
  python3 - "$models_a/manifest.json" "$1/manifest.json" "$2" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["model_version"] = m["model_version"].replace("@", f"-{sys.argv[3]}@", 1)
json.dump(m, open(sys.argv[2], "w"), indent=1)
PY
}
models_named "$work/models-b" bench
version_a="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["model_version"])' "$models_a/manifest.json")"
version_b="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["model_version"])' "$work/models-b/manifest.json")"

export LOCAL_BUCKET_ROOT="$work/bucket" SQLITE_PATH="$work/graph.db" FEATURE_SET=default
export CV_THREADS=1 RUST_LOG=warn LOG_FORMAT=json HOST=127.0.0.1
# NB: the ingestor verifies Pub/Sub push tokens unless told not to (allowed outside Kubernetes only);
# the documents here arrive as CloudEvents on loopback.
export PUSH_AUTH_DISABLED=true
unset NEO4J_URI REDIS_URL REDIS_CLUSTER_URLS

load_before="$(cut -d' ' -f1 /proc/loadavg)"
timed_backfill() { # MODEL_DIR BATCH OUT_JSON ROOT
  local version start end done_images
  version="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["model_version"])' "$1/manifest.json")"
  start="$(date +%s.%N)"
  BACKFILL_BATCH_SIZE="$2" "$bin/sightgraph" backfill run --model-version "$version" \
    --model-dir "$1" --processor-bin "$bin/cv-processor" --root "$4" \
    --shards "$shards" --parallelism "$shards" | tee "$work/backfill.out" >&2
  end="$(date +%s.%N)"
  # The run's own count: "run bf-…: N images in S shards, …".
  done_images="$(sed -n 's/^run bf-[0-9a-f]*.*: \([0-9]*\) images in .*/\1/p' "$work/backfill.out" | head -1)"
  [[ -n $done_images ]] || die "the backfill planned nothing: $(cat "$work/backfill.out")"
  python3 -c 'import json,sys; json.dump({"images": int(sys.argv[1]), "wall_s": float(sys.argv[3]) - float(sys.argv[2]), "batch_size": int(sys.argv[5])}, open(sys.argv[4], "w"))' \
    "$done_images" "$start" "$end" "$3" "$2"
}

per_image_round() { # DOCS_DIR OUT_JSON
  local port
  port="$(free_port)"
  PORT="$port" "$bin/feature-ingestor" > "$work/ingestor.log" 2>&1 &
  ingestor_pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || die "feature-ingestor did not start: $(tail -5 "$work/ingestor.log")"
  SIGHTGRAPH_MODEL_DIR="$models_a" "$py" "$here/measure.py" per-image "$bin/cv-processor" "$work/uris.txt" \
    "$1" "http://127.0.0.1:$port/" 2 "$2"
  kill "$ingestor_pid"; wait "$ingestor_pid" 2>/dev/null || true; ingestor_pid=""
}

# NB: ROUNDS paired runs (per-image path, then the backfill of a version of its own), so the ratio is
# a median of ratios measured minutes apart rather than one draw of a machine whose speed drifts.
# Round 1's files are the ones the report details; its per-image runs also fill the graph with version A.
for ((r = 1; r <= rounds; r++)); do
  suffix="$([[ $r == 1 ]] || echo "-r$r")"
  log "round $r/$rounds: per-image path, $images processes, 2 at a time (version A)"
  per_image_round "$work/per-image-docs$suffix" "$work/per-image$suffix.json"
  [[ $r == 1 ]] || models_named "$work/models-b$suffix" "bench-r$r"
  log "round $r/$rounds: backfill path, $shards shards, batch size $batch_size"
  timed_backfill "$work/models-b$suffix" "$batch_size" "$work/backfill$suffix.json" "$work/backfills$suffix"
done
# NB: the sweep's logs go to their own root, so the headline's shard summaries stay alone in the report.
for b in $sweep; do
  log "backfill path: $shards shards, batch size $b (its own version name)"
  models_named "$work/models-bs$b" "bs$b"
  timed_backfill "$work/models-bs$b" "$b" "$work/sweep-bs$b.json" "$work/backfills-bs$b"
done

rerun="$("$bin/sightgraph" backfill run --model-version "$version_b" --model-dir "$work/models-b" \
  --processor-bin "$bin/cv-processor" --root "$work/backfills" --shards "$shards" 2>&1 | tail -1)"
"$bin/sightgraph" backfill compare --from "$version_a" --to "$version_b" --out-dir "$work/compare" >&2
cp "$work"/compare/compare-*.json "$work/compare.json"; cp "$work"/compare/compare-*.md "$work/compare.md"
activate="$("$bin/sightgraph" backfill activate --version "$version_b" --actor bench 2>&1 | tail -1)"

uploads="${LATENCY_UPLOADS:-100}"
log "event path on the local stack: finalize event → features answered, $uploads uploads one at a time"
# NB: ONNX Runtime's default threads here: one image at a time is the latency case, not the throughput one.
(unset CV_THREADS; "$py" "$here/latency.py" "$bin/sightgraph-local" "$work/bucket/bench/photos" "$uploads" \
  "$work/e2e" "$work/latency.json") >&2

log "ONNX Runtime's speed on the models against one core's GEMM rate (efficiency.py)"
"$py" "$here/efficiency.py" "$models_a" "$work/efficiency.json" >&2

load_after="$(cut -d' ' -f1 /proc/loadavg)"
date="$(date +%F)"
out_dir="${OUT_DIR:-$SIGHTGRAPH_ROOT/bench/results}"
mkdir -p "$out_dir"
python3 - "$work/meta.json" "$images" "$shards" "$batch_size" "$version_b" "$date" "$rerun" "$activate" \
  "$load_before" "$load_after" <<'PY'
import json, sys
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
_, out, images, shards, batch, vb, date, rerun, activate, load_before, load_after = sys.argv
json.dump({"images": int(images), "shards": int(shards), "batch_size": int(batch), "version_b": vb, "date": date,
           "cpu": cpu, "rerun": rerun, "activate": activate, "load_before": load_before, "load_after": load_after},
          open(out, "w"))
PY
"$py" "$here/measure.py" report "$work" "$out_dir/backfill-$date.md" "$out_dir/backfill-$date.png"
