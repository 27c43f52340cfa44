"""Bad amounts, identifiers and currencies in a bank statement are a clear 400 naming the field
and the entry or line, never a 500 or a database error; nothing of the file is stored."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assets.models import BankEntry, BankEntryDetail, BankStatement
from assets.services.bank import bank_statement_import
from core.errors import InvalidInput
from tests.assets.camt import document, ntry, stmt, tx

pytestmark = pytest.mark.django_db

CSV_HEADER = (
    b"account,statement_id,bank_reference,booking_date,value_date,amount,currency,counterparty_name,"
    b"remittance_info\n"
)
NOT_AN_AMOUNT = "is not an amount (digits with an optional decimal point)"


def refusal(data: bytes, ops, filename: str = "s.xml") -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        bank_statement_import(data=data, actor=ops, filename=filename)
    assert (BankStatement.objects.count(), BankEntry.objects.count(), BankEntryDetail.objects.count()) == (
        0,
        0,
        0,
    )
    return caught.value


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        ("NaN", f"'NaN' {NOT_AN_AMOUNT}"),
        ("Infinity", f"'Infinity' {NOT_AN_AMOUNT}"),
        ("-Infinity", f"'-Infinity' {NOT_AN_AMOUNT}"),
        ("1E+30", f"'1E+30' {NOT_AN_AMOUNT}"),
        ("250,00", f"'250,00' {NOT_AN_AMOUNT}"),
        ("٢٥٠", f"'٢٥٠' {NOT_AN_AMOUNT}"),
        ("-250.00", "'-250.00' is negative; CdtDbtInd gives the direction"),
        ("0", "'0' is zero"),
        ("0.00", "'0.00' is zero"),
        ("1234567890123456789.00", "'1234567890123456789.00' has more than 18 digits"),
        ("10.001", "'10.001' has more decimals than USD allows (2)"),
        ("", "is missing"),
    ],
)
def test_a_bad_entry_amount_is_refused_naming_the_entry(ops, amount, problem):
    data = document(stmt([ntry("5.00", ref="BR-1"), ntry(amount, ref="BR-2")]))

    assert refusal(data, ops).message == f"Statement STMT-1 entry 2 amount {problem}."


def test_a_bad_balance_or_transaction_amount_is_refused_naming_it(ops):
    assert refusal(document(stmt([ntry("5.00")], opening="NaN", closing="5.00")), ops).message == (
        f"Statement STMT-1 OPBD balance 'NaN' {NOT_AN_AMOUNT}."
    )
    batch = ntry("5.00", ref="BR-1", txs=[tx("Infinity"), tx("5.00")])
    assert refusal(document(stmt([batch])), ops).message == (
        f"Statement STMT-1 entry 1 transaction 1 amount 'Infinity' {NOT_AN_AMOUNT}."
    )


def test_amounts_follow_the_currency_minor_unit(ops):
    yen = document(stmt([ntry("1000.5", ccy="JPY")], ccy="JPY", opening="0"))
    assert (
        refusal(yen, ops).message
        == "Statement STMT-1 entry 1 amount '1000.5' has more decimals than JPY allows (0)."
    )
    dinar = document(stmt([ntry("12.3456", ccy="KWD")], ccy="KWD"))
    assert refusal(dinar, ops).message == (
        "Statement STMT-1 entry 1 amount '12.3456' has more decimals than KWD allows (3)."
    )

    [statement] = bank_statement_import(
        data=document(stmt([ntry("1000", ccy="JPY", ref="Y-1")], ccy="JPY", opening="0")), actor=ops
    )
    assert (statement.currency, statement.entries.get().amount) == ("JPY", Decimal("1000"))


def test_a_three_decimal_amount_is_stored_only_when_the_column_holds_it(ops):
    """KWD has three decimals; while the amount columns keep fewer, the file is refused, not rounded."""
    places = BankEntry._meta.get_field("amount").decimal_places
    data = document(stmt([ntry("12.345", ccy="KWD", ref="K-1")], ccy="KWD", opening="1000"))
    if places >= 3:
        bank_statement_import(data=data, actor=ops)
        assert BankEntry.objects.values_list("amount", flat=True).get() == Decimal("12.345")
    else:
        caught = refusal(data, ops)
        assert caught.reasons == [
            f"Statement STMT-1 closing_balance '1012.345': Ensure that there are no more than {places} "
            "decimal places",
            f"Statement STMT-1 entry 1 amount '12.345': Ensure that there are no more than {places} "
            "decimal places",
        ]


def test_over_length_identifiers_are_refused_naming_each(ops):
    long_ref, long_e2e = "R" * 101, "E" * 101
    data = document(stmt([ntry("5.00", ref=long_ref, txs=[tx(e2e=long_e2e)])], id="S" * 101))

    caught = refusal(data, ops)

    assert caught.reasons == [
        f"Statement {'S' * 20}… statement_id '{'S' * 20}…': Ensure this value has at most 100 characters "
        "(it has 101)",
        f"Statement {'S' * 20}… entry 1 bank_reference '{'R' * 20}…': Ensure this value has at most 100 "
        "characters (it has 101)",
        f"Statement {'S' * 20}… entry 1 end_to_end_id '{'E' * 20}…': Ensure this value has at most 100 "
        "characters (it has 101)",
    ]
    assert caught.message == "Nothing imported: " + "; ".join(caught.reasons) + "."
    assert caught.field == "file"


def test_an_over_length_account_and_an_unknown_currency_are_refused(ops):
    other = f"<Id><Othr><Id>{'A' * 65}</Id></Othr></Id>"
    caught = refusal(document(stmt([ntry("5.00", ccy="XYZ")], ccy="XYZ", account_xml=other)), ops)

    assert caught.reasons == [
        f"Statement STMT-1 account '{'A' * 20}…': Ensure this value has at most 64 characters (it has 65)",
        "Statement STMT-1 currency 'XYZ': 'XYZ' is not an ISO 4217 currency code (e.g. USD, SGD, HKD)",
    ]


def test_an_entry_in_another_currency_than_the_account_is_refused(ops):
    assert refusal(document(stmt([ntry("5.00", ccy="EUR")])), ops).message == (
        "Statement STMT-1 entry 1 is in EUR, but the account is in USD."
    )


def test_a_statement_repeated_in_one_file_is_refused(ops):
    data = document(stmt([ntry("5.00", ref="BR-1")]), stmt([ntry("5.00", ref="BR-1")]))

    assert refusal(data, ops).message == (
        "Statement STMT-1 of account DE89370400440532013000 appears twice in this file (statements 1 and 2)."
    )


def test_an_unreadable_reversal_indicator_is_refused(ops):
    data = document(stmt([ntry("5.00")])).replace(b"<Sts>", b"<RvslInd>maybe</RvslInd><Sts>")

    assert refusal(data, ops).message == "Statement STMT-1 entry 1 RvslInd 'maybe' is not true or false."


def test_bad_csv_amounts_are_listed_by_line(ops):
    data = CSV_HEADER + (
        b"ACC-1,CSV-1,R1,2026-11-02,,NaN,USD,X,\n"
        b"ACC-1,CSV-1,R2,2026-11-02,,Infinity,USD,X,\n"
        b"ACC-1,CSV-1,R3,2026-11-02,,1E+30,USD,X,\n"
        b"ACC-1,CSV-1,R4,2026-11-02,,-0.00,USD,X,\n"
        b"ACC-1,CSV-1,R5,2026-11-02,,1234567890123456789.00,USD,X,\n"
        b"ACC-2,CSV-2,R6,2026-11-02,,10.5,JPY,X,\n"
        b"ACC-1,CSV-1,R7,2026-11-02,,10.00,EUR,X,\n"
    )

    assert refusal(data, ops, "bank.csv").message == (
        f"Nothing imported: line 2: amount 'NaN' {NOT_AN_AMOUNT}; line 3: amount 'Infinity' {NOT_AN_AMOUNT}; "
        f"line 4: amount '1E+30' {NOT_AN_AMOUNT}; line 5: amount '-0.00' is zero; "
        "line 6: amount '1234567890123456789.00' has more than 18 digits; "
        "line 7: amount '10.5' has more decimals than JPY allows (0); "
        "line 8: currency EUR, but statement CSV-1 of ACC-1 is in USD."
    )


def test_an_over_length_csv_reference_is_refused_naming_the_line(ops):
    data = CSV_HEADER + b"ACC-1,CSV-1," + b"R" * 101 + b",2026-11-02,,10.00,USD,X,\n"

    assert refusal(data, ops, "bank.csv").reasons == [
        f"Statement CSV-1 line 2 bank_reference '{'R' * 20}…': Ensure this value has at most 100 characters "
        "(it has 101)"
    ]


def test_the_api_answers_400_naming_the_entry(ops, api):
    upload = SimpleUploadedFile("s.xml", document(stmt([ntry("NaN")])))

    response = api(ops).post("/api/v1/bank-statements/upload/", {"file": upload}, format="multipart")

    message = f"Statement STMT-1 entry 1 amount 'NaN' {NOT_AN_AMOUNT}."
    assert (
        response.status_code,
        response.json()["error"]["code"],
        response.json()["error"]["message"],
        response.json()["error"]["fields"],
    ) == (400, "invalid", message, {"file": [message]})
    too_long = SimpleUploadedFile("s.xml", document(stmt([ntry("5.00")], id="S" * 101)))
    response = api(ops).post("/api/v1/bank-statements/upload/", {"file": too_long}, format="multipart")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid")
    assert BankStatement.objects.count() == 0


def test_the_admin_upload_shows_why_and_stores_nothing(ops, client):
    upload = SimpleUploadedFile("s.xml", document(stmt([ntry("250.00", ref="BR-1")], closing="1300.00")))
    client.force_login(ops)

    response = client.post("/admin/assets/bankstatement/upload/", {"file": upload})

    assert response.status_code == 200
    assert (
        "Statement STMT-1 does not add up: opening balance 1000.00 + booked entries +250.00 = 1250.00 USD, "
        "but the closing balance (CLBD) is 1300.00 USD."
    ) in response.content.decode()
    assert BankStatement.objects.count() == 0
