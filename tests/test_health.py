"""/healthz: 200 when database and broker answer, 503 otherwise."""

import pytest
from django.db import OperationalError

from salesmeet import health
from salesmeet.celery import app as celery_app


def test_healthy(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "ok"


class RefusingConnection:
    def cursor(self):
        raise OperationalError("connection refused")


def test_database_down(db, client, monkeypatch):
    monkeypatch.setattr(health, "connection", RefusingConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["status"] == "unavailable"


def test_broker_down(db, client, monkeypatch):
    # Nothing listens on port 1: the broker connection is refused at once.
    connect = celery_app.connection_for_write
    monkeypatch.setattr(
        celery_app, "connection_for_write", lambda: connect(url="redis://127.0.0.1:1/0")
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
    assert response.json()["database"] == "ok"


def test_health_needs_no_login_and_is_not_cached(db, client):
    response = client.get("/healthz")
    assert "no-cache" in response.headers["Cache-Control"]


@pytest.mark.needs_redis
def test_health_publishes_ping_to_redis(db, client, settings):
    import redis

    conn = redis.Redis.from_url(settings.REDIS_URL)
    before = conn.llen("celery")
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert conn.llen("celery") == before + 1


def test_ping_task_records_the_heartbeat(db):
    from django.core.cache import cache

    from salesmeet.tasks import HEARTBEAT_KEY, ping

    cache.delete(HEARTBEAT_KEY)
    assert ping.delay().get() == "pong"
    assert cache.get(HEARTBEAT_KEY)
