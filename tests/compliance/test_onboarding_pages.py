"""Onboarding without the API: the case page explains hits in sentences, a hit decision has no
default, the officer who recommended is told why they cannot approve, decided cases offer no
action; operations start a KYC case and upload documents from the investor's admin page, which
shows KYC, documents, classification, wallets, eligibility per open deal and subscriptions."""

import re
from datetime import date
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compliance import services
from compliance.models import Document, KycCase
from core.models import AuditEvent
from screening.models import ScreeningHit, WhitelistEntry
from tests.compliance.conftest import accept_required_documents, walk
from tests.compliance.test_browser_queue import HEADER, ROW
from tests.factories import make_deal, make_investor, pdf, subscribe, to_state

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def case_url(case) -> str:
    return reverse("compliance:case", args=[case.pk])


@pytest.fixture
def boris(ops, officer, investor_user):
    """A submitted case whose screening raised one hit (a listed name, same birth date)."""
    from screening.services import list_import

    list_import(name="test", version_label="v1", data=f"{HEADER}\n{ROW}\n".encode(), actor=officer)
    person = make_investor(actor=ops, user=investor_user, name="Boris Zanzibarov", eligible=False,
                           kind="individual", country_of_residence="CY", nationality="CY",
                           date_of_birth=date(1961, 7, 4), registration_number="")
    accept_required_documents(person, officer)
    case = services.kyc_case_open(actor=investor_user, investor=person)
    return services.kyc_case_transition(case=case, name="submit", actor=investor_user)


def test_a_hit_is_explained_in_sentences(client, officer, boris):
    client.force_login(officer)

    page = text(client.get(case_url(boris)))

    assert ("'Boris Zanzibarov' matches the primary name 'Boris Zanzibarov' of list entry gcx-9001 with "
            "name score 1.0000. Words: 'boris' = 'boris', 'zanzibarov' = 'zanzibarov'. Birth date: the same "
            "as the list's 1961-07-04 (+0.1000). Country: none of the list's countries RU (-0.0500). "
            "Score 1.0000 against the threshold 0.8500.") in page
    assert "{'algorithm'" not in page


def test_near_words_missing_evidence_and_wallets_read_as_sentences():
    from types import SimpleNamespace

    from screening.explain import hit_explanation

    entry = SimpleNamespace(entity_id="gcx-1", name="Alexander Ivanov", birth_dates=["1970"], countries=[])
    near = SimpleNamespace(subject="Aleksandr Petrovich Ivanov", entry=entry, score="0.8800", features={
        "method": "token_subset", "name_score": "0.8300", "threshold": "0.8500", "matched_as": "alias",
        "matched_name": "Alexander Ivanov", "subject_tokens": ["aleksandr", "petrovich", "ivanov"],
        "matched_tokens": ["aleksander", "ivanov"], "birth_date": "year_match",
        "birth_date_adjustment": "0.0500", "country": "unknown", "country_adjustment": "0"})
    wallet = SimpleNamespace(subject="0xAbC", entry=entry, score="1.0000",
                             features={"method": "wallet_exact", "matched_identifier": "0xabc"})

    assert hit_explanation(near) == (
        "'Aleksandr Petrovich Ivanov' matches the alias 'Alexander Ivanov' of list entry gcx-1 with name "
        "score 0.8300 (every word of the shorter name is in the longer one). Words: 'aleksandr' ~ "
        "'aleksander' (95%), 'petrovich' (no counterpart), 'ivanov' = 'ivanov'. Birth date: in the list's "
        "birth year 1970 (+0.0500). Country: not compared, one side has none (no change). Score 0.8800 "
        "against the threshold 0.8500.")
    assert hit_explanation(wallet) == ("Wallet 0xAbC is listed as an identifier of list entry gcx-1 "
                                       "'Alexander Ivanov' (exact match, score 1.0000).")


