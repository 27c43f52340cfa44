"""camt.053 input through the API (issue 9, finding 3): amounts NaN, Infinity, 1E+30 and 0, a
statement repeated in one file and over-length identifiers were fixed in the bank work; these
tests check they answer 400 naming the entry and store nothing. Booking and value dates outside
1990-2200 are refused the same way (the bounds of core/bounds.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assets.models import BankEntry, BankStatement
from tests.assets.camt import document, ntry, stmt

pytestmark = pytest.mark.django_db
NOT_AN_AMOUNT = "is not an amount (digits with an optional decimal point)"


def upload(client, data: bytes):
    return client.post("/api/v1/bank-statements/upload/", {"file": SimpleUploadedFile("s.xml", data)},
                       format="multipart")


def assert_refused(response, reasons: list[str]) -> None:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["fields"], error["reasons"]) == ({"file": [error["message"]]}, reasons)
    assert (BankStatement.objects.count(), BankEntry.objects.count()) == (0, 0)


@pytest.mark.parametrize(("amount", "problem"), [
    ("NaN", f"'NaN' {NOT_AN_AMOUNT}"),
    ("Infinity", f"'Infinity' {NOT_AN_AMOUNT}"),
    ("1E+30", f"'1E+30' {NOT_AN_AMOUNT}"),
    ("0", "'0' is zero"),
])
def test_an_amount_that_is_no_amount_is_a_400_naming_the_entry(amount, problem, ops, api):
    response = upload(api(ops), document(stmt([ntry("5.00", ref="BR-1"), ntry(amount, ref="BR-2")])))

    assert response.status_code == 400
    assert response.json()["error"]["message"] == f"Statement STMT-1 entry 2 amount {problem}."
    assert (BankStatement.objects.count(), BankEntry.objects.count()) == (0, 0)


def test_a_statement_repeated_in_one_file_is_a_400(ops, api):
    once = stmt([ntry("5.00", ref="BR-1")])

    response = upload(api(ops), document(once, once))

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Statement STMT-1 of account DE89370400440532013000 appears twice in this file "
        "(statements 1 and 2).")
    assert BankStatement.objects.count() == 0


def test_an_over_length_iban_and_reference_are_400s_naming_each(ops, api):
    account = f"<Id><Othr><Id>{'A' * 65}</Id></Othr></Id>"
    data = document(stmt([ntry("5.00", ref="R" * 101)], account_xml=account))

    response = upload(api(ops), data)

    assert_refused(response, [
        f"Statement STMT-1 account '{'A' * 20}…': Ensure this value has at most 64 characters (it has 65)",
        f"Statement STMT-1 entry 1 bank_reference '{'R' * 20}…': Ensure this value has at most 100 "
        "characters (it has 101)",
    ])


@pytest.mark.parametrize(("booked", "limit"), [("1989-12-31", "greater than or equal to 1990-01-01"),
                                               ("9999-12-31", "less than or equal to 2200-12-31")])
def test_a_booking_date_outside_the_business_range_is_a_400_naming_the_entry(booked, limit, ops, api):
    response = upload(api(ops), document(stmt([ntry("5.00", ref="BR-1", booked=booked)])))

    assert_refused(response, [
        f"Statement STMT-1 entry 1 booking_date '{booked}': Ensure this value is {limit}",
        f"Statement STMT-1 entry 1 value_date '{booked}': Ensure this value is {limit}",
    ])
