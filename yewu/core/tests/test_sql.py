"""yewu.core.sql writes and reads exactly what the ORM writes and reads."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yewu.core.models import CaseHead, Notification
from yewu.core.sql import Increment, Table
from yewu.core.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_inserted_rows_read_back_through_the_orm_with_the_same_values():
    user = UserFactory()
    at = timezone.now().replace(microsecond=123456)
    table = Table(Notification)
    rows = [
        Notification(recipient=user, title="一", body="", url="/a/", created_at=at),
        Notification(recipient=user, title="二", body="正文", url="", created_at=at + datetime.timedelta(seconds=1)),
    ]
    table.insert_objects(rows, ("recipient_id", "title", "body", "url", "created_at"))

    assert [r.pk for r in rows] == sorted(r.pk for r in rows)
    stored = {n.pk: n for n in Notification.objects.all()}
    assert [(stored[r.pk].title, stored[r.pk].body, stored[r.pk].created_at) for r in rows] == [
        ("一", "", at), ("二", "正文", at + datetime.timedelta(seconds=1))
    ]
    assert stored[rows[0].pk].read_at is None


def test_select_converts_like_the_orm_and_update_changes_only_the_matching_rows():
    at = timezone.now().replace(microsecond=5)
    heads = CaseHead.objects.bulk_create([
        CaseHead(case_type="t.a", case_id="1", last_seq=3, last_timestamp=at),
        CaseHead(case_type="t.a", case_id="2"),
    ])
    table = Table(CaseHead)
    [read] = table.select(f"{table.col('case_id')} = %s", ["1"])
    orm = CaseHead.objects.get(pk=heads[0].pk)
    assert (read.pk, read.case_type, read.last_seq, read.last_timestamp) == (
        orm.pk, orm.case_type, orm.last_seq, orm.last_timestamp
    )
    assert isinstance(read.last_timestamp, datetime.datetime) and read.last_timestamp.tzinfo is not None
    later = at + datetime.timedelta(minutes=1)

    assert table.update_pk(heads[0].pk, last_seq=Increment(2), last_timestamp=later, last_activity="x.done") == 1

    changed, untouched = CaseHead.objects.get(pk=heads[0].pk), CaseHead.objects.get(pk=heads[1].pk)
    assert (changed.last_seq, changed.last_timestamp, changed.last_activity) == (5, later, "x.done")
    assert (untouched.last_seq, untouched.last_timestamp, untouched.last_activity) == (0, None, "")
    assert table.values(f"{table.col('case_type')} = %s", ["t.a"], names=("case_id", "last_seq")) in (
        [("1", 5), ("2", 0)], [("2", 0), ("1", 5)]
    )


def test_as_read_gives_written_instances_the_values_reading_them_back_gives():
    from decimal import Decimal

    from yewu.procurement.models import Instalment

    table = Table(Instalment)
    obj = Instalment(order_id=None, seq=1, description="x", amount=Decimal("12.5"), due_on="2026-03-01")
    table.as_read([obj])
    assert obj.amount == Decimal("12.50") and str(obj.amount) == "12.50"
    assert obj.due_on == datetime.date(2026, 3, 1)
    empty = Instalment(seq=1, amount=Decimal("3"), due_on=None)
    table.as_read([empty])
    assert str(empty.amount) == "3.00" and empty.due_on is None


def test_get_reads_a_row_with_its_related_rows_as_select_related_does(company):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yewu.procurement.models import PurchaseOrder
    from yewu.procurement.tests.factories import order, qualified_supplier, requisition

    po = order(requisition(company.alice.user, company.sales), qualified_supplier(), company.bob.user)
    table = Table(PurchaseOrder)
    related = ("supplier", "department", "quotation", "approval")  # the last two: nullable, empty here
    for lock in (False, True):
        with CaptureQueriesContext(connection) as ctx:
            got = table.get(po.pk, related=related, lock=lock)
            cached = [got.supplier, got.department, got.quotation, got.approval]
        assert len(ctx.captured_queries) == 1
        if lock and connection.features.has_select_for_update_of:
            assert ctx.captured_queries[0]["sql"].endswith(f'FOR UPDATE OF "{PurchaseOrder._meta.db_table}"')
        orm = PurchaseOrder.objects.select_related(*related).get(pk=po.pk)
        assert [getattr(got, f.attname) for f in PurchaseOrder._meta.concrete_fields] == [
            getattr(orm, f.attname) for f in PurchaseOrder._meta.concrete_fields
        ]
        assert cached == [orm.supplier, orm.department, None, None]
        assert got.supplier.name == orm.supplier.name and got.department.path == orm.department.path

    with pytest.raises(PurchaseOrder.DoesNotExist):
        table.get(10**9, related=("supplier",))


@pytest.mark.django_db(transaction=True)  # really outside a transaction first
def test_memo_many_computes_only_the_keys_not_remembered_in_the_transaction():
    from django.db import transaction

    from yewu.core.sql import memo, memo_many

    asked = []

    def compute(keys):
        asked.append(list(keys))
        return {k: k * 10 for k in keys}

    assert memo_many([1, 2], compute) == {1: 10, 2: 20}  # outside a transaction: every time
    assert memo_many([1, 2], compute) == {1: 10, 2: 20}
    assert asked == [[1, 2], [1, 2]]
    asked.clear()
    with transaction.atomic():
        assert memo(1, lambda: 11) == 11
        assert memo_many([1, 2, 3], compute) == {1: 11, 2: 20, 3: 30}
        assert memo_many([2, 3], compute) == {2: 20, 3: 30}
        assert memo(3, lambda: 99) == 30
    assert asked == [[2, 3]]
    with transaction.atomic():  # a new transaction remembers nothing of the last one
        assert memo_many([2], compute) == {2: 20}
    assert asked == [[2, 3], [2]]


def test_updates_go_along_an_insert_in_one_statement_on_postgresql():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = UserFactory()
    heads = CaseHead.objects.bulk_create([CaseHead(case_type="t.b", case_id=str(i)) for i in range(3)])
    table, head_table = Table(Notification), Table(CaseHead)
    pk = connection.ops.quote_name("id")
    along = [head_table.update_statement(f"{pk} = %s", [h.pk], last_seq=7 + i, last_activity=f"a{i}")
             for i, h in enumerate(heads[:2])]
    rows = [Notification(recipient=user, title=t, created_at=timezone.now()) for t in ("一", "二")]
    with CaptureQueriesContext(connection) as ctx:
        table.insert_objects(rows, ("recipient_id", "title", "body", "url", "created_at"), along=along)

    assert len(ctx.captured_queries) == (1 if connection.vendor == "postgresql" else 3)
    assert sorted(Notification.objects.values_list("pk", "title")) == [(rows[0].pk, "一"), (rows[1].pk, "二")]
    assert list(CaseHead.objects.filter(case_type="t.b").order_by("case_id").values_list("last_seq", "last_activity")) == [
        (7, "a0"), (8, "a1"), (0, "")]


def test_the_kept_cursor_is_used_again_until_the_connection_or_its_logging_changes():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yewu.core.sql import kept_cursor

    with kept_cursor() as first:
        first.execute("SELECT 1")
    with kept_cursor() as again:
        assert again is first
    with CaptureQueriesContext(connection) as ctx:  # logged queries: a logging cursor
        with kept_cursor() as logged:
            logged.execute("SELECT 2")
        assert logged is not first
    assert [q["sql"] for q in ctx.captured_queries] == ["SELECT 2"]
    with kept_cursor() as plain:
        assert plain is not logged


def test_the_kept_cursor_behaves_as_djangos_for_errors_broken_transactions_and_execute_wrappers():
    """Whatever the database (on SQLite the kept cursor skips Django's per-statement work): errors
    come as Django's, a broken transaction refuses statements, execute wrappers see each one, and
    a `%` in a literal is taken as Django takes it (`%%`)."""
    from django.db import IntegrityError, connection, transaction
    from django.db.transaction import TransactionManagementError

    from yewu.core.sql import kept_cursor

    user = UserFactory(username="kept")
    table = Table(Notification)
    insert = (f"INSERT INTO {connection.ops.quote_name(table.table)} ({table.col('recipient_id')}, "
              f"{table.col('title')}, {table.col('body')}, {table.col('url')}, {table.col('created_at')}, "
              f"{table.col('copies')}) VALUES (%s, %s, '100%%', '', %s, 0)")
    created = connection.ops.adapt_datetimefield_value(timezone.now())
    with kept_cursor() as cursor:
        cursor.execute(insert, [user.pk, "一", created])
        assert cursor.rowcount == 1
    assert Notification.objects.get(title="一").body == "100%"
    with pytest.raises(IntegrityError), transaction.atomic():
        with kept_cursor() as cursor:
            cursor.execute(insert, [None, "二", created])  # no recipient: NOT NULL
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            with kept_cursor() as cursor:
                cursor.execute(insert, [None, "三", created])
        transaction.set_rollback(True)
        with pytest.raises(TransactionManagementError):
            with kept_cursor() as cursor:
                cursor.execute("SELECT 1")
        transaction.set_rollback(True)
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        with kept_cursor() as cursor:
            cursor.execute("SELECT %s", [7])
            assert cursor.fetchone()[0] == 7
    assert seen == ["SELECT %s"]
    assert list(Notification.objects.values_list("title", flat=True)) == ["一"]


@pytest.mark.django_db(transaction=True)
def test_the_kept_cursor_follows_a_new_connection():
    from django.db import DEFAULT_DB_ALIAS, connection, connections

    from yewu.core.sql import kept_cursor

    with kept_cursor() as before:
        before.execute("SELECT 1")
    connection.close()
    if connection.connection is not None:  # SQLite's in-memory test database stays open: pretend
        db = connections[DEFAULT_DB_ALIAS]
        db.__dict__["_yewu_cursor"] = (object(), *db.__dict__["_yewu_cursor"][1:])
    with kept_cursor() as after:
        after.execute("SELECT 1")
        assert after.fetchone()[0] == 1
    assert after is not before


def test_rows_read_behave_as_the_orms_instances_saved_related_and_deferred():
    user = UserFactory(username="reader")
    [n] = Notification.objects.bulk_create([Notification(recipient=user, title="旧", url="/x/")])
    table = Table(Notification)
    [read] = table.select(f"{table.col('id')} = %s", [n.pk])
    assert (read._state.adding, read._state.db) == (False, "default")
    assert read.recipient == user and read.recipient_id == user.pk
    read.title = "新"
    read.save(update_fields=["title"])  # an update of the row, not an insert
    assert list(Notification.objects.values_list("pk", "title")) == [(n.pk, "新")]
    [partial] = table.select(f"{table.col('id')} = %s", [n.pk], names=("id", "title"))
    assert partial.get_deferred_fields() >= {"url", "recipient_id"}
    assert partial.url == "/x/"  # loaded on first use, as the ORM's deferred fields are
    assert read == Notification.objects.get(pk=n.pk)


def test_built_instances_are_what_the_orms_constructor_makes():
    from django.db.models.signals import post_init

    from yewu.core.models import Event

    user = UserFactory(username="builder")
    at = timezone.now()
    given = {"recipient": user, "title": "题", "url": "/a/", "created_at": at, "copies": 2}
    table = Table(Notification)
    built, made = table.build(**given), Notification(**given)
    assert type(built) is Notification and built._state.adding and built._state.db is None
    assert {k: v for k, v in vars(built).items() if k != "_state"} == {
        k: v for k, v in vars(made).items() if k != "_state"}
    assert built.recipient is user and built._state.fields_cache == made._state.fields_cache
    by_id = table.build(recipient_id=user.pk, title="号")
    assert by_id.recipient_id == user.pk and by_id.body == "" and by_id.read_at is None
    assert table.build(recipient=None).recipient_id is None
    table.insert_objects([built], ("recipient_id", "title", "body", "url", "created_at", "copies"))
    assert Notification.objects.get(pk=built.pk).title == "题"
    with pytest.raises(ValueError):  # the wrong kind of object: refused as the ORM refuses it
        table.build(recipient=CaseHead())
    with pytest.raises(TypeError):
        table.build(no_such_field=1)
    event = Table(Event).build(case_type="t", case_id="1", activity="a", actor=user, data="{}")
    assert (event.actor_id, event.on_behalf_of_id, event.role, event.process_instance) == (user.pk, None, "", "")

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Notification)
    try:
        fresh = Table(Notification)  # a model with init receivers is made by its constructor
        made_by_orm = fresh.build(recipient=user, title="信号")
    finally:
        post_init.disconnect(receiver, sender=Notification)
    assert seen == [made_by_orm]


def test_datetimes_are_written_and_read_as_the_orm_writes_and_reads_them():
    import zoneinfo

    from django.db import connection

    user = UserFactory(username="clock")
    table = Table(Notification)
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    moments = [
        datetime.datetime(2026, 12, 2, 8, 30, 15, 123456, tzinfo=shanghai),
        datetime.datetime(2026, 1, 1, 0, 0, tzinfo=datetime.UTC),
        datetime.datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))),
        timezone.now(),
    ]
    field = Notification._meta.get_field("created_at")
    for at in moments:  # the parameter the ORM would send
        assert table.prep("created_at", at) == field.get_db_prep_save(at, connection)
    assert table.prep("read_at", None) is None
    rows = [Notification(recipient=user, title=str(i), created_at=at, read_at=at if i % 2 else None)
            for i, at in enumerate(moments)]
    table.insert_objects(rows, ("recipient_id", "title", "body", "url", "created_at", "read_at"))
    read = {n.pk: n for n in table.select(f"{table.col('recipient_id')} = %s", [user.pk])}
    for orm in Notification.objects.filter(recipient=user):
        mine = read[orm.pk]
        assert (mine.created_at, mine.read_at) == (orm.created_at, orm.read_at)
        assert (mine.created_at.tzinfo, mine.created_at.utcoffset()) == (orm.created_at.tzinfo, datetime.timedelta(0))
    assert sorted(n.created_at for n in read.values()) == sorted(moments)


def test_the_sqlite_datetime_converter_is_djangos():
    from django.db import connection

    from yewu.core.sql import _sqlite_datetime

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's converter")
    column = Notification._meta.get_field("created_at").get_col("t")
    values = [None, "2026-12-02 08:30:15.123456", "2026-12-02T08:30:15+08:00", datetime.datetime(2026, 12, 2, 8, 30),
              datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)]
    for value in values:
        mine = _sqlite_datetime(value, column, connection)
        django_s = connection.ops.convert_datetimefield_value(value, column, connection)
        assert (mine, getattr(mine, "tzinfo", None)) == (django_s, getattr(django_s, "tzinfo", None))
