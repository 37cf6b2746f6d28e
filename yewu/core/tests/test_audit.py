"""The audit trail: per-case hash chains, append-only rows, verification, seals, XES export."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.utils import timezone

from yewu.core.audit import (
    GENESIS,
    SEAL_MARGIN,
    atomic,
    batch,
    case_key,
    delta,
    export_xes,
    history,
    record_event,
    seal_events,
    snapshot,
    verify_events,
)
from yewu.core.errors import CoreError, DomainError
from yewu.core.models import CaseHead, Event, Seal
from yewu.core.models.audit import canonical_json
from yewu.core.testing.factories import UserFactory

XES = "{http://www.xes-standard.org/}"
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
FUTURE = timezone.now() + datetime.timedelta(days=1)


def _events(case: tuple[str, str]) -> list[Event]:
    return list(Event.objects.filter(case_type=case[0], case_id=case[1]).order_by("seq"))


def _sql(statement: str, params: list) -> None:
    """Tamper with the table behind the ORM's back, as someone with database access could."""
    with connection.cursor() as cursor:
        cursor.execute(statement.replace("{event}", Event._meta.db_table), params)


def _write_case(case: tuple[str, str], activities: list[str], actor, start=T0) -> list[Event]:
    return [
        record_event(case, activity, actor=actor, at=start + datetime.timedelta(minutes=i))
        for i, activity in enumerate(activities)
    ]


@pytest.fixture
def actor(db):
    return UserFactory(username="auditor")


# --- writing ---------------------------------------------------------------------------------------


def test_events_of_a_case_are_numbered_and_hash_chained(actor):
    case = ("sales.order", "7")
    _write_case(case, ["created", "submitted", "approved"], actor)

    events = _events(case)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert all(e.compute_hash() == e.hash for e in events)
    assert len({e.hash for e in events}) == 3
    head = CaseHead.objects.get(case_type="sales.order", case_id="7")
    assert (head.last_seq, head.last_hash, head.last_activity) == (3, events[2].hash, "approved")


def test_the_first_event_of_a_case_writes_its_head_with_the_final_values_at_once(actor):
    from django.test.utils import CaptureQueriesContext

    case = ("sales.order", "70")
    with CaptureQueriesContext(connection) as ctx, atomic():
        record_event(case, "created", actor=actor, at=T0)
        record_event(case, "submitted", actor=actor, at=T0 + datetime.timedelta(minutes=5))
    head_statements = [q["sql"] for q in ctx.captured_queries if CaseHead._meta.db_table in q["sql"]]
    assert len(head_statements) == 2  # look for the head, insert it finished: no update afterwards
    events = _events(case)
    head = CaseHead.objects.get(case_type=case[0], case_id=case[1])
    assert (head.last_seq, head.last_hash, head.last_activity, head.last_timestamp) == (
        2, events[1].hash, "submitted", T0 + datetime.timedelta(minutes=5))
    assert verify_events().ok


def test_a_first_event_racing_another_first_writer_is_chained_after_theirs(actor, monkeypatch):
    """Two transactions write a case's first event at once: the one that inserts the head second
    finds it there (ON CONFLICT) and chains its events after the other's instead."""
    from yewu.core import audit

    case = ("sales.order", "71")
    theirs = record_event(case, "created", actor=actor, at=T0)
    select = audit._HEADS.select
    calls = []

    def not_yet_there(*args, **kwargs):  # our look-up ran before their head was committed
        calls.append(1)
        return [] if len(calls) == 1 else select(*args, **kwargs)

    monkeypatch.setattr(audit._HEADS, "select", not_yet_there)
    ours = record_event(case, "submitted", actor=actor, at=T0 + datetime.timedelta(minutes=1))

    assert len(calls) == 2
    assert (ours.seq, ours.prev_hash, ours.prev_activity, ours.wait_seconds) == (2, theirs.hash, "created", 60.0)
    assert CaseHead.objects.get(case_type=case[0], case_id=case[1]).last_seq == 2
    assert verify_events().ok


