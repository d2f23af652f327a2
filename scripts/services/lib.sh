#!/usr/bin/env bash
# Helpers shared by the scripts in scripts/services/: the run folder, pid
# checks and waiting for a port. Source it after scripts/lib/common.sh.
set -euo pipefail

# Every service keeps its config, data, logs, pid and port under here.
SIGHTGRAPH_RUN="${SIGHTGRAPH_RUN:-$SIGHTGRAPH_CACHE/run}"
export SIGHTGRAPH_RUN
mkdir -p "$SIGHTGRAPH_RUN"

# alive PIDFILE -> true when the pidfile names a running process.
# NB: a daemon killed with SIGKILL can linger as a zombie until PID 1 reaps it,
# and `kill -0` succeeds on zombies; only a process that is really running counts.
alive() {
  [[ -s "$1" ]] || return 1
  local pid state
  pid="$(cat "$1")"
  kill -0 "$pid" 2>/dev/null || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != "Z" && "$state" != "X" ]]
}

# port_free PORT -> true when nothing listens on 127.0.0.1:PORT. NB: with
# SO_REUSEADDR, as servers bind, so a port left in TIME_WAIT counts as free.
port_free() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

# saved_or_free_port FILE -> the port recorded in FILE when it is still free
# (so a restarted service comes back on the same port), else a new free port,
# which is recorded.
saved_or_free_port() {
  local file="$1" port=""
  if [[ -s "$file" ]] && port_free "$(cat "$file")"; then
    port="$(cat "$file")"
  else
    if [[ -s "$file" ]]; then log "port $(cat "$file") is taken now; picking another"; fi
    port="$(free_port)"
    echo "$port" > "$file"
  fi
  echo "$port"
}

# wait_tcp PORT SECONDS -> waits until 127.0.0.1:PORT accepts connections.
wait_tcp() {
  local port="$1" secs="$2" i
  for ((i = 0; i < secs * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# stop_pid PIDFILE [SECONDS] -> SIGTERM (to the process group when the pid
# leads one), then SIGKILL after SECONDS (default 20); removes the pidfile.
stop_pid() {
  local pidfile="$1" secs="${2:-20}" pid i
  if ! alive "$pidfile"; then rm -f "$pidfile"; return 0; fi
  pid="$(cat "$pidfile")"
  if [[ "$(ps -o pgid= -p "$pid" | tr -d ' ')" == "$pid" ]]; then
    kill -TERM -- "-$pid" 2>/dev/null || true
  else
    kill -TERM "$pid" 2>/dev/null || true
  fi
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
    sleep 0.1
  done
  log "pid $pid ignored SIGTERM for ${secs}s; killing it"
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

# free_ports N -> N distinct TCP ports on 127.0.0.1 that are free right now.
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
}

# lock PATH [FD] -> holds an exclusive lock on PATH.lock (on file descriptor
# FD, default 9) until the script exits, so two callers starting or stopping
# the same instance take turns. NB: start servers with FD>&- or they keep it.
lock() {
  local fd="${2:-9}"
  eval "exec $fd>\"\$1.lock\""
  flock -w 600 "$fd" || die "timed out waiting for $1.lock"
}
