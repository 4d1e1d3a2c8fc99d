from django.db import migrations

from shezhi.participation.rulesets import load


class Migration(migrations.Migration):
    dependencies = [("participation", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
