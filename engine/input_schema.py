"""A rulebook's own JSON Schemas for its scenarios and cap tables, for an editor.

engine/schemas/scenario.schema.json and captable.schema.json are general: right for a scenario
or cap table of any rulebook, they take any action kind, action field, party attribute, group,
security or document id a rulebook may declare. This module writes, for one rulebook, the same
schemas made specific by what the rulebook declares, as the loader reads it (`load_rulebook`):

- `action.kind`: the kinds facts.yaml declares (`action.kind` values), each with its fields: the
  engine's own for purchase, transfer, conversion and exercise, and for every kind the facts
  stated `from: {field, kinds}` (a dotted field a mapping of its parts), typed by the fact's type
  and described by its label;
- a party's attributes (facts.yaml `party_attributes`);
- the group ids (parameters.yaml `groups`) where a scenario or cap table names a group, the
  security ids (parameters.yaml `securities`) where it names a security and the holders' preferred
  series, the document ids (documents.yaml) of `instruments`, the term events
  (parameters.yaml `term_events`) of a history with their fields, and the `<class>_converted` /
  `<class>_retired` counts of the rulebook's classes of convertible preferred.

The two files are written to RULEBOOK_DIR/schemas/ and refer only to each other (a scenario's
inline cap table, instruments and history are the cap table schema's), so an editor resolves them
wherever the rulebook folder lives:

    python -m clausewise.input_schema RULEBOOK_DIR --write   # (re)write RULEBOOK_DIR/schemas/*.json
    python -m clausewise.input_schema RULEBOOK_DIR           # exit 1 if they are not what it writes
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

from .errors import InputError
from .facts import TRADE_KINDS, FactSpec, allowed_values
from .model import CAPITAL_KINDS, COMPANY, NO_GROUP
from .rulebook import Rulebook, load_rulebook
from .scenario import EVENT_KEYS, MAX_SHARES, converted_classes

GENERAL = Path(__file__).resolve().parent / "schemas"
SCENARIO, CAPTABLE = "scenario.schema.json", "captable.schema.json"
OUTPUT = "schemas"  # the folder of the rulebook the schemas are written to
ENGINE_KINDS = TRADE_KINDS + CAPITAL_KINDS


def general(name: str) -> dict:
    """One of the engine's general input schemas (engine/schemas/NAME), a fresh copy."""
    return json.loads((GENERAL / name).read_text(encoding="utf-8"))


def schemas(book: Rulebook) -> dict[str, dict]:
    """The rulebook's own scenario and cap table schemas, by file name."""
    return {SCENARIO: scenario_schema(book), CAPTABLE: captable_schema(book)}


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


# --- shared pieces -------------------------------------------------------------------------------


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else ""


def _labelled(label: str, meaning: str) -> str:
    """A declaration's label as a sentence, with its meaning where that says something else."""
    label, meaning = " ".join(label.split()).rstrip("."), " ".join(meaning.split()).rstrip(".")
    return _sentence(f"{label} ({meaning})" if meaning and meaning.lower() != label.lower() else label)


def _comment(book: Rulebook, name: str) -> str:
    return (f"Written by `python -m clausewise.input_schema <the {book.id} folder> --write` from the engine's general "
            f"{name} and this rulebook's facts.yaml, parameters.yaml and documents.yaml: do not edit by hand.")


def _group_schema(book: Rulebook, what: str, company: str) -> dict:
    """A group id of the rulebook, `none` or `company`."""
    groups = list(book.groups)
    names = [_sentence(str(spec.get("name") or gid)) for gid, spec in book.groups.items()]
    return {
        "enum": groups + [NO_GROUP, COMPANY],
        "description": f"{what}: a group of the rulebook (parameters.yaml `groups`: {', '.join(groups) or 'none'}), "
                       f"`{NO_GROUP}` for one in no group, or `{COMPANY}` for {company}.",
        "enumDescriptions": names + ["In no group of the rulebook.", "The Company itself."],
    }


def _securities(book: Rulebook, keep=lambda spec: True) -> list[str]:
    return [sid for sid, spec in book.securities.items() if keep(spec)]


def _security_enum(book: Rulebook, ids: list[str], description: str) -> dict:
    return {"enum": ids, "description": description,
            "enumDescriptions": [_sentence(str(book.securities[s].get("name") or s)) for s in ids]}


