"""Waterfall runs: every determination of a period is kept (docs/servicing.md, "Determination and
approval")."""

from decimal import Decimal

from django.conf import settings
from django.db import models

from core.money import money_field
from servicing.models.periods import CollectionPeriod

PAYMENT_KINDS = ("interest", "principal", "residual")


class WaterfallRun(models.Model):
    """The engine run over one period: its inputs (available funds, pool figures, the description's
    version, the state carried from the previous approved run), its outputs (the step table,
    balances, accounts, triggers, payments) and the state to carry into the next period."""

    period = models.ForeignKey(CollectionPeriod, on_delete=models.PROTECT, related_name="runs")
    number = models.PositiveIntegerField(help_text="1 for the period's first determination.")
    description_version = models.PositiveIntegerField()
    available_funds = money_field(help_text="Every funds line added up, in the deal's currency.")
    inputs = models.JSONField()
    outputs = models.JSONField()
    state = models.JSONField(help_text="The engine's state after this period, fed to the next period's run.")
    determined_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    determined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period", "number"]
        constraints = [
            models.UniqueConstraint(fields=["period", "number"], name="waterfall_run_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.period} run {self.number}"

    @property
    def currency(self) -> str:
        return self.period.deal.currency

    def tranche_payments(self) -> dict:
        """``{Tranche: {"interest": Decimal, "principal": Decimal, "residual": Decimal}}`` for every
        tranche of the deal, from the run's ``paid`` (zero where the run paid nothing)."""
        paid = self.outputs.get("paid", {})
        return {
            tranche: {
                kind: Decimal(str(paid.get(tranche.class_name, {}).get(kind, "0"))) for kind in PAYMENT_KINDS
            }
            for tranche in self.period.deal.tranches.order_by("seniority")
        }
