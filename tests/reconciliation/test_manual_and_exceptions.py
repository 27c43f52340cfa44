"""Manual match and unmatch (a second person above the threshold), and the exception resolutions:
match, write-off approved by a second person, waive; refused actions change nothing."""

from decimal import Decimal

import pytest

from assets.models import BankEntryMatch, InvoicePayment
from core.errors import InvalidInput, MakerCheckerViolation, NotPermitted, Refused
from core.models import AuditEvent
from reconciliation.models import ManualMatch, MatchRun, ReconException
from reconciliation.services import exceptions as svc
from reconciliation.services.manual import manual_match_approve, manual_match_request, manual_unmatch_request
from reconciliation.services.matching import cash_matching_run

D = Decimal


@pytest.fixture
def matched(planted):
    cash_matching_run(run=MatchRun.objects.create(trigger=MatchRun.Trigger.ON_DEMAND), actor=None)
    return planted


def _x(key_part):
    return ReconException.objects.get(key=key_part, state__in=("open", "write_off_requested"))


def _counts():
    return (
        BankEntryMatch.objects.count(),
        InvoicePayment.objects.count(),
        ManualMatch.objects.count(),
        AuditEvent.objects.count(),
        sorted(ReconException.objects.values_list("key", "state", "amount")),
    )


@pytest.mark.django_db
def test_a_manual_match_below_the_threshold_applies_and_resolves_both_exceptions(matched, ops):
    book, inv, usd, eur, entries = matched
    unknown = entries[10]  # 4999.99 from ACME HOLDINGS
    m = manual_match_request(
        entry=unknown, invoice=inv["K3"], amount=D("650.00"), reason="ACME pays for Kestrel", actor=ops
    )
    assert m.state == "applied" and m.match.rule == "manual" and m.match.matched_by == ops
    inv["K3"].refresh_from_db()
    assert (inv["K3"].state, inv["K3"].amount_paid) == ("paid", D("650.00"))
    assert not ReconException.objects.filter(key=f"cash:invoice:{inv['K3'].pk}", state="open").exists()
    assert _x(f"cash:entry:{unknown.pk}").amount == D("4349.99")


@pytest.mark.django_db
def test_above_the_threshold_a_second_person_approves(matched, ops, ops2, settings):
    settings.RECONCILIATION_APPROVAL_ABOVE = {"*": "500.00"}
    book, inv, usd, eur, entries = matched
    m = manual_match_request(
        entry=entries[10], invoice=inv["K3"], amount=D("650.00"), reason="ACME for Kestrel", actor=ops
    )
    assert m.state == "pending" and m.match is None
    before = _counts()
    with pytest.raises(MakerCheckerViolation):
        manual_match_approve(manual_match=m, actor=ops)
    assert _counts() == before
    m = manual_match_approve(manual_match=m, actor=ops2)
    assert m.state == "applied" and m.match.amount == D("650.00")


@pytest.mark.django_db
def test_a_match_beyond_what_the_entry_has_free_is_refused_and_nothing_changes(matched, ops):
    book, inv, usd, eur, entries = matched
    before = _counts()
    with pytest.raises(Refused, match="free to match"):
        manual_match_request(entry=entries[6], invoice=inv["K3"], amount=D("50.01"), reason="x", actor=ops)
    with pytest.raises(InvalidInput, match="different currencies"):
        manual_match_request(entry=entries[2], invoice=inv["K3"], amount=D("1.00"), reason="x", actor=ops)
    assert _counts() == before


@pytest.mark.django_db
def test_unmatch_gives_the_money_back_to_the_entry_and_the_invoice(matched, ops):
    book, inv, usd, eur, entries = matched
    match = BankEntryMatch.objects.get(entry=entries[7], invoice=inv["K2"])  # 4000 lessee_amount
    manual_unmatch_request(match=match, reason="wrong invoice", actor=ops)
    match.refresh_from_db()
    inv["K2"].refresh_from_db()
    assert match.undone_at is not None and match.payment is None
    assert (inv["K2"].state, inv["K2"].amount_paid) == ("issued", D("0.00"))
    assert _x(f"cash:entry:{entries[7].pk}").amount == D("4000.00")
    assert _x(f"cash:invoice:{inv['K2'].pk}").type == "missing_payment"


