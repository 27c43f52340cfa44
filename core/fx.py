"""Exchange rates: record one (audited), find the one that applies, convert through it.

Amounts in different currencies are never added up as they are. A conversion goes
through one recorded :class:`core.models.FxRate` - the latest on or before the day of
the figures, of the pair itself or of its inverse - and says which rate, of which day,
from which source. When there is none, the caller says which pair is missing instead
of showing a figure.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from core.audit import audit_created
from core.authz import require_perm
from core.clock import as_of_or_today
from core.errors import InvalidInput, Refused
from core.models import FX_RATE_DECIMAL_PLACES, FxRate
from core.money import minor_unit
from core.validators import validate_currency

MIN_RATE = Decimal("0.0000001")
MAX_RATE = Decimal("100000000")
PRECISION = 50
FIELDS = ("base", "quote", "rate", "as_of", "source")


def _currency(value, *, field: str) -> str:
    code = str(value or "").strip().upper()
    try:
        validate_currency(code)
    except ValidationError as exc:
        raise InvalidInput(f"{field}: {exc.messages[0]}", field=field) from None
    return code


def _rate(value) -> Decimal:
    try:
        rate = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"rate: '{value}' is not a decimal number.", field="rate") from None
    if not rate.is_finite() or not MIN_RATE <= rate <= MAX_RATE:
        raise InvalidInput(f"rate: {value} is out of range; a rate is from {MIN_RATE:f} to {MAX_RATE:,} "
                           "units of the quote currency per unit of the base currency.", field="rate")
    if rate != rate.quantize(Decimal(1).scaleb(-FX_RATE_DECIMAL_PLACES)):
        raise InvalidInput(f"rate: {rate} has more than {FX_RATE_DECIMAL_PLACES} decimal places; record the "
                           "inverse pair instead.", field="rate")
    return rate


@transaction.atomic
def fx_rate_record(*, actor, base: str, quote: str, rate: Decimal, as_of: date, source: str) -> FxRate:
    """Record that 1 ``base`` = ``rate`` ``quote`` on ``as_of``, as published by ``source``.

    Once per pair, day and source: the same again is refused, naming the rate already recorded.
    """
    require_perm(actor, "core.add_fxrate", doing="record FX rates")
    base, quote = _currency(base, field="base"), _currency(quote, field="quote")
    if base == quote:
        raise InvalidInput(f"quote: a rate needs two currencies; base and quote are both {base}.",
                           field="quote")
    rate = _rate(rate)
    as_of = as_of_or_today(as_of)
    source = str(source or "").strip()
    if not source or len(source) > 100:
        raise InvalidInput("source: name who published the rate (1 to 100 characters).", field="source")
    existing = FxRate.objects.filter(base=base, quote=quote, as_of=as_of, source=source).first()
    if existing is not None:
        raise Refused(f"{base}/{quote} from '{source}' on {as_of} is already recorded as {existing.rate} "
                      f"(by {existing.recorded_by or 'the system'}); rates are recorded once and never "
                      "changed.", field="rate")
    try:
        with transaction.atomic():
            row = FxRate.objects.create(base=base, quote=quote, rate=rate, as_of=as_of, source=source,
                                        recorded_by=actor)
    except IntegrityError:  # recorded at the same moment by someone else
        raise Refused(f"{base}/{quote} from '{source}' on {as_of} was just recorded by someone else.",
                      field="rate") from None
    audit_created(instance=row, actor=actor, fields=FIELDS)
    return row


@dataclass(frozen=True)
class AppliedRate:
    """The recorded rate used to convert ``from_currency`` into ``to_currency``."""

    from_currency: str
    to_currency: str
    rate: FxRate  # as recorded: its pair may be the inverse of the conversion
    inverted: bool

    @property
    def pair(self) -> str:
        return f"{self.from_currency}/{self.to_currency}"

    def convert(self, amount: Decimal) -> Decimal:
        """``amount`` in the target currency, rounded once half-even to its minor unit."""
        with localcontext() as ctx:
            ctx.prec = PRECISION
            value = amount / self.rate.rate if self.inverted else amount * self.rate.rate
            return value.quantize(minor_unit(self.to_currency), rounding=ROUND_HALF_EVEN)

    def describe(self) -> str:
        recorded = f"{self.rate.base}/{self.rate.quote} {self.rate.rate.normalize():f}"
        inverse = ", inverted" if self.inverted else ""
        return f"{recorded} on {self.rate.as_of} ({self.rate.source}{inverse})"


def latest_rates(pairs: set[tuple[str, str]], *, on: date) -> dict[tuple[str, str], AppliedRate]:
    """For each (from, to) pair, the latest rate recorded on or before ``on`` (one query).

    The pair's own rate and its inverse both count; the later day wins, the pair's own
    rate on a tie, then the one recorded last. Pairs without any rate are left out.
    """
    wanted = {(a, b) for a, b in pairs if a != b}
    if not wanted:
        return {}
    match = Q()
    for a, b in wanted:
        match |= Q(base=a, quote=b) | Q(base=b, quote=a)
    newest = {}
    for row in (FxRate.objects.filter(match, as_of__lte=on).select_related("recorded_by")
                .order_by("base", "quote", "-as_of", "-recorded_at", "-id").distinct("base", "quote")):
        newest[(row.base, row.quote)] = row
    applied = {}
    for a, b in wanted:
        direct, inverse = newest.get((a, b)), newest.get((b, a))
        if direct is not None and (inverse is None or direct.as_of >= inverse.as_of):
            applied[(a, b)] = AppliedRate(from_currency=a, to_currency=b, rate=direct, inverted=False)
        elif inverse is not None:
            applied[(a, b)] = AppliedRate(from_currency=a, to_currency=b, rate=inverse, inverted=True)
    return applied
