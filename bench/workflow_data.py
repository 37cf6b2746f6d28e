"""Data generator for bench/workflow.py: a task table the size of a busy company's.

`fill_inbox` bulk-inserts `closed` done and `open_` open task rows spread over the given approvals
and people: every hundredth row belongs to `user` (the person whose inbox is measured), the rest
to `others` in turn; creation times go back one minute per row, so the inbox has a long history.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

CHUNK = 20_000


def fill_inbox(instances: Sequence[Any], user: Any, others: Sequence[Any], *, closed: int, open_: int,
               now: datetime.datetime) -> int:
    from django.db import connection

    from yewu.workflow.choices import Decision, TaskStatus
    from yewu.workflow.models import Task

    batch: list[Task] = []
    for n in range(closed + open_):
        is_open = n >= closed
        created = now - datetime.timedelta(minutes=n)
        batch.append(Task(
            instance=instances[n % len(instances)], step_id="s0", name="s0", spiff_task=f"bench-{n}",
            assignee=user if n % 100 == 0 else others[n % len(others)],
            status=TaskStatus.OPEN if is_open else TaskStatus.DONE,
            decision="" if is_open else Decision.APPROVED,
            created_at=created, completed_at=None if is_open else created + datetime.timedelta(minutes=30),
            due_at=created + datetime.timedelta(hours=24),
        ))
        if len(batch) >= CHUNK:
            Task.objects.bulk_create(batch)
            batch = []
    if batch:
        Task.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return closed + open_
