from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from rest_framework import serializers, viewsets

from core.api import filters
from core.api.errors import error_body
from core.api.pagination import CursorPagination
from core.audit_scope import as_investor_reads, own_objects
from core.models import AuditEvent
from core.roles import roles_of, sees_all


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)
    object_type = serializers.CharField(source="content_type.model", read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "object_type", "object_id", "object_repr", "action",
                  "name", "from_state", "to_state", "reason", "changes"]


class InvestorAuditEventSerializer(AuditEventSerializer):
    """An event of an investor's own object as the investor reads it: no change of a field only
    staff read, the reason worded for the investor (core.audit_scope), and who acted as "you" or
    "issuer", never a staff member's username."""

    def to_representation(self, event):
        data = super().to_representation(event)
        request = self.context.get("request")
        if event.actor_id is not None:  # a staff member's name is not the investor's to read
            data["actor"] = "you" if request is not None and event.actor_id == request.user.pk else "issuer"
        data["changes"], data["reason"] = as_investor_reads(
            event.content_type.model_class(), data["changes"], data["reason"])
        return data


def _actors_visible_to(request):
    """Only the people who acted on events this user may see (not every login)."""
    users = get_user_model().objects.all()
    if sees_all(request.user):
        return users
    return users.filter(pk__in=audit_events_visible_to(request.user).values("actor"))


class AuditEventFilter(filters.FilterSet):
    actor = filters.ModelChoiceFilter(queryset=_actors_visible_to)
    object_type = filters.CharFilter(field_name="content_type__model")
    at_after = filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    at_before = filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["object_type", "object_id", "action", "name", "actor"]


def _types_hidden_from(user) -> list[int]:
    """Content types of models the user may not view: their audit rows stay hidden too."""
    hidden = [m for m in apps.get_models()
              if not user.has_perm(f"{m._meta.app_label}.view_{m._meta.model_name}")]
    return [ct.pk for ct in ContentType.objects.get_for_models(*hidden).values()]


def audit_events_visible_to(user):
    qs = AuditEvent.objects.select_related("actor", "content_type")
    if sees_all(user):
        return qs.exclude(content_type__in=_types_hidden_from(user))
    if not user.is_authenticated:
        return qs.none()
    own = own_objects(user)  # registered by the business apps (core.audit_scope)
    return qs.none() if own is None else qs.filter(own)


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail: every transition and edit, newest first."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    ordering_fields = ["at", "id"]
    pagination_class = CursorPagination  # the trail only grows: no COUNT, no OFFSET
    cursor_ordering = ("-at", "-id")

    def _staff(self) -> bool:
        return getattr(self, "swagger_fake_view", False) or sees_all(self.request.user)

    @property
    def search_fields(self) -> list[str]:
        # An investor does not search reasons: what comes back would tell them what a withheld
        # reason says.
        return ["object_repr", "reason", "name"] if self._staff() else ["object_repr", "name"]

    def get_serializer_class(self):
        return AuditEventSerializer if self._staff() else InvestorAuditEventSerializer

    def get_queryset(self):
        return audit_events_visible_to(self.request.user)


def _api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    """A URL no route serves: the API's error format under /api/, Django's page elsewhere."""
    if _api(request):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return defaults.page_not_found(request, exception)


def permission_denied(request, exception=None):
    """A page the user's role does not include: says why, who they are and what their roles are."""
    if _api(request):
        return JsonResponse(error_body("permission_denied", str(exception or "Not allowed.")), status=403)
    roles = sorted(roles_of(request.user)) if request.user.is_authenticated else []
    return render(request, "403.html", {"exception": str(exception or ""), "roles": roles}, status=403)


def server_error(request):
    if _api(request):
        return JsonResponse(error_body("server_error", "A server error occurred; it has been logged."),
                            status=500)
    return defaults.server_error(request)
