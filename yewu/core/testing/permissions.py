"""Generic permission tests: one declarative spec per scoped model, one reusable test class.

A `ScopedModelSpec` says how to make a record in a department (and, for models with an owner, one
owned by the user) and where the model shows up: UI list, detail, edit and action pages, the
xlsx/csv export, global search and the API. `ScopedModelTests` then proves, for every data scope
(none, own, department, subtree, all), that exactly the records inside the scope can be seen and
changed through every one of those channels, and that nothing outside it can.

Per-model tests are tiny (NetBox's generic view/API test cases, one level up)::

    class TestTeamPermissions(ScopedModelTests):
        spec = register(ScopedModelSpec(Team, make=lambda w, dept: TeamFactory(department=dept), ...))

`register` fills the registry that the meta-test (yewu/core/tests/test_permission_coverage.py)
checks: every scoped model of every yewu app must have a spec in `<app>.tests.test_permissions`.

The world every check runs in is the persona company, seen by bob (staff in sales)::

    hq (parent)
    ├── sales (home)          bob = the user
    │   └── sales_east (child)
    └── finance (sibling)
"""

from __future__ import annotations

import csv
import enum
import importlib
import io
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
from django.apps import apps
from django.db import models
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import resolve, reverse
from rest_framework.test import APIClient

from yewu.core.querysets import ScopedModel, ScopeMixin
from yewu.core.scopes import Scope
from yewu.core.testing.api import api_client
from yewu.core.testing.factories import grant
from yewu.core.testing.personas import Company, build_company

# --- the world -----------------------------------------------------------------------------------


class Place(enum.StrEnum):
    """Where a probe record sits relative to the user."""

    HOME = "home"  # the user's own department
    CHILD = "child"  # a sub-department of it
    SIBLING = "sibling"  # another department under the same parent
    PARENT = "parent"  # the parent of the user's department (subtree must not reach upwards)
    OWNED = "owned"  # owned by the user (models with an owner only)


DEPARTMENT_PLACES = (Place.HOME, Place.CHILD, Place.SIBLING, Place.PARENT)


@dataclass
class World:
    company: Company
    user: Any
    me: Any  # the user's employee record

    def department(self, place: Place) -> Any:
        c = self.company
        return {
            Place.HOME: c.sales,
            Place.CHILD: c.sales_east,
            Place.SIBLING: c.finance,
            Place.PARENT: c.hq,
        }[place]


def build_world() -> World:
    company = build_company()
    return World(company=company, user=company.bob.user, me=company.bob)


# --- the rule being proven -----------------------------------------------------------------------

#: None stands for "no grant at all".
SCOPES: tuple[str | None, ...] = (None, Scope.OWN, Scope.DEPARTMENT, Scope.SUBTREE, Scope.ALL)


def scope_id(scope: str | None) -> str:
    return "none" if scope is None else str(scope)


def reaches(model: type[models.Model], scope: str | None, place: Place) -> bool:
    """Should a record at `place` be inside `scope`? (The specification, written out plainly.)"""
    if scope is None:
        return False
    if scope == Scope.ALL:
        return True
    if place == Place.OWNED:
        return model.scope_owner_field is not None  # own records are in every scope
    if scope == Scope.OWN or model.scope_department_field is None:
        return False
    if scope == Scope.DEPARTMENT:
        return place == Place.HOME
    return place in (Place.HOME, Place.CHILD)


def reaches_new(model: type[models.Model], scope: str | None, place: Place) -> bool:
    """Should a new record at `place` be accepted with an add (or move) grant of `scope`?

    The same rule as for existing records; a new department's place is its parent (an add grant
    for "own department" lets a manager open sub-departments of their own department).
    """
    return reaches(model, scope, place)


