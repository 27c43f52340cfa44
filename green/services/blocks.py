"""Registries and certificate blocks: record, reserve, pledge, release, split, sell, retire.

Every action locks the block, checks the actor through the block's transition permission, and
audits in the same transaction. Selling or retiring part of a block splits it first: the parent
becomes ``split`` and its pieces (the part acted on and what remains on either side) keep its
serial parts, its state and a link to it. Serial ranges of live blocks never overlap: the service
refuses naming the overlapping block, and an exclusion constraint stops any other path.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import NumericRange

from assets.models import BankEntry
from assets.services.common import create_audited, full_clean_or_refuse, update_audited
from core.audit import audit_created_bulk
from core.authz import require_perm
from core.errors import InvalidInput, Refused
from core.transitions import check_transition, lock, record_transition, run_transition
from green import serials
from green.models import CertificateBlock, CertificateSale, Registry, Retirement
from green.models.blocks import LIVE_STATES, Int8Range

REGISTRY_FIELDS = ("code", "name", "kind", "serial_format", "series_parts", "default_country")
BLOCK_FIELDS = (
    "registry",
    "serial",
    "series",
    "first_serial",
    "last_serial",
    "quantity",
    "project",
    "country",
    "vintage_start",
    "vintage_end",
    "technology",
    "emission_factor_g_per_kwh",
    "spv",
    "device",
    "issuance_request",
    "parent",
    "state",
    "reserved_for",
    "pledged_to",
)
RETIREMENT_FIELDS = ("block", "beneficiary", "purpose", "period_start", "period_end", "lessee", "retired_by")
SALE_FIELDS = ("block", "buyer", "currency", "price", "sold_on", "deal", "bank_entry", "sold_by")


def _check_format(values: dict) -> None:
    template = values.get("serial_format")
    if template is None:
        return
    try:
        tokens = serials.compile_format(template)
    except serials.SerialError as exc:
        raise InvalidInput(str(exc), field="serial_format") from None
    names = {t.name for t in tokens if t.name}
    parts = values.get("series_parts") or []
    if not isinstance(parts, list) or any(p not in names - {"first", "last"} for p in parts):
        raise InvalidInput(
            f"series_parts must name parts of the format other than first and last: "
            f"{sorted(names - {'first', 'last'})}.",
            field="series_parts",
        )


@transaction.atomic
def registry_create(*, actor, **values) -> Registry:
    require_perm(actor, "green.add_registry", doing="add registries")
    _check_format(values)
    return create_audited(Registry, actor=actor, fields=REGISTRY_FIELDS, **values)


@transaction.atomic
def registry_update(*, registry: Registry, actor, **values) -> Registry:
    require_perm(actor, "green.change_registry", doing="edit registries")
    registry = lock(Registry, registry.pk)
    if ("serial_format" in values or "series_parts" in values) and registry.blocks.exists():
        raise Refused(f"Registry '{registry}' has blocks; its serial format and series are fixed.")
    _check_format({"serial_format": registry.serial_format, "series_parts": registry.series_parts, **values})
    return update_audited(registry, actor=actor, fields=REGISTRY_FIELDS, values=values)


@dataclass(frozen=True)
class SerialFacts:
    """What a block's serial says, in the block's columns."""

    first: int
    last: int
    series: str
    project: str
    country: str
    vintage_start: date
    vintage_end: date
    technology: str
    parts: dict


def _vintage(parts: dict) -> tuple[date, date]:
    if "vintage_start" in parts and "vintage_end" in parts:
        return date.fromisoformat(parts["vintage_start"]), date.fromisoformat(parts["vintage_end"])
    text = parts.get("vintage", "")
    if len(text) == 6:  # YYYYMM
        year, month = int(text[:4]), int(text[4:])
        following = date(year + month // 12, month % 12 + 1, 1)
        return date(year, month, 1), date.fromordinal(following.toordinal() - 1)
    if len(text) == 4:
        return date(int(text), 1, 1), date(int(text), 12, 31)
    raise InvalidInput(
        "The serial format names no vintage ('vintage' or 'vintage_start' and 'vintage_end').", field="serial"
    )


def read_serial(registry: Registry, serial: str) -> SerialFacts:
    """Parse ``serial`` by its registry's format; ``InvalidInput`` on ``serial`` names the bad part."""
    try:
        parsed = serials.parse(registry.serial_format, serial)
    except serials.SerialError as exc:
        raise InvalidInput(f"{registry.code} {exc}.", field="serial") from None
    start, end = _vintage(parsed.parts)
    if end < start:
        raise InvalidInput(
            f"{registry.code} serial '{serial}': the vintage ends before it starts.", field="serial"
        )
    return SerialFacts(
        first=parsed.first,
        last=parsed.last,
        series=serials.series(parsed.parts, registry.series_parts),
        project=parsed.parts.get("project") or parsed.parts.get("device", ""),
        country=parsed.parts.get("country") or registry.default_country,
        vintage_start=start,
        vintage_end=end,
        technology=parsed.parts.get("technology", ""),
        parts=parsed.parts,
    )


