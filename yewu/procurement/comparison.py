"""The quotation comparison of a requisition (询价比价): lines × suppliers, line and total prices,
the lowest valid price of each line and the lowest valid total, delivery and terms. Read-only:
choosing and ordering are services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from yewu.procurement.models import Quotation, Requisition, RequisitionLine

CENT = Decimal("0.01")


@dataclass
class Cell:
    quotation: Quotation
    unit_price: Decimal | None
    amount: Decimal | None
    lowest: bool = False


@dataclass
class Row:
    line: RequisitionLine
    cells: list[Cell]


@dataclass
class Comparison:
    requisition: Requisition
    round: int
    rounds: list[int]
    quotations: list[Quotation]
    rows: list[Row] = field(default_factory=list)
    valid: set[int] = field(default_factory=set)  # pks of the quotations still valid
    lowest_total: Decimal | None = None

    def is_lowest_total(self, quotation: Quotation) -> bool:
        return quotation.pk in self.valid and quotation.amount == self.lowest_total


def choice_settled(requisition: Requisition) -> bool:
    """An order was placed from the chosen quotation: the choice stands (choose_quotation refuses)."""
    from yewu.procurement.choices import OrderStatus

    return (Quotation.objects.filter(requisition=requisition, chosen=True, orders__isnull=False)
            .exclude(orders__status__in=(OrderStatus.CANCELLED, OrderStatus.SUPERSEDED)).exists())


def compare(
    requisition: Requisition, quotations: Any, *, round_no: int | None = None, today: datetime.date | None = None
) -> Comparison:
    """Compare `quotations` (the requisition's quotations the user may view) of one round (default:
    the latest). Expired quotations are shown but never marked lowest."""
    today = today or timezone.localdate()
    mine = quotations.filter(requisition=requisition)
    rounds = sorted(set(mine.values_list("round", flat=True)))
    chosen_round = round_no if round_no in rounds else (rounds[-1] if rounds else 1)
    quotes = list(mine.filter(round=chosen_round).select_related("supplier").prefetch_related("lines")
                  .order_by("amount", "pk"))
    prices = {q.pk: {line.requisition_line_id: line.unit_price for line in q.lines.all()} for q in quotes}
    result = Comparison(requisition=requisition, round=chosen_round, rounds=rounds, quotations=quotes)
    result.valid = {q.pk for q in quotes if q.is_valid_on(today)}
    valid_totals = [q.amount for q in quotes if q.pk in result.valid]
    result.lowest_total = min(valid_totals) if valid_totals else None
    for line in requisition.lines.all():
        cells = []
        for q in quotes:
            price = prices[q.pk].get(line.pk)
            cells.append(Cell(q, price, (line.quantity * price).quantize(CENT) if price is not None else None))
        valid_prices = [c.unit_price for c in cells if c.unit_price is not None and c.quotation.pk in result.valid]
        if valid_prices:
            low = min(valid_prices)
            for c in cells:
                c.lowest = c.quotation.pk in result.valid and c.unit_price == low
        result.rows.append(Row(line, cells))
    return result
