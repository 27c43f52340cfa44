from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

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


class ApiTokenQuerySet(models.QuerySet):
    def active(self, now=None):
        """Tokens that authenticate now: neither revoked nor past their expiry."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ApiToken(models.Model):
    """An API token of one user: named, expiring, revocable (``core.accounts.tokens``).

    Only the SHA-256 digest of the key is stored; the key itself is shown once, when the token is
    made. ``core.api.authentication`` reads the token, its user and the user's roles in one query,
    refusing a revoked or expired token and, for staff, one made without a second factor
    (``two_factor``). Rows are kept after revocation or expiry for the audit trail.
    """

    NAME_MAX_LENGTH = 100

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=NAME_MAX_LENGTH,
                            help_text="What the token is for, e.g. 'nightly export'.")
    key_digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the key, in hex.")
    prefix = models.CharField(max_length=8, help_text="The key's first characters, to recognise it.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True,
                                        help_text="Last request it authenticated (to the minute).")
    two_factor = models.BooleanField(
        default=False, help_text="Made after a TOTP code was verified; staff tokens must be.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at", "-id"]
        permissions = [("revoke_apitoken", "Can revoke any user's API token")]
        indexes = [models.Index(fields=["user", "created_at"], name="apitoken_user_created")]
        constraints = [
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("created_at")),
                                   name="apitoken_expires_after_creation"),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True)
                | models.Q(revoked_at__gte=models.F("created_at")),
                name="apitoken_revoked_after_creation"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.user.get_username()})"

    def state(self, now=None) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.expires_at > (now or timezone.now()) else "expired"


class LoginLock(AccessAttempt):
    """The failed sign-ins django-axes counts for one account from one address (its
    ``AccessAttempt``), as the admin shows them: a lock once they reach ``LOGIN_FAILURE_LIMIT``
    within ``LOGIN_LOCKOUT_MINUTES``. Unlocking deletes the row (``core.accounts.lockout``)."""

    class Meta:
        proxy = True
        verbose_name = "login lock"
        ordering = ["-attempt_time"]
        permissions = [("unlock_loginlock", "Can unlock a locked-out login")]

    def __str__(self) -> str:
        return f"{self.username} from {self.ip_address}"


class OutboxMessage(models.Model):
    """A side effect to run once its transaction has committed: a Celery task and its arguments.

    Written by ``core.outbox.enqueue`` in the same transaction as the change that calls for it, so
    the two commit or roll back together; sent to the broker after the commit; marked done by the
    task itself when it returns (``core.celery_task.OutboxTask``). A row not done by ``retry_at``
    is sent again by the sweeper (``core.tasks.sweep_outbox``) with a doubling delay, and after
    ``OUTBOX_MAX_ATTEMPTS`` sends it is flagged failed for a person to look at (docs/operations.md).
    """

    task = models.CharField(max_length=200, help_text="The Celery task's name.")
    kwargs = models.JSONField(default=dict, blank=True, help_text="Its keyword arguments.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True,
                                         help_text="When it was last sent to the broker.")
    attempts = models.PositiveIntegerField(default=0, help_text="How many times it was sent.")
    retry_at = models.DateTimeField(help_text="Sent again from then on while not done.")
    done_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Flagged after the last attempt: nothing sends it again until a person does.",
    )
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        permissions = [("dispatch_outboxmessage", "Can send an outbox message again")]
        indexes = [
            models.Index(
                fields=["retry_at", "id"],
                name="outbox_due",
                condition=models.Q(done_at__isnull=True, failed_at__isnull=True),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done_at__isnull=True) | models.Q(failed_at__isnull=True),
                name="outbox_done_or_failed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk} ({self.status})"

    @property
    def status(self) -> str:
        if self.done_at is not None:
            return "done"
        if self.failed_at is not None:
            return "failed"
        return "sent" if self.attempts else "waiting"
