from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = _("Action items and SLA clocks")

    def ready(self):
        from . import calendar, signals  # noqa: F401 - feed source; meetings and conclusions start clocks
