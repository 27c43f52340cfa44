from assets.models import BankEntry, Device, Invoice, Lease, MeterReading
from core.api import filters


class DeviceFilter(filters.FilterSet):
    class Meta:
        model = Device
        fields = ["kind", "state", "site", "spv", "deal"]


class LeaseFilter(filters.FilterSet):
    class Meta:
        model = Lease
        fields = ["state", "lessee", "spv", "billing_cycle"]


class InvoiceFilter(filters.FilterSet):
    period_start = filters.DateFilter()
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lt")

    class Meta:
        model = Invoice
        fields = ["state", "kind", "lease", "lease__lessee", "currency", "period_start"]


class MeterReadingFilter(filters.FilterSet):
    hour_after = filters.IsoDateTimeFilter(field_name="hour", lookup_expr="gte")
    hour_before = filters.IsoDateTimeFilter(field_name="hour", lookup_expr="lt")

    class Meta:
        model = MeterReading
        fields = ["device", "batch"]


class BankEntryFilter(filters.FilterSet):
    class Meta:
        model = BankEntry
        fields = ["statement", "category", "direction", "account", "booking_date", "is_reversal",
                  "reversal_of", "entry_key"]
