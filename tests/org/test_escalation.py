from org.models import Unit
from org.services import escalation_chain
from tests.factories import PersonFactory


def usernames(chain):
    return [person.username for person in chain]


def test_rep_escalates_to_lead_then_director_then_exec(org):
    assert usernames(escalation_chain(org.rep)) == ["lead", "director", "exec"]


def test_lead_skips_themself(org):
    assert usernames(escalation_chain(org.lead)) == ["director", "exec"]


def test_top_of_the_tree_has_nobody_above(org):
    assert escalation_chain(org.exec) == []


def test_unit_without_manager_is_passed_over(org):
    # 广州组 has no manager: its rep goes straight to the region.
    assert usernames(escalation_chain(org.rep_south)) == ["director_south", "exec"]


def test_inactive_manager_is_passed_over(org):
    org.lead.is_active = False
    org.lead.save()
    assert usernames(escalation_chain(org.rep)) == ["director", "exec"]


def test_person_managing_two_levels_appears_once(org):
    Unit.objects.filter(pk=org.east.pk).update(manager=org.exec)
    assert usernames(escalation_chain(org.rep)) == ["lead", "exec"]


def test_person_without_unit_has_no_chain(db):
    assert escalation_chain(PersonFactory(unit=None)) == []


def test_chain_is_one_query(org, django_assert_num_queries):
    rep = org.rep
    rep.unit  # noqa: B018 - loaded by the caller in real use (request.user.unit)
    with django_assert_num_queries(1):
        escalation_chain(rep)
