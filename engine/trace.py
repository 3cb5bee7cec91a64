"""`--explain`: the full trace of a finding as data and as indented text. The facts the rule
reads (code name, label, value), its scope and condition as trees with each atom's value and
truth, and each exception tried with its own tree. Code names belong here and in JSON; the
other reports speak the documents' terms."""

from __future__ import annotations

from typing import Any

from .conditions import All, AnyOf, Atom, Not, TrueCond, facts_of, truth
from .evaluate import Result, _threshold
from .facts import display_fact
from .model import Finding
from .rulebook import Rulebook

_TRUTH = {True: "holds", False: "fails", None: "unknown"}


def _node(rulebook: Rulebook, cond: Any, facts: dict[str, Any]) -> dict[str, Any] | None:
    if cond is None:
        return None
    if isinstance(cond, TrueCond):
        return {"always": True, "holds": True}
    held = truth(cond, facts)
    if isinstance(cond, Atom):
        spec = rulebook.facts.get(cond.fact)
        actual = display_fact(spec, facts.get(cond.fact)) if spec is not None else str(facts.get(cond.fact))
        out = {"fact": cond.fact, "op": cond.op, "value": _threshold(rulebook.facts, cond) if spec else str(cond.value),
               "actual": actual, "holds": held}
    elif isinstance(cond, Not):
        out = {"not": _node(rulebook, cond.item, facts), "holds": held}
    else:
        key = "all" if isinstance(cond, All) else "any"
        out = {key: [_node(rulebook, item, facts) for item in cond.items], "holds": held}
    if getattr(cond, "limb", None):
        out["limb"] = cond.limb
    return out


def trace(rulebook: Rulebook, result: Result, finding: Finding) -> dict[str, Any]:
    """Everything that decided one finding, as data."""
    rule = rulebook.rule(finding.rule)
    facts = result.facts
    read = facts_of(rule.scope) + [f for f in facts_of(rule.condition) if f not in facts_of(rule.scope)]
    for exc in rule.exceptions:
        read += [f for f in facts_of(exc.condition) if f not in read]
    read += [f for f in rule.figures if f not in read]
    shown = []
    for name in read:
        spec = rulebook.facts.get(name)
        shown.append({"fact": name, "label": spec.label if spec is not None else "",
                      "value": display_fact(spec, facts.get(name)) if spec is not None else str(facts.get(name)),
                      "known": name in facts and facts[name] is not None})
    exceptions = []
    for exc in rule.exceptions:
        where = exc.source.section if exc.source else rule.source.section
        exceptions.append({"id": exc.id, "title": exc.title, "section": where,
                           "holds": truth(exc.condition, facts), "condition": _node(rulebook, exc.condition, facts)})
    return {
        "rule": rule.id, "outcome": finding.outcome, "file": rule.file, "line": rule.line,
        "in_force": rule.in_force_text, "actions": list(rule.actions),
        "facts": shown,
        "scope": _node(rulebook, rule.scope, facts),
        "condition": _node(rulebook, rule.condition, facts),
        "exceptions": exceptions,
        "because": finding.because,
        "explanation": finding.trace_explanation,
    }


def _tree_lines(node: dict[str, Any] | None, indent: str) -> list[str]:
    if node is None:
        return [f"{indent}(none)"]
    limb = f" [{node['limb']}]" if node.get("limb") else ""
    said = _TRUTH[node["holds"]]
    if "fact" in node:
        return [f"{indent}{node['fact']} {node['op']} {node['value']}: {node['actual']} -> {said}{limb}"]
    if "always" in node:
        return [f"{indent}always -> holds"]
    if "not" in node:
        return [f"{indent}not -> {said}{limb}"] + _tree_lines(node["not"], indent + "  ")
    key = "all" if "all" in node else "any"
    out = [f"{indent}{key} of -> {said}{limb}"]
    for item in node[key]:
        out += _tree_lines(item, indent + "  ")
    return out


def trace_lines(data: dict[str, Any], indent: str = "    ") -> list[str]:
    """The trace as indented text (`check --explain`)."""
    out = [f"{indent}Trace of {data['rule']} ({data['file']}:{data['line']}): {data['outcome']}",
           f"{indent}  in force: {data['in_force']}; actions: {', '.join(data['actions']) or 'any'}",
           f"{indent}  facts read:"]
    out += [f"{indent}    {f['fact']} = {f['value']}" + (f"  ({f['label']})" if f["label"] else "") for f in data["facts"]]
    out.append(f"{indent}  scope:")
    out += _tree_lines(data["scope"], indent + "    ")
    out.append(f"{indent}  condition:")
    out += _tree_lines(data["condition"], indent + "    ")
    for exc in data["exceptions"]:
        out.append(f"{indent}  exception {exc['id']} ({exc['section']}): {_TRUTH[exc['holds']]}")
        out += _tree_lines(exc["condition"], indent + "    ")
    out.append(f"{indent}  explanation (code names): {data['explanation']}")
    return out