def overlapping(
    *, registry_id: int, series: str, first: int, last: int, exclude=()
) -> CertificateBlock | None:
    """The first live block of the registry and series sharing a serial with ``first``..``last``."""
    # The exclusion constraint's expression and condition, so that its GiST index answers.
    return (
        CertificateBlock.objects.select_related("registry")
        .alias(serials=Int8Range("first_serial", "last_serial"))
        .filter(registry_id=registry_id, series=series, state__in=LIVE_STATES,
                serials__overlap=NumericRange(first, last, "[]"))
        .exclude(pk__in=exclude)
        .order_by("first_serial")
        .first()
    )


def _refuse_overlap(*, registry_id: int, series: str, first: int, last: int, exclude=()) -> None:
    other = overlapping(registry_id=registry_id, series=series, first=first, last=last, exclude=exclude)
    if other:
        raise Refused(
            f"Serials {first} to {last} overlap block #{other.pk} '{other.serial}' "
            f"({other.first_serial} to {other.last_serial}, {other.get_state_display()}).",
            field="serial",
        )


def _insert(blocks: list[CertificateBlock]) -> list[CertificateBlock]:
    """Insert in a savepoint, so a race the service check could not see is refused, not a 500."""
    try:
        with transaction.atomic():
            return CertificateBlock.objects.bulk_create(blocks)
    except IntegrityError as exc:
        if "certificate_block_serials_once" in str(exc):
            raise Refused(
                "Another live block of this registry and series was recorded with some of these "
                "serials at the same time; nothing was changed.",
                field="serial",
            ) from None
        raise


def create_block(
    *,
    actor,
    registry: Registry,
    serial: str,
    spv,
    device=None,
    issuance_request=None,
    emission_factor_g_per_kwh: int = 0,
) -> CertificateBlock:
    """Parse, refuse an overlap, insert and audit a new block (inside the caller's transaction)."""
    facts = read_serial(registry, serial)
    _refuse_overlap(registry_id=registry.pk, series=facts.series, first=facts.first, last=facts.last)
    if device is not None and device.spv_id != spv.pk:
        raise InvalidInput(
            f"Device '{device}' belongs to SPV '{device.spv}', not to '{spv}'.", field="device"
        )
    block = CertificateBlock(
        registry=registry,
        serial=serial.strip(),
        series=facts.series,
        first_serial=facts.first,
        last_serial=facts.last,
        quantity=facts.last - facts.first + 1,
        project=facts.project,
        country=facts.country,
        vintage_start=facts.vintage_start,
        vintage_end=facts.vintage_end,
        technology=facts.technology,
        parts=facts.parts,
        emission_factor_g_per_kwh=emission_factor_g_per_kwh,
        spv=spv,
        device=device,
        issuance_request=issuance_request,
    )
    full_clean_or_refuse(block, exclude=("state", "issuance_request", "parent"), validate_constraints=False)
    (block,) = _insert([block])
    audit_created_bulk(instances=[block], actor=actor, fields=BLOCK_FIELDS)
    return block


