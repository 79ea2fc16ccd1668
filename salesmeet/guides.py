"""What the landing page tells each role: their work, and where it lives.

A card without a URL is work whose page arrives with a later part of the
product; the card says so with an empty state instead of a dead link.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from org.choices import Role


@dataclass(frozen=True)
class Card:
    title: str
    text: str
    url_name: str | None = None
    empty: str = ""
    url_args: tuple = ()

    @property
    def url(self) -> str | None:
        return reverse(self.url_name, args=self.url_args) if self.url_name else None


@dataclass(frozen=True)
class Guide:
    headline: str
    intro: str
    cards: tuple[Card, ...]


def _my_unit(person) -> Card:
    if person.unit_id is None:
        return Card(
            _("My unit"),
            _("The people you work with and who they report to."),
            empty=_("You are not placed in a unit yet. Ask sales ops to add you."),
        )
    return Card(
        _("My unit"),
        _("The people you work with and who they report to."),
        url_name="org:unit-detail",
        url_args=(person.unit_id,),
    )


ORGANISATION = Card(
    _("Organisation"),
    _("Units and people you can see, from your unit down."),
    url_name="org:unit-list",
)
MY_MEETINGS = Card(
    _("My meetings"),
    _("The meetings you chair or are invited to; subscribe to them in your own calendar."),
    url_name="meetings:calendar",
)
API_DOCS = Card(
    _("API"),
    _("Connect the CRM, BI tools or WeCom through the REST API."),
    url_name="api-docs",
)

GUIDES = {
    Role.REP: lambda p: Guide(
        _("Your day: customers first"),
        _(
            "Before each daily and weekly meeting, fill one brief per customer: "
            "their needs, blockers and the help you want. Meetings then decide, "
            "instead of repeating what the CRM already holds."
        ),
        (
            MY_MEETINGS,
            Card(
                _("Briefs to prepare"),
                _("Customer briefs due before your next meetings."),
                url_name="customers:prepare",
            ),
            Card(
                _("My action items"),
                _("What you promised in meetings, with the time left."),
                url_name="actions:mine",
            ),
            _my_unit(p),
        ),
    ),
    Role.TEAM_LEAD: lambda p: Guide(
        _("Your week: run the team's meetings"),
        _(
            "Schedule the daily and weekly meetings, read the briefs, decide "
            "which visits to accompany, and follow the action items to done."
        ),
        (
            Card(
                _("Meetings"),
                _("Schedule daily, weekly and customer meetings and run them in the room."),
                url_name="meetings:calendar",
            ),
            Card(
                _("Team action items"),
                _("Open items and the SLA clocks running on them."),
                url_name="actions:team",
            ),
            _my_unit(p),
        ),
    ),
    Role.MIDDLE_MANAGER: lambda p: Guide(
        _("Your month: plans, focus reps and escalations"),
        _(
            "Hold the monthly and plan meetings, confirm each rep's monthly plan, "
            "and act on what your team leads escalate."
        ),
        (
            Card(
                _("Meetings"),
                _("Monthly, plan and customer-issue meetings of your units."),
                url_name="meetings:calendar",
            ),
            Card(
                _("Escalations"),
                _("Promises your teams missed, escalated to you."),
                url_name="actions:escalations",
            ),
            _my_unit(p),
        ),
    ),
    Role.SENIOR_MANAGER: lambda p: Guide(
        _("Strategy, plans and reviews"),
        _(
            "Set the strategy, see it broken down into plans, and call a review "
            "when results fall more than 15% behind plan."
        ),
        (
            Card(
                _("Gaps to plan"),
                _("Units behind plan, and the reviews they trigger."),
                url_name="targets:report",
            ),
            Card(
                _("Escalations"),
                _("Promises missed below you, escalated to you."),
                url_name="actions:escalations",
            ),
            ORGANISATION,
        ),
    ),
    Role.EXECUTIVE: lambda p: Guide(
        _("Where the organisation leaks"),
        _(
            "The escalation dashboard shows breached promises, units behind plan "
            "and the loss between what was decided and what was done."
        ),
        (
            Card(
                _("Escalation dashboard"),
                _("Breaches, gaps and reviews across the organisation."),
                url_name="dashboards:executive",
            ),
            ORGANISATION,
            API_DOCS,
        ),
    ),
    Role.SALES_OPS: lambda p: Guide(
        _("Keep the machine running"),
        _(
            "Maintain the org tree and the people in it, tune meeting rules and "
            "SLA policies, and connect the CRM."
        ),
        (
            ORGANISATION,
            Card(_("Administration"), _("Units, people and settings."), url_name="admin:index"),
            API_DOCS,
        ),
    ),
    Role.SALES_STRATEGY: lambda p: Guide(
        _("Strategy and resources"),
        _("Take part in strategy and resource-coordination meetings."),
        (
            MY_MEETINGS,
            _my_unit(p),
        ),
    ),
    Role.RESOURCE_OWNER: lambda p: Guide(
        _("Resources for sales"),
        _(
            "Sales asks for presales, delivery or marketing help in resource "
            "coordination meetings; the plans agreed there are due within 48 hours."
        ),
        (
            MY_MEETINGS,
            Card(
                _("My action items"),
                _("Resource plans you own, with the time left."),
                url_name="actions:mine",
            ),
        ),
    ),
}


def guide_for(person) -> Guide:
    return GUIDES.get(person.role, GUIDES[Role.REP])(person)
