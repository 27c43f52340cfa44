"""Fixtures of the reporting tests: a closed deal held by two investors and its periods."""

from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile

from reporting.models import Report
from reporting.services.downloads import sha256_of
from servicing.models import CollectionPeriod


def make_period(deal, *, number: int = 1, state: str = CollectionPeriod.State.CLOSED,
                start: date = date(2027, 1, 1), end: date = date(2027, 3, 31)) -> CollectionPeriod:
    period = CollectionPeriod.objects.create(
        deal=deal, number=number, start=start, end=end, determination_date=end + timedelta(days=5),
        record_date=end + timedelta(days=10), payment_date=end + timedelta(days=15))
    CollectionPeriod.objects.filter(pk=period.pk).update(state=state)
    return CollectionPeriod.objects.get(pk=period.pk)


def stored_report(*, data: bytes = b"%PDF-1.4 test", **fields) -> Report:
    """A done report whose file holds ``data``, written directly (for scoping and download tests)."""
    report = Report.objects.create(state=Report.State.QUEUED, **fields)
    name = report.file.storage.save(report.file.field.generate_filename(report, report.filename),
                                    ContentFile(data))
    Report.objects.filter(pk=report.pk).update(state=Report.State.DONE, file=name, size=len(data),
                                               file_sha256=sha256_of(data), data_sha256="0" * 64)
    return Report.objects.get(pk=report.pk)


@pytest.fixture
def period(closed_deal):
    return make_period(closed_deal)
