"""Wallet ownership proof: a server-issued, expiring, single-use challenge signed with EIP-191.

The investor asks for a challenge for an address, signs its exact message with the
wallet (``personal_sign``), and sends the signature back. The address recovered from
the signature must be the challenge's address. A wallet belongs to one investor only.
Every refusal leaves the challenge unused and writes nothing.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import is_address, to_checksum_address

from compliance.models import Investor, Wallet, WalletChallenge
from compliance.selectors import approved_investor_ids
from compliance.signals import investor_cleared
from core.audit import audit_created
from core.authz import require_own_or_staff, require_perm
from core.errors import InvalidInput, Refused
from core.transitions import lock

WALLET_FIELDS = ("investor", "address", "verified_at", "challenge")


def challenge_ttl() -> timedelta:
    seconds = getattr(settings, "WALLET_CHALLENGE_TTL_SECONDS", 600)
    if not isinstance(seconds, int) or seconds <= 0:
        raise ValueError("WALLET_CHALLENGE_TTL_SECONDS must be a positive integer")
    return timedelta(seconds=seconds)


def checksummed(address: str) -> str:
    address = (address or "").strip()
    if not is_address(address):
        raise InvalidInput(f"'{address}' is not an EVM address (0x followed by 40 hex digits, "
                           "with a valid EIP-55 checksum if mixed case).", field="address")
    return to_checksum_address(address)


def _refuse_other_owner(address: str, investor: Investor) -> None:
    owner = Wallet.objects.filter(address=address).exclude(investor=investor).first()
    if owner is not None:
        # Neutral wording: the refusal must not tell an investor who else holds an address.
        raise Refused(f"Wallet {address} cannot be registered for this investor.")


def _may_prove(actor, investor: Investor) -> None:
    """Investors prove their own wallets; operations and compliance officers may relay a proof."""
    require_perm(actor, "compliance.add_walletchallenge", doing="prove wallets")
    require_own_or_staff(actor, investor, doing="prove wallets")


@transaction.atomic
def wallet_challenge_issue(*, actor, investor: Investor, address: str) -> WalletChallenge:
    _may_prove(actor, investor)
    investor = lock(Investor, investor.pk)
    address = checksummed(address)
    _refuse_other_owner(address, investor)
    if Wallet.objects.filter(address=address, investor=investor).exists():
        raise Refused(f"Wallet {address} is already verified for {investor}.")
    nonce = secrets.token_hex(32)
    now = timezone.now()
    expires = now + challenge_ttl()
    message = (
        "Green-compute ABS back office: wallet ownership proof\n"
        f"Investor: #{investor.pk} {investor.legal_name}\n"
        f"Wallet: {address}\n"
        f"Nonce: {nonce}\n"
        f"Issued at: {now.isoformat(timespec='seconds')}\n"
        f"Expires at: {expires.isoformat(timespec='seconds')}\n"
        "Signing this message proves you control this wallet. It costs nothing and moves no funds."
    )
    challenge = WalletChallenge.objects.create(investor=investor, address=address, nonce=nonce,
                                               message=message, expires_at=expires, created_by=actor)
    audit_created(instance=challenge, actor=actor, fields=("investor", "address", "expires_at"))
    return challenge


def recover_signer(message: str, signature: str) -> str | None:
    try:
        return Account.recover_message(encode_defunct(text=message), signature=signature)
    except Exception:  # noqa: BLE001 - any malformed signature is simply not a proof
        return None


@transaction.atomic
def wallet_verify(*, actor, challenge: WalletChallenge, signature: str) -> Wallet:
    lock(Investor, challenge.investor_id)
    challenge = lock(WalletChallenge, challenge.pk)
    _may_prove(actor, challenge.investor)
    now = timezone.now()
    if challenge.used_at is not None:
        raise Refused(f"Challenge #{challenge.pk} was already used; ask for a new one.")
    if challenge.expires_at <= now:
        expired = challenge.expires_at.isoformat(timespec="seconds")
        raise Refused(f"Challenge #{challenge.pk} expired at {expired}; ask for a new one.")
    signer = recover_signer(challenge.message, signature)
    if signer is None:
        raise InvalidInput("The signature is malformed (expected 65 bytes as 0x-prefixed hex).",
                           field="signature")
    if signer != challenge.address:
        raise Refused(f"The signature was made by {signer}, not by {challenge.address}: "
                      "sign the challenge message with the wallet being proven.")
    _refuse_other_owner(challenge.address, challenge.investor)
    challenge.used_at = now
    challenge.save(update_fields=["used_at"])
    try:
        with transaction.atomic():
            wallet = Wallet.objects.create(investor=challenge.investor, address=challenge.address,
                                           verified_at=now, challenge=challenge)
    except IntegrityError:  # another investor proved the same address at the same moment
        raise Refused(f"Wallet {challenge.address} cannot be registered for this investor.") from None
    audit_created(instance=wallet, actor=actor, fields=WALLET_FIELDS)
    investor_pk = challenge.investor_id
    if approved_investor_ids().filter(investor_id=investor_pk).exists():
        investor_cleared.send(sender=Wallet, investor_id=investor_pk)  # receivers record outbox rows
    return wallet
