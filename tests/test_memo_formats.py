"""`clausewise memo --format html|pdf|docx`: each format produced for every sample scenario and
read back (the HTML parsed, the Word document opened with python-docx, the PDF's text extracted
with PDFium, its first page rendered to an image), the Word template checked against the code
that builds it, and the readings' other readings run."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from docx import Document
import pypdfium2 as pdfium

import memo_template
from clitools import CLI, ROOT, run
from clausewise.evaluate import evaluate
from clausewise.memo import memo_data, render_memo
from clausewise.render import verdict
from clausewise.scenario import load_scenario
from deal import SCENARIOS

HEADINGS = ["1. Question presented", "2. Short answer", "3. Facts", "4. The provisions", "5. Analysis",
            "6. Approvals", "7. Consequences", "8. Readings relied on", "9. Open questions", "10. Conclusion",
            "Appendix: how this memo was produced"]
SAMPLE = SCENARIOS / "liberty-buys-2m-2003.yaml"


class _Html(HTMLParser):
    """The h2 headings, the table cells and all the text of an HTML memo."""

    def __init__(self):
        super().__init__()
        self.h2: list[str] = []
        self.cells: list[str] = []
        self.text: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "td"):
            self._in = tag
            (self.h2 if tag == "h2" else self.cells).append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        self.text.append(data)
        if self._in == "h2":
            self.h2[-1] += data
        elif self._in == "td":
            self.cells[-1] += data


def _words(text: str) -> str:
    return " ".join(text.split())


def _pdf_text(blob: bytes) -> str:
    """The PDF's text, page after page, as PDFium extracts it (whitespace runs made one space)."""
    document = pdfium.PdfDocument(blob)
    return _words(" ".join(document[i].get_textpage().get_text_range() for i in range(len(document))))


def _docx_parts(blob: bytes):
    document = Document(io.BytesIO(blob))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    tables = [[[c.text for c in row.cells] for row in table.rows] for table in document.tables]
    return paragraphs, tables


def _memo(rulebook, path: Path) -> dict:
    return memo_data(rulebook, evaluate(rulebook, load_scenario(path, rulebook)), None, path, "File", "Clausewise")


def test_the_word_template_is_what_tests_memo_template_builds():
    assert memo_template.template_text(Document(memo_template.TEMPLATE)) == \
        memo_template.template_text(memo_template.build()), "run: .venv/bin/python tests/memo_template.py --write"


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_sample_gets_an_html_a_word_and_a_pdf_memo_that_read_back(rulebook, path):
    data = _memo(rulebook, path)
    applying = [a for a in data["analysis"]]

    html = _Html()
    html.feed(render_memo(data, "html"))
    assert html.h2 == HEADINGS
    html_text = _words("".join(html.text))
    assert _words(data["short_answer"]) in html_text and _words(data["conclusion"]) in html_text
    for p in data["provisions"]:
        assert _words(p["quote"]) in html_text, p["cite"]

    paragraphs, tables = _docx_parts(render_memo(data, "docx"))
    assert [text for style, text in paragraphs if style == "Heading 1"] == HEADINGS
    assert [text for style, text in paragraphs if style == "Heading 2"] == \
        [f"5.{a['n']} {a['title']} ({a['cite']}): {a['outcome']}" for a in applying]
    quotes = [text for style, text in paragraphs if style == "Quote"]
    assert quotes == [p["quote"] for p in data["provisions"]]
    assert ("Normal", data["short_answer"]) in paragraphs
    figure_tables = [t for t in tables if t[0] == ["Figure", "Value"]]
    assert [t[1:] for t in figure_tables] == [[list(row) for row in a["rows"]] for a in applying if a["rows"]]
    assert [text for style, text in paragraphs if style == "List Number"] == \
        [f"{r['id']}: {r['title']}. {r['reading']}" for r in data["readings"]]
    assert not any("{{" in text or "{%" in text for _, text in paragraphs)

    pdf_text = _pdf_text(render_memo(data, "pdf"))
    for heading in HEADINGS:
        assert heading in pdf_text
    for a in applying:
        for label, value in a["rows"]:
            assert value in pdf_text, (a["cite"], label)
    assert data["appendix"]["rulebook_sha256"][:16] in pdf_text.replace(" ", "")


def test_the_command_writes_each_format_and_exits_as_check_does(tmp_path):
    for fmt, magic in (("html", b"<!DOCTYPE html>"), ("pdf", b"%PDF-"), ("docx", b"PK\x03\x04")):
        out = tmp_path / f"memo.{fmt}"
        result = run("memo", SAMPLE, "--format", fmt, "--out", out, "--to", "General Counsel")
        assert (result.returncode, result.stdout, result.stderr) == (1, "", "")  # a violation, as check says
        assert out.read_bytes().startswith(magic)
    paragraphs, tables = _docx_parts((tmp_path / "memo.docx").read_bytes())
    assert tables[0][0] == ["To", "General Counsel"] and tables[0][2] == ["Date", "2003-06-02"]
    short = next(text for style, text in paragraphs if text.startswith("No. "))
    assert "(PA 6.6(a)) stops it" in short and "The largest quantity that would pass is 1,964,341." in short
    analysis = next(t for t in tables if t[0] == ["Figure", "Value"])
    assert ["the acquiring group's ownership on the Section 6.6 basis after the purchase", "37.0375%"] in analysis
    assert ["the Common Stock deemed outstanding on the Section 6.6 basis after the purchase", "95,061,097"] in analysis
    pdf = _pdf_text((tmp_path / "memo.pdf").read_bytes())
    assert "No. Liberty standstill - 37% cap" in pdf and "37.0375%" in pdf and "95,061,097" in pdf
    assert "Page 1 of" in pdf


