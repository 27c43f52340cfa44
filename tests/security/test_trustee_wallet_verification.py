"""The read-only trustee cannot complete (or start) an investor's wallet verification: refused,
and the challenge stays unused, no wallet, no audit row, nothing queued for the chain."""

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from compliance import services
from compliance.models import Wallet, WalletChallenge
from core.errors import NotPermitted
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

WALLET = Account.from_key("0x" + "44" * 32)
REFUSAL = ("You may not prove wallets: it needs the permission 'compliance.add_walletchallenge', "
           "which you do not have.")


def signed(challenge) -> str:
    signature = Account.sign_message(encode_defunct(text=challenge.message), WALLET.key).signature
    return "0x" + bytes(signature).hex()


@pytest.fixture
def challenge(investor, investor_user):
    return services.wallet_challenge_issue(actor=investor_user, investor=investor, address=WALLET.address)


def state() -> tuple[int, int, int]:
    return Wallet.objects.count(), WalletChallenge.objects.filter(used_at__isnull=False).count(), \
        AuditEvent.objects.count()


def test_the_trustee_cannot_verify_a_wallet_over_the_api(api, trustee, challenge,
                                                         django_capture_on_commit_callbacks):
    before = state()

    with django_capture_on_commit_callbacks() as queued:
        response = api(trustee).post(f"/api/v1/wallet-challenges/{challenge.pk}/verify/",
                                     {"signature": signed(challenge)})

    assert (response.status_code, response.json()["error"]["message"]) == (403, REFUSAL)
    challenge.refresh_from_db()
    assert (challenge.used_at, state(), queued) == (None, before, [])


def test_the_trustee_cannot_verify_a_wallet_through_the_service(trustee, challenge):
    before = state()

    with pytest.raises(NotPermitted) as exc:
        services.wallet_verify(actor=trustee, challenge=challenge, signature=signed(challenge))

    assert exc.value.message == REFUSAL
    challenge.refresh_from_db()
    assert (challenge.used_at, state()) == (None, before)


def test_the_trustee_cannot_ask_for_a_challenge(api, trustee, investor):
    before = (WalletChallenge.objects.count(), AuditEvent.objects.count())

    response = api(trustee).post("/api/v1/wallet-challenges/", {"investor": investor.pk,
                                                                "address": WALLET.address})

    assert response.status_code == 403
    assert (WalletChallenge.objects.count(), AuditEvent.objects.count()) == before


def test_the_investor_still_verifies_their_own_wallet(api, investor_user, challenge, investor):
    response = api(investor_user).post(f"/api/v1/wallet-challenges/{challenge.pk}/verify/",
                                       {"signature": signed(challenge)})

    assert (response.status_code, response.json()["address"]) == (200, WALLET.address)
    assert list(investor.wallets.values_list("address", flat=True)) == [WALLET.address]
