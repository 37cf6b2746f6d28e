"""The API contract: token authentication, JSON errors with a code and a translated message,
pagination, the caller's own notifications, /api/me/, the OpenAPI document and its docs page."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.test import Client
from rest_framework.authtoken.models import Token

from yewu.core.audit import record_event
from yewu.core.models import Notification
from yewu.core.scopes import Scope
from yewu.core.testing.api import api_client, assert_error, result_ids
from yewu.core.testing.factories import UserFactory, grant

# --- authentication ------------------------------------------------------------------------------


def test_token_authentication_identifies_the_user(company):
    token = Token.objects.create(user=company.bob.user)
    client = Client()
    resp = client.get("/api/me/", headers={"Authorization": f"Token {token.key}"})
    assert resp.status_code == 200
    assert resp.json()["username"] == "bob"


def test_session_authentication_serves_the_signed_in_browser(company):
    client = Client()
    client.force_login(company.bob.user)
    assert client.get("/api/me/").json()["username"] == "bob"


def test_unauthenticated_request_is_refused_with_json_401(db):
    resp = api_client(language="en").get("/api/org/employees/")
    body = assert_error(resp, 401, "not_authenticated")
    assert body["message"] == "Authentication credentials were not provided."
    assert resp["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("header", ["Token not-a-real-key", "Token ", "Bearer abc", "Token a b"])
def test_bad_credentials_are_refused_with_json_401(db, header):
    resp = Client().get("/api/me/", headers={"Authorization": header})
    assert_error(resp, 401, "not_authenticated")


def test_token_of_an_inactive_user_is_refused(company):
    client = api_client(company.bob.user)
    company.bob.user.is_active = False
    company.bob.user.save()
    assert_error(client.get("/api/me/"), 401, "not_authenticated")


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/whatever", "/api/whatever/deeper/", "/api/org/nothing/"])
def test_unknown_api_path_is_a_json_404(company, path):
    assert_error(api_client(company.bob.user).get(path), 404, "not_found")
    assert_error(api_client().get(path), 404, "not_found")


def test_unknown_api_path_is_a_json_404_for_every_method_even_with_csrf_checks(company):
    """A browser-less client posting to a wrong path gets the JSON 404, not Django's CSRF page."""
    client = Client(enforce_csrf_checks=True)
    for method in ("post", "put", "patch", "delete"):
        resp = getattr(client, method)("/api/whatever/", data="{}", content_type="application/json")
        assert_error(resp, 404, "not_found")


def test_unknown_record_is_a_json_404(company):
    grant(company.bob.user, "org.view_employee", Scope.ALL)
    client = api_client(company.bob.user)
    assert_error(client.get("/api/org/employees/999999/"), 404, "not_found")
    assert_error(client.get("/api/org/employees/not-a-number/"), 404, "not_found")


def test_method_not_allowed_is_json(company):
    client = api_client(company.admin)
    assert_error(
        client.delete(f"/api/org/departments/{company.sales.pk}/"), 405, "method_not_allowed"
    )
    assert_error(
        client.put(f"/api/org/departments/{company.sales.pk}/", {}, format="json"),
        405,
        "method_not_allowed",
    )


def test_missing_grant_is_a_json_403(company):
    assert_error(api_client(company.bob.user).get("/api/org/employees/"), 403, "permission_denied")


def test_validation_error_lists_the_fields(company):
    resp = api_client(company.bob.user, language="en").post(
        "/api/core/notifications/mark-read/", {"ids": ["x", 0]}, format="json"
    )
    body = assert_error(resp, 400, "invalid")
    assert body["message"] == "The request is not valid."
    assert set(body["fields"]) == {"ids"}


def test_malformed_json_body_is_a_json_400(company):
    resp = api_client(company.bob.user).post(
        "/api/core/notifications/mark-read/", data="{not json", content_type="application/json"
    )
    assert_error(resp, 400, "invalid")


def test_unsupported_media_type_is_json(company):
    resp = api_client(company.bob.user).post(
        "/api/core/notifications/mark-read/", data="<ids/>", content_type="application/xml"
    )
    assert_error(resp, 415, "unsupported_media_type")


def _is_client_error(resp) -> bool:
    body = resp.json()
    return resp.status_code in (400, 413) and bool(body.get("code")) and bool(body.get("message"))


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_too_many_form_fields_is_a_json_client_error(company, settings, encoding):
    from urllib.parse import urlencode

    data = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    client = api_client(company.bob.user)
    if encoding == "multipart":
        resp = client.post("/api/core/notifications/mark-read/", data, format="multipart")
    else:
        resp = client.post(
            "/api/core/notifications/mark-read/",
            urlencode(data),
            content_type="application/x-www-form-urlencoded",
        )
    assert _is_client_error(resp), (resp.status_code, resp.content)


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("application/x-www-form-urlencoded", "a=" + "x" * 2048),
        ("application/json", '{"ids": [1], "padding": "' + "x" * 2048 + '"}'),
    ],
    ids=["form", "json"],
)
def test_oversized_body_is_a_json_client_error(company, settings, content_type, body):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    resp = api_client(company.bob.user).post(
        "/api/core/notifications/mark-read/", body, content_type=content_type
    )
    assert _is_client_error(resp), (resp.status_code, resp.content)