def _refs(node: Any):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


# --- the fields a rulebook declares for an action kind ---------------------------------------------


def _fact_value(spec: FactSpec, book: Rulebook) -> dict:
    """The schema of one stated value of a fact (null: not stated)."""
    kind = spec.type
    if kind == "bool":
        return {"type": ["boolean", "null"]}
    if kind == "shares":
        return {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_SHARES}
    if kind == "percent":
        return {"type": ["number", "null"], "minimum": 0, "maximum": 100}
    if kind == "money":
        return {"type": ["number", "null"], "minimum": 0}
    if kind == "text":
        return {"anyOf": [{"$ref": "#/$defs/text"}, {"type": "null"}]}
    if kind == "date":
        return {"anyOf": [{"$ref": "#/$defs/date"}, {"type": "null"}]}
    values = allowed_values(spec, list(book.securities), list(book.groups)) or []
    if kind == "set":
        return {"type": ["array", "null"], "items": {"enum": values}}
    return {"enum": values + [None]}


def _merge(a: dict, b: dict) -> dict:
    if a == b:
        return a
    if "enum" in a and "enum" in b:
        return {"enum": list(dict.fromkeys(a["enum"][:-1] + b["enum"][:-1])) + [None]}
    return {"anyOf": [a, b]}


def _hint(spec: FactSpec) -> str:
    """What a value of the fact is written as."""
    if spec.type == "percent":
        return "A percent, 0 to 100"
    if spec.type == "money":
        return f"An amount in {spec.unit or 'dollars'}"
    if spec.type == "shares":
        return "A whole number of shares"
    if spec.type == "date":
        return "A date, YYYY-MM-DD"
    if spec.type == "bool":
        return "true or false"
    if spec.type == "set":
        return "A list of the values listed"
    return ""


def _describe(specs: list[FactSpec]) -> str:
    """A field's description from the facts that declare it: label, meaning, how it is written."""
    parts: list[str] = []
    default = None
    for spec in specs:
        words = _labelled(spec.label, spec.meaning)
        if spec.to_company:
            words += " Only for an acquisition by the Company."
        hint = _hint(spec)
        words += f" {hint}." if hint else ""
        if words not in parts:
            parts.append(words)
        default = spec.default if spec.default is not None else default
    tail = (f"Not stated: {json.dumps(default) if isinstance(default, bool) else default}." if default is not None
            else "Left out: not stated, and a rule that needs it cannot decide.")
    return " ".join(parts + [tail, f"[facts.yaml: {', '.join(spec.name for spec in specs)}]"])


def action_fields(book: Rulebook, kind: str) -> tuple[dict, list[str]]:
    """The fields the rulebook declares for an action kind ({key: schema}, a dotted field as a
    mapping of its parts), and those that only an acquisition by the Company states."""
    found: dict[str, list[FactSpec]] = {}
    for spec in book.facts.values():
        if spec.key and kind in spec.kinds:
            found.setdefault(spec.key, []).append(spec)
    props: dict[str, dict] = {}
    to_company: list[str] = []
    for key, specs in found.items():
        value: dict | None = None
        for spec in specs:
            value = _fact_value(spec, book) if value is None else _merge(value, _fact_value(spec, book))
        head, _, tail = key.partition(".")
        if any(spec.to_company for spec in specs) and head not in to_company:
            to_company.append(head)
        schema = dict(value or {}, description=_describe(specs))
        if tail:
            holder = props.setdefault(head, {"type": ["object", "null"], "properties": {},
                                             "additionalProperties": False})
            holder["properties"][tail] = schema
        else:
            props[head] = schema
    for head, schema in props.items():
        if "properties" in schema and schema.get("additionalProperties") is False:
            schema["description"] = (f"`{head}`: " + "; ".join(
                f"{tail}: {found[f'{head}.{tail}'][0].label}" for tail in schema["properties"]) + ".")
    return props, to_company


# --- the scenario ----------------------------------------------------------------------------------


def _kind_description(kind: str, fields: dict) -> str:
    words = f"An action the rulebook declares (facts.yaml action.kind): {kind.replace('_', ' ')}."
    if fields:
        words += f" Its fields: {', '.join(fields)}."
    return words


