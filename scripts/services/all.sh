#!/usr/bin/env bash
# Everything the test suite talks to, on 127.0.0.1: redis, a 3-master redis
# cluster and neo4j always; the Pub/Sub and Cloud Spanner emulators and fake-gcs
# where they run (skipped with a message otherwise). Writes one env file for the tests:
#
#   all.sh up     start (idempotent) and write $SIGHTGRAPH_RUN/services.env
#   all.sh down   stop all of them
#   all.sh env    print services.env
#
# Use: `scripts/services/all.sh up && set -a && . "$SIGHTGRAPH_RUN/services.env" && set +a`
# ($SIGHTGRAPH_RUN defaults to ~/.cache/sightgraph/run). Besides each service's
# own keys, it holds SIGHTGRAPH_SERVICES (comma list of what is up) and, with
# Pub/Sub, GCS_NOTIFICATION_TOPIC: fake-gcs publishes OBJECT_FINALIZE there.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib/common.sh"
source "$here/lib.sh"

envfile="$SIGHTGRAPH_RUN/services.env"
topic=gcs-notifications

up() {
  local out="$SIGHTGRAPH_RUN/services.env.tmp" up=() neo4j_pid rc
  : > "$out"
  # NB: Neo4j is the slow one; it starts in the background meanwhile.
  "$here/neo4j.sh" start > "$SIGHTGRAPH_RUN/neo4j.up" 2> "$SIGHTGRAPH_RUN/neo4j.up.log" & neo4j_pid=$!
  "$here/redis.sh" start >> "$out"; up+=(redis)
  "$here/redis-cluster.sh" start >> "$out"; up+=(redis-cluster)

  rc=0; "$here/pubsub.sh" start > "$SIGHTGRAPH_RUN/pubsub.up" || rc=$?
  if ((rc == 0)); then
    cat "$SIGHTGRAPH_RUN/pubsub.up" >> "$out"; up+=(pubsub)
    set -a; source "$SIGHTGRAPH_RUN/pubsub.up"; set +a
    curl -fsS -o /dev/null -X PUT \
      "http://$PUBSUB_EMULATOR_HOST/v1/projects/$PUBSUB_PROJECT_ID/topics/$topic" 2>/dev/null || true
    echo "GCS_NOTIFICATION_TOPIC=projects/$PUBSUB_PROJECT_ID/topics/$topic" >> "$out"
    export FAKE_GCS_PUBSUB_TOPIC="$topic"
  elif ((rc == 3)); then
    log "skipping Pub/Sub: emulator not available here"
  else
    wait "$neo4j_pid" || true; die "pubsub.sh start failed (exit $rc)"
  fi

  rc=0; "$here/spanner.sh" start > "$SIGHTGRAPH_RUN/spanner.up" || rc=$?
  if ((rc == 0)); then cat "$SIGHTGRAPH_RUN/spanner.up" >> "$out"; up+=(spanner)
  elif ((rc == 3)); then log "skipping Spanner: emulator not available here"
  else wait "$neo4j_pid" || true; die "spanner.sh start failed (exit $rc)"; fi

  if "$here/fake-gcs.sh" start >> "$out"; then up+=(fake-gcs)
  else log "skipping fake-gcs: it did not start"; fi

  if ! wait "$neo4j_pid"; then
    cat "$SIGHTGRAPH_RUN/neo4j.up.log" >&2; die "neo4j.sh start failed"
  fi
  cat "$SIGHTGRAPH_RUN/neo4j.up" >> "$out"; up+=(neo4j)

  (IFS=,; echo "SIGHTGRAPH_SERVICES=${up[*]}") >> "$out"
  mv "$out" "$envfile"
  log "up: ${up[*]}; env in $envfile"
}

# Stops the default instance of every service `up` starts; stopping one that
# is not running is a no-op, so a half-finished `up` is cleaned up too.
down() {
  local svc
  # NB: fake-gcs before pubsub, so it does not publish into a stopped emulator.
  for svc in fake-gcs neo4j redis-cluster redis pubsub spanner; do
    "$here/$svc.sh" stop
  done
  rm -f "$envfile"
  log "down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) [[ -f "$envfile" ]] || die "no $envfile: run $0 up"; cat "$envfile" ;;
  *) echo "usage: $0 up|down|env" >&2; exit 2 ;;
esac
