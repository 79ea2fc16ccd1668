"""Settings shared by every environment, read from the process environment.

Every variable is listed, with its default, in README.md ("Configuration").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

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
    "csp",
    "axes",
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
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
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
# Deliveries come in bursts (each breach notifies two people, by email and
# webhooks): queued below every other task, so that a backlog of them never
# holds up the sweeps, which expire if they wait. Redis serves priority 0
# (the default) first and 9 last; the filesystem broker ignores priorities.
CELERY_TASK_ROUTES = {"actions.deliver": {"priority": 9}}
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
# The outbox sweep re-sends a pending delivery this long after its attempt
# fell due: its task was lost (a worker killed mid-send, a broker restart).
SALESMEET_REDELIVER_GRACE_SECONDS = env_int("SALESMEET_REDELIVER_GRACE_SECONDS", 120)
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
# django-axes first: it refuses a locked-out username before any password is
# checked, and counts the failures of the backend after it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords for one username from one address lock that pair for an
# hour; a successful login clears the count. The address is REMOTE_ADDR: behind
# the HTTPS proxy that is the proxy's, so the lock is in effect per username.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
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
    "DEFAULT_PARSER_CLASSES": [
        "salesmeet.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "salesmeet.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # POST /api/auth/token/ (salesmeet.throttling.LoginRateThrottle): django-axes
    # counts its failures per username; this caps the guesses per address.
    "DEFAULT_THROTTLE_RATES": {"login": "10/minute"},
    # Throttles identify a client by REMOTE_ADDR; X-Forwarded-For, which any
    # client can write, is read only where production.py counts a proxy.
    "NUM_PROXIES": 0,
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
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "salesmeet.schema.describe_drf_answers",
    ],
}

# --- Security headers ---------------------------------------------------------------

# Content-Security-Policy (django-csp). Scripts come only from our own static
# files, each <script> tag carrying the request's nonce ({{ request.csp_nonce }});
# no inline script and no eval. Styles allow 'unsafe-inline' because templates
# set widths and tree depths in style attributes and htmx injects its indicator
# style; a nonce cannot cover style attributes, and CSS cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
# htmx sends the CSRF token as a header from <body hx-headers> (templates/base.html),
# the admin, treebeard and DRF's browsable API read it from the page: no script
# needs the cookie.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Logging ------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
