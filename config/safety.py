"""Values production must never run with, and the checks that refuse them at start-up.

Each check raises ``ImproperlyConfigured`` naming the setting, like the readers in
``config/env.py``. No Django imports beyond the exception: settings modules call these.
"""

import os
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

# Committed to the repository, so public: config/settings/demo.py and test.py use them.
DEMO_SECRET_KEY = "demo-only-key-not-for-production-use-0123456789abcdefghijklmnop"  # noqa: S105
TEST_SECRET_KEY = "test-only-key-not-for-production-use-0123456789abcdefghijklmnop"  # noqa: S105
PUBLIC_SECRET_KEYS = {DEMO_SECRET_KEY: "demo", TEST_SECRET_KEY: "test"}

# The private keys of accounts 0-9 of the standard test mnemonic ("test test ... junk",
# m/44'/60'/0'/0/i): anvil's and hardhat's default accounts, known to everyone.
ANVIL_DEV_KEYS = (
    "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
)
LOCAL_CHAIN_IDS = (31337, 1337)  # anvil / hardhat, and the usual local dev chain id

DEFAULT_PUBLIC_SUFFIX_LIST = "/usr/share/publicsuffix/public_suffix_list.dat"  # Debian: publicsuffix


def refuse_public_secret_key(value: str, name: str = "SECRET_KEY") -> None:
    which = PUBLIC_SECRET_KEYS.get(value)
    if which:
        raise ImproperlyConfigured(
            f"Environment variable {name} is unsafe: it is the {which} settings' key, public in the "
            "repository; use at least 50 random characters."
        )


# Hosts and origins


@cache
def _public_suffixes(path: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(rules, wildcard parents, exceptions) of a list in publicsuffix.org's format."""
    rules, wildcards, exceptions = set(), set(), set()
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        rule = raw.strip().split()[0].lower() if raw.strip() else ""
        if not rule or rule.startswith("//"):
            continue
        try:
            rule = rule.encode("idna").decode("ascii")
        except UnicodeError:
            pass  # kept as written; hosts with such labels are compared as text
        if rule.startswith("!"):
            exceptions.add(rule[1:])
        elif rule.startswith("*."):
            wildcards.add(rule[2:])
        else:
            rules.add(rule)
    return frozenset(rules), frozenset(wildcards), frozenset(exceptions)


def _is_public_suffix(domain: str, *, setting: str, entry: str) -> bool:
    """Whether ``domain`` is a public suffix: a name under which anyone may register sites."""
    if "." not in domain:
        return True  # a top-level domain (or an unlisted one: the list's default rule "*")
    path = os.environ.get("PUBLIC_SUFFIX_LIST") or DEFAULT_PUBLIC_SUFFIX_LIST
    try:
        rules, wildcards, exceptions = _public_suffixes(path)
    except OSError:
        raise ImproperlyConfigured(
            f"{setting}: '{entry}' is a wildcard, and the public suffix list (PUBLIC_SUFFIX_LIST={path}) "
            "cannot be read to check it: install Debian's publicsuffix package, point PUBLIC_SUFFIX_LIST "
            "at a copy of the list, or name the hosts."
        ) from None
    if domain in exceptions:
        return False
    return domain in rules or domain.split(".", 1)[1] in wildcards


def _refuse_broad_wildcard(domain: str, *, setting: str, entry: str, example: str, names: str) -> None:
    domain = domain.strip(".").lower()
    if _is_public_suffix(domain, setting=setting, entry=entry):
        raise ImproperlyConfigured(
            f"{setting}: '{entry}' covers every site under '{domain}', a public suffix; name your own "
            f"domain (e.g. '{example}') or the {names}."
        )


def check_allowed_hosts(hosts: list[str]) -> None:
    """No '*', and a subdomain wildcard ('.example.com') only over a domain that is not public."""
    if "*" in hosts:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name the hosts; '*' is refused.")
    for host in hosts:
        if host.startswith("."):
            _refuse_broad_wildcard(host, setting="ALLOWED_HOSTS", entry=host, example=".example.com",
                                   names="hosts")


def check_csrf_trusted_origins(origins: list[str]) -> None:
    """Every origin is https://host[:port]; '*.domain' only over a domain that is not public."""
    for origin in origins:
        parts = urlsplit(origin)
        host = parts.netloc.rsplit(":", 1)[0] if parts.netloc else origin
        if host in ("*", "*."):
            raise ImproperlyConfigured(
                f"CSRF_TRUSTED_ORIGINS must name the origins: '{origin}' trusts every site and is refused."
            )
        if parts.scheme != "https" or not parts.netloc or parts.path not in ("", "/"):
            raise ImproperlyConfigured(
                f"CSRF_TRUSTED_ORIGINS must list HTTPS origins (https://host): '{origin}' is refused."
            )
        if host.startswith("*."):
            _refuse_broad_wildcard(host[2:], setting="CSRF_TRUSTED_ORIGINS", entry=origin,
                                   example="https://*.example.com", names="origins")


# Chain


def _normalised_key(text: str) -> str:
    key = text.strip().lower()
    return key[2:] if key.startswith("0x") else key


def _configured_signer_keys() -> list[tuple[str, str]]:
    """(variable, key) for each place chain.signer may read the signing key from."""
    found = []
    if os.environ.get("CHAIN_SIGNER_KEY", "").strip():
        found.append(("CHAIN_SIGNER_KEY", os.environ["CHAIN_SIGNER_KEY"]))
    path = os.environ.get("CHAIN_SIGNER_KEY_FILE", "")
    if path:
        try:
            found.append(("CHAIN_SIGNER_KEY_FILE", Path(path).read_text()))
        except OSError:
            pass  # chain.signer names an unreadable file when it first signs
    return found


def refuse_development_signer(chain_id: int) -> None:
    """A well-known development key signs only on a local chain."""
    if chain_id in LOCAL_CHAIN_IDS:
        return
    for variable, key in _configured_signer_keys():
        normalised = _normalised_key(key)
        if normalised in ANVIL_DEV_KEYS:
            holds = "is" if variable == "CHAIN_SIGNER_KEY" else "holds"
            raise ImproperlyConfigured(
                f"{variable} {holds} a public development key (account {ANVIL_DEV_KEYS.index(normalised)} of "
                f"the standard test mnemonic, anvil's default): refused on chain id {chain_id}, which is not "
                f"a local chain ({', '.join(str(c) for c in LOCAL_CHAIN_IDS)})."
            )
