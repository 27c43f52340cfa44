"""REST API of distributions (docs/servicing.md): distributions with their batches and escrow lines,
holders' entitlements (an investor sees only its own, never why one is held), escrow decisions and
batch actions. Every transitioning POST takes an Idempotency-Key."""

from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from core.api.money import MoneySerializerMixin
from core.api.transitions import with_transition_actions
from servicing import selectors
from servicing.models import Distribution, Entitlement, EscrowLine, PayoutBatch
from servicing.services.distributions import distribution_transition, escrowline_transition
from servicing.services.payouts import payoutbatch_transition


class PayoutBatchSerializer(serializers.ModelSerializer):
    tx_hash = serializers.CharField(source="transaction.tx_hash", default=None, read_only=True)
    tx_state = serializers.CharField(source="transaction.state", default=None, read_only=True)

    class Meta:
        model = PayoutBatch
        fields = [
            "id",
            "distribution",
            "number",
            "kind",
            "state",
            "recipients",
            "total",
            "attempt",
            "transaction",
            "tx_hash",
            "tx_state",
            "funding",
            "error",
            "created_at",
            "updated_at",
        ]


class EscrowLineSerializer(serializers.ModelSerializer):
    distribution = serializers.IntegerField(source="entitlement.distribution_id", read_only=True)
    wallet = serializers.CharField(source="entitlement.wallet", read_only=True)
    investor = serializers.IntegerField(source="entitlement.investor_id", read_only=True, allow_null=True)
    amount = serializers.DecimalField(
        source="entitlement.amount", max_digits=78, decimal_places=0, read_only=True
    )
    batch = serializers.IntegerField(source="entitlement.batch_id", read_only=True, allow_null=True)

    class Meta:
        model = EscrowLine
        fields = [
            "id",
            "distribution",
            "wallet",
            "investor",
            "amount",
            "reason_code",
            "state",
            "decided_by",
            "decided_at",
            "batch",
            "created_at",
        ]


class DistributionSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    deal = serializers.IntegerField(source="period.deal_id", read_only=True)
    period_number = serializers.IntegerField(source="period.number", read_only=True)
    record_date = serializers.DateField(source="period.record_date", read_only=True)
    payment_date = serializers.DateField(source="period.payment_date", read_only=True)
    holders = serializers.IntegerField(read_only=True)
    holders_paid = serializers.IntegerField(read_only=True)
    batches = PayoutBatchSerializer(many=True, read_only=True)
    escrow = serializers.SerializerMethodField()

    class Meta:
        model = Distribution
        fields = [
            "id",
            "period",
            "deal",
            "period_number",
            "record_date",
            "payment_date",
            "tranche",
            "currency",
            "interest",
            "principal",
            "residual",
            "amount",
            "state",
            "snapshot",
            "payout",
            "stablecoin",
            "stablecoin_decimals",
            "amount_base_units",
            "distribution_id",
            "principal_before",
            "principal_after",
            "factor",
            "progress",
            "holders",
            "holders_paid",
            "batches",
            "escrow",
            "created_by",
            "approved_by",
            "created_at",
            "updated_at",
        ]

    def get_escrow(self, obj: Distribution) -> list[dict]:
        return [
            {
                "id": e.escrow.pk,
                "wallet": e.wallet,
                "amount": str(e.amount),
                "reason_code": e.escrow.reason_code,
                "state": e.escrow.state,
            }
            for e in obj.escrowed
        ]


class EntitlementSerializer(serializers.ModelSerializer):
    """An investor sees whether its entitlement is held, never why (the reason is for staff)."""

    tranche = serializers.IntegerField(source="distribution.tranche_id", read_only=True)
    period = serializers.IntegerField(source="distribution.period_id", read_only=True)
    payment_date = serializers.DateField(source="distribution.period.payment_date", read_only=True)
    held = serializers.SerializerMethodField()

    class Meta:
        model = Entitlement
        fields = [
            "id",
            "distribution",
            "tranche",
            "period",
            "payment_date",
            "wallet",
            "investor",
            "balance",
            "amount",
            "held",
            "batch",
            "paid_amount",
            "paid_tx_hash",
            "paid_block",
        ]

    def get_held(self, obj: Entitlement) -> bool:
        escrow = getattr(obj, "escrow", None)  # a missing one-to-one raises an AttributeError
        return escrow is not None and escrow.state != EscrowLine.State.RELEASED and obj.paid_block is None


class StaffEntitlementSerializer(EntitlementSerializer):
    escrow_reason = serializers.CharField(source="escrow.reason_code", default=None, read_only=True)
    escrow_state = serializers.CharField(source="escrow.state", default=None, read_only=True)

    class Meta(EntitlementSerializer.Meta):
        fields = [*EntitlementSerializer.Meta.fields, "escrow_reason", "escrow_state"]


class DistributionFilter(filters.FilterSet):
    deal = filters.NumberFilter(field_name="period__deal")

    class Meta:
        model = Distribution
        fields = ["state", "period", "tranche", "deal"]


@with_transition_actions(
    Distribution,
    lambda obj, name, actor, reason: distribution_transition(
        distribution=obj, name=name, actor=actor, reason=reason
    ),
)
class DistributionViewSet(viewsets.ReadOnlyModelViewSet):
    """Distributions of approved periods, with their payout batches and escrow lines. Actions:
    approve (a second person), pay (queues the payout task)."""

    serializer_class = DistributionSerializer
    filterset_class = DistributionFilter
    ordering_fields = ["id", "created_at"]

    def get_queryset(self):
        return selectors.distributions_visible_to(self.request.user)


class EntitlementViewSet(viewsets.ReadOnlyModelViewSet):
    """Each holder's entitlement in stablecoin base units and whether it is paid; investors see
    their own."""

    filterset_fields = ["distribution", "investor", "wallet", "batch"]
    ordering_fields = ["wallet", "amount"]

    def get_serializer_class(self):
        from core.roles import sees_all

        return StaffEntitlementSerializer if sees_all(self.request.user) else EntitlementSerializer

    def get_queryset(self):
        return selectors.entitlements_visible_to(self.request.user)


@with_transition_actions(
    EscrowLine,
    lambda obj, name, actor, reason: escrowline_transition(line=obj, name=name, actor=actor, reason=reason),
)
class EscrowLineViewSet(viewsets.ReadOnlyModelViewSet):
    """Entitlements held back: release (paid in a batch of its own) or keep - compliance, with a reason."""

    serializer_class = EscrowLineSerializer
    filterset_fields = ["state", "reason_code"]

    def get_queryset(self):
        return selectors.escrow_lines_visible_to(self.request.user)


@with_transition_actions(
    PayoutBatch,
    lambda obj, name, actor, reason: payoutbatch_transition(batch=obj, name=name, actor=actor, reason=reason),
)
class PayoutBatchViewSet(viewsets.ReadOnlyModelViewSet):
    """Payout batches: approve an escrow release's batch, retry a failed one (alone)."""

    serializer_class = PayoutBatchSerializer
    filterset_fields = ["distribution", "state", "kind"]

    def get_queryset(self):
        return selectors.payout_batches_visible_to(self.request.user)


DISTRIBUTION_ROUTES = [
    ("servicing/distributions", DistributionViewSet, "distribution"),
    ("servicing/entitlements", EntitlementViewSet, "entitlement"),
    ("servicing/escrow-lines", EscrowLineViewSet, "escrowline"),
    ("servicing/payout-batches", PayoutBatchViewSet, "payoutbatch"),
]
