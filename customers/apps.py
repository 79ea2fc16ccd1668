from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers and briefs")

    def ready(self):
        from . import outputs  # noqa: F401 - registers the daily meeting's output check
