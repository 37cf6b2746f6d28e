"""Fill zh_Hans / zh_Hant translations from JSON files into the catalogs.

    python scripts/i18n_fill.py FILE.json [FILE.json ...]   # then: bash scripts/i18n.sh

Each file maps an English msgid to [simplified, traditional]; a plural entry's key is
"singular|||plural" (or just the singular) and its values are lists with one string per plural form
(Chinese has one). A msgid written with "%%" (blocktranslate) may be given with "%".
Only entries the catalogs hold (run `bash scripts/i18n.sh` first so new msgids are in) and that are
empty or fuzzy are filled; existing translations are kept. Prints what it filled and the msgids of
the files that the catalogs do not hold (stale keys), and lists what is still untranslated.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALES = {"zh_Hans": 0, "zh_Hant": 1}


def load(paths: list[str]) -> dict[str, list]:
    merged: dict[str, list] = {}
    for path in paths:
        for key, value in json.loads(Path(path).read_text(encoding="utf-8")).items():
            merged[key] = value
    return merged


def main(paths: list[str]) -> int:
    wanted = load(paths)
    used: set[str] = set()
    missing_total = 0
    for locale, index in LOCALES.items():
        po_path = ROOT / "yewu" / "locale" / locale / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(po_path), wrapwidth=0)
        filled = 0
        for entry in po:
            if entry.obsolete:
                continue
            key = f"{entry.msgid}|||{entry.msgid_plural}" if entry.msgid_plural else entry.msgid
            needs = entry.fuzzy or (
                any(not v for v in entry.msgstr_plural.values()) if entry.msgid_plural else not entry.msgstr
            )
            if key not in wanted:  # also accepted: a plural entry by its singular, "%%" written as "%"
                alias = next((k for k in (entry.msgid, entry.msgid.replace("%%", "%")) if k in wanted), None)
                if alias is None:
                    continue
                used.add(alias)
                key = alias
            used.add(key)
            if not needs:
                continue
            value = wanted[key][index]
            if key != entry.msgid and key == entry.msgid.replace("%%", "%"):  # given with "%": write "%%"
                value = [v.replace("%", "%%") for v in value] if isinstance(value, list) else value.replace("%", "%%")
            if entry.msgid_plural:
                forms = value if isinstance(value, list) else [value]
                entry.msgstr_plural = {i: forms[min(i, len(forms) - 1)] for i in range(max(1, len(entry.msgstr_plural)))}
            else:
                entry.msgstr = value[0] if isinstance(value, list) else value
            if entry.fuzzy:
                entry.flags.remove("fuzzy")
                entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            filled += 1
        po.save(str(po_path))
        missing = [e.msgid for e in po.untranslated_entries() + po.fuzzy_entries() if not e.obsolete]
        missing_total += len(missing)
        print(f"{locale}: filled {filled}; still untranslated or fuzzy: {len(missing)}")
        for msgid in missing:
            print(f"  {msgid!r}")
    stale = sorted(set(wanted) - used)
    if stale:
        print(f"{len(stale)} key(s) not in the catalogs (not yet extracted, or no longer used):")
        for key in stale:
            print(f"  {key!r}")
    return 1 if missing_total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
