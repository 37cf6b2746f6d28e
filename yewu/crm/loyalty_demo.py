"""Demo loyalty scores: computed once the demo's customers, visits, communications, complaints and
survey answers exist (after the service demo, ORDER 55), so the customer pages show real scores.
No sales module exists yet, so the purchase components show "no data". Loading again only
recalculates. Importing this module registers the loader with yewu.core.demo."""

from __future__ import annotations

from yewu.core import demo as core_demo

ORDER = 58  # after the CRM (50) and customer service (55)


def load() -> dict:
    from yewu.crm.loyalty import recalculate_loyalty
    from yewu.crm.models import LoyaltyScore

    counts = recalculate_loyalty()
    tiers: dict[str, int] = {}
    for name in LoyaltyScore.objects.values_list("tier__name", flat=True):
        tiers[name or "-"] = tiers.get(name or "-", 0) + 1
    return {**counts, "tiers": tiers}


core_demo.register(ORDER, "loyalty", load)
