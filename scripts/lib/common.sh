#!/usr/bin/env bash
# Shared helpers for every script under scripts/: cache locations, logging and
# idempotent Python virtual environments. Source it; it defines no side effects
# beyond exporting the cache paths.
set -euo pipefail

SIGHTGRAPH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SIGHTGRAPH_CACHE="${SIGHTGRAPH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sightgraph}"
export SIGHTGRAPH_ROOT SIGHTGRAPH_CACHE
mkdir -p "$SIGHTGRAPH_CACHE"

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
