"""Exchange rates in the API: list and read every recorded rate; POST records one (audited)."""

from rest_framework import serializers

from core.api.viewsets import ServiceBackedViewSet
from core.fx import fx_rate_record
from core.models import FX_RATE_DECIMAL_PLACES, FX_RATE_MAX_DIGITS, FxRate
from core.roles import sees_all


class FxRateSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username", default=None, read_only=True)
    rate = serializers.DecimalField(max_digits=FX_RATE_MAX_DIGITS, decimal_places=FX_RATE_DECIMAL_PLACES,
                                    help_text="Units of the quote currency per unit of the base currency.")

    class Meta:
        model = FxRate
        fields = ["id", "base", "quote", "rate", "as_of", "source", "recorded_by", "recorded_at"]
        read_only_fields = ["recorded_by", "recorded_at"]
        validators = []  # the service says which rate is already recorded


class FxRateViewSet(ServiceBackedViewSet):
    """Recorded exchange rates (filter by base, quote, source, as_of); rates are never edited."""

    api_tag = "FX rates"

    http_method_names = ["get", "post", "head", "options"]
    serializer_class = FxRateSerializer
    filterset_fields = ["base", "quote", "source", "as_of"]
    ordering_fields = ["as_of", "base", "quote"]
    create_service = staticmethod(fx_rate_record)

    def get_queryset(self):
        rates = FxRate.objects.select_related("recorded_by")
        return rates if sees_all(self.request.user) else rates.none()


ROUTES = [("fx-rates", FxRateViewSet, "fxrate")]
