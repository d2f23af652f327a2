#!/usr/bin/env bash
# The serving benchmark (`just bench`), side by side in one run on the same
# Redis and the same values: redis-benchmark GET (the limit), feature-service
# cache hits over HTTP (oha, closed loop) at concurrency 1/16/64 in each vector
# encoding (JSON floats, JSON base64, binary frames), binary frames at c=16 from
# wrk too (a lighter C generator) and from a second instance without the near
# cache (NEAR_CACHE_BYTES=0: every hit a Redis GET), open-loop runs at half and a
# quarter of the measured maximum with latency correction beside the same open loops
# against /healthz (the generator's and HTTP's own floor), the cache's memory per object
# (format 1 vs 2, `MEMORY USAGE`), the Python baseline (bench/baseline), Feast's
# feature server (`feast serve`, Redis online store) against `/get-online-features`,
# query by vector on 100,000 stored 1280-d vectors (bench/serving/vectors.sh: recall@10
# and latency), the miss path through Neo4j, batched vs per-statement graph writes, cold
# start and idle RSS. Writes bench/results/serving-<date>.md with the machine (and its
# load average before and after), medians, raw numbers, the ratios against the issue's
# targets, and PNG plots beside it (bench/serving/plots.py).
#
#   bench/serving/run.sh
#
# Short form while developing: BENCH_DURATION=3s BENCH_RUNS=1 BENCH_COUNT=2000
# BENCH_VEC_COUNT=5000 BENCH_MISS_IMAGES=20 bench/serving/run.sh
#
# Env: BENCH_DURATION (per oha run, default 10s), BENCH_RUNS (runs per
# concurrency whose median is reported, default 3), BENCH_COUNT (objects,
# 10000), BENCH_DIM (vector length, 1280 = the embedder's), BENCH_VEC_COUNT
# (stored vectors for query by vector, 100000; see vectors.sh), BENCH_WRITE_IMAGES
# (documents per write pattern, 40), BENCH_OBJECTS_PER_IMAGE (8), BENCH_MISS_IMAGES (extra
# documents written untimed for the miss path, 300; 200 misses per concurrency warm up first), OUT (report),
# KEEP_WORK (set: keep the raw numbers' folder).
# Uses the shared Neo4j of scripts/services/all.sh and a Redis of its own
# (`redis.sh … sgbench`, stopped at the end) so ~500 MB of bench values never
# land in the shared test Redis.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../scripts/lib/common.sh"
cd "$SIGHTGRAPH_ROOT"
use_run_folder
duration="${BENCH_DURATION:-10s}" runs="${BENCH_RUNS:-3}" count="${BENCH_COUNT:-10000}" dim="${BENCH_DIM:-1280}"
write_images="${BENCH_WRITE_IMAGES:-40}" per_image="${BENCH_OBJECTS_PER_IMAGE:-8}"
concurrencies=(1 16 64)

oha="$(command -v oha || echo "$SIGHTGRAPH_CACHE/tools/bin/oha")"
[[ -x $oha ]] || bench/load/install.sh oha >/dev/null
{ command -v redis-benchmark && command -v wrk; } >/dev/null || bench/load/install.sh >/dev/null

log "services (shared Neo4j; own Redis 'sgbench')"
scripts/services/all.sh up >/dev/null
set -a; source "$SIGHTGRAPH_RUN/services.env"; set +a
set -a; eval "$(scripts/services/redis.sh start sgbench)"; set +a
unset REDIS_CLUSTER_URLS # NB: it would take precedence over REDIS_URL
redis_port="$REDIS_PORT"

log "release build"
# NB: one invocation, so the binary and the bench helpers share one feature resolution (no rebuilds).
cargo build --release --quiet -p feature-service --bin feature-service -p serving-bench --bin serving_bench --bin vector_bench
bin="$CARGO_TARGET_DIR/release/feature-service"
sb="$CARGO_TARGET_DIR/release/serving_bench"

work="$(mktemp -d)"
cat /proc/loadavg > "$work/loadavg-before.txt"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  scripts/services/redis.sh stop sgbench >/dev/null 2>&1 || true
  scripts/services/redis.sh stop sgfeast >/dev/null 2>&1 || true
  [[ -n ${KEEP_WORK:-} ]] && echo "work folder kept: $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
