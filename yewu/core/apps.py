from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yewu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from yewu.core.navigation import MenuItem, Module, register

        register(
            Module(
                key="audit", label=_("Audit"), icon="shield-check", order=900,
                items=[MenuItem(_("Audit events"), "core:event_list", "core.view_event")],
            )
        )
