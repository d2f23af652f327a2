"""gpu-check's measurement (scripts/gpu/check.sh runs it): `cv-processor batch` over copies of the
fixture photos at batch sizes 1, 8 and 32, on CPU and (when --gpu-dylib is given) with the CUDA
execution provider; checks the GPU documents against the CPU ones within the parity tolerances of
functions/cv-processor/tests/pipeline/parity.rs; prints a table (and writes it with --out)."""
import argparse
import datetime
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BATCHES = (1, 8, 32)
SCORE_TOL = BOX_TOL = 0.01  # parity.rs: every reference detection within 0.01 in score and box


def write_run(root: Path, uris: list[str], version: str) -> str:
    run = "bf-" + secrets.token_hex(6)
    (root / "runs" / run / "shards").mkdir(parents=True)
    (root / "runs" / run / "shards" / "00000.txt").write_text("\n".join(uris) + "\n")
    manifest = {
        "schema": "sightgraph.backfill/v1", "run": run, "feature_set": "default", "model_version": version,
        "processor": "gpu-check", "scope": "all", "images": len(uris), "shards": 1, "chunk_size": 32,
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(), "created_by": "gpu-check",
    }
    (root / "runs" / run / "manifest.json").write_text(json.dumps(manifest))
    return run


def run_batch(args, work: Path, uris, version, device: str, batch: int) -> tuple[dict, Path]:
    root, docs = work / f"{device}-{batch}", work / f"{device}-{batch}-docs"
    run = write_run(root, uris, version)
    env = dict(os.environ, RUST_LOG="warn", LOG_FORMAT="json",
               ORT_DYLIB_PATH=args.gpu_dylib if device == "gpu" else args.cpu_dylib)
    env.pop("CV_CPU_ONLY", None)
    if device == "cpu":
        env["CV_CPU_ONLY"] = "true"
    cmd = [args.binary, "batch", "--root", str(root), "--run", run, "--shard-index", "0",
           "--batch-size", str(batch), "--out-dir", str(docs)]
    started = time.monotonic()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    wall = time.monotonic() - started
    if out.returncode != 0:
        sys.exit(f"gpu-check: {device} batch {batch} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    summary["wall_s"] = wall
    return summary, docs


def documents(folder: Path) -> dict:
    return {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}


def box_diff(a: dict, b: dict) -> float:
    return max(abs(a[k] - b[k]) for k in ("x_min", "y_min", "x_max", "y_max"))


def parity(cpu: dict, gpu: dict) -> list[str]:
    """Every CPU detection has one GPU detection of its label within the tolerances, and back."""
    problems = []
    if cpu.keys() != gpu.keys():
        return [f"images differ: {sorted(cpu.keys() ^ gpu.keys())}"]
    for image, c in cpu.items():
        g = gpu[image]
        if len(c["objects"]) != len(g["objects"]):
            problems.append(f"{c['image']['name']}: {len(c['objects'])} objects on CPU, {len(g['objects'])} on GPU")
            continue
        used = set()
        for o in c["objects"]:
            cands = [(box_diff(o["box_norm"], x["box_norm"]), i, x) for i, x in enumerate(g["objects"])
                     if i not in used and x["label"] == o["label"]]
            if not cands:
                problems.append(f"{c['image']['name']}: no GPU {o['label']}")
                continue
            db, i, x = min(cands, key=lambda t: t[0])
            used.add(i)
            ds = abs(o["score"] - x["score"])
            dot = sum(a * b for a, b in zip(o["embedding"], x["embedding"]))
            if ds > SCORE_TOL or db > BOX_TOL or dot < 0.99:
                problems.append(f"{c['image']['name']} {o['label']}: score off by {ds:.4f}, box by {db:.4f}, "
                                f"embedding cosine {dot:.4f}")
    return problems


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--binary", required=True)
    p.add_argument("--images", type=int, default=64)
    p.add_argument("--photos", type=Path, required=True)
    p.add_argument("--cpu-dylib", required=True)
    p.add_argument("--gpu-dylib")
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    version = json.loads((Path(os.environ["SIGHTGRAPH_MODEL_DIR"]) / "manifest.json").read_text())["model_version"]
    photos = sorted(x for x in args.photos.iterdir() if x.suffix in (".jpg", ".png"))
    work = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    try:
        # NB: copies of the fixture photos under distinct names: the same pixels, so the numbers are
        # throughput on realistic photos, and the documents (one per image id) compare one to one.
        (work / "photos").mkdir()
        uris = []
        for n in range(args.images):
            src = photos[n % len(photos)]
            dst = work / "photos" / f"{n:04d}-{src.name}"
            shutil.copyfile(src, dst)
            uris.append(str(dst))
        devices = ["cpu"] + (["gpu"] if args.gpu_dylib else [])
        rows, docs = [], {}
        for device in devices:
            for batch in BATCHES:
                summary, folder = run_batch(args, work, uris, version, device, batch)
                docs[(device, batch)] = folder
                rows.append((device, batch, summary))
                print(f"{device} batch {batch:>2}: {summary['images_per_s']:.1f} images/s "
                      f"({summary['execution_provider']}, {summary['images']} images)", flush=True)
        problems = []
        cpu = documents(docs[("cpu", 1)])
        for batch in BATCHES[1:]:
            problems += [f"cpu batch {batch}: {x}" for x in parity(cpu, documents(docs[("cpu", batch)]))]
        if args.gpu_dylib:
            if any(s["execution_provider"] != "cuda" for d, _, s in rows if d == "gpu"):
                problems.append("the GPU runs fell back to CPU: CUDA did not start (see the log above)")
            for batch in BATCHES:
                problems += [f"batch {batch}: {x}" for x in parity(cpu, documents(docs[("gpu", batch)]))]
        stages = sorted({k for _, _, s in rows for k in s["stage_ms_per_image"]})
        lines = [
            f"# gpu-check, {datetime.date.today()}", "",
            f"`scripts/gpu/check.sh` (`just gpu-check`): `cv-processor batch`, one shard of {args.images} images "
            f"(copies of the {len(photos)} fixture photos), models `{version}`.",
            f"Machine: {platform.node()}, {os.cpu_count()} CPUs; GPU: "
            f"{os.popen('nvidia-smi -L 2>/dev/null').read().strip() or 'none (CPU side only)'}.", "",
            "| device | batch | images/s | provider | " + " | ".join(f"{s} ms/image" for s in stages) + " |",
            "| --- | ---: | ---: | --- |" + " ---: |" * len(stages),
        ]
        for device, batch, s in rows:
            ms = " | ".join(f"{s['stage_ms_per_image'].get(k, 0):.2f}" for k in stages)
            lines.append(f"| {device} | {batch} | {s['images_per_s']:.1f} | {s['execution_provider']} | {ms} |")
        lines += ["", "Parity with CPU batch 1 (score and box within 0.01, embedding cosine >= 0.99), CPU batches 8 "
                  "and 32" + (" and every GPU batch" if args.gpu_dylib else " (no GPU: CPU side only)") + ": " +
                  ("ok" if not problems else f"{len(problems)} problems")]
        text = "\n".join(lines) + "\n"
        print(text)
        if args.out:
            args.out.write_text(text)
        if problems:
            print("\n".join(problems[:50]), file=sys.stderr)
            sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
