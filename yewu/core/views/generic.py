"""Generic list, detail and edit views built on the restricted queryset path.

Lists filter, paginate and export (xlsx/csv) the very queryset that the user may view, and offer
the user's saved views of their filters (yewu.core.saved_views); details
404 outside the scope; edits parse a form and call one service, showing refusals on the form.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from yewu.core import permissions, saved_views
from yewu.core.audit import history
from yewu.core.errors import DomainError
from yewu.core.models import Attachment, Comment
from yewu.core.views.saved_views import menu_context


@dataclass
class Column:
    accessor: str
    label: Any
    link: bool = False
    kind: str = "text"  # text | money | date | bool | tag

    def value(self, obj: Any) -> Any:
        value: Any = obj
        for part in self.accessor.split("."):
            if value is None:
                return None
            value = getattr(value, part)
            if callable(value) and not isinstance(value, models.Manager):
                value = value()
        return value


def plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value.tzinfo else value.strftime("%Y-%m-%d %H:%M")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, int | float):
        return value
    return str(value)


class ScopedMixin(LoginRequiredMixin):
    model: type[models.Model]
    action = "view"

    def base_queryset(self):
        return self.model.objects.restrict(self.request.user, self.action)


class ObjectListView(ScopedMixin, TemplateView):
    """A filtered, paginated table of what the user may view, with xlsx/csv export of the same rows."""

    template_name = "core/object_list.html"
    filterset_class: Any = None
    columns: list[Column] = []
    paginate_by = 25
    title: Any = ""
    create_url_name: str | None = None
    select_related: tuple[str, ...] = ()

    def get_queryset(self):
        qs = self.base_queryset()
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        return qs

    def filtered(self):
        qs = self.get_queryset()
        if self.filterset_class is None:
            return None, qs
        fs = self.filterset_class(self.request.GET or None, queryset=qs, request=self.request)
        return fs, (fs.qs if fs.is_bound and fs.is_valid() else qs if not fs.is_bound else qs.none())

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["core/partials/object_table.html"]  # htmx: filter or page change swaps the table only
        return [self.template_name]

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("export")
        if fmt in ("xlsx", "csv"):
            return self.export(fmt)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        fs, qs = self.filtered()
        page = Paginator(qs, self.paginate_by).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx.update(
            title=self.title or self.model._meta.verbose_name_plural,
            filter=fs,
            page=page,
            rows=[(obj, [(c, c.value(obj)) for c in self.columns]) for obj in page.object_list],
            columns=self.columns,
            query=query.urlencode(),
            can_add=permissions.can_model(self.request.user, "add", self.model),
            create_url_name=self.create_url_name,
        )
        match = self.request.resolver_match
        if match is not None and match.view_name in saved_views.list_views() and not self.request.headers.get("HX-Request"):
            ctx.update(menu_context(self.request, match.view_name))  # the "Views" menu; htmx swaps only the table
        return ctx

    def export(self, fmt: str):
        _fs, qs = self.filtered()
        name = f"{self.model._meta.model_name}-{timezone.localdate():%Y%m%d}"
        headers = [str(c.label) for c in self.columns]
        if fmt == "csv":
            class Echo:
                def write(self, value):
                    return value

            writer = csv.writer(Echo())

            def rows():
                yield "\ufeff"
                yield writer.writerow(headers)
                for obj in qs.iterator(chunk_size=2000):
                    yield writer.writerow([plain(c.value(obj)) for c in self.columns])

            resp = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
            resp["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return resp
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(title=str(self.model._meta.verbose_name_plural)[:31])
        ws.append(headers)
        for obj in qs.iterator(chunk_size=2000):
            ws.append([plain(c.value(obj)) for c in self.columns])
        resp = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        wb.save(resp)
        return resp


class ObjectDetailView(ScopedMixin, TemplateView):
    """One record, looked up only inside the user's scope (404 otherwise), with its history."""

    template_name = "core/object_detail.html"
    fields: list[Column] = []

    def get_object(self):
        obj = self.base_queryset().filter(pk=self.kwargs["pk"]).first()
        if obj is None:
            raise Http404
        return obj

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.get_object()
        user = self.request.user
        ct = ContentType.objects.get_for_model(obj)
        ctx.update(
            object=obj,
            title=str(obj),
            fields=[(c, c.value(obj)) for c in self.fields],
            events=history(obj),
            attachments=Attachment.objects.filter(content_type=ct, object_id=str(obj.pk)),
            comments=Comment.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("author"),
            can_change=permissions.can(user, "change", obj),
            can_attach=permissions.can(user, getattr(obj, "attachment_action", "change"), obj),
            record_type=ct,
            verbose_name=obj._meta.verbose_name,
        )
        return ctx


class ObjectEditView(ScopedMixin, FormView):
    """Create or change a record through its service; refusals appear on the form, nothing is saved."""

    template_name = "core/object_form.html"
    action = "change"
    title: Any = ""

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        obj = self.base_queryset().filter(pk=self.kwargs["pk"]).first()
        if obj is None:
            raise Http404
        return obj

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = self.get_object()
            if self.object is None and not permissions.can_model(request.user, "add", self.model):
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if self.object is not None:
            kwargs["instance"] = self.object
        return kwargs

    def save(self, form) -> models.Model:  # pragma: no cover - abstract
        raise NotImplementedError

    def form_valid(self, form):
        try:
            obj = self.save(form)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        return redirect(obj.get_absolute_url())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["object"] = self.object
        ctx["title"] = self.title or (
            _("Edit %(name)s") % {"name": self.object} if self.object else
            _("New %(type)s") % {"type": self.model._meta.verbose_name}
        )
        return ctx


class ObjectActionView(ScopedMixin, View):
    """A POST-only action on one record (resign, cancel, ...) that calls one service."""

    action = "change"

    def perform(self, obj):  # pragma: no cover - abstract
        raise NotImplementedError

    def post(self, request, pk):
        from django.contrib import messages

        obj = self.base_queryset().filter(pk=pk).first()
        if obj is None:
            raise Http404
        try:
            self.perform(obj)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(self.success_url(obj))

    def success_url(self, obj) -> str:
        return obj.get_absolute_url()


def format_date(value) -> str:
    return date_format(value, "Y-m-d") if value else ""


class XlsxImportView(LoginRequiredMixin, TemplateView):
    """Upload an xlsx to a module's importer; the page shows its report (what was imported, each
    refused row's reasons) or why the file was refused. Only for people who may add `model`.

    Subclasses set `model`, `template_name`, `title` and `importer` (the dotted path of a
    function `(upload, actor=user) -> report`, imported when a file arrives)."""

    model: type[models.Model]
    importer: str
    title: Any = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not permissions.can_model(request.user, "add", self.model):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def post(self, request):
        from django.utils.module_loading import import_string

        upload = request.FILES.get("file")
        ctx = self.get_context_data()
        if upload is None:
            ctx["error"] = _("Choose an xlsx file.")
        else:
            try:
                ctx["report"] = import_string(self.importer)(upload, actor=request.user)
            except DomainError as exc:
                ctx["error"] = exc.message
        return self.render_to_response(ctx)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = self.title
        return ctx
