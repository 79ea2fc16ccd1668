"""The documented visibility rule, written out again by hand, for the
authorization matrix to check the app against.

It knows the org tree of :mod:`tests.authz.world` by the units' keys, and
who is who by the people's keys; it never calls ``for_user``. A row is
described by a :class:`Vis`: the unit whose subtree sees it, the people who
see it besides (invited, owner, rep, escalated to…), whether only managers
of that subtree see it (briefs), and whether the organisation-wide roles do.
"""

from __future__ import annotations

from dataclasses import dataclass

# The tree: each unit's parent.
PARENT = {
    "company": None,
    "east": "company",
    "south": "company",
    "dept": "company",
    "team_a": "east",
    "team_b": "east",
    "child": "team_a",
    "team_south": "south",
}

# Everyone in the world: role and unit.
PEOPLE = {
    "exec": ("executive", "company"),
    "ops": ("sales_ops", "company"),
    "director": ("middle_manager", "east"),
    "director_south": ("middle_manager", "south"),
    "lead": ("team_lead", "team_a"),
    "rep": ("rep", "team_a"),
    "lead_b": ("team_lead", "team_b"),
    "outsider": ("rep", "team_b"),
    "rep_south": ("rep", "team_south"),
    "child_lead": ("team_lead", "child"),
    "child_rep": ("rep", "child"),
    "east_rep": ("rep", "east"),
    "ro": ("resource_owner", "dept"),
}

# Who manages which unit.
MANAGER_OF = {
    "company": "exec",
    "east": "director",
    "south": "director_south",
    "team_a": "lead",
    "team_b": "lead_b",
    "child": "child_lead",
}

# The personas the matrix asks as: the roles of the article, and a resource
# owner of a department outside the sales line.
PERSONAS = ("exec", "ops", "director", "lead", "rep", "outsider", "ro")

ORG_WIDE_ROLES = {"executive", "sales_ops"}
MANAGER_ROLES = {"team_lead", "middle_manager", "senior_manager", "executive"}


def role(person: str) -> str:
    return PEOPLE[person][0]


def unit_of(person: str) -> str:
    return PEOPLE[person][1]


def org_wide(person: str) -> bool:
    return role(person) in ORG_WIDE_ROLES


def is_manager(person: str) -> bool:
    return role(person) in MANAGER_ROLES


def within(unit: str, ancestor: str) -> bool:
    """``unit`` is ``ancestor`` or lies below it."""
    while unit is not None:
        if unit == ancestor:
            return True
        unit = PARENT[unit]
    return False


def ancestors(unit: str) -> list[str]:
    """The unit and every unit above it."""
    found = []
    while unit is not None:
        found.append(unit)
        unit = PARENT[unit]
    return found


def in_tree(person: str, unit: str) -> bool:
    """``unit`` lies in the person's part of the organisation."""
    return org_wide(person) or within(unit, unit_of(person))


@dataclass(frozen=True)
class Vis:
    units: frozenset[str] = frozenset()
    people: frozenset[str] = frozenset()
    managers_only: bool = False
    org_wide: bool = True

    def __or__(self, other: Vis) -> Vis:
        """Seen by whoever sees either (a gap review: its unit, or its meeting)."""
        assert not (self.managers_only or other.managers_only)
        return Vis(
            units=self.units | other.units,
            people=self.people | other.people,
            org_wide=self.org_wide or other.org_wide,
        )


def vis(unit: str | None, *people: str, managers_only: bool = False, org_wide: bool = True) -> Vis:
    return Vis(
        units=frozenset({unit} - {None}),
        people=frozenset(people) - {None},
        managers_only=managers_only,
        org_wide=org_wide,
    )


def sees(person: str, what: Vis) -> bool:
    if what.org_wide and org_wide(person):
        return True
    if person in what.people:
        return True
    if not any(within(unit, unit_of(person)) for unit in what.units):
        return False
    return is_manager(person) or not what.managers_only
