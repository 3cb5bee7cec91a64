"""Every judgement call is a named, cited assumption that some rule or the arithmetic relies on,
and the reports show the ones a finding rests on."""

from __future__ import annotations

import re

from clitools import run_json
from deal import ROOT


def test_every_assumption_is_cited_and_used(rulebook):
    used = set(rulebook.arithmetic_assumptions)
    for rule in rulebook.rules:
        used |= set(rule.assumptions)
    used |= {event.assumption for event in rulebook.events.values()}  # an event's reading of the date
    # what a term event of the record does to the terms
    used |= {effect.assumption for event in rulebook.term_events.values() for effect in event.effects}
    assert sorted(set(rulebook.assumptions) - used) == []
    for a in rulebook.assumptions.values():
        assert a.source is not None and a.source.document in rulebook.documents and a.source.section, a.id
        assert a.reading and a.title, a.id


def test_every_assumption_is_exercised_by_a_test():
    # A reading nobody tests is a judgement hidden in code: each id appears in some other test file.
    text = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py")
                   if p.name != "test_assumptions.py")
    text += "".join(p.read_text(encoding="utf-8") for p in (ROOT / "rules" / "icg-2000" / "tests").glob("*.yaml"))
    ids = re.findall(r"^- id: (A-[\w-]+)", (ROOT / "rules" / "icg-2000" / "assumptions.yaml").read_text(), re.M)
    untested = [a for a in ids if a not in text]
    assert untested == []


def test_the_report_lists_the_assumptions_its_findings_rest_on():
    code, data = run_json("check", "samples/scenarios/liberty-buys-2m-2003.yaml")
    assert code == 1
    listed = [a["id"] for a in data["assumptions"]]
    # The standstill's own readings first, then the arithmetic's.
    assert listed[:3] == ["A-standstill-deemed-conversion", "A-standstill-lp-projection", "A-holders-are-group-members"]
    assert "A-special-dividend-reference" in listed and "A-conversion-rounding" in listed
    liberty = next(a for a in data["assumptions"] if a["id"] == "A-fifth-anniversary")
    assert liberty["source"].startswith("PA 6.6")
    assert liberty["alternative"]
