"""Writing, verifying, sealing and exporting audit events."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import quoteattr

from django.db import connection, models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from yewu.core.models import CaseHead, Event, Seal
from yewu.core.models.audit import canonical_json
from yewu.core.sql import Table, kept_cursor

GENESIS = "0" * 64
SEAL_MARGIN = datetime.timedelta(minutes=5)
SEAL_LOCK_KEY = 0x59455755  # "YEWU": the PostgreSQL advisory lock that keeps two sealers apart


def case_key(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """A JSON-able dict of the model's own field values (for before/after deltas)."""
    data = model_to_dict(obj, fields=fields)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, models.Model):
            value = value.pk
        elif isinstance(value, list | tuple):
            value = [v.pk if isinstance(v, models.Model) else v for v in value]
        elif hasattr(value, "name") and hasattr(value, "url"):
            value = value.name or ""
        out[key] = value
    return out


def delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Changed fields only: {field: [old, new]}."""
    keys = set(before) | set(after)
    return {
        k: [before.get(k), after.get(k)]
        for k in sorted(keys)
        if canonical_json(before.get(k)) != canonical_json(after.get(k))
    }


def _actor_defaults(actor: Any) -> tuple[str, Any]:
    """The actor's role label and department at write time (their primary position and department);
    read once per user object (a request's user, a service's actor)."""
    if actor is None or getattr(actor, "pk", None) is None:
        return "", None
    cached = getattr(actor, "_audit_defaults", None)
    if cached is None:
        from yewu.org.models import Employee

        row = Employee.objects.filter(user_id=actor.pk).values_list("position__code", "department_id").first()
        cached = (row[0] or "", row[1]) if row else ("", None)
        actor._audit_defaults = cached
    return cached


_pending = threading.local()  # the events of the innermost open `batch()` in this thread


def record_event(
    case: models.Model | tuple[str, str],
    activity: str,
    *,
    actor: Any,
    data: dict[str, Any] | None = None,
    on_behalf_of: Any = None,
    role: str | None = None,
    department: Any = None,
    process_instance: str = "",
    at: datetime.datetime | None = None,
    new: bool = False,
) -> Event:
    """Append one event to the case's chain. Call it inside the service's transaction.

    Inside `batch()` the event is chained and written when the batch ends (its `seq`, `hash` and
    `pk` are set then); otherwise now. `new`: the case was created in this transaction (its first
    event): its head is inserted without reading for it first. A hint only: when the case has a
    head after all, the event is chained to it as any other."""
    case_type, case_id = case if isinstance(case, tuple) else case_key(case)
    default_role, default_dept = _actor_defaults(on_behalf_of or actor)
    dept_id = getattr(department, "pk", department) if department is not None else default_dept
    event = _EVENTS.build(
        case_type=case_type,
        case_id=case_id,
        process_instance=str(process_instance or ""),
        activity=activity,
        actor=actor if getattr(actor, "pk", None) else None,
        on_behalf_of=on_behalf_of,
        role=role if role is not None else default_role,
        department_id=dept_id,
        timestamp=at or timezone.now(),
        data=canonical_json(data or {}),
    )
    event.stamped_now = at is None
    event.new_case = new
    pending = getattr(_pending, "events", None)
    if pending is not None:
        pending.append(event)
    else:
        _write([event])
    return event


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Collect the events recorded inside the block and write them as it ends: per case one head
    lock and one head update, and one insert for all (a workflow step records several events).

    Use it inside the service's transaction, around code that does not read back its own events.
    Nothing is written when the block raises. A nested batch hands its events to the outer one
    when it ends normally and drops them when it raises (like a savepoint)."""
    outer = getattr(_pending, "events", None)
    _pending.events = events = []
    try:
        yield
    finally:
        _pending.events = outer
    if outer is not None:
        outer.extend(events)
    elif events:
        _write(events)


@contextlib.contextmanager
def atomic(*, savepoint: bool = True) -> Iterator[None]:
    """`transaction.atomic()` whose audit events are written in one batch at its end; use it as
    a decorator or a context manager for service functions that record several events.
    `savepoint=False` inside another block: no savepoint of its own (see transaction.atomic)."""
    with transaction.atomic(savepoint=savepoint), batch():
        yield


