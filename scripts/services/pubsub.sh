#!/usr/bin/env bash
# The Pub/Sub emulator that ships with the machine's gcloud, on 127.0.0.1, data
# under $SIGHTGRAPH_RUN/pubsub-NAME. No registry serves it: where gcloud or its
# pubsub-emulator component is missing, start exits 3 with a message and
# callers skip the tests that need it.
#
#   pubsub.sh start [NAME]   start (no-op when running); prints the env
#   pubsub.sh stop [NAME]
#   pubsub.sh env [NAME]     PUBSUB_EMULATOR_HOST=127.0.0.1:PORT, PUBSUB_PROJECT_ID
#   pubsub.sh status [NAME]  exit 0 when running
#
# REST: PUT /v1/projects/P/topics/T, PUT /v1/projects/P/subscriptions/S with
# pushConfig.pushEndpoint, POST /v1/projects/P/topics/T:publish (names >= 3 chars).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cmd="${1:-}"; name="${2:-default}"; service="pubsub emulator"
dir="$SIGHTGRAPH_RUN/pubsub-$name"
pidfile="$dir/pubsub.pid"
project="${PUBSUB_PROJECT_ID:-sightgraph-test}"

available() {
  local gcloud
  gcloud="$(command -v gcloud)" || { log "gcloud is not installed: no Pub/Sub emulator here"; return 1; }
  [[ -d "$(dirname "$(readlink -f "$gcloud")")/../platform/pubsub-emulator" ]] || {
    log "gcloud's pubsub-emulator component is missing (Debian: google-cloud-cli-pubsub-emulator)"
    return 1
  }
  command -v java >/dev/null || { log "the Pub/Sub emulator needs java"; return 1; }
}

print_env() {
  alive "$pidfile" || die "pubsub emulator '$name' is not running (start it: $0 start $name)"
  echo "PUBSUB_EMULATOR_HOST=127.0.0.1:$(cat "$dir/port")"
  echo "PUBSUB_PROJECT_ID=$project"
}

start() {
  if alive "$pidfile"; then print_env; return; fi
  available || exit 3
  mkdir -p "$dir/data"
  local port; port="$(saved_or_free_port "$dir/port")"
  # NB: a session of its own, so that stop ends gcloud and the emulator's JVM as one group.
  spawn "$dir/pubsub.log" gcloud beta emulators pubsub start --host-port="127.0.0.1:$port" --data-dir="$dir/data" --quiet
  await_ready 60 "$dir/pubsub.log" http_ok "http://127.0.0.1:$port/v1/projects/$project/topics"
  print_env
}

service_main "$cmd"
