"""The data of each kind of report, read from the apps below (docs/reporting.md)."""

from importlib import import_module

from reporting.content.document import Document
from reporting.models import Kind, Report

BUILDERS = {Kind.INVESTOR_STATEMENT: "statement", Kind.SERVICER_REPORT: "servicer",
            Kind.IMPACT_REPORT: "impact"}


def build(report: Report) -> Document:
    return import_module(f"reporting.content.{BUILDERS[report.kind]}").build(report)
