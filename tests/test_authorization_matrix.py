"""The authorization matrix: every URL pattern, for every persona, on objects in
the user's own unit, a sibling, the parent, a child and another region.

``tests/authz/matrix.py`` classifies every URL pattern: what it acts on and
who may do it; ``tests/authz/oracle.py`` restates the visibility rule by
hand; ``tests/authz/world.py`` builds the dataset once for this module,
inside a transaction that each test's own transaction nests in (as
``TestCase.setUpTestData`` does) and that is rolled back at the end.

Each case expects one of: *ok* (2xx/3xx), *hidden* (404: an object outside
the caller's tree is never 403), *denied* (403 for an action the caller may
not take on an object they see); anonymous callers get 401 (API) or the
login page (HTML). A refused write changes nothing. API lists return exactly
the rows the caller may see; pages show no title they may not see.

A new URL pattern fails ``test_every_url_pattern_is_classified`` until it is
added to the matrix (or, with a reason, to ``ALLOWED_UNCLASSIFIED``).

Query counts: ``tests/query_counts.json`` holds, per list endpoint and main
page (``count=True`` in the matrix), the most queries it may take on this
dataset as ``exec`` and as ``rep``. Taking more fails. After a deliberate
change, rewrite the file with::

    SALESMEET_UPDATE_QUERY_COUNTS=1 .venv/bin/python -m pytest \\
        tests/test_authorization_matrix.py -k query_count
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import ERROR, get_messages
from django.db import connection, transaction
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.generic.edit import ProcessFormView
from rest_framework.response import Response
from rest_framework.test import APIClient

from actions.models import ActionItem, Webhook
from agendas.models import AgendaItem, Decision
from customers.models import Customer, VisitPlan
from meetings.models import Meeting
from org.models import Person
from targets.models import Actual, Target
from tests.authz.matrix import (
    ACTIONS,
    ALLOWED_UNCLASSIFIED,
    EXCLUDED_PREFIXES,
    MEETINGS,
    OK,
    OPS,
    Ctx,
    Op,
)
from tests.authz.oracle import PERSONAS, sees
from tests.authz.world import LOCATIONS, NOW, World, build_world, describe

QUERY_COUNTS = Path(__file__).with_name("query_counts.json")
# No answer names one of these to someone who may not see it.
SHOWN_EVERYWHERE = (*MEETINGS, *ACTIONS, "customer", "notification", "webhook")
UPDATE_COUNTS = os.environ.get("SALESMEET_UPDATE_QUERY_COUNTS") == "1"
COUNTED_PERSONAS = ("exec", "rep")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The dataset, and a logged-in session for everyone, made once."""
    name = str(connection.settings_dict["NAME"])
    assert "test" in name or "memory" in name, f"not a test database: {name}"
    with (
        django_db_blocker.unblock(),
        time_machine.travel(NOW, tick=False),
        transaction.atomic(),
    ):
        built = build_world()
        for key, person in built.people.items():
            client = Client()
            client.force_login(person)
            built.sessions[key] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def db(world):
    """What a test writes is undone: a savepoint in the module's transaction.

    This replaces pytest-django's ``db`` for this module (which would set up
    a TestCase for each of thousands of tests); its name still tells
    pytest-django to create the test database."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module", autouse=True)
def quiet():
    """Thousands of 403s and 404s: log only what is worse."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def client_for(world: World, op: Op, persona: str | None, *, fresh: bool = False):
    if op.api:
        client = APIClient()
        if persona is not None:
            person = world.person(persona) if fresh else world.people[persona]
            client.force_authenticate(person)
        return client
    client = Client()
    if persona is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    return client


def perform(op: Op, ctx: Ctx, client):
    url = reverse(op.name, kwargs=op.url(ctx) if op.url else None)
    query = op.query(ctx) if op.query else {}
    data = op.data(ctx) if op.data else None
    if op.method == "GET":
        return client.get(url, query)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    send = getattr(client, op.method.lower())
    if op.api:
        return send(url, data, format="multipart" if op.multipart else "json")
    return send(url, data or {})


def snapshot(models: tuple[type[Model], ...]) -> dict:
    return {model: list(model.objects.order_by("pk").values_list()) for model in models}


