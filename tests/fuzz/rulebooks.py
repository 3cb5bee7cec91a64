#!/usr/bin/env python3
"""A seeded, reproducible corpus of malformed rulebooks (issue 10, the rulebook side).

Each mutation is a copy of a bundled rulebook with ONE change in ONE of its YAML files (a rule
file, rulebook.yaml, facts.yaml, parameters.yaml, definitions.yaml, assumptions.yaml,
documents.yaml or declined.yaml). Most are made from rules/kestrel-2021 (it loads in a few
milliseconds); a smaller share from rules/icg-2000 (about 0.13 s cold with its quotes checked,
then 15-40 ms a copy, since the unchanged files' trees and the filings' text are kept by digest).

Every mutation is classified before anything is loaded, from the rulebook format alone (the
tables below), never from what the engine does:
  fail      the copy is wrong and must be refused: InputError (exit 2), one problem a line;
  may-pass  the copy may still be valid (an optional key deleted, a number in a text field);
            it may load, or be refused, but must never crash;
  pass      a control (the file written back unchanged): it must load.

Categories: delete-key, delete-item, wrong-type, empty-list, unknown-key, misspelt-key,
dangling-reference, percent-range, non-positive-price, bad-number, short-quote,
reserved-group, duplicate-id, trivial-condition, invalid-yaml, empty-file, missing-file,
bad-encoding, control.

    python tests/fuzz/rulebooks.py --summary         counts per category (and per base, expectation)
    python tests/fuzz/rulebooks.py --run [--only X]  load every mutation in-process and report
    python tests/fuzz/rulebooks.py --write ID DIR    write one mutated copy to DIR, to reproduce it
    ... --seed N --scale K --base kestrel-2021       explore beyond the corpus: another sample, K
                                                     times the quotas (--scale 1000: every candidate)

The mutated YAML files are written back with yaml.safe_dump (comments dropped, one value a
line); line numbers in problems refer to the mutated text, whatever it is.
"""

from __future__ import annotations

import argparse
import copy
import random
import re
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import yaml

ROOT = Path(__file__).resolve().parents[2]
SEED = 20240610
BASES = {"kestrel-2021": ROOT / "rules" / "kestrel-2021", "icg-2000": ROOT / "rules" / "icg-2000"}
SPECIAL_FILES = ("rulebook.yaml", "facts.yaml", "parameters.yaml", "definitions.yaml", "assumptions.yaml",
                 "documents.yaml", "declined.yaml")
# Folders of a rulebook that no mutation changes: linked, not copied.
LINKED_DIRS = ("documents", "captables", "scenarios", "tests", "schemas")

FAIL, MAY, PASS = "fail", "may-pass", "pass"

# How many mutations of each category to keep per file (sampled with the seed from every
# candidate); icg-2000 gets a smaller share.
QUOTA = {"kestrel-2021": {"delete-key": 10, "delete-item": 4, "wrong-type": 22, "empty-list": 4, "unknown-key": 4,
                          "misspelt-key": 3, "dangling-reference": 7, "percent-range": 14, "non-positive-price": 8,
                          "bad-number": 14, "short-quote": 6, "reserved-group": 4, "duplicate-id": 4,
                          "trivial-condition": 10, "invalid-yaml": 6, "empty-file": 2, "missing-file": 1,
                          "bad-encoding": 1, "control": 1},
         "icg-2000": {"delete-key": 2, "delete-item": 1, "wrong-type": 5, "empty-list": 1, "unknown-key": 1,
                      "misspelt-key": 1, "dangling-reference": 2, "percent-range": 4, "non-positive-price": 6,
                      "bad-number": 4, "short-quote": 2, "reserved-group": 4, "duplicate-id": 1,
                      "trivial-condition": 3, "invalid-yaml": 1, "empty-file": 1, "missing-file": 0,
                      "bad-encoding": 0, "control": 1}}

# --- what the rulebook format says (README, engine/rulebook.py), as the classification reads it

# The keys a mapping must have, by what the mapping is (see `context`).
REQUIRED = {
    "manifest": {"id", "title", "rule_files"},
    "position": {"groups", "columns"},
    "position-entry": {"key"},
    "column": {"label", "value"},
    "headroom": {"fact", "key", "label"},
    "seat-right": {"key", "label", "group", "cite", "params", "seats"},
    "position-event": {"rule", "label", "fact"},
    "document": {"id", "title", "date", "file"},
    "parameters-file": {"parameters", "securities", "groups"},
    "parameter": {"value", "source"},
    "dated-parameter": {"values"},
    "parameter-value": {"value", "source"},
    "source": {"document", "section", "quote"},
    "assumption-source": {"document", "section"},
    "security": {"name", "class"},
    "group": {"name"},
    "class": {"name", "members"},
    "event": {"title", "date", "puts_in_question", "source"},
    "term-event": {"title", "effects", "source"},
    "effect": {"source"},
    "transfer-conversion": {"group", "converts_into", "source"},
    "facts-file": {"facts"},
    "fact": {"type", "label", "meaning", "from"},
    "attribute": {"type", "label"},
    "constraint": {"when", "fields", "message"},
    "implied": {"when", "value"},
    "definition": {"id", "condition"},
    "version": {"id", "from", "source"},
    "assumption": {"id", "title", "reading"},
    "declined": {"id", "document", "section", "quote", "reason"},
    "rule": {"id", "title", "source", "condition", "outcome", "finding", "applies_to"},
    "exception": {"id", "condition", "source"},
    "approval": {"body", "voters", "threshold"},
    "applies_to": {"actions"},
    "atom": {"fact", "op", "value"},
    "param-ref": {"param"},
    "unless-field": {"field", "within_days"},
}
# Text a reader reads (a number there is read as its digits; true, a date, a list or a mapping is refused).
PROSE = {"title", "label", "meaning", "reading", "alternative", "reason", "note", "description", "section", "name",
         "body", "summary", "message", "cite", "term", "finding", "code", "catalogue", "amends", "limb",
         "approvals_of", "quote"}
