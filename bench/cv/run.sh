#!/usr/bin/env bash
# Rust cv-processor vs the Python onnxruntime baseline on the fixture photos, on
# CPU with the same models and the same intra-op thread count; writes
# bench/results/cv-<date>.md with both sets of medians and the ratios (`just bench-cv`).
#
#   bench/cv/run.sh [ROUNDS=10] [THREADS=1]
#
# Env: CARGO_TARGET_DIR (where the release binary is built), OUT (results file).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../scripts/lib/common.sh"

rounds="${1:-10}" threads="${2:-1}"
if ! source "$SIGHTGRAPH_ROOT/scripts/models/env.sh" 2>/dev/null; then
  "$SIGHTGRAPH_ROOT/scripts/models/build.sh" >/dev/null
  source "$SIGHTGRAPH_ROOT/scripts/models/env.sh"
fi
python="$SIGHTGRAPH_CACHE/venvs/ort/bin/python"
[[ -x $python ]] || die "no ort venv at $SIGHTGRAPH_CACHE/venvs/ort: run just models"

log "building cv-processor (release)"
(cd "$SIGHTGRAPH_ROOT" && cargo build --release --quiet -p cv-processor)
binary="$CARGO_TARGET_DIR/release/cv-processor"

work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
log "python baseline: $rounds rounds, $threads intra-op thread(s)"
"$python" "$here/baseline.py" --rounds "$rounds" --threads "$threads" > "$work/python.json"
log "rust: $rounds rounds, $threads intra-op thread(s)"
RUST_LOG=warn "$binary" bench --rounds "$rounds" --threads "$threads" > "$work/rust.json"

out="${OUT:-$SIGHTGRAPH_ROOT/bench/results/cv-$(date +%F).md}"
mkdir -p "$(dirname "$out")"
python3 - "$work/python.json" "$work/rust.json" "$out" <<'PY'
import json, os, platform, sys
py, rs = (json.load(open(p)) for p in sys.argv[1:3])
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
stages = ["decode", "preprocess", "detect", "embed", "total"]
rows = []
for s in stages:
    p, r = py["median_ms"][s], rs["median_ms"][s]
    rows.append(f"| {s} | {p:.3f} | {r:.3f} | {p / r:.2f}× |" if r else f"| {s} | {p:.3f} | {r:.3f} | – |")
ips = f"| images/s | {py['images_per_s']} | {rs['images_per_s']} | {rs['images_per_s'] / py['images_per_s']:.2f}× |"
extra = ", ".join(f"{s} {rs['median_ms'][s]:.3f} ms" for s in ("attributes", "relations", "all_stages"))
text = f"""# cv-processor benchmark: Rust vs Python baseline

Written by `bench/cv/run.sh` (`just bench-cv`). Same models (`detector.onnx`,
`embedder.onnx`), same fixture photos (`fixtures/gcs/sightgraph-raw/photos`,
{py['images'] // py['rounds']} images), same pre/post-processing definition
(`scripts/models/cvref.py`), ONNX Runtime {py['onnxruntime']} on CPU with
{py['intra_op_threads']} intra-op thread(s), {py['rounds']} measured rounds after one warm-up.

Machine: {cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}.

Median milliseconds per image and stage (ratio = Python ÷ Rust, above 1 means Rust is faster):

| stage | Python | Rust | ratio |
| --- | ---: | ---: | ---: |
{chr(10).join(rows)}
{ips}

- `total` is decode → embed in both (the Python baseline's own total).
- images/s is over the whole measured loop; the Rust loop also computes colours,
  relations, ids and validates the document ({extra} median; `all_stages` is
  everything after reading the bytes).
- Detections over the measured rounds: Python {py['detections']}, Rust {rs['detections']}
  (they differ when the two JPEG decoders push a score across the threshold).

Raw output:

```json
{json.dumps(py)}
{json.dumps(rs)}
```
"""
open(sys.argv[3], "w").write(text)
print(sys.argv[3])
PY
log "wrote $out"