def describe_case(op: Op, outcome: str, response) -> str:
    body = response.content.decode(errors="replace")[:600]
    note = f" ({op.note})" if op.note else ""
    return (
        f"{op.method} {response.request['PATH_INFO']}: expected {outcome} "
        f"{op.expected(outcome)}{note}, got {response.status_code}: {body}"
    )


def check(world: World, op: Op, ctx: Ctx) -> None:
    outcome = op.outcome(ctx)
    before = snapshot(op.touches) if op.method != "GET" and outcome != OK else None
    response = perform(op, ctx, client_for(world, op, ctx.p))
    assert response.status_code in op.expected(outcome), describe_case(op, outcome, response)
    if before is not None:
        assert snapshot(op.touches) == before, f"refused, yet written: {op.id}"
    if outcome == OK and not op.api and op.method != "GET":
        errors = [str(m) for m in get_messages(response.wsgi_request) if m.level >= ERROR]
        assert not errors, f"{op.id} answered {response.status_code} but refused: {errors}"
    if response.status_code == 200 and op.lists is not None:
        check_list(world, op, ctx, response)
    if response.status_code == 200 and op.method == "GET":
        check_shown(world, op, ctx, response)
    if response.status_code == 200 and op.conceal:
        content = response.content.decode()
        for secret in op.conceal(ctx):
            assert secret not in content, f"{op.id} shows {ctx.p} {secret!r}"


def check_list(world: World, op: Op, ctx: Ctx, response) -> None:
    page = response.json()
    assert page["next"] is None, "the list did not fit in one page"
    got = {row["id"] for row in page["results"]}
    expected = {pk for pk, vis in world.seen_by[op.lists].items() if sees(ctx.p, vis)}
    assert got - expected == set(), f"{op.lists.__name__} rows {ctx.p} may not see"
    assert expected - got == set(), f"{op.lists.__name__} rows {ctx.p} should see"


def marker(obj: Model) -> str:
    return obj.name if hasattr(obj, "path") else str(obj)


def check_shown(world: World, op: Op, ctx: Ctx, response, names=()) -> None:
    content = response.content.decode()
    for place in world.places.values():
        for name in names or op.shows or SHOWN_EVERYWHERE:
            obj = place[name]
            if not sees(ctx.p, describe(world, obj)):
                assert marker(obj) not in content, f"{op.id} shows {ctx.p} {name} {obj}"


# --- Every URL pattern is in the matrix ------------------------------------------------------


