"""Every write the issuance business knows by name.

Each service is keyword-only, runs in one transaction, locks what it changes
(deal before tranche before subscription, always in that order), writes the audit
trail in the same transaction, and raises a ``core.errors.Refused`` before
writing anything when a rule says no.
"""

from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from compliance.eligibility import require_eligible
from compliance.models import Investor
from core.audit import audit_created, audit_event, audit_transitions_bulk, diff, snapshot
from core.errors import InvalidInput, NotPermitted, Refused
from core.fields import check_money_fields
from core.models import AuditEvent
from core.money import check_minor_units
from core.roles import sees_all
from core.transitions import check_transition, lock, run_transition
from issuance.allocation import allocate_lots
from issuance.models import SPV, Deal, Subscription, Tranche
from issuance.signals import deal_issued

SPV_FIELDS = ("legal_name", "jurisdiction", "registration_number", "lei", "trustee",
              "administrator", "base_currency")
DEAL_FIELDS = ("spv", "name", "asset_class", "currency", "target_size", "closing_date",
               "payment_frequency", "legal_final_maturity")
TRANCHE_FIELDS = ("deal", "class_name", "seniority", "original_principal", "current_principal",
                  "coupon_rate", "day_count", "payment_frequency", "minimum_denomination",
                  "token_symbol", "token_decimals")
NOT_ALLOCATED = "Not allocated: the tranche was oversubscribed and pro-rata gave this request no lot."


def _save_and_audit_edit(instance, *, actor, fields, before) -> None:
    instance.full_clean(exclude=["state"])
    check_money_fields(instance)
    instance.save()
    changes = diff(before, snapshot(instance, fields))
    if changes:
        audit_event(instance=instance, actor=actor, action=AuditEvent.Action.UPDATE,
                    changes=changes)


# SPVs


@transaction.atomic
def spv_create(*, actor, **values) -> SPV:
    spv = SPV(**values)
    spv.full_clean(exclude=["state"])
    spv.save()
    audit_created(instance=spv, actor=actor, fields=(*SPV_FIELDS, "state"))
    return spv


@transaction.atomic
def spv_update(*, spv: SPV, actor, **values) -> SPV:
    spv = lock(SPV, spv.pk)
    if spv.state == SPV.State.DISSOLVED:
        raise Refused(f"SPV '{spv}' is dissolved; its records can no longer be edited.")
    before = snapshot(spv, SPV_FIELDS)
    for field, value in values.items():
        setattr(spv, field, value)
    _save_and_audit_edit(spv, actor=actor, fields=SPV_FIELDS, before=before)
    return spv


@transaction.atomic
def spv_transition(*, spv: SPV, name: str, actor, reason: str = "") -> SPV:
    spv = lock(SPV, spv.pk)
    run_transition(spv, name, actor=actor, reason=reason)
    return spv


# Deals


def _refuse_unless_editable(deal: Deal, what: str) -> None:
    if deal.state not in Deal.EDITABLE_STATES:
        raise Refused(
            f"{what} can change only while the deal is draft or structuring; "
            f"deal '{deal}' is '{deal.get_state_display()}'."
        )


@transaction.atomic
def deal_create(*, actor, **values) -> Deal:
    spv = lock(SPV, values["spv"].pk)
    if spv.state not in (SPV.State.FORMING, SPV.State.ACTIVE):
        raise InvalidInput(
            f"SPV '{spv}' is '{spv.get_state_display()}'; new deals need a forming or active SPV.",
            field="spv",
        )
    deal = Deal(**values)
    deal.full_clean(exclude=["state"])
    check_money_fields(deal)
    deal.save()
    audit_created(instance=deal, actor=actor, fields=(*DEAL_FIELDS, "state"))
    return deal