@transaction.atomic
def block_record(
    *, actor, registry: Registry, serial: str, spv, device=None, emission_factor_g_per_kwh: int = 0
) -> CertificateBlock:
    """Record a block bought or received from outside (issuance from our own generation goes
    through ``issuance_request_issue``)."""
    require_perm(actor, "green.add_certificateblock", doing="record certificate blocks")
    return create_block(
        actor=actor,
        registry=registry,
        serial=serial,
        spv=spv,
        device=device,
        emission_factor_g_per_kwh=emission_factor_g_per_kwh,
    )


def _pieces(block: CertificateBlock, ranges: list[tuple[int, int]]) -> list[CertificateBlock]:
    template = block.registry.serial_format
    widths = serials.parse(template, block.serial).widths
    return [
        CertificateBlock(
            registry_id=block.registry_id,
            series=block.series,
            first_serial=first,
            last_serial=last,
            quantity=last - first + 1,
            serial=serials.render(template, block.parts, first=first, last=last, widths=widths),
            project=block.project,
            country=block.country,
            vintage_start=block.vintage_start,
            vintage_end=block.vintage_end,
            technology=block.technology,
            parts=block.parts,
            emission_factor_g_per_kwh=block.emission_factor_g_per_kwh,
            spv_id=block.spv_id,
            device_id=block.device_id,
            issuance_request_id=block.issuance_request_id,
            parent=block,
            state=block.state,
            reserved_for=block.reserved_for,
            pledged_to_id=block.pledged_to_id,
        )
        for first, last in ranges
    ]


def _split(
    block: CertificateBlock, ranges: list[tuple[int, int]], *, actor, reason: str
) -> list[CertificateBlock]:
    """Split a locked block into ``ranges`` (which tile it): the parent leaves the live states first,
    so the pieces may take its serials."""
    pieces = _pieces(block, ranges)
    record_transition(block, "split", actor=actor, reason=reason)
    pieces = _insert(pieces)
    audit_created_bulk(instances=pieces, actor=actor, fields=BLOCK_FIELDS)
    return pieces


def _sub_range(block: CertificateBlock, *, quantity: int, first: int | None) -> tuple[int, int]:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise InvalidInput("quantity must be a whole number of certificates, at least 1.", field="quantity")
    first = block.first_serial if first is None else first
    last = first + quantity - 1
    if first < block.first_serial or first > block.last_serial:
        raise InvalidInput(
            f"Serial {first} is not in block #{block.pk} ({block.first_serial} to {block.last_serial}).",
            field="first",
        )
    if last > block.last_serial:
        raise InvalidInput(
            f"Block #{block.pk} holds {block.last_serial - first + 1} certificates from serial "
            f"{first} ({block.quantity} in all); {quantity} is more than held.",
            field="quantity",
        )
    return first, last


def _take(
    block: CertificateBlock, *, quantity: int, first: int | None, actor, doing: str
) -> CertificateBlock:
    """The piece ``first``..``first + quantity - 1`` of a locked block: the block itself when whole,
    else the middle piece of a split."""
    a, b = _sub_range(block, quantity=quantity, first=first)
    if (a, b) == (block.first_serial, block.last_serial):
        return block
    ranges = [r for r in ((block.first_serial, a - 1), (a, b), (b + 1, block.last_serial)) if r[0] <= r[1]]
    pieces = _split(block, ranges, actor=actor, reason=f"{doing} serials {a} to {b}")
    return next(p for p in pieces if p.first_serial == a)


