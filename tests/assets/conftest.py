import pytest

from core import clock


@pytest.fixture
def business_day(monkeypatch):
    """Pin the business date (``core.clock.today``): ``business_day(date(2027, 1, 5))``."""

    def pin(day):
        monkeypatch.setattr(clock, "today", lambda: day)
        return day

    return pin
