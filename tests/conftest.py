"""Shared fixtures: the personas of SalesMeet's tests, and the rules that keep
the suite honest about which services it ran against.

The personas (as in Healthchecks' alice/bob/charlie)::

    星海测试 (company) ............ exec (executive), ops (sales ops)
    ├── 华东 (region) ............. director (middle manager, manages 华东)
    │   ├── 上海一组 (team) ....... lead (team lead, manages it), rep
    │   └── 上海二组 (team) ....... lead_b, outsider (rep of the sibling team)
    └── 华南 (region) ............. director_south
        └── 广州组 (team) ......... rep_south
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from org.choices import Role, UnitKind
from org.models import Person, Unit
from tests.factories import PersonFactory, UnitFactory

IN_CI = os.environ.get("CI", "").lower() == "true"
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
ON_REDIS = bool(settings.REDIS_URL)
FAULTS_DIR = Path(__file__).resolve().parent / "faults"


def pytest_report_header(config):
    database = "PostgreSQL" if ON_POSTGRES else "SQLite"
    broker = "Redis" if ON_REDIS else "embedded filesystem broker"
    return f"salesmeet: database {database}, broker {broker}, CI={IN_CI}"


def pytest_configure(config):
    # .ci/run names the services a run must use, so that a broken DATABASE_URL
    # cannot quietly turn the PostgreSQL run into a second SQLite run.
    required = {s for s in os.environ.get("SALESMEET_REQUIRE_SERVICES", "").split(",") if s}
    configured = {"postgres": ON_POSTGRES, "redis": ON_REDIS}
    missing = sorted(service for service in required if not configured.get(service))
    if missing:
        raise pytest.UsageError(f"SALESMEET_REQUIRE_SERVICES: not configured: {missing}")


def _asked_for_faults(config) -> bool:
    """The fault tests take minutes: they run when the marker expression names
    them (``-m faults``) or their folder or file is named on the command line."""
    if "faults" in (config.getoption("markexpr") or ""):
        return True
    for arg in config.args:
        path = (config.invocation_params.dir / arg.split("::")[0]).resolve()
        if path == FAULTS_DIR or FAULTS_DIR in path.parents:
            return True
    return False


def pytest_collection_modifyitems(config, items):
    """Tests written for one service run only where the run uses it; they are
    deselected (not skipped) elsewhere, and .ci/run runs both set-ups. The
    fault tests run only when asked for (.ci/run has a step for them)."""
    faults = _asked_for_faults(config)
    keep, drop = [], []
    for item in items:
        if (
            (item.get_closest_marker("needs_postgres") and not ON_POSTGRES)
            or (item.get_closest_marker("needs_redis") and not ON_REDIS)
            or (item.get_closest_marker("faults") and not faults)
        ):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)  # for fixtures that act on failure
    # In CI a skip means something was not tested: a missing browser or
    # service must fail the run, not shrink it.
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped in CI, which counts as a failure: {reason}"
    return report


@dataclass
class Org:
    company: Unit
    east: Unit
    south: Unit
    team_a: Unit
    team_b: Unit
    team_south: Unit
    exec: Person
    ops: Person
    director: Person
    director_south: Person
    lead: Person
    rep: Person
    lead_b: Person
    outsider: Person
    rep_south: Person


@pytest.fixture
def org(db) -> Org:
    company = UnitFactory(name="星海测试", kind=UnitKind.COMPANY)
    east = UnitFactory(name="华东", kind=UnitKind.REGION, parent=company)
    south = UnitFactory(name="华南", kind=UnitKind.REGION, parent=company)
    team_a = UnitFactory(name="上海一组", parent=east)
    team_b = UnitFactory(name="上海二组", parent=east)
    team_south = UnitFactory(name="广州组", parent=south)
    people = {
        "exec": PersonFactory(username="exec", role=Role.EXECUTIVE, unit=company),
        "ops": PersonFactory(username="ops", role=Role.SALES_OPS, unit=company),
        "director": PersonFactory(username="director", role=Role.MIDDLE_MANAGER, unit=east),
        "director_south": PersonFactory(
            username="director_south", role=Role.MIDDLE_MANAGER, unit=south
        ),
        "lead": PersonFactory(username="lead", role=Role.TEAM_LEAD, unit=team_a),
        "rep": PersonFactory(username="rep", role=Role.REP, unit=team_a),
        "lead_b": PersonFactory(username="lead_b", role=Role.TEAM_LEAD, unit=team_b),
        "outsider": PersonFactory(username="outsider", role=Role.REP, unit=team_b),
        "rep_south": PersonFactory(username="rep_south", role=Role.REP, unit=team_south),
    }
    for unit, manager in [
        (company, "exec"),
        (east, "director"),
        (south, "director_south"),
        (team_a, "lead"),
        (team_b, "lead_b"),
    ]:
        Unit.objects.filter(pk=unit.pk).update(manager=people[manager])
    units = {
        name: Unit.objects.get(pk=unit.pk)
        for name, unit in {
            "company": company,
            "east": east,
            "south": south,
            "team_a": team_a,
            "team_b": team_b,
            "team_south": team_south,
        }.items()
    }
    return Org(**units, **people)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def api_as(api_client):
    """``api_as(person)``: an API client logged in as that person."""

    def login(person: Person) -> APIClient:
        api_client.force_authenticate(person)
        return api_client

    return login
