"""durable_rules' own limits (../shared/notes/durable-rules.md), met at and beyond their edges:
a rule too large for one ruleset is a problem of its rule file (exit 2, the file and line), in
`lint` and in `check` alike; sessions never accumulate, whatever the number of evaluations;
rulebooks past the rules a ruleset holds are partitioned (tests/test_runtime.py) and a fact never
meets more rules than durable's match stack takes. Real engine, real command line."""

from __future__ import annotations

import re
import shutil

import pytest

from clausewise import compiler
from clausewise.compiler import MAX_PARTS, PARTITION_RULES, PROPERTY_BUDGET, EngineLimit, compile_rules
from clausewise.errors import EngineError, InputError
from clausewise.evaluate import evaluate
from clausewise.rulebook import load_rulebook
from clausewise.scenario import load_scenario

from clitools import ROOT, run

KESTREL = ROOT / "rules" / "kestrel-2021"
STANDSTILL = 'condition: {fact: standstill.pct_after, op: ">", value: {param: standstill_pct}}   # "more than"'


def alternatives(n: int) -> str:
    """A condition of n alternatives, each of three tests: it compiles into about 3^n durable rules."""
    limbs = ", ".join("{all: [{fact: standstill.pct_after, op: \">\", value: %d}, "
                      "{fact: standstill.pct_before, op: \">\", value: %d}, "
                      "{fact: action.quantity, op: \">\", value: %d}]}" % (i + 1, i + 2, i + 3) for i in range(n))
    return "condition: {any: [" + limbs + "]}"


def kestrel_with(tmp_path, condition: str):
    book = tmp_path / "kestrel"
    shutil.copytree(KESTREL, book)
    path = book / "investment-agreement.yaml"
    text = path.read_text(encoding="utf-8")
    assert STANDSTILL in text
    path.write_text(text.replace(STANDSTILL, condition, 1), encoding="utf-8")
    line = text[:text.index(STANDSTILL)].count("\n") + 1
    return book, line


def test_a_rule_at_the_limit_compiles_and_one_past_it_is_refused_with_its_line(tmp_path):
    small, _ = kestrel_with(tmp_path / "a", alternatives(2))
    compile_rules(load_rulebook(small).rules)  # well under MAX_PARTS: compiles
    large, line = kestrel_with(tmp_path / "b", alternatives(6))
    rules = load_rulebook(large).rules
    rule = next(r for r in rules if r.id == "ia.3.1.standstill")
    with pytest.raises(EngineLimit) as caught:
        compile_rules([rule])
    problem, = caught.value.problems
    assert problem.category == "engine-limit"
    assert problem.file.endswith("investment-agreement.yaml") and problem.line == rule.line
    assert re.search(rf"rule ia\.3\.1\.standstill compiles into \d+ durable rules \(at most {MAX_PARTS}\)",
                     problem.message)
    # Both an input problem (exit 2) and, for code that expects it, an engine error.
    assert isinstance(caught.value, InputError) and isinstance(caught.value, EngineError)


def test_lint_and_check_report_a_rule_too_large_as_bad_input_not_an_engine_failure(tmp_path):
    book, _ = kestrel_with(tmp_path, alternatives(6))
    lint = run("lint", book)
    assert lint.returncode == 2
    assert re.fullmatch(r".*investment-agreement\.yaml:\d+: engine-limit: rule ia\.3\.1\.standstill compiles into "
                        r"\d+ durable rules \(at most 48\); simplify its conditions or split the rule\n", lint.stderr)
    scenario = KESTREL / "scenarios" / "investor-buys-1m-2021-05.yaml"
    check = run("check", scenario, "--rules", book)
    assert check.returncode == 2, check.stderr  # never 3: the user's rule file is at fault
    assert "engine-limit: rule ia.3.1.standstill" in check.stderr
    assert check.stdout == ""


def test_a_rule_reading_more_fields_than_a_fact_may_hold_is_refused(monkeypatch):
    # durable refuses a fact of more than 255 properties (error 302); the compiler stops at
    # PROPERTY_BUDGET. Lowered here so that a real rule crosses it: the refusal, not a crash.
    rule = next(r for r in load_rulebook(KESTREL).rules if r.id == "ia.3.1.standstill")
    compiler._Partition([rule], (0,), frozenset(rule.actions)).build()  # within the budget
    monkeypatch.setattr(compiler, "PROPERTY_BUDGET", 5)
    with pytest.raises(EngineLimit, match=r"rule ia\.3\.1\.standstill reads \d+ fields \(at most 2\)"):
        compiler._Partition([rule], (0,), frozenset(rule.actions)).build()
    assert PROPERTY_BUDGET <= 255 - 3


def test_sessions_do_not_accumulate_past_durables_1024(rulebook):
    # durable holds at most 1,024 live sessions per ruleset (the next raises MemoryError): each
    # evaluation deletes its own, so 1,100 evaluations in a row against one compiled rulebook run.
    scenario = load_scenario(ROOT / "samples" / "scenarios" / "liberty-buys-2m-2003.yaml", rulebook)
    first = evaluate(rulebook, scenario)
    for _ in range(1100):
        again = evaluate(rulebook, scenario)
    assert [(f.rule, f.outcome) for f in again.findings] == [(f.rule, f.outcome) for f in first.findings]
    assert first.blocked


def test_no_fact_meets_more_rules_than_durables_match_stack(rulebook):
    # More than 64 pending matches on one fact fail with error 303, and 512 rules in one ruleset
    # hang its first post: each partition holds at most PARTITION_RULES rules, each of at most
    # MAX_PARTS durable rules under its own guard, and one catch-all.
    engine = compile_rules(rulebook.rules)
    assert len(engine.partitions) >= len(rulebook.rules) / PARTITION_RULES
    for partition in engine.partitions:
        assert len(partition.indexes) <= PARTITION_RULES
        assert len(partition.definition) <= PARTITION_RULES * MAX_PARTS + 1 < 512
        per_rule = {}
        for name in partition.definition:
            if name != "catch_all":
                per_rule[name.split("_")[0]] = per_rule.get(name.split("_")[0], 0) + 1
        assert max(per_rule.values()) <= MAX_PARTS <= 64
