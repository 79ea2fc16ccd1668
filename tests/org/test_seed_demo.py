from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import translation

from org.choices import Role
from org.models import Person, Unit
from org.services import escalation_chain


def seed():
    from io import StringIO

    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_builds_a_chinese_sales_organisation(db):
    output = seed()
    assert Unit.objects.filter(kind="company").count() == 1
    assert Unit.objects.filter(kind="region").count() == 2
    assert 4 <= Unit.objects.filter(kind="team").count() <= 6
    assert 25 <= Person.objects.filter(role=Role.REP).count() <= 35
    assert Person.objects.get(username="rep").full_name == "陈静"
    for login in ("exec", "director", "lead", "rep"):
        assert login in output


def test_seed_is_idempotent(db):
    seed()
    counts = (Unit.objects.count(), Person.objects.count())
    managers = dict(Unit.objects.values_list("name", "manager__username"))
    output = seed()
    assert (Unit.objects.count(), Person.objects.count()) == counts
    assert dict(Unit.objects.values_list("name", "manager__username")) == managers
    assert "0 units and 0 people created" in output


def test_demo_logins_have_the_roles_their_names_say(db):
    seed()
    expected = {
        "exec": Role.EXECUTIVE,
        "director": Role.MIDDLE_MANAGER,
        "lead": Role.TEAM_LEAD,
        "rep": Role.REP,
    }
    for username, role in expected.items():
        # A request, as the login page passes: django-axes refuses a login without one.
        request = RequestFactory().post("/accounts/login/")
        person = authenticate(request, username=username, password="demo")
        assert person is not None, username
        assert person.role == role


def test_demo_chain_runs_rep_lead_director_exec(db):
    seed()
    chain = escalation_chain(Person.objects.get(username="rep"))
    assert [p.username for p in chain] == ["lead", "director", "exec"]


def test_generated_people_cannot_log_in(db):
    seed()
    assert not Person.objects.get(username="rep010102").has_usable_password()
