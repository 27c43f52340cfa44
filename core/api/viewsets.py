from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets

from core.api.idempotency import idempotent
from core.api.rows import RowListMixin
from core.api.transitions import IDEMPOTENCY_PARAMETER


class ServiceBackedViewSet(
    RowListMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """List (read as rows: core/api/rows.py), read, create and update, where create and update call
    the app's services.

    There is no delete: business records are kept, and ended through transitions.
    """

    create_service = None
    update_service = None
    update_kwarg = None

    @extend_schema(parameters=[IDEMPOTENCY_PARAMETER])
    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = type(self).create_service(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        type(self).update_service(
            actor=self.request.user,
            **{self.update_kwarg: serializer.instance},
            **serializer.validated_data,
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)
