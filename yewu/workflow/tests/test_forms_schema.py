"""General-approval forms: the schema an administrator writes, what `clean` accepts, the web form, display."""

import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.http import QueryDict
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yewu.core.errors import DomainError
from yewu.core.models import Attachment
from yewu.core.testing.factories import DepartmentFactory, UserFactory
from yewu.workflow import forms_schema as fs
from yewu.workflow.errors import WorkflowError
from yewu.workflow.form_errors import FormError

INJECTION = "<script>alert('x')</script>\"; DROP TABLE workflow_task; -- {{ 7*7 }} ${7*7} %(errors)s"

SCHEMA = [
    {"name": "subject", "label": "事由", "type": "text", "required": True, "max_length": 50},
    {"name": "details", "label": "详细说明", "type": "textarea"},
    {"name": "days", "label": "天数", "type": "number", "required": True, "min": 0.5, "max": 30, "decimals": 1},
    {"name": "amount", "label": "金额", "type": "money", "max": 100000},
    {"name": "on", "label": "日期", "type": "date"},
    {"name": "period", "label": "起止日期", "type": "daterange"},
    {"name": "kind", "label": "类型", "type": "select",
     "options": ["办公用品", {"value": "it", "label": "IT 支持"}]},
    {"name": "tags", "label": "标签", "type": "select", "options": ["急", "重要"], "multiple": True},
    {"name": "approver", "label": "审批人", "type": "user"},
    {"name": "dept", "label": "部门", "type": "department"},
    {"name": "files", "label": "附件", "type": "attachment", "max_files": 2},
    {"name": "items", "label": "费用明细", "type": "table", "columns": [
        {"name": "item", "label": "项目", "type": "text", "required": True},
        {"name": "cost", "label": "金额", "type": "money", "required": True},
        {"name": "who", "label": "经办人", "type": "user"},
    ]},
]


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English; one test checks the Chinese wording."""
    with translation.override("en"):
        yield


def problems(schema):
    return fs.validate_schema(schema)


def refused(schema, data, user=None, **kwargs):
    with pytest.raises(FormError) as info:
        fs.clean(schema, data, user=user, **kwargs)
    return info.value


# --- the schema ------------------------------------------------------------------------------------


def test_a_complete_schema_with_every_type_is_valid():
    assert problems(SCHEMA) == []
    assert {f["type"] for f in SCHEMA} == set(fs.FIELD_TYPES)


@pytest.mark.parametrize("schema", [None, {}, "[]", 3])
def test_schema_must_be_a_list(schema):
    assert problems(schema) == ["The form definition must be a list of fields."]


def test_duplicate_names_are_named():
    errors = problems([{"name": "a", "label": "A", "type": "text"}, {"name": "a", "label": "B", "type": "text"}])
    assert errors == ["field a: the name a is used twice."]


def test_unknown_type_and_missing_label():
    errors = problems([{"name": "a", "type": "rich_text"}])
    assert any("label" in e for e in errors) and any("the type must be one of" in e for e in errors)


def test_select_needs_options_and_unique_values():
    assert problems([{"name": "k", "label": "K", "type": "select"}]) == [
        "field k: a choice field needs a non-empty list of options."]
    assert problems([{"name": "k", "label": "K", "type": "select", "options": ["a", "a"]}]) == [
        "field k: the option a is listed twice."]
    assert problems([{"name": "k", "label": "K", "type": "select", "options": [{"label": "no value"}]}])


@pytest.mark.parametrize("name", ["Amount", "1st", "with space", "class", "form", "department", "max", "a" * 41, "", None, "金额"])
def test_names_must_be_safe_identifiers(name):
    assert problems([{"name": name, "label": "X", "type": "text"}])


def test_settings_that_do_not_fit_the_type_are_refused():
    errors = problems([
        {"name": "a", "label": "A", "type": "text", "options": ["x"]},
        {"name": "b", "label": "B", "type": "number", "min": 10, "max": 1},
        {"name": "c", "label": "C", "type": "money", "min": "zero"},
        {"name": "d", "label": "D", "type": "text", "max_length": 0},
        {"name": "e", "label": "E", "type": "text", "required": "yes"},
        {"name": "f", "label": "F", "type": "number", "decimals": 9},
        {"name": "g", "label": "G", "type": "number", "max": float("inf")},
    ])
    assert errors == [
        "field a: unknown settings for a text field: options.",
        "field b: min is larger than max.",
        "field c: min must be a number.",
        "field d: max_length must be a whole number from 1 to 20000.",
        "field e: required must be true or false.",
        "field f: decimals must be a whole number from 0 to 6.",
        "field g: max must be a number.",
    ]


def test_table_columns_are_checked_and_cannot_nest():
    errors = problems([{"name": "t", "label": "明细", "type": "table", "columns": [
        {"name": "x", "label": "X", "type": "table", "columns": [{"name": "y", "label": "Y", "type": "text"}]},
        {"name": "f", "label": "F", "type": "attachment"},
        {"name": "x", "label": "X2", "type": "text"},
    ]}])
    assert len(errors) == 3
    assert all(e.startswith("field t, column ") for e in errors)
    assert problems([{"name": "t", "label": "明细", "type": "table"}]) == [
        "field t: a table needs a non-empty list of columns."]
    assert problems([{"name": "t", "label": "T", "type": "table", "min_rows": 3, "max_rows": 1,
                      "columns": [{"name": "x", "label": "X", "type": "text"}]}]) == ["field t: min_rows is larger than max_rows."]


def test_a_field_that_is_not_an_object():
    assert problems(["amount"]) == ["field 1: a field is an object with name, label and type."]


# --- clean: every type -------------------------------------------------------------------------------


@pytest.fixture
def people(db):
    active = UserFactory(username="zhang")
    gone = UserFactory(username="left", is_active=False)
    dept = DepartmentFactory(name="财务部", code="fin")
    closed = DepartmentFactory(name="旧部门", code="old", is_active=False)
    return active, gone, dept, closed


def attachment(user, name="合同.pdf"):
    return Attachment.objects.create(
        content_type=ContentType.objects.get_for_model(user), object_id=str(user.pk), file=f"t/{name}",
        name=name, size=10, uploaded_by=user,
    )


def test_a_full_form_cleans_to_plain_json(people):
    active, _gone, dept, _closed = people
    file = attachment(active)
    data = {
        "subject": "  采购打印纸  ", "details": "第一行\n第二行", "days": "1.5", "amount": "1234.5", "on": "2026-03-01",
        "period": ["2026-03-01", "2026-03-03"], "kind": "it", "tags": ["急"], "approver": str(active.pk),
        "dept": dept.pk, "files": [file.pk],
        "items": [{"item": "纸", "cost": 12, "who": active.pk}, {"item": "", "cost": "", "who": ""}],
    }
    values = fs.clean(SCHEMA, data, user=active)
    assert values == {
        "subject": "采购打印纸", "details": "第一行\n第二行", "days": 1.5, "amount": "1234.50", "on": "2026-03-01",
        "period": ["2026-03-01", "2026-03-03"], "kind": "it", "tags": ["急"], "approver": active.pk,
        "dept": dept.pk, "files": [file.pk], "items": [{"item": "纸", "cost": "12.00", "who": active.pk}],
    }
    assert json.loads(json.dumps(values)) == values


def test_optional_fields_are_present_as_none(people):
    values = fs.clean(SCHEMA, {"subject": "x", "days": 1}, user=people[0])
    assert values["amount"] is None and values["approver"] is None and values["items"] == []
    assert set(values) == {f["name"] for f in SCHEMA}


def test_required_fields_are_named_by_their_chinese_labels(people):
    error = refused(SCHEMA, {"subject": "   "}, user=people[0])
    assert error.code == WorkflowError.INVALID_FORM
    assert error.fields == {"subject": ["this field is required."], "days": ["this field is required."]}
    assert "事由: this field is required." in error.message and "天数" in error.message
    with translation.override("zh-hans"):
        assert error.message.startswith("表单填写不完整：")
    assert isinstance(error, DomainError)


def test_unknown_fields_and_non_objects_are_refused(people):
    assert refused(SCHEMA, {"subject": "x", "days": 1, "amout": 5}).fields == {"amout": ["The form has no field amout."]}
    assert refused(SCHEMA, ["subject"]).message.endswith("The form values must be an object of field names and values.")


def test_text_is_kept_verbatim_and_bounded(people):
    values = fs.clean(SCHEMA, {"subject": INJECTION[:50], "details": INJECTION, "days": 1}, user=people[0])
    assert values["details"] == INJECTION and values["subject"] == INJECTION[:50]
    assert refused(SCHEMA, {"subject": "x" * 51, "days": 1}).fields["subject"] == [
        "at most 50 characters (this has 51)."]
    assert refused(SCHEMA, {"subject": "a\x00b", "days": 1}).fields["subject"] == [
        "the text contains control characters that are not allowed."]
    assert refused(SCHEMA, {"subject": 12, "days": 1}).fields["subject"] == ["enter text."]


@pytest.mark.parametrize(("raw", "expected"), [(1, 1), ("2", 2), (2.5, 2.5), (Decimal("3.0"), 3), ("0.5", 0.5), ("30", 30)])
def test_numbers(people, raw, expected):
    value = fs.clean(SCHEMA, {"subject": "x", "days": raw}, user=people[0])["days"]
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(("raw", "message"), [
    ("0.4", "must be at least 0.5."), (31, "must be at most 30."), ("1.25", "at most 1 decimal places."),
    (True, "enter a number."), ("abc", "enter a number."), ("NaN", "enter a number."), ("1e400", "enter a number."),
    (float("inf"), "the number is too large."), ("9" * 30, "the number is too large."), ([1], "enter a number."),
])
def test_bad_numbers(people, raw, message):
    assert refused(SCHEMA, {"subject": "x", "days": raw}).fields["days"] == [message]


@pytest.mark.parametrize(("raw", "expected"), [
    ("1234.5", "1234.50"), (0, "0.00"), (0.1, "0.10"), (Decimal("99999.99"), "99999.99"), ("1,200", "1200.00"),
    ("100000", "100000.00"),
])
def test_money_is_a_two_place_string(people, raw, expected):
    assert fs.clean(SCHEMA, {"subject": "x", "days": 1, "amount": raw}, user=people[0])["amount"] == expected


@pytest.mark.parametrize(("raw", "message"), [
    ("1.005", "an amount has at most 2 decimal places (fen)."), ("-1", "must be at least 0."),
    ("100000.01", "must be at most 100000."), ("¥5", "enter a number."),
])
def test_bad_money(people, raw, message):
    assert refused(SCHEMA, {"subject": "x", "days": 1, "amount": raw}).fields["amount"] == [message]


def test_money_may_be_negative_when_the_schema_says_so(people):
    schema = [{"name": "refund", "label": "退款", "type": "money", "min": -500}]
    assert fs.clean(schema, {"refund": "-20"}, user=None) == {"refund": "-20.00"}


def test_dates(people):
    import datetime

    base = {"subject": "x", "days": 1}
    assert fs.clean(SCHEMA, {**base, "on": datetime.date(2026, 1, 2)}, user=None)["on"] == "2026-01-02"
    assert refused(SCHEMA, {**base, "on": "2026-02-30"}).fields["on"] == ["2026-02-30 is not a valid date."]
    assert refused(SCHEMA, {**base, "on": "2026/01/01"}).fields["on"] == ["enter a date as YYYY-MM-DD."]
    assert refused(SCHEMA, {**base, "on": datetime.datetime(2026, 1, 2, 3)}).fields["on"] == ["enter a date as YYYY-MM-DD."]


def test_date_ranges(people):
    base = {"subject": "x", "days": 1}
    assert fs.clean(SCHEMA, {**base, "period": {"start": "2026-01-01", "end": "2026-01-01"}}, user=None)["period"] == [
        "2026-01-01", "2026-01-01"]
    assert fs.clean(SCHEMA, {**base, "period": ["", ""]}, user=None)["period"] is None
    assert refused(SCHEMA, {**base, "period": ["2026-01-05", "2026-01-01"]}).fields["period"] == [
        "the end date is before the start date."]
    assert refused(SCHEMA, {**base, "period": ["2026-01-05", ""]}).fields["period"] == [
        "enter both the start date and the end date."]
    assert refused(SCHEMA, {**base, "period": "2026-01-05"}).fields["period"] == ["enter a start date and an end date."]
    required = [{"name": "p", "label": "期间", "type": "daterange", "required": True}]
    assert refused(required, {"p": [None, None]}).fields["p"] == ["this field is required."]


def test_select_values_must_be_options(people):
    base = {"subject": "x", "days": 1}
    assert fs.clean(SCHEMA, {**base, "kind": "办公用品", "tags": ["急", "急", "重要"]}, user=None)["tags"] == ["急", "重要"]
    assert refused(SCHEMA, {**base, "kind": "IT 支持"}).fields["kind"] == ["IT 支持 is not one of the options."]
    assert refused(SCHEMA, {**base, "tags": "急"}).fields["tags"] == ["choose from the list."]
    numbered = [{"name": "level", "label": "级别", "type": "select", "options": ["1", "2"]}]
    assert fs.clean(numbered, {"level": 2}, user=None) == {"level": "2"}
    assert refused(numbered, {"level": True}).fields["level"] == ["True is not one of the options."]


def test_users_must_exist_and_be_active(people):
    active, gone, _dept, _closed = people
    base = {"subject": "x", "days": 1}
    assert fs.clean(SCHEMA, {**base, "approver": active.pk}, user=None)["approver"] == active.pk
    assert refused(SCHEMA, {**base, "approver": gone.pk}).fields["approver"] == [
        f"nobody with an active account has the id {gone.pk}."]
    assert refused(SCHEMA, {**base, "approver": 999999}).fields["approver"] == [
        "nobody with an active account has the id 999999."]
    for bad in (True, "zhang", -1, 2**70, [active.pk]):
        assert refused(SCHEMA, {**base, "approver": bad}).fields["approver"] == ["choose from the list."]
    many = [{"name": "cc", "label": "抄送", "type": "user", "multiple": True}]
    assert fs.clean(many, {"cc": [active.pk, str(active.pk)]}, user=None) == {"cc": [active.pk]}


def test_departments_must_exist_and_be_active(people):
    _active, _gone, dept, closed = people
    base = {"subject": "x", "days": 1}
    assert fs.clean(SCHEMA, {**base, "dept": str(dept.pk)}, user=None)["dept"] == dept.pk
    assert refused(SCHEMA, {**base, "dept": closed.pk}).fields["dept"] == [
        f"there is no active department with the id {closed.pk}."]


def test_attachments_are_the_requesters_own_files(people):
    active, gone, _dept, _closed = people
    mine, theirs = attachment(active), attachment(gone, "别人的.pdf")
    base = {"subject": "x", "days": 1}
    assert fs.clean(SCHEMA, {**base, "files": mine.pk}, user=active)["files"] == [mine.pk]
    assert refused(SCHEMA, {**base, "files": [theirs.pk]}, user=active).fields["files"] == [
        f"there is no file with the id {theirs.pk} uploaded by you."]
    assert refused(SCHEMA, {**base, "files": [1, 2, 3]}, user=active).fields["files"] == ["at most 2 files."]
    required = [{"name": "scan", "label": "扫描件", "type": "attachment", "required": True}]
    assert fs.clean(required, {}, user=active, defer_attachments=True) == {"scan": None}
    assert refused(required, {}, user=active).fields["scan"] == ["this field is required."]


def test_table_rows_are_checked_cell_by_cell_with_row_numbers(people):
    active, gone, _dept, _closed = people
    base = {"subject": "x", "days": 1}
    error = refused(SCHEMA, {**base, "items": [
        {"item": "纸", "cost": "1.001"}, {"item": "", "cost": "", "who": ""}, {"cost": 5, "who": gone.pk}]})
    assert error.fields["items"] == [
        "an amount has at most 2 decimal places (fen).", "this field is required.",
        f"nobody with an active account has the id {gone.pk}.",
    ]
    assert "费用明细 row 1, 金额: an amount has at most 2 decimal places (fen)." in error.message
    assert "费用明细 row 3, 项目: this field is required." in error.message
    assert refused(SCHEMA, {**base, "items": [{"item": "x", "cost": 1, "price": 2}]}).fields["items"] == [
        "row 1 has unknown columns: price."]
    assert refused(SCHEMA, {**base, "items": "纸"}).fields["items"] == ["a table is a list of rows."]
    assert refused(SCHEMA, {**base, "items": ["纸"]}).fields["items"] == ["row 1 is not an object of column values."]


def test_table_row_counts(people):
    schema = [{"name": "t", "label": "明细", "type": "table", "required": True, "max_rows": 2,
               "columns": [{"name": "x", "label": "X", "type": "number"}]}]
    assert refused(schema, {"t": [{"x": ""}]}).fields["t"] == ["this field is required."]
    assert refused(schema, {"t": [{"x": 1}, {"x": 2}, {"x": 3}]}).fields["t"] == ["at most 2 rows."]
    assert fs.clean(schema, {"t": [{"x": 1}, {"x": "2"}]}, user=None) == {"t": [{"x": 1}, {"x": 2}]}
    schema[0]["min_rows"] = 2
    assert refused(schema, {"t": [{"x": 1}]}).fields["t"] == ["at least 2 rows."]


def test_malformed_schema_entries_are_skipped_not_crashed(people):
    schema = [None, "x", {"name": "ok", "label": "好", "type": "text"}, {"name": "bad", "type": "nope"}]
    assert fs.clean(schema, {"ok": "1"}, user=None) == {"ok": "1"}


# --- the web form --------------------------------------------------------------------------------


def post(data: dict) -> QueryDict:
    q = QueryDict(mutable=True)
    for key, value in data.items():
        q.setlist(key, value if isinstance(value, list) else [value])
    return q


def test_web_form_posts_clean_to_the_same_values_as_the_api(people):
    active, _gone, dept, _closed = people
    data = post({
        "subject": "采购打印纸", "days": "2", "amount": "88.8", "on": "2026-03-01",
        "period_0": "2026-03-01", "period_1": "2026-03-02", "kind": "it", "tags": ["急", "重要"],
        "approver": str(active.pk), "dept": str(dept.pk),
        "items__0__item": "纸", "items__0__cost": "12.5", "items__0__who": str(active.pk),
        "items__7__item": "", "items__7__cost": "", "items__3__item": "笔", "items__3__cost": "3",
    })
    form = fs.as_django_form(SCHEMA, user=active, data=data)
    assert form.is_valid(), form.errors
    assert form.values == {
        "subject": "采购打印纸", "details": None, "days": 2, "amount": "88.80", "on": "2026-03-01",
        "period": ["2026-03-01", "2026-03-02"], "kind": "it", "tags": ["急", "重要"], "approver": active.pk,
        "dept": dept.pk, "files": None,
        "items": [{"item": "纸", "cost": "12.50", "who": active.pk}, {"item": "笔", "cost": "3.00", "who": None}],
    }


def test_web_form_shows_schema_errors_beside_the_fields(people):
    form = fs.as_django_form(SCHEMA, user=people[0], data=post({"subject": "", "days": "99", "amount": "1.234",
                                                               "items__0__item": "", "items__0__cost": "5"}))
    assert not form.is_valid()
    assert form.errors["subject"] == ["This field is required."]
    assert form.errors["days"] == ["must be at most 30."]
    assert form.errors["amount"] == ["an amount has at most 2 decimal places (fen)."]
    assert form.errors["items"] == ["this field is required."]


def test_web_form_renders_every_type_and_escapes_values(people):
    form = fs.as_django_form(SCHEMA, user=people[0], data=post({"subject": INJECTION[:50], "details": INJECTION,
                                                               "items__0__item": INJECTION[:40]}))
    form.is_valid()
    html = render_to_string("workflow/partials/form_fields.html", {"form": form})
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    for needle in ('name="amount"', 'type="date"', 'name="period_0"', 'name="period_1"', 'type="file"', "multiple",
                   'name="items__0__item"', "<template>", "data-add-row", "¥", 'name="tags"', "费用明细", "事由"):
        assert needle in html, needle
    assert str(people[0].pk) in html  # the user field lists colleagues


def test_a_base_form_keeps_its_own_fields(people):
    from django import forms

    class WithTitle(forms.Form):
        title = forms.CharField()

    form = fs.form_class(SCHEMA[:1], user=None, base=WithTitle)(data={"title": "t", "subject": "s"})
    assert form.is_valid() and form.cleaned_data["title"] == "t" and form.values == {"subject": "s"}
    assert list(form.fields) == ["title", "subject"]


# --- showing the values --------------------------------------------------------------------------


def test_display_shows_names_labels_and_money(people):
    active, _gone, dept, _closed = people
    values = fs.clean(SCHEMA, {"subject": "采购", "days": 1, "amount": "99999.5", "kind": "it", "tags": ["急", "重要"],
                               "period": ["2026-01-01", "2026-01-02"], "approver": active.pk, "dept": dept.pk,
                               "items": [{"item": "纸", "cost": 3, "who": active.pk}]}, user=active)
    rows = fs.display(SCHEMA, values)
    shown = {label: value for label, value in rows}
    assert shown["金额"] == "¥99,999.50" and shown["类型"] == "IT 支持" and shown["标签"] == "急、重要"
    assert shown["起止日期"] == "2026-01-01 ~ 2026-01-02" and shown["部门"] == "财务部"
    assert shown["审批人"] == "zhang" and shown["详细说明"] == ""
    table = shown["费用明细"]
    assert table.columns == ["项目", "金额", "经办人"] and table.rows == [["纸", "¥3.00", "zhang"]]
    assert [r.kind for r in rows][:4] == ["text", "textarea", "number", "money"]


def test_display_never_fails_on_odd_old_data(people):
    odd = {"amount": "not money", "approver": "ghost", "items": "oops", "period": "2026", "kind": ["x", 1], "dept": 10**30}
    rows = fs.display(SCHEMA, odd)
    assert len(rows) == len(SCHEMA)
    assert fs.display(None, None) == [] and fs.display(SCHEMA, "x")[0].value == ""


def test_displayed_text_is_escaped_by_templates(people):
    rows = fs.display(SCHEMA, {"details": INJECTION})
    html = Template("{% for label, value in rows %}<dd>{{ value|linebreaksbr }}</dd>{% endfor %}").render(
        Context({"rows": rows}))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_rendering_a_long_table_queries_each_list_once(people, django_assert_max_num_queries):
    rows = {f"items__{i}__item": f"第{i}项" for i in range(8)}
    form = fs.as_django_form(SCHEMA, user=people[0], data=post(rows))
    form.is_valid()
    with django_assert_max_num_queries(3):  # colleagues, departments, the table's colleague column
        html = render_to_string("workflow/partials/form_fields.html", {"form": form})
    assert html.count('name="items__7__who"') == 1 and 'for="id_period_0"' in html


# --- whatever arrives, only a FormError or a result ------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(schema=JSON | st.lists(st.fixed_dictionaries({"name": st.sampled_from(["a", "b"]), "label": st.text(max_size=5),
                                                      "type": st.sampled_from(fs.FIELD_TYPES)},
                                                     optional={"options": JSON, "columns": JSON, "min": JSON,
                                                               "max": JSON, "required": JSON, "multiple": JSON}),
                              max_size=3))
def test_validate_schema_never_raises(schema):
    assert isinstance(fs.validate_schema(schema), list)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from([f["name"] for f in SCHEMA] + ["x"]), JSON, max_size=8))
def test_clean_refuses_garbage_with_a_form_error_only(people, data):
    try:
        values = fs.clean(SCHEMA, data, user=people[0])
    except FormError as exc:
        assert exc.message
    else:
        assert json.loads(json.dumps(values)) == values
    assert isinstance(fs.display(SCHEMA, data), list)


def test_digits_that_are_not_decimal_are_refused_not_crashed_on(people):
    """'²' counts as a digit for str.isdigit() but int() refuses it (hypothesis found it)."""
    with pytest.raises(FormError):
        fs.clean(SCHEMA, {"approver": "²", "dept": "²"}, user=people[0])
    assert isinstance(fs.display(SCHEMA, {"approver": "²", "dept": ["³"]}), list)
