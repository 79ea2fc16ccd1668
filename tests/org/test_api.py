"""The org API: token auth, /api/me/, and lists scoped by the visibility rule."""

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import PASSWORD


def ids(response):
    return {row["username"] for row in response.json()["results"]}


def test_token_from_username_and_password(org, api_client):
    response = api_client.post(
        "/api/auth/token/", {"username": "rep", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(key=token).user == org.rep

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/me/").json()["username"] == "rep"


def test_wrong_password_gets_no_token(org, api_client):
    response = api_client.post(
        "/api/auth/token/", {"username": "rep", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_bad_token_is_refused(org, api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api_client.get("/api/me/").status_code == 401


def test_anonymous_is_refused(db, api_client):
    for url in ("/api/me/", "/api/people/", "/api/units/"):
        assert api_client.get(url).status_code in (401, 403)


def test_me_tells_unit_role_and_escalation_chain(org, api_as):
    body = api_as(org.rep).get("/api/me/").json()
    assert body["unit_name"] == "上海一组"
    assert body["role"] == "rep"
    assert body["sees_whole_organisation"] is False
    assert [p["username"] for p in body["escalation_chain"]] == ["lead", "director", "exec"]


def test_people_list_holds_only_the_callers_tree(org, api_as):
    assert ids(api_as(org.rep).get("/api/people/")) == {"lead", "rep"}


def test_person_outside_the_tree_is_not_found(org, api_as):
    # 404, not 403: the API does not tell whether someone exists elsewhere.
    response = api_as(org.rep).get(f"/api/people/{org.outsider.pk}/")
    assert response.status_code == 404
    assert api_as(org.rep).get(f"/api/people/{org.lead.pk}/").status_code == 200


def test_unit_outside_the_tree_is_not_found(org, api_as):
    assert api_as(org.rep).get(f"/api/units/{org.team_b.pk}/").status_code == 404
    assert api_as(org.director).get(f"/api/units/{org.team_b.pk}/").status_code == 200


def test_units_report_their_parent(org, api_as):
    rows = api_as(org.exec).get("/api/units/").json()["results"]
    parent_of = {row["name"]: row["parent"] for row in rows}
    assert parent_of["星海测试"] is None
    assert parent_of["上海一组"] == org.east.pk


def test_filter_by_subtree(org, api_as):
    response = api_as(org.exec).get(f"/api/people/?within={org.east.pk}&role=rep")
    assert ids(response) == {"rep", "outsider"}


def test_filter_by_unit_outside_the_tree_is_invalid_not_empty(org, api_as):
    response = api_as(org.rep).get(f"/api/people/?within={org.team_b.pk}")
    assert response.status_code == 400


@pytest.mark.parametrize("size", [3, 40])
def test_people_list_query_count_does_not_grow(org, api_as, size, django_assert_max_num_queries):
    from tests.factories import PersonFactory

    for n in range(size):
        PersonFactory(username=f"bulk{n}", unit=org.team_a)
    client = api_as(org.exec)
    # count + page of people with their units (joined); the exec's scope needs no query.
    with django_assert_max_num_queries(2):
        assert client.get("/api/people/?page_size=100").status_code == 200


@pytest.mark.parametrize("size", [3, 40])
def test_unit_list_query_count_does_not_grow(org, api_as, size, django_assert_max_num_queries):
    from tests.factories import UnitFactory

    for n in range(size):
        UnitFactory(name=f"组{n}", parent=org.south)
    client = api_as(org.exec)
    # count + page of units with manager joined and parent annotated.
    with django_assert_max_num_queries(2):
        assert client.get("/api/units/?page_size=100").status_code == 200


def test_schema_is_valid_openapi(db, client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/auth/token/" in schema["paths"]
    assert "/api/me/" in schema["paths"]


def test_schema_passes_the_openapi_validator(db, client):
    from openapi_spec_validator import validate

    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    validate(response.json())


def test_api_docs_are_served_from_local_assets(db, client):
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
