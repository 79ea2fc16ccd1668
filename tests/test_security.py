"""Hardening that holds on every request: the Content-Security-Policy, login
throttling (django-axes on the login page and the token endpoint, plus a rate
on the token endpoint) and CSRF on forms and htmx posts."""

import datetime as dt
import json
import re
import uuid

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from salesmeet.settings import base
from tests.factories import PASSWORD

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def directives(header: str) -> dict[str, list[str]]:
    policy = {}
    for part in header.split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


def fresh_address() -> str:
    """A documentation-range address of this test's own, so that no other test
    (nor another run sharing the Redis cache) has counted requests from it."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


# --- Content-Security-Policy -----------------------------------------------------


def test_pages_carry_a_nonce_policy_without_unsafe_inline_scripts(org):
    client = Client()
    client.force_login(org.rep)
    response = client.get(reverse("home"))
    policy = directives(response["Content-Security-Policy"])

    nonces = [value for value in policy["script-src"] if value.startswith("'nonce-")]
    assert len(nonces) == 1
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]

    # Every script on the page carries that nonce and loads from a file.
    nonce = nonces[0][len("'nonce-") : -1]
    tags = SCRIPT_TAG.findall(response.content.decode())
    assert tags
    for attributes in tags:
        if 'type="application/json"' in attributes:
            continue  # data from json_script: the browser never runs it
        assert f'nonce="{nonce}"' in attributes
        assert "src=" in attributes


def test_each_response_has_its_own_nonce(org):
    client = Client()
    client.force_login(org.rep)
    first = client.get(reverse("home"))["Content-Security-Policy"]
    second = client.get(reverse("home"))["Content-Security-Policy"]
    assert first != second


def test_api_docs_run_no_inline_script(org):
    client = Client()
    client.force_login(org.rep)
    response = client.get(reverse("api-docs"))
    assert "'unsafe-inline'" not in directives(response["Content-Security-Policy"])["script-src"]
    html = response.content.decode()
    assert all("src=" in attributes for attributes in SCRIPT_TAG.findall(html))

    script = client.get(reverse("api-docs"), {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


# --- Login throttling ------------------------------------------------------------------


def log_in(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_username_for_that_address(org):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(base.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "rep", "wrong").status_code == 200  # the form again, with an error
    assert log_in(client, "rep", "wrong").status_code == 429

    # Now even the right password is refused from there...
    response = log_in(client, "rep", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # ...while another person at that address, and the same person elsewhere, log in.
    assert log_in(Client(REMOTE_ADDR="203.0.113.7"), "lead", PASSWORD).status_code == 302
    assert log_in(Client(REMOTE_ADDR="203.0.113.8"), "rep", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_count(org):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(base.AXES_FAILURE_LIMIT - 1):
        log_in(client, "rep", "wrong")
    assert log_in(client, "rep", PASSWORD).status_code == 302
    client.logout()
    for _ in range(base.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "rep", "wrong").status_code == 200
    assert log_in(client, "rep", PASSWORD).status_code == 302


def test_the_lock_lifts_after_an_hour(org):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        client = Client(REMOTE_ADDR="203.0.113.11")
        for _ in range(base.AXES_FAILURE_LIMIT):
            log_in(client, "rep", "wrong")
    with time_machine.travel(start + dt.timedelta(minutes=59), tick=False):
        assert log_in(client, "rep", PASSWORD).status_code == 429
    # That refused attempt started the hour again (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT).
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        assert log_in(client, "rep", PASSWORD).status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=61 + 61), tick=False):
        assert log_in(client, "rep", PASSWORD).status_code == 302


def test_token_endpoint_failures_count_towards_the_lock(org):
    client = APIClient(REMOTE_ADDR="203.0.113.10")
    url = reverse("api-token")
    for _ in range(base.AXES_FAILURE_LIMIT):
        response = client.post(url, {"username": "rep", "password": "wrong"}, format="json")
        assert response.status_code == 400
    # Locked: the right password no longer yields a token through the API...
    response = client.post(url, {"username": "rep", "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()
    # ...nor through the login page.
    assert log_in(Client(REMOTE_ADDR="203.0.113.10"), "rep", PASSWORD).status_code == 429


def test_token_endpoint_is_rate_limited_per_address(org, monkeypatch):
    rate = base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"]  # production's, not the tests'
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "login", rate)
    allowed = int(rate.split("/")[0])
    client = APIClient(REMOTE_ADDR=fresh_address())
    url = reverse("api-token")
    # Different usernames, so that axes's per-username lock is not what stops them.
    for n in range(allowed):
        response = client.post(url, {"username": f"nobody{n}", "password": "x"}, format="json")
        assert response.status_code == 400
    response = client.post(url, {"username": "rep", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert "Retry-After" in response

    other = APIClient(REMOTE_ADDR=fresh_address())
    response = other.post(url, {"username": "rep", "password": PASSWORD}, format="json")
    assert response.status_code == 200


# --- CSRF ---------------------------------------------------------------------------------


def csrf_client(person) -> tuple[Client, str]:
    """A logged-in client that enforces CSRF, and the token its page hands to htmx."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    html = client.get(reverse("actions:notifications")).content.decode()
    headers = re.search(r"<body[^>]*hx-headers='([^']*)'", html).group(1)
    return client, json.loads(headers)["X-CSRFToken"]


def test_a_form_post_without_the_token_is_refused(org):
    client, _token = csrf_client(org.rep)
    assert client.post(reverse("actions:mark-read")).status_code == 403


def test_a_form_post_with_the_token_is_accepted(org):
    client, token = csrf_client(org.rep)
    response = client.post(reverse("actions:mark-read"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_htmx_posts_carry_the_token_as_a_header(org):
    client, token = csrf_client(org.rep)
    response = client.post(reverse("actions:mark-read"), headers={"X-CSRFToken": token})
    assert response.status_code == 302


def test_no_script_can_read_the_csrf_cookie(org):
    client = Client()
    client.force_login(org.rep)
    response = client.get(reverse("actions:notifications"))
    assert response.cookies["csrftoken"]["httponly"] is True
    assert response.cookies["csrftoken"]["samesite"] == "Lax"


@pytest.mark.parametrize("name", ["login", "password_change"])
def test_auth_forms_refuse_a_post_without_the_token(org, name):
    client = Client(enforce_csrf_checks=True)
    if name == "password_change":
        client.force_login(org.rep)
    response = client.post(reverse(name), {"username": "rep", "password": PASSWORD})
    assert response.status_code == 403
