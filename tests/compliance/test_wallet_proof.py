"""Wallet ownership proof with EIP-191 signatures; every refusal leaves nothing changed."""

from datetime import timedelta

import pytest
from django.utils import timezone
from eth_account import Account
from eth_account.messages import encode_defunct

from compliance import selectors, services
from compliance.models import Wallet, WalletChallenge
from core.errors import InvalidInput, NotPermitted, Refused
from tests.factories import make_investor

pytestmark = pytest.mark.django_db


issue = services.wallet_challenge_issue
verify = services.wallet_verify


def sign(account, message: str) -> str:
    signed = Account.sign_message(encode_defunct(text=message), account.key)
    return "0x" + signed.signature.hex().removeprefix("0x")


@pytest.fixture
def account():
    return Account.from_key("0x" + "11" * 32)


def test_a_signed_challenge_verifies_the_wallet(investor, investor_user, account):
    challenge = issue(actor=investor_user, investor=investor,
                                                address=account.address.lower())

    wallet = verify(actor=investor_user, challenge=challenge,
                                    signature=sign(account, challenge.message))

    challenge.refresh_from_db()
    assert (wallet.investor, wallet.address) == (investor, account.address)
    assert wallet.address == "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
    assert challenge.used_at == wallet.verified_at
    assert f"Wallet: {account.address}\n" in challenge.message
    assert list(selectors.allowlistable_wallets()) == [wallet]


def test_a_signature_by_another_key_is_refused(investor, investor_user, account):
    challenge = issue(actor=investor_user, investor=investor, address=account.address)
    other = Account.create()

    with pytest.raises(Refused) as exc:
        verify(actor=investor_user, challenge=challenge, signature=sign(other, challenge.message))

    assert exc.value.message == (f"The signature was made by {other.address}, not by {account.address}: "
                                 "sign the challenge message with the wallet being proven.")
    challenge.refresh_from_db()
    assert (challenge.used_at, Wallet.objects.count()) == (None, 0)


def test_a_signature_of_another_message_is_refused(investor, investor_user, account):
    challenge = issue(actor=investor_user, investor=investor, address=account.address)

    with pytest.raises(Refused):
        verify(actor=investor_user, challenge=challenge,
                               signature=sign(account, challenge.message + " "))
    assert (WalletChallenge.objects.get().used_at, Wallet.objects.count()) == (None, 0)


def test_a_malformed_signature_is_refused(investor, investor_user, account):
    challenge = issue(actor=investor_user, investor=investor, address=account.address)

    with pytest.raises(InvalidInput) as exc:
        verify(actor=investor_user, challenge=challenge, signature="0x1234")

    assert exc.value.field == "signature"
    assert Wallet.objects.count() == 0


def test_an_expired_challenge_is_refused(investor, investor_user, account):
    challenge = issue(actor=investor_user, investor=investor, address=account.address)
    WalletChallenge.objects.filter(pk=challenge.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    challenge.refresh_from_db()

    with pytest.raises(Refused) as exc:
        verify(actor=investor_user, challenge=challenge, signature=sign(account, challenge.message))

    assert exc.value.message.startswith(f"Challenge #{challenge.pk} expired at ")
    assert (WalletChallenge.objects.get().used_at, Wallet.objects.count()) == (None, 0)


def test_a_used_challenge_cannot_be_replayed(investor, investor_user, account):
    challenge = issue(actor=investor_user, investor=investor, address=account.address)
    signature = sign(account, challenge.message)
    wallet = verify(actor=investor_user, challenge=challenge, signature=signature)

    with pytest.raises(Refused) as exc:
        verify(actor=investor_user, challenge=challenge, signature=signature)

    assert exc.value.message == f"Challenge #{challenge.pk} was already used; ask for a new one."
    assert list(Wallet.objects.all()) == [wallet]


def test_a_wallet_belongs_to_one_investor(investor, investor_user, other_investor, account, ops):
    challenge = issue(actor=investor_user, investor=investor, address=account.address)
    verify(actor=investor_user, challenge=challenge, signature=sign(account, challenge.message))

    with pytest.raises(Refused) as exc:
        issue(actor=ops, investor=other_investor, address=account.address)

    assert exc.value.message == f"Wallet {account.address} cannot be registered for this investor."
    assert list(Wallet.objects.values_list("investor", flat=True)) == [investor.pk]
    assert WalletChallenge.objects.count() == 1


def test_a_challenge_issued_to_two_investors_verifies_for_the_first_only(investor, other_investor, ops,
                                                                         account):
    first = issue(actor=ops, investor=investor, address=account.address)
    second = issue(actor=ops, investor=other_investor, address=account.address)
    verify(actor=ops, challenge=first, signature=sign(account, first.message))

    with pytest.raises(Refused):
        verify(actor=ops, challenge=second, signature=sign(account, second.message))

    second.refresh_from_db()
    assert second.used_at is None
    assert list(Wallet.objects.values_list("investor", flat=True)) == [investor.pk]


def test_an_investor_cannot_prove_a_wallet_for_someone_else(other_investor, investor_user, account):
    with pytest.raises(NotPermitted):
        issue(actor=investor_user, investor=other_investor, address=account.address)
    assert WalletChallenge.objects.count() == 0


def test_a_bad_address_is_refused(investor, investor_user):
    with pytest.raises(InvalidInput) as exc:
        issue(actor=investor_user, investor=investor, address="0x12345")
    assert exc.value.field == "address"


def test_only_wallets_of_approved_investors_are_allowlistable(ops, account):
    uncleared = make_investor(actor=ops, eligible=False)
    challenge = issue(actor=ops, investor=uncleared, address=account.address)
    verify(actor=ops, challenge=challenge, signature=sign(account, challenge.message))

    assert list(selectors.allowlistable_wallets()) == []
