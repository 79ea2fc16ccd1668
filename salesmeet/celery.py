"""The Celery application: configured from Django settings (``CELERY_*``),
tasks found in every installed app's ``tasks.py``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesmeet.settings.dev")

app = Celery("salesmeet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
