# Source me: exports ORT_DYLIB_PATH and SIGHTGRAPH_MODEL_DIR for models that
# scripts/models/build.sh (`just models`) already built, so cargo test/run and
# the cv-processor find ONNX Runtime and the models without rebuilding.
# Leaves shell options alone; returns 1 with a hint when nothing is built.
_sg_cache="${SIGHTGRAPH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sightgraph}"
_sg_models="${SIGHTGRAPH_MODEL_DIR:-$_sg_cache/models}"
_sg_dylib="$(sed -n 's/^ *"dylib": "\(.*\)".*$/\1/p' "$_sg_models/manifest.json" 2>/dev/null)"
if [[ -f $_sg_models/detector.onnx && -f $_sg_models/embedder.onnx && -f $_sg_dylib ]]; then
  export SIGHTGRAPH_MODEL_DIR="$(cd "$_sg_models" && pwd)" ORT_DYLIB_PATH="$_sg_dylib"
  unset _sg_cache _sg_models _sg_dylib
else
  echo "models not built in $_sg_models: run just models" >&2
  unset _sg_cache _sg_models _sg_dylib
  return 1 2>/dev/null || exit 1
fi
