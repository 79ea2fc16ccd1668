"""The 15% rule: a unit more than the threshold behind its paced target,
once a fifth of the period has gone by, gets one review meeting for the
period, proposed to the senior manager above it, who is notified and
confirms the time."""

import datetime as dt
import io
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation

from actions.defaults import install_default_policies
from actions.models import Notification, SlaPolicy
from agendas.models import AgendaItem
from meetings import services as meeting_services
from meetings.kinds import Kind
from meetings.models import Meeting, Status
from targets import rule, services
from targets.models import GapReview, Metric

from .helpers import EARLY_Q4, FIFTH_Q4, MID_Q4, SHANGHAI, actual, at, rep, target

REVENUE, SIGNED = Metric.REVENUE, Metric.SIGNED


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def half_way(org, q4):
    """Half of Q4 gone: each team expected at 500 of its 1,000. Team B is
    ahead (700), so the region and the company stay on pace while team A
    has at least 150."""
    target(q4, org.team_a, REVENUE, 1000)
    target(q4, org.team_b, REVENUE, 1000)
    actual(org.team_b, REVENUE, 700, rep=org.outsider, day=dt.date(2026, 10, 8))
    return q4


def figure_items(meeting) -> list[AgendaItem]:
    return list(meeting.agenda_items.filter(title__startswith="Figures:").order_by("position"))


def test_exactly_the_threshold_behind_proposes_no_review(org, half_way):
    actual(org.team_a, REVENUE, 425, rep=org.rep)  # gap 15.00%

    assert rule.check(half_way, MID_Q4) == []
    assert not GapReview.objects.exists()
    assert not Meeting.objects.exists()


def test_just_past_the_threshold_proposes_one_review(org, half_way):
    actual(org.team_a, REVENUE, Decimal("424.99"), rep=org.rep)  # gap 15.002%: rounds to 15.00%

    findings = rule.check(half_way, MID_Q4)

    review = GapReview.objects.get()
    assert [(f.unit, f.metric, f.gap, f.review, f.created) for f in findings] == [
        (org.team_a, REVENUE, Decimal("0.1500"), review, True)
    ]
    assert (review.unit, review.period, review.metrics) == (org.team_a, half_way, [REVENUE])
    figures = review.figures[REVENUE]
    assert (figures["target"], figures["expected"], figures["actual"]) == (
        "1000.00",
        "500.0000",
        "424.99",
    )
    assert figures["contributors"][0]["name"] == str(org.rep)
    meeting = Meeting.objects.get()
    assert (meeting.kind, meeting.status, meeting.unit, meeting.chair) == (
        Kind.REVIEW,
        Status.PROPOSED,
        org.team_a,
        org.exec,  # the company's executive: nobody senior sits nearer
    )
    assert review.meeting == meeting
    # Proposed for the next working day after the check, at ten.
    assert timezone.localtime(meeting.starts_at) == dt.datetime(2026, 11, 19, 10, tzinfo=SHANGHAI)
    [item] = figure_items(meeting)
    assert item.title == "Figures: Revenue"
    assert "Target 1000.00, expected by now 500.0000, actual 424.99, gap 15.0%." in item.guidance
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (org.exec, "review_proposed")
    assert notification.url == meeting.get_absolute_url()


def test_the_threshold_is_a_setting(org, half_way, settings):
    settings.SALESMEET_GAP_THRESHOLD = "0.25"
    actual(org.team_a, REVENUE, 380, rep=org.rep)  # 24% behind

    assert rule.check(half_way, MID_Q4) == []
    settings.SALESMEET_GAP_THRESHOLD = "0.20"
    assert len(rule.check(half_way, MID_Q4)) == 1


def test_nothing_is_proposed_before_a_fifth_of_the_period(org, half_way):
    actual(org.team_a, REVENUE, 0, rep=org.rep, day=dt.date(2026, 10, 8))

    assert rule.check(half_way, EARLY_Q4) == []  # 12 of 62 working days
    assert not GapReview.objects.exists()
    assert len(rule.check(half_way, FIFTH_Q4)) == 1  # 13 of 62
    assert GapReview.objects.get().unit == org.team_a


def test_a_zero_target_proposes_nothing_and_divides_by_nothing(org, q4):
    target(q4, org.team_a, REVENUE, 0)
    target(q4, org.team_a, SIGNED, 0, rep=org.rep)

    assert rule.check(q4, MID_Q4) == []
    actual(org.team_a, REVENUE, 10, rep=org.rep)
    assert rule.check(q4, MID_Q4) == []
    assert not GapReview.objects.exists()


def test_a_second_metric_joins_the_same_review(org, half_way):
    actual(org.team_a, REVENUE, 300, rep=org.rep)
    [first] = rule.check(half_way, MID_Q4)
    target(half_way, org.team_a, SIGNED, 10)
    target(half_way, org.team_b, SIGNED, 10)
    actual(org.team_b, SIGNED, 10, rep=org.outsider)
    actual(org.team_a, SIGNED, 2, rep=org.rep)

    [second] = rule.check(half_way, MID_Q4 + dt.timedelta(days=1))

    assert (second.metric, second.review) == (SIGNED, first.review)
    review = GapReview.objects.get()
    assert review.metrics == [REVENUE, SIGNED]
    assert set(review.figures) == {REVENUE, SIGNED}
    meeting = Meeting.objects.get()
    assert [item.title for item in figure_items(meeting)] == [
        "Figures: Revenue",
        "Figures: Customers signed",
    ]
    assert Notification.objects.count() == 1  # the caller is told once


