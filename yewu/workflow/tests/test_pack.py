"""The default regulation pack runs end to end for the demo company, on every branch of its routes."""

from __future__ import annotations

import json
import time

import pytest
from django.contrib.auth import get_user_model
from lxml import etree

from yewu.core.models import Event
from yewu.org import demo as org_demo
from yewu.org.models import Department, Employee
from yewu.workflow import definitions, engine, forms_schema, pack, publishing, services
from yewu.workflow.choices import InstanceStatus, TaskStatus, VersionStatus
from yewu.workflow.models import ProcessDefinition, ProcessInstance, ProcessVersion

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
FLOW_NODES = ("startEvent", "endEvent", "userTask", "exclusiveGateway", "parallelGateway", "businessRuleTask")


# --- the files, without a database ---------------------------------------------------------------


@pytest.mark.parametrize("process", pack.PROCESSES, ids=lambda p: p.key)
def test_each_bpmn_passes_the_import_checks_and_the_engine_parses_it_with_its_dmn(process):
    process_id, name = definitions.validate_bpmn(process.bpmn_xml())
    assert (process_id, name) == (process.key, process.name)
    spec, _subprocesses = engine.parse(process.bpmn_xml(), process.key, process.dmn_xml(), strict_decisions=True)
    assert spec.name == process.key


@pytest.mark.parametrize("process", pack.PROCESSES, ids=lambda p: p.key)
def test_each_step_has_valid_settings_an_sop_and_a_time_limit(process):
    steps = {s.id: s for s in definitions.steps_of(ProcessVersion(bpmn_xml=process.bpmn_xml(), process_id=process.key))}
    assert set(steps) == set(process.steps), "settings for exactly the people's steps of the diagram"
    for step_id, settings in process.steps.items():
        cleaned = definitions.clean_step_settings(step_id, settings)
        assert {k: v for k, v in settings.items() if k in definitions.STEP_KEYS} == cleaned
        assert len(settings["sop"]) > 60 and settings["due_hours"] > settings["remind_before_hours"] > 0
        assert steps[step_id].lane, f"{step_id} sits in a lane (its role)"


@pytest.mark.parametrize("process", pack.PROCESSES, ids=lambda p: p.key)
def test_each_form_is_a_valid_schema(process):
    assert forms_schema.validate_schema(process.form) == []


@pytest.mark.parametrize("process", pack.PROCESSES, ids=lambda p: p.key)
def test_each_diagram_has_a_shape_for_every_element_inside_its_lane(process):
    root = etree.fromstring(process.bpmn_xml().encode())
    proc = root.find(f"{BPMN}process")
    nodes = {n.get("id"): n for n in proc if etree.QName(n).localname in FLOW_NODES}
    flows = [f.get("id") for f in proc.iter(f"{BPMN}sequenceFlow")]
    shapes = {s.get("bpmnElement"): s for s in root.iter(f"{BPMNDI}BPMNShape")}
    edges = {e.get("bpmnElement") for e in root.iter(f"{BPMNDI}BPMNEdge")}
    assert set(nodes) <= set(shapes) and set(flows) <= edges
    in_lane = {ref.text for ref in proc.iter(f"{BPMN}flowNodeRef")}
    assert in_lane == set(nodes)

    def bounds(element_id):
        b = shapes[element_id].find("{http://www.omg.org/spec/DD/20100524/DC}Bounds")
        return [float(b.get(k)) for k in ("x", "y", "width", "height")]

    for lane in proc.iter(f"{BPMN}lane"):
        lx, ly, lw, lh = bounds(lane.get("id"))
        for ref in lane.iter(f"{BPMN}flowNodeRef"):
            x, y, w, h = bounds(ref.text)
            assert lx <= x and x + w <= lx + lw and ly <= y and y + h <= ly + lh, ref.text
    boxes = [bounds(n) for n in nodes]
    for i, a in enumerate(boxes):  # no two shapes overlap
        for b in boxes[i + 1:]:
            assert a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]


# --- the demo company ----------------------------------------------------------------------------


