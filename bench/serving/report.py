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

import openloop

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


rust = {c: [oha(p) for p in sorted(glob.glob(f"{work}/rust-json-c{c}-r*.json"))] for c in C}
b64 = {c: [oha(p) for p in sorted(glob.glob(f"{work}/rust-b64-c{c}-r*.json"))] for c in C}
binary = {c: [oha(p) for p in sorted(glob.glob(f"{work}/rust-bin-c{c}-r*.json"))] for c in C}
# NB: open loop: achieved rate and errors from oha's summary; latency percentiles from its
# per-request records, in steady state (after the first second) and over the whole run.
OPEN_SKIP_S = 1.0
open_loop = {
    e: {**oha(f"{work}/open-{e}.json"), "rate": int(open(f"{work}/open-{e}.rate").read()),
        **openloop.summarize(f"{work}/open-{e}.db", OPEN_SKIP_S)}
    for e in ("bin", "json", "healthz", "bin-quarter", "healthz-quarter")
}
# NB: binary frames at c=16 from wrk, and from an instance without the near cache (oha and wrk).
wrk = {k: {16: [load(p) for p in sorted(glob.glob(f"{work}/wrk-{k}-c16-r*.json"))]} for k in ("bin", "nonearbin")}
nonear = {16: [oha(p) for p in sorted(glob.glob(f"{work}/rust-nonearbin-c16-r*.json"))]}
wire = {e: load(f"{work}/wire-{e}.json") for e in ("json", "b64", "bin")}
codec = load(f"{work}/codec.json")
feast = {(s, c): oha(f"{work}/{s}-c{c}.json") for s in ("feast", "sgfeast") for c in (1, 16)}
feast_agree, feast_load = load(f"{work}/feast-agree.json"), load(f"{work}/feast-load.json")
vec = {c: oha(f"{work}/vec-c{c}.json") for c in (1, 16)}
vec_label = oha(f"{work}/vec-label-c1.json")
vec_seed, vec_recall, vec_neo4j = load(f"{work}/vec-seed.json"), load(f"{work}/vec-recall.json"), load(f"{work}/vec-neo4j.json")
load_before, load_after = (open(f"{work}/loadavg-{w}.txt").read().split()[:3] for w in ("before", "after"))
redis = {c: [redis_bench(p) for p in sorted(glob.glob(f"{work}/redis-c{c}-r*.csv"))] for c in C}
python = {c: [oha(p) for p in sorted(glob.glob(f"{work}/python-c{c}-r*.json"))] for c in C}
seed, writes, cold = load(f"{work}/seed.json"), load(f"{work}/writes.json"), load(f"{work}/coldstart.json")
miss = {c: load(f"{work}/miss-c{c}.json") for c in (1, 16)}

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
mem_kib = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip() or "?"
redis_version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.strip()

m = lambda d, c, k: median_of(d[c], k)


def cpu_per_request(kind, c, requests_of):
    """Median over runs of µs of CPU per request for the service, Redis and the generator (None if not measured)."""
    rows = []
    for path in sorted(glob.glob(f"{work}/cpu-{kind}-c{c}-r*.json")):
        run = path.rsplit("-r", 1)[1].removesuffix(".json")
        n = requests_of(run)
        if n:
            d = load(path)
            rows.append({k: d[k] / n * 1e6 for k in ("service_s", "redis_s", "generator_s")})
    if not rows:
        return None
    out = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    out["total"] = out["service_s"] + out["redis_s"] + out["generator_s"]
    return out


def oha_requests(kind, c):
    def count(run):
        d = load(f"{work}/rust-{kind}-c{c}-r{run}.json")
        return sum(d.get("statusCodeDistribution", {}).values())
    return count


def wrk_requests(kind):
    return lambda run: load(f"{work}/wrk-{kind}-c16-r{run}.json")["requests"]


