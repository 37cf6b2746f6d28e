"""Demo set-up for procurement: the approval processes, the purchasing and finance roles for the
demo company's central and finance departments, and a few suppliers on the qualified list.

Everything goes through the services; loading again changes nothing. (A year of demo
procurement is not built yet.) Importing this module registers the loader with yewu.core.demo.
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
DEMO_ROLES = {"purchaser": ("central",), "finance_clerk": ("finance",)}


def load() -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from yewu.core.roles import ensure_default_roles
    from yewu.org.models import Employee
    from yewu.procurement import approvals, services
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
    return {"suppliers": Supplier.objects.count(), "created": created}


core_demo.register(ORDER, "procurement", load)
