"""Sites, devices (GPU servers and energy assets), appraisals, insurance, investment models."""

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from assets.depreciation import book_value
from core import bounds
from core.money import RATE_DECIMAL_PLACES, RATE_MAX_DIGITS, format_money, money_field
from core.validators import COUNTRY_CHOICES, CURRENCY_CHOICES, validate_country, validate_currency


class Valuation(NamedTuple):
    """A device's book value on a day, or ``None`` and why it cannot be computed."""

    book_value: Decimal | None
    problem: str | None


class Site(models.Model):
    """A data centre or energy site where devices are installed, with its grid's emission factor."""

    name = models.CharField(max_length=200, unique=True)
    location = models.CharField(max_length=300, help_text="Address or coordinates.")
    country = models.CharField(max_length=2, choices=COUNTRY_CHOICES, validators=[validate_country])
    grid_region = models.CharField(max_length=100, help_text="e.g. 'SG national grid', 'CAISO'.")
    grid_emission_factor = models.DecimalField(
        max_digits=8, decimal_places=3, validators=[MinValueValidator(Decimal("0"))],
        help_text="Location-based grid emission factor in g CO2e per kWh.",
    )
    grid_emission_factor_source = models.CharField(max_length=200)
    grid_emission_factor_year = models.PositiveSmallIntegerField(
        validators=bounds.between(bounds.EARLIEST_DATE.year, bounds.LATEST_DATE.year))
    pue = models.DecimalField(
        "PUE", max_digits=4, decimal_places=3, validators=[MinValueValidator(Decimal("1"))],
        help_text="Power usage effectiveness: facility energy / IT energy (at least 1).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(pue__gte=1), name="site_pue_at_least_1"),
            models.CheckConstraint(condition=Q(grid_emission_factor__gte=0),
                                   name="site_emission_factor_non_negative"),
            bounds.check("site", "grid_emission_factor_year", bounds.EARLIEST_DATE.year,
                         bounds.LATEST_DATE.year),
        ]

    def __str__(self) -> str:
        return self.name