@transaction.atomic
def deal_update(*, deal: Deal, actor, **values) -> Deal:
    deal = lock(Deal, deal.pk)
    _refuse_unless_editable(deal, "Deal terms")
    before = snapshot(deal, DEAL_FIELDS)
    for field, value in values.items():
        setattr(deal, field, value)
    _save_and_audit_edit(deal, actor=actor, fields=DEAL_FIELDS, before=before)
    return deal


@transaction.atomic
def deal_transition(*, deal: Deal, name: str, actor, reason: str = "") -> Deal:
    """Take transition ``name`` on ``deal``, with the work some transitions carry."""
    deal = lock(Deal, deal.pk)
    extra = {}
    if name == "submit_for_review":
        extra = {"submitted_by": actor}
    elif name == "approve":
        extra = {"approved_by": actor}
    elif name == "return_to_structuring":
        extra = {"submitted_by": None}
    run_transition(deal, name, actor=actor, reason=reason, **extra)
    if name == "close_book":
        _allocate_book(deal=deal, actor=actor)
    elif name == "issue":
        _settle_book(deal=deal, actor=actor)
        deal_pk = deal.pk
        transaction.on_commit(lambda: deal_issued.send(sender=Deal, deal_id=deal_pk))
    elif name == "cancel":
        _cancel_live_subscriptions(deal=deal, actor=actor, reason=reason)
    return deal


def _allocate_book(*, deal: Deal, actor) -> None:
    """Pro-rata allocate every tranche's accepted subscriptions and save them in bulk."""
    now = timezone.now()
    for tranche in Tranche.objects.select_for_update().filter(deal=deal).order_by("seniority"):
        subs = list(
            Subscription.objects.select_for_update()
            .filter(tranche=tranche, state=Subscription.State.ACCEPTED)
            .order_by("created_at", "id")
            .values_list("id", "requested_amount")
        )
        lot = tranche.minimum_denomination
        lots = allocate_lots(
            int(tranche.original_principal / lot), [int(amount / lot) for _, amount in subs]
        )
        allocated, unallocated = [], []
        for (pk, _), n in zip(subs, lots, strict=True):
            (allocated if n else unallocated).append((pk, n * lot))
        _bulk_set(allocated, Subscription.State.ALLOCATED, now)
        _bulk_set(unallocated, Subscription.State.REJECTED, now)
        audit_transitions_bulk(
            model=Subscription, rows=_labelled(pk for pk, _ in allocated), actor=actor,
            name="allocate", from_state=Subscription.State.ACCEPTED,
            to_state=Subscription.State.ALLOCATED,
        )
        audit_transitions_bulk(
            model=Subscription, rows=_labelled(pk for pk, _ in unallocated), actor=actor,
            name="reject", from_state=Subscription.State.ACCEPTED,
            to_state=Subscription.State.REJECTED, reason=NOT_ALLOCATED,
        )


def _labelled(ids) -> list[tuple[int, str]]:
    """(pk, name) of subscriptions for bulk audit rows, named as Subscription.__str__ does."""
    rows = Subscription.objects.filter(pk__in=list(ids)).order_by("id").values_list(
        "id", "investor__legal_name", "tranche__deal__name", "tranche__class_name")
    return [(pk, f"#{pk} {investor} / {deal} {tranche}") for pk, investor, deal, tranche in rows]


def _bulk_set(rows: list[tuple[int, Decimal]], state: str, now) -> None:
    """Set allocated amount and state of many accepted subscriptions in one statement."""
    if not rows:
        return
    table = Subscription._meta.db_table
    accepted = Subscription.State.ACCEPTED
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS s SET allocated_amount = v.amount, state = %s, "  # noqa: S608
                "updated_at = %s FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, amount) "
                "WHERE s.id = v.id AND s.state = %s",
                [state, now, [pk for pk, _ in rows], [amount for _, amount in rows], accepted],
            )
            updated = cursor.rowcount
        else:  # the demo's SQLite
            cursor.executemany(
                f"UPDATE {table} SET allocated_amount = %s, state = %s, updated_at = %s "  # noqa: S608
                "WHERE id = %s AND state = %s",
                [(amount, state, now, pk, accepted) for pk, amount in rows],
            )
            updated = len(rows)
    if updated != len(rows):  # the rows are locked, so this means a bug, not a race
        raise Refused(f"Allocation saved {updated} of {len(rows)} subscriptions; nothing was kept.")


