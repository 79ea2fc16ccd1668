"""Reads and writes on the org tree that more than one caller needs."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from .models import Person, Unit
from .visibility import forget_scope


def ancestor_paths(unit: Unit) -> list[str]:
    """Paths of the unit and of every unit above it, nearest first."""
    step = Unit.steplen
    return [unit.path[:end] for end in range(len(unit.path), 0, -step)]


def escalation_chain(person: Person) -> list[Person]:
    """Who a breach of ``person``'s promise goes to, level by level: the
    manager of their unit, then that unit's parent's manager, up to the root.

    A manager is skipped at their own unit (a team lead escalates to the
    region's manager, not to themself), as is anyone already in the chain or
    no longer active. One query.
    """
    if person.unit_id is None:
        return []
    units = (
        Unit.objects.filter(path__in=ancestor_paths(person.unit))
        .select_related("manager")
        .order_by("-depth")
    )
    chain: list[Person] = []
    for unit in units:
        manager = unit.manager
        if manager is None or not manager.is_active or manager.pk == person.pk:
            continue
        if all(manager.pk != seen.pk for seen in chain):
            chain.append(manager)
    return chain


def _release_managers_outside_their_units(units: Q) -> list[Unit]:
    """Clear the manager of every unit (matching ``units``) that its manager no
    longer sits in or above, so that the visibility rule, "your unit's
    subtree", still covers everything a manager manages."""
    released = []
    for unit in Unit.objects.filter(units, manager__isnull=False).select_related("manager__unit"):
        manager_unit = unit.manager.unit
        if manager_unit is None or not unit.path.startswith(manager_unit.path):
            released.append(unit)
    if released:
        Unit.objects.filter(pk__in=[u.pk for u in released]).update(manager=None)
    return released


@transaction.atomic
def move_person(person: Person, unit: Unit | None) -> list[Unit]:
    """Put ``person`` in ``unit``. Returns the units they stopped managing
    because they no longer sit in or above them."""
    person.unit = unit
    person.save(update_fields=["unit"])
    forget_scope(person)
    return _release_managers_outside_their_units(Q(manager=person))


@transaction.atomic
def move_unit(unit: Unit, new_parent: Unit) -> list[Unit]:
    """Hang ``unit`` (with its subtree and people) under ``new_parent``.

    Treebeard rewrites the paths of the whole subtree, so everyone's scope
    follows. Returns the units in the subtree that lost a manager who sat
    above them in the old place. Refuses a move below the unit's own subtree
    (treebeard's ``InvalidMoveToDescendant``).
    """
    unit.move(new_parent, pos="sorted-child")
    unit.refresh_from_db()
    return _release_managers_outside_their_units(Q(path__startswith=unit.path))