def test_a_binary_memo_goes_to_a_pipe_as_bytes():
    result = subprocess.run(CLI + ["memo", str(SAMPLE), "--format", "pdf"], capture_output=True, cwd=ROOT, timeout=300)
    assert result.returncode == 1 and result.stdout.startswith(b"%PDF-") and result.stderr == b""


def test_the_same_inputs_give_the_same_html_bytes_and_the_same_word_text(tmp_path):
    outs = []
    for n in (1, 2):
        for fmt in ("html", "docx"):
            assert run("memo", SAMPLE, "--format", fmt, "--out", tmp_path / f"{n}.{fmt}").returncode == 1
        outs.append(((tmp_path / f"{n}.html").read_bytes(), _docx_parts((tmp_path / f"{n}.docx").read_bytes())))
    assert outs[0] == outs[1]


def test_html_escapes_what_the_scenario_says(tmp_path, rulebook):
    scenario = tmp_path / "scenario.yaml"
    text = SAMPLE.read_text(encoding="utf-8").replace(
        "name: Liberty buys 2,000,000 shares of Common Stock in the market (June 2003)",
        'name: Liberty <script>alert(1)</script> & "friends" buy')
    scenario.write_text(text.replace("../captables/closing.yaml", str(SCENARIOS.parent / "captables" / "closing.yaml")),
                        encoding="utf-8")
    data = _memo(rulebook, scenario)
    html = render_memo(data, "html")
    assert "<script>" not in html and "Liberty &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;friends&#34; buy" in html
    paragraphs, tables = _docx_parts(render_memo(data, "docx"))  # Word's XML escaped too: it opens
    assert tables[0][3] == ["Re", 'Liberty <script>alert(1)</script> & "friends" buy']


def test_a_firms_own_template_is_used_and_a_broken_one_is_refused_in_one_line(tmp_path):
    firm = tmp_path / "firm.docx"
    document = Document(memo_template.TEMPLATE)
    document.paragraphs[0].runs[0].text = "PRIVILEGED AND CONFIDENTIAL MEMORANDUM"
    document.save(firm)
    out = tmp_path / "memo.docx"
    assert run("memo", SAMPLE, "--format", "docx", "--template", firm, "--out", out).returncode == 1
    paragraphs, _ = _docx_parts(out.read_bytes())
    assert paragraphs[0] == ("Title", "PRIVILEGED AND CONFIDENTIAL MEMORANDUM")

    broken = tmp_path / "broken.docx"
    document.add_paragraph("{{ memo.no_such_section }}")
    document.save(broken)
    not_word = tmp_path / "notes.docx"
    not_word.write_text("not a Word document", encoding="utf-8")
    for template, says in ((broken, "'dict object' has no attribute 'no_such_section'"),
                           (not_word, "expected a Word .docx document"),
                           (tmp_path / "missing.docx", "no such file")):
        target = tmp_path / "never.docx"
        result = run("memo", SAMPLE, "--format", "docx", "--template", template, "--out", target)
        assert result.returncode == 2 and not target.exists() and result.stdout == ""
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(f"{template}: ")
        assert says in result.stderr
    result = run("memo", SAMPLE, "--format", "html", "--template", firm)
    assert result.returncode == 2 and "a template is for --format docx" in result.stderr


def test_the_first_page_renders_to_an_image_a_reader_can_see(tmp_path, rulebook):
    pdf = render_memo(_memo(rulebook, SAMPLE), "pdf")
    image = pdfium.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("L")
    assert image.size == (612, 792)  # US Letter at 72 dpi, as the print stylesheet sets it
    dark = sum(image.histogram()[:128])
    assert 0.01 < dark / (612 * 792) < 0.3  # text on a white page: neither blank nor black


# --- the other readings, run ----------------------------------------------------------------------


def _reading(data: dict, a_id: str) -> dict:
    return next(r for r in data["readings"] if r["id"] == a_id)


def test_a_reading_in_the_rules_conditions_says_it_was_not_run(rulebook):
    data = _memo(rulebook, SAMPLE)
    assert _reading(data, "A-standstill-deemed-conversion")["run"].startswith("Not run: the other reading lies in")
    assert _reading(data, "A-conversion-rounding")["run"] == (
        "Run on the other reading (CoD 12(c) read the other way): the answer is the same (VIOLATION) and no "
        "finding changes.")


