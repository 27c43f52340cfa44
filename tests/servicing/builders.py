"""Builders for servicing tests, through the services like the product."""

from assets.services.bank import bank_statement_import
from servicing.services.periods import periods_generate, servicing_terms_set

COLLECTION_ACCOUNT = "SPV-COLL-1"
CSV_HEADER = (
    "account,statement_id,bank_reference,booking_date,value_date,amount,currency,counterparty_name,"
    "remittance_info\n"
)


def with_terms(deal, *, actor, **values):
    values = {"calendar_codes": ["SG"], "collection_account": COLLECTION_ACCOUNT, **values}
    return servicing_terms_set(deal=deal, actor=actor, **values)


def with_periods(deal, *, actor, **terms):
    with_terms(deal, actor=actor, **terms)
    return periods_generate(deal=deal, actor=actor)


def import_csv(rows: list[str], *, actor, filename: str = "bank.csv"):
    """``rows``: CSV lines after the header (account,statement_id,ref,booking,value,amount,ccy,name,info)."""
    return bank_statement_import(
        data=(CSV_HEADER + "\n".join(rows) + "\n").encode(), actor=actor, filename=filename
    )


def make_abs_deal(*, actor, currency: str = "USD"):
    """A draft quarterly deal closing 31 December 2026 with tranches A (7,000,000 at 5 %),
    B (2,500,000 at 8 %), both 30/360, and the equity R (500,000), described by ``description``."""
    from datetime import date
    from decimal import Decimal

    from issuance import services
    from issuance.models import Deal
    from tests.factories import _next, make_spv

    n = _next()
    deal = services.deal_create(
        actor=actor,
        spv=make_spv(actor=actor),
        name=f"ABS Deal {n}",
        asset_class=Deal.AssetClass.GREEN_COMPUTE_ABS,
        currency=currency,
        target_size=Decimal("10000000"),
        closing_date=date(2026, 12, 31),
        payment_frequency="quarterly",
        legal_final_maturity=date(2031, 12, 31),
    )
    for rank, (name, principal, rate) in enumerate(
        (("A", "7000000", "0.05"), ("B", "2500000", "0.08"), ("R", "500000", "0")), start=1
    ):
        services.tranche_create(
            actor=actor,
            deal=deal,
            class_name=name,
            seniority=rank,
            original_principal=Decimal(principal),
            coupon_rate=Decimal(rate),
            day_count="30/360",
            minimum_denomination=Decimal("100000"),
            token_symbol=f"S{n}{name}",
            token_decimals=6,
        )
    return deal


def description(**changes) -> dict:
    """The waterfall of ``make_abs_deal``: a 2,500 trustee fee, interest A then B, a 100,000 reserve,
    at most 50,000 principal (A then B), the rest to R."""
    return {
        "format": 1,
        "name": "ABS deal waterfall",
        "currency": "USD",
        "closing_date": "2026-12-31",
        "original_pool_balance": "10000000.00",
        "tranches": [
            {"name": "A", "kind": "debt", "balance": "7000000.00", "rate": "0.05", "day_count": "30/360"},
            {"name": "B", "kind": "debt", "balance": "2500000.00", "rate": "0.08", "day_count": "30/360"},
            {"name": "R", "kind": "equity", "balance": "500000.00"},
        ],
        "fees": [{"name": "trustee", "amount": "2500.00"}],
        "accounts": [{"name": "reserve", "kind": "reserve", "target": {"amount": "100000.00"}}],
        "steps": [
            {"kind": "pay_fee", "fees": ["trustee"], "label": "Trustee fee"},
            {"kind": "pay_interest", "tranches": ["A"], "label": "Class A interest"},
            {"kind": "pay_interest", "tranches": ["B"], "label": "Class B interest"},
            {"kind": "fund_reserve", "account": "reserve", "label": "Reserve top-up"},
            {
                "kind": "pay_principal",
                "tranches": ["A", "B"],
                "limit": {"amount": "50000.00"},
                "label": "Scheduled principal",
            },
            {"kind": "pay_residual", "tranche": "R", "label": "Residual"},
        ],
        **changes,
    }


def issue(deal, *, ops, officer, investor, other_investor):
    """Walk a draft deal of ``make_abs_deal`` to issued: A and B to ``investor``, R to the other."""
    from issuance import services
    from issuance.models import Subscription
    from tests.factories import pledge_collateral, subscribe, to_state

    deal = to_state(deal, "open", maker=ops, checker=officer)
    for tranche in deal.tranches.order_by("seniority"):
        holder = other_investor if tranche.class_name == "R" else investor
        subscribe(actor=ops, investor=holder, tranche=tranche, amount=str(tranche.original_principal))
    services.deal_transition(deal=deal, name="close_book", actor=ops)
    for sub in Subscription.objects.filter(tranche__deal=deal):
        services.subscription_record_funding(subscription=sub, actor=ops, amount=sub.allocated_amount,
                                                  reference=f"TEST-{sub.pk}")
    pledge_collateral(actor=ops, deal=deal)
    return services.deal_transition(deal=deal, name="issue", actor=ops)