# Keys whose text value names something else of the rulebook (or one of a closed list of words):
# any other value, text or number, is refused.
STRICT = {"op", "type", "outcome", "otherwise", "class", "threshold", "measure", "format", "party", "output", "fact",
          "ref", "document", "file", "voters", "group", "cap", "attribute", "rule", "param", "exercisable_from",
          "instrument", "formula", "converts_into", "parameter", "show", "from", "before", "through",
          "voting_class", "adjust", "dividend_rate", "preference", "de_minimis_pct", "suspended_while",
          "calendar", "include", "day_count", "rounding", "denominator", "field", "when"}
# Keys whose value may be a date as well as a word (a date expression, a date parameter).
DATE_OR_WORD = {"from", "before", "through", "when", "on", "start", "reset_on", "conversion_date", "only_before"}
# Keys whose value names other things of the rulebook: changing one name makes a dangling reference.
REFERENCE_KEYS = {"document", "ref", "fact", "param", "voters", "exercisable_from", "held_by", "securities",
                  "assumptions", "arithmetic_assumptions", "rule_files", "file", "instrument", "puts_in_question",
                  "cap", "figures", "assumption", "attribute", "converts_into", "parameter", "actions", "group",
                  "voting_class", "deemed_outstanding"}
# Lists that must not be empty.
NON_EMPTY = {"rule_files", "all", "any", "puts_in_question", "actions", "effects", "securities", "versions",
             "fields", "lines", "kinds"}
WRONG_VALUES = (5, "x-wrong", True, None, ["x-wrong"], {"x-wrong": 1}, date(2020, 1, 1), 1.5)
SHORT_QUOTES = ("5", " ", "[...]", "the", "[...] [...]", "Company", "...", "the Company", "Section 3.1",
                "[...] shares [...]")
TRIVIAL_CONDITIONS = ({"not": []}, {"all": []}, {"any": []}, [], {}, {"not": {}}, {"any": [{"all": []}]})
RESERVED_GROUPS = ("none", "company")
# Values a numeric parameter (a share count, an amount) may not have.
BAD_NUMBERS = (-1, -250000, "lots", "1,000", True)
BAD_PRICES = (0, -1, -0.01, 0.0)
BAD_THRESHOLDS = ("169%", "0%", "100.01%", "101%", "-5%", "1000%")
BAD_PERCENTS = (169, -0.5, 100.5, -1, 250)
PRICE = re.compile(r"(^|_)price$")


@dataclass(frozen=True)
class Mutation:
    id: str  # stable: base/file/category/what
    base: str
    file: str
    category: str
    expect: str  # FAIL, MAY or PASS
    note: str
    content: bytes | None  # the mutated file; None: the file is removed


def kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "list"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, date):
        return "date"
    if value is None:
        return "null"
    return "str"


def walk(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, path + (index,))


def get(tree: Any, path: tuple) -> Any:
    for step in path:
        tree = tree[step]
    return tree


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump_one(tree: Any) -> str:
    return yaml.dump(tree, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=4096,
                     default_flow_style=False)


_DUMPS: dict[tuple, tuple[Any, str]] = {}  # (id(a part of a base's tree), its key) -> (the part, kept alive; its text)


def _part(value: Any, wrap, key: Any = None) -> str:
    """The text of one part of a file (a list item, a mapping entry under `key`), kept once per
    part of a base's tree: a mutation shares every part it does not change (see _with), so only
    the changed part is written again."""
    found = _DUMPS.get((id(value), repr(key)))
    if found is not None and found[0] is value:
        return found[1]
    text = _dump_one(wrap(value))
    if getattr(_part, "keep", False):
        _DUMPS[(id(value), repr(key))] = (value, text)
    return text


def dump(tree: Any) -> bytes:
    """A file's YAML for a tree: the top list's items, or the top mapping's entries (one level
    deeper for a mapping of mappings, as parameters.yaml and facts.yaml are), each written once."""
    if tree is None:
        return b""
    if isinstance(tree, list) and tree:
        return "".join(_part(item, lambda v: [v]) for item in tree).encode()
    if isinstance(tree, dict) and tree and all(isinstance(k, str) for k in tree):
        out = []
        for key, value in tree.items():
            if isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
                out.append(_dump_one({key: None}).replace(": null", ":"))
                for sub, inner in value.items():
                    text = _part(inner, lambda v, s=sub: {s: v}, sub)
                    out.append("".join("  " + line if line.strip() else line
                                       for line in text.splitlines(keepends=True)))
            else:
                out.append(_part(value, lambda v, k=key: {k: v}, key))
        return "".join(out).encode()
    return _dump_one(tree).encode()