class Device(ConcurrentTransitionMixin, models.Model):
    """A GPU server or an energy asset (solar PV, battery, charging pile) owned by an SPV.

    One table for every kind: the kind decides which capacity fields must be set
    (checked by constraints). Pledged to a deal through ``deal``.
    """

    class Kind(models.TextChoices):
        GPU_SERVER = "gpu_server", "GPU server"
        SOLAR_PV = "solar_pv", "solar PV"
        BATTERY = "battery", "battery"
        CHARGING_PILE = "charging_pile", "charging pile"

    class State(models.TextChoices):
        ORDERED = "ordered", "ordered"
        COMMISSIONED = "commissioned", "commissioned"
        ACTIVE = "active", "active"
        MAINTENANCE = "maintenance", "maintenance"
        DECOMMISSIONED = "decommissioned", "decommissioned"
        SOLD = "sold", "sold"
        IMPAIRED = "impaired", "impaired"

    IN_SERVICE = (State.ACTIVE, State.MAINTENANCE)
    FINAL_STATES = (State.DECOMMISSIONED, State.SOLD, State.IMPAIRED)

    code = models.CharField(max_length=64, unique=True,
                            help_text="Asset tag; metering files name devices by it.")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="devices")
    manufacturer = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=100)
    serial_number = models.CharField(max_length=100, unique=True)
    gpu_count = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=bounds.between(1, bounds.MAX_GPUS_PER_DEVICE))
    tdp_watts = models.PositiveIntegerField(
        "TDP (W per GPU)", null=True, blank=True, validators=bounds.between(1, bounds.MAX_TDP_WATTS),
        help_text="Thermal design power of one GPU; the most one GPU can draw in an hour is TDP Wh.",
    )
    capacity_kwp = models.DecimalField("PV capacity (kWp)", max_digits=10, decimal_places=3,
                                       null=True, blank=True)
    capacity_kwh = models.DecimalField("storage capacity (kWh)", max_digits=10, decimal_places=3,
                                       null=True, blank=True)
    power_kw = models.DecimalField("charging power (kW)", max_digits=10, decimal_places=3,
                                   null=True, blank=True)
    purchase_date = models.DateField(validators=bounds.dates())
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, validators=[validate_currency])
    purchase_cost = money_field()
    useful_life_years = models.PositiveSmallIntegerField(
        validators=bounds.between(*bounds.USEFUL_LIFE_YEARS),
        help_text="Straight-line depreciation period, 1 to 50 years.")
    residual_value = money_field(default=Decimal("0"))
    spv = models.ForeignKey("issuance.SPV", on_delete=models.PROTECT, related_name="devices")
    deal = models.ForeignKey(
        "issuance.Deal", null=True, blank=True, on_delete=models.PROTECT, related_name="devices",
        help_text="The deal this device is pledged to as collateral.",
    )
    state = FSMField(default=State.ORDERED, choices=State.choices, protected=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="gpu_server") | (Q(gpu_count__isnull=False, gpu_count__gte=1)
                                                   & Q(tdp_watts__isnull=False, tdp_watts__gte=1)),
                name="device_gpu_server_has_gpus_and_tdp",
            ),
            models.CheckConstraint(condition=~Q(kind="solar_pv")
                | Q(capacity_kwp__isnull=False, capacity_kwp__gt=0),
                                   name="device_solar_has_kwp"),
            models.CheckConstraint(condition=~Q(kind="battery")
                | Q(capacity_kwh__isnull=False, capacity_kwh__gt=0),
                                   name="device_battery_has_kwh"),
            models.CheckConstraint(condition=~Q(kind="charging_pile")
                | Q(power_kw__isnull=False, power_kw__gt=0),
                                   name="device_pile_has_kw"),
            models.CheckConstraint(condition=Q(purchase_cost__gt=0), name="device_cost_positive"),
            models.CheckConstraint(
                condition=Q(residual_value__gte=0) & Q(residual_value__lte=models.F("purchase_cost")),
                name="device_residual_within_cost",
            ),
            bounds.check("device", "useful_life_years", *bounds.USEFUL_LIFE_YEARS),
            bounds.check("device", "gpu_count", 1, bounds.MAX_GPUS_PER_DEVICE),
            bounds.check("device", "tdp_watts", 1, bounds.MAX_TDP_WATTS),
            *bounds.check_dates("device", "purchase_date"),
        ]
        permissions = [("transition_device", "Can move a device through its lifecycle")]

    def __str__(self) -> str:
        return self.code

    def money(self, amount: Decimal | None) -> str:
        return format_money(amount, self.currency)

    @property
    def max_energy_wh_per_hour(self) -> int | None:
        if self.kind != self.Kind.GPU_SERVER or not self.gpu_count or not self.tdp_watts:
            return None
        return self.gpu_count * self.tdp_watts

    def book_value(self, at: date) -> Decimal:
        """Straight-line book value at the start of ``at``; raises ``ValueError`` when the stored
        figures cannot give one (read through ``valuation`` where a page must still show)."""
        return book_value(cost=self.purchase_cost, residual=self.residual_value,
                          start=self.purchase_date, life_years=self.useful_life_years, at=at,
                          currency=self.currency)

    def valuation(self, at: date) -> "Valuation":
        """The book value at ``at``, or ``None`` with the ``problem`` that stops it: one device with
        impossible figures shows its problem on its row and never takes a list or a view down."""
        try:
            return Valuation(self.book_value(at), None)
        except (ArithmeticError, ValueError, TypeError) as exc:
            return Valuation(None, f"no book value: {exc}")

    _perm = "assets.transition_device"

    @transition(state, source=State.ORDERED, target=State.COMMISSIONED, permission=_perm)
    def commission(self) -> None:
        pass

    @transition(state, source=State.COMMISSIONED, target=State.ACTIVE, permission=_perm,
                custom={"label": "put into service"})
    def activate(self) -> None:
        pass

    @transition(state, source=State.ACTIVE, target=State.MAINTENANCE, permission=_perm,
                custom={"label": "start maintenance", "reason_required": True})
    def start_maintenance(self) -> None:
        pass

    @transition(state, source=State.MAINTENANCE, target=State.ACTIVE, permission=_perm,
                custom={"label": "return to service"})
    def return_to_service(self) -> None:
        pass

    @transition(state, source=[State.ACTIVE, State.MAINTENANCE], target=State.DECOMMISSIONED,
                permission=_perm, custom={"reason_required": True})
    def decommission(self) -> None:
        pass

    @transition(state, source=[State.ACTIVE, State.MAINTENANCE, State.DECOMMISSIONED],
                target=State.SOLD, permission=_perm, custom={"reason_required": True})
    def sell(self) -> None:
        pass

    @transition(state, source=[State.COMMISSIONED, State.ACTIVE, State.MAINTENANCE],
                target=State.IMPAIRED, permission=_perm, custom={"reason_required": True})
    def impair(self) -> None:
        pass


