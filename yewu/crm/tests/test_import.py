"""Customer and contact import from xlsx: good rows saved, each bad row named with its reasons,
possible duplicates reported, and a second import of the same file changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from yewu.core.errors import DomainError
from yewu.core.testing.api import api_client
from yewu.core.testing.factories import EmployeeFactory
from yewu.crm.importing import import_customers
from yewu.crm.models import Contact, Customer
from yewu.crm.tests import factories as f

HEAD = ["客户名称", "客户类别", "统一社会信用代码", "行业", "地区", "电话", "信用等级", "信用额度", "标签", "联系人", "职务",
        "联系人电话", "生日"]


def _xlsx(rows, head=HEAD) -> SimpleUploadedFile:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(head)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("customers.xlsx", buf.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _rows(crm):
    return [
        ["杭州明远机械制造有限公司", "重点客户", f.credit_code(11), "装备制造", "浙江杭州", "0571-88880001", "AA", "800,000",
         "制造业，老客户", "周建国", "采购总监", "13905710001", "03-12"],
        ["杭州明远机械制造有限公司", "", "", "", "", "", "", "", "", "王芳", "财务", "13905710002", ""],
        ["苏州恒信电子", "normal", "", "电子", "江苏苏州", "", "A", "500000", "", "吴晓东", "总经理", "", "7/8"],
        ["", "重点客户", "", "", "", "", "", "", "", "", "", "", ""],  # no name: skipped as empty? it has a class
        ["南京金陵医药", "没有这个类别", "123", "", "", "", "Z", "", "", "孙志强", "", "", "13-40"],
    ]


def test_an_import_saves_good_rows_reports_bad_ones_and_is_idempotent(crm):
    report = import_customers(_xlsx(_rows(crm)), actor=crm.bob.user)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert report.contacts == 3
    rows = dict(report.errors)
    assert set(rows) == {5, 6}
    assert "没有这个类别" in rows[6] and "123" in rows[6] and "Z" in rows[6] and "13-40" in rows[6]
    mingyuan = Customer.objects.get(name="杭州明远机械制造有限公司")
    assert mingyuan.customer_class == crm.key and mingyuan.credit_limit == 800000 and mingyuan.tags == ["制造业", "老客户"]
    assert mingyuan.owner == crm.bob.user and mingyuan.department == crm.sales
    assert set(mingyuan.contacts.values_list("name", flat=True)) == {"周建国", "王芳"}
    assert Contact.objects.get(name="吴晓东").birthday == "07-08"
    again = import_customers(_xlsx(_rows(crm)), actor=crm.bob.user)
    assert (again.created, again.updated, again.contacts) == (0, 0, 0) and again.unchanged == 2
    assert Customer.objects.count() == 2 and Contact.objects.count() == 3


def test_a_changed_row_updates_the_customer_it_matches(crm):
    import_customers(_xlsx(_rows(crm)[:1]), actor=crm.bob.user)
    row = list(_rows(crm)[0])
    row[0], row[7] = "杭州明远机械（集团）", "900000"  # another name, same credit code
    report = import_customers(_xlsx([row]), actor=crm.bob.user)
    assert (report.created, report.updated) == (0, 1)
    assert Customer.objects.get().credit_limit == 900000


def test_a_customer_of_someone_else_is_not_touched_and_a_look_alike_is_reported(crm):
    theirs = f.customer(crm.dave.user, name="苏州恒信电子", cls=crm.key)
    f.customer(crm.dave.user, name="另一家", phone="0571-88880001")
    report = import_customers(_xlsx(_rows(crm)[:3]), actor=crm.bob.user)
    assert crm.dave.name in dict(report.errors)[4]
    theirs.refresh_from_db()
    assert theirs.owner == crm.dave.user and not theirs.contacts.exists()
    assert [row for row, _text in report.warnings] == [2]  # same phone as dave's other customer
    assert crm.dave.name in report.warnings[0][1] and "另一家" not in report.warnings[0][1]


def test_an_unreadable_file_or_one_without_a_name_column_is_refused(crm):
    with pytest.raises(DomainError) as err:
        import_customers(SimpleUploadedFile("x.xlsx", b"not a workbook"), actor=crm.bob.user)
    assert err.value.code == "crm.import_unreadable"
    with pytest.raises(DomainError) as err:
        import_customers(_xlsx([["x"]], head=["电话"]), actor=crm.bob.user)
    assert err.value.code == "crm.import_no_name_column"
    with pytest.raises(DomainError) as err:
        import_customers(_xlsx(_rows(crm)), actor=EmployeeFactory(department=crm.finance).user)  # no grant
    assert err.value.code == "core.permission_denied"


def test_the_import_page_and_api_show_the_report(crm):
    ui = Client()
    ui.force_login(crm.bob.user)
    resp = ui.post(reverse("crm:customer_import"), {"file": _xlsx(_rows(crm))})
    assert resp.status_code == 200 and 'data-testid="import-report"' in resp.content.decode()
    resp = api_client(crm.bob.user).post("/api/crm/customers/import/", {"file": _xlsx(_rows(crm))},
                                         format="multipart")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["unchanged"] == 2 and [e["row"] for e in body["errors"]] == [5, 6]
