"""Load the article's meeting flows as the default agenda templates."""

from django.db import migrations


def load(apps, schema_editor):
    from agendas.defaults import DEFAULT_TEMPLATES

    Template = apps.get_model("agendas", "AgendaTemplate")
    Item = apps.get_model("agendas", "AgendaTemplateItem")
    for kind, (name, items) in DEFAULT_TEMPLATES.items():
        template, created = Template.objects.get_or_create(kind=kind, defaults={"name": name})
        if not created:
            continue
        Item.objects.bulk_create(
            Item(template=template, position=index, title=title, minutes=minutes, guidance=guidance)
            for index, (title, minutes, guidance) in enumerate(items)
        )


class Migration(migrations.Migration):
    dependencies = [("agendas", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
