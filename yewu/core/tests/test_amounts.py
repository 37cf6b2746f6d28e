"""Amounts in Chinese capital numerals (大写金额) follow the banks' writing rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yewu.core.amounts import amount_in_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("12345.60", "壹万贰仟叁佰肆拾伍元陆角整"),
        ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
        ("0", "零元整"),
        ("0.50", "伍角整"),
        ("0.05", "伍分"),
        ("0.55", "伍角伍分"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),  # 壹拾, never a bare 拾
        ("16", "壹拾陆元整"),
        ("110", "壹佰壹拾元整"),
        ("1001", "壹仟零壹元整"),
        ("1409.50", "壹仟肆佰零玖元伍角整"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("6007.14", "陆仟零柒元壹角肆分"),
        ("325.04", "叁佰贰拾伍元零肆分"),  # no 角: 零 before the 分
        ("100000", "壹拾万元整"),
        ("107000.53", "壹拾万柒仟元伍角叁分"),
        ("100200", "壹拾万零贰佰元整"),
        ("10000001", "壹仟万零壹元整"),
        ("100000000", "壹亿元整"),
        ("100010000", "壹亿零壹万元整"),
        ("100000001", "壹亿零壹元整"),
        ("2000000000.10", "贰拾亿元壹角整"),
        ("987654321012.34", "玖仟捌佰柒拾陆亿伍仟肆佰叁拾贰万壹仟零壹拾贰元叁角肆分"),
        ("1000000000000", "壹万亿元整"),
        ("-3.20", "负叁元贰角整"),
    ],
)
def test_amount_in_words(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_amount_in_words_rounds_half_up_to_the_fen():
    assert amount_in_words(Decimal("0.005")) == "壹分"
    assert amount_in_words("19.999") == "贰拾元整"
    assert amount_in_words(7) == "柒元整"


@pytest.mark.parametrize("bad", ["abc", "", "NaN", "Infinity", "10000000000000000"])
def test_amount_in_words_refuses_what_it_cannot_write(bad):
    with pytest.raises(ValueError):
        amount_in_words(bad)
