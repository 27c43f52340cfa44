"""core.transitions.bulk_transition: many rows take one declared transition in one UPDATE, or none do.

The refusals are called without a savepoint of their own, so "nothing changed" means the helper
wrote nothing before refusing (not that a rollback hid it).
"""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import transitions
from core.errors import InvalidInput, MakerCheckerViolation, NotPermitted, Refused, TransitionNotAllowed
from core.models import AuditEvent
from core.transitions import bulk_transition, transition_sources
from issuance import services
from issuance.models import SPV, Deal, Subscription
from tests.factories import make_deal, make_investor, make_spv, subscribe, to_state

pytestmark = pytest.mark.django_db


def _spvs(ops, n: int) -> list[SPV]:
    return [make_spv(actor=ops, active=False) for _ in range(n)]


def _trail(model_name: str) -> list[tuple]:
    return list(AuditEvent.objects.filter(content_type__model=model_name, action="transition")
                .order_by("object_id", "id")
                .values_list("object_id", "name", "from_state", "to_state", "reason", "changes",
                             "actor__username"))


def _states(model, pks) -> dict:
    return dict(model.objects.filter(pk__in=pks).values_list("pk", "state"))


@pytest.fixture
def subs(ops, officer):
    """Four subscriptions of one open deal's senior tranche, left in four live states."""
    deal = to_state(make_deal(actor=ops), "open", maker=ops, checker=officer)
    senior = deal.tranches.get(seniority=1)
    made = [subscribe(actor=ops, investor=make_investor(actor=ops, name=f"Holder {i} Ltd"),
                      tranche=senior, amount="1000000", accept=i > 0) for i in range(4)]
    Subscription.objects.filter(pk=made[2].pk).update(state="allocated", allocated_amount=Decimal("500000"))
    Subscription.objects.filter(pk=made[3].pk).update(state="funded", allocated_amount=Decimal("300000"),
                                                      funded_amount=Decimal("300000"))
    return made


def test_the_sources_are_the_declared_ones():
    assert transition_sources(Subscription, "cancel_with_deal") == (
        "requested", "accepted", "allocated", "funded")
    assert transition_sources(Subscription, "add_lots") == ("allocated", "funded")
    assert transition_sources(SPV, "activate") == ("forming",)


def test_every_row_takes_the_transition_and_is_audited_with_the_state_it_left(ops, subs):
    before = AuditEvent.objects.count()
    rows = Subscription.objects.select_related("investor", "tranche__deal").filter(
        pk__in=[s.pk for s in subs])

    with transaction.atomic():
        done = bulk_transition(Subscription, "cancel_with_deal", queryset=rows, actor=ops,
                               reason="Deal cancelled: no collateral.")

    a, b, c, d = (s.pk for s in subs)
    assert (done.name, done.to_state, len(done), done.ids) == (
        "cancel_with_deal", "cancelled", 4, [a, b, c, d])
    assert done.from_states == {a: "requested", b: "accepted", c: "allocated", d: "funded"}
    assert _states(Subscription, done.ids) == dict.fromkeys(done.ids, "cancelled")
    assert AuditEvent.objects.count() == before + 4
    why = "Deal cancelled: no collateral."
    assert [row for row in _trail("subscription") if row[1] == "cancel_with_deal"] == [
        (a, "cancel_with_deal", "requested", "cancelled", why, {}, "ops"),
        (b, "cancel_with_deal", "accepted", "cancelled", why, {}, "ops"),
        (c, "cancel_with_deal", "allocated", "cancelled", why, {}, "ops"),
        (d, "cancel_with_deal", "funded", "cancelled", why, {}, "ops"),
    ]
    deal = subs[0].tranche.deal.name
    assert AuditEvent.objects.get(object_id=a, name="cancel_with_deal").object_repr == (
        f"#{a} Holder 0 Ltd / {deal} Class 1")


