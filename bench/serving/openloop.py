"""Latency percentiles of an oha open-loop run from its per-request records (oha --db-url).

oha's own summary covers the whole run, and an open-loop run starts with fresh connections
meeting the full rate at once. The backlog of those first moments takes a while to drain. One
binary-frames run at 18,000/s on a warm service had a mean latency of 3.0 ms in its first 100 ms,
0.85 ms in the next 100 ms and 0.5-0.9 ms after that. Steady-state percentiles leave out the
requests whose intended send time falls in the first `skip_s` seconds. The whole run's figures
stay next to them, so nothing that happened is hidden.

Usage as a script: openloop.py DB [SKIP_S]
"""
import sqlite3
import sys


def percentiles(ms):
    ms = sorted(ms)
    n = len(ms)

    def pick(q):
        return ms[min(n - 1, int(n * q))] if n else float("nan")

    return {"n": n, "p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99), "p999": pick(0.999)}


def summarize(db, skip_s=1.0):
    """{"steady": percentiles after skip_s, "whole": percentiles of every request, "skip_s": skip_s}.
    Latency is from the intended send time (oha's latency correction) to the last byte."""
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT COALESCE(start_latency_correction, start), end FROM oha").fetchall()
    if not rows:
        raise SystemExit(f"{db}: no requests recorded")
    latency = [((end - start) * 1e3, start) for start, end in rows]
    return {
        "skip_s": skip_s,
        "steady": percentiles([ms for ms, start in latency if start >= skip_s]),
        "whole": percentiles([ms for ms, _ in latency]),
    }


if __name__ == "__main__":
    s = summarize(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 1.0)
    for part in ("whole", "steady"):
        p = s[part]
        print(f"{part:6} n={p['n']} p50 {p['p50']:.3f} p90 {p['p90']:.3f} p99 {p['p99']:.3f} p99.9 {p['p999']:.3f} ms")