cpu_rows = []
for kind, name in (("redis", "redis-benchmark GET"), ("bin", "binary frames"), ("b64", "JSON base64"), ("json", "JSON floats"),
                   ("wrkbin", "binary frames, wrk"), ("nonearbin", "binary frames, near cache off"),
                   ("wrknonearbin", "binary frames, near cache off, wrk")):
    if kind == "redis":
        requests_of = lambda run: 200000
    elif kind.startswith("wrk"):
        requests_of = wrk_requests(kind[3:])
    else:
        requests_of = oha_requests(kind, 16)
    got = cpu_per_request(kind, 16, requests_of)
    if got:
        service = "–" if kind == "redis" else f"{got['service_s']:.1f}"
        cpu_rows.append(f"| {name} | {service} | {got['redis_s']:.1f} | {got['generator_s']:.1f} | {got['total']:.1f} | "
                        f"{os.cpu_count() * 1e6 / got['total']:,.0f} |")
cpu_table = ""
if cpu_rows:
    cpu_table = """

**Where each request's CPU goes** (c=16, median of the runs above; the servers' `/proc` counters and
the generator's rusage over each run, divided by the requests it completed). The last column is the
throughput the {cpus} CPUs would allow if nothing else ran: {cpus} CPU-seconds per second / CPU per request.

| system | service µs | Redis µs | load generator µs | total µs | ceiling req/s |
| --- | ---: | ---: | ---: | ---: | ---: |
""".format(cpus=os.cpu_count()) + "\n".join(cpu_rows)
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
wire_bin = wire["bin"]["body_bytes"] + wire["bin"]["header_bytes"]
mem_v1, mem_v2 = seed["memory_usage_v1"], seed["memory_usage_v2"]
bin_ratio = m(binary, 16, "rps") / m(redis, 16, "rps")
wrk_rps = {k: m(v, 16, "rps") for k, v in wrk.items()}
wrk_ratio = wrk_rps["bin"] / m(redis, 16, "rps")
generators = [("redis-benchmark GET (the limit)", redis), ("feature-service, oha", binary), ("feature-service, wrk", wrk["bin"]),
              ("near cache off, oha", nonear), ("near cache off, wrk", wrk["nonearbin"])]