@pytest.fixture
def org(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org_demo.load()
    admin = get_user_model().objects.get(username="admin")
    pack.install(admin)
    return admin


def login(username):
    return get_user_model().objects.get(username=username)


def give_login(employee: Employee, username: str):
    """Most demo employees have no login; tests give one (with the staff role, as every demo login
    has) to the people a route needs."""
    from yewu.core.roles import ensure_default_roles

    user = get_user_model().objects.create_user(username=username, first_name=employee.name)
    user.groups.add(ensure_default_roles()["staff"])
    Employee.objects.filter(pk=employee.pk).update(user=user)
    return user


@pytest.fixture
def team(org):
    """A business-department specialist in a group: supervisor = group leader, head = business manager."""
    business = Department.objects.get(code="business")
    leader = Employee.objects.filter(department=business, position__code="team-leader").order_by("employee_no").first()
    member = Employee.objects.filter(supervisor=leader).order_by("employee_no").first()
    return give_login(member, "member"), give_login(leader, "leader")


@pytest.fixture
def seal_keeper(org):
    gmo_manager = Employee.objects.get(department__code="gmo", position__code="manager")
    return give_login(gmo_manager, "keeper")


def start(key, requester, data, title="申请"):
    """What the start page and the API do: clean the form against the published version, then start."""
    version = ProcessDefinition.objects.get(key=key).published_version()
    values = forms_schema.clean(version.form, data, user=requester)
    return services.start_process(key, actor=requester, title=title, form=values)


def run(instance, *, reject_at=None):
    """Approve every open task as its assignee until the approval ends; return [(step, username)]."""
    route = []
    for _ in range(20):
        instance.refresh_from_db()
        if instance.status != InstanceStatus.RUNNING:
            break
        tasks = list(instance.tasks.filter(status=TaskStatus.OPEN).select_related("assignee").order_by("step_id", "pk"))
        assert tasks, "a running approval always waits for somebody"
        for task in tasks:
            route.append((task.step_id, task.assignee.username))
            if task.step_id == reject_at:
                services.reject_task(task, actor=task.assignee, comment="不同意")
                break
            services.approve_task(task, actor=task.assignee, comment="同意")
    instance.refresh_from_db()
    return route


def auto_passed(instance):
    return sorted(a.split(".")[0] for a in Event.objects.filter(
        process_instance=instance.number, activity__endswith=".auto_approved").values_list("activity", flat=True))


STANDARD = {
    "process_name": "印章管理流程", "change_type": "revise", "process_code": "seal_use", "purpose": "规范用印。",
    "steps": [{"step": "部门负责人审批", "role": "部门经理", "hours": "24", "approval": "single"},
              {"step": "用印登记", "role": "总经理办公室", "hours": 8}],
    "trial_period": ["2026-03-01", "2026-03-31"], "review_months": 12,
}


def test_process_standard_goes_through_head_countersign_trial_and_gm(org):
    business = Department.objects.get(code="business")
    inst = start("process_standard", login("pm"), {**STANDARD, "owner_department": business.pk})
    assert run(inst) == [
        ("draft_confirm", "bizmgr"), ("review_central", "central"), ("review_legal", "legal"),
        ("trial_confirm", "central"), ("release", "gm"),
    ]
    assert inst.status == InstanceStatus.APPROVED
    lanes = dict(inst.tasks.values_list("step_id", "lane"))
    assert lanes["review_legal"] == "法务部" and lanes["release"] == "总经理"


def test_a_department_head_drafting_skips_their_own_confirmation(org):
    inst = start("process_standard", login("bizmgr"), {**STANDARD, "owner_department": Department.objects.get(code="business").pk})
    assert run(inst)[0] == ("review_central", "central")
    assert inst.status == InstanceStatus.APPROVED and auto_passed(inst) == ["draft_confirm"]


def test_countersign_ends_at_the_first_rejection(org):
    inst = start("process_standard", login("pm"), {**STANDARD, "owner_department": Department.objects.get(code="business").pk})
    route = run(inst, reject_at="review_central")
    assert route == [("draft_confirm", "bizmgr"), ("review_central", "central")]
    assert inst.status == InstanceStatus.REJECTED
    assert not inst.tasks.filter(status=TaskStatus.OPEN).exists()


SEAL = {"doc_type": "letter", "seal_types": ["company"], "doc_title": "关于参加展会的函", "copies": 2,
        "use_date": "2026-03-02", "reason": "报送展会主办方。"}


def test_seal_use_for_a_letter_goes_from_the_head_to_the_seal_keeper(org, seal_keeper):
    inst = start("seal_use", login("pm"), SEAL)
    assert run(inst) == [("dept_head", "bizmgr"), ("seal_keeper", "keeper")]
    assert inst.status == InstanceStatus.APPROVED


def test_seal_use_for_a_contract_goes_through_legal(org, seal_keeper):
    inst = start("seal_use", login("pm"), {**SEAL, "doc_type": "contract", "seal_types": ["contract"],
                                           "counterparty": "华东某客户", "contract_amount": "86000"})
    assert run(inst) == [("dept_head", "bizmgr"), ("legal_review", "legal"), ("seal_keeper", "keeper")]
    assert inst.status == InstanceStatus.APPROVED


def test_legal_can_stop_a_contract_from_being_sealed(org, seal_keeper):
    inst = start("seal_use", login("pm"), {**SEAL, "doc_type": "contract", "seal_types": ["contract"]})
    assert run(inst, reject_at="legal_review") == [("dept_head", "bizmgr"), ("legal_review", "legal")]
    assert inst.status == InstanceStatus.REJECTED


def test_without_a_seal_keeper_login_the_administrator_gets_the_step(org):
    Employee.objects.filter(department__code="gmo", position__code="manager").update(user=None)  # demo has one
    inst = start("seal_use", login("pm"), SEAL)
    assert run(inst) == [("dept_head", "bizmgr"), ("seal_keeper", "admin")]


def trip(days, cost, trip_type="domestic"):
    return {"destination": "深圳", "trip_type": trip_type, "period": ["2026-03-02", "2026-03-03"], "days": days,
            "purpose": "客户拜访", "transport": "train", "estimated_cost": cost,
            "cost_items": [{"item": "transport", "amount": "800"}, {"item": "hotel", "amount": "1200"}]}


@pytest.mark.parametrize(("days", "cost", "trip_type", "route"), [
    (2, "3000", "domestic", ["supervisor"]),
    (5, "3000", "domestic", ["supervisor", "dept_head"]),
    (2, "12000", "domestic", ["supervisor", "gm"]),
    (5, "10000.01", "domestic", ["supervisor", "dept_head", "gm"]),
    (3, "10000", "domestic", ["supervisor"]),
    (1, "2000", "overseas", ["supervisor", "gm"]),
], ids=["short", "long", "costly", "long-and-costly", "at-the-limits", "overseas"])
def test_business_trip_routes(org, team, days, cost, trip_type, route):
    member, _leader = team
    inst = start("business_trip", member, trip(days, cost, trip_type))
    steps = run(inst)
    who = {"supervisor": "leader", "dept_head": "bizmgr", "gm": "gm"}
    assert steps == [(s, who[s]) for s in route]
    assert inst.status == InstanceStatus.APPROVED


def test_the_gm_decision_comes_from_the_dmn_table(org, team):
    member, _leader = team
    inst = start("business_trip", member, trip(2, "12000"))
    assert "businessRuleTask" in inst.version.bpmn_xml and "trip_approval_level" in inst.version.dmn_xml
    run(inst)
    workflow = engine.load(inst.version, inst.state)
    decided = [t for t in workflow.get_tasks() if t.task_spec.bpmn_id == "decide_level"]
    assert len(decided) == 1 and decided[0].data["need_gm"] is True


def test_a_changed_threshold_in_the_decision_table_changes_the_route(org, team):
    """The administrator edits the threshold in the table (not the diagram); the published version
    stays as it is, the change becomes version 2, P21 publishes it, and new trips follow it."""
    member, _leader = team
    admin = login("admin")
    before = start("business_trip", member, trip(2, "8000"))  # started under version 1 (limit 10000)
    v1 = ProcessDefinition.objects.get(key="business_trip").published_version()
    table = definitions.decision_table(v1)
    rule = next(r for r in table["rules"] if r["id"] == "rule_over_threshold")
    assert rule["inputs"] == ["-", "> 10000"]
    rule["inputs"][1] = "> 5000"
    v2 = definitions.save_decision_table(v1, table, actor=admin)
    assert (v2.version, v2.status, v2.bpmn_xml) == (2, VersionStatus.DRAFT, v1.bpmn_xml)
    assert "&gt; 10000" in ProcessVersion.objects.get(pk=v1.pk).dmn_xml and "&gt; 5000" in v2.dmn_xml
    approval = publishing.submit_for_review(v2, actor=admin)
    run(approval)
    assert approval.status == InstanceStatus.APPROVED
    v2.refresh_from_db()
    assert v2.status == VersionStatus.PUBLISHED
    after = start("business_trip", member, trip(2, "8000"))
    assert after.version_id == v2.pk and before.version_id == v1.pk
    assert [s for s, _u in run(after)] == ["supervisor", "gm"]
    assert [s for s, _u in run(before)] == ["supervisor"]  # a running approval keeps its version


def test_trip_by_someone_whose_supervisor_is_the_head_approves_once(org):
    inst = start("business_trip", login("pm"), trip(5, "3000"))
    assert run(inst) == [("supervisor", "bizmgr")]
    assert auto_passed(inst) == ["dept_head"]


GENERAL = {"category": "it", "subject": "申请一台显示器", "content": "现有显示器损坏，影响工作。", "amount": "1299"}


def test_general_request_needs_only_the_supervisor(org):
    inst = start("general_request", login("pm"), GENERAL)
    assert run(inst) == [("supervisor", "bizmgr")]
    assert inst.status == InstanceStatus.APPROVED
    assert Event.objects.filter(process_instance=inst.number, activity="second.opened").count() == 0


def test_general_request_goes_on_to_the_second_approver_the_requester_chose(org):
    inst = start("general_request", login("pm"), {**GENERAL, "second_approver": login("finance").pk})
    assert run(inst) == [("supervisor", "bizmgr"), ("second", "finance")]
    assert inst.status == InstanceStatus.APPROVED


def test_the_form_is_kept_as_clean_json_in_the_approval_and_the_engine(org, team):
    member, _leader = team
    inst = start("business_trip", member, trip("4.5", "9999.9"))
    form = json.loads(ProcessInstance.objects.get(pk=inst.pk).form_json)
    assert form["estimated_cost"] == "9999.90" and form["days"] == 4.5 and form["companions"] is None
    assert form["cost_items"][0] == {"item": "transport", "amount": "800.00", "note": None}
    shown = dict(forms_schema.display(inst.version.form, form))
    assert shown["预计费用"] == "¥9,999.90" and shown["出差类型"] == "境内"


# --- installing ----------------------------------------------------------------------------------


def test_install_publishes_version_one_of_each_process_with_its_owner(org):
    for process in pack.PROCESSES:
        definition = ProcessDefinition.objects.get(key=process.key)
        version = definition.published_version()
        assert version.version == 1 and version.status == VersionStatus.PUBLISHED and version.review_due
        assert definition.owner_department.code == process.owner and definition.name == process.name
        assert version.steps == process.steps and version.form == process.form
        assert version.dmn_xml == process.dmn_xml()


def test_install_again_changes_nothing(org):
    counts = (ProcessDefinition.objects.count(), ProcessVersion.objects.count(), Event.objects.count())
    again = pack.install(login("admin"))
    assert [d.key for d in again] == [p.key for p in pack.PROCESSES]
    assert (ProcessDefinition.objects.count(), ProcessVersion.objects.count(), Event.objects.count()) == counts


def test_install_leaves_an_administrators_changes_alone(org):
    definition = ProcessDefinition.objects.get(key="general_request")
    definitions.save_definition(definition, {"name": "其他事项申请"}, actor=login("admin"))
    pack.install(login("admin"))
    definition.refresh_from_db()
    assert definition.name == "其他事项申请" and definition.versions.count() == 1


def test_install_works_without_the_demo_organisation(db):
    admin = get_user_model().objects.create_superuser("root", password="x")
    started = time.process_time()
    installed = pack.install(admin)
    assert len(installed) == 4 and all(d.owner_department is None for d in installed)
    assert time.process_time() - started < 5


# --- the demo approvals --------------------------------------------------------------------------


def test_demo_approvals_cover_every_state_over_past_weeks_quickly(org):
    from django.utils import timezone

    from yewu.core.audit import verify_events
    from yewu.core.models import Notification
    from yewu.workflow import demo

    started = time.process_time()  # CPU time: steady when other jobs share the machine
    counts = demo.load()
    assert time.process_time() - started < 5, "the demo loader runs in `yewu demo` and every browser test"
    instances = ProcessInstance.objects.all()
    assert 30 <= instances.count() <= 60
    assert {s for s in instances.values_list("status", flat=True)} == {
        InstanceStatus.APPROVED, InstanceStatus.REJECTED, InstanceStatus.RUNNING, InstanceStatus.WITHDRAWN}
    assert set(instances.values_list("version__definition__key", flat=True)) == {p.key for p in pack.PROCESSES}
    assert counts["tasks overdue"] >= 3 and counts["approvals running"] >= 5
    now = timezone.now()
    oldest = min(instances.values_list("started_at", flat=True))
    assert now - oldest > timezone.timedelta(days=28)
    for instance in instances:
        assert instance.started_at <= now and (instance.ended_at is None or instance.ended_at >= instance.started_at)
        if instance.status == InstanceStatus.RUNNING:
            assert instance.tasks.filter(status=TaskStatus.OPEN, assignee__is_active=True).exists()
        stamps = list(Event.objects.filter(process_instance=instance.number).order_by("seq").values_list("timestamp", flat=True))
        assert stamps == sorted(stamps) and stamps[-1] <= now
    report = verify_events()
    assert report.ok, report.problems  # back-dated events still form intact chains
    assert not Notification.objects.filter(emailed_at__isnull=True).exists(), "no e-mails about demo history"
    assert Notification.objects.filter(read_at__isnull=True).exists(), "open tasks still ring the bell"


def test_demo_approvals_load_once(org):
    from yewu.workflow import demo

    first = demo.load()
    sizes = (ProcessInstance.objects.count(), Event.objects.count(), ProcessVersion.objects.count())
    assert demo.load() == first
    assert (ProcessInstance.objects.count(), Event.objects.count(), ProcessVersion.objects.count()) == sizes


def test_demo_loader_is_registered_after_the_organisation():
    from yewu.core import demo as core_demo
    from yewu.workflow import demo

    assert (demo.ORDER, "workflow", demo.load) in core_demo._loaders
