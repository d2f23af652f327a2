"""Draws the serving benchmark's results as PNG files beside its report.
Usage: plots.py WORK OUT_PREFIX  (writes OUT_PREFIX-latency.png, -throughput.png, -bytes.png)"""
import glob
import json
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

work, prefix = sys.argv[1:3]
C = [1, 16, 64]


def oha_runs(pattern):
    out = []
    for p in sorted(glob.glob(f"{work}/{pattern}")):
        d = json.load(open(p))
        lp = d["latencyPercentiles"]
        out.append({"rps": d["summary"]["requestsPerSec"], "p50": lp["p50"] * 1e3, "p99": lp["p99"] * 1e3})
    return out


def redis_runs(c):
    import csv
    rows = []
    for p in sorted(glob.glob(f"{work}/redis-c{c}-r*.csv")):
        r = next(csv.DictReader(open(p)))
        rows.append({"rps": float(r["rps"]), "p50": float(r["p50_latency_ms"]), "p99": float(r["p99_latency_ms"])})
    return rows


def med(runs, key):
    return statistics.median(r[key] for r in runs) if runs else float("nan")


systems = {
    "feature-service, binary frames": {c: oha_runs(f"rust-bin-c{c}-r*.json") for c in C},
    "feature-service, JSON base64": {c: oha_runs(f"rust-b64-c{c}-r*.json") for c in C},
    "feature-service, JSON floats": {c: oha_runs(f"rust-json-c{c}-r*.json") for c in C},
    "redis-benchmark GET (same bytes)": {c: redis_runs(c) for c in C},
    "Python baseline (FastAPI)": {c: oha_runs(f"python-c{c}-r*.json") for c in C},
}
feast = {
    "Sightgraph /get-online-features": {c: oha_runs(f"sgfeast-c{c}.json") for c in (1, 16)},
    "feast serve (Redis online store)": {c: oha_runs(f"feast-c{c}.json") for c in (1, 16)},
}
vectors = {"POST /similar (100k × 1280-d, Neo4j HNSW)": {c: oha_runs(f"vec-c{c}.json") for c in (1, 16)}}
colours = ["#1b6ca8", "#4c9be8", "#9cc7f0", "#d62728", "#7f7f7f", "#2ca02c", "#ff7f0e", "#9467bd"]

# Latency percentiles by concurrency.
fig, axes = plt.subplots(1, 2, figsize=(13, 5))
for ax, group, title in ((axes[0], systems, "Lookup latency by concurrency (closed loop)"),
                         (axes[1], {**feast, **vectors}, "Feast API and query by vector")):
    for (name, by_c), colour in zip(group.items(), colours if group is systems else colours[5:]):
        cs = [c for c in by_c if by_c[c]]
        if not cs:
            continue
        ax.plot(cs, [med(by_c[c], "p50") for c in cs], "o-", color=colour, label=f"{name} p50")
        ax.plot(cs, [med(by_c[c], "p99") for c in cs], "s--", color=colour, alpha=0.7, label=f"{name} p99")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("concurrent connections")
    ax.set_ylabel("latency (ms, log scale)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(f"{prefix}-latency.png", dpi=110)

# Throughput at concurrency 16.
fig, ax = plt.subplots(figsize=(11, 5))
bars = [(n, med(r[16], "rps")) for n, r in systems.items()] + [(n, med(r[16], "rps")) for n, r in feast.items()]
bars = [(n, v) for n, v in bars if v == v]
ax.barh([n for n, _ in bars][::-1], [v for _, v in bars][::-1], color=colours[: len(bars)][::-1])
for i, (_, v) in enumerate(bars[::-1]):
    ax.text(v, i, f" {v:,.0f}", va="center", fontsize=8)
ax.set_xscale("log")
ax.set_xlabel("requests per second at concurrency 16 (log scale, median of runs)")
ax.set_title("Throughput: one object (1280-d vector) per request, same machine, same load generator")
ax.grid(True, axis="x", which="both", alpha=0.3)
fig.tight_layout()
fig.savefig(f"{prefix}-throughput.png", dpi=110)

# Bytes per lookup on the wire and in Redis.
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
wire = {}
for enc, name in (("json", "JSON floats"), ("b64", "JSON base64"), ("bin", "binary frames")):
    try:
        w = json.load(open(f"{work}/wire-{enc}.json"))
        wire[name] = (w["body_bytes"], w["header_bytes"])
    except FileNotFoundError:
        pass
names = list(wire)
axes[0].bar(names, [wire[n][0] for n in names], color="#1b6ca8", label="body")
axes[0].bar(names, [wire[n][1] for n in names], bottom=[wire[n][0] for n in names], color="#9cc7f0", label="headers")
axes[0].axhline(6 * 1024, color="#d62728", ls="--", label="goal: 6 KB (compact)")
for i, n in enumerate(names):
    axes[0].text(i, sum(wire[n]), f"{sum(wire[n]):,} B", ha="center", va="bottom", fontsize=8)
axes[0].set_ylabel("bytes per lookup")
axes[0].set_title("On the wire (one 1280-d object)")
axes[0].legend(fontsize=8)
seed = json.load(open(f"{work}/seed.json"))
mem = [("format 1\n(JSON text)", seed["memory_usage_v1"]), ("format 2\n(JSON + raw f32)", seed["memory_usage_v2"])]
axes[1].bar([m for m, _ in mem], [v for _, v in mem], color=["#7f7f7f", "#1b6ca8"])
axes[1].axhline(8 * 1024, color="#d62728", ls="--", label="goal: 8 KB")
for i, (_, v) in enumerate(mem):
    axes[1].text(i, v, f"{v:,} B", ha="center", va="bottom", fontsize=8)
axes[1].set_ylabel("Redis MEMORY USAGE per object")
axes[1].set_title("In Redis (one cached 1280-d object)")
axes[1].legend(fontsize=8)
fig.tight_layout()
fig.savefig(f"{prefix}-bytes.png", dpi=110)
print(f"{prefix}-latency.png {prefix}-throughput.png {prefix}-bytes.png")
