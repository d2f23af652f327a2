#!/usr/bin/env bash
# Shared helpers for every script under scripts/: path defaults, logging and
# idempotent Python virtual environments. Source it; it defines no side effects
# beyond exporting the paths.
set -euo pipefail

# The path defaults, defined here once: the cache (models, venvs, jars), cargo's target
# folder and (through use_run_folder) the folder the test servers run in.
SIGHTGRAPH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SIGHTGRAPH_CACHE="${SIGHTGRAPH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sightgraph}"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$SIGHTGRAPH_CACHE/target}"
export SIGHTGRAPH_ROOT SIGHTGRAPH_CACHE CARGO_TARGET_DIR
mkdir -p "$SIGHTGRAPH_CACHE"

# use_run_folder -> exports SIGHTGRAPH_RUN (default $SIGHTGRAPH_CACHE/run) and creates it.
# NB: not done on sourcing: scripts/ci/test.sh makes a fresh run folder when it is unset.
use_run_folder() {
  export SIGHTGRAPH_RUN="${SIGHTGRAPH_RUN:-$SIGHTGRAPH_CACHE/run}"
  mkdir -p "$SIGHTGRAPH_RUN"
}

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# venv NAME REQUIREMENTS_FILE -> prints the venv's directory.
# Recreates the venv only when the requirements file changed (hash stamp), so a
# warm cache costs one sha256sum.
venv() {
  local name="$1" req="$2" dir="$SIGHTGRAPH_CACHE/venvs/$1"
  local want; want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [[ ! -f "$dir/.stamp" || "$(cat "$dir/.stamp")" != "$want" ]]; then
    log "creating Python environment '$name' from $req"
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check --upgrade pip >&2
    "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
    echo "$want" > "$dir/.stamp"
  fi
  echo "$dir"
}

# free_port -> prints a TCP port on 127.0.0.1 that is free right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# apt_install PKG... installs Debian packages that are missing (CI runs as root).
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  ((${#missing[@]} == 0)) && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}
