#!/usr/bin/env bash
# Starts the baseline Python feature service (app.py) with uvicorn, 1 worker,
# on 127.0.0.1:PORT in the background; waits for /healthz and prints its PID.
#
#   bench/baseline/run.sh PORT           -> PID   (stop: kill PID)
#   bench/baseline/run.sh seed [N] [DIM]   load N objects into redis (default 10000, 512)
#
# Env: REDIS_URL (required), KEY_PREFIX (default features:object:). Log:
# $SIGHTGRAPH_RUN/baseline-PORT.log. Access log off, as for any benchmark.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../scripts/lib/common.sh"
SIGHTGRAPH_RUN="${SIGHTGRAPH_RUN:-$SIGHTGRAPH_CACHE/run}"
mkdir -p "$SIGHTGRAPH_RUN"

[[ -n "${REDIS_URL:-}" ]] || die "set REDIS_URL (e.g. from scripts/services/redis.sh env)"
py="$(venv baseline "$here/requirements.txt")/bin/python"

if [[ "${1:-}" == seed ]]; then
  shift; exec "$py" "$here/seed.py" "$@"
fi
port="${1:?usage: $0 PORT | seed [N] [DIM]}"
logfile="$SIGHTGRAPH_RUN/baseline-$port.log"

"$py" -m uvicorn app:app --app-dir "$here" --host 127.0.0.1 --port "$port" --workers 1 \
  --no-access-log --log-level warning > "$logfile" 2>&1 < /dev/null &
pid=$!
for ((i = 0; i < 200; i++)); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then echo "$pid"; exit 0; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
tail -n 20 "$logfile" >&2
kill "$pid" 2>/dev/null || true
die "baseline did not answer on port $port within 20s"
