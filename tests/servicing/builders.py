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
