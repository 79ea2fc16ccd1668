"""What each kind of meeting must produce before it concludes, the recorded
override, the quarterly collection window, and the monthly plans."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from agendas import outputs, services
from agendas.models import (
    Conclusion,
    FocusRep,
    MonthlyPlan,
    QuarterlySubmission,
    RepFeedback,
    RequirementKind,
    StrategyRequirement,
    Theme,
)
from meetings.kinds import Kind
from meetings.models import Status
from tests.agendas.helpers import NOW, local, schedule, weekly

DUE = local(2027, 1, 20, 18)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def strategy(org):
    return schedule(
        Kind.STRATEGY,
        org.company,
        org.exec,
        local(2027, 1, 12, 10),
        minutes=240,
        invitees=[org.director, org.lead, org.rep],
    )


@pytest.fixture
def monthly(org):
    return schedule(
        Kind.MONTHLY, org.team_a, org.lead, local(2026, 12, 2, 9), minutes=120, invitees=[org.rep]
    )


@pytest.fixture
def quarterly(org):
    """华东's quarterly meeting on Tuesday 2027-01-05 at 10:00 Shanghai time."""
    return schedule(
        Kind.QUARTERLY,
        org.east,
        org.director,
        local(2027, 1, 5, 10),
        minutes=240,
        invitees=[org.lead, org.lead_b],
    )


def add_all_strategy_outputs(meeting, org):
    for kind in RequirementKind.values:
        services.add_strategy_requirement(meeting, org.exec, kind, f"{kind}:华东签约额 +20%")
    services.add_rep_feedback(meeting, org.exec, org.rep, "新指标太多,希望精简")


# --- Required outputs ------------------------------------------------------------------


def test_a_strategy_meeting_must_record_three_kinds_of_requirements_and_feedback(org, strategy):
    with pytest.raises(services.OutputsMissing) as refused:
        services.conclude(strategy, org.exec)
    assert len(refused.value.missing) == 4
    strategy.refresh_from_db()
    assert strategy.status == Status.SCHEDULED


@pytest.mark.parametrize("left_out", [*RequirementKind.values, "feedback"])
def test_a_strategy_meeting_missing_any_one_output_cannot_conclude(org, strategy, left_out):
    for kind in RequirementKind.values:
        if kind != left_out:
            services.add_strategy_requirement(strategy, org.exec, kind, "要求")
    if left_out != "feedback":
        services.add_rep_feedback(strategy, org.exec, org.rep, "反馈")
    with pytest.raises(services.OutputsMissing) as refused:
        services.conclude(strategy, org.exec)
    assert len(refused.value.missing) == 1


def test_a_strategy_meeting_with_all_its_outputs_concludes(org, strategy):
    add_all_strategy_outputs(strategy, org)
    conclusion = services.conclude(strategy, org.exec)
    assert conclusion.missing_outputs == []


def test_a_monthly_meeting_must_name_a_rep_to_focus_on(org, monthly):
    with pytest.raises(services.OutputsMissing):
        services.conclude(monthly, org.lead)
    services.add_focus_rep(monthly, org.lead, org.rep, "新客户转化率低,组长每周陪访一次")
    assert services.conclude(monthly, org.lead).missing_outputs == []


DECISION_KINDS = [
    pytest.param(Kind.QUARTERLY, "east", "director", id="quarterly"),
    pytest.param(Kind.CUSTOMER_SPECIAL, "team_a", "lead", id="customer special"),
    pytest.param(Kind.CUSTOMER_ISSUE, "team_a", "lead", id="customer issue"),
    pytest.param(Kind.RESOURCE_COORDINATION, "team_a", "lead", id="resource coordination"),
    pytest.param(Kind.REVIEW, "company", "exec", id="review"),
]


@pytest.mark.parametrize(("kind", "unit", "chair"), DECISION_KINDS)
def test_these_kinds_cannot_conclude_without_a_decision(org, kind, unit, chair):
    meeting = schedule(kind, getattr(org, unit), getattr(org, chair), local(2027, 1, 5, 10))
    with pytest.raises(services.OutputsMissing) as refused:
        services.conclude(meeting, getattr(org, chair))
    assert len(refused.value.missing) == 1
    assert not Conclusion.objects.exists()


