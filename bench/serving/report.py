"""Writes the serving benchmark report from bench/serving/run.sh's work folder.
Usage: report.py WORK OUT RUNS DURATION RSS_AFTER_LOAD_KIB OHA_VERSION"""
import csv
import glob
import json
import os
import platform
import statistics
import subprocess
import sys

work, out, runs, duration, rss_load, oha_version = sys.argv[1:7]
C = [1, 16, 64]


def load(path):
    with open(path) as f:
        return json.load(f)


def oha(path):
    d = load(path)
    p = d["latencyPercentiles"]
    codes = d.get("statusCodeDistribution", {})
    ok = sum(v for k, v in codes.items() if k.startswith("2"))
    return {
        "rps": d["summary"]["requestsPerSec"],
        "p50": p["p50"] * 1e3, "p99": p["p99"] * 1e3, "p999": p["p99.9"] * 1e3,
        "ok": ok, "non2xx": sum(codes.values()) - ok, "errors": sum(d.get("errorDistribution", {}).values()),
    }


def redis_bench(path):
    rows = list(csv.DictReader(open(path)))
    r = rows[0]
    return {"rps": float(r["rps"]), "p50": float(r["p50_latency_ms"]), "p99": float(r["p99_latency_ms"])}


def median_of(runs_, key):
    return statistics.median(r[key] for r in runs_)


rust = {c: [oha(p) for p in sorted(glob.glob(f"{work}/rust-c{c}-r*.json"))] for c in C}
redis = {c: [redis_bench(p) for p in sorted(glob.glob(f"{work}/redis-c{c}-r*.csv"))] for c in C}
python = {c: [oha(p) for p in sorted(glob.glob(f"{work}/python-c{c}-r*.json"))] for c in C}
seed, writes, cold = load(f"{work}/seed.json"), load(f"{work}/writes.json"), load(f"{work}/coldstart.json")
miss = {c: load(f"{work}/miss-c{c}.json") for c in (1, 16)}

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
mem_kib = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
redis_version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.strip()

m = lambda d, c, k: median_of(d[c], k)
rows = []
for c in C:
    rows.append(
        f"| {c} | {m(redis, c, 'rps'):,.0f} | {m(redis, c, 'p50'):.3f} / {m(redis, c, 'p99'):.3f} | "
        f"{m(rust, c, 'rps'):,.0f} | {m(rust, c, 'p50'):.3f} / {m(rust, c, 'p99'):.3f} / {m(rust, c, 'p999'):.3f} | "
        f"{m(python, c, 'rps'):,.0f} | {m(python, c, 'p50'):.2f} / {m(python, c, 'p99'):.2f} / {m(python, c, 'p999'):.2f} |"
    )

def verdict(ok):
    return "met" if ok else "**missed**"

hit_p99_16 = m(rust, 16, "p99")
targets = [
    ("hit-path p99 at c=16 < 1 ms", f"{hit_p99_16:.3f} ms", f"{hit_p99_16 / 1.0:.2f}× of the budget", hit_p99_16 < 1.0),
]
for c in C:
    ratio = m(rust, c, "rps") / m(redis, c, "rps")
    targets.append((f"throughput ≥ 0.5× redis-benchmark GET (c={c})", f"{m(rust, c, 'rps'):,.0f} vs {m(redis, c, 'rps'):,.0f} req/s", f"{ratio:.2f}×", ratio >= 0.5))
for c in C:
    ratio = m(rust, c, "rps") / m(python, c, "rps")
    targets.append((f"throughput ≥ 10× Python baseline (c={c})", f"{m(rust, c, 'rps'):,.0f} vs {m(python, c, 'rps'):,.0f} req/s", f"{ratio:.1f}×", ratio >= 10))
for c in (1, 16):
    targets.append((f"miss-path p99 < 5 ms (c={c})", f"{miss[c]['p99_ms']:.2f} ms", f"{miss[c]['p99_ms'] / 5:.2f}× of the budget", miss[c]["p99_ms"] < 5))
wr = writes["batched_objects_per_s"] / writes["per_statement_objects_per_s"]
targets.append(("batched graph writes ≥ 10× per-statement", f"{writes['batched_objects_per_s']:,.0f} vs {writes['per_statement_objects_per_s']:,.0f} objects/s", f"{wr:.1f}×", wr >= 10))
targets.append(("cold start (exec → first 200) < 50 ms", f"{cold['cold_start_ms_median']:.1f} ms", f"{cold['cold_start_ms_median'] / 50:.2f}× of the budget", cold["cold_start_ms_median"] < 50))
targets.append(("idle RSS < 20 MB", f"{cold['idle_rss_mib_median']:.1f} MiB", f"{cold['idle_rss_mib_median'] / 20:.2f}× of the budget", cold["idle_rss_mib_median"] < 20))
target_rows = "\n".join(f"| {t} | {v} | {r} | {verdict(ok)} |" for t, v, r, ok in targets)
for t, v, r, ok in targets:
    print(f"{'ok  ' if ok else 'MISS'} {t}: {v} ({r})")

