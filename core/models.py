from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from core import bounds
from core.validators import CURRENCY_CHOICES, validate_currency

FX_RATE_MAX_DIGITS = 20
FX_RATE_DECIMAL_PLACES = 10


class AuditEvent(models.Model):
    """One state change or edit of a business object: who, when, what, from, to and why.

    Written by services in the same transaction as the change it describes, so
    the trail and the data can never disagree. Rows are never edited or deleted.
    """

    class Action(models.TextChoices):
        CREATE = "create", "created"
        UPDATE = "update", "edited"
        TRANSITION = "transition", "transition"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(max_length=200)
    action = models.CharField(max_length=16, choices=Action.choices)
    name = models.CharField(
        max_length=64, blank=True, help_text="Transition name, e.g. 'approve'; blank for edits."
    )
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    reason = models.TextField(blank=True)
    changes = models.JSONField(
        default=dict, blank=True, help_text="Edited fields as {field: [old, new]}."
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"]),
            models.Index(fields=["at", "id"], name="audit_event_order"),
        ]

    def __str__(self) -> str:
        what = self.name or self.get_action_display()
        return f"{self.object_repr}: {what} by {self.actor or 'system'} at {self.at:%Y-%m-%d %H:%M}"


class IdempotencyRecord(models.Model):
    """The first response to a POST sent with an ``Idempotency-Key`` header.

    A retry with the same key and body gets this response again; the same key
    with a different body is refused. Keys are scoped to the user who sent them.
    ``status_code`` is null while the first request is still being processed.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.user})"


class FxRate(models.Model):
    """One recorded exchange rate: 1 ``base`` = ``rate`` ``quote`` on ``as_of``, from ``source``.

    Amounts in different currencies are converted only through these rows (``core.fx``),
    each conversion naming the rate, its date and its source. Rates are recorded once
    (``core.fx.fx_rate_record``, audited) and never edited.
    """

    base = models.CharField(max_length=3, choices=CURRENCY_CHOICES, validators=[validate_currency])
    quote = models.CharField(max_length=3, choices=CURRENCY_CHOICES, validators=[validate_currency])
    rate = models.DecimalField(max_digits=FX_RATE_MAX_DIGITS, decimal_places=FX_RATE_DECIMAL_PLACES,
                               help_text="Units of the quote currency for one unit of the base currency.")
    as_of = models.DateField(validators=bounds.dates(),
                             help_text="The day the rate is for (its fixing date).")
    source = models.CharField(max_length=100,
                              help_text="Who published it, e.g. 'ECB reference rate', 'WM/Refinitiv 4pm'.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "FX rate"
        ordering = ["-as_of", "base", "quote", "source"]
        constraints = [
            models.UniqueConstraint(fields=["base", "quote", "as_of", "source"],
                                    name="fxrate_unique_per_pair_day_source"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="fxrate_rate_positive"),
            models.CheckConstraint(condition=~models.Q(base=models.F("quote")), name="fxrate_two_currencies"),
            *bounds.check_dates("fxrate", "as_of"),
        ]

    def __str__(self) -> str:
        return f"{self.base}/{self.quote} {self.rate} on {self.as_of} ({self.source})"
