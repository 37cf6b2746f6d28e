#!/usr/bin/env bash
# Install everything the tests need and run all checks and tests (on SQLite, or on the database
# named by DATABASE_URL).
#
#   bash scripts/test.sh [pytest arguments]
#
# 1. .venv with Yewu and its test extras (pip install -e ".[test]");
# 2. Debian packages chromium, fonts-noto-cjk and gettext when missing (apt-get, only as root or
#    with sudo; otherwise a warning, and the browser tests skip);
# 3. compilemessages (the catalogs in yewu/locale; skipped when there are none);
# 4. ruff check, manage.py check, the deployment security check with production settings,
#    makemigrations --check, and pytest (every test, browser and API fuzzing included).
# Stops at the first failure. A pytest run that collects no tests counts as a failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CURRENT="start"
section() { CURRENT="$*"; printf '\n\033[1m===== %s =====\033[0m\n' "$*"; }
trap 'echo "test.sh: FAILED at: $CURRENT" >&2' ERR
die() { printf 'test.sh: %s\n' "$*" >&2; exit 1; }

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
  echo "Installing Debian packages: $*"
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

section "Python environment"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  PY="$(find_python)" || die "Python 3.11 or newer is needed (apt-get install python3)."
  PYVER="$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    apt_install "python${PYVER}-venv" || apt_install python3-venv \
      || die "Python's venv module is missing: apt-get install python3-venv"
  fi
  echo "Creating .venv with $PY"
  rm -rf .venv
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --disable-pip-version-check -q -e ".[test]"
.venv/bin/python --version

section "System packages (chromium, fonts-noto-cjk, gettext)"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
if ! dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed" \
   && ! { command -v fc-list >/dev/null 2>&1 && fc-list 2>/dev/null | grep -q "Noto Sans CJK"; }; then
  missing+=(fonts-noto-cjk)
fi
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
if [ "${#missing[@]}" -gt 0 ]; then
  if ! apt_install "${missing[@]}"; then
    echo "WARNING: missing ${missing[*]} and cannot install them (not root, no sudo)." >&2
    echo "         Browser tests will skip; install them with: sudo apt-get install ${missing[*]}" >&2
  fi
else
  echo "all present"
fi

# Checks and tests write into a throw-away data directory, never into ./var.
DATA_DIR="$(mktemp -d)"
trap 'rm -rf "$DATA_DIR"' EXIT
export YEWU_DATA_DIR="$DATA_DIR"
mkdir -p "$DATA_DIR/static"  # STATIC_ROOT, so WhiteNoise does not warn in every test
export DJANGO_SETTINGS_MODULE=yewu.settings
PY=.venv/bin/python

section "Translations (compilemessages)"
if find yewu -path '*/locale/*' -name '*.po' -print -quit | grep -q .; then
  if command -v msgfmt >/dev/null 2>&1; then
    "$PY" manage.py compilemessages --ignore=.venv --ignore=node_modules --ignore=.git \
      --ignore=var --ignore='yewu/static/vendor/*'
  else
    die "gettext (msgfmt) is missing, cannot compile the translations"
  fi
else
  echo "no translation catalogs yet; skipped"
fi

section "Translations complete (scripts/i18n.sh --check; in CI only, it rewrites the catalogs)"
if [ "${CI:-}" = true ]; then
  bash scripts/i18n.sh --check
else
  echo "skipped outside CI; run: bash scripts/i18n.sh --check"
fi

section "ruff check"
.venv/bin/ruff check .

section "Django system check"
"$PY" manage.py check

section "Deployment security check (YEWU_HTTPS=1, production settings)"
YEWU_HTTPS=1 YEWU_DEBUG=0 YEWU_ALLOWED_HOSTS=yewu.example.com \
  "$PY" manage.py check --deploy --tag security --fail-level WARNING

section "Migrations are up to date"
"$PY" manage.py makemigrations --check --dry-run

section "pytest${DATABASE_URL:+ (DATABASE_URL=${DATABASE_URL%%:*}://…)}"
set +e
"$PY" -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  die "pytest collected no tests"
elif [ "$status" -ne 0 ]; then
  die "pytest failed (exit $status)"
fi
echo "All checks and tests passed."
