"""BPMN drawn in other tools: every file of the BPMN MIWG test suite (../shared/conformance/bpmn-miwg,
reference models and their Camunda Modeler exports) imports, or is refused with a reason that names
the element the engine cannot run and its id. Imported files export byte for byte as they came, run
end to end, and render in the bpmn-js viewer. Hostile files (malformed XML, entity bombs, external
entities, huge or deeply nested documents, script tasks, ...) are refused with a precise reason
through every channel (service, command, API, upload page): never a server error or a traceback.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation
from lxml import etree

from yewu.core.errors import DomainError
from yewu.core.testing.api import api_client
from yewu.core.testing.browser import browser, chromium_path, demo, static_files  # noqa: F401
from yewu.workflow import bpmn_check, definitions, engine, services
from yewu.workflow.choices import InstanceStatus, TaskStatus, VersionStatus
from yewu.workflow.models import ProcessDefinition, ProcessVersion
from yewu.workflow.testing.bpmn import chain

CONFORMANCE = Path(__file__).resolve().parents[3].parent / "shared/conformance/bpmn-miwg"
FILES = sorted(CONFORMANCE.rglob("*.bpmn")) if CONFORMANCE.is_dir() else []
needs_suite = pytest.mark.skipif(not FILES, reason=f"the BPMN MIWG files are not at {CONFORMANCE}")

#: Files known to import as they are, and with --executable (descriptive diagrams made executable).
#: More may import as the engine learns more; fewer would be a regression.
IMPORT_AS_THEY_ARE = {"camunda-modeler/A.4.0-export.bpmn", "camunda-modeler/A.4.1-export.bpmn"}
IMPORT_WITH_EXECUTABLE = IMPORT_AS_THEY_ARE | {"camunda-modeler/A.1.0-export.bpmn", "reference/A.1.0.bpmn"}

NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'


def _name(path: Path) -> str:
    return str(path.relative_to(CONFORMANCE))


def _ids(data: bytes) -> set[str]:
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    return {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}


def _english(exc: DomainError) -> str:
    with translation.override("en"):
        return exc.message


def _outcome(data: bytes, actor, *, make_executable: bool) -> tuple[ProcessVersion | None, str]:
    try:
        return definitions.import_bpmn(data, actor=actor, make_executable=make_executable), ""
    except DomainError as exc:
        assert exc.code == "workflow.invalid_bpmn", exc.code
        return None, _english(exc)


def assert_precise(reason: str, ids: set[str]) -> None:
    """A refusal names at least one element of the file by its id, and shows no internals."""
    named = set(re.findall(r"'([^']+)'", reason))
    assert named & ids, f"the reason names no element of the file: {reason}"
    assert "Traceback" not in reason and "Error(" not in reason and len(reason) < 800, reason


# --- the conformance suite -----------------------------------------------------------------------


@needs_suite
@pytest.mark.parametrize("make_executable", [False, True], ids=["as-is", "executable"])
@pytest.mark.parametrize("path", FILES, ids=[_name(p) for p in FILES])
def test_every_file_imports_or_is_refused_naming_the_element_and_its_id(company, path, make_executable):
    data = path.read_bytes()
    version, reason = _outcome(data, company.admin, make_executable=make_executable)
    expected = IMPORT_WITH_EXECUTABLE if make_executable else IMPORT_AS_THEY_ARE
    if version is None:
        assert_precise(reason, _ids(data))
        assert _name(path) not in expected, f"{_name(path)} used to import: {reason}"
        return
    assert version.status == VersionStatus.DRAFT and version.process_id in _ids(data)
    exported = definitions.export_bpmn(version)
    original = data.decode("utf-8")
    if make_executable and exported != original:
        # The one change --executable makes: the chosen process's isExecutable attribute.
        assert exported == bpmn_check._make_executable(original, version.process_id)
    else:
        assert exported == original  # the diagram interchange comes back untouched
    assert definitions.steps_of(version), "an imported file has people's steps for the settings forms"


@needs_suite
def test_the_imported_files_run_end_to_end(company):
    """Whatever imports also runs: publish it, start it as bob, and let each step's assignee
    (the administrator, as no step has settings yet) approve until the approval is done."""
    ran = []
    for path in FILES:
        if _name(path) not in IMPORT_WITH_EXECUTABLE:
            continue
        key = re.sub(r"[^a-z0-9]+", "-", _name(path).lower()).strip("-")
        version = definitions.import_bpmn(path.read_bytes(), actor=company.admin, key=key, make_executable=True)
        engine.forget(version.pk)
        definitions.set_version_status(version, VersionStatus.REVIEW, actor=company.admin)
        definitions.set_version_status(version, VersionStatus.PUBLISHED, actor=company.admin)
        instance = services.start_process(key, actor=company.bob.user, title=_name(path))
        for _ in range(20):
            task = instance.tasks.filter(status=TaskStatus.OPEN).first()
            if task is None:
                break
            services.approve_task(task, actor=task.assignee)
        instance.refresh_from_db()
        assert instance.status == InstanceStatus.APPROVED, (_name(path), instance.status)
        ran.append(_name(path))
    assert sorted(ran) == sorted(IMPORT_WITH_EXECUTABLE)


@needs_suite
def test_the_command_reports_each_file_with_an_exit_status(company):
    accepted = CONFORMANCE / "camunda-modeler/A.4.0-export.bpmn"
    out = io.StringIO()
    with translation.override("en"):
        call_command("process", "import", str(accepted), stdout=out)
    assert "Imported process_0elb8rq version 1 as a draft" in out.getvalue()
    with pytest.raises(CommandError) as exc, translation.override("en"):
        call_command("process", "import", str(CONFORMANCE / "reference/C.9.1.bpmn"))
    assert "sendTask 'SendTask_RequestDocument'" in str(exc.value)


# --- hostile and broken files --------------------------------------------------------------------


def _deep(levels: int) -> bytes:
    return b"<a>" * levels + b"</a>" * levels


def _process(body: str) -> bytes:
    return (f'<bpmn:definitions {NS} id="d" targetNamespace="x"><bpmn:process id="p" isExecutable="true">'
            f"{body}</bpmn:process></bpmn:definitions>").encode()


HOSTILE = {
    "malformed XML": (b"<bpmn:definitions " + NS.encode() + b"><bpmn:process id='p'>", "not well-formed XML"),
    "empty file": (b"", "the file is empty"),
    "only whitespace": (b" \n\t ", "the file is empty"),
    "non-BPMN XML": (b"<html><body>hello</body></html>", "the root element is <html>"),
    "XML in another namespace": (b"<definitions xmlns='urn:x'><process id='p'/></definitions>",
                                 "not BPMN 2.0 <definitions>"),
    "billion laughs": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
        + b"]><lolz>&lol9;</lolz>",
        "document type declarations",
    ),
    "external entity (XXE)": (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<bpmn:definitions " + NS.encode() + b'><bpmn:process id="p" name="&xxe;"/></bpmn:definitions>',
        "document type declarations",
    ),
    "external entity in UTF-16": (
        ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
         f'<bpmn:definitions {NS}><bpmn:process id="p" name="&xxe;"/></bpmn:definitions>').encode("utf-16"),
        "document type declarations",
    ),
    "huge file": (b"<a>" + b"x" * (2 * 1024 * 1024 + 1) + b"</a>", "the limit is 2048 KiB"),
    "deeply nested elements": (_deep(100_000), "nested more than 256 levels deep"),
    "deeply nested sub-processes": (
        _process('<bpmn:startEvent id="s"/>' + "".join(f'<bpmn:subProcess id="sp{i}">' for i in range(60))
                 + "</bpmn:subProcess>" * 60),
        "subProcess 'sp20' is nested 21 sub-processes deep",
    ),
    "a path too long for the engine": (chain("p", [f"t{i}" for i in range(600)]).encode(), "too long for the engine"),
    "too many elements": (_process("".join(f'<bpmn:userTask id="t{i}"/>' for i in range(5001))), "more than 5000"),
    "script task": (
        _process('<bpmn:startEvent id="s"/><bpmn:scriptTask id="steal" name="run"><bpmn:script>'
                 "__import__('os').system('id')</bpmn:script></bpmn:scriptTask><bpmn:endEvent id='e'/>"
                 '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="steal"/>'
                 '<bpmn:sequenceFlow id="f2" sourceRef="steal" targetRef="e"/>'),
        "scriptTask 'steal' (run): script tasks run code",
    ),
    "binary garbage": (bytes(range(256)) * 64, "not UTF-8 text"),
    "NUL characters": (b"<bpmn:definitions \x00/>", "NUL characters"),
    "no process": (f"<bpmn:definitions {NS}/>".encode(), "the file has no <process>"),
    "unknown encoding": (b'<?xml version="1.0" encoding="klingon"?>\xff<a/>', "encoding klingon"),
    "a process without start": (_process('<bpmn:userTask id="lonely"/>'), "process"),
}


@pytest.mark.parametrize(("data", "expected"), list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_files_are_refused_precisely_through_every_channel(company, data, expected):
    with pytest.raises(DomainError) as exc:
        definitions.import_bpmn(data, actor=company.admin)
    reason = _english(exc.value)
    assert exc.value.code == "workflow.invalid_bpmn" and expected in reason, reason
    assert "root:" not in reason and "Traceback" not in reason
    # The API answers 400 with the same code; the upload page shows the reason; nothing is stored.
    api = api_client(company.admin, language="en")
    resp = api.post("/api/workflow/definitions/import/", {"file": SimpleUploadedFile("x.bpmn", data)},
                    format="multipart")
    assert resp.status_code == 400 and resp.json()["code"] in ("workflow.invalid_bpmn", "invalid"), resp.content[:300]
    assert "root:" not in resp.content.decode("utf-8", "replace")
    ui = Client()
    ui.force_login(company.admin)
    page = ui.post("/processes/import/", {"file": SimpleUploadedFile("x.bpmn", data)}, headers={"Accept-Language": "en"})
    html = page.content.decode()
    assert page.status_code == 400 and ('data-testid="form-error"' in html or "invalid-feedback d-block" in html)
    assert not ProcessDefinition.objects.exists()


def test_hostile_files_through_the_command_exit_non_zero_with_the_reason(company, tmp_path):
    for name, (data, expected) in HOSTILE.items():
        path = tmp_path / "x.bpmn"
        path.write_bytes(data)
        for extra in ([], ["--validate-only"]):
            with pytest.raises(CommandError) as exc, translation.override("en"):
                call_command("process", "import", str(path), *extra)
            assert expected in str(exc.value), (name, str(exc.value))


# --- rendering -----------------------------------------------------------------------------------


@needs_suite
@pytest.mark.browser
def test_imported_files_render_in_the_viewer_with_markers_and_the_watermark(browser):  # noqa: F811
    """The version page draws the diagram with bpmn-js; YewuDiagram.show marks done and current
    steps; the bpmn.io watermark stays visible; the modeler opens drafts and saves them."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse
    from playwright.sync_api import expect

    from yewu.core.testing.browser import sign_in

    admin = get_user_model().objects.get(username="admin")
    versions = [definitions.import_bpmn((CONFORMANCE / name).read_bytes(), actor=admin, make_executable=True)
                for name in sorted(IMPORT_WITH_EXECUTABLE)]
    page = browser.page()
    page.goto(reverse("core:login"))
    sign_in(page, "admin")
    for version in versions:
        page.goto(version.get_absolute_url())
        expect(page.locator("#yw-diagram[data-diagram-state=ready]")).to_have_count(1)
        assert page.locator("#yw-diagram .djs-shape").count() >= 3
        expect(page.locator("#yw-diagram .bjs-powered-by")).to_be_visible()
    steps = [s.id for s in definitions.steps_of(versions[0])]
    page.goto(versions[0].get_absolute_url())
    expect(page.locator("#yw-diagram[data-diagram-state=ready]")).to_have_count(1)
    page.evaluate(
        """([url, done, current]) => {
          const el = document.createElement("div"); el.id = "probe"; document.body.appendChild(el);
          return YewuDiagram.show(el, url, {done: done, current: current}).then(r => r.missing);
        }""",
        [reverse("processes:version_export", args=[versions[0].pk]), steps[:1], steps[1:2] + ["no-such-step"]],
    )
    expect(page.locator(f'#probe [data-element-id="{steps[0]}"].yw-done')).to_have_count(1)
    expect(page.locator(f'#probe [data-element-id="{steps[1]}"].yw-current')).to_have_count(1)
    page.goto(f"/processes/versions/{versions[0].pk}/modeler/")
    expect(page.locator("#yw-modeler[data-state=ready]")).to_have_count(1)
    expect(page.locator("#yw-modeler .bjs-powered-by")).to_be_visible()
    page.get_by_test_id("modeler-save").click()
    expect(page.get_by_test_id("modeler-status")).to_have_class(re.compile("alert-success"))
