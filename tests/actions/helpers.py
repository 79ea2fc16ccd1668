"""Action items and clocks for the actions tests, at local times in Shanghai.

The default SLA policies come from a data migration, which transactional
tests flush: fixtures install them with :func:`policies`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from actions import services
from actions.defaults import install_default_policies
from actions.models import ActionItem, ClockEvent, SlaClock, SlaPolicy

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0, second: int = 0):
    """An instant in the organisation's time zone."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


HOUR = dt.timedelta(hours=1)
MONDAY = local(2026, 11, 23, 9)  # an ordinary working week


def at(moment: dt.datetime):
    """Frozen time at ``moment`` (a context manager)."""
    return time_machine.travel(moment, tick=False)


def policies() -> None:
    install_default_policies(SlaPolicy)


def set_policy(key: str, **fields) -> SlaPolicy:
    """Change a policy's fields in the database (no recomputation)."""
    SlaPolicy.objects.filter(key=key).update(**fields)
    return SlaPolicy.objects.get(key=key)


def item(owner, created_by=None, *, due_at, policy_key="decision", title="给客户发正式报价", **kw):
    """An action item created now (the frozen time), with its clock."""
    return services.create_action_item(
        title=title,
        owner=owner,
        created_by=created_by or owner,
        due_at=due_at,
        policy_key=policy_key,
        **kw,
    )


def clock_of(action: ActionItem) -> SlaClock:
    return SlaClock.objects.select_related("policy", "action_item").get(action_item=action)


def events(clock: SlaClock) -> list[str]:
    return list(ClockEvent.objects.filter(clock=clock).values_list("event", flat=True))


def fresh(clock: SlaClock) -> SlaClock:
    return SlaClock.objects.select_related("policy", "action_item").get(pk=clock.pk)
