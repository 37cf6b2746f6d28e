"""Demo set-up for procurement: the approval processes, the purchasing and finance roles for the
demo company's central and finance departments, suppliers on the qualified list and a year of
procurement (yewu.procurement.demo_year).

Everything goes through the services; loading again changes nothing. Importing this module
registers the loader with yewu.core.demo.
"""

from __future__ import annotations

import datetime

from yewu.core import demo as core_demo

ORDER = 40  # after the approvals (30): the processes it binds records to exist by then

SUPPLIERS = [
    ("华东办公用品有限公司", "91310000MA1FL0001A", ["办公用品", "耗材"], "王经理", "021-55550101"),
    ("苏州精工设备制造有限公司", "91320500MA1FL0002B", ["设备", "备件"], "李工", "0512-66660202"),
    ("上海云启信息技术有限公司", "91310115MA1FL0003C", ["IT 设备", "软件服务"], "陈经理", "021-77770303"),
]

#: role key -> department codes whose employees get it in the demo
DEMO_ROLES = {"purchaser": ("central",), "finance_clerk": ("finance",), "legal_reviewer": ("legal",)}


def load() -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from yewu.core.roles import ensure_default_roles
    from yewu.org.models import Employee
    from yewu.procurement import approvals, demo_year, services
    from yewu.procurement.choices import SupplierStatus
    from yewu.procurement.models import Supplier

    User = get_user_model()
    admin = User.objects.filter(username="admin").first() or User.objects.filter(is_superuser=True).first()
    if admin is None:
        return {}
    approvals.install(admin)
    roles = ensure_default_roles()
    for key, codes in DEMO_ROLES.items():
        for employee in Employee.objects.filter(department__code__in=codes, user__isnull=False).select_related("user"):
            employee.user.groups.add(roles[key])
    year = demo_year.load()  # first: it makes the suppliers below (in the past) and a year of procurement
    today = timezone.localdate()
    created = 0
    for name, code, categories, contact, phone in SUPPLIERS:
        if Supplier.objects.filter(name=name).exists():
            continue
        supplier = services.save_supplier(None, {
            "name": name, "credit_code": code, "categories": categories, "contact": contact, "phone": phone,
        }, actor=admin)
        services.add_qualification(supplier, {
            "kind": "licence", "name": "营业执照", "reference": code,
            "issued_on": today - datetime.timedelta(days=900), "expires_on": None,
        }, actor=admin)
        services.add_qualification(supplier, {
            "kind": "certificate", "name": "ISO 9001 质量管理体系认证", "reference": f"ISO-{code[-6:]}",
            "issued_on": today - datetime.timedelta(days=300), "expires_on": today + datetime.timedelta(days=700),
        }, actor=admin)
        services.set_supplier_status(supplier, SupplierStatus.QUALIFIED, actor=admin, reason="资质审核、实地考察合格")
        created += 1
    return {"suppliers": Supplier.objects.count(), "created": created, **year, **load_quotations_and_contract(admin)}


# --- quotations and a signed purchase contract ---------------------------------------------------


def _decide_all(instance) -> None:
    """Approve every open step of a demo approval as its assignee, until it ends."""
    from yewu.workflow import services as wf
    from yewu.workflow.models import Task

    for _round in range(10):
        tasks = list(Task.objects.filter(instance=instance, status="open").select_related("assignee"))
        if not tasks:
            return
        for task in tasks:
            wf.approve_task(task, actor=task.assignee, comment="同意")


def _approved_requisition(requester, title: str, purpose: str, lines: list[dict]):
    from yewu.procurement import services

    req = services.save_requisition(None, {"title": title, "purpose": purpose}, lines=lines, actor=requester)
    req = services.submit_requisition(req, actor=requester)
    _decide_all(req.approval)
    req.refresh_from_db()
    return req


def _quote(req, supplier, prices, *, actor, **values):
    from yewu.procurement import services

    lines = [{"requisition_line": line.pk, "unit_price": p} for line, p in zip(req.lines.all(), prices, strict=True)]
    return services.save_quotation(None, {"requisition": req, "supplier": supplier, **values}, lines=lines,
                                   actor=actor)


CONTRACT_TERMS = (
    "一、标的：机架式服务器 3 台、存储扩展柜 1 台，规格以订单为准。\n"
    "二、交货：合同签订后 15 日内送至需方机房，供方负责上架安装调试。\n"
    "三、验收：到货后 7 个工作日内按技术规格验收，出具验收报告。\n"
    "四、付款：预付 30%；验收合格后付 60%；质保金 10% 于验收满一年后付清。\n"
    "五、质保：整机三年原厂保修，4 小时响应。\n"
    "六、违约：逾期交货每日按合同金额万分之五支付违约金，累计不超过合同金额的 5%。\n"
    "七、争议：协商不成的，提交需方所在地人民法院诉讼解决。"
)


