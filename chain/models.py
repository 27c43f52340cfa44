"""The chain as the back office sees it: signers and their nonces, transaction intents,
our deployed contracts, indexed events, reorg alerts and record-date holder snapshots.

Token amounts are integers in base units (NUMERIC(78,0)); addresses of indexed rows are
lower-case hex (what the node returns), addresses we configure are EIP-55 checksummed.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

UINT = {"max_digits": 78, "decimal_places": 0}
SYSTEM = {"bulk_only": True}  # taken by the transaction manager, never a button


class Signer(models.Model):
    """One signing address on one chain, and the next nonce it will use (locked FOR UPDATE)."""

    chain_id = models.PositiveBigIntegerField()
    address = models.CharField(max_length=42)
    next_nonce = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Empty until first read from the chain."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain_id", "address"], name="signer_unique")]

    def __str__(self) -> str:
        return f"{self.address} on chain {self.chain_id}"


class ChainTransaction(ConcurrentTransitionMixin, models.Model):
    """An on-chain write: recorded as an intent before it is signed, signed once, broadcast
    (again only with the same signed bytes), then followed until confirmed."""

    class State(models.TextChoices):
        PLANNED = "planned", "planned"
        SIGNED = "signed", "signed"
        BROADCAST = "broadcast", "broadcast"
        MINED = "mined", "mined"
        CONFIRMED = "confirmed", "confirmed"
        FAILED = "failed", "failed"
        REPLACED = "replaced", "replaced"
        HELD = "held", "held for review"

    OPEN_STATES = (State.PLANNED, State.SIGNED, State.BROADCAST, State.MINED)

    idempotency_key = models.CharField(max_length=200, unique=True)
    purpose = models.CharField(max_length=64, db_index=True)
    payload = models.JSONField(default=dict, blank=True, help_text="What the business asked for.")
    signer = models.ForeignKey(Signer, on_delete=models.PROTECT, related_name="transactions")
    chain_id = models.PositiveBigIntegerField()
    to_address = models.CharField(max_length=42, blank=True, help_text="Empty for a deployment.")
    data = models.TextField(help_text="Calldata (or init code) as 0x-hex.")
    value = models.DecimalField(**UINT, default=0)
    nonce = models.PositiveBigIntegerField()
    gas_limit = models.PositiveBigIntegerField()
    max_fee_per_gas = models.DecimalField(**UINT)
    max_priority_fee_per_gas = models.DecimalField(**UINT)
    raw_transaction = models.TextField(blank=True, help_text="The signed bytes; rebroadcast verbatim.")
    tx_hash = models.CharField(max_length=66, blank=True, db_index=True)
    state = FSMField(default=State.PLANNED, choices=State.choices, protected=True, db_index=True)
    block_number = models.PositiveBigIntegerField(null=True, blank=True)
    block_hash = models.CharField(max_length=66, blank=True)
    gas_used = models.PositiveBigIntegerField(null=True, blank=True)
    effective_gas_price = models.DecimalField(**UINT, null=True, blank=True)
    contract_address = models.CharField(max_length=42, blank=True)
    error = models.TextField(blank=True)
    broadcast_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    broadcast_at = models.DateTimeField(null=True, blank=True)
    mined_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        permissions = [
            ("follow_chaintransaction", "Can ask the chain about a transaction now"),
            ("pay_distribution_chaintransaction", "Can pay a distribution to token holders on chain"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["signer", "nonce"], name="chaintx_one_intent_per_nonce"),
            models.CheckConstraint(
                condition=Q(state="planned") | ~Q(raw_transaction=""), name="chaintx_signed_has_raw"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} #{self.pk} ({self.state})"

    @transition(state, source=State.PLANNED, target=State.SIGNED, custom=SYSTEM)
    def sign(self) -> None:
        pass

    @transition(state, source=State.SIGNED, target=State.BROADCAST, custom=SYSTEM)
    def broadcast(self) -> None:
        pass

    @transition(state, source=[State.SIGNED, State.BROADCAST], target=State.MINED, custom=SYSTEM)
    def mine(self) -> None:
        pass

    @transition(state, source=State.MINED, target=State.BROADCAST, custom=SYSTEM)
    def reorg_out(self) -> None:
        pass

    @transition(state, source=State.MINED, target=State.CONFIRMED, custom=SYSTEM)
    def confirm(self) -> None:
        pass

    @transition(
        state,
        source=[State.PLANNED, State.SIGNED, State.BROADCAST, State.MINED],
        target=State.FAILED,
        custom=SYSTEM,
    )
    def fail(self) -> None:
        pass

    @transition(state, source=[State.SIGNED, State.BROADCAST], target=State.REPLACED, custom=SYSTEM)
    def replace(self) -> None:
        pass

    @transition(state, source=list(OPEN_STATES), target=State.HELD, custom=SYSTEM)
    def hold(self) -> None:
        """The chain was reset (another genesis): nothing is sent until a person resolves the alert."""

    @transition(state, source=State.HELD, target=RETURN_VALUE(State.PLANNED, State.SIGNED), custom=SYSTEM)
    def release(self) -> str:
        """Back on the recorded chain: signed bytes are sent (or found mined) again, the rest signed."""
        return self.State.SIGNED if self.raw_transaction else self.State.PLANNED


class Contract(models.Model):
    """A contract we deployed (or adopted) and index."""

    class Kind(models.TextChoices):
        IDENTITY_REGISTRY = "IdentityRegistry", "identity registry"
        TRANCHE_TOKEN = "TrancheToken", "tranche token"
        PAYOUT = "Payout", "payout"
        STABLECOIN = "MockStablecoin", "stablecoin (mock)"
        ANCHOR = "Anchor", "anchor registry"

    chain_id = models.PositiveBigIntegerField()
    address = models.CharField(max_length=42, help_text="EIP-55 checksummed.")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    name = models.CharField(max_length=120)
    spv = models.ForeignKey(
        "issuance.SPV", null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    tranche = models.OneToOneField(
        "issuance.Tranche", null=True, blank=True, on_delete=models.PROTECT, related_name="token_contract"
    )
    registry = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tokens",
        help_text="The identity registry a token checks.",
    )
    deployed_block = models.PositiveBigIntegerField(default=0)
    deploy_transaction = models.ForeignKey(
        ChainTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["chain_id", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["chain_id", "address"], name="contract_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.address[:10]}…)"


class IndexerCursor(models.Model):
    """How far the indexer has read one chain, and how far it regards as final."""

    chain_id = models.PositiveBigIntegerField(unique=True)
    last_block = models.BigIntegerField(default=-1, help_text="Highest block read; -1 before the first run.")
    safe_block = models.BigIntegerField(default=-1, help_text="Rows at or below this block are final.")
    chunk_size = models.PositiveIntegerField(default=2000)
    halted = models.BooleanField(default=False, help_text="Stopped by a reorg deeper than the confirmations.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"chain {self.chain_id} at block {self.last_block}"


class IndexedBlock(models.Model):
    """A block header the indexer saw: the parent hash links let it notice reorgs, its time dates
    what happened in the block (a payout is paid when its block was made, not when we noticed)."""

    chain_id = models.PositiveBigIntegerField()
    number = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=66)
    parent_hash = models.CharField(max_length=66)
    timestamp = models.DateTimeField(null=True, blank=True, help_text="The block's time, from its header.")

    class Meta:
        ordering = ["chain_id", "number"]
        constraints = [models.UniqueConstraint(fields=["chain_id", "number"], name="indexedblock_unique")]

    def __str__(self) -> str:
        return f"#{self.number} {self.hash[:10]}…"


class _LogRow(models.Model):
    chain_id = models.PositiveBigIntegerField()
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="+")
    block_number = models.PositiveBigIntegerField()
    block_hash = models.CharField(max_length=66)
    tx_hash = models.CharField(max_length=66)
    log_index = models.PositiveIntegerField()
    final = models.BooleanField(default=False)

    class Meta:
        abstract = True


class TokenTransfer(_LogRow):
    """An ERC-20 Transfer of one of our contracts (mint: sender 0x0, burn: recipient 0x0)."""

    sender = models.CharField(max_length=42)
    recipient = models.CharField(max_length=42)
    value = models.DecimalField(**UINT)

    class Meta:
        ordering = ["block_number", "log_index"]
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "tx_hash", "log_index"], name="tokentransfer_unique")
        ]
        indexes = [models.Index(fields=["contract", "block_number"], name="tokentransfer_contract_block")]

    def __str__(self) -> str:
        return f"{self.sender[:8]}… -> {self.recipient[:8]}… {self.value}"


class ChainEvent(_LogRow):
    """Any other event of our contracts (agent actions, registry, payouts), decoded."""

    name = models.CharField(max_length=64, db_index=True)
    args = models.JSONField(default=dict)

    class Meta:
        ordering = ["block_number", "log_index"]
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "tx_hash", "log_index"], name="chainevent_unique")
        ]
        indexes = [models.Index(fields=["contract", "block_number"], name="chainevent_contract_block")]

    def __str__(self) -> str:
        return f"{self.name} @ {self.block_number}"


class ReorgAlert(models.Model):
    """A reorg deeper than the confirmation depth: final rows were not rewritten; a person decides."""

    chain_id = models.PositiveBigIntegerField()
    detected_at = models.DateTimeField(auto_now_add=True)
    fork_block = models.BigIntegerField(help_text="Highest block whose hash still matches the chain.")
    safe_block = models.BigIntegerField(help_text="Rows up to here were final.")
    message = models.TextField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"reorg alert on chain {self.chain_id} at block {self.fork_block}"


class ChainIdentity(models.Model):
    """The genesis block hash of a chain id, recorded the first time the back office talks to it.
    A node that later reports another genesis under the same chain id is a reset chain
    (``chain.genesis``): nothing is sent to it."""

    chain_id = models.PositiveBigIntegerField(unique=True)
    genesis_hash = models.CharField(max_length=66)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "chain identities"

    def __str__(self) -> str:
        return f"chain {self.chain_id} (genesis {self.genesis_hash[:10]}…)"


class ChainResetAlert(models.Model):
    """The node reports another genesis block than the one recorded for the chain id: sending
    stopped and the open intents were held. A person resolves it once the node is back on the
    recorded chain; the held intents then continue."""

    chain_id = models.PositiveBigIntegerField()
    detected_at = models.DateTimeField(auto_now_add=True)
    expected_genesis = models.CharField(max_length=66, help_text="The genesis recorded for the chain id.")
    found_genesis = models.CharField(max_length=66, help_text="The genesis the node reported.")
    held_intents = models.PositiveIntegerField(default=0, help_text="Open intents held for review.")
    message = models.TextField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-detected_at", "-id"]
        permissions = [("resolve_chainresetalert", "Can resolve a chain reset alert")]
        constraints = [
            models.UniqueConstraint(
                fields=["chain_id", "found_genesis"],
                condition=Q(resolved_at__isnull=True),
                name="chainresetalert_one_open_per_genesis",
            )
        ]

    def __str__(self) -> str:
        return f"chain {self.chain_id} reset (genesis {self.found_genesis[:10]}…)"


class HolderSnapshot(models.Model):
    """Balances of one token at a record block, from indexed transfers, checked against the chain."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="snapshots")
    block_number = models.PositiveBigIntegerField()
    block_hash = models.CharField(max_length=66)
    record_date = models.DateField(null=True, blank=True)
    total_supply = models.DecimalField(**UINT)
    holder_count = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64, help_text="sha256 of the canonical holder list.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-block_number"]
        constraints = [models.UniqueConstraint(fields=["contract", "block_number"], name="snapshot_unique")]

    def __str__(self) -> str:
        return f"{self.contract.name} holders at block {self.block_number}"


