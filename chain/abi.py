"""The compiled contracts (contracts/artifacts) and direct ABI encoding/decoding with eth_abi.

No web3 contract objects: calldata, return values, custom errors and event logs are encoded and
decoded here from the committed ABI, so a revert names its Solidity custom error and the indexer
decodes logs without per-log overhead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

ARTIFACTS = Path(__file__).resolve().parent.parent / "contracts" / "artifacts"
CONTRACTS = ("IdentityRegistry", "TrancheToken", "Payout", "MockStablecoin", "Anchor")


def _type(param: dict) -> str:
    t = param["type"]
    if t.startswith("tuple"):
        return "(" + ",".join(_type(c) for c in param["components"]) + ")" + t[len("tuple") :]
    return t


def signature(entry: dict) -> str:
    return f"{entry['name']}({','.join(_type(p) for p in entry['inputs'])})"


@cache
def artifact(name: str) -> dict:
    return json.loads((ARTIFACTS / f"{name}.json").read_text())


def abi(name: str) -> list[dict]:
    return artifact(name)["abi"]


def bytecode(name: str) -> str:
    return artifact(name)["bytecode"]


def _entry(contract: str, kind: str, name: str) -> dict:
    matches = [e for e in abi(contract) if e["type"] == kind and e["name"] == name]
    if len(matches) != 1:
        raise KeyError(f"{contract} has {len(matches)} {kind}s named {name}")
    return matches[0]


def encode_call(contract: str, function: str, *args: Any) -> str:
    entry = _entry(contract, "function", function)
    selector = keccak(text=signature(entry))[:4]
    return "0x" + (selector + encode([_type(p) for p in entry["inputs"]], list(args))).hex()


def encode_deploy(contract: str, *args: Any) -> str:
    ctor = [e for e in abi(contract) if e["type"] == "constructor"]
    types = [_type(p) for p in ctor[0]["inputs"]] if ctor else []
    return bytecode(contract) + encode(types, list(args)).hex()


def decode_result(contract: str, function: str, data: str) -> Any:
    entry = _entry(contract, "function", function)
    values = decode([_type(p) for p in entry["outputs"]], bytes.fromhex(data[2:]))
    return values[0] if len(values) == 1 else values


# ---- errors


@dataclass(frozen=True)
class DecodedError:
    name: str
    args: tuple

    def shown(self) -> tuple[str, ...]:
        """The arguments as people read them (bytes as 0x-hex)."""
        return tuple(_show(a) for a in self.args)

    def __str__(self) -> str:
        return f"{self.name}({', '.join(self.shown())})"


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


@cache
def _errors() -> dict[bytes, tuple[str, list[str]]]:
    table: dict[bytes, tuple[str, list[str]]] = {
        keccak(text="Error(string)")[:4]: ("Error", ["string"]),
        keccak(text="Panic(uint256)")[:4]: ("Panic", ["uint256"]),
    }
    for contract in CONTRACTS:
        for e in abi(contract):
            if e["type"] == "error":
                table[keccak(text=signature(e))[:4]] = (e["name"], [_type(p) for p in e["inputs"]])
    return table


def decode_error(data: str | None) -> DecodedError | None:
    """Name the custom error in revert data (``0x`` + selector + args), or None."""
    if not data or not isinstance(data, str) or len(data) < 10:
        return None
    raw = bytes.fromhex(data[2:])
    found = _errors().get(raw[:4])
    if not found:
        return DecodedError("UnknownError", (data,))
    name, types = found
    try:
        args = decode(types, raw[4:])
    except Exception:  # noqa: BLE001 - malformed revert data: still report the name
        args = ()
    args = tuple(
        to_checksum_address(a) if isinstance(a, str) and a.startswith("0x") and len(a) == 42 else a
        for a in args
    )
    return DecodedError(name, args)


# ---- events


@dataclass(frozen=True)
class EventSpec:
    contract: str
    name: str
    topic0: str
    indexed: list[tuple[str, str]]  # (name, type)
    data: list[tuple[str, str]]


@cache
def events() -> dict[str, EventSpec]:
    """topic0 -> event spec, over all our contracts (OpenZeppelin events included)."""
    table: dict[str, EventSpec] = {}
    for contract in CONTRACTS:
        for e in abi(contract):
            if e["type"] != "event":
                continue
            topic0 = "0x" + keccak(text=signature(e)).hex()
            table.setdefault(
                topic0,
                EventSpec(
                    contract,
                    e["name"],
                    topic0,
                    [(p["name"], _type(p)) for p in e["inputs"] if p["indexed"]],
                    [(p["name"], _type(p)) for p in e["inputs"] if not p["indexed"]],
                ),
            )
    return table


TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if abs(value) > 2**53 else value
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def decode_log(log: dict) -> tuple[str, dict] | None:
    """(event name, args as JSON-safe values) for a raw log of our contracts, or None."""
    topics = log["topics"]
    if not topics:
        return None
    spec = events().get(topics[0])
    if spec is None or len(topics) - 1 != len(spec.indexed):
        return None
    args: dict[str, Any] = {}
    for (name, typ), topic in zip(spec.indexed, topics[1:], strict=True):
        if typ in ("string", "bytes") or typ.endswith("]") or typ.startswith("("):
            args[name] = topic  # dynamic indexed values are only their hash
        else:
            args[name] = _json_value(decode([typ], bytes.fromhex(topic[2:]))[0])
    if spec.data:
        values = decode([t for _, t in spec.data], bytes.fromhex(log["data"][2:]))
        for (name, _), value in zip(spec.data, values, strict=True):
            args[name] = _json_value(value)
    return spec.name, args


def role(name: str) -> bytes:
    """An AccessControl role id: keccak256 of its name (DEFAULT_ADMIN_ROLE is zero)."""
    return bytes(32) if name == "DEFAULT_ADMIN_ROLE" else keccak(text=name)