missed = [t for t, _, _, ok in targets if not ok]
raw = {"seed": seed, "writes": writes, "miss": miss, "coldstart": cold, "rss_after_load_kib": int(rss_load),
       "feature_service": rust, "redis_benchmark": redis, "python_baseline": python}
text = f"""# Serving benchmark: feature-service vs redis-benchmark vs the Python baseline

Written by `bench/serving/run.sh` (`just bench`). One run, one Redis
({redis_version.split(' sha=')[0]}, an own instance on loopback), the same values in all three
key families: {seed['count']:,} objects in the production cache format (`object_entry`:
ObjectFeatures JSON) with {seed['dim']}-float vectors (the embedder's dimension), mean value
{seed['value_bytes']:,} bytes. Neo4j 5.26 Community (the test services' instance) behind the miss path.

Machine: {cpu}, {os.cpu_count()} logical CPUs (`nproc` {os.cpu_count()}), {mem_kib / 1024 / 1024:.1f} GiB memory,
{platform.system()} {platform.release()}. **The load generator, Redis, Neo4j and the
server under test share these {os.cpu_count()} CPUs** (and other builds may run on them), so
every number here includes contention that a deployment would not have.

Load: oha {oha_version.split()[-1]} closed loop (`-z {duration} -c C --urls-from-file`, random ids
from the {seed['count']:,}), after one warm-up pass over every id; feature-service numbers are
the median of {runs} runs per concurrency, redis-benchmark likewise (`-t get -r {seed['count']}`),
the Python baseline one run per concurrency (it is two orders of magnitude slower; more runs
would not change a ratio). Latencies in ms.

## Hit path

| c | redis-benchmark GET req/s | p50 / p99 | feature-service req/s | p50 / p99 / p99.9 | Python baseline req/s | p50 / p99 / p99.9 |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}

feature-service: release build, `REDIS_URL` + `NEO4J_URI` configuration (`Application::build`),
`RUST_LOG=warn`; a hit is one Redis GET and the stored JSON spliced into the envelope. The
baseline (`bench/baseline`): FastAPI + uvicorn, 1 worker, sync redis client, `GET` then
`json.loads`, re-serialised by FastAPI.

## Miss path through Neo4j

Objects written by the batched writer and never looked up, each requested once
(`serving_bench miss`): Redis GET (nil), one Neo4j read, Redis SET, response.

| c | requests | answered from the graph | req/s | p50 | p99 | p99.9 |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: |
""" + "\n".join(
    f"| {c} | {miss[c]['requests']} | {miss[c]['from_graph']} | {miss[c]['rps']:,.0f} | {miss[c]['p50_ms']:.2f} | {miss[c]['p99_ms']:.2f} | {miss[c]['p999_ms']:.2f} |"
    for c in (1, 16)
) + f"""

## Graph writes

{writes['images']} documents × {writes['objects_per_image']} objects ({writes['dim']}-float vectors, NEAR
relations between neighbours) each way, sequentially, on the same Neo4j (its vector index on
`Feature.embedding` takes part in both): the batched writer (`Neo4jGraphStore::write_features`,
one transaction per image, `UNWIND`) {writes['batched_s']:.2f} s = **{writes['batched_objects_per_s']:,.0f} objects/s**;
one auto-commit statement per object and per relation (the original design)
{writes['per_statement_s']:.2f} s = **{writes['per_statement_objects_per_s']:,.0f} objects/s**; ratio {wr:.1f}×.

## Cold start and memory

`serving_bench coldstart`: exec of the release binary (Neo4j + Redis configuration, so start
includes connecting to Neo4j and the idempotent schema bootstrap) to the first 200 on `/healthz`,
{cold['runs']} runs: median **{cold['cold_start_ms_median']:.1f} ms** ({', '.join(f'{x:.1f}' for x in cold['cold_start_ms'])}).
Idle RSS (VmRSS 2 s after the first 200): median **{cold['idle_rss_mib_median']:.1f} MiB**. After the whole
hit/miss load above the service's VmRSS was {int(rss_load) / 1024:.1f} MiB.

## Targets

| target | measured | ratio | |
| --- | --- | ---: | --- |
{target_rows}

NOTES_PLACEHOLDER

## Raw numbers

```json
{json.dumps(raw, indent=1)}
```
"""
notes_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes.md")
notes = open(notes_file).read().strip() if os.path.exists(notes_file) else ""
missed_line = ("Missed: " + "; ".join(missed) + ".") if missed else "Every target was met in this run."
text = text.replace("NOTES_PLACEHOLDER", missed_line + ("\n\n" + notes if notes else ""))
open(out, "w").write(text)
print(out)
