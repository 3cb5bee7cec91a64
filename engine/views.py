"""Findings as a person reads them: every fact by its label in the documents' terms, every value
by the name the documents give it, every comparison in words that are true of the figures
("37.0000%, not more than 37.0000%"), findings numbered in the order shown. Text, Markdown and the
memo all read these views; code names (rule ids, fact names) stay in JSON and `--explain`."""

from __future__ import annotations

from typing import Any

from .evaluate import words_of
from .model import Finding
from .rulebook import Rulebook

LABEL = {
    "violation": "VIOLATION",
    "cannot_determine": "CANNOT DETERMINE",
    "approval_required": "APPROVAL REQUIRED",
    "obligation": "OBLIGATION",
    "consequence": "CONSEQUENCE",
    "permitted": "permitted",
    "not_applicable": "not applicable",
}
# Shown first to last: what stops the action, what cannot be decided, what it needs, what it
# brings about, what it passes. The numbers of the findings follow this order.
SHOWN_ORDER = ("violation", "cannot_determine", "approval_required", "obligation", "consequence", "permitted")


def cite(rulebook: Rulebook, finding: Finding) -> str:
    doc = rulebook.documents.get(finding.document)
    code = doc.code if doc and doc.code else finding.document
    return f"{code} {finding.section}"


def shown_value(rulebook: Rulebook, value: Any) -> str:
    """A value by the documents' name for it (a group, a security), a word of the rulebook's
    vocabulary with spaces; figures as the engine shows them."""
    return words_of(rulebook).value(value)


def label_of(rulebook: Rulebook, finding: Finding, fact: str) -> str:
    return finding.labels.get(fact) or words_of(rulebook).fact(fact)


def comparison_words(rulebook: Rulebook, c: dict) -> str:
    """One test of a rule's condition, in words true of the figures."""
    return words_of(rulebook).test(c["fact"], c["actual"], c["op"], c["value"], c.get("holds"))


def _numeric(c: dict) -> bool:
    return any(ch.isdigit() for ch in str(c.get("value", "")))


def key_figure(rulebook: Rulebook, finding: Finding) -> str:
    """The one line that says why a finding came out as it did."""
    if finding.reason == "instrument_status_unknown" and finding.missing:
        return f"not stated: {label_of(rulebook, finding, finding.missing[0])}"
    if finding.outcome == "cannot_determine" and finding.missing:
        more = len(finding.missing) - 1
        return f"not stated: {label_of(rulebook, finding, finding.missing[0])}" + (f" (and {more} more)" if more else "")
    if finding.outcome == "permitted" and finding.exception:
        applied = next((e for e in finding.because.get("exceptions", []) if e.get("id") == finding.exception), None)
        if applied and applied.get("cite"):
            return f"permitted by {applied['cite']}"
    comparisons = [c for c in finding.comparisons if c.get("holds") is not None]
    # The tests that decided it: those that held for an outcome the condition brought about, those
    # that failed for one it did not; a figure first.
    held = finding.outcome in ("violation", "obligation", "consequence", "approval_required")
    deciding = [c for c in comparisons if c["holds"] is held] or comparisons
    numeric = [c for c in deciding if _numeric(c)]
    chosen = (numeric or deciding or finding.comparisons or [None])[0]
    return comparison_words(rulebook, chosen) if chosen else ""


def _stated_figures(rulebook: Rulebook, finding: Finding) -> list[str]:
    out = []
    for p in finding.parameters:
        since = f" from {p['from']}" if p.get("from") else ""
        where = f"{p['cite']}: \"{p['quote']}\"" if p.get("cite") else "as the rulebook states it"
        value = p["value"]
        shown = f"{int(value):,}" if isinstance(value, str) and value.isdigit() else shown_value(rulebook, value)
        out.append(f"{p['name'].replace('_', ' ')}: {shown}{since} ({where})")
    return out


def _texts_in_force(finding: Finding) -> list[str]:
    out = []
    for v in finding.versions:
        title = v.get("title") or v["version"]
        out.append(f"{title}, in force from {v['from']}" + (f" ({v['cite']}: \"{v['quote']}\")" if v.get("cite") else ""))
    return out


def ordered(findings: list[Finding]) -> list[Finding]:
    """The findings a report shows, in the order it shows them (not applicable ones last, apart)."""
    rank = {outcome: i for i, outcome in enumerate(SHOWN_ORDER)}
    shown = [f for f in findings if f.outcome != "not_applicable"]
    return sorted(shown, key=lambda f: rank[f.outcome])


def views(rulebook: Rulebook, findings: list[Finding]) -> list[dict[str, Any]]:
    """Each finding shown, numbered 1, 2, ... in the order shown."""
    return [view(rulebook, f, n) for n, f in enumerate(ordered(findings), 1)]


def view(rulebook: Rulebook, f: Finding, n: int | None = None) -> dict[str, Any]:
    return {
        "n": n, "rule": f.rule, "outcome": LABEL[f.outcome], "title": f.title, "cite": cite(rulebook, f),
        "document": f.document_title, "section": f.section, "quote": f.quote, "explanation": f.explanation,
        "key": key_figure(rulebook, f),
        "figures": [(label_of(rulebook, f, name), shown_value(rulebook, value)) for name, value in f.figures.items()],
        "missing": [label_of(rulebook, f, m) for m in f.missing],
        "stated_figures": _stated_figures(rulebook, f),
        "texts_in_force": _texts_in_force(f),
        "readings": list(f.assumptions),
    }
