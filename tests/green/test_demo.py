"""make demo shows a solar site that produced certificates, some retired for a lessee, a carbon-credit
block, and the resulting footprint."""

import pytest
from django.core.management import call_command

from green.models import CertificateBlock, IssuanceRequest, Retirement

pytestmark = pytest.mark.django_db


def test_demo_green_loads_once(ops, capsys):
    call_command("load_demo")
    call_command("load_demo_assets")
    call_command("load_demo_green")
    out = capsys.readouterr().out
    def counts():
        return IssuanceRequest.objects.count(), CertificateBlock.objects.count(), Retirement.objects.count()

    before = counts()
    call_command("load_demo_green")
    assert "Demo green attributes already loaded." in capsys.readouterr().out
    assert counts() == before
    assert list(IssuanceRequest.objects.order_by("period_start").values_list("state", flat=True)) == [
        "issued", "issued", "issued", "requested"]
    assert Retirement.objects.filter(block__registry__code="VCS").get().block.quantity == 1_000
    assert Retirement.objects.filter(block__registry__code="I-REC", lessee__isnull=False).count() == 3
    assert "GCABS 2026-1, Aug-Oct 2026:" in out and "gCO2e per GPU-hour" in out
