from datetime import date
from pathlib import Path

import pytest

from compliance.models import BeneficialOwner, Investor
from screening.services import list_import

SAMPLE = Path(__file__).resolve().parents[2] / "screening" / "fixtures" / "sample_targets.simple.csv"
HEADER = ("id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,"
          "dataset,first_seen,last_seen,last_change")


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def person(name: str, *, born: date | None = None, country: str = "SG", nationality: str = "") -> Investor:
    """An investor row written directly, so these tests do not depend on whatever the compliance
    services do on create (they may screen too)."""
    return Investor.objects.create(
        kind="individual" if born else "entity", legal_name=name, email="x@example.test",
        country_of_residence=country, nationality=nationality, date_of_birth=born,
    )


def owner(investor: Investor, name: str, *, born: date, nationality: str) -> BeneficialOwner:
    return BeneficialOwner.objects.create(investor=investor, full_name=name, date_of_birth=born,
                                          nationality=nationality, ownership_percent=50)


@pytest.fixture
def sample_bytes() -> bytes:
    return SAMPLE.read_bytes()


@pytest.fixture
def sample_list(officer, sample_bytes):
    return list_import(name="demo", version_label="2026-11-01", data=sample_bytes, actor=officer)
