"""Issue 9, finding 10 (part): after the chain was reset (anvil restarted without its state: same
chain id, another genesis block) the follower re-sent stale transactions every 15 s and a
registration task died without an alert.

Now the genesis block hash of each chain id is recorded when first seen and compared on every
follow, index, plan and broadcast: a different one stops all sending, holds the open intents for
review and raises an alert (admin, error log). When the node is back on the recorded chain, a
person resolves the alert and the held intents continue. On an anvil of the test's own, restarted
without and then with its state file.
"""

import logging

import pytest

from chain import abi, services, txmanager
from chain import models as chain_models
from chain.models import ChainTransaction
from chain.signer import signer_address
from core.errors import Refused
from core.models import AuditEvent
from tests.chain.conftest import DEV, FAR_FUTURE, requires_chain
from tests.chain.test_local_chain import ANVIL, Anvil

pytestmark = requires_chain
ALICE = DEV[1]
# Anvil's genesis block carries its start time: a restart within the same second would rebuild the
# very same genesis, so the restarted node is given another one.
NEW_GENESIS = ("--timestamp", "1700000000")


@pytest.fixture
def node(tmp_path, settings):
    """The chain the back office talks to: ``node.start(state)`` (re)starts anvil on that state
    file and points CHAIN_RPC_URL at it."""
    if not ANVIL.exists():
        pytest.skip(f"{ANVIL} missing: scripts/test.sh runs npm ci first")
    settings.CHAIN_ID = 31337
    settings.CHAIN_CONFIRMATIONS = 2

    class Node:
        current: Anvil | None = None

        def start(self, state: str, *args: str):
            if self.current is not None:
                self.current.stop()
            self.current = Anvil(tmp_path / state, *args)
            rpc = self.current.start()
            settings.CHAIN_RPC_URL = rpc.url
            return rpc

    node = Node()
    yield node
    if node.current is not None and node.current.process is not None:
        node.current.stop()


def open_intents(rpc):
    """On the original chain: a deployment mined (not yet confirmed) and a registration signed
    but never sent (the worker died right after signing)."""
    registry = services.deploy(key="t:registry", kind="IdentityRegistry", args=(signer_address(),),
                               name="registry", rpc=rpc)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(txmanager, "_checkpoint", lambda step, tx: step == "signed" and _crash(step))
        with pytest.raises(txmanager.Crash):
            txmanager.send(key="t:register", purpose="register identity", to=registry.address,
                           data=abi.encode_call("IdentityRegistry", "registerIdentity", ALICE.address,
                                                (7).to_bytes(32, "big"), 702, FAR_FUTURE), rpc=rpc)
    deploy = ChainTransaction.objects.get(idempotency_key="t:registry")
    register = ChainTransaction.objects.get(idempotency_key="t:register")
    assert (deploy.state, register.state) == ("mined", "signed")
    return registry, deploy, register


def _crash(step):
    raise txmanager.Crash(step)


def intents():
    rows = ChainTransaction.objects.order_by("id")
    return list(rows.values_list("idempotency_key", "state", "broadcast_count"))


