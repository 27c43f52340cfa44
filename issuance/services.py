"""Every write the issuance business knows by name.

Each service is keyword-only, checks its actor first (``core.authz``, or the transition's own
permission through ``core.transitions``), runs in one transaction, locks what it changes
(deal before tranche before subscription, always in that order), writes the audit trail in
the same transaction, and raises a ``core.errors.Refused`` before writing anything when a rule
says no.

Each business action is its own service (``deal_close_book``, ``subscription_accept``, ...) and
does its own side effects. ``spv_transition``, ``deal_transition`` and
``subscription_transition`` only look the name up in ``SPV_ACTIONS``, ``DEAL_ACTIONS`` and
``SUBSCRIPTION_ACTIONS``: the API and the admin dispatch through them.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from compliance.eligibility import require_eligible
from compliance.models import Investor
from core import bounds, clock
from core.audit import audit_created, audit_created_bulk, audit_event, diff, snapshot
from core.authz import require_own_or_staff, require_perm
from core.errors import InvalidInput, Refused, TransitionNotAllowed
from core.fields import check_money_fields
from core.models import AuditEvent
from core.money import check_minor_units
from core.transitions import (
    bulk_transition,
    check_transition,
    lock,
    record_transition,
    run_transition,
    transition,
    transition_custom,
    transition_sources,
)
from issuance.allocation import allocate_lots
from issuance.funding_csv import MAX_REFERENCE, nothing_recorded, parse_receipts
from issuance.models import SPV, Deal, FundingReceipt, Subscription, Tranche
from issuance.selectors import pro_rata
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


def _action(table: dict[str, Callable], model, name: str) -> Callable:
    """The named service for transition ``name``, or a refusal listing the actions there are."""
    if name not in table:
        labels = ", ".join(transition_custom(model, n).get("label") or n.replace("_", " ")
                           for n in table)
        raise TransitionNotAllowed(f"'{name}' is not an action on {model._meta.verbose_name_plural}; "
                                   f"the actions are: {labels}.")
    return table[name]


# SPVs


@transaction.atomic
def spv_create(*, actor, **values) -> SPV:
    require_perm(actor, "issuance.add_spv", doing="create SPVs")
    spv = SPV(**values)
    spv.full_clean(exclude=["state"])
    spv.save()
    audit_created(instance=spv, actor=actor, fields=(*SPV_FIELDS, "state"))
    return spv


@transaction.atomic
def spv_update(*, spv: SPV, actor, **values) -> SPV:
    require_perm(actor, "issuance.change_spv", doing="edit SPVs")
    spv = lock(SPV, spv.pk)
    if spv.state == SPV.State.DISSOLVED:
        raise Refused(f"SPV '{spv}' is dissolved; its records can no longer be edited.")
    before = snapshot(spv, SPV_FIELDS)
    for field, value in values.items():
        setattr(spv, field, value)
    _save_and_audit_edit(spv, actor=actor, fields=SPV_FIELDS, before=before)
    return spv


def spv_activate(*, spv: SPV, actor, reason: str = "") -> SPV:
    return transition(spv, "activate", actor=actor, reason=reason)


def spv_wind_down(*, spv: SPV, actor, reason: str = "") -> SPV:
    return transition(spv, "wind_down", actor=actor, reason=reason)


def spv_dissolve(*, spv: SPV, actor, reason: str = "") -> SPV:
    return transition(spv, "dissolve", actor=actor, reason=reason)


SPV_ACTIONS = {"activate": spv_activate, "wind_down": spv_wind_down, "dissolve": spv_dissolve}


def spv_transition(*, spv: SPV, name: str, actor, reason: str = "") -> SPV:
    """Run the SPV action named ``name`` (for the API and the admin)."""
    return _action(SPV_ACTIONS, SPV, name)(spv=spv, actor=actor, reason=reason)


# Deals


def _refuse_unless_editable(deal: Deal, what: str) -> None:
    if deal.state not in Deal.EDITABLE_STATES:
        raise Refused(
            f"{what} can change only while the deal is draft or structuring; "
            f"deal '{deal}' is '{deal.get_state_display()}'."
        )


@transaction.atomic
def deal_create(*, actor, **values) -> Deal:
    require_perm(actor, "issuance.add_deal", doing="create deals")
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
    require_perm(actor, "issuance.change_deal", doing="edit deals")
    deal = lock(Deal, deal.pk)
    _refuse_unless_editable(deal, "Deal terms")
    before = snapshot(deal, DEAL_FIELDS)
    for field, value in values.items():
        setattr(deal, field, value)
    _save_and_audit_edit(deal, actor=actor, fields=DEAL_FIELDS, before=before)
    return deal


def deal_start_structuring(*, deal: Deal, actor, reason: str = "") -> Deal:
    return transition(deal, "start_structuring", actor=actor, reason=reason)


def deal_submit_for_review(*, deal: Deal, actor, reason: str = "") -> Deal:
    """The maker hands the structure to compliance; they may not approve it themselves."""
    return transition(deal, "submit_for_review", actor=actor, reason=reason, submitted_by=actor)


def deal_approve(*, deal: Deal, actor, reason: str = "") -> Deal:
    """The checker (not the maker) approves the structure."""
    return transition(deal, "approve", actor=actor, reason=reason, approved_by=actor)


def deal_return_to_structuring(*, deal: Deal, actor, reason: str = "") -> Deal:
    """Back to the maker; whoever submits next is the new maker."""
    return transition(deal, "return_to_structuring", actor=actor, reason=reason, submitted_by=None)


def deal_open_subscriptions(*, deal: Deal, actor, reason: str = "") -> Deal:
    return transition(deal, "open_subscriptions", actor=actor, reason=reason)


@transaction.atomic
def deal_close_book(*, deal: Deal, actor, reason: str = "") -> Deal:
    """Close the book and allocate every tranche pro rata (docs/allocation.md)."""
    deal = lock(Deal, deal.pk)
    run_transition(deal, "close_book", actor=actor, reason=reason)
    _allocate_book(deal=deal, actor=actor)
    return deal


@transaction.atomic
def deal_issue(*, deal: Deal, actor, reason: str = "") -> Deal:
    """Issue the notes: every funded subscription settles; the chain mints after the commit."""
    deal = lock(Deal, deal.pk)
    run_transition(deal, "issue", actor=actor, reason=reason)
    _settle_book(deal=deal, actor=actor)
    deal_pk = deal.pk
    deal_issued.send(sender=Deal, deal_id=deal_pk)  # receivers record outbox rows
    return deal


def deal_start_servicing(*, deal: Deal, actor, reason: str = "") -> Deal:
    return transition(deal, "start_servicing", actor=actor, reason=reason)


def deal_mature(*, deal: Deal, actor, reason: str = "") -> Deal:
    return transition(deal, "mature", actor=actor, reason=reason)


def deal_redeem(*, deal: Deal, actor, reason: str = "") -> Deal:
    return transition(deal, "redeem", actor=actor, reason=reason)


@transaction.atomic
def deal_cancel(*, deal: Deal, actor, reason: str = "") -> Deal:
    """Cancel the deal and, with it, every live subscription (funds received are to be returned)."""
    deal = lock(Deal, deal.pk)
    run_transition(deal, "cancel", actor=actor, reason=reason)
    _cancel_live_subscriptions(deal=deal, actor=actor, reason=reason)
    return deal


def deal_declare_default(*, deal: Deal, actor, reason: str = "") -> Deal:
    return transition(deal, "declare_default", actor=actor, reason=reason)


DEAL_ACTIONS = {
    "start_structuring": deal_start_structuring,
    "submit_for_review": deal_submit_for_review,
    "approve": deal_approve,
    "return_to_structuring": deal_return_to_structuring,
    "open_subscriptions": deal_open_subscriptions,
    "close_book": deal_close_book,
    "issue": deal_issue,
    "start_servicing": deal_start_servicing,
    "mature": deal_mature,
    "redeem": deal_redeem,
    "cancel": deal_cancel,
    "declare_default": deal_declare_default,
}


def deal_transition(*, deal: Deal, name: str, actor, reason: str = "") -> Deal:
    """Run the deal action named ``name`` (for the API and the admin)."""
    return _action(DEAL_ACTIONS, Deal, name)(deal=deal, actor=actor, reason=reason)


# Subscription.__str__ as a format over values: the bulk transitions name thousands of rows in the
# audit trail without building model instances.
SUBSCRIPTION_REPR = "#{id} {investor__legal_name} / {tranche__deal__name} {tranche__class_name}"


def _allocate_book(*, deal: Deal, actor) -> None:
    """Pro-rata allocate every tranche's accepted subscriptions: one bulk ``allocate`` with each
    row's amount, one bulk ``reject`` of the requests that got no lot."""
    tranches = list(Tranche.objects.select_for_update().filter(deal=deal).order_by("seniority"))
    book: dict[int, list[tuple[int, Decimal]]] = {t.pk: [] for t in tranches}
    # The deal's lock keeps the book still; bulk_transition locks the rows it changes.
    for pk, tranche_id, requested in (
        Subscription.objects.filter(tranche__deal=deal,
                                    state__in=transition_sources(Subscription, "allocate"))
        .order_by("created_at", "id").values_list("id", "tranche_id", "requested_amount")
    ):
        book[tranche_id].append((pk, requested))
    allocated, unallocated = {}, []
    for tranche in tranches:
        subs = book[tranche.pk]
        amounts = pro_rata(size=tranche.original_principal, lot=tranche.minimum_denomination,
                           requested=[amount for _, amount in subs])
        for (pk, _), amount in zip(subs, amounts, strict=True):
            if amount:
                allocated[pk] = {"allocated_amount": amount}
            else:
                unallocated.append(pk)
    bulk_transition(Subscription, "allocate", values=allocated, actor=actor,
                    object_repr=SUBSCRIPTION_REPR)
    bulk_transition(Subscription, "reject", ids=unallocated, actor=actor, reason=NOT_ALLOCATED,
                    object_repr=SUBSCRIPTION_REPR)


