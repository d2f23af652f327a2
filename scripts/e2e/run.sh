#!/usr/bin/env bash
# The original design's ingest path end to end on local emulators (`just test`, suite
# "emulators"): fake-gcs-server → Pub/Sub emulator push → ingest-trigger → cv-processor →
# feature-ingestor → SQLite; the image is processed once and a duplicate publish changes
# nothing. Uses the Pub/Sub emulator named in services.env (PUBSUB_EMULATOR_HOST), else
# starts one; skips, exiting 0, where none can run. Extra arguments go to pytest.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
cd "$SIGHTGRAPH_ROOT"

# SIGHTGRAPH_SERVICES (services.env) says what scripts/services/all.sh got running.
for svc in pubsub fake-gcs; do
  if [[ -n "${SIGHTGRAPH_SERVICES:-}" && ",$SIGHTGRAPH_SERVICES," != *",$svc,"* ]]; then
    log "SKIPPED: $svc is not running here (SIGHTGRAPH_SERVICES=$SIGHTGRAPH_SERVICES); the Pub/Sub" \
      "emulator ships with gcloud's pubsub-emulator component (scripts/services/pubsub.sh)"
    exit 0
  fi
done
source scripts/models/env.sh || die "models not built: run \`just models\`"

# NB: the same command as scripts/ci/test.sh, so it is a no-op there; `-p` would unify
# features differently and rebuild.
cargo build --workspace --bins --quiet
py="$(venv e2e tests/e2e/requirements.txt)"
exec timeout 600 "$py/bin/python" -m pytest -q -rs -p no:cacheprovider tests/e2e "$@"
