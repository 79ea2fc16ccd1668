"""The test suite. DATABASE_URL and REDIS_URL still choose the services, so the
same suite runs on SQLite and on PostgreSQL + Redis."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, REST_FRAMEWORK

SECRET_KEY = "test-only-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STATIC_ROOT = os.path.join(tempfile.gettempdir(), "salesmeet-test-static")
os.makedirs(STATIC_ROOT, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Every test client shares one address and the throttle's cache outlives a
# test: the login rate is lifted here, and tests/test_security.py checks the
# production rate from its own address.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "10000/minute"},
}
# Tasks run in the test process unless a test publishes to the broker on purpose.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

if CELERY_BROKER_URL == "filesystem://localhost/":
    # Keep the embedded broker's queue out of the developer's var/ folder.
    _broker_dir = os.path.join(tempfile.gettempdir(), "salesmeet-test-broker")
    os.makedirs(_broker_dir, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _broker_dir,
        "data_folder_out": _broker_dir,
        "control_folder": _broker_dir,
        "store_processed": False,
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # One test database per run, so that runs side by side (a developer's
    # and CI's, or parallel helpers) never drop each other's database.
    DATABASES["default"]["TEST"] = {"NAME": f"test_salesmeet_{os.getpid()}"}  # noqa: F405
