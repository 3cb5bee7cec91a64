"""A finding's explanation, rendered for a person from the data evaluation recorded (`because`)."""

from __future__ import annotations

import re
from typing import Any

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")


def fill_template(template: str, values: dict[str, str]) -> str:
    """Fill `{fact.name}` placeholders from display values; nothing in the template is executed.

    A placeholder that names no known fact stays as written.
    """
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def question_text(data: dict[str, Any]) -> str:
    """What a scenario must state about an instrument whose status is in question (see
    evaluate.instrument_question_data)."""
    name = data["document"]
    event = data.get("event")
    if event is None:
        return f"the scenario does not establish the instrument status of {name}"
    src = event.get("source")
    cite = f" ({src['cite']}: \"{src['quote']}\")" if src else ""
    assumption = f" ({event['assumption']})" if event.get("assumption") else ""
    return (f"the scenario does not establish the instrument status of {name} after {event['title']}{cite}; "
            f"state it under instruments: {data['document_id']}: in_force, or terminated or cancelled with the date"
            + assumption)


def _outcome_word(outcome: str) -> str:
    return outcome.replace("_", " ").capitalize()


def _not_met(c: dict) -> str:
    # An atom that holds can make a negated condition fail: say so rather than "not".
    if c["holds"]:
        return f"{c['fact']} is {c['actual']}, so {c['op']} {c['value']} holds inside a negation"
    return f"{c['fact']} is {c['actual']}, not {c['op']} {c['value']}"


def explanation(because: dict[str, Any]) -> str:
    """One paragraph saying why the rule reached its outcome."""
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
        return "Cannot determine: " + question_text(because) + "."
    if kind == "out_of_scope":
        parts = "; ".join(f"{f['fact']} is {f['actual']}, "
                          + ("which a negated part excludes" if f["negated"] else f"not {f['wanted']}")
                          for f in because["failing"])
        return f"Does not apply to this action: {parts}."
    if kind == "scope_unknown":
        return "Cannot tell whether the rule applies: unknown " + ", ".join(because["missing"]) + "."
    if kind == "exception":
        texts = [f"exception '{e['id']}' ({e['cite']}: \"{e['quote']}\")"
                 + (f", by limb {'; '.join(e['limbs'])}" if e.get("limbs") else "") for e in because["exceptions"]]
        return f"{_outcome_word(because['outcome'])} under " + "; ".join(texts) + "."
    if kind == "undetermined":
        return ("Cannot determine: the scenario does not establish "
                + ", ".join(f"{m['fact']} ({m['description']})" for m in because["missing"]) + ".")
    if kind == "condition_not_met":
        parts = "; ".join(_not_met(c) for c in because["failed"])
        return f"{_outcome_word(because['outcome'])}: the condition of {because['cite']} is not met ({parts})."
    if kind == "breach":
        text = fill_template(because["template"], because["values"])
        if because["shown"]:
            text += " Shown by: " + "; ".join(f"{c['fact']} is {c['actual']}" for c in because["shown"]) + "."
        return text
    return ""
