"""Schemathesis over the whole API: every operation of ``/api/schema/``,
with generated input (schemathesis' boundary and invalid cases, then
Hypothesis' examples), must answer without a server error and with a body
its schema describes.

The app is called in-process through WSGI, on the test database: the demo
organisation (``seed_demo``'s people, meetings and customers) plus action
items, a target and a result, built once for the module. Each operation's
test runs in a savepoint that is rolled back, so writes made by one
operation never leak into the next. Its cases are sent by each role in turn
(exec, ops, director, lead, rep, a rep of the sibling team, a resource
owner), authenticated with a token.

Generated path ids rarely name a row, so a case whose path has an ``id`` is
sent again with the id of a row the caller can see (picked by the generated
id's hash among the rows of the viewset's model), which takes the fuzzer past
the 404 into the view's real code.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zlib
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.urls import resolve
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from actions import services as action_services
from customers.demo import seed_customers
from meetings.demo import seed_meetings
from org.demo import seed_org
from org.models import Person
from salesmeet.wsgi import application
from targets import services as target_services
from targets.models import Metric, PeriodKind

# Who calls: one person of each kind, by their demo usernames. ``outsider``
# is a rep of the sibling team, ``presales`` a resource owner outside the
# sales line; ``exec`` is also the demo's superuser.
ROLES = {
    "exec": "exec",
    "ops": "ops",
    "director": "director",
    "lead": "lead",
    "rep": "rep",
    "outsider": "rep010201",
    "presales": "presales1",
}
CHECKS = [not_a_server_error, response_schema_conformance]

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


def _seed() -> dict[str, str]:
    """The module's data; returns a token key for each role."""
    seed_org("small")
    seed_meetings()
    seed_customers(per_rep=2)
    people = {role: Person.objects.get(username=name) for role, name in ROLES.items()}
    soon = timezone.now() + dt.timedelta(days=3)
    for owner, creator in [("rep", "lead"), ("lead", "director"), ("outsider", "director")]:
        action_services.create_action_item(
            title=f"跟进 {owner}", owner=people[owner], created_by=people[creator], due_at=soon
        )
    period = target_services.period_for(PeriodKind.QUARTER, timezone.localdate())
    lead, rep = people["lead"], people["rep"]
    target_services.set_target(lead, period, lead.unit, Metric.REVENUE, Decimal("100000"), rep)
    target_services.record_actual(
        lead,
        date=timezone.localdate(),
        unit=lead.unit,
        metric=Metric.REVENUE,
        value=Decimal("1200.50"),
        rep=rep,
        external_id="FUZZ-1",
    )
    return {role: Token.objects.create(user=person).key for role, person in people.items()}


@pytest.fixture(scope="module")
def tokens(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _seed()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def in_process(tokens, db, monkeypatch):
    """Requests go through WSGI on the test's connection: Django's own handler
    would close it at each request's end (its test client does the same).
    Webhooks get generated URLs: nothing is posted to them."""
    monkeypatch.setattr("actions.delivery.post_json", lambda url, data, key: None)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield tokens
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _visible_ids(operation_path: str, person: Person) -> list[int]:
    """Ids of rows the person can see, from the model behind the path's viewset."""
    view = getattr(resolve(operation_path.replace("{id}", "0")).func, "cls", None)
    queryset = getattr(view, "queryset", None)
    if queryset is None:
        return []
    if hasattr(queryset, "for_user"):
        queryset = queryset.for_user(person)
    return list(queryset.order_by("pk").values_list("pk", flat=True)[:50])


@pytest.fixture
def callers(in_process):
    """The roles in turn, one for each generated case of an operation."""
    people = {p.username: p for p in Person.objects.filter(username__in=ROLES.values())}
    return itertools.cycle(
        [
            (people[ROLES[role]], {"Authorization": f"Token {key}"})
            for role, key in in_process.items()
        ]
    )


# Phase.explicit carries schemathesis' coverage cases (each parameter's bounds,
# wrong types, missing fields, unexpected methods): most of the cost (about
# 2.5 CPU-minutes for the whole API) and most of the findings. Generated
# examples add one per role.
@schema.parametrize()
@settings(
    max_examples=len(ROLES),
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api(case, callers):
    person, headers = next(callers)
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)
    generated = (case.path_parameters or {}).get("id")
    if generated is not None and (ids := _visible_ids(case.path, person)):
        case.path_parameters["id"] = ids[zlib.crc32(repr(generated).encode()) % len(ids)]
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