def url_patterns(patterns=None, prefix="", namespace=None):
    """(route, name, view) of every pattern, namespaces included."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_patterns(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield route, name, pattern.callback


def methods_of(view) -> set[str]:
    if getattr(view, "actions", None):  # a DRF viewset route
        return {method.upper() for method in view.actions if method not in ("head", "options")}
    cls = getattr(view, "view_class", None) or getattr(view, "cls", None)
    if cls is None:
        return {"GET"}  # a function view
    return {
        method.upper()
        for method in cls.http_method_names
        if method not in ("head", "options")
        and hasattr(cls, method)
        # Django's form views answer PUT as POST: the POST case covers it.
        and not (method == "put" and cls.put is ProcessFormView.put)
    }


def classifiable():
    for route, name, view in url_patterns():
        if route.startswith(EXCLUDED_PREFIXES) or name in ALLOWED_UNCLASSIFIED:
            continue
        yield route, name, view


def test_every_url_pattern_is_classified():
    classified = {(op.name, op.method) for op in OPS}
    missing, unnamed, names = [], [], set()
    for route, name, view in classifiable():
        if name is None:
            unnamed.append(route)
            continue
        names.add(name)
        missing += [
            f"{method} {route} ({name})"
            for method in sorted(methods_of(view))
            if (name, method) not in classified
        ]
    assert not unnamed, f"name these URL patterns so the matrix can classify them: {unnamed}"
    assert not missing, (
        "URL patterns not in the authorization matrix (tests/authz/matrix.py): "
        + "; ".join(missing)
    )
    stale = sorted({op.name for op in OPS} - names)
    assert not stale, f"the matrix classifies URL names that no longer exist: {stale}"


# --- The matrix --------------------------------------------------------------------------------


# Every persona in the four locations around 上海一组; the director, whose
# tree holds all four, also in the other region.
CASES = [(persona, loc) for persona in PERSONAS for loc in LOCATIONS if loc != "far"]
CASES.append(("director", "far"))
LOCATED = [
    pytest.param(op, persona, loc, id=f"{op.id}-{persona}-{loc}")
    for op in OPS
    if op.is_located
    for persona, loc in CASES
]
UNLOCATED = [
    pytest.param(op, persona, id=f"{op.id}-{persona}")
    for op in OPS
    if not op.is_located
    for persona in PERSONAS
]


@pytest.mark.parametrize(("op", "persona", "loc"), LOCATED)
def test_located(world, db, op, persona, loc):
    check(world, op, Ctx(world, persona, world.places[loc]))


@pytest.mark.parametrize(("op", "persona"), UNLOCATED)
def test_unlocated(world, db, op, persona):
    check(world, op, Ctx(world, persona, world.places["own"]))


ANONYMOUS = [
    pytest.param(op, id=f"{op.name}:{op.method}")
    for op in {(op.name, op.method): op for op in OPS}.values()
]


@pytest.mark.parametrize("op", ANONYMOUS)
def test_anonymous(world, db, op):
    ctx = Ctx(world, "rep", world.places["own"])
    before = snapshot(op.touches) if op.method != "GET" else None
    response = perform(op, ctx, client_for(world, op, None))
    body = response.content[:300]
    if op.api:
        assert response.status_code == 401, f"{op.id}: {response.status_code} {body!r}"
    else:
        assert response.status_code == 302, f"{op.id}: {response.status_code} {body!r}"
        assert response["Location"].startswith(reverse(settings.LOGIN_URL))
    if before is not None:
        assert snapshot(op.touches) == before


# --- Query counts ------------------------------------------------------------------------------


def load_counts() -> dict:
    return json.loads(QUERY_COUNTS.read_text()) if QUERY_COUNTS.exists() else {}


@pytest.fixture(scope="module")
def measured():
    counts: dict[str, dict[str, int]] = {}
    yield counts
    if UPDATE_COUNTS and counts:
        current = {op.id for op in OPS if op.count}
        merged = {k: v for k, v in {**load_counts(), **counts}.items() if k in current}
        QUERY_COUNTS.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")


COUNTED = [
    pytest.param(op, persona, id=f"{op.id}-{persona}")
    for op in OPS
    if op.count
    for persona in COUNTED_PERSONAS
]


@pytest.mark.parametrize(("op", "persona"), COUNTED)
def test_query_count(world, db, measured, op, persona):
    ctx = Ctx(world, persona, world.places["own"])
    client = client_for(world, op, persona, fresh=True)
    perform(op, ctx, client)  # warm: per-process caches filled, as in production
    with CaptureQueriesContext(connection) as queries:
        response = perform(op, ctx, client)
    assert response.status_code == 200
    used = len(queries)
    measured.setdefault(op.id, {})[persona] = used
    if UPDATE_COUNTS:
        return
    baseline = load_counts().get(op.id, {}).get(persona)
    listing = "\n".join(f"  {q['sql'][:160]}" for q in queries.captured_queries)
    how = "SALESMEET_UPDATE_QUERY_COUNTS=1 pytest tests/test_authorization_matrix.py -k query_count"
    assert baseline is not None, f"no query-count baseline for {op.id} as {persona}: run {how}"
    assert used <= baseline, (
        f"{op.id} as {persona} took {used} queries, more than its baseline {baseline} "
        f"(tests/query_counts.json). Fix the N+1, or if the increase is deliberate, "
        f"run {how}.\n{listing}"
    )


# --- Writes that would move an object out of the writer's tree -------------------------------

# Each writer's own location, and one outside their tree.
WRITERS = {"lead": ("own", "sibling"), "director": ("parent", "far")}


def away_moves():
    """(id, models written, request) for writes that would take an object, or
    make one, outside the writer's tree. ``request(c, home, away)`` sends it."""

    def api(method, name, url, data):
        def send(c, home, away):
            client = APIClient()
            client.force_authenticate(c.me)
            path = reverse(name, kwargs=url(home, away) if url else None)
            return getattr(client, method)(path, data(c, home, away), format="json")

        return send

    def html(name, url, data):
        def send(c, home, away):
            client = Client()
            client.cookies[settings.SESSION_COOKIE_NAME] = c.w.sessions[c.p]
            return client.post(reverse(name, kwargs=url(home, away)), data(c, home, away))

        return send

    def at(name):
        return lambda home, away: {"pk": home[name].pk}

    meeting_times = {
        "kind": "weekly",
        "title": "AZ-moved",
        "starts_at": "2026-09-25T15:00:00+08:00",
        "ends_at": "2026-09-25T16:00:00+08:00",
        "accept_warnings": True,
        "invitees": [],
    }
    return [
        (
            "api-meeting-patch-unit",
            (Meeting,),
            api("patch", "meeting-detail", at("meeting"), lambda c, h, a: {"unit": a.unit.pk}),
        ),
        (
            "api-meeting-put-unit",
            (Meeting,),
            api(
                "put",
                "meeting-detail",
                at("meeting"),
                lambda c, h, a: {**meeting_times, "unit": a.unit.pk},
            ),
        ),
        (
            "api-meeting-patch-chair",
            (Meeting,),
            api(
                "patch",
                "meeting-detail",
                at("meeting"),
                lambda c, h, a: {"chair": a.member.pk, "accept_warnings": True},
            ),
        ),
        (
            "api-meeting-create-away",
            (Meeting,),
            api("post", "meeting-list", None, lambda c, h, a: {**meeting_times, "unit": a.unit.pk}),
        ),
        (
            "api-meeting-create-away-chair",
            (Meeting,),
            api(
                "post",
                "meeting-list",
                None,
                lambda c, h, a: {**meeting_times, "unit": h.unit.pk, "chair": a.chair.pk},
            ),
        ),
        (
            "api-action-item-owner-away",
            (ActionItem,),
            api(
                "post",
                "actionitem-list",
                None,
                lambda c, h, a: {
                    "title": "AZ-moved",
                    "owner": a.member.pk,
                    "due_at": "2026-09-30T18:00:00+08:00",
                },
            ),
        ),
        (
            "api-decision-owner-away",
            (Decision,),
            api(
                "post",
                "decision-list",
                None,
                lambda c, h, a: {
                    "meeting": h["meeting"].pk,
                    "text": "AZ-moved",
                    "owner": a.member.pk,
                    "due_at": "2026-09-30T18:00:00+08:00",
                },
            ),
        ),
        (
            "api-customer-create-away",
            (Customer,),
            api(
                "post",
                "customer-list",
                None,
                lambda c, h, a: {
                    "external_id": "AZ-MOVED",
                    "name": "AZ-moved",
                    "owner": h.member.pk,
                    "unit": a.unit.pk,
                    "stage": "lead",
                },
            ),
        ),
        (
            "api-customer-patch-unit",
            (Customer,),
            api("patch", "customer-detail", at("customer"), lambda c, h, a: {"unit": a.unit.pk}),
        ),
        (
            "api-customer-patch-owner",
            (Customer,),
            api("patch", "customer-detail", at("customer"), lambda c, h, a: {"owner": a.member.pk}),
        ),
        (
            "api-customer-upsert-unit-away",
            (Customer,),
            api(
                "post",
                "customer-bulk-upsert",
                None,
                lambda c, h, a: [
                    {
                        "external_id": h["customer"].external_id,
                        "name": "AZ-moved",
                        "owner": h.member.username,
                        "stage": "lead",
                        "unit": str(a.unit.pk),
                    }
                ],
            ),
        ),
        (
            "api-customer-upsert-theirs",
            (Customer,),
            api(
                "post",
                "customer-bulk-upsert",
                None,
                lambda c, h, a: [
                    {
                        "external_id": a["customer"].external_id,
                        "name": "AZ-taken",
                        "owner": h.member.username,
                        "stage": "lead",
                    }
                ],
            ),
        ),
        (
            "api-agenda-item-to-away-meeting",
            (AgendaItem,),
            api(
                "patch",
                "agendaitem-detail",
                at("item"),
                lambda c, h, a: {"meeting": a["meeting"].pk, "version": 1},
            ),
        ),
        (
            "api-webhook-unit-away",
            (Webhook,),
            api("patch", "webhook-detail", at("webhook"), lambda c, h, a: {"unit": a.unit.pk}),
        ),
        (
            "api-target-rep-away",
            (Target,),
            api(
                "post",
                "target-list",
                None,
                lambda c, h, a: {
                    "period": c.w.shared["period"].pk,
                    "unit": h.unit.pk,
                    "rep": a.member.pk,
                    "metric": "signed",
                    "value": "1",
                },
            ),
        ),
        (
            "api-actual-unit-away",
            (Actual,),
            api(
                "post",
                "actual-list",
                None,
                lambda c, h, a: {
                    "date": "2026-09-18",
                    "unit": a.unit.pk,
                    "metric": "signed",
                    "value": 1,
                },
            ),
        ),
        (
            "api-actual-upsert-theirs",
            (Actual,),
            api(
                "post",
                "actual-bulk-upsert",
                None,
                lambda c, h, a: [
                    {
                        "external_id": a["actual"].external_id,
                        "date": "2026-09-18",
                        "metric": "signed",
                        "value": "1",
                        "unit": str(h.unit.pk),
                    }
                ],
            ),
        ),
        (
            "api-visit-plan-customer-away",
            (VisitPlan,),
            api(
                "post",
                "visitplan-list",
                None,
                lambda c, h, a: {
                    "rep": h.member.pk,
                    "customer": a["customer"].pk,
                    "day": "2026-09-25",
                },
            ),
        ),
        (
            "html-meeting-create-away",
            (Meeting,),
            html(
                "meetings:create",
                lambda h, a: None,
                lambda c, h, a: {
                    **meeting_times,
                    "starts_at": "2026-09-25T15:00",
                    "ends_at": "2026-09-25T16:00",
                    "accept_warnings": "on",
                    "unit": a.unit.pk,
                },
            ),
        ),
        (
            "html-actual-unit-away",
            (Actual,),
            html(
                "targets:actual-create",
                lambda h, a: None,
                lambda c, h, a: {
                    "date": "2026-09-18",
                    "metric": "signed",
                    "value": "1",
                    "unit": a.unit.pk,
                },
            ),
        ),
        (
            "html-visit-rep-away",
            (VisitPlan,),
            html(
                "customers:visit-plan",
                lambda h, a: {"meeting_pk": h["meeting"].pk},
                lambda c, h, a: {
                    "rep": a.member.pk,
                    "customer": h["customer"].pk,
                    "day": "2026-09-25",
                    "planned": "1",
                },
            ),
        ),
        (
            "html-decision-owner-away",
            (Decision,),
            html(
                "agendas:decision",
                lambda h, a: {"meeting_pk": h["meeting"].pk},
                lambda c, h, a: {
                    "text": "AZ-moved",
                    "owner": a.member.pk,
                    "due_at": "2026-09-30T18:00",
                },
            ),
        ),
    ]