class Appraisal(models.Model):
    """One valuation of a device by an appraiser: the device's valuation history."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="appraisals")
    valued_on = models.DateField(validators=bounds.dates())
    value = money_field()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, validators=[validate_currency])
    appraiser = models.CharField(max_length=200)
    method = models.CharField(max_length=100, blank=True, help_text="e.g. 'market comparables'.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["device", "-valued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["device", "valued_on", "appraiser"],
                                    name="appraisal_unique_per_day_and_appraiser"),
            models.CheckConstraint(condition=Q(value__gte=0), name="appraisal_value_non_negative"),
            *bounds.check_dates("appraisal", "valued_on"),
        ]

    def __str__(self) -> str:
        return f"{self.device} {self.valued_on}: {format_money(self.value, self.currency)}"


class InsurancePolicy(models.Model):
    """An insurance policy covering a device (a device may have a history of policies)."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="insurance_policies")
    insurer = models.CharField(max_length=200)
    policy_number = models.CharField(max_length=100)
    cover_amount = money_field()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, validators=[validate_currency])
    starts_on = models.DateField(validators=bounds.dates())
    expires_on = models.DateField(validators=bounds.dates())
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["device", "-expires_on"]
        verbose_name_plural = "insurance policies"
        constraints = [
            models.UniqueConstraint(fields=["device", "insurer", "policy_number"],
                                    name="insurance_policy_unique_per_device"),
            models.CheckConstraint(condition=Q(expires_on__gt=models.F("starts_on")),
                                   name="insurance_expires_after_start"),
            models.CheckConstraint(condition=Q(cover_amount__gt=0), name="insurance_cover_positive"),
            *bounds.check_dates("insurance", "starts_on", "expires_on"),
        ]

    def __str__(self) -> str:
        return f"{self.insurer} {self.policy_number} ({self.device})"


class InvestmentModel(models.Model):
    """A standard investment model (node): capex, yearly revenue and opex -> payback, IRR, NPV."""

    class Kind(models.TextChoices):
        GREEN_ENERGY_STATION = "green_energy_station", "green smart energy station (B2B)"
        CHARGING_STORAGE_PILE = "charging_storage_pile", "charging / storage pile with AI compute (B2B)"
        HOME_UNIT = "home_unit", "home solar-storage-compute unit (B2C)"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, validators=[validate_currency])
    capex = money_field()
    revenue = models.JSONField(help_text="Yearly revenue, years 1..n, as decimal strings.")
    opex = models.JSONField(help_text="Yearly opex, years 1..n, as decimal strings.")
    discount_rate = models.DecimalField(max_digits=RATE_MAX_DIGITS, decimal_places=RATE_DECIMAL_PLACES,
                                        help_text="Annual discount rate as a fraction: 0.08 is 8 %.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(capex__gt=0), name="investment_capex_positive"),
            models.CheckConstraint(condition=Q(discount_rate__gte=0) & Q(discount_rate__lt=1),
                                   name="investment_discount_rate_fraction"),
        ]

    def __str__(self) -> str:
        return self.name
