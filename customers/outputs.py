"""The daily meeting's output: the team lead decides on every brief that
asks for an accompanied visit (陪访)."""

from django.utils.translation import ngettext

from agendas.outputs import register_output_check
from meetings.kinds import Kind
from meetings.models import Meeting


@register_output_check(Kind.DAILY)
def accompany_decided(meeting: Meeting) -> list[str]:
    # Drafts never reach the brief panel, where the lead decides: only handed-in briefs count.
    undecided = meeting.briefs.filter(
        submitted_at__isnull=False, wants_accompany=True, accompany=""
    ).count()
    if not undecided:
        return []
    return [
        ngettext(
            "%(count)d brief asks to be accompanied and has no decision.",
            "%(count)d briefs ask to be accompanied and have no decision.",
            undecided,
        )
        % {"count": undecided}
    ]