def _settle_book(*, deal: Deal, actor) -> None:
    """Settle every funded subscription; each tranche's outstanding principal is what settled."""
    funded = Subscription.objects.filter(tranche__deal=deal, state=Subscription.State.FUNDED)
    rows = _labelled(funded.values_list("id", flat=True))
    funded.update(state=Subscription.State.SETTLED, updated_at=timezone.now())
    audit_transitions_bulk(
        model=Subscription, rows=rows, actor=actor, name="settle",
        from_state=Subscription.State.FUNDED, to_state=Subscription.State.SETTLED,
    )
    short = [
        t for t in Tranche.objects.filter(deal=deal).annotate(
            settled=Sum("subscriptions__funded_amount",
                        filter=Q(subscriptions__state=Subscription.State.SETTLED))
        )
        if t.settled != t.original_principal
    ]
    if short:
        # Unreachable while close_book allocates exactly each tranche; refuse rather than
        # issue notes that the book does not back.
        raise Refused("Settled amounts differ from the tranche sizes for: "
                      + ", ".join(t.class_name for t in short) + ".")


def _cancel_live_subscriptions(*, deal: Deal, actor, reason: str) -> None:
    live = Subscription.objects.filter(
        tranche__deal=deal,
        state__in=[Subscription.State.REQUESTED, Subscription.State.ACCEPTED,
                   Subscription.State.ALLOCATED, Subscription.State.FUNDED],
    )
    by_state = {}
    for pk, state in live.values_list("id", "state"):
        by_state.setdefault(state, []).append(pk)
    live.update(state=Subscription.State.CANCELLED, updated_at=timezone.now())
    for state, ids in by_state.items():
        audit_transitions_bulk(
            model=Subscription, rows=_labelled(ids), actor=actor, name="cancel_with_deal", from_state=state,
            to_state=Subscription.State.CANCELLED, reason=f"Deal cancelled: {reason}",
        )


# Tranches


def _check_tranche_amounts(tranche: Tranche) -> None:
    check_money_fields(tranche)  # in the deal currency
    lot = tranche.minimum_denomination
    if lot and tranche.original_principal and tranche.original_principal % lot:
        raise InvalidInput(
            f"{tranche.deal.money(tranche.original_principal)} is not a whole multiple of the "
            f"minimum denomination {tranche.deal.money(lot)}.",
            field="original_principal",
        )
    others = (
        Tranche.objects.filter(deal=tranche.deal).exclude(pk=tranche.pk)
        .aggregate(total=Sum("original_principal"))["total"] or Decimal("0")
    )
    if others + tranche.original_principal > tranche.deal.target_size:
        raise InvalidInput(
            f"Tranches would add up to {tranche.deal.money(others + tranche.original_principal)}, "
            f"above the deal size {tranche.deal.money(tranche.deal.target_size)}.",
            field="original_principal",
        )


@transaction.atomic
def tranche_create(*, actor, **values) -> Tranche:
    deal = lock(Deal, values["deal"].pk)
    _refuse_unless_editable(deal, "Tranches")
    values.setdefault("payment_frequency", deal.payment_frequency)
    tranche = Tranche(current_principal=values.get("original_principal"), **values)
    tranche.deal = deal
    tranche.full_clean(exclude=["state"])
    _check_tranche_amounts(tranche)
    tranche.save()
    audit_created(instance=tranche, actor=actor, fields=TRANCHE_FIELDS)
    return tranche


