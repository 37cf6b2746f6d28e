"""Customer loyalty score (忠诚度, P13): a transparent formula an administrator configures.

Each component turns a raw figure of the last 12 months into 0–100 points, linearly between the
figure that gives 0 points and the one that gives 100 (capped at both ends):

    points = 100 × (figure − zero_at) / (full_at − zero_at), kept within 0–100, rounded to 0.1

    value, frequency  purchases of the customer (supplied by a sales module through `register_purchases`)
    satisfaction      average 1–5 rating the customer gave in satisfaction surveys
    complaints        complaints of the customer (0 points at `zero_at` complaints or more)
    tenure            whole months since the customer was created (or converted from a lead)
    engagement        visits done and communications recorded with the customer

The score is the weighted average of the points of the components that have data:

    score = Σ points × weight / Σ weight, rounded to 0.1

A component without data (no purchases provider registered, no survey answered) is shown as "no
data" and left out: the weights of the others are re-normalised, so it neither helps nor hurts.
The tier is the active tier with the highest minimum the score reaches.

Scores are recalculated by the worker once a day (and after the formula changes), by a CRM
administrator's "recalculate", and for one customer when their page shows a stale score.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yewu.core import permissions
from yewu.core.audit import delta, record_event, snapshot
from yewu.core.errors import DomainError, ErrorCode
from yewu.crm.choices import VisitStatus
from yewu.crm.models import Communication, Customer, Visit
from yewu.crm.models.loyalty import ComponentKey, LoyaltyComponent, LoyaltyScore, LoyaltyTier

log = logging.getLogger(__name__)

PERIOD_DAYS = 365
HUNDRED = Decimal(100)
TENTH = Decimal("0.1")
COMPONENT_FIELDS = ("weight", "zero_at", "full_at")
TIER_FIELDS = ("name", "min_score", "strategy", "sort_order", "is_active")
ROUND_LIMIT = 2000  # customers recalculated per worker round

#: Defaults (also written by migration 0003_loyalty): key -> (weight, zero_at, full_at).
DEFAULT_COMPONENTS: dict[str, tuple[int, str, str]] = {
    ComponentKey.VALUE: (25, "0", "1000000"),
    ComponentKey.FREQUENCY: (15, "0", "12"),
    ComponentKey.SATISFACTION: (20, "1", "5"),
    ComponentKey.COMPLAINTS: (15, "5", "0"),
    ComponentKey.TENURE: (15, "0", "36"),
    ComponentKey.ENGAGEMENT: (10, "0", "24"),
}
DEFAULT_TIERS: list[tuple[str, int, str]] = [
    ("忠诚", 80, "重点维护：客户经理定期拜访，优先响应需求，提供专属优惠与新品试用，邀请参加客户活动。"),
    ("稳定", 60, "保持关系：按计划回访，节日问候，了解新需求并推荐相关产品，争取提高合作份额。"),
    ("一般", 40, "提升粘性：分析购买与服务记录找出薄弱环节，安排针对性沟通和满意度改进措施。"),
    ("流失风险", 0, "挽回预警：主管一周内安排拜访，弄清不满原因与投诉处理情况，制定挽回计划并跟踪落实。"),
]


class LoyaltyError(ErrorCode):
    WEIGHT_RANGE = "crm.loyalty_weight_range", _("A weight is a whole number from 0 to 100.")
    WEIGHTS_ZERO = "crm.loyalty_weights_zero", _("At least one component needs a weight above zero.")
    FIGURE_NEGATIVE = "crm.loyalty_figure_negative", _("The figures for 0 and 100 points cannot be below zero.")
    RANGE_EMPTY = "crm.loyalty_range_empty", _("The figures for 0 and 100 points must differ.")
    RATING_RANGE = "crm.loyalty_rating_range", _("Survey ratings run from 1 to 5; choose figures within that range.")
    TIER_NAME_REQUIRED = "crm.loyalty_tier_name_required", _("Give the tier a name.")
    TIER_MIN_RANGE = "crm.loyalty_tier_min_range", _("A tier's minimum score is a whole number from 0 to 100.")
    TIER_MIN_TAKEN = "crm.loyalty_tier_min_taken", _(
        "The active tier %(name)s already starts at %(score)s; each tier needs its own minimum score."
    )


# --- the seam to sales ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Purchases:
    """What a customer bought in a period: total value (yuan) and number of purchases."""

    value: Decimal
    count: int


PurchasesProvider = Callable[[Customer, datetime.date, datetime.date], Purchases | None]
_purchases_provider: PurchasesProvider | None = None


def register_purchases(provider: PurchasesProvider | None) -> None:
    """A sales module registers its function in its AppConfig.ready():

        loyalty.register_purchases(lambda customer, start, end: Purchases(value, count))  # or None

    `start` and `end` are the first and last day of the period, both included. None unregisters;
    until a provider is registered the purchase components have no data (never made-up figures)."""
    global _purchases_provider
    _purchases_provider = provider


def purchases_of(customer: Customer, start: datetime.date, end: datetime.date) -> Purchases | None:
    """The customer's purchases in the period, or None when no sales data is available."""
    return _purchases_provider(customer, start, end) if _purchases_provider is not None else None


