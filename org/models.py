from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length, Substr
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from .choices import MANAGER_ROLES, Role, UnitKind
from .visibility import scope_for


class UnitQuerySet(MP_NodeQuerySet):
    def for_user(self, user) -> UnitQuerySet:
        return self.filter(scope_for(user).units())

    def subtree(self, unit: Unit) -> UnitQuerySet:
        """The unit and every unit below it."""
        return self.filter(path__startswith=unit.path)

    def annotate_member_count(self) -> UnitQuerySet:
        return self.annotate(
            member_count=models.Count("members", filter=models.Q(members__is_active=True))
        )

    def with_parent_id(self) -> UnitQuerySet:
        """Annotate ``parent_id`` in the same query (treebeard's
        ``get_parent()`` costs one query per unit)."""
        parent = Unit.objects.filter(
            path=Substr(models.OuterRef("path"), 1, Length(models.OuterRef("path")) - Unit.steplen)
        ).values("pk")[:1]
        return self.annotate(parent_id=models.Subquery(parent))


class UnitManager(MP_NodeManager.from_queryset(UnitQuerySet)):
    def get_queryset(self):
        # treebeard's manager orders by path: parents before children.
        return UnitQuerySet(self.model, using=self._db).order_by("path")


class Unit(MP_Node):
    """A company, region, business line, team or department. Units form one
    tree stored as materialised paths, so "this unit and everything below it"
    is a single indexed prefix query."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    manager = models.ForeignKey(
        "org.Person",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_units",
    )

    node_order_by = ["name"]
    objects = UnitManager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:unit-detail", args=[self.pk])

    def clean(self) -> None:
        manager_unit = self.manager.unit if self.manager_id else None
        if self.path and manager_unit and not self.path.startswith(manager_unit.path):
            raise ValidationError(
                {
                    "manager": _(
                        "A manager must belong to the unit they manage or to a unit above it."
                    )
                }
            )


class PersonQuerySet(models.QuerySet):
    def for_user(self, user) -> PersonQuerySet:
        return self.filter(scope_for(user).people())

    def in_subtree(self, unit: Unit) -> PersonQuerySet:
        return self.filter(unit__path__startswith=unit.path)

    def managers(self) -> PersonQuerySet:
        return self.filter(role__in=MANAGER_ROLES)


class PersonManager(UserManager.from_queryset(PersonQuerySet)):
    pass


class Person(AbstractUser):
    """Anyone who takes part in meetings: the login account and the person in
    the org tree are one record, so there is nothing to keep in step."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REP)
    title = models.CharField(_("job title"), max_length=100, blank=True)

    objects = PersonManager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["unit__path", "full_name", "username"]
        indexes = [models.Index(fields=["role"])]

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    def get_absolute_url(self) -> str:
        return reverse("org:person-detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        return str(self)

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGER_ROLES


class CalendarDay(models.Model):
    """An exception to the working calendar: a public holiday on a weekday, or
    a make-up working day (调休) on a weekend. Entries here win over the
    built-in Chinese calendar, and extend it to years it does not know yet."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()
