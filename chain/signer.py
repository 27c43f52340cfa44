"""The signing key: from the environment (CHAIN_SIGNER_KEY) or a key file (CHAIN_SIGNER_KEY_FILE).

Never from the database, never logged: errors name the variable, not the value, and the
account object never reaches a log line or an exception message.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from eth_account import Account
from eth_account.signers.local import LocalAccount


def _read_key() -> tuple[str, str]:
    key = os.environ.get("CHAIN_SIGNER_KEY", "").strip()
    if key:
        return key, "CHAIN_SIGNER_KEY"
    path = os.environ.get("CHAIN_SIGNER_KEY_FILE") or settings.CHAIN_SIGNER_KEY_FILE
    if path:
        try:
            return Path(path).read_text().strip(), "CHAIN_SIGNER_KEY_FILE"
        except OSError as exc:
            raise ImproperlyConfigured(f"CHAIN_SIGNER_KEY_FILE cannot be read: {exc.strerror}") from None
    raise ImproperlyConfigured("No chain signer: set CHAIN_SIGNER_KEY or CHAIN_SIGNER_KEY_FILE.")


def signer_account() -> LocalAccount:
    key, source = _read_key()
    try:
        return Account.from_key(key)
    except Exception:  # noqa: BLE001 - never let the key text reach a traceback
        raise ImproperlyConfigured(f"The key in {source} is not a valid secp256k1 private key.") from None


def signer_address() -> str:
    return signer_account().address
