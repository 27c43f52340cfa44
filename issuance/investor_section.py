"""The investor's admin page, issuance's part: may the investor invest in each open deal (with every
reason why not), and its subscriptions. Registered with compliance in IssuanceConfig.ready();
five queries whatever the number of deals and subscriptions."""

from django.template.loader import render_to_string
from django.urls import reverse

from compliance.eligibility import eligibility_by_deal
from issuance.models import Deal, Subscription


def render_investor_deals(request, investor) -> str:
    deals = list(Deal.objects.filter(state=Deal.State.OPEN).select_related("eligibility").order_by("name"))
    investors_in: dict[int, set[int]] = {}
    for deal_id, investor_id in (Subscription.objects.filter(tranche__deal__in=deals,
                                                             state__in=Subscription.LIVE_STATES)
                                 .values_list("tranche__deal_id", "investor_id")):
        investors_in.setdefault(deal_id, set()).add(investor_id)
    verdicts = eligibility_by_deal(investor, deals, investors_in=investors_in) if deals else {}
    subscriptions = (Subscription.objects.filter(investor=investor).select_related("tranche__deal")
                     .order_by("-created_at", "-id"))
    return render_to_string("admin/issuance/investor_deals.html", {
        "eligibility": [(deal, verdicts[deal.pk].ok, verdicts[deal.pk].reasons_for(request.user),
                         reverse("admin:issuance_deal_change", args=[deal.pk])) for deal in deals],
        "subscriptions": [{
            "sub": sub, "url": reverse("admin:issuance_subscription_change", args=[sub.pk]),
            "requested": sub.tranche.deal.money(sub.requested_amount),
            "allocated": sub.tranche.deal.money(sub.allocated_amount),
            "funded": sub.tranche.deal.money(sub.funded_amount),
        } for sub in subscriptions],
    }, request=request)