def load_quotations_and_contract(admin) -> dict:
    """Two approved requisitions of the business department with quotations from the demo
    suppliers: office supplies (two quotations, the cheaper one lapsed, the other chosen) and test
    servers (three quotations, the lowest chosen) whose order needs a purchase contract: reviewed
    by the legal department, signed with the signed copy attached, filed, and the order issued.
    Nothing when quotations exist already (or the demo company lacks the people)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from yewu.core.models import Notification
    from yewu.org.models import Employee
    from yewu.procurement import services
    from yewu.procurement.choices import ContractStatus, RequisitionStatus
    from yewu.procurement.models import Quotation, Supplier

    people = {e.user.username: e for e in Employee.objects.filter(
        user__username__in=("central", "pm"), user__is_active=True).select_related("user")}
    buyer, requester = people.get("central"), people.get("pm")  # the central manager buys, a project manager asks
    suppliers = {s.name: s for s in Supplier.objects.orderable()}
    names = [name for name, *_rest in SUPPLIERS]
    if buyer is None or requester is None or any(n not in suppliers for n in names) or Quotation.objects.exists():
        return {}
    buyer, requester = buyer.user, requester.user
    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    office, machines, it = (suppliers[n] for n in names)
    today = timezone.localdate()
    valid = today + datetime.timedelta(days=30)

    paper = _approved_requisition(requester, "业务部办公耗材", "业务部办公室日常打印与文具补充", [
        {"name": "A4 复印纸", "specification": "70g 500张/包", "quantity": "40", "unit": "包", "budget_price": "26.00"},
        {"name": "激光打印机硒鼓", "specification": "HP 88A 兼容", "quantity": "6", "unit": "个", "budget_price": "180.00"},
    ])
    if paper.status == RequisitionStatus.APPROVED:
        kept = _quote(paper, office, ["24.50", "165.00"], actor=buyer, valid_until=valid, delivery_days=3,
                      payment_terms="货到验收合格后 30 天付款", note="含税含运费")
        lapsed = _quote(paper, it, ["23.00", "150.00"], actor=buyer, valid_until=valid, delivery_days=7,
                        payment_terms="预付 30%，到货付清")
        # the cheaper offer lapsed before the choice: the comparison shows it, nobody can choose it
        Quotation.objects.filter(pk=lapsed.pk).update(valid_until=today - datetime.timedelta(days=2))
        services.choose_quotation(kept, actor=buyer)

    servers = _approved_requisition(requester, "项目演示服务器", "客户项目演示环境所需的服务器及存储扩容", [
        {"name": "机架式服务器", "specification": "2U 双路 / 256GB / 4×1.92TB SSD", "quantity": "3", "unit": "台",
         "budget_price": "52000.00"},
        {"name": "存储扩展柜", "specification": "12 盘位 / 含 8×8TB", "quantity": "1", "unit": "台",
         "budget_price": "30000.00"},
    ])
    if servers.status != RequisitionStatus.APPROVED:
        return {"quotations": Quotation.objects.count()}
    valid = today + datetime.timedelta(days=45)
    best = _quote(servers, it, ["49800.00", "28500.00"], actor=buyer, valid_until=valid, delivery_days=15,
                  payment_terms="预付 30%，验收合格后付 60%，质保金 10% 一年后付清")
    _quote(servers, machines, ["51500.00", "29000.00"], actor=buyer, valid_until=valid, delivery_days=20,
           payment_terms="验收合格后 60 天付款")
    _quote(servers, office, ["53000.00", "31000.00"], actor=buyer, valid_until=valid, delivery_days=30,
           payment_terms="验收合格后 30 天付款")
    services.choose_quotation(best, actor=buyer)
    order = services.order_from_quotation(best, {"delivery_place": "公司机房"}, actor=buyer)
    order = services.submit_purchase_order(order, actor=buyer)
    _decide_all(order.approval)
    contract = services.save_contract(None, {
        "order": order, "title": f"项目演示服务器采购合同（{order.display_number}）", "terms": CONTRACT_TERMS,
    }, actor=buyer)
    contract = services.submit_contract(contract, actor=buyer)
    _decide_all(contract.approval)
    contract.refresh_from_db()
    if contract.status == ContractStatus.APPROVED:
        copy = SimpleUploadedFile(f"{contract.number}-盖章扫描件.pdf", b"%PDF-1.4\n% demo signed copy\n%%EOF\n",
                                  content_type="application/pdf")
        contract = services.sign_contract(contract, signed_on=today, signed_copy=copy, actor=buyer)
        contract = services.file_contract(contract, actor=buyer)
    # the story's notifications are demo history: shown in the app, never e-mailed to the demo people
    now = timezone.now()
    Notification.objects.filter(pk__gt=last_notification).update(emailed_at=now, pushed_at=now)
    return {"quotations": Quotation.objects.count(), "contract": f"{contract.display_number} {contract.status}"}


core_demo.register(ORDER, "procurement", load)
