from django.db import migrations


def load(apps, schema_editor):
    from actions.defaults import install_default_policies

    install_default_policies(apps.get_model("actions", "SlaPolicy"))


class Migration(migrations.Migration):
    dependencies = [("actions", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