export FEATURE_SET="bench-$(date +%s)-$$" CACHE_TTL_SECONDS=86400 RUST_LOG=warn LOG_FORMAT=json ALLOWED_BUCKETS=sightgraph-bench
redis-cli -p "$redis_port" flushall >/dev/null

log "seeding $count objects (dim $dim) into Redis: format 2 (service, redis-benchmark) and format 1 (baseline)"
mkdir -p "$work/export"
"$sb" seed --count "$count" --dim "$dim" --urls "$work/paths.txt" --export "$work/export" > "$work/seed.json"
sed "s|^|http://127.0.0.1:PORT|" "$work/paths.txt" > "$work/urls.tmpl"
"$sb" codec --dim "$dim" > "$work/codec.json"

log "graph writes: $write_images documents × $per_image objects, batched vs one statement per object"
"$sb" writes --images "$write_images" --objects "$per_image" --dim "$dim" --miss-images "${BENCH_MISS_IMAGES:-300}" \
  --urls "$work/miss-paths.txt" > "$work/writes.json"

wait_healthz() { # PORT
  for ((i = 0; i < 300; i++)); do curl -fsS -o /dev/null "http://127.0.0.1:$1/healthz" 2>/dev/null && return 0; sleep 0.1; done
  die "nothing answered /healthz on port $1"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

port="$(free_port)"
PORT="$port" HOST=127.0.0.1 "$bin" > "$work/service.log" 2>&1 &
pids+=($!)
wait_healthz "$port"
sed "s|PORT|$port|" "$work/urls.tmpl" > "$work/urls.txt"
sed "s|$|?vector_encoding=f32le-base64|" "$work/urls.txt" > "$work/urls-b64.txt"
# NB: not oha: it picks its URLs at random, so `count` requests leave about a third of the ids
# out of the near cache, and the first timed run pays for them.
warm_every_id() { # OUT
  "$sb" miss --base "http://127.0.0.1:$port" --concurrency 16 --urls "$work/paths.txt" > "$1"
}
log "warm-up (every id once)"
warm_every_id "$work/warmup.json"

# NB: CPU accounting: the CPU seconds the service, Redis and the load generator spent over a run,
# from the servers' /proc counters and the generator's rusage, so the report can say where each
# request's CPU goes on the 2 shared CPUs.
service_pid="${pids[0]}"
redis_pid="$(pgrep -f "redis-server .*:$redis_port" | head -n 1)"
clk_tck="$(getconf CLK_TCK)"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
gen() { # [CPU_JSON=FILE] CMD...: runs the generator; with CPU_JSON set, writes the three CPU figures there
  [[ -z ${CPU_JSON:-} ]] && { "$@"; return; }
  local s0 r0 rc=0
  s0="$(ticks "$service_pid")" r0="$(ticks "$redis_pid")"
  python3 -c 'import resource, subprocess, sys
rc = subprocess.run(sys.argv[2:]).returncode
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write(str(r.ru_utime + r.ru_stime))
sys.exit(rc)' "$CPU_JSON.gen" "$@" || rc=$?
  python3 -c 'import json, sys; t = float(sys.argv[5]); json.dump({"service_s": (float(sys.argv[2]) - float(sys.argv[1])) / t, "redis_s": (float(sys.argv[4]) - float(sys.argv[3])) / t, "generator_s": float(open(sys.argv[6]).read())}, open(sys.argv[7], "w"))' \
    "$s0" "$(ticks "$service_pid")" "$r0" "$(ticks "$redis_pid")" "$clk_tck" "$CPU_JSON.gen" "$CPU_JSON"
  return "$rc"
}

# NB: the three encodings of the same lookups: JSON floats (default), JSON base64, binary frames;
# and /healthz, the same generator against a handler that does nothing.
hit() { # ENCODING|healthz C OUT [oha flags...]
  local enc="$1" c="$2" out="$3"; shift 3
  case "$enc" in
    json) gen "$oha" "$@" -c "$c" --no-tui --output-format json --urls-from-file "$work/urls.txt" > "$out" ;;
    b64) gen "$oha" "$@" -c "$c" --no-tui --output-format json --urls-from-file "$work/urls-b64.txt" > "$out" ;;
    bin) gen "$oha" "$@" -c "$c" --no-tui --output-format json -H "accept: application/octet-stream" \
      --urls-from-file "$work/urls.txt" > "$out" ;;
    healthz) gen "$oha" "$@" -c "$c" --no-tui --output-format json "http://127.0.0.1:$port/healthz" > "$out" ;;
  esac
}
first_url="$(head -n 1 "$work/urls.txt")"
for enc in json b64 bin; do
  case "$enc" in
    json) curl -s -o /dev/null -w '{"header_bytes":%{size_header},"body_bytes":%{size_download}}' "$first_url" ;;
    b64) curl -s -o /dev/null -w '{"header_bytes":%{size_header},"body_bytes":%{size_download}}' "$first_url?vector_encoding=f32le-base64" ;;
    bin) curl -s -o /dev/null -w '{"header_bytes":%{size_header},"body_bytes":%{size_download}}' -H "accept: application/octet-stream" "$first_url" ;;
  esac > "$work/wire-$enc.json"