def test_a_hit_decision_without_a_choice_is_refused_with_a_field_error(client, officer, boris):
    client.force_login(officer)
    hit = ScreeningHit.objects.get()
    form = client.get(case_url(boris)).content.decode()
    events = AuditEvent.objects.count()

    response = client.post(reverse("compliance:hit-decide", args=[boris.pk, hit.pk]),
                           {"decision": "", "reason": "Looks like a different person."})

    assert '<option value="" selected>choose a decision</option>' in form
    assert response.status_code == 400
    assert ("Choose a decision: confirm the match or mark it a false positive.") in text(response)
    hit.refresh_from_db()
    assert (hit.state, hit.decided_by, AuditEvent.objects.count(), WhitelistEntry.objects.count()) == (
        "pending", None, events, 0)


def test_the_officer_who_recommended_is_told_why_they_cannot_approve(client, officer, officer2, boris):
    from screening.services import hit_decide

    hit_decide(hit=ScreeningHit.objects.get(), decision="mark_false_positive", actor=officer,
               reason="Different person: passport differs.")
    case = walk(boris, [("start_review", officer), ("recommend", officer)])
    client.force_login(officer)
    events = AuditEvent.objects.count()

    page = client.get(case_url(case)).content.decode()
    admin_page = text(client.get(reverse("admin:compliance_kyccase_change", args=[case.pk])))
    refused = client.post(reverse("compliance:case-transition", args=[case.pk, "approve"]), follow=True)

    message = (f"You recommended case #{case.pk}, so you cannot approve it: four eyes. Another compliance "
               "officer with the approval permission approves it, or returns it to review.")
    assert message in text(client.get(case_url(case)))
    assert message in admin_page
    assert 'data-name="approve"' not in page and "transition-approve" not in admin_page
    assert "Maker-checker: you are this KYC case&#x27;s recommended by" in refused.content.decode()
    case.refresh_from_db()
    assert (case.state, case.decided_by, AuditEvent.objects.count()) == ("recommended", None, events)

    client.force_login(officer2)
    assert message not in text(client.get(case_url(case)))
    assert 'data-name="approve"' in client.get(case_url(case)).content.decode()


def test_a_decided_case_offers_no_action(client, officer, officer2, boris):
    from screening.services import hit_decide

    hit_decide(hit=ScreeningHit.objects.get(), decision="mark_false_positive", actor=officer,
               reason="Different person.")
    case = walk(boris, [("start_review", officer), ("recommend", officer), ("approve", officer2)])
    client.force_login(officer2)

    page = client.get(case_url(case)).content.decode()

    assert [url for url in ("/take/", "/transition/", "/decide/") if url in page] == []
    assert f"This case is approved since {case.decided_at:%Y-%m-%d}: nothing more is decided on it." in (
        text(client.get(case_url(case))))
    assert "No decision: the case is approved." in text(client.get(case_url(case)))
    admin_page = client.get(reverse("admin:compliance_kyccase_change", args=[case.pk])).content.decode()
    assert "/transition/" not in admin_page


# The investor's admin page.

def investor_url(investor) -> str:
    return reverse("admin:compliance_investor_change", args=[investor.pk])


def test_operations_start_a_case_and_upload_documents_from_the_investor_page(client, ops, person):
    client.force_login(ops)
    before = text(client.get(investor_url(person)))

    opened = client.post(reverse("admin:compliance_investor_kyc_open", args=[person.pk]), follow=True)
    case = KycCase.objects.get(investor=person)
    uploaded = client.post(reverse("admin:compliance_investor_upload", args=[person.pk]),
                           {"kind": "identity", "file": pdf("passport.pdf")}, follow=True)

    assert "No KYC case yet." in before and "Start a KYC case" in before
    assert f"{case} opened. Upload the documents, then submit it for review." in text(opened)
    assert f"Case #{case.pk} is draft." in text(opened)
    assert "Start a KYC case" not in text(opened)
    assert ("Passport / identity card 'passport.pdf' uploaded for Chan Tai Man; it awaits a compliance "
            "officer's decision.") in text(uploaded)
    assert "1 document uploaded; their details are for compliance officers." in text(uploaded)
    doc = Document.objects.get(investor=person)
    assert (doc.kind, doc.original_name, doc.uploaded_by, doc.state) == (
        "identity", "passport.pdf", ops, "pending")
    assert list(AuditEvent.objects.filter(action="create", content_type__model__in=["kyccase", "document"])
                .order_by("id").values_list("content_type__model", "actor__username")) == [
        ("kyccase", "ops"), ("document", "ops")]


