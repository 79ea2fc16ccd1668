"""The visibility rule: a person sees their own unit's subtree; executives and
sales ops see everything; moving people and units changes it at once."""

import pytest

from org.models import Person, Unit
from org.services import move_person, move_unit
from org.visibility import forget_scope
from tests.factories import PersonFactory


def names(queryset):
    return {str(obj.username if isinstance(obj, Person) else obj.name) for obj in queryset}


@pytest.mark.parametrize(
    ("persona", "units"),
    [
        ("exec", {"星海测试", "华东", "华南", "上海一组", "上海二组", "广州组"}),
        ("ops", {"星海测试", "华东", "华南", "上海一组", "上海二组", "广州组"}),
        ("director", {"华东", "上海一组", "上海二组"}),
        ("lead", {"上海一组"}),
        ("rep", {"上海一组"}),
        ("rep_south", {"广州组"}),
    ],
)
def test_units_visible_to_each_persona(org, persona, units):
    assert names(Unit.objects.for_user(getattr(org, persona))) == units


def test_rep_sees_own_team_and_nobody_else(org):
    assert names(Person.objects.for_user(org.rep)) == {"lead", "rep"}


def test_director_sees_the_whole_region(org):
    assert names(Person.objects.for_user(org.director)) == {
        "director",
        "lead",
        "rep",
        "lead_b",
        "outsider",
    }


def test_person_without_unit_sees_only_themself(org):
    loner = PersonFactory(username="loner", unit=None)
    assert names(Person.objects.for_user(loner)) == {"loner"}
    assert not Unit.objects.for_user(loner).exists()


def test_anonymous_and_inactive_users_see_nothing(org, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert not Person.objects.for_user(AnonymousUser()).exists()
    org.rep.is_active = False
    assert not Person.objects.for_user(org.rep).exists()


def test_superuser_sees_everything(org):
    admin = PersonFactory(username="admin", unit=None, is_superuser=True)
    assert Person.objects.for_user(admin).count() == Person.objects.count()


def test_moving_a_person_changes_what_they_see(org):
    move_person(org.rep, org.team_south)
    assert names(Person.objects.for_user(org.rep)) == {"rep", "rep_south"}
    assert "rep" not in names(Person.objects.for_user(org.lead))
    assert "rep" in names(Person.objects.for_user(org.director_south))


def test_moving_a_manager_out_releases_the_units_they_managed(org):
    released = move_person(org.lead, org.team_south)
    assert [unit.name for unit in released] == ["上海一组"]
    org.team_a.refresh_from_db()
    assert org.team_a.manager is None
    # ...so the old team is no longer in the former lead's view.
    assert names(Unit.objects.for_user(org.lead)) == {"广州组"}


def test_moving_a_unit_moves_its_subtree_into_the_new_managers_view(org):
    move_unit(org.team_b, org.south)
    for person in (org.director, org.director_south):
        forget_scope(person)
    assert "上海二组" not in names(Unit.objects.for_user(org.director))
    assert "outsider" not in names(Person.objects.for_user(org.director))
    assert "上海二组" in names(Unit.objects.for_user(org.director_south))
    assert "outsider" in names(Person.objects.for_user(org.director_south))
    # The people inside keep seeing their own team, now under 华南.
    org.outsider.refresh_from_db()
    forget_scope(org.outsider)
    assert names(Person.objects.for_user(org.outsider)) == {"lead_b", "outsider"}


def test_moving_a_region_carries_its_teams(org):
    move_unit(org.east, org.south)
    forget_scope(org.director_south)
    assert {"华东", "上海一组", "上海二组"} <= names(Unit.objects.for_user(org.director_south))
    # The region's own manager sits inside it, so keeps managing it.
    org.east.refresh_from_db()
    assert org.east.manager == org.director


def test_a_unit_cannot_move_below_itself(org):
    from treebeard.exceptions import InvalidMoveToDescendant

    with pytest.raises(InvalidMoveToDescendant):
        move_unit(org.east, org.team_a)


def test_visibility_is_one_query_however_large_the_team(org, django_assert_num_queries):
    for n in range(30):
        PersonFactory(username=f"extra{n}", unit=org.team_a)
    rep = Person.objects.get(pk=org.rep.pk)
    # 1: the rep's unit (for its path); 2: the people.
    with django_assert_num_queries(2):
        assert len(list(Person.objects.for_user(rep))) == 32
