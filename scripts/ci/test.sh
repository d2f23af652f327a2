#!/usr/bin/env bash
# `just test`: every suite, against real servers started here and stopped at
# the end. Suites all run even when one fails; the exit code is non-zero if
# any failed, and the last line names them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib/common.sh"
cd "$SIGHTGRAPH_ROOT"
# NB: a test run gains nothing from incremental state, which is most of the target folder's size.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
# NB: a run folder of its own per test run: no stale pidfiles from a previous machine
# session, and no clash with servers a developer keeps running for `just dev`.
find "$SIGHTGRAPH_CACHE" -maxdepth 1 -name 'run-test.*' -mmin +180 -exec rm -rf {} + 2>/dev/null || true
if [[ -z "${SIGHTGRAPH_RUN:-}" ]]; then
  SIGHTGRAPH_RUN="$(mktemp -d "$SIGHTGRAPH_CACHE/run-test.XXXXXX")"
  own_run=1
fi
export SIGHTGRAPH_RUN

failed=()
suite() { # suite NAME COMMAND...
  local name="$1"; shift
  log "── $name"
  if "$@"; then log "── $name: ok"; else log "── $name: FAILED"; failed+=("$name"); fi
}

cleanup() {
  scripts/services/all.sh down >/dev/null 2>&1 || true
  [[ -n "${own_run:-}" ]] && rm -rf "$SIGHTGRAPH_RUN"
  return 0
}
trap cleanup EXIT
scripts/services/all.sh up
set -a; source "$SIGHTGRAPH_RUN/services.env"; set +a
source scripts/models/env.sh

cargo build --workspace --bins
suite "rust" cargo test --workspace --no-fail-fast
# NB: the API suite once more with Spanner (the emulator) as the graph store.
if [[ ",${SIGHTGRAPH_SERVICES:-}," == *",spanner,"* ]]; then
  suite "api-on-spanner" env SIGHTGRAPH_TEST_GRAPH=spanner cargo test -p feature-service --test api
else
  log "── api-on-spanner: skipped (no Cloud Spanner emulator here)"
fi
suite "deploy" scripts/deploy/check.sh
suite "emulators" scripts/e2e/run.sh
suite "feast" tests/feast/run.sh
suite "ui" scripts/ui/stack-e2e.sh
# NB: a few seconds per target: a smoke run of the fuzz targets from the committed seeds (`just fuzz` runs longer).
suite "fuzz" scripts/fuzz/run.sh all "${SIGHTGRAPH_FUZZ_SECONDS:-8}"

if ((${#failed[@]})); then
  log "failed suites: ${failed[*]}"
  exit 1
fi
log "all suites passed"
