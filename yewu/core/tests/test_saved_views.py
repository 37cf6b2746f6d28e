"""Saved views on every list: the service rules, the "Views" menu of the list pages, and that a
shared view never shows anyone more than their own data scope (the persona company's employees)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import translation

from yewu.core import saved_views
from yewu.core.audit import history
from yewu.core.errors import CoreError, DomainError
from yewu.core.models import Event, SavedView
from yewu.core.scopes import Scope
from yewu.core.testing.factories import UserFactory, grant
from yewu.core.views.generic import ObjectListView
from yewu.org.models import Employee

EMPLOYEES = "org:employee_list"


@pytest.fixture
def people(company):
    """dave sees every employee; bob (staff in sales) only those of his own department."""
    grant(company.dave.user, "org.view_employee", Scope.ALL)
    grant(company.bob.user, "org.view_employee", Scope.DEPARTMENT)
    return company


def refused(code: CoreError, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as exc:
        call(*args, **kwargs)
    assert exc.value.code == code.value, exc.value.code
    assert exc.value.message
    return exc.value


# --- services ------------------------------------------------------------------------------------


def test_a_view_stores_only_the_filters_normalized(people):
    view = saved_views.save_view(
        EMPLOYEES, "  在职员工  ", "?status=active&page=3&export=xlsx&q=&position=&department=7",
        actor=people.dave.user,
    )
    assert (view.owner, view.list_key, view.name) == (people.dave.user, EMPLOYEES, "在职员工")
    assert view.query == "department=7&status=active"
    assert view.shared is False


def test_a_filter_the_list_does_not_know_is_refused_and_nothing_is_saved(people):
    with translation.override("en"):  # the message is translated when it is read
        error = refused(CoreError.SAVED_VIEW_UNKNOWN_FILTER, saved_views.save_view,
                        EMPLOYEES, "Salaries", "status=active&salary=9000&zz=1", actor=people.dave.user)
        assert error.message.startswith("This list has no filter salary, zz")
    refused(CoreError.SAVED_VIEW_UNKNOWN_LIST, saved_views.save_view, "org:nothing_list", "x", "",
            actor=people.dave.user)
    refused(CoreError.SAVED_VIEW_UNKNOWN_LIST, saved_views.save_view, "org:employee_detail", "x", "",
            actor=people.dave.user)  # a route, but not a list
    assert not SavedView.objects.exists()
    assert not Event.objects.filter(case_type="core.savedview").exists()


def test_the_name_is_required_and_at_most_60_characters(people):
    dave = people.dave.user
    refused(CoreError.SAVED_VIEW_NAME_REQUIRED, saved_views.save_view, EMPLOYEES, "   ", "", actor=dave)
    refused(CoreError.SAVED_VIEW_NAME_TOO_LONG, saved_views.save_view, EMPLOYEES, "视" * 61, "", actor=dave)
    refused(CoreError.SAVED_VIEW_NAME_INVALID, saved_views.save_view, EMPLOYEES, "a\x00b", "", actor=dave)
    assert not SavedView.objects.exists()
    assert saved_views.save_view(EMPLOYEES, "视" * 60, "", actor=dave).name == "视" * 60


def test_a_name_is_unique_per_owner_and_list(people):
    saved_views.save_view(EMPLOYEES, "Mine", "status=active", actor=people.dave.user)
    refused(CoreError.SAVED_VIEW_NAME_TAKEN, saved_views.save_view, EMPLOYEES, "Mine", "", actor=people.dave.user)
    saved_views.save_view(EMPLOYEES, "Mine", "", actor=people.bob.user)  # another owner
    grant(people.dave.user, "org.view_department", Scope.ALL)
    saved_views.save_view("org:department_list", "Mine", "", actor=people.dave.user)  # another list
    view = saved_views.save_view(EMPLOYEES, "Other", "", actor=people.dave.user)
    refused(CoreError.SAVED_VIEW_NAME_TAKEN, saved_views.rename_view, view, "Mine", actor=people.dave.user)
    assert SavedView.objects.get(pk=view.pk).name == "Other"


def test_at_most_50_views_per_user_and_list(people):
    dave = people.dave.user
    SavedView.objects.bulk_create(
        [SavedView(owner=dave, list_key=EMPLOYEES, name=f"v{i}") for i in range(saved_views.VIEWS_PER_LIST)]
    )
    refused(CoreError.SAVED_VIEW_LIMIT, saved_views.save_view, EMPLOYEES, "one more", "", actor=dave)
    assert SavedView.objects.filter(owner=dave).count() == 50
    saved_views.save_view(EMPLOYEES, "one more", "", actor=people.bob.user)
    grant(dave, "org.view_department", Scope.ALL)
    saved_views.save_view("org:department_list", "one more", "", actor=dave)


def test_filters_too_long_to_keep_are_refused(people):
    refused(CoreError.SAVED_VIEW_QUERY_TOO_LONG, saved_views.save_view, EMPLOYEES, "long",
            "q=" + "x" * saved_views.QUERY_MAX, actor=people.dave.user)
    refused(CoreError.SAVED_VIEW_QUERY_TOO_LONG, saved_views.save_view, EMPLOYEES, "long",
            "&".join(["q=1"] * 5000), actor=people.dave.user)
    assert not SavedView.objects.exists()


def test_saving_a_view_of_a_list_needs_a_grant_to_see_it(people):
    refused(CoreError.PERMISSION_DENIED, saved_views.save_view, EMPLOYEES, "x", "", actor=people.carol.user)


def test_only_the_owner_renames_shares_or_deletes_a_view(people):
    view = saved_views.save_view(EMPLOYEES, "Dave's", "status=active", actor=people.dave.user, shared=True)
    bob = people.bob.user
    refused(CoreError.SAVED_VIEW_NOT_OWNER, saved_views.rename_view, view, "Bob's now", actor=bob)
    refused(CoreError.SAVED_VIEW_NOT_OWNER, saved_views.rename_view, view, view.name, actor=bob)
    refused(CoreError.SAVED_VIEW_NOT_OWNER, saved_views.share_view, view, False, actor=bob)
    refused(CoreError.SAVED_VIEW_NOT_OWNER, saved_views.delete_view, view, actor=bob)
    refused(CoreError.SAVED_VIEW_NOT_OWNER, saved_views.delete_view, view, actor=people.admin)  # even a superuser
    fresh = SavedView.objects.get(pk=view.pk)
    assert (fresh.name, fresh.shared) == ("Dave's", True)
    assert [e.activity for e in history(view)] == ["saved_view.created"]


def test_every_change_writes_an_audit_event(people):
    dave = people.dave.user
    view = saved_views.save_view(EMPLOYEES, "Active", "status=active", actor=dave)
    saved_views.rename_view(view, "Active people", actor=dave)
    saved_views.share_view(view, True, actor=dave)
    saved_views.share_view(view, True, actor=dave)  # no change, no event
    saved_views.share_view(view, False, actor=dave)
    saved_views.delete_view(view, actor=dave)
    assert not SavedView.objects.filter(pk=view.pk).exists()
    events = list(Event.objects.filter(case_type="core.savedview", case_id=str(view.pk)).order_by("seq"))
    assert [(e.activity, e.actor) for e in events] == [
        ("saved_view.created", dave), ("saved_view.renamed", dave), ("saved_view.shared", dave),
        ("saved_view.unshared", dave), ("saved_view.deleted", dave),
    ]
    assert events[0].payload == {"list": EMPLOYEES, "name": "Active", "query": "status=active", "shared": False}
    assert events[1].payload == {"name": ["Active", "Active people"]}
    assert events[-1].payload["name"] == "Active people"


def test_shared_views_are_visible_to_those_who_may_see_the_list(people):
    dave, bob, carol = people.dave.user, people.bob.user, people.carol.user
    private = saved_views.save_view(EMPLOYEES, "Dave private", "", actor=dave)
    shared = saved_views.save_view(EMPLOYEES, "Dave shared", "status=active", actor=dave, shared=True)
    bobs = saved_views.save_view(EMPLOYEES, "Bob's", "", actor=bob)
    grant(dave, "org.view_department", Scope.ALL)
    departments = saved_views.save_view("org:department_list", "Depts", "", actor=dave, shared=True)
    assert set(saved_views.visible_views(dave, EMPLOYEES)) == {private, shared}
    assert set(saved_views.visible_views(bob, EMPLOYEES)) == {shared, bobs}
    assert set(saved_views.visible_views(bob)) == {shared, bobs}  # no grant on departments: not that one
    assert set(saved_views.visible_views(carol)) == set()  # no grant on employees
    assert set(saved_views.visible_views(dave)) == {private, shared, departments}


def test_every_list_route_is_known_with_the_filters_its_filterset_reads():
    lists = saved_views.list_views()
    expected = set()
    for name, view_class in _list_routes(get_resolver().url_patterns, None):
        expected.add(name)
        assert lists[name] is view_class
    assert set(lists) == expected and len(expected) > 20
    for key in lists:  # every filterset can be asked
        assert isinstance(saved_views.filter_params(key), frozenset)
    assert saved_views.filter_params(EMPLOYEES) == {"q", "department", "position", "status"}
    assert saved_views.filter_params("core:event_list") >= {"case_type", "since", "until"}


def _list_routes(patterns, namespace):
    from django.urls import URLResolver

    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _list_routes(p.url_patterns, p.namespace or namespace)
        elif isinstance(getattr(p.callback, "view_class", None), type) and issubclass(
            p.callback.view_class, ObjectListView
        ):
            yield f"{namespace}:{p.name}", p.callback.view_class


# --- the list pages ------------------------------------------------------------------------------

VIEW_LINK = re.compile(r'<a class="dropdown-item[^"]*" href="([^"]+)" data-testid="saved-view">([^<]+)')


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _menu(client, url_name=EMPLOYEES) -> dict[str, str]:
    """{view name: link} of the page's "Views" menu."""
    resp = client.get(reverse(url_name))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'data-testid="saved-views-menu"' in html
    return {name.strip(): href.replace("&amp;", "&") for href, name in VIEW_LINK.findall(html)}