@transaction.atomic
def block_split(*, block: CertificateBlock, at: int, actor, reason: str = "") -> list[CertificateBlock]:
    """Split a block in two: ``first``..``at - 1`` and ``at``..``last``."""
    block = lock(CertificateBlock, block.pk)
    check_transition(block, "split", actor=actor, reason=reason)
    if not isinstance(at, int) or not block.first_serial < at <= block.last_serial:
        raise InvalidInput(
            f"Block #{block.pk} ({block.first_serial} to {block.last_serial}) splits at a serial "
            f"from {block.first_serial + 1} to {block.last_serial}; {at} is not one.",
            field="at",
        )
    return _split(
        block,
        [(block.first_serial, at - 1), (at, block.last_serial)],
        actor=actor,
        reason=reason or f"split at serial {at}",
    )


@transaction.atomic
def block_reserve(*, block: CertificateBlock, buyer: str, actor, reason: str = "") -> CertificateBlock:
    block = lock(CertificateBlock, block.pk)
    if not buyer or not buyer.strip():
        raise InvalidInput("Name the buyer the block is reserved for.", field="buyer")
    run_transition(block, "reserve", actor=actor, reason=reason, reserved_for=buyer.strip()[:200])
    return block


@transaction.atomic
def block_pledge(*, block: CertificateBlock, deal, actor, reason: str = "") -> CertificateBlock:
    block = lock(CertificateBlock, block.pk)
    if deal.spv_id != block.spv_id:
        raise InvalidInput(
            f"Deal '{deal}' belongs to SPV '{deal.spv}', not to the block's owner.", field="deal"
        )
    run_transition(block, "pledge", actor=actor, reason=reason, pledged_to=deal)
    return block


@transaction.atomic
def block_release(*, block: CertificateBlock, actor, reason: str = "") -> CertificateBlock:
    block = lock(CertificateBlock, block.pk)
    run_transition(block, "release", actor=actor, reason=reason, reserved_for="", pledged_to=None)
    return block


def _refuse_unless_retirable(block: CertificateBlock, actor) -> None:
    if block.state == CertificateBlock.State.PLEDGED:
        raise Refused(
            f"Block #{block.pk} is pledged to deal '{block.pledged_to}'; release it before retiring."
        )
    if block.state == CertificateBlock.State.RETIRED:
        raise Refused(f"Block #{block.pk} is already retired (final).")
    check_transition(block, "retire", actor=actor)


@transaction.atomic
def block_retire(
    *,
    block: CertificateBlock,
    quantity: int,
    beneficiary: str,
    purpose: str,
    period_start: date,
    period_end: date,
    actor,
    first: int | None = None,
    lessee=None,
    reason: str = "",
) -> Retirement:
    """Retire ``quantity`` certificates of a held block (from ``first``, else its lowest serials) for a
    beneficiary, a purpose and a reporting period. Final."""
    block = lock(CertificateBlock, block.pk)
    _refuse_unless_retirable(block, actor)
    retirement = Retirement(
        block=block,
        beneficiary=(beneficiary or "").strip(),
        purpose=(purpose or "").strip(),
        period_start=period_start,
        period_end=period_end,
        lessee=lessee,
        retired_by=actor,
    )
    full_clean_or_refuse(retirement, exclude=("block",))
    if period_end < period_start:
        raise InvalidInput("The reporting period ends before it starts.", field="period_end")
    piece = _take(block, quantity=quantity, first=first, actor=actor, doing="retire")
    run_transition(piece, "retire", actor=actor,
                   reason=reason.strip() or f"for {retirement.beneficiary}: {retirement.purpose}")
    return create_audited(
        Retirement,
        actor=actor,
        fields=RETIREMENT_FIELDS,
        block=piece,
        beneficiary=retirement.beneficiary,
        purpose=retirement.purpose,
        period_start=period_start,
        period_end=period_end,
        lessee=lessee,
        retired_by=actor if getattr(actor, "pk", None) else None,
    )


