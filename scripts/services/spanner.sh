#!/usr/bin/env bash
# The Cloud Spanner emulator that ships with the machine's Google Cloud SDK (component
# cloud-spanner-emulator), on 127.0.0.1, state in memory, one instance for the tests.
# No registry serves it: where the SDK or the component is missing, start exits 3 with a
# message and callers skip the tests that need it.
#
#   spanner.sh start [NAME]   start (no-op when running), create the instance; prints the env
#   spanner.sh stop [NAME]
#   spanner.sh env [NAME]     SPANNER_EMULATOR_HOST=127.0.0.1:PORT (gRPC), SIGHTGRAPH_SPANNER_INSTANCE,
#                             SIGHTGRAPH_SPANNER_REST (the REST port: admin and data APIs)
#   spanner.sh status [NAME]  exit 0 when running
#
# SPANNER_LOG_REQUESTS=1 at start logs every gRPC request and response to
# $SIGHTGRAPH_RUN/spanner-NAME/spanner.log (bench/spanner counts round trips there).
#
# Tests create a database of their own under SIGHTGRAPH_SPANNER_INSTANCE (random name);
# everything vanishes when the emulator stops.
# NB: gateway_main starts emulator_main as a separate process that outlives the gateway,
# even when the gateway's whole process group is killed: both pids are recorded and stopped.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cmd="${1:-}"; name="${2:-default}"; service="spanner emulator"
dir="$SIGHTGRAPH_RUN/spanner-$name"
pidfile="$dir/gateway.pid"
emulator_pidfile="$dir/emulator.pid"
project=sightgraph-test
instance=sightgraph-test

binary_dir() {
  local gcloud root
  gcloud="$(command -v gcloud)" || { log "gcloud is not installed: no Spanner emulator here"; return 1; }
  root="$(gcloud info --format='value(installation.sdk_root)' 2>/dev/null)" || root=""
  [[ -n "$root" ]] || root="$(dirname "$(readlink -f "$gcloud")")/.."
  [[ -x "$root/bin/cloud_spanner_emulator/gateway_main" && -x "$root/bin/cloud_spanner_emulator/emulator_main" ]] || {
    log "gcloud's cloud-spanner-emulator component is missing (Debian: google-cloud-cli-spanner-emulator)"
    return 1
  }
  echo "$root/bin/cloud_spanner_emulator"
}

print_env() {
  alive "$pidfile" || die "spanner emulator '$name' is not running (start it: $0 start $name)"
  echo "SPANNER_EMULATOR_HOST=127.0.0.1:$(cat "$dir/grpc.port")"
  echo "SIGHTGRAPH_SPANNER_INSTANCE=projects/$project/instances/$instance"
  echo "SIGHTGRAPH_SPANNER_REST=http://127.0.0.1:$(cat "$dir/http.port")"
  echo "SIGHTGRAPH_SPANNER_LOG=$dir/spanner.log"
}

# The emulator_main child of the gateway, once it is there.
record_emulator_pid() {
  local gateway child
  gateway="$(cat "$pidfile")"
  child="$(ps -o pid=,comm= --ppid "$gateway" 2>/dev/null | awk '$2 == "emulator_main" {print $1; exit}')"
  [[ -n "$child" ]] && echo "$child" > "$emulator_pidfile"
}

create_instance() {
  local rest="http://127.0.0.1:$1" code
  code="$(curl -sS -o "$dir/instance.json" -w '%{http_code}' -X POST "$rest/v1/projects/$project/instances" \
    -H 'content-type: application/json' \
    -d "{\"instanceId\":\"$instance\",\"instance\":{\"config\":\"emulator-config\",\"displayName\":\"tests\",\"nodeCount\":1}}")"
  # 409: it exists already (a restart of a running emulator keeps nothing, so rarely).
  [[ "$code" == 200 || "$code" == 409 ]] || { cat "$dir/instance.json" >&2; return 1; }
}

start() {
  if alive "$pidfile"; then print_env; return; fi
  local bin; bin="$(binary_dir)" || exit 3
  mkdir -p "$dir"
  stop_pid "$emulator_pidfile" 5
  local grpc http
  grpc="$(saved_or_free_port "$dir/grpc.port")"
  http="$(saved_or_free_port "$dir/http.port")"
  [[ "$grpc" != "$http" ]] || { http="$(free_port)"; echo "$http" > "$dir/http.port"; }
  local extra=()
  [[ "${SPANNER_LOG_REQUESTS:-}" == 1 ]] && extra+=(--log_requests)
  # NB: every test makes a database of its own; the default cap is 100 per instance.
  spawn "$dir/spanner.log" "$bin/gateway_main" --hostname 127.0.0.1 --grpc_port "$grpc" --http_port "$http" \
    --grpc_binary "$bin/emulator_main" --override_max_databases_per_instance 5000 "${extra[@]}"
  await_ready 60 "$dir/spanner.log" both_ports "$http" "$grpc"
  record_emulator_pid || true
  create_instance "$http" || { stop; die "could not create the emulator's instance"; }
  print_env
}

both_ports() { http_ok "http://127.0.0.1:$1/v1/projects/$project/instances" && tcp_ok "$2"; }

stop() {
  [[ -s "$emulator_pidfile" ]] || { alive "$pidfile" && record_emulator_pid || true; }
  stop_pid "$pidfile" 10
  stop_pid "$emulator_pidfile" 10
}

service_main "$cmd"
