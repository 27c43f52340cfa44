"""Reading generated reports back: PDF text with pypdf, XLSX cells with openpyxl, CSV blocks."""

import csv
import io

from openpyxl import load_workbook
from pypdf import PdfReader

from reporting.models import Report
from reporting.services import report_request
from reporting.tasks import generate_reports


def generated(**request) -> Report:
    """Request a report and run its generation task here (the outbox send is captured)."""
    report = report_request(**request)
    generate_reports(report_ids=[report.pk])
    return Report.objects.get(pk=report.pk)


def file_bytes(report: Report) -> bytes:
    with report.file.storage.open(report.file.name, "rb") as handle:
        return handle.read()


def pdf_pages(report: Report) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(file_bytes(report))).pages]


def pdf_lines(report: Report) -> list[str]:
    """Every line of text of every page: pypdf gives each table cell a line of its own."""
    return [line for page in pdf_pages(report) for line in page.splitlines()]


def has_row(lines: list[str], *cells: str) -> bool:
    """Whether ``cells`` are printed one after the other (a table row)."""
    n = len(cells)
    return any(tuple(lines[i:i + n]) == cells for i in range(len(lines) - n + 1))


def xlsx_sheets(report: Report) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(file_bytes(report)), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def csv_blocks(report: Report) -> dict[str, list[list[str]]]:
    """{table title: [header, *rows]} of a report's CSV."""
    rows = list(csv.reader(io.StringIO(file_bytes(report).decode())))
    blocks, current = {}, None
    for row in rows:
        if not row:
            current = None
        elif current is None and len(row) == 1:
            current = blocks.setdefault(row[0], [])
        elif current is not None:
            current.append(row)
    return blocks
