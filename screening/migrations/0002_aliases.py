"""Aliases become rows of their entry (with the list's quality), a hit says which alias matched,
and the screening run's state is a state machine."""

import django.db.models.deletion
import django_fsm
from django.db import migrations, models

BATCH = 2000


def aliases_to_rows(apps, schema_editor):
    entries = apps.get_model("screening", "ListEntry")
    aliases = apps.get_model("screening", "ListAlias")
    batch = []
    for entry_id, names in entries.objects.exclude(legacy_aliases=[]).values_list(
            "pk", "legacy_aliases").iterator(chunk_size=BATCH):
        batch += [aliases(entry_id=entry_id, position=n, name=name[:500])
                  for n, name in enumerate(names, start=1) if str(name).strip()]
        if len(batch) >= BATCH:
            aliases.objects.bulk_create(batch)
            batch = []
    aliases.objects.bulk_create(batch)


def rows_to_aliases(apps, schema_editor):
    entries = apps.get_model("screening", "ListEntry")
    aliases = apps.get_model("screening", "ListAlias")
    names: dict[int, list[str]] = {}
    for entry_id, name in aliases.objects.order_by("entry_id", "position").values_list("entry_id", "name"):
        names.setdefault(entry_id, []).append(name)
    changed = [entries(pk=pk, legacy_aliases=value) for pk, value in names.items()]
    entries.objects.bulk_update(changed, ["legacy_aliases"], batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ("screening", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="listentry", old_name="aliases", new_name="legacy_aliases"),
        migrations.CreateModel(
            name="ListAlias",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveSmallIntegerField(
                    help_text="Order of the alias in the list file, from 1.")),
                ("name", models.CharField(max_length=500)),
                ("kind", models.CharField(blank=True, help_text="As the list says: a.k.a., f.k.a., ...",
                                          max_length=20)),
                ("quality", models.CharField(blank=True, choices=[
                    ("", "not stated by the list"), ("strong", "strong"), ("weak", "weak (not screened)")],
                    default="", max_length=10)),
                ("entry", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="aliases",
                                            to="screening.listentry")),
            ],
            options={
                "verbose_name_plural": "list aliases",
                "ordering": ["entry", "position"],
            },
        ),
        migrations.AddConstraint(
            model_name="listalias",
            constraint=models.UniqueConstraint(fields=("entry", "position"), name="screening_alias_unique_position"),
        ),
        migrations.RunPython(aliases_to_rows, rows_to_aliases),
        migrations.RemoveField(model_name="listentry", name="legacy_aliases"),
        migrations.AddField(
            model_name="screeninghit",
            name="alias",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="hits",
                to="screening.listalias",
                help_text="The alias of the entry that matched; empty when its own name did."),
        ),
        migrations.AlterField(
            model_name="listentry",
            name="row_number",
            field=models.PositiveIntegerField(
                help_text="Line in the imported CSV file (header is line 1), or the record's number in an XML file."),
        ),
        migrations.AlterField(
            model_name="screeningrun",
            name="state",
            field=django_fsm.FSMField(
                choices=[("queued", "queued"), ("running", "running"), ("done", "done"), ("failed", "failed")],
                db_index=True, default="queued", max_length=50, protected=True),
        ),
    ]
