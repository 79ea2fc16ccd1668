"""A real Celery worker and beat, started by the test suite
(tests/actions/test_celery.py, tests/faults/) against the test run's own database.

The test settings, except that tasks go through the broker instead of
running eagerly, beat schedules only the SLA sweep, every
``SALESMEET_SLA_SWEEP_SECONDS`` (default 1), and the outbox sweep, every
``SALESMEET_REDELIVER_SECONDS`` (default 60), and the worker uses a queue of
its own (``SALESMEET_CI_QUEUE``), so it never takes another run's tasks.
``SALESMEET_TEST_DATABASE_NAME`` names the test database; it is required.
With ``SALESMEET_CI_EMAIL_DIR`` set, sent mail is written there as files, so
that a test can read what every process sent.
"""

from django.core.exceptions import ImproperlyConfigured

from .env import env_int, env_str
from .test import *  # noqa: F403
from .test import CELERY_BEAT_SCHEDULE, DATABASES

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_DEFAULT_QUEUE = env_str("SALESMEET_CI_QUEUE", "salesmeet-ci")
CELERY_BEAT_SCHEDULE = {
    "sla-sweep": {
        **CELERY_BEAT_SCHEDULE["sla-sweep"],
        "schedule": env_int("SALESMEET_SLA_SWEEP_SECONDS", 1),
    },
    "redeliver-notifications": {
        **CELERY_BEAT_SCHEDULE["redeliver-notifications"],
        "schedule": env_int("SALESMEET_REDELIVER_SECONDS", 60),
    },
}

_test_database = env_str("SALESMEET_TEST_DATABASE_NAME")
if _test_database is None:
    raise ImproperlyConfigured(
        "SALESMEET_TEST_DATABASE_NAME: the test database the worker must use"
    )
DATABASES["default"]["NAME"] = _test_database

_email_dir = env_str("SALESMEET_CI_EMAIL_DIR")
if _email_dir:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = _email_dir
