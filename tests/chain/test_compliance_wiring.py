"""Compliance and screening drive the registry and the freeze, through signals sent in their
transaction, chain receivers that record the tasks in the outbox (sent after the commit), and
keyed intents: a repeated trigger sends nothing twice."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone
from eth_account import Account
from eth_account.messages import encode_defunct

from chain import services
from chain.models import ChainTransaction, Signer
from compliance.models import KycCase
from compliance.services import wallet_challenge_issue, wallet_verify
from compliance.tasks import expire_due_kyc_cases
from screening.services import hit_decide, screen_investor
from tests.chain.conftest import DEV, requires_chain
from tests.chain.test_wiring import verified_wallet
from tests.factories import approve_kyc, subscribe
from tests.screening.conftest import person, sample_bytes, sample_list  # noqa: F401  (fixtures)

pytestmark = requires_chain
SIGNER, ALICE, BOB, CAROL = DEV[0], DEV[1], DEV[2], DEV[3]


@pytest.fixture
def queued(monkeypatch):
    """What the outbox sends after the commit, as (chain task name, kwargs); run with :func:`run_queued`."""
    found = []
    monkeypatch.setattr(
        "core.outbox._publish",
        lambda task, kwargs, task_id: found.append((task.removeprefix("chain.tasks."), kwargs)),
    )
    return found


def run_queued(queued) -> list[int]:
    """Run the queued Celery tasks eagerly, in order, and empty the queue."""
    from chain import tasks

    done = [getattr(tasks, name).run(**kwargs) for name, kwargs in queued]
    queued.clear()
    return done


def prove(investor, account, actor):
    challenge = wallet_challenge_issue(actor=actor, investor=investor, address=account.address)
    signed = Account.sign_message(encode_defunct(text=challenge.message), account.key)
    return wallet_verify(actor=actor, challenge=challenge, signature="0x" + bytes(signed.signature).hex())


def chain_state(rpc, purpose: str) -> tuple[int, int, int]:
    """(intent rows of ``purpose``, the signer's nonce on chain, the stored next nonce)."""
    return (
        ChainTransaction.objects.filter(purpose=purpose).count(),
        rpc.nonce(SIGNER.address, "latest"),
        Signer.objects.get(address=SIGNER.address).next_nonce,
    )


def identity(rpc, registry, account):
    return services.call("IdentityRegistry", registry.address, "identity", account.address, rpc=rpc)


def is_verified(rpc, registry, account) -> bool:
    return services.call("IdentityRegistry", registry.address, "isVerified", account.address, rpc=rpc)


def is_frozen(rpc, token, account) -> bool:
    return services.call("TrancheToken", token.address, "isFrozen", account.address, rpc=rpc)


@pytest.fixture
def spv_contracts(rpc, ops, open_deal):
    """The open deal's SPV registry and both tranche tokens, deployed by the back office signer."""
    registry = services.deploy_registry(spv=open_deal.spv, rpc=rpc)
    tokens = [
        services.deploy_tranche_token(tranche=t, registry=registry, rpc=rpc)
        for t in open_deal.tranches.order_by("seniority")
    ]
    return registry, tokens


def test_kyc_approval_and_wallet_verification_register_wallets_once(
    rpc, ops, investor, open_deal, spv_contracts, queued, django_capture_on_commit_callbacks
):
    registry, _ = spv_contracts
    subscribe(actor=ops, investor=investor, tranche=open_deal.tranches.get(seniority=1), amount="100000")
    KycCase.objects.filter(investor=investor).update(state=KycCase.State.EXPIRED)  # KYC lapsed

    # A wallet proven while KYC is not approved: nothing is queued.
    with django_capture_on_commit_callbacks(execute=True):
        prove(investor, ALICE, ops)
    assert queued == []

    # KYC approved: the verified wallet goes into the SPV's registry, after commit.
    with django_capture_on_commit_callbacks(execute=True):
        case = approve_kyc(investor)
        assert queued == []  # not before the commit
    assert queued == [("register_investor_wallets", {"investor_id": investor.pk})]
    before = chain_state(rpc, "register identity")
    assert run_queued(queued) == [1]
    valid_until = int(datetime(case.refresh_due.year, case.refresh_due.month, case.refresh_due.day,
                               tzinfo=UTC).timestamp())
    assert identity(rpc, registry, ALICE) == (investor.pk.to_bytes(32, "big"), 702, valid_until)
    assert is_verified(rpc, registry, ALICE) is True
    assert chain_state(rpc, "register identity") == (before[0] + 1, before[1] + 1, before[2] + 1)

    # A second wallet proven while KYC is approved: only that wallet is sent.
    with django_capture_on_commit_callbacks(execute=True):
        prove(investor, BOB, ops)
    assert queued == [("register_investor_wallets", {"investor_id": investor.pk})]
    assert run_queued(queued) == [1]
    assert is_verified(rpc, registry, BOB) is True
    after = chain_state(rpc, "register identity")
    assert after == (before[0] + 2, before[1] + 2, before[2] + 2)
    assert list(
        ChainTransaction.objects.filter(purpose="register identity").order_by("id")
        .values_list("idempotency_key", "state")
    ) == [
        (f"register:31337:{registry.address}:{ALICE.address}", "mined"),
        (f"register:31337:{registry.address}:{BOB.address}", "mined"),
    ]

    # The trigger again (a new approval, same refresh date), and the task once more: nothing sent.
    with django_capture_on_commit_callbacks(execute=True):
        approve_kyc(investor)
    assert queued == [("register_investor_wallets", {"investor_id": investor.pk})]
    assert run_queued(queued) == [0]
    from chain.tasks import register_investor_wallets

    assert register_investor_wallets.run(investor.pk) == 0
    assert chain_state(rpc, "register identity") == after
    assert not ChainTransaction.objects.filter(purpose="update identity").exists()


def test_a_wallet_without_a_relevant_registry_is_not_sent(
    rpc, ops, investor, spv_contracts, queued, django_capture_on_commit_callbacks
):
    """The investor subscribed to nothing in this SPV: its registry is not touched."""
    registry, _ = spv_contracts
    with django_capture_on_commit_callbacks(execute=True):
        prove(investor, CAROL, ops)
    assert queued == [("register_investor_wallets", {"investor_id": investor.pk})]
    assert run_queued(queued) == [0]
    assert identity(rpc, registry, CAROL) == (bytes(32), 0, 0)
    assert not ChainTransaction.objects.filter(purpose="register identity").exists()


def test_kyc_expiry_freezes_the_wallets_on_every_token_once(
    rpc, ops, investor, other_investor, spv_contracts, queued, django_capture_on_commit_callbacks
):
    _, tokens = spv_contracts
    verified_wallet(investor, ALICE.address)
    verified_wallet(other_investor, BOB.address)
    case = KycCase.objects.get(investor=investor, state=KycCase.State.APPROVED)
    KycCase.objects.filter(pk=case.pk).update(refresh_due=timezone.localdate())

    with django_capture_on_commit_callbacks(execute=True):
        assert len(expire_due_kyc_cases()) == 1
    assert queued == [
        ("freeze_investor_wallets", {"investor_id": investor.pk, "event": f"kyc-expired:case:{case.pk}"})]
    before = chain_state(rpc, "freeze wallet")
    assert before[0] == 0
    assert run_queued(queued) == [2]
    assert [is_frozen(rpc, t, ALICE) for t in tokens] == [True, True]
    assert [is_frozen(rpc, t, BOB) for t in tokens] == [False, False]
    after = chain_state(rpc, "freeze wallet")
    assert after == (2, before[1] + 2, before[2] + 2)
    keys = ChainTransaction.objects.filter(purpose="freeze wallet").values_list("idempotency_key", flat=True)
    assert sorted(keys) == sorted(
        f"freeze:31337:{t.address}:{ALICE.address}:kyc-expired:case:{case.pk}" for t in tokens
    )

    # The expiry task again finds nothing; the freeze task again sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_due_kyc_cases() == []
    assert queued == []
    from chain.tasks import freeze_investor_wallets

    assert freeze_investor_wallets.run(investor.pk, f"kyc-expired:case:{case.pk}") == 0
    assert chain_state(rpc, "freeze wallet") == after


def test_a_confirmed_sanctions_hit_freezes_the_wallet_once(
    rpc, deployed, officer, sample_list, queued, django_capture_on_commit_callbacks  # noqa: F811
):
    boris = person("Zanzibarov Boris", born=datetime(1961, 7, 4, tzinfo=UTC).date(), country="RU")
    verified_wallet(boris, BOB.address)
    [hit] = screen_investor(investor=boris, actor=officer)

    with django_capture_on_commit_callbacks(execute=True):
        hit_decide(hit=hit, decision="confirm", actor=officer, reason="Same person, same date of birth.")
    assert queued == [
        ("freeze_investor_wallets", {"investor_id": boris.pk, "event": f"sanctions-hit:{hit.pk}"})]
    before = chain_state(rpc, "freeze wallet")
    assert run_queued(queued) == [1]
    assert is_frozen(rpc, deployed.token, BOB) is True
    after = chain_state(rpc, "freeze wallet")
    assert after == (before[0] + 1, before[1] + 1, before[2] + 1)
    [tx] = ChainTransaction.objects.filter(purpose="freeze wallet")
    assert (tx.idempotency_key, tx.state, tx.payload) == (
        f"freeze:31337:{deployed.token.address}:{BOB.address}:sanctions-hit:{hit.pk}",
        "mined",
        {"investor": boris.pk, "wallet": BOB.address, "event": f"sanctions-hit:{hit.pk}"},
    )

    from chain.tasks import freeze_investor_wallets

    assert freeze_investor_wallets.run(boris.pk, f"sanctions-hit:{hit.pk}") == 0
    assert chain_state(rpc, "freeze wallet") == after


def test_a_false_positive_queues_nothing(rpc, officer, sample_list, queued,  # noqa: F811
                                         django_capture_on_commit_callbacks):
    boris = person("Zanzibarov Boris", born=datetime(1961, 7, 4, tzinfo=UTC).date(), country="RU")
    [hit] = screen_investor(investor=boris, actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        hit_decide(hit=hit, decision="mark_false_positive", actor=officer, reason="Different person.")
    assert queued == []
