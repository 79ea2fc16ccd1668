"""The meetings pages in the browser's terms: what each persona can open,
schedule and answer, and that the calendar stays cheap as meetings pile up."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.kinds import Kind
from meetings.models import Invitation, Meeting, Rsvp, Status

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)  # a Monday
FRIDAY = dt.datetime(2026, 11, 27, 15, 0, tzinfo=SHANGHAI)
WEDNESDAY = dt.datetime(2026, 11, 25, 15, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def weekly(org):
    meeting, _ = services.schedule_meeting(
        services.MeetingSpec(
            kind=Kind.WEEKLY,
            unit=org.team_a,
            title="上海一组周会",
            starts_at=FRIDAY,
            ends_at=FRIDAY + dt.timedelta(hours=1),
            invitees=[org.rep],
        ),
        org.lead,
    )
    return meeting


def form_data(org, **overrides):
    data = {
        "kind": Kind.WEEKLY,
        "unit": org.team_a.pk,
        "title": "周会",
        "starts_at": "2026-11-27T15:00",
        "ends_at": "2026-11-27T16:00",
        "invitees": [org.rep.pk],
    }
    data.update(overrides)
    return data


def test_create_page_offers_the_kinds_defaults(org, client):
    client.force_login(org.lead)
    response = client.get(reverse("meetings:create") + "?kind=weekly")
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.initial["invitees"]) == {org.lead.pk, org.rep.pk}
    assert form.initial["starts_at"].weekday() == 4  # next Friday


def test_scheduling_without_warnings_goes_straight_through(
    org, client, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(org.lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("meetings:create"), form_data(org))
    meeting = Meeting.objects.get()
    assert response.url == meeting.get_absolute_url()
    assert meeting.status == Status.SCHEDULED
    assert {m.to[0] for m in mailoutbox} == {org.lead.email, org.rep.email}


def test_a_warning_asks_for_confirmation_and_writes_nothing(org, client):
    client.force_login(org.lead)
    response = client.post(
        reverse("meetings:create"),
        form_data(org, starts_at="2026-11-25T15:00", ends_at="2026-11-25T16:00"),
    )
    assert response.status_code == 200
    assert [w.code for w in response.context["warnings"]] == ["weekly_slot"]
    assert not Meeting.objects.exists()
    # The re-rendered form carries the acceptance: submitting it schedules.
    confirm = response.context["form"].data.copy()
    response = client.post(reverse("meetings:create"), confirm)
    meeting = Meeting.objects.get()
    assert meeting.accepted_warnings == ["weekly_slot"]


def test_a_refusal_is_shown_and_cannot_be_overridden(org, client):
    client.force_login(org.rep)
    data = form_data(org, kind=Kind.STRATEGY, accept_warnings="True")
    response = client.post(reverse("meetings:create"), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Meeting.objects.exists()


def test_a_unit_outside_the_tree_is_not_a_choice(org, client):
    client.force_login(org.lead)
    response = client.post(reverse("meetings:create"), form_data(org, unit=org.team_b.pk))
    assert "unit" in response.context["form"].errors
    assert not Meeting.objects.exists()


def test_repeat_creates_a_series(org, client):
    client.force_login(org.lead)
    client.post(reverse("meetings:create"), form_data(org, repeat="weekly", until="2026-12-31"))
    starts = [timezone.localtime(m.starts_at).date() for m in Meeting.objects.order_by("starts_at")]
    assert starts == [
        dt.date(2026, 11, 27),
        dt.date(2026, 12, 4),
        dt.date(2026, 12, 11),
        dt.date(2026, 12, 18),
        dt.date(2026, 12, 25),
    ]


def test_invitee_picker_ticks_the_kinds_default_invitees(org, client):
    client.force_login(org.director)
    response = client.get(
        reverse("meetings:invitee-picker"), {"kind": Kind.QUARTERLY, "unit": org.east.pk}
    )
    ticked = set(response.context["form"].initial["invitees"])
    assert ticked == {org.director.pk, org.lead.pk, org.lead_b.pk}  # managers only
    assert "陈静" not in [
        str(p) for p in response.context["form"].fields["invitees"].queryset if p.pk in ticked
    ]


def test_detail_of_a_meeting_outside_the_tree_is_not_found(org, client, weekly):
    client.force_login(org.outsider)
    assert client.get(weekly.get_absolute_url()).status_code == 404
    client.force_login(org.rep)
    assert client.get(weekly.get_absolute_url()).status_code == 200


def test_invitee_answers_from_the_detail_page(org, client, weekly):
    client.force_login(org.rep)
    client.post(reverse("meetings:answer", args=[weekly.pk]), {"answer": Rsvp.DECLINED})
    assert Invitation.objects.get(meeting=weekly, person=org.rep).rsvp == Rsvp.DECLINED


def test_only_managers_may_edit(org, client, weekly):
    client.force_login(org.rep)
    assert client.get(reverse("meetings:edit", args=[weekly.pk])).status_code == 403
    client.force_login(org.director)
    assert client.get(reverse("meetings:edit", args=[weekly.pk])).status_code == 200


def test_rescheduling_from_the_edit_page(org, client, weekly):
    client.force_login(org.lead)
    data = {
        "title": weekly.title,
        "starts_at": "2026-11-30T09:00",
        "ends_at": "2026-11-30T10:00",
        "invitees": [org.rep.pk],
    }
    response = client.post(reverse("meetings:edit", args=[weekly.pk]), data)
    assert response.status_code == 302
    weekly.refresh_from_db()
    assert timezone.localtime(weekly.starts_at).date() == dt.date(2026, 11, 30)
    assert weekly.sequence == 1


def test_cancel_keeps_the_meeting_as_cancelled(org, client, weekly):
    client.force_login(org.lead)
    client.post(reverse("meetings:cancel", args=[weekly.pk]), {"reason": "客户来访"})
    weekly.refresh_from_db()
    assert weekly.status == Status.CANCELLED
    assert weekly.cancel_reason == "客户来访"


def test_rep_cannot_cancel(org, client, weekly):
    client.force_login(org.rep)
    assert client.post(reverse("meetings:cancel", args=[weekly.pk])).status_code == 403
    weekly.refresh_from_db()
    assert weekly.status == Status.SCHEDULED


def test_calendar_week_shows_the_meeting_on_its_day(org, client, weekly):
    client.force_login(org.rep)
    response = client.get(reverse("meetings:calendar"), {"date": "2026-11-27", "mine": "1"})
    days = dict(response.context["days"])
    assert days[dt.date(2026, 11, 27)] == [weekly]


def test_calendar_month_view(org, client, weekly):
    client.force_login(org.rep)
    response = client.get(reverse("meetings:calendar"), {"view": "month", "date": "2026-11-01"})
    assert len(response.context["weeks"]) in (5, 6)
    assert "上海一组周会" in response.content.decode()


def test_calendar_of_the_sibling_team_hides_the_meeting(org, client, weekly):
    client.force_login(org.outsider)
    response = client.get(reverse("meetings:calendar"), {"date": "2026-11-27"})
    assert "上海一组周会" not in response.content.decode()


@pytest.mark.parametrize("count", [1, 25])
def test_calendar_query_count_does_not_grow(org, client, count, django_assert_max_num_queries):
    for n in range(count):
        start = FRIDAY + dt.timedelta(minutes=n)
        Meeting.objects.create(
            kind=Kind.DAILY,
            unit=org.team_a,
            title=f"m{n}",
            chair=org.lead,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
            created_by=org.lead,
        )
    client.force_login(org.lead)
    # session, user, user's unit (scope and menu), meetings with unit and
    # chair, the bell's unread count.
    with django_assert_max_num_queries(5):
        response = client.get(reverse("meetings:calendar"), {"date": "2026-11-27"})
    assert len(dict(response.context["days"])[dt.date(2026, 11, 27)]) == count


@pytest.mark.parametrize("count", [1, 25])
def test_list_query_count_does_not_grow(org, client, count, django_assert_max_num_queries):
    for n in range(count):
        start = FRIDAY + dt.timedelta(minutes=n)
        Meeting.objects.create(
            kind=Kind.DAILY,
            unit=org.team_a,
            title=f"m{n}",
            chair=org.lead,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
            created_by=org.lead,
        )
    client.force_login(org.lead)
    # session, user, user's unit, units for the filter form, count, page of
    # meetings, the bell's unread count.
    with django_assert_max_num_queries(7):
        assert client.get(reverse("meetings:list")).status_code == 200


def test_ics_download(org, client, weekly):
    client.force_login(org.rep)
    response = client.get(reverse("meetings:ics", args=[weekly.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content


def test_subscription_feed_and_its_revocation(org, client, weekly):
    client.force_login(org.rep)
    url = client.get(reverse("meetings:subscribe")).context["feed_url"]
    path = url.removeprefix("http://127.0.0.1:8000")
    client.logout()
    feed = client.get(path)
    assert feed.status_code == 200
    assert "上海一组周会" in feed.content.decode()
    client.force_login(org.rep)
    client.post(reverse("meetings:subscribe"))
    client.logout()
    assert client.get(path).status_code == 404


def test_rsvp_link_from_the_email(org, client, weekly):
    from meetings.notifications import rsvp_links

    invitation = Invitation.objects.get(meeting=weekly, person=org.rep)
    link = rsvp_links(invitation)[Rsvp.ACCEPTED].removeprefix("http://127.0.0.1:8000")
    assert client.get(link).status_code == 200
    invitation.refresh_from_db()
    assert invitation.rsvp == Rsvp.PENDING  # looking at the link answers nothing
    client.post(link)
    invitation.refresh_from_db()
    assert invitation.rsvp == Rsvp.ACCEPTED


def test_tampered_rsvp_link_is_refused(db, client):
    assert client.get(reverse("meetings:rsvp", args=["not-a-token"])).status_code == 400


def test_cadence_on_the_unit_page(org, client):
    client.force_login(org.lead)
    response = client.get(reverse("meetings:cadence", args=[org.team_a.pk]), HTTP_HX_REQUEST="true")
    kinds = [row.kind for row in response.context["rows"]]
    assert kinds == [Kind.DAILY, Kind.WEEKLY, Kind.MONTHLY]
    assert "<html" not in response.content.decode()  # a fragment for htmx


def test_cadence_of_a_unit_outside_the_tree_is_not_found(org, client):
    client.force_login(org.rep)
    assert client.get(reverse("meetings:cadence", args=[org.team_b.pk])).status_code == 404


def test_approval_by_the_decision_maker(org, client):
    meeting, _ = services.schedule_meeting(
        services.MeetingSpec(
            kind=Kind.RESOURCE_COORDINATION,
            unit=org.team_a,
            title="资源协同",
            starts_at=FRIDAY,
            ends_at=FRIDAY + dt.timedelta(hours=1),
            invitees=[],
            decision_maker=org.director,
        ),
        org.lead,
        accept_warnings=True,
    )
    client.force_login(org.lead)
    assert client.post(reverse("meetings:approve", args=[meeting.pk])).status_code == 403
    client.force_login(org.director)
    client.post(reverse("meetings:approve", args=[meeting.pk]), {"note": "同意"})
    meeting.refresh_from_db()
    assert meeting.approved_at is not None
