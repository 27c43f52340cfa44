"""Expose a model's FSM transitions as ``POST /<resource>/{id}/<transition>/`` actions."""

from collections.abc import Callable

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.idempotency import HEADER, idempotent
from core.transitions import transition_custom, transition_names

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER, str, OpenApiParameter.HEADER, required=False,
    description="Retry-safe key: the same key and body return the first response.",
)


class TransitionRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


def _make_action(name: str, label: str, reason_required: bool, body_class=TransitionRequestSerializer):
    def handler(self, request, pk=None):
        obj = self.get_object()
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        options = dict(body.validated_data)
        reason = options.pop("reason")
        self.transition_service(obj, name, request.user, reason, **options)
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data)

    handler.__name__ = name
    summary = f"{label.capitalize()}" + (" (a reason is required)" if reason_required else "")
    # extend_schema must wrap the action: @action replaces the function's ``kwargs``, where
    # drf-spectacular keeps the override, so applied inside it the override was lost.
    return extend_schema(request=body_class, summary=summary,
                         parameters=[IDEMPOTENCY_PARAMETER])(
        action(detail=True, methods=["post"], url_path=name.replace("_", "-"))(idempotent(handler))
    )


def with_transition_actions(model, service: Callable, bodies: dict | None = None):
    """Class decorator: one POST action per transition of ``model``, each calling ``service``.

    ``service(obj, name, actor, reason, **options)`` must run the transition through a
    named service in issuance/services.py (or another app's). A transition that needs more
    than a reason names its body in ``bodies`` (``{name: serializer class}``, a subclass of
    ``TransitionRequestSerializer``); its other validated fields are passed as ``options``.
    """

    def decorate(viewset_cls):
        names = transition_names(model)
        for name in names:
            custom = transition_custom(model, name)
            setattr(viewset_cls, name, _make_action(
                name, custom.get("label") or name.replace("_", " "),
                bool(custom.get("reason_required")),
                (bodies or {}).get(name, TransitionRequestSerializer),
            ))
        viewset_cls.transition_service = staticmethod(service)
        viewset_cls.service_checked_actions = (
            *getattr(viewset_cls, "service_checked_actions", ()), *names
        )
        return viewset_cls

    return decorate