def file_kind(name: str) -> str:
    return {"rulebook.yaml": "manifest", "facts.yaml": "facts", "parameters.yaml": "parameters",
            "definitions.yaml": "definitions", "assumptions.yaml": "assumptions", "documents.yaml": "documents",
            "declined.yaml": "declined"}.get(name, "rules")


def is_condition_path(path: tuple) -> bool:
    """Whether the node at `path` is a condition (or a part of one)."""
    keys = [p for p in path if isinstance(p, str)]
    return bool(keys) and any(k in ("condition", "when") for k in keys) and "params" not in keys


def context(fkind: str, path: tuple, node: Any) -> str:
    """What the mapping at `path` is, as REQUIRED names it ("" when nothing is required)."""
    if not isinstance(node, dict):
        return ""
    if "fact" in node and "op" in node:
        return "atom"
    if set(node) == {"param"}:
        return "param-ref"
    last = path[-1] if path else None
    parent = path[-2] if len(path) > 1 else None
    if fkind == "manifest":
        if path == ():
            return "manifest"
        if path == ("position",):
            return "position"
        if len(path) == 3 and path[0] == "position" and path[1] in ("groups", "terms"):
            return "position-entry"
        if len(path) == 3 and path[:2] == ("position", "columns"):
            return "column"
        if path == ("position", "headroom"):
            return "headroom"
        if len(path) == 3 and path[:2] == ("position", "seat_rights"):
            return "seat-right"
        if len(path) == 3 and path[:2] == ("position", "events"):
            return "position-event"
        return ""
    if fkind == "documents":
        return "document" if len(path) == 1 else ""
    if fkind == "parameters":
        if path == ():
            return "parameters-file"
        if len(path) == 2 and path[0] == "parameters":
            return "dated-parameter" if "values" in node else "parameter"
        if len(path) == 4 and path[0] == "parameters" and path[2] == "values":
            return "parameter-value"
        if last in ("source", "definition"):
            return "source"
        if len(path) == 2 and path[0] == "securities":
            return "security"
        if len(path) == 3 and path[0] == "securities" and last == "on_transfer_outside_group":
            return "transfer-conversion"
        if len(path) == 2 and path[0] == "groups":
            return "group"
        if len(path) == 2 and path[0] == "classes":
            return "class"
        if len(path) == 2 and path[0] == "instrument_events":
            return "event"
        if len(path) == 2 and path[0] == "term_events":
            return "term-event"
        if len(path) == 4 and path[0] == "term_events" and path[2] == "effects":
            return "effect"
        if last == "unless" and path[0] == "term_events":
            return "unless-field"
        return ""
    if fkind == "facts":
        if path == ():
            return "facts-file"
        if len(path) == 2 and path[0] == "facts":
            return "fact"
        if len(path) == 2 and path[0] == "party_attributes":
            return "attribute"
        if len(path) == 2 and path[0] == "constraints":
            return "constraint"
        if parent == "implied":
            return "implied"
        return ""
    if fkind == "definitions":
        if len(path) == 1:
            return "definition"
        if len(path) == 3 and path[1] == "versions":
            return "version"
        if last == "source":
            return "source"
        return ""
    if fkind == "assumptions":
        if len(path) == 1:
            return "assumption"
        if last == "source":
            return "assumption-source"
        return ""
    if fkind == "declined":
        return "declined" if len(path) == 1 else ""
    # a rule file
    if len(path) == 1:
        return "rule"
    if last == "source":
        return "source"
    if len(path) == 3 and path[1] == "unless":
        return "exception"
    if len(path) == 3 and path[1] == "versions":
        return "version"
    if len(path) == 2 and last in ("approval", "applies_to"):
        return last
    return ""


