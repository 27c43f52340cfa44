"""The event indexer: raw ``eth_getLogs`` in adaptive chunks, direct ABI decoding, idempotent
bulk upserts, finality by confirmation depth, reorg detection by parent hash.

One run: check the stored chain tip against the node (the next block's parent hash must be
the hash we stored; otherwise walk back over stored headers to the common ancestor, delete
what is above it and read again - unless that would rewrite final rows, which raises a
:class:`~chain.models.ReorgAlert` and halts instead); then read from the cursor to the tip in
chunks that halve on a node error (the range is read again) or after an answer above
``max_results`` (the answer is kept, the next range is smaller), and grow on success; each chunk is one
database transaction (rows, headers, cursor), so a crash loses at most a chunk's work and a
re-run rewrites the same rows (upsert on chain id, tx hash, log index).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction

from chain.abi import TRANSFER_TOPIC, decode_log
from chain.genesis import check_genesis
from chain.models import ChainEvent, Contract, IndexedBlock, IndexerCursor, ReorgAlert, TokenTransfer
from chain.rpc import RPC, NodeUnavailable, RPCError, get_rpc

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    from_block: int = -1
    to_block: int = -1
    logs: int = 0
    transfers: int = 0
    events: int = 0
    chunks: int = 0
    halvings: int = 0
    reorgs: list[int] = field(default_factory=list)  # common ancestors rolled back to
    halted: bool = False


def decode_transfer(raw: dict) -> tuple[str, str, int]:
    """(from, to, value) of an ERC-20 Transfer log: two indexed address words and one uint256 word.

    This is the ABI decoding of static 32-byte words (what ``eth_abi.decode`` does for these
    types), done on the hex text directly because it is the hot path; tests check it equals
    ``eth_abi``'s result.
    """
    topics = raw["topics"]
    return "0x" + topics[1][-40:], "0x" + topics[2][-40:], int(raw["data"], 16)


class Indexer:
    def __init__(
        self,
        *,
        rpc: RPC | None = None,
        chain_id: int | None = None,
        confirmations: int | None = None,
        max_chunk: int = 10_000,
        max_results: int = 10_000,
        progress: Callable[[RunResult, int], None] | None = None,
    ):
        self.rpc = rpc or get_rpc()
        self.chain_id = chain_id or settings.CHAIN_ID
        self.confirmations = settings.CHAIN_CONFIRMATIONS if confirmations is None else confirmations
        self.max_chunk = max_chunk
        self.max_results = max_results
        self.progress = progress

    # ---- public

    def run(self, *, to_block: int | None = None) -> RunResult:
        result = RunResult()
        contracts = {c.address.lower(): c.pk for c in Contract.objects.filter(chain_id=self.chain_id)}
        if not contracts:
            return result
        check_genesis(self.rpc, chain_id=self.chain_id)  # a reset chain: refuse (ChainReset), alert
        cursor, _ = IndexerCursor.objects.get_or_create(chain_id=self.chain_id)
        if cursor.halted:
            log.error("indexer for chain %s is halted by a reorg alert; resolve it first", self.chain_id)
            result.halted = True
            return result
        tip = self.rpc.block_number()
        target = tip if to_block is None else min(to_block, tip)
        if cursor.last_block >= 0 and self._handle_reorg(cursor, tip, result):
            return result
        cursor.refresh_from_db()
        start = cursor.last_block + 1 if cursor.last_block >= 0 else self._first_block()
        result.from_block = start
        chunk = cursor.chunk_size
        addresses = list(contracts)
        frm, expected = start, cursor.last_block
        while frm <= target:
            to = min(frm + chunk - 1, target)
            try:
                logs = self._get_logs(addresses, frm, to)
            except (RPCError, NodeUnavailable) as exc:
                if chunk == 1:
                    raise
                chunk = max(1, chunk // 2)
                result.halvings += 1
                log.info("eth_getLogs %s..%s failed (%s); chunk now %s", frm, to, exc, chunk)
                continue
            headers = self._headers(frm, to, tip, logs)
            if headers is None:  # the chain moved under us: re-check from the top next run
                break
            if not self._store(cursor.pk, expected, to, tip, logs, headers, contracts, result):
                break
            expected = to
            result.chunks += 1
            result.to_block = to
            frm = to + 1
            if len(logs) > self.max_results and chunk > 1:
                # Keep what the node sent (re-reading it would cost twice); ask for less next time.
                chunk = max(1, chunk // 2)
                result.halvings += 1
            else:
                chunk = min(chunk * 2, self.max_chunk)
            if self.progress:
                self.progress(result, target)
        IndexerCursor.objects.filter(pk=cursor.pk).update(chunk_size=chunk)
        self._mark_final(tip)
        return result

    # ---- reading

    def _first_block(self) -> int:
        first = Contract.objects.filter(chain_id=self.chain_id).order_by("deployed_block").first()
        return first.deployed_block if first else 0

    def _get_logs(self, addresses: list[str], frm: int, to: int) -> list[dict]:
        return self.rpc.call("eth_getLogs", {"address": addresses, "fromBlock": hex(frm), "toBlock": hex(to)})

    def _headers(self, frm: int, to: int, tip: int, logs: list[dict]) -> dict[int, dict] | None:
        """Headers to keep: the chunk's first and last block, blocks with our logs, and every block
        in the not-yet-final window. None when a log's block hash disagrees with its header."""
        wanted = {frm, to} | {int(lg["blockNumber"], 16) for lg in logs}
        wanted |= set(range(max(frm, tip - self.confirmations - 1), to + 1))
        numbers = sorted(wanted)
        headers = {}
        for i in range(0, len(numbers), 200):
            part = numbers[i : i + 200]
            for n, block in zip(
                part, self.rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in part]), strict=True
            ):
                if block is None:
                    return None
                headers[n] = block
        for lg in logs:
            if headers[int(lg["blockNumber"], 16)]["hash"] != lg["blockHash"]:
                return None
        return headers

    # ---- reorgs

    def _handle_reorg(self, cursor: IndexerCursor, tip: int, result: RunResult) -> bool:
        """Roll back to the common ancestor if the chain forked under our stored tip.
        Returns True when the run must stop (deep reorg: alert raised, indexer halted)."""
        stored = IndexedBlock.objects.filter(chain_id=self.chain_id, number=cursor.last_block).first()
        if stored is None:
            return False
        if cursor.last_block + 1 <= tip:
            child = self.rpc.get_block(cursor.last_block + 1)
            forked = child is None or child["parentHash"] != stored.hash
        else:
            here = self.rpc.get_block(cursor.last_block)
            forked = here is None or here["hash"] != stored.hash
        if not forked:
            return False
        ancestor = self._common_ancestor(cursor.last_block)
        log.warning(
            "reorg on chain %s: stored tip %s no longer on chain; common ancestor %s",
            self.chain_id,
            cursor.last_block,
            ancestor,
        )
        with transaction.atomic():
            cursor = IndexerCursor.objects.select_for_update().get(pk=cursor.pk)
            if ancestor < cursor.safe_block:
                message = (
                    f"Reorg deeper than {self.confirmations} confirmations on chain {self.chain_id}: "
                    f"the common ancestor is block {ancestor} but rows up to block {cursor.safe_block} "
                    "were final. Final rows were not rewritten; the indexer is halted."
                )
                ReorgAlert.objects.create(
                    chain_id=self.chain_id, fork_block=ancestor, safe_block=cursor.safe_block, message=message
                )
                cursor.halted = True
                cursor.save(update_fields=["halted", "updated_at"])
                log.error(message)
                result.halted = True
                return True
            for model in (TokenTransfer, ChainEvent):
                model.objects.filter(chain_id=self.chain_id, block_number__gt=ancestor).delete()
            IndexedBlock.objects.filter(chain_id=self.chain_id, number__gt=ancestor).delete()
            cursor.last_block = ancestor
            cursor.save(update_fields=["last_block", "updated_at"])
        result.reorgs.append(ancestor)
        return False

    def _common_ancestor(self, below: int) -> int:
        """The highest stored block whose hash the chain still has; -1 if none."""
        stored = IndexedBlock.objects.filter(chain_id=self.chain_id, number__lte=below).order_by("-number")
        batch: list[IndexedBlock] = []
        for block in stored.iterator(chunk_size=100):
            batch.append(block)
            if len(batch) == 100:
                found = self._match(batch)
                if found is not None:
                    return found
                batch = []
        found = self._match(batch) if batch else None
        return -1 if found is None else found

    def _match(self, blocks: list[IndexedBlock]) -> int | None:
        chain = self.rpc.batch([("eth_getBlockByNumber", [hex(b.number), False]) for b in blocks])
        for block, header in zip(blocks, chain, strict=True):
            if header is not None and header["hash"] == block.hash:
                return block.number
        return None

    # ---- writing

    def _store(
        self,
        cursor_pk: int,
        expect_last: int,
        to: int,
        tip: int,
        logs: list[dict],
        headers: dict[int, dict],
        contracts: dict[str, int],
        result: RunResult,
    ) -> bool:
        safe = tip - self.confirmations
        transfers, events = [], []
        for lg in logs:
            contract_id = contracts.get(lg["address"].lower())
            if contract_id is None:
                continue
            number = int(lg["blockNumber"], 16)
            key = (
                self.chain_id,
                contract_id,
                number,
                lg["blockHash"],
                lg["transactionHash"],
                int(lg["logIndex"], 16),
                number <= safe,
            )
            if lg["topics"] and lg["topics"][0] == TRANSFER_TOPIC and len(lg["topics"]) == 3:
                sender, recipient, value = decode_transfer(lg)
                transfers.append((*key, sender, recipient, value))
            else:
                decoded = decode_log(lg)
                if decoded is not None:
                    events.append((*key, decoded[0], json.dumps(decoded[1])))
        with transaction.atomic():
            cursor = IndexerCursor.objects.select_for_update().get(pk=cursor_pk)
            if cursor.last_block != expect_last:
                log.warning(
                    "indexer cursor moved (another run?): expected %s, found %s",
                    expect_last,
                    cursor.last_block,
                )
                return False
            _upsert_transfers(transfers)
            _upsert_events(events)
            _upsert_headers(self.chain_id, headers)
            cursor.last_block = to
            cursor.safe_block = max(cursor.safe_block, safe)
            cursor.save(update_fields=["last_block", "safe_block", "updated_at"])
        result.logs += len(logs)
        result.transfers += len(transfers)
        result.events += len(events)
        return True

    def _mark_final(self, tip: int) -> None:
        safe = tip - self.confirmations
        for model in (TokenTransfer, ChainEvent):
            model.objects.filter(chain_id=self.chain_id, final=False, block_number__lte=safe).update(
                final=True
            )