done

for c in "${concurrencies[@]}"; do
  for ((r = 1; r <= runs; r++)); do
    for enc in json b64 bin; do
      log "feature-service hit path ($enc): c=$c run $r/$runs ($duration)"
      CPU_JSON="$work/cpu-$enc-c$c-r$r.json" hit "$enc" "$c" "$work/rust-$enc-c$c-r$r.json" -z "$duration"
    done
    log "redis-benchmark GET: c=$c run $r/$runs"
    n=$((c == 1 ? 50000 : 200000))
    CPU_JSON="$work/cpu-redis-c$c-r$r.json" gen redis-benchmark -p "$redis_port" -t get -n "$n" -c "$c" -r "$count" \
      --csv > "$work/redis-c$c-r$r.csv"
  done
done

# NB: the same lookups from wrk, a C generator that costs less CPU per request than oha, so
# that less of the 2 shared CPUs goes to the generator (redis-benchmark is C as well).
wrk_bin() { # OUT [CPU_JSON]
  CPU_JSON="${2:-}" gen env PATHS="$work/paths.txt" wrk -t 2 -c 16 -d "$duration" -s "$here/paths.lua" \
    "http://127.0.0.1:$port" | tail -n 1 > "$1"
}
for ((r = 1; r <= runs; r++)); do
  log "feature-service hit path (bin) from wrk: c=16 run $r/$runs ($duration)"
  wrk_bin "$work/wrk-bin-c16-r$r.json" "$work/cpu-wrkbin-c16-r$r.json"
done

# NB: the near cache is on by default; a second instance without it answers every hit from Redis.
log "feature-service without the near cache (NEAR_CACHE_BYTES=0): bin, c=16, oha and wrk"
port_near="$port" service_near="$service_pid"
port="$(free_port)"
PORT="$port" HOST=127.0.0.1 NEAR_CACHE_BYTES=0 "$bin" > "$work/service-nonear.log" 2>&1 &
service_pid=$!; pids+=("$service_pid")
wait_healthz "$port"
sed "s|PORT|$port|" "$work/urls.tmpl" > "$work/urls-nonear.txt"
"$oha" -n "$count" -c 16 --no-tui --output-format json --urls-from-file "$work/urls-nonear.txt" > "$work/warmup-nonear.json"
for ((r = 1; r <= runs; r++)); do
  CPU_JSON="$work/cpu-nonearbin-c16-r$r.json" gen "$oha" -z "$duration" -c 16 --no-tui --output-format json \
    -H "accept: application/octet-stream" --urls-from-file "$work/urls-nonear.txt" > "$work/rust-nonearbin-c16-r$r.json"
  wrk_bin "$work/wrk-nonearbin-c16-r$r.json" "$work/cpu-wrknonearbin-c16-r$r.json"
done
kill "$service_pid"; wait "$service_pid" 2>/dev/null || true
port="$port_near" service_pid="$service_near"

