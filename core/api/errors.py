"""One error format for the whole API:

    {"error": {"code": "...", "message": "...", "fields": {"field": ["..."]}}}

``fields`` is present for input errors; ``reasons`` lists each failed rule when a
transition is refused.

Input is checked before it reaches a computation or the database (``core.params``,
``core.api.filters``, serializers, ``core.bounds``). Two errors still say "the request's value
is at fault" when one slips through, and answer 400 rather than 500:

- ``django.db.DataError`` with PostgreSQL's SQLSTATE class 22: the server refused a value sent to
  it (too long for its column, numeric overflow, a date out of range). A ``DataError`` raised
  while *reading* rows (a stored value Python cannot hold) is the data's fault, not the
  request's, and stays a 500;
- a ``ValueError`` from Django converting a lookup value for a field ("Field 'id' expected a
  number but got 'abc'"), which names the field.

Both are logged as warnings: each one is a bound missing upstream. Django's refusals while it
parses a form (``TooManyFieldsSent``, ``TooManyFilesSent``, a malformed multipart body) are a 400
in the same format, ``RequestDataTooBig`` a 413. Any other ``ValueError`` or
``OverflowError`` is a defect in the code and stays a 500.
"""

import logging
import re

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import Refused

logger = logging.getLogger(__name__)
LOOKUP_VALUE_ERROR = re.compile(r"^Field '(?P<field>\w+)' expected .+ but got ")


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


def _input_at_fault(exc, context) -> Response | None:
    """A 400 for a value the database or a lookup refused; ``None`` for anything else."""
    request = context.get("request")
    where = f"{request.method} {request.path}" if request is not None else "?"
    if isinstance(exc, DataError) and (getattr(exc.__cause__, "sqlstate", None) or "").startswith("22"):
        logger.warning("A value reached the database unchecked (%s): %s", where, exc)
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else "a value is out of range"
        return Response(error_body("invalid", f"A value does not fit its field: {detail}."), status=400)
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("too_large", str(exc)), status=413)
    if isinstance(exc, SuspiciousOperation):  # too many form fields or files, a malformed multipart body
        return Response(error_body("bad_request", str(exc) or "The request is malformed."), status=400)
    match = LOOKUP_VALUE_ERROR.match(str(exc)) if type(exc) is ValueError else None
    if match:
        logger.warning("A value reached a lookup unchecked (%s): %s", where, exc)
        field = match["field"]
        return Response(error_body("invalid", f"{field}: {exc}", fields={field: [str(exc)]}), status=400)
    return None


def exception_handler(exc, context):
    answered = _input_at_fault(exc, context)
    if answered is not None:
        set_rollback()
        return answered
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