# --- the spec ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScopedModelSpec:
    """How to make records of one scoped model, and every channel through which it is exposed."""

    model: type[models.Model]
    #: make(world, department) -> one record in that department, not owned by the user.
    make: Callable[[World, Any], models.Model]
    #: make_owned(world) -> one record owned by the user (required when the model has an owner).
    make_owned: Callable[[World], models.Model] | None = None
    #: UI: list url name (also exported as ?export=csv / xlsx) and detail url name (pk argument).
    list_url: str | None = None
    detail_url: str | None = None
    #: Global search (/search/?q=): the field whose value finds the record.
    search_field: str | None = None
    #: API collection path, e.g. "/api/org/employees/".
    api_path: str | None = None
    #: The action a change needs (a grant for it is what the change tests vary).
    change_action: str = "change"
    #: API change: PATCH {api_path}{pk}/ with api_patch(obj), or POST {api_path}{pk}/{api_change_action}/.
    api_patch: Callable[[models.Model], dict[str, Any]] | None = None
    api_change_action: str | None = None
    #: UI change: the edit page (GET shows the form, POST saves edit_changes(obj) over the current values)
    edit_url: str | None = None
    edit_changes: Callable[[models.Model], dict[str, Any]] | None = None
    #: UI change: a POST-only action page (cancel, remove, ...), pk argument.
    ui_change_action_url: str | None = None
    #: API create: the payload for a new record at `place` (None: that place cannot be built).
    api_create: Callable[[World, Place], dict[str, Any] | None] | None = None
    #: API move: (a fresh record in the user's own department, the PATCH that moves it to `place`).
    api_move: Callable[[World, Place], tuple[models.Model, dict[str, Any]]] | None = None
    #: Known bugs: {(test name, scope id): "BUG: ..."} turn those cases into strict xfails.
    known_bugs: Mapping[tuple[str, str], str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.model._meta.label

    def places(self) -> tuple[Place, ...]:
        owned = (Place.OWNED,) if self.model.scope_owner_field is not None else ()
        return DEPARTMENT_PLACES + owned

    def build(self, world: World) -> dict[Place, models.Model]:
        """One probe record per place."""
        probes = {place: self.make(world, world.department(place)) for place in DEPARTMENT_PLACES}
        if self.model.scope_owner_field is not None:
            if self.make_owned is None:
                raise AssertionError(f"{self.label} has an owner: its spec needs make_owned")
            probes[Place.OWNED] = self.make_owned(world)
        return probes


_REGISTRY: dict[type[models.Model], ScopedModelSpec] = {}


def register(spec: ScopedModelSpec) -> ScopedModelSpec:
    """Record the spec for the meta-test; one spec per model."""
    existing = _REGISTRY.get(spec.model)
    if existing is not None and existing is not spec:
        raise AssertionError(f"{spec.label} has two permission specs")
    _REGISTRY[spec.model] = spec
    return spec


def registered_specs() -> dict[type[models.Model], ScopedModelSpec]:
    """Import every yewu app's tests.test_permissions module and return all registered specs."""
    for config in apps.get_app_configs():
        if not config.name.startswith("yewu."):
            continue
        try:
            importlib.import_module(f"{config.name}.tests.test_permissions")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"{config.name}.tests", f"{config.name}.tests.test_permissions"):
                raise
    return dict(_REGISTRY)


def scoped_models(base: type = ScopedModel) -> list[type[models.Model]]:
    """Concrete models of installed yewu apps whose rows are restricted by data scope."""
    return [
        m
        for m in apps.get_models()
        if m.__module__.startswith("yewu.")
        and issubclass(m, base)
        and not m._meta.abstract
        and not m._meta.proxy
    ]


def all_scoped_models() -> list[type[models.Model]]:
    """Like scoped_models() but counting every model that maps rows to scopes (ScopeMixin)."""
    return scoped_models(ScopeMixin)


# --- helpers -------------------------------------------------------------------------------------


def row_state(obj: models.Model) -> dict[str, Any] | None:
    """Every stored column of the row as it is in the database now (None once deleted)."""
    fresh = type(obj)._default_manager.filter(pk=obj.pk).first()
    if fresh is None:
        return None
    return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}


def grant_viewer(user: Any, model: type[models.Model]) -> None:
    """Let `user` view every row of `model` and of the scoped models it points to, so that a
    change or add test is decided by that grant's scope alone (forms and serializers offer only
    related records the user may view)."""
    targets = [model] + [
        f.related_model
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model is not None and issubclass(f.related_model, ScopeMixin)
    ]
    for target in targets:
        perm = f"{target._meta.app_label}.view_{target._meta.model_name}"
        grant(user, perm, Scope.ALL, role_name=f"viewer-{user.pk}")


def ui_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(form_class: type, obj: models.Model, changes: Mapping[str, Any]) -> dict[str, Any]:
    """POST data for `form_class` holding obj's current values with `changes` applied."""
    fields = list(form_class._meta.fields)
    data: dict[str, Any] = {}
    for name, value in {**model_to_dict(obj, fields=fields), **changes}.items():
        if value is None:
            data[name] = ""
        elif value is True:
            data[name] = "on"
        elif value is False:
            continue  # an unticked checkbox is absent from the POST
        elif isinstance(value, models.Model):
            data[name] = value.pk
        else:
            data[name] = value
    return data