# --- configuration -------------------------------------------------------------------------------


def ensure_defaults() -> None:
    """Create the default components and tiers when none exist (a fresh database gets them from the
    migration; this covers a database emptied since)."""
    for order, (key, (weight, zero_at, full_at)) in enumerate(DEFAULT_COMPONENTS.items()):
        LoyaltyComponent.objects.get_or_create(key=key, defaults={
            "weight": weight, "zero_at": Decimal(zero_at), "full_at": Decimal(full_at), "sort_order": order})
    if not LoyaltyTier.objects.exists():
        for order, (name, min_score, strategy) in enumerate(DEFAULT_TIERS):
            LoyaltyTier.objects.create(name=name, min_score=min_score, strategy=strategy, sort_order=order)


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None and str(value).strip() != "" else None
    except (InvalidOperation, ValueError):
        return None


def _whole(value: Any) -> int | None:
    """A whole number given as an int or its digits (None otherwise: 2.5, "x", True)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = _decimal(value)
    return int(number) if number is not None and number == number.to_integral_value() else None


def _check_component(obj: LoyaltyComponent) -> None:
    weight = _whole(obj.weight)
    if weight is None or not 0 <= weight <= 100:
        raise DomainError(LoyaltyError.WEIGHT_RANGE)
    obj.weight = weight
    zero_at, full_at = _decimal(obj.zero_at), _decimal(obj.full_at)
    if zero_at is None or full_at is None or zero_at < 0 or full_at < 0:
        raise DomainError(LoyaltyError.FIGURE_NEGATIVE)
    if zero_at == full_at:
        raise DomainError(LoyaltyError.RANGE_EMPTY)
    if obj.key == ComponentKey.SATISFACTION and not (1 <= zero_at <= 5 and 1 <= full_at <= 5):
        raise DomainError(LoyaltyError.RATING_RANGE)
    limit = Decimal("999999999999.99")
    obj.zero_at, obj.full_at = min(zero_at, limit).quantize(Decimal("0.01")), min(full_at, limit).quantize(
        Decimal("0.01"))


@transaction.atomic
def save_loyalty_component(component: LoyaltyComponent, values: dict[str, Any], *, actor: Any) -> LoyaltyComponent:
    """Change a component's weight or its 0- and 100-point figures; the weights may not all be zero.
    Scores computed before become stale and are recalculated."""
    obj = LoyaltyComponent.objects.select_for_update().get(pk=component.pk)
    permissions.require(actor, "change", obj)
    before = snapshot(obj, COMPONENT_FIELDS)
    for name in COMPONENT_FIELDS:
        if name in values:
            setattr(obj, name, values[name])
    _check_component(obj)
    others = LoyaltyComponent.objects.exclude(pk=obj.pk).filter(weight__gt=0).exists()
    if obj.weight == 0 and not others:
        raise DomainError(LoyaltyError.WEIGHTS_ZERO)
    obj.save()
    record_event(obj, "loyaltycomponent.changed", actor=actor, data=delta(before, snapshot(obj, COMPONENT_FIELDS)))
    return obj


@transaction.atomic
def save_loyalty_tier(tier: LoyaltyTier | None, values: dict[str, Any], *, actor: Any) -> LoyaltyTier:
    """Create or change a tier (name, minimum score 0–100, unique among active tiers, strategy)."""
    if tier is None:
        permissions.require_new(actor, "add", LoyaltyTier)
        obj, before, creating = LoyaltyTier(), {}, True
    else:
        obj = LoyaltyTier.objects.select_for_update().get(pk=tier.pk)
        permissions.require(actor, "change", obj)
        before, creating = snapshot(obj, TIER_FIELDS), False
    for name in TIER_FIELDS:
        if name in values:
            setattr(obj, name, values[name])
    obj.name = str(obj.name or "").strip()[:100]
    obj.strategy = str(obj.strategy or "").strip()
    if not obj.name:
        raise DomainError(LoyaltyError.TIER_NAME_REQUIRED)
    min_score = _whole(obj.min_score)
    if min_score is None or not 0 <= min_score <= 100:
        raise DomainError(LoyaltyError.TIER_MIN_RANGE)
    obj.min_score = min_score
    if obj.is_active:
        clash = (LoyaltyTier.objects.select_for_update().filter(is_active=True, min_score=min_score)
                 .exclude(pk=obj.pk).first())
        if clash is not None:
            raise DomainError(LoyaltyError.TIER_MIN_TAKEN, name=clash.name, score=min_score)
    obj.sort_order = max(0, _whole(obj.sort_order) or 0)
    obj.save()
    record_event(obj, "loyaltytier.created" if creating else "loyaltytier.changed", actor=actor,
                 data=delta(before, snapshot(obj, TIER_FIELDS)))
    return obj


def config_changed_at() -> datetime.datetime | None:
    """When the formula or the tiers last changed: scores computed before are stale."""
    stamps = [LoyaltyComponent.objects.aggregate(m=Max("updated_at"))["m"],
              LoyaltyTier.objects.aggregate(m=Max("updated_at"))["m"]]
    stamps = [s for s in stamps if s is not None]
    return max(stamps) if stamps else None


def is_stale(score: LoyaltyScore | None, *, today: datetime.date | None = None,
             changed_at: datetime.datetime | None = None) -> bool:
    """A score is stale when missing, computed before today, or older than the formula."""
    if score is None:
        return True
    today = today or timezone.localdate()
    changed_at = changed_at if changed_at is not None else config_changed_at()
    return score.computed_on < today or (changed_at is not None and score.computed_at < changed_at)


# --- the formula ---------------------------------------------------------------------------------


def points_for(figure: Decimal, zero_at: Decimal, full_at: Decimal) -> Decimal:
    """0–100 points for a raw figure: linear between the 0- and 100-point figures, capped."""
    raw = HUNDRED * (Decimal(figure) - zero_at) / (full_at - zero_at)
    return min(HUNDRED, max(Decimal(0), raw)).quantize(TENTH, rounding=ROUND_HALF_UP)


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from start to end (0 when end is before start)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)
    return max(0, months)


@dataclass
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def start_at(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def end_before(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.end + datetime.timedelta(days=1),
                                                             datetime.time.min))


def _figures(customer: Customer, period: Period, today: datetime.date) -> dict[str, tuple[Decimal | None, dict]]:
    """Each component's raw figure (None: no data) and the counts it was read from."""
    out: dict[str, tuple[Decimal | None, dict]] = {}
    bought = purchases_of(customer, period.start, period.end)
    if bought is None:
        out[ComponentKey.VALUE] = (None, {})
        out[ComponentKey.FREQUENCY] = (None, {})
    else:
        out[ComponentKey.VALUE] = (Decimal(bought.value), {"purchases": bought.count})
        out[ComponentKey.FREQUENCY] = (Decimal(bought.count), {"purchases": bought.count})
    if apps.is_installed("yewu.service"):
        from yewu.service.models import Answer, Complaint

        answers = Answer.objects.filter(
            respondent__customer=customer, rating__isnull=False,
            respondent__answered_at__gte=period.start_at, respondent__answered_at__lt=period.end_before,
        ).aggregate(avg=Avg("rating"), n=Count("pk"), surveys=Count("respondent__survey", distinct=True))
        avg = Decimal(str(answers["avg"])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if answers["n"] else None
        out[ComponentKey.SATISFACTION] = (avg, {"surveys": answers["surveys"], "ratings": answers["n"]})
        complaints = Complaint.objects.filter(customer=customer, received_at__gte=period.start_at,
                                              received_at__lt=period.end_before).count()
        out[ComponentKey.COMPLAINTS] = (Decimal(complaints), {"complaints": complaints})
    else:
        out[ComponentKey.SATISFACTION] = (None, {})
        out[ComponentKey.COMPLAINTS] = (None, {})
    since = timezone.localtime(customer.created_at).date()
    out[ComponentKey.TENURE] = (Decimal(months_between(since, today)), {"since": since.isoformat()})
    visits = Visit.objects.filter(customer=customer, status=VisitStatus.DONE, checked_in_at__gte=period.start_at,
                                  checked_in_at__lt=period.end_before).count()
    talks = Communication.objects.filter(customer=customer, at__gte=period.start_at,
                                         at__lt=period.end_before).count()
    out[ComponentKey.ENGAGEMENT] = (Decimal(visits + talks), {"visits": visits, "communications": talks})
    return out


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def compute(customer: Customer, components: list[LoyaltyComponent], today: datetime.date) -> tuple[
        Decimal | None, list[dict[str, Any]]]:
    """The customer's score (None: no component with weight has data) and its breakdown."""
    period = Period(today - datetime.timedelta(days=PERIOD_DAYS - 1), today)
    figures = _figures(customer, period, today)
    rows: list[dict[str, Any]] = []
    total_weight = Decimal(0)
    weighted = Decimal(0)
    for comp in components:
        figure, sources = figures.get(comp.key, (None, {}))
        points = points_for(figure, comp.zero_at, comp.full_at) if figure is not None else None
        counted = points is not None and comp.weight > 0
        if counted:
            total_weight += comp.weight
            weighted += points * comp.weight
        rows.append({"key": comp.key, "figure": _number(figure), "points": _number(points), "weight": comp.weight,
                     "has_data": figure is not None, "counted": counted, "sources": sources,
                     "zero_at": _number(comp.zero_at), "full_at": _number(comp.full_at),
                     "period": [period.start.isoformat(), period.end.isoformat()]})
    for row in rows:
        share = (Decimal(row["weight"]) * HUNDRED / total_weight).quantize(TENTH, rounding=ROUND_HALF_UP) \
            if row["counted"] else Decimal(0)
        row["share"] = _number(share)
    score = (weighted / total_weight).quantize(TENTH, rounding=ROUND_HALF_UP) if total_weight else None
    return score, rows


def tier_for(score: Decimal | None, tiers: list[LoyaltyTier]) -> LoyaltyTier | None:
    """The active tier with the highest minimum the score reaches (None: below every tier)."""
    if score is None:
        return None
    for tier in sorted((t for t in tiers if t.is_active), key=lambda t: -t.min_score):
        if score >= tier.min_score:
            return tier
    return None


def _store(customer: Customer, score: Decimal | None, breakdown: list[dict], tier: LoyaltyTier | None,
           today: datetime.date, actor: Any) -> bool:
    """Save the customer's score; a tier change writes an audit event on the customer. True: the
    tier changed."""
    with transaction.atomic():
        row = LoyaltyScore.objects.select_for_update(of=("self",)).filter(customer=customer).select_related("tier").first()
        old_tier = row.tier if row is not None else None
        if row is None:
            row = LoyaltyScore(customer=customer)
        row.score, row.tier, row.breakdown = score, tier, breakdown
        row.computed_on, row.computed_at = today, timezone.now()
        row.save()
        changed = (old_tier.pk if old_tier else None) != (tier.pk if tier else None)
        if changed:
            record_event(customer, "customer.loyalty_tier_changed", actor=actor, department=customer.department_id,
                         data={"tier": [old_tier.name if old_tier else None, tier.name if tier else None],
                               "score": str(score) if score is not None else None})
    return changed


def recalculate_loyalty(customers: Iterable[Customer] | None = None, today: datetime.date | None = None, *,
                        actor: Any = None) -> dict[str, int]:
    """Compute and store the loyalty score of the given customers (default: every live customer).

    With an actor (the "recalculate" button) only a CRM administrator may run it; the worker and a
    stale customer page run it as the system. `today` lets tests move the clock."""
    if actor is not None:
        permissions.require(actor, "change", LoyaltyComponent)
    today = today or timezone.localdate()
    ensure_defaults()
    components = list(LoyaltyComponent.objects.all())
    tiers = list(LoyaltyTier.objects.filter(is_active=True))
    if customers is None:
        customers = Customer.objects.live().iterator(chunk_size=500)
    counts = {"computed": 0, "tier_changed": 0}
    for customer in customers:
        if not customer.is_live():
            continue
        score, breakdown = compute(customer, components, today)
        try:
            changed = _store(customer, score, breakdown, tier_for(score, tiers), today, actor)
        except IntegrityError:  # another worker stored it first
            continue
        counts["computed"] += 1
        counts["tier_changed"] += int(changed)
    return counts


def run_loyalty(today: datetime.date | None = None) -> dict[str, int]:
    """The worker's job: recalculate the scores not yet computed today or older than the formula,
    so each customer is recalculated once a night (and again after an administrator's change)."""
    today = today or timezone.localdate()
    changed_at = config_changed_at()
    stale = Q(loyalty__isnull=True) | Q(loyalty__computed_on__lt=today)
    if changed_at is not None:
        stale |= Q(loyalty__computed_at__lt=changed_at)
    pks = list(Customer.objects.live().filter(stale).order_by("pk").values_list("pk", flat=True)[:ROUND_LIMIT])
    if not pks:
        return {"computed": 0, "tier_changed": 0}
    return recalculate_loyalty(Customer.objects.filter(pk__in=pks).order_by("pk"), today)


def refresh_if_stale(customer: Customer, today: datetime.date | None = None) -> LoyaltyScore | None:
    """The customer's score, recalculated first when stale (the customer page shows it)."""
    today = today or timezone.localdate()
    row = LoyaltyScore.objects.filter(customer=customer).select_related("tier").first()
    if customer.is_live() and is_stale(row, today=today):
        try:
            recalculate_loyalty([customer], today)
        except Exception:  # the page still shows the last score; the worker tries again
            log.exception("Loyalty recalculation of customer %s failed", customer.pk)
        row = LoyaltyScore.objects.filter(customer=customer).select_related("tier").first()
    return row


# --- presentation --------------------------------------------------------------------------------


def breakdown_rows(score: LoyaltyScore) -> list[dict[str, Any]]:
    """The stored breakdown with each component's label and unit, for the page."""
    from yewu.crm.models.loyalty import COMPONENT_UNITS

    labels = dict(ComponentKey.choices)
    rows = []
    for row in score.breakdown or []:
        rows.append({**row, "label": labels.get(row.get("key"), row.get("key")),
                     "unit": COMPONENT_UNITS.get(row.get("key"), "")})
    return rows
