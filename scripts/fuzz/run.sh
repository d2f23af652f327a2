#!/usr/bin/env bash
# `just fuzz [TARGET] [SECONDS]`: builds the cargo-fuzz targets in fuzz/ (nightly, sanitizer-free
# coverage build with debug assertions, into $SIGHTGRAPH_CACHE/fuzz-target) and runs every target,
# or TARGET, for SECONDS each from the committed seeds (fuzz/seeds/<target>) plus the corpus it
# grows (fuzz/corpus/<target>, not committed). Prints executions, corpus size and crashes per
# target; a crash fails the run and leaves its input in fuzz/artifacts/<target>/.
# Installs cargo-fuzz into $SIGHTGRAPH_CACHE/tools when it is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib/common.sh"
cd "$SIGHTGRAPH_ROOT/fuzz"

TARGETS=(cloudevent pubsub_push feature_document object_uri image_decode)
CARGO_FUZZ_VERSION=0.13.1
which="${1:-all}"
seconds="${2:-60}"
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || die "SECONDS must be a positive number, got $seconds"
if [[ "$which" == all ]]; then
  targets=("${TARGETS[@]}")
else
  [[ " ${TARGETS[*]} " == *" $which "* ]] || die "unknown target $which; known: ${TARGETS[*]}"
  targets=("$which")
fi

tools="$SIGHTGRAPH_CACHE/tools"
export PATH="$tools/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
  log "installing cargo-fuzz $CARGO_FUZZ_VERSION into $tools"
  CARGO_INSTALL_ROOT="$tools" cargo install --locked --quiet cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
rustup toolchain list | grep -q '^nightly' || die "the nightly toolchain is required: rustup toolchain install nightly"

target_dir="${SIGHTGRAPH_FUZZ_TARGET:-$SIGHTGRAPH_CACHE/fuzz-target}"
flags=(+nightly fuzz)
opts=(--sanitizer none --debug-assertions --target-dir "$target_dir")
log "building ${targets[*]}"
for t in "${targets[@]}"; do
  cargo "${flags[@]}" build "${opts[@]}" "$t"
done

failed=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  log "fuzzing $t for ${seconds}s"
  out="$(mktemp)"
  # NB: one process (-jobs=1 is the default), bounded memory and input size, stats at the end.
  if cargo "${flags[@]}" run "${opts[@]}" "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=262144 -timeout=20 \
      -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"$out" 2>&1; then
    status=ok
  else
    status=CRASHED
    failed+=("$t")
    tail -n 40 "$out" >&2
  fi
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out" | grep -o '[0-9]*$' | tail -1)"
  corpus="$(find "corpus/$t" -type f | wc -l)"
  crashes="$(find "artifacts/$t" -type f | wc -l)"
  printf '%s\texecs=%s\tcorpus=%s\tartifacts=%s\t%s\n' "$t" "${execs:-?}" "$corpus" "$crashes" "$status"
  rm -f "$out"
done

if ((${#failed[@]})); then
  die "crashes in: ${failed[*]} (inputs under fuzz/artifacts/; reproduce with cargo +nightly fuzz run TARGET FILE)"
fi