@transaction.atomic
def block_sell(
    *,
    block: CertificateBlock,
    quantity: int,
    buyer: str,
    price: Decimal,
    currency: str,
    sold_on: date,
    actor,
    first: int | None = None,
    deal=None,
    reason: str = "",
) -> CertificateSale:
    """Sell ``quantity`` certificates of a held block, or of one reserved for this buyer, and transfer
    them out. The receipt is matched later (``certificate_sale_record_receipt``)."""
    block = lock(CertificateBlock, block.pk)
    check_transition(block, "transfer", actor=actor)
    buyer = (buyer or "").strip()
    if block.state == CertificateBlock.State.RESERVED and buyer.casefold() != block.reserved_for.casefold():
        raise Refused(
            f"Block #{block.pk} is reserved for '{block.reserved_for}', not '{buyer}'.", field="buyer"
        )
    if deal is not None and deal.spv_id != block.spv_id:
        raise InvalidInput(
            f"Deal '{deal}' belongs to SPV '{deal.spv}', not to the block's owner.", field="deal"
        )
    sale = CertificateSale(
        block=block, buyer=buyer, price=price, currency=currency, sold_on=sold_on, deal=deal
    )
    full_clean_or_refuse(sale, exclude=("block",))
    if price <= 0:
        raise InvalidInput("The price must be above zero.", field="price")
    piece = _take(block, quantity=quantity, first=first, actor=actor, doing="sell")
    run_transition(piece, "transfer", actor=actor, reason=reason.strip() or f"sold to {buyer}")
    return create_audited(
        CertificateSale,
        actor=actor,
        fields=SALE_FIELDS,
        block=piece,
        buyer=buyer,
        price=price,
        currency=currency,
        sold_on=sold_on,
        deal=deal,
        sold_by=actor if getattr(actor, "pk", None) else None,
    )


@transaction.atomic
def certificate_sale_record_receipt(
    *, sale: CertificateSale, bank_entry: BankEntry, actor
) -> CertificateSale:
    """Match a sale with its bank receipt: a credit classified as a certificate sale, for the price."""
    require_perm(actor, "green.record_receipt_certificatesale", doing="match certificate sales with receipts")
    sale = lock(CertificateSale, sale.pk)
    entry = lock(BankEntry, bank_entry.pk)
    problems = []
    if sale.bank_entry_id:
        problems.append(f"the sale already has its receipt (bank entry #{sale.bank_entry_id})")
    if CertificateSale.objects.filter(bank_entry=entry).exists():
        problems.append(f"bank entry #{entry.pk} is already the receipt of another sale")
    if entry.direction != BankEntry.Direction.CREDIT:
        problems.append(f"bank entry #{entry.pk} is a debit, not a receipt")
    if entry.category != BankEntry.Category.CERTIFICATE_SALE:
        problems.append(
            f"bank entry #{entry.pk} is classified '{entry.get_category_display()}', not 'certificate sale'"
        )
    if (entry.currency, entry.amount) != (sale.currency, sale.price):
        problems.append(
            f"bank entry #{entry.pk} is {entry.currency} {entry.amount}; the sale is "
            f"{sale.currency} {sale.price}"
        )
    if problems:
        raise Refused(
            "Cannot record the receipt: " + "; ".join(problems) + ".", reasons=problems, field="bank_entry"
        )
    return update_audited(sale, actor=actor, fields=("bank_entry",), values={"bank_entry": entry})


# The table the API and the admin dispatch through: {transition: service}. Options other than the
# reason (buyer, deal, at, quantity, ...) come from the transition's body.
BLOCK_ACTIONS = {
    "reserve": block_reserve,
    "pledge": block_pledge,
    "release": block_release,
    "split": block_split,
    "transfer": block_sell,
    "retire": block_retire,
}


def block_transition(*, block: CertificateBlock, name: str, actor, reason: str = "", **options):
    action = BLOCK_ACTIONS.get(name)
    if action is None:
        raise Refused(
            f"Certificate blocks have no action '{name}'; the actions are: {', '.join(BLOCK_ACTIONS)}."
        )
    return action(block=block, actor=actor, reason=reason, **options)