# NB: closed-loop tails on 2 shared cores measure the scheduler; an open-loop run at a fixed
# rate with latency correction measures the service's tail: at half the measured maximum (the
# goal) and, for binary frames, at a quarter, each beside the same open loop against /healthz (no
# handler work: the floor of the generator and HTTP on these CPUs). oha keeps every request's
# times (--db-url) so the report can give steady-state percentiles (bench/serving/openloop.py).
open_run() { # NAME RATE bin|json|healthz
  local name="$1" rate="$2" target="$3"
  rm -f "$work/open-$name.db"
  hit "$target" 16 "$work/open-$name.json" -z "$duration" -q "$rate" --latency-correction --db-url "$work/open-$name.db"
  echo "$rate" > "$work/open-$name.rate"
}
# NB: the near cache keeps an entry for 60 s (NEAR_CACHE_TTL_SECONDS) and the runs without it took
# longer than that: without a second pass over every id, the first open-loop run refilled it from
# Redis and spent its first second draining that backlog.
log "warm-up again (every id once) before the open loop"
warm_every_id "$work/warmup-open.json"
for enc in bin json; do
  max="$(python3 -c 'import json,sys,statistics; print(statistics.median(json.load(open(p))["summary"]["requestsPerSec"] for p in sys.argv[1:]))' "$work"/rust-$enc-c16-r*.json)"
  rate="$(python3 -c "print(max(1, int($max / 2)))")"
  log "open loop ($enc): $rate req/s (half of $max) at c=16 with latency correction ($duration)"
  open_run "$enc" "$rate" "$enc"
  if [[ $enc == bin ]]; then
    open_run healthz "$rate" healthz
    quarter="$(python3 -c "print(max(1, int($max / 4)))")"
    log "open loop (bin and /healthz): $quarter req/s (a quarter of $max)"
    open_run bin-quarter "$quarter" bin
    open_run healthz-quarter "$quarter" healthz
  fi
done

log "Feast's feature server (feast serve, Redis online store of its own) vs /get-online-features"
bench/serving/feast.sh "$work" "http://127.0.0.1:$port" "$duration" "$oha"

log "miss path through Neo4j (each object requested once)"
total="$(wc -l < "$work/miss-paths.txt")"; half=$((total / 2))
head -n "$half" "$work/miss-paths.txt" > "$work/miss-a.txt"
tail -n +"$((half + 1))" "$work/miss-paths.txt" > "$work/miss-b.txt"
"$sb" miss --base "http://127.0.0.1:$port" --concurrency 1 --warmup 200 --urls "$work/miss-a.txt" > "$work/miss-c1.json"
"$sb" miss --base "http://127.0.0.1:$port" --concurrency 16 --warmup 200 --urls "$work/miss-b.txt" > "$work/miss-c16.json"
rss_after_load="$(awk '/^VmRSS/ {print $2}' "/proc/$service_pid/status")"
kill "$service_pid"; wait "$service_pid" 2>/dev/null || true; pids=()

log "Python baseline on the same Redis and values"
bport="$(free_port)"
bpid="$(KEY_PREFIX=features:object: bench/baseline/run.sh "$bport")"
pids+=("$bpid")
seq 0 $((count - 1)) | sed "s|^|http://127.0.0.1:$bport/features/object/|" > "$work/baseline-urls.txt"
"$oha" -n 2000 -c 16 --no-tui --output-format json --urls-from-file "$work/baseline-urls.txt" > "$work/baseline-warmup.json"
for c in "${concurrencies[@]}"; do
  log "baseline: c=$c ($duration)"
  "$oha" -z "$duration" -c "$c" --no-tui --output-format json --urls-from-file "$work/baseline-urls.txt" > "$work/python-c$c-r1.json"
done
kill "$bpid" 2>/dev/null || true; pids=()

log "cold start and idle RSS"
"$sb" coldstart --bin "$bin" --runs 7 > "$work/coldstart.json"

log "query by vector: ${BENCH_VEC_COUNT:-100000} stored vectors in a Neo4j of its own"
bench/serving/vectors.sh "$work" "$duration" "$oha"
cat /proc/loadavg > "$work/loadavg-after.txt"

out="${OUT:-$SIGHTGRAPH_ROOT/bench/results/serving-$(date +%F).md}"
mkdir -p "$(dirname "$out")"
python3 "$here/report.py" "$work" "$out" "$runs" "$duration" "$rss_after_load" "$("$oha" --version)"
"$(venv bench "$here/requirements.txt")/bin/python" "$here/plots.py" "$work" "${out%.md}"
log "wrote $out and its plots (${out%.md}-*.png)"
