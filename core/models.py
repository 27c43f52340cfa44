from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


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