@transaction.atomic
def tranche_update(*, tranche: Tranche, actor, **values) -> Tranche:
    deal = lock(Deal, tranche.deal_id)
    _refuse_unless_editable(deal, "Tranches")
    tranche = lock(Tranche, tranche.pk)
    if values.get("deal", deal) != deal:
        raise InvalidInput("A tranche cannot move to another deal.", field="deal")
    before = snapshot(tranche, TRANCHE_FIELDS)
    for field, value in values.items():
        setattr(tranche, field, value)
    tranche.current_principal = tranche.original_principal  # nothing is issued before review
    tranche.full_clean(exclude=["state"])
    _check_tranche_amounts(tranche)
    _save_and_audit_edit(tranche, actor=actor, fields=TRANCHE_FIELDS, before=before)
    return tranche


# Subscriptions


@transaction.atomic
def subscription_request(
    *, actor, investor: Investor, tranche: Tranche, requested_amount: Decimal
) -> Subscription:
    """An investor asks for ``requested_amount`` of ``tranche`` (staff may enter it for them)."""
    if not sees_all(actor) and investor.user_id != actor.pk:
        raise NotPermitted("Investors may subscribe only for themselves.")
    deal = Deal.objects.select_for_update().get(pk=tranche.deal_id)
    if deal.state != Deal.State.OPEN:
        raise Refused(
            f"Deal '{deal}' is '{deal.get_state_display()}'; subscriptions are taken only while "
            "it is open for subscription."
        )
    check_minor_units(requested_amount, deal.currency, field="requested_amount")
    lot = tranche.minimum_denomination
    if requested_amount < lot or requested_amount % lot:
        raise InvalidInput(
            f"The requested amount {deal.money(requested_amount)} must be a whole multiple of "
            f"the minimum denomination {deal.money(lot)}.",
            field="requested_amount",
        )
    if Subscription.objects.filter(
        investor=investor, tranche=tranche, state__in=Subscription.LIVE_STATES
    ).exists():
        raise InvalidInput(
            f"{investor} already has a live subscription for {tranche}.", field="tranche"
        )
    require_eligible(investor, deal, amount=requested_amount)
    sub = Subscription.objects.create(
        investor=investor, tranche=tranche, requested_amount=requested_amount
    )
    audit_created(instance=sub, actor=actor,
                  fields=("investor", "tranche", "requested_amount", "state"))
    return sub


@transaction.atomic
def subscription_transition(
    *, subscription: Subscription, name: str, actor, reason: str = ""
) -> Subscription:
    Deal.objects.select_for_update().get(pk=subscription.tranche.deal_id)
    sub = lock(Subscription, subscription.pk)
    run_transition(sub, name, actor=actor, reason=reason)
    return sub


@transaction.atomic
def subscription_record_funding(
    *, subscription: Subscription, amount: Decimal, actor, reference: str = ""
) -> Subscription:
    """Record cash received for an allocation; it becomes funded when fully paid."""
    Deal.objects.select_for_update().get(pk=subscription.tranche.deal_id)
    sub = lock(Subscription, subscription.pk)
    check_transition(sub, "fund", actor=actor)  # permission, state and deal checks first
    deal = sub.tranche.deal
    check_minor_units(amount, deal.currency, field="amount")
    outstanding = sub.allocated_amount - sub.funded_amount
    if amount <= 0 or amount > outstanding:
        raise InvalidInput(
            f"The amount must be above zero and at most the {deal.money(outstanding)} still due.",
            field="amount",
        )
    before = snapshot(sub, ("funded_amount",))
    sub.funded_amount += amount
    if sub.funded_amount == sub.allocated_amount:
        run_transition(sub, "fund", actor=actor, reason=reference)
    else:
        sub.save(update_fields=["funded_amount", "updated_at"])
    audit_event(instance=sub, actor=actor, action=AuditEvent.Action.UPDATE, reason=reference,
                changes=diff(before, snapshot(sub, ("funded_amount",))))
    return sub