def test_per_row_values_are_stored_and_audited_as_old_and_new(ops, subs):
    _, b, c, _ = subs
    values = {b.pk: {"allocated_amount": Decimal("700000")}, c.pk: {"allocated_amount": Decimal("900000")}}

    with transaction.atomic():
        bulk_transition(Subscription, "allocate", ids=[b.pk], values={b.pk: values[b.pk]}, actor=ops)
        bulk_transition(Subscription, "add_lots", values={c.pk: values[c.pk]}, actor=ops, reason="lots")

    assert list(Subscription.objects.filter(pk__in=[b.pk, c.pk]).order_by("pk")
                .values_list("state", "allocated_amount")) == [
        ("allocated", Decimal("700000.00")), ("allocated", Decimal("900000.00"))]
    events = AuditEvent.objects.filter(name__in=["allocate", "add_lots"]).order_by("object_id")
    assert [(e.object_id, e.name, e.from_state, e.to_state, e.changes) for e in events] == [
        (b.pk, "allocate", "accepted", "allocated", {"allocated_amount": ["0.00", "700000.00"]}),
        (c.pk, "add_lots", "allocated", "allocated", {"allocated_amount": ["500000.00", "900000.00"]}),
    ]


def test_fields_for_every_row_are_set_and_updated_at_moves(ops):
    spvs = _spvs(ops, 2)
    stamps = dict(SPV.objects.filter(pk__in=[s.pk for s in spvs]).values_list("pk", "updated_at"))

    with transaction.atomic():
        bulk_transition(SPV, "activate", ids=[s.pk for s in spvs], fields={"trustee": "New Trustee Ltd"},
                        actor=ops)

    rows = SPV.objects.filter(pk__in=stamps).values_list("pk", "state", "trustee", "updated_at")
    assert all((state, trustee) == ("active", "New Trustee Ltd") and at > stamps[pk]
               for pk, state, trustee, at in rows)
    assert [row[5] for row in _trail("spv")] == [{"trustee": ["Trustee Ltd", "New Trustee Ltd"]}] * 2


def test_a_row_in_a_wrong_state_refuses_the_whole_call_and_changes_nothing(ops):
    spvs = _spvs(ops, 4)
    SPV.objects.filter(pk=spvs[2].pk).update(state="active")
    ids = [s.pk for s in spvs]
    before = (_states(SPV, ids), AuditEvent.objects.count(),
              dict(SPV.objects.filter(pk__in=ids).values_list("pk", "updated_at")))

    with pytest.raises(TransitionNotAllowed) as refused:
        bulk_transition(SPV, "activate", ids=ids, actor=ops)

    assert refused.value.message == (
        f"1 of the 4 SPVs cannot 'activate', which starts only from 'forming': '{spvs[2]}' ('active'). "
        "Nothing was changed.")
    assert (_states(SPV, ids), AuditEvent.objects.count(),
            dict(SPV.objects.filter(pk__in=ids).values_list("pk", "updated_at"))) == before


def test_an_id_that_does_not_exist_refuses_the_whole_call(ops):
    spv = _spvs(ops, 1)[0]
    events = AuditEvent.objects.count()
    missing = SPV.objects.order_by("-pk").first().pk + 1000

    with pytest.raises(TransitionNotAllowed) as refused:
        bulk_transition(SPV, "activate", ids=[spv.pk, missing], actor=ops)

    assert refused.value.message == (
        f"1 of the 2 SPVs cannot 'activate', which starts only from 'forming': #{missing} (not found). "
        "Nothing was changed.")
    assert (_states(SPV, [spv.pk]), AuditEvent.objects.count()) == ({spv.pk: "forming"}, events)


def test_the_queryset_alone_takes_the_rows_it_selects(ops):
    spvs = _spvs(ops, 3)
    SPV.objects.filter(pk=spvs[0].pk).update(state="active")
    forming = SPV.objects.filter(pk__in=[s.pk for s in spvs],
                                 state__in=transition_sources(SPV, "activate"))

    with transaction.atomic():
        done = bulk_transition(SPV, "activate", queryset=forming, actor=ops)

    assert done.from_states == {spvs[1].pk: "forming", spvs[2].pk: "forming"}


