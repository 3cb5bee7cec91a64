"""Builds reports/memo.docx, the Word template of `clausewise memo --format docx`, with python-docx.

The template is an ordinary .docx in Word's own styles (Title, Heading 1 and 2, List Bullet,
List Number, Quote, a grid table whose first row is a repeating header row) with Jinja tags in
its text, which docxtpl fills in: `{%p ... %}` paragraphs open and close loops and conditions,
`{%tr ... %}` rows repeat table rows. A firm may open it in Word, restyle it and pass its own with
`--template FILE`; the names it may use are those of engine/memo.py's memo_data.

    .venv/bin/python tests/memo_template.py --write   # rebuild reports/memo.docx
    .venv/bin/python tests/memo_template.py           # check it is what this file builds
    .venv/bin/python tests/memo_template.py --picture # redraw the README's picture of a memo's first page

test_memo_formats.py checks the committed template's text against this builder.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "reports" / "memo.docx"
PICTURE = ROOT / "samples" / "memos" / "liberty-buys-2m-2003-page-1.png"
PICTURED = ROOT / "samples" / "scenarios" / "liberty-buys-2m-2003.yaml"


def _para(doc, text: str = "", style: str | None = None, bold: str | None = None, italic: str | None = None):
    """A paragraph: `bold` or `italic` (if any) as its first run, then `text`."""
    paragraph = doc.add_paragraph(style=style)
    if bold:
        paragraph.add_run(bold).bold = True
    if italic:
        paragraph.add_run(italic).italic = True
    if text:
        paragraph.add_run(text)
    return paragraph


def _tag(doc, tag: str) -> None:
    """A control paragraph ({%p ... %}): docxtpl removes it and keeps its logic."""
    doc.add_paragraph("{%p " + tag + " %}")


def _header_row(row) -> None:
    """Mark a table row as a header row, repeated at the top of each page."""
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)
    for cell in row.cells:
        for run in cell.paragraphs[0].runs:
            run.bold = True


def _figures_table(doc) -> None:
    """Figure | Value, one row per figure of the finding (a.rows)."""
    table = doc.add_table(rows=4, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.cell(0, 0).paragraphs[0].add_run("Figure")
    table.cell(0, 1).paragraphs[0].add_run("Value")
    _header_row(table.rows[0])
    table.cell(1, 0).paragraphs[0].add_run("{%tr for label, value in a.rows %}")
    table.cell(2, 0).paragraphs[0].add_run("{{ label }}")
    table.cell(2, 1).paragraphs[0].add_run("{{ value }}")
    table.cell(3, 0).paragraphs[0].add_run("{%tr endfor %}")


def _holdings_table(doc) -> None:
    """Holder | Group | Holds, one row per holder of record (memo.holdings)."""
    table = doc.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    for i, head in enumerate(("Holder", "Group", "Holds")):
        table.cell(0, i).paragraphs[0].add_run(head)
    _header_row(table.rows[0])
    table.cell(1, 0).paragraphs[0].add_run("{%tr for name, group, held in memo.holdings %}")
    for i, cell in enumerate(("{{ name }}", "{{ group }}", "{{ held }}")):
        table.cell(2, i).paragraphs[0].add_run(cell)
    table.cell(3, 0).paragraphs[0].add_run("{%tr endfor %}")


def build() -> Document:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(11)
    doc.core_properties.title = "Memorandum"
    doc.core_properties.author = "Clausewise"

    doc.add_paragraph("MEMORANDUM", style="Title")
    heading = doc.add_table(rows=4, cols=2)
    for row, (name, field) in zip(heading.rows, (("To", "to"), ("From", "from"), ("Date", "date"), ("Re", "re"))):
        row.cells[0].paragraphs[0].add_run(name).bold = True
        row.cells[1].paragraphs[0].add_run("{{ memo.heading['" + field + "'] }}")

    doc.add_heading("1. Question presented", level=1)
    _para(doc, "{{ memo.question }}")
    doc.add_heading("2. Short answer", level=1)
    _para(doc, "{{ memo.short_answer }}")

    doc.add_heading("3. Facts", level=1)
    _tag(doc, "for line in memo.facts")
    _para(doc, "{{ line }}", "List Bullet")
    _tag(doc, "endfor")
    _tag(doc, "if memo.holdings")
    _para(doc, "The holders of record, as the cap table states them:")
    _holdings_table(doc)
    _tag(doc, "endif")

    doc.add_heading("4. The provisions", level=1)
    _tag(doc, "for p in memo.provisions")
    _para(doc, " ({{ p.document }}): {{ p.title }}", bold="{{ p.cite }}")
    _para(doc, "{{ p.quote }}", "Quote")
    _tag(doc, "else")
    _para(doc, "No provision of the rulebook applies to this action.")
    _tag(doc, "endfor")

    doc.add_heading("5. Analysis", level=1)
    _tag(doc, "for a in memo.analysis")
    doc.add_heading("5.{{ a.n }} {{ a.title }} ({{ a.cite }}): {{ a.outcome }}", level=2)
    _para(doc, "{{ a.explanation }}")
    _tag(doc, "if a.key")
    _para(doc, " {{ a.key }}.", italic="The test:")
    _tag(doc, "endif")
    _tag(doc, "if a.rows")
    _figures_table(doc)
    _tag(doc, "endif")
    _tag(doc, "else")
    _para(doc, "No provision applies; nothing to analyse.")
    _tag(doc, "endfor")

    doc.add_heading("6. Approvals", level=1)
    _tag(doc, "if memo.no_approval")
    _para(doc, "No approval of the holders is required for this action.")
    _tag(doc, "else")
    _tag(doc, "for a in memo.approvals")
    _para(doc, " ({{ a.cite }})", bold="{{ a.title }}")
    _tag(doc, "for line in a.lines")
    _para(doc, "{{ line }}", "List Bullet")
    _tag(doc, "endfor")
    _tag(doc, "endfor")
    _tag(doc, "endif")

    doc.add_heading("7. Consequences", level=1)
    _tag(doc, "for c in memo.consequences")
    _para(doc, " ({{ c.cite }}, {{ c.outcome }}): {{ c.explanation }}", "List Bullet", bold="{{ c.title }}")
    _tag(doc, "else")
    _para(doc, "The action triggers no obligation or consequence under the provisions encoded.")
    _tag(doc, "endfor")

    doc.add_heading("8. Readings relied on", level=1)
    _tag(doc, "for r in memo.readings")
    _para(doc, " {{ r.reading }}", "List Number", bold="{{ r.id }}: {{ r.title }}.")
    _tag(doc, "if r.alternative")
    _para(doc, " {{ r.alternative }}", "List Continue", italic="The other reading:")
    _tag(doc, "endif")
    _para(doc, "{{ r.run }}", "List Continue")
    _tag(doc, "endfor")

    doc.add_heading("9. Open questions", level=1)
    _tag(doc, "for q in memo.open_questions")
    _para(doc, "{{ q }}", "List Number 2")
    _tag(doc, "else")
    _para(doc, "None: every fact the analysis needs is stated.")
    _tag(doc, "endfor")

    doc.add_heading("10. Conclusion", level=1)
    _para(doc, "{{ memo.conclusion }}")

    doc.add_heading("Appendix: how this memo was produced", level=1)
    _para(doc, "Clausewise {{ memo.appendix.version }}, rulebook {{ memo.appendix.rulebook }} "
               "(content sha256 {{ memo.appendix.rulebook_sha256 }})", "List Bullet")
    _para(doc, "Scenario {{ memo.appendix.scenario }} (sha256 {{ memo.appendix.scenario_sha256 }}), "
               "evaluated as of {{ memo.appendix.as_of }}", "List Bullet")
    _tag(doc, "for d in memo.appendix.documents")
    _para(doc, "Document {{ d.id }}, {{ d.title }}: {{ d.file }} (file sha256 {{ d.sha256 }})", "List Bullet")
    _tag(doc, "endfor")
    return doc


def template_text(doc) -> list[str]:
    """The template's paragraphs and table cells, in order, with their styles: what the check compares."""
    body = doc.element.body
    out = []
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            style = child.find(qn("w:pPr") + "/" + qn("w:pStyle"))
            name = style.get(qn("w:val")) if style is not None else ""
            out.append(f"{name}|{''.join(t.text or '' for t in child.iter(qn('w:t')))}")
        elif child.tag == qn("w:tbl"):
            for tc in child.iter(qn("w:tc")):
                out.append(f"cell|{''.join(t.text or '' for t in tc.iter(qn('w:t')))}")
    return out