def _rows(client, url: str) -> set[str]:
    """The names of the employees listed in the table (htmx request: only the table), read from
    each row's name column (the second; the supervisor column links employees too)."""
    resp = client.get(url, headers={"HX-Request": "true"})
    assert resp.status_code == 200
    pks = {int(pk) for pk in re.findall(r'<tr><td>[^<]*</td><td><a href="/org/employees/(\d+)/">', resp.content.decode())}
    return set(Employee.objects.filter(pk__in=pks).values_list("name", flat=True))


def test_save_current_filters_then_the_view_is_in_the_menu_and_applies_its_filters(people):
    Employee.objects.filter(pk=people.carol.pk).update(status="resigned")
    dave = _client(people.dave.user)
    assert _menu(dave) == {}
    resp = dave.post(
        reverse("core:savedview_add"),
        {"list_key": EMPLOYEES, "name": "Left us", "query": "status=resigned&page=2"},
        headers={"HX-Request": "true"},
    )
    assert resp.status_code == 200
    assert [t.name for t in resp.templates][0] == "core/partials/saved_views_body.html"
    assert "Left us" in resp.content.decode()
    menu = _menu(dave)
    assert menu == {"Left us": "/org/employees/?status=resigned"}
    assert _rows(dave, menu["Left us"]) == {people.carol.name}
    assert _rows(dave, reverse(EMPLOYEES)) == {e.name for e in Employee.objects.all()}


