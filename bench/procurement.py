"""Procurement cases end to end through Yewu's services vs the raw database ceiling, and the time
to create a 3-line purchase order and approve it in one step.

One case: requisition (2 lines) → submitted → department head and central department approve
(the DMN decides no general manager is needed) → purchase order of 2 lines to a qualified
supplier → submitted → central review approves → goods received and inspected → payment
requested → checked by finance → paid. Every step is one service call in its own transaction,
with its rules, row locks, audit events, approval engine steps and notifications.

  - cases_per_s: cases per second through the services;
  - db_ceiling_cases_per_s: one-row commits per second of the raw database (same run), divided
    by the commits one case makes; yewu_vs_db_ceiling is the ratio of the two;
  - po_create_approve_ms: median time to create a purchase order of 3 lines, submit it and
    approve it in the central department's single review step (three transactions, durable
    commits: PostgreSQL with synchronous_commit on, SQLite as configured);
    po_create_approve_commit_floor_ms is what three one-row commits cost on the same database in
    the same run (on a disk with slow fsync, PostgreSQL's durable commits alone exceed the goal).

    python bench/procurement.py [--cases 10000] [--quick] [--postgres postgres://user:pw@host:port/db]
Last line: {"bench": "procurement", "figures": {...}, "ratios": {...}}
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(cases: int) -> dict:
    """Runs inside one process against the database named by the environment."""
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext, setup_databases

    setup_databases(verbosity=0, interactive=False)  # a throwaway database (test_ prefix)

    from yewu.core.roles import ensure_default_roles
    from yewu.core.runtime import settle
    from yewu.core.testing.factories import (
        DepartmentFactory,
        EmployeeFactory,
        PositionFactory,
        UserFactory,
    )
    from yewu.procurement import approvals, services
    from yewu.procurement.tests.factories import qualified_supplier
    from yewu.workflow import services as wf
    from yewu.workflow.models import Task

    roles = ensure_default_roles()
    hq = DepartmentFactory(name="总部", code="hq")
    sales = DepartmentFactory(name="销售部", code="sales", parent=hq)
    central = DepartmentFactory(name="业务集中管理部", code="central", parent=hq)
    finance = DepartmentFactory(name="财务部", code="finance", parent=hq)
    manager = PositionFactory(code="manager", is_department_head=True, rank=80)
    staff = PositionFactory(code="staff", rank=10)
    gm = PositionFactory(code="gm", is_department_head=True, rank=100)
    boss = EmployeeFactory(user=UserFactory(username="gm"), department=hq, position=gm)
    head = EmployeeFactory(user=UserFactory(username="head"), department=sales, position=manager, supervisor=boss)
    requester = EmployeeFactory(user=UserFactory(username="req"), department=sales, position=staff, supervisor=head)
    chief = EmployeeFactory(user=UserFactory(username="chief"), department=central, position=manager, supervisor=boss)
    buyer = EmployeeFactory(user=UserFactory(username="buyer"), department=central, position=staff, supervisor=chief)
    cashier = EmployeeFactory(user=UserFactory(username="cashier"), department=finance, position=manager)
    admin = UserFactory(username="admin", is_superuser=True)
    requester.user.groups.add(roles["staff"])
    head.user.groups.add(roles["staff"], roles["manager"])
    chief.user.groups.add(roles["staff"], roles["purchaser"])
    buyer.user.groups.add(roles["staff"], roles["purchaser"])
    cashier.user.groups.add(roles["staff"], roles["finance_clerk"])
    approvals.install(admin)
    supplier = qualified_supplier(expires_in_days=3650)

    req_lines = [{"name": "打印纸", "specification": "A4", "quantity": "10", "unit": "箱", "budget_price": "25"},
                 {"name": "墨盒", "specification": "黑色", "quantity": "4", "unit": "个", "budget_price": "120"}]
    po_lines = [{"name": "打印纸", "quantity": "10", "unit": "箱", "unit_price": "24"},
                {"name": "墨盒", "quantity": "4", "unit": "个", "unit_price": "118"}]

    def approve(instance, user) -> None:
        task = Task.objects.get(instance=instance, assignee=user, status="open")
        wf.approve_task(task, actor=user, comment="同意")

    def one_case(i: int) -> None:
        req = services.save_requisition(None, {"title": f"办公用品 {i}", "purpose": "日常办公"},
                                        lines=req_lines, actor=requester.user)
        req = services.submit_requisition(req, actor=requester.user)
        approve(req.approval, head.user)
        approve(req.approval, chief.user)
        req.refresh_from_db()
        po = services.save_purchase_order(None, {"requisition": req, "supplier": supplier, "delivery_place": "仓库"},
                                          lines=po_lines, actor=buyer.user)
        po = services.submit_purchase_order(po, actor=buyer.user)
        approve(po.approval, chief.user)
        po.refresh_from_db()
        services.record_receipt(po, lines=[{"order_line": line.pk, "accepted": str(line.quantity)}
                                           for line in po.lines.all()], actor=buyer.user)
        pay = services.request_payment(po, instalment=po.instalments.get(), actor=buyer.user)
        pay = services.approve_payment(pay, actor=cashier.user)
        services.pay_payment(pay, actor=cashier.user, reference=f"B{i}")

    one_case(-1)  # warm caches (parsed specs, content types, permissions)
    if os.environ.get("YEWU_BENCH_TRACE"):  # where statements matching this text come from
        import traceback

        def trace(execute, sql, params, many, context):
            if os.environ["YEWU_BENCH_TRACE"] in sql:
                stack = [f for f in traceback.extract_stack() if "/yewu/" in f.filename][-7:]
                print(" <- ".join(f"{f.filename.rsplit('/yewu/', 1)[-1]}:{f.lineno}" for f in reversed(stack)),
                      file=sys.stderr)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(trace):
            one_case(-2)
    with CaptureQueriesContext(connection) as ctx:
        one_case(0)
    statements = len(ctx.captured_queries)
    commits_per_case = 11  # one transaction per service call and approval step in one_case

    # The timed loops start from a settled heap, as a web or background worker does once it has
    # started (yewu.core.runtime.settle: start-up objects out of the garbage collector's sight).
    settle()
    profiler = None
    if os.environ.get("YEWU_BENCH_PROFILE"):  # CPU profile of the cases on stderr
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(1, cases + 1):
        one_case(i)
    t_cases, c_cases = time.perf_counter() - t0, time.process_time() - c0
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats(
            os.environ.get("YEWU_BENCH_PROFILE_SORT", "cumulative")
        ).print_stats(os.environ.get("YEWU_BENCH_PROFILE_FILTER", ""), 60)
    if os.environ.get("YEWU_BENCH_QUERIES"):
        for q in ctx.captured_queries:
            print(q["sql"][:200], file=sys.stderr)

    # --- a purchase order of 3 lines, created and approved in one review step -------------------
    three = po_lines + [{"name": "订书机", "quantity": "5", "unit": "个", "unit_price": "30"}]
    big = [{"name": "订书机", "quantity": "100", "unit": "个", "budget_price": "100"}]
    timings, cpu = [], []
    settle()
    po_profiler = None
    if os.environ.get("YEWU_BENCH_PROFILE_PO"):  # CPU profile of the timed purchase-order section on stderr
        import cProfile

        po_profiler = cProfile.Profile(time.process_time)
    for i in range(30 if cases < 1000 else 100):
        req = services.save_requisition(None, {"title": f"po {i}", "purpose": "x"}, lines=big, actor=requester.user)
        req = services.submit_requisition(req, actor=requester.user)
        approve(req.approval, head.user)
        approve(req.approval, chief.user)
        req.refresh_from_db()
        if po_profiler is not None:
            po_profiler.enable()
        t, c = time.perf_counter(), time.process_time()
        po = services.save_purchase_order(None, {"requisition": req, "supplier": supplier}, lines=three,
                                          actor=buyer.user)
        po = services.submit_purchase_order(po, actor=buyer.user)
        approve(po.approval, chief.user)
        timings.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        if po_profiler is not None:
            po_profiler.disable()
    if po_profiler is not None:
        import pstats

        if os.environ.get("YEWU_BENCH_PROFILE_DUMP"):
            po_profiler.dump_stats(os.environ["YEWU_BENCH_PROFILE_DUMP"])
        pstats.Stats(po_profiler, stream=sys.stderr).sort_stats(
            os.environ.get("YEWU_BENCH_PROFILE_SORT", "cumulative")
        ).print_stats(os.environ.get("YEWU_BENCH_PROFILE_FILTER", ""), 80)
    if os.environ.get("YEWU_BENCH_PO_QUERIES"):  # the statements of one more purchase order on stderr
        req = services.save_requisition(None, {"title": "po q", "purpose": "x"}, lines=big, actor=requester.user)
        req = services.submit_requisition(req, actor=requester.user)
        approve(req.approval, head.user)
        approve(req.approval, chief.user)
        req.refresh_from_db()
        with CaptureQueriesContext(connection) as po_ctx:
            po = services.save_purchase_order(None, {"requisition": req, "supplier": supplier}, lines=three,
                                              actor=buyer.user)
            po = services.submit_purchase_order(po, actor=buyer.user)
            approve(po.approval, chief.user)
        for q in po_ctx.captured_queries:
            print(q["sql"][:300], file=sys.stderr)
    po.refresh_from_db()
    assert po.status == "issued", po.status

    # --- raw database ceiling: one-row commits -------------------------------------------------
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_raw (id integer PRIMARY KEY, state text NOT NULL)")
        cur.execute("INSERT INTO bench_raw (id, state) VALUES (1, %s)", ["x" * 200])
    commits = min(cases * commits_per_case, 20000)
    t0 = time.perf_counter()
    for i in range(commits):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("UPDATE bench_raw SET state = %s WHERE id = 1", ["x" * 199 + str(i % 10)])
    t_raw = time.perf_counter() - t0
    ceiling_commits = commits / t_raw
    return {
        "vendor": connection.vendor,
        "cases": cases,
        "cases_per_s": round(cases / t_cases, 2),
        "cpu_ms_per_case": round(c_cases * 1000 / cases, 2),
        "statements_per_case": statements,
        "commits_per_case": commits_per_case,
        "db_ceiling_commits_per_s": round(ceiling_commits, 1),
        "db_ceiling_cases_per_s": round(ceiling_commits / commits_per_case, 1),
        "po_create_approve_ms": round(statistics.median(timings), 2),
        "po_create_approve_p95_ms": round(sorted(timings)[int(len(timings) * 0.95) - 1], 2),
        # CPU time of this process (with SQLite the database works in it too): steady on a busy machine
        "po_create_approve_cpu_ms": round(statistics.median(cpu), 2),
        # what the three durable commits alone cost on this disk (one-row commits measured above)
        "po_create_approve_commit_floor_ms": round(3 * 1000 / ceiling_commits, 2),
    }


def run_child(cases: int, database_url: str | None) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="yewu.settings")
    tmp = tempfile.mkdtemp(prefix="yewu-bench-proc-")
    env["YEWU_DATA_DIR"] = tmp
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env["YEWU_SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
    cmd = [sys.executable, __file__, "--child", "--cases", str(cases)]
    proc = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10000)
    parser.add_argument("--quick", action="store_true", help="200 cases")
    parser.add_argument("--postgres", default=os.environ.get("YEWU_BENCH_POSTGRES", ""))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    cases = 200 if args.quick else args.cases
    if args.child:
        print(json.dumps(measure(cases)))
        return
    results = {"sqlite": run_child(cases, None)}
    if args.postgres:
        results["postgresql"] = run_child(cases, args.postgres)
    figures: dict = {}
    ratios: dict = {}
    for name, r in results.items():
        for key, value in r.items():
            figures[f"{name}_{key}"] = value
        ratios[f"{name}_yewu_vs_db_ceiling"] = round(r["cases_per_s"] / r["db_ceiling_cases_per_s"], 3)
    figures["cases_per_s"] = results["sqlite"]["cases_per_s"]
    figures["po_create_approve_ms"] = results["sqlite"]["po_create_approve_ms"]
    ratios["yewu_vs_db_ceiling"] = ratios["sqlite_yewu_vs_db_ceiling"]
    print(json.dumps({"bench": "procurement", "figures": figures, "ratios": ratios}))


if __name__ == "__main__":
    main()
