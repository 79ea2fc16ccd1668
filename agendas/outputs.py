"""What each kind of meeting must produce before it can be concluded.

A check takes a meeting and returns what is missing, in words a chair
understands. Other apps register their own (the customers app: each daily
brief decided; the targets app: plan targets set) with
:func:`register_output_check`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.utils.translation import gettext as _

from meetings.kinds import Kind
from meetings.models import Meeting

from .models import RequirementKind

OutputCheck = Callable[[Meeting], list[str]]
OUTPUT_CHECKS: dict[str, list[OutputCheck]] = defaultdict(list)


def register_output_check(*kinds: str):
    def register(check: OutputCheck) -> OutputCheck:
        for kind in kinds:
            OUTPUT_CHECKS[kind].append(check)
        return check

    return register


def missing_outputs(meeting: Meeting) -> list[str]:
    return [message for check in OUTPUT_CHECKS[meeting.kind] for message in check(meeting)]


@register_output_check(Kind.STRATEGY)
def strategy_requirements(meeting: Meeting) -> list[str]:
    present = set(meeting.strategy_requirements.values_list("kind", flat=True))
    missing = [
        _("No %(kind)s recorded.") % {"kind": str(label).lower()}
        for kind, label in RequirementKind.choices
        if kind not in present
    ]
    if not meeting.rep_feedback.exists():
        missing.append(_("The reps' feedback is not recorded."))
    return missing


@register_output_check(Kind.MONTHLY)
def focus_reps(meeting: Meeting) -> list[str]:
    if meeting.focus_reps.exists():
        return []
    return [_("Name the reps to focus on and help.")]


@register_output_check(
    Kind.QUARTERLY,
    Kind.CUSTOMER_SPECIAL,
    Kind.CUSTOMER_ISSUE,
    Kind.RESOURCE_COORDINATION,
    Kind.REVIEW,
)
def a_decision(meeting: Meeting) -> list[str]:
    if meeting.decisions.exists():
        return []
    return [_("Record at least one decision: who does what by when.")]
