"""Index 100,000 Transfer events from anvil into PostgreSQL, two ways, and time them; then the
gas per recipient of a payout batch.

Run with PostgreSQL (migrated) and anvil up - bench/run.sh provides both:

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=... CHAIN_RPC_URL=... \
        CHAIN_SIGNER_KEY_FILE=... python -m bench.chain_indexer

- raw: chain.indexer (raw JSON-RPC eth_getLogs in adaptive chunks, direct ABI decoding, COPY +
  upsert into PostgreSQL, headers for reorg detection) - the product's own code, end to end;
- web3: web3.py's high-level path (``w3.eth.get_logs`` + ``contract.events.Transfer().process_log``
  per log), then the same bulk upsert, so only fetching and decoding differ.

Figures go to stdout, one per line; progress to stderr. Exits non-zero when an indexed count or
a total is wrong.
"""

import os
import sys
import time

import django

SEED = 20261122
EVENTS = int(os.environ.get("BENCH_CHAIN_EVENTS", "100000"))
RECIPIENTS = 1_000
PER_TX = 100  # TrancheToken.MAX_BATCH
TARGET_PER_SECOND = 30_000
PAYOUT_SIZES = (1, 50, 200)


def log(message: str) -> None:
    print(f"    {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    sys.exit(f"chain indexer benchmark FAILED: {message}")


def wallets(n: int, salt: str) -> list[str]:
    from eth_utils import keccak, to_checksum_address

    return [to_checksum_address(keccak(text=f"{SEED}:{salt}:{i}")[12:]) for i in range(n)]


def send_raw_many(rpc, account, calls: list[tuple[str, str]], gas: int) -> None:
    """Sign and send many transactions with automine off, then mine until the pool is empty."""
    nonce = rpc.nonce(account.address, "pending")
    rpc.call("evm_setAutomine", False)
    try:
        for i, (to, data) in enumerate(calls):
            tx = {
                "type": 2,
                "chainId": 31337,
                "nonce": nonce + i,
                "gas": gas,
                "maxFeePerGas": 10**11,
                "maxPriorityFeePerGas": 10**9,
                "to": to,
                "data": data,
                "value": 0,
            }
            rpc.call("eth_sendRawTransaction", "0x" + account.sign_transaction(tx).raw_transaction.hex())
        while rpc.nonce(account.address, "latest") < nonce + len(calls):
            rpc.call("evm_mine")
    finally:
        rpc.call("evm_setAutomine", True)


def build_chain():
    from chain import abi, services
    from chain.rpc import get_rpc
    from chain.signer import signer_account

    rpc, account = get_rpc(), signer_account()
    registry = services.deploy(
        key="bench:registry", kind="IdentityRegistry", args=(account.address,), name="bench registry"
    )
    token = services.deploy(
        key="bench:token",
        kind="TrancheToken",
        args=("Bench Senior", "BENCH-A", 6, registry.address, account.address),
        name="BENCH-A",
        registry=registry,
    )
    for role in ("MINTER_ROLE",):
        services.wait_mined(services._grant(token, role, account.address, rpc=rpc), rpc=rpc)
    holders = wallets(RECIPIENTS, "holder")
    everyone = [account.address, *holders]
    calls = []
    for i in range(0, len(everyone), 100):
        part = everyone[i : i + 100]
        calls.append(
            (
                registry.address,
                abi.encode_call(
                    "IdentityRegistry",
                    "batchRegisterIdentity",
                    part,
                    [(j + 1).to_bytes(32, "big") for j in range(i, i + len(part))],
                    [702] * len(part),
                    [4_102_444_800] * len(part),
                ),
            )
        )
    calls.append((token.address, abi.encode_call("TrancheToken", "mint", account.address, EVENTS * 10)))
    send_raw_many(rpc, account, calls, gas=8_000_000)
    started = time.perf_counter()
    transfers = []
    for i in range(0, EVENTS, PER_TX):
        n = min(PER_TX, EVENTS - i)
        to = [holders[(i + j) % RECIPIENTS] for j in range(n)]
        transfers.append((token.address, abi.encode_call("TrancheToken", "batchTransfer", to, [7] * n)))
    send_raw_many(rpc, account, transfers, gas=4_500_000)
    log(
        f"chain: {len(transfers)} batchTransfer transactions ({EVENTS:,} Transfer events) in "
        f"{time.perf_counter() - started:.1f} s, tip {rpc.block_number()}"
    )
    return rpc, token


def reset_index(chain_id: int) -> None:
    from chain.models import ChainEvent, IndexedBlock, IndexerCursor, TokenTransfer

    for model in (TokenTransfer, ChainEvent, IndexedBlock, IndexerCursor):
        model.objects.filter(chain_id=chain_id).delete()


def run_raw(token) -> tuple[float, int]:
    from chain.indexer import Indexer
    from chain.models import TokenTransfer

    reset_index(token.chain_id)
    started = time.perf_counter()
    result = Indexer(confirmations=0).run()
    elapsed = time.perf_counter() - started
    count = TokenTransfer.objects.filter(contract=token).count()
    log(
        f"raw: {result.logs:,} logs in {result.chunks} chunks ({result.halvings} halvings) in {elapsed:.2f} s"
    )
    return elapsed, count


def run_web3(token, from_block: int, to_block: int) -> tuple[float, int]:
    """web3.py high level: get_logs, then process_log per log; same upsert as the raw path."""
    from django.db import transaction
    from web3 import Web3

    from chain import abi
    from chain.indexer import _upsert_transfers
    from chain.models import TokenTransfer

    reset_index(token.chain_id)
    w3 = Web3(Web3.HTTPProvider(os.environ["CHAIN_RPC_URL"], request_kwargs={"timeout": 120}))
    contract = w3.eth.contract(address=token.address, abi=abi.abi("TrancheToken"))
    event = contract.events.Transfer()
    started = time.perf_counter()
    step = 16
    for frm in range(from_block, to_block + 1, step):
        raw_logs = w3.eth.get_logs(
            {
                "address": token.address,
                "fromBlock": frm,
                "toBlock": min(frm + step - 1, to_block),
                "topics": [abi.TRANSFER_TOPIC],
            }
        )
        rows = []
        for raw in raw_logs:
            ev = event.process_log(raw)
            rows.append(
                (
                    token.chain_id,
                    token.pk,
                    ev["blockNumber"],
                    "0x" + ev["blockHash"].hex(),
                    "0x" + ev["transactionHash"].hex(),
                    ev["logIndex"],
                    True,
                    ev["args"]["from"].lower(),
                    ev["args"]["to"].lower(),
                    ev["args"]["value"],
                )
            )
        with transaction.atomic():
            _upsert_transfers(rows)
    elapsed = time.perf_counter() - started
    count = TokenTransfer.objects.filter(contract=token).count()
    log(f"web3: {count:,} transfers in {elapsed:.2f} s")
    return elapsed, count


def payout_gas(token) -> dict[str, int]:
    """Gas of payBatch: new holders in batches of 1, 50 and 200 of one distribution, then the
    same 200 holders again in the token's next distribution (another record date and snapshot)."""
    from chain import abi, services
    from chain.rpc import get_rpc

    rpc = get_rpc()
    coin, payout = services.deploy_stablecoin_and_payout()
    services.wait_mined(
        services.tx_send(
            key="bench:fund",
            purpose="fund payout",
            to=coin.address,
            data=abi.encode_call("MockStablecoin", "mint", payout.address, 10**15),
        )
    )
    figures = {}
    first = (20261231, SEED.to_bytes(32, "big"))
    second = (20270331, (SEED + 1).to_bytes(32, "big"))
    runs = [(f"new_{n}", n, f"payee{n}", first) for n in PAYOUT_SIZES]
    runs.append(("repeat_200", 200, "payee200", second))
    for batch_no, (label, size, salt, (record_date, snapshot)) in enumerate(runs, start=1):
        payees = wallets(size, salt)
        tx = services.wait_mined(
            services.tx_send(
                key=f"bench:pay:{batch_no}",
                purpose="pay batch",
                to=payout.address,
                data=abi.encode_call(
                    "Payout", "payBatch", token.address, record_date, snapshot, batch_no, payees,
                    [1_000_000] * size,
                ),
            ),
            rpc=rpc,
        )
        figures[label] = tx.gas_used
    return figures


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from chain.models import TokenTransfer

    rpc, token = build_chain()
    tip = rpc.block_number()
    raw_s, raw_n = run_raw(token)
    expected = EVENTS + 1  # + the one mint to the sender
    if raw_n != expected:
        fail(f"raw path indexed {raw_n} transfers, expected {expected}")
    total = sum(int(v) for v in TokenTransfer.objects.filter(contract=token).values_list("value", flat=True))
    if total != EVENTS * 10 + EVENTS * 7:
        fail(f"raw path: transferred total {total} is wrong")
    web3_s, web3_n = run_web3(token, token.deployed_block, tip)
    if web3_n != expected:
        fail(f"web3 path indexed {web3_n} transfers, expected {expected}")
    raw_rate, web3_rate = raw_n / raw_s, web3_n / web3_s
    print(f"chain_index_transfers_indexed {raw_n}")
    print(f"chain_index_raw_events_per_second {raw_rate:.0f}")
    print(f"chain_index_web3_highlevel_events_per_second {web3_rate:.0f}")
    print(f"chain_index_raw_speedup_over_web3 {raw_rate / web3_rate:.1f}")
    print(
        f"chain_index_raw_meets_target_{TARGET_PER_SECOND} {'yes' if raw_rate >= TARGET_PER_SECOND else 'no'}"
    )
    gas = payout_gas(token)
    for size in PAYOUT_SIZES:
        print(f"chain_payout_gas_per_recipient_new_holders_batch_{size} {gas[f'new_{size}'] // size}")
    marginal = (gas["new_200"] - gas["new_1"]) // 199
    print(f"chain_payout_marginal_gas_per_new_recipient {marginal}")
    print(f"chain_payout_gas_per_recipient_repeat_holders_batch_200 {gas['repeat_200'] // 200}")


if __name__ == "__main__":
    main()
