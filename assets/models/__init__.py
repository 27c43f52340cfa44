"""Collateral and cash flows: sites, devices, metering, leases, invoices, bank statements."""

from assets.models.bank import BankEntry, BankEntryDetail, BankEntryMatch, BankStatement
from assets.models.fleet import Appraisal, Device, InsurancePolicy, InvestmentModel, Site
from assets.models.leasing import Counterparty, Invoice, InvoiceLine, InvoicePayment, Lease, LeaseDevice
from assets.models.metering import MeterImportBatch, MeterReading

__all__ = [
    "Appraisal", "BankEntry", "BankEntryDetail", "BankEntryMatch", "BankStatement", "Counterparty",
    "Device", "InsurancePolicy", "InvestmentModel", "Invoice", "InvoiceLine", "InvoicePayment", "Lease",
    "LeaseDevice", "MeterImportBatch", "MeterReading", "Site",
]
