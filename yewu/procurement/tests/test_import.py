"""Supplier import from xlsx: bad rows named with reasons, good rows imported, re-import does not
duplicate; the same through the page and the API."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from yewu.core.errors import DomainError
from yewu.core.testing.api import api_client, assert_error
from yewu.procurement.importing import import_suppliers
from yewu.procurement.models import Supplier

HEAD = ["名称", "统一社会信用代码", "供应类别", "联系人", "电话", "邮箱"]
GOOD = [
    ["华东办公用品有限公司", "91310000MA1FL0001A", "办公用品、耗材", "王经理", "021-55550101", "wang@example.cn"],
    ["苏州精工设备制造有限公司", "91320500MA1FL0002B", "设备", "李工", "0512-66660202", ""],
]
BAD = [
    ["", "91310000MA1FL0009X", "", "", "", ""],  # no name
    ["坏邮箱公司", "", "", "", "", "not-an-email"],
    ["坏代码公司", "12345", "", "", "", ""],
    ["华东办公用品有限公司", "91310000MA1FL0001A", "", "", "", ""],  # the same as row 2
]


def xlsx(rows, head=HEAD) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(head)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("suppliers.xlsx", buf.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def test_good_rows_are_imported_and_bad_rows_named_with_reasons(proc):
    report = import_suppliers(xlsx(GOOD + BAD), actor=proc.erin.user)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert [row for row, _reasons in report.errors] == [4, 5, 6, 7]
    reasons = dict(report.errors)
    assert "name" in reasons[4] or "名称" in reasons[4]
    assert "not-an-email" in reasons[5] and "12345" in reasons[6] and "2" in reasons[7]
    assert Supplier.objects.count() == 2
    assert Supplier.objects.get(credit_code="91310000MA1FL0001A").categories == ["办公用品", "耗材"]


def test_a_reimport_updates_and_never_duplicates(proc):
    import_suppliers(xlsx(GOOD), actor=proc.erin.user)
    changed = [GOOD[0][:4] + ["021-99999999", GOOD[0][5]], GOOD[1]]
    report = import_suppliers(xlsx(changed), actor=proc.erin.user)
    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 1, 1, [])
    assert Supplier.objects.count() == 2
    assert Supplier.objects.get(credit_code="91310000MA1FL0001A").phone == "021-99999999"


def test_unreadable_files_and_sheets_without_a_name_column_are_refused(proc):
    bad = SimpleUploadedFile("x.xlsx", b"not a workbook")
    with pytest.raises(DomainError) as exc:
        import_suppliers(bad, actor=proc.erin.user)
    assert exc.value.code == "procurement.import_unreadable"
    with pytest.raises(DomainError) as exc:
        import_suppliers(xlsx(GOOD, head=["公司", "代码"]), actor=proc.erin.user)
    assert exc.value.code == "procurement.import_no_name_column"


def test_import_needs_the_add_grant(proc):
    with pytest.raises(DomainError) as exc:
        import_suppliers(xlsx(GOOD), actor=proc.bob.user)
    assert exc.value.code == "core.permission_denied"


def test_import_through_the_page(proc):
    ui = Client()
    ui.force_login(proc.erin.user)
    url = reverse("procurement:supplier_import")
    assert ui.get(url).status_code == 200
    resp = ui.post(url, {"file": xlsx(GOOD + BAD)})
    content = resp.content.decode()
    assert resp.status_code == 200 and 'data-testid="import-report"' in content and "not-an-email" in content
    bob = Client()
    bob.force_login(proc.bob.user)
    assert bob.get(url).status_code == 404


def test_import_through_the_api(proc):
    api = api_client(proc.erin.user)
    resp = api.post("/api/procurement/suppliers/import/", {"file": xlsx(GOOD + BAD)}, format="multipart")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["created"] == 2 and [e["row"] for e in body["errors"]] == [4, 5, 6, 7]
    assert_error(api.post("/api/procurement/suppliers/import/", {"file": SimpleUploadedFile("x.xlsx", b"zz")},
                          format="multipart"), 400, "procurement.import_unreadable")
    assert_error(api_client(proc.bob.user).post("/api/procurement/suppliers/import/", {"file": xlsx(GOOD)},
                                                format="multipart"), 403, "permission_denied")