def test_the_first_event_of_a_new_record_inserts_its_head_without_looking_for_it(actor):
    from django.test.utils import CaptureQueriesContext

    case = ("sales.order", "72")
    with CaptureQueriesContext(connection) as ctx, atomic():
        record_event(case, "created", actor=actor, at=T0, new=True)
        record_event(case, "submitted", actor=actor, at=T0 + datetime.timedelta(minutes=5))
    head_statements = [q["sql"] for q in ctx.captured_queries if CaseHead._meta.db_table in q["sql"]]
    assert len(head_statements) == 1 and head_statements[0].lstrip().upper().startswith("INSERT")
    head = CaseHead.objects.get(case_type=case[0], case_id=case[1])
    assert (head.last_seq, head.last_activity) == (2, "submitted")
    assert verify_events().ok


def test_a_wrong_new_record_hint_still_chains_after_the_existing_events(actor):
    """`new=True` for a case that has events already (a caller's mistake, or a reused key): the
    head insert finds the head there, and the event is chained after it as any other."""
    case = ("sales.order", "73")
    first = record_event(case, "created", actor=actor, at=T0)
    second = record_event(case, "created", actor=actor, at=T0 + datetime.timedelta(minutes=2), new=True)

    assert (second.seq, second.prev_hash, second.wait_seconds) == (2, first.hash, 120.0)
    assert CaseHead.objects.get(case_type=case[0], case_id=case[1]).last_seq == 2
    assert verify_events().ok


def test_a_batch_writes_its_events_at_its_end_chained_in_order(actor):
    """One workflow step records several events: a batch writes them with one head lock and one
    insert per case, in the order they were recorded, and verification holds."""
    order, other = ("sales.order", "7"), ("sales.order", "8")
    record_event(order, "created", actor=actor, at=T0)
    with batch():
        record_event(order, "submitted", actor=actor, at=T0 + datetime.timedelta(minutes=1))
        record_event(other, "created", actor=actor, at=T0 + datetime.timedelta(minutes=2))
        record_event(order, "approved", actor=actor, at=T0 + datetime.timedelta(minutes=5))
        assert Event.objects.count() == 1  # nothing written yet
    events = _events(order)
    assert [(e.seq, e.activity) for e in events] == [(1, "created"), (2, "submitted"), (3, "approved")]
    assert events[2].prev_hash == events[1].hash and events[2].prev_activity == "submitted"
    assert events[2].wait_seconds == 240
    assert [(e.seq, e.activity) for e in _events(other)] == [(1, "created")]
    assert list(Event.objects.order_by("pk").values_list("activity", flat=True)) == [
        "created", "submitted", "created", "approved"
    ]
    assert verify_events().ok


def test_a_batch_that_raises_writes_nothing_and_a_failed_nested_batch_is_dropped(actor):
    case = ("sales.order", "9")
    with pytest.raises(RuntimeError), batch():
        record_event(case, "created", actor=actor)
        raise RuntimeError
    assert not Event.objects.exists()

    with atomic():
        record_event(case, "created", actor=actor)
        with pytest.raises(DomainError), atomic():  # a savepoint that rolls back: its events too
            record_event(case, "half-done", actor=actor)
            raise DomainError(CoreError.PERMISSION_DENIED)
        record_event(case, "submitted", actor=actor)
    assert [(e.seq, e.activity) for e in _events(case)] == [(1, "created"), (2, "submitted")]
    assert verify_events().ok


def test_each_case_has_its_own_chain(actor):
    record_event(("sales.order", "1"), "created", actor=actor, at=T0)
    record_event(("sales.order", "2"), "created", actor=actor, at=T0)
    second = record_event(("sales.order", "1"), "submitted", actor=actor, at=T0)
    other = record_event(("sales.order", "2"), "cancelled", actor=actor, at=T0)

    assert (second.seq, other.seq) == (2, 2)
    assert second.prev_hash == _events(("sales.order", "1"))[0].hash
    assert other.prev_hash == _events(("sales.order", "2"))[0].hash


