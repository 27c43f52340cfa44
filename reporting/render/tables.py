"""Every table of a document as CSV (one file, one block per table) or XLSX (one sheet per table).

CSV: each table is a block - a line with its title, a header line, its rows - and blocks are
separated by an empty line; a draft starts with a line saying DRAFT. Numbers are written as
they are printed, without thousands separators (``1234567.50``). XLSX: a sheet per table (its
``key``), the title in A1, the header in row 2, numbers as numbers; a draft's titles start with
DRAFT.
"""

import csv
import io
from datetime import date

from openpyxl import Workbook

from reporting.content.document import Document
from reporting.render.cells import DRAFT_NOTE


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def to_csv(document: Document, *, draft: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if draft:
        writer.writerow([DRAFT_NOTE])
    writer.writerow([document.title, document.subtitle])
    for table in document.tables():
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.columns)
        writer.writerows([[_plain(v) for v in row] for row in table.rows])
        if not table.rows:
            writer.writerow([table.empty])
    return out.getvalue().encode()


def to_xlsx(document: Document, *, draft: bool) -> bytes:
    book = Workbook(write_only=True)
    prefix = "DRAFT - " if draft else ""
    for table in document.tables():
        sheet = book.create_sheet(title=table.key[:31])
        sheet.append([f"{prefix}{document.title}: {table.title}"])
        sheet.append(table.columns)
        for row in table.rows:
            sheet.append([v.isoformat() if isinstance(v, date) else _plain(v) for v in row])
        if not table.rows:
            sheet.append([table.empty])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
