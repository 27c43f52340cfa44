"""Changing which login an investor is (``Investor.user``): a request and a second officer's approval.

The login decides what a person sees of an investor, its KYC documents included, so the ordinary
investor edit never changes it (compliance/services/investors.py). A compliance officer requests
the change with a reason; another officer approves it (never the requester) or rejects it. The
approval sets the login and audits it on the investor (compliance/services/login_changes.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.transitions import guard


class InvestorLoginChange(ConcurrentTransitionMixin, models.Model):
    """A request to make ``to_user`` the login of ``investor`` (``None``: no login), in place of
    ``from_user`` (its login when requested)."""

    class State(models.TextChoices):
        REQUESTED = "requested", "requested"
        APPROVED = "approved", "approved"
        REJECTED = "rejected", "rejected"

    investor = models.ForeignKey("compliance.Investor", on_delete=models.PROTECT,
                                 related_name="login_changes")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", help_text="The investor's login when requested.")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", help_text="The new login; empty to leave the investor "
                                                            "without one.")
    reason = models.TextField(help_text="Why the login changes, and how the person was identified.")
    state = FSMField(default=State.REQUESTED, choices=State.choices, protected=True, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     help_text="The officer who asked (the maker); cannot approve.")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", help_text="Who approved or rejected (the checker).")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "investor login change"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["investor"], condition=Q(state="requested"),
                                    name="login_change_one_open_per_investor"),
            models.CheckConstraint(
                condition=Q(from_user__isnull=True) | Q(to_user__isnull=True) | ~Q(from_user=F("to_user")),
                name="login_change_changes_the_login"),
            models.CheckConstraint(condition=Q(from_user__isnull=False) | Q(to_user__isnull=False),
                                   name="login_change_names_a_login"),
        ]
        permissions = [
            ("approve_investorloginchange", "Can approve an investor login change (checker)"),
            ("reject_investorloginchange", "Can reject an investor login change"),
        ]

    def __str__(self) -> str:
        return f"login change #{self.pk} of {self.investor}"

    @guard
    def _login_unchanged(self) -> str | None:
        if self.investor.user_id != self.from_user_id:
            return ("The investor's login changed since this request was made; reject it and "
                    "request again.")
        return None

    @transition(state, source=State.REQUESTED, target=State.APPROVED,
                permission="compliance.approve_investorloginchange", conditions=[_login_unchanged],
                custom={"checker_of": "requested_by"})
    def approve(self) -> None:
        pass

    @transition(state, source=State.REQUESTED, target=State.REJECTED,
                permission="compliance.reject_investorloginchange", custom={"reason_required": True})
    def reject(self) -> None:
        pass
