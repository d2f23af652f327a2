#!/usr/bin/env bash
# Build (and with --push, push) the Sightgraph images: one per HTTP function from
# docker/function.Dockerfile, the web UI from docker/ui.Dockerfile, and cv-processor from
# docker/cv-processor.Dockerfile.
# Without a working container engine it says so and exits 0 (`just images`).
#   REGISTRY=europe-west1-docker.pkg.dev/PROJECT/sightgraph TAG=0.1.0 scripts/deploy/images.sh --push
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

FUNCTIONS=(ingest-trigger feature-ingestor feature-service cache-warmer)
REGISTRY="${REGISTRY:-sightgraph}"
TAG="${TAG:-$(git -C "$SIGHTGRAPH_ROOT" rev-parse --short HEAD 2>/dev/null || echo dev)}"
MODEL_DIR="${SIGHTGRAPH_MODEL_DIR:-$SIGHTGRAPH_CACHE/models}"
PUSH=0
for arg in "$@"; do
  case "$arg" in
    --push) PUSH=1 ;;
    *) die "unknown argument: $arg (usage: images.sh [--push])" ;;
  esac
done

engine=""
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  engine=docker
elif command -v podman >/dev/null 2>&1 && podman info >/dev/null 2>&1; then
  engine=podman
fi
if [[ -z "$engine" ]]; then
  log "no working container engine (docker or podman) here: skipping image builds"
  exit 0
fi

build() { # build IMAGE DOCKERFILE [extra args...]
  local image="$REGISTRY/$1:$TAG" file="$2"; shift 2
  log "building $image"
  "$engine" build -f "$SIGHTGRAPH_ROOT/$file" -t "$image" "$@" "$SIGHTGRAPH_ROOT"
  if ((PUSH)); then "$engine" push "$image"; fi
}

for fn in "${FUNCTIONS[@]}"; do
  build "$fn" docker/function.Dockerfile --build-arg "BIN=$fn"
done
build ui docker/ui.Dockerfile

for f in detector.onnx embedder.onnx manifest.json; do
  [[ -f "$MODEL_DIR/$f" ]] || die "$MODEL_DIR/$f is missing: run \`just models\` or set SIGHTGRAPH_MODEL_DIR"
done
build cv-processor docker/cv-processor.Dockerfile --build-context "models=$MODEL_DIR"
log "done: $REGISTRY/*:$TAG"