class Base:
    """One bundled rulebook as the mutations see it: its files' text and trees, and every name
    its files use (to tell a reference that would dangle from an unused entry)."""

    def __init__(self, name: str):
        self.name = name
        self.path = BASES[name]
        manifest = yaml.safe_load((self.path / "rulebook.yaml").read_text(encoding="utf-8"))
        self.rule_files = [str(f) for f in manifest["rule_files"]]
        self.files = list(SPECIAL_FILES) + self.rule_files
        self.text = {f: (self.path / f).read_text(encoding="utf-8") for f in self.files}
        self.tree = {f: yaml.load(self.text[f], Loader=_LOADER) for f in self.files}
        facts = self.tree["facts.yaml"]["facts"]
        self.fact_types = {name: spec.get("type") for name, spec in facts.items()}
        params = self.tree["parameters.yaml"]["parameters"]
        self.parameters = params
        # Parameters a condition on a percent fact compares with ({param: NAME}): each is a percentage.
        self.percent_params = {node["value"]["param"] for f in self.files for _, node in walk(self.tree[f])
                               if isinstance(node, dict) and self.fact_types.get(node.get("fact")) == "percent"
                               and isinstance(node.get("value"), dict) and "param" in node["value"]}
        securities = self.tree["parameters.yaml"].get("securities") or {}
        self.converts = any(s.get("class") == "preferred" and s.get("converts_to_common") for s in securities.values())

    def names_used(self, skip_file: str, skip_path: tuple) -> set[str]:
        """Every name the rulebook's files use outside prose, except under `skip_path` of `skip_file`
        (the entry itself): words of values, mapping keys below the top, and finding placeholders."""
        used: set[str] = {"closing_date"}
        if self.converts:
            used |= {"initial_liquidation_preference", "dividend_rate", "first_dividend_payment_date",
                     "last_accretion_date", "conversion_price", "dividend_payment_interval_months",
                     "dividend_payment_day", "dividend_payment_roll", "business_day_calendar", "day_count",
                     "conversion_rounding"}
        for name in self.files:
            for path, node in walk(self.tree[name]):
                if name == skip_file and path[:len(skip_path)] == skip_path:
                    continue
                key = next((p for p in reversed(path) if isinstance(p, str)), None)
                if isinstance(node, str):
                    if key == "finding":
                        used.update(re.findall(r"\{([^{}]+)\}", node))
                    elif key not in PROSE:
                        used.update(re.split(r"[^\w.\-]+", node))
                elif isinstance(node, dict) and len(path) >= 2:
                    used.update(str(k) for k in node)
        return used


def expect_delete(base: Base, fname: str, path: tuple) -> str:
    """Deleting the key or item at `path`."""
    fkind = file_kind(fname)
    tree = base.tree[fname]
    parent = get(tree, path[:-1])
    key = path[-1]
    if isinstance(parent, list):
        remaining = len(parent) - 1
        grand = next((p for p in reversed(path[:-1]) if isinstance(p, str)), None)
        if remaining == 0 and (len(path) == 1 and fkind in ("rules", "documents") or grand in NON_EMPTY):
            return FAIL
        item = parent[key]
        if len(path) == 1 and isinstance(item, dict) and "id" in item and str(item["id"]) in base.names_used(fname, path):
            return FAIL
        return MAY
    ctx = context(fkind, path[:-1], parent)
    if key in REQUIRED.get(ctx, ()):
        return FAIL
    if ctx == "rule" and key == "approval" and parent.get("outcome") == "approval_required":
        return FAIL
    if ctx == "position-entry" and key in ("measure", "parameter", "text"):
        return FAIL
    if ctx == "fact" and key == "values" and not parent.get("values_from"):
        return FAIL
    if (fkind == "parameters" and len(path) == 2 and path[0] in ("parameters", "securities", "groups", "classes")
            or fkind == "facts" and len(path) == 2 and path[0] in ("facts", "party_attributes")):
        return FAIL if str(key) in base.names_used(fname, path) else MAY
    return MAY


def expect_set(base: Base, fname: str, path: tuple, new: Any) -> str:
    """Replacing the value at `path` by `new`, of another kind."""
    if new is None:
        return expect_delete(base, fname, path)
    old = get(base.tree[fname], path)
    before, after = kind(old), kind(new)
    key = next((p for p in reversed(path) if isinstance(p, str)), None)
    in_list = isinstance(path[-1], int)
    fkind = file_kind(fname)
    parameter_value = fkind == "parameters" and path[0] == "parameters" and key == "value"
    if before == "map" and set(old) == {"param"} and after not in ("map", "list"):
        return MAY  # a literal in place of a parameter's value
    if before in ("map", "list") or after in ("map", "list") or "bool" in (before, after):
        return FAIL
    if before == "number":
        if after == "number":
            return MAY
        if after == "date" and parameter_value and path[1] not in PARAMETER_KINDS:
            return MAY
        return FAIL
    if before == "date":
        if after == "number" and parameter_value and path[1] not in PARAMETER_KINDS:
            return MAY
        return FAIL
    # text before
    if any(k in ("params", "seats") for k in path if isinstance(k, str)):
        return MAY  # a measure's param: a parameter's name, or a number or date as written
    if key in PROSE and not in_list:
        return FAIL if after == "date" else MAY
    if key in REFERENCE_KEYS or (key in STRICT and not (after == "date" and key in DATE_OR_WORD)):
        return FAIL
    if key == "value" and is_condition_path(path):
        return FAIL  # an enum's word
    return MAY


# The parameters the engine reads, each of a fixed kind (engine/rulebook.py PARAMETER_TYPES).
PARAMETER_KINDS = {"closing_date", "signing_date", "first_dividend_payment_date", "last_accretion_date",
                   "warrant_expiry", "initial_liquidation_preference", "dividend_rate", "conversion_price",
                   "warrant_exercise_price", "conversion_right_expiry", "dividend_payment_interval_months",
                   "dividend_payment_day", "dividend_payment_roll", "business_day_calendar", "day_count",
                   "conversion_rounding", "warrant_exercise_rounding"}


def _tree_mutation(base: Base, fname: str, category: str, what: str, tree: Any, expect: str) -> Mutation:
    return Mutation(f"{base.name}/{fname}/{category}/{what}", base.name, fname, category, expect, what, dump(tree))


def _text_mutation(base: Base, fname: str, category: str, what: str, text: str | bytes | None,
                   expect: str) -> Mutation:
    content = text.encode() if isinstance(text, str) else text
    return Mutation(f"{base.name}/{fname}/{category}/{what}", base.name, fname, category, expect, what, content)


