"""Plausible business ranges for numbers and dates, in one place.

A value outside these ranges is a typing error or an attack, never business: a device does
not depreciate over 8,000 years and no payment is booked in year 1. Each range is enforced
three times, from the same constants:

- the serializer or form refuses it with a 400 naming the field (DRF reads the model field's
  validators: ``validators=bounds.dates()``);
- the service's ``full_clean`` refuses it when a value arrives another way (admin, commands);
- the database refuses it with a ``CheckConstraint`` (``bounds.check(...)``), so no code path can
  store a value that later breaks a read.

Query parameters use the same ranges through ``core.params``.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import migrations, models
from django.db.models import Q

EARLIEST_DATE = date(1990, 1, 1)  # business dates: purchases, leases, payments, statements
LATEST_DATE = date(2200, 12, 31)
EARLIEST_BIRTH_DATE = date(1900, 1, 1)  # people: investors, beneficial owners
EARLIEST_DATETIME = datetime(1990, 1, 1, tzinfo=UTC)
LATEST_DATETIME = datetime(2200, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)

USEFUL_LIFE_YEARS = (1, 50)  # straight-line depreciation of devices
RATE = (Decimal("0"), Decimal("1"))  # coupons, late fees, discount rates: a fraction, 0.08 is 8 %
PERCENT = (Decimal("0"), Decimal("100"))
PAYMENT_TERMS_DAYS = (0, 365)
MAX_DAYS = 36_500  # a day count in a query ("older than N days"): a hundred years
MAX_GPUS_PER_DEVICE = 256
MAX_GPUS_PER_LEASE = 1_000_000
MAX_TDP_WATTS = 10_000  # per GPU
MAX_TRANCHES = 100  # seniority ranks in one deal
MAX_TOKEN_DECIMALS = 18  # ERC-20 practice
MAX_INVESTORS_PER_DEAL = 100_000
MAX_LIST_ITEMS = 100  # a list in a request body (ids, yearly amounts, ...)


def between(low, high) -> list:
    """Validators keeping a value within ``[low, high]`` (numbers or dates)."""
    return [MinValueValidator(low), MaxValueValidator(high)]


def dates(earliest: date = EARLIEST_DATE, latest: date = LATEST_DATE) -> list:
    """Validators of a business date (1990-01-01 to 2200-12-31 unless told)."""
    return between(earliest, latest)


def check(prefix: str, field: str, low=None, high=None) -> models.CheckConstraint:
    """The database side of a range: ``{prefix}_{field}_range``; NULL passes (nullability is the
    column's business)."""
    condition = Q()
    if low is not None:
        condition &= Q(**{f"{field}__gte": low})
    if high is not None:
        condition &= Q(**{f"{field}__lte": high})
    return models.CheckConstraint(condition=condition | Q(**{f"{field}__isnull": True}),
                                  name=f"{prefix}_{field}_range")


def check_dates(prefix: str, *fields: str, earliest: date = EARLIEST_DATE,
                latest: date = LATEST_DATE) -> list[models.CheckConstraint]:
    return [check(prefix, name, earliest, latest) for name in fields]


def refuse_rows_breaking(app_label: str, operations: list) -> migrations.RunPython:
    """A first migration step that stops, naming up to 20 rows per constraint, when stored rows
    break a ``CheckConstraint`` that ``operations`` are about to add (a device saved with a useful
    life of 8,000 years before the bound existed). Correct those rows (the admin refuses only
    values outside the bounds) and migrate again; nothing is changed by the failed attempt."""
    checks = [(op.model_name, op.constraint) for op in operations
              if isinstance(op, migrations.AddConstraint)
              and isinstance(op.constraint, models.CheckConstraint)]

    def check(apps, schema_editor):
        problems = []
        for model_name, constraint in checks:
            model = apps.get_model(app_label, model_name)
            for row in model.objects.exclude(constraint.condition).values()[:20]:
                problems.append(f"{model.__name__} {row.get('id', row)} breaks {constraint.name}")
        if problems:
            raise ValueError("Stored rows lie outside the bounds this migration adds; correct them and "
                             "migrate again:\n  " + "\n  ".join(problems))

    return migrations.RunPython(check, migrations.RunPython.noop, elidable=True)
