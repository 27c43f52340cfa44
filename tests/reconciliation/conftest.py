import pytest

from tests.reconciliation.planted import plant


@pytest.fixture
def planted(ops, business_day):
    return plant(ops, business_day)
