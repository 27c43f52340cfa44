"""A chain reset: the node reports another genesis block under the same chain id.

That happens when a development node (anvil) restarts without its state, or when CHAIN_RPC_URL
points at another network that reuses the chain id. Every intent the database holds then refers to
a chain that is gone: re-sending its signed bytes would land stale transactions (another nonce
sequence, contracts that do not exist) on the new chain.

:func:`check_genesis` runs before anything is sent - at the start of every follow run, index run,
chain task, new intent and broadcast. The first time a chain id is seen, its genesis block hash is
recorded (:class:`~chain.models.ChainIdentity`). When the node later reports another one, it holds
every open intent of the chain (state ``held``, audited), raises a
:class:`~chain.models.ChainResetAlert` (admin) and logs an error, then refuses with
:class:`ChainReset`; while the genesis differs, every later check refuses with the same message.

A person resolves the alert (:func:`chain_reset_alert_resolve`) once the node is back on the
recorded chain (restored from its state file, or CHAIN_RPC_URL corrected): the held intents go
back to ``signed`` (their stored bytes are sent again, or found mined) or ``planned``. A chain that
was reset for good is not resumed here: its rows describe a chain that no longer exists (for the
local demo chain, ``chain_demo`` forgets them and deploys again).
"""

from __future__ import annotations

import logging
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chain.models import ChainIdentity, ChainResetAlert, ChainTransaction
from chain.rpc import RPC, get_rpc
from core.audit import audit_created, audit_event, audit_transition_rows
from core.authz import require_perm
from core.errors import InvalidInput, Refused
from core.models import AuditEvent

log = logging.getLogger(__name__)
State = ChainTransaction.State


class ChainReset(Refused):
    """The node is not on the chain the database records: nothing is sent."""

    code = "chain_reset"


def genesis_hash(rpc: RPC) -> str:
    return rpc.get_block(0)["hash"]


def check_genesis(rpc: RPC | None = None, *, chain_id: int | None = None) -> None:
    """Record the chain's genesis when first seen; refuse (holding intents, alerting once) when the
    node reports another. Call it outside any transaction: what it records must stay."""
    rpc = rpc or get_rpc()
    chain_id = chain_id or settings.CHAIN_ID
    found = genesis_hash(rpc)
    identity, _ = ChainIdentity.objects.get_or_create(chain_id=chain_id, defaults={"genesis_hash": found})
    if identity.genesis_hash == found:
        return
    raise ChainReset(_stop_sending(chain_id, expected=identity.genesis_hash, found=found))


def _stop_sending(chain_id: int, *, expected: str, found: str) -> str:
    with transaction.atomic():
        ChainIdentity.objects.select_for_update().get(chain_id=chain_id)  # one alert, however many workers
        held = _hold_open_intents(chain_id, reason=f"chain reset: the node reports genesis {found}, "
                                                   f"not the recorded {expected}")
        alert = ChainResetAlert.objects.filter(chain_id=chain_id, found_genesis=found,
                                               resolved_at__isnull=True).first()
        if alert is None:
            alert = ChainResetAlert.objects.create(
                chain_id=chain_id, expected_genesis=expected, found_genesis=found, held_intents=held,
                message=(f"Chain {chain_id} was reset: the node reports genesis block {found}, "
                         f"not {expected} as first recorded. Sending is stopped and {held} open "
                         f"intent{'' if held == 1 else 's'} {'is' if held == 1 else 'are'} held for review."),
            )
            audit_created(instance=alert, actor=None, fields=("chain_id", "expected_genesis", "found_genesis",
                                                               "held_intents"))
            log.error(alert.message)
            return alert.message
        if held:
            ChainResetAlert.objects.filter(pk=alert.pk).update(held_intents=alert.held_intents + held)
    log.warning("sending refused (alert #%s): %s", alert.pk, alert.message)
    return alert.message


def _hold_open_intents(chain_id: int, *, reason: str) -> int:
    rows = list(
        ChainTransaction.objects.select_for_update()
        .filter(chain_id=chain_id, state__in=ChainTransaction.OPEN_STATES)
        .order_by("id")
        .values_list("pk", "state", "purpose")
    )
    if not rows:
        return 0
    ChainTransaction.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(
        state=State.HELD, error=reason, updated_at=timezone.now()
    )
    by_state: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pk, state, purpose in rows:
        by_state[state].append((pk, f"{purpose} #{pk} (held)"))
    for state, part in by_state.items():
        audit_transition_rows(model=ChainTransaction, actor=None, name="hold", to_state=State.HELD,
                              rows=[(pk, text, state, reason, {}) for pk, text in part])
    return len(rows)


def chain_reset_alert_resolve(*, alert: ChainResetAlert, actor, reason: str,
                              rpc: RPC | None = None) -> ChainResetAlert:
    """A person confirms the node is back on the recorded chain: the alert is resolved and the
    held intents continue (signed ones from their stored bytes, the others from planned)."""
    require_perm(actor, "chain.resolve_chainresetalert", doing="resolve a chain reset alert")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say how the chain was put right.", field="reason")
    rpc = rpc or get_rpc()
    found = genesis_hash(rpc)
    with transaction.atomic():
        alert = ChainResetAlert.objects.select_for_update().get(pk=alert.pk)
        if alert.resolved_at is not None:
            raise Refused(f"Chain reset alert #{alert.pk} was already resolved.")
        expected = ChainIdentity.objects.get(chain_id=alert.chain_id).genesis_hash
        if found != expected:
            raise Refused(
                f"The node at {rpc.url} still reports genesis block {found}; chain {alert.chain_id} was "
                f"recorded with {expected}. Restore the node (its state, or the right CHAIN_RPC_URL) first."
            )
        released = _release_held_intents(alert.chain_id, actor=actor, reason=reason)
        alert.resolved_at, alert.resolved_by, alert.resolution = timezone.now(), actor, reason
        alert.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit_event(instance=alert, actor=actor, action=AuditEvent.Action.UPDATE, name="resolve",
                    reason=reason, changes={"resolved_at": [None, alert.resolved_at.isoformat()],
                                            "released_intents": [0, released]})
    log.warning("chain reset alert #%s resolved by %s: %s intents released", alert.pk, actor, released)
    return alert


def _release_held_intents(chain_id: int, *, actor, reason: str) -> int:
    held = ChainTransaction.objects.select_for_update().filter(chain_id=chain_id, state=State.HELD)
    released = 0
    for target, signed in ((State.SIGNED, True), (State.PLANNED, False)):
        part = held.exclude(raw_transaction="") if signed else held.filter(raw_transaction="")
        rows = list(part.order_by("id").values_list("pk", "purpose"))
        if not rows:
            continue
        ChainTransaction.objects.filter(pk__in=[pk for pk, _ in rows]).update(
            state=target, error="", updated_at=timezone.now()
        )
        audit_transition_rows(model=ChainTransaction, actor=actor, name="release", to_state=target,
                              rows=[(pk, f"{what} #{pk}", State.HELD, reason, {}) for pk, what in rows])
        released += len(rows)
    return released
