"""The `yewu` commands: backup/restore round trips, audit verify/seal/export, demo, worker, serve."""

from __future__ import annotations

import datetime
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

import yewu
from yewu.core import backup
from yewu.core.audit import record_event
from yewu.core.models import Attachment, Event, Seal
from yewu.core.services import add_attachment, add_comment
from yewu.core.testing.factories import grant

XES = "{http://www.xes-standard.org/}"
OLD = (timezone.now() - datetime.timedelta(hours=2)).replace(microsecond=0)


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def data_lines(path: Path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(backup.DATA)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def busy_company(company, media):
    """The persona company with what a backup must carry: events (microsecond timestamps, sealed
    and unsealed), a role granting a permission, a comment with a mention, an uploaded file."""
    grant(company.alice.user, "org.change_employee", role_name="HR-ish")
    company.bob.user.user_permissions.add(Permission.objects.get(codename="view_department"))
    for i in range(3):
        record_event(company.alice, "employee.updated", actor=company.admin, data={"i": i, "名": "值"},
                     at=OLD + datetime.timedelta(microseconds=123457 * (i + 1)))
    record_event(company.bob, "employee.created", actor=company.admin, data={"x": 1.5},
                 at=OLD + datetime.timedelta(seconds=1, microseconds=999999))
    assert backup.database_is_empty() != {}
    call_command("audit", "seal", stdout=io.StringIO())
    add_comment(company.alice, "请 @bob 看一下", actor=company.admin)
    add_attachment(company.alice, SimpleUploadedFile("合同.pdf", b"%PDF-1.4 test"), actor=company.admin)
    record_event(company.carol, "employee.created", actor=company.admin)  # unsealed, current time
    return company


@pytest.mark.django_db(transaction=True)
def test_backup_restore_round_trip(busy_company, media, tmp_path):
    assert Seal.objects.count() == 1
    first = tmp_path / "first.zip"
    out, _ = run("backup", str(first))
    assert "Backup written" in out

    with zipfile.ZipFile(first) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = zf.namelist()
    assert manifest["database_vendor"] == connection.vendor
    assert manifest["yewu_version"]
    assert manifest["counts"]["core.event"] == Event.objects.count() == 7
    assert manifest["counts"]["core.grant"] == 1
    assert manifest["media_files"] == 1
    assert [n for n in names if n.startswith("media/")] == [
        f"media/{Attachment.objects.get().file.name}"
    ]
    # microseconds survive (Django's own JSON encoder would cut them to milliseconds)
    assert b".123457+00:00" in data_lines(first) or b".123457Z" in data_lines(first)

    # an empty database takes the backup without --yes; the uploaded file comes back too
    call_command("flush", interactive=False, verbosity=0)
    for path in list(Path(media).rglob("*")):
        if path.is_file():
            path.unlink()
    assert backup.database_is_empty() == {}
    out, _ = run("restore", str(first))
    assert "Restored" in out
    attachment = Attachment.objects.get()
    assert attachment.file.read() == b"%PDF-1.4 test"
    assert attachment.record == busy_company.alice
    assert Event.objects.filter(timestamp=OLD + datetime.timedelta(microseconds=123457)).exists()
    role = busy_company.alice.user.groups.get(name="HR-ish")
    assert role.grants.get().permission.codename == "change_employee"
    assert busy_company.bob.user.user_permissions.get().codename == "view_department"

    out, _ = run("audit", "verify")
    assert out.startswith("Audit trail intact: 7 events in 3 cases, 1 seals")

    # a second backup of the restored data is byte for byte the same
    second = tmp_path / "second.zip"
    run("backup", str(second))
    assert data_lines(second) == data_lines(first)

    # new rows after a restore get fresh ids (sequences were reset)
    ev = record_event(busy_company.dave, "employee.created", actor=busy_company.admin)
    assert ev.pk > 7
    run("audit", "verify")


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_non_empty_database_without_yes(busy_company, media, tmp_path):
    path = tmp_path / "b.zip"
    run("backup", str(path))
    record_event(busy_company.dave, "employee.created", actor=busy_company.admin)
    before = backup.row_counts()
    with pytest.raises(CommandError) as exc:
        run("restore", str(path))
    message = str(exc.value)
    assert "not empty" in message and "--yes" in message and "core.event: 8" in message
    assert backup.row_counts() == before

    run("restore", str(path), "--yes")
    assert Event.objects.count() == 7
    run("audit", "verify")


@pytest.mark.django_db
def test_backup_refuses_to_overwrite_and_restore_rejects_other_files(tmp_path, media):
    path = tmp_path / "b.zip"
    path.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="already exists"):
        run("backup", str(path))
    with pytest.raises(CommandError, match="not a zip"):
        run("restore", str(path))
    run("backup", str(path), "--force")
    assert zipfile.is_zipfile(path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("media/../../evil.txt", "x")
    with pytest.raises(CommandError, match="unsafe file name"):
        run("restore", str(path), "--yes")


@pytest.mark.django_db
def test_audit_verify_detects_tampering(company):
    for i in range(3):
        record_event(company.alice, "employee.updated", actor=company.admin, data={"i": i})
    out, _ = run("audit", "verify")
    assert out.strip() == "Audit trail intact: 3 events in 1 cases, 0 seals verified."

    victim = Event.objects.get(seq=2)
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET data = %s WHERE id = %s", ['{"i":42}', victim.pk])
    err = io.StringIO()
    with pytest.raises(CommandError, match="NOT intact: 1 problem"):
        call_command("audit", "verify", stdout=io.StringIO(), stderr=err)
    assert err.getvalue().strip() == (
        f"event id {victim.pk} (case org.employee:{company.alice.pk} seq 2): content altered"
    )


@pytest.mark.django_db
def test_audit_seal_and_export_xes(company, tmp_path):
    for emp in (company.alice, company.bob, company.carol):
        for activity in ("employee.created", "employee.updated"):
            record_event(emp, activity, actor=company.admin, at=OLD)
    record_event(("core.test", "1"), "thing.done", actor=company.admin, at=OLD)

    out, _ = run("audit", "seal")
    assert out.startswith("Sealed 7 events")
    out, _ = run("audit", "seal")
    assert out.startswith("Nothing to seal")

    path = tmp_path / "all.xes"
    out, _ = run("audit", "export-xes", str(path))
    assert "Wrote 4 traces (7 events)" in out
    root = ET.parse(path).getroot()
    traces = root.findall(f"{XES}trace")
    assert len(traces) == 4
    names = sorted(t.find(f"{XES}string[@key='concept:name']").get("value") for t in traces)
    assert names == sorted([f"org.employee:{e.pk}" for e in (company.alice, company.bob, company.carol)]
                           + ["core.test:1"])
    assert all(len(t.findall(f"{XES}event")) == 2 for t in traces if "org.employee" in
               t.find(f"{XES}string[@key='concept:name']").get("value"))

    only = tmp_path / "employees.xes"
    run("audit", "export-xes", str(only), "--case-type", "org.employee")
    assert len(ET.parse(only).getroot().findall(f"{XES}trace")) == 3


@pytest.mark.django_db(transaction=True)
def test_demo_load_only_is_idempotent(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out, _ = run("demo", "--load-only")
    first = backup.row_counts()
    assert first["org.employee"] > 50 and first["core.event"] > 0
    assert "admin" in out and "Yewu@2026" in out and "http://127.0.0.1:8000/" in out
    out, _ = run("demo", "--load-only", "--port", "8123")
    assert backup.row_counts() == first
    assert "http://127.0.0.1:8123/" in out


@pytest.mark.django_db(transaction=True)
def test_worker_once_runs_queued_tasks_and_seals(company):
    from django_tasks_db.models import DBTaskResult

    from yewu.core.tasks import seal_audit_events

    record_event(company.alice, "employee.created", actor=company.admin, at=OLD)
    record_event(company.bob, "employee.created", actor=company.admin)  # too recent to seal
    seal_audit_events.enqueue()
    handler = signal.getsignal(signal.SIGTERM)
    out, _ = run("worker", "--once")
    assert "stopped after 1 task(s)" in out
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    seal = Seal.objects.get()
    assert (seal.first_event_id, seal.count) == (1, 1)
    assert signal.getsignal(signal.SIGTERM) is handler  # signal handlers are put back
    out, _ = run("audit", "verify")
    assert "1 seals verified" in out


@pytest.mark.django_db(transaction=True)
def test_worker_once_sends_the_copies_waiting_in_the_notification_outbox(company, mailoutbox):
    from yewu.core.models import Copies, Notification
    from yewu.core.services import notify

    company.bob.user.email = "bob@example.com"
    company.bob.user.save()
    notify([company.bob.user], title="待审批：PO-2026-000001")
    run("worker", "--once", "--seal-interval", "0")
    assert [m.subject for m in mailoutbox] == ["待审批：PO-2026-000001"]
    assert not Notification.objects.exclude(copies=Copies.NONE).exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_serve_runs_gunicorn_and_stops_on_sigterm(tmp_path):
    """`yewu serve` on a fresh SQLite data directory: migrates, collects static files, answers
    under gunicorn, stays small, and exits cleanly on SIGTERM."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YEWU_", "DATABASE_URL"))}
    env.update(YEWU_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="yewu.settings", YEWU_ACCESS_LOG="")
    proc = subprocess.Popen(
        [sys.executable, "-m", "yewu.cli", "serve", "--port", str(port), "--threads", "2"],
        cwd=Path(yewu.__file__).resolve().parent.parent, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    pytest.fail(f"serve did not come up:\n{proc.stdout.read()}")
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as resp:
            assert resp.status == 200
        children = [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
        assert len(children) == 1  # one worker by default
        assert _rss_mib(proc.pid) < 60  # the master does not import Django
        assert _rss_mib(children[0]) < 150
        assert (tmp_path / "static" / "admin").is_dir()  # collectstatic ran into the data dir
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, output
    assert f"Yewu is running at http://127.0.0.1:{port}/" in output
    assert "gthread" in output


@pytest.mark.django_db(transaction=True)
def test_a_backup_writes_many_to_many_values_in_a_fixed_order(company, media, tmp_path):
    """PostgreSQL and SQLite return a user's groups in different orders; the backup sorts them, so
    that backups of the same data are identical wherever they were made (CI compares them)."""
    import json
    import zipfile

    from django.contrib.auth.models import Group

    user = company.bob.user
    for name in ("丙", "乙", "甲", "b-role", "a-role"):
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    backup.create_backup(tmp_path / "b.zip")
    rows = zipfile.ZipFile(tmp_path / "b.zip").read("data.jsonl").decode().splitlines()
    bob = next(json.loads(r) for r in rows if '"model": "auth.user"' in r and '"username": "bob"' in r)
    groups = bob["fields"]["groups"]
    assert groups == sorted(groups, key=json.dumps) and len(groups) == 5


def test_rows_the_migrations_write_do_not_make_a_database_hold_data(db):
    """A freshly migrated database holds the loyalty formula's defaults (migration 0003_loyalty):
    a restore into it needs no --yes; a record anyone entered still does."""
    from yewu.core.backup import database_is_empty
    from yewu.crm.models import LoyaltyTier

    assert LoyaltyTier.objects.exists()
    assert database_is_empty() == {}
    from yewu.core.testing.factories import DepartmentFactory

    DepartmentFactory()
    assert "org.department" in database_is_empty()


def test_json_values_are_written_with_sorted_keys_so_every_database_dumps_the_same():
    from yewu.core.backup import _sorted_keys

    value = {"weight": 20, "key": "value", "sources": {"surveys": 2, "answers": 1}, "list": [{"b": 1, "a": 2}]}
    out = _sorted_keys(value)
    assert json.dumps(out) == json.dumps(value, sort_keys=True)
    assert out == value