Probes = dict[Place, models.Model]


def _names(probes: Mapping[Place, models.Model], pks: Iterable[Any]) -> set[Place]:
    found = {str(pk) for pk in pks}
    return {place for place, obj in probes.items() if str(obj.pk) in found}


def _export_key(list_url: str) -> tuple[int, Any]:
    """The column that names a row in the export (the linked one) and its index."""
    view_class = resolve(reverse(list_url)).func.view_class
    columns = view_class.columns
    index = next((i for i, c in enumerate(columns) if c.link), 0)
    return index, columns[index]


def _cell(column: Any, obj: models.Model) -> str:
    from yewu.core.views.generic import plain

    return str(plain(column.value(obj)))


#: Error codes an API refusal may carry: the view's (no grant / not in the queryset) or the
#: service's own check (yewu.core.errors.CoreError), which guards every path behind the view.
REFUSAL_CODES = ("permission_denied", "not_found", "core.permission_denied", "core.out_of_scope")

_counter = itertools.count(1)


def unique(prefix: str) -> str:
    """A value no other probe or payload in this test run uses."""
    return f"{prefix}{next(_counter)}"


# --- what each channel shows --------------------------------------------------------------------
#
# A channel answers: which probes can the user see through it? Each returns a set of places.


def _perm(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def seen_in_queryset(
    spec: ScopedModelSpec, user: Any, probes: Probes, action: str = "view"
) -> set[Place]:
    return _names(probes, spec.model.objects.restrict(user, action).values_list("pk", flat=True))


def seen_in_ui_list(spec: ScopedModelSpec, ui: Client, probes: Probes) -> set[Place]:
    resp = ui.get(reverse(spec.list_url))
    assert resp.status_code == 200, f"UI list answered {resp.status_code}"
    assert resp.context["page"].paginator.num_pages <= 1, "probe rows spread over pages"
    return _names(probes, [obj.pk for obj, _cells in resp.context["rows"]])


def _export_cells(spec: ScopedModelSpec, ui: Client, fmt: str) -> tuple[list[str], Any]:
    """The key column of every exported row, and that column."""
    index, column = _export_key(spec.list_url)
    resp = ui.get(reverse(spec.list_url), {"export": fmt})
    assert resp.status_code == 200, f"{fmt} export answered {resp.status_code}"
    if fmt == "csv":
        text = b"".join(resp.streaming_content).decode("utf-8-sig")
        rows: list[Any] = list(csv.reader(io.StringIO(text)))[1:]
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(resp.content), read_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))[1:]
    return [str(r[index]) for r in rows if r and r[index] is not None], column


def seen_in_export(spec: ScopedModelSpec, ui: Client, probes: Probes, fmt: str) -> set[Place]:
    cells, column = _export_cells(spec, ui, fmt)
    by_cell = {_cell(column, obj): place for place, obj in probes.items()}
    assert len(by_cell) == len(probes), "probes must differ in the export's key column"
    return {by_cell[c] for c in cells if c in by_cell}


def seen_in_ui_detail(spec: ScopedModelSpec, ui: Client, probes: Probes) -> set[Place]:
    found = set()
    for place, obj in probes.items():
        status = ui.get(reverse(spec.detail_url, args=[obj.pk])).status_code
        assert status in (200, 404), f"UI detail of {place} answered {status}"
        if status == 200:
            found.add(place)
    return found


def seen_in_search(spec: ScopedModelSpec, ui: Client, probes: Probes) -> set[Place]:
    found = set()
    for place, obj in probes.items():
        resp = ui.get(reverse("core:search"), {"q": str(getattr(obj, spec.search_field))})
        assert resp.status_code == 200
        hits = {
            h.pk for g in resp.context["groups"] for h in g["hits"] if isinstance(h, spec.model)
        }
        if obj.pk in hits:
            found.add(place)
    return found


def seen_in_api_list(spec: ScopedModelSpec, api: APIClient, probes: Probes) -> set[Place]:
    resp = api.get(spec.api_path, {"page_size": 500})
    if resp.status_code == 403:  # no grant at all for the model
        assert resp.json()["code"] == "permission_denied", resp.content
        return set()
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["next"] is None, "probe rows spread over pages"
    return _names(probes, [row["id"] for row in body["results"]])


def seen_in_api_detail(spec: ScopedModelSpec, api: APIClient, probes: Probes) -> set[Place]:
    found = set()
    for place, obj in probes.items():
        resp = api.get(f"{spec.api_path}{obj.pk}/")
        if resp.status_code == 200:
            assert resp.json()["id"] == obj.pk
            found.add(place)
        else:
            assert resp.status_code in (403, 404), (
                f"API detail of {place} answered {resp.status_code}"
            )
            assert resp.json()["code"] in REFUSAL_CODES, resp.content
    return found


