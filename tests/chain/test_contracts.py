"""The contracts on a real anvil: registry enforcement, freezing, forced transfer, recovery,
pause, batch bounds - each refusal names its custom error and changes nothing."""

import pytest

from chain import abi
from chain.txmanager import ChainRevert
from tests.chain.conftest import DEV, requires_chain, revert_name, send_as

pytestmark = requires_chain
ALICE, BOB, CAROL, MALLORY = DEV[1], DEV[2], DEV[3], DEV[4]


def transfer_data(to, amount):
    return abi.encode_call("TrancheToken", "transfer", to.address, amount)


def test_deployment_sets_name_decimals_registry_and_roles(deployed):
    assert deployed.token_call("decimals") == 6
    assert deployed.token_call("symbol") == "TSA"
    assert deployed.token_call("identityRegistry") == deployed.registry.address.lower()
    assert deployed.token_call("hasRole", abi.role("MINTER_ROLE"), DEV[0].address) is True
    assert deployed.token_call("hasRole", abi.role("MINTER_ROLE"), ALICE.address) is False
    assert deployed.token.deploy_transaction.state == "mined"
    assert services_call(deployed, "MockStablecoin", deployed.coin.address, "decimals") == 6


def services_call(deployed, kind, address, fn, *args):
    from chain import services

    return services.call(kind, address, fn, *args, rpc=deployed.rpc)


def test_mint_only_to_a_registered_wallet_and_refused_before_sending(deployed):
    with pytest.raises(ChainRevert, match="not \\(or no longer\\) verified.*WalletNotVerified"):
        deployed.token_tx("mint", ALICE.address, 1_000_000)
    assert deployed.token_call("totalSupply") == 0

    deployed.register(ALICE, 1)
    deployed.token_tx("mint", ALICE.address, 1_000_000)
    assert deployed.token_call("balanceOf", ALICE.address) == 1_000_000


def test_transfer_needs_both_wallets_verified_and_valid(deployed, rpc):
    deployed.register(ALICE, 1)
    deployed.token_tx("mint", ALICE.address, 500)
    assert (
        revert_name(rpc, ALICE.address, deployed.token.address, transfer_data(BOB, 100))
        == "WalletNotVerified"
    )

    expired = rpc.get_block("latest")["timestamp"]
    deployed.register(BOB, 2, valid_until=int(expired, 16) - 1)
    assert (
        revert_name(rpc, ALICE.address, deployed.token.address, transfer_data(BOB, 100))
        == "WalletNotVerified"
    )

    deployed.agent(
        "IdentityRegistry", deployed.registry.address, "updateIdentity", BOB.address, 702, 4_102_444_800
    )
    receipt = send_as(rpc, ALICE, deployed.token.address, transfer_data(BOB, 100))
    assert receipt["status"] == "0x1"
    assert (
        deployed.token_call("balanceOf", ALICE.address),
        deployed.token_call("balanceOf", BOB.address),
    ) == (400, 100)


def test_frozen_wallet_cannot_send_or_receive(deployed, rpc):
    deployed.register(ALICE, 1)
    deployed.register(BOB, 2)
    deployed.token_tx("mint", ALICE.address, 500)
    deployed.token_tx("setAddressFrozen", BOB.address, True)
    assert revert_name(rpc, ALICE.address, deployed.token.address, transfer_data(BOB, 1)) == "WalletIsFrozen"
    with pytest.raises(ChainRevert, match="WalletIsFrozen"):
        deployed.token_tx("mint", BOB.address, 1)

    deployed.token_tx("setAddressFrozen", ALICE.address, True)
    deployed.token_tx("setAddressFrozen", BOB.address, False)
    assert revert_name(rpc, ALICE.address, deployed.token.address, transfer_data(BOB, 1)) == "WalletIsFrozen"
    assert deployed.token_call("balanceOf", BOB.address) == 0


