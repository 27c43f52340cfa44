"""Production refuses to start with a value that is public, too broad or switched off.

Each unsafe value is refused at start-up (``ImproperlyConfigured``, naming the setting), before
the process serves a request or signs a transaction. The safe baseline passes
``check --deploy --fail-level WARNING`` (tests/core/test_production_settings.py).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account import Account

ROOT = Path(__file__).resolve().parents[2]
SAFE = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "r7Yp2m9QwXz4Lk8Vb3Nc6Hs1Jd5Fg0Tq-aUe_iOy+PlRk2Ws8Dx4Cv7Bn3Mz9Qa1",
    "ALLOWED_HOSTS": "backoffice.example.com",
    "DATABASE_URL": "postgres://app@db.example.com:5432/backoffice",
    "CELERY_BROKER_URL": "redis://cache.example.com:6379/0",
    "CACHE_URL": "redis://cache.example.com:6379/1",
}
# Read by the production checks: never inherited from the test run (which points at anvil).
CHECKED = ("CSRF_TRUSTED_ORIGINS", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "CHAIN_ID",
           "CHAIN_CONFIRMATIONS", "CHAIN_SIGNER_KEY", "CHAIN_SIGNER_KEY_FILE", "PUBLIC_SUFFIX_LIST")
ANVIL_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ANVIL_KEY_9 = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"
A_PRIVATE_KEY = "0x" + "5f2b" * 16
# The keys committed in config/settings/demo.py and test.py.
DEMO_SECRET_KEY = "demo-only-key-not-for-production-use-0123456789abcdefghijklmnop"  # noqa: S105
TEST_SECRET_KEY = "test-only-key-not-for-production-use-0123456789abcdefghijklmnop"  # noqa: S105


def start(*args: str, **override: str) -> subprocess.CompletedProcess:
    """``manage.py check`` (or ``args``) with production settings: the safe values plus ``override``."""
    clean = {k: v for k, v in os.environ.items() if k not in SAFE and k not in CHECKED}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *(args or ("check",))], cwd=ROOT,
        env={**clean, **SAFE, **override}, capture_output=True, text=True, timeout=60,
    )


def refused(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: " in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    return last.removeprefix("django.core.exceptions.ImproperlyConfigured: ")


@pytest.fixture
def suffix_list(tmp_path):
    """A small public suffix list in the format of publicsuffix.org (and Debian's publicsuffix)."""
    path = tmp_path / "public_suffix_list.dat"
    path.write_text("// ===BEGIN ICANN DOMAINS===\ncom\nuk\nco.uk\n*.ck\n!www.ck\n"
                    "// ===BEGIN PRIVATE DOMAINS===\ngithub.io\n")
    return str(path)


# SECRET_KEY


def test_the_demo_secret_key_is_refused():
    assert refused(start(SECRET_KEY=DEMO_SECRET_KEY)) == (
        "Environment variable SECRET_KEY is unsafe: it is the demo settings' key, public in the "
        "repository; use at least 50 random characters."
    )


def test_the_test_secret_key_is_refused():
    assert refused(start(SECRET_KEY=TEST_SECRET_KEY)) == (
        "Environment variable SECRET_KEY is unsafe: it is the test settings' key, public in the "
        "repository; use at least 50 random characters."
    )


# CSRF_TRUSTED_ORIGINS


def test_a_plain_http_trusted_origin_is_refused():
    origins = "https://backoffice.example.com,http://backoffice.example.com"
    assert refused(start(CSRF_TRUSTED_ORIGINS=origins)) == (
        "CSRF_TRUSTED_ORIGINS must list HTTPS origins (https://host): 'http://backoffice.example.com' "
        "is refused."
    )


def test_a_bare_star_trusted_origin_is_refused():
    assert refused(start(CSRF_TRUSTED_ORIGINS="*")) == (
        "CSRF_TRUSTED_ORIGINS must name the origins: '*' trusts every site and is refused."
    )
    assert refused(start(CSRF_TRUSTED_ORIGINS="https://*")) == (
        "CSRF_TRUSTED_ORIGINS must name the origins: 'https://*' trusts every site and is refused."
    )


def test_a_trusted_origin_wildcard_over_a_public_suffix_is_refused(suffix_list):
    assert refused(start(CSRF_TRUSTED_ORIGINS="https://*.github.io", PUBLIC_SUFFIX_LIST=suffix_list)) == (
        "CSRF_TRUSTED_ORIGINS: 'https://*.github.io' covers every site under 'github.io', a public "
        "suffix; name your own domain (e.g. 'https://*.example.com') or the origins."
    )


# ALLOWED_HOSTS


def test_a_top_level_domain_wildcard_in_allowed_hosts_is_refused():
    assert refused(start(ALLOWED_HOSTS="backoffice.example.com,.com")) == (
        "ALLOWED_HOSTS: '.com' covers every site under 'com', a public suffix; name your own domain "
        "(e.g. '.example.com') or the hosts."
    )


def test_a_public_suffix_wildcard_in_allowed_hosts_is_refused(suffix_list):
    assert refused(start(ALLOWED_HOSTS=".co.uk", PUBLIC_SUFFIX_LIST=suffix_list)) == (
        "ALLOWED_HOSTS: '.co.uk' covers every site under 'co.uk', a public suffix; name your own domain "
        "(e.g. '.example.com') or the hosts."
    )
    # "*.ck" makes every name directly under ck a suffix, except the listed exception.
    assert "'.anything.ck' covers every site under 'anything.ck'" in refused(
        start(ALLOWED_HOSTS=".anything.ck", PUBLIC_SUFFIX_LIST=suffix_list))


def test_a_wildcard_host_needs_the_public_suffix_list(tmp_path):
    assert refused(start(ALLOWED_HOSTS=".example.com", PUBLIC_SUFFIX_LIST=str(tmp_path / "missing.dat"))) == (
        f"ALLOWED_HOSTS: '.example.com' is a wildcard, and the public suffix list "
        f"(PUBLIC_SUFFIX_LIST={tmp_path / 'missing.dat'}) cannot be read to check it: install Debian's "
        "publicsuffix package, point PUBLIC_SUFFIX_LIST at a copy of the list, or name the hosts."
    )


def test_a_wildcard_over_ones_own_domain_is_accepted_and_check_deploy_stays_clean(suffix_list):
    result = start("check", "--deploy", "--fail-level", "WARNING", ALLOWED_HOSTS=".example.com,www.ck",
                   CSRF_TRUSTED_ORIGINS="https://*.example.com", PUBLIC_SUFFIX_LIST=suffix_list)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


# HTTPS


def test_hsts_switched_off_is_refused():
    assert refused(start(SECURE_HSTS_SECONDS="0")) == (
        "Environment variable SECURE_HSTS_SECONDS must be at least 31536000: production sends HSTS for a "
        "year at least (0 switches it off; HSTS preload needs a year)."
    )


def test_ssl_redirect_switched_off_is_refused():
    assert refused(start(SECURE_SSL_REDIRECT="false")) == (
        "SECURE_SSL_REDIRECT=false is refused: production redirects every plain HTTP request to HTTPS."
    )


# Chain


def test_zero_chain_confirmations_are_refused():
    assert refused(start(CHAIN_CONFIRMATIONS="0")) == (
        "Environment variable CHAIN_CONFIRMATIONS must be at least 1: with 0 a transaction counts as "
        "final in the block that mined it, and a reorganisation can undo it."
    )


def test_a_public_development_key_in_chain_signer_key_is_refused_on_a_real_chain():
    assert refused(start(CHAIN_ID="1", CHAIN_SIGNER_KEY=ANVIL_KEY_0)) == (
        "CHAIN_SIGNER_KEY is a public development key (account 0 of the standard test mnemonic, anvil's "
        "default): refused on chain id 1, which is not a local chain (31337, 1337)."
    )


def test_a_public_development_key_in_the_key_file_is_refused_on_a_real_chain(tmp_path):
    key_file = tmp_path / "signer.key"
    key_file.write_text(ANVIL_KEY_9.removeprefix("0x").upper() + "\n")

    assert refused(start(CHAIN_ID="11155111", CHAIN_SIGNER_KEY_FILE=str(key_file))) == (
        "CHAIN_SIGNER_KEY_FILE holds a public development key (account 9 of the standard test mnemonic, "
        "anvil's default): refused on chain id 11155111, which is not a local chain (31337, 1337)."
    )


def test_the_development_key_is_accepted_on_a_local_chain_and_a_private_key_on_a_real_one():
    assert start(CHAIN_ID="31337", CHAIN_SIGNER_KEY=ANVIL_KEY_0).returncode == 0
    assert start(CHAIN_ID="1", CHAIN_SIGNER_KEY=A_PRIVATE_KEY).returncode == 0


def test_the_refused_keys_are_the_ten_accounts_of_the_standard_test_mnemonic():
    from config.safety import ANVIL_DEV_KEYS

    Account.enable_unaudited_hdwallet_features()
    mnemonic = "test test test test test test test test test test test junk"
    accounts = [Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{i}") for i in range(10)]
    derived = [account.key.hex().removeprefix("0x") for account in accounts]

    assert list(ANVIL_DEV_KEYS) == derived
    assert derived[0] == ANVIL_KEY_0.removeprefix("0x")