def test_bad_page_is_a_json_404(company):
    grant(company.bob.user, "org.view_employee", Scope.ALL)
    assert_error(
        api_client(company.bob.user).get("/api/org/employees/", {"page": 99}), 404, "not_found"
    )


def test_error_messages_follow_accept_language(company):
    """The same error in English and Simplified Chinese (Django's and DRF's own catalogs)."""
    en = assert_error(api_client(language="en").get("/api/me/"), 401, "not_authenticated")
    zh = assert_error(api_client(language="zh-hans").get("/api/me/"), 401, "not_authenticated")
    assert en["message"] != zh["message"]
    assert re.search(r"[\u4e00-\u9fff]", zh["message"]), zh


def test_yewus_own_error_messages_are_translated(company):
    def message(language):
        resp = api_client(company.bob.user, language=language).post(
            "/api/core/notifications/mark-read/", {"ids": ["x"]}, format="json"
        )
        return assert_error(resp, 400, "invalid")["message"]

    assert message("en") == "The request is not valid."
    assert message("zh-hans") != message("en")
    assert message("zh-hant") != message("en")


# --- pagination ----------------------------------------------------------------------------------


def test_lists_are_paginated_with_count_next_and_page_size(company):
    for i in range(7):
        Notification.objects.create(recipient=company.bob.user, title=f"n{i}")
    client = api_client(company.bob.user)
    first = client.get("/api/core/notifications/", {"page_size": 3}).json()
    assert first["count"] == 7
    assert len(first["results"]) == 3
    assert first["previous"] is None
    assert "page=2" in first["next"] and "page_size=3" in first["next"]
    last = client.get("/api/core/notifications/", {"page_size": 3, "page": 3}).json()
    assert len(last["results"]) == 1 and last["next"] is None
    seen = result_ids(client.get("/api/core/notifications/", {"page_size": 3}))
    seen += result_ids(client.get("/api/core/notifications/", {"page_size": 3, "page": 2}))
    seen += result_ids(client.get("/api/core/notifications/", {"page_size": 3, "page": 3}))
    assert sorted(seen) == sorted(Notification.objects.values_list("pk", flat=True))


def test_page_size_is_capped(company):
    for i in range(3):
        Notification.objects.create(recipient=company.bob.user, title=f"n{i}")
    resp = api_client(company.bob.user).get("/api/core/notifications/", {"page_size": 100000})
    assert resp.status_code == 200 and resp.json()["count"] == 3


# --- notifications and me ------------------------------------------------------------------------


@pytest.fixture
def inboxes(company):
    bob = [
        Notification.objects.create(recipient=company.bob.user, title=f"bob {i}") for i in range(3)
    ]
    alice = [
        Notification.objects.create(recipient=company.alice.user, title=f"alice {i}")
        for i in range(2)
    ]
    return bob, alice


def test_notifications_list_only_the_callers_own(company, inboxes):
    bob, alice = inboxes
    client = api_client(company.bob.user)
    assert sorted(result_ids(client.get("/api/core/notifications/"))) == sorted(n.pk for n in bob)
    assert client.get(f"/api/core/notifications/{bob[0].pk}/").json()["title"] == "bob 0"
    assert_error(client.get(f"/api/core/notifications/{alice[0].pk}/"), 404, "not_found")


def test_mark_read_marks_only_own_notifications(company, inboxes):
    bob, alice = inboxes
    client = api_client(company.bob.user)
    resp = client.post(
        "/api/core/notifications/mark-read/", {"ids": [bob[0].pk, alice[0].pk]}, format="json"
    )
    assert resp.status_code == 200 and resp.json() == {"marked": 1}
    assert Notification.objects.filter(read_at__isnull=False).get() == bob[0]
    unread = client.get("/api/core/notifications/", {"read_at__isnull": "true"})
    assert sorted(result_ids(unread)) == sorted(n.pk for n in bob[1:])
    assert client.get("/api/me/").json()["unread_notifications"] == 2
    # Without ids: everything of the caller's, nothing of anyone else's.
    assert client.post("/api/core/notifications/mark-read/", {}, format="json").json() == {
        "marked": 2
    }
    assert not Notification.objects.filter(
        recipient=company.alice.user, read_at__isnull=False
    ).exists()


def test_mark_read_with_an_id_beyond_the_database_range_is_a_validation_error(company, inboxes):
    resp = api_client(company.bob.user).post(
        "/api/core/notifications/mark-read/", {"ids": [2**63]}, format="json"
    )
    assert "ids" in assert_error(resp, 400, "invalid")["fields"]


def test_notifications_cannot_be_changed_or_deleted_through_the_api(company, inboxes):
    bob, _alice = inboxes
    client = api_client(company.bob.user)
    assert_error(client.delete(f"/api/core/notifications/{bob[0].pk}/"), 405, "method_not_allowed")
    assert_error(
        client.patch(f"/api/core/notifications/{bob[0].pk}/", {"title": "x"}, format="json"),
        405,
        "method_not_allowed",
    )