def _write(events: list[Event]) -> None:
    """Chain the events to their cases' heads (in order) and insert them, in one transaction.

    A case without a head yet (its first event, e.g. a record just created) gets its head inserted
    with the final values: one statement instead of an insert and an update."""
    by_case: dict[tuple[str, str], list[Event]] = {}
    for event in events:
        by_case.setdefault((event.case_type, event.case_id), []).append(event)
    with transaction.atomic(savepoint=False):
        heads = []
        for (case_type, case_id), case_events in sorted(by_case.items()):  # one lock order: no deadlocks
            if any(getattr(e, "new_case", False) for e in case_events):
                head = _empty_head(case_type, case_id)
            else:
                head = _locked_head(case_type, case_id)
            _chain(head, case_events)
            if head.pk is None:
                if _insert_head(head):
                    continue  # written with its final values
                # A concurrent first writer created the head in between: chain to theirs.
                head = _locked_head(case_type, case_id)
                _chain(head, case_events)
            heads.append(head)
        pk = _HEADS.col("id")
        _EVENTS.insert_objects(events, _EVENT_COLUMNS, along=[  # on PostgreSQL: one statement
            _HEADS.update_statement(
                f"{pk} = %s", [head.pk], last_seq=head.last_seq, last_hash=head.last_hash,
                last_activity=head.last_activity, last_timestamp=head.last_timestamp,
            )
            for head in heads
        ])


def _chain(head: CaseHead, case_events: list[Event]) -> None:
    """Number and hash the case's events after its head; the head ends on the last of them."""
    last_seq, last_hash = head.last_seq, head.last_hash
    last_activity, last_timestamp = head.last_activity, head.last_timestamp
    for event in case_events:
        if getattr(event, "stamped_now", False) and last_timestamp and event.timestamp < last_timestamp:
            event.timestamp = last_timestamp  # another writer's event got in first
        event.seq = last_seq + 1
        event.prev_activity = last_activity
        event.wait_seconds = (event.timestamp - last_timestamp).total_seconds() if last_timestamp else None
        event.prev_hash = last_hash or GENESIS
        event.hash = event.compute_hash()
        last_seq, last_hash, last_activity, last_timestamp = event.seq, event.hash, event.activity, event.timestamp
    head.last_seq, head.last_hash = last_seq, last_hash
    head.last_activity, head.last_timestamp = last_activity, last_timestamp


# Appending runs on every state change: its statements go through yewu.core.sql (no ORM compile).
_EVENTS = Table(Event)
_EVENT_COLUMNS = tuple(n for n in _EVENTS.all_columns if n != "id")
_HEADS = Table(CaseHead)
_HEAD_COLUMNS = tuple(n for n in _HEADS.all_columns if n != "id")


def _locked_head(case_type: str, case_id: str) -> CaseHead:
    """The case's head, locked until the transaction ends; an unsaved empty one (pk None) when the
    case has no event yet."""
    found = _HEADS.select(
        f"{_HEADS.col('case_type')} = %s AND {_HEADS.col('case_id')} = %s", [case_type, case_id], for_update=True
    )
    if found:
        return found[0]
    return _empty_head(case_type, case_id)


def _empty_head(case_type: str, case_id: str) -> CaseHead:
    return CaseHead(case_type=case_type, case_id=case_id, last_seq=0, last_hash="", last_activity="",
                    last_timestamp=None)


def _insert_head(head: CaseHead) -> bool:
    """Insert a new case's head with its final values; False (nothing written) when another writer
    inserted the case's head first (their row is then taken with _locked_head)."""
    sql = _NEW_HEAD_SQL.get(connection.vendor)
    if sql is None:
        q, t = connection.ops.quote_name, _HEADS
        sql = _NEW_HEAD_SQL[connection.vendor] = (
            f"INSERT INTO {q(t.table)} ({', '.join(t.col(n) for n in _HEAD_COLUMNS)}) "
            f"VALUES ({', '.join(['%s'] * len(_HEAD_COLUMNS))}) ON CONFLICT DO NOTHING RETURNING {q('id')}"
        )
    with kept_cursor() as cursor:
        cursor.execute(sql, [_HEADS.prep(n, getattr(head, n)) for n in _HEAD_COLUMNS])
        row = cursor.fetchone()
    if row is None:
        return False
    head.pk = row[0]
    return True


