from datetime import date, timedelta

import pytest
from django.utils import timezone

from core.errors import InvalidInput, NotPermitted, Refused, TransitionNotAllowed
from core.models import AuditEvent
from screening.gate import screening_blockers
from screening.models import ScreeningHit, ScreeningRun, WhitelistEntry
from screening.services import hit_decide, list_import, screen_investor, screen_wallet_address, whitelist_add
from tests.screening.conftest import owner, person

pytestmark = pytest.mark.django_db

EXTRA_ROW = "gcx-0099,Person,Newly Listed Person,,,,,,,,,demo,,,\n"


@pytest.fixture
def boris(sample_list):
    return person("Zanzibarov Boris", born=date(1961, 7, 4), country="RU")


@pytest.fixture
def hit(boris, officer):
    [hit] = screen_investor(investor=boris, actor=officer)
    return hit


def import_v2(officer, sample_bytes):
    return list_import(name="demo", version_label="2026-11-22", data=sample_bytes + EXTRA_ROW.encode(),
                       actor=officer)


def test_screening_an_investor_records_the_hit_and_the_run(boris, officer, sample_list):
    [hit] = screen_investor(investor=boris, actor=officer)

    assert (hit.investor, hit.subject_kind, hit.subject, hit.entity_id, str(hit.score), hit.state) == (
        boris, "investor", "Zanzibarov Boris", "gcx-0001", "1.0000", "pending")
    assert hit.entry.list_version == sample_list
    assert (hit.features["method"], hit.features["birth_date"], hit.features["country"]) == (
        "token_alignment", "match", "match")
    run = hit.run
    assert (run.list_version, run.trigger, run.algorithm_version, str(run.threshold), run.state) == (
        sample_list, "investor", "gc-name-3.0", "0.8500", "done")
    assert (run.total, run.processed, run.hits_created, run.requested_by) == (1, 1, 1, officer)


def test_screening_again_raises_no_duplicate(hit, boris, officer):
    assert screen_investor(investor=boris, actor=officer) == []
    assert ScreeningHit.objects.count() == 1
    assert ScreeningRun.objects.filter(trigger="investor").count() == 2


def test_beneficial_owners_and_wallets_are_screened(sample_list, officer):
    entity = person("Quiet Compute Pte Ltd", country="SG")
    owner(entity, "Oksana Pretendenko", born=date(1983, 9, 9), nationality="UA")

    [bo_hit] = screen_investor(investor=entity, actor=officer)
    [wallet_hit] = screen_wallet_address(
        investor=entity, address="0xDEADBEEF00000000000000000000000000FACADE", actor=officer)

    assert (bo_hit.subject_kind, bo_hit.subject, bo_hit.entity_id, str(bo_hit.score)) == (
        "beneficial_owner", "Oksana Pretendenko", "gcx-0015", "1.0000")
    assert (wallet_hit.subject_kind, wallet_hit.subject, wallet_hit.entity_id,
            wallet_hit.features["method"]) == (
        "wallet", "0xDEADBEEF00000000000000000000000000FACADE", "gcx-0009", "wallet_exact")
    assert wallet_hit.run.trigger == "wallet"


def test_a_clean_investor_has_no_hit_and_no_blocker(sample_list, officer):
    clean = person("Plain Vanilla Capital Ltd")
    assert screen_investor(investor=clean, actor=officer) == []
    assert screening_blockers(clean) == []


def test_without_any_list_nothing_is_screened(db, officer):
    assert screen_investor(investor=person("Boris Zanzibarov"), actor=officer) == []
    assert ScreeningRun.objects.count() == 0


def test_pending_and_confirmed_hits_block(hit, boris, officer):
    assert screening_blockers(boris) == [
        f"Screening hit awaiting an officer's decision (hit #{hit.pk}): investor 'Zanzibarov Boris' matches "
        "list entry gcx-0001 'Boris Zanzibarov' of list version demo 2026-11-01."
    ]

    why = "Same person: passport matches the listing."
    hit_decide(hit=hit, decision="confirm", actor=officer, reason=why)

    hit.refresh_from_db()
    assert (hit.state, hit.decided_by, hit.decision_reason) == (
        "confirmed", officer, "Same person: passport matches the listing.")
    assert hit.decided_at is not None
    assert screening_blockers(boris) == [
        f"Confirmed sanctions/PEP match (hit #{hit.pk}): investor 'Zanzibarov Boris' matches "
        "list entry gcx-0001 'Boris Zanzibarov' of list version demo 2026-11-01."
    ]
    event = AuditEvent.objects.get(content_type__model="screeninghit", object_id=hit.pk)
    assert (event.actor, event.action, event.name, event.from_state, event.to_state, event.reason) == (
        officer, "transition", "confirm", "pending", "confirmed", why)


