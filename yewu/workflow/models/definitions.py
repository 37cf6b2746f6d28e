from __future__ import annotations

import copy
import json

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import ScopedModel
from yewu.workflow.choices import VersionStatus


class ProcessDefinition(ScopedModel):
    """A process of the regulations (e.g. procurement, seal use); its versions carry the BPMN."""

    scope_department_field = "owner_department"

    key = models.SlugField(_("key"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=60, blank=True, default="")
    description = models.TextField(_("description"), blank=True, default="")
    owner_department = models.ForeignKey(
        "org.Department", verbose_name=_("owner department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="process_definitions",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("process definition")
        verbose_name_plural = _("process definitions")
        ordering = ["category", "key"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("processes:definition_detail", args=[self.pk])

    def published_version(self) -> ProcessVersion | None:
        return self.versions.filter(status=VersionStatus.PUBLISHED).order_by("-version").first()


class ProcessVersion(ScopedModel):
    """One version of a process: BPMN (+ DMN), per-step settings, form schema, lifecycle status.

    Running instances keep the version they started with.
    """

    scope_department_field = "definition__owner_department"

    definition = models.ForeignKey(
        ProcessDefinition, verbose_name=_("process"), on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    process_id = models.CharField(_("BPMN process id"), max_length=200)
    bpmn_xml = models.TextField(_("BPMN 2.0 XML"))
    dmn_xml = models.TextField(_("DMN XML"), blank=True, default="")
    steps_json = models.TextField(_("step settings"), default="{}")
    form_json = models.TextField(_("form schema"), default="[]")
    review_due = models.DateField(_("re-review due"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("process version")
        verbose_name_plural = _("process versions")
        ordering = ["definition", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "version"], name="processversion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.definition.name} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("processes:version_detail", args=[self.pk])

    @property
    def steps(self) -> dict:
        """The per-step settings (a fresh copy: callers may change it; parsed once per text)."""
        cached = self.__dict__.get("_steps_parsed")
        if cached is None or cached[0] is not self.steps_json:
            try:
                value = json.loads(self.steps_json or "{}")
            except ValueError:
                value = {}
            cached = self.__dict__["_steps_parsed"] = (self.steps_json, value if isinstance(value, dict) else {})
        return copy.deepcopy(cached[1])

    def step(self, bpmn_id: str) -> dict:
        """One step's settings, read-only (do not change the dict)."""
        cached = self.__dict__.get("_steps_parsed")
        if cached is None or cached[0] is not self.steps_json:
            self.steps  # noqa: B018 -- parses and caches
            cached = self.__dict__["_steps_parsed"]
        return cached[1].get(bpmn_id, {})

    @property
    def form(self) -> list:
        try:
            value = json.loads(self.form_json or "[]")
        except ValueError:
            return []
        return value if isinstance(value, list) else []
