"""Small camt.053 documents for the bank tests, written out element by element.

``document(stmt(entries=[ntry("250.00"), ntry("80.00", "DBIT")]))`` is a statement whose
closing balance is the opening balance plus its booked entries, unless ``closing`` says
otherwise. Amounts are the exact text put in the file, so a test can write ``"NaN"``.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

IBAN = "DE89370400440532013000"  # a valid German IBAN (the standard example)
OTHER_IBAN = "GB82WEST12345698765432"  # a valid UK IBAN


@dataclass
class Ntry:
    xml: str
    signed: Decimal | None  # None when the amount text is not a number, or the entry is not booked


def tx(
    amount: str | None = None,
    *,
    ccy: str = "USD",
    cd: str | None = None,
    ref: str | None = None,
    e2e: str | None = None,
    debtor: str = "",
    creditor: str = "",
    debtor_iban: str = "",
    creditor_iban: str = "",
    remittance: str = "",
) -> str:
    """One TxDtls."""
    refs = "".join(
        f"<{tag}>{value}</{tag}>"
        for tag, value in (("AcctSvcrRef", ref), ("EndToEndId", e2e))
        if value is not None
    )
    parties = ""
    if debtor or debtor_iban:
        parties += f"<Dbtr><Pty><Nm>{debtor}</Nm></Pty></Dbtr>" if debtor else ""
        parties += f"<DbtrAcct><Id><IBAN>{debtor_iban}</IBAN></Id></DbtrAcct>" if debtor_iban else ""
    if creditor or creditor_iban:
        parties += f"<Cdtr><Pty><Nm>{creditor}</Nm></Pty></Cdtr>" if creditor else ""
        parties += f"<CdtrAcct><Id><IBAN>{creditor_iban}</IBAN></Id></CdtrAcct>" if creditor_iban else ""
    return (
        "<TxDtls>"
        + (f"<Refs>{refs}</Refs>" if refs else "")
        + (f'<Amt Ccy="{ccy}">{amount}</Amt>' if amount is not None else "")
        + (f"<CdtDbtInd>{cd}</CdtDbtInd>" if cd else "")
        + (f"<RltdPties>{parties}</RltdPties>" if parties else "")
        + (f"<RmtInf><Ustrd>{remittance}</Ustrd></RmtInf>" if remittance else "")
        + "</TxDtls>"
    )


def ntry(
    amount: str,
    cd: str = "CRDT",
    *,
    ccy: str = "USD",
    ref: str | None = None,
    booked: str = "2026-11-03",
    value: str | None = None,
    reversal: bool = False,
    status: str = "BOOK",
    txs: list[str] | None = None,
) -> Ntry:
    """One Ntry; ``txs`` are its TxDtls (none by default)."""
    details = f"<NtryDtls>{''.join(txs)}</NtryDtls>" if txs else ""
    xml = (
        f'<Ntry><Amt Ccy="{ccy}">{amount}</Amt><CdtDbtInd>{cd}</CdtDbtInd>'
        + ("<RvslInd>true</RvslInd>" if reversal else "")
        + f"<Sts><Cd>{status}</Cd></Sts><BookgDt><Dt>{booked}</Dt></BookgDt>"
        + f"<ValDt><Dt>{value or booked}</Dt></ValDt>"
        + (f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref is not None else "")
        + details
        + "</Ntry>"
    )
    try:
        signed = Decimal(amount) if cd == "CRDT" else -Decimal(amount)
        signed = signed if signed.is_finite() and status == "BOOK" else None
    except InvalidOperation:
        signed = None
    return Ntry(xml, signed)


def stmt(
    entries: list[Ntry] = (),
    *,
    id: str = "STMT-1",
    iban: str = IBAN,
    ccy: str = "USD",  # noqa: A002
    opening: str = "1000.00",
    opening_code: str = "OPBD",
    closing: str | None = None,
    account_xml: str | None = None,
) -> str:
    """One Stmt; the closing balance is opening + booked entries unless given."""
    if closing is None:
        total = Decimal(opening) + sum((e.signed for e in entries if e.signed is not None), Decimal(0))
        closing = f"{abs(total)}"
        closing_cd = "CRDT" if total >= 0 else "DBIT"
    else:
        closing_cd = "CRDT"
    account = account_xml or f"<Id><IBAN>{iban}</IBAN></Id>"
    balances = ""
    if opening_code:
        balances += (
            f'<Bal><Tp><CdOrPrtry><Cd>{opening_code}</Cd></CdOrPrtry></Tp><Amt Ccy="{ccy}">{opening}'
            "</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-01</Dt></Dt></Bal>"
        )
    if closing != "":
        balances += (
            f'<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="{ccy}">{closing}</Amt>'
            f"<CdtDbtInd>{closing_cd}</CdtDbtInd><Dt><Dt>2026-11-30</Dt></Dt></Bal>"
        )
    return (
        f"<Stmt><Id>{id}</Id>"
        "<FrToDt><FrDtTm>2026-11-01T00:00:00Z</FrDtTm><ToDtTm>2026-11-30T23:59:59Z</ToDtTm></FrToDt>"
        f"<Acct>{account}<Ccy>{ccy}</Ccy></Acct>{balances}{''.join(e.xml for e in entries)}</Stmt>"
    )


def document(*statements: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-11-30T23:00:00Z</CreDtTm></GrpHdr>"
        + "".join(statements)
        + "</BkToCstmrStmt></Document>"
    ).encode()
