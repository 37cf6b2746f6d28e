"""Normalised keys for duplicate detection and the unified social credit code check (GB 32100-2015)."""

from __future__ import annotations

import re
import unicodedata

#: Legal-form words that do not tell two companies apart (longest first).
_SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司", "分公司",
    "co ltd", "co.,ltd", "co., ltd", "company limited", "limited", "ltd", "inc", "corp", "llc",
)
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def name_key(name: str) -> str:
    """上海云启信息技术有限公司, "上海 云启信息技术（有限公司）" → 上海云启信息技术: full-width folded,
    case, spaces, punctuation and legal-form words removed."""
    text = unicodedata.normalize("NFKC", name or "").lower().strip()
    text = _NOISE.sub("", text)
    changed = True
    while changed and text:
        changed = False
        for suffix in _SUFFIXES:
            compact = _NOISE.sub("", suffix)
            if text.endswith(compact) and len(text) > len(compact):
                text = text[: -len(compact)]
                changed = True
    return text[:200]


def phone_key(phone: str) -> str:
    """Digits only, in the national form: +86 138-0013-8000 → 13800138000, +86 21 7777 0303 → 02177770303."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone or ""))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 9:
            digits = digits[len(prefix):]
            if not digits.startswith("1"):  # a landline: the national form has the trunk 0 (021-…)
                digits = "0" + digits
            break
    return digits[:20]


def email_key(email: str) -> str:
    return unicodedata.normalize("NFKC", email or "").strip().lower()[:254]


def credit_key(code: str) -> str:
    return unicodedata.normalize("NFKC", code or "").strip().upper().replace(" ", "")


def credit_check_digit(first17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def valid_credit_code(code: str) -> bool:
    """18 characters of the code's alphabet (no I, O, S, V, Z) whose last one is the check digit."""
    code = credit_key(code)
    if not _CREDIT_SHAPE.match(code):
        return False
    return credit_check_digit(code[:17]) == code[17]


def valid_phone(phone: str) -> bool:
    return 5 <= len(phone_key(phone)) <= 20
