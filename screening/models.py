"""Sanctions / PEP lists, their entries, screening runs, hits and the whitelist.

A list is imported as a whole new version; the newest imported version of a list
name is the current one. Hits point at the entry (and so the list version) they
matched, and at the run that found them (algorithm version and threshold).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from compliance.models import Investor
from screening.explain import hit_explanation


class ListVersion(models.Model):
    """One imported file of a sanctions / PEP list (OpenSanctions targets.simple.csv, OFAC SDN XML
    or UN Consolidated List XML)."""

    name = models.CharField(max_length=100, help_text="The list, e.g. 'opensanctions-default'.")
    version_label = models.CharField(max_length=100, help_text="The publisher's version, e.g. a date.")
    sha256 = models.CharField("SHA-256", max_length=64, help_text="Of the imported file's bytes.")
    row_count = models.PositiveIntegerField()
    is_current = models.BooleanField(default=False)
    shrink_reason = models.TextField(
        blank=True, max_length=1000,
        help_text="Why this version may have far fewer entries than the one it replaced (required when it "
                  "drops more than SCREENING_LIST_MAX_DROP_PERCENT of them).")
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version_label"], name="screening_list_version_unique"),
            models.UniqueConstraint(fields=["name"], condition=Q(is_current=True),
                                    name="screening_one_current_version_per_list"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version_label}"


class ListEntry(models.Model):
    """One row of a list version: a sanctioned or politically exposed person, entity or wallet."""

    list_version = models.ForeignKey(ListVersion, on_delete=models.PROTECT, related_name="entries")
    entity_id = models.CharField(max_length=200, help_text="The list's own id, stable across versions.")
    schema = models.CharField(max_length=50)
    name = models.CharField(max_length=500)
    birth_dates = models.JSONField(default=list, blank=True)
    countries = models.JSONField(default=list, blank=True)
    addresses = models.JSONField(default=list, blank=True)
    identifiers = models.JSONField(default=list, blank=True)
    sanctions = models.JSONField(default=list, blank=True)
    phones = models.JSONField(default=list, blank=True)
    emails = models.JSONField(default=list, blank=True)
    dataset = models.TextField(blank=True)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    last_change = models.DateTimeField(null=True, blank=True)
    row_number = models.PositiveIntegerField(
        help_text="Line in the imported CSV file (header is line 1), or the record's number in an XML file.")

    class Meta:
        verbose_name_plural = "list entries"
        ordering = ["list_version", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["list_version", "entity_id"], name="screening_entry_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.entity_id})"


class ListAlias(models.Model):
    """Another name the list publishes for an entry (a.k.a., f.k.a., a spelling, another script).
    Aliases are screened like the entry's own name, except those the list marks weak."""

    class Quality(models.TextChoices):
        UNSPECIFIED = "", "not stated by the list"
        STRONG = "strong", "strong"
        WEAK = "weak", "weak (not screened)"

    entry = models.ForeignKey(ListEntry, on_delete=models.PROTECT, related_name="aliases")
    position = models.PositiveSmallIntegerField(help_text="Order of the alias in the list file, from 1.")
    name = models.CharField(max_length=500)
    kind = models.CharField(max_length=20, blank=True, help_text="As the list says: a.k.a., f.k.a., ...")
    quality = models.CharField(max_length=10, choices=Quality.choices, blank=True, default="")

    class Meta:
        verbose_name_plural = "list aliases"
        ordering = ["entry", "position"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "position"], name="screening_alias_unique_position"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def screened(self) -> bool:
        return self.quality != self.Quality.WEAK


