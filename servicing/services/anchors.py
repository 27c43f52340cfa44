"""A paid distribution's Merkle root of (holder, stablecoin base units paid), anchored on chain
(docs/reporting.md, "Portal and verification").

The leaves are the entitlements the chain paid (``paid_amount`` from the final ``Paid`` events) at
the time the distribution was finished; escrowed entitlements released later are paid in batches of
their own and their ``Paid`` events stand on chain by themselves. The same rows always give the
same tree (``chain.merkle``), so a holder's proof can be computed again at any time and must end in
the anchored root.
"""

from __future__ import annotations

from django.db import transaction

from chain.anchors import anchor_payment_root
from chain.merkle import PaymentTree, payment_tree
from chain.rpc import RPC
from core.audit import audit_event
from core.authz import require_system_or_perm
from core.errors import Refused
from core.models import AuditEvent
from servicing.models import Distribution, Entitlement


def distribution_payments(distribution: Distribution) -> dict[str, int]:
    """Wallet (lower-case) -> stablecoin base units paid, for every paid entitlement."""
    rows = Entitlement.objects.filter(
        distribution=distribution, paid_amount__isnull=False, paid_amount__gt=0
    ).values_list("wallet", "paid_amount")
    return {wallet: int(amount) for wallet, amount in rows}


def distribution_tree(distribution: Distribution) -> PaymentTree:
    payments = distribution_payments(distribution)
    if not payments:
        raise Refused(f"Distribution #{distribution.pk} has paid no holder yet; it has no Merkle tree.")
    return payment_tree(payments)


def distribution_anchor_root(*, distribution: Distribution, actor=None,
                             rpc: RPC | None = None) -> Distribution:
    """Compute the paid distribution's Merkle root, record it and anchor it under the distribution id.
    Safe to repeat: the same root is anchored once; a root that no longer matches the rows is refused."""
    require_system_or_perm(actor, "servicing.pay_distribution", doing="anchor a distribution's Merkle root")
    distribution = Distribution.objects.get(pk=distribution.pk)
    if distribution.state != Distribution.State.PAID:
        raise Refused(
            f"Distribution #{distribution.pk} is '{distribution.state}'; only a paid one is anchored."
        )
    root = "0x" + distribution_tree(distribution).root.hex()
    if distribution.merkle_root and distribution.merkle_root != root:
        raise Refused(f"Distribution #{distribution.pk} recorded Merkle root {distribution.merkle_root}; its "
                      f"paid entitlements now give {root}. Nothing was anchored.")
    anchor = anchor_payment_root(distribution_id=distribution.distribution_id, root=root,
                                 subject=f"distribution #{distribution.pk} ({distribution})",
                                 actor=actor, rpc=rpc)
    with transaction.atomic():
        locked = Distribution.objects.select_for_update().get(pk=distribution.pk)
        if locked.root_anchor_id == anchor.pk:
            return locked
        before = locked.merkle_root
        locked.merkle_root, locked.root_anchor = root, anchor
        locked.save(update_fields=["merkle_root", "root_anchor", "updated_at"])
        audit_event(instance=locked, actor=actor, action=AuditEvent.Action.UPDATE, name="anchor_root",
                    reason=f"Merkle root anchored in transaction {anchor.transaction.tx_hash}",
                    changes={"merkle_root": [before or None, root]})
    return locked