_NEW_HEAD_SQL: dict[str, str] = {}


def history(obj: models.Model) -> models.QuerySet[Event]:
    case_type, case_id = case_key(obj)
    return Event.objects.filter(case_type=case_type, case_id=case_id).select_related(
        "actor", "on_behalf_of", "department"
    ).order_by("seq")


# --- sealing -------------------------------------------------------------------------------------


def _digest(prev_digest: str, hashes: Iterable[str]) -> tuple[str, int]:
    h = hashlib.sha256(prev_digest.encode())
    n = 0
    for value in hashes:
        h.update(value.encode())
        n += 1
    return h.hexdigest(), n


def seal_events(now: datetime.datetime | None = None) -> Seal | None:
    """Seal every event older than a safety margin that no seal covers yet (run by the worker)."""
    cutoff = (now or timezone.now()) - SEAL_MARGIN
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One sealer at a time, also when no seal row exists yet to lock (SQLite serialises writers).
            with kept_cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])
        last = Seal.objects.select_for_update().order_by("-id").first()
        start_after = last.last_event_id if last else 0
        prev_digest = last.digest if last else GENESIS
        newest = (
            Event.objects.filter(id__gt=start_after, timestamp__lt=cutoff)
            .order_by("-id")
            .values_list("id", flat=True)
            .first()
        )
        if newest is None:
            return None
        hashes = Event.objects.filter(id__gt=start_after, id__lte=newest).order_by("id")
        digest, count = _digest(prev_digest, hashes.values_list("hash", flat=True).iterator(chunk_size=5000))
        seal = Seal(
            first_event_id=start_after + 1,
            last_event_id=newest,
            count=count,
            digest=digest,
            prev_digest=prev_digest,
        )
        seal.save()
        return seal


# --- verification --------------------------------------------------------------------------------


@dataclass
class VerifyReport:
    events: int = 0
    cases: int = 0
    seals: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_events() -> VerifyReport:
    """Recompute every chain and seal; report altered, missing or inserted rows and where."""
    report = VerifyReport()
    heads = {
        (h.case_type, h.case_id): h for h in CaseHead.objects.all().iterator(chunk_size=5000)
    }
    seen_cases: set[tuple[str, str]] = set()
    current: tuple[str, str] | None = None
    prev_hash, expected_seq = GENESIS, 1
    qs = Event.objects.order_by("case_type", "case_id", "seq")

    def close_case(key: tuple[str, str], last_seq: int, last_hash: str) -> None:
        head = heads.get(key)
        if head is None:
            report.problems.append(f"case {key[0]}:{key[1]}: events without a case head (inserted?)")
        elif head.last_seq != last_seq or head.last_hash != last_hash:
            report.problems.append(
                f"case {key[0]}:{key[1]}: chain ends at seq {last_seq} but the head records seq "
                f"{head.last_seq} (events removed from the end, or altered)"
            )

    last_seq = 0
    prev_ts = None
    for ev in qs.iterator(chunk_size=5000):
        key = (ev.case_type, ev.case_id)
        if key != current:
            if current is not None:
                close_case(current, last_seq, prev_hash)
            current, prev_hash, expected_seq, prev_ts = key, GENESIS, 1, None
            seen_cases.add(key)
            report.cases += 1
        report.events += 1
        if ev.seq != expected_seq:
            report.problems.append(
                f"case {key[0]}:{key[1]}: seq {expected_seq}..{ev.seq - 1} missing before event id {ev.pk}"
            )
        if ev.prev_hash != prev_hash:
            report.problems.append(f"event id {ev.pk} (case {key[0]}:{key[1]} seq {ev.seq}): link to previous event broken")
        if ev.compute_hash() != ev.hash:
            report.problems.append(f"event id {ev.pk} (case {key[0]}:{key[1]} seq {ev.seq}): content altered")
        expected_wait = (ev.timestamp - prev_ts).total_seconds() if prev_ts is not None else None
        if ev.seq == expected_seq and ev.wait_seconds != expected_wait:
            report.problems.append(f"event id {ev.pk} (case {key[0]}:{key[1]} seq {ev.seq}): waiting time altered")
        prev_hash, expected_seq, last_seq, prev_ts = ev.hash, ev.seq + 1, ev.seq, ev.timestamp
    if current is not None:
        close_case(current, last_seq, prev_hash)
    for key, head in heads.items():
        if key not in seen_cases and head.last_seq > 0:
            report.problems.append(f"case {key[0]}:{key[1]}: all {head.last_seq} events missing")

    prev_digest = GENESIS
    expected_first = 1
    for seal in Seal.objects.order_by("id"):
        report.seals += 1
        if seal.prev_digest != prev_digest or seal.first_event_id != expected_first:
            report.problems.append(f"seal {seal.pk}: does not follow the previous seal")
        hashes = Event.objects.filter(id__gte=seal.first_event_id, id__lte=seal.last_event_id).order_by("id")
        digest, count = _digest(seal.prev_digest, hashes.values_list("hash", flat=True).iterator(chunk_size=5000))
        if count != seal.count:
            report.problems.append(
                f"seal {seal.pk}: event ids {seal.first_event_id}-{seal.last_event_id} held "
                f"{seal.count} events, now {count}"
            )
        elif digest != seal.digest:
            report.problems.append(
                f"seal {seal.pk}: event ids {seal.first_event_id}-{seal.last_event_id} changed"
            )
        prev_digest, expected_first = seal.digest, seal.last_event_id + 1
    return report


