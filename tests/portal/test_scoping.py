"""Every portal route: signed out it sends to the sign-in page; an investor sees only their own
(another investor's payment, proof or report is a 404 that reveals nothing); a page for investors is a
404 for a staff login; a trustee reads the deal reports."""

import hashlib
from datetime import date

import pytest
from django.urls import reverse

from core.models import AuditEvent
from reporting.models import Kind
from tests.portal.conftest import WALLET_OTHER, WALLET_OWN, publish
from tests.reporting.conftest import make_period

pytestmark = pytest.mark.django_db


def routes(book):
    return {
        "home": reverse("portal:home"),
        "payments": reverse("portal:payments"),
        "proof": reverse("portal:payment-proof", args=[book.own.pk]),
        "reports": reverse("portal:reports"),
        "download": reverse("portal:report-download", args=[book.own_statement.pk]),
        "kyc": reverse("portal:kyc"),
        "wallets": reverse("portal:wallets"),
    }


def test_signed_out_every_private_route_sends_to_the_sign_in_page(client, book):
    for name, url in routes(book).items():
        response = client.get(url)
        assert (name, response.status_code, response["Location"]) == (
            name, 302, f"/portal/login/?next={url}")
    assert client.get(reverse("portal:verify")).status_code == 200
    assert client.get(reverse("portal:login")).status_code == 200


def test_the_investor_reads_every_own_page(client, book, investor_user):
    client.force_login(investor_user)
    for name in ("home", "payments", "reports", "kyc", "wallets"):
        response = client.get(routes(book)[name])
        assert (name, response.status_code) == (name, 200)
        assert "Own Investor Ltd" in response.content.decode()
        assert "Other Investor Ltd" not in response.content.decode()
    payments = client.get(reverse("portal:payments")).content.decode()
    assert WALLET_OWN in payments and WALLET_OTHER not in payments
    assert "61,250.007000 USD" in payments


def test_the_investor_downloads_an_own_statement_with_its_hash(client, book, investor_user):
    client.force_login(investor_user)
    response = client.get(reverse("portal:report-download", args=[book.own_statement.pk]))
    assert response.status_code == 200
    assert response.content == b"%PDF own statement"
    assert response["ETag"] == f'"{hashlib.sha256(b"%PDF own statement").hexdigest()}"'
    assert response["Content-Disposition"] == f'attachment; filename="{book.own_statement.filename}"'
    listing = client.get(reverse("portal:reports")).content.decode()
    assert book.own_statement.file_sha256 in listing and book.servicer.file_sha256 in listing
    assert book.other_statement.file_sha256 not in listing


def test_another_investors_rows_are_404_on_every_route_that_takes_an_id(client, book, investor_user, ops):
    other_deal = _other_deal(ops)
    other_deal_report = publish(actor=ops, data=b"%PDF not held", kind=Kind.SERVICER_REPORT,
                                deal=other_deal, period=make_period(other_deal), format="pdf")
    draft = publish(actor=ops, data=b"%PDF draft", kind=Kind.SERVICER_REPORT, deal=book.deal,
                    period=make_period(book.deal, number=2, state="open", start=date(2027, 4, 1),
                                       end=date(2027, 6, 30)), format="pdf")
    assert draft.draft is True
    audit = AuditEvent.objects.count()
    client.force_login(investor_user)
    for url in (
        reverse("portal:payment-proof", args=[book.other.pk]),
        reverse("portal:payment-proof", args=[10**9]),
        reverse("portal:report-download", args=[book.other_statement.pk]),
        reverse("portal:report-download", args=[other_deal_report.pk]),
        reverse("portal:report-download", args=[draft.pk]),
        reverse("portal:report-download", args=[10**9]),
    ):
        response = client.get(url)
        assert (url, response.status_code) == (url, 404)
        assert b"%PDF" not in response.content
    assert AuditEvent.objects.count() == audit


def _other_deal(ops):
    from tests.factories import make_deal

    return make_deal(actor=ops)


def test_a_proof_before_the_root_is_anchored_is_not_there_yet(client, book, investor_user):
    client.force_login(investor_user)
    response = client.get(reverse("portal:payment-proof", args=[book.own.pk]))
    assert response.status_code == 409
    assert "not anchored on chain yet" in response.content.decode()


def test_investor_pages_are_404_for_a_staff_login(client, book, trustee):
    client.force_login(trustee)
    for name in ("payments", "proof", "kyc", "wallets"):
        response = client.get(routes(book)[name])
        assert (name, response.status_code) == (name, 404)


def test_a_trustee_reads_and_downloads_the_deal_reports(client, book, trustee):
    client.force_login(trustee)
    home = client.get(reverse("portal:home")).content.decode()
    assert "Servicer / trustee report" in home
    listing = client.get(reverse("portal:reports")).content.decode()
    assert book.servicer.file_sha256 in listing
    response = client.get(reverse("portal:report-download", args=[book.servicer.pk]))
    assert (response.status_code, response.content) == (200, b"%PDF servicer report")


def test_a_tampered_report_is_refused_on_download(client, book, investor_user):
    with book.own_statement.file.storage.open(book.own_statement.file.name, "wb") as handle:
        handle.write(b"%PDF changed")
    client.force_login(investor_user)
    response = client.get(reverse("portal:report-download", args=[book.own_statement.pk]))
    assert response.status_code == 409
    assert "does not match the SHA-256" in response.content.decode()
    assert b"%PDF changed" not in response.content


def test_a_staff_session_without_its_second_factor_is_sent_to_it(book, trustee):
    from django.test import Client

    plain = Client()
    plain.force_login(trustee)
    response = plain.get(reverse("portal:reports"))
    assert (response.status_code, response["Location"]) == (
        302, "/account/two-factor/?next=%2Fportal%2Freports%2F")


def test_the_next_payment_is_the_next_period_not_yet_distributed(client, book, investor_user):
    client.force_login(investor_user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "No payment date is scheduled for the deals you hold." in page  # period 1 is paid and closed
    make_period(book.deal, number=2, state="collecting", start=date(2027, 4, 1), end=date(2027, 6, 30))
    page = client.get(reverse("portal:home")).content.decode()
    assert f"<strong>15 July 2027</strong>: {book.deal.name}, period 2 (record date 10 July 2027)." in page


def test_the_kyc_page_leads_to_the_investors_own_kyc_case_and_documents(client, book, investor_user):
    client.force_login(investor_user)

    page = client.get(reverse("portal:kyc")).content.decode()

    assert '<a href="/compliance/my-kyc/">Open your KYC page</a>' in page
    assert client.get("/compliance/my-kyc/").status_code == 200
