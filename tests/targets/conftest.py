"""Targets of the fourth quarter of 2026, whose National Day week (1-7
October, made up on Saturday 10 October) the pacing must skip."""

from __future__ import annotations

import pytest

from org.choices import Role
from org.models import Person
from targets import services
from targets.models import Period
from tests.factories import PersonFactory

from .helpers import MID_Q4


@pytest.fixture
def q4(db) -> Period:
    return services.period_for("quarter", MID_Q4)


@pytest.fixture
def vp(org) -> Person:
    """A senior manager (销售总经理) sitting in the company, which the
    executive manages."""
    return PersonFactory(username="vp", role=Role.SENIOR_MANAGER, unit=org.company)
