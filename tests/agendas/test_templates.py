"""Agenda templates: a meeting takes its own copy of its kind's template when
it is scheduled, and later edits of the template (in the editor) reach only
meetings scheduled afterwards."""

import pytest
import time_machine
from django.urls import reverse

from agendas.defaults import DEFAULT_TEMPLATES
from agendas.models import AgendaTemplate
from meetings.kinds import Kind
from tests.agendas.helpers import NOW, local, titles, weekly
from tests.factories import PersonFactory


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def template_items(kind):
    template = AgendaTemplate.objects.get(kind=kind)
    return [(i.title, i.minutes, i.guidance) for i in template.items.all()]


def agenda(meeting):
    return [
        (i.title, i.minutes, i.guidance) for i in meeting.agenda_items.order_by("position", "pk")
    ]


def editor_post(template, edit=None, delete=(), add=None):
    """The editor's form as a browser posts it: every item as shown, with
    ``edit`` ({index: {field: value}}) applied, ``delete`` ticked, and one
    blank extra form filled with ``add``."""
    items = list(template.items.all())
    data = {
        "name": template.name,
        "items-TOTAL_FORMS": str(len(items) + 1),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for index, item in enumerate(items):
        row = {
            "id": item.pk,
            "template": template.pk,
            "position": item.position,
            "title": item.title,
            "minutes": item.minutes,
            "guidance": item.guidance,
            **(edit or {}).get(index, {}),
        }
        if index in delete:
            row["DELETE"] = "on"
        data.update({f"items-{index}-{name}": value for name, value in row.items()})
    extra = len(items)
    data[f"items-{extra}-template"] = template.pk
    for name, value in (add or {}).items():
        data[f"items-{extra}-{name}"] = value
    return data


def test_a_scheduled_meeting_gets_a_copy_of_its_kinds_template(org):
    meeting = weekly(org)
    assert agenda(meeting) == template_items(Kind.WEEKLY)
    assert list(meeting.agenda_items.values_list("position", flat=True)) == [0, 1, 2, 3, 4]


def test_the_copy_follows_the_templates_order_not_its_creation_order(org):
    template = AgendaTemplate.objects.get(kind=Kind.WEEKLY)
    last = template.items.last()
    last.position = 0  # the last item moves to the top
    last.save()
    for item in template.items.exclude(pk=last.pk):
        item.position += 1
        item.save()
    meeting = weekly(org)
    assert titles(meeting)[0] == last.title


def test_editing_the_template_leaves_an_already_scheduled_agenda_alone(org):
    meeting = weekly(org)
    before = agenda(meeting)
    template = AgendaTemplate.objects.get(kind=Kind.WEEKLY)
    first = template.items.first()
    first.title, first.minutes, first.guidance = "改过的议程", 5, "新的指引"
    first.save()
    template.items.last().delete()

    assert agenda(meeting) == before


def test_the_editor_changes_meetings_scheduled_afterwards_only(org, client):
    earlier = weekly(org)
    before = agenda(earlier)
    template = AgendaTemplate.objects.get(kind=Kind.WEEKLY)
    client.force_login(org.ops)

    response = client.post(
        reverse("agendas:template-edit", args=[template.pk]),
        editor_post(
            template,
            edit={0: {"title": "上周客户进展(改)", "minutes": 25, "guidance": "只讲变化"}},
            delete=[4],
            add={"position": 9, "title": "风险客户", "minutes": 10, "guidance": "谁在丢单边缘"},
        ),
    )

    assert response.status_code == 302
    assert response.url == reverse("agendas:templates")
    assert agenda(earlier) == before
    later = weekly(org, starts_at=local(2026, 12, 4, 15))
    assert agenda(later) == [
        ("上周客户进展(改)", 25, "只讲变化"),
        *before[1:4],
        ("风险客户", 10, "谁在丢单边缘"),
    ]


def test_the_editor_shows_errors_and_saves_nothing_when_an_item_has_no_title(org, client):
    template = AgendaTemplate.objects.get(kind=Kind.WEEKLY)
    before = template_items(Kind.WEEKLY)
    client.force_login(org.ops)
    response = client.post(
        reverse("agendas:template-edit", args=[template.pk]),
        editor_post(template, edit={0: {"title": ""}}),
    )
    assert response.status_code == 200
    assert response.context["formset"].errors[0]["title"]
    assert template_items(Kind.WEEKLY) == before


@pytest.mark.parametrize("persona", ["ops", "exec"])
def test_sales_ops_and_executives_open_the_editor(org, client, persona):
    template = AgendaTemplate.objects.get(kind=Kind.REVIEW)
    client.force_login(getattr(org, persona))
    assert client.get(reverse("agendas:templates")).status_code == 200
    response = client.get(reverse("agendas:template-edit", args=[template.pk]))
    assert response.status_code == 200
    assert template.items.first().title in response.content.decode()


def test_a_superuser_opens_the_editor(db, client):
    client.force_login(PersonFactory(username="root", is_superuser=True, is_staff=True))
    response = client.get(reverse("agendas:templates"))
    assert response.status_code == 200
    assert len(response.context["templates"]) == len(Kind)


def test_a_team_lead_may_not_edit_templates(org, client):
    template = AgendaTemplate.objects.get(kind=Kind.WEEKLY)
    before = template_items(Kind.WEEKLY)
    client.force_login(org.lead)
    assert client.get(reverse("agendas:templates")).status_code == 403
    assert client.get(reverse("agendas:template-edit", args=[template.pk])).status_code == 403
    response = client.post(
        reverse("agendas:template-edit", args=[template.pk]),
        editor_post(template, edit={0: {"title": "组长改的"}}),
    )
    assert response.status_code == 403
    assert template_items(Kind.WEEKLY) == before


def test_the_editor_asks_anonymous_visitors_to_log_in(db, client):
    response = client.get(reverse("agendas:templates"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_deleted_template_comes_back_from_the_articles_defaults(org):
    AgendaTemplate.objects.filter(kind=Kind.WEEKLY).delete()
    _name, defaults = DEFAULT_TEMPLATES[Kind.WEEKLY]
    assert titles(weekly(org)) == [title for title, _minutes, _guidance in defaults]


def test_every_kind_has_a_default_template_with_timeboxes(db):
    templates = {t.kind: t for t in AgendaTemplate.objects.prefetch_related("items")}
    assert set(templates) == set(Kind.values)
    for template in templates.values():
        assert template.items.all(), template.kind
        assert all(item.minutes > 0 for item in template.items.all())
    assert templates[Kind.WEEKLY].total_minutes == 90  # as long as a weekly meeting
