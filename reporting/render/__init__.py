"""Turning a ``Document`` into the bytes of a file: PDF (reportlab), CSV or XLSX (openpyxl)."""

from reporting.content.document import Document
from reporting.models import Format


def render(document: Document, *, fmt: str, draft: bool) -> bytes:
    from reporting.render import pdf, tables

    renderers = {Format.PDF: pdf.render, Format.CSV: tables.to_csv, Format.XLSX: tables.to_xlsx}
    return renderers[fmt](document, draft=draft)