def test_permission_refused_changes_nothing(ops, trustee):
    spvs = _spvs(ops, 3)
    ids = [s.pk for s in spvs]
    events = AuditEvent.objects.count()

    with pytest.raises(NotPermitted) as refused:
        bulk_transition(SPV, "activate", ids=ids, actor=trustee)

    assert refused.value.message == (
        "You may not 'activate' SPVs: it needs the permission 'issuance.activate_spv', which you do "
        "not have.")
    assert (_states(SPV, ids), AuditEvent.objects.count()) == (dict.fromkeys(ids, "forming"), events)


def test_a_system_step_needs_no_permission_and_is_audited_without_an_actor(ops):
    spv = _spvs(ops, 1)[0]

    with transaction.atomic():
        bulk_transition(SPV, "activate", ids=[spv.pk], actor=None)

    assert _trail("spv") == [(spv.pk, "activate", "forming", "active", "", {}, None)]


def test_maker_checker_is_checked_per_row(ops, officer):
    boss = User.objects.create_superuser("boss", password="pw-for-tests-only")  # noqa: S106
    mine = to_state(make_deal(actor=ops), "structuring", maker=ops, checker=officer)
    services.deal_submit_for_review(deal=mine, actor=boss)
    theirs = to_state(make_deal(actor=ops), "compliance_review", maker=ops, checker=officer)
    events = AuditEvent.objects.count()

    with pytest.raises(MakerCheckerViolation) as refused:
        bulk_transition(Deal, "approve", ids=[mine.pk, theirs.pk], actor=boss)

    assert refused.value.message == (
        f"Maker-checker: you are the maker ('submitted by') of '{mine.name}', so a different person must "
        "'approve' it.")
    assert (_states(Deal, [mine.pk, theirs.pk]), AuditEvent.objects.count()) == (
        {mine.pk: "compliance_review", theirs.pk: "compliance_review"}, events)


def test_a_required_reason_is_asked_for_and_may_differ_per_row(ops):
    spvs = _spvs(ops, 2)
    ids = [s.pk for s in spvs]
    SPV.objects.filter(pk__in=ids).update(state="active")

    with pytest.raises(InvalidInput) as refused:
        bulk_transition(SPV, "wind_down", ids=ids, actor=ops, reason="  ")
    assert (refused.value.message, refused.value.field) == ("A reason is required to 'wind down'.", "reason")
    assert _states(SPV, ids) == dict.fromkeys(ids, "active")

    with pytest.raises(InvalidInput) as refused:
        bulk_transition(SPV, "wind_down", ids=ids, actor=ops, reason={ids[0]: "Assets sold."})
    assert refused.value.message == f"A reason is required to 'wind down'; none for '{spvs[1]}'."

    with transaction.atomic():
        bulk_transition(SPV, "wind_down", ids=ids, actor=ops,
                        reason={s.pk: f"{s.registration_number} sold" for s in spvs})

    assert [row[4] for row in _trail("spv")] == [f"{s.registration_number} sold" for s in spvs]


def test_object_repr_names_the_rows_from_their_values_as_str_does(ops, subs):
    fmt = "#{id} {investor__legal_name} / {tranche__deal__name} {tranche__class_name}"

    with transaction.atomic():
        bulk_transition(Subscription, "cancel_with_deal", ids=[s.pk for s in subs], actor=ops,
                        object_repr=fmt)

    assert list(AuditEvent.objects.filter(name="cancel_with_deal").order_by("object_id")
                .values_list("object_repr", flat=True)) == [str(s) for s in subs]


def test_a_row_in_a_wrong_state_is_named_by_object_repr_too(ops, subs):
    with pytest.raises(TransitionNotAllowed) as refused:
        bulk_transition(Subscription, "settle", ids=[subs[3].pk, subs[2].pk], actor=ops,
                        object_repr="subscription {id} of {investor__legal_name}")

    assert refused.value.message == (
        f"1 of the 2 subscriptions cannot 'settle', which starts only from 'funded': 'subscription "
        f"{subs[2].pk} of Holder 2 Ltd' ('allocated'). Nothing was changed.")
    assert _states(Subscription, [subs[3].pk]) == {subs[3].pk: "funded"}