def test_previous_activity_and_waiting_time_come_from_the_previous_event_of_the_case(actor):
    case = ("sales.order", "9")
    first = record_event(case, "created", actor=actor, at=T0)
    record_event(
        ("sales.order", "other"), "created", actor=actor, at=T0 + datetime.timedelta(seconds=30)
    )
    second = record_event(case, "submitted", actor=actor, at=T0 + datetime.timedelta(seconds=90))
    third = record_event(case, "approved", actor=actor, at=T0 + datetime.timedelta(hours=2))

    assert (first.prev_activity, first.wait_seconds) == ("", None)
    assert (second.prev_activity, second.wait_seconds) == ("created", 90.0)
    assert (third.prev_activity, third.wait_seconds) == ("submitted", 7110.0)
    stored = Event.objects.get(pk=third.pk)
    assert (stored.prev_activity, stored.wait_seconds) == ("submitted", 7110.0)


def test_event_records_actor_role_department_and_data_of_a_model_case(company):
    event = record_event(
        company.sales, "department.changed", actor=company.alice.user, data={"name": ["a", "b"]}
    )

    assert (event.case_type, event.case_id) == ("org.department", str(company.sales.pk))
    assert case_key(company.sales) == ("org.department", str(company.sales.pk))
    assert event.actor == company.alice.user
    assert event.role == "manager"
    assert event.department_id == company.sales.pk
    assert event.payload == {"name": ["a", "b"]}
    assert list(history(company.sales)) == [event]


def test_acting_on_behalf_records_both_people_and_the_principals_role(company):
    event = record_event(
        ("sales.order", "1"), "approved", actor=company.bob.user, on_behalf_of=company.dave.user
    )

    assert (event.actor, event.on_behalf_of) == (company.bob.user, company.dave.user)
    assert (event.role, event.department_id) == ("manager", company.finance.pk)


# --- append-only -----------------------------------------------------------------------------------


def test_saving_a_changed_event_is_refused(actor):
    event = record_event(("sales.order", "1"), "created", actor=actor)
    event.activity = "approved"

    with pytest.raises(DomainError) as err:
        event.save()
    assert err.value.code == CoreError.APPEND_ONLY
    assert Event.objects.get(pk=event.pk).activity == "created"


def test_deleting_an_event_is_refused(actor):
    event = record_event(("sales.order", "1"), "created", actor=actor)

    with pytest.raises(DomainError) as err:
        event.delete()
    assert err.value.code == CoreError.APPEND_ONLY
    assert Event.objects.filter(pk=event.pk).exists()


def test_queryset_update_and_delete_of_events_are_refused(actor):
    event = record_event(("sales.order", "1"), "created", actor=actor)

    with pytest.raises(DomainError) as err:
        Event.objects.filter(pk=event.pk).update(activity="approved")
    assert err.value.code == CoreError.APPEND_ONLY
    with pytest.raises(DomainError) as err:
        Event.objects.all().delete()
    assert err.value.code == CoreError.APPEND_ONLY
    assert list(Event.objects.values_list("activity", flat=True)) == ["created"]


def test_seal_rows_cannot_be_updated_or_deleted_in_bulk(actor):
    _write_case(("sales.order", "1"), ["created"], actor)
    seal = seal_events(now=FUTURE)

    with pytest.raises(DomainError):
        Seal.objects.filter(pk=seal.pk).update(count=0)
    with pytest.raises(DomainError):
        Seal.objects.all().delete()
    assert Seal.objects.get(pk=seal.pk).count == 1


def test_deleting_a_single_seal_is_refused(actor):
    _write_case(("sales.order", "1"), ["created"], actor)
    seal = seal_events(now=FUTURE)

    with pytest.raises(DomainError):
        seal.delete()
    assert Seal.objects.filter(pk=seal.pk).exists()


# --- verification ----------------------------------------------------------------------------------


def test_verification_passes_on_intact_events(actor):
    _write_case(("sales.order", "1"), ["created", "submitted", "approved"], actor)
    _write_case(("sales.order", "2"), ["created"], actor)

    report = verify_events()

    assert report.ok, report.problems
    assert (report.events, report.cases, report.seals) == (4, 2, 0)