class _Report:
    """Collects every mismatch of one test so a failure shows all channels at once."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.problems: list[str] = []

    def expect(self, what: str, found: set[Place], expected: set[Place]) -> None:
        if found != expected:
            self.problems.append(f"{what}: expected {sorted(expected)}, got {sorted(found)}")

    def add(self, problem: str) -> None:
        self.problems.append(problem)

    def check(self) -> None:
        assert not self.problems, f"{self.title}:\n  " + "\n  ".join(self.problems)


# --- the reusable test class ---------------------------------------------------------------------


class ScopedModelTests:
    """Subclass with `spec = register(ScopedModelSpec(...))`; every test runs once per scope."""

    spec: ClassVar[ScopedModelSpec]

    def applies(self, test_name: str) -> bool:
        """Does this test make sense for the spec (e.g. no API change test without an API)?"""
        spec = self.spec
        return {
            "test_change_via_api": bool(
                spec.api_path and (spec.api_patch or spec.api_change_action)
            ),
            "test_change_via_ui": bool(spec.edit_url or spec.ui_change_action_url),
            "test_create_via_api": bool(spec.api_path and spec.api_create),
            "test_move_via_api": bool(spec.api_path and spec.api_move),
        }.get(test_name, True)

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "scope" not in metafunc.fixturenames:
            return
        name = metafunc.function.__name__
        bugs = self.spec.known_bugs
        params = []
        for scope in SCOPES:
            bug = bugs.get((name, scope_id(scope)))
            marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
            params.append(pytest.param(scope, id=scope_id(scope), marks=marks))
        metafunc.parametrize("scope", params if self.applies(name) else [])

    def _world(self, scope: str | None, action: str) -> tuple[World, Probes]:
        """The persona company with one probe per place; the user holds `action` with `scope`
        and, for any action but view, may view everything (so only that grant decides)."""
        spec = self.spec
        world = build_world()
        probes = spec.build(world)
        if action != "view":
            grant_viewer(world.user, spec.model)
        if scope is not None:
            grant(world.user, _perm(spec.model, action), scope)
        return world, probes

    # -- seeing ---------------------------------------------------------------------------------

    def test_view_scope(self, db: Any, scope: str | None) -> None:
        """Exactly the records inside the view scope are visible: queryset, UI list, csv and
        xlsx export, UI detail, global search, API list and API detail."""
        spec = self.spec
        world, probes = self._world(scope, "view")
        expected = {p for p in probes if reaches(spec.model, scope, p)}
        report = _Report(f"{spec.label} with view scope {scope_id(scope)}")
        report.expect("queryset", seen_in_queryset(spec, world.user, probes), expected)
        ui = ui_client(world.user)
        if spec.list_url:
            report.expect("UI list", seen_in_ui_list(spec, ui, probes), expected)
            report.expect("csv export", seen_in_export(spec, ui, probes, "csv"), expected)
            report.expect("xlsx export", seen_in_export(spec, ui, probes, "xlsx"), expected)
        if spec.detail_url:
            report.expect("UI detail", seen_in_ui_detail(spec, ui, probes), expected)
        if spec.search_field:
            report.expect("global search", seen_in_search(spec, ui, probes), expected)
        if spec.api_path:
            api = api_client(world.user)
            report.expect("API list", seen_in_api_list(spec, api, probes), expected)
            report.expect("API detail", seen_in_api_detail(spec, api, probes), expected)
        report.check()

    # -- changing -------------------------------------------------------------------------------

    def _changeable(self, scope: str | None) -> tuple[World, Probes, set[Place]]:
        spec = self.spec
        world, probes = self._world(scope, spec.change_action)
        expected = {p for p in probes if reaches(spec.model, scope, p)}
        found = seen_in_queryset(spec, world.user, probes, spec.change_action)
        assert found == expected, (
            f"restrict({spec.change_action!r}): expected {sorted(expected)}, got {sorted(found)}"
        )
        return world, probes, expected

    def test_change_via_api(self, db: Any, scope: str | None) -> None:
        """Records outside the change scope are refused (403 without a grant, 404 outside the
        scope) and stay as they were; records inside it change."""
        spec = self.spec
        world, probes, expected = self._changeable(scope)
        api = api_client(world.user)
        report = _Report(f"{spec.label} API change with scope {scope_id(scope)}")
        for place, obj in probes.items():
            before = row_state(obj)
            if spec.api_patch is not None:
                resp = api.patch(f"{spec.api_path}{obj.pk}/", spec.api_patch(obj), format="json")
            else:
                resp = api.post(
                    f"{spec.api_path}{obj.pk}/{spec.api_change_action}/", {}, format="json"
                )
            changed = row_state(obj) != before
            if place in expected:
                if resp.status_code != 200 or not changed:
                    report.add(
                        f"{place}: should change, got {resp.status_code} {resp.content[:200]!r}"
                    )
            elif resp.status_code not in (403, 404) or changed:
                report.add(
                    f"{place}: should be refused, got {resp.status_code}, row changed: {changed}"
                )
            elif resp.json().get("code") not in REFUSAL_CODES:
                report.add(f"{place}: refusal without an error code: {resp.content[:200]!r}")
        report.check()

    def test_change_via_ui(self, db: Any, scope: str | None) -> None:
        """The edit page opens only inside the change scope; a POST outside it changes nothing."""
        spec = self.spec
        world, probes, expected = self._changeable(scope)
        ui = ui_client(world.user)
        report = _Report(f"{spec.label} UI change with scope {scope_id(scope)}")
        for place, obj in probes.items():
            before = row_state(obj)
            if spec.edit_url:
                url = reverse(spec.edit_url, args=[obj.pk])
                status = ui.get(url).status_code
                if status != (200 if place in expected else 404):
                    report.add(f"{place}: edit page answered {status}")
                form_class = resolve(url).func.view_class.form_class
                changes = spec.edit_changes(obj) if spec.edit_changes else {}
                resp = ui.post(url, form_data(form_class, obj, changes))
            else:
                resp = ui.post(reverse(spec.ui_change_action_url, args=[obj.pk]))
            changed = row_state(obj) != before
            if place in expected:
                if resp.status_code != 302 or not changed:
                    report.add(
                        f"{place}: should change, got {resp.status_code}, row changed: {changed}"
                    )
            elif changed or resp.status_code not in (302, 403, 404):
                report.add(
                    f"{place}: should be refused, got {resp.status_code}, row changed: {changed}"
                )
        report.check()

    def test_create_via_api(self, db: Any, scope: str | None) -> None:
        """A new record is accepted only where the add grant's scope reaches."""
        spec = self.spec
        world, _probes = self._world(scope, "add")
        api = api_client(world.user)
        report = _Report(f"{spec.label} API create with scope {scope_id(scope)}")
        manager = spec.model._default_manager
        for place in spec.places():
            payload = spec.api_create(world, place)
            if payload is None:
                continue
            count = manager.count()
            resp = api.post(spec.api_path, payload, format="json")
            created = manager.count() - count
            if reaches_new(spec.model, scope, place):
                if resp.status_code != 201 or created != 1:
                    report.add(
                        f"{place}: should be created, got {resp.status_code} {resp.content[:200]!r}"
                    )
            elif resp.status_code not in (403, 404) or created:
                report.add(f"{place}: should be refused, got {resp.status_code}, created {created}")
            elif resp.json().get("code") not in REFUSAL_CODES:
                report.add(f"{place}: refusal without an error code: {resp.content[:200]!r}")
        report.check()

    def test_move_via_api(self, db: Any, scope: str | None) -> None:
        """Moving a record to another department needs the change scope over the target too:
        nobody can push a record out of the part of the company they may change."""
        spec = self.spec
        world, _probes = self._world(scope, spec.change_action)
        api = api_client(world.user)
        report = _Report(f"{spec.label} API move with scope {scope_id(scope)}")
        for place in DEPARTMENT_PLACES:
            obj, payload = spec.api_move(world, place)
            # Only a record the user may change can move at all (proven by the change tests).
            movable = (
                spec.model.objects.restrict(world.user, spec.change_action)
                .filter(pk=obj.pk)
                .exists()
            )
            before = row_state(obj)
            resp = api.patch(f"{spec.api_path}{obj.pk}/", payload, format="json")
            changed = row_state(obj) != before
            if movable and reaches_new(spec.model, scope, place):
                if resp.status_code != 200 or (place != Place.HOME and not changed):
                    report.add(
                        f"to {place}: should move, got {resp.status_code} {resp.content[:200]!r}"
                    )
            elif resp.status_code not in (403, 404) or changed:
                report.add(
                    f"to {place}: should be refused, got {resp.status_code}, row changed: {changed}"
                )
        report.check()