def test_the_teligent_windows_last_day_turns_on_its_reading(rulebook):
    data = _memo(rulebook, SCENARIOS / "coc-b-teligent-inside-window.yaml")
    run_said = _reading(data, "A-teligent-window-end")["run"]
    assert run_said.startswith('Run on the other reading (CoD 17 ("Change of Control"): 2002-04-09 in place of '
                               '2002-04-10): the answer is the same (APPROVAL REQUIRED), but ')
    assert "(CoD 17 (\"Change of Control\" (b))) would be OBLIGATION instead of not applicable" in run_said
    outside = _memo(rulebook, SCENARIOS / "coc-b-teligent-outside-window.yaml")
    assert "A-teligent-window-end" not in [r["id"] for r in outside["readings"]] or \
        "no finding changes" in _reading(outside, "A-teligent-window-end")["run"]


def test_rounding_down_on_conversion_moves_a_seat_right_by_one_share(rulebook):
    data = _memo(rulebook, SCENARIOS / "liberty-buys-back-to-additional-a1-threshold-2001.yaml")
    assert _reading(data, "A-conversion-rounding")["run"] == (
        "Run on the other reading (CoD 12(c) read the other way): the answer is the same (CLEAR), but The Liberty "
        "Group again owning 8,928,571 shares as converted gives the Series A-1 back its right to elect its "
        "additional directors (CoD 8(d)(iii)) would be not applicable instead of CONSEQUENCE.")


@pytest.mark.parametrize("entry, says", [
    ("{no_such_parameter: 3}", "dangling-reference: assumption A-conversion-rounding.alternative_parameters: no "
                               "parameter 'no_such_parameter' in parameters.yaml"),
    ("{conversion_rounding: sideways}", "wrong-type: assumption A-conversion-rounding.alternative_parameters."
                                        "conversion_rounding: expected a value of the parameter's own kind"),
    ("{conversion_rounding: hundredths_then_half_up}", "bad-value: assumption A-conversion-rounding."
                                                       "alternative_parameters.conversion_rounding: "
                                                       "'hundredths_then_half_up' is the parameter's own value"),
    ("{teligent_window_end: 37}", "wrong-type: assumption A-conversion-rounding.alternative_parameters."
                                  "teligent_window_end: expected a value of the parameter's own kind"),
])
def test_lint_refuses_an_other_reading_it_cannot_run(tmp_path, entry, says):
    copy = tmp_path / "rb"
    shutil.copytree(ROOT / "rules" / "icg-2000", copy)
    path = copy / "assumptions.yaml"
    text = path.read_text(encoding="utf-8")
    old = "  alternative_parameters: {conversion_rounding: down}\n"
    assert old in text
    line = text[:text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, f"  alternative_parameters: {entry}\n"), encoding="utf-8")
    result = run("lint", copy)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"{path}:{line}: {says}" + result.stderr.split(says, 1)[1].splitlines()[0]]


@pytest.mark.parametrize("quantity, answer", [(1964341, "Yes. No provision in force stops it."),
                                              (1964342, "No. Liberty standstill - 37% cap")])
def test_the_readme_tour_one_share_either_side_of_the_largest_purchase(tmp_path, quantity, answer):
    scenario = tmp_path / "scenario.yaml"
    text = SAMPLE.read_text(encoding="utf-8").replace("quantity: 2000000", f"quantity: {quantity}")
    scenario.write_text(text.replace("../captables/closing.yaml", str(SCENARIOS.parent / "captables" / "closing.yaml")),
                        encoding="utf-8")
    out = tmp_path / "memo.docx"
    result = run("memo", scenario, "--format", "docx", "--out", out)
    assert result.returncode == (0 if answer.startswith("Yes") else 1)
    paragraphs, _ = _docx_parts(out.read_bytes())
    short = paragraphs[[text for _, text in paragraphs].index("2. Short answer") + 1][1]
    assert short.startswith(answer)


def test_the_facts_state_the_action_and_the_holders_of_record_in_every_format(rulebook):
    data = _memo(rulebook, SCENARIOS / "liberty-transfers-a1-to-hmtf.yaml")
    assert ("The proposed action: Liberty Media Corporation (Liberty Group) would transfer 10,000 shares of Series A-1 "
            "Preferred Stock to HMTF Bridge ICG, LLC, on a Securities Act basis stated as exempt.") in data["facts"]
    assert data["holdings"][0] == ["Liberty Media Corporation", "Liberty Group",
                                   "50,000 shares of Series A-1 Preferred Stock; Warrants for 6,666,667 shares"]
    _, tables = _docx_parts(render_memo(data, "docx"))
    holders = next(t for t in tables if t[0] == ["Holder", "Group", "Holds"])
    assert holders[1:] == data["holdings"]
    html = _Html()
    html.feed(render_memo(data, "html"))
    cells = html.cells
    at = cells.index("Liberty Media Corporation")
    assert cells[at:at + 3 * len(data["holdings"])] == [cell for row in data["holdings"] for cell in row]
    md = render_memo(data, "md")
    assert ("| Gleacher/ICG Investors LLC | Gleacher Group | 2,000 shares of Series A-3 Preferred Stock; Warrants for "
            "266,666 shares |") in md