def test_a_reset_chain_stops_all_sending_holds_the_intents_and_alerts(node, db, caplog, ops):
    rpc = node.start("original.json")
    original_genesis = rpc.get_block(0)["hash"]
    registry, deploy, register = open_intents(rpc)
    before = intents()

    reset = node.start("empty.json", *NEW_GENESIS)  # restarted without its state: a new genesis
    reset_genesis = reset.get_block(0)["hash"]
    assert reset_genesis != original_genesis
    with caplog.at_level(logging.ERROR, logger="chain"), pytest.raises(Refused, match="genesis"):
        txmanager.recover(rpc=reset)

    assert reset.nonce(signer_address(), "pending") == 0  # nothing was sent to the reset chain
    assert reset.block_number() == 0
    assert intents() == [(key, "held", count) for key, _, count in before]
    [alert] = chain_models.ChainResetAlert.objects.all()
    assert (alert.chain_id, alert.expected_genesis, alert.found_genesis, alert.held_intents,
            alert.resolved_at) == (31337, original_genesis, reset_genesis, 2, None)
    assert alert.message == (
        f"Chain 31337 was reset: the node reports genesis block {reset_genesis}, not {original_genesis} "
        "as first recorded. Sending is stopped and 2 open intents are held for review.")
    assert alert.message in caplog.text
    assert list(AuditEvent.objects.filter(content_type__model="chaintransaction", name="hold")
                .order_by("object_id").values_list("object_id", "from_state", "to_state")) == [
        (deploy.pk, "mined", "held"), (register.pk, "signed", "held")]

    # Every other way to the chain refuses too, without a second alert: the follow and index
    # tasks, a new intent, a registration task.
    from chain import tasks

    assert tasks.follow_transactions.run() == {"halted": alert.message}
    assert tasks.index_events.run() == {"halted": alert.message}
    with pytest.raises(Refused, match="genesis"):
        txmanager.send(key="t:new", purpose="register identity", to=registry.address,
                       data=abi.encode_call("IdentityRegistry", "registerIdentity", DEV[2].address,
                                            (8).to_bytes(32, "big"), 702, FAR_FUTURE), rpc=reset)
    with pytest.raises(Refused, match="genesis"):
        tasks.register_investor_wallets.run(investor_id=1)
    assert chain_models.ChainResetAlert.objects.count() == 1
    assert ChainTransaction.objects.count() == 2
    assert reset.nonce(signer_address(), "pending") == 0

    # The alert is in the admin for the staff.
    from tests.two_factor import VerifiedClient

    client = VerifiedClient()  # staff pass the second factor
    client.force_login(ops)
    page = client.get("/admin/chain/chainresetalert/")
    assert page.status_code == 200
    assert reset_genesis in page.content.decode()


def test_back_on_the_recorded_chain_a_person_resolves_the_alert_and_the_intents_continue(
    node, db, ops, trustee
):
    rpc = node.start("original.json")
    registry, deploy, register = open_intents(rpc)
    reset = node.start("empty.json", *NEW_GENESIS)
    with pytest.raises(Refused, match="genesis"):
        txmanager.recover(rpc=reset)
    [alert] = chain_models.ChainResetAlert.objects.all()

    from chain.genesis import chain_reset_alert_resolve

    with pytest.raises(Refused, match="still reports genesis"):  # still the reset chain
        chain_reset_alert_resolve(alert=alert, actor=ops, reason="checked", rpc=reset)
    with pytest.raises(Refused, match="resolve_chainresetalert"):
        chain_reset_alert_resolve(alert=alert, actor=trustee, reason="checked", rpc=reset)
    assert [s for _, s, _ in intents()] == ["held", "held"]

    restored = node.start("original.json")  # the node restored from its state file
    chain_reset_alert_resolve(alert=alert, actor=ops, reason="node restored from its state file",
                              rpc=restored)
    alert.refresh_from_db()
    assert (alert.resolved_by, alert.resolution) == (ops, "node restored from its state file")
    assert intents() == [("t:registry", "signed", 1), ("t:register", "signed", 0)]
    assert list(AuditEvent.objects.filter(content_type__model="chaintransaction", name="release")
                .order_by("object_id").values_list("object_id", "from_state", "to_state", "actor")) == [
        (deploy.pk, "held", "signed", ops.pk), (register.pk, "held", "signed", ops.pk)]

    txmanager.recover(rpc=restored, wait_seconds=30)
    restored.call("anvil_mine", hex(1))
    txmanager.recover(rpc=restored)
    assert [s for _, s, _ in intents()] == ["confirmed", "mined"]
    assert restored.nonce(signer_address()) == 2  # each intent landed once
    assert services.call("IdentityRegistry", registry.address, "isVerified", ALICE.address,
                         rpc=restored) is True