def test_verification_reports_an_altered_field_with_the_event_id(actor):
    events = _write_case(("sales.order", "1"), ["created", "submitted", "approved"], actor)
    _sql("UPDATE {event} SET activity = %s WHERE id = %s", ["rejected", events[1].pk])

    report = verify_events()

    assert not report.ok
    assert report.problems == [
        f"event id {events[1].pk} (case sales.order:1 seq 2): content altered"
    ]


def test_verification_reports_altered_data(actor):
    event = record_event(("sales.order", "1"), "created", actor=actor, data={"amount": "100.00"})
    _sql("UPDATE {event} SET data = %s WHERE id = %s", ['{"amount":"1.00"}', event.pk])

    report = verify_events()

    assert any(f"event id {event.pk}" in p and "altered" in p for p in report.problems)


def test_verification_reports_a_rewritten_hash_as_a_broken_link(actor):
    events = _write_case(("sales.order", "1"), ["created", "submitted", "approved"], actor)
    _sql("UPDATE {event} SET activity = %s WHERE id = %s", ["rejected", events[1].pk])
    forged = Event.objects.get(pk=events[1].pk)
    _sql("UPDATE {event} SET hash = %s WHERE id = %s", [forged.compute_hash(), forged.pk])

    report = verify_events()

    assert report.problems == [
        f"event id {events[2].pk} (case sales.order:1 seq 3): link to previous event broken"
    ]


def test_verification_reports_an_altered_waiting_time(actor):
    events = _write_case(("sales.order", "1"), ["created", "submitted"], actor)
    _sql("UPDATE {event} SET wait_seconds = %s WHERE id = %s", [1.0, events[1].pk])

    report = verify_events()

    assert any(f"event id {events[1].pk}" in p for p in report.problems)


def test_verification_reports_a_deleted_middle_event(actor):
    events = _write_case(("sales.order", "1"), ["created", "submitted", "approved"], actor)
    _sql("DELETE FROM {event} WHERE id = %s", [events[1].pk])

    report = verify_events()

    assert f"case sales.order:1: seq 2..2 missing before event id {events[2].pk}" in report.problems
    assert (
        f"event id {events[2].pk} (case sales.order:1 seq 3): link to previous event broken"
        in report.problems
    )
    assert report.events == 2


def test_verification_reports_a_deleted_first_event(actor):
    events = _write_case(("sales.order", "1"), ["created", "submitted"], actor)
    _sql("DELETE FROM {event} WHERE id = %s", [events[0].pk])

    report = verify_events()

    assert f"case sales.order:1: seq 1..1 missing before event id {events[1].pk}" in report.problems


def test_verification_reports_a_deleted_last_event_through_the_case_head(actor):
    events = _write_case(("sales.order", "1"), ["created", "submitted", "approved"], actor)
    _write_case(("sales.order", "2"), ["created"], actor)
    _sql("DELETE FROM {event} WHERE id = %s", [events[2].pk])

    report = verify_events()

    assert len(report.problems) == 1
    assert report.problems[0].startswith(
        "case sales.order:1: chain ends at seq 2 but the head records seq 3"
    )


def test_verification_reports_a_whole_deleted_case(actor):
    _write_case(("sales.order", "1"), ["created", "submitted", "approved"], actor)
    _write_case(("sales.order", "2"), ["created"], actor)
    _sql("DELETE FROM {event} WHERE case_type = %s AND case_id = %s", ["sales.order", "1"])

    report = verify_events()

    assert report.problems == ["case sales.order:1: all 3 events missing"]


def test_verification_reports_events_without_a_case_head(actor):
    _write_case(("sales.order", "1"), ["created"], actor)
    CaseHead.objects.filter(case_id="1").delete()

    report = verify_events()

    assert report.problems == ["case sales.order:1: events without a case head (inserted?)"]


# --- seals -----------------------------------------------------------------------------------------