def test_a_permission_decided_per_object_is_not_run_in_bulk(ops):
    from compliance.models import KycCase

    with pytest.raises(TypeError):
        bulk_transition(KycCase, "submit", ids=[1], actor=ops)


def test_no_rows_is_nothing_to_do(ops):
    events = AuditEvent.objects.count()
    with transaction.atomic():
        done = bulk_transition(SPV, "activate", ids=[], actor=ops)
    assert (len(done), done.from_states, AuditEvent.objects.count()) == (0, {}, events)


def test_an_unknown_transition_is_refused(ops):
    with pytest.raises(TransitionNotAllowed) as refused:
        bulk_transition(SPV, "explode", ids=[1], actor=ops)
    assert refused.value.message == "SPV has no transition 'explode'."


def test_an_update_that_changes_fewer_rows_than_it_locked_rolls_back(ops, monkeypatch):
    spvs = _spvs(ops, 2)
    ids = [s.pk for s in spvs]
    real = transitions._update

    def one_row_lost(*args, **kwargs):
        return real(*args, **kwargs)[:1]

    monkeypatch.setattr(transitions, "_update", one_row_lost)
    events = AuditEvent.objects.count()

    with pytest.raises(Refused) as refused, transaction.atomic():
        bulk_transition(SPV, "activate", ids=ids, actor=ops)

    assert refused.value.message == (
        "'activate' changed 1 of the 2 SPVs it locked and checked; 1 were not in a state it starts "
        "from. Nothing was kept.")
    assert (_states(SPV, ids), AuditEvent.objects.count()) == (dict.fromkeys(ids, "forming"), events)


@pytest.mark.parametrize("n", [3, 30])
def test_three_queries_whatever_the_number_of_rows(ops, n):
    ids = [s.pk for s in _spvs(ops, n)]
    ops.has_perm("issuance.activate_spv")  # the actor's permissions are loaded once per request
    values = {pk: {"registration_number": f"NEW{pk}"} for pk in ids}

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        bulk_transition(SPV, "activate", values=values, actor=ops)

    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert [s for s in statements if s not in ("SAVEPOINT", "RELEASE")] == ["SELECT", "UPDATE", "INSERT"]
    assert AuditEvent.objects.filter(name="activate", content_type__model="spv").count() == n


def test_naming_rows_through_the_queryset_needs_no_query_per_row(ops, subs):
    rows = Subscription.objects.select_related("investor", "tranche__deal")
    ops.has_perm("issuance.cancel_deal")

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        bulk_transition(Subscription, "cancel_with_deal", queryset=rows, ids=[s.pk for s in subs], actor=ops)

    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert [s for s in statements if s not in ("SAVEPOINT", "RELEASE")] == ["SELECT", "UPDATE", "INSERT"]


STATES = [s for s, _ in SPV.State.choices]


@pytest.fixture
def pool(ops):
    return [s.pk for s in _spvs(ops, 6)]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(states=st.lists(st.sampled_from(STATES), min_size=1, max_size=6))
def test_property_all_rows_change_exactly_or_none_do(ops, pool, states):
    ids = pool[: len(states)]
    with transaction.atomic():
        for pk, state in zip(ids, states, strict=True):
            SPV.objects.filter(pk=pk).update(state=state)
        events = AuditEvent.objects.count()
        allowed = all(s == "forming" for s in states)
        try:
            done = bulk_transition(SPV, "activate", ids=ids, actor=ops)
        except TransitionNotAllowed as refused:
            assert not allowed
            wrong = sum(s != "forming" for s in states)
            assert refused.message.startswith(f"{wrong} of the {len(ids)} SPV")
            assert _states(SPV, ids) == dict(zip(ids, states, strict=True))
            assert AuditEvent.objects.count() == events
        else:
            assert allowed
            assert done.from_states == dict.fromkeys(ids, "forming")
            assert _states(SPV, ids) == dict.fromkeys(ids, "active")
            assert list(AuditEvent.objects.order_by("-id")[: len(ids)]
                        .values_list("object_id", "from_state", "to_state"))[::-1] == [
                (pk, "forming", "active") for pk in ids]
            assert AuditEvent.objects.count() == events + len(ids)
        transaction.set_rollback(True)
