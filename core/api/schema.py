"""OpenAPI: operations grouped by business area, one tag per app; fields only staff read.

drf-spectacular tags an operation by the first path segment after the common prefix, which
gives one heading per resource (or one for everything under ``/api/v1/``). People look for
an operation by area, so the tag is the app that serves it.

``document_errors`` (a postprocessing hook) adds the error responses every operation can give,
so that a client, and the schemathesis run in the test suite, can check every answer against
the schema.
"""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

# app label -> tag; each tag's description is in SPECTACULAR_SETTINGS["TAGS"].
AREAS = {
    "issuance": "Issuance",
    "compliance": "Compliance",
    "screening": "Screening",
    "assets": "Collateral and cash flows",
    "chain": "Chain",
    "servicing": "Servicing",
    "green": "Green attributes",
    "reconciliation": "Reconciliation",
    "reporting": "Reports",
    "core": "Audit trail",
    "rest_framework": "Authentication",
}


def _model_field(field):
    """The model column behind a ModelSerializer field, when it is one."""
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source or field.source == "*":
        return None
    try:
        return model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None


class AreaAutoSchema(AutoSchema):
    """Tags by area; and says what read-only fields really hold: DRF drops ``allow_blank`` from a
    read-only choice field (a blank ``reason_code`` is shown as ""), and a read-only field with
    ``default=None`` (``submitted_by`` before anyone submitted) is null."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if field.read_only and isinstance(field, serializers.ChoiceField):
            column = _model_field(field)
            if column is not None and column.blank:
                field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if getattr(field, "read_only", False) and getattr(field, "default", serializers.empty) is None:
            meta["nullable"] = True
        return meta

    def _map_basic_serializer(self, serializer, direction):
        """A serializer's ``staff_only_fields`` are documented but not required: an investor's
        response leaves them out (compliance/disclosure.py)."""
        schema = super()._map_basic_serializer(serializer, direction)
        staff_only = getattr(serializer, "staff_only_fields", ())
        if staff_only and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in staff_only]
            if not schema["required"]:
                del schema["required"]
        return schema

    def get_tags(self) -> list[str]:
        if getattr(self.view, "api_tag", None):  # a viewset of another area than its app's
            return [self.view.api_tag]
        app = type(self.view).__module__.split(".")[0]
        if app in AREAS:
            return [AREAS[app]]
        return super().get_tags()


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "description": "invalid, not_found, permission_denied, throttled..."},
            "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {},
                       "description": "For input errors: the messages of each field in error."},
            "reasons": {"type": "array", "items": {"type": "string"},
                        "description": "Every rule that refused the action."},
        },
    }},
}
ERRORS = {
    "400": "The input is invalid; error.fields names each field in error.",
    "401": "No or an unknown API token.",
    "403": "The user may not do this.",
    "404": "No such row, or not one this user may see.",
    "405": "The operation does not take this method.",
    "406": "No representation matches the Accept header.",
    "409": "A business rule refused the action; error.reasons lists each.",
    "413": "The request body is larger than this route takes; it was not read.",
    "415": "The body's media type is not one this operation reads.",
    "422": "The Idempotency-Key was used before with another request.",
    "429": "Too many requests; retry after Retry-After seconds.",
}
ERROR_CONTENT = {"schema": {"$ref": "#/components/schemas/Error"}}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"},
                               "description": "Seconds until a retry is counted."}}
READ_ERRORS = ("400", "401", "403", "404", "405", "406", "409", "413", "415", "429")


def document_errors(result, generator, request, public):
    """Every operation documents the errors the API answers with, in the one error format
    (core.api.errors): reads the input, permission and business-rule errors (a preview may be
    refused: 409), writes also reused idempotency keys (422); a 429 carries Retry-After."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = READ_ERRORS if method in ("get", "head") else ERRORS
            for status in statuses:
                response = {"description": ERRORS[status], "content": {"application/json": ERROR_CONTENT}}
                if status == "429":
                    response["headers"] = RETRY_AFTER
                operation["responses"].setdefault(status, response)
    return result
