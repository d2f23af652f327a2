#!/usr/bin/env bash
# Reliability scenario 4, "ingestor killed mid-stream": DOCUMENTS (default 200) distinct
# feature documents are published to a Pub/Sub emulator topic whose push subscription
# delivers them to a real feature-ingestor (SQLite); the ingestor is SIGKILLed once 30 % are
# committed, while the rest is still being published, and restarted on the same port.
# Passes when every document is in the graph exactly once.
#
#   bench/reliability/ingestor_killed.sh [DOCUMENTS] [OUT.json]
#
# Prints the figure as a Markdown section on stdout (for `just reliability`'s results file)
# and writes it as JSON to OUT.json (default $SIGHTGRAPH_RUN/reliability-ingestor-killed.json).
# Uses the emulator named by PUBSUB_EMULATOR_HOST, else starts one (scripts/services/pubsub.sh);
# where none can run it prints SKIPPED and exits 0. The test itself is
# tests/e2e/test_ingestor_killed.py, which `just test` runs with 40 documents.
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
cd "$SIGHTGRAPH_ROOT"
use_run_folder
mkdir -p "$SIGHTGRAPH_RUN"

documents="${1:-200}"
out="${2:-$SIGHTGRAPH_RUN/reliability-ingestor-killed.json}"
[[ "$documents" =~ ^[0-9]+$ && "$documents" -ge 10 && "$documents" -le 10000 ]] ||
  die "DOCUMENTS must be a number from 10 to 10000, got '$documents'"

started_here=""
if [[ -z "${PUBSUB_EMULATOR_HOST:-}" ]]; then
  rc=0; env_out="$(scripts/services/pubsub.sh start reliability)" || rc=$?
  if ((rc == 3)); then
    echo "SKIPPED: no Pub/Sub emulator here (gcloud's pubsub-emulator component)"; exit 0
  fi
  ((rc == 0)) || die "pubsub.sh start failed (exit $rc)"
  eval "export $(grep PUBSUB_EMULATOR_HOST <<< "$env_out")"
  started_here=1
fi
cleanup() { [[ -n "$started_here" ]] && scripts/services/pubsub.sh stop reliability >/dev/null 2>&1 || true; }
trap cleanup EXIT

cargo build --bin feature-ingestor --quiet
py="$(venv e2e tests/e2e/requirements.txt)"
rm -f "$out"
RELIABILITY_OUT="$out" INGESTOR_KILLED_DOCUMENTS="$documents" timeout 900 "$py/bin/python" -m pytest -q -rs \
  -p no:cacheprovider tests/e2e/test_ingestor_killed.py >&2 || die "scenario failed (its log is above)"

"$py/bin/python" - "$out" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
print("### 4. Ingestor killed mid-stream (Pub/Sub push, SIGKILL, restart)\n")
print("| documents published | published at the kill | committed at the kill | pushes delivered | "
      "redelivered | lost | duplicated | dead-lettered | drain after restart | whole run |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
print(f"| {f['documents_published']} | {f['published_at_kill']} | {f['committed_at_kill']} | {f['pushes_delivered']} | "
      f"{f['redelivered']} | {f['lost']} | {f['duplicated']} | {f['dead_lettered']} | "
      f"{f['drain_seconds_after_restart']} s | {f['total_seconds']} s |")
print("\nGoal: lost = 0 and duplicated = 0 (every published document in the graph exactly once). "
      "`redelivered` counts pushes the ingestor logged twice; a push killed before its log line "
      "is redelivered without being counted.")
PY