def test_partially_frozen_tokens_cannot_move(deployed, rpc):
    deployed.register(ALICE, 1)
    deployed.register(BOB, 2)
    deployed.token_tx("mint", ALICE.address, 500)
    deployed.token_tx("freezePartialTokens", ALICE.address, 300)

    assert deployed.token_call("unfrozenBalanceOf", ALICE.address) == 200
    assert (
        revert_name(rpc, ALICE.address, deployed.token.address, transfer_data(BOB, 201))
        == "InsufficientUnfrozenBalance"
    )
    with pytest.raises(ChainRevert, match="FreezeExceedsBalance"):
        deployed.token_tx("freezePartialTokens", ALICE.address, 201)
    assert send_as(rpc, ALICE, deployed.token.address, transfer_data(BOB, 200))["status"] == "0x1"
    assert deployed.token_call("frozenTokens", ALICE.address) == 300


def test_forced_transfer_respects_the_registry_and_unfreezes_visibly(deployed, rpc):
    deployed.register(ALICE, 1)
    deployed.register(BOB, 2)
    deployed.token_tx("mint", ALICE.address, 500)
    deployed.token_tx("freezePartialTokens", ALICE.address, 400)
    with pytest.raises(ChainRevert, match="WalletNotVerified"):
        deployed.token_tx("forcedTransfer", ALICE.address, MALLORY.address, 10)

    tx = deployed.token_tx("forcedTransfer", ALICE.address, BOB.address, 300)

    receipt = rpc.call("eth_getTransactionReceipt", tx.tx_hash)
    names = [abi.decode_log(lg)[0] for lg in receipt["logs"]]
    assert names == ["TokensUnfrozen", "Transfer", "ForcedTransfer"]
    assert abi.decode_log(receipt["logs"][0])[1]["amount"] == 200  # 100 were free, 200 unfrozen
    assert deployed.token_call("frozenTokens", ALICE.address) == 200
    assert deployed.token_call("balanceOf", BOB.address) == 300


def test_recovery_moves_balance_and_freeze_status_to_the_new_wallet(deployed, rpc):
    deployed.register(ALICE, 1)
    deployed.register(CAROL, 1)  # Alice's new wallet, same investor
    deployed.register(BOB, 2)
    deployed.token_tx("mint", ALICE.address, 500)
    deployed.token_tx("freezePartialTokens", ALICE.address, 120)
    deployed.token_tx("setAddressFrozen", ALICE.address, True)
    with pytest.raises(ChainRevert, match="RecoveryInvestorMismatch"):
        deployed.token_tx("recoverWallet", ALICE.address, BOB.address, (1).to_bytes(32, "big"))

    deployed.token_tx("recoverWallet", ALICE.address, CAROL.address, (1).to_bytes(32, "big"))

    assert [deployed.token_call(f, CAROL.address) for f in ("balanceOf", "frozenTokens", "isFrozen")] == [
        500,
        120,
        True,
    ]
    assert [deployed.token_call(f, ALICE.address) for f in ("balanceOf", "frozenTokens")] == [0, 0]


def test_pause_stops_transfers_until_unpaused(deployed, rpc):
    deployed.register(ALICE, 1)
    deployed.register(BOB, 2)
    deployed.token_tx("mint", ALICE.address, 500)
    deployed.token_tx("pause")
    assert revert_name(rpc, ALICE.address, deployed.token.address, transfer_data(BOB, 1)) == "EnforcedPause"
    assert (
        revert_name(rpc, ALICE.address, deployed.token.address, abi.encode_call("TrancheToken", "pause"))
        == "AccessControlUnauthorizedAccount"
    )
    deployed.token_tx("unpause")
    assert send_as(rpc, ALICE, deployed.token.address, transfer_data(BOB, 1))["status"] == "0x1"


def test_batches_are_bounded(deployed):
    deployed.register(ALICE, 1)
    with pytest.raises(ChainRevert, match="BatchTooLarge"):
        deployed.token_tx("batchMint", [ALICE.address] * 101, [1] * 101)
    deployed.token_tx("batchMint", [ALICE.address] * 3, [1, 2, 3])
    assert deployed.token_call("balanceOf", ALICE.address) == 6

