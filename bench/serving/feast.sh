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
import json, sys
w = sys.argv[1]
a, b = (json.load(open(f"{w}/{n}-answer.json")) for n in ("feast", "sgfeast"))
same_names = a["metadata"]["feature_names"] == b["metadata"]["feature_names"]
values = lambda d: [r["values"] for r in d["results"]]
import math
# NB: float32 values printed by two serialisers: equal within float32 precision, absolute near zero.
same = lambda x, y: (x == y) or (isinstance(x, list) and isinstance(y, list) and len(x) == len(y) and all(
    math.isclose(p, q, rel_tol=1e-6, abs_tol=1e-7) for p, q in zip(x, y)))
pairs = [(n, x, y) for n, xa, ya in zip(a["metadata"]["feature_names"], values(a), values(b)) for x, y in zip(xa, ya)]
differ = [(n, x, y) for n, x, y in pairs if not same(x, y)]
close = len(values(a)) == len(values(b)) and not differ
first = None if not differ else {"feature": differ[0][0], "feast": str(differ[0][1])[:200], "sightgraph": str(differ[0][2])[:200]}
print(json.dumps({"same_feature_names": same_names, "same_values": close, "first_difference": first,
                  "feature_names": a["metadata"]["feature_names"],
                  "statuses_feast": [r["statuses"] for r in a["results"]], "statuses_sightgraph": [r["statuses"] for r in b["results"]]}))
PY
for c in 1 16; do
  for target in "feast http://127.0.0.1:$port" "sgfeast $sg"; do
    set -- $target
    log "$1 /get-online-features: c=$c ($duration)"
    "$oha" -z "$duration" -c "$c" --no-tui --output-format json -m POST -H "content-type: application/json" \
      -Z "$work/feast-bodies.txt" "$2/get-online-features" > "$work/$1-c$c.json"
  done
done
