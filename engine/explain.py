"""A finding's explanation, rendered for a person from the data evaluation recorded (`because`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_WORDS = {">": "after ", ">=": "on or after ", "<": "before ", "<=": "on or before "}  # a date against a date
OP_WORDS = {"==": "", ">": "more than ", ">=": "at least ", "<": "less than ", "<=": "at most ", "!=": "other than ",
            "in": "one of ", "not_in": "other than ", "includes": "including ", "excludes": "excluding "}


@dataclass(frozen=True)
class Words:
    """How an explanation names things. `labels`: each fact's label in the documents' terms;
    `names`: the documents' name for a value of the rulebook's vocabulary (a group, a security).
    With `plain`, facts and values keep their code names (JSON's `because` and `--explain`)."""

    labels: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    plain: bool = False

    def fact(self, name: str) -> str:
        return name if self.plain else self.labels.get(name, name)

    def value(self, value: Any) -> str:
        text = "unknown" if value is None else str(value)
        if self.plain:
            return text
        if ", " in text:
            return ", ".join(self.value(part) for part in text.split(", "))
        if text in self.names:
            return self.names[text]
        if "_" in text and text.replace("_", "").isalnum() and text.islower():
            return text.replace("_", " ")
        return text

    def test(self, fact: str, actual: Any, op: str, value: Any, holds: bool | None) -> str:
        """One test in words true of the figures: "label: 22.5059%, more than 17.5000%"; "..., not
        more than ..." where it does not hold."""
        if self.plain:
            return f"{fact} is {actual}, {'' if holds else 'not '}{op} {value}"
        label, shown, line = self.fact(fact), self.value(actual), self.value(value)
        if holds is None or actual is None or actual == "unknown":
            return f"{label}: unknown"
        if op == "==":
            # "in force, not not in force" says nothing the value does not: the value alone.
            return f"{label}: {shown}" if holds or line.startswith("not ") else f"{label}: {shown}, not {line}"
        words = DATE_WORDS.get(op) if DATE.fullmatch(str(value)) else None
        return f"{label}: {shown}, {'' if holds else 'not '}{words or OP_WORDS.get(op, op + ' ')}{line}"


PLAIN = Words(plain=True)


def fill_template(template: str, values: dict[str, str]) -> str:
    """Fill `{fact.name}` placeholders from display values; nothing in the template is executed.

    A placeholder that names no known fact stays as written.
    """
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def question_text(data: dict[str, Any], words: Words = PLAIN) -> str:
    """What a scenario must state about an instrument whose status is in question (see
    evaluate.instrument_question_data)."""
    name = data["document"]
    event = data.get("event")
    if event is None:
        return f"the scenario does not establish the instrument status of {name}"
    src = event.get("source")
    cite = f" ({src['cite']}: \"{src['quote']}\")" if src else ""
    assumption = f" ({event['assumption']})" if event.get("assumption") else ""
    state = (f"state it under instruments: {data['document_id']}: in_force, or terminated or cancelled with the date"
             if words.plain else "whether it is in force, or was terminated or cancelled and from what date, must be stated")
    return (f"the scenario does not establish the instrument status of {name} after {event['title']}{cite}; "
            f"{state}" + assumption)


def _outcome_word(outcome: str) -> str:
    return outcome.replace("_", " ").capitalize()


def _not_met(c: dict, words: Words) -> str:
    # An atom that holds can make a negated condition fail: say so rather than "not".
    if c["holds"]:
        return words.test(c["fact"], c["actual"], c["op"], c["value"], True) + ", which a negated part excludes"
    return words.test(c["fact"], c["actual"], c["op"], c["value"], False)


def _outside(f: dict, words: Words) -> str:
    """A scope test that fails: the label, the value found, and what the rule is for."""
    if words.plain:
        return f"{f['fact']} is {f['actual']}, " + ("which a negated part excludes" if f["negated"] else f"not {f['wanted']}")
    shown = f"{words.fact(f['fact'])}: {words.value(f['actual'])}"
    if f["negated"]:
        return shown + ", which a negated part excludes"
    if "value" not in f:
        return f"{shown}, not {f['wanted']}"
    line = words.value(f["value"])
    said = DATE_WORDS.get(f["op"]) if DATE.fullmatch(str(f["value"])) else None
    return f"{shown}, not {said or OP_WORDS.get(f['op'], '')}{line}"


def explanation(because: dict[str, Any], words: Words = PLAIN) -> str:
    """One paragraph saying why the rule reached its outcome: with `words`, in the documents'
    terms; without, with the code names of the facts and values."""
    kind = because.get("kind")
    if kind == "not_in_force":
        return f"Not in force on {because['as_of']}: {because['cite']} applies {because['in_force']}."
    if kind == "before_document_date":
        return f"Not in force on {because['as_of']}: {because['document']} is dated {because['date']}."
    if kind == "instrument_ended":
        where = f" ({because['stated_in']})" if because.get("stated_in") else ""
        note = f": {because['note']}" if because.get("note") else ""
        return (f"Not applicable: the scenario states {because['document']} {because['status']} from "
                f"{because['from']}{where}{note}.")
    if kind == "instrument_unknown":
        return "Cannot determine: " + question_text(because, words) + "."
    if kind == "out_of_scope":
        return "Does not apply to this action: " + "; ".join(_outside(f, words) for f in because["failing"]) + "."
    if kind == "scope_unknown":
        return ("Cannot tell whether the rule applies: unknown "
                + (", ".join(because["missing"]) if words.plain else "; ".join(words.fact(m) for m in because["missing"]))
                + ".")
    if kind == "exception":
        if words.plain:
            texts = [f"exception '{e['id']}' ({e['cite']}: \"{e['quote']}\")"
                     + (f", by limb {'; '.join(e['limbs'])}" if e.get("limbs") else "") for e in because["exceptions"]]
        else:
            texts = [f"{e['cite']} (\"{e['quote']}\")" + (f", by limb {'; '.join(e['limbs'])}" if e.get("limbs") else "")
                     for e in because["exceptions"]]
        return f"{_outcome_word(because['outcome'])} under " + "; ".join(texts) + "."
    if kind == "undetermined":
        missing = because["missing"]
        return ("Cannot determine: the scenario does not establish "
                + (", ".join(f"{m['fact']} ({m['description']})" for m in missing) if words.plain
                   else "; ".join(words.fact(m["fact"]) for m in missing)) + ".")
    if kind == "condition_not_met":
        parts = "; ".join(_not_met(c, words) for c in because["failed"])
        return f"{_outcome_word(because['outcome'])}: the condition of {because['cite']} is not met ({parts})."
    if kind == "breach":
        values = because["values"] if words.plain else {k: words.value(v) for k, v in because["values"].items()}
        text = fill_template(because["template"], values)
        if because["shown"]:
            text += " Shown by: " + "; ".join(
                f"{c['fact']} is {c['actual']}" if words.plain else f"{words.fact(c['fact'])}: {words.value(c['actual'])}"
                for c in because["shown"]) + "."
        return text
    return ""
