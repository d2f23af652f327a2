#!/usr/bin/env bash
# Helpers shared by the scripts in scripts/services/: the run folder, pid
# checks, starting a server, waiting for it and the command line every service
# script answers. Source it after scripts/lib/common.sh.
set -euo pipefail

# Every service keeps its config, data, logs, pid and port under here.
use_run_folder

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

# A service script sets `name`, `dir` (its instance's folder) and `pidfile`, defines
# `start` and `print_env`, and ends with `service_main "$@"`. `stop` and `status` below
# are the defaults a script may redefine.
stop() { stop_pid "$pidfile" 10; }
status() { alive "$pidfile"; }

# spawn LOGFILE COMMAND... -> runs COMMAND in a session of its own (so stop_pid ends
# it with its children), output to LOGFILE, and records its pid in $pidfile.
# NB: the server must not keep the lock descriptors (8, 9) open, or waiters hang.
spawn() {
  local logfile="$1"; shift
  setsid "$@" > "$logfile" 2>&1 < /dev/null 8>&- 9>&- &
  echo $! > "$pidfile"
}

# await_ready SECONDS LOGFILE CHECK... -> polls CHECK every 0.1 s until it succeeds.
# When the server in $pidfile exits, or SECONDS pass, it shows LOGFILE's tail,
# stops the instance (`stop`) and dies.
await_ready() {
  local secs="$1" logfile="$2" i; shift 2
  for ((i = 0; i < secs * 10; i++)); do
    "$@" 2>/dev/null && return 0
    # NB: a daemonizing server (redis) writes its pidfile itself, a moment after it forks.
    [[ -e "$pidfile" ]] && ! alive "$pidfile" && break
    sleep 0.1
  done
  tail -n 20 "$logfile" >&2 || true
  stop
  die "${service:-service} '$name' did not become ready within ${secs}s"
}

# http_ok URL -> true when URL answers 2xx.
http_ok() { curl -fsS -o /dev/null "$1"; }

# tcp_ok PORT -> true when 127.0.0.1:PORT accepts a connection now.
tcp_ok() { (exec 3<>"/dev/tcp/127.0.0.1/$1"); }

# service_main COMMAND [EXTRA...] -> the command line of a service script:
# start|stop|restart|env|status, plus EXTRA commands the script defines as functions
# (e.g. install, clean). start, stop, restart and clean hold the instance's lock.
service_main() {
  local cmd="${1:-}" extra=("${@:2}") known="start|stop|restart|env|status"
  ((${#extra[@]} == 0)) || known+="|$(IFS='|'; echo "${extra[*]}")"
  case "$cmd" in start | stop | restart | clean) lock "$dir" ;; esac
  case "$cmd" in
    start) start ;;
    stop) stop ;;
    restart) stop; start ;;
    env) print_env ;;
    status) status ;;
    *)
      if [[ -n "$cmd" && " ${extra[*]} " == *" $cmd "* ]]; then "$cmd"
      else echo "usage: $0 $known [NAME]" >&2; exit 2; fi
      ;;
  esac
}
