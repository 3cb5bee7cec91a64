"""A counsel memo for a scenario: the check's findings, approvals and readings arranged as a
securities lawyer writes a memo (question presented, short answer, facts, provisions, analysis,
approvals, consequences, readings relied on, open questions, conclusion), with an appendix that
makes it reproducible. Everything is worked out here; the template (reports/memo.md.j2) formats."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path
from typing import Any

from . import __version__, capital
from .evaluate import Headroom, Result
from .errors import InputError, Problem
from .paths import document_path, reports_dir
from .render import LABEL, _cite, approval_lines, assumption_entries, check_json, environment, verdict, vote_json
from .evaluate import words_of
from .facts import display
from .rulebook import Rulebook
from .views import key_figure, ordered, views

CONSEQUENCES = ("obligation", "consequence")


def _digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def rulebook_digest(rulebook: Rulebook) -> str:
    """The rulebook's content: every YAML file of its folder (rules, facts, parameters, definitions,
    assumptions, documents), by name and bytes; the documents' texts are listed one by one."""
    digest = hashlib.sha256()
    for path in sorted(Path(rulebook.path).glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _action_words(rulebook: Rulebook, action) -> str:
    """The proposed action in words: who would acquire what from whom, or the corporate action
    and the facts the scenario states for it, each by its label."""
    words = words_of(rulebook)
    kind = words.value(action.kind)
    if action.trades_securities or action.is_capital_event:
        security = words.value(action.security) if action.security else "securities"
        what = (f"Warrants for {action.quantity:,} shares" if action.security == "warrant"
                else f"{action.quantity:,} shares of {security}")
        party = action.acquirer or action.transferor
        who = f"{party.name} ({words.value(party.group)})" if party is not None and party.group != "none" else (
            party.name if party is not None else "the holder")
        if action.kind == "transfer" and action.transferor is not None:
            to = action.acquirer.name if action.acquirer is not None else "the transferee"
            basis = f", on a Securities Act basis stated as {words.value(action.basis)}" if action.basis else ""
            return (f"The proposed action: {action.transferor.name} ({words.value(action.transferor.group)}) would "
                    f"transfer {what} to {to}{basis}.")
        if action.kind == "purchase":
            return f"The proposed action: {who} would purchase {what} from {words.value(action.seller)}."
        return f"The proposed action: {_a(kind)} of {what} by {who}."
    def shown(name: str, value) -> str:
        spec = rulebook.facts.get(name)
        return words.value(display(spec.type, value) if spec is not None else value)

    stated = "; ".join(f"{words.fact(name)}: {shown(name, value)}" for name, value in action.details.items())
    return f"The proposed action: {_a(kind)}" + (f". The scenario states: {stated}." if stated else ".")


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _holdings(rulebook: Rulebook, cap) -> list[list[str]]:
    """Each record holder with what it holds, in the documents' terms (the cap table's figures)."""
    words = words_of(rulebook)
    rows = []
    for h in cap.holders:
        held = ([f"{h.common:,} shares of {words.value('common')}"] if h.common else [])
        held += [f"{n:,} shares of {words.value(series)}" for series, n in h.preferred.items() if n]
        held += [f"Warrants for {h.warrants:,} shares"] if h.warrants else []
        held += [f"{n:,} {cap.convertibles[c].name if c in cap.convertibles else c}" for c, n in h.convertibles.items() if n]
        if held:
            rows.append([h.name, words.value(h.group) if h.group != "none" else "none", "; ".join(held)])
    return rows


def _shown_path(path: str) -> str:
    """A file as a reader can find it: relative to the working folder when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def _question(result: Result, rulebook: Rulebook) -> str:
    s = result.scenario
    return (f"{s.name}: is the action permitted under the documents of {rulebook.title} on "
            f"{s.as_of.isoformat()}, and what approvals and consequences does it carry?")


def _short_answer(result: Result, rulebook: Rulebook, report: dict, votes: dict) -> str:
    said = verdict(result)
    blocking = [f for f in result.findings if f.outcome == "violation"]
    unknown = [f for f in result.findings if f.outcome == "cannot_determine"]
    if blocking:
        first = blocking[0]
        answer = (f"No. {first.title} ({_cite(rulebook, first)}) stops it: {first.explanation}")
        room = report.get("headroom")
        if room and room.get("max_quantity") is not None:
            answer += f" The largest quantity that would pass is {room['max_quantity']:,}."
        return answer
    if unknown:
        words = words_of(rulebook)
        facts = list(dict.fromkeys(words.fact(m) for f in unknown for m in f.missing))
        return ("It cannot be determined on the facts stated. "
                f"{len(unknown)} provision{'s turn' if len(unknown) != 1 else ' turns'} on what the scenario does "
                f"not establish: {', '.join(facts)} (see Open questions).")
    if said == "APPROVAL REQUIRED":
        missing = [a for a in votes["approvals"] if not (a.get("tally") and a["tally"]["result"] == "passes")]
        said_of = []
        for a in missing:
            lines = approval_lines(a, rulebook)
            tally = lines[1] if len(lines) > 1 and lines[1].startswith("Tally") else "No tally is stated."
            said_of.append(f"{a['cite']}: {a['title']}. It is not shown to pass. {lines[0]} {tally}")
        return "Not without the approvals of the holders it needs. " + " ".join(said_of) + " (See Approvals.)"
    duties = [f for f in result.findings if f.outcome in CONSEQUENCES]
    tail = f" It carries {len(duties)} obligation{'s' if len(duties) != 1 else ''} or consequence" \
           f"{'s' if len(duties) != 1 else ''} (see Consequences)." if duties else ""
    # The limits it comes closest to: each permitted finding decided by a figure against its line.
    limits = [f"{_cite(rulebook, f)} ({key})" for f in result.findings if f.outcome == "permitted"
              for key in [key_figure(rulebook, f)] if ", not " in key and any(ch.isdigit() for ch in key)]
    passed = (" It stays within " + "; ".join(limits) + ".") if limits else ""
    return "Yes. No provision in force stops it." + passed + tail


def _reading(a: dict, run: str) -> dict[str, str]:
    """A reading relied on: its name, the reading with its source, the other reading, and what
    running the other reading gave."""
    source = f" ({a['source']})" if a.get("source") else ""
    return {"id": a["id"], "title": a["title"], "reading": f"{a['reading']}{source}",
            "alternative": a.get("alternative") or "", "run": run}


def _param_cite(rulebook: Rulebook, name: str) -> str:
    param = rulebook.parameters.get(name)
    source = param.source if param is not None else None
    if source is None:
        return "the rulebook's figure"
    doc = rulebook.documents.get(source.document)
    return f"{doc.code if doc and doc.code else source.document} {source.section}"


def _shown(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else f"{value:,}" if isinstance(value, int) else str(value)


def _substituted(rulebook: Rulebook, assumption) -> str:
    """What the other reading changes, in the documents' terms: the section that states the figure,
    the other figure and the stated one (a convention, a word rather than a figure, is named by its
    section only)."""
    parts = []
    for name, value in assumption.alternative_parameters:
        param = rulebook.parameters.get(name)
        where = _param_cite(rulebook, name)
        if isinstance(value, str) or param is None:
            parts.append(f"{where} read the other way")
        else:
            parts.append(f"{where}: {_shown(value)} in place of {_shown(param.value)}")
    return "; ".join(parts)


def alternative_run(rulebook: Rulebook, result: Result, scenario_file: Path | None, a_id: str) -> tuple[str, bool]:
    """Run the scenario again on the other reading of assumption `a_id` (its alternative_parameters)
    and say whether the answer changes: the verdict, and each finding whose outcome moves. Returns
    the sentence and whether anything changed."""
    from .errors import ClausewiseError
    from .evaluate import evaluate
    from .rulebook import load_rulebook
    from .scenario import load_scenario

    assumption = rulebook.assumptions.get(a_id)
    if assumption is None or not assumption.alternative_parameters:
        return "Not run: the other reading lies in the rules' conditions or arithmetic, not in a stated figure.", False
    changes = _substituted(rulebook, assumption)
    path = scenario_file or (Path(result.scenario.file) if result.scenario.file else None)
    if path is None:
        return f"Not run: the scenario is not in a file ({changes}).", False
    try:
        other = load_rulebook(rulebook.path, check_quotes=False, parameters=dict(assumption.alternative_parameters))
        moved = evaluate(other, load_scenario(path, other))
    except ClausewiseError as error:
        return (f"Not run: on the other reading ({changes}) the scenario cannot be read: "
                f"{str(error).splitlines()[0]}"), True
    before, after = verdict(result), verdict(moved)
    was = {f.rule: f for f in result.findings}
    moves = [f"{f.title} ({_cite(rulebook, f)}) would be {LABEL[f.outcome]} instead of {LABEL[was[f.rule].outcome]}"
             for f in moved.findings if f.rule in was and was[f.rule].outcome != f.outcome]
    if before == after and not moves:
        return f"Run on the other reading ({changes}): the answer is the same ({before}) and no finding changes.", False
    if before == after:
        return f"Run on the other reading ({changes}): the answer is the same ({before}), but " + "; ".join(moves) + ".", True
    return (f"Run on the other reading ({changes}): the answer changes to {after} (from {before}). "
            + "; ".join(moves) + "."), True


def _readings(rulebook: Rulebook, result: Result, scenario_file: Path | None, relied: list[dict]) -> list[dict]:
    """The readings relied on, each with what its other reading gives when run; then any other
    reading of the rulebook that can be run and that would change a finding here (a window's
    last day decides that a rule does not apply, say)."""
    out = [_reading(a, alternative_run(rulebook, result, scenario_file, a["id"])[0]) for a in relied]
    named = {a["id"] for a in relied}
    for a_id, assumption in rulebook.assumptions.items():
        if a_id in named or not assumption.alternative_parameters:
            continue
        said, changed = alternative_run(rulebook, result, scenario_file, a_id)
        if changed:
            out.append(_reading(assumption_entries(rulebook, (a_id,))[0], said))
    return out


def _conclusion(result: Result) -> str:
    said = verdict(result)
    return {"VIOLATION": "The action as proposed is not permitted.",
            "CANNOT DETERMINE": "No conclusion can be given until the open questions are answered.",
            "APPROVAL REQUIRED": "The action may proceed only with the approvals listed.",
            "CLEAR": "The action as proposed is permitted, subject to the obligations listed."}[said]


def memo_data(rulebook: Rulebook, result: Result, room: Headroom | None, scenario_file: Path | None,
              to: str, sender: str) -> dict[str, Any]:
    """Everything the memo shows, in the order it shows it."""
    report = check_json(rulebook, result, room)
    votes = vote_json(rulebook, result)
    s = result.scenario
    applying = ordered(result.findings)  # as check shows and numbers them
    analysis = [dict(v, rows=v["figures"]) for v in views(rulebook, result.findings)]
    provisions = []
    for f in applying:
        entry = {"cite": _cite(rulebook, f), "document": f.document_title, "title": f.title, "quote": f.quote}
        if entry not in provisions:
            provisions.append(entry)
    approvals = [{"cite": a["cite"], "title": a["title"], "lines": approval_lines(a, rulebook)} for a in votes["approvals"]]
    consequences = [{"outcome": LABEL[f.outcome], "title": f.title, "cite": _cite(rulebook, f),
                     "explanation": f.explanation} for f in applying if f.outcome in CONSEQUENCES]
    open_questions = []
    for f in applying:
        for missing in f.missing:
            spec = rulebook.facts.get(missing)
            what = spec.label if spec is not None and spec.label else missing
            whether = "whether " if spec is not None and spec.type == "bool" else ""
            line = f"Establish {whether}{what} ({_cite(rulebook, f)})."
            if line not in open_questions:
                open_questions.append(line)
    room_json = report.get("headroom") or {}
    for cure in room_json.get("cure", []) if room_json.get("max_quantity") is None else []:
        open_questions.append(f"What would clear it: {cure}.")
    facts = [f"The evaluation date is {s.as_of.isoformat()}."]
    if s.description:
        facts.append(" ".join(s.description.split()))
    source = f" ({_shown_path(s.cap_table.source)})" if s.cap_table.source else ""
    facts.append(f"The capitalization{source}: {s.cap_table.common_outstanding:,} shares of Common Stock "
                 f"outstanding, and the holdings the cap table states.")
    facts.append(_action_words(rulebook, s.action))
    facts += capital.recorded_terms_text(report["term_events"])
    documents = []
    for doc_id, doc in rulebook.documents.items():
        path = document_path(rulebook.path, doc.file) if doc.file else None
        where = (f"{doc.file}, lines {doc.lines[0]}-{doc.lines[1]}" if doc.lines else doc.file) if doc.file else ""
        documents.append({"id": doc_id, "title": doc.title, "file": where,
                          "sha256": _digest(path) if path is not None and path.is_file() else "not stored"})
    return {
        "heading": {"to": to, "from": sender, "date": s.as_of.isoformat(), "re": s.name},
        "question": _question(result, rulebook),
        "short_answer": _short_answer(result, rulebook, report, votes),
        "verdict": verdict(result),
        "facts": facts,
        "holdings": _holdings(rulebook, s.cap_table),
        "provisions": provisions,
        "analysis": analysis,
        "approvals": approvals,
        "no_approval": not votes["approvals"],
        "consequences": consequences,
        "readings": _readings(rulebook, result, scenario_file, report["assumptions"]),
        "open_questions": open_questions,
        "conclusion": _conclusion(result),
        "appendix": {
            "version": __version__, "rulebook": rulebook.id, "rulebook_sha256": rulebook_digest(rulebook),
            "documents": documents,
            "scenario": str(scenario_file) if scenario_file is not None else s.file,
            "scenario_sha256": _digest(scenario_file) if scenario_file is not None else "not stored",
            "as_of": s.as_of.isoformat(),
        },
    }


FORMATS = {"md": "Markdown", "html": "HTML with a print stylesheet", "pdf": "PDF (the HTML, laid out by WeasyPrint)",
           "docx": "Word, from reports/memo.docx or --template FILE"}
BINARY = ("pdf", "docx")


def memo_markdown(rulebook: Rulebook, result: Result, room: Headroom | None, scenario_file: Path | None,
                  to: str = "File", sender: str = "Clausewise") -> str:
    """The memo in Markdown: the same inputs give the same bytes."""
    return render_memo(memo_data(rulebook, result, room, scenario_file, to, sender), "md")


def render_memo(data: dict[str, Any], fmt: str, template: Path | None = None) -> str | bytes:
    """The memo in one of FORMATS: text for md and html, bytes for pdf and docx.

    A docx `template` (a firm's own .docx with the same Jinja names) replaces reports/memo.docx;
    a template that is not a Word document, or whose tags are wrong, is refused with one line
    naming it (InputError)."""
    if fmt == "md":
        return environment().get_template("memo.md.j2").render(memo=data)
    if fmt == "html":
        return environment().get_template("memo.html.j2").render(memo=data)
    if fmt == "pdf":
        return _pdf(environment().get_template("memo.html.j2").render(memo=data))
    if fmt == "docx":
        return _docx(data, template)
    raise ValueError(f"unknown memo format {fmt!r}")


def _pdf(html: str) -> bytes:
    """The HTML memo laid out for print by WeasyPrint (its @page rules give the page size,
    margins and page numbers). WeasyPrint is imported here: only a PDF needs it."""
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # its warnings are about CSS it ignores
    return HTML(string=html, base_url=str(reports_dir())).write_pdf()


MAX_TEMPLATE_BYTES = 50 * 2**20  # a firm's Word template: far above any, well below what fills the memory


def _docx(data: dict[str, Any], template: Path | None) -> bytes:
    """The memo in Word: docxtpl fills the template's Jinja tags (autoescaped for Word's XML,
    undefined names refused) and keeps its styles."""
    import io
    import zipfile

    from docx.opc.exceptions import PackageNotFoundError
    from docxtpl import DocxTemplate
    from jinja2 import Environment, StrictUndefined, TemplateError
    from lxml.etree import XMLSyntaxError

    path = Path(template) if template is not None else reports_dir() / "memo.docx"
    where = str(template) if template is not None else "reports/memo.docx"
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError([Problem(where, None, "missing-file", "--template: no such file")]) from None
    except (OSError, ValueError) as error:  # a name too long, a NUL character in it
        raise InputError([Problem(where, None, "unreadable-file", "--template: cannot be read "
                                  f"({getattr(error, 'strerror', None) or error})")]) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError([Problem(where, None, "unreadable-file", "--template: not a regular file (a folder, a "
                                  "device or a pipe): expected a Word .docx document")])
    if info.st_size > MAX_TEMPLATE_BYTES:
        raise InputError([Problem(where, None, "too-large", f"--template: {info.st_size:,} bytes; a Word template "
                                  f"may have at most {MAX_TEMPLATE_BYTES:,}")])
    try:
        document = DocxTemplate(str(path))
        document.render({"memo": data}, jinja_env=Environment(undefined=StrictUndefined), autoescape=True)
        out = io.BytesIO()
        document.save(out)
    except TemplateError as error:
        line = getattr(error, "lineno", None)
        raise InputError([Problem(where, None, "bad-template",
                                  f"--template: {error.message or error}"
                                  + (f" (line {line} of the template's document.xml)" if line else "")
                                  + "; the names a template may use are those of the Markdown memo "
                                    "(memo.heading, memo.question, memo.analysis, ...)")]) from None
    except (PackageNotFoundError, zipfile.BadZipFile, XMLSyntaxError, KeyError, ValueError) as error:
        raise InputError([Problem(where, None, "bad-template",
                                  f"--template: expected a Word .docx document ({error})")]) from None
    return out.getvalue()
