"""Billing on each lease's own schedule: no day billed twice, no device on two leases a day.

- ``btree_gist`` so an exclusion constraint can mix ``=`` on ids with ``&&`` on date ranges;
- the lease <-> device table becomes ``LeaseDevice`` (same table) with the days the lease holds
  the device, and an exclusion constraint on (device, days) for held rows;
- invoices: an exclusion constraint on (lease, days) for invoices proper, instead of the unique
  (lease, period start); ``written_off_on``; the ``supplementary`` kind;
- ``InvoicePayment``: each payment with its value date; leases get ``terminated_on``.

Rows that exist already are carried over: device rows take the lease's term (held unless the lease
is a draft), each invoice's ``amount_paid`` becomes one payment dated the day it was last changed,
and terminations and write-offs take that day too.
"""

import django.contrib.postgres.constraints
import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models

import assets.models.leasing


class Migration(migrations.Migration):

    dependencies = [
        ("assets", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="LeaseDevice",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("lease", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                    related_name="device_terms", to="assets.lease")),
                        ("device", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                     related_name="lease_terms", to="assets.device")),
                    ],
                    options={"db_table": "assets_lease_devices", "unique_together": {("lease", "device")}},
                ),
                migrations.AlterField(
                    model_name="lease",
                    name="devices",
                    field=models.ManyToManyField(blank=True, help_text="Devices whose metering is this lease's usage.",
                                                 related_name="leases", through="assets.LeaseDevice",
                                                 to="assets.device"),
                ),
            ],
        ),
        migrations.AddField(model_name="leasedevice", name="starts_on", field=models.DateField(null=True)),
        migrations.AddField(model_name="leasedevice", name="ends_on", field=models.DateField(null=True)),
        migrations.AddField(
            model_name="leasedevice", name="held",
            field=models.BooleanField(default=False,
                                      help_text="The lease is live, so it holds the device on these days."),
        ),
        migrations.AddField(
            model_name="lease", name="terminated_on",
            field=models.DateField(blank=True, null=True,
                                   help_text="Last day of the lease when it was terminated early."),
        ),
        migrations.AddField(model_name="invoice", name="written_off_on",
                            field=models.DateField(blank=True, null=True)),
        migrations.RunSQL(
            sql=[
                "UPDATE assets_lease SET terminated_on = LEAST(updated_at::date, end_date) "
                "WHERE state = 'terminated'",
                "UPDATE assets_lease_devices ld SET starts_on = l.start_date, "
                "ends_on = GREATEST(l.start_date, COALESCE(l.terminated_on, l.end_date)), "
                "held = l.state <> 'draft' FROM assets_lease l WHERE l.id = ld.lease_id",
                "UPDATE assets_invoice SET written_off_on = updated_at::date WHERE state = 'written_off'",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(model_name="leasedevice", name="starts_on", field=models.DateField()),
        migrations.AlterField(model_name="leasedevice", name="ends_on", field=models.DateField()),
        migrations.AddConstraint(
            model_name="leasedevice",
            constraint=models.CheckConstraint(condition=models.Q(("ends_on__gte", models.F("starts_on"))),
                                              name="lease_device_days_ordered"),
        ),
        migrations.AddConstraint(
            model_name="leasedevice",
            constraint=django.contrib.postgres.constraints.ExclusionConstraint(
                condition=models.Q(("held", True)),
                expressions=[("device", "="), (assets.models.leasing.DateRange("starts_on", "ends_on"), "&&")],
                name="lease_device_held_once",
                violation_error_message="A device is on one lease on any day.",
            ),
        ),
        migrations.AlterField(
            model_name="invoice", name="kind",
            field=models.CharField(choices=[("invoice", "invoice"), ("credit_note", "credit note"),
                                            ("late_fee", "late-fee invoice"),
                                            ("supplementary", "supplementary invoice")],
                                   default="invoice", max_length=16),
        ),
        migrations.AlterField(
            model_name="invoice", name="credited_invoice",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="credit_notes",
                to="assets.invoice",
                help_text="For a credit note, late-fee or supplementary invoice: the invoice it refers to."),
        ),
        migrations.RemoveConstraint(model_name="invoice", name="invoice_one_per_lease_period"),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=django.contrib.postgres.constraints.ExclusionConstraint(
                condition=models.Q(("kind", "invoice")),
                expressions=[("lease", "="), (assets.models.leasing.DateRange("period_start", "period_end"), "&&")],
                name="invoice_days_billed_once",
                violation_error_message="Two invoices of a lease may not cover the same day.",
            ),
        ),
        migrations.CreateModel(
            name="InvoicePayment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("amount", models.DecimalField(decimal_places=2, max_digits=20)),
                ("value_date", models.DateField()),
                ("reference", models.CharField(blank=True, max_length=200)),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                ("invoice", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="payments",
                                              to="assets.invoice")),
                ("recorded_by", models.ForeignKey(blank=True, null=True,
                                                  on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                  to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "ordering": ["invoice", "value_date", "id"],
                "constraints": [models.CheckConstraint(condition=models.Q(("amount__gt", 0)),
                                                       name="invoice_payment_positive")],
            },
        ),
        migrations.RunSQL(
            sql="INSERT INTO assets_invoicepayment (invoice_id, amount, value_date, reference, recorded_at) "
                "SELECT id, amount_paid, updated_at::date, 'carried over', updated_at FROM assets_invoice "
                "WHERE amount_paid > 0",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