def test_me_describes_the_caller(company):
    Notification.objects.create(recipient=company.bob.user, title="hello")
    me = api_client(company.bob.user, language="en").get("/api/me/").json()
    assert me == {
        "username": "bob",
        "name": company.bob.name,
        "employee": company.bob.pk,
        "department": company.sales.pk,
        "language": "en",
        "unread_notifications": 1,
    }


def test_me_without_an_employee_record(db):
    user = UserFactory(username="integration", first_name="Robot", last_name="One")
    me = api_client(user, language="zh-hans").get("/api/me/").json()
    assert me["employee"] is None and me["department"] is None
    assert me["name"] == "Robot One"
    assert me["language"] == "zh-hans"


# --- audit events --------------------------------------------------------------------------------


def test_audit_events_follow_the_callers_scope(company):
    own = record_event(company.bob, "employee.changed", actor=company.bob.user)
    other = record_event(company.dave, "employee.changed", actor=company.dave.user)
    assert_error(api_client(company.bob.user).get("/api/core/events/"), 403, "permission_denied")
    grant(company.bob.user, "core.view_event", Scope.OWN)
    client = api_client(company.bob.user)
    assert result_ids(client.get("/api/core/events/")) == [own.pk]
    assert_error(client.get(f"/api/core/events/{other.pk}/"), 404, "not_found")
    grant(company.carol.user, "core.view_event", Scope.ALL)
    auditor = api_client(company.carol.user)
    assert result_ids(auditor.get("/api/core/events/")) == [own.pk, other.pk]
    filtered = auditor.get(
        "/api/core/events/", {"case_type": "org.employee", "case_id": str(company.dave.pk)}
    )
    assert result_ids(filtered) == [other.pk]


def test_audit_events_are_read_only(company):
    event = record_event(company.bob, "employee.changed", actor=company.bob.user)
    client = api_client(company.admin)
    for method in ("post", "put", "patch", "delete"):
        path = "/api/core/events/" if method == "post" else f"/api/core/events/{event.pk}/"
        assert_error(getattr(client, method)(path, {}, format="json"), 405, "method_not_allowed")


# --- the OpenAPI document and its docs page ------------------------------------------------------


def test_schema_is_an_openapi_3_document(db):
    from drf_spectacular.validation import validate_schema

    resp = Client().get("/api/schema/")
    assert resp.status_code == 200
    schema = yaml.safe_load(resp.content)
    assert str(schema["openapi"]).startswith("3")
    validate_schema(schema)
    as_json = json.loads(Client().get("/api/schema/", {"format": "json"}).content)
    assert as_json["paths"].keys() == schema["paths"].keys()


def test_schema_documents_every_endpoint_and_token_authentication(db):
    schema = yaml.safe_load(Client().get("/api/schema/").content)
    paths = set(schema["paths"])
    for path in (
        "/api/me/",
        "/api/org/departments/",
        "/api/org/departments/{id}/",
        "/api/org/employees/",
        "/api/org/employees/{id}/resign/",
        "/api/org/groups/",
        "/api/org/positions/",
        "/api/org/delegations/",
        "/api/org/delegations/{id}/cancel/",
        "/api/core/events/",
        "/api/core/notifications/",
        "/api/core/notifications/mark-read/",
    ):
        assert path in paths, path
    schemes = schema["components"]["securitySchemes"]
    assert any(
        s.get("type") == "apiKey" and s.get("name") == "Authorization" for s in schemes.values()
    )
    employees = schema["paths"]["/api/org/employees/"]["get"]
    params = {p["name"] for p in employees["parameters"]}
    assert {"page", "page_size", "search", "department"} <= params


def test_docs_render_swagger_ui_from_our_own_static_files(db):
    resp = Client().get("/api/docs/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/vendor/swagger-ui-dist/swagger-ui.css" in html
    assert "/api/schema/" in html
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html)
    assert urls and not [u for u in urls if re.match(r"(?:https?:)?//", u)], urls
    assert not re.search(r"https?://(?!localhost|testserver)", html), (
        "an external URL in the docs page"
    )
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert finders.find(f"vendor/swagger-ui-dist/{name}"), f"vendored {name} missing"


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("application/json", '{"ids": [1], "note": "a\\u0000b"}'),
        ("application/json", '{"a\\u0000": {"deep": ["x\\u0000"]}}'),
        ("application/x-www-form-urlencoded", "ids=1&note=a%00b"),
    ],
    ids=["json-value", "json-key", "form"],
)
def test_a_nul_character_in_a_body_is_a_json_client_error(company, content_type, body):
    """PostgreSQL text cannot hold NUL: every endpoint refuses it while parsing (found by fuzzing
    the CC endpoint, whose user lookup passed it to the database)."""
    resp = api_client(company.bob.user).post(
        "/api/core/notifications/mark-read/", body, content_type=content_type
    )
    assert_error(resp, 400, "invalid")


def test_the_openapi_document_builds_without_a_warning(tmp_path):
    """Two components or enums with one name make a wrong schema (and wrong fuzzing): fail on it."""
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert (tmp_path / "schema.yml").read_text(encoding="utf-8").startswith("openapi:")
