"""Fixtures for the chain tests: the real anvil that scripts/test.sh starts (CHAIN_RPC_URL).

Each test runs between evm_snapshot and evm_revert, so the chain is as light and as clean
after it as before (the database is rolled back by pytest-django as usual).
"""

import os

import pytest
from eth_account import Account

from chain import abi, services
from chain.rpc import RPC, RPCError

requires_chain = pytest.mark.skipif(
    not os.environ.get("CHAIN_RPC_URL"),
    reason="CHAIN_RPC_URL is not set: run through scripts/test.sh, which starts anvil",
)
Account.enable_unaudited_hdwallet_features()
MNEMONIC = "test test test test test test test test test test test junk"  # anvil's public default
DEV = [Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}") for i in range(10)]
FAR_FUTURE = 4_102_444_800  # 2100-01-01
RECEIPT_WAIT = 30.0  # seconds at most to wait for a receipt; the wait ends when it arrives


@pytest.fixture
def rpc(settings):
    settings.CHAIN_RPC_URL = os.environ["CHAIN_RPC_URL"]
    settings.CHAIN_CONFIRMATIONS = 2
    node = RPC(settings.CHAIN_RPC_URL)
    snapshot = node.call("evm_snapshot")
    yield node
    node.call("evm_revert", snapshot)
    node.close()


def mine(rpc: RPC, blocks: int = 1) -> None:
    rpc.call("anvil_mine", hex(blocks))


def send_raw(rpc: RPC, raw: str) -> dict:
    """Send signed bytes and return the receipt once the node mined them: anvil's
    ``eth_sendRawTransactionSync`` (EIP-7966) answers only then, so nothing polls or sleeps."""
    return rpc.call("eth_sendRawTransactionSync", raw)


def send_as(rpc: RPC, account, to: str, data: str) -> dict:
    """A holder's own transaction (not the back office's): sign and send directly, return the receipt."""
    tx = {
        "type": 2,
        "chainId": 31337,
        "nonce": rpc.nonce(account.address, "pending"),
        "gas": 500_000,
        "maxFeePerGas": 10**10,
        "maxPriorityFeePerGas": 10**9,
        "to": to,
        "data": data,
        "value": 0,
    }
    return send_raw(rpc, "0x" + account.sign_transaction(tx).raw_transaction.hex())


def revert_name(rpc: RPC, sender: str, to: str, data: str) -> str:
    """The custom error a call would revert with (eth_call), or '' when it would succeed."""
    try:
        rpc.eth_call(to, data, sender=sender)
    except RPCError as exc:
        found = abi.decode_error(exc.data if isinstance(exc.data, str) else (exc.data or {}).get("data"))
        return found.name if found else exc.message
    return ""


class Deployed:
    """Registry, token (6 decimals), stablecoin and payout, deployed by the back office signer."""

    def __init__(self, rpc: RPC):
        self.rpc = rpc
        self.registry = services.deploy(
            key="t:registry", kind="IdentityRegistry", args=(DEV[0].address,), name="test registry", rpc=rpc
        )
        self.token = services.deploy(
            key="t:token",
            kind="TrancheToken",
            args=("Test Senior", "TSA", 6, self.registry.address, DEV[0].address),
            name="TSA",
            registry=self.registry,
            rpc=rpc,
        )
        for role in services.AGENT_ROLES:
            self.agent("TrancheToken", self.token.address, "grantRole", abi.role(role), DEV[0].address)
        self.coin, self.payout = services.deploy_stablecoin_and_payout(rpc=rpc)

    _n = 0

    def agent(self, kind: str, address: str, function: str, *args):
        """A back office write through the transaction manager, mined."""
        from chain.txmanager import send, wait_mined

        Deployed._n += 1
        return wait_mined(
            send(
                key=f"t:{Deployed._n}:{function}",
                purpose=function,
                to=address,
                data=abi.encode_call(kind, function, *args),
                rpc=self.rpc,
            ),
            rpc=self.rpc,
        )

    def register(self, account, investor: int, country: int = 702, valid_until: int = FAR_FUTURE):
        return self.agent(
            "IdentityRegistry",
            self.registry.address,
            "registerIdentity",
            account.address,
            investor.to_bytes(32, "big"),
            country,
            valid_until,
        )

    def token_call(self, function: str, *args):
        return services.call("TrancheToken", self.token.address, function, *args, rpc=self.rpc)

    def token_tx(self, function: str, *args):
        return self.agent("TrancheToken", self.token.address, function, *args)


@pytest.fixture
def deployed(db, rpc):
    return Deployed(rpc)
