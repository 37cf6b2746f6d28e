#!/usr/bin/env bash
# Update, compile and check Yewu's translation catalogs (yewu/locale/<lang>/LC_MESSAGES/django.po).
#
#   bash scripts/i18n.sh            # update: makemessages (zh_Hans, zh_Hant, en) + compilemessages
#   bash scripts/i18n.sh --check    # check:  makemessages, then fail if anything is left to translate
#
# Both modes run from the repository root with DJANGO_SETTINGS_MODULE=yewu.settings and
# YEWU_DATA_DIR pointing at a throw-away temp dir (so no secret key or database is written
# into the work tree). settings.LOCALE_PATHS = [yewu/locale], so every catalog lands there.
#
# Default mode (update):
#   1. makemessages -l zh_Hans -l zh_Hant -l en --no-obsolete, ignoring .venv, node_modules,
#      yewu/static/vendor and test code. New msgids appear with an empty msgstr; msgids that
#      changed slightly may be marked "#, fuzzy" by msgmerge -- a translator must check them
#      and remove the flag.
#   2. compilemessages for the same locales (writes the .mo files next to the .po files).
#   3. Prints the per-language statistics (never fails on missing translations).
#
# --check mode (for CI):
#   1. Runs the same makemessages into the real tree, so strings added to the code since the
#      catalogs were last updated show up as untranslated. In a CI checkout that only touches
#      the throw-away clone; locally it leaves the refreshed .po files for you to translate.
#      No .mo file is written.
#   2. Exits 1, listing every untranslated or fuzzy entry (file:line and msgid), if any entry
#      of zh_Hans or zh_Hant is untranslated or fuzzy; exits 0 otherwise. (The en catalog may
#      keep empty msgstrs: its msgids are English already.) Also exits 1 if a catalog does not
#      compile (msgfmt --check: placeholders of c-format/python-format entries, plural header).
#
# Requires GNU gettext (msgfmt, msgmerge, xgettext): `apt-get install -y gettext`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MODE=update
case "${1:-}" in
  "") ;;
  --check) MODE=check ;;
  -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
if [ ! -x "$PYTHON" ]; then
  PYTHON="$(command -v python3)"
fi
if ! command -v msgfmt >/dev/null 2>&1; then
  echo "i18n.sh: GNU gettext is missing (apt-get install -y gettext)" >&2
  exit 2
fi

TMP_DATA="$(mktemp -d)"
trap 'rm -rf "$TMP_DATA"' EXIT
export DJANGO_SETTINGS_MODULE=yewu.settings
export YEWU_DATA_DIR="$TMP_DATA"

LOCALES=(zh_Hans zh_Hant en)
CHECKED=(zh_Hans zh_Hant)
LOCALE_ARGS=()
for l in "${LOCALES[@]}"; do LOCALE_ARGS+=(-l "$l"); done

"$PYTHON" manage.py makemessages "${LOCALE_ARGS[@]}" \
  --ignore=.venv --ignore=node_modules --ignore=.git --ignore=var \
  --ignore='yewu/static/vendor/*' --ignore='*/tests/*' --ignore='*/testing/*' \
  --no-obsolete

# Report untranslated / fuzzy entries of a catalog; prints them and returns 1 if any.
report() {
  "$PYTHON" - "$1" <<'PY'
import re
import sys

path = sys.argv[1]
text = open(path, encoding="utf-8").read()
bad = []
for block in re.split(r"\n\s*\n", text):
    lines = [ln for ln in block.splitlines() if ln.strip()]
    if not lines or all(ln.startswith("#~") for ln in lines):
        continue
    flags, refs, fields, current = [], [], {}, None
    for ln in lines:
        if ln.startswith("#,"):
            flags += [f.strip() for f in ln[2:].split(",")]
        elif ln.startswith("#:"):
            refs += ln[2:].split()
        elif ln.startswith("#"):
            continue
        elif ln.startswith('"'):
            fields[current] += eval(ln)  # a C-style string literal continuing the previous field
        else:
            key, _, rest = ln.partition(" ")
            current = key
            fields[key] = eval(rest)
    msgid = fields.get("msgid")
    if msgid is None or msgid == "":  # header
        continue
    strs = [v for k, v in fields.items() if k.startswith("msgstr")]
    why = []
    if "fuzzy" in flags:
        why.append("fuzzy")
    if not strs or any(s == "" for s in strs):
        why.append("untranslated")
    if why:
        where = refs[0] if refs else "?"
        bad.append(f"  [{'+'.join(why)}] {where}: {msgid!r}")
if bad:
    print(f"{path}: {len(bad)} entr{'y' if len(bad) == 1 else 'ies'} to translate:")
    print("\n".join(bad))
    sys.exit(1)
PY
}

status=0
for l in "${LOCALES[@]}"; do
  po="yewu/locale/$l/LC_MESSAGES/django.po"
  if [ ! -f "$po" ]; then
    echo "i18n.sh: $po is missing" >&2
    status=1
    continue
  fi
  # Validates syntax, plural header and format placeholders; prints the statistics.
  if ! msgfmt --check --statistics -o /dev/null "$po" 2>&1 | sed "s|^|$l: |"; then
    status=1
  fi
done

if [ "$MODE" = check ]; then
  for l in "${CHECKED[@]}"; do
    po="yewu/locale/$l/LC_MESSAGES/django.po"
    [ -f "$po" ] || continue
    report "$po" || status=1
  done
  if [ "$status" != 0 ]; then
    echo "i18n.sh --check: FAILED (translate the entries above, drop '#, fuzzy', run scripts/i18n.sh)" >&2
  else
    echo "i18n.sh --check: all zh_Hans / zh_Hant entries are translated"
  fi
  exit "$status"
fi

"$PYTHON" manage.py compilemessages "${LOCALE_ARGS[@]}" \
  --ignore=.venv --ignore=node_modules --ignore=.git --ignore=var --ignore='yewu/static/vendor/*'
exit "$status"