def test_saving_without_htmx_goes_back_to_the_filtered_list(people):
    dave = _client(people.dave.user)
    resp = dave.post(reverse("core:savedview_add"),
                     {"list_key": EMPLOYEES, "name": "Active", "query": "status=active", "shared": "on"})
    assert resp.status_code == 302 and resp["Location"] == "/org/employees/?status=active"
    assert SavedView.objects.get().shared is True


def test_a_refused_view_shows_the_reason_in_the_menu_and_saves_nothing(people):
    dave = _client(people.dave.user)
    resp = dave.post(
        reverse("core:savedview_add"),
        {"list_key": EMPLOYEES, "name": "Sneaky", "query": "salary=1"},
        headers={"HX-Request": "true", "Accept-Language": "en"},
    )
    html = resp.content.decode()
    assert resp.status_code == 200 and 'data-testid="saved-view-error"' in html
    assert "This list has no filter salary" in html and 'value="Sneaky"' in html
    assert not SavedView.objects.exists()
    assert dave.post(reverse("core:savedview_add"), {"list_key": "nope", "name": "x"}).status_code == 404


def test_another_users_private_view_is_invisible_and_cannot_be_deleted(people):
    hidden = saved_views.save_view(EMPLOYEES, "Bob private", "status=active", actor=people.bob.user)
    dave = _client(people.dave.user)
    assert "Bob private" not in _menu(dave)
    assert dave.post(reverse("core:savedview_delete", args=[hidden.pk])).status_code == 404
    assert SavedView.objects.filter(pk=hidden.pk).exists()
    assert "Bob private" in _menu(_client(people.bob.user))


