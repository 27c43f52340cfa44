"""Every paged list has an order, so a row is never repeated or skipped from one page to the next."""

import pytest
from django.core.paginator import Paginator, UnorderedObjectListWarning

from compliance.models import DealEligibility


def test_deal_eligibility_rows_are_in_deal_order():
    assert DealEligibility.objects.all().ordered
    assert DealEligibility._meta.ordering == ["deal_id"]
    assert "ORDER BY" in str(DealEligibility.objects.all().query)
    assert '"deal_id" ASC' in str(DealEligibility.objects.all().query).split("ORDER BY")[1]


def test_paging_an_unordered_list_fails_the_tests():
    with pytest.raises(UnorderedObjectListWarning):
        Paginator(DealEligibility.objects.order_by(), 10)