class HolderBalance(models.Model):
    """One wallet's balance in a snapshot (base units)."""

    snapshot = models.ForeignKey(HolderSnapshot, on_delete=models.CASCADE, related_name="balances")
    wallet = models.CharField(max_length=42)
    balance = models.DecimalField(**UINT)

    class Meta:
        ordering = ["snapshot", "wallet"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "wallet"], name="holderbalance_unique"),
            models.CheckConstraint(condition=Q(balance__gt=0), name="holderbalance_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.wallet}: {self.balance}"


class Anchor(models.Model):
    """A value published in the Anchor contract, once: a distribution's Merkle root of (holder,
    amount) under its distribution id, or a report's SHA-256 with a reference naming the report.
    Recorded when its transaction is planned; the transaction says when it was mined."""

    class Kind(models.TextChoices):
        PAYMENT_ROOT = "payment_root", "payments Merkle root"
        DOCUMENT = "document", "document SHA-256"

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="anchors")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=66, help_text="0x-hex: the distribution id, or the document's SHA-256.")
    value = models.CharField(max_length=66, help_text="0x-hex: the Merkle root, or the document reference.")
    subject = models.CharField(max_length=200, help_text="What was anchored, as people read it.")
    transaction = models.OneToOneField(ChainTransaction, on_delete=models.PROTECT, related_name="anchor")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "kind", "key"], name="anchor_once_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.subject}: {self.value[:10]}…"