def test_running_the_rule_again_creates_nothing(org, half_way):
    actual(org.team_a, REVENUE, 300, rep=org.rep)
    rule.check(half_way, MID_Q4)
    counts = [m.objects.count() for m in (GapReview, Meeting, AgendaItem, Notification)]

    assert rule.check(half_way, MID_Q4) == []
    assert rule.check(half_way, MID_Q4 + dt.timedelta(days=1)) == []
    assert [m.objects.count() for m in (GapReview, Meeting, AgendaItem, Notification)] == counts


def test_a_closed_review_still_records_a_later_metric(org, half_way):
    actual(org.team_a, REVENUE, 300, rep=org.rep)
    rule.check(half_way, MID_Q4)
    Meeting.objects.update(status=Status.CONCLUDED)
    target(half_way, org.team_a, SIGNED, 10)
    target(half_way, org.team_b, SIGNED, 10)
    actual(org.team_b, SIGNED, 10, rep=org.outsider)

    [finding] = rule.check(half_way, MID_Q4)

    assert finding.metric == SIGNED
    assert GapReview.objects.get().metrics == [REVENUE, SIGNED]
    assert len(figure_items(Meeting.objects.get())) == 1  # the concluded agenda is left alone


def test_the_review_invites_managers_and_the_best_reps_and_largest_swings(org, q4):
    attained = {"ace": 90, "good": 49, "fair": 40, "weak": 20, "zero": 0}  # of 50 expected
    reps = {name: rep(org.team_a, name) for name in attained}
    for name, value in attained.items():
        target(q4, org.team_a, REVENUE, 100, rep=reps[name])
        actual(org.team_a, REVENUE, value, rep=reps[name])

    rule.check(q4, MID_Q4)

    meeting = GapReview.objects.get(unit=org.team_a).meeting
    invited = set(meeting.invitations.values_list("person__username", flat=True))
    # The chair; the team's lead; the best (ace 180%, good 98%); the largest
    # swings from pace (zero -100%, ace +80%). Not fair or weak; not the rep
    # without a target; the region's director sits above the team.
    assert invited == {"exec", "lead", "ace", "good", "zero"}


def test_the_senior_manager_above_calls_the_review_and_confirms_its_time(org, half_way, vp):
    actual(org.team_a, REVENUE, 300, rep=org.rep)

    rule.check(half_way, MID_Q4)

    meeting = Meeting.objects.get()
    assert meeting.chair == vp  # before the executive who manages the company
    assert meeting.invitations.get(person=vp).rsvp == "accepted"
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (vp, "review_proposed")
    assert "Revenue: gap 40.0%" in notification.body

    start = meeting.starts_at + dt.timedelta(days=1)
    meeting_services.confirm_proposed(meeting, vp, start, start + dt.timedelta(hours=2))

    meeting.refresh_from_db()
    assert (meeting.status, meeting.starts_at) == (Status.SCHEDULED, start)


def test_the_nearest_senior_manager_is_the_caller(org, vp):
    org.east.manager = vp
    org.east.save()

    assert rule.caller_for(org.team_a) == vp
    assert rule.caller_for(org.east) == vp  # the company's senior manager
    assert rule.caller_for(org.company) == org.exec  # nobody above: its own manager


def test_every_results_change_reruns_the_rule_after_commit(
    org, half_way, django_capture_on_commit_callbacks
):
    with at(MID_Q4), django_capture_on_commit_callbacks(execute=True):
        services.record_actual(org.lead, date=MID_Q4, unit=org.team_a, metric=REVENUE, value=300)

    assert GapReview.objects.get().unit == org.team_a


def test_gap_check_prints_what_it_found(org, half_way):
    actual(org.team_a, REVENUE, 300, rep=org.rep)
    out = io.StringIO()

    with at(MID_Q4):
        call_command("gap_check", stdout=out)
        call_command("gap_check", stdout=out)

    review = GapReview.objects.get()
    assert out.getvalue().splitlines() == [
        f"2026 Q4 · 上海一组 · revenue: gap 40.0% → review #{review.pk}",
        "findings: 1",
        "findings: 0",
    ]


@pytest.mark.needs_postgres
def test_two_concurrent_runs_propose_one_review(transactional_db, org):
    install_default_policies(SlaPolicy)
    period = services.period_for("quarter", MID_Q4)
    target(period, org.team_a, REVENUE, 1000)
    target(period, org.team_b, REVENUE, 1000)
    actual(org.team_b, REVENUE, 700, rep=org.outsider)
    actual(org.team_a, REVENUE, 300, rep=org.rep)
    start = threading.Barrier(2)
    found, failed = [], []

    def run():
        try:
            start.wait()
            with translation.override("en"):
                found.extend(rule.check(period, MID_Q4))
        except Exception as error:  # pragma: no cover - reported below
            failed.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failed == []
    assert len(found) == 1
    assert GapReview.objects.count() == 1
    assert Meeting.objects.filter(kind=Kind.REVIEW).count() == 1
    assert len(figure_items(Meeting.objects.get())) == 1
    assert Notification.objects.filter(kind="review_proposed").count() == 1
