"""Read-only REST API of the chain for staff: intents with their status, our contracts, holder
snapshots with balances, reorg alerts. Investors have no chain view permission (403)."""

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from rest_framework import viewsets

from chain.api.serializers import (
    ChainTransactionSerializer,
    ContractSerializer,
    HolderSnapshotSerializer,
    ReorgAlertSerializer,
)
from chain.models import ChainTransaction, Contract, HolderBalance, HolderSnapshot, ReorgAlert
from core.roles import sees_all


def _staff_only(request, qs):
    return qs if sees_all(request.user) else qs.none()


class ChainTransactionFilter(filters.FilterSet):
    state = filters.MultipleChoiceFilter(choices=ChainTransaction.State.choices)
    open = filters.BooleanFilter(method="filter_open", label="open (planned, signed, broadcast, mined)")
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = ChainTransaction
        fields = ["state", "purpose", "chain_id", "tx_hash", "to_address", "idempotency_key"]

    def filter_open(self, qs, name, value):
        if value is None:
            return qs
        if value:
            return qs.filter(state__in=ChainTransaction.OPEN_STATES)
        return qs.exclude(state__in=ChainTransaction.OPEN_STATES)


class ChainTransactionViewSet(viewsets.ReadOnlyModelViewSet):
    """Transaction intents and their status (planned -> signed -> broadcast -> mined -> confirmed)."""

    serializer_class = ChainTransactionSerializer
    filterset_class = ChainTransactionFilter
    search_fields = ["idempotency_key", "tx_hash", "purpose"]
    ordering_fields = ["id", "nonce", "created_at", "block_number"]

    def get_queryset(self):
        return _staff_only(self.request, ChainTransaction.objects.select_related("signer").order_by("-id"))


class ContractFilter(filters.FilterSet):
    spv = filters.NumberFilter(field_name="spv")
    tranche = filters.NumberFilter(field_name="tranche")
    registry = filters.NumberFilter(field_name="registry")

    class Meta:
        model = Contract
        fields = ["kind", "chain_id", "address", "spv", "tranche", "registry"]


class ContractViewSet(viewsets.ReadOnlyModelViewSet):
    """The contracts we deployed: registries, tranche tokens, payout, stablecoin."""

    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    search_fields = ["name", "address"]
    ordering_fields = ["id", "name", "deployed_block"]

    def get_queryset(self):
        return _staff_only(self.request, Contract.objects.select_related("deploy_transaction"))


class HolderSnapshotFilter(filters.FilterSet):
    contract = filters.NumberFilter(field_name="contract")
    block_after = filters.NumberFilter(field_name="block_number", lookup_expr="gte")
    block_before = filters.NumberFilter(field_name="block_number", lookup_expr="lte")

    class Meta:
        model = HolderSnapshot
        fields = ["contract", "record_date"]


class HolderSnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    """Record-date holder snapshots with every holder's balance (base units)."""

    serializer_class = HolderSnapshotSerializer
    filterset_class = HolderSnapshotFilter
    ordering_fields = ["block_number", "record_date", "created_at"]

    def get_queryset(self):
        qs = HolderSnapshot.objects.select_related("contract").prefetch_related(
            Prefetch("balances", queryset=HolderBalance.objects.order_by("wallet"))
        )
        return _staff_only(self.request, qs)


class ReorgAlertFilter(filters.FilterSet):
    resolved = filters.BooleanFilter(field_name="resolved_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = ReorgAlert
        fields = ["chain_id", "resolved"]


class ReorgAlertViewSet(viewsets.ReadOnlyModelViewSet):
    """Reorgs deeper than the confirmation depth: final rows were kept; a person decides."""

    serializer_class = ReorgAlertSerializer
    filterset_class = ReorgAlertFilter
    ordering_fields = ["detected_at", "fork_block"]

    def get_queryset(self):
        return _staff_only(self.request, ReorgAlert.objects.all())


ROUTES = [
    ("chain/transactions", ChainTransactionViewSet, "chain-transaction"),
    ("chain/contracts", ContractViewSet, "chain-contract"),
    ("chain/snapshots", HolderSnapshotViewSet, "chain-snapshot"),
    ("chain/reorg-alerts", ReorgAlertViewSet, "chain-reorgalert"),
]