def scenario_schema(book: Rulebook) -> dict:
    """The general scenario schema with the rulebook's action kinds, fields, party attributes,
    groups and securities."""
    schema = general(SCENARIO)
    defs = schema["$defs"]
    kinds = list(book.action_kinds) or list(ENGINE_KINDS)
    action = defs["action"]
    general_kinds = action["properties"]["kind"]["anyOf"][0]
    engine_text = dict(zip(general_kinds["enum"], general_kinds["enumDescriptions"]))

    # The rulebook's own kinds and their fields.
    own = [kind for kind in kinds if kind not in ENGINE_KINDS]
    for kind in own:
        fields, _ = action_fields(book, kind)
        text = _kind_description(kind, fields)
        defs[f"action.{kind}"] = {
            "type": "object",
            "description": text,
            "properties": {"kind": {"const": kind, "description": text}, **fields},
            "required": ["kind"],
            "additionalProperties": False,
        }
    # The engine's kinds the rulebook does not declare are refused by the loader: dropped.
    for kind in ENGINE_KINDS:
        if kind not in kinds:
            defs.pop(f"action.{kind}", None)
    if "purchase" not in kinds:
        defs.pop("action.companyBuysFromHolder", None)
    # A purchase and a transfer: the engine's keys and the fields the rulebook declares for them.
    for name, kind in (("action.purchase", "purchase"), ("action.transfer", "transfer"),
                       ("action.companyBuysFromHolder", "transfer")):
        if name not in defs:
            continue
        node = defs[name]
        fields, to_company = action_fields(book, kind)
        node["properties"].update(fields)
        node.pop("propertyNames", None)
        node["additionalProperties"] = False
        node["description"] = node["description"].split(" Any further key")[0] + (
            f" With the fields the rulebook declares for a {kind}: {', '.join(fields)}." if fields else "")
        if name == "action.transfer" and to_company:
            node["if"] = {"properties": {"to": {"not": {"anyOf": [
                {"const": COMPANY},
                {"type": "object", "required": ["group"], "properties": {"group": {"const": COMPANY}}}]}}}}
            node["then"] = {"properties": {key: False for key in to_company}}
    # Securities: the rulebook's (a purchase or transfer may also name a convertible the cap table states).
    every = _securities(book)
    for name in ("action.purchase", "action.transfer", "action.companyBuysFromHolder"):
        if name in defs:
            prop = defs[name]["properties"]["security"]
            prop.pop("type", None)
            prop.pop("examples", None)
            prop["anyOf"] = [_security_enum(book, every, "A security of the rulebook."),
                             {"type": "string", "description": "Another convertible the cap table declares under "
                                                               "`convertibles`."}]
    # A conversion and an exercise: the engine's keys and any further field the rulebook declares.
    for kind in ("conversion", "exercise"):
        if f"action.{kind}" in defs:
            node = defs[f"action.{kind}"]
            fields, _ = action_fields(book, kind)
            for key, field_schema in fields.items():
                node["properties"].setdefault(key, field_schema)
            node.pop("propertyNames", None)
            node["additionalProperties"] = False
            node["description"] = node["description"].split(" Any further key")[0] + (
                f" With the fields the rulebook declares for a {kind}: {', '.join(fields)}." if fields else "")
    if "action.conversion" in defs:
        ids = _securities(book, lambda s: s.get("class") == "preferred" and s.get("converts_to_common"))
        defs["action.conversion"]["properties"]["security"] = _security_enum(
            book, ids, "The series converted: a convertible preferred series of the rulebook.")
    if "action.exercise" in defs:
        ids = _securities(book, lambda s: s.get("class") == "warrant" and s.get("converts_to_common"))
        defs["action.exercise"]["properties"]["security"] = _security_enum(
            book, ids, "The warrant exercised: a warrant of the rulebook (left out: the rulebook's warrant).")
    defs["director"]["properties"]["elected_by"] = _security_enum(
        book, every, "The security whose holders elected the director under their own right. Not with approved_by.")

    action["properties"]["kind"] = {
        "enum": kinds,
        "description": "What is proposed: one of the action kinds the rulebook declares (facts.yaml action.kind).",
        "enumDescriptions": [engine_text.get(kind) or defs[f"action.{kind}"]["description"] for kind in kinds],
    }
    branches = [branch for branch in action["allOf"]
                if all(ref[len("#/$defs/"):] in defs for ref in _refs(branch))
                and "#/$defs/action.declared" not in set(_refs(branch))]
    branches += [{"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
                  "then": {"$ref": f"#/$defs/action.{kind}"}} for kind in own]
    action["allOf"] = branches
    defs.pop("action.declared", None)

    # A party: the group and the attributes the rulebook declares.
    party = defs["party"]
    party["properties"]["group"] = _group_schema(book, "The party's group", "the Company (a transfer to the "
                                                                              "Company)")
    for attr, spec in book.party_attributes.items():
        value = ({"type": ["boolean", "null"]} if spec.type == "bool"
                 else {"anyOf": [{"$ref": "#/$defs/text"}, {"type": "null"}]} if spec.type == "text"
                 else {"enum": list(spec.values or ()) + [None]})
        party["properties"][attr] = dict(value, description=f"{_labelled(spec.label, spec.meaning)} "
                                                            "[facts.yaml party_attributes]")
    party.pop("propertyNames", None)
    party["additionalProperties"] = False
    defs.pop("rulebookField", None)

    groups = list(book.groups)
    defs["actingAsGroup"]["items"]["items"] = {"enum": groups}
    defs["actingAsGroup"].pop("examples", None)
    votes = defs["vote"]["properties"]["votes"]
    votes["description"] += f" The rulebook's groups: {', '.join(groups) or 'none'}."
    votes.pop("examples", None)

    schema["title"] = f"clausewise scenario ({book.id})"
    schema["description"] = (f"A scenario of the rulebook {book.id} ({book.title}): a proposed action on a date, "
                             "against a cap table, for `clausewise check` and `vote`. Holder names, and whether "
                             "the figures hold together, are checked by `clausewise check`.")
    schema["$comment"] = _comment(book, f"engine/schemas/{SCENARIO}")
    _check_refs(schema)
    return schema


