from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yewu.core import permissions, services
from yewu.core.audit import export_xes
from yewu.core.errors import DomainError
from yewu.core.models import Attachment, Event
from yewu.core.navigation import searchables


@login_required
def home(request):
    """My to-dos and my notifications. To-dos come from the process engine's task projection."""
    notifications = request.user.notifications.all()[:10]
    todos = []
    from django.apps import apps

    if apps.is_installed("yewu.workflow"):  # filled in by the process engine
        from yewu.workflow.inbox import todos_for  # type: ignore[import-not-found]

        todos = todos_for(request.user)[:10]
    from yewu.core.home import panels_for

    return render(request, "core/home.html", {"notifications": notifications, "todos": todos,
                                              "panels": panels_for(request.user)})


@login_required
def search(request):
    """Search every registered record type, each through the user's restricted queryset."""
    term = (request.GET.get("q") or "").strip()[:100]
    groups = []
    if term:
        for s in searchables():
            q = Q()
            for f in s.fields:
                q |= Q(**{f"{f}__icontains": term})
            qs = s.model.objects.restrict(request.user, "view").filter(q)[:20]
            hits = list(qs)
            if hits:
                groups.append({"label": s.label, "hits": hits})
    return render(request, "core/search.html", {"term": term, "groups": groups})


@login_required
def notifications(request):
    qs = request.user.notifications.all()
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    ids = [int(i) for i in request.POST.getlist("id") if i.isdecimal()] or None
    services.mark_read(request.user, ids)
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("core:notifications")


@login_required
def profile(request):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    has_totp = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    return render(request, "core/profile.html", {"has_totp": has_totp})


def _record(request, ct_id: int, object_id: str, action: str):
    ct = ContentType.objects.filter(pk=ct_id).first()
    model = ct.model_class() if ct else None
    if model is None or not hasattr(model.objects, "restrict"):
        raise Http404
    obj = model.objects.restrict(request.user, action).filter(pk=object_id).first()
    if obj is None:
        raise Http404
    return obj


@login_required
@require_POST
def comment_add(request, ct_id: int, object_id: str):
    obj = _record(request, ct_id, object_id, "view")
    try:
        services.add_comment(obj, request.POST.get("body", ""), actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(obj.get_absolute_url() + "#comments")


@login_required
@require_POST
def attachment_add(request, ct_id: int, object_id: str):
    obj = _record(request, ct_id, object_id, "view")
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            services.add_attachment(obj, upload, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect(obj.get_absolute_url() + "#attachments")


@login_required
def attachment_download(request, pk: int):
    att = Attachment.objects.filter(pk=pk).select_related("content_type").first()
    if att is None:
        raise Http404
    _record(request, att.content_type_id, att.object_id, "view")  # 404 unless the record is visible
    from django.http import FileResponse

    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name)


@login_required
def events_xes(request):
    """Export audit events as XES for process-mining tools (auditors only)."""
    if not permissions.can_model(request.user, "view", Event):
        raise Http404
    qs = Event.objects.restrict(request.user, "view")
    case_type = request.GET.get("case_type")
    if case_type:
        qs = qs.filter(case_type=case_type)
    resp = StreamingHttpResponse(export_xes(qs), content_type="application/xml; charset=utf-8")
    resp["Content-Disposition"] = 'attachment; filename="yewu-events.xes"'
    return resp


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