def _show(path: tuple) -> str:
    return ".".join(str(p) for p in path) or "<top>"


def _spine(tree: Any, path: tuple) -> tuple[Any, Any]:
    """A copy of the containers from the top of `tree` down to the one holding path[-1] (every
    other part shared with `tree`, which stays unchanged): (the new top, that container)."""
    top = copy.copy(tree)
    node = top
    for step in path[:-1]:
        child = copy.copy(node[step])
        node[step] = child
        node = child
    return top, node


def _with(tree: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    top, parent = _spine(tree, path)
    parent[path[-1]] = copy.deepcopy(value)
    return top


def _without(tree: Any, path: tuple) -> Any:
    top, parent = _spine(tree, path)
    del parent[path[-1]]
    return top


def _key_lines(text: str) -> set[int]:
    """The 0-based lines where a key of a block mapping starts (not a line inside a text, or
    inside a flow mapping written over several lines)."""
    out: set[int] = set()
    todo = [yaml.compose(text, Loader=_LOADER)]
    while todo:
        node = todo.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if not node.flow_style:  # in a flow mapping a tab is whitespace, a line break nothing
                    out.add(key.start_mark.line)
                todo.append(value)
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
    return out


def _must_not_be_empty(fkind: str, path: tuple, parent: Any) -> bool:
    """Whether emptying the list at `path` must be refused."""
    key = path[-1] if isinstance(path[-1], str) else None
    if key in NON_EMPTY:
        return not (key == "kinds" and "field" not in parent)  # only a stated field needs its kinds
    if is_condition_path(path) and key != "values":
        return True  # a condition, or an `in` list in one
    if key == "values" and isinstance(parent, dict) and parent.get("type") in ("enum", "set"):
        return not parent.get("values_from")
    return key == "members" and fkind == "parameters" and path[0] == "classes"


def candidates(base: Base, fname: str) -> dict[str, list]:
    """Every candidate mutation of one file, by category, as thunks (built only when sampled)."""
    tree = base.tree[fname]
    text = base.text[fname]
    fkind = file_kind(fname)
    out: dict[str, list] = {c: [] for c in QUOTA[base.name]}
    nodes = list(walk(tree))
    required_file = fname not in ("declined.yaml",)
    if fname in ("definitions.yaml", "assumptions.yaml"):
        required_file = any(str(item.get("id")) in base.names_used(fname, ()) for item in tree or [])

    out["control"].append(lambda: _tree_mutation(base, fname, "control", "written back unchanged", tree, PASS))
    for path, node in nodes:
        if not path:
            continue
        key = path[-1]
        parent = get(tree, path[:-1])
        where = _show(path)
        if isinstance(parent, dict):
            out["delete-key"].append(lambda p=path, w=where: _tree_mutation(
                base, fname, "delete-key", w, _without(tree, p), expect_delete(base, fname, p)))
        elif isinstance(parent, list) and isinstance(node, dict):
            out["delete-item"].append(lambda p=path, w=where: _tree_mutation(
                base, fname, "delete-item", w, _without(tree, p), expect_delete(base, fname, p)))
        for new in WRONG_VALUES:
            if kind(new) == kind(node) or (kind(new) == "number" and kind(node) == "number"):
                continue
            out["wrong-type"].append(lambda p=path, n=new, w=where: _tree_mutation(
                base, fname, "wrong-type", f"{w}={n!r}", _with(tree, p, n), expect_set(base, fname, p, n)))
        if isinstance(node, list) and node:
            out["empty-list"].append(lambda p=path, w=where, m=_must_not_be_empty(fkind, path, parent): _tree_mutation(
                base, fname, "empty-list", w, _with(tree, p, []), FAIL if m else MAY))
        if isinstance(node, dict) and key != "values":  # (a dated parameter's values are keyed by date)
            out["unknown-key"].append(lambda p=path, n=node, w=where: _tree_mutation(
                base, fname, "unknown-key", f"{w}.bogus_key", _with(tree, p, {**n, "bogus_key": 1}), FAIL))
            for old in [k for k in node if isinstance(k, str) and len(k) > 3][:3]:
                ctx = context(fkind, path, node)
                if ctx in ("", "fact") and fkind in ("parameters", "facts") and len(path) < 2:
                    continue
                if ctx == "" and not isinstance(key, int) and key not in ("source", "from", "in_force", "applies_to",
                                                                         "approval", "position", "headroom"):
                    continue  # a mapping of names (parameters, params): a new name, not a misspelt key
                misspelt = old[:-2] + old[-1] + old[-2]
                if misspelt == old:
                    misspelt = old[:-1]
                renamed = {(misspelt if k == old else k): v for k, v in node.items()}
                out["misspelt-key"].append(lambda p=path, r=renamed, w=f"{where}.{old}->{misspelt}": _tree_mutation(
                    base, fname, "misspelt-key", w, _with(tree, p, r), FAIL))
        ref_key = key if isinstance(key, str) else (path[-2] if len(path) > 1 and isinstance(path[-2], str) else None)
        if isinstance(node, str) and ref_key in REFERENCE_KEYS and node.strip():
            if not (ref_key == "group" and fkind == "facts"):
                out["dangling-reference"].append(lambda p=path, n=node, w=where: _tree_mutation(
                    base, fname, "dangling-reference", f"{w}:{n}->{n}-x", _with(tree, p, n + "-x"), FAIL))
        if isinstance(node, str) and key == "finding":
            for placeholder in sorted(set(re.findall(r"\{([^{}]+)\}", node)))[:1]:
                out["dangling-reference"].append(lambda p=path, n=node, ph=placeholder, w=where: _tree_mutation(
                    base, fname, "dangling-reference", f"{w}:{{{ph}}}", _with(tree, p, n.replace(
                        "{" + ph + "}", "{" + ph + "_x}")), FAIL))
        if isinstance(node, str) and key in ("from", "before", "through") and "in_force" in path:
            word = re.match(r"\s*([a-z_]+)", node)
            if word:
                out["dangling-reference"].append(lambda p=path, n=node, wd=word.group(1), w=where: _tree_mutation(
                    base, fname, "dangling-reference", f"{w}:{n}", _with(tree, p, n.replace(wd, wd + "_x", 1)), FAIL))
        if key == "threshold" and isinstance(parent, dict) and "voters" in parent:
            for bad in BAD_THRESHOLDS:
                out["percent-range"].append(lambda p=path, b=bad, w=where: _tree_mutation(
                    base, fname, "percent-range", f"{w}={b}", _with(tree, p, b), FAIL))
            out["percent-range"].append(lambda p=path, w=where: _tree_mutation(
                base, fname, "percent-range", f"{w}=100%", _with(tree, p, "100%"), MAY))
        if isinstance(node, dict) and context(fkind, path, node) == "atom" and \
                base.fact_types.get(node.get("fact")) == "percent":
            if not isinstance(node.get("value"), dict):
                for bad in BAD_PERCENTS:
                    out["percent-range"].append(lambda p=path, b=bad, w=where: _tree_mutation(
                        base, fname, "percent-range", f"{w}.value={b}", _with(tree, p + ("value",), b), FAIL))
            for op, value in ((">=", 0), ("<", 0), (">", 100), ("<=", 100)):
                out["trivial-condition"].append(lambda p=path, n=node, o=op, v=value, w=where: _tree_mutation(
                    base, fname, "trivial-condition", f"{w}: {o} {v}", _with(tree, p, {**n, "op": o, "value": v}),
                    FAIL))
        in_condition_list = isinstance(key, int) and len(path) > 1 and path[-2] in ("all", "any") and \
            is_condition_path(path)
        if fkind != "parameters" and (in_condition_list or key in ("condition", "when") and is_condition_path(path)):
            for trivial in TRIVIAL_CONDITIONS:
                out["trivial-condition"].append(lambda p=path, t=trivial, w=where: _tree_mutation(
                    base, fname, "trivial-condition", f"{w}={t!r}", _with(tree, p, t), FAIL))
        if key == "quote" and isinstance(node, str):
            for short in SHORT_QUOTES:
                out["short-quote"].append(lambda p=path, s=short, w=where: _tree_mutation(
                    base, fname, "short-quote", f"{w}={s!r}", _with(tree, p, s), FAIL))
        if fkind == "parameters" and key == "value" and path[0] == "parameters":
            name = path[1]
            if PRICE.search(str(name)) and kind(node) == "number":
                for bad in BAD_PRICES:
                    out["non-positive-price"].append(lambda p=path, b=bad, w=where: _tree_mutation(
                        base, fname, "non-positive-price", f"{w}={b}", _with(tree, p, b), FAIL))
            if name in base.percent_params and kind(node) == "number":
                for bad in (169, -5, 100.5):
                    out["percent-range"].append(lambda p=path, b=bad, w=where: _tree_mutation(
                        base, fname, "percent-range", f"{w}={b}", _with(tree, p, b), FAIL))
            if kind(node) == "number" and name not in PARAMETER_KINDS and not PRICE.search(str(name)):
                for bad in BAD_NUMBERS:
                    out["bad-number"].append(lambda p=path, b=bad, w=where: _tree_mutation(
                        base, fname, "bad-number", f"{w}={b!r}", _with(tree, p, b), FAIL))
        if fkind == "parameters" and key == "issued_at_closing":
            for bad in BAD_NUMBERS + (1.5,):
                out["bad-number"].append(lambda p=path, b=bad, w=where: _tree_mutation(
                    base, fname, "bad-number", f"{w}={b!r}", _with(tree, p, b), FAIL))
    for path, node in nodes:  # the top of a file too
        if isinstance(node, list) and all(isinstance(i, dict) and "id" in i for i in node) and len(node) > 1:
            for i in range(min(len(node), 4)):
                j = (i + 1) % len(node)
                out["duplicate-id"].append(lambda p=path, i=i, j=j, w=f"{_show(path)}[{j}].id=[{i}].id": _tree_mutation(
                    base, fname, "duplicate-id", w, _with(tree, p + (j, "id"), get(tree, p)[i]["id"]), FAIL))
    if fkind == "rules":
        others = [r.get("id") for f in base.rule_files if f != fname for r in base.tree[f] or []]
        for other in others[:3]:
            out["duplicate-id"].append(lambda o=other: _tree_mutation(
                base, fname, "duplicate-id", f"0.id={o} (another file's rule)", _with(tree, (0, "id"), o), FAIL))
    if fkind == "parameters":
        for reserved in RESERVED_GROUPS:
            groups = copy.deepcopy(tree)
            groups["groups"][reserved] = {"name": f"A group called {reserved}"}
            out["reserved-group"].append(lambda g=groups, r=reserved: _tree_mutation(
                base, fname, "reserved-group", f"groups.{r}", g, FAIL))
            for existing in list(tree["groups"])[:1]:
                renamed = copy.deepcopy(tree)
                renamed["groups"] = {(reserved if k == existing else k): v for k, v in tree["groups"].items()}
                out["reserved-group"].append(lambda g=renamed, r=reserved, e=existing: _tree_mutation(
                    base, fname, "reserved-group", f"groups.{e}->{r}", g, FAIL))
    # Text-level: invalid YAML, an empty file, a missing one, bytes that are not UTF-8.
    lines = text.split("\n")
    key_lines = _key_lines(text)
    keyed = [i for i, line in enumerate(lines) if i in key_lines
             and re.match(r"^\s*(- )?[A-Za-z_][\w.-]*:( \S.*)?$", line) and not line.rstrip().endswith((">-", "|", ">"))]
    for i in keyed:
        line = lines[i]
        head, _, value = line.partition(": ")
        variants = [("unclosed-bracket", f"{head}: [{value or 'x'}"),
                    ("unclosed-quote", f'{head}: "{value or "x"}'),
                    ("undefined-alias", f"{head}: *nowhere"),
                    ("python-tag", f"{head}: !!python/object/apply:os.getcwd []"),
                    ("tab-indent", "\t" + line)]
        for name, new in variants:
            changed = lines[:i] + [new] + lines[i + 1:]
            out["invalid-yaml"].append(lambda c=changed, n=name, at=i: _text_mutation(
                base, fname, "invalid-yaml", f"{n}@{at + 1}", "\n".join(c), FAIL))
        if not line.lstrip().startswith("- ") and value:
            changed = lines[:i + 1] + [line] + lines[i + 1:]
            out["invalid-yaml"].append(lambda c=changed, at=i: _text_mutation(
                base, fname, "invalid-yaml", f"duplicate-key@{at + 2}", "\n".join(c), FAIL))
    expect = FAIL if required_file else MAY
    out["empty-file"].append(lambda: _text_mutation(base, fname, "empty-file", "empty", "", expect))
    out["empty-file"].append(lambda: _text_mutation(base, fname, "empty-file", "comments only",
                                                    "# nothing here\n# yet\n", expect))
    if fkind == "rules":
        out["empty-file"].append(lambda: _text_mutation(base, fname, "empty-file", "an empty list", "[]\n", FAIL))
    else:
        out["empty-file"].append(lambda: _text_mutation(
            base, fname, "empty-file", "an empty collection", "{}\n" if isinstance(tree, dict) else "[]\n", expect))
    out["missing-file"].append(lambda: _text_mutation(base, fname, "missing-file", "removed", None, expect))
    out["bad-encoding"].append(lambda: _text_mutation(
        base, fname, "bad-encoding", "latin-1 byte", text.encode()[:40] + b"\xe9\xff" + text.encode()[40:], FAIL))
    return out


def corpus(seed: int = SEED, scale: float = 1.0, bases: tuple = tuple(BASES)) -> list[Mutation]:
    """The corpus: for each base, file and category, up to its quota of candidates, sampled with
    the seed; always the same list for the same seed and bundled rulebooks."""
    rng = random.Random(seed)
    mutations: list[Mutation] = []
    _part.keep = True
    for base_name in bases:
        base = Base(base_name)
        for fname in base.files:
            for category, thunks in candidates(base, fname).items():
                quota = int(QUOTA[base_name][category] * scale)
                chosen = thunks if len(thunks) <= quota else rng.sample(thunks, quota)
                mutations.extend(thunk() for thunk in chosen)
        _DUMPS.clear()  # the parts of this base's tree
    seen: set = set()
    unique = []
    for m in mutations:
        if m.id not in seen:
            seen.add(m.id)
            unique.append(m)
    return unique


def materialize(mutation: Mutation, dest: Path) -> Path:
    """Write the mutated copy to `dest` (a new folder): the rulebook's YAML files copied, the
    one mutated, and its other folders linked."""
    source = BASES[mutation.base]
    dest.mkdir(parents=True, exist_ok=False)
    for entry in source.iterdir():
        if entry.is_dir():
            if entry.name in LINKED_DIRS:
                (dest / entry.name).symlink_to(entry, target_is_directory=True)
            continue
        if entry.name == mutation.file:
            continue
        shutil.copyfile(entry, dest / entry.name)
    if mutation.content is not None:
        (dest / mutation.file).write_bytes(mutation.content)
    return dest


# --- running one mutation ------------------------------------------------------------------------

PROBLEM = re.compile(r"^(?P<file>[^:]+?)(?::(?P<line>\d+))?: (?P<category>[a-z][a-z-]*): (?P<message>.+)$")
LINELESS = {"missing-file", "unreadable-file", "too-large"}  # problems about a whole file


def has_content(path: Path) -> bool:
    """Whether a file has a line a problem could point at (more than blanks and comments)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines())


@dataclass
class Outcome:
    mutation: Mutation
    result: str  # "refused", "loaded" or "crashed"
    seconds: float
    problems: list
    error: str = ""

    def faults(self, folder: Path) -> list[str]:
        """What is wrong with this outcome ([] when it is as the classification requires)."""
        m = self.mutation
        if self.result == "crashed":
            return [f"crashed: {self.error}"]
        if self.seconds > 10:
            return [f"took {self.seconds:.1f} s"]
        if self.result == "loaded":
            return [f"loaded, but it must be refused"] if m.expect == FAIL else []
        if m.expect == PASS:
            return ["refused a control: " + "; ".join(str(p) for p in self.problems[:3])]
        out = []
        located = False
        for p in self.problems:
            text = str(p)
            if "\n" in text or not PROBLEM.match(text):
                out.append(f"not one line file:line: category: message: {text!r}")
            path = Path(p.file)
            inside = path.resolve().parent == folder.resolve() or folder.resolve() in path.resolve().parents
            if not inside:
                out.append(f"names a file outside the rulebook: {text}")
            elif p.line is None and p.category not in LINELESS and has_content(path):
                out.append(f"no line, but {path.name} has lines: {text}")
            elif p.line is not None or not has_content(path):
                located = True
        if not self.problems:
            out.append("refused with no problem")
        elif not located:
            out.append("no problem names a file of the rulebook with its line")
        return out


def run_one(mutation: Mutation, folder: Path) -> Outcome:
    """Load the mutated copy in `folder` in-process, as `clausewise lint` does first."""
    from clausewise.errors import InputError
    from clausewise.rulebook import load_rulebook

    start = time.perf_counter()
    try:
        load_rulebook(folder)
    except InputError as exc:
        return Outcome(mutation, "refused", time.perf_counter() - start, exc.problems)
    except BaseException as exc:  # noqa: BLE001 - any other exception is the defect looked for
        if isinstance(exc, KeyboardInterrupt):
            raise
        import traceback
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return Outcome(mutation, "crashed", time.perf_counter() - start, [],
                       f"{type(exc).__name__}: {exc} at {Path(where.filename).name}:{where.lineno}")
    return Outcome(mutation, "loaded", time.perf_counter() - start, [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--summary", action="store_true", help="counts per mutation category")
    parser.add_argument("--run", action="store_true", help="load every mutation in-process and report faults")
    parser.add_argument("--only", default="", help="with --run: only mutations whose id contains this")
    parser.add_argument("--base", action="append", choices=list(BASES), help="only this bundled rulebook's mutations")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every quota (explore beyond the corpus)")
    parser.add_argument("--write", nargs=2, metavar=("ID", "DIR"), help="write one mutated copy to DIR")
    args = parser.parse_args(argv)
    mutations = corpus(args.seed, args.scale, tuple(args.base or BASES))
    if args.write:
        found = [m for m in mutations if m.id == args.write[0]]
        if not found:
            print(f"no mutation {args.write[0]!r}", file=sys.stderr)
            return 2
        print(materialize(found[0], Path(args.write[1])))
        return 0
    if args.summary or not args.run:
        by_category = Counter(m.category for m in mutations)
        expects = Counter((m.category, m.expect) for m in mutations)
        bases = Counter((m.category, m.base) for m in mutations)
        print(f"{len(mutations)} mutations (seed {args.seed}): "
              + ", ".join(f"{b} {sum(1 for m in mutations if m.base == b)}" for b in BASES)
              + "; " + ", ".join(f"{e} {sum(1 for m in mutations if m.expect == e)}" for e in (FAIL, MAY, PASS)))
        print(f"{'category':<22}{'total':>6}{'kestrel':>9}{'icg':>6}{'fail':>6}{'may':>6}{'pass':>6}")
        for category, n in sorted(by_category.items()):
            print(f"{category:<22}{n:>6}{bases[(category, 'kestrel-2021')]:>9}{bases[(category, 'icg-2000')]:>6}"
                  f"{expects[(category, FAIL)]:>6}{expects[(category, MAY)]:>6}{expects[(category, PASS)]:>6}")
        files = Counter(m.file for m in mutations)
        print("per file: " + ", ".join(f"{f} {n}" for f, n in sorted(files.items())))
    if args.run:
        import tempfile
        sys.path.insert(0, str(ROOT))
        results = Counter()
        bad = 0
        start = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            for index, m in enumerate(mutations):
                if args.only and args.only not in m.id:
                    continue
                folder = materialize(m, Path(tmp) / f"m{index}")
                outcome = run_one(m, folder)
                results[(outcome.result, m.expect)] += 1
                faults = outcome.faults(folder)
                if faults:
                    bad += 1
                    print(f"FAULT {m.id} [{m.expect}]: " + " | ".join(faults))
        print(f"{sum(results.values())} run in {time.perf_counter() - start:.1f} s: "
              + ", ".join(f"{r} ({e}) {n}" for (r, e), n in sorted(results.items())) + f"; faults {bad}")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
