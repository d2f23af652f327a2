#!/usr/bin/env bash
# Feast's own SDK against feature-service (`just test`, suite "feast"): installs the pinned
# `feast` package into its own virtual environment (tests/feast/requirements.txt), starts
# feature-ingestor and feature-service on one SQLite file (plus REDIS_URL where set), ingests
# a fixture document and reads it back through a Feast repository whose online store is the
# `remote` type pointed at the service. Extra arguments go to pytest.
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
cd "$SIGHTGRAPH_ROOT"

# NB: the same command as scripts/ci/test.sh, so it is a no-op there.
cargo build --workspace --bins --quiet
py="$(venv feast tests/feast/requirements.txt)"
# NB: Feast phones home by default; nothing outside this machine is reachable or wanted.
export FEAST_USAGE=False
exec timeout 600 "$py/bin/python" -m pytest -q -rs -p no:cacheprovider tests/feast "$@"