# --- XES export (IEEE 1849) ----------------------------------------------------------------------


def export_xes(events: models.QuerySet[Event]) -> Iterator[str]:
    """Stream events as an XES log, one trace per case, for standard process-mining tools."""
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield '<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">\n'
    yield '  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>\n'
    yield '  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>\n'
    yield '  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>\n'
    yield '  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>\n'
    yield '  <global scope="trace"><string key="concept:name" value="UNKNOWN"/></global>\n'
    yield '  <global scope="event"><string key="concept:name" value="UNKNOWN"/>'
    yield '<date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/></global>\n'
    yield '  <classifier name="Activity" keys="concept:name"/>\n'
    yield '  <string key="concept:name" value="Yewu"/>\n'
    current = None
    rows = events.select_related("actor", "department").order_by("case_type", "case_id", "seq")
    for ev in rows.iterator(chunk_size=5000):
        key = (ev.case_type, ev.case_id)
        if key != current:
            if current is not None:
                yield "  </trace>\n"
            current = key
            yield "  <trace>\n"
            yield f'    <string key="concept:name" value={quoteattr(f"{ev.case_type}:{ev.case_id}")}/>\n'
            yield f'    <string key="yewu:caseType" value={quoteattr(ev.case_type)}/>\n'
        ts = ev.timestamp.astimezone(datetime.UTC).isoformat(timespec="milliseconds")
        parts = [
            f'<string key="concept:name" value={quoteattr(ev.activity)}/>',
            f'<date key="time:timestamp" value="{ts}"/>',
            '<string key="lifecycle:transition" value="complete"/>',
        ]
        if ev.actor_id:
            parts.append(f'<string key="org:resource" value={quoteattr(ev.actor.get_username())}/>')
        if ev.role:
            parts.append(f'<string key="org:role" value={quoteattr(ev.role)}/>')
        if ev.department_id:
            parts.append(f'<string key="org:group" value={quoteattr(ev.department.name)}/>')
        if ev.process_instance:
            parts.append(f'<string key="yewu:processInstance" value={quoteattr(ev.process_instance)}/>')
        yield "    <event>" + "".join(parts) + "</event>\n"
    if current is not None:
        yield "  </trace>\n"
    yield "</log>\n"
