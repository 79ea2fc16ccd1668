"""The authorization matrix: every URL pattern of SalesMeet, classified.

Each :class:`Op` is one URL name and HTTP method, with what it acts on and
who may do it. ``on`` names the objects of a location (see
:mod:`tests.authz.world`) that the caller must be able to see: if they cannot,
the answer is *hidden* (404, or 400 when the object is named in the body of a
create, or the page's own way of refusing). ``gate`` is a check of the
caller's role made before anything is looked up (DRF permission classes):
failing it is *denied* whatever the object. ``allow`` decides, for an object
the caller sees, whether the action is theirs: if not, the answer is
*denied* (403, unless the view documents another answer in ``status``).

An op with ``on`` (or ``located``) is tried in every location; an op without
is tried once per persona. ``lists`` names the model an API list returns:
its ids must be exactly the rows the caller may see. ``shows`` names the
objects whose titles a page must not show to someone who may not see them.
``count`` pins the op's query count in ``tests/query_counts.json``.

A URL pattern that is in no op and not in :data:`ALLOWED_UNCLASSIFIED`
fails ``test_every_url_pattern_is_classified``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model

from actions.models import ActionItem, Escalation, Notification, SlaClock, SlaPolicy, Webhook
from agendas.models import (
    AgendaItem,
    AgendaTemplate,
    AgendaTemplateItem,
    Conclusion,
    Decision,
    FocusRep,
    MonthlyPlan,
    QuarterlySubmission,
    RepFeedback,
    StrategyRequirement,
)
from customers.models import Brief, Customer, PipelineStage, VisitPlan
from meetings.models import CalendarFeed, Invitation, Meeting
from org.models import Person, Unit
from targets.models import Actual, GapReview, Plan, Target

from .oracle import ancestors, in_tree, is_manager, org_wide, role, sees, unit_of
from .world import Place, World, describe

HIDDEN, DENIED, OK = "hidden", "denied", "ok"

# URL patterns with no place in the matrix, and why.
ALLOWED_UNCLASSIFIED = {
    "login": "anyone may log in",
    "logout": "logging out needs no rights",
    "password_change": "Django's own: the user's own password",
    "password_change_done": "Django's own",
    "password_reset": "anyone may ask for a reset link",
    "password_reset_done": "Django's own",
    "password_reset_confirm": "the emailed token is the credential",
    "password_reset_complete": "Django's own",
    "healthz": "public liveness probe, tells nothing of the data",
    "api-token": "exchanges a password for a token",
    "api-schema": "the OpenAPI description, no data",
    "api-docs": "Swagger UI over the schema, no data",
    "meetings:rsvp": "the signed token in the invitation email is the credential",
    "meetings:feed": "the private feed token in the URL is the credential",
}
# Patterns under these prefixes are other apps' business.
EXCLUDED_PREFIXES = ("admin/", "i18n/", "static/", "media/")

MEETINGS = ("meeting", "meeting_next", "rc_meeting", "monthly", "quarterly", "done_meeting")
ACTIONS = ("action", "paused_action")


@dataclass
class Ctx:
    """One case: the world, the persona asking (a key of ``oracle.PEOPLE``)
    and the location of the objects (None for ops without one)."""

    w: World
    p: str
    b: Place | None

    def __getitem__(self, name: str) -> Model:
        return self.b[name]

    def sees(self, name: str) -> bool:
        return sees(self.p, describe(self.w, self.b[name]))

    @property
    def me(self) -> Person:
        return self.w.people[self.p]

    @property
    def unit(self) -> str:
        return self.w.unit_key[self.b.unit.pk]

    @property
    def member(self) -> str:
        return self.w.key(self.b.member)

    def key(self, pk: int) -> str:
        return self.w.person_key[pk]


@dataclass(frozen=True)
class Op:
    name: str
    method: str = "GET"
    on: tuple[str, ...] = ()
    located: bool = False
    visible: Callable[[Ctx], bool] | None = None
    gate: Callable[[Ctx], bool] | None = None
    allow: Callable[[Ctx], bool] | None = None
    url: Callable[[Ctx], dict] | None = None
    query: Callable[[Ctx], dict] | None = None
    data: Callable[[Ctx], object] | None = None
    multipart: bool = False
    touches: tuple[type[Model], ...] = ()
    status: dict[str, tuple[int, ...]] = field(default_factory=dict)
    variant: str = ""
    lists: type[Model] | None = None
    shows: tuple[str, ...] = ()
    count: bool = False
    # Text the answer must not hold for this caller (a webhook's secret URL).
    conceal: Callable[[Ctx], tuple[str, ...]] | None = None
    note: str = ""

    @property
    def api(self) -> bool:
        return ":" not in self.name and self.name not in HTML_WITHOUT_NAMESPACE

    @property
    def is_located(self) -> bool:
        return self.located or bool(self.on)

    @property
    def id(self) -> str:
        return f"{self.name}:{self.method}{'/' + self.variant if self.variant else ''}"

    def outcome(self, c: Ctx) -> str:
        if self.gate is not None and not self.gate(c):
            return DENIED
        if not all(c.sees(name) for name in self.on):
            return HIDDEN
        if self.visible is not None and not self.visible(c):
            return HIDDEN
        if self.allow is not None and not self.allow(c):
            return DENIED
        return OK

    def expected(self, outcome: str) -> tuple[int, ...]:
        if outcome in self.status:
            return self.status[outcome]
        if outcome == HIDDEN:
            return (404,)
        if outcome == DENIED:
            return (403,)
        if self.api:
            return {"GET": (200,), "POST": (200, 201), "DELETE": (204,)}.get(self.method, (200,))
        return (200,) if self.method == "GET" else (302,)


HTML_WITHOUT_NAMESPACE = {"home"}

# --- Who may do what (the documented rules, by persona key) ------------------------------


def meeting_managers(c: Ctx, name: str = "meeting") -> bool:
    """meetings.services.can_manage: organisation-wide roles, the chair, the
    creator, and managers whose tree holds the meeting's unit."""
    m = c[name]
    if org_wide(c.p) or c.p in (c.key(m.chair_id), c.key(m.created_by_id)):
        return True
    return is_manager(c.p) and in_tree(c.p, c.w.unit_key[m.unit_id])


