"""Settings read from the environment: what a deployment's variables turn into."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

PRINT_DB = (
    "import json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'yewu.settings');"
    "from django.conf import settings; d = settings.DATABASES['default'];"
    "print(json.dumps({'engine': d['ENGINE'], 'options': d.get('OPTIONS', {})}))"
)


def _database(tmp_path, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("YEWU_", "DATABASE_URL"))}
    clean.update(YEWU_DATA_DIR=str(tmp_path), **env)
    out = subprocess.run([sys.executable, "-c", PRINT_DB], env=clean, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_postgresql_binds_parameters_on_the_server_and_prepares_repeated_statements(tmp_path):
    url = "postgres://yewu:secret@127.0.0.1:5432/yewu"
    assert _database(tmp_path, DATABASE_URL=url)["options"] == {"server_side_binding": True, "prepare_threshold": 5}
    assert _database(tmp_path, DATABASE_URL=url, YEWU_PG_PREPARE_THRESHOLD="2")["options"]["prepare_threshold"] == 2
    assert "server_side_binding" not in _database(tmp_path, DATABASE_URL=url, YEWU_PG_SERVER_SIDE_BINDING="0")["options"]
    sqlite = _database(tmp_path)
    assert sqlite["engine"] == "django.db.backends.sqlite3" and "server_side_binding" not in sqlite["options"]


@pytest.mark.django_db
def test_the_test_database_runs_with_the_settings_a_site_gets():
    from django.db import connection

    if connection.vendor == "postgresql" and os.environ.get("YEWU_PG_SERVER_SIDE_BINDING", "1") != "0":
        assert settings.DATABASES["default"]["OPTIONS"]["server_side_binding"] is True
        with connection.cursor() as cursor:
            for _ in range(6):  # past the threshold: the statement is prepared on the server
                cursor.execute("SELECT %s::integer + 1", [41])
                assert cursor.fetchone() == (42,)
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            assert cursor.fetchone()[0] >= 1


def test_a_long_running_process_settles_its_start_up_heap():
    """`settle()` (web workers via yewu.wsgi / yewu.asgi, `yewu worker`) loads every view and keeps
    what is alive then out of the garbage collector's full collections."""
    import gc
    import importlib

    from yewu.core.runtime import settle

    gc.unfreeze()
    try:
        settle()
        assert gc.get_freeze_count() > 10_000  # Django, the apps and their views
        gc.unfreeze()
        importlib.reload(importlib.import_module("yewu.wsgi"))  # the web worker's entry point settles too
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
