from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('compliance', '0005_bounds'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='dealeligibility',
            options={'ordering': ['deal_id'], 'verbose_name_plural': 'deal eligibility'},
        ),
    ]
