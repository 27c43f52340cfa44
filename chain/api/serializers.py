from django.conf import settings
from rest_framework import serializers

from chain.models import ChainTransaction, Contract, HolderBalance, HolderSnapshot, ReorgAlert


class ChainTransactionSerializer(serializers.ModelSerializer):
    sender = serializers.CharField(source="signer.address", read_only=True)
    explorer_url = serializers.SerializerMethodField()

    class Meta:
        model = ChainTransaction
        fields = ["id", "idempotency_key", "purpose", "payload", "state", "chain_id", "sender",
                  "to_address", "contract_address", "nonce", "value", "gas_limit", "max_fee_per_gas",
                  "max_priority_fee_per_gas", "tx_hash", "explorer_url", "block_number", "block_hash",
                  "gas_used", "effective_gas_price", "error", "broadcast_count", "created_at",
                  "signed_at", "broadcast_at", "mined_at", "confirmed_at"]

    def get_explorer_url(self, obj: ChainTransaction) -> str | None:
        template = settings.CHAIN_EXPLORER_TX_URL
        return template.format(hash=obj.tx_hash) if template and obj.tx_hash else None


class ContractSerializer(serializers.ModelSerializer):
    deploy_tx_hash = serializers.CharField(source="deploy_transaction.tx_hash", default=None, read_only=True)

    class Meta:
        model = Contract
        fields = ["id", "chain_id", "address", "kind", "name", "spv", "tranche", "registry",
                  "deployed_block", "deploy_transaction", "deploy_tx_hash", "created_at"]


class HolderBalanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = HolderBalance
        fields = ["wallet", "balance"]


class HolderSnapshotSerializer(serializers.ModelSerializer):
    contract_address = serializers.CharField(source="contract.address", read_only=True)
    balances = HolderBalanceSerializer(many=True, read_only=True)

    class Meta:
        model = HolderSnapshot
        fields = ["id", "contract", "contract_address", "block_number", "block_hash", "record_date",
                  "total_supply", "holder_count", "content_hash", "created_at", "balances"]


class ReorgAlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReorgAlert
        fields = ["id", "chain_id", "detected_at", "fork_block", "safe_block", "message", "resolved_at"]
