"""Approval steps through Yewu's service layer vs the bare engine vs the raw database, and inbox p95.

One run measures, on SQLite and (when a PostgreSQL URL is given) on PostgreSQL:
  - yewu: approvals per second through yewu.workflow.services.approve_task (row lock, engine step,
    task projection, audit events, notifications, one transaction per step);
  - bare engine: the same steps through SpiffWorkflow alone, persisting its serialized state to one
    row per instance with one commit per step, with the same serializer settings Yewu uses;
  - floor: the bare engine's steps plus the statements a Yewu step issues (read the approval and
    the task, close it, find the next approver, insert their task row and notification, save the
    state, chain two audit events), as fixed SQL through a cursor with no ORM and no domain logic:
    the least the issue's own requirements for a step (projection, audit, notification in the
    step's transaction) cost with this statement plan (`floor_vs_bare_engine`, `yewu_vs_floor`);
  - db ceiling: one-row commits per second of a payload of the same size;
  - inbox p95: the "to do" query for one user with N closed and M open tasks in the table.

    python bench/workflow.py [--quick] [--postgres postgres://user:pw@host:port/db]
Last line: {"bench": "workflow", "figures": {...}, "ratios": {...}}
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def measure(quick: bool) -> dict:
    """Runs inside one process against the database named by the environment."""
    import django

    django.setup()
    from django.db import connection, models, transaction
    from django.test.utils import setup_databases

    setup_databases(verbosity=0, interactive=False)  # a throwaway database (test_ prefix)


    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from SpiffWorkflow.util.task import TaskState
    from workflow_data import fill_inbox  # beside this file

    from yewu.core.runtime import settle
    from yewu.core.testing.factories import (
        DepartmentFactory,
        EmployeeFactory,
        PositionFactory,
        UserFactory,
        grant,
    )
    from yewu.workflow import definitions, engine, services
    from yewu.workflow.choices import TaskStatus, VersionStatus
    from yewu.workflow.models import ProcessDefinition, ProcessInstance, Task
    from yewu.workflow.testing.bpmn import chain

    instances = int(os.environ.get("YEWU_BENCH_INSTANCES") or (100 if quick else 400))
    steps_per = 3
    hq = DepartmentFactory(name="总部", code="bench-hq")
    head = PositionFactory(code="bench-head", is_department_head=True)
    boss = EmployeeFactory(department=hq, position=head, user=UserFactory(username="bench-boss"))
    requester = EmployeeFactory(department=hq, user=UserFactory(username="bench-req"))
    grant(requester.user, "workflow.add_processinstance", "own")  # may start general approvals
    approvers = [UserFactory(username=f"bench-a{i}") for i in range(steps_per)]
    admin = UserFactory(username="bench-admin", is_superuser=True)
    del boss
    step_ids = [f"s{i}" for i in range(steps_per)]
    xml = chain("bench", step_ids)
    d = ProcessDefinition.objects.create(key="bench", name="bench", owner_department=hq)
    v = definitions.create_version(
        d, actor=admin, bpmn_xml=xml,
        steps={s: {"assignee": {"type": "user", "username": approvers[i].username}, "due_hours": 24}
               for i, s in enumerate(step_ids)},
    )
    definitions.set_version_status(v, VersionStatus.REVIEW, actor=admin)
    v = definitions.set_version_status(v, VersionStatus.PUBLISHED, actor=admin)

    # --- Yewu: full service layer -------------------------------------------------------------
    started = [services.start_process("bench", actor=requester.user, title=f"b{i}", form={"amount": i})
               for i in range(instances)]
    # SQL statements of one step (BEGIN/COMMIT included); YEWU_BENCH_QUERIES=1 prints them
    from django.test.utils import CaptureQueriesContext

    task = Task.objects.filter(status=TaskStatus.OPEN, step_id=step_ids[0]).first()
    with CaptureQueriesContext(connection) as ctx:
        services.approve_task(task, actor=approvers[0], comment="ok")
    statements = len(ctx.captured_queries)
    if os.environ.get("YEWU_BENCH_QUERIES"):
        for q in ctx.captured_queries:
            print(q["sql"][:300], file=sys.stderr)
    # Each timed loop starts from a settled heap, as a web or background worker does once it has
    # started (yewu.core.runtime.settle: start-up objects out of the garbage collector's sight).
    settle()
    profiler = None
    if os.environ.get("YEWU_BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU time: a busy machine does not skew it
        profiler.enable()
    t0, c0 = time.perf_counter(), time.process_time()
    steps = 0
    for i, approver in enumerate(approvers):
        for task in Task.objects.filter(status=TaskStatus.OPEN, step_id=step_ids[i]).select_related("instance"):
            services.approve_task(task, actor=approver, comment="ok")
            steps += 1
    t_yewu, c_yewu = time.perf_counter() - t0, time.process_time() - c0
    if profiler is not None:
        import pstats

        profiler.disable()
        if os.environ.get("YEWU_BENCH_PROFILE_DUMP"):
            profiler.dump_stats(os.environ["YEWU_BENCH_PROFILE_DUMP"])
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats(os.environ.get("YEWU_BENCH_PROFILE_SORT", "cumulative")).print_stats(os.environ.get("YEWU_BENCH_PROFILE_FILTER", ""), 45)
        stats.print_callees(os.environ.get("YEWU_BENCH_PROFILE_CALLEES", "_decide_locked|_task_for_update"))
    assert ProcessInstance.objects.filter(pk__in=[s.pk for s in started], status="approved").count() == instances
    state_size = len(ProcessInstance.objects.order_by("-pk").values_list("state", flat=True).first() or "")

    # --- bare engine: one row per instance, one commit per step -------------------------------
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_bare (id integer PRIMARY KEY, state text NOT NULL)")
    for i in range(instances):
        wf = engine.new_workflow(v, {"amount": i})
        wf.do_engine_steps()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("INSERT INTO bench_bare (id, state) VALUES (%s, %s)", [i, engine.dump(wf)])
    settle()
    t0, c0 = time.perf_counter(), time.process_time()
    bare_steps = 0
    for _round in range(steps_per):
        for i in range(instances):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SELECT state FROM bench_bare WHERE id = %s", [i])
                wf = engine.load(v, cur.fetchone()[0])
                task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
                task.data["decision"] = "approved"
                task.run()
                wf.do_engine_steps()
                cur.execute("UPDATE bench_bare SET state = %s WHERE id = %s", [engine.dump(wf), i])
            bare_steps += 1
    t_bare, c_bare = time.perf_counter() - t0, time.process_time() - c0

    # --- the design's floor: the bare engine plus the writes the issue asks of every step ---------
    # The same steps again on fresh approvals: the engine's load, step and dump as above, and the
    # statements a Yewu step issues (lock the approval and read its task rows, close the task,
    # look up the next approver, insert their task row and notification, save the state, append
    # two audit events to the case's hash chain), as fixed SQL through a cursor: no ORM, no domain
    # logic, no approver rules. What the issue's own requirements cost at the least.
    import hashlib

    from yewu.core.models.audit import canonical_json

    fresh = [services.start_process("bench", actor=requester.user, title=f"f{i}", form={"amount": i})
             for i in range(instances)]
    q = connection.ops.quote_name
    open_task = dict(Task.objects.filter(instance__in=fresh, status=TaskStatus.OPEN).values_list("instance_id", "id"))
    lock_instance = ("SELECT state, revision, status, requester_id, department_id, version_id FROM "
                     "workflow_processinstance WHERE id = %s" + (" FOR UPDATE" if connection.vendor == "postgresql" else ""))
    read_task = "SELECT status, assignee_id, spiff_task, step_id FROM workflow_task WHERE id = %s"
    task_cols = ["instance_id", "step_id", "name", "lane", "spiff_task", "assignee_id", "principal_id", "order",
                 "status", "decision", "comment", "created_at", "due_at", "completed_at", "reminded_at",
                 "escalated_at"]
    insert_task = (f"INSERT INTO workflow_task ({', '.join(q(c) for c in task_cols)}) VALUES "
                   f"({', '.join(['%s'] * len(task_cols))}) RETURNING id")
    close_task = "UPDATE workflow_task SET status = %s, decision = %s, comment = %s, completed_at = %s WHERE id = %s"
    find_user = f"SELECT id, is_active FROM {q(get_user_model()._meta.db_table)} WHERE username = %s"
    insert_note = ("INSERT INTO core_notification (recipient_id, title, body, url, created_at, copies) "
                   "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id")
    save_state = ("UPDATE workflow_processinstance SET state = %s, revision = revision + 1, next_timer_due = %s "
                  "WHERE id = %s")
    read_head = ("SELECT id, last_seq, last_hash, last_activity, last_timestamp FROM core_casehead "
                 "WHERE case_type = %s AND case_id = %s" + (" FOR UPDATE" if connection.vendor == "postgresql" else ""))
    update_head = ("UPDATE core_casehead SET last_seq = %s, last_hash = %s, last_activity = %s, "
                   "last_timestamp = %s WHERE id = %s")
    event_cols = ["case_type", "case_id", "process_instance", "seq", "activity", "actor_id", "on_behalf_of_id",
                  "role", "department_id", "timestamp", "data", "prev_activity", "wait_seconds", "prev_hash", "hash"]
    one_event = "(" + ", ".join(["%s"] * len(event_cols)) + ")"
    insert_events = f"INSERT INTO core_event ({', '.join(event_cols)}) VALUES {one_event}, {one_event}"
    adapt = connection.ops.adapt_datetimefield_value
    numbers = {p.pk: p.number for p in fresh}
    settle()
    t0, c0 = time.perf_counter(), time.process_time()
    floor_steps = 0
    for i_round in range(steps_per):
        for pk in numbers:
            now = timezone.now()
            closed_id = open_task[pk]
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(lock_instance, [pk])
                state = cur.fetchone()[0]
                cur.execute(read_task, [closed_id])
                cur.fetchone()
                wf = engine.load(v, state)
                task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
                task.data["decision"] = "approved"
                task.run()
                wf.do_engine_steps()
                cur.execute(close_task, ["done", "approved", "ok", adapt(now), closed_id])
                ready = wf.get_tasks(state=TaskState.READY, manual=True)
                activities = [f"s{i_round}.approved"]
                if ready:
                    cur.execute(find_user, [approvers[i_round + 1].username])
                    user_id = cur.fetchone()[0]
                    cur.execute(insert_task, [pk, ready[0].task_spec.bpmn_id, ready[0].task_spec.bpmn_id, "",
                                              str(ready[0].id), user_id, None, 0, "open", "", "", adapt(now),
                                              adapt(now + datetime.timedelta(hours=24)), None, None, None])
                    open_task[pk] = cur.fetchone()[0]
                    cur.execute(insert_note, [user_id, f"To approve: f{pk}", "Step", f"/approvals/{pk}/",
                                              adapt(now), 2])
                    activities.append(f"s{i_round + 1}.opened")
                else:
                    activities.append("process.approved")
                cur.execute(save_state, [engine.dump(wf), None, pk])
                cur.execute(read_head, ["workflow.processinstance", str(pk)])
                head_id, seq, prev, last_activity, _last_at = cur.fetchone()
                params = []
                for activity in activities:
                    seq += 1
                    data = canonical_json({"task": closed_id, "comment": "ok"})
                    row = ["workflow.processinstance", str(pk), numbers[pk], seq, activity, approvers[i_round].pk,
                           None, "", None, now, data, last_activity, 1.0, prev]
                    prev = hashlib.sha256(canonical_json(
                        [*row[:9], now.isoformat(timespec="microseconds"), *row[10:]]).encode()).hexdigest()
                    row[9] = adapt(now)
                    params += [*row, prev]
                    last_activity = activity
                cur.execute(update_head, [seq, prev, last_activity, adapt(now), head_id])
                cur.execute(insert_events, params)
            floor_steps += 1
    t_floor, c_floor = time.perf_counter() - t0, time.process_time() - c0

    # --- what one statement costs: Django's ORM vs a raw cursor (CPU time, same row) ------------
    some = started[0].pk

    def per_call_us(fn, n=1000) -> float:
        c = time.process_time()
        for _ in range(n):
            fn()
        return round((time.process_time() - c) * 1e6 / n, 1)

    def raw_select():
        with connection.cursor() as cur:
            cur.execute("SELECT id, status, revision FROM workflow_processinstance WHERE id = %s", [some])
            cur.fetchone()

    orm_get_us = per_call_us(lambda: ProcessInstance.objects.only("id", "status", "revision").get(pk=some))
    orm_update_us = per_call_us(lambda: ProcessInstance.objects.filter(pk=some).update(revision=models.F("revision")))
    raw_select_us = per_call_us(raw_select)

    # --- raw database ceiling: one-row commits of the same payload ---------------------------
    payload = "x" * max(state_size, 1)
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_raw (id integer PRIMARY KEY, state text NOT NULL)")
        cur.execute("INSERT INTO bench_raw (id, state) VALUES (1, %s)", [payload])
    commits = bare_steps
    t0 = time.perf_counter()
    for i in range(commits):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("UPDATE bench_raw SET state = %s WHERE id = 1", [payload[:-1] + str(i % 10)])
    t_raw = time.perf_counter() - t0

    # --- inbox p95 ------------------------------------------------------------------------------
    closed, open_ = (50_000, 1_000) if quick else (1_000_000, 10_000)
    user = approvers[0]
    others = [UserFactory(username=f"bench-u{i}") for i in range(50)]
    fill_inbox(started, user, others, closed=closed, open_=open_, now=timezone.now())
    from yewu.workflow.inbox import todo as inbox_todo  # the approval centre's own query

    def query():
        """The first page of the approval centre's 待办 tab, as it renders it (joins included)."""
        return list(inbox_todo(user)[:50])

    timings = []
    for _ in range(5):
        query()
    for _ in range(200):
        t = time.perf_counter()
        rows = query()
        timings.append((time.perf_counter() - t) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    return {
        "vendor": connection.vendor,
        "steps": steps,
        "yewu_steps_per_s": round(steps / t_yewu, 1),
        "bare_engine_steps_per_s": round(bare_steps / t_bare, 1),
        # CPU time of this process per step (the database is in-process for SQLite): steadier than
        # wall time when the machine is busy with other work
        "yewu_cpu_ms_per_step": round(c_yewu * 1000 / steps, 3),
        "bare_engine_cpu_ms_per_step": round(c_bare * 1000 / bare_steps, 3),
        "floor_steps_per_s": round(floor_steps / t_floor, 1),
        "floor_cpu_ms_per_step": round(c_floor * 1000 / floor_steps, 3),
        "db_ceiling_commits_per_s": round(commits / t_raw, 1),
        "state_bytes": state_size,
        "yewu_statements_per_step": statements,
        "orm_get_cpu_us": orm_get_us,
        "orm_update_cpu_us": orm_update_us,
        "raw_select_cpu_us": raw_select_us,
        "inbox_rows": len(rows),
        "inbox_tasks_closed": closed,
        "inbox_tasks_open": open_,
        "inbox_p95_ms": round(p95, 2),
        "inbox_query": "yewu.workflow.inbox.todo, first page of 50",
    }


def run_child(quick: bool, database_url: str | None) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="yewu.settings", YEWU_BENCH_CHILD="1")
    tmp = tempfile.mkdtemp(prefix="yewu-bench-wf-")
    env["YEWU_DATA_DIR"] = tmp
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env["YEWU_SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
    cmd = [sys.executable, __file__, "--child"] + (["--quick"] if quick else [])
    proc = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True)
    out = proc.stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", default=os.environ.get("YEWU_BENCH_POSTGRES", ""))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.quick)))
        return
    results = {"sqlite": run_child(args.quick, None)}
    if args.postgres:
        results["postgresql"] = run_child(args.quick, args.postgres)
    figures: dict = {}
    ratios: dict = {}
    for name, r in results.items():
        for key, value in r.items():
            figures[f"{name}_{key}"] = value
        ratios[f"{name}_yewu_vs_bare_engine"] = round(r["yewu_steps_per_s"] / r["bare_engine_steps_per_s"], 3)
        ratios[f"{name}_floor_vs_bare_engine"] = round(r["floor_steps_per_s"] / r["bare_engine_steps_per_s"], 3)
        ratios[f"{name}_yewu_vs_floor"] = round(r["yewu_steps_per_s"] / r["floor_steps_per_s"], 3)
        ratios[f"{name}_yewu_vs_db_ceiling"] = round(r["yewu_steps_per_s"] / r["db_ceiling_commits_per_s"], 3)
    main_db = results["sqlite"]
    ratios["yewu_vs_bare_engine"] = ratios["sqlite_yewu_vs_bare_engine"]
    ratios["yewu_vs_db_ceiling"] = ratios["sqlite_yewu_vs_db_ceiling"]
    figures["inbox_p95_ms"] = max(r["inbox_p95_ms"] for r in results.values())
    figures["yewu_steps_per_s"] = main_db["yewu_steps_per_s"]
    print(json.dumps({"bench": "workflow", "figures": figures, "ratios": ratios}))


if __name__ == "__main__":
    main()
