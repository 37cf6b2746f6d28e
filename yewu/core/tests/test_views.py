"""Every UI page of core and org renders for a user with grants and sends anonymous visitors to the
sign-in page; error pages render; pages load scripts and styles only from our own static files.

The page table below must name every route of the core and org namespaces: a new page without an
entry fails `test_every_page_is_in_the_table`, so nobody adds a page that no test has opened.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import URLResolver, get_resolver, reverse

from yewu.core.audit import record_event
from yewu.core.models import Attachment, Notification, SavedView
from yewu.core.roles import ensure_default_roles
from yewu.core.testing.factories import DelegationFactory, PartTimePositionFactory, TeamFactory

PAGE = "page"  # GET renders 200 for a user with grants; anonymous: redirect to sign-in
FILE = "file"  # GET answers a download (200, not HTML) for a user with grants; anonymous: sign-in
POST = "post"  # POST-only: GET is 405 for a user, anonymous: sign-in
PUBLIC = "public"  # GET renders 200 without signing in


def _pages(company, records) -> dict[str, tuple[str, list]]:
    """{url name: (kind, args)} for every route of the core and org namespaces."""
    c, r = company, records
    record = [ContentType.objects.get_for_model(c.bob).pk, c.bob.pk]
    return {
        "core:home": (PAGE, []),
        "core:login": (PUBLIC, []),
        "core:logout": (POST, []),
        "core:verify_otp": ("verify", []),
        "core:profile": (PAGE, []),
        "core:totp_setup": (PAGE, []),
        "core:totp_disable": (POST, []),
        "core:search": (PAGE, []),
        "core:notifications": (PAGE, []),
        "core:notifications_read": (POST, []),
        "core:comment_add": (POST, record),
        "core:attachment_add": (POST, record),
        "core:attachment_download": (FILE, [r["attachment"].pk]),
        "core:savedview_add": (POST, []),
        "core:savedview_delete": (POST, [r["saved_view"].pk]),
        "core:event_list": (PAGE, []),
        "core:events_xes": (FILE, []),
        "core:healthz": (PUBLIC, []),
        "org:chart": (PAGE, []),
        "org:department_list": (PAGE, []),
        "org:department_add": (PAGE, []),
        "org:department_detail": (PAGE, [c.sales.pk]),
        "org:department_edit": (PAGE, [c.sales.pk]),
        "org:department_deactivate": (POST, [c.sales.pk]),
        "org:position_list": (PAGE, []),
        "org:position_add": (PAGE, []),
        "org:position_detail": (PAGE, [c.head.pk]),
        "org:position_edit": (PAGE, [c.head.pk]),
        "org:team_list": (PAGE, []),
        "org:team_add": (PAGE, []),
        "org:team_detail": (PAGE, [r["team"].pk]),
        "org:team_edit": (PAGE, [r["team"].pk]),
        "org:employee_list": (PAGE, []),
        "org:employee_add": (PAGE, []),
        "org:employee_detail": (PAGE, [c.bob.pk]),
        "org:employee_edit": (PAGE, [c.bob.pk]),
        "org:employee_part_time_add": (POST, [c.bob.pk]),
        "org:part_time_remove": (POST, [r["part_time"].pk]),
        "org:employee_resign": (POST, [c.bob.pk]),
        "org:delegation_list": (PAGE, []),
        "org:delegation_add": (PAGE, []),
        "org:delegation_detail": (PAGE, [r["delegation"].pk]),
        "org:delegation_cancel": (POST, [r["delegation"].pk]),
    }


def _route_names() -> set[str]:
    names = set()

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif namespace in ("core", "org") and p.name:
                names.add(f"{namespace}:{p.name}")

    walk(get_resolver().url_patterns, None)
    return names


@pytest.fixture
def records(company, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    team = TeamFactory(department=company.sales, leader=company.alice)
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(company.bob),
        object_id=str(company.bob.pk),
        name="cv.pdf",
        size=3,
        uploaded_by=company.admin,
    )
    attachment.file.save("cv.pdf", SimpleUploadedFile("cv.pdf", b"pdf"), save=False)
    attachment.save()
    record_event(
        company.bob, "employee.changed", actor=company.dave.user, data={"mobile": ["", "1"]}
    )
    Notification.objects.create(recipient=company.dave.user, title="hello", url="/org/chart/")
    return {
        "team": team,
        "attachment": attachment,
        "part_time": PartTimePositionFactory(
            employee=company.bob, department=company.finance, position=company.staff
        ),
        "delegation": DelegationFactory(principal=company.bob, delegate=company.alice),
        "saved_view": SavedView.objects.create(owner=company.dave.user, list_key="org:employee_list", name="在职"),
    }


@pytest.fixture
def hr_client(company):
    """dave with the HR administrator and auditor roles: every org and audit page is his."""
    roles = ensure_default_roles()
    company.dave.user.groups.add(roles["hr"], roles["auditor"])
    client = Client()
    client.force_login(company.dave.user)
    return client


def test_every_page_is_in_the_table(company, records):
    assert _route_names() == set(_pages(company, records)), (
        "add new pages to the table in this file"
    )


def test_every_page_renders_for_a_user_with_grants(company, records, hr_client):
    problems = []
    for name, (kind, args) in _pages(company, records).items():
        url = reverse(name, args=args)
        resp = hr_client.get(url)
        expected = {PAGE: 200, FILE: 200, POST: 405, PUBLIC: 200, "verify": 302}[kind]
        if kind == PUBLIC and name == "core:login":
            expected = 302  # signed in already: on to the home page
        if resp.status_code != expected:
            problems.append(f"{name} {url}: {resp.status_code}, expected {expected}")
        elif kind == PAGE and not resp["Content-Type"].startswith("text/html"):
            problems.append(f"{name}: {resp['Content-Type']}")
        elif kind == FILE and resp["Content-Type"].startswith("text/html"):
            problems.append(f"{name}: a download answered HTML")
    assert not problems, "\n".join(problems)


def test_pages_render_in_every_language(company, records, hr_client):
    for code, _name in settings.LANGUAGES:
        for name in ("core:home", "org:employee_list", "org:employee_detail", "org:chart"):
            args = [company.bob.pk] if name.endswith("detail") else []
            resp = hr_client.get(reverse(name, args=args), headers={"Accept-Language": code})
            assert resp.status_code == 200, (code, name)
            assert f'lang="{code}"' in resp.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(company, records):
    client = Client()
    login = reverse("core:login")
    problems = []
    for name, (kind, args) in _pages(company, records).items():
        url = reverse(name, args=args)
        if kind == PUBLIC:
            status = client.get(url).status_code
            if status != 200:
                problems.append(f"{name}: public page answered {status}")
            continue
        if kind == "verify":  # nothing pending: back to sign-in
            resp = client.get(url)
        else:
            resp = client.post(url) if kind == POST else client.get(url)
        target = resp.get("Location", "")
        if resp.status_code != 302 or not target.startswith(login):
            problems.append(f"{name} {url}: {resp.status_code} -> {target!r}")
        elif name not in ("core:verify_otp", "core:logout") and f"next={url}" not in target.replace(
            "%2F", "/"
        ):
            problems.append(f"{name}: sign-in does not come back to {url}: {target}")
    assert not problems, "\n".join(problems)


def test_missing_page_renders_the_404_page(company, hr_client):
    for client in (hr_client, Client()):
        resp = client.get("/no-such-page/")
        assert resp.status_code == 404
        assert "core/error.html" in [t.name for t in resp.templates]
        assert "404" in resp.content.decode()


def test_record_outside_the_scope_renders_the_404_page(company, hr_client):
    resp = hr_client.get(reverse("org:employee_detail", args=[999999]))
    assert resp.status_code == 404
    assert "core/error.html" in [t.name for t in resp.templates]


def test_error_handlers_render(db):
    from yewu.core.views import errors

    request = RequestFactory().get("/somewhere/")
    assert errors.server_error(request).status_code == 500
    assert errors.forbidden(request).status_code == 403
    api_request = RequestFactory().get("/api/somewhere/")
    resp = errors.server_error(api_request)
    assert resp.status_code == 500 and resp["Content-Type"] == "application/json"


_ASSET = re.compile(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']*)["']""", re.I)
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)


