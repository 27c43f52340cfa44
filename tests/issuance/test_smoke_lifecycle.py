from decimal import Decimal

from issuance import services
from issuance.models import Deal, Subscription


def test_deal_goes_from_draft_to_issued_through_services(ops, officer, closed_deal):
    for sub in Subscription.objects.filter(tranche__deal=closed_deal):
        services.subscription_record_funding(subscription=sub, actor=ops,
                                             amount=sub.allocated_amount, reference=f"W{sub.pk}")
    deal = services.deal_transition(deal=closed_deal, name="issue", actor=ops)

    assert deal.state == Deal.State.ISSUED
    assert sorted(Subscription.objects.filter(tranche__deal=deal).values_list(
        "state", "funded_amount")) == [("settled", Decimal("3000000.00")),
                                       ("settled", Decimal("7000000.00"))]
