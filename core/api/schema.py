"""OpenAPI: operations grouped by business area, one tag per app; fields only staff read.

drf-spectacular tags an operation by the first path segment after the common prefix, which
gives one heading per resource (or one for everything under ``/api/v1/``). People look for
an operation by area, so the tag is the app that serves it.
"""

from drf_spectacular.openapi import AutoSchema

# app label -> tag; each tag's description is in SPECTACULAR_SETTINGS["TAGS"].
AREAS = {
    "issuance": "Issuance",
    "compliance": "Compliance",
    "screening": "Screening",
    "assets": "Collateral and cash flows",
    "chain": "Chain",
    "core": "Audit trail",
    "rest_framework": "Authentication",
}


class AreaAutoSchema(AutoSchema):
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
