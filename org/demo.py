"""Demo organisation: a Chinese sales company to click through, or a large
one to measure with.

Seeding is idempotent (units are found by name under their parent, people by
username) and inserts people in bulk, so the large size stays fast.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from .choices import Role, UnitKind
from .models import Person, Unit

DEMO_PASSWORD = "demo"  # noqa: S105 - documented demo logins, never production data
COMPANY = "星海科技"

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN_NAMES = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "浩",
    "宇",
    "婷",
    "欣",
    "鹏",
    "晨",
    "雪",
    "琳",
    "志强",
    "海燕",
    "建华",
    "晓东",
    "子涵",
    "思远",
    "嘉怡",
    "文博",
    "雨桐",
    "俊杰",
    "佳琪",
    "国平",
    "立新",
    "春梅",
    "家豪",
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str
    title: str


# The four documented logins: their roles match their names.
EXEC = DemoAccount("exec", "王建国", Role.EXECUTIVE, "销售副总裁")
DIRECTOR = DemoAccount("director", "李明", Role.MIDDLE_MANAGER, "华东大区总监")
LEAD = DemoAccount("lead", "张伟", Role.TEAM_LEAD, "上海一组组长")
REP = DemoAccount("rep", "陈静", Role.REP, "客户经理")


@dataclass(frozen=True)
class Size:
    regions: dict[str, list[str]]
    reps_per_team: int
    departments: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


SMALL = Size(
    regions={
        "华东大区": ["上海一组", "上海二组", "杭州组"],
        "华南大区": ["广州组", "深圳组"],
    },
    reps_per_team=6,
    departments={
        "解决方案部": [("presales1", Role.RESOURCE_OWNER), ("presales2", Role.RESOURCE_OWNER)],
        "交付部": [("delivery1", Role.RESOURCE_OWNER)],
        "销售运营部": [("ops", Role.SALES_OPS), ("strategy", Role.SALES_STRATEGY)],
    },
)

LARGE = Size(
    regions={
        f"第{r:02d}大区": [f"第{r:02d}大区{t:02d}组" for t in range(1, 21)] for r in range(1, 11)
    },
    reps_per_team=10,
    departments=SMALL.departments,
)

SIZES = {"small": SMALL, "large": LARGE}


@dataclass
class SeedReport:
    units_created: int = 0
    people_created: int = 0
    logins: list[DemoAccount] = field(default_factory=list)


def chinese_names():
    """Endless distinct-looking Chinese names, the same sequence every run."""
    for round_no in itertools.count():
        for given, surname in itertools.product(GIVEN_NAMES, SURNAMES):
            yield surname + given + ("" if round_no == 0 else str(round_no + 1))


class _Builder:
    def __init__(self) -> None:
        self.report = SeedReport()
        self.people: dict[str, Person] = {}
        self.existing = set(Person.objects.values_list("username", flat=True))
        # One hash for every generated person: they are not meant to log in,
        # and hashing thousands of passwords would dominate a large seed.
        self.unusable_password = make_password(None)

    def unit(self, parent: Unit | None, name: str, kind: str) -> Unit:
        siblings = Unit.get_root_nodes() if parent is None else parent.get_children()
        found = siblings.filter(name=name).first()
        if found:
            return found
        self.report.units_created += 1
        if parent is None:
            return Unit.add_root(name=name, kind=kind)
        return parent.add_child(name=name, kind=kind)

    def person(self, username: str, full_name: str, role: str, unit: Unit, title: str = "") -> None:
        if username in self.existing:
            return
        self.people[username] = Person(
            username=username,
            full_name=full_name,
            role=role,
            unit=unit,
            title=title,
            email=f"{username}@example.com",
            password=self.unusable_password,
        )

    def save_people(self) -> None:
        Person.objects.bulk_create(self.people.values(), batch_size=1000)
        self.report.people_created = len(self.people)

    def set_manager(self, unit: Unit, username: str) -> None:
        Unit.objects.filter(pk=unit.pk).update(
            manager=Person.objects.filter(username=username).values("pk")[:1]
        )


@transaction.atomic
def seed_org(size: str = "small") -> SeedReport:
    spec = SIZES[size]
    build = _Builder()
    names = chinese_names()
    reserved = {EXEC.full_name, DIRECTOR.full_name, LEAD.full_name, REP.full_name}
    fresh_names = (n for n in names if n not in reserved)

    company = build.unit(None, COMPANY, UnitKind.COMPANY)
    build.person(EXEC.username, EXEC.full_name, EXEC.role, company, EXEC.title)
    build.person("vp", next(fresh_names), Role.SENIOR_MANAGER, company, "销售总经理")
    managers: list[tuple[Unit, str]] = [(company, EXEC.username)]

    for region_no, (region_name, team_names) in enumerate(spec.regions.items(), start=1):
        region = build.unit(company, region_name, UnitKind.REGION)
        director = DIRECTOR if region_no == 1 else None
        director_username = director.username if director else f"director{region_no:02d}"
        build.person(
            director_username,
            director.full_name if director else next(fresh_names),
            Role.MIDDLE_MANAGER,
            region,
            director.title if director else f"{region_name}总监",
        )
        managers.append((region, director_username))
        for team_no, team_name in enumerate(team_names, start=1):
            team = build.unit(region, team_name, UnitKind.TEAM)
            first_team = region_no == 1 and team_no == 1
            lead_username = LEAD.username if first_team else f"lead{region_no:02d}{team_no:02d}"
            build.person(
                lead_username,
                LEAD.full_name if first_team else next(fresh_names),
                Role.TEAM_LEAD,
                team,
                LEAD.title if first_team else f"{team_name}组长",
            )
            managers.append((team, lead_username))
            for rep_no in range(1, spec.reps_per_team + 1):
                if first_team and rep_no == 1:
                    build.person(REP.username, REP.full_name, REP.role, team, REP.title)
                    continue
                build.person(
                    f"rep{region_no:02d}{team_no:02d}{rep_no:02d}",
                    next(fresh_names),
                    Role.REP,
                    team,
                    "客户经理",
                )

    for dept_name, members in spec.departments.items():
        dept = build.unit(company, dept_name, UnitKind.DEPARTMENT)
        for username, role in members:
            build.person(username, next(fresh_names), role, dept, dept_name)

    build.save_people()
    for unit, username in managers:
        build.set_manager(unit, username)

    for account in (EXEC, DIRECTOR, LEAD, REP):
        person = Person.objects.get(username=account.username)
        person.set_password(DEMO_PASSWORD)
        # The executive doubles as the demo's administrator.
        person.is_staff = person.is_superuser = account is EXEC
        person.save(update_fields=["password", "is_staff", "is_superuser"])
        build.report.logins.append(account)
    return build.report
