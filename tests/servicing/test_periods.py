"""Collection periods from the deal's payment frequency, with dates on a business-day calendar kept
as data (docs/servicing.md, "Collection periods")."""

from datetime import date

import pytest

from core.errors import InvalidInput, NotPermitted, Refused
from core.models import AuditEvent
from servicing.models import CollectionPeriod, ServicingTerms
from servicing.services.periods import periods_generate, periods_start_collecting, servicing_terms_set
from tests.servicing.builders import COLLECTION_ACCOUNT, with_periods, with_terms

pytestmark = pytest.mark.django_db


def dates(period):
    return (
        period.number,
        period.start,
        period.end,
        period.determination_date,
        period.record_date,
        period.payment_date,
    )


def test_quarterly_periods_from_closing_to_legal_final_maturity(ops, draft_deal):
    created = with_periods(draft_deal, actor=ops)

    assert len(created) == 20  # 31 Dec 2026 to 31 Dec 2031, quarterly
    periods = list(CollectionPeriod.objects.filter(deal=draft_deal).order_by("number"))
    assert [dates(p) for p in periods[:5]] == [
        # 31 Mar + 15 days = Thu 15 Apr; 5 business days before: Thu 8 Apr; 2 before: Tue 13 Apr
        (1, date(2026, 12, 31), date(2027, 3, 31), date(2027, 4, 8), date(2027, 4, 13), date(2027, 4, 15)),
        (2, date(2027, 4, 1), date(2027, 6, 30), date(2027, 7, 8), date(2027, 7, 13), date(2027, 7, 15)),
        (3, date(2027, 7, 1), date(2027, 9, 30), date(2027, 10, 8), date(2027, 10, 13), date(2027, 10, 15)),
        # Sat 15 Jan 2028 moves to Mon 17 Jan
        (4, date(2027, 10, 1), date(2027, 12, 31), date(2028, 1, 10), date(2028, 1, 13), date(2028, 1, 17)),
        # Sat 15 Apr 2028 moves to Mon 17 Apr; Good Friday 14 Apr (SG) is skipped counting back
        (5, date(2028, 1, 1), date(2028, 3, 31), date(2028, 4, 7), date(2028, 4, 12), date(2028, 4, 17)),
    ]
    assert dates(periods[-1])[:3] == (20, date(2031, 10, 1), date(2031, 12, 31))
    assert {p.state for p in periods} == {"open"}
    assert AuditEvent.objects.filter(action="create", content_type__model="collectionperiod").count() == 20


def test_modified_following_stays_in_the_month(ops, draft_deal):
    with_periods(draft_deal, actor=ops, payment_lag_days=30)

    third = CollectionPeriod.objects.get(deal=draft_deal, number=3)
    # 30 Sep + 30 days = Sat 30 Oct 2027; the next business day is in November, so Fri 29 Oct.
    # Counting back, Thu 28 Oct (Diwali, SG) is skipped: record Tue 26 Oct, determination Thu 21 Oct.
    assert (third.payment_date, third.record_date, third.determination_date) == (
        date(2027, 10, 29),
        date(2027, 10, 26),
        date(2027, 10, 21),
    )


def test_extra_holidays_kept_as_data_move_the_dates(ops, draft_deal):
    with_periods(draft_deal, actor=ops, extra_holidays=[date(2027, 4, 15)])

    first = CollectionPeriod.objects.get(deal=draft_deal, number=1)
    # Thu 15 Apr is closed: payment Fri 16 Apr; counting back skips it too
    # (record Tue 13 Apr, determination Thu 8 Apr)
    assert (first.payment_date, first.record_date, first.determination_date) == (
        date(2027, 4, 16),
        date(2027, 4, 13),
        date(2027, 4, 8),
    )


def test_generating_again_creates_only_the_missing_periods(ops, draft_deal):
    with_periods(draft_deal, actor=ops)

    assert periods_generate(deal=draft_deal, actor=ops) == []
    assert CollectionPeriod.objects.filter(deal=draft_deal).count() == 20


def test_dates_out_of_order_are_refused_naming_the_period(ops, draft_deal):
    with_terms(draft_deal, actor=ops, payment_lag_days=1)  # Thu 1 Apr 2027, 5 days back over Good Friday

    with pytest.raises(InvalidInput) as caught:
        periods_generate(deal=draft_deal, actor=ops)

    assert caught.value.message == (
        f"Deal '{draft_deal}': period 1 (2026-12-31 to 2027-03-31): the determination date 2027-03-24 is not "
        "after the period end; lengthen the payment lag or shorten the determination lead."
    )
    assert caught.value.field == "determination_lead_business_days"
    assert CollectionPeriod.objects.count() == 0


def test_no_terms_no_periods(ops, draft_deal):
    with pytest.raises(Refused, match="has no servicing terms yet"):
        periods_generate(deal=draft_deal, actor=ops)
    assert CollectionPeriod.objects.count() == 0


@pytest.mark.parametrize("role_user", ["trustee", "officer", "investor_user"])
def test_only_operations_sets_terms_and_generates(request, ops, draft_deal, role_user):
    user = request.getfixturevalue(role_user)
    with pytest.raises(NotPermitted):
        with_terms(draft_deal, actor=user)
    with_terms(draft_deal, actor=ops)
    with pytest.raises(NotPermitted):
        periods_generate(deal=draft_deal, actor=user)
    assert CollectionPeriod.objects.count() == 0


def test_an_unknown_calendar_is_refused_naming_the_field(ops, draft_deal):
    with pytest.raises(InvalidInput) as caught:
        with_terms(draft_deal, actor=ops, calendar_codes=["XX-NOWHERE"])
    assert caught.value.field == "calendar_codes"
    assert caught.value.message == (
        "calendar_codes: 'XX-NOWHERE' is neither a country (ISO 3166, e.g. SG, US-NY) "
        "nor a market (e.g. ECB, NYSE, XHKG) known to the holidays package"
    )
    assert ServicingTerms.objects.count() == 0


def test_record_lead_longer_than_determination_lead_is_refused(ops, draft_deal):
    with pytest.raises(InvalidInput) as caught:
        with_terms(draft_deal, actor=ops, determination_lead_business_days=2, record_lead_business_days=3)
    assert ServicingTerms.objects.count() == 0
    assert "record" in caught.value.message


def test_changing_terms_is_audited(ops, draft_deal):
    terms = with_terms(draft_deal, actor=ops)
    servicing_terms_set(deal=draft_deal, actor=ops, trustee_may_approve=True)

    terms.refresh_from_db()
    assert (terms.trustee_may_approve, terms.collection_account) == (True, COLLECTION_ACCOUNT)
    update = AuditEvent.objects.get(action="update", content_type__model="servicingterms")
    assert update.changes == {"trustee_may_approve": [False, True]}


def test_periods_start_collecting_on_their_first_day(ops, draft_deal):
    with_periods(draft_deal, actor=ops)

    assert periods_start_collecting(today=date(2027, 4, 1)) == 2
    assert list(
        CollectionPeriod.objects.filter(deal=draft_deal, state="collecting").values_list("number", flat=True)
    ) == [1, 2]


def test_the_hourly_task_starts_collecting_once(ops, draft_deal, business_day):
    from servicing.tasks import start_collecting_periods

    with_periods(draft_deal, actor=ops)
    business_day(date(2027, 1, 5))

    assert (start_collecting_periods(), start_collecting_periods()) == (1, 0)
    transitions = AuditEvent.objects.filter(name="start_collecting")
    assert [(e.actor, e.from_state, e.to_state) for e in transitions] == [(None, "open", "collecting")]