def test_a_shared_view_shows_each_viewer_only_the_data_of_their_scope(people):
    saved_views.save_view(EMPLOYEES, "Active staff", "status=active", actor=people.dave.user, shared=True)
    everyone = {people.alice.name, people.bob.name, people.carol.name, people.dave.name}
    dave, bob = _client(people.dave.user), _client(people.bob.user)
    link = _menu(dave)["Active staff"]
    assert _rows(dave, link) == everyone
    assert _menu(bob) == {"Active staff": link}  # shared: in bob's menu too
    assert _rows(bob, link) == {people.alice.name, people.bob.name}  # his department only
    assert people.dave.name not in _rows(bob, link + "&q=Dave")
    # bob sees the shared view but cannot delete it
    view = SavedView.objects.get()
    resp = bob.post(reverse("core:savedview_delete", args=[view.pk]), headers={"HX-Request": "true",
                                                                               "Accept-Language": "en"})
    assert "Only the person who saved a view can change or delete it." in resp.content.decode()
    assert SavedView.objects.filter(pk=view.pk).exists()
    carol = _client(people.carol.user)  # no grant on employees: the list is empty, the view not offered
    assert _menu(carol) == {}


def test_the_owner_deletes_a_view_from_the_menu(people):
    view = saved_views.save_view(EMPLOYEES, "Gone soon", "", actor=people.dave.user)
    dave = _client(people.dave.user)
    resp = dave.post(reverse("core:savedview_delete", args=[view.pk]), headers={"HX-Request": "true"})
    assert resp.status_code == 200 and "Gone soon" not in resp.content.decode()
    assert not SavedView.objects.exists()
    other = saved_views.save_view(EMPLOYEES, "Gone too", "", actor=people.dave.user)
    resp = dave.post(reverse("core:savedview_delete", args=[other.pk]))
    assert resp.status_code == 302 and resp["Location"] == "/org/employees/"
    assert _menu(dave) == {}


def test_the_filtered_table_carries_the_current_filters_to_the_save_form(people):
    """htmx swaps only the table when the filters change: the table holds the form's query field."""
    dave = _client(people.dave.user)
    resp = dave.get(reverse(EMPLOYEES) + "?status=active&page=1", headers={"HX-Request": "true"})
    assert '<input type="hidden" name="query" value="status=active" form="yw-save-view">' in resp.content.decode()


def test_the_process_registry_list_has_the_views_menu(people):
    grant(people.dave.user, "workflow.view_processdefinition", Scope.ALL)
    saved_views.save_view("processes:definition_list", "Overdue", "review_overdue=true", actor=people.dave.user)
    assert _menu(_client(people.dave.user), "processes:definition_list") == {
        "Overdue": "/processes/?review_overdue=true"}


def test_lists_render_the_menu_for_someone_without_views(db):
    user = UserFactory(username="plain")
    assert _menu(_client(user)) == {}