generator_rows = "\n".join(
    f"| {name} | {m(d, 16, 'rps'):,.0f} | {m(d, 16, 'p50'):.3f} / {m(d, 16, 'p99'):.3f} | "
    f"{m(d, 16, 'rps') / m(redis, 16, 'rps'):.2f}× |" for name, d in generators
)
targets = [
    ("compact encoding: bytes on the wire per lookup ≤ 6 KB (body + headers)", f"{wire_bin:,} B", f"{wire_bin / 6144:.2f}× of the budget", wire_bin <= 6144),
    ("Redis MEMORY USAGE per cached 1280-d object ≤ 8 KB", f"{mem_v2:,} B (format 1: {mem_v1:,} B)", f"{mem_v2 / 8192:.2f}× of the budget", mem_v2 <= 8192),
    ("compact encoding: throughput ≥ 0.5× redis-benchmark GET of the same bytes (c=16, wrk)", f"{wrk_rps['bin']:,.0f} vs {m(redis, 16, 'rps'):,.0f} req/s (oha: {m(binary, 16, 'rps'):,.0f}, {bin_ratio:.2f}×)", f"{wrk_ratio:.2f}×", wrk_ratio >= 0.5),
    ("compact encoding: open-loop p99 < 1 ms at half the maximum (c=16, latency-corrected, steady state)", f"{open_loop['bin']['steady']['p99']:.3f} ms at {open_loop['bin']['rps']:,.0f} req/s (whole run {open_loop['bin']['whole']['p99']:.3f} ms; `/healthz` at the same rate {open_loop['healthz']['steady']['p99']:.3f} ms)", f"{open_loop['bin']['steady']['p99']:.2f}× of the budget", open_loop["bin"]["steady"]["p99"] < 1.0),
    ("query by vector: recall@10 ≥ 0.95 against exact search", f"{vec_recall['recall_at_10']:.3f} (with a label filter {vec_recall['recall_at_10_label']:.3f})", f"{vec_recall['recall_at_10'] / 0.95:.2f}× of the floor", vec_recall["recall_at_10"] >= 0.95),
    ("hit-path p99 at c=16 < 1 ms (JSON floats, closed loop)", f"{hit_p99_16:.3f} ms", f"{hit_p99_16 / 1.0:.2f}× of the budget", hit_p99_16 < 1.0),
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
raw = {"seed": seed, "codec": codec, "wire": wire, "writes": writes, "miss": miss, "coldstart": cold,
       "rss_after_load_kib": int(rss_load), "feature_service_json": rust, "feature_service_base64": b64,
       "feature_service_binary": binary, "wrk_binary_c16": wrk, "no_near_cache_binary": nonear, "open_loop": open_loop, "redis_benchmark": redis, "python_baseline": python,
       "feast": {f"{s}-c{c}": v for (s, c), v in feast.items()}, "feast_agree": feast_agree, "feast_load": feast_load,
       "vectors": {"seed": vec_seed, "recall": vec_recall, "neo4j": vec_neo4j, "c1": vec[1], "c16": vec[16],
                   "label_c1": vec_label},
       "loadavg": {"before": load_before, "after": load_after}}
text = f"""# Serving benchmark: feature-service vs redis-benchmark vs the Python baseline

Written by `bench/serving/run.sh` (`just bench`). One run, one Redis
({redis_version.split(' sha=')[0]}, an own instance on loopback), the same values in the service's and
redis-benchmark's keys (the baseline's hold format 1, the JSON it parses): {seed['count']:,} objects in the production cache format (`object_entry`, format 2:
the object's JSON without its vector, then the raw f32 vector) with {seed['dim']}-float vectors (the embedder's dimension), mean value
{seed['value_bytes']:,} bytes. Neo4j 5.26 Community (the test services' instance) behind the miss path.

Code: commit {commit}, release build by run.sh (`cargo build --release` of the service and the bench helpers).

Machine: {cpu}, {os.cpu_count()} logical CPUs (`nproc` {os.cpu_count()}), {mem_kib / 1024 / 1024:.1f} GiB memory,
{platform.system()} {platform.release()}. **The load generator, Redis, Neo4j and the
server under test share these {os.cpu_count()} CPUs** (and other builds may run on them), so
every number here includes contention that a deployment would not have. Load average
(1/5/15 min) before the run: {' / '.join(load_before)}; after: {' / '.join(load_after)}.

![throughput](PREFIX-throughput.png)
![latency](PREFIX-latency.png)
![bytes](PREFIX-bytes.png)

Load: oha {oha_version.split()[-1]} closed loop (and wrk for binary frames at c=16, below) (`-z {duration} -c C --urls-from-file`, random ids
from the {seed['count']:,}), after one warm-up pass over every id; feature-service numbers are
the median of {runs} runs per concurrency, redis-benchmark likewise (`-t get -r {seed['count']}`),
the Python baseline one run per concurrency (it is two orders of magnitude slower; more runs
would not change a ratio). Latencies in ms.

## Hit path

| c | redis-benchmark GET req/s | p50 / p99 | feature-service req/s | p50 / p99 / p99.9 | Python baseline req/s | p50 / p99 / p99.9 |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}

feature-service: release build, `REDIS_URL` + `NEO4J_URI` configuration (`Application::build`),
`RUST_LOG=warn`, the default near cache (64 MiB in process, in front of Redis: after the warm-up
pass every object is in it, so a hit is a hash probe and the cached value's parts copied into the
answer; the vector formatted as JSON floats here, other encodings below; without the near cache
further down). The
baseline (`bench/baseline`): FastAPI + uvicorn, 1 worker, sync redis client, `GET` then
`json.loads`, re-serialised by FastAPI.

## Vector encodings and the cache format

Same run, same Redis, same objects; the three encodings of `GET /features/object/{{id}}`
(`docs/api.md`): JSON with float vectors (default), JSON with `?vector_encoding=f32le-base64`,
and binary frames (`Accept: application/octet-stream`: the answer's JSON without the vector,
then the raw little-endian f32). req/s and p50 / p99 / p99.9 ms, median of {runs} runs.

| c | redis-benchmark GET | JSON floats | JSON base64 | binary frames |
| ---: | ---: | ---: | ---: | ---: |
""" + "\n".join(
    f"| {c} | {m(redis, c, 'rps'):,.0f} ({m(redis, c, 'p50'):.3f} / {m(redis, c, 'p99'):.3f}) | "
    + " | ".join(f"{m(d, c, 'rps'):,.0f} ({m(d, c, 'p50'):.3f} / {m(d, c, 'p99'):.3f} / {m(d, c, 'p999'):.3f})" for d in (rust, b64, binary)) + " |"
    for c in C
) + f"""

Bytes per lookup (one 1280-d object, `curl` size of headers + body): JSON floats
{wire['json']['body_bytes'] + wire['json']['header_bytes']:,} B, JSON base64
{wire['b64']['body_bytes'] + wire['b64']['header_bytes']:,} B, binary frames **{wire_bin:,} B**
({wire['bin']['header_bytes']} of them headers).

**Binary frames at c=16, by generator, with and without the near cache** (median of {runs} runs each;
wrk 2 threads, 16 connections, random ids, `bench/serving/paths.lua`). Without the near cache
(`NEAR_CACHE_BYTES=0`, a second instance on the same Redis) every hit is a Redis GET.

| system | req/s | p50 / p99 ms | ratio to redis-benchmark |
| --- | ---: | ---: | ---: |
{generator_rows}

{cpu_table}

Open loop (oha `-q` at a fixed rate, 16 connections, `--latency-correction`: each request's latency
runs from the time it should have been sent, so a stall counts against every request due during it).
Percentiles are for the steady state: the requests due after the first {OPEN_SKIP_S:g} s
(`bench/serving/openloop.py`, from oha's per-request records). The last column is the whole run's p99.

| run | rate asked | achieved req/s | p50 | p90 | p99 | p99.9 | whole-run p99 |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
""" + "\n".join(
    f"| {name} | {open_loop[e]['rate']:,} | {open_loop[e]['rps']:,.0f} | {open_loop[e]['steady']['p50']:.3f} | "
    f"{open_loop[e]['steady']['p90']:.3f} | {open_loop[e]['steady']['p99']:.3f} | {open_loop[e]['steady']['p999']:.3f} | "
    f"{open_loop[e]['whole']['p99']:.3f} |"
    for e, name in (("bin", "binary frames, half the maximum"), ("json", "JSON floats, half the maximum"),
                    ("healthz", "`/healthz` at the binary frames' half (the floor: no handler work)"),
                    ("bin-quarter", "binary frames, a quarter of the maximum"),
                    ("healthz-quarter", "`/healthz` at that quarter"))
) + f"""

**Cache memory** (`MEMORY USAGE key SAMPLES 0`, mean over {seed['memory_sample']} keys of each
format, same objects): format 1 (the object's JSON, {seed['value_bytes_v1']:,} B values)
**{mem_v1:,} B** per object; format 2 (the object's JSON without the vector, then the raw f32
vector, {seed['value_bytes']:,} B values) **{mem_v2:,} B**, {mem_v1 / mem_v2:.1f}× less.

**Why the vector is stored raw and formatted on the way out** (`serving_bench codec`: CPU time
of this thread per answer, median of 9 batches of at least 0.1 s of CPU each, one {codec['dim']}-d object):

| step | µs |
| --- | ---: |
| format 1: copy the stored JSON ({codec['value_bytes_v1']:,} B) | {codec['us_format1_copy']:.2f} |
| format 2: check the value and copy the object JSON | {codec['us_format2_parse']:.2f} |
| binary frames: copy JSON + raw vector | {codec['us_frames_copy']:.2f} |
| JSON base64: copy JSON + base64 of the vector | {codec['us_json_base64']:.2f} |
| JSON floats: copy JSON + format {codec['dim']} floats (zmij, serde_json's formatter) | {codec['us_json_floats']:.2f} |
| for scale: serde_json of the whole object | {codec['us_serde_json_object']:.2f} |

Raw f32 is the smallest form either encoding can be built from (5,120 B for 1280 floats;
the float text is ~16 KB and deflates only to ~6.5 KB because digits are nearly random), and
the 8 KB budget holds one form, not two. From raw bytes the compact encodings are copies
(frames) or a linear base64 pass; only the default JSON floats cost a formatting pass, the
figure above, and that is the cost of the default text format itself (serde_json pays the same
per float). Storing the rendered text instead would make the compact encodings parse floats
(slower than formatting them) and would not fit the budget.

## Feast's feature server against `/get-online-features`

Feast {feast_load.get('feast', '0.67.0')} (`feast serve`, 2 gunicorn workers, no access log, no
worker recycling) with a Redis online store of its own, holding the same {feast_load['objects']:,}
objects (label + {feast_load['dim']}-d embedding, written with Feast's SDK); feature-service
answers from its Redis (format 2). Both get the same bodies from oha (`-Z`, one object per
request: `objects:label` and `objects:embedding`, ids shuffled). The first request's answers, compared
column by column by name: same feature names {feast_agree['same_feature_names']}, same values
{feast_agree['same_values']}, same statuses {feast_agree.get('same_statuses')}{'' if feast_agree.get('first_difference') is None else ' (first difference: ' + json.dumps(feast_agree['first_difference']) + ')'}.
Column order: Feast {feast_agree.get('feature_names_feast')}, Sightgraph {feast_agree.get('feature_names_sightgraph')}
(Feast orders one view's features as a Python set does, which changes from process to process;
Sightgraph keeps the request's order; clients read columns by name).

| c | feast serve req/s | p50 / p99 ms | Sightgraph req/s | p50 / p99 ms | ratio |
| ---: | ---: | ---: | ---: | ---: | ---: |
""" + "\n".join(
    f"| {c} | {feast[('feast', c)]['rps']:,.0f} | {feast[('feast', c)]['p50']:.2f} / {feast[('feast', c)]['p99']:.2f} | "
    f"{feast[('sgfeast', c)]['rps']:,.0f} | {feast[('sgfeast', c)]['p50']:.3f} / {feast[('sgfeast', c)]['p99']:.3f} | "
    f"**{feast[('sgfeast', c)]['rps'] / feast[('feast', c)]['rps']:.1f}×** |"
    for c in (1, 16)
) + f"""

## Query by vector (`POST /similar`)

{vec_seed['count']:,} synthetic {vec_seed['dim']}-d embeddings in a Neo4j 5.26 of its own (heap
{vec_neo4j['heap']}, page cache {vec_neo4j['pagecache']}; the vector index is Neo4j's HNSW),
written through the production writer ({vec_seed['objects_per_s']:,.0f} objects/s). Clustered
like real embeddings: {vec_seed['clusters']:,} random unit centres, each vector its centre plus
noise (cosine ≈ {vec_seed['example_cosine_same_cluster']:.2f} between members of a cluster,
≈ {vec_seed['example_cosine_other_cluster']:.2f} across), 8 labels by cluster. Queries are
re-identifications: a stored vector plus fresh noise (cosine ≈ 0.95 to it); the truth is the
exact top 10 by f32 cosine over all vectors (and over the query's label).

- recall@10: **{vec_recall['recall_at_10']:.3f}** unfiltered, **{vec_recall['recall_at_10_label']:.3f}**
  with the label filter ({vec_recall['queries']} queries); the source object ranked first in
  {vec_recall['source_first'] * 100:.0f}% of them.
- latency (oha `-Z` over the same {vec_recall['queries']} bodies, base64 vectors, k=10):

| c | req/s | p50 ms | p99 ms | p99.9 ms |
| ---: | ---: | ---: | ---: | ---: |
""" + "\n".join(
    f"| {c} | {vec[c]['rps']:,.0f} | {vec[c]['p50']:.2f} | {vec[c]['p99']:.2f} | {vec[c]['p999']:.2f} |" for c in (1, 16)
) + f"""
| 1, `label` filter | {vec_label['rps']:,.0f} | {vec_label['p50']:.2f} | {vec_label['p99']:.2f} | {vec_label['p999']:.2f} |

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
text = text.replace("PREFIX-", os.path.basename(out)[: -len(".md")] + "-")
open(out, "w").write(text)
print(out)