@pytest.mark.parametrize(("who", "reason", "error", "message"), [
    ("ops", "looks fine", NotPermitted, "You may not 'confirm match' this screening hit: it needs the "
                                        "permission 'screening.decide_screeninghit', which you do not have."),
    ("trustee", "looks fine", NotPermitted, None),
    ("officer", "  ", InvalidInput, "A reason is required to 'confirm match'."),
])
def test_refused_decisions_change_nothing(hit, request, who, reason, error, message):
    events = AuditEvent.objects.count()
    with pytest.raises(error) as refused:
        hit_decide(hit=hit, decision="confirm", actor=request.getfixturevalue(who), reason=reason)
    if message:
        assert refused.value.message == message
    hit.refresh_from_db()
    assert (hit.state, hit.decided_by, hit.decided_at, hit.decision_reason) == ("pending", None, None, "")
    assert AuditEvent.objects.count() == events


def test_a_decided_hit_cannot_be_decided_again(hit, officer):
    hit_decide(hit=hit, decision="mark_false_positive", actor=officer, reason="Different person.")
    with pytest.raises(TransitionNotAllowed):
        hit_decide(hit=hit, decision="confirm", actor=officer, reason="Changed my mind.")
    hit.refresh_from_db()
    assert hit.state == "false_positive"


def test_a_false_positive_whitelisted_until_a_date_raises_no_new_hit_until_then(
        hit, boris, officer, sample_bytes):
    until = timezone.localdate() + timedelta(days=180)
    hit_decide(hit=hit, decision="mark_false_positive", actor=officer,
               reason="Born the same day, but a different person (passport checked).", whitelist_until=until)

    entry = WhitelistEntry.objects.get()
    assert (entry.investor, entry.entity_id, entry.valid_until, entry.hit, entry.created_by) == (
        boris, "gcx-0001", until, hit, officer)
    assert screening_blockers(boris) == []
    trail = AuditEvent.objects.filter(content_type__model__in=["screeninghit", "whitelistentry"])
    assert list(trail.order_by("id").values_list("content_type__model", "object_id", "name", "to_state")) == [
        ("screeninghit", hit.pk, "mark_false_positive", "false_positive"),
        ("whitelistentry", entry.pk, "", ""),
    ]

    v2 = import_v2(officer, sample_bytes)  # a new list version still lists gcx-0001
    assert screen_investor(investor=boris, actor=officer) == []

    WhitelistEntry.objects.update(valid_until=timezone.localdate() - timedelta(days=1))  # it ran out
    [again] = screen_investor(investor=boris, actor=officer)
    assert (again.entity_id, again.entry.list_version, again.state) == ("gcx-0001", v2, "pending")


def test_a_false_positive_without_whitelist_is_raised_again_by_a_new_list_version(
        hit, boris, officer, sample_bytes):
    hit_decide(hit=hit, decision="mark_false_positive", actor=officer, reason="Different person.")
    assert screen_investor(investor=boris, actor=officer) == []  # same version: decided already

    import_v2(officer, sample_bytes)
    [again] = screen_investor(investor=boris, actor=officer)
    assert (again.entity_id, again.entry.list_version.version_label) == ("gcx-0001", "2026-11-22")


def test_whitelist_refusals_change_nothing(hit, boris, officer, ops):
    today = timezone.localdate()
    cases = [
        (dict(actor=ops, valid_until=today, reason="r"), NotPermitted),
        (dict(actor=officer, valid_until=today - timedelta(days=1), reason="r"), InvalidInput),
        (dict(actor=officer, valid_until=today, reason=" "), InvalidInput),
        (dict(actor=officer, valid_until=today, reason="r", hit=hit), Refused),  # still pending
    ]
    for kwargs, error in cases:
        with pytest.raises(error):
            whitelist_add(investor=boris, entity_id="gcx-0001", **kwargs)
    with pytest.raises(InvalidInput, match="Only a false positive can be whitelisted"):
        hit_decide(hit=hit, decision="confirm", actor=officer, reason="r", whitelist_until=today)
    assert WhitelistEntry.objects.count() == 0
    hit.refresh_from_db()
    assert hit.state == "pending"
