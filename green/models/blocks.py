"""Certificate blocks: an inclusive serial range of one registry, owned by an SPV.

held -> reserved (for a buyer) or pledged (to a deal) -> held again (released), transferred out
(sold) or retired (final). Transferring or retiring part of a block first splits it: the parent
becomes ``split`` and its pieces keep its serials, its parts and a link to it.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import BigIntegerRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core import bounds
from core.validators import COUNTRY_CHOICES, validate_country

MAX_SERIAL = 10**18 - 1
LIVE_STATES = ["held", "reserved", "pledged", "retired"]  # CertificateBlock.LIVE, for the constraint
MAX_FACTOR_G_PER_KWH = 2_000  # the dirtiest grid is about 1,000 gCO2e/kWh


class Int8Range(Func):
    """PostgreSQL ``int8range(first, last, '[]')``: the serial numbers from ``first`` to ``last``."""

    function = "INT8RANGE"
    output_field = BigIntegerRangeField()

    def __init__(self, first: str, last: str):
        super().__init__(first, last, RangeBoundary(inclusive_lower=True, inclusive_upper=True))


class CertificateBlock(ConcurrentTransitionMixin, models.Model):
    """An inclusive serial range ``first_serial``..``last_serial`` of one registry and series."""

    class State(models.TextChoices):
        HELD = "held", "held"
        RESERVED = "reserved", "reserved"
        PLEDGED = "pledged", "pledged"
        TRANSFERRED = "transferred", "transferred out"
        RETIRED = "retired", "retired"
        SPLIT = "split", "split (into pieces)"

    # A block whose serials are ours or were claimed: no other block may share them. A split parent
    # lives on in its pieces; a transferred block left the inventory (it may come back as a new block).
    LIVE = (State.HELD, State.RESERVED, State.PLEDGED, State.RETIRED)
    MOVABLE = (State.HELD, State.RESERVED, State.PLEDGED)

    registry = models.ForeignKey("green.Registry", on_delete=models.PROTECT, related_name="blocks")
    serial = models.CharField(max_length=300, help_text="The block's serial as the registry writes it.")
    series = models.CharField(max_length=200, blank=True,
                              help_text="The registry's series parts of the serial, joined by '/'.")
    first_serial = models.BigIntegerField(validators=bounds.between(1, MAX_SERIAL))
    last_serial = models.BigIntegerField(validators=bounds.between(1, MAX_SERIAL))
    quantity = models.BigIntegerField(help_text="last - first + 1 certificates (MWh or tCO2e).")
    project = models.CharField(
        max_length=100, blank=True, help_text="Project or device as the serial names it."
    )
    country = models.CharField(
        max_length=2, blank=True, choices=COUNTRY_CHOICES, validators=[validate_country]
    )
    vintage_start = models.DateField(validators=bounds.dates())
    vintage_end = models.DateField(validators=bounds.dates())
    technology = models.CharField(max_length=40, blank=True)
    parts = models.JSONField(default=dict, blank=True, help_text="Every part of the serial, as parsed.")
    emission_factor_g_per_kwh = models.PositiveIntegerField(
        default=0,
        validators=bounds.between(0, MAX_FACTOR_G_PER_KWH),
        help_text="The certificate's emission factor (0 for solar, wind, hydro); used market-based.",
    )
    spv = models.ForeignKey("issuance.SPV", on_delete=models.PROTECT, related_name="certificate_blocks")
    device = models.ForeignKey(
        "assets.Device",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificate_blocks",
        help_text="The generating device, if ours.",
    )
    issuance_request = models.ForeignKey(
        "green.IssuanceRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="blocks"
    )
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="pieces")
    state = FSMField(default=State.HELD, choices=State.choices, protected=True, db_index=True)
    reserved_for = models.CharField(max_length=200, blank=True, help_text="The buyer it is reserved for.")
    pledged_to = models.ForeignKey(
        "issuance.Deal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pledged_certificate_blocks",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["registry", "series", "first_serial"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_serial__gte=1)
                & Q(last_serial__gte=F("first_serial"))
                & Q(last_serial__lte=MAX_SERIAL),
                name="certificate_block_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(quantity=F("last_serial") - F("first_serial") + 1),
                name="certificate_block_quantity_is_range",
            ),
            models.CheckConstraint(
                condition=Q(vintage_end__gte=F("vintage_start")), name="certificate_block_vintage_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(state="pledged") | Q(pledged_to__isnull=False),
                name="certificate_block_pledged_to_a_deal",
            ),
            bounds.check("certificate_block", "emission_factor_g_per_kwh", 0, MAX_FACTOR_G_PER_KWH),
            *bounds.check_dates("certificate_block", "vintage_start", "vintage_end"),
            ExclusionConstraint(
                name="certificate_block_serials_once",
                expressions=[
                    ("registry", RangeOperators.EQUAL),
                    ("series", RangeOperators.EQUAL),
                    (Int8Range("first_serial", "last_serial"), RangeOperators.OVERLAPS),
                ],
                condition=Q(state__in=LIVE_STATES),
                violation_error_message="Two live blocks of a registry and series may not share a serial.",
            ),
        ]
        indexes = [
            models.Index(fields=["registry", "series", "first_serial"], name="certificate_block_range")
        ]
        permissions = [
            ("reserve_certificateblock", "Can reserve a certificate block for a buyer"),
            ("pledge_certificateblock", "Can pledge a certificate block to a deal"),
            ("release_certificateblock", "Can release a reserved or pledged certificate block"),
            ("split_certificateblock", "Can split a certificate block by serial sub-range"),
            ("transfer_certificateblock", "Can sell and transfer out certificates"),
            ("retire_certificateblock", "Can retire certificates for a beneficiary"),
        ]

    def __str__(self) -> str:
        code = self.registry.code if self.registry_id else ""
        return f"{code} {self.first_serial}-{self.last_serial} ({self.quantity})"

    @transition(state, source=State.HELD, target=State.RESERVED, permission="green.reserve_certificateblock")
    def reserve(self) -> None:
        pass

    @transition(state, source=State.HELD, target=State.PLEDGED, permission="green.pledge_certificateblock")
    def pledge(self) -> None:
        pass

    @transition(
        state,
        source=[State.RESERVED, State.PLEDGED],
        target=State.HELD,
        permission="green.release_certificateblock",
    )
    def release(self) -> None:
        pass

    @transition(
        state,
        source=[State.HELD, State.RESERVED, State.PLEDGED],
        target=State.SPLIT,
        permission="green.split_certificateblock",
    )
    def split(self) -> None:
        pass

    @transition(
        state,
        source=[State.HELD, State.RESERVED],
        target=State.TRANSFERRED,
        permission="green.transfer_certificateblock",
        custom={"label": "sell and transfer out"},
    )
    def transfer(self) -> None:
        pass

    @transition(state, source=State.HELD, target=State.RETIRED, permission="green.retire_certificateblock")
    def retire(self) -> None:
        pass
