"""Settings come from the environment and fail loudly on nonsense. Each case
imports the settings in a fresh interpreter, as the server would."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json, django
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in %r}, default=str))
"""
SERVICE_VARS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "EMAIL_URL", "TIME_ZONE")


def run(env: dict, module: str, code: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=clean,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def read(names, env=None, module="salesmeet.settings.dev"):
    result = run(env or {}, module, PROBE % (list(names),))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_defaults_need_no_server():
    values = read(["DATABASES", "CELERY_BROKER_URL", "CACHES", "TIME_ZONE", "USE_TZ", "DEBUG"])
    db = values["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"].endswith("var/db.sqlite3")
    assert values["CELERY_BROKER_URL"] == "filesystem://localhost/"
    assert "FileBasedCache" in values["CACHES"]["default"]["BACKEND"]
    assert values["TIME_ZONE"] == "Asia/Shanghai"
    assert values["USE_TZ"] is True
    assert values["DEBUG"] is True


def test_database_and_redis_urls():
    values = read(
        ["DATABASES", "CELERY_BROKER_URL", "CACHES"],
        {
            "DATABASE_URL": "postgres://sales:pw@db.internal:6432/salesmeet",
            "REDIS_URL": "redis://cache.internal:6379/2",
        },
    )
    db = values["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == (
        "db.internal",
        6432,
        "salesmeet",
        "sales",
    )
    assert values["CELERY_BROKER_URL"] == "redis://cache.internal:6379/2"
    assert values["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6379/2"


def test_email_url():
    values = read(
        ["EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS"],
        {"EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587"},
    )
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"], values["EMAIL_USE_TLS"]) == (
        "smtp.example.com",
        587,
        True,
    )


def test_console_email_by_default():
    assert read(["EMAIL_BACKEND"])["EMAIL_BACKEND"].endswith("console.EmailBackend")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "ture"}, "DEBUG='ture'"),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "PostgreSQL or SQLite"),
        ({"CONN_MAX_AGE": "soon", "DATABASE_URL": "postgres://h/db"}, "CONN_MAX_AGE"),
    ],
)
def test_nonsense_stops_the_process(env, message):
    result = run(env, "salesmeet.settings.dev", PROBE % (["DEBUG"],))
    assert result.returncode != 0
    assert message in result.stderr


def test_secret_key_from_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("k" * 60 + "\n")
    values = read(["SECRET_KEY"], {"SECRET_KEY_FILE": str(secret)}, "salesmeet.settings.production")
    assert values["SECRET_KEY"] == "k" * 60


def test_production_refuses_to_start_without_secret_key():
    result = run({}, "salesmeet.settings.production", PROBE % (["DEBUG"],))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_dev_secret_key_exists_only_with_debug():
    result = run({"DEBUG": "false"}, "salesmeet.settings.dev", PROBE % (["SECRET_KEY"],))
    assert result.returncode != 0
    assert "SECRET_KEY setting must not be empty" in result.stderr


def test_production_passes_check_deploy():
    result = run(
        {"SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "salesmeet.example.com"},
        "salesmeet.settings.production",
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
