"""The seam to budgets (P19): a requisition shows its department's remaining budget when a budget
module provides one. Until then nothing is shown: no made-up numbers.

The finance module registers its function in its AppConfig.ready():

    from yewu.procurement import budget
    budget.register(lambda department, on: remaining_for(department, on))   # Decimal or None
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

_provider: Callable[[Any, datetime.date], Decimal | None] | None = None


def register(provider: Callable[[Any, datetime.date], Decimal | None]) -> None:
    global _provider
    _provider = provider


def remaining(department: Any, on: datetime.date) -> Decimal | None:
    """The department's remaining budget on that date, or None when no budget is known."""
    return _provider(department, on) if _provider is not None else None