def _assets(html: str) -> list[str]:
    return [u for u in _ASSET.findall(html) if not u.startswith("data:")]


def test_pages_load_scripts_and_styles_only_from_our_static_files(company, records, hr_client):
    for client, url in (
        (hr_client, "/"),
        (hr_client, reverse("org:employee_list")),
        (Client(), reverse("core:login")),
    ):
        html = client.get(url).content.decode()
        assets = _assets(html)
        assert assets, url
        external = [a for a in assets if _EXTERNAL.match(a)]
        assert not external, f"{url} loads {external}"
        for asset in assets:
            assert asset.startswith(
                settings.STATIC_URL
                if settings.STATIC_URL.startswith("/")
                else "/" + settings.STATIC_URL
            ), asset
            assert finders.find(asset.split("/static/", 1)[1].split("?")[0]), (
                f"{asset} is not a static file"
            )


def test_templates_name_no_external_scripts_or_styles():
    root = Path(settings.BASE_DIR)
    offenders = []
    for template in root.rglob("templates/**/*.html"):
        if "static/vendor" in str(template):
            continue
        for url in _ASSET.findall(template.read_text(encoding="utf-8")):
            if _EXTERNAL.match(url):
                offenders.append(f"{template.relative_to(root)}: {url}")
    assert not offenders, offenders


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
def test_amounts_group_thousands_with_a_comma_in_every_language(language):
    from decimal import Decimal

    from django.template.defaultfilters import floatformat
    from django.utils import translation

    with translation.override(language):
        assert floatformat(Decimal("1234567.5"), "2g") == "1,234,567.50"
