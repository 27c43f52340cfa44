"""The collateral view in the API (``GET /collateral/{deal id}/``): every amount next to its currency."""

from rest_framework import serializers


def _amount(**kwargs) -> serializers.DecimalField:
    """An amount as a string, with as many decimals as its currency's minor unit."""
    return serializers.DecimalField(max_digits=None, decimal_places=None, **kwargs)


class AppliedRateSerializer(serializers.Serializer):
    from_currency = serializers.CharField()
    to_currency = serializers.CharField()
    recorded_pair = serializers.CharField(help_text="The pair as recorded, e.g. 'USD/JPY'.")
    rate = _amount(help_text="Units of the recorded quote currency per unit of its base currency.")
    inverted = serializers.BooleanField(help_text="True when the recorded pair is the conversion's inverse.")
    as_of = serializers.DateField()
    source = serializers.CharField()
    fx_rate_id = serializers.IntegerField()


class CurrencyTotalsSerializer(serializers.Serializer):
    currency = serializers.CharField()
    purchase_cost = _amount()
    book_value = _amount()
    latest_appraisal = _amount()
    insurance_cover = _amount()


class ConvertedTotalsSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="The deal's currency.")
    purchase_cost = _amount(allow_null=True)
    book_value = _amount(allow_null=True)
    latest_appraisal = _amount(allow_null=True)
    insurance_cover = _amount(allow_null=True)
    rates = AppliedRateSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField(),
                                    help_text="Pairs with no rate on or before as_of; their totals are null.")


class LesseeShareSerializer(serializers.Serializer):
    lessee = serializers.CharField()
    book_value = _amount()
    share = _amount()


class SiteShareSerializer(serializers.Serializer):
    site = serializers.CharField()
    book_value = _amount()
    share = _amount()


class ExpiringSerializer(serializers.Serializer):
    device = serializers.CharField()
    expires_on = serializers.DateField()


class UnderInsuredSerializer(serializers.Serializer):
    device = serializers.CharField()
    currency = serializers.CharField()
    book_value = _amount()
    cover = _amount(help_text="The cover in the device's currency.")


class NotComparableSerializer(serializers.Serializer):
    device = serializers.CharField()
    missing = serializers.CharField(help_text="The pair without a rate, e.g. 'JPY/EUR'.")


class InsuranceSerializer(serializers.Serializer):
    expired = serializers.ListField(child=serializers.CharField())
    expiring_within_days = serializers.IntegerField()
    expiring = ExpiringSerializer(many=True)
    uninsured = serializers.ListField(child=serializers.CharField())
    under_insured = UnderInsuredSerializer(many=True)
    not_comparable = NotComparableSerializer(many=True)


class CollateralDeviceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    kind = serializers.CharField()
    state = serializers.CharField()
    site = serializers.CharField()
    gpu_count = serializers.IntegerField(allow_null=True)
    currency = serializers.CharField()
    purchase_cost = _amount()
    book_value = _amount(allow_null=True, help_text="Null when the device's figures give none.")
    book_value_problem = serializers.CharField(allow_null=True, help_text="Why there is no book value.")
    latest_appraisal = _amount(allow_null=True)
    latest_appraisal_date = serializers.DateField(allow_null=True)
    insurer = serializers.CharField(allow_null=True)
    insurance_currency = serializers.CharField(allow_null=True)
    insurance_cover = _amount(allow_null=True, help_text="Cover in force, in the policy's currency.")
    insurance_expires_on = serializers.DateField(allow_null=True)
    insurance_cover_in_device_currency = _amount(allow_null=True)
    insurance_rate = AppliedRateSerializer(allow_null=True)
    lessee = serializers.CharField(allow_null=True)
    utilisation = _amount()


class ProblemSerializer(serializers.Serializer):
    device = serializers.CharField()
    problem = serializers.CharField()


class CollateralSerializer(serializers.Serializer):
    deal = serializers.IntegerField()
    deal_name = serializers.CharField()
    reporting_currency = serializers.CharField()
    as_of = serializers.DateField()
    device_count = serializers.IntegerField()
    gpu_count = serializers.IntegerField()
    totals = CurrencyTotalsSerializer(many=True, help_text="Per currency, never mixed.")
    converted = ConvertedTotalsSerializer()
    utilisation = _amount()
    utilisation_days = serializers.IntegerField()
    insurance = InsuranceSerializer()
    concentration_by_lessee = LesseeShareSerializer(many=True, allow_null=True)
    concentration_by_site = SiteShareSerializer(many=True, allow_null=True)
    devices = CollateralDeviceSerializer(many=True)
    problems = ProblemSerializer(many=True, help_text="Devices left out of the book value totals, and why.")
