"""Audit events: cost of writing through the hash chain, and bottleneck analysis with stored waits.

Measured in one run on one database (SQLite by default, PostgreSQL when DATABASE_URL is set):
  - record_event() (row lock per case, hash chain, previous activity) vs a raw INSERT of the same rows;
  - waiting time per transition over all cases: the plain GROUP BY over the stored prev_activity and
    wait_seconds columns vs the window-function (LAG) query one would need without them.

    python bench/audit_events.py [--quick]
Last line: {"bench": "audit_events", "figures": {...}, "ratios": {...}}
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ACTIVITIES = ["submitted", "dept_approved", "central_approved", "ordered", "received", "paid"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small data set, under a minute")
    parser.add_argument("--cases", type=int, default=None)
    args = parser.parse_args()
    cases = args.cases or (10_000 if args.quick else 170_000)
    writes = 1_000 if args.quick else 5_000

    tmp = tempfile.mkdtemp(prefix="yewu-bench-")
    os.environ.setdefault("YEWU_DATA_DIR", tmp)
    os.environ["DJANGO_SETTINGS_MODULE"] = "yewu.settings"
    if not os.environ.get("DATABASE_URL"):
        os.environ["YEWU_SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    if os.environ.get("DATABASE_URL"):
        # Never touch a real database: use a throwaway one next to it.
        from django.test.utils import setup_databases

        setup_databases(verbosity=0, interactive=False)
    else:
        call_command("migrate", verbosity=0)

    from yewu.core.audit import GENESIS, record_event
    from yewu.core.models import Event

    rng = random.Random(7)
    vendor = connection.vendor

    # 1. write path: record_event through the chain vs raw INSERT of equivalent rows
    t0 = time.perf_counter()
    with transaction.atomic():
        for i in range(writes):
            record_event(("bench.write", str(i % 200)), ACTIVITIES[i % 6], actor=None, data={"i": i})
    t_chain = time.perf_counter() - t0
    now = datetime.datetime.now(datetime.UTC)
    rows = [
        ("bench.raw", str(i % 200), "", i + 1, ACTIVITIES[i % 6], "", now, json.dumps({"i": i}), "", GENESIS, GENESIS)
        for i in range(writes)
    ]
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        for r in rows:
            cur.execute(
                "INSERT INTO core_event (case_type, case_id, process_instance, seq, activity, role, timestamp,"
                " data, prev_activity, prev_hash, hash) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                r,
            )
    t_raw = time.perf_counter() - t0

    # 2. analysis data: `cases` cases of 6 steps with random waits, bulk-loaded
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    batch: list[Event] = []
    total = 0
    t0 = time.perf_counter()
    for c in range(cases):
        ts = start + datetime.timedelta(minutes=rng.randint(0, 500_000))
        prev = ""
        for seq, act in enumerate(ACTIVITIES, 1):
            wait = rng.expovariate(1 / 7200) if seq > 1 else None
            if wait:
                ts = ts + datetime.timedelta(seconds=wait)
            batch.append(Event(case_type="bench.case", case_id=str(c), seq=seq, activity=act, timestamp=ts,
                               prev_activity=prev, wait_seconds=wait, prev_hash=GENESIS, hash=GENESIS))
            prev = act
        if len(batch) >= 20_000:
            Event.objects.bulk_create(batch)
            total += len(batch)
            batch = []
    if batch:
        Event.objects.bulk_create(batch)
        total += len(batch)
    t_load = time.perf_counter() - t0

    aggregate_sql = (
        "SELECT prev_activity, activity, COUNT(*), AVG(wait_seconds) FROM core_event"
        " WHERE case_type = 'bench.case' AND prev_activity <> '' GROUP BY prev_activity, activity"
    )
    if vendor == "postgresql":
        diff = "EXTRACT(EPOCH FROM (timestamp - prev_ts))"
    else:
        diff = "(julianday(timestamp) - julianday(prev_ts)) * 86400.0"
    window_sql = (
        f"SELECT prev_act, activity, COUNT(*), AVG({diff}) FROM ("
        " SELECT activity, timestamp,"
        "  LAG(activity) OVER (PARTITION BY case_type, case_id ORDER BY seq) AS prev_act,"
        "  LAG(timestamp) OVER (PARTITION BY case_type, case_id ORDER BY seq) AS prev_ts"
        " FROM core_event WHERE case_type = 'bench.case') t"
        " WHERE prev_act IS NOT NULL GROUP BY prev_act, activity"
    )

    def timed(sql: str) -> tuple[float, list]:
        best = float("inf")
        out: list = []
        for _ in range(3):
            with connection.cursor() as cur:
                t = time.perf_counter()
                cur.execute(sql)
                out = cur.fetchall()
                best = min(best, time.perf_counter() - t)
        return best, out

    t_agg, agg_rows = timed(aggregate_sql)
    t_win, win_rows = timed(window_sql)
    agg = {(a, b): round(float(avg), 1) for a, b, _n, avg in agg_rows}
    win = {(a, b): round(float(avg), 1) for a, b, _n, avg in win_rows}
    same = agg.keys() == win.keys() and all(abs(agg[k] - win[k]) <= 1.0 for k in agg)

    result = {
        "bench": "audit_events",
        "figures": {
            "database": vendor,
            "events_analysed": total,
            "cases": cases,
            "load_seconds": round(t_load, 2),
            "record_event_per_second": round(writes / t_chain, 1),
            "raw_insert_per_second": round(writes / t_raw, 1),
            "bottleneck_aggregate_seconds": round(t_agg, 4),
            "bottleneck_window_seconds": round(t_win, 4),
            "results_agree": same,
        },
        "ratios": {
            "raw_insert_over_record_event": round(t_chain / t_raw, 2),
            "window_over_stored_wait_aggregate": round(t_win / t_agg, 2),
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
