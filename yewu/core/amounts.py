"""Amounts in Chinese capital numerals (大写金额), as written on orders, contracts and vouchers.

The rules are the banks' (中国人民银行《正确填写票据和结算凭证的基本规定》): digits 零壹贰叁肆伍陆柒捌玖,
units 拾佰仟万亿, 元角分; "壹拾" is never shortened to "拾"; one 零 stands for any run of zeros
inside the number; an amount without 分 ends in 整 (¥12,345.60 → 壹万贰仟叁佰肆拾伍元陆角整).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
GROUPS = ("", "万", "亿", "万亿")
LIMIT = Decimal(10) ** 16  # 万亿 is the largest group unit


def _group(value: int) -> str:
    """0 < value < 10,000 in words: inner zeros as one 零, trailing zeros dropped."""
    out = []
    zero = False
    for place in range(3, -1, -1):
        digit = value // 10**place % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[digit] + PLACES[place])
    return "".join(out)


def _integer(value: int) -> str:
    groups = []
    while value:
        groups.append(value % 10000)
        value //= 10000
    out = ""
    zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero = bool(out)
            continue
        if out and (zero or group < 1000):
            out += "零"
        out += _group(group) + GROUPS[index]
        zero = False
    return out


def amount_in_words(amount: Decimal | int | str) -> str:
    """The amount in yuan as capital numerals: 1234.5 → 壹仟贰佰叁拾肆元伍角整; 0 → 零元整.

    Rounded half up to the fen; negative amounts start with 负. ValueError for what is not a
    number or not below 10^16 yuan."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    if not value.is_finite() or abs(value) >= LIMIT:
        raise ValueError(f"amount out of range: {amount!r}")
    sign = "负" if value < 0 else ""
    cents = int(abs(value) * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零元整"
    words = _integer(yuan) + "元" if yuan else ""
    if jiao:
        words += DIGITS[jiao] + "角"
    elif fen and yuan:
        words += "零"
    words += DIGITS[fen] + "分" if fen else "整"
    return sign + words
