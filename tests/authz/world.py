"""The dataset of the authorization matrix, built once per test module.

The org tree of ``tests/conftest.py`` (company → 华东 → 上海一组 / 上海二组,
华南 → 广州组), plus a team below 上海一组 (浦东小组) and a presales
department with a resource owner. Seen from 上海一组, the user's own unit,
objects lie in five *locations*::

    own      上海一组   chaired by lead,            member rep
    sibling  上海二组   chaired by lead_b,          member outsider
    parent   华东       chaired by director,        member east_rep
    child    浦东小组   chaired by child_lead,      member child_rep
    far      广州组     chaired by director_south,  member rep_south

In each location the same objects are made through the apps' services, as
users make them: a weekly meeting (first of a series, with its next
occurrence), its agenda, a decision, outputs, a resource-coordination
meeting, a monthly and a quarterly meeting, a concluded morning meeting, a
customer with a brief and a visit plan, action items with a running and a
paused clock and an escalation, a notification, a webhook, a target, an
actual, a plan and a gap review. Titles carry the location (``AZ-sibling``)
so that pages can be searched for rows they must not show.

:func:`describe` tells, for any row of those models, who may see it, in the
terms of :mod:`tests.authz.oracle`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Model

from actions import services as action_services
from actions.defaults import install_default_policies
from actions.models import ActionItem, Escalation, Notification, SlaClock, SlaPolicy, Webhook
from agendas import services as agenda_services
from agendas.defaults import DEFAULT_TEMPLATES
from agendas.models import (
    AgendaItem,
    AgendaTemplate,
    Conclusion,
    Decision,
    FocusRep,
    MonthlyPlan,
    QuarterlySubmission,
    RepFeedback,
    StrategyRequirement,
)
from customers import services as customer_services
from customers.defaults import install_default_stages
from customers.models import Brief, Customer, PipelineStage, VisitPlan
from meetings import series as series_module
from meetings import services as meeting_services
from meetings.kinds import Kind
from meetings.models import Meeting, Series
from org.choices import UnitKind
from org.models import Person, Unit
from org.services import escalation_chain
from targets import services as target_services
from targets.models import Actual, GapReview, Metric, Period, PeriodKind, Plan, Target
from tests.factories import PersonFactory, UnitFactory

from . import oracle
from .oracle import Vis, vis

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# A Monday morning. The quarterly meetings of early October take
# submissions from two weeks before the quarter ends, so they are open now.
NOW = local(2026, 9, 21, 9)
DAILY_AT = local(2026, 9, 21, 8, 30)  # this morning's meeting, concluded
RC_AT = local(2026, 9, 22, 14)  # resource coordination, tomorrow
WEEKLY_AT = local(2026, 9, 24, 16)  # the weekly meeting, first of its series
NEXT_WEEKLY_AT = local(2026, 10, 15, 16)  # its next occurrence (after the holidays)
MONTHLY_AT = local(2026, 9, 29, 10)
QUARTERLY_AT = local(2026, 10, 9, 10)
VISIT_DAY = dt.date(2026, 9, 24)

UNIT_NAMES = {
    "company": ("星海测试", UnitKind.COMPANY),
    "east": ("华东", UnitKind.REGION),
    "south": ("华南", UnitKind.REGION),
    "dept": ("售前部", UnitKind.DEPARTMENT),
    "team_a": ("上海一组", UnitKind.TEAM),
    "team_b": ("上海二组", UnitKind.TEAM),
    "child": ("浦东小组", UnitKind.TEAM),
    "team_south": ("广州组", UnitKind.TEAM),
}

# location → (unit, chair, member, who calls its quarterly meeting)
LOCATIONS = {
    "own": ("team_a", "lead", "rep", "director"),
    "sibling": ("team_b", "lead_b", "outsider", "director"),
    "parent": ("east", "director", "east_rep", "director"),
    "child": ("child", "child_lead", "child_rep", "director"),
    "far": ("team_south", "director_south", "rep_south", "director_south"),
}

# Who is invited besides the member: the resource owner to the own unit's
# resource-coordination meeting (resource owners see only such meetings),
# and rep to the region's weekly meeting (seen through the invitation only).
EXTRA_INVITEES = {("own", "rc_meeting"): ["ro"], ("parent", "meeting"): ["rep"]}


@dataclass
class Place:
    """One location and the objects made in it."""

    loc: str
    unit: Unit
    chair: Person
    member: Person
    creator_of_quarterly: Person
    objects: dict[str, Model] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Model:
        return self.objects[name]


@dataclass
class World:
    units: dict[str, Unit]
    people: dict[str, Person]
    places: dict[str, Place]
    shared: dict[str, Model]
    unit_key: dict[int, str] = field(default_factory=dict)
    person_key: dict[int, str] = field(default_factory=dict)
    # model → pk → who may see the row (filled by describe_all)
    seen_by: dict[type, dict[int, Vis]] = field(default_factory=dict)
    # meeting pk → the keys of its invitees (the chair included)
    invited: dict[int, set[str]] = field(default_factory=dict)
    # person key → session key of a logged-in session (made by the test module)
    sessions: dict[str, str] = field(default_factory=dict)

    def key(self, person: Person | None) -> str | None:
        return None if person is None else self.person_key[person.pk]

    def person(self, key: str) -> Person:
        """A fresh copy: nothing cached on it from an earlier test."""
        return Person.objects.get(pk=self.people[key].pk)


def install_defaults() -> None:
    """The rows data migrations install, which transactional tests flush."""
    install_default_policies(SlaPolicy)
    install_default_stages(PipelineStage)
    for kind in DEFAULT_TEMPLATES:
        agenda_services.install_default_template(kind)


def build_org() -> tuple[dict[str, Unit], dict[str, Person]]:
    units: dict[str, Unit] = {}
    for key, parent in oracle.PARENT.items():  # parents come first
        name, kind = UNIT_NAMES[key]
        units[key] = UnitFactory(name=name, kind=kind, parent=units[parent] if parent else None)
        if parent:
            units[parent].refresh_from_db()
    people = {
        key: PersonFactory(username=key, role=role, unit=units[unit])
        for key, (role, unit) in oracle.PEOPLE.items()
    }
    for unit, manager in oracle.MANAGER_OF.items():
        Unit.objects.filter(pk=units[unit].pk).update(manager=people[manager])
    units = {key: Unit.objects.get(pk=unit.pk) for key, unit in units.items()}
    people = {key: Person.objects.get(pk=person.pk) for key, person in people.items()}
    return units, people


def schedule(kind, place: Place, at, caller, *, minutes=60, invitees=(), **fields) -> Meeting:
    fields.setdefault("title", f"AZ-{place.loc} {Kind(kind).label}")
    meeting, _verdict = meeting_services.schedule_meeting(
        meeting_services.MeetingSpec(
            kind=kind,
            unit=place.unit,
            starts_at=at,
            ends_at=at + dt.timedelta(minutes=minutes),
            invitees=list(invitees),
            **fields,
        ),
        caller,
        accept_warnings=True,
    )
    return meeting


def build_place(place: Place, people: dict[str, Person], shared: dict[str, Model]) -> None:
    o, chair, member = place.objects, place.chair, place.member
    loc = place.loc

    # The weekly meeting, first of a series, and its next occurrence.
    series = Series.objects.create(
        kind=Kind.WEEKLY,
        unit=place.unit,
        title=f"AZ-{loc} 周例会",
        chair=chair,
        rrule=series_module.rrule_for("weekly", WEEKLY_AT),
        starts_at=WEEKLY_AT,
        duration=dt.timedelta(minutes=90),
        created_by=chair,
    )
    for name, at in (("meeting", WEEKLY_AT), ("meeting_next", NEXT_WEEKLY_AT)):
        o[name] = schedule(
            Kind.WEEKLY,
            place,
            at,
            chair,
            minutes=90,
            invitees=[member, *(people[k] for k in EXTRA_INVITEES.get((loc, name), []))],
            title=f"AZ-{loc} 周例会 {at:%m-%d}",
        )
        Meeting.objects.filter(pk=o[name].pk).update(series=series, original_start=at)
        o[name].refresh_from_db()
    o["item"] = o["meeting"].agenda_items.order_by("position", "pk").first()
    o["decision"] = agenda_services.add_decision(
        o["meeting"],
        chair,
        text=f"AZ-{loc} 决议",
        owner=member,
        due_at=local(2026, 9, 30, 18),
    )
    o["requirement"] = agenda_services.add_strategy_requirement(
        o["meeting"], chair, "action", f"AZ-{loc} 要求"
    )
    o["feedback"] = agenda_services.add_rep_feedback(o["meeting"], chair, member, f"AZ-{loc} 反馈")

    # Resource coordination: the chair decides.
    invitees = [member, *(people[k] for k in EXTRA_INVITEES.get((loc, "rc_meeting"), []))]
    o["rc_meeting"] = schedule(
        Kind.RESOURCE_COORDINATION,
        place,
        RC_AT,
        chair,
        invitees=invitees,
        decision_maker=chair,
        title=f"AZ-{loc} 资源协调会",
    )

    # The monthly meeting, the member's plan and a focus rep.
    o["monthly"] = schedule(Kind.MONTHLY, place, MONTHLY_AT, chair, minutes=120, invitees=[member])
    o["plan"] = agenda_services.draft_monthly_plan(o["monthly"], member, f"AZ-{loc} 月计划")
    o["focus"] = agenda_services.add_focus_rep(o["monthly"], chair, member, f"AZ-{loc} 重点")

    # The quarterly meeting (managers only), open for submissions.
    o["quarterly"] = schedule(
        Kind.QUARTERLY,
        place,
        QUARTERLY_AT,
        place.creator_of_quarterly,
        minutes=180,
        chair=chair,
        title=f"AZ-{loc} 季度会",
    )
    o["submission"] = agenda_services.submit_quarterly(
        o["quarterly"], member, "market", f"AZ-{loc} 市场信息"
    )

    # This morning's meeting, concluded.
    o["done_meeting"] = schedule(
        Kind.DAILY, place, DAILY_AT, chair, minutes=30, invitees=[member], title=f"AZ-{loc} 早会"
    )
    o["conclusion"] = agenda_services.conclude(o["done_meeting"], chair, override_reason="AZ")

    # The member's customer, brief and visit.
    o["customer"] = Customer.objects.create(
        name=f"AZ-{loc} 客户",
        owner=member,
        unit=place.unit,
        stage=shared["stage"],
        expected_value=Decimal("100000.00"),
        external_id=f"AZ-CRM-{loc}",
    )
    o["brief"] = customer_services.save_brief(
        o["meeting"], o["customer"], member, {"needs": f"AZ-{loc} 需求"}, submit=True
    )
    customer_services.set_visit(member, o["customer"], VISIT_DAY, True, member, o["meeting"])
    o["visit"] = VisitPlan.objects.get(rep=member, customer=o["customer"], day=VISIT_DAY)

    # Action items: one with a running clock (escalated once), one paused.
    o["action"] = action_services.create_action_item(
        title=f"AZ-{loc} 待办",
        owner=member,
        created_by=chair,
        due_at=local(2026, 9, 28, 18),
    )
    o["clock"] = o["action"].clocks.get()
    o["escalation"] = Escalation.objects.create(
        clock=o["clock"], level=1, to_person=escalation_chain(member)[0], at=NOW
    )
    o["paused_action"] = action_services.create_action_item(
        title=f"AZ-{loc} 暂停的待办",
        owner=member,
        created_by=chair,
        due_at=local(2026, 9, 29, 18),
    )
    o["paused_clock"] = action_services.pause(
        o["paused_action"].clocks.get(), chair, reason="等客户"
    )
    o["notification"] = Notification.objects.create(
        recipient=member,
        kind="test",
        title=f"AZ-{loc} 通知",
        action_item=o["action"],
        idempotency_key=f"authz-{loc}",
    )
    o["webhook"] = Webhook.objects.create(
        unit=place.unit,
        name=f"AZ-{loc} 群",
        url=f"http://127.0.0.1:9/{loc}/secret-token",
        created_by=chair,
    )

    # Targets: the unit's revenue target (set by sales ops), an actual of the
    # member, the unit's plan and a gap review.
    period = shared["period"]
    o["target"] = target_services.set_target(
        people["ops"], period, place.unit, Metric.REVENUE, Decimal("1000000")
    )
    o["actual"] = target_services.record_actual(
        chair,
        date=dt.date(2026, 9, 18),
        unit=place.unit,
        rep=member,
        metric=Metric.REVENUE,
        value=Decimal("50000"),
        external_id=f"AZ-ACT-{loc}",
    )
    o["plan_t"] = Plan.objects.create(
        unit=place.unit, period=period, methods=f"AZ-{loc} 方法", set_by=chair
    )
    o["review"] = GapReview.objects.create(unit=place.unit, period=period, metrics=["revenue"])
    o["unit"] = place.unit
    o["person"] = member


def build_world() -> World:
    """Everything, made as users make it. Call inside a transaction at NOW."""
    install_defaults()
    units, people = build_org()
    shared: dict[str, Model] = {
        "stage": PipelineStage.objects.get(key="lead"),
        "period": target_services.period_for(PeriodKind.QUARTER, NOW.date()),
        "template": AgendaTemplate.objects.get(kind=Kind.WEEKLY),
        "policy": SlaPolicy.objects.get(key="decision"),
    }
    places = {}
    for loc, (unit, chair, member, quarterly) in LOCATIONS.items():
        places[loc] = Place(loc, units[unit], people[chair], people[member], people[quarterly])
        build_place(places[loc], people, shared)
    world = World(units=units, people=people, places=places, shared=shared)
    world.unit_key = {unit.pk: key for key, unit in units.items()}
    world.person_key = {person.pk: key for key, person in people.items()}
    describe_all(world)
    return world


# --- Who sees each row --------------------------------------------------------------------


def describe_all(world: World) -> None:
    """Fill ``world.seen_by`` for every row of the models the API lists."""
    u, k = world.unit_key, world.person_key
    invited: dict[int, set[str]] = {}
    for meeting in Meeting.objects.prefetch_related("invitations"):
        invited[meeting.pk] = {k[i.person_id] for i in meeting.invitations.all()}
        invited[meeting.pk].add(k[meeting.chair_id])
    world.invited = invited
    meetings = {
        m.pk: vis(u[m.unit_id], *invited[m.pk]) for m in Meeting.objects.only("pk", "unit_id")
    }
    escalated: dict[int, set[str]] = {}
    for escalation in Escalation.objects.select_related("clock"):
        escalated.setdefault(escalation.clock.action_item_id, set()).add(k[escalation.to_person_id])
    items = {
        a.pk: vis(u[a.unit_id], k[a.owner_id], *escalated.get(a.pk, ()))
        for a in ActionItem.objects.all()
    }
    people = {p.pk: vis(u[p.unit_id], k[p.pk]) for p in Person.objects.all()}
    seen = world.seen_by
    seen[Unit] = {pk: vis(key) for pk, key in u.items()}
    seen[Person] = people
    seen[Meeting] = meetings
    for model in (
        AgendaItem,
        Decision,
        Conclusion,
        StrategyRequirement,
        RepFeedback,
        FocusRep,
        MonthlyPlan,
    ):
        seen[model] = {r.pk: meetings[r.meeting_id] for r in model.objects.all()}
    seen[QuarterlySubmission] = {
        s.pk: meetings[s.meeting_id] | vis(None, k[s.author_id])
        for s in QuarterlySubmission.objects.all()
    }
    seen[Customer] = {c.pk: vis(u[c.unit_id], k[c.owner_id]) for c in Customer.objects.all()}
    seen[Brief] = {
        b.pk: vis(u[b.rep.unit_id], k[b.rep_id], managers_only=True)
        for b in Brief.objects.select_related("rep")
    }
    seen[VisitPlan] = {v.pk: people[v.rep_id] for v in VisitPlan.objects.all()}
    seen[ActionItem] = items
    seen[SlaClock] = {c.pk: items[c.action_item_id] for c in SlaClock.objects.all()}
    seen[Escalation] = {
        e.pk: items[e.clock.action_item_id] | vis(None, k[e.to_person_id])
        for e in Escalation.objects.select_related("clock")
    }
    seen[Notification] = {
        n.pk: vis(None, k[n.recipient_id], org_wide=False) for n in Notification.objects.all()
    }
    seen[Webhook] = {w.pk: vis(u[w.unit_id]) for w in Webhook.objects.all()}
    for model in (Target, Actual):
        seen[model] = {
            r.pk: vis(u[r.unit_id], k[r.rep_id] if r.rep_id else None) for r in model.objects.all()
        }
    seen[Plan] = {p.pk: vis(u[p.unit_id]) for p in Plan.objects.all()}
    seen[GapReview] = {
        r.pk: vis(u[r.unit_id]) | (meetings[r.meeting_id] if r.meeting_id else vis(None))
        for r in GapReview.objects.all()
    }
    # Shared by everyone.
    everyone = Vis(people=frozenset(oracle.PEOPLE))
    for model in (AgendaTemplate, SlaPolicy, Period, PipelineStage):
        seen[model] = dict.fromkeys(model.objects.values_list("pk", flat=True), everyone)


def describe(world: World, obj: Model) -> Vis:
    return world.seen_by[type(obj)][obj.pk]