def test_refused_onboarding_steps_change_nothing(client, ops, trustee, person):
    services.kyc_case_open(actor=ops, investor=person)
    client.force_login(ops)
    counts = (KycCase.objects.count(), Document.objects.count(), AuditEvent.objects.count())

    again = client.post(reverse("admin:compliance_investor_kyc_open", args=[person.pk]), follow=True)
    bad = client.post(reverse("admin:compliance_investor_upload", args=[person.pk]),
                      {"kind": "identity", "file": pdf("passport.exe")})
    no_kind = client.post(reverse("admin:compliance_investor_upload", args=[person.pk]),
                          {"kind": "", "file": pdf()})
    client.force_login(trustee)
    trustee_open = client.post(reverse("admin:compliance_investor_kyc_open", args=[person.pk]))
    trustee_upload = client.post(reverse("admin:compliance_investor_upload", args=[person.pk]),
                                 {"kind": "identity", "file": pdf()})

    case = KycCase.objects.get()
    assert (f"Chan Tai Man already has an open case #{case.pk} ('draft'); finish it first.") in text(again)
    assert bad.status_code == 400
    assert ("'passport.exe' is named .exe but its content is application/pdf; the name and the content "
            "must agree.") in text(bad)
    assert no_kind.status_code == 400 and "This field is required." in text(no_kind)
    assert (trustee_open.status_code, trustee_upload.status_code) == (403, 403)
    assert (KycCase.objects.count(), Document.objects.count(), AuditEvent.objects.count()) == counts


def _investor_page(client, investor):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(investor_url(investor))
    assert response.status_code == 200
    return text(response), len(queries)


def test_the_investor_page_shows_kyc_eligibility_and_subscriptions_in_constant_queries(
        client, ops, officer, investor):
    from compliance.models import DealEligibility

    deal = to_state(make_deal(actor=ops), "open", maker=ops, checker=officer)
    client.force_login(officer)
    page, few = _investor_page(client, investor)

    case = KycCase.objects.get(investor=investor)
    assert f"KYC approved until {case.refresh_due.isoformat()} (case #{case.pk}, medium risk)." in page
    assert f"{deal.name} yes -" in page
    assert "No subscription." in page and "No verified wallet." in page
    assert "No classification recorded." in page

    senior = deal.tranches.get(seniority=1)
    sub = subscribe(actor=ops, investor=investor, tranche=senior, amount="200000")
    for _ in range(3):
        more = to_state(make_deal(actor=ops), "open", maker=ops, checker=officer)
        subscribe(actor=ops, investor=investor, tranche=more.tranches.get(seniority=1), amount="100000")
    DealEligibility.objects.create(deal=more, blocked_jurisdictions=["SG"])
    page, many = _investor_page(client, investor)

    assert many == few
    from core import clock
    assert (f"{more.name} no No investor classification is in force on {clock.today().isoformat()}. "
            "Residence SG is a blocked jurisdiction for this deal.") in page
    assert f"{sub.pk} {senior} 200,000.00 USD 0.00 USD 0.00 USD accepted" in page


def test_eligibility_by_deal_agrees_with_the_one_deal_check(ops, officer, investor, other_investor):
    from compliance.eligibility import eligibility_by_deal, investor_eligibility
    from compliance.models import DealEligibility
    from issuance.models import Deal

    free, blocked, full = (to_state(make_deal(actor=ops), "open", maker=ops, checker=officer)
                           for _ in range(3))
    subscribe(actor=ops, investor=other_investor, tranche=full.tranches.get(seniority=1), amount="100000")
    DealEligibility.objects.create(deal=blocked, blocked_jurisdictions=["SG"])
    DealEligibility.objects.create(deal=full, maximum_investors=1)
    deals = list(Deal.objects.filter(pk__in=[free.pk, blocked.pk, full.pk]).select_related("eligibility"))

    batch = eligibility_by_deal(investor, deals, investors_in={full.pk: {other_investor.pk}})

    assert {pk: e.ok for pk, e in batch.items()} == {free.pk: True, blocked.pk: False, full.pk: False}
    assert batch[full.pk].reasons[-1] == "The deal already has its maximum of 1 investors."
    for deal in deals:
        assert batch[deal.pk] == investor_eligibility(investor, deal)
