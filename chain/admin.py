"""Read-only admin for the chain: intents with explorer-style details, contracts, the indexer
(cursor, backlog, reorg alerts), indexed rows and holder snapshots. Writes happen only through
chain.services / chain.txmanager."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.admin import TabularInline

from chain import deal_tokens, txmanager
from chain.genesis import chain_reset_alert_resolve
from chain.models import (
    Anchor,
    ChainEvent,
    ChainIdentity,
    ChainResetAlert,
    ChainTransaction,
    Contract,
    HolderBalance,
    HolderSnapshot,
    IndexerCursor,
    ReorgAlert,
    TokenTransfer,
)
from chain.rpc import NodeUnavailable, RPCError
from core.admin_base import ReadOnlyAdmin
from core.admin_money import MoneyAdminMixin
from core.errors import NotPermitted, Refused


def _short(value: str, n: int = 10) -> str:
    return f"{value[:n]}…{value[-4:]}" if value and len(value) > n + 4 else value


@admin.register(ChainTransaction)
class ChainTransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "purpose", "state", "nonce", "hash_short", "block_number", "gas_used", "created_at"]
    list_filter = ["state", "purpose", "chain_id"]
    search_fields = ["idempotency_key", "tx_hash", "to_address", "purpose"]
    list_select_related = ["signer"]
    date_hierarchy = "created_at"
    actions = ["follow_now"]
    fieldsets = [
        (
            "Status",
            {
                "fields": [
                    "state",
                    "error",
                    "explorer",
                    "created_at",
                    "signed_at",
                    "broadcast_at",
                    "mined_at",
                    "confirmed_at",
                    "broadcast_count",
                ]
            },
        ),
        ("Intent", {"fields": ["idempotency_key", "purpose", "payload"]}),
        (
            "Transaction",
            {
                "fields": [
                    "chain_id",
                    "tx_hash",
                    "sender",
                    "to_address",
                    "contract_address",
                    "nonce",
                    "value",
                    "gas_limit",
                    "max_fee_per_gas",
                    "max_priority_fee_per_gas",
                    "data",
                ]
            },
        ),
        (
            "Receipt",
            {"fields": ["block_number", "block_hash", "gas_used", "effective_gas_price", "fee_paid"]},
        ),
    ]

    @admin.display(description="hash")
    def hash_short(self, obj: ChainTransaction) -> str:
        return _short(obj.tx_hash)

    @admin.display(description="from")
    def sender(self, obj: ChainTransaction) -> str:
        return obj.signer.address

    @admin.display(description="fee paid (wei)")
    def fee_paid(self, obj: ChainTransaction) -> str:
        if obj.gas_used is None or obj.effective_gas_price is None:
            return "-"
        return f"{obj.gas_used * int(obj.effective_gas_price):,}"

    @admin.display(description="explorer")
    def explorer(self, obj: ChainTransaction) -> str:
        template = settings.CHAIN_EXPLORER_TX_URL
        if not template or not obj.tx_hash:
            return "-"
        return format_html(
            '<a href="{}" rel="noopener">{}</a>', template.format(hash=obj.tx_hash), obj.tx_hash
        )

    def get_readonly_fields(self, request, obj=None):
        return [f for fs in self.fieldsets for f in fs[1]["fields"]]

    def changelist_view(self, request, extra_context=None):
        """The backlog on top: open intents per state, those held after a chain reset (one grouped
        query), and the oldest open one."""
        held = ChainTransaction.State.HELD
        rows = list(
            ChainTransaction.objects.filter(state__in=[*ChainTransaction.OPEN_STATES, held])
            .values("state")
            .annotate(n=Count("id"), oldest=Min("created_at"))
        )
        counts = {r["state"]: r["n"] for r in rows}
        oldest = min((r["oldest"] for r in rows if r["state"] != held), default=None)
        backlog = [(s, s.label, counts.get(s, 0)) for s in (*ChainTransaction.OPEN_STATES, held)]
        total = sum(n for state, n in counts.items() if state != held)
        extra = {"backlog": backlog, "backlog_total": total, "backlog_oldest": oldest}
        return super().changelist_view(request, extra_context={**extra, **(extra_context or {})})

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_follow_permission(self, request) -> bool:
        return request.user.has_perm("chain.follow_chaintransaction")

    @admin.action(
        description="Ask the chain now (sign / broadcast / follow open intents)", permissions=["follow"]
    )
    def follow_now(self, request, queryset):
        done = 0
        for tx in queryset.filter(state__in=ChainTransaction.OPEN_STATES).order_by("signer_id", "nonce"):
            try:
                txmanager.drive(tx)
                done += 1
            except (Refused, RPCError, NodeUnavailable) as exc:
                self.message_user(request, f"#{tx.pk}: {exc}", messages.ERROR)
        self.message_user(request, f"{done} open intent(s) followed.", messages.INFO)


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "address", "chain_id", "deployed_block", "tranche", "spv"]
    list_filter = ["kind", "chain_id"]
    search_fields = ["name", "address"]
    list_select_related = ["tranche__deal", "spv"]

    # The deal page's token step (chain/deal_tokens.py) posts its two buttons here.
    def get_urls(self):
        return [
            path("deal/<int:deal_id>/deploy/", self.admin_site.admin_view(self.deal_deploy_view),
                 name="chain_deal_tokens_deploy"),
            path("deal/<int:deal_id>/mint/", self.admin_site.admin_view(self.deal_mint_view),
                 name="chain_deal_tokens_mint"),
            *super().get_urls(),
        ]

    def deal_deploy_view(self, request, deal_id: int):
        def deployed(deal):
            contracts = deal_tokens.deal_tokens_deploy(deal=deal, actor=request.user)
            return (f"{deal}: the identity registry and {len(contracts) - 1} tranche token(s) are "
                    "deployed.")
        return _deal_action(request, deal_id, deployed)

    def deal_mint_view(self, request, deal_id: int):
        def minted(deal):
            sent = deal_tokens.deal_tokens_mint(deal=deal, actor=request.user)
            return (f"{deal}: {len(sent)} mint(s) sent; each is followed to confirmation "
                    "(Chain transactions).")
        return _deal_action(request, deal_id, minted)


def _deal_action(request, deal_id: int, action):
    """Run a token-step action on a deal the user may see, then back to the deal page with what
    happened, or with what is missing: the refusal, or that the node does not answer."""
    from issuance.selectors import deals_visible_to

    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    deal = get_object_or_404(deals_visible_to(request.user), pk=deal_id)
    try:
        messages.success(request, action(deal))
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except Refused as exc:
        messages.error(request, exc.message)
    except NodeUnavailable as exc:
        messages.error(request, f"The chain node does not answer ({exc}); nothing more was sent. "
                                "Try again once it is reachable.")
    except RPCError as exc:
        messages.error(request, f"The chain node refused: {exc}. Nothing more was sent.")
    return redirect(reverse("admin:issuance_deal_change", args=[deal.pk]))


@admin.register(IndexerCursor)
class IndexerCursorAdmin(ReadOnlyAdmin):
    list_display = ["chain_id", "last_block", "safe_block", "chunk_size", "halted", "updated_at"]


@admin.register(ReorgAlert)
class ReorgAlertAdmin(ReadOnlyAdmin):
    list_display = ["chain_id", "detected_at", "fork_block", "safe_block", "resolved_at"]
    readonly_fields = ["chain_id", "detected_at", "fork_block", "safe_block", "message", "resolved_at"]


@admin.register(ChainIdentity)
class ChainIdentityAdmin(ReadOnlyAdmin):
    list_display = ["chain_id", "genesis_hash", "recorded_at"]


@admin.register(ChainResetAlert)
class ChainResetAlertAdmin(ReadOnlyAdmin):
    """A node that reports another genesis than the recorded one: sending is stopped until resolved."""

    list_display = ["chain_id", "detected_at", "found_genesis", "expected_genesis", "held_intents",
                    "resolved_at", "resolved_by"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["chain_id", "detected_at", "expected_genesis", "found_genesis", "held_intents",
                       "message", "resolved_at", "resolved_by", "resolution"]
    list_select_related = ["resolved_by"]
    actions = ["resolve"]

    def has_resolve_permission(self, request) -> bool:
        return request.user.has_perm("chain.resolve_chainresetalert")

    @admin.action(description="Resolve: the node is back on the recorded chain (held intents continue)",
                  permissions=["resolve"])
    def resolve(self, request, queryset):
        for alert in queryset.filter(resolved_at__isnull=True).order_by("id"):
            try:
                chain_reset_alert_resolve(
                    alert=alert, actor=request.user,
                    reason="checked in the admin: the node reports the recorded genesis")
            except (Refused, RPCError, NodeUnavailable) as exc:
                self.message_user(request, f"Alert #{alert.pk}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"Alert #{alert.pk} resolved; its held intents continue.",
                                  messages.SUCCESS)


@admin.register(TokenTransfer)
class TokenTransferAdmin(ReadOnlyAdmin):
    list_display = ["block_number", "log_index", "contract", "sender", "recipient", "value", "final"]
    token_amounts = {"value": ("contract.tranche.token_decimals", "contract.tranche.token_symbol")}
    list_filter = ["final", "contract"]
    search_fields = ["tx_hash", "sender", "recipient"]
    list_select_related = ["contract__tranche"]


@admin.register(ChainEvent)
class ChainEventAdmin(ReadOnlyAdmin):
    list_display = ["block_number", "log_index", "contract", "name", "final"]
    list_filter = ["name", "final", "contract"]
    search_fields = ["tx_hash", "name"]
    list_select_related = ["contract"]


class HolderBalanceInline(MoneyAdminMixin, TabularInline):
    model = HolderBalance
    token_amounts = {"balance": ("snapshot.contract.tranche.token_decimals",
                                 "snapshot.contract.tranche.token_symbol")}
    fields = ["wallet", "balance"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HolderSnapshot)
class HolderSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["contract", "block_number", "record_date", "holder_count", "total_supply", "content_hash"]
    list_select_related = ["contract__tranche"]
    token_amounts = {"total_supply": ("contract.tranche.token_decimals", "contract.tranche.token_symbol")}
    readonly_fields = [
        "contract",
        "block_number",
        "block_hash",
        "record_date",
        "total_supply",
        "holder_count",
        "content_hash",
        "created_at",
    ]
    inlines = [HolderBalanceInline]


@admin.register(Anchor)
class AnchorAdmin(ReadOnlyAdmin):
    """What was anchored on chain: distributions' Merkle roots and reports' hashes."""

    list_display = ["id", "kind", "subject", "key", "value", "transaction", "created_at"]
    list_filter = ["kind"]
    search_fields = ["key", "value", "subject", "transaction__tx_hash"]
    list_select_related = ["transaction"]
    readonly_fields = ["contract", "kind", "key", "value", "subject", "transaction", "created_at"]