def invited(c: Ctx, name: str = "meeting") -> bool:
    return c.p in c.w.invited[c[name].pk]


def supervises(c: Ctx, name: str = "action") -> bool:
    """actions.services.can_supervise: a manager over the item, not its owner."""
    item = c[name]
    return (
        is_manager(c.p) and c.key(item.owner_id) != c.p and in_tree(c.p, c.w.unit_key[item.unit_id])
    )


def customer_editor(c: Ctx) -> bool:
    return is_manager(c.p) or role(c.p) == "sales_ops"


def manages_webhooks(c: Ctx) -> bool:
    return is_manager(c.p) or role(c.p) == "sales_ops"


def webhook_secrets(c: Ctx) -> tuple[str, ...]:
    """Only those who manage webhooks see their whole URL."""
    return () if manages_webhooks(c) else ("secret-token",)


def planner(c: Ctx) -> bool:
    """targets.services.can_plan for a unit the caller sees."""
    return role(c.p) in ("sales_ops", "executive") or is_manager(c.p)


def calls_weekly(c: Ctx) -> bool:
    return role(c.p) in ("team_lead", "middle_manager", "senior_manager", "executive")


def always(c: Ctx) -> bool:
    return True


# --- Requests --------------------------------------------------------------------------------


def pk(name: str, param: str = "pk") -> Callable[[Ctx], dict]:
    return lambda c: {param: c[name].pk}


def meeting_pk(name: str = "meeting") -> Callable[[Ctx], dict]:
    return pk(name, "meeting_pk")


def room_item(meeting: str = "meeting") -> Callable[[Ctx], dict]:
    return lambda c: {"meeting_pk": c[meeting].pk, "item_pk": c["item"].pk}


