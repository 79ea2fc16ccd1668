"""The large seed at a small size: the rows it writes (COPY on PostgreSQL,
INSERTs on SQLite) satisfy the models, and a second run adds nothing."""

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max

from actions.models import ActionItem, ActionState, ClockState, Escalation, SlaClock
from meetings.models import Invitation, Meeting, Status
from salesmeet import large_seed
from targets.models import Actual, Target


@pytest.fixture
def small_large_seed(db, monkeypatch):
    call_command("seed_demo", verbosity=0)  # the small org: 5 teams
    for name, value in {
        "PAST_DAYS": 40,
        "AHEAD_DAYS": 10,
        "MEETINGS": 1_500,
        "ACTION_ITEMS": 3_000,
        "ACTUAL_WEEKS": 8,
        "CHUNK": 1_000,
    }.items():
        monkeypatch.setattr(large_seed, name, value)
    lines: list[str] = []
    large_seed.seed_large(lines.append)
    return lines


def test_every_stage_reports_its_rows(small_large_seed):
    assert Meeting.objects.filter(description=large_seed.SEED_NOTE).count() == 1_500
    assert ActionItem.objects.filter(description=large_seed.SEED_NOTE).count() == 3_000
    assert SlaClock.objects.count() == ActionItem.objects.count()
    assert Invitation.objects.filter(meeting__description=large_seed.SEED_NOTE).exists()
    assert Target.objects.filter(rep__isnull=True).exists()
    assert Actual.objects.filter(external_id__startswith=large_seed.ACTUAL_PREFIX).exists()
    assert small_large_seed[-1].endswith("large seed done")


def test_clocks_agree_with_their_items(small_large_seed):
    clocks = SlaClock.objects.select_related("action_item")
    assert not clocks.filter(state=ClockState.MET).exclude(action_item__state=ActionState.DONE)
    assert not clocks.filter(state=ClockState.RUNNING).exclude(action_item__state=ActionState.OPEN)
    assert not clocks.filter(state=ClockState.BREACHED, breached_at__isnull=True)
    assert not clocks.filter(deadline__lt=F("started_at"))
    # Each breached clock reached its level one escalation at a time.
    per_clock = Escalation.objects.values("clock").annotate(n=Count("pk"), top=Max("level"))
    assert per_clock and all(row["n"] == row["top"] for row in per_clock)
    assert not Meeting.objects.filter(status=Status.CONCLUDED, concluded_at__isnull=True)


def test_a_second_run_adds_nothing(small_large_seed):
    counts = (Meeting.objects.count(), ActionItem.objects.count(), Actual.objects.count())
    lines: list[str] = []
    large_seed.seed_large(lines.append)
    assert (Meeting.objects.count(), ActionItem.objects.count(), Actual.objects.count()) == counts
    assert sum("already seeded, skipped" in line for line in lines) == 3
