"""A counsel memo for a scenario: the check's findings, approvals and readings arranged as a
securities lawyer writes a memo (question presented, short answer, facts, provisions, analysis,
approvals, consequences, readings relied on, open questions, conclusion), with an appendix that
makes it reproducible. Everything is worked out here; the template (reports/memo.md.j2) formats."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from . import __version__, capital
from .evaluate import Headroom, Result
from .paths import document_path
from .render import LABEL, _cite, approval_lines, check_json, environment, verdict, vote_json
from .rulebook import Rulebook

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
        facts = sorted({m for f in unknown for m in f.missing})
        return ("It cannot be determined on the facts stated. "
                f"{len(unknown)} provision{'s turn' if len(unknown) != 1 else ' turns'} on what the scenario does "
                f"not establish: {', '.join(facts)} (see Open questions).")
    if said == "APPROVAL REQUIRED":
        missing = [a for a in votes["approvals"] if not (a.get("tally") and a["tally"]["result"] == "passes")]
        said_of = []
        for a in missing:
            lines = approval_lines(a)
            tally = lines[1] if len(lines) > 1 and lines[1].startswith("Tally") else "No tally is stated."
            said_of.append(f"{a['cite']}: {a['title']}. It is not shown to pass. {lines[0]} {tally}")
        return "Not without the approvals of the holders it needs. " + " ".join(said_of) + " (See Approvals.)"
    duties = [f for f in result.findings if f.outcome in CONSEQUENCES]
    tail = f" It carries {len(duties)} obligation{'s' if len(duties) != 1 else ''} or consequence" \
           f"{'s' if len(duties) != 1 else ''} (see Consequences)." if duties else ""
    return "Yes. No provision in force stops it." + tail


def _reading(a: dict) -> str:
    """A reading relied on, with its source and the other reading (Markdown emphasis)."""
    source = f" ({a['source']})" if a.get("source") else ""
    other = f" *The other reading:* {a['alternative']}" if a.get("alternative") else ""
    return f"**{a['id']}: {a['title']}.** {a['reading']}{source}{other}"


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
    applying = [f for f in result.findings if f.outcome != "not_applicable"]
    analysis = []
    for n, f in enumerate(applying, 1):
        rows = [(f.labels.get(name, name), value) for name, value in f.figures.items()]
        analysis.append({"n": n, "outcome": LABEL[f.outcome], "title": f.title, "cite": _cite(rulebook, f),
                         "explanation": f.explanation, "rows": rows})
    provisions = []
    for f in applying:
        entry = {"cite": _cite(rulebook, f), "document": f.document_title, "title": f.title, "quote": f.quote}
        if entry not in provisions:
            provisions.append(entry)
    approvals = [{"cite": a["cite"], "title": a["title"], "lines": approval_lines(a)} for a in votes["approvals"]]
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
    source = f" ({s.cap_table.source})" if s.cap_table.source else ""
    facts.append(f"The capitalization{source}: {s.cap_table.common_outstanding:,} shares of Common Stock "
                 f"outstanding, and the holdings the cap table states.")
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
        "provisions": provisions,
        "analysis": analysis,
        "approvals": approvals,
        "no_approval": not votes["approvals"],
        "consequences": consequences,
        "readings": [_reading(a) for a in report["assumptions"]],
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


def memo_markdown(rulebook: Rulebook, result: Result, room: Headroom | None, scenario_file: Path | None,
                  to: str = "File", sender: str = "Clausewise") -> str:
    """The memo in Markdown: the same inputs give the same bytes."""
    data = memo_data(rulebook, result, room, scenario_file, to, sender)
    return environment().get_template("memo.md.j2").render(memo=data)
