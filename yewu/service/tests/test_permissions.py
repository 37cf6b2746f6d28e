"""Every customer-service model against every data scope, through every channel it is exposed on
(queryset, UI list, csv/xlsx export, UI detail, global search, API list and detail, changes); see
yewu/core/testing/permissions.py. A salesperson holds OWN (complaints of their own customers), a
manager SUBTREE, customer service ALL: exactly the records inside such a scope show up."""

from __future__ import annotations

from yewu.core.testing.factories import EmployeeFactory
from yewu.core.testing.permissions import ScopedModelSpec, ScopedModelTests, register, unique
from yewu.crm.tests import factories as crm
from yewu.service.models import Complaint, Consultation, CorrectiveAction, ImprovementAction, Survey
from yewu.service.tests import factories as f


def _someone(dept):
    return EmployeeFactory(department=dept).user


def _customer(dept, owner=None):
    return crm.customer(owner or _someone(dept), dept, name=unique("客户"))


def _complaint(world, dept, owner=None):
    """A complaint being investigated (for the corrective actions' probes)."""
    return f.complaint(_customer(dept, owner), dept, product=unique("产品"), status="investigating")


def _owned_complaint(world):
    return _complaint(world, world.company.sales, owner=world.user)


def _received(world, dept, owner=None):
    """A complaint from the web form waiting to be registered (registering starts the installed
    complaint process: the change the change tests try)."""
    from yewu.service import approvals

    approvals.install(world.company.admin)
    return f.complaint(_customer(dept, owner), dept, product=unique("产品"), status="received")


class TestConsultationPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        Consultation,
        make=lambda world, dept: f.consultation(_customer(dept), dept, subject=unique("咨询")),
        make_owned=lambda world: f.consultation(_customer(world.company.sales, world.user), world.company.sales,
                                                subject=unique("咨询")),
        list_url="service:consultation_list",
        detail_url="service:consultation_detail",
        search_field="number",
        api_path="/api/service/consultations/",
    ))


class TestComplaintPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        Complaint,
        make=_received,
        make_owned=lambda world: _received(world, world.company.sales, owner=world.user),
        list_url="service:complaint_list",
        detail_url="service:complaint_detail",
        search_field="number",
        api_path="/api/service/complaints/",
        api_change_action="register",
    ))


class TestCorrectiveActionPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        CorrectiveAction,
        make=lambda world, dept: f.corrective_action(_complaint(world, dept), _someone(dept),
                                                     description=unique("措施"), status="done"),
        make_owned=lambda world: f.corrective_action(_complaint(world, world.company.sales), world.user,
                                                     description=unique("措施"), status="done"),
        list_url="service:correctiveaction_list",
        detail_url="service:correctiveaction_detail",
        api_path="/api/service/corrective-actions/",
        api_change_action="verify",
        ui_change_action_url="service:correctiveaction_verify",
    ))


class TestSurveyPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        Survey,
        make=lambda world, dept: f.survey(_someone(dept), dept, name=unique("调查"), status="open"),
        make_owned=lambda world: f.survey(world.user, world.company.sales, name=unique("调查"), status="open"),
        list_url="service:survey_list",
        detail_url="service:survey_detail",
        search_field="name",
        api_path="/api/service/surveys/",
        api_change_action="close",
    ))


class TestImprovementActionPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        ImprovementAction,
        make=lambda world, dept: f.improvement(f.survey(_someone(dept), dept, name=unique("调查")), _someone(dept),
                                               description=unique("改进"), status="done"),
        make_owned=lambda world: f.improvement(f.survey(_someone(world.company.sales), world.company.sales,
                                                        name=unique("调查")), world.user,
                                               description=unique("改进"), status="done"),
        list_url="service:improvementaction_list",
        detail_url="service:improvementaction_detail",
        api_path="/api/service/improvement-actions/",
        api_change_action="verify",
        ui_change_action_url="service:improvementaction_verify",
    ))