def _settle_book(*, deal: Deal, actor) -> None:
    """Settle every funded subscription; each tranche's outstanding principal is what settled."""
    bulk_transition(Subscription, "settle", actor=actor, object_repr=SUBSCRIPTION_REPR,
                    queryset=Subscription.objects.filter(
                        tranche__deal=deal, state__in=transition_sources(Subscription, "settle")))
    short = [
        t for t in Tranche.objects.filter(deal=deal).annotate(
            settled=Sum("subscriptions__funded_amount",
                        filter=Q(subscriptions__state=Subscription.State.SETTLED))
        )
        if t.settled != t.original_principal
    ]
    if short:
        # Unreachable while close_book allocates exactly each tranche and a released allocation
        # either shrinks its tranche or is allocated again; refuse rather than issue notes that
        # the book does not back.
        raise Refused("Settled amounts differ from the tranche sizes for: "
                      + ", ".join(t.class_name for t in short) + ".")


def _cancel_live_subscriptions(*, deal: Deal, actor, reason: str) -> None:
    """Every subscription that can be cancelled with the deal (requested, accepted, allocated or
    funded, as ``cancel_with_deal`` declares) is, in one statement."""
    bulk_transition(
        Subscription, "cancel_with_deal", actor=actor, reason=f"Deal cancelled: {reason}",
        object_repr=SUBSCRIPTION_REPR, queryset=Subscription.objects.filter(
            tranche__deal=deal, state__in=transition_sources(Subscription, "cancel_with_deal")),
    )


