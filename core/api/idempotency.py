"""``Idempotency-Key`` for POSTs that create or transition.

The first request with a key runs, and its successful response is stored in the
same database transaction as the work it did. A retry with the same key and the
same body gets that stored response back (header ``Idempotent-Replayed: true``);
the same key with a different body or path is refused with 422. Keys belong to
the user who sent them. A request that fails stores nothing, so the client may
fix it and retry with the same key.

Two requests with the same key at the same moment: the second one's INSERT of
the key waits on the unique index until the first commits, then replays it.
"""

import hashlib
import json
from functools import wraps

from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.response import Response

from core.api.errors import error_body
from core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _file_digest(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _fingerprint(request) -> str:
    """Method, path, form or JSON fields, and the SHA-256 of every uploaded file's content: the same
    key with another file is another request, not a replay."""
    fields = request.data
    if hasattr(fields, "lists"):  # a form: every value of every field but the files
        fields = {k: v for k, v in fields.lists() if k not in request.FILES}
    files = {name: [_file_digest(f) for f in request.FILES.getlist(name)] for name in sorted(request.FILES)}
    payload = json.dumps([request.method, request.path, fields, files], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def idempotent(handler):
    @wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(self, request, *args, **kwargs)
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            return Response(
                error_body("invalid_idempotency_key",
                           f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters."),
                status=status.HTTP_400_BAD_REQUEST,
            )
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=request.user, key=key, request_fingerprint=fingerprint
                    )
            except IntegrityError:
                return _replay(request.user, key, fingerprint)
            response = handler(self, request, *args, **kwargs)
            if not status.is_success(response.status_code):
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.response_body = json.loads(json.dumps(response.data, default=str))
            record.save(update_fields=["status_code", "response_body"])
            return response

    return wrapper


def _replay(user, key: str, fingerprint: str) -> Response:
    record = IdempotencyRecord.objects.get(user=user, key=key)
    if record.request_fingerprint != fingerprint:
        return Response(
            error_body(
                "idempotency_key_reused",
                f"{HEADER} '{key}' was already used for a different request; "
                "use a new key for a new request.",
            ),
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    return Response(record.response_body, status=record.status_code,
                    headers={"Idempotent-Replayed": "true"})
