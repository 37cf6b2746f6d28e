"""`yewu process import FILE` and `yewu process export KEY PATH`: exit 0 with the key and version of
the new draft, non-zero with the precise reason when refused, never a traceback."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from yewu.core.testing.factories import UserFactory
from yewu.workflow import definitions, packs
from yewu.workflow.choices import VersionStatus
from yewu.workflow.models import ProcessDefinition, ProcessVersion
from yewu.workflow.testing.bpmn import chain

SCRIPT = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
    '<bpmn:process id="pc_evil" isExecutable="true"><bpmn:startEvent id="s"/>'
    '<bpmn:scriptTask id="shell"><bpmn:script>import os</bpmn:script></bpmn:scriptTask></bpmn:process>'
    "</bpmn:definitions>"
)


def run(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("process", *args, stdout=out)
    return out.getvalue()


def refusal(*args: str) -> str:
    with pytest.raises(CommandError) as exc, translation.override("en"):
        call_command("process", *args, stdout=io.StringIO())
    return str(exc.value)


@pytest.fixture
def bpmn_file(tmp_path) -> Path:
    path = tmp_path / "purchase.bpmn"
    path.write_text(chain("pc_purchase", ["head", "gm"], {"head": "部门审批", "gm": "总经理审批"}), encoding="utf-8")
    return path


def test_import_prints_the_key_and_version_of_the_new_draft(company, bpmn_file):
    assert run("import", str(bpmn_file)) == (
        "Imported pc_purchase version 1 as a draft (process pc_purchase, 2 steps).\n")
    out = run("import", str(bpmn_file), "--key", "pc_purchase", "--notes", "第二稿")
    assert "pc_purchase version 2" in out
    version = ProcessVersion.objects.get(definition__key="pc_purchase", version=2)
    assert version.status == VersionStatus.DRAFT and version.notes == "第二稿"
    assert version.created_by == company.admin  # the first active superuser acts by default


def test_import_names_a_new_process_and_its_owner(company, bpmn_file):
    run("import", str(bpmn_file), "--key", "pc-buy", "--name", "采购", "--department", "sales",
        "--as", company.admin.username)
    definition = ProcessDefinition.objects.get(key="pc-buy")
    assert (definition.name, definition.owner_department) == ("采购", company.sales)


def test_validate_only_checks_and_stores_nothing(company, bpmn_file):
    out = run("import", str(bpmn_file), "--validate-only")
    assert out.startswith("Valid: process pc_purchase") and "head, gm" in out
    assert not ProcessDefinition.objects.exists()


def test_a_refused_file_is_an_error_with_the_element_and_its_id(company, tmp_path):
    path = tmp_path / "evil.bpmn"
    path.write_text(SCRIPT, encoding="utf-8")
    for extra in ([], ["--validate-only"]):
        message = refusal("import", str(path), *extra)
        assert message.startswith("Refused: The BPMN file cannot be used: scriptTask 'shell'"), message
    assert not ProcessDefinition.objects.exists()


def test_collaborations_and_descriptive_processes_need_the_options(company, tmp_path):
    body = ('<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
            '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>')
    path = tmp_path / "pools.bpmn"
    path.write_text(
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
        f'<bpmn:process id="pc_a" isExecutable="false">{body}</bpmn:process>'
        f'<bpmn:process id="pc_b" isExecutable="false">{body}</bpmn:process></bpmn:definitions>', encoding="utf-8")
    assert "collaboration with 2 pools" in refusal("import", str(path))
    assert "isExecutable" in refusal("import", str(path), "--process", "pc_b")
    assert "pc_b version 1" in run("import", str(path), "--process", "pc_b", "--executable")


def test_usage_errors_are_errors_not_tracebacks(company, bpmn_file, tmp_path):
    assert "Cannot read" in refusal("import", str(tmp_path / "missing.bpmn"))
    assert "is a directory" in refusal("import", str(tmp_path))
    assert "No active user nobody" in refusal("import", str(bpmn_file), "--as", "nobody")
    assert "No department with the code" in refusal("import", str(bpmn_file), "--department", "mars")
    big = tmp_path / "big.bpmn"
    big.write_bytes(b" " * (definitions.MAX_BYTES + 1))
    assert "the limit is 2048 KiB" in refusal("import", str(big))


def test_without_an_administrator_the_command_asks_who_acts(db, bpmn_file):
    assert "pass --as USERNAME" in refusal("import", str(bpmn_file))
    UserFactory(username="clerk")
    assert "You do not have permission" in refusal("import", str(bpmn_file), "--as", "clerk")


def test_export_writes_the_version_as_it_was_imported(company, bpmn_file, tmp_path, capsys):
    run("import", str(bpmn_file))
    copy = definitions.copy_version(ProcessVersion.objects.get(), actor=company.admin)
    target = tmp_path / "out.bpmn"
    assert "Wrote pc_purchase version 1" in run("export", "pc_purchase", "--version", "1", str(target))
    exported = target.read_text(encoding="utf-8")
    assert exported == definitions.export_bpmn(ProcessVersion.objects.get(version=1))
    assert "BPMNDiagram" in exported  # a file without a diagram gets a layout on the way out
    run("export", "pc_purchase", "-")  # no published version: the latest
    assert capsys.readouterr().out == definitions.export_bpmn(copy)
    assert "No process nokey" in refusal("export", "nokey", str(target))
    assert "No version 9" in refusal("export", "pc_purchase", "--version", "9", str(target))


def test_the_real_command_exits_with_a_status_and_no_traceback(tmp_path):
    """Through `python -m yewu.cli` as an administrator would run it: 0 valid, 1 refused, 2 usage."""
    env = {**os.environ, "YEWU_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "yewu.settings",
           "LANGUAGE": "en"}
    good = tmp_path / "good.bpmn"
    good.write_text(chain("pc_cli", ["a"]), encoding="utf-8")
    garbage = tmp_path / "garbage.bpmn"
    garbage.write_bytes(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "yewu.cli", "process", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    ok = cli("import", str(good), "--validate-only")
    assert ok.returncode == 0 and "pc_cli" in ok.stdout, ok.stderr
    bad = cli("import", str(garbage), "--validate-only")
    assert bad.returncode == 1 and "DOCTYPE" in bad.stderr and "Traceback" not in bad.stderr
    assert "root:" not in bad.stdout + bad.stderr
    usage = cli("import")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


# --- install -------------------------------------------------------------------------------------

DEFAULT_KEYS = {"process_standard", "seal_use", "business_trip", "general_request"}
PROCUREMENT_KEYS = {"procurement_requisition", "procurement_order", "procurement_contract"}


def _published() -> dict[str, list[int]]:
    return {
        d.key: sorted(d.versions.filter(status=VersionStatus.PUBLISHED).values_list("version", flat=True))
        for d in ProcessDefinition.objects.all()
    }


def test_install_publishes_every_pack_and_a_second_run_installs_nothing(company):
    out = run("install")
    assert "Default regulation pack (default):" in out and "Procurement processes (procurement):" in out
    assert "installed process_standard (流程标准发布), version 1: Published" in out
    assert "installed procurement_requisition" in out
    published = _published()
    assert {key: published.get(key) for key in DEFAULT_KEYS | PROCUREMENT_KEYS} == {
        key: [1] for key in DEFAULT_KEYS | PROCUREMENT_KEYS}
    assert all(v.created_by == company.admin for v in ProcessVersion.objects.all())  # the first superuser
    versions = set(ProcessVersion.objects.values_list("pk", flat=True))

    again = run("install")
    with translation.override("en"):  # the labels as the command printed them
        expected = [f"{pack.label} ({pack.name}): nothing new, its processes exist already."
                    for pack in packs.all_packs()]
    assert again.splitlines() == [*expected, "Nothing new to install."]
    assert set(ProcessVersion.objects.values_list("pk", flat=True)) == versions


def test_install_installs_only_the_named_pack_and_leaves_changed_processes_alone(company):
    out = run("install", "procurement", "--as", company.admin.username)
    assert "Default regulation pack" not in out
    assert set(_published()) == PROCUREMENT_KEYS
    requisition = ProcessDefinition.objects.get(key="procurement_requisition")
    definitions.copy_version(requisition.versions.get(), actor=company.admin)  # an administrator's draft 2
    run("install", "procurement", "default")
    assert set(_published()) == DEFAULT_KEYS | PROCUREMENT_KEYS
    assert sorted(requisition.versions.values_list("version", "status")) == [
        (1, VersionStatus.PUBLISHED), (2, VersionStatus.DRAFT)]


def test_install_lists_the_registered_packs(db):
    lines = run("install", "--list").splitlines()
    assert lines[:2] == ["default\tDefault regulation pack", "procurement\tProcurement processes"]
    assert len(lines) == len(packs.all_packs())
    assert not ProcessDefinition.objects.exists()


def test_an_unknown_pack_name_exits_1_and_installs_nothing(company):
    with pytest.raises(CommandError) as exc, translation.override("en"):
        call_command("process", "install", "default", "nope", stdout=io.StringIO())
    assert exc.value.returncode == 1
    known = ", ".join(p.name for p in packs.all_packs())
    assert str(exc.value) == f"No pack named nope. Packs: {known}."
    assert str(exc.value).startswith("No pack named nope. Packs: default, procurement")
    assert not ProcessDefinition.objects.exists()


def test_install_without_a_superuser_exits_1_and_installs_nothing(db):
    UserFactory(username="clerk")
    UserFactory(username="retired", is_superuser=True, is_active=False)
    with pytest.raises(CommandError) as exc, translation.override("en"):
        call_command("process", "install", stdout=io.StringIO())
    assert exc.value.returncode == 1
    assert "No active superuser to install as" in str(exc.value)
    assert refusal("install", "--as", "clerk") == "clerk is not an active superuser."
    assert refusal("install", "--as", "retired") == "retired is not an active superuser."
    assert not ProcessDefinition.objects.exists()


def test_the_real_install_command_exits_1_on_an_unknown_pack(tmp_path):
    env = {**os.environ, "YEWU_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "yewu.settings",
           "LANGUAGE": "en"}
    bad = subprocess.run([sys.executable, "-m", "yewu.cli", "process", "install", "nope"], env=env,
                         capture_output=True, text=True, timeout=120)
    # the command speaks the site's language (zh-hans by default): the name and the packs it knows
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "nope" in bad.stderr and "default, procurement" in bad.stderr
