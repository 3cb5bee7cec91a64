"""The rest of a rulebook folder, checked by `clausewise lint`: its cap tables, its scenarios and
its YAML test cases, each as the commands would read it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import InputError, ProblemList, did_you_mean
from .rulebook import Rulebook
from .yamlio import LineDict, LineList, load_yaml

OUTCOMES = ("violation", "permitted", "obligation", "consequence", "approval_required", "not_applicable",
            "cannot_determine")


def check_folder(rulebook: Rulebook, problems: ProblemList) -> dict[str, int]:
    """Load every cap table (captables/*.yaml) and scenario (scenarios/*.yaml) as `check` would,
    and check that every YAML test case (tests/*.yaml) names rules the rulebook has and outcomes
    that exist. Returns how many of each were checked."""
    from .scenario import load_cap_table, load_scenario

    folder = rulebook.path
    counts = {"cap tables": 0, "scenarios": 0, "test cases": 0}
    for kind, loader, sub in (("cap tables", load_cap_table, "captables"), ("scenarios", load_scenario, "scenarios")):
        for path in sorted((folder / sub).glob("*.yaml")):
            counts[kind] += 1
            try:
                loader(path, rulebook)
            except InputError as exc:
                problems.problems.extend(exc.problems)
    for path in sorted((folder / "tests").glob("*.yaml")):
        counts["test cases"] += _check_cases(path, rulebook, problems)
    _check_alternatives(rulebook, problems)
    return counts


def _check_alternatives(rulebook: Rulebook, problems: ProblemList) -> None:
    """Each reading whose alternative is stated as parameter values must give a rulebook that
    loads: a memo runs it."""
    from .rulebook import load_rulebook

    for assumption in rulebook.assumptions.values():
        if not assumption.alternative_parameters:
            continue
        try:
            load_rulebook(rulebook.path, check_quotes=False, parameters=dict(assumption.alternative_parameters))
        except InputError as exc:
            for problem in exc.problems:
                problems.add(problem.file, problem.line, problem.category,
                             f"on assumption {assumption.id}'s other reading (alternative_parameters): {problem.message}")


VERBS = ("check", "vote", "position", "headroom")


def _check_cases(path: Path, rulebook: Rulebook, problems: ProblemList) -> int:
    """A cases file is a list of `check` cases, {name, scenario, expect: {rule id: outcome or
    {outcome, ...}}}, or a mapping from a command (check, vote, position, headroom) to its cases,
    each {name, args, expect: {JSON path: value}}."""
    try:
        data: Any = load_yaml(path)
    except InputError as exc:
        problems.problems.extend(exc.problems)
        return 0
    file = str(path)
    if isinstance(data, dict):
        total = 0
        for verb, cases in data.items():
            where = data.line_of(verb) if isinstance(data, LineDict) else 1
            if verb not in VERBS:
                problems.add(file, where, "unknown-key", f"{verb!r} is not a command with cases: expected one of "
                                                         f"{', '.join(VERBS)}{did_you_mean(verb, VERBS)}")
            elif not isinstance(cases, list) or not all(isinstance(c, dict) and isinstance(c.get("name"), str)
                                                        for c in cases):
                problems.add(file, where, "wrong-type", f"{verb}: expected a list of cases, each with a name")
            else:
                total += len(cases)
        return total
    if not isinstance(data, list):
        problems.add(file, 1, "wrong-type", "a test cases file is a list of cases (name, scenario, expect), or a "
                                            "mapping from a command to its cases")
        return 0
    rule_ids = [r.id for r in rulebook.rules]
    for index, case in enumerate(data):
        line = data.item_lines[index] if isinstance(data, LineList) else None
        if not isinstance(case, dict) or not isinstance(case.get("name"), str):
            problems.add(file, line, "wrong-type", f"case {index + 1}: expected a mapping with a name")
            continue
        expect = case.get("expect")
        if not isinstance(expect, dict):
            continue  # a case of another verb (position, headroom, vote) states its own keys
        for rule_id, want in expect.items():
            where = expect.line_of(rule_id) if isinstance(expect, LineDict) else line
            if rule_id not in rule_ids:
                problems.add(file, where, "dangling-reference",
                             f"case {case['name']!r}: expect names no rule {rule_id!r}{did_you_mean(rule_id, rule_ids)}")
                continue
            outcome = want.get("outcome") if isinstance(want, dict) else want
            if outcome not in OUTCOMES:
                problems.add(file, where, "bad-value", f"case {case['name']!r}: {rule_id}: outcome {outcome!r} is not one "
                                                       f"of {', '.join(OUTCOMES)}")
    return len(data)
