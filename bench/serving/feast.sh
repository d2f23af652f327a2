#!/usr/bin/env bash
# Feast's Python feature server against feature-service's /get-online-features, side by
# side (called by run.sh; not on its own): the objects run.sh seeded (WORK/export: ids,
# labels, 1280-d vectors) are written into a Redis of Feast's own (`redis.sh … sgfeast`)
# through Feast's SDK; `feast serve` (2 workers, no access log, no worker recycling) and
# the running feature-service then get the same request bodies (one object per request,
# features objects:label and objects:embedding, ids in a random order) from the same load
# generator at concurrency 1 and 16. Writes WORK/feast-*.json and WORK/sgfeast-*.json.
#
#   bench/serving/feast.sh WORK SIGHTGRAPH_URL DURATION OHA
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../scripts/lib/common.sh"
work="$1" sg="$2" duration="$3" oha="$4"

py="$(venv feast "$SIGHTGRAPH_ROOT/tests/feast/requirements.txt")"
export FEAST_USAGE=False
eval "$(scripts/services/redis.sh start sgfeast | sed 's/^/export FEAST_/')"
redis-cli -p "$FEAST_REDIS_PORT" flushall >/dev/null
"$py/bin/python" "$here/feast_repo.py" setup "$work/feast-repo" "$FEAST_REDIS_PORT" > "$work/feast-setup.log" 2>&1
"$py/bin/python" "$here/feast_repo.py" load "$work/feast-repo" "$work/export" > "$work/feast-load.json"

port="$(free_port)"
(cd "$work/feast-repo" && exec "$py/bin/feast" serve -h 127.0.0.1 -p "$port" --no-access-log -w 2 --max-requests 0) \
  > "$work/feast-serve.log" 2>&1 &
feast_pid=$!
trap 'kill "$feast_pid" 2>/dev/null || true; scripts/services/redis.sh stop sgfeast >/dev/null 2>&1 || true' EXIT
for ((i = 0; i < 600; i++)); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null && break
  kill -0 "$feast_pid" 2>/dev/null || { tail -n 30 "$work/feast-serve.log" >&2; die "feast serve exited"; }
  sleep 0.2
done

shuf "$work/export/ids.txt" \
  | sed 's|.*|{"features":["objects:label","objects:embedding"],"entities":{"object_id":["&"]}}|' > "$work/feast-bodies.txt"
body="$(head -n 1 "$work/feast-bodies.txt")"
for target in "feast http://127.0.0.1:$port" "sgfeast $sg"; do
  set -- $target
  curl -fsS -H 'content-type: application/json' -d "$body" "$2/get-online-features" > "$work/$1-answer.json"
done
"$py/bin/python" - "$work" <<'PY' > "$work/feast-agree.json"
import json, math, sys
w = sys.argv[1]
a, b = (json.load(open(f"{w}/{n}-answer.json")) for n in ("feast", "sgfeast"))
# NB: Feast groups a view's requested features in a Python set (feast.utils._group_feature_refs), so
# its column order is the set's, which changes with PYTHONHASHSEED; columns are compared by name.
cols = lambda d: {n: r for n, r in zip(d["metadata"]["feature_names"], d["results"])}
ca, cb = cols(a), cols(b)
same_names = sorted(ca) == sorted(cb)
# NB: float32 values printed by two serialisers: equal within float32 precision, absolute near zero.
same = lambda x, y: (x == y) or (isinstance(x, list) and isinstance(y, list) and len(x) == len(y) and all(
    math.isclose(p, q, rel_tol=1e-6, abs_tol=1e-7) for p, q in zip(x, y)))
differ = [(n, x, y) for n in sorted(set(ca) & set(cb))
          for x, y in zip(ca[n]["values"], cb[n]["values"]) if not same(x, y)]
differ += [(n, "(absent)" if n not in ca else "present", "(absent)" if n not in cb else "present")
           for n in sorted(set(ca) ^ set(cb))]
statuses = lambda c: {n: r["statuses"] for n, r in c.items()}
first = None if not differ else {"feature": differ[0][0], "feast": str(differ[0][1])[:200], "sightgraph": str(differ[0][2])[:200]}
print(json.dumps({"same_feature_names": same_names, "same_values": same_names and not differ, "first_difference": first,
                  "feature_names_feast": a["metadata"]["feature_names"], "feature_names_sightgraph": b["metadata"]["feature_names"],
                  "same_statuses": statuses(ca) == statuses(cb), "statuses_feast": statuses(ca), "statuses_sightgraph": statuses(cb)}))
PY
for c in 1 16; do
  for target in "feast http://127.0.0.1:$port" "sgfeast $sg"; do
    set -- $target
    log "$1 /get-online-features: c=$c ($duration)"
    "$oha" -z "$duration" -c "$c" --no-tui --output-format json -m POST -H "content-type: application/json" \
      -Z "$work/feast-bodies.txt" "$2/get-online-features" > "$work/$1-c$c.json"
  done
done
