"""Human-readable document numbers: PREFIX-YEAR-NNNNNN, gap-free per type and year."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from yewu.core.models import NumberSequence
from yewu.core.services import next_number


@pytest.mark.django_db
def test_numbers_count_up_from_one_with_prefix_year_and_six_digits():
    assert next_number("PR", year=2026) == "PR-2026-000001"
    assert next_number("PR", year=2026) == "PR-2026-000002"
    assert next_number("PR", year=2026) == "PR-2026-000003"


@pytest.mark.django_db
def test_prefix_and_width_change_the_label_not_the_sequence():
    assert next_number("purchase_order", prefix="PO", width=4, year=2026) == "PO-2026-0001"
    assert next_number("purchase_order", year=2026) == "purchase_order-2026-000002"


@pytest.mark.django_db
def test_year_defaults_to_the_current_local_year():
    year = timezone.localdate().year
    assert next_number("CT") == f"CT-{year}-000001"


@pytest.mark.django_db
def test_each_document_type_has_its_own_sequence():
    assert next_number("PR", year=2026) == "PR-2026-000001"
    assert next_number("PO", year=2026) == "PO-2026-000001"
    assert next_number("PR", year=2026) == "PR-2026-000002"
    assert next_number("PO", year=2026) == "PO-2026-000002"


@pytest.mark.django_db
def test_each_year_starts_again_at_one():
    assert next_number("PR", year=2025) == "PR-2025-000001"
    assert next_number("PR", year=2025) == "PR-2025-000002"
    assert next_number("PR", year=2026) == "PR-2026-000001"
    assert next_number("PR", year=2025) == "PR-2025-000003"
    assert set(NumberSequence.objects.values_list("doc_type", "year", "last_value")) == {
        ("PR", 2025, 3),
        ("PR", 2026, 1),
    }


@pytest.mark.django_db
def test_a_rolled_back_transaction_does_not_use_up_its_number():
    assert next_number("PR", year=2026) == "PR-2026-000001"

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        assert next_number("PR", year=2026) == "PR-2026-000002"
        raise Abort

    assert next_number("PR", year=2026) == "PR-2026-000002"
    assert NumberSequence.objects.get(doc_type="PR", year=2026).last_value == 2


@pytest.mark.django_db
def test_a_rolled_back_first_number_of_the_year_leaves_no_gap():
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number("NEW", year=2030)
        raise RuntimeError("caller failed")

    assert not NumberSequence.objects.filter(doc_type="NEW").exists()
    assert next_number("NEW", year=2030) == "NEW-2030-000001"


def _thread_database(tmp_path: Path) -> Callable[[], None]:
    """What each worker thread runs first so that it talks to a database that really locks.

    On PostgreSQL (and a file SQLite) every thread opens its own connection to the test database.
    pytest-django's default SQLite test database is in memory with a shared cache, whose table
    locks fail at once ("database table is locked") instead of waiting like the WAL file that
    Yewu runs on; so there the test copies the database to a file and points the threads at it.
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return lambda: None
    path = tmp_path / "numbering.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    file_settings = {**connection.settings_dict, "NAME": str(path)}
    wrapper_class = type(connections["default"])

    def use_file() -> None:
        connections["default"] = wrapper_class(file_settings, "default")

    return use_file


@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_get_unique_contiguous_numbers(tmp_path):
    threads_n, per_thread = 4, 5
    issued: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads_n)
    prepare = _thread_database(tmp_path)

    def work() -> None:
        try:
            prepare()
            start.wait(timeout=30)
            for _ in range(per_thread):
                with transaction.atomic():
                    number = next_number("CC", year=2026)
                with lock:
                    issued.append(number)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections["default"].close()

    workers = [threading.Thread(target=work) for _ in range(threads_n)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=120)

    assert not errors, errors
    assert all(not t.is_alive() for t in workers)
    total = threads_n * per_thread
    assert len(issued) == total
    assert len(set(issued)) == total
    assert sorted(issued) == [f"CC-2026-{i:06d}" for i in range(1, total + 1)]
