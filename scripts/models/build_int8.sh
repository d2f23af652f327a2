#!/usr/bin/env bash
# Builds the second model version (`just models-int8`): the detector with int8 weights
# (scripts/models/quantize.py), the same embedder, a manifest naming version
# ssd_mobilenet_v2_coco_int8@…+mobilenet_v2@…, in $SIGHTGRAPH_MODEL_DIR_INT8 (default
# $SIGHTGRAPH_CACHE/models-int8). Backfilling it over the images the fp32 models
# processed is the README's model-upgrade walk-through. Idempotent like build.sh.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

HERE="$SIGHTGRAPH_ROOT/scripts/models"
"$HERE/build.sh" >/dev/null
BASE="${SIGHTGRAPH_MODEL_DIR:-$SIGHTGRAPH_CACHE/models}"
OUT="${SIGHTGRAPH_MODEL_DIR_INT8:-$SIGHTGRAPH_CACHE/models-int8}"
mkdir -p "$OUT" && OUT="$(cd "$OUT" && pwd)"
DOG="$SIGHTGRAPH_ROOT/fixtures/gcs/sightgraph-raw/photos/dog.jpg"

stamp="$( (sha256sum "$BASE/detector.onnx" "$BASE/embedder.onnx" "$HERE/quantize.py" "$HERE/requirements-convert.txt" \
  | cut -d' ' -f1) | sha256sum | cut -d' ' -f1)"
if [[ ! -s $OUT/manifest.json || "$(cat "$OUT/manifest.json.stamp" 2>/dev/null)" != "$stamp" ]]; then
  CONVERT_VENV="$(venv convert "$HERE/requirements-convert.txt")"
  log "quantizing the detector (int8 weights, ~2 s)"
  "$CONVERT_VENV/bin/python" "$HERE/quantize.py" "$BASE" "$OUT"
  ORT_VENV="$(venv ort "$HERE/requirements-ort.txt")"
  "$ORT_VENV/bin/python" "$HERE/validate.py" "$OUT/manifest.json.new" "$OUT" "$DOG" || die "int8 model validation failed"
  mv "$OUT/manifest.json.new" "$OUT/manifest.json"
  echo "$stamp" > "$OUT/manifest.json.stamp"
fi
echo "SIGHTGRAPH_MODEL_DIR_INT8=$OUT"
sed -n 's/^  "model_version": "\(.*\)",$/MODEL_VERSION_INT8=\1/p' "$OUT/manifest.json"
