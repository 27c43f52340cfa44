"""The registries the issuer trades on, with their serial formats (docs/green.md, "Registries")."""

from django.db import migrations

REGISTRIES = [
    ("I-REC", "I-REC Standard (Evident registry)", "rec",
     "IREC-{device:code}-{country:country}-{technology:code}-{vintage:ym}-{first}-{last}", ["device"], ""),
    ("VCS", "Verra Verified Carbon Standard", "carbon",
     "{batch:int}-{first}-{last}-VCS-VCU-{methodology:int}-VER-{country:country}-{scope:int}-{project:int}"
     "-{vintage_start:dmy}-{vintage_end:dmy}-{additional:int}", [], ""),
    ("GS", "Gold Standard for the Global Goals", "carbon",
     "GS1-1-{country:country}-GS{project:int}-{monitoring_period:int}-{vintage:year}-{batch:int}-{first}-{last}",
     ["project", "monitoring_period", "vintage", "batch"], ""),
    ("M-RETS", "Midwest Renewable Energy Tracking System", "rec",
     "{device:code}-{state:code}-{vintage:ym}-{technology:code}-{batch:int}-{first}-{last}",
     ["device", "vintage", "batch"], "US"),
]


def add(apps, schema_editor):
    Registry = apps.get_model("green", "Registry")
    Registry.objects.bulk_create([
        Registry(code=code, name=name, kind=kind, serial_format=fmt, series_parts=parts, default_country=country)
        for code, name, kind, fmt, parts, country in REGISTRIES
    ])


def remove(apps, schema_editor):
    apps.get_model("green", "Registry").objects.filter(code__in=[r[0] for r in REGISTRIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("green", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