@pytest.mark.django_db
def test_write_off_needs_a_second_person_and_writes_the_invoice_off(matched, ops, ops2):
    book, inv, usd, eur, entries = matched
    x = _x(f"cash:invoice:{inv['K1'].pk}")  # 500.00 short
    x = svc.exception_request_write_off(exception=x, actor=ops, reason="lessee disputes, settled at 2500")
    before = _counts()
    with pytest.raises(MakerCheckerViolation):
        svc.exception_approve_write_off(exception=x, actor=ops)
    assert _counts() == before
    x = svc.exception_approve_write_off(exception=x, actor=ops2, reason="agreed")
    inv["K1"].refresh_from_db()
    assert (x.state, inv["K1"].state) == ("written_off", "written_off")
    assert AuditEvent.objects.filter(object_id=x.pk, name="approve_write_off", actor=ops2).count() == 1


@pytest.mark.django_db
def test_waive_needs_a_reason_a_second_person_and_is_not_raised_again(matched, ops, ops2, trustee):
    book, inv, usd, eur, entries = matched
    x = _x(f"cash:invoice:{inv['O3'].pk}")  # 0.50 short (bank fees)
    with pytest.raises(InvalidInput):
        svc.exception_waive(exception=x, actor=ops, reason="")
    with pytest.raises(NotPermitted):
        svc.exception_waive(exception=x, actor=trustee, reason="fees")
    x = svc.exception_waive(exception=x, actor=ops, reason="bank fees")
    assert (x.state, x.waive_requested_by) == ("waive_requested", ops)
    cash_matching_run(run=MatchRun.objects.create(trigger=MatchRun.Trigger.ON_DEMAND), actor=None)
    assert list(ReconException.objects.filter(key=x.key).values_list("state", flat=True)) == [
        "waive_requested"
    ]
    with pytest.raises(MakerCheckerViolation):
        svc.exception_approve_waive(exception=x, actor=ops)
    assert ReconException.objects.get(pk=x.pk).state == "waive_requested"
    x = svc.exception_approve_waive(exception=x, actor=ops2)
    assert x.state == "waived"
    cash_matching_run(run=MatchRun.objects.create(trigger=MatchRun.Trigger.ON_DEMAND), actor=None)
    assert list(ReconException.objects.filter(key=x.key).values_list("state", flat=True)) == ["waived"]


@pytest.mark.django_db
def test_assign_to_someone_who_may_resolve(matched, ops, ops2, trustee):
    x = ReconException.objects.filter(state="open").first()
    with pytest.raises(InvalidInput):
        svc.exception_assign(exception=x, assignee=trustee, actor=ops)
    x = svc.exception_assign(exception=x, assignee=ops2, actor=ops)
    assert x.assignee == ops2
    assert AuditEvent.objects.filter(object_id=x.pk, changes__assignee=[None, ops2.pk]).count() == 1


@pytest.mark.django_db
def test_a_credit_note_for_the_rest_resolves_the_short_payment_at_the_next_run(matched, ops):
    from assets.services.invoicing import credit_note_issue

    book, inv, usd, eur, entries = matched
    key = f"cash:invoice:{inv['K1'].pk}"
    credit_note_issue(invoice=inv["K1"], amount=D("500.00"), reason="goodwill", actor=ops)
    cash_matching_run(run=MatchRun.objects.create(trigger=MatchRun.Trigger.ON_DEMAND), actor=None)
    assert list(ReconException.objects.filter(key=key).values_list("state", flat=True)) == ["resolved"]


@pytest.mark.django_db
def test_admin_pages_show_the_queue(matched, ops, client):
    client.force_login(ops)
    x = ReconException.objects.filter(state="open").first()
    assert client.get("/admin/reconciliation/reconexception/").status_code == 200
    page = client.get(f"/admin/reconciliation/reconexception/{x.pk}/change/")
    assert page.status_code == 200 and b"waive" in page.content.lower()
    for model in ("manualmatch", "matchrun", "lesseecredit"):
        assert client.get(f"/admin/reconciliation/{model}/").status_code == 200
