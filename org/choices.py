"""Roles and unit kinds: the levels of a sales organisation in the article."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REP = "rep", _("Sales rep")  # 一线销售
    TEAM_LEAD = "team_lead", _("Team lead")  # 基层管理
    MIDDLE_MANAGER = "middle_manager", _("Middle manager")  # 中层管理
    SENIOR_MANAGER = "senior_manager", _("Senior manager")  # 高层管理
    EXECUTIVE = "executive", _("Executive")  # 决策层
    SALES_OPS = "sales_ops", _("Sales ops / PMO")  # 运营团队/PMO
    SALES_STRATEGY = "sales_strategy", _("Sales strategy")  # 销售策略类角色
    RESOURCE_OWNER = "resource_owner", _("Resource owner")  # 资源拥有方


# Roles that lead meetings and stand in the escalation chain.
MANAGER_ROLES = frozenset(
    {Role.TEAM_LEAD, Role.MIDDLE_MANAGER, Role.SENIOR_MANAGER, Role.EXECUTIVE}
)
# Roles whose view is the whole organisation, not a subtree of it.
ORGANISATION_WIDE_ROLES = frozenset({Role.EXECUTIVE, Role.SALES_OPS})


class UnitKind(models.TextChoices):
    COMPANY = "company", _("Company")
    REGION = "region", _("Region")
    BUSINESS_LINE = "business_line", _("Business line")
    TEAM = "team", _("Team")
    DEPARTMENT = "department", _("Department")  # presales, delivery, finance...
