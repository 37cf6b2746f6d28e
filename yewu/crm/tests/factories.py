"""Builders for CRM tests: records in a given state, made directly (the services are what the
tests prove; these only set the scene)."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone

from yewu.core.services import next_number
from yewu.crm import matching
from yewu.crm.choices import Channel, FollowUpKind
from yewu.crm.models import (
    CareTask,
    CareTemplate,
    Communication,
    Contact,
    Customer,
    CustomerClass,
    FollowUp,
    Holiday,
    Lead,
    LeadSource,
    Visit,
)


def credit_code(n: int) -> str:
    """A valid unified social credit code (check digit computed) distinct for each n."""
    first = f"91310000MA{n:07d}"[:17]
    return first + matching.credit_check_digit(first)


class LeadSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadSource
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"src-{n}")
    name = factory.Sequence(lambda n: f"来源{n}")


class CustomerClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerClass
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cls-{n}")
    name = factory.Sequence(lambda n: f"类别{n}")
    follow_up_days = 30


class CareTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareTemplate

    kind = "birthday"
    name = factory.Sequence(lambda n: f"模板{n}")
    body = "{contact}，祝您生日快乐！"
    is_default = True


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holiday

    name = "中秋节"
    date = datetime.date(2026, 9, 25)


def _employee_department(user: Any) -> Any:
    return user.employee.department


def customer(owner: Any, department: Any = None, *, name: str | None = None, cls: Any = None, **kw: Any) -> Customer:
    name = name or f"客户{next_number('TESTCUS')}有限公司"
    obj = Customer.objects.create(
        number=next_number("CUS"), name=name, name_key=matching.name_key(name), owner=owner,
        department=department or _employee_department(owner),
        customer_class=cls or CustomerClassFactory(code="normal", name="普通客户", follow_up_days=90), **kw,
    )
    if obj.phone:
        Customer.objects.filter(pk=obj.pk).update(phone_key=matching.phone_key(obj.phone))
        obj.phone_key = matching.phone_key(obj.phone)
    return obj


def contact(cust: Customer, *, name: str = "张三", **kw: Any) -> Contact:
    obj = Contact.objects.create(customer=cust, name=name, **kw)
    if obj.phone:
        obj.phone_key = matching.phone_key(obj.phone)
        obj.save(update_fields=["phone_key"])
    return obj


def lead(owner: Any, department: Any = None, *, company_name: str | None = None, status: str = "new",
         source: Any = None, **kw: Any) -> Lead:
    company_name = company_name or f"线索{next_number('TESTLD')}科技有限公司"
    kw.setdefault("phone", "13800000000")
    obj = Lead.objects.create(
        number=next_number("LD"), source=source or LeadSourceFactory(code="fair", name="行业展会"),
        company_name=company_name, name_key=matching.name_key(company_name), need="需要一套管理系统",
        owner=owner, created_by=owner, department=department or _employee_department(owner), status=status,
        phone_key=matching.phone_key(kw["phone"]), **kw,
    )
    return obj


def visit(cust: Customer, owner: Any = None, *, planned_on: datetime.date | None = None, **kw: Any) -> Visit:
    return Visit.objects.create(customer=cust, owner=owner or cust.owner, department=cust.department,
                                planned_on=planned_on or timezone.localdate(), purpose="介绍新产品", **kw)


def communication(cust: Customer, author: Any = None, **kw: Any) -> Communication:
    kw.setdefault("at", timezone.now())
    return Communication.objects.create(customer=cust, owner=cust.owner, department=cust.department,
                                        author=author or cust.owner, channel=Channel.PHONE, content="电话沟通需求", **kw)


def follow_up(cust: Customer, *, due_on: datetime.date | None = None, kind: str = FollowUpKind.ACTION,
              **kw: Any) -> FollowUp:
    return FollowUp.objects.create(customer=cust, owner=cust.owner, department=cust.department, kind=kind,
                                   title="回访", due_on=due_on or timezone.localdate(), **kw)


def care_task(cust: Customer, **kw: Any) -> CareTask:
    kw.setdefault("occasion_on", timezone.localdate())
    return CareTask.objects.create(customer=cust, owner=cust.owner, department=cust.department, kind="birthday",
                                   contact=kw.pop("contact", None) or contact(cust), message="生日快乐", **kw)
