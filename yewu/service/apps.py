from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "yewu.service"
    label = "service"
    verbose_name = _("Customer service")

    def ready(self) -> None:
        from yewu.service import registry

        registry.register_all()
