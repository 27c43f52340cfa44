"""A document as a PDF (reportlab platypus): facts, then each section's notes, tables and chart.

Every page carries the title, the page number and the SHA-256 of the data the report was built
from; a draft also carries DRAFT in its header and across the page. Output is invariant (no
creation time, fixed document id), so the same data gives the same bytes.
"""

import io

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from reporting.content.document import Chart, Document
from reporting.render.cells import DRAFT_NOTE, text

_STYLES = getSampleStyleSheet()
TITLE, HEADING, BODY = _STYLES["Title"], _STYLES["Heading2"], _STYLES["BodyText"]
TABLE_FONT_SIZE = 7
_TABLE_STYLE = TableStyle([
    ("FONT", (0, 0), (-1, -1), "Helvetica", TABLE_FONT_SIZE),
    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", TABLE_FONT_SIZE),
    ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
    ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f2f2")]),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("TOPPADDING", (0, 0), (-1, -1), 1),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
])


def _table(columns: list[str], rows: list[list]) -> Table:
    cells = [columns, *([text(v) for v in row] for row in rows)]
    table = Table(cells, repeatRows=1, hAlign="LEFT")
    style = TableStyle(_TABLE_STYLE.getCommands())
    for i in range(len(columns)):  # numbers to the right
        if rows and all(isinstance(row[i], int | float) or type(row[i]).__name__ == "Decimal"
                        for row in rows if row[i] is not None):
            style.add("ALIGN", (i, 1), (i, -1), "RIGHT")
    table.setStyle(style)
    return table


def _chart(chart: Chart, width: float) -> Drawing:
    height = 150
    drawing = Drawing(width, height + 20)
    drawing.add(String(0, height + 8, f"{chart.title}{f' ({chart.unit})' if chart.unit else ''}",
                       fontName="Helvetica-Bold", fontSize=8))
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 50, 20, width - 70, height - 30
    bars.data = [[float(v) for v in chart.values]]  # drawing coordinates only; the figures are in the table
    bars.categoryAxis.categoryNames = chart.labels
    bars.categoryAxis.labels.fontSize = 6
    bars.valueAxis.labels.fontSize = 6
    bars.valueAxis.valueMin = 0
    bars.valueAxis.labelTextFormat = lambda v: f"{v:,.0f}"
    bars.bars[0].fillColor = colors.HexColor("#2e7d32")
    drawing.add(bars)
    return drawing


def _pages(document: Document, *, draft: bool):
    data_hash = document.data_sha256

    def on_page(canvas, doc) -> None:
        width, height = doc.pagesize
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        header = f"{'DRAFT  ' if draft else ''}{document.title} - {document.subtitle}"
        canvas.drawString(doc.leftMargin, height - 10 * mm, header)
        canvas.drawRightString(width - doc.rightMargin, 8 * mm, f"page {doc.page}")
        canvas.drawString(doc.leftMargin, 8 * mm, f"data SHA-256 {data_hash}")
        if draft:
            canvas.setFont("Helvetica-Bold", 80)
            canvas.setFillColor(colors.Color(0.8, 0, 0, alpha=0.15))
            canvas.translate(width / 2, height / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, 0, "DRAFT")
        canvas.restoreState()

    return on_page


def render(document: Document, *, draft: bool) -> bytes:
    out = io.BytesIO()
    pagesize = landscape(A4) if document.wide else A4
    doc = SimpleDocTemplate(out, pagesize=pagesize, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=16 * mm, bottomMargin=14 * mm, title=document.title,
                            author="Issuer back office", invariant=1)
    story = [Paragraph(document.title, TITLE), Paragraph(document.subtitle, BODY)]
    if draft:
        story.append(Paragraph(f"<b>{DRAFT_NOTE}</b>", BODY))
    story += [Spacer(0, 4 * mm), _table(["", ""], [list(f) for f in document.facts])]
    for section in document.sections:
        story += [Spacer(0, 3 * mm), Paragraph(section.title, HEADING)]
        story += [Paragraph(note, BODY) for note in section.notes]
        for table in section.tables:
            caption = Paragraph(f"<b>{table.title}</b>", BODY)
            body = _table(table.columns, table.rows) if table.rows else Paragraph(table.empty, BODY)
            story.append(KeepTogether([caption, body]) if len(table.rows) < 30 else caption)
            if len(table.rows) >= 30:
                story.append(body)
        if section.chart is not None:
            story.append(_chart(section.chart, doc.width))
    doc.build(story, onFirstPage=_pages(document, draft=draft), onLaterPages=_pages(document, draft=draft))
    return out.getvalue()
