"""The visibility rule: who may see which part of the organisation.

A person sees their own unit's subtree; executives, sales ops and superusers
see everything; anonymous users see nothing. Every queryset that reaches a user
applies this rule through ``for_user(user)``, which asks :func:`scope_for`; no
view filters by hand. Because the rule reads the unit's tree path at query
time, moving a person or a unit changes what they see at once.

A manager sits in the unit they manage (or above it), so "my unit's subtree"
is also "everything I manage"; ``org.services`` keeps that true when people
and units move.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from .choices import ORGANISATION_WIDE_ROLES

NOTHING = Q(pk__in=[])
# Not Q(): an empty Q vanishes when OR-ed with another ("Q() | Q(x)" is
# Q(x)), which would shrink an executive's view to the other condition.
EVERYTHING = Q(pk__isnull=False)


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    unit_path: str | None = None
    person_id: int | None = None

    def units(self, field: str = "") -> Q:
        """Rows whose unit, reached through ``field`` (e.g. ``"unit"``,
        ``"meeting__unit"``; empty for units themselves), lies in the scope."""
        if self.everything:
            return EVERYTHING
        if self.unit_path is None:
            return NOTHING
        lookup = f"{field}__path__startswith" if field else "path__startswith"
        return Q(**{lookup: self.unit_path})

    def people(self, field: str = "") -> Q:
        """People (reached through ``field``) in the scope, and the user themself."""
        if self.everything:
            return EVERYTHING
        prefix = f"{field}__" if field else ""
        mine = Q(**{f"{prefix}pk": self.person_id}) if self.person_id else NOTHING
        return self.units(f"{prefix}unit") | mine


def scope_for(user) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    cached = getattr(user, "_org_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser or user.role in ORGANISATION_WIDE_ROLES:
        scope = Scope(everything=True, person_id=user.pk)
    elif user.unit_id is None:
        scope = Scope(person_id=user.pk)
    else:
        scope = Scope(unit_path=user.unit.path, person_id=user.pk)
    user._org_scope = scope
    return scope


def forget_scope(user) -> None:
    """Drop the scope cached on a user object after their unit or role changed."""
    user.__dict__.pop("_org_scope", None)
