"""The loyalty score (P13): exact figures from constructed surveys, complaints, visits and tenure;
re-normalisation while no sales module supplies purchases (and the seam it will use); tier
boundaries; the formula's validation; the worker; data scopes on the pages and the API; the
customer page, the settings pages and the demo."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from yewu.core import periodic
from yewu.core.audit import history
from yewu.core.errors import CoreError, DomainError
from yewu.core.testing.api import api_client, assert_error, result_ids
from yewu.core.testing.browser import (  # noqa: F401 - fixtures of the browser journey
    browser,
    chromium_path,
    demo,
    static_files,
)
from yewu.crm import loyalty
from yewu.crm.choices import VisitStatus
from yewu.crm.loyalty import LoyaltyError, Purchases
from yewu.crm.models import Customer, LoyaltyComponent, LoyaltyScore, LoyaltyTier
from yewu.crm.tests import factories as f

TODAY = datetime.date(2026, 6, 30)  # the 12 months: 2025-07-01 … 2026-06-30
DAY = datetime.timedelta(days=1)


def at(y: int, m: int, d: int, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(y, m, d, hour))


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture(autouse=True)
def no_purchases():
    """No sales module: each test starts (and ends) without a purchases provider."""
    loyalty.register_purchases(None)
    yield
    loyalty.register_purchases(None)


@pytest.fixture
def formula(db):
    """The default formula, set explicitly so the figures below do not depend on the migration."""
    loyalty.ensure_defaults()
    for key, (weight, zero_at, full_at) in loyalty.DEFAULT_COMPONENTS.items():
        LoyaltyComponent.objects.filter(key=key).update(weight=weight, zero_at=Decimal(zero_at),
                                                        full_at=Decimal(full_at))
    tiers = {t.name: t for t in LoyaltyTier.objects.all()}
    assert {name: t.min_score for name, t in tiers.items()} == {"忠诚": 80, "稳定": 60, "一般": 40, "流失风险": 0}
    return tiers


@pytest.fixture
def admin(crm):
    """dave, a CRM administrator."""
    crm.dave.user.groups.add(crm.roles["crm_admin"])
    return crm.dave.user


def _survey(customer, answered_at, ratings, owner):
    from yewu.service.models import Answer, Question
    from yewu.service.tests import factories as sf

    survey = sf.survey(owner, customer.department, name=f"调查 {answered_at:%Y-%m}",
                       period_start=answered_at.date() - 5 * DAY, period_end=answered_at.date() + 5 * DAY)
    respondent = sf.respondent(survey, customer, answered_at=answered_at, channel="phone")
    for i, rating in enumerate(ratings):
        q = Question.objects.create(survey=survey, order=i, text=f"问题{i}", kind="rating")
        Answer.objects.create(respondent=respondent, question=q, rating=rating)
    # a question answered in words only counts for nothing
    q = Question.objects.create(survey=survey, order=99, text="建议", kind="text", required=False)
    Answer.objects.create(respondent=respondent, question=q, text="希望交货更快")
    return survey


@pytest.fixture
def scene(crm, formula):
    """bob's customer since 30 June 2024 (24 months on TODAY) with, in the last 12 months, one
    survey rated 4 and 5, two complaints, one visit done and three communications; older records
    outside the 12 months that must not count."""
    from yewu.service.tests import factories as sf

    customer = f.customer(crm.bob.user, name="杭州明远机械制造有限公司")
    Customer.objects.filter(pk=customer.pk).update(created_at=at(2024, 6, 30))
    customer.refresh_from_db()
    _survey(customer, at(2026, 3, 1), [4, 5], crm.alice.user)
    _survey(customer, at(2025, 6, 30, 15), [1], crm.alice.user)  # the day before the period
    for when in (at(2026, 1, 10), at(2026, 6, 30, 22), at(2025, 6, 30, 23)):
        sf.complaint(customer, crm.sales, received_at=when)
    f.visit(customer, status=VisitStatus.DONE, checked_in_at=at(2026, 4, 1), planned_on=datetime.date(2026, 4, 1))
    f.visit(customer, planned_on=datetime.date(2026, 7, 5))  # planned: not yet engagement
    for when in (at(2025, 7, 1, 0), at(2026, 2, 2), at(2026, 6, 29)):
        f.communication(customer, at=when)
    f.communication(customer, at=at(2025, 6, 30, 23))
    return customer


def _rows(score: LoyaltyScore) -> dict[str, dict]:
    return {row["key"]: row for row in score.breakdown}


# --- the formula -----------------------------------------------------------------------------------


def test_each_component_is_read_from_its_source_and_the_score_is_their_weighted_average(scene, formula):
    counts = loyalty.recalculate_loyalty([scene], TODAY)
    assert counts == {"computed": 1, "tier_changed": 1}
    score = LoyaltyScore.objects.get(customer=scene)
    rows = _rows(score)
    # satisfaction: ratings 4 and 5 → 4.5 → 100 × (4.5 − 1) / (5 − 1)
    assert (rows["satisfaction"]["figure"], rows["satisfaction"]["points"]) == (4.5, 87.5)
    assert rows["satisfaction"]["sources"] == {"surveys": 1, "ratings": 2}
    # complaints: 2 in the period → 100 × (2 − 5) / (0 − 5)
    assert (rows["complaints"]["figure"], rows["complaints"]["points"]) == (2, 60)
    # tenure: 24 whole months → 100 × 24 / 36 = 66.67 → 66.7
    assert (rows["tenure"]["figure"], rows["tenure"]["points"]) == (24, 66.7)
    assert rows["tenure"]["sources"] == {"since": "2024-06-30"}
    # engagement: 1 visit done + 3 communications → 100 × 4 / 24 = 16.67 → 16.7
    assert (rows["engagement"]["figure"], rows["engagement"]["points"]) == (4, 16.7)
    assert rows["engagement"]["sources"] == {"visits": 1, "communications": 3}
    # (87.5 × 20 + 60 × 15 + 66.7 × 15 + 16.7 × 10) / 60 = 3817.5 / 60 = 63.625
    assert score.score == Decimal("63.6")
    assert score.tier == formula["稳定"] and score.computed_on == TODAY
    assert rows["satisfaction"]["period"] == ["2025-07-01", "2026-06-30"]


def test_without_a_sales_module_the_purchase_components_have_no_data_and_the_others_are_renormalised(
        scene, formula):
    loyalty.recalculate_loyalty([scene], TODAY)
    rows = _rows(LoyaltyScore.objects.get(customer=scene))
    for key in ("value", "frequency"):
        assert rows[key]["has_data"] is False and rows[key]["counted"] is False
        assert rows[key]["figure"] is None and rows[key]["points"] is None and rows[key]["share"] == 0
        assert rows[key]["weight"] > 0  # configured, just without data
    # the 60 points of weight with data make up the whole score
    assert {k: rows[k]["share"] for k in ("satisfaction", "complaints", "tenure", "engagement")} == {
        "satisfaction": 33.3, "complaints": 25, "tenure": 25, "engagement": 16.7}


def test_a_registered_purchases_provider_feeds_value_and_frequency(scene, formula):
    calls = []

    def provider(customer, start, end):
        calls.append((customer.pk, start, end))
        return Purchases(value=Decimal("500000"), count=6)

    loyalty.register_purchases(provider)
    loyalty.recalculate_loyalty([scene], TODAY)
    score = LoyaltyScore.objects.get(customer=scene)
    rows = _rows(score)
    assert calls == [(scene.pk, datetime.date(2025, 7, 1), TODAY)]
    assert (rows["value"]["figure"], rows["value"]["points"], rows["value"]["share"]) == (500000, 50, 25)
    assert (rows["frequency"]["figure"], rows["frequency"]["points"]) == (6, 50)
    assert rows["value"]["sources"] == {"purchases": 6}
    # (50 × 25 + 50 × 15 + 3817.5) / 100 = 58.175
    assert score.score == Decimal("58.2") and score.tier == formula["一般"]
    # a provider that knows nothing of this customer answers None: back to "no data"
    loyalty.register_purchases(lambda customer, start, end: None)
    loyalty.recalculate_loyalty([scene], TODAY)
    assert LoyaltyScore.objects.get(customer=scene).score == Decimal("63.6")


def test_points_are_capped_and_falling_scales_work():
    assert loyalty.points_for(Decimal(2_000_000), Decimal(0), Decimal(1_000_000)) == Decimal("100.0")
    assert loyalty.points_for(Decimal(9), Decimal(5), Decimal(0)) == Decimal("0.0")
    assert loyalty.points_for(Decimal(0), Decimal(5), Decimal(0)) == Decimal("100.0")
    assert loyalty.points_for(Decimal(1), Decimal(0), Decimal(3)) == Decimal("33.3")
    assert loyalty.months_between(datetime.date(2024, 1, 31), datetime.date(2024, 2, 29)) == 0
    assert loyalty.months_between(datetime.date(2024, 1, 31), datetime.date(2024, 3, 31)) == 2
    assert loyalty.months_between(datetime.date(2026, 7, 1), datetime.date(2026, 6, 30)) == 0


def test_tier_boundaries_take_the_highest_minimum_reached(formula):
    tiers = list(formula.values())
    cases = {"100": "忠诚", "80.0": "忠诚", "79.9": "稳定", "60": "稳定", "59.9": "一般", "40": "一般",
             "39.9": "流失风险", "0": "流失风险"}
    for score, name in cases.items():
        assert loyalty.tier_for(Decimal(score), tiers).name == name, score
    assert loyalty.tier_for(None, tiers) is None
    # without a tier at 0, a low score has no tier
    assert loyalty.tier_for(Decimal("10"), [t for t in tiers if t.min_score]) is None


def test_a_score_exactly_at_a_minimum_lands_in_that_tier_and_a_tier_change_is_audited(crm, formula):
    customer = f.customer(crm.bob.user)
    Customer.objects.filter(pk=customer.pk).update(created_at=at(2024, 6, 30))
    customer.refresh_from_db()
    LoyaltyComponent.objects.exclude(key="tenure").update(weight=0)
    LoyaltyComponent.objects.filter(key="tenure").update(weight=1, zero_at=0, full_at=30)
    loyalty.recalculate_loyalty([customer], TODAY)  # 24 / 30 months → 80.0
    score = LoyaltyScore.objects.get(customer=customer)
    assert score.score == Decimal("80.0") and score.tier == formula["忠诚"]
    loyalty.recalculate_loyalty([customer], TODAY - 31 * DAY)  # 23 months → 76.7
    score.refresh_from_db()
    assert score.score == Decimal("76.7") and score.tier == formula["稳定"]
    loyalty.recalculate_loyalty([customer], TODAY - 31 * DAY)  # same tier: no new event
    events = [e for e in history(customer) if e.activity == "customer.loyalty_tier_changed"]
    assert [e.payload["tier"] for e in events] == [[None, "忠诚"], ["忠诚", "稳定"]]
    assert events[-1].payload["score"] == "76.7"


def test_a_customer_with_no_weighted_data_has_no_score_and_no_tier(crm, formula):
    customer = f.customer(crm.bob.user)
    LoyaltyComponent.objects.exclude(key="satisfaction").update(weight=0)
    loyalty.recalculate_loyalty([customer], TODAY)
    score = LoyaltyScore.objects.get(customer=customer)
    assert score.score is None and score.tier is None
    assert _rows(score)["satisfaction"]["has_data"] is False


# --- configuration -------------------------------------------------------------------------------


def _code(exc_info) -> str:
    return exc_info.value.code


def test_the_formula_is_validated_and_nothing_is_saved_on_a_refusal(admin, formula):
    value = LoyaltyComponent.objects.get(key="value")
    satisfaction = LoyaltyComponent.objects.get(key="satisfaction")
    refusals = [
        (value, {"weight": -1}, LoyaltyError.WEIGHT_RANGE),
        (value, {"weight": 101}, LoyaltyError.WEIGHT_RANGE),
        (value, {"weight": "2.5"}, LoyaltyError.WEIGHT_RANGE),
        (value, {"zero_at": Decimal(5), "full_at": Decimal(5)}, LoyaltyError.RANGE_EMPTY),
        (value, {"zero_at": Decimal(-1)}, LoyaltyError.FIGURE_NEGATIVE),
        (satisfaction, {"zero_at": Decimal(0)}, LoyaltyError.RATING_RANGE),
    ]
    for component, values, code in refusals:
        with pytest.raises(DomainError) as exc:
            loyalty.save_loyalty_component(component, values, actor=admin)
        assert _code(exc) == code, values
    value.refresh_from_db()
    assert (value.weight, value.zero_at, value.full_at) == (25, 0, 1000000)
    # all weights zero: the last one is refused
    for comp in LoyaltyComponent.objects.exclude(key="value"):
        loyalty.save_loyalty_component(comp, {"weight": 0}, actor=admin)
    with pytest.raises(DomainError) as exc:
        loyalty.save_loyalty_component(value, {"weight": 0}, actor=admin)
    assert _code(exc) == LoyaltyError.WEIGHTS_ZERO
    changed = loyalty.save_loyalty_component(value, {"weight": 40, "full_at": Decimal(2_000_000)}, actor=admin)
    assert (changed.weight, changed.full_at) == (40, Decimal(2_000_000))
    assert history(changed).last().payload == {"full_at": ["1000000.00", "2000000.00"], "weight": [25, 40]}


def test_tiers_are_validated(admin, formula):
    refusals = [
        ({"name": "", "min_score": 50}, LoyaltyError.TIER_NAME_REQUIRED),
        ({"name": "超级", "min_score": 101}, LoyaltyError.TIER_MIN_RANGE),
        ({"name": "超级", "min_score": -1}, LoyaltyError.TIER_MIN_RANGE),
        ({"name": "超级", "min_score": "7.5"}, LoyaltyError.TIER_MIN_RANGE),
        ({"name": "重复", "min_score": 60}, LoyaltyError.TIER_MIN_TAKEN),
    ]
    for values, code in refusals:
        with pytest.raises(DomainError) as exc:
            loyalty.save_loyalty_tier(None, values, actor=admin)
        assert _code(exc) == code, values
    with translation.override("en"):
        with pytest.raises(DomainError) as exc:
            loyalty.save_loyalty_tier(None, {"name": "重复", "min_score": 60}, actor=admin)
        assert exc.value.message == "The active tier 稳定 already starts at 60; each tier needs its own minimum score."
    assert LoyaltyTier.objects.count() == 4
    # an inactive tier may share a minimum; activating it is refused
    spare = loyalty.save_loyalty_tier(None, {"name": "备用", "min_score": 60, "is_active": False}, actor=admin)
    with pytest.raises(DomainError) as exc:
        loyalty.save_loyalty_tier(spare, {"is_active": True}, actor=admin)
    assert _code(exc) == LoyaltyError.TIER_MIN_TAKEN
    top = loyalty.save_loyalty_tier(None, {"name": "钻石", "min_score": 95, "strategy": "总经理亲自维护"}, actor=admin)
    assert loyalty.tier_for(Decimal("96"), list(LoyaltyTier.objects.filter(is_active=True))) == top


def test_only_crm_administrators_change_the_formula_or_recalculate_everyone(crm, formula):
    value = LoyaltyComponent.objects.get(key="value")
    for user in (crm.bob.user, crm.alice.user):
        with pytest.raises(DomainError) as exc:
            loyalty.save_loyalty_component(value, {"weight": 1}, actor=user)
        assert _code(exc) == CoreError.PERMISSION_DENIED
        with pytest.raises(DomainError):
            loyalty.save_loyalty_tier(None, {"name": "新", "min_score": 50}, actor=user)
        with pytest.raises(DomainError):
            loyalty.recalculate_loyalty(actor=user)
    assert not LoyaltyScore.objects.exists()


# --- the worker ----------------------------------------------------------------------------------


def test_the_worker_scores_each_customer_once_a_day_and_again_after_the_formula_changes(crm, formula, admin):
    bobs, carols = f.customer(crm.bob.user), f.customer(crm.carol.user)
    merged = f.customer(crm.bob.user, status="merged", merged_into=bobs)
    assert loyalty.run_loyalty(TODAY) == {"computed": 2, "tier_changed": 2}
    assert set(LoyaltyScore.objects.values_list("customer", flat=True)) == {bobs.pk, carols.pk}
    assert loyalty.run_loyalty(TODAY) == {"computed": 0, "tier_changed": 0}
    assert loyalty.run_loyalty(TODAY + DAY)["computed"] == 2  # the next night
    assert LoyaltyScore.objects.get(customer=bobs).computed_on == TODAY + DAY
    loyalty.save_loyalty_component(LoyaltyComponent.objects.get(key="tenure"), {"weight": 30}, actor=admin)
    assert loyalty.run_loyalty(TODAY + DAY)["computed"] == 2  # the formula changed since
    assert loyalty.run_loyalty(TODAY + DAY)["computed"] == 0
    assert not LoyaltyScore.objects.filter(customer=merged).exists()


def test_the_worker_round_runs_the_loyalty_job(crm, formula):
    customer = f.customer(crm.bob.user)
    results = periodic.run_all()
    assert results["crm.loyalty"] == {"computed": 1, "tier_changed": 1}
    assert LoyaltyScore.objects.get(customer=customer).computed_on == timezone.localdate()
    assert periodic.run_all()["crm.loyalty"] is None  # nothing stale any more


# --- pages -----------------------------------------------------------------------------------------


def test_the_customer_page_shows_score_tier_strategy_and_breakdown_computing_a_stale_score(scene, formula):
    assert not LoyaltyScore.objects.exists()
    with translation.override("en"):
        page = _client(scene.owner).get(scene.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    score = LoyaltyScore.objects.get(customer=scene)  # computed for today on showing the page
    assert score.computed_on == timezone.localdate()
    assert 'data-testid="loyalty"' in page and f'data-testid="loyalty-score">{score.score}<' in page
    assert score.tier.name in page and score.tier.strategy in page
    assert page.count('data-testid="no-data"') == 2  # value and frequency
    assert 'data-component="satisfaction"' in page and "Share of the score" in page
    assert 'data-testid="loyalty-recalculate-one"' not in page  # bob is no administrator
    # a fresh score is shown as it is, not recomputed
    LoyaltyScore.objects.filter(pk=score.pk).update(score=Decimal("12.3"))
    page = _client(scene.owner).get(scene.get_absolute_url()).content.decode()
    assert 'data-testid="loyalty-score">12.3<' in page


def test_the_customer_list_filters_by_tier_within_the_users_customers(crm, formula):
    bobs = f.customer(crm.bob.user, name="鲍勃的客户")
    carols = f.customer(crm.carol.user, name="卡罗尔的客户")
    loyalty.recalculate_loyalty(today=TODAY)
    tier = LoyaltyScore.objects.get(customer=bobs).tier
    assert LoyaltyScore.objects.get(customer=carols).tier == tier
    page = _client(crm.bob.user).get(reverse("crm:customer_list"), {"loyalty_tier": tier.pk}).content.decode()
    assert "鲍勃的客户" in page and "卡罗尔的客户" not in page
    other = LoyaltyTier.objects.exclude(pk=tier.pk).first()
    page = _client(crm.alice.user).get(reverse("crm:customer_list"), {"loyalty_tier": other.pk}).content.decode()
    assert "鲍勃的客户" not in page and "卡罗尔的客户" not in page
    page = _client(crm.alice.user).get(reverse("crm:customer_list"), {"loyalty_tier": tier.pk}).content.decode()
    assert "鲍勃的客户" in page and "卡罗尔的客户" in page


def test_an_administrator_edits_the_formula_and_tiers_on_the_settings_pages_and_recalculates(crm, formula, admin):
    customer = f.customer(crm.bob.user)
    c = _client(admin)
    with translation.override("en"):
        page = c.get(reverse("crm:loyaltytier_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "流失风险" in page and 'data-testid="loyalty-recalculate"' in page and 'data-testid="loyalty-formula"' in page
    tenure = LoyaltyComponent.objects.get(key="tenure")
    assert c.get(reverse("crm:loyaltycomponent_list")).status_code == 200
    assert c.get(tenure.get_absolute_url()).status_code == 200
    resp = c.post(reverse("crm:loyaltycomponent_edit", args=[tenure.pk]), {"weight": 50, "zero_at": "0",
                                                                           "full_at": "60"})
    assert resp.status_code == 302
    tenure.refresh_from_db()
    assert (tenure.weight, tenure.full_at) == (50, 60)
    resp = c.post(reverse("crm:loyaltycomponent_edit", args=[tenure.pk]), {"weight": 50, "zero_at": "7",
                                                                           "full_at": "7"})
    assert resp.status_code == 200 and 'data-testid="form-error"' in resp.content.decode()
    assert c.get("/crm/settings/loyalty-components/add/").status_code == 404
    resp = c.post(reverse("crm:loyaltytier_add"), {"name": "重复", "min_score": 80, "strategy": "", "sort_order": 0,
                                                   "is_active": "on"})
    assert resp.status_code == 200 and 'data-testid="form-error"' in resp.content.decode()
    resp = c.post(reverse("crm:loyaltytier_add"), {"name": "钻石", "min_score": 95, "strategy": "专人维护",
                                                   "sort_order": 0, "is_active": "on"})
    assert resp.status_code == 302 and LoyaltyTier.objects.filter(name="钻石", min_score=95).exists()
    resp = c.post(reverse("crm:loyalty_recalculate"))
    assert resp.status_code == 302 and resp["Location"] == reverse("crm:loyaltytier_list")
    assert LoyaltyScore.objects.filter(customer=customer).exists()
    resp = c.post(reverse("crm:loyalty_recalculate"), {"customer": customer.pk})
    assert resp["Location"] == customer.get_absolute_url()


def test_a_salesperson_may_read_the_settings_but_not_recalculate_or_edit(crm, formula):
    carols = f.customer(crm.carol.user)
    bob = _client(crm.bob.user)
    assert bob.get(reverse("crm:loyaltytier_list")).status_code == 200
    tier = LoyaltyTier.objects.first()
    assert bob.get(reverse("crm:loyaltytier_edit", args=[tier.pk])).status_code == 404
    resp = bob.post(reverse("crm:loyalty_recalculate"))
    assert resp.status_code == 302 and not LoyaltyScore.objects.exists()
    assert bob.post(reverse("crm:loyalty_recalculate"), {"customer": carols.pk}).status_code == 404
    assert bob.post(reverse("crm:loyalty_recalculate"), {"customer": "x"}).status_code == 404


# --- API -------------------------------------------------------------------------------------------


def test_the_api_shows_the_score_only_with_customers_the_user_may_see(crm, formula):
    bobs, carols = f.customer(crm.bob.user), f.customer(crm.carol.user)
    loyalty.recalculate_loyalty(today=TODAY)
    bob = api_client(crm.bob.user)
    resp = bob.get("/api/crm/customers/")
    assert result_ids(resp) == [bobs.pk]
    data = resp.json()["results"][0]["loyalty"]
    score = LoyaltyScore.objects.get(customer=bobs)
    assert data["score"] == str(score.score) and data["tier_name"] == score.tier.name
    assert data["strategy"] == score.tier.strategy and len(data["breakdown"]) == 6
    assert_error(bob.get(f"/api/crm/customers/{carols.pk}/"), 404, "not_found")
    assert result_ids(bob.get("/api/crm/customers/", {"loyalty_tier": score.tier.pk})) == [bobs.pk]
    # the score is read-only
    resp = bob.patch(f"/api/crm/customers/{bobs.pk}/", {"loyalty": {"score": 100}}, format="json")
    assert resp.status_code == 200 and LoyaltyScore.objects.get(customer=bobs).score == score.score
    fresh = f.customer(crm.bob.user)
    assert bob.get(f"/api/crm/customers/{fresh.pk}/").json()["loyalty"] is None


def test_the_api_reads_and_changes_the_formula_and_tiers_through_the_services(crm, formula, admin):
    bob, dave = api_client(crm.bob.user), api_client(admin)
    comps = bob.get("/api/crm/loyalty-components/").json()["results"]
    assert [c["key"] for c in comps] == ["value", "frequency", "satisfaction", "complaints", "tenure", "engagement"]
    value = comps[0]["id"]
    assert_error(bob.patch(f"/api/crm/loyalty-components/{value}/", {"weight": 5}, format="json"), 403,
                 "permission_denied")
    assert_error(dave.patch(f"/api/crm/loyalty-components/{value}/", {"weight": -3}, format="json"), 400,
                 "crm.loyalty_weight_range")
    resp = dave.patch(f"/api/crm/loyalty-components/{value}/", {"weight": 30}, format="json")
    assert resp.status_code == 200 and resp.json()["weight"] == 30
    assert_error(dave.post("/api/crm/loyalty-tiers/", {"name": "又一个", "min_score": 40}, format="json"), 400,
                 "crm.loyalty_tier_min_taken")
    assert_error(bob.post("/api/crm/loyalty-tiers/", {"name": "又一个", "min_score": 45}, format="json"), 403,
                 "permission_denied")
    resp = dave.post("/api/crm/loyalty-tiers/", {"name": "又一个", "min_score": 45, "strategy": "观察"}, format="json")
    assert resp.status_code == 201 and resp.json()["min_score"] == 45
    assert len(bob.get("/api/crm/loyalty-tiers/").json()["results"]) == 5
    f.customer(crm.bob.user)
    assert_error(bob.post("/api/crm/loyalty-components/recalculate/"), 403, "core.permission_denied")
    resp = dave.post("/api/crm/loyalty-components/recalculate/")
    assert resp.status_code == 200 and resp.json() == {"computed": 1, "tier_changed": 1}


# --- demo ------------------------------------------------------------------------------------------


def test_the_demo_scores_its_customers_from_their_complaints_and_surveys(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from yewu.core import demo as core_demo
    from yewu.crm import demo as crm_demo
    from yewu.crm import loyalty_demo
    from yewu.org import demo as org_demo
    from yewu.service import demo as service_demo

    order = {name: n for n, name, _loader in core_demo._loaders}
    assert order["crm"] < order["service"] < order["loyalty"]  # `yewu demo` scores after both
    org_demo.load()
    crm_demo.load()
    service_demo.load()
    assert loyalty_demo.load()["computed"] == Customer.objects.live().count()
    live = Customer.objects.live()
    scores = LoyaltyScore.objects.filter(customer__in=live)
    assert scores.count() == live.count() > 0
    assert all(s.tier_id for s in scores)
    rows = [r for s in scores for r in s.breakdown]
    assert not any(r["has_data"] for r in rows if r["key"] in ("value", "frequency"))
    assert any(r["key"] == "satisfaction" and r["has_data"] for r in rows)
    assert any(r["key"] == "complaints" and r["figure"] for r in rows)
    assert loyalty_demo.load()["computed"] == live.count()  # loading again recalculates, nothing more


# --- in the browser --------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:No directory at:UserWarning")
def test_the_salesperson_reads_the_score_and_the_administrator_tunes_the_formula_in_chinese(browser):  # noqa: F811
    """The demo company in Chromium: the salesperson's customer page shows the score, tier,
    strategy and breakdown (purchases without data); the CRM administrator changes a weight on the
    settings pages and recalculates everyone."""
    from django.contrib.auth import get_user_model

    from yewu.core.testing.browser import shot
    from yewu.workflow.tests.test_browser import People, expect, t

    sales_user = get_user_model().objects.get(username="sales")
    customer = Customer.objects.restrict(sales_user).live().order_by("pk").first()
    score = LoyaltyScore.objects.get(customer=customer)  # the demo scored it
    people = People(browser)
    sales = people["sales"]
    sales.goto(customer.get_absolute_url())
    panel = sales.get_by_test_id("loyalty")
    expect(panel).to_be_visible()
    expect(sales.get_by_test_id("loyalty-score")).to_have_text(str(score.score))
    expect(sales.get_by_test_id("loyalty-tier")).to_contain_text(score.tier.name)
    expect(sales.get_by_test_id("loyalty-strategy")).to_contain_text(score.tier.strategy[:10])
    expect(panel.get_by_test_id("no-data")).to_have_count(2)
    expect(panel.get_by_text(t("Share of the score"))).to_be_visible()
    shot(sales, "loyalty-customer")
    admin = people["central"]
    admin.goto(reverse("crm:loyaltytier_list"))
    expect(admin.get_by_test_id("loyalty-formula")).to_be_visible()
    admin.get_by_test_id("loyalty-components").click()
    admin.get_by_role("link", name=t("Customer tenure")).click()
    admin.get_by_role("link", name=t("Edit")).click()
    admin.locator("#id_weight").fill("40")
    with admin.expect_navigation():
        admin.locator("form.card button[type=submit], form.card button").last.click()
    assert LoyaltyComponent.objects.get(key="tenure").weight == 40
    admin.goto(reverse("crm:loyaltytier_list"))
    shot(admin, "loyalty-tiers")
    with admin.expect_navigation():
        admin.get_by_test_id("loyalty-recalculate").click()
    expect(admin.locator(".alert-success, .alert")).not_to_have_count(0)
    assert LoyaltyScore.objects.filter(computed_at__gte=LoyaltyComponent.objects.get(key="tenure").updated_at
                                       ).count() == Customer.objects.live().count()
    score.refresh_from_db()  # the new weight may have moved the customer to another tier
    sales.goto(f"{reverse('crm:customer_list')}?loyalty_tier={score.tier.pk}")
    expect(sales.get_by_role("link", name=customer.name)).to_be_visible()
    shot(sales, "loyalty-list")
