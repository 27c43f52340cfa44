"""One error format for the whole API:

    {"error": {"code": "...", "message": "...", "fields": {"field": ["..."]}}}

``fields`` is present for input errors; ``reasons`` lists each failed rule when a
transition is refused.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import Refused


def _first_message(fields) -> str:
    if isinstance(fields, dict):
        for name, msgs in fields.items():
            msg = _first_message(msgs)
            return msg if name in ("non_field_errors", "__all__") else f"{name}: {msg}"
    if isinstance(fields, list) and fields:
        return _first_message(fields[0])
    return str(fields)


def error_body(code: str, message: str, **extra) -> dict:
    return {"error": {"code": code, "message": message, **extra}}


def exception_handler(exc, context):
    if isinstance(exc, Refused):
        extra = {"reasons": exc.reasons}
        if exc.field:
            extra["fields"] = {exc.field: [exc.message]}
        return Response(error_body(exc.code, exc.message, **extra), status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(fields)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body("invalid", _first_message(fields), fields=fields)
        response.status_code = status.HTTP_400_BAD_REQUEST
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = error_body(str(code), str(detail))
    return response
