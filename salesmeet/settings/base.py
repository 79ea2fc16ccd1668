"""Settings shared by every environment, read from the process environment.

Every variable is listed, with its default, in README.md ("Configuration").
"""

from __future__ import annotations

from pathlib import Path

from celery.schedules import crontab

from .env import database_from_url, email_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Runtime state of the zero-setup default: SQLite file, broker folders, cache, beat schedule.
VAR_DIR = Path(env_str("SALESMEET_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "treebeard",
    "salesmeet",
    "org",
    "meetings",
    "agendas",
    "customers",
    "actions",
    "targets",
    "dashboards",
    "simple_history",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "salesmeet.urls"
WSGI_APPLICATION = "salesmeet.wsgi.application"
ASGI_APPLICATION = "salesmeet.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "actions.views.bell",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL is None:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite creates the file, not its folder
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": database_from_url(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one file: WAL lets readers go on
    # while one writes, IMMEDIATE takes the write lock up front instead of
    # failing halfway through a transaction, and the timeout waits for it.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "salesmeet",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # Web, worker and beat are separate processes: a file cache is the simplest
    # store they all see without a server.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    # kombu's filesystem transport: a queue in a folder, no server to run.
    CELERY_BROKER_URL = "filesystem://localhost/"
    _BROKER_DIR = VAR_DIR / "broker"
    for _folder in ("queue", "control"):
        (_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }

CELERY_TIMEZONE = env_str("TIME_ZONE", "Asia/Shanghai")
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged after it ran, and re-queued if its worker died: tasks
# are written to be idempotent, so running one twice is safe, losing one is not.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 5 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 4 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "salesmeet.ping",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
    "sla-sweep": {
        "task": "actions.sla_sweep",
        "schedule": env_int("SALESMEET_SLA_SWEEP_SECONDS", 20),
        "options": {"expires": 15},
    },
    "redeliver-notifications": {
        "task": "actions.redeliver_stuck",
        "schedule": 60,
        "options": {"expires": 55},
    },
    "check-gaps": {
        "task": "targets.check_gaps",
        "schedule": crontab(hour=6, minute=0),
        "options": {"expires": 3600},
    },
    "remind-missing-briefs": {
        "task": "customers.remind_missing_briefs",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 540},
    },
    "extend-meeting-series": {
        "task": "meetings.extend_series",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 3600},
    },
}

# --- SalesMeet ------------------------------------------------------------------

# Links in emails and calendar feeds need an absolute address.
SALESMEET_BASE_URL = env_str("SALESMEET_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# How far ahead recurring meetings are materialised as meetings.
SALESMEET_SERIES_HORIZON_DAYS = env_int("SALESMEET_SERIES_HORIZON_DAYS", 90)
# Briefs are due this many minutes before their meeting starts.
SALESMEET_BRIEF_LEAD_MINUTES = env_int("SALESMEET_BRIEF_LEAD_MINUTES", 0)
# Reps with a brief missing are reminded this many minutes before the meeting.
SALESMEET_BRIEF_REMINDER_MINUTES = env_int("SALESMEET_BRIEF_REMINDER_MINUTES", 120)
# The gap rule: a result more than this fraction behind its paced target,
# once this fraction of the period's working days has passed, calls a review.
SALESMEET_GAP_THRESHOLD = env_str("SALESMEET_GAP_THRESHOLD", "0.15")
SALESMEET_GAP_MIN_ELAPSED = env_str("SALESMEET_GAP_MIN_ELAPSED", "0.20")
# Minutes before a meeting that calendar apps remind invitees (VALARM).
SALESMEET_REMINDER_MINUTES = env_int("SALESMEET_REMINDER_MINUTES", 15)

# --- Auth -----------------------------------------------------------------------

AUTH_USER_MODEL = "org.Person"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation ---------------------------------------------------------

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Email --------------------------------------------------------------------------

# EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, ... from one URL.
globals().update(email_from_url(env_str("EMAIL_URL", "consolemail://")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "SalesMeet <salesmeet@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Forms and API ----------------------------------------------------------------------

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated call then answers 401 with a
        # WWW-Authenticate header instead of 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "salesmeet.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "SalesMeet API",
    "DESCRIPTION": (
        "Meetings, briefs, action items and SLA clocks of a sales organisation. "
        "Every list and object is limited to what the caller may see in the org tree; "
        "an object outside it answers 404. Authenticate with a session or with "
        "`Authorization: Token <key>` from `POST /api/auth/token/`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets used under several field names, or one name for several sets.
    "ENUM_NAME_OVERRIDES": {
        "MeetingKindEnum": "meetings.kinds.Kind",
        "RoleEnum": "org.choices.Role",
        "ActionStateEnum": "actions.models.ActionState",
        "ClockStateEnum": "actions.models.ClockState",
        "DeliveryStateEnum": "actions.models.DeliveryState",
    },
}

# --- Logging ------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