TRANSFER_COLUMNS = (
    "chain_id",
    "contract_id",
    "block_number",
    "block_hash",
    "tx_hash",
    "log_index",
    "final",
    "sender",
    "recipient",
    "value",
)
EVENT_COLUMNS = (
    "chain_id",
    "contract_id",
    "block_number",
    "block_hash",
    "tx_hash",
    "log_index",
    "final",
    "name",
    "args",
)
HEADER_COLUMNS = ("chain_id", "number", "hash", "parent_hash", "timestamp")


def _upsert(model, columns: tuple[str, ...], rows: list[tuple], conflict: tuple[str, ...]) -> None:
    """COPY into a temporary table, then INSERT ... SELECT ... ON CONFLICT DO UPDATE (PostgreSQL)."""
    if not rows:
        return
    table = model._meta.db_table
    cols = ", ".join(columns)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in conflict)
    on_conflict = f"ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {updates}"
    tmp = f"tmp_{table}"
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text(v) for v in row))
        buffer.write("\n")
    with connection.cursor() as cur:
        cur.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {tmp} ON COMMIT DELETE ROWS AS "  # noqa: S608
            f"SELECT {cols} FROM {table} WITH NO DATA"
        )
        with cur.cursor.copy(f"COPY {tmp} ({cols}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {tmp} {on_conflict}")  # noqa: S608
        cur.execute(f"TRUNCATE {tmp}")


def _copy_text(value) -> str:
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return text


def _upsert_transfers(rows: list[tuple]) -> None:
    _upsert(TokenTransfer, TRANSFER_COLUMNS, rows, ("chain_id", "tx_hash", "log_index"))


def _upsert_events(rows: list[tuple]) -> None:
    _upsert(ChainEvent, EVENT_COLUMNS, rows, ("chain_id", "tx_hash", "log_index"))


def _upsert_headers(chain_id: int, headers: dict[int, dict]) -> None:
    rows = [
        (chain_id, n, h["hash"], h["parentHash"], datetime.fromtimestamp(int(h["timestamp"], 16), tz=UTC))
        for n, h in sorted(headers.items())
    ]
    _upsert(IndexedBlock, HEADER_COLUMNS, rows, ("chain_id", "number"))


def index(*, to_block: int | None = None, progress=None) -> RunResult:
    return Indexer(progress=progress).run(to_block=to_block)
