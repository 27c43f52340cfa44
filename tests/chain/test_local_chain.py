"""The demo's local chain across restarts, on an anvil of the test's own with a state file:
restored from its state it is kept and nothing is deployed again; lost, older than the database
or unknown to it, it is reset and the database forgets its rows - never a mix of the two."""

import platform
import subprocess
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from chain import abi, services
from chain.indexer import Indexer
from chain.localchain import align_local_chain
from chain.models import ChainIdentity, ChainResetAlert, ChainTransaction, Contract, IndexerCursor, Signer
from chain.rpc import RPC
from tests.chain.conftest import DEV, requires_chain

pytestmark = requires_chain
ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine())
ANVIL = Path(__file__).resolve().parents[2] / f"node_modules/@foundry-rs/anvil-linux-{ARCH}/bin/anvil"


class Anvil:
    """One anvil process with a state file: ``start`` returns when it listens, ``stop`` when it
    exited (SIGTERM: it writes the state file on the way out)."""

    def __init__(self, state: Path, *args: str):
        self.state = state
        self.args = args
        self.process: subprocess.Popen | None = None
        self.rpc: RPC | None = None

    def start(self) -> RPC:
        self.process = subprocess.Popen(  # noqa: S603 - the pinned anvil from node_modules
            [str(ANVIL), "--host", "127.0.0.1", "--port", "0", "--chain-id", "31337", "--hardfork", "prague",
             "--accounts", "10", "--state", str(self.state), "--preserve-historical-states", *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for line in self.process.stdout:
            if line.startswith("Listening on "):
                url = "http://" + line.split()[-1]
                break
        else:
            raise AssertionError(f"anvil exited with {self.process.wait()} before listening")
        # Keep reading its log so a full pipe never blocks it; the reader ends when anvil exits.
        self.reader = threading.Thread(target=self.process.stdout.read, daemon=True)
        self.reader.start()
        self.rpc = RPC(url)
        return self.rpc

    def stop(self) -> None:
        self.rpc.close()
        self.process.terminate()
        self.process.wait(timeout=60)
        self.reader.join(timeout=60)
        self.process.stdout.close()
        self.process = None


@pytest.fixture
def anvil(tmp_path, settings):
    if not ANVIL.exists():
        pytest.skip(f"{ANVIL} missing: scripts/test.sh runs npm ci first")
    settings.CHAIN_ID = 31337
    node = Anvil(tmp_path / "state.json")
    yield node
    if node.process is not None:
        node.stop()


def deploy_demo(rpc) -> tuple[Contract, Contract]:
    coin, payout = services.deploy_stablecoin_and_payout(rpc=rpc)
    services.wait_mined(
        services.tx_send(
            key="demo:fund", purpose="fund payout", to=coin.address,
            data=abi.encode_call("MockStablecoin", "mint", payout.address, 5_000), rpc=rpc,
        ),
        rpc=rpc,
    )
    return coin, payout


def recorded() -> tuple[int, int]:
    return (
        ChainTransaction.objects.filter(chain_id=31337).count(),
        Contract.objects.filter(chain_id=31337).count(),
    )


def test_a_chain_restored_from_its_state_file_is_kept_and_nothing_is_deployed_again(anvil, db):
    rpc = anvil.start()
    assert align_local_chain(rpc=rpc).outcome == "empty"
    coin, payout = deploy_demo(rpc)
    funded_at = rpc.block_number()
    services.wait_mined(
        services.tx_send(
            key="demo:fund-more", purpose="fund payout", to=coin.address,
            data=abi.encode_call("MockStablecoin", "mint", payout.address, 1_000), rpc=rpc,
        ),
        rpc=rpc,
    )
    Indexer(rpc=rpc).run()
    before = (recorded(), rpc.block_number(), rpc.nonce(DEV[0].address))
    anvil.stop()

    rpc = anvil.start()
    alignment = align_local_chain(rpc=rpc)

    assert (alignment.outcome, alignment.reason) == (
        "kept", "every transaction the database records as mined is on the local chain"
    )
    assert (recorded(), rpc.block_number(), rpc.nonce(DEV[0].address)) == before
    again = deploy_demo(rpc)  # what chain_demo does on every start
    assert [c.pk for c in again] == [coin.pk, payout.pk]
    assert (recorded(), rpc.nonce(DEV[0].address)) == (before[0], before[2])
    # History survives the restart: a record-date read at an old block still answers.
    balance = abi.encode_call("MockStablecoin", "balanceOf", payout.address)
    assert int(rpc.eth_call(coin.address, balance, funded_at), 16) == 5_000
    assert int(rpc.eth_call(coin.address, balance), 16) == 6_000
    result = Indexer(rpc=rpc).run()
    assert (result.reorgs, result.halted) == ([], False)
    assert IndexerCursor.objects.get(chain_id=31337).last_block == rpc.block_number()


def test_a_lost_state_file_resets_the_database_side_and_the_demo_deploys_again(anvil, db):
    rpc = anvil.start()
    first_coin, _ = deploy_demo(rpc)
    anvil.stop()
    anvil.state.unlink()

    rpc = anvil.start()
    alignment = align_local_chain(rpc=rpc)

    assert alignment.outcome == "reset"
    assert alignment.reason.startswith(f"the chain lacks transaction {first_coin.deploy_transaction.tx_hash}")
    assert recorded() == (0, 0)
    assert not Signer.objects.filter(chain_id=31337).exists()
    coin, payout = deploy_demo(rpc)
    assert recorded() == (3, 2)
    assert rpc.nonce(DEV[0].address) == 3
    assert services.call("MockStablecoin", coin.address, "balanceOf", payout.address, rpc=rpc) == 5_000


def test_a_state_file_older_than_the_database_resets_the_chain(anvil, db):
    rpc = anvil.start()
    services.deploy_stablecoin_and_payout(rpc=rpc)
    anvil.stop()
    older = anvil.state.read_bytes()
    rpc = anvil.start()
    deploy_demo(rpc)  # one more transaction, then anvil dies before its next dump
    anvil.stop()
    anvil.state.write_bytes(older)

    rpc = anvil.start()
    assert rpc.nonce(DEV[0].address) == 2
    alignment = align_local_chain(rpc=rpc)

    assert alignment.outcome == "reset"
    assert "the chain lacks transaction" in alignment.reason
    assert (recorded(), rpc.block_number(), rpc.nonce(DEV[0].address)) == ((0, 0), 0, 0)


def test_a_chain_with_transactions_the_database_does_not_know_is_reset(anvil, db):
    rpc = anvil.start()
    deploy_demo(rpc)
    Signer.objects.filter(chain_id=31337).update(next_nonce=1)  # the database lost two of them
    ChainTransaction.objects.filter(nonce__gte=1).update(state="planned", raw_transaction="", tx_hash="",
                                                         block_hash="")

    alignment = align_local_chain(rpc=rpc)

    assert alignment.reason.startswith(f"signer {DEV[0].address} sent 3 transactions on the chain but the "
                                       "database knows 1")
    assert (alignment.outcome, recorded(), rpc.block_number()) == ("reset", (0, 0), 0)

    deploy_demo(rpc)
    Contract.objects.all().delete()  # nothing recorded, but the chain has blocks
    ChainTransaction.objects.all().delete()
    alignment = align_local_chain(rpc=rpc)
    assert (alignment.outcome, alignment.reason, rpc.block_number()) == (
        "reset", "the local chain had 3 blocks the database does not know; it was reset", 0
    )


def test_only_the_local_chain_is_ever_reset(settings, db):
    settings.CHAIN_ID = 1
    with pytest.raises(ImproperlyConfigured, match="the local chain \\(31337\\) is aligned, not chain 1"):
        align_local_chain(rpc=RPC("http://127.0.0.1:9"))


def test_a_genesis_recorded_from_an_earlier_local_chain_is_forgotten(anvil, db):
    """The database recorded a chain's genesis (the follower ran) but nothing on it; the demo's
    new anvil has another genesis: the alignment forgets the old one, so deploying is not refused
    as a chain reset."""
    ChainIdentity.objects.create(chain_id=31337, genesis_hash="0x" + "ab" * 32)
    rpc = anvil.start()

    assert align_local_chain(rpc=rpc).outcome == "empty"
    assert not ChainIdentity.objects.exists()
    deploy_demo(rpc)
    assert ChainIdentity.objects.get(chain_id=31337).genesis_hash == rpc.get_block(0)["hash"]
    assert not ChainResetAlert.objects.exists()
