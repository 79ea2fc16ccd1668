from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgendasConfig(AppConfig):
    name = "agendas"
    verbose_name = _("Agendas and minutes")

    def ready(self):
        from . import signals  # noqa: F401 - connects the agenda copy to new meetings
