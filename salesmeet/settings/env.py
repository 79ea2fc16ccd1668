"""Typed readers for settings that come from the environment.

They fail loudly: a typo in ``DEBUG=ture`` must stop the process, not quietly
run production with the wrong value (the habit of Healthchecks' ``envbool``).
"""

from __future__ import annotations

import os

import environ

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})

_env = environ.Env()


class ImproperlyConfiguredEnv(Exception):
    """An environment variable is present but cannot be understood."""


def env_str(name: str, default: str | None = None) -> str | None:
    """The variable's value, or the value of the file named by ``NAME_FILE``
    (Docker and Kubernetes secrets), or ``default``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        with open(file_name, encoding="utf-8") as fh:
            return fh.read().strip()
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfiguredEnv(f"{name}={value!r}: expected one of true/false/1/0/yes/no/on/off")


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfiguredEnv(f"{name}={value!r}: expected a whole number") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """A ``DATABASES`` entry from ``DATABASE_URL`` (``postgres://``, ``sqlite:///``)."""
    try:
        config = _env.db_url_config(url)
    except Exception as exc:  # environ raises several types for malformed URLs
        raise ImproperlyConfiguredEnv(f"DATABASE_URL={url!r}: {exc}") from None
    if config.get("ENGINE") not in {
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    }:
        raise ImproperlyConfiguredEnv(
            f"DATABASE_URL={url!r}: SalesMeet runs on PostgreSQL or SQLite"
        )
    return config


def email_from_url(url: str) -> dict:
    """Email settings from ``EMAIL_URL`` (``smtp://``, ``smtp+tls://``, ``consolemail://``)."""
    try:
        return _env.email_url_config(url)
    except Exception as exc:
        raise ImproperlyConfiguredEnv(f"EMAIL_URL={url!r}: {exc}") from None
