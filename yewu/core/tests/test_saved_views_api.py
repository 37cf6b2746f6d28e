"""/api/core/saved-views/: one's own views and the shared ones of lists one may see; changes only
to one's own, refusals as JSON with the service's code."""

from __future__ import annotations

import pytest
import yaml
from django.test import Client

from yewu.core import saved_views
from yewu.core.models import Event, SavedView
from yewu.core.scopes import Scope
from yewu.core.testing.api import api_client, assert_error, result_ids
from yewu.core.testing.factories import grant

URL = "/api/core/saved-views/"
EMPLOYEES = "org:employee_list"


@pytest.fixture
def views(company):
    grant(company.dave.user, "org.view_employee", Scope.ALL)
    grant(company.dave.user, "org.view_department", Scope.ALL)
    grant(company.bob.user, "org.view_employee", Scope.DEPARTMENT)
    dave = company.dave.user
    return {
        "private": saved_views.save_view(EMPLOYEES, "Dave private", "", actor=dave),
        "shared": saved_views.save_view(EMPLOYEES, "Dave shared", "status=active", actor=dave, shared=True),
        "departments": saved_views.save_view("org:department_list", "Active", "is_active=true", actor=dave,
                                             shared=True),
        "bobs": saved_views.save_view(EMPLOYEES, "Bob's", "q=Bob", actor=company.bob.user),
    }


def test_the_list_holds_own_and_shared_views_of_lists_one_may_see(company, views):
    bob = api_client(company.bob.user)
    assert set(result_ids(bob.get(URL))) == {views["shared"].pk, views["bobs"].pk}
    dave = api_client(company.dave.user)
    assert set(result_ids(dave.get(URL))) == {views["private"].pk, views["shared"].pk, views["departments"].pk}
    assert set(result_ids(dave.get(URL, {"list_key": "org:department_list"}))) == {views["departments"].pk}
    assert set(result_ids(dave.get(URL, {"list_key": EMPLOYEES, "shared": "true"}))) == {views["shared"].pk}
    row = bob.get(f"{URL}{views['shared'].pk}/").json()
    assert row == {
        "id": views["shared"].pk, "list_key": EMPLOYEES, "name": "Dave shared", "query": "status=active",
        "shared": True, "owner": "dave", "created_at": row["created_at"], "url": "/org/employees/?status=active",
    }
    assert_error(bob.get(f"{URL}{views['private'].pk}/"), 404, "not_found")


def test_create_saves_a_view_through_the_service(company, views):
    resp = api_client(company.bob.user).post(
        URL, {"list_key": EMPLOYEES, "name": "Sales", "query": "?department=3&page=2"}, format="json"
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["owner"], body["query"], body["shared"]) == ("bob", "department=3", False)
    view = SavedView.objects.get(pk=body["id"])
    assert Event.objects.filter(case_type="core.savedview", case_id=str(view.pk), activity="saved_view.created",
                                actor=company.bob.user).exists()


def test_create_refuses_unknown_filters_and_bad_names_with_a_code(company, views):
    bob = api_client(company.bob.user, language="en")
    before = SavedView.objects.count()
    body = assert_error(bob.post(URL, {"list_key": EMPLOYEES, "name": "x", "query": "salary=1"}, format="json"),
                        400, "core.saved_view_unknown_filter")
    assert "salary" in body["message"]
    assert_error(bob.post(URL, {"list_key": EMPLOYEES, "name": " "}, format="json"), 400,
                 "core.saved_view_name_required")
    assert_error(bob.post(URL, {"list_key": EMPLOYEES, "name": "x" * 61}, format="json"), 400,
                 "core.saved_view_name_too_long")
    assert_error(bob.post(URL, {"list_key": EMPLOYEES, "name": "Bob's"}, format="json"), 400,
                 "core.saved_view_name_taken")
    assert_error(bob.post(URL, {"list_key": "org:nothing", "name": "x"}, format="json"), 400,
                 "core.saved_view_unknown_list")
    assert_error(bob.post(URL, {"list_key": "org:department_list", "name": "x"}, format="json"), 403,
                 "core.permission_denied")  # bob may not see departments
    assert_error(bob.post(URL, {"name": "x"}, format="json"), 400, "invalid")
    assert SavedView.objects.count() == before


def test_the_owner_renames_and_shares_through_patch_and_put(company, views):
    dave = api_client(company.dave.user)
    url = f"{URL}{views['private'].pk}/"
    resp = dave.patch(url, {"name": "Renamed", "shared": True}, format="json")
    assert resp.status_code == 200, resp.content
    assert (resp.json()["name"], resp.json()["shared"]) == ("Renamed", True)
    resp = dave.put(url, {"shared": False, "list_key": "ignored", "query": "ignored"}, format="json")
    assert resp.status_code == 200
    view = SavedView.objects.get(pk=views["private"].pk)
    assert (view.name, view.shared, view.list_key, view.query) == ("Renamed", False, EMPLOYEES, "")
    assert_error(dave.patch(url, {}, format="json"), 400, "invalid")
    assert_error(dave.patch(url, {"name": "Dave shared"}, format="json"), 400, "core.saved_view_name_taken")


def test_someone_elses_shared_view_cannot_be_changed_or_deleted(company, views):
    bob = api_client(company.bob.user, language="en")
    url = f"{URL}{views['shared'].pk}/"
    body = assert_error(bob.patch(url, {"name": "Mine now"}, format="json"), 403, "core.saved_view_not_owner")
    assert body["message"] == "Only the person who saved a view can change or delete it."
    assert_error(bob.patch(url, {"shared": False}, format="json"), 403, "core.saved_view_not_owner")
    assert_error(bob.put(url, {"name": "Dave shared", "shared": True}, format="json"), 403,
                 "core.saved_view_not_owner")
    assert_error(bob.delete(url), 403, "core.saved_view_not_owner")
    assert_error(bob.delete(f"{URL}{views['private'].pk}/"), 404, "not_found")
    view = SavedView.objects.get(pk=views["shared"].pk)
    assert (view.name, view.shared) == ("Dave shared", True)


def test_the_owner_deletes_a_view(company, views):
    bob = api_client(company.bob.user)
    assert bob.delete(f"{URL}{views['bobs'].pk}/").status_code == 204
    assert not SavedView.objects.filter(pk=views["bobs"].pk).exists()
    assert Event.objects.filter(case_id=str(views["bobs"].pk), activity="saved_view.deleted").exists()


def test_anonymous_callers_get_a_json_401(db):
    assert_error(api_client(language="en").get(URL), 401, "not_authenticated")


def test_the_endpoint_is_in_the_openapi_document(db):
    schema = yaml.safe_load(Client().get("/api/schema/").content)
    assert {"get", "post"} <= set(schema["paths"][URL])
    assert {"get", "put", "patch", "delete"} <= set(schema["paths"][URL + "{id}/"])
    patch = schema["paths"][URL + "{id}/"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    assert "SavedViewChange" in patch["$ref"]  # only the name and the shared flag can change
