"""The import_metering command, the demo loader (twice: idempotent) and the admin pages."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db.models import Sum

from assets.models import (
    BankEntry,
    BankEntryMatch,
    Device,
    Invoice,
    InvoicePayment,
    Lease,
    MeterImportBatch,
    MeterReading,
    Site,
)
from issuance.models import Deal
from tests.assets.builders import make_gpu_server

pytestmark = pytest.mark.django_db


def test_import_metering_command(ops, tmp_path, capsys):
    make_gpu_server(actor=ops, code="GPU-CMD")
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text("device,hour,gpu_hours,energy_wh\nGPU-CMD,2026-01-01T00:00:00Z,8,5000\n")
    bad.write_text("device,hour,gpu_hours,energy_wh\nGPU-CMD,2026-01-01T01:00:00Z,8,999999\n")

    call_command("import_metering", str(good), "--user", "ops")
    call_command("import_metering", str(good))
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_metering", str(bad))

    out, err = capsys.readouterr()
    assert "good.csv: 1 rows imported, 0 already stored" in out
    assert "good.csv: already imported" in out
    assert "line 2: energy 999999 Wh is above" in err
    assert MeterReading.objects.count() == 1
    assert MeterImportBatch.objects.get().imported_by == ops


def test_demo_assets_load_once(ops):
    call_command("load_demo")
    call_command("load_demo_assets")
    counts = (
        Site.objects.count(),
        Device.objects.count(),
        Lease.objects.count(),
        Invoice.objects.count(),
        MeterReading.objects.count(),
        BankEntry.objects.count(),
    )
    call_command("load_demo_assets")

    assert counts == (3, 48, 3, 38, 40 * 8760, 26)
    assert (
        Site.objects.count(),
        Device.objects.count(),
        Invoice.objects.count(),
        MeterReading.objects.count(),
    ) == (3, 48, 38, 40 * 8760)
    assert set(Invoice.objects.filter(state="overdue").values_list("number", flat=True)) == {
        "INV-HEL-L-003-202607",
        "INV-HEL-L-003-202608",
        "INV-HEL-L-003-202609",
    }
    assert set(BankEntry.objects.values_list("category", flat=True)) == {
        "lease_receipt",
        "certificate_sale",
        "expense",
        "transfer",
        "unclassified",
    }
    # The receipts after GCABS 2026-1 closed are on the collection account's statement, each applied
    # in full to the invoice it pays (March to September 2026 but Kestrel's August and September).
    receipts = BankEntry.objects.filter(statement__statement_id="HSBC-STMT-2026-10-31")
    assert receipts.count() == 19
    assert list(receipts.filter(matches__isnull=True)) == []
    assert receipts.aggregate(s=Sum("amount"))["s"] == BankEntryMatch.objects.filter(
        entry__in=receipts).aggregate(s=Sum("amount"))["s"]
    assert InvoicePayment.objects.filter(invoice__period_start__gte=date(2026, 3, 1)).count() == 19
    keys = receipts.values_list("entry_key", flat=True)
    assert set(InvoicePayment.objects.filter(invoice__period_start__gte=date(2026, 3, 1))
               .values_list("reference", flat=True)) == {f"bank {k}" for k in keys}
    assert Invoice.objects.get(number="INV-HEL-L-003-202607").amount_paid == BankEntry.objects.get(
        end_to_end_id="E2E-INV-HEL-L-003-202607").amount
    assert Lease.objects.filter(state="active").count() == 3
    assert sum(Device.objects.filter(kind="gpu_server", deal__name="GCABS 2026-1")
               .values_list("gpu_count", flat=True)) == 308
    assert list(Device.objects.filter(deal=None).values_list("code", flat=True)) == [
        "HEL-SPARE-001", "HEL-SPARE-002"]  # for the README's walk-through
    assert Deal.objects.get(name="GCABS 2026-1").state == "servicing"
    assert Decimal(Invoice.objects.get(number="INV-HEL-L-001-202511").total) > 0
    assert date(2026, 10, 1) in set(Invoice.objects.values_list("period_start", flat=True))


@pytest.fixture
def admin_client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.mark.parametrize(
    "model",
    [
        "site",
        "device",
        "appraisal",
        "insurancepolicy",
        "investmentmodel",
        "counterparty",
        "lease",
        "invoice",
        "meterimportbatch",
        "bankstatement",
        "bankentry",
    ],
)
def test_admin_changelists_open_for_ops_and_trustee(model, ops, trustee, admin_client_for):
    make_gpu_server(actor=ops)
    for user in (ops, trustee):
        assert admin_client_for(user).get(f"/admin/assets/{model}/").status_code == 200


def test_admin_metering_upload_lists_bad_rows_and_trustee_may_not_upload(ops, trustee, admin_client_for):
    make_gpu_server(actor=ops, code="GPU-ADM")
    client = admin_client_for(ops)
    bad = SimpleUploadedFile(
        "m.csv",
        b"device,hour,gpu_hours,energy_wh\nNOPE,2026-01-01T00:00:00Z,1,1\n"
        b"GPU-ADM,2026-01-01T00:00:00Z,-1,1\n",
    )
    response = client.post("/admin/assets/meterimportbatch/upload/", {"file": bad})
    assert response.status_code == 200
    assert b"line 2: unknown device" in response.content
    assert b"line 3: negative value: gpu_hours -1" in response.content
    good = SimpleUploadedFile("m.csv", b"device,hour,gpu_hours,energy_wh\nGPU-ADM,2026-01-01T00:00:00Z,1,1\n")
    assert client.post("/admin/assets/meterimportbatch/upload/", {"file": good}).status_code == 302
    assert MeterReading.objects.count() == 1
    assert admin_client_for(trustee).get("/admin/assets/meterimportbatch/upload/").status_code == 403


def test_admin_creates_a_lease_with_its_devices(ops, admin_client_for):
    from assets.models import LeaseDevice
    from tests.assets.builders import make_counterparty

    gpu = make_gpu_server(actor=ops)
    lessee = make_counterparty(actor=ops)
    client = admin_client_for(ops)
    assert client.get("/admin/assets/lease/add/").status_code == 200

    response = client.post("/admin/assets/lease/add/", {
        "reference": "L-ADMIN", "lessee": lessee.pk, "spv": gpu.spv_id, "devices": [gpu.pk], "gpu_count": 8,
        "currency": "USD", "price_per_gpu_hour": "2.000000", "minimum_monthly_commitment": "0.00",
        "start_date": "2026-01-01", "end_date": "2026-12-31", "billing_cycle": "monthly",
        "payment_terms_days": 30, "late_fee_annual_rate": "0.100000",
        "core-auditevent-content_type-object_id-TOTAL_FORMS": 0,
        "core-auditevent-content_type-object_id-INITIAL_FORMS": 0,
        "device_terms-TOTAL_FORMS": 0, "device_terms-INITIAL_FORMS": 0,
    })

    assert response.status_code == 302, response.content.decode()[:2000]
    lease = Lease.objects.get(reference="L-ADMIN")
    terms = LeaseDevice.objects.filter(lease=lease).values_list("device", "starts_on", "ends_on", "held")
    assert list(terms) == [(gpu.pk, date(2026, 1, 1), date(2026, 12, 31), False)]
    assert client.get(f"/admin/assets/lease/{lease.pk}/change/").status_code == 200