class ScreeningRun(ConcurrentTransitionMixin, models.Model):
    """One screening of some investors against one list version, with its progress."""

    class State(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    class Trigger(models.TextChoices):
        LIST_IMPORT = "list_import", "list import (everyone)"
        INVESTOR = "investor", "investor created or edited"
        WALLET = "wallet", "wallet address"
        MANUAL = "manual", "manual re-screen (everyone)"

    list_version = models.ForeignKey(ListVersion, on_delete=models.PROTECT, related_name="runs")
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    algorithm_version = models.CharField(max_length=40)
    threshold = models.DecimalField(max_digits=5, decimal_places=4)
    state = FSMField(default=State.QUEUED, choices=State.choices, protected=True, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0, help_text="Investors to screen.")
    processed = models.PositiveIntegerField(default=0, help_text="Investors screened so far.")
    hits_created = models.PositiveIntegerField(default=0)
    last_investor_id = models.BigIntegerField(default=0, help_text="Resume point: screened up to here.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Screening run #{self.pk} against {self.list_version}"

    @property
    def progress_percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(100, self.processed * 100 // self.total) if self.total else 0

    # System steps of the background re-screen (screening.services.run_*), never buttons.

    @transition(state, source=State.QUEUED, target=State.RUNNING,
                custom={"label": "start", "bulk_only": True})
    def start(self) -> None:
        pass

    @transition(state, source=State.RUNNING, target=State.DONE,
                custom={"label": "finish", "bulk_only": True})
    def finish(self) -> None:
        pass

    @transition(state, source=State.RUNNING, target=State.FAILED,
                custom={"label": "fail", "bulk_only": True})
    def fail(self) -> None:
        pass


class ScreeningHit(ConcurrentTransitionMixin, models.Model):
    """A possible match of an investor, beneficial owner or wallet with a list entry."""

    class State(models.TextChoices):
        PENDING = "pending", "pending decision"
        CONFIRMED = "confirmed", "confirmed match"
        FALSE_POSITIVE = "false_positive", "false positive"

    class SubjectKind(models.TextChoices):
        INVESTOR = "investor", "investor"
        BENEFICIAL_OWNER = "beneficial_owner", "beneficial owner"
        WALLET = "wallet", "wallet"

    run = models.ForeignKey(ScreeningRun, on_delete=models.PROTECT, related_name="hits")
    investor = models.ForeignKey(Investor, on_delete=models.PROTECT, related_name="screening_hits")
    subject_kind = models.CharField(max_length=20, choices=SubjectKind.choices)
    subject = models.CharField(max_length=300, help_text="The name or wallet address screened.")
    entry = models.ForeignKey(ListEntry, on_delete=models.PROTECT, related_name="hits")
    alias = models.ForeignKey(ListAlias, null=True, blank=True, on_delete=models.PROTECT, related_name="hits",
                              help_text="The alias of the entry that matched; empty when its own name did.")
    entity_id = models.CharField(max_length=200, help_text="The entry's list id (stable across versions).")
    score = models.DecimalField(max_digits=5, decimal_places=4)
    features = models.JSONField(default=dict, help_text="Why it matched: the matcher's evidence.")
    state = FSMField(default=State.PENDING, choices=State.choices, protected=True, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("decide_screeninghit", "Can confirm a screening hit or mark it a false positive")]
        constraints = [
            models.UniqueConstraint(fields=["investor", "subject_kind", "subject", "entry"],
                                    name="screening_hit_unique_per_entry"),
        ]
        indexes = [models.Index(fields=["investor", "state"])]

    def __str__(self) -> str:
        return f"Hit #{self.pk}: {self.subject} ~ {self.entity_id}"

    @property
    def matched_name(self) -> str:
        """The name of the entry that matched: the alias, or the entry's own name."""
        return self.alias.name if self.alias_id else self.entry.name

    @property
    def explanation(self) -> str:
        """Why it matched, in sentences (screening/explain.py)."""
        return hit_explanation(self)

    @transition(state, source=State.PENDING, target=State.CONFIRMED,
                permission="screening.decide_screeninghit",
                custom={"label": "confirm match", "reason_required": True})
    def confirm(self) -> None:
        pass

    @transition(state, source=State.PENDING, target=State.FALSE_POSITIVE,
                permission="screening.decide_screeninghit",
                custom={"label": "mark false positive", "reason_required": True})
    def mark_false_positive(self) -> None:
        pass


class WhitelistEntry(models.Model):
    """An investor and a list entity id that must not raise new hits until a date (inclusive)."""

    investor = models.ForeignKey(Investor, on_delete=models.PROTECT, related_name="screening_whitelist")
    entity_id = models.CharField(max_length=200)
    valid_until = models.DateField()
    reason = models.TextField()
    hit = models.ForeignKey(ScreeningHit, null=True, blank=True, on_delete=models.PROTECT,
                            related_name="whitelist_entries",
                            help_text="The false positive that led to this entry, if any.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "whitelist entry"
        verbose_name_plural = "whitelist"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["investor", "entity_id", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.investor} / {self.entity_id} until {self.valid_until.isoformat()}"