def local_input(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("rows.csv", text.encode(), content_type="text/csv")


def customer_row(c: Ctx) -> dict:
    return {
        "external_id": f"AZ-NEW-{c.p}-{c.b.loc}",
        "name": f"AZ-new {c.b.loc}",
        "owner": c.b.member.username,
        "stage": "lead",
        "unit": str(c.b.unit.pk),
    }


def actual_row(c: Ctx) -> dict:
    return {
        "external_id": f"AZ-NEW-{c.p}-{c.b.loc}",
        "date": "2026-09-18",
        "metric": "signed",
        "value": "3",
        "unit": str(c.b.unit.pk),
    }


def as_csv(row: dict) -> SimpleUploadedFile:
    return csv_file(",".join(row) + "\n" + ",".join(row.values()) + "\n")


def item_ids(c: Ctx) -> list[int]:
    return list(
        AgendaItem.objects.filter(meeting=c["meeting"])
        .order_by("-position", "-pk")
        .values_list("pk", flat=True)
    )


# --- The HTML pages ---------------------------------------------------------------------------

HTML = [
    Op("home", count=True),
    Op("org:unit-list", count=True, shows=("unit",)),
    Op("org:unit-detail", on=("unit",), url=pk("unit")),
    Op("org:person-detail", on=("person",), url=pk("person")),
    Op("meetings:list", count=True, shows=MEETINGS),
    Op("meetings:calendar", count=True, shows=MEETINGS),
    Op("meetings:create"),
    Op(
        "meetings:create",
        "POST",
        on=("unit",),
        allow=calls_weekly,
        data=lambda c: {
            "kind": "weekly",
            "unit": c.b.unit.pk,
            "title": "AZ-created",
            "starts_at": "2026-09-25T15:00",
            "ends_at": "2026-09-25T16:00",
            "accept_warnings": "on",
        },
        touches=(Meeting,),
        status={HIDDEN: (200,), DENIED: (200,)},
        note="the form refuses a unit outside the tree, and the rules a role that may not call",
    ),
    Op("meetings:invitee-picker", query=lambda c: {"kind": "weekly"}),
    Op("meetings:detail", on=("meeting",), url=pk("meeting")),
    Op("meetings:edit", on=("meeting",), allow=meeting_managers, url=pk("meeting")),
    Op(
        "meetings:edit",
        "POST",
        on=("meeting",),
        allow=meeting_managers,
        url=pk("meeting"),
        data=lambda c: {
            "title": "AZ-renamed",
            "starts_at": "2026-09-24T16:00",
            "ends_at": "2026-09-24T17:30",
            "invitees": [c.b.member.pk],
            "accept_warnings": "on",
        },
        touches=(Meeting, Invitation),
    ),
    Op(
        "meetings:cancel",
        "POST",
        on=("meeting",),
        allow=meeting_managers,
        url=pk("meeting"),
        data=lambda c: {"reason": "AZ"},
        touches=(Meeting,),
    ),
    Op(
        "meetings:publish",
        "POST",
        on=("meeting",),
        allow=meeting_managers,
        url=pk("meeting"),
        touches=(Meeting,),
    ),
    Op(
        "meetings:confirm",
        "POST",
        on=("meeting",),
        allow=meeting_managers,
        url=pk("meeting"),
        data=lambda c: {"starts_at": "2026-09-24T16:00", "ends_at": "2026-09-24T17:30"},
        touches=(Meeting,),
    ),
    Op(
        "meetings:answer",
        "POST",
        on=("meeting",),
        allow=invited,
        url=pk("meeting"),
        data=lambda c: {"answer": "accepted"},
        touches=(Invitation,),
        status={DENIED: (404,)},
        note="someone who sees the meeting but is not invited has no invitation to answer",
    ),
    Op(
        "meetings:attendance",
        "POST",
        on=("meeting",),
        allow=meeting_managers,
        url=pk("meeting"),
        data=lambda c: {"present": [c.b.member.pk]},
        touches=(Invitation,),
    ),
    Op(
        "meetings:approve",
        "POST",
        on=("rc_meeting",),
        allow=lambda c: c.key(c["rc_meeting"].decision_maker_id) == c.p,
        url=pk("rc_meeting"),
        data=lambda c: {"note": "AZ"},
        touches=(Meeting,),
    ),
    Op("meetings:ics", on=("meeting",), url=pk("meeting")),
    Op("meetings:subscribe"),
    Op("meetings:subscribe", "POST", touches=(CalendarFeed,)),
    Op("meetings:cadence", on=("unit",), url=pk("unit", "unit_pk")),
    # The meeting room.
    Op("agendas:room", on=("meeting",), url=meeting_pk()),
    *[
        Op(
            name,
            "POST",
            on=("meeting",),
            allow=meeting_managers,
            url=url,
            data=data,
            touches=touches,
        )
        for name, url, data, touches in [
            (
                "agendas:add-item",
                meeting_pk(),
                lambda c: {"title": "AZ-added", "minutes": 5},
                (AgendaItem,),
            ),
            (
                "agendas:reorder",
                meeting_pk(),
                lambda c: {"item": item_ids(c)},
                (AgendaItem,),
            ),
            (
                "agendas:update-item",
                room_item(),
                lambda c: {"notes": "AZ-notes", "version": 1},
                (AgendaItem,),
            ),
            ("agendas:move-item", room_item(), lambda c: {"direction": "down"}, (AgendaItem,)),
            ("agendas:remove-item", room_item(), None, (AgendaItem,)),
            ("agendas:timer", room_item(), None, (AgendaItem, Meeting)),
            ("agendas:next-meeting", room_item(), None, (AgendaItem,)),
            (
                "agendas:decision",
                meeting_pk(),
                lambda c: {
                    "text": "AZ-decided",
                    "owner": c.me.pk,
                    "due_at": "2026-09-30T18:00",
                },
                (Decision, ActionItem),
            ),
            (
                "agendas:check-in",
                meeting_pk(),
                lambda c: {"person": c.b.member.pk, "present": "1"},
                (Invitation,),
            ),
            (
                "agendas:conclude",
                meeting_pk(),
                lambda c: {"override_reason": "AZ"},
                (Meeting, Conclusion),
            ),
            (
                "agendas:output",
                lambda c: {"meeting_pk": c["meeting"].pk, "output": "requirement"},
                lambda c: {"kind": "action", "text": "AZ-required"},
                (StrategyRequirement,),
            ),
        ]
    ],
    Op(
        "agendas:close-backlog",
        "POST",
        on=("meeting_next",),
        allow=lambda c: meeting_managers(c, "meeting_next"),
        url=room_item("meeting_next"),
        touches=(AgendaItem,),
        note="the next occurrence's room closes an item carried over from the first",
    ),
    Op("agendas:minutes", on=("meeting",), url=meeting_pk()),
    Op("agendas:monthly-plans", on=("monthly",), url=meeting_pk("monthly")),
    Op(
        "agendas:monthly-plans",
        "POST",
        variant="draft",
        on=("monthly",),
        allow=lambda c: invited(c, "monthly"),
        url=meeting_pk("monthly"),
        data=lambda c: {"text": "AZ-my plan"},
        touches=(MonthlyPlan,),
    ),
    Op(
        "agendas:monthly-plans",
        "POST",
        variant="confirm",
        on=("monthly",),
        allow=lambda c: meeting_managers(c, "monthly") and c.p != c.member,
        url=meeting_pk("monthly"),
        data=lambda c: {"confirm": c["plan"].pk, "note": "AZ"},
        touches=(MonthlyPlan,),
    ),
    Op("agendas:templates", gate=lambda c: org_wide(c.p)),
    Op(
        "agendas:template-edit",
        gate=lambda c: org_wide(c.p),
        url=lambda c: {"pk": c.w.shared["template"].pk},
    ),
    Op(
        "agendas:template-edit",
        "POST",
        gate=lambda c: org_wide(c.p),
        url=lambda c: {"pk": c.w.shared["template"].pk},
        data=lambda c: {},
        touches=(AgendaTemplate, AgendaTemplateItem),
        status={OK: (200,)},
        note="an empty form: the editors get it back with errors",
    ),
    # Customers and briefs.
    Op("customers:list", count=True, shows=("customer",)),
    Op("customers:import", gate=customer_editor),
    Op(
        "customers:import",
        "POST",
        gate=customer_editor,
        on=("person", "unit"),
        data=lambda c: {"file": as_csv(customer_row(c))},
        touches=(Customer,),
        status={HIDDEN: (200,)},
        note="rows naming an owner or unit outside the tree come back as row errors",
    ),
    Op("customers:detail", on=("customer",), url=pk("customer")),
    Op("customers:prepare", count=True, shows=MEETINGS),
    Op(
        "customers:brief",
        on=("meeting", "customer"),
        url=lambda c: {"meeting_pk": c["meeting"].pk, "customer_pk": c["customer"].pk},
    ),
    Op(
        "customers:brief",
        "POST",
        on=("meeting", "customer"),
        allow=invited,
        url=lambda c: {"meeting_pk": c["meeting"].pk, "customer_pk": c["customer"].pk},
        data=lambda c: {"needs": "AZ-needs", "stage": c.w.shared["stage"].pk, "submit": "1"},
        touches=(Brief,),
        status={DENIED: (200,)},
        note="the form shows the refusal (not invited) and saves nothing",
    ),
    Op("customers:brief-panel", on=("meeting",), url=meeting_pk(), shows=("customer",)),
    Op(
        "customers:decide",
        "POST",
        on=("meeting", "brief"),
        allow=meeting_managers,
        url=lambda c: {"meeting_pk": c["meeting"].pk, "brief_pk": c["brief"].pk},
        data=lambda c: {"accompany": "yes", "advice": "AZ"},
        touches=(Brief,),
    ),
    Op(
        "customers:confirm-stage",
        "POST",
        on=("meeting", "customer"),
        allow=lambda c: is_manager(c.p),
        url=lambda c: {"meeting_pk": c["meeting"].pk, "customer_pk": c["customer"].pk},
        data=lambda c: {"stage": PipelineStage.objects.get(key="qualified").pk},
        touches=(Customer,),
    ),
    Op("customers:visit-plan", on=("meeting",), url=meeting_pk(), shows=("customer",)),
    Op(
        "customers:visit-plan",
        "POST",
        on=("meeting", "person", "customer"),
        allow=lambda c: c.p == c.member or is_manager(c.p),
        url=meeting_pk(),
        data=lambda c: {
            "rep": c.b.member.pk,
            "customer": c["customer"].pk,
            "day": "2026-09-25",
            "planned": "1",
        },
        touches=(VisitPlan,),
    ),
    # Action items.
    Op("actions:mine", count=True, shows=ACTIONS),
    Op("actions:team", count=True, shows=ACTIONS),
    Op("actions:escalations", count=True, shows=ACTIONS),
    Op("actions:detail", on=("action",), url=pk("action")),
    Op(
        "actions:complete",
        "POST",
        on=("action",),
        allow=lambda c: c.p == c.member or supervises(c),
        url=pk("action"),
        data=lambda c: {"evidence": "AZ-done"},
        touches=(ActionItem, SlaClock),
    ),
    Op(
        "actions:pause",
        "POST",
        on=("action",),
        allow=supervises,
        url=lambda c: {"pk": c["action"].pk, "clock_pk": c["clock"].pk},
        data=lambda c: {"reason": "AZ"},
        touches=(SlaClock,),
    ),
    Op(
        "actions:resume",
        "POST",
        on=("paused_action",),
        allow=lambda c: supervises(c, "paused_action"),
        url=lambda c: {"pk": c["paused_action"].pk, "clock_pk": c["paused_clock"].pk},
        data=lambda c: {"reason": "AZ"},
        touches=(SlaClock,),
    ),
    Op(
        "actions:move",
        "POST",
        on=("action",),
        allow=supervises,
        url=lambda c: {"pk": c["action"].pk, "clock_pk": c["clock"].pk},
        data=lambda c: {"deadline": "2026-09-30T18:00", "reason": "AZ"},
        touches=(SlaClock, ActionItem),
    ),
    Op("actions:notifications", count=True, shows=("notification",)),
    Op("actions:mark-read", "POST", touches=(Notification,)),
    # Targets and dashboards.
    Op("targets:report", count=True, shows=("unit",)),
    Op("targets:plan", count=True, shows=("unit",)),
    Op(
        "targets:plan",
        "POST",
        variant="cell",
        on=("unit",),
        allow=planner,
        data=lambda c: {
            "action": "cell",
            "cell_unit": c.b.unit.pk,
            "metric": "signed",
            "value": "7",
        },
        touches=(Target,),
        status={DENIED: (302,)},
        note="a refusal comes back as a message on the plan page",
    ),
    Op(
        "targets:plan",
        "POST",
        variant="confirm",
        on=("target",),
        allow=lambda c: planner(c) and c.p != "ops",
        data=lambda c: {"action": "confirm", "target": c["target"].pk},
        touches=(Target,),
        status={DENIED: (302,)},
        note="sales ops set the targets: another planner confirms them",
    ),
    Op(
        "targets:plan",
        "POST",
        variant="plan",
        allow=planner,
        data=lambda c: {"action": "plan", "methods": "AZ-methods"},
        touches=(Plan,),
        status={DENIED: (302,)},
        note="the caller's own unit's plan",
    ),
    Op("targets:actual-create"),
    Op(
        "targets:actual-create",
        "POST",
        on=("unit",),
        allow=planner,
        data=lambda c: {
            "date": "2026-09-18",
            "metric": "signed",
            "value": "3",
            "unit": c.b.unit.pk,
        },
        touches=(Actual,),
        status={HIDDEN: (200,), DENIED: (200,)},
        note="the form refuses a unit outside the tree, and a rep's result for the whole unit",
    ),
    Op("targets:import"),
    Op(
        "targets:import",
        "POST",
        on=("unit",),
        allow=planner,
        data=lambda c: {"file": as_csv(actual_row(c))},
        touches=(Actual,),
        status={HIDDEN: (200,), DENIED: (200,)},
        note="refused rows come back as row errors and nothing is written",
    ),
    *[
        Op(name, on=("unit",), query=lambda c: {"unit": c.b.unit.pk}, shows=shows)
        for name, shows in [
            ("dashboards:executive", (*MEETINGS, *ACTIONS, "customer")),
            ("dashboards:breaches-csv", ACTIONS),
            ("dashboards:loss-csv", ()),
            ("dashboards:manager", (*MEETINGS, *ACTIONS, "customer")),
        ]
    ],
    Op("dashboards:executive", variant="default", count=True),
    Op("dashboards:manager", variant="default", count=True),
    Op("dashboards:rep", count=True, shows=(*MEETINGS, *ACTIONS)),
]

# --- The API ----------------------------------------------------------------------------------


def in_body(**fields: str) -> Callable[[Ctx], dict]:
    """A body naming located objects by id: ``in_body(meeting="meeting")``."""
    return lambda c: {name: c[obj].pk for name, obj in fields.items()}


def with_body(base: Callable[[Ctx], dict], **extra) -> Callable[[Ctx], dict]:
    return lambda c: {**base(c), **{k: v(c) if callable(v) else v for k, v in extra.items()}}


BODY_400 = {HIDDEN: (400,)}


def listing(name: str, model: type[Model], **kw) -> Op:
    return Op(name, lists=model, count=True, query=lambda c: {"page_size": 500}, **kw)


def detail(name: str, obj: str, **kw) -> Op:
    return Op(name, on=(obj,), url=pk(obj), **kw)


def created_in_meeting(name: str, data: Callable[[Ctx], dict], touches, **kw) -> Op:
    kw.setdefault("status", BODY_400)
    return Op(
        name, "POST", on=("meeting",), allow=meeting_managers, data=data, touches=touches, **kw
    )


def submittable(c: Ctx) -> bool:
    """Quarterly meetings the caller sees, or of a unit above them (every level submits)."""
    return c.sees("quarterly") or c.unit in ancestors(unit_of(c.p))


API = [
    Op("me"),
    listing("unit-list", Unit),
    detail("unit-detail", "unit"),
    listing("person-list", Person),
    detail("person-detail", "person"),
    Op("meeting-kind-list", count=True),
    Op("meeting-kind-detail", url=lambda c: {"kind": "weekly"}),
    listing("meeting-list", Meeting),
    Op(
        "meeting-list",
        "POST",
        on=("unit",),
        allow=calls_weekly,
        data=lambda c: {
            "kind": "weekly",
            "unit": c.b.unit.pk,
            "title": "AZ-created",
            "starts_at": "2026-09-25T15:00:00+08:00",
            "ends_at": "2026-09-25T16:00:00+08:00",
            "invitees": [],
            "accept_warnings": True,
        },
        touches=(Meeting,),
        status=BODY_400,
    ),
    detail("meeting-detail", "meeting"),
    detail(
        "meeting-detail",
        "meeting",
        method="PUT",
        allow=meeting_managers,
        data=lambda c: {
            "kind": "weekly",
            "unit": c["meeting"].unit_id,
            "title": "AZ-renamed",
            "starts_at": c["meeting"].starts_at.isoformat(),
            "ends_at": c["meeting"].ends_at.isoformat(),
            "invitees": [c.b.member.pk],
            "accept_warnings": True,
        },
        touches=(Meeting, Invitation),
        status={DENIED: (400, 403)},
        note="the body names the unit: an invitee who cannot see it is refused on that first",
    ),
    detail(
        "meeting-detail",
        "meeting",
        method="PATCH",
        allow=meeting_managers,
        data=lambda c: {"title": "AZ-renamed", "accept_warnings": True},
        touches=(Meeting,),
    ),
    detail(
        "meeting-detail", "meeting", method="DELETE", allow=meeting_managers, touches=(Meeting,)
    ),
    detail(
        "meeting-approve",
        "rc_meeting",
        method="POST",
        allow=lambda c: c.key(c["rc_meeting"].decision_maker_id) == c.p,
        data=lambda c: {"note": "AZ"},
        touches=(Meeting,),
    ),
    detail("meeting-attendance", "meeting"),
    detail(
        "meeting-attendance",
        "meeting",
        method="POST",
        allow=meeting_managers,
        data=lambda c: {"present": {str(c.b.member.pk): True}},
        touches=(Invitation,),
    ),
    detail(
        "meeting-cancel",
        "meeting",
        method="POST",
        allow=meeting_managers,
        data=lambda c: {"reason": "AZ"},
        touches=(Meeting,),
    ),
    detail("meeting-publish", "meeting", method="POST", allow=meeting_managers, touches=(Meeting,)),
    detail(
        "meeting-rsvp",
        "meeting",
        method="POST",
        allow=invited,
        data=lambda c: {"answer": "accepted"},
        touches=(Invitation,),
        status={DENIED: (404,)},
        note="someone who sees the meeting but is not invited has no invitation to answer",
    ),
    # Agendas and outputs.
    Op("agendatemplate-list", count=True),
    Op("agendatemplate-detail", url=lambda c: {"pk": c.w.shared["template"].pk}),
    Op(
        "agendatemplate-detail",
        "PUT",
        gate=lambda c: org_wide(c.p),
        url=lambda c: {"pk": c.w.shared["template"].pk},
        data=lambda c: {
            "name": "AZ-template",
            "items": [{"position": 0, "title": "AZ", "minutes": 10, "guidance": ""}],
        },
        touches=(AgendaTemplate, AgendaTemplateItem),
    ),
    Op(
        "agendatemplate-detail",
        "PATCH",
        gate=lambda c: org_wide(c.p),
        url=lambda c: {"pk": c.w.shared["template"].pk},
        data=lambda c: {"name": "AZ-template"},
        touches=(AgendaTemplate,),
    ),
    listing("agendaitem-list", AgendaItem),
    created_in_meeting(
        "agendaitem-list",
        with_body(in_body(meeting="meeting"), title="AZ-added", minutes=5),
        (AgendaItem,),
    ),
    created_in_meeting(
        "agendaitem-reorder",
        with_body(in_body(meeting="meeting"), items=item_ids),
        (AgendaItem,),
        status={HIDDEN: (400,), OK: (204,)},
    ),
    detail("agendaitem-detail", "item"),
    *[
        detail(
            "agendaitem-detail",
            "item",
            method=method,
            allow=meeting_managers,
            data=data,
            touches=(AgendaItem,),
        )
        for method, data in [
            ("PUT", with_body(in_body(meeting="meeting"), title="AZ-retitled", version=1)),
            ("PATCH", lambda c: {"notes": "AZ-notes", "version": 1}),
            ("DELETE", None),
        ]
    ],
    detail(
        "agendaitem-move-to-next-meeting",
        "item",
        method="POST",
        allow=meeting_managers,
        touches=(AgendaItem,),
    ),
    detail(
        "agendaitem-timer", "item", method="POST", allow=meeting_managers, touches=(AgendaItem,)
    ),
    listing("decision-list", Decision),
    created_in_meeting(
        "decision-list",
        with_body(
            in_body(meeting="meeting"),
            text="AZ-decided",
            owner=lambda c: c.me.pk,
            due_at="2026-09-30T18:00:00+08:00",
        ),
        (Decision, ActionItem),
    ),
    detail("decision-detail", "decision"),
    listing("conclusion-list", Conclusion),
    created_in_meeting(
        "conclusion-list",
        with_body(in_body(meeting="meeting"), override_reason="AZ"),
        (Meeting, Conclusion),
    ),
    detail("conclusion-detail", "conclusion"),
    listing("strategyrequirement-list", StrategyRequirement),
    created_in_meeting(
        "strategyrequirement-list",
        with_body(in_body(meeting="meeting"), kind="action", text="AZ-required"),
        (StrategyRequirement,),
    ),
    detail("strategyrequirement-detail", "requirement"),
    listing("repfeedback-list", RepFeedback),
    created_in_meeting(
        "repfeedback-list",
        with_body(in_body(meeting="meeting", rep="person"), text="AZ-feedback"),
        (RepFeedback,),
    ),
    detail("repfeedback-detail", "feedback"),
    listing("focusrep-list", FocusRep),
    created_in_meeting(
        "focusrep-list",
        with_body(in_body(meeting="meeting", rep="person"), reason="AZ"),
        (FocusRep,),
        note="the monthly meeting already focuses on the member: this one does not yet",
    ),
    detail("focusrep-detail", "focus"),
    listing("monthlyplan-list", MonthlyPlan),
    Op(
        "monthlyplan-list",
        "POST",
        on=("monthly",),
        allow=lambda c: invited(c, "monthly"),
        data=with_body(in_body(meeting="monthly"), text="AZ-my plan"),
        touches=(MonthlyPlan,),
        status=BODY_400,
        note="only the monthly meeting's invitees draft a plan",
    ),
    detail("monthlyplan-detail", "plan"),
    Op(
        "monthlyplan-confirm",
        "POST",
        on=("plan",),
        allow=lambda c: meeting_managers(c, "monthly") and c.p != c.member,
        url=pk("plan"),
        data=lambda c: {"note": "AZ"},
        touches=(MonthlyPlan,),
    ),
    listing("quarterlysubmission-list", QuarterlySubmission),
    Op(
        "quarterlysubmission-list",
        "POST",
        located=True,
        visible=submittable,
        data=with_body(in_body(meeting="quarterly"), theme="market", text="AZ-market"),
        touches=(QuarterlySubmission,),
        status=BODY_400,
        note="every level submits to the quarterly meetings of the units above it",
    ),
    detail("quarterlysubmission-detail", "submission"),
    # Customers, briefs, visits.
    Op(
        "brief-completion",
        on=("meeting",),
        query=lambda c: {"meeting": c["meeting"].pk},
        shows=("customer",),
    ),
    Op(
        "brief-completion-units",
        on=("unit",),
        query=lambda c: {"unit": c.b.unit.pk, "start": "2026-09-01", "end": "2026-09-30"},
    ),
    Op("pipelinestage-list", count=True),
    listing("customer-list", Customer),
    Op(
        "customer-list",
        "POST",
        gate=customer_editor,
        on=("person", "unit"),
        data=lambda c: {
            "external_id": f"AZ-NEW-{c.p}",
            "name": "AZ-new",
            "owner": c.b.member.pk,
            "unit": c.b.unit.pk,
            "stage": "lead",
        },
        touches=(Customer,),
        status=BODY_400,
    ),
    *[
        Op(
            name,
            "POST",
            gate=customer_editor,
            on=("person", "unit"),
            data=data,
            multipart=multipart,
            touches=(Customer,),
            status={HIDDEN: (400,), OK: (200,)},
        )
        for name, data, multipart in [
            ("customer-bulk-upsert", lambda c: [customer_row(c)], False),
            ("customer-import", lambda c: {"file": as_csv(customer_row(c))}, True),
        ]
    ],
    detail("customer-detail", "customer"),
    detail(
        "customer-detail",
        "customer",
        method="PUT",
        gate=customer_editor,
        data=lambda c: {
            "external_id": c["customer"].external_id,
            "name": "AZ-renamed",
            "owner": c.b.member.pk,
            "unit": c.b.unit.pk,
            "stage": "qualified",
        },
        touches=(Customer,),
        note="a role that may not edit customers is refused before the lookup (any id: 403)",
    ),
    detail(
        "customer-detail",
        "customer",
        method="PATCH",
        gate=customer_editor,
        data=lambda c: {"name": "AZ-renamed"},
        touches=(Customer,),
    ),
    detail(
        "customer-confirm-stage",
        "customer",
        method="POST",
        allow=lambda c: is_manager(c.p),
        data=lambda c: {"stage": "qualified"},
        touches=(Customer,),
    ),
    detail("customer-history", "customer"),
    listing("brief-list", Brief),
    *[
        Op(
            name,
            method,
            on=("meeting", "customer"),
            allow=invited,
            data=with_body(in_body(meeting="meeting", customer="customer"), needs="AZ-needs"),
            touches=(Brief,),
            status=BODY_400,
        )
        for name, method in [("brief-draft", "PUT"), ("brief-submit", "POST")]
    ],
    Op(
        "brief-prefill",
        on=("meeting", "customer"),
        query=lambda c: {"meeting": c["meeting"].pk, "customer": c["customer"].pk},
    ),
    detail("brief-detail", "brief"),
    detail(
        "brief-decide",
        "brief",
        method="POST",
        allow=meeting_managers,
        data=lambda c: {"accompany": "yes", "advice": "AZ"},
        touches=(Brief,),
    ),
    detail("brief-history", "brief"),
    listing("visitplan-list", VisitPlan),
    Op(
        "visitplan-list",
        "POST",
        on=("person", "customer"),
        allow=lambda c: c.p == c.member or is_manager(c.p),
        data=with_body(in_body(rep="person", customer="customer"), day="2026-09-25"),
        touches=(VisitPlan,),
        status={HIDDEN: (400,), OK: (201,)},
    ),
    detail("visitplan-detail", "visit"),
    detail(
        "visitplan-detail",
        "visit",
        method="DELETE",
        allow=lambda c: c.p == c.member or is_manager(c.p),
        touches=(VisitPlan,),
    ),
    # Action items, clocks, escalations, notifications, webhooks, policies.
    listing("actionitem-list", ActionItem),
    Op(
        "actionitem-list",
        "POST",
        on=("person",),
        data=with_body(
            in_body(owner="person"), title="AZ-todo", due_at="2026-09-30T18:00:00+08:00"
        ),
        touches=(ActionItem,),
        status={HIDDEN: (400,), OK: (201,)},
        note="the owner must be someone the caller may assign work to",
    ),
    detail("actionitem-detail", "action"),
    detail(
        "actionitem-cancel",
        "action",
        method="POST",
        allow=supervises,
        data=lambda c: {"reason": "AZ"},
        touches=(ActionItem, SlaClock),
    ),
    detail(
        "actionitem-complete",
        "action",
        method="POST",
        allow=lambda c: c.p == c.member or supervises(c),
        data=lambda c: {"evidence": "AZ-done"},
        touches=(ActionItem, SlaClock),
    ),
    listing("slaclock-list", SlaClock),
    detail("slaclock-detail", "clock"),
    detail(
        "slaclock-move",
        "clock",
        method="POST",
        allow=supervises,
        data=lambda c: {"deadline": "2026-09-30T18:00:00+08:00", "reason": "AZ"},
        touches=(SlaClock, ActionItem),
    ),
    detail(
        "slaclock-pause",
        "clock",
        method="POST",
        allow=supervises,
        data=lambda c: {"reason": "AZ"},
        touches=(SlaClock,),
    ),
    detail(
        "slaclock-resume",
        "paused_clock",
        method="POST",
        allow=lambda c: supervises(c, "paused_action"),
        data=lambda c: {"reason": "AZ"},
        touches=(SlaClock,),
    ),
    listing("escalation-list", Escalation),
    detail("escalation-detail", "escalation"),
    listing("notification-list", Notification),
    Op("notification-mark-read", "POST", data=lambda c: {}, touches=(Notification,)),
    Op("notification-unread-count"),
    detail("notification-detail", "notification"),
    listing("webhook-list", Webhook, conceal=webhook_secrets),
    Op(
        "webhook-list",
        "POST",
        gate=manages_webhooks,
        on=("unit",),
        data=lambda c: {
            "unit": c.b.unit.pk,
            "name": "AZ-hook",
            "url": "http://127.0.0.1:9/new",
            "format": "generic",
        },
        touches=(Webhook,),
        status=BODY_400,
    ),
    detail("webhook-detail", "webhook", conceal=webhook_secrets),
    *[
        detail(
            "webhook-detail",
            "webhook",
            method=method,
            gate=manages_webhooks,
            data=data,
            touches=(Webhook,),
        )
        for method, data in [
            (
                "PUT",
                lambda c: {
                    "unit": c.b.unit.pk,
                    "name": "AZ-renamed",
                    "url": "http://127.0.0.1:9/renamed",
                    "format": "generic",
                },
            ),
            ("PATCH", lambda c: {"name": "AZ-renamed"}),
            ("DELETE", None),
        ]
    ],
    detail("webhook-test", "webhook", method="POST", gate=manages_webhooks, status={OK: (200,)}),
    Op("slapolicy-list", count=True),
    Op("slapolicy-detail", url=lambda c: {"pk": c.w.shared["policy"].pk}),
    *[
        Op(
            "slapolicy-detail",
            method,
            gate=lambda c: org_wide(c.p),
            url=lambda c: {"pk": c.w.shared["policy"].pk},
            data=data,
            touches=(SlaPolicy,),
        )
        for method, data in [
            (
                "PUT",
                lambda c: {
                    "name": "AZ-policy",
                    "basis": "due_date",
                    "hours": 0,
                    "warn_at": [0.5],
                    "escalate_every_hours": 24,
                },
            ),
            ("PATCH", lambda c: {"name": "AZ-policy"}),
        ]
    ],
    # Targets.
    Op("gaps", on=("unit",), query=lambda c: {"unit": c.b.unit.pk}),
    Op("period-list", count=True),
    Op("period-current"),
    Op("period-detail", url=lambda c: {"pk": c.w.shared["period"].pk}),
    listing("plan-list", Plan),
    Op(
        "plan-list",
        "POST",
        on=("unit",),
        allow=planner,
        data=lambda c: {
            "unit": c.b.unit.pk,
            "period": c.w.shared["period"].pk,
            "methods": "AZ-methods",
        },
        touches=(Plan,),
        status={HIDDEN: (400,), OK: (201,)},
    ),
    detail("plan-detail", "plan_t"),
    listing("target-list", Target),
    Op(
        "target-list",
        "POST",
        on=("unit",),
        allow=planner,
        data=lambda c: {
            "period": c.w.shared["period"].pk,
            "unit": c.b.unit.pk,
            "metric": "signed",
            "value": "10",
        },
        touches=(Target,),
        status=BODY_400,
    ),
    detail("target-detail", "target"),
    *[
        detail(
            "target-detail",
            "target",
            method=method,
            allow=planner,
            data=lambda c: {"value": "2000000"},
            touches=(Target,),
        )
        for method in ("PUT", "PATCH")
    ],
    detail(
        "target-confirm",
        "target",
        method="POST",
        allow=lambda c: planner(c) and c.p != "ops",
        touches=(Target,),
        note="sales ops set the targets: another planner confirms them",
    ),
    listing("actual-list", Actual),
    Op(
        "actual-list",
        "POST",
        on=("unit",),
        allow=planner,
        data=lambda c: {"date": "2026-09-18", "unit": c.b.unit.pk, "metric": "signed", "value": 3},
        touches=(Actual,),
        status=BODY_400,
    ),
    *[
        Op(
            name,
            "POST",
            on=("unit",),
            allow=planner,
            data=data,
            multipart=multipart,
            touches=(Actual,),
            status={HIDDEN: (400,), DENIED: (400,), OK: (200,)},
            note="a refused row refuses the batch (400) and nothing is written",
        )
        for name, data, multipart in [
            ("actual-bulk-upsert", lambda c: [actual_row(c)], False),
            ("actual-import", lambda c: {"file": as_csv(actual_row(c))}, True),
        ]
    ],
    detail("actual-detail", "actual"),
    # Dashboards.
    *[
        Op(name, on=("unit",), query=lambda c: {"unit": c.b.unit.pk}, shows=shows)
        for name, shows in [
            ("dashboard-executive", ()),
            ("dashboard-breaches", ACTIONS),
            ("dashboard-manager", (*MEETINGS, *ACTIONS, "customer")),
        ]
    ],
    Op("dashboard-executive", variant="default", count=True),
    Op("dashboard-breaches", variant="default", count=True, shows=ACTIONS),
    Op("dashboard-manager", variant="default", count=True),
    Op("dashboard-rep", count=True, shows=(*MEETINGS, *ACTIONS)),
    listing("gapreview-list", GapReview),
    detail("gapreview-detail", "review"),
]

OPS: list[Op] = [*HTML, *API]
