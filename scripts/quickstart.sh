#!/usr/bin/env bash
# Quick start: install Yewu into .venv and run it on SQLite with the demo company loaded.
#
#   bash scripts/quickstart.sh [--port N] [--host H]
#
# 1. finds Python 3.11+ (or $PYTHON), installing the Debian/Ubuntu venv package if it is missing
#    (only as root or with sudo);
# 2. creates .venv and installs Yewu into it (pip install -e .);
# 3. runs `yewu demo`: migrates the SQLite database in ./var (or $YEWU_DATA_DIR), loads the
#    demo company, prints the demo logins and the URL, and serves Yewu until Ctrl+C.
# Running it again is safe: nothing is loaded twice.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'quickstart: %s\n' "$*" >&2; exit 1; }

# Run apt-get as root: directly, through sudo, or not at all.
apt_install() {
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && { [ -t 0 ] || sudo -n true 2>/dev/null; }; then
      sudo=(sudo)
    else
      return 1
    fi
  fi
  command -v apt-get >/dev/null 2>&1 || return 1
  say "Installing Debian packages: $*"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

PY="$(find_python)" || die "Python 3.11 or newer is needed (apt-get install python3)."
PYVER="$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    apt_install "python${PYVER}-venv" || apt_install python3-venv \
      || die "Python's venv module is missing: apt-get install python3-venv"
  fi
  say "Creating .venv with $PY (Python $PYVER)"
  rm -rf .venv
  "$PY" -m venv .venv
fi

say "Installing Yewu and its dependencies into .venv"
.venv/bin/python -m pip install --disable-pip-version-check -q -e .

export YEWU_DATA_DIR="${YEWU_DATA_DIR:-$ROOT/var}"
say "Starting Yewu with the demo company (data in $YEWU_DATA_DIR)"
exec .venv/bin/yewu demo "$@"