def test_sealing_covers_events_older_than_the_safety_margin_only(actor):
    now = timezone.now()
    record_event(
        ("sales.order", "1"),
        "created",
        actor=actor,
        at=now - SEAL_MARGIN - datetime.timedelta(minutes=1),
    )

    assert seal_events(now=now - SEAL_MARGIN) is None
    seal = seal_events(now=now)
    assert seal is not None and seal.count == 1
    record_event(("sales.order", "1"), "submitted", actor=actor, at=now)
    assert seal_events(now=now) is None


def test_seals_chain_to_each_other(actor):
    first_events = _write_case(("sales.order", "1"), ["created", "submitted"], actor)
    first = seal_events(now=FUTURE)
    assert seal_events(now=FUTURE) is None
    later_events = _write_case(("sales.order", "2"), ["created", "submitted", "approved"], actor)
    second = seal_events(now=FUTURE)

    assert first.prev_digest == GENESIS
    assert (first.last_event_id, first.count) == (first_events[-1].pk, 2)
    assert second.prev_digest == first.digest
    assert second.first_event_id == first.last_event_id + 1
    assert (second.last_event_id, second.count) == (later_events[-1].pk, 3)
    report = verify_events()
    assert report.ok, report.problems
    assert report.seals == 2


def test_verification_reports_rows_removed_from_a_sealed_range(actor):
    _write_case(("sales.order", "1"), ["created", "submitted"], actor)
    _write_case(("sales.order", "2"), ["created"], actor)
    seal = seal_events(now=FUTURE)
    # Remove a whole case and its head: its chain cannot notice, only the seal can.
    _sql("DELETE FROM {event} WHERE case_type = %s AND case_id = %s", ["sales.order", "1"])
    CaseHead.objects.filter(case_id="1").delete()

    report = verify_events()

    assert report.problems == [
        f"seal {seal.pk}: event ids {seal.first_event_id}-{seal.last_event_id} held 3 events, now 1"
    ]


def test_verification_reports_a_consistently_rewritten_chain_in_a_sealed_range(actor):
    events = _write_case(("sales.order", "1"), ["created", "rejected"], actor)
    seal = seal_events(now=FUTURE)
    # Rewrite the last event and re-hash it and the head, so the case chain looks intact.
    _sql("UPDATE {event} SET activity = %s WHERE id = %s", ["approved", events[1].pk])
    forged = Event.objects.get(pk=events[1].pk)
    _sql("UPDATE {event} SET hash = %s WHERE id = %s", [forged.compute_hash(), forged.pk])
    CaseHead.objects.filter(case_id="1").update(last_hash=forged.compute_hash())

    report = verify_events()

    assert report.problems == [
        f"seal {seal.pk}: event ids {seal.first_event_id}-{seal.last_event_id} changed"
    ]


def test_verification_reports_a_broken_seal_chain(actor):
    _write_case(("sales.order", "1"), ["created"], actor)
    first = seal_events(now=FUTURE)
    _write_case(("sales.order", "2"), ["created"], actor)
    second = seal_events(now=FUTURE)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Seal._meta.db_table} SET digest = %s WHERE id = %s", ["f" * 64, first.pk]
        )

    report = verify_events()

    assert f"seal {second.pk}: does not follow the previous seal" in report.problems
    assert (
        f"seal {first.pk}: event ids {first.first_event_id}-{first.last_event_id} changed"
        in report.problems
    )


# --- XES export ------------------------------------------------------------------------------------


