from django.db import migrations


def load(apps, schema_editor):
    from customers.defaults import install_default_stages

    install_default_stages(apps.get_model("customers", "PipelineStage"))


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