# --- the cap table ---------------------------------------------------------------------------------


def captable_schema(book: Rulebook) -> dict:
    """The general cap table schema with the rulebook's groups, securities, documents, term events
    and classes of convertible preferred."""
    schema = general(CAPTABLE)
    defs = schema["$defs"]
    preferred = _securities(book, lambda s: s.get("class") == "preferred")

    holder = defs["holder"]
    holder["properties"]["group"] = _group_schema(book, "The holder's group", "the Company itself (shares it "
                                                                               "holds in treasury)")
    for sid in preferred:
        spec = book.securities[sid]
        holder["properties"][sid] = {"$ref": "#/$defs/shares0", "description": "Shares held of "
                                     f"{spec.get('term') or spec.get('name') or sid} ({sid})."}
    holder["additionalProperties"] = False
    holder["description"] = "A holder of record and what it holds" + (
        f": Common, warrants and the rulebook's preferred series ({', '.join(preferred)})." if preferred else ".")

    # <class>_converted and <class>_retired for the rulebook's classes of convertible preferred.
    counts: dict[str, dict] = {}
    for class_id in converted_classes(book):
        counts[f"{class_id}_converted"] = {"$ref": "#/$defs/classConverted"}
        counts[f"{class_id}_retired"] = {"$ref": "#/$defs/classRetired"}
    for node in (schema, defs["inScenario"]):
        node.pop("patternProperties", None)
    schema["properties"].update(counts)
    defs["inScenario"]["properties"].update({key: {"$ref": f"#/properties/{key}"} for key in counts})
    if not counts:
        defs.pop("classConverted", None)
        defs.pop("classRetired", None)

    # instruments: the rulebook's documents.
    instruments = defs["instruments"]
    value = instruments.pop("additionalProperties")
    instruments.pop("propertyNames", None)
    instruments.pop("examples", None)
    instruments["properties"] = {doc_id: dict(value, description=f"{_sentence(doc.title)} ({doc.date}): "
                                              "`in_force`, or {status, from, note}.")
                                 for doc_id, doc in book.documents.items()}
    instruments["additionalProperties"] = False

    # The history: the engine's events with the rulebook's securities and groups, and its term events.
    terms = book.term_events
    engine_events = [kind for kind in EVENT_KEYS if kind not in terms]
    defs["event.conversion"]["properties"]["security"] = _security_enum(
        book, preferred, "The preferred series converted: a preferred series of the rulebook.")
    defs["event.transfer"]["properties"]["security"] = _security_enum(
        book, _securities(book), "The security transferred: a security of the rulebook.")
    defs["event.transfer"]["properties"]["to"]["else"]["properties"]["group"] = _group_schema(
        book, "The transferee's group", "the Company itself")
    for kind in EVENT_KEYS:
        if kind in terms:
            defs.pop(f"event.{kind}", None)
    for event_id, spec in terms.items():
        text = f"{_sentence(spec.title)} (parameters.yaml term_events.{event_id})"
        props: dict[str, Any] = {
            "date": {"$ref": "#/$defs/date", "description": "The date of the event (YYYY-MM-DD), in date order "
                                                            "with the other events."},
            "kind": {"const": event_id, "description": text},
        }
        for field, field_type in spec.fields:
            props[field] = FIELD_SCHEMAS[field_type](field)
        defs[f"event.{event_id}"] = {"type": "object", "description": text, "properties": props,
                                     "required": ["date", "kind", *(field for field, kind in spec.fields
                                                                    if kind != "optional_date")],
                                     "additionalProperties": False}
    defs.pop("termEvent", None)
    history_event = defs["historyEvent"]
    kinds = engine_events + list(terms)
    history_event["properties"]["kind"] = {
        "enum": kinds,
        "description": "What happened: conversion, exercise, transfer, issuance or repurchase (of Common), or a term "
                       "event of the rulebook (parameters.yaml `term_events`).",
        "enumDescriptions": [defs[f"event.{kind}"]["description"] for kind in kinds],
    }
    history_event["allOf"] = [{"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
                               "then": {"$ref": f"#/$defs/event.{kind}"}} for kind in kinds]

    schema["title"] = f"clausewise cap table ({book.id})"
    schema["description"] = (f"A cap table of the rulebook {book.id} ({book.title}): the Common Stock outstanding "
                             "and the holders of record with what each holds. Scenarios name it under `cap_table`. "
                             "Holder names, and whether the figures hold together, are checked by "
                             "`clausewise lint`.")
    schema["$comment"] = _comment(book, f"engine/schemas/{CAPTABLE}")
    _check_refs(schema)
    return schema


