"""Bank statements (camt.053 or CSV), their entries and the transactions batched in them, and the
match table for reconciliation."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from core import bounds
from core.money import format_money, money_field
from core.validators import CURRENCY_CHOICES, validate_currency


class BankStatement(models.Model):
    """One imported bank statement; the same statement (account + id, or same file) is refused."""

    class Format(models.TextChoices):
        CAMT053 = "camt053", "ISO 20022 camt.053"
        CSV = "csv", "CSV"

    account = models.CharField(max_length=64, help_text="IBAN or account number.")
    statement_id = models.CharField(max_length=100, help_text="The bank's statement identifier.")
    format = models.CharField(max_length=16, choices=Format.choices)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, validators=[validate_currency])
    from_date = models.DateField(null=True, blank=True, validators=bounds.dates())
    to_date = models.DateField(null=True, blank=True, validators=bounds.dates())
    opening_balance = money_field(null=True, blank=True)
    closing_balance = money_field(null=True, blank=True)
    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=255, blank=True)
    entries_total = models.PositiveIntegerField()
    entries_new = models.PositiveIntegerField()
    entries_already_stored = models.PositiveIntegerField()
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["account", "statement_id"],
                                               name="bank_statement_unique_per_account"),
                       *bounds.check_dates("bank_statement", "from_date", "to_date")]
        permissions = [("import_bankstatement", "Can import bank statements")]

    def __str__(self) -> str:
        return f"{self.account} {self.statement_id}"


class BankEntry(models.Model):
    """One booked bank entry, stored once per account and key, classified.

    The key is ``ref:<AcctSvcrRef>`` (``rev:`` for a reversal) when the bank's reference is
    present and unique within the statement, else ``pos:<statement id>:<position>``
    (``assets/statements.py``). A reversal points at the entry it reverses.
    """

    class Direction(models.TextChoices):
        CREDIT = "CRDT", "credit (money in)"
        DEBIT = "DBIT", "debit (money out)"

    class Category(models.TextChoices):
        LEASE_RECEIPT = "lease_receipt", "lease receipt"
        CERTIFICATE_SALE = "certificate_sale", "certificate sale"
        EXPENSE = "expense", "expense"
        TRANSFER = "transfer", "transfer"
        REVERSAL = "reversal", "reversal"
        UNCLASSIFIED = "unclassified", "unclassified"

    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="entries")
    account = models.CharField(max_length=64)
    entry_key = models.CharField(max_length=128, help_text="What tells this entry from every other one on "
                                 "the account: ref:<bank reference>, rev:<bank reference> or "
                                 "pos:<statement id>:<position>.")
    position = models.PositiveIntegerField(help_text="The entry's place in its statement: the Ntry's number "
                                           "(camt.053) or the line in the file (CSV).")
    bank_reference = models.CharField(max_length=100, blank=True,
                                      help_text="The bank's own reference (AcctSvcrRef); blank when none.")
    end_to_end_id = models.CharField(max_length=100, blank=True)
    booking_date = models.DateField(validators=bounds.dates())
    value_date = models.DateField(null=True, blank=True, validators=bounds.dates())
    direction = models.CharField(max_length=4, choices=Direction.choices)
    amount = money_field(help_text="Always positive; the direction says which way.")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, validators=[validate_currency])
    is_reversal = models.BooleanField(default=False,
                                      help_text="The bank reversed an earlier entry (RvslInd).")
    reversal_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversals", help_text="The entry this one reverses.")
    counterparty_name = models.CharField(max_length=200, blank=True)
    counterparty_account = models.CharField(max_length=64, blank=True)
    remittance_info = models.CharField(max_length=500, blank=True)
    bank_transaction_code = models.CharField(max_length=64, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.UNCLASSIFIED)
    invoices = models.ManyToManyField("assets.Invoice", through="assets.BankEntryMatch",
                                      related_name="bank_entries", blank=True)

    class Meta:
        ordering = ["-booking_date", "bank_reference"]
        verbose_name_plural = "bank entries"
        constraints = [
            models.UniqueConstraint(fields=["account", "entry_key"], name="bank_entry_once_per_key"),
            models.UniqueConstraint(fields=["statement", "position"], name="bank_entry_one_per_position"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bank_entry_amount_positive"),
            models.CheckConstraint(
                condition=Q(is_reversal=True, reversal_of__isnull=False)
                | Q(is_reversal=False, reversal_of__isnull=True),
                name="bank_entry_reversal_has_original"),
            *bounds.check_dates("bank_entry", "booking_date", "value_date"),
        ]

    def __str__(self) -> str:
        sign = "+" if self.direction == self.Direction.CREDIT else "-"
        return f"{self.booking_date} {sign}{format_money(self.amount, self.currency)} {self.entry_key}"

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.direction == self.Direction.CREDIT else -self.amount


class BankEntryDetail(models.Model):
    """One transaction (camt.053 ``TxDtls``) of a booked entry; a batched entry has several, and
    their amounts (credits minus debits, in the entry's direction) add up to the entry."""

    entry = models.ForeignKey(BankEntry, on_delete=models.PROTECT, related_name="details")
    position = models.PositiveIntegerField(help_text="The TxDtls' number within its entry.")
    direction = models.CharField(max_length=4, choices=BankEntry.Direction.choices)
    amount = money_field()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, validators=[validate_currency])
    bank_reference = models.CharField(max_length=100, blank=True)
    end_to_end_id = models.CharField(max_length=100, blank=True)
    counterparty_name = models.CharField(max_length=200, blank=True)
    counterparty_account = models.CharField(max_length=64, blank=True)
    remittance_info = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["entry", "position"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "position"], name="bank_entry_detail_one_per_position"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bank_entry_detail_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}/{self.position}: {self.direction} {format_money(self.amount, self.currency)}"


class BankEntryMatch(models.Model):
    """Part of a bank entry applied to an invoice. Many rows per entry (one receipt paying
    several invoices) and many per invoice (several receipts paying one) are both allowed.
    Written by the reconciliation (docs/reconciliation.md) through
    ``assets.services.invoicing.bank_entries_apply``: each match records the rule that made it,
    who (``matched_by``; none for the automatic matching) or what (``source``), and the payment it
    recorded on the invoice. Undoing a match removes that payment and keeps the row, marked undone."""

    entry = models.ForeignKey(BankEntry, on_delete=models.PROTECT, related_name="matches")
    invoice = models.ForeignKey("assets.Invoice", on_delete=models.PROTECT, related_name="matches")
    amount = money_field()
    rule = models.CharField(max_length=32, blank=True,
                            help_text="The matching rule that made it (reference, ..., manual).")
    source = models.CharField(max_length=100, blank=True,
                              help_text="What made it: the automatic matching run or the manual match.")
    payment = models.OneToOneField("assets.InvoicePayment", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="bank_match", help_text="The payment it recorded.")
    matched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    matched_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    undo_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name_plural = "bank entry matches"
        constraints = [
            models.UniqueConstraint(fields=["entry", "invoice"], condition=Q(undone_at__isnull=True),
                                    name="bank_match_unique_live_pair"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bank_match_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} -> {self.invoice_id}: {self.amount}"