MOVES = [
    pytest.param(writer, models, send, id=f"{move}-{writer}")
    for move, models, send in away_moves()
    for writer in WRITERS
]


@pytest.mark.parametrize(("writer", "models", "send"), MOVES)
def test_a_write_out_of_the_writers_tree_is_refused(world, db, writer, models, send):
    home, away = (world.places[loc] for loc in WRITERS[writer])
    before = snapshot(models)
    response = send(Ctx(world, writer, home), home, away)
    if isinstance(response, Response):  # the API says no
        assert response.status_code in (400, 403, 404), response.content[:400]
    else:  # a page shows the form again, or the room with an error
        assert response.status_code in (200, 302, 403, 404), response.content[:400]
        if response.status_code == 302:
            assert any(m.level >= ERROR for m in get_messages(response.wsgi_request))
    assert snapshot(models) == before, "refused, yet written"


def test_a_rep_cannot_take_over_a_colleagues_result(world, db):
    """A rep records only their own results: re-sending a colleague's result
    (by its CRM id) as their own must not rewrite it."""
    colleague = world.places["child"]["actual"]  # child_rep's, in rep's tree
    row = {
        "external_id": colleague.external_id,
        "date": "2026-09-18",
        "metric": "revenue",
        "value": "1",
        "rep": "rep",
    }
    before = snapshot((Actual,))
    client = APIClient()
    client.force_authenticate(world.people["rep"])
    response = client.post(reverse("actual-bulk-upsert"), [row], format="json")
    assert response.status_code == 400, response.content
    assert snapshot((Actual,)) == before