# A term event's field, by its declared type (parameters.yaml term_events.<id>.fields, with its formula's).
FIELD_SCHEMAS = {
    "date": lambda f: {"$ref": "#/$defs/date", "description": f"{f}: a date, not before the event."},
    "date_or_none": lambda f: {"anyOf": [{"$ref": "#/$defs/date"}, {"const": "none"}, {"type": "null"}],
                               "description": f"{f}: a date, not before the event, or `none`."},
    "optional_date": lambda f: {"$ref": "#/$defs/date", "description": f"{f}: a date, not before the event; may be "
                                                                      "left out (then unknown)."},
    "count": lambda f: {"type": "integer", "minimum": 1, "description": f"{f}: a whole number of shares, 1 or more."},
    "money": lambda f: {"type": "number", "minimum": 0, "description": f"{f}: an amount in dollars (e.g. 20.00)."},
}


def _check_refs(schema: dict) -> None:
    """Every local $ref of the schema points at a $def it keeps (a sibling file's are left alone)."""
    for ref in _refs(schema):
        if ref.startswith("#/$defs/"):
            assert ref[len("#/$defs/"):].split("/")[0] in schema["$defs"], ref


# --- the command line ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m clausewise.input_schema",
        description="Write (or check) a rulebook's own JSON Schemas for its scenarios and cap tables: "
                    "RULEBOOK_DIR/schemas/scenario.schema.json and captable.schema.json.")
    parser.add_argument("rulebook", metavar="RULEBOOK_DIR", help="the rulebook folder (e.g. rules/<rulebook>)")
    parser.add_argument("--write", action="store_true", help="write the files (without it: exit 1 if they differ "
                                                             "from what would be written)")
    args = parser.parse_args(argv)
    folder = Path(args.rulebook)
    try:
        book = load_rulebook(folder, check_quotes=False)
    except InputError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 2
    out = folder / OUTPUT
    stale = []
    for name, schema in schemas(book).items():
        path, text = out / name, render(schema)
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        if args.write:
            out.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"{path}: written")
        else:
            stale.append(path)
            print(f"{path}: {'missing' if current is None else 'out of date'} "
                  f"(python -m clausewise.input_schema {folder} --write)", file=sys.stderr)
    if stale:
        return 1
    if not args.write:
        print(f"{out}: up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