def picture() -> None:
    """The first page of the PDF memo on the README's sample, as an image (PDFium renders it)."""
    import os

    import pypdfium2 as pdfium

    from clausewise.evaluate import evaluate, headroom
    from clausewise.memo import memo_data, render_memo
    from clausewise.rulebook import load_rulebook
    from clausewise.scenario import load_scenario

    os.chdir(ROOT)
    rulebook = load_rulebook(ROOT / "rules" / "icg-2000", check_quotes=False)
    scenario = load_scenario(PICTURED, rulebook)
    result = evaluate(rulebook, scenario)
    room = headroom(rulebook, scenario, upper=scenario.action.quantity)
    data = memo_data(rulebook, result, room, PICTURED.relative_to(ROOT), "General Counsel", "Clausewise")
    page = pdfium.PdfDocument(render_memo(data, "pdf"))[0]
    PICTURE.parent.mkdir(exist_ok=True)
    page.render(scale=1.25).to_pil().convert("L").save(PICTURE, optimize=True)


def main(argv: list[str]) -> int:
    if "--picture" in argv:
        picture()
        print(f"wrote {PICTURE}")
        return 0
    built = build()
    if "--write" in argv:
        built.save(TEMPLATE)
        print(f"wrote {TEMPLATE}")
        return 0
    if template_text(Document(TEMPLATE)) != template_text(built):
        print(f"{TEMPLATE} differs from what tests/memo_template.py builds; rebuild it with --write")
        return 1
    print(f"{TEMPLATE} is what tests/memo_template.py builds")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
