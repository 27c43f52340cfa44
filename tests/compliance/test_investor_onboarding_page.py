"""The investor's own KYC page (/compliance/my-kyc/): sign in, start a case, upload documents and
submit, each step through the services and only for the signed-in investor's own profile."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from compliance.models import Document, KycCase
from core.models import AuditEvent
from tests.factories import pdf

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_an_investor_signs_in_starts_a_case_uploads_and_submits(person, investor_user):
    browser = Client()
    signed_in = browser.post(reverse("compliance:sign-in"),
                             {"username": "investor", "password": "pw-for-tests-only"}, follow=True)
    assert signed_in.redirect_chain[-1][0] == reverse("compliance:my-kyc")
    assert "No KYC case yet." in text(signed_in)

    opened = browser.post(reverse("compliance:my-kyc-open"), follow=True)
    case = KycCase.objects.get(investor=person)
    assert "Your KYC case is open: upload your documents, then submit it for review." in text(opened)
    assert f"Case #{case.pk} is draft." in text(opened)
    for kind, name in (("identity", "passport.pdf"), ("proof_of_address", "utility-bill.pdf")):
        uploaded = browser.post(reverse("compliance:my-kyc-upload"), {"kind": kind, "file": pdf(name)},
                                follow=True)
    assert "Proof of address 'utility-bill.pdf' received; a compliance officer will review it." in (
        text(uploaded))
    submitted = browser.post(reverse("compliance:my-kyc-submit"), follow=True)

    assert f"Case #{case.pk} submitted: a compliance officer reviews it next." in text(submitted)
    case.refresh_from_db()
    assert case.state == "submitted"
    docs = Document.objects.filter(investor=person).values_list("original_name", "uploaded_by__username")
    assert sorted(docs) == [("passport.pdf", "investor"), ("utility-bill.pdf", "investor")]
    assert list(AuditEvent.objects.filter(content_type__model="kyccase").order_by("id")
                .values_list("actor__username", "action", "name")) == [
        ("investor", "create", ""), ("investor", "transition", "submit")]


def test_refused_steps_change_nothing(client, person, investor_user, ops):
    client.force_login(investor_user)
    counts = (KycCase.objects.count(), Document.objects.count(), AuditEvent.objects.count())

    early = client.post(reverse("compliance:my-kyc-submit"), follow=True)
    bad = client.post(reverse("compliance:my-kyc-upload"), {"kind": "identity", "file": pdf("id.png")})

    assert "You have no KYC case to submit: start one first." in text(early)
    assert bad.status_code == 400
    assert ("'id.png' is named .png but its content is application/pdf; the name and the content must "
            "agree.") in text(bad)
    assert (KycCase.objects.count(), Document.objects.count(), AuditEvent.objects.count()) == counts

    client.force_login(ops)  # staff use the investor's admin page, not this one
    assert client.get(reverse("compliance:my-kyc")).status_code == 403
    assert client.post(reverse("compliance:my-kyc-open")).status_code == 403
    assert (KycCase.objects.count(), Document.objects.count(), AuditEvent.objects.count()) == counts


def test_the_page_shows_only_the_signed_in_investors_own_case(person, other_investor):
    other = Client()
    other.force_login(other_investor.user)

    page = text(other.get(reverse("compliance:my-kyc")))

    assert "Other Investor Ltd" in page and "Chan Tai Man" not in page
    assert "KYC approved until" in page


def test_signing_out_users_go_to_the_sign_in_page():
    response = Client().get(reverse("compliance:my-kyc"))

    assert (response.status_code, response.url) == (302, "/compliance/sign-in/?next=/compliance/my-kyc/")
