"""HTML pages: login, the landing page per role, the org pages."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD


def test_login_page_is_the_front_door(db, client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert client.get(response.url).status_code == 200


def test_login_then_landing(org, client):
    response = client.post(
        reverse("login"), {"username": "lead", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.context["guide"].headline


@pytest.mark.parametrize("persona", ["exec", "ops", "director", "lead", "rep"])
def test_each_role_gets_its_own_guide(org, client, persona):
    client.force_login(getattr(org, persona))
    response = client.get("/")
    assert response.status_code == 200
    headlines = {response.context["guide"].headline}
    assert headlines


def test_guides_differ_by_role(org, client):
    seen = set()
    for persona in ("exec", "ops", "director", "lead", "rep"):
        client.force_login(getattr(org, persona))
        seen.add(str(client.get("/").context["guide"].headline))
    assert len(seen) == 5


def test_landing_page_in_both_languages(org, client):
    client.force_login(org.lead)
    client.cookies["django_language"] = "en"
    assert "Your week: run the team&#x27;s meetings" in client.get("/").content.decode()
    client.cookies["django_language"] = "zh-hans"
    assert "你的一周" in client.get("/").content.decode()


def test_language_switcher_sets_the_language(org, client):
    client.force_login(org.rep)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()


def test_logout_is_a_post(org, client):
    client.force_login(org.rep)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_unit_list_shows_only_the_visible_tree(org, client):
    client.force_login(org.director)
    html = client.get(reverse("org:unit-list")).content.decode()
    assert "上海一组" in html and "上海二组" in html
    assert "广州组" not in html


def test_unit_outside_the_tree_is_not_found(org, client):
    client.force_login(org.rep)
    assert client.get(reverse("org:unit-detail", args=[org.team_b.pk])).status_code == 404
    assert client.get(reverse("org:unit-detail", args=[org.team_a.pk])).status_code == 200


def test_person_outside_the_tree_is_not_found(org, client):
    client.force_login(org.rep)
    assert client.get(reverse("org:person-detail", args=[org.outsider.pk])).status_code == 404
    response = client.get(reverse("org:person-detail", args=[org.lead.pk]))
    assert response.status_code == 200
    assert [p.username for p in response.context["chain"]] == ["director", "exec"]


def test_unit_list_empty_state(db, client):
    from tests.factories import PersonFactory

    client.force_login(PersonFactory(unit=None))
    client.cookies["django_language"] = "en"
    assert (
        "You are not placed in any unit yet"
        in client.get(reverse("org:unit-list")).content.decode()
    )


@pytest.mark.parametrize("size", [2, 30])
def test_unit_list_query_count_is_constant(org, client, size, django_assert_max_num_queries):
    from tests.factories import UnitFactory

    for n in range(size):
        UnitFactory(name=f"新组{n}", parent=org.south)
    client.force_login(org.exec)
    # session, user, the user's unit (menu), count for the paginator, the
    # units with their member counts and managers joined, the bell's unread count.
    with django_assert_max_num_queries(6):
        assert client.get(reverse("org:unit-list")).status_code == 200


def test_password_change(org, client):
    client.force_login(org.rep)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-better-one-42",
            "new_password2": "a-much-better-one-42",
        },
    )
    assert response.status_code == 302
    org.rep.refresh_from_db()
    assert org.rep.check_password("a-much-better-one-42")


def test_admin_pages_load(org, client):
    from tests.factories import PersonFactory

    admin = PersonFactory(username="root", is_staff=True, is_superuser=True, unit=None)
    client.force_login(admin)
    for url in (
        "/admin/org/unit/",
        "/admin/org/person/",
        f"/admin/org/person/{org.rep.pk}/change/",
        f"/admin/org/unit/{org.team_a.pk}/change/",
        "/admin/org/unit/add/",
    ):
        assert client.get(url).status_code == 200, url


def test_static_assets_are_vendored(db):
    from django.contrib.staticfiles import finders

    for asset in (
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap/bootstrap.bundle.min.js",
        "vendor/htmx/htmx.min.js",
    ):
        assert finders.find(asset), asset