@pytest.mark.parametrize(("kind", "unit", "chair"), DECISION_KINDS)
def test_these_kinds_conclude_once_a_decision_is_recorded(org, kind, unit, chair):
    chair = getattr(org, chair)
    meeting = schedule(kind, getattr(org, unit), chair, local(2027, 1, 5, 10))
    services.add_decision(meeting, chair, text="周三前答复客户", owner=chair, due_at=DUE)
    assert services.conclude(meeting, chair).missing_outputs == []


def test_an_executive_assigns_a_decision_to_a_team_lead(org):
    review = schedule(Kind.REVIEW, org.company, org.exec, local(2027, 1, 5, 10))
    decision = services.add_decision(review, org.exec, text="复盘差距", owner=org.lead, due_at=DUE)
    assert decision.owner == org.lead


@pytest.mark.parametrize("kind", [Kind.DAILY, Kind.WEEKLY, Kind.PLAN])
def test_kinds_whose_outputs_other_apps_check_require_nothing_here_yet(org, kind):
    chair = org.director if kind == Kind.PLAN else org.lead
    meeting = schedule(kind, org.team_a, chair, local(2026, 11, 27, 15))
    assert outputs.missing_outputs(meeting) == []


# --- The override ----------------------------------------------------------------------


def test_an_override_with_a_reason_concludes_and_is_recorded(org, strategy):
    with time_machine.travel(local(2027, 1, 12, 14), tick=False):
        conclusion = services.conclude(
            strategy, org.exec, override_reason="  市场突变,要求下周补录  "
        )
    assert conclusion.override_reason == "市场突变,要求下周补录"
    assert len(conclusion.missing_outputs) == 4
    assert conclusion.concluded_at == local(2027, 1, 12, 14)
    strategy.refresh_from_db()
    assert strategy.status == Status.CONCLUDED


def test_a_blank_reason_is_no_override(org, strategy):
    with pytest.raises(services.OutputsMissing):
        services.conclude(strategy, org.exec, override_reason="   ")
    assert not Conclusion.objects.exists()


def test_a_reason_given_when_nothing_is_missing_is_not_recorded_as_an_override(org, strategy):
    add_all_strategy_outputs(strategy, org)
    conclusion = services.conclude(strategy, org.exec, override_reason="以防万一")
    assert (conclusion.missing_outputs, conclusion.override_reason) == ([], "")


