#!/usr/bin/env bash
# `just gpu-check`: cv-processor on an NVIDIA GPU, ready for when one is lent. Installs the
# pinned onnxruntime-gpu and CUDA runtime wheels (scripts/gpu/requirements.txt) from PyPI, runs
# the fixture photos through `cv-processor batch` with the CUDA execution provider and on CPU,
# checks the GPU's detections match the CPU's within the parity tolerances of
# functions/cv-processor/tests/pipeline/parity.rs, and prints images/s at batch sizes 1, 8 and
# 32 for both. Without an NVIDIA GPU it says so and exits 0.
#
#   scripts/gpu/check.sh [IMAGES=64]
#
# Env: CV_PROCESSOR_BIN (a built binary; else `cargo build --release -p cv-processor`),
# GPU_CHECK_OUT (also write the table there as Markdown), GPU_CHECK_CPU_ONLY=1 (no GPU needed:
# run only the CPU side, to check this script itself).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib/common.sh"
images="${1:-64}"
cpu_only="${GPU_CHECK_CPU_ONLY:-}"

if [[ -z $cpu_only ]]; then
  if ! command -v nvidia-smi >/dev/null; then
    echo "gpu-check: no NVIDIA GPU here (nvidia-smi is not installed): nothing to check."
    exit 0
  fi
  if ! gpus="$(nvidia-smi -L 2>/dev/null)" || ! grep -q '^GPU ' <<<"$gpus"; then
    echo "gpu-check: no NVIDIA GPU here (nvidia-smi lists none): nothing to check."
    exit 0
  fi
  log "GPUs: $gpus"
  log "driver: $(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -1) (CUDA 13 wheels need >= 580)"
fi

# CPU side: the ONNX Runtime and models `just models` builds (scripts/models/env.sh).
if ! source "$SIGHTGRAPH_ROOT/scripts/models/env.sh" 2>/dev/null; then
  log "building the models (just models)"
  "$SIGHTGRAPH_ROOT/scripts/models/build.sh" >/dev/null
  source "$SIGHTGRAPH_ROOT/scripts/models/env.sh"
fi
cpu_dylib="$ORT_DYLIB_PATH"

binary="${CV_PROCESSOR_BIN:-}"
if [[ -z $binary ]]; then
  command -v cargo >/dev/null || die "cargo is needed to build cv-processor (or set CV_PROCESSOR_BIN)"
  log "building cv-processor (release)"
  (cd "$SIGHTGRAPH_ROOT" && cargo build --release --quiet -p cv-processor)
  binary="$CARGO_TARGET_DIR/release/cv-processor"
fi
[[ -x $binary ]] || die "no cv-processor binary at $binary"

args=(--binary "$binary" --images "$images" --cpu-dylib "$cpu_dylib"
      --photos "$SIGHTGRAPH_ROOT/fixtures/gcs/sightgraph-raw/photos")
if [[ -z $cpu_only ]]; then
  env_dir="$(venv gpu "$here/requirements.txt")"
  site="$(echo "$env_dir"/lib/python3*/site-packages)"
  gpu_dylib="$(ls "$site"/onnxruntime/capi/libonnxruntime.so.* | head -1)"
  [[ -f $site/onnxruntime/capi/libonnxruntime_providers_cuda.so ]] || die "the wheel has no CUDA provider"
  # NB: ONNX Runtime dlopens the CUDA and cuDNN libraries by name: put the wheels' folders first.
  libs="$(find "$site/nvidia" -name 'lib*.so*' -printf '%h\n' | sort -u | paste -sd:)"
  export LD_LIBRARY_PATH="$site/onnxruntime/capi:$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  args+=(--gpu-dylib "$gpu_dylib")
fi
[[ -n ${GPU_CHECK_OUT:-} ]] && args+=(--out "$GPU_CHECK_OUT")
python3 "$here/measure.py" "${args[@]}"