def test_xes_export_has_one_trace_per_case_with_events_in_order(company):
    alice, bob = company.alice.user, company.bob.user
    record_event(("sales.order", "1"), "created", actor=alice, at=T0)
    record_event(("sales.order", "2"), "created", actor=bob, at=T0 + datetime.timedelta(minutes=1))
    record_event(
        ("sales.order", "1"),
        "submitted & <checked>",
        actor=bob,
        at=T0 + datetime.timedelta(minutes=2),
    )
    record_event(
        ("sales.order", "1"), "approved", actor=None, at=T0 + datetime.timedelta(minutes=3)
    )

    root = ET.fromstring("".join(export_xes(Event.objects.all())))

    assert root.tag == f"{XES}log"
    traces = root.findall(f"{XES}trace")
    assert [t.find(f"{XES}string[@key='concept:name']").get("value") for t in traces] == [
        "sales.order:1",
        "sales.order:2",
    ]
    events = traces[0].findall(f"{XES}event")

    def attr(event, tag, key):
        node = event.find(f"{XES}{tag}[@key='{key}']")
        return None if node is None else node.get("value")

    assert [attr(e, "string", "concept:name") for e in events] == [
        "created",
        "submitted & <checked>",
        "approved",
    ]
    assert [attr(e, "date", "time:timestamp") for e in events] == [
        "2026-03-02T09:00:00.000+00:00",
        "2026-03-02T09:02:00.000+00:00",
        "2026-03-02T09:03:00.000+00:00",
    ]
    assert [attr(e, "string", "org:resource") for e in events] == ["alice", "bob", None]
    assert attr(events[0], "string", "org:role") == "manager"
    assert attr(events[0], "string", "org:group") == company.sales.name
    assert len(traces[1].findall(f"{XES}event")) == 1


def test_xes_export_of_no_events_is_an_empty_log(db):
    root = ET.fromstring("".join(export_xes(Event.objects.none())))

    assert root.tag == f"{XES}log"
    assert root.findall(f"{XES}trace") == []


# --- snapshots and deltas --------------------------------------------------------------------------


def test_snapshot_holds_field_values_with_related_objects_as_ids(company):
    data = snapshot(company.sales_east, ("name", "code", "parent"))

    assert data == {"name": "华东组", "code": "sales-east", "parent": company.sales.pk}


def test_delta_lists_only_changed_fields(company):
    before = snapshot(company.sales_east, ("name", "code", "parent", "sort_order"))
    company.sales_east.name = "华东大区"
    company.sales_east.parent = company.hq
    after = snapshot(company.sales_east, ("name", "code", "parent", "sort_order"))

    assert delta(before, after) == {
        "name": ["华东组", "华东大区"],
        "parent": [company.sales.pk, company.hq.pk],
    }
    assert delta(after, after) == {}
    assert delta({}, {"name": "新"}) == {"name": [None, "新"]}


def test_delta_is_json_serialisable_for_dates_and_decimals():
    import decimal

    change = delta(
        {"due": datetime.date(2026, 1, 1), "amount": decimal.Decimal("1.10")},
        {"due": datetime.date(2026, 2, 1), "amount": decimal.Decimal("1.10")},
    )

    assert canonical_json(change) == '{"due":["2026-01-01","2026-02-01"]}'


@pytest.mark.django_db(transaction=True)
def test_two_transactions_writing_a_cases_first_event_at_once_build_one_chain(tmp_path):
    """The second writer cannot see the first one's uncommitted head (PostgreSQL): its insert waits
    for the first to commit, finds the head there and chains after it. Nothing is lost or doubled."""
    import threading
    import time

    from django.db import connections, transaction

    from yewu.core.tests.test_numbering import _thread_database

    actor = UserFactory(username="racer")
    case = ("sales.order", "72")
    prepare = _thread_database(tmp_path)
    first_written = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            prepare()
            with transaction.atomic():
                record_event(case, "created", actor=actor, at=T0)
                first_written.set()
                time.sleep(0.5)  # the second writer runs into the uncommitted head meanwhile
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            first_written.set()
        finally:
            connections["default"].close()

    def second() -> None:
        try:
            prepare()
            first_written.wait(timeout=30)
            with transaction.atomic():
                record_event(case, "submitted", actor=actor, at=T0 + datetime.timedelta(minutes=1))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections["default"].close()

    workers = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=60)

    assert not errors, errors
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return  # the threads wrote to a file copy (see _thread_database); the chain is checked there
    events = _events(case)
    assert [(e.seq, e.activity) for e in events] == [(1, "created"), (2, "submitted")]
    assert events[1].prev_hash == events[0].hash
    assert CaseHead.objects.get(case_type=case[0], case_id=case[1]).last_seq == 2
    assert verify_events().ok