def test_the_room_asks_for_a_reason_when_outputs_are_missing(org, strategy, client):
    client.force_login(org.exec)
    response = client.post(
        reverse("agendas:conclude", args=[strategy.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.context["ask_override"] is True
    assert len(response.context["missing"]) == 4
    assert 'name="override_reason"' in response.content.decode()
    strategy.refresh_from_db()
    assert strategy.status == Status.SCHEDULED


def test_the_room_concludes_with_the_reason_given(org, strategy, client):
    client.force_login(org.exec)
    response = client.post(
        reverse("agendas:conclude", args=[strategy.pk]), {"override_reason": "市场突变"}
    )
    assert response.status_code == 302
    conclusion = Conclusion.objects.get(meeting=strategy)
    assert (conclusion.concluded_by, conclusion.override_reason) == (org.exec, "市场突变")
    room = client.get(reverse("agendas:room", args=[strategy.pk])).content.decode()
    assert "市场突变" in room.split('data-testid="concluded"')[1]


# --- Outputs recorded in the room ------------------------------------------------------


def test_the_room_records_strategy_requirements_and_rep_feedback(org, strategy, client):
    client.force_login(org.exec)
    client.post(
        reverse("agendas:output", args=[strategy.pk, "requirement"]),
        {"kind": RequirementKind.INDICATOR, "text": "新客户拜访量每周 ≥ 8"},
    )
    client.post(
        reverse("agendas:output", args=[strategy.pk, "feedback"]),
        {"person": org.rep.pk, "text": "拜访量指标可以接受"},
    )
    requirement = StrategyRequirement.objects.get()
    assert (requirement.kind, requirement.created_by) == (RequirementKind.INDICATOR, org.exec)
    assert RepFeedback.objects.get().rep == org.rep


def test_the_room_records_a_focus_rep_among_the_invitees_only(org, monthly, client):
    client.force_login(org.lead)
    url = reverse("agendas:output", args=[monthly.pk, "focus"])
    client.post(url, {"person": org.outsider.pk, "text": "不是本组的"})
    assert not FocusRep.objects.exists()
    client.post(url, {"person": org.rep.pk, "text": "签约率低"})
    assert FocusRep.objects.get().rep == org.rep


# --- The quarterly collection window ---------------------------------------------------


def test_collection_opens_two_weeks_before_quarter_end_and_closes_at_the_meeting(quarterly):
    assert services.collection_window(quarterly) == (local(2026, 12, 18, 0, 0), quarterly.starts_at)


def test_the_window_follows_the_quarter_the_meeting_closes(org):
    april = schedule(
        Kind.QUARTERLY, org.east, org.director, local(2027, 4, 6, 10), invitees=[org.lead]
    )
    assert services.collection_window(april)[0] == local(2027, 3, 18, 0, 0)


@pytest.mark.parametrize(
    ("moment", "accepted"),
    [
        pytest.param(local(2026, 12, 17, 23, 59, 59), False, id="a second before it opens"),
        pytest.param(local(2026, 12, 18, 0, 0, 0), True, id="as it opens"),
        pytest.param(local(2027, 1, 5, 9, 59, 59), True, id="a second before the meeting"),
        pytest.param(local(2027, 1, 5, 10, 0, 0), False, id="as the meeting starts"),
    ],
)
def test_submissions_are_taken_inside_the_window_only(org, quarterly, moment, accepted):
    with time_machine.travel(moment, tick=False):
        if accepted:
            services.submit_quarterly(quarterly, org.rep, Theme.MARKET, "竞品降价 15%")
        else:
            with pytest.raises(PermissionDenied):
                services.submit_quarterly(quarterly, org.rep, Theme.MARKET, "竞品降价 15%")
    assert QuarterlySubmission.objects.count() == int(accepted)


IN_WINDOW = local(2026, 12, 28, 10)


def test_a_rep_of_a_team_under_the_meetings_unit_submits_for_their_team(org, quarterly):
    with time_machine.travel(IN_WINDOW, tick=False):
        submission = services.submit_quarterly(quarterly, org.rep, Theme.NEEDS, "客户要求驻场")
    assert (submission.author, submission.unit) == (org.rep, org.team_a)


def test_a_rep_of_another_region_cannot_submit(org, quarterly):
    with time_machine.travel(IN_WINDOW, tick=False), pytest.raises(PermissionDenied):
        services.submit_quarterly(quarterly, org.rep_south, Theme.NEEDS, "华南的需求")
    assert not QuarterlySubmission.objects.exists()


def test_submissions_are_grouped_by_unit_and_theme(org, quarterly):
    with time_machine.travel(IN_WINDOW, tick=False):
        a = services.submit_quarterly(quarterly, org.rep, Theme.MARKET, "竞品降价 15%")
        b = services.submit_quarterly(quarterly, org.lead, Theme.MARKET, "新园区开放招标")
        c = services.submit_quarterly(quarterly, org.rep, Theme.STRATEGY, "大客户策略见效")
        d = services.submit_quarterly(quarterly, org.outsider, Theme.NEEDS, "需要演示环境")
    assert services.submissions_by_unit_and_theme(quarterly) == {
        "上海一组": {str(Theme.MARKET.label): [a, b], str(Theme.STRATEGY.label): [c]},
        "上海二组": {str(Theme.NEEDS.label): [d]},
    }


def test_the_quarterly_room_shows_the_submissions_by_unit(org, quarterly, client):
    with time_machine.travel(IN_WINDOW, tick=False):
        services.submit_quarterly(quarterly, org.rep, Theme.MARKET, "竞品降价 15%")
        client.force_login(org.director)
        response = client.get(reverse("agendas:room", args=[quarterly.pk]))
    outputs_panel = response.content.decode().split('data-testid="outputs"')[1]
    assert "上海一组" in outputs_panel
    assert "竞品降价 15%" in outputs_panel
    assert response.context["window_open"] is True


# --- Monthly plans ---------------------------------------------------------------------


def test_a_rep_drafts_and_redrafts_their_monthly_plan(org, monthly):
    services.draft_monthly_plan(monthly, org.rep, "拜访 20 家")
    plan = services.draft_monthly_plan(monthly, org.rep, "拜访 25 家,签约 3 家")
    assert list(MonthlyPlan.objects.all()) == [plan]
    assert (plan.text, plan.confirmed_at) == ("拜访 25 家,签约 3 家", None)


def test_the_manager_confirms_a_plan_in_a_one_to_one(org, monthly):
    plan = services.draft_monthly_plan(monthly, org.rep, "拜访 25 家")
    moment = local(2026, 12, 3, 16)
    with time_machine.travel(moment, tick=False):
        services.confirm_monthly_plan(plan, org.lead, "重点跟进客户甲")
    assert (plan.confirmed_by, plan.confirmed_at) == (org.lead, moment)
    assert plan.one_to_one_note == "重点跟进客户甲"


def test_a_confirmed_plan_cannot_be_redrafted(org, monthly):
    plan = services.draft_monthly_plan(monthly, org.rep, "拜访 25 家")
    services.confirm_monthly_plan(plan, org.lead)
    with pytest.raises(services.MinutesLocked):
        services.draft_monthly_plan(monthly, org.rep, "拜访 10 家")
    plan.refresh_from_db()
    assert plan.text == "拜访 25 家"


def test_a_rep_cannot_confirm_their_own_plan(org, monthly):
    plan = services.draft_monthly_plan(monthly, org.rep, "拜访 25 家")
    with pytest.raises(PermissionDenied):
        services.confirm_monthly_plan(plan, org.rep)
    plan.refresh_from_db()
    assert plan.confirmed_at is None


def test_only_invitees_draft_a_plan_for_the_meeting(org, monthly):
    with pytest.raises(PermissionDenied):
        services.draft_monthly_plan(monthly, org.outsider, "不是本组的计划")
    assert not MonthlyPlan.objects.exists()


def test_the_plans_page_lets_a_rep_draft(org, monthly, client):
    url = reverse("agendas:monthly-plans", args=[monthly.pk])
    client.force_login(org.rep)
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["plan_form"] is not None
    assert 'name="confirm"' not in page.content.decode()

    response = client.post(url, {"text": "拜访 25 家,签约 3 家"})

    assert response.status_code == 302
    assert MonthlyPlan.objects.get().text == "拜访 25 家,签约 3 家"


def test_the_plans_page_lets_the_manager_confirm(org, monthly, client):
    plan = services.draft_monthly_plan(monthly, org.rep, "拜访 25 家")
    url = reverse("agendas:monthly-plans", args=[monthly.pk])
    client.force_login(org.lead)
    page = client.get(url)
    assert f'name="confirm" value="{plan.pk}"' in page.content.decode()

    client.post(url, {"confirm": plan.pk, "note": "一对一已确认"})

    plan.refresh_from_db()
    assert (plan.confirmed_by, plan.one_to_one_note) == (org.lead, "一对一已确认")


def test_a_rep_confirming_through_the_page_is_forbidden(org, monthly, client):
    plan = services.draft_monthly_plan(monthly, org.rep, "拜访 25 家")
    client.force_login(org.rep)
    response = client.post(
        reverse("agendas:monthly-plans", args=[monthly.pk]), {"confirm": plan.pk}
    )
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.confirmed_at is None


def test_only_monthly_meetings_have_a_plans_page(org, client):
    meeting = weekly(org)
    client.force_login(org.lead)
    assert client.get(reverse("agendas:monthly-plans", args=[meeting.pk])).status_code == 404


def test_confirming_a_plan_that_does_not_exist_is_not_found(org, monthly, client):
    client.force_login(org.lead)
    response = client.post(
        reverse("agendas:monthly-plans", args=[monthly.pk]), {"confirm": "最新的"}
    )
    assert response.status_code == 404