def test_marking_someone_elses_notification_read_changes_nothing(world, db):
    theirs = world.places["sibling"]["notification"]  # outsider's
    client = APIClient()
    client.force_authenticate(world.people["rep"])
    assert client.post(reverse("notification-mark-read"), {"ids": [theirs.pk]}).json() == {
        "marked": 0
    }
    page = Client()
    page.cookies[settings.SESSION_COOKIE_NAME] = world.sessions["rep"]
    page.post(reverse("actions:mark-read"), {"id": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_the_bell_sends_nobody_off_site(world, db, target):
    page = Client()
    page.cookies[settings.SESSION_COOKIE_NAME] = world.sessions["rep"]
    response = page.post(reverse("actions:mark-read"), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("actions:notifications")


BROWSABLE = [pytest.param(op, id=op.name) for op in OPS if op.lists is not None]


@pytest.mark.parametrize("op", BROWSABLE)
def test_the_browsable_api_offers_only_what_the_caller_may_see(world, db, op):
    """DRF's HTML page lists every choice of a filter and of a related field:
    those must be scoped like the data, or its forms name people, meetings
    and items outside the caller's tree."""
    page = Client()
    page.cookies[settings.SESSION_COOKIE_NAME] = world.sessions["rep"]
    response = page.get(reverse(op.name), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    content = response.content.decode()
    # Work may also be assigned up the rep's chain and to the company-wide
    # roles meetings draw on; the rep is invited to the region's meeting.
    assignable = {"director", "exec", "ro", "east_rep"}
    for key, person in world.people.items():
        if not sees("rep", world.seen_by[Person][person.pk]) and key not in assignable:
            assert f">{person.full_name}</option>" not in content, f"{op.name} offers {key}"
    # Every level submits to the quarterly meetings of the units above it.
    above = ("quarterly",) if op.name == "quarterlysubmission-list" else ()
    shown = tuple(name for name in SHOWN_EVERYWHERE if name not in above)
    check_shown(world, op, Ctx(world, "rep", world.places["own"]), response, shown)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("decision-list", lambda w, pk: {**decision(w), "agenda_item": pk("item")}),
        (
            "repfeedback-list",
            lambda w, pk: {
                "meeting": w.places["own"]["meeting"].pk,
                "rep": pk("person"),
                "text": "AZ",
            },
        ),
        ("agendaitem-list", lambda w, pk: {"meeting": pk("meeting"), "title": "AZ"}),
        (
            "visitplan-list",
            lambda w, pk: {
                "rep": w.people["rep"].pk,
                "customer": pk("customer"),
                "day": "2026-09-25",
            },
        ),
    ],
)
def test_an_id_outside_the_tree_answers_like_one_that_does_not_exist(world, db, name, body):
    client = APIClient()
    client.force_authenticate(world.people["lead"])
    sibling = world.places["sibling"]

    def answer(pk):
        response = client.post(reverse(name), body(world, pk), format="json")
        assert response.status_code == 400
        return json.dumps(response.json(), ensure_ascii=False)

    hidden = answer(lambda obj: sibling[obj].pk)
    missing = answer(lambda obj: 999999)
    for obj in ("item", "person", "meeting", "customer"):
        hidden = hidden.replace(f"“{sibling[obj].pk}”", "“999999”")
    assert hidden == missing


def decision(world) -> dict:
    return {
        "meeting": world.places["own"]["meeting"].pk,
        "text": "AZ",
        "owner": world.people["rep"].pk,
        "due_at": "2026-09-30T18:00:00+08:00",
    }


@pytest.mark.parametrize(
    "query", ["agenda-items/?meeting=", "decisions/?owner=", "monthly-plans/?meeting="]
)
def test_filtering_by_an_id_outside_the_tree_answers_like_one_that_does_not_exist(world, db, query):
    client = APIClient()
    client.force_authenticate(world.people["lead"])
    sibling = world.places["sibling"]
    obj = sibling["person"] if "owner" in query else sibling["meeting"]
    hidden = client.get(f"/api/{query}{obj.pk}")
    missing = client.get(f"/api/{query}999999")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json().keys() == missing.json().keys()