# Tranches


def _decimals_needed(amount: Decimal) -> int:
    """The fewest token decimals that hold ``amount`` as a whole number of base units."""
    numerator, denominator = amount.as_integer_ratio()
    decimals = 0
    while (numerator * 10**decimals) % denominator:  # the denominator is 2**a * 5**b
        decimals += 1
    return decimals


def _check_tranche_amounts(tranche: Tranche, *, changed=frozenset()) -> None:
    check_money_fields(tranche)  # in the deal currency
    lot = tranche.minimum_denomination
    if lot and tranche.original_principal and tranche.original_principal % lot:
        raise InvalidInput(
            f"{tranche.deal.money(tranche.original_principal)} is not a whole multiple of the "
            f"minimum denomination {tranche.deal.money(lot)}.",
            field="original_principal",
        )
    needed = _decimals_needed(lot)
    if needed > tranche.token_decimals:
        # Every allocation is a whole number of lots, so a lot in whole base units mints exactly.
        field = ("minimum_denomination" if "minimum_denomination" in changed
                 and "token_decimals" not in changed else "token_decimals")
        have = tranche.token_decimals
        raise InvalidInput(
            f"The minimum denomination {tranche.deal.money(lot)} is not a whole number of token "
            f"base units with {have} decimal{'' if have == 1 else 's'}; give the token at least "
            f"{needed} decimal{'' if needed == 1 else 's'}.",
            field=field,
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
    require_perm(actor, "issuance.add_tranche", doing="add tranches")
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
    require_perm(actor, "issuance.change_tranche", doing="edit tranches")
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
    _check_tranche_amounts(tranche, changed=frozenset(values))
    _save_and_audit_edit(tranche, actor=actor, fields=TRANCHE_FIELDS, before=before)
    return tranche


# Subscriptions


@transaction.atomic
def subscription_request(
    *, actor, investor: Investor, tranche: Tranche, requested_amount: Decimal
) -> Subscription:
    """An investor asks for ``requested_amount`` of ``tranche`` (staff may enter it for them)."""
    require_perm(actor, "issuance.add_subscription", doing="enter subscriptions")
    require_own_or_staff(actor, investor, doing="subscribe")
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
    require_eligible(investor, deal, actor=actor, amount=requested_amount)
    sub = Subscription.objects.create(
        investor=investor, tranche=tranche, requested_amount=requested_amount
    )
    audit_created(instance=sub, actor=actor,
                  fields=("investor", "tranche", "requested_amount", "state"))
    return sub


def _lock_subscription(subscription: Subscription) -> Subscription:
    """Lock the deal, then the subscription (the one lock order)."""
    Deal.objects.select_for_update().get(pk=subscription.tranche.deal_id)
    return lock(Subscription, subscription.pk)


@transaction.atomic
def subscription_accept(*, subscription: Subscription, actor, reason: str = "") -> Subscription:
    """Accept a request into the book (the investor is re-checked for eligibility)."""
    sub = _lock_subscription(subscription)
    run_transition(sub, "accept", actor=actor, reason=reason)
    return sub


@transaction.atomic
def subscription_reject(*, subscription: Subscription, actor, reason: str = "") -> Subscription:
    sub = _lock_subscription(subscription)
    run_transition(sub, "reject", actor=actor, reason=reason)
    return sub


@transaction.atomic
def subscription_cancel(*, subscription: Subscription, actor, reason: str = "") -> Subscription:
    """The investor (for their own subscription) or staff withdraw a request before the book closes."""
    require_own_or_staff(actor, subscription.investor, doing="cancel subscriptions")
    sub = _lock_subscription(subscription)
    run_transition(sub, "cancel", actor=actor, reason=reason)
    return sub


def subscription_cancel_allocation(
    *, subscription: Subscription, actor, reason: str = "", lots: str = ""
) -> Subscription:
    """The investor withdrew after allocation, before paying in full: the allocation ends as
    cancelled and its lots are released as ``lots`` says (docs/allocation.md)."""
    return _release_allocation(subscription, "cancel_allocation", actor=actor, reason=reason,
                               lots=lots)


def subscription_default_allocation(
    *, subscription: Subscription, actor, reason: str = "", lots: str = ""
) -> Subscription:
    """The investor did not pay: the allocation ends as defaulted and its lots are released as
    ``lots`` says: ``reduce_tranche`` or ``offer_again`` (docs/allocation.md)."""
    return _release_allocation(subscription, "default_allocation", actor=actor, reason=reason,
                               lots=lots)


SUBSCRIPTION_ACTIONS = {
    "accept": subscription_accept,
    "reject": subscription_reject,
    "cancel": subscription_cancel,
    "cancel_allocation": subscription_cancel_allocation,
    "default_allocation": subscription_default_allocation,
}


def subscription_transition(
    *, subscription: Subscription, name: str, actor, reason: str = "", **options
) -> Subscription:
    """Run the subscription action named ``name`` (for the API and the admin); ``options`` are
    the action's own arguments (``lots`` for releasing an allocation)."""
    action = _action(SUBSCRIPTION_ACTIONS, Subscription, name)
    return action(subscription=subscription, actor=actor, reason=reason, **options)


_RELEASED = {"cancel_allocation": "cancelled", "default_allocation": "defaulted"}


def _lots(n: int) -> str:
    return f"{n} lot" if n == 1 else f"{n} lots"


@transaction.atomic
def _release_allocation(subscription: Subscription, name: str, *, actor, reason: str,
                        lots: str) -> Subscription:
    deal = lock(Deal, subscription.tranche.deal_id)
    tranche = lock(Tranche, subscription.tranche_id)
    sub = lock(Subscription, subscription.pk)
    check_transition(sub, name, actor=actor, reason=reason)
    if lots not in Subscription.ReleasedLots.values:
        raise InvalidInput("Say what happens to the lots: "
                           + " or ".join(f"'{v}'" for v in Subscription.ReleasedLots.values) + ".",
                           field="lots")
    amount = sub.allocated_amount
    count = int(amount / tranche.minimum_denomination)
    released = (f"Subscription #{sub.pk} {_RELEASED[name]} ({reason.strip()}): its {_lots(count)} "
                f"({deal.money(amount)}) are ")
    if lots == Subscription.ReleasedLots.REDUCE_TRANCHE:
        if amount >= tranche.original_principal:
            raise Refused(
                f"{tranche.class_name} would have no principal left: this allocation is all of it "
                f"({deal.money(amount)}). Offer the lots again, or cancel the deal.", field="lots")
        record_transition(sub, name, actor=actor, reason=reason)
        _reduce_tranche(deal=deal, tranche=tranche, by=amount, actor=actor,
                        why=released + "taken off the tranche.")
    else:
        increases = _offer_again_plan(tranche=tranche, released=sub, lots=count)
        record_transition(sub, name, actor=actor, reason=reason)
        _add_lots(increases, actor=actor, why=released + (
            "offered again to the tranche's other subscribers, pro rata to their unmet demand."))
    return sub


def _reduce_tranche(*, deal: Deal, tranche: Tranche, by: Decimal, actor, why: str) -> None:
    """Take ``by`` off the tranche (original and current principal) and off the deal size."""
    fields = ("original_principal", "current_principal")
    before = snapshot(tranche, fields)
    tranche.original_principal -= by
    tranche.current_principal -= by
    tranche.save(update_fields=fields)
    audit_event(instance=tranche, actor=actor, action=AuditEvent.Action.UPDATE, reason=why,
                changes=diff(before, snapshot(tranche, fields)))
    before = snapshot(deal, ("target_size",))
    deal.target_size -= by
    deal.save(update_fields=["target_size", "updated_at"])
    audit_event(instance=deal, actor=actor, action=AuditEvent.Action.UPDATE, reason=why,
                changes=diff(before, snapshot(deal, ("target_size",))))


def _offer_again_plan(*, tranche: Tranche, released: Subscription, lots: int):
    """Split ``lots`` over the tranche's other live allocations (allocated or funded) pro rata to
    what each asked beyond its allocation, in request order (largest remainder). Returns
    ``{pk: new allocated amount}`` for each subscription that gains lots; refuses when the
    others' unmet demand cannot take every lot."""
    lot = tranche.minimum_denomination
    others = list(
        Subscription.objects.select_for_update()
        .filter(tranche=tranche, state__in=transition_sources(Subscription, "add_lots"),
                requested_amount__gt=F("allocated_amount"))
        .exclude(pk=released.pk)
        .order_by("created_at", "id")
        .values_list("id", "requested_amount", "allocated_amount")
    )
    unmet = [int((requested - allocated) / lot) for _, requested, allocated in others]
    if sum(unmet) < lots:
        deal = tranche.deal
        raise Refused(
            f"Only {sum(unmet)} of the {_lots(lots)} ({deal.money(sum(unmet) * lot)} of "
            f"{deal.money(lots * lot)}) can be offered again: that is all the tranche's other "
            "subscribers asked for beyond their allocations. Reduce the tranche instead.",
            field="lots")
    extra = allocate_lots(lots, unmet)
    return {pk: allocated + n * lot
            for (pk, _, allocated), n in zip(others, extra, strict=True) if n}


def _add_lots(increases: dict[int, Decimal], *, actor, why: str) -> None:
    """Save the raised allocations in one statement; a funded one is allocated again until the
    difference is paid. Audited per subscription with the state it left and the old and new amount."""
    bulk_transition(Subscription, "add_lots", actor=actor, reason=why, object_repr=SUBSCRIPTION_REPR,
                    values={pk: {"allocated_amount": new} for pk, new in increases.items()})


# Funding: cash received for allocations, one receipt per payment (amount, value date, reference).

RECEIPT_FIELDS = ("subscription", "amount", "value_date", "reference")


@transaction.atomic
def subscription_record_funding(
    *, subscription: Subscription, amount: Decimal, actor, reference: str, value_date: date | None = None
) -> Subscription:
    """Record one payment received for an allocation (``value_date``: the day it was credited,
    today's business date when not given); the subscription becomes funded when fully paid."""
    sub = _lock_subscription(subscription)
    check_transition(sub, "fund", actor=actor)  # permission, state and deal checks first
    deal = sub.tranche.deal
    check_minor_units(amount, deal.currency, field="amount")
    outstanding = sub.allocated_amount - sub.funded_amount
    if amount <= 0 or amount > outstanding:
        raise InvalidInput(
            f"The amount must be above zero and at most the {deal.money(outstanding)} still due.",
            field="amount",
        )
    reference = (reference or "").strip()
    if not reference or len(reference) > MAX_REFERENCE:
        raise InvalidInput(f"A payment reference of 1 to {MAX_REFERENCE} characters is required.",
                           field="reference")
    if sub.receipts.filter(reference=reference).exists():
        raise InvalidInput(f"A payment with reference '{reference}' is already recorded for this "
                           "subscription.", field="reference")
    value_date = value_date or clock.today()
    if not bounds.EARLIEST_DATE <= value_date <= bounds.LATEST_DATE:
        raise InvalidInput(f"The value date must be from {bounds.EARLIEST_DATE} to {bounds.LATEST_DATE}.",
                           field="value_date")
    _book_receipts([(sub, amount, value_date, reference)], actor=actor)
    sub.refresh_from_db()
    return sub


@transaction.atomic
def subscription_funding_import(*, data: bytes, actor) -> list[FundingReceipt]:
    """Record every payment of a receipts CSV (issuance/funding_csv.py) at once, or none: a bad
    cell, an unknown subscription, a deal not closed, another currency, more than is still due or a
    payment already recorded is named by line and column, and nothing is written."""
    require_perm(actor, "issuance.record_funding_subscription", doing="record funding")
    receipts = parse_receipts(data)
    ids = sorted({r.subscription_id for r in receipts})
    deal_ids = sorted(set(Subscription.objects.filter(pk__in=ids).values_list("tranche__deal_id", flat=True)))
    deals = {d.pk: d for d in Deal.objects.select_for_update().filter(pk__in=deal_ids).order_by("pk")}
    subs = {s.pk: s for s in Subscription.objects.select_for_update(of=("self",))
            .filter(pk__in=ids).select_related("tranche", "investor").order_by("pk")}
    known = set(FundingReceipt.objects.filter(subscription_id__in=ids)
                .values_list("subscription_id", "reference"))
    due = {pk: s.allocated_amount - s.funded_amount for pk, s in subs.items()}
    problems, rows, seen = [], [], set()
    for r in receipts:
        sub = subs.get(r.subscription_id)
        at = f"line {r.line}, column"
        if sub is None:
            problems.append(f"{at} 'subscription': there is no subscription {r.subscription_id}")
            continue
        deal = deals[sub.tranche.deal_id]
        if (sub.pk, r.reference) in known or (sub.pk, r.reference) in seen:
            problems.append(f"{at} 'reference': the payment '{r.reference}' for subscription #{sub.pk} "
                            "is already recorded")
        elif deal.state != Deal.State.CLOSED:
            problems.append(f"{at} 'subscription': the deal {deal} of subscription #{sub.pk} is "
                            f"'{deal.get_state_display()}'; funds are recorded once its book is closed")
        elif sub.state != Subscription.State.ALLOCATED:
            problems.append(f"{at} 'subscription': subscription #{sub.pk} is '{sub.get_state_display()}'; "
                            "only an allocated one is paid")
        elif r.currency != deal.currency:
            problems.append(f"{at} 'currency': {r.currency}, but {deal} is in {deal.currency}")
        elif r.amount > due[sub.pk]:
            problems.append(f"{at} 'amount': {deal.money(r.amount)} is more than the "
                            f"{deal.money(due[sub.pk])} still due on subscription #{sub.pk}")
        else:
            due[sub.pk] -= r.amount
            seen.add((sub.pk, r.reference))
            rows.append((sub, r.amount, r.value_date, r.reference))
    if problems:
        raise nothing_recorded(problems)
    return _book_receipts(rows, actor=actor)


def _book_receipts(rows: list[tuple[Subscription, Decimal, date, str]], *, actor) -> list[FundingReceipt]:
    """Save checked payments of locked subscriptions, in bulk: the receipts (audited as created),
    the subscriptions paid in full through the ``fund`` transition, the others' new funded amount
    (audited as an update). A handful of statements whatever the number of rows."""
    receipts = FundingReceipt.objects.bulk_create([
        FundingReceipt(subscription=sub, amount=amount, value_date=day, reference=ref,
                       recorded_by=actor if getattr(actor, "pk", None) else None)
        for sub, amount, day, ref in rows])
    audit_created_bulk(instances=receipts, actor=actor, fields=RECEIPT_FIELDS)
    paid: dict[int, Decimal] = {}
    refs: dict[int, list[str]] = {}
    subs = {}
    for sub, amount, _, ref in rows:
        paid[sub.pk] = paid.get(sub.pk, sub.funded_amount) + amount
        refs.setdefault(sub.pk, []).append(ref)
        subs[sub.pk] = sub
    full = {pk: {"funded_amount": total} for pk, total in paid.items()
            if total == subs[pk].allocated_amount}
    if full:
        bulk_transition(Subscription, "fund", values=full, actor=actor, object_repr=SUBSCRIPTION_REPR,
                        reason={pk: ", ".join(refs[pk]) for pk in full})
    partial = [pk for pk in paid if pk not in full]
    if partial:
        changed, now = [], timezone.now()
        for pk in partial:
            sub = subs[pk]
            changed.append((sub, [str(sub.funded_amount), str(paid[pk])]))
            sub.funded_amount, sub.updated_at = paid[pk], now
        Subscription.objects.bulk_update([s for s, _ in changed], ["funded_amount", "updated_at"])
        content_type = ContentType.objects.get_for_model(Subscription)
        AuditEvent.objects.bulk_create([
            AuditEvent(actor=actor if getattr(actor, "pk", None) else None, content_type=content_type,
                       object_id=sub.pk, object_repr=str(sub)[:200], action=AuditEvent.Action.UPDATE,
                       reason=", ".join(refs[sub.pk]), changes={"funded_amount": change})
            for sub, change in changed])
    return receipts
