"""YAML rulebooks -> validated rule objects; every rule-file problem is found here."""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from . import adjust, calc
from .beside import kept_beside
from .conditions import OPERATORS, All, AnyOf, Atom, Not, TrueCond, atoms, facts_of
from .documents import ELISION, document_text, quote_found
from .errors import ProblemList, did_you_mean, shown
from .facts import CORE_FACTS, FACT_TYPES, Constraint, FactSpec, PartyAttribute, allowed_values
from .measures import MEASURES, PARTIES, WHEN, Deal, Deferral, SecurityClass
from .model import (Assumption, Document, Exception_, Parameter, ParameterValue, RecordedTermEvent, Rule, Source,
                    StatusEvent, TermEffect, TermEvent, Version, COMPANY, NO_GROUP)
from .instruments import STATES
from .paths import document_path
from .yamlio import LineDict, LineList, load_yaml_shared

RULE_KEYS = ("id", "title", "source", "in_force", "applies_to", "condition", "unless", "outcome",
             "otherwise", "assumptions", "figures", "finding", "approval", "parameters", "versions",
             "instrument_gate")
VERSION_KEYS = ("id", "from", "title", "source", "condition", "finding", "note")
DEFINITION_VERSION_KEYS = ("id", "from", "title", "source", "note")
PARAMETER_VALUE_KEYS = ("value", "source", "note")
DECLINED_KEYS = ("id", "document", "section", "quote", "reason", "catalogue", "amends")
SOURCE_KEYS = ("document", "section", "quote")
EXCEPTION_KEYS = ("id", "title", "source", "condition")
IN_FORCE_KEYS = ("from", "before", "through")
APPLIES_KEYS = ("actions", "when")
DOCUMENT_KEYS = ("id", "code", "name", "title", "date", "parties", "file", "lines")
ASSUMPTION_KEYS = ("id", "title", "reading", "source", "alternative", "alternative_parameters", "catalogue")
DEFINITION_KEYS = ("id", "title", "source", "condition", "versions")
MANIFEST_KEYS = ("id", "title", "description", "rule_files", "arithmetic_assumptions", "approvals_of", "position",
                 "examples")
PARAMETER_FILE_KEYS = ("parameters", "securities", "classes", "groups", "instrument_events", "term_events")
TERM_EVENT_KEYS = ("title", "fields", "formula", "effects", "source")
TERM_EFFECT_KEYS = ("dividend_rate", "preference", "adjust", "label", "inverse", "effective_days_after", "de_minimis_pct",
                    "places", "warrant_shares", "only_raise", "before", "unless", "defer_until", "source", "assumption")
TERM_FIELD_TYPES = ("date", "date_or_none", "optional_date", "count", "money")
PARAMETER_FILE_REQUIRED = ("parameters", "securities", "groups")
EVENT_KEYS = ("title", "date", "puts_in_question", "source", "assumption")
PARAMETER_KEYS = ("value", "values", "source", "note", "evidence")
SECURITY_KEYS = ("name", "term", "class", "converts_to_common", "issued_at_closing", "on_transfer_outside_group", "instrument", "source",
                 "exercisable_from")
TRANSFER_CONVERSION_KEYS = ("group", "converts_into", "source")
GROUP_KEYS = ("name", "issued_series", "definition", "members")
APPROVAL_KEYS = ("body", "voters", "threshold")
CLASS_KEYS = ("name", "members", "as_converted", "held_by", "source")
FACTS_FILE_KEYS = ("facts", "party_attributes", "constraints")
FACT_KEYS = ("type", "unit", "label", "meaning", "values", "values_from", "from")
FROM_KEYS = ("field", "kinds", "party", "attribute", "measure", "params", "implied", "default", "to_company",
             "contradiction", "only_when", "needs", "instrument")
ATTRIBUTE_KEYS = ("type", "label", "meaning", "values")
CONSTRAINT_KEYS = ("when", "fields", "message")
POSITION_KEYS = ("terms", "summary", "groups", "columns", "notes", "headroom", "seat_rights", "events")
# A right to elect or designate directors while a group holds a threshold (engine/board.py):
# its group, citation, governing instrument, the right whose existence suspends it (if any),
# the threshold_holding params and the board_seats params of the seats it carries.
SEAT_RIGHT_KEYS = ("key", "label", "group", "cite", "instrument", "suspended_while", "params", "seats")
POSITION_EVENT_KEYS = ("rule", "label", "fact")
POSITION_ENTRY_KEYS = ("key", "label", "measure", "params", "parameter", "text", "show", "places", "cap")
COLUMN_KEYS = ("label", "value", "format")
COLUMN_FORMATS = ("shares", "pct", "cap", "headroom", "text")
HEADROOM_KEYS = ("fact", "key", "label")
SHOW_FIELDS = ("shares", "denominator", "pct", "pct_exact", "money", "decimal", "value")
THRESHOLD = re.compile(r"^(majority|unanimous|\d{1,3}(\.\d{1,4})?%)$")
# consequence: what the action brings about under the clause (a right that ends, an event that occurs)
OUTCOMES = ("violation", "obligation", "consequence", "approval_required")
PARAMETER_TYPES = {  # the parameters the arithmetic reads, and what each must be
    "closing_date": "date", "signing_date": "date", "first_dividend_payment_date": "date",
    "last_accretion_date": "date", "warrant_expiry": "date", "initial_liquidation_preference": "number",
    "dividend_rate": "number", "conversion_price": "price", "warrant_exercise_price": "price",
    "conversion_right_expiry": "date",
    # The conventions of the preferred's accretion and conversion (engine/calc.py), each stated
    # by the rulebook with its citation: the engine assumes none of them.
    "dividend_payment_interval_months": "months", "dividend_payment_day": "day_of_month",
    "dividend_payment_roll": "choice:" + "|".join(calc.PAYMENT_ROLLS),
    "business_day_calendar": "choice:" + "|".join(calc.CALENDARS),
    "day_count": "choice:" + "|".join(calc.DAY_COUNTS),
    "conversion_rounding": "choice:" + "|".join(calc.ROUNDINGS),
    "warrant_exercise_rounding": "choice:" + "|".join(calc.ROUNDINGS),
}
# What each kind of parameter must be, as an error message says it.
_PARAMETER_KIND_WORDS = {"date": "a date YYYY-MM-DD", "number": "a number >= 0",
                         "price": "a price per share, more than 0 (the Common issuable is the amount over it)", "months": "a whole number of months, 1 to 12",
                         "day_of_month": "a day of the month, 1 to 31, or last"}
# Convertible preferred: the terms its conversion and accretion are computed from.
CONVERTING_PARAMETERS = ("initial_liquidation_preference", "dividend_rate", "first_dividend_payment_date",
                         "last_accretion_date", "conversion_price", "dividend_payment_interval_months",
                         "dividend_payment_day", "dividend_payment_roll", "business_day_calendar", "day_count",
                         "conversion_rounding")


def _parameter_ok(kind: str, value: Any) -> bool:
    """Whether a parameter's value is of its kind (PARAMETER_TYPES)."""
    if kind == "date":
        return isinstance(value, date)
    if kind.startswith("choice:"):
        return isinstance(value, str) and value in kind[len("choice:"):].split("|")
    if isinstance(value, bool):
        return False
    if kind == "months":
        return isinstance(value, int) and 1 <= value <= 12
    if kind == "day_of_month":
        return value == "last" or (isinstance(value, int) and 1 <= value <= 31)
    if kind == "price":
        return isinstance(value, (int, Decimal)) and value > 0
    return isinstance(value, (int, Decimal)) and value >= 0
OTHERWISE = ("permitted", "not_applicable")
PERCENT_PLACES = 4  # thresholds are compared exactly as integers scaled by 10**4 (see compiler.py)
DATE_EXPR = re.compile(r"^\s*(?P<base>\d{4}-\d{2}-\d{2}|[a-z_][a-z0-9_]*)\s*(?:\+\s*(?P<n>\d+)\s*(?P<unit>[ymd]))?\s*$")


@dataclass
class Definition:
    id: str
    title: str
    source: Source | None
    raw: Any
    line: int
    versions: tuple[Version, ...] = ()  # the defined term's text over time, oldest first


@dataclass(frozen=True)
class Declined:
    """A provision deliberately not encoded, quoted, with the reason (Catala's way)."""

    id: str
    source: Source
    reason: str
    catalogue: str = ""
    amends: str = ""  # for an amendment's provision: the original text it replaces, as "document section"


_DEALS: dict[int, tuple] = {}  # id(rulebook) -> (a weak reference to it, {(span of dates or None, record): its Deal})
_STARTS: dict[int, tuple] = {}  # id(rulebook) -> (a weak reference to it, every date a parameter's value starts)


@dataclass(frozen=True)
class Adjusted:
    """A parameter as the record's anti-dilution events have adjusted it (Rulebook.adjustments)."""

    name: str
    value: Fraction
    carried: Fraction  # the factor carried forward, not yet applied (de minimis)
    steps: tuple  # (date in force, RecordedTermEvent, TermEffect, adjust.Step), in order


@dataclass
class Rulebook:
    """A deal's rulebook: documents, cited parameters, definitions, assumptions and rules."""

    id: str
    title: str
    description: str
    path: Path
    documents: dict[str, Document]
    parameters: dict[str, Parameter]
    securities: dict[str, dict]
    groups: dict[str, dict]
    definitions: dict[str, Definition]
    assumptions: dict[str, Assumption]
    rules: list[Rule] = field(default_factory=list)
    arithmetic_assumptions: list[str] = field(default_factory=list)  # readings behind engine/calc.py
    events: dict[str, StatusEvent] = field(default_factory=dict)  # events that put instruments in question
    term_events: dict[str, TermEvent] = field(default_factory=dict)  # events of a history that change the terms
    declined: list[Declined] = field(default_factory=list)  # provisions deliberately not encoded
    facts: dict[str, FactSpec] = field(default_factory=dict)  # facts.yaml: every fact a rule may test
    party_attributes: dict[str, PartyAttribute] = field(default_factory=dict)
    constraints: list[Constraint] = field(default_factory=list)
    classes: dict[str, SecurityClass] = field(default_factory=dict)
    position: dict = field(default_factory=dict)  # rulebook.yaml `position`: what `clausewise position` shows
    approvals_of: str = "the holders"  # rulebook.yaml `approvals_of`: whose approvals `vote` lists

    @functools.cached_property
    def instrument_status_facts(self) -> tuple:
        """The declared facts that are a document's status on the date (`from: {instrument: DOC}`)."""
        return tuple(spec for spec in self.facts.values() if spec.origin == "instrument")

    @property
    def action_kinds(self) -> tuple:
        """The action kinds the rulebook declares (facts.yaml action.kind values)."""
        spec = self.facts.get("action.kind")
        return tuple(spec.values or ()) if spec else ()

    def deal(self, on: date | None = None, record: tuple[RecordedTermEvent, ...] = ()) -> Deal:
        """The terms, securities, classes and parameters the measures read, each dated parameter
        as in force on `on` (the latest if None), with the changes to the terms that `record`
        (a cap table's term events) made; built once per rulebook, span of dates between the starts
        of parameters' values, and record, and kept
        beside the rulebook rather than on it (evaluation leaves the rulebook as loaded)."""
        # A dated parameter's value changes only on a date one of its values starts: the dates
        # between two such starts read the same terms, and share one Deal.
        starts = kept_beside(_STARTS, self, lambda: tuple(sorted({v.start for p in self.parameters.values()
                                                                  for v in p.values})))
        adjusted = self.adjustments(record, on) if any(r.outstanding is not None for r in record) else {}
        deferring = self.deferring(record, on) if on is not None and adjusted else ()
        asked = on
        if not starts or on is None:
            on, span = None, None
        else:
            span = bisect_right(starts, on)
        key = (span, record, tuple((a.name, len(a.steps)) for a in adjusted.values()),
               tuple((d[0], d[2], d[3]) for d in deferring))
        deals = kept_beside(_DEALS, self, dict)
        found = deals.get(key)
        if found is None:
            if len(deals) > 4096:  # bounded: records are as many as the cap tables read
                deals.clear()
            parameters = {name: _value_on(p, on) for name, p in self.parameters.items()}
            parameters.update({name: _number(a.value) for name, a in adjusted.items()})
            found = deals[key] = Deal(self.terms(on, record, adjusted), self.securities, self.classes, parameters,
                                      self.term_events, {name: a.carried for name, a in adjusted.items()},
                                      self._deferrals(record, asked, deferring))
        return found

    def deferring(self, record: tuple[RecordedTermEvent, ...], on: date) -> tuple:
        """The adjustments of the record in force on `on` whose effect may be deferred (`defer_until`:
        effective after the event's date, a record date, and deferrable until the date its field
        states) and whose event has not occurred by `on`: (parameter, effect, index of the event in
        the record, whether the field is unstated), each a conversion or exercise on `on` is
        after the record date of and before the event itself, or may be."""
        out = []
        for index, recorded in enumerate(record):
            spec = self.term_events.get(recorded.event)
            if spec is None or recorded.outstanding is None:
                continue
            for effect in spec.effects:
                if not (effect.adjust and effect.defer_until):
                    continue
                if not recorded.on + timedelta(days=effect.effective_days_after) <= on:
                    continue  # the adjustment is not in force yet: nothing additional to defer
                occurs = recorded.field(effect.defer_until)
                if occurs is None or on < occurs:
                    out.append((effect.adjust, effect, index, occurs is None))
        return tuple(out)

    def _deferrals(self, record: tuple[RecordedTermEvent, ...], on: date | None, deferring: tuple) -> dict:
        """Per parameter with a deferrable adjustment on `on` (see deferring): the value in force
        before those adjustments (the record without their events: later events keep the Common
        outstanding recorded with them), the events, and whether any leaves its date unstated."""
        out: dict = {}
        for name in dict.fromkeys(d[0] for d in deferring):
            mine = [d for d in deferring if d[0] == name]
            left = tuple(r for i, r in enumerate(record) if i not in {d[2] for d in mine})
            before = self.adjustments(left, on).get(name)
            value = before.value if before is not None else Fraction(Decimal(self.param(name, on)))
            out[name] = Deferral(parameter=name, before=_number(value), events=tuple(record[d[2]] for d in mine),
                                 effect=mine[0][1], unknown=any(d[3] for d in mine))
        return out

    def _dated_terms(self) -> bool:
        """Whether any parameter has dated values (else every date reads the same terms)."""
        return any(p.values for p in self.parameters.values())

    def param(self, name: str, on: date | None = None) -> Any:
        """A parameter's value: the one in force on `on`, or the latest when no date is given."""
        found = self.parameters[name].at(on)
        if found is None:
            param = self.parameters[name]
            ended = [v.start for v in param.values if v.value is None and (on is None or v.start <= on)]
            why = f"it was ended on {ended[-1]}" if ended else f"its first value is from {param.values[0].start}"
            problems = ProblemList()
            problems.add(str(self.path / "parameters.yaml"), param.values[0].line if param.values else None,
                         "no-value", f"parameter {name} has no value on {on}: {why}")
            problems.raise_if_any()
        return found.value

    def term_effects(self, record: tuple[RecordedTermEvent, ...]) -> list[tuple[RecordedTermEvent, TermEffect, str]]:
        """Each effect of each term event of a record, in date order, with why it does not apply
        ("" when it applies): its `before` date has passed, or its `unless` field was met in time."""
        out = []
        for recorded in sorted(record, key=lambda r: r.on):
            for effect in self.term_events[recorded.event].effects:
                why = ""
                if effect.before and not recorded.on < (deadline := self.param(effect.before, recorded.on)):
                    why = f"the event is not before {deadline} ({effect.before})"
                elif effect.unless_field:
                    met = recorded.field(effect.unless_field)
                    if isinstance(met, date) and met <= recorded.on + timedelta(days=effect.within_days):
                        why = (f"{effect.unless_field.replace('_', ' ')} {met}, within {effect.within_days} days "
                               f"of the event")
                out.append((recorded, effect, why))
        return out

    def adjustments(self, record: tuple[RecordedTermEvent, ...], on: date | None = None) -> dict[str, Adjusted]:
        """The parameters the record's anti-dilution events adjust (`adjust` effects), each as in
        force on `on` (every adjustment, if None): the value, the factor carried forward under
        the de minimis rule, and each step in date order with the event that made it.

        Steps run in the order they take effect; a price is adjusted from the value the
        parameter has on the step's date, so a value the rulebook dates later replaces the
        adjusted one from its own date."""
        pending = []
        for index, recorded in enumerate(record):
            spec = self.term_events.get(recorded.event)
            if spec is None or not spec.formula or recorded.outstanding is None:
                continue
            inputs = adjust.formula_inputs(spec.formula, dict(recorded.fields))
            formula = adjust.FORMULAS[spec.formula]
            for effect in spec.effects:
                if effect.adjust:
                    factor = None
                    if inputs is not None:
                        if formula.aggregate is not None:  # earlier events not adjusted for count too
                            inputs["earlier_" + formula.aggregate[0]] = adjust.unadjusted_earlier(
                                spec.formula, record, self.term_events, effect.adjust, recorded.on, index)
                        factor = formula.factor(recorded.outstanding, inputs)
                    takes = recorded.on + timedelta(days=effect.effective_days_after)
                    if on is None or takes <= on:
                        pending.append((takes, recorded, effect, factor))
        out: dict[str, Adjusted] = {}
        for takes, recorded, effect, factor in sorted(pending, key=lambda p: (p[0], p[1].on)):
            name = effect.adjust
            found = out.get(name)
            base = Fraction(Decimal(self.param(name, takes)))
            value, carried = (found.value, found.carried) if found is not None else (base, Fraction(1))
            steps = found.steps if found is not None else ()
            if factor is None:
                step = adjust.Step(value, value * carried, value, False, Fraction(1))
            else:
                used = 1 / factor if effect.inverse else factor
                minimum = self.param(effect.de_minimis_pct, takes) if effect.de_minimis_pct else None
                step, carried = adjust.apply(value, carried, used, minimum, effect.places)
                value = step.after
            out[name] = Adjusted(name, value, carried, steps + ((takes, recorded, effect, step),))
        return out

    def term_changes(self, record: tuple[RecordedTermEvent, ...]) -> tuple[calc.TermChange, ...]:
        """What the term events of a record do to the terms, in date order (see term_effects)."""
        changes = []
        for recorded, effect, why in self.term_effects(record):
            if why or effect.adjust:
                continue
            value = Fraction(Decimal(self.param(effect.dividend_rate or effect.preference, recorded.on)))
            changes.append(calc.TermChange(
                on=recorded.on, dividend_rate=value if effect.dividend_rate else None,
                preference=value if effect.preference else None, only_raise=effect.only_raise,
                event=recorded.event))
        return tuple(changes)

    def recorded_terms(self, record: tuple[RecordedTermEvent, ...]) -> list[dict]:
        """The record's term events as a report shows them: each effect, its value, whether it
        applies (and why not), its citation and the reading it relies on."""
        out = []
        for recorded, effect, why in self.term_effects(record):
            if effect.adjust:
                continue  # an anti-dilution adjustment: adjustments() reports it
            name = effect.dividend_rate or effect.preference
            value = Decimal(self.param(name, recorded.on))
            source = effect.source
            doc = self.documents.get(source.document) if source else None
            out.append({
                "event": recorded.event, "title": self.term_events[recorded.event].title,
                "date": recorded.on.isoformat(), "fields": {k: (v.isoformat() if isinstance(v, date) else v)
                                                            for k, v in recorded.fields},
                "changes": "dividend_rate" if effect.dividend_rate else "preference", "parameter": name,
                "value": str(value), "applies": not why, "why_not": why or None,
                "only_raise": effect.only_raise,
                "cite": f"{doc.code if doc and doc.code else source.document} {source.section}" if source else None,
                "quote": source.quote if source else None, "assumption": effect.assumption or None,
                "recorded_at": f"{recorded.file}:{recorded.line}" if recorded.line else recorded.file,
            })
        on = max((r.on for r in record), default=None)
        for adjusted in self.adjustments(record).values() if on is not None else ():
            for takes, recorded, effect, step in adjusted.steps:
                source = effect.source
                doc = self.documents.get(source.document) if source else None
                why = ("" if step.made else "the change is less than the de minimis percentage and is carried forward"
                       if step.factor != 1 else "the formula's condition is not met")
                out.append({
                    "event": recorded.event, "title": self.term_events[recorded.event].title,
                    "date": recorded.on.isoformat(),
                    "fields": {k: (v.isoformat() if isinstance(v, date) else str(v)) for k, v in recorded.fields},
                    "changes": "adjustment", "parameter": adjusted.name, "label": effect.label or adjusted.name,
                    "value": _shown(step.after, effect.places), "before": _shown(step.before, effect.places),
                    "effective": takes.isoformat(),
                    "applies": step.made, "why_not": why or None, "only_raise": False,
                    "cite": f"{doc.code if doc and doc.code else source.document} {source.section}" if source else None,
                    "quote": source.quote if source else None, "assumption": effect.assumption or None,
                    "recorded_at": f"{recorded.file}:{recorded.line}" if recorded.line else recorded.file,
                })
        return out

    def terms(self, on: date | None = None, record: tuple[RecordedTermEvent, ...] = (),
              adjusted: dict[str, Adjusted] | None = None) -> calc.Terms:
        """The stated numbers the exact arithmetic needs, each as in force on `on` (the latest if
        None), with the changes the record's term events made (`adjusted`: the anti-dilution
        adjustments in force then, worked out from the record if not given); None where the
        rulebook states none."""
        if adjusted is None:
            adjusted = self.adjustments(record, on) if any(r.outstanding is not None for r in record) else {}

        def value(name: str, number: bool = False) -> Any:
            if name in adjusted:
                return _number(adjusted[name].value)
            if name not in self.parameters:
                return None
            found = self.param(name, on)
            return Decimal(found) if number else found

        closing = value("closing_date")
        return calc.Terms(
            closing_date=closing,
            initial_liquidation_preference=value("initial_liquidation_preference", True),
            dividend_rate=value("dividend_rate", True),
            first_dividend_payment_date=value("first_dividend_payment_date"),
            last_accretion_date=value("last_accretion_date"),
            conversion_price=value("conversion_price", True),
            warrant_expiry=value("warrant_expiry"),
            standstill_conversion_date=value("standstill_conversion_date") or closing,
            dividend_payment_interval_months=value("dividend_payment_interval_months"),
            dividend_payment_day=value("dividend_payment_day"),
            dividend_payment_roll=value("dividend_payment_roll"),
            business_day_calendar=value("business_day_calendar"),
            day_count=value("day_count"),
            conversion_rounding=value("conversion_rounding"),
            exercise_rounding=value("warrant_exercise_rounding"),
            changes=self.term_changes(record) if record else (),
        )

    def parameters_used(self, rule: Rule, on: date) -> list[dict]:
        """The parameters a rule uses, each with the value in force on `on` and its citation."""
        return [_parameter_entry(self, name, self.parameters[name].at(on)) for name in rule.parameters]

    def versions_applied(self, rule: Rule, on: date) -> list[dict]:
        """The version in force on `on` of the rule and of each definition it uses that has versions."""
        out = []
        if rule.versions:
            out.append(_version_entry(self, "rule", rule.id, version_at(rule.versions, on)))
        for def_id in rule.definitions:
            definition = self.definitions.get(def_id)
            if definition is not None and definition.versions:
                out.append(_version_entry(self, "definition", def_id, version_at(definition.versions, on)))
        return out

    def document(self, doc_id: str) -> Document:
        return self.documents[doc_id]

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def _shown(value: Fraction, places: int | None) -> str:
    """An adjusted value for a report: to its places (a price to the cent), else exact."""
    return str(calc._round_half_up(value, places)) if places is not None else str(_number(value))


def _number(value: Fraction) -> Decimal | Fraction:
    """An adjusted parameter's value: a Decimal where it has a finite decimal expansion (a price
    rounded to the cent), else the exact Fraction (a threshold factor)."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return value
    return Decimal(value.numerator) / Decimal(value.denominator)


def _value_on(param: Parameter, on: date | None) -> Any:
    """A parameter's value in force on `on` (the latest if None), None where it has none then."""
    found = param.at(on)
    return found.value if found is not None else None


def version_at(versions: tuple[Version, ...], on: date) -> Version:
    """The version in force on `on`: the latest that started on or before it (the first, before any)."""
    current = versions[0]
    for version in versions:
        if version.start <= on:
            current = version
    return current


def _cite(book: Rulebook, source: Source | None) -> dict:
    if source is None:
        return {}
    doc = book.documents.get(source.document)
    code = doc.code if doc and doc.code else source.document
    return {"document": source.document, "section": source.section, "quote": source.quote,
            "cite": f"{code} {source.section}"}


def _parameter_entry(book: Rulebook, name: str, found: ParameterValue | None) -> dict:
    if found is None:
        return {"name": name, "value": None, "from": None}
    value = found.value.isoformat() if isinstance(found.value, date) else str(found.value)
    start = None if found.start == date.min else found.start.isoformat()
    return {"name": name, "value": value, "from": start, **_cite(book, found.source)}


def _version_entry(book: Rulebook, kind: str, provision: str, version: Version) -> dict:
    return {"provision": provision, "kind": kind, "version": version.id, "from": version.start.isoformat(),
            "title": version.title, **_cite(book, version.source)}


# --- helpers ----------------------------------------------------------------------------------


class _Ctx:
    """Where we are while validating: the file being read and the problems found so far."""

    def __init__(self, problems: ProblemList, file: str):
        self.problems = problems
        self.file = file

    def add(self, node: Any, key: str | None, category: str, message: str, line: int | None = None) -> None:
        """A problem at `node` (a mapping: at `key`'s line, or its own; a list: its line; a
        line number itself), else at `line` (where the value that is not a mapping or list sits)."""
        found = None
        if isinstance(node, LineDict):
            found = node.line_of(key) if key is not None else node.line
        elif isinstance(node, LineList):
            found = node.line
        elif isinstance(node, int) and not isinstance(node, bool):
            found = node
        self.problems.add(self.file, found or line, category, message)


def _line(node: Any, key: Any = None, fallback: int | None = None) -> int | None:
    """The line of a YAML node (of one of its keys, for a mapping), else `fallback`: a scalar
    keeps no line, so a problem with it is reported where its parent put it."""
    if isinstance(node, LineDict):
        return node.line_of(key) if key is not None else node.line
    if isinstance(node, LineList):
        return node.line
    return fallback


def _item_line(items: Any, index: int, fallback: int | None = None) -> int | None:
    """The line of the index-th item of a YAML list."""
    lines = getattr(items, "item_lines", None)
    return lines[index] if lines and index < len(lines) else _line(items, fallback=fallback)


def _is_name(value: Any) -> bool:
    """Whether a value can name something (an id, a fact, a parameter): text, never a list,
    a mapping, a number or true/false (which would also be unhashable or silently coerced)."""
    return isinstance(value, str)


def _check_keys(ctx: _Ctx, node: Any, allowed: tuple, what: str, required: tuple = (),
                line: int | None = None) -> bool:
    """Whether `node` is a mapping (reported if not, at `line` where it is a scalar); reports
    each key it has that is not `allowed` and each `required` key it lacks."""
    if not isinstance(node, dict):
        ctx.add(_line(node, fallback=line), None, "wrong-type", f"{what}: expected a mapping, got {shown(node)}")
        return False
    for key in node:
        if key not in allowed:
            ctx.add(node, key, "unknown-key", f"{what}: unknown key '{key}'{did_you_mean(key, allowed)}")
    for key in required:
        if key not in node or node[key] in (None, ""):
            ctx.add(node, None, "missing-field", f"{what}: missing '{key}'")
    return True


def _has(node: Any, keys: tuple) -> bool:
    """Whether a mapping has every one of `keys` with a value (a missing one is reported by _check_keys)."""
    return isinstance(node, dict) and all(node.get(k) not in (None, "") for k in keys)


def _string(ctx: _Ctx, node: dict, key: str, what: str, required: bool = True) -> str:
    value = node.get(key)
    if value is None:
        if required:
            ctx.add(node, None, "missing-field", f"{what}: missing '{key}'")
        return ""
    if not isinstance(value, (str, int, Decimal)) or isinstance(value, bool):
        ctx.add(node, key, "wrong-type", f"{what}.{key}: expected text, got {shown(value)}")
        return ""
    return str(value)


def _text(ctx: _Ctx, node: Any, key: str, what: str) -> str:
    """An optional text of a mapping (a title, a label, a note): words, or a number as written;
    true/false, a date, a list or a mapping is refused. Whitespace is collapsed."""
    if not isinstance(node, dict):
        return ""
    return " ".join(_string(ctx, node, key, what, required=False).split())


def _plain(value: Any) -> str:
    """A text read again where it is checked elsewhere: its words, or "" if it is not text."""
    if isinstance(value, (str, int, Decimal)) and not isinstance(value, bool):
        return " ".join(str(value).split())
    return ""


def _names(ctx: _Ctx, node: dict, key: str, what: str, non_empty: bool = False) -> list[str]:
    """A list of names under `key` (rule assumptions, figures, members): absent is empty; a
    value that is not a list, or an item that is not text, is refused."""
    raw = node.get(key)
    if raw is None:
        if non_empty:
            ctx.add(node, None, "missing-field", f"{what}: missing '{key}'")
        return []
    if not isinstance(raw, list) or (non_empty and not raw):
        ctx.add(node, key, "wrong-type", f"{what}.{key}: expected a {'non-empty ' if non_empty else ''}list, "
                                         f"got {shown(raw) if raw != [] else 'an empty list'}")
        return []
    out = []
    for index, item in enumerate(raw):
        if not _is_name(item) or not item.strip():
            ctx.add(_item_line(raw, index, _line(node, key)), None, "wrong-type",
                    f"{what}.{key}: each item is a name (text), got {shown(item)}")
            continue
        out.append(item)
    return out


# A quote must identify the place in the document it is taken from. The shortest quotes of the
# bundled rulebooks are a six-word date clause ("this 7th day of April, 2000.", 21 letters and
# digits) and three-word fragments around an elision; a three-word quote with its figure
# ("exceeds 75,000 shares") still finds one place. Anything shorter than three words, or than
# fifteen letters and digits, once "[...]" is taken out ("the Company", "Section 3.1", "5",
# "[...]") occurs all over any agreement and would be "found verbatim" while pinning down no
# provision at all.
QUOTE_MIN_WORDS = 3
QUOTE_MIN_CHARACTERS = 15  # letters and digits


def _quote_too_short(quote: str) -> str:
    """Why a quote is too short to identify its place ("" if it is long enough)."""
    words = " ".join(quote.replace(ELISION, " ").split())
    characters = sum(1 for c in words if c.isalnum())
    count = len([w for w in words.split() if any(c.isalnum() for c in w)])
    if count < QUOTE_MIN_WORDS or characters < QUOTE_MIN_CHARACTERS:
        return (f"{count} word{'s' if count != 1 else ''}, {characters} letters or digits once '{ELISION}' is "
                f"taken out; a quote needs at least {QUOTE_MIN_WORDS} words and {QUOTE_MIN_CHARACTERS} letters or "
                f"digits to identify its place in the document")
    return ""


def _date_expr(ctx: _Ctx, node: dict, key: str, what: str, params: dict[str, Parameter]) -> date | None:
    raw = node.get(key)
    if isinstance(raw, date):
        return raw
    m = DATE_EXPR.match(str(raw)) if isinstance(raw, str) else None
    if not m:
        ctx.add(node, key, "bad-date", f"{what}.{key}: expected a date (YYYY-MM-DD) or 'parameter + Ny|Nm|Nd', got {raw!r}")
        return None
    base_text = m.group("base")
    if base_text[0].isdigit():
        try:
            base = date.fromisoformat(base_text)
        except ValueError:
            ctx.add(node, key, "bad-date", f"{what}.{key}: {base_text} is not a calendar date")
            return None
    else:
        param = params.get(base_text)
        if param is None or not isinstance(param.value, date):
            dates = [n for n, p in params.items() if isinstance(p.value, date)]
            ctx.add(node, key, "bad-date",
                    f"{what}.{key}: '{base_text}' is not a date parameter{did_you_mean(base_text, dates)}")
            return None
        base = param.value
    if m.group("n"):
        n, unit = int(m.group("n")), m.group("unit")
        if unit == "y":
            return calc.anniversary(base, n)
        if unit == "m":
            month = base.month - 1 + n
            year, month = base.year + month // 12, month % 12 + 1
            day = base.day
            while True:
                try:
                    return date(year, month, day)
                except ValueError:
                    day -= 1
        return base + timedelta(days=n)
    return base


def _source(ctx: _Ctx, node: Any, what: str, book: "_Loading", require_quote: bool = True,
            line: int | None = None) -> Source | None:
    """A citation {document, section, quote}; `line` is where it sits, for one that is not a mapping."""
    if node is None:
        return None
    if not _check_keys(ctx, node, SOURCE_KEYS, what, ("document", "section") + (("quote",) if require_quote else ()),
                       line=line):
        return None
    doc_id = _string(ctx, node, "document", what, required=False)  # presence checked just above
    section = _string(ctx, node, "section", what, required=False)
    quote = _string(ctx, node, "quote", what, required=False)
    _check_cited(ctx, node, what, doc_id, quote, book, quote_required=require_quote)
    return Source(doc_id, section, " ".join(quote.split()))


def _check_cited(ctx: _Ctx, node: Any, what: str, doc_id: str | None, quote: str | None, book: "_Loading",
                 quote_required: bool = True) -> None:
    """A citation names a document of documents.yaml, and its quote (where it states one) is
    long enough to identify its place and is in that document verbatim."""
    raw = node.get("quote")
    stated = isinstance(raw, (str, int, Decimal)) and not isinstance(raw, bool) and not (quote_required and raw == "")
    short = _quote_too_short(quote or "") if stated else ""
    if short:
        ctx.add(node, "quote", "bad-value", f"{what}.quote: too short: {short}")
    if doc_id and doc_id not in book.documents:
        ctx.add(node, "document", "dangling-reference",
                f"{what}.document: no document '{doc_id}' in documents.yaml{did_you_mean(doc_id, book.documents)}")
    elif doc_id and quote and book.check_quotes and not short:
        text = book.document_text(doc_id)
        if text is not None and not quote_found(quote, text):
            ctx.add(node, "quote", "quote-not-found",
                    f"{what}.quote: not found verbatim in {doc_id} ({book.documents[doc_id].file})")


class _Loading:
    """State shared while one rulebook folder is read."""

    def __init__(self, path: Path, problems: ProblemList, check_quotes: bool, overrides: dict[str, Any] | None = None):
        self.path = path
        self.problems = problems
        self.check_quotes = check_quotes
        self.overrides = dict(overrides or {})  # parameter -> value under a reading's alternative
        self.documents: dict[str, Document] = {}
        self.parameters: dict[str, Parameter] = {}
        self.securities: dict[str, dict] = {}
        self.groups: dict[str, dict] = {}
        self.classes: dict[str, SecurityClass] = {}
        self.facts: dict[str, FactSpec] = {}
        self.party_attributes: dict[str, PartyAttribute] = {}
        self.constraints: list[Constraint] = []
        self.events: dict[str, StatusEvent] = {}
        self.event_nodes: dict[str, tuple[_Ctx, Any]] = {}  # for the assumption check, once assumptions are read
        self.term_events: dict[str, TermEvent] = {}
        self.term_assumptions: list[tuple[_Ctx, Any, str]] = []  # (ctx, effect node, where) to check
        self.adjusted: dict[str, str] = {}  # parameter -> the term event whose formula adjusts it
        self.fact_needs: list = []  # (ctx, node, what, facts) of each `needs`, checked once every fact is read
        self.definitions: dict[str, Definition] = {}
        self.raw_definitions: dict[str, Any] = {}
        self.parsed_definitions: dict[str, Any] = {}
        self._texts: dict[str, str | None] = {}
        # What each definition (and the rule being read, under "") refers to, for the findings
        # that name the definitions' versions and the parameters used.
        self.parsing: list[str] = []
        self.def_refs: dict[str, list[str]] = {}
        self.def_params: dict[str, list[str]] = {}

    @property
    def owner(self) -> str:
        return self.parsing[-1] if self.parsing else ""

    def closure(self, names: list[str], table: dict[str, list[str]]) -> list[str]:
        """Definitions reachable from `names` (refs of refs too), or what `table` maps them to."""
        out: list[str] = []
        todo = list(names)
        while todo:
            name = todo.pop(0)
            if name in out:
                continue
            out.append(name)
            todo.extend(self.def_refs.get(name, []))
        if table is self.def_refs:
            return out
        return list(dict.fromkeys(p for name in out for p in table.get(name, [])))

    @property
    def action_kinds(self) -> tuple:
        spec = self.facts.get("action.kind")
        return tuple(spec.values or ()) if spec else ()

    def document_text(self, doc_id: str) -> str | None:
        if doc_id not in self._texts:
            doc = self.documents[doc_id]
            path = document_path(self.path, doc.file)
            self._texts[doc_id] = document_text(path, doc.lines) if doc.file and path.is_file() else None
        return self._texts[doc_id]

    def display(self, name: str) -> str:
        try:
            return str((self.path / name).relative_to(Path.cwd()))
        except ValueError:
            return str(self.path / name)


def _first_line(path: Path) -> int | None:
    """The first line of a file that holds YAML (not blank, not a comment): where a problem with
    the file's whole content is reported."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, 1):
                if text.strip() and not text.lstrip().startswith("#"):
                    return number
    except OSError:
        return None
    return None


def _load_file(book: _Loading, name: str, required: bool = True) -> tuple[_Ctx, Any, bool]:
    """One YAML file of the folder: its context, its content, and whether it exists (a missing
    required file is reported)."""
    file = book.path / name
    ctx = _Ctx(book.problems, book.display(name))
    if not file.is_file():
        if required:
            ctx.add(None, None, "missing-file", "no such file in the rulebook folder" if not file.exists() else
                    "not a file")
        return ctx, None, False
    return ctx, load_yaml_shared(file, ctx.file), True


def _load_list(book: _Loading, name: str, required: bool = True) -> tuple[_Ctx, LineList]:
    ctx, data, _ = _load_file(book, name, required)
    if data is None:
        return ctx, LineList()
    if not isinstance(data, list):
        ctx.add(_line(data, fallback=_first_line(book.path / name)), None, "wrong-type",
                f"expected a list at the top of {name}, got {shown(data)}")
        return ctx, LineList()
    return ctx, data


def _load_mapping(book: _Loading, name: str, what: str, allowed: tuple, required_keys: tuple,
                  required: bool = True) -> tuple[_Ctx, Any]:
    """A file whose top is a mapping (parameters.yaml, facts.yaml): its context and content, or
    None (reported) when it is missing, empty or not a mapping."""
    ctx, data, exists = _load_file(book, name, required)
    if not exists:
        return ctx, None
    if data is None:
        if required:
            ctx.add(_first_line(book.path / name), None, "missing-field",
                    f"{name} is empty: expected a mapping with {', '.join(required_keys)}")
        return ctx, None
    if not _check_keys(ctx, data, allowed, what, required_keys, line=_first_line(book.path / name)):
        return ctx, None
    return ctx, data


def _ids(ctx: _Ctx, item: dict, seen: dict, what: str) -> str:
    item_id = _string(ctx, item, "id", what, required=False)  # presence checked by _check_keys
    if item_id in seen:
        ctx.add(item, "id", "duplicate-id", f"{what}: id '{item_id}' already used at line {seen[item_id]}")
    seen[item_id] = item.line_of("id") if isinstance(item, LineDict) else 0
    return item_id


# --- sections of the rulebook -----------------------------------------------------------------


def _load_documents(book: _Loading) -> None:
    ctx, items = _load_list(book, "documents.yaml")
    seen: dict = {}
    for index, item in enumerate(items):
        if not _check_keys(ctx, item, DOCUMENT_KEYS, "document", ("id", "title", "date", "file"),
                           line=_item_line(items, index)):
            continue
        doc_id = _ids(ctx, item, seen, "document")
        when = item.get("date")
        if not isinstance(when, date):
            ctx.add(item, "date", "bad-date", f"document {doc_id}: date must be YYYY-MM-DD, got {when!r}")
        lines = item.get("lines")
        if lines is not None and not (isinstance(lines, list) and len(lines) == 2 and all(
                isinstance(x, int) and not isinstance(x, bool) for x in lines) and 1 <= lines[0] <= lines[1]):
            ctx.add(item, "lines", "wrong-type", f"document {doc_id}: lines must be [first, last], whole numbers "
                                                 f"from 1, the first not after the last")
            lines = None
        file = _string(ctx, item, "file", f"document {doc_id}", required=False)
        if file and not _inside(book.path, file):
            ctx.add(item, "file", "bad-value", f"document {doc_id}: file {file} is outside the rulebook folder "
                                               f"(name it relative to the folder, e.g. documents/NAME.txt)")
        elif file and not document_path(book.path, file).is_file():
            ctx.add(item, "file", "dangling-reference", f"document {doc_id}: no file {file} in the rulebook folder")
        parties = _names(ctx, item, "parties", f"document {doc_id}")
        book.documents[doc_id] = Document(
            id=doc_id, title=_string(ctx, item, "title", "document", required=False),
            date=when if isinstance(when, date) else None,
            parties=tuple(parties), file=file,
            lines=tuple(lines) if lines else None, code=_text(ctx, item, "code", f"document {doc_id}"),
            name=_text(ctx, item, "name", f"document {doc_id}"),
        )


def _inside(folder: Path, name: str) -> bool:
    """Whether a file named relative to the rulebook folder is inside it (no absolute path, no '..')."""
    relative = Path(name)
    return not relative.is_absolute() and ".." not in relative.parts


def _load_parameters(book: _Loading) -> None:
    ctx, data = _load_mapping(book, "parameters.yaml", "parameters.yaml", PARAMETER_FILE_KEYS,
                              PARAMETER_FILE_REQUIRED)
    if data is None:
        return
    stated = _named_mapping(ctx, data, "parameters", "parameters: expected a mapping of name: {value, source}")
    if book.overrides:
        stated = _line_dict({name: _overridden(item, book.overrides[name]) if name in book.overrides else item
                             for name, item in stated.items()}, stated)
        data = _line_dict({**data, "parameters": stated}, data)
    for name, item in stated.items():
        if isinstance(item, dict) and "values" in item:
            param = _dated_parameter(ctx, name, item, book, stated.line_of(name))
            if param is not None:
                book.parameters[name] = param
            continue
        if not _check_keys(ctx, item, PARAMETER_KEYS, f"parameter {name}", ("value", "source"),
                           line=_line(stated, name)):
            continue
        source = _source(ctx, item.get("source"), f"parameter {name}.source", book, line=_line(item, "source"))
        book.parameters[name] = Parameter(name, item.get("value"), source, _text(ctx, item, "note", f"parameter {name}"))
        _text(ctx, item, "evidence", f"parameter {name}")
    for name, param in list(book.parameters.items()):
        # A date stated relative to another ("closing_date + 5y") is resolved once, here.
        if isinstance(param.value, str) and "+" in param.value and not param.values:
            resolved = _date_expr(ctx, stated[name], "value", f"parameter {name}", book.parameters)
            book.parameters[name] = Parameter(name, resolved, param.source, param.note)
    securities = _named_mapping(ctx, data, "securities", "securities: expected a mapping of security id: security")
    for name, item in securities.items():
        checked = _check_security(ctx, name, item, securities.line_of(name), book)
        if checked is not None:
            book.securities[name] = checked
    groups = _named_mapping(ctx, data, "groups", "groups: expected a mapping of group id: group")
    for name, item in groups.items():
        what = f"group {name}"
        if name in (NO_GROUP, COMPANY):
            ctx.add(groups, name, "bad-value", f"{what}: '{name}' is reserved by the engine ("
                    + ("a holder in no group" if name == NO_GROUP else "the Company itself")
                    + "): name the group otherwise")
            continue
        if not _check_keys(ctx, item, GROUP_KEYS, what, ("name",), line=_line(groups, name)):
            continue
        _string(ctx, item, "name", what, required=False)
        _names(ctx, item, "members", what)
        series = item.get("issued_series")
        if series is not None and (not _is_name(series) or series not in book.securities):
            ctx.add(item, "issued_series", "dangling-reference", f"{what}.issued_series: no security {series!r}"
                    f"{did_you_mean(series, book.securities) if _is_name(series) else ''}")
        if item.get("definition") is not None:
            _source(ctx, item["definition"], f"{what}.definition", book, line=_line(item, "definition"))
        book.groups[name] = dict(item)
    _check_transfer_conversions(ctx, securities, book)
    _load_classes(ctx, _named_mapping(ctx, data, "classes", "classes: expected a mapping of class id: class"), book)
    for name, kind in PARAMETER_TYPES.items():
        param = book.parameters.get(name)
        if param is None:
            continue
        for value, line in _stated_values(param):
            if not _parameter_ok(kind, value):
                node = stated[name]
                expected = _PARAMETER_KIND_WORDS.get(kind) or "one of " + ", ".join(kind[len("choice:"):].split("|"))
                ctx.add(line or node, "value", "wrong-type",
                        f"parameter {name}.value: expected {expected}, got {shown(value)}{_suggest(kind, value)}")
    for name, param in book.parameters.items():
        if name in PARAMETER_TYPES:
            continue
        for value, line in _stated_values(param):
            why = _untyped_problem(name, value)
            if why:
                ctx.add(line or stated[name], "value", "bad-value" if _is_number(value) else "wrong-type",
                        f"parameter {name}.value: {why}")
    _load_events(ctx, _named_mapping(ctx, data, "instrument_events",
                                     "instrument_events: expected a mapping of event id: event"), book)
    _load_term_events(ctx, _named_mapping(ctx, data, "term_events",
                                          "term_events: expected a mapping of event id: event"), book)
    needed_params: tuple = ("closing_date",)
    if _converts(book):
        # Convertible preferred: the terms its conversion and accretion are computed from.
        needed_params += CONVERTING_PARAMETERS
    for needed in needed_params:
        if needed not in book.parameters:
            kind = PARAMETER_TYPES.get(needed, "")
            expected = (_PARAMETER_KIND_WORDS.get(kind) or "one of " + ", ".join(kind[len("choice:"):].split("|"))
                        if kind else "")
            why = f" ({expected}, with its citation: the convertible preferred are computed under it)" \
                if needed in CONVERTING_PARAMETERS else ""
            ctx.add(data, "parameters", "missing-field", f"parameters: missing '{needed}'{why}")
    _check_payment_schedule(ctx, stated, book)


def _line_dict(mapping: dict, like: Any) -> LineDict:
    """A mapping made from another, keeping the other's lines (for what a reading's alternative changes)."""
    out = LineDict(mapping)
    out.line = getattr(like, "line", 0)
    out.key_lines = {k: (like.line_of(k) if isinstance(like, LineDict) else out.line) for k in mapping}
    return out


def _named_mapping(ctx: _Ctx, data: dict, key: str, message: str) -> LineDict:
    """`data[key]`, a mapping of names to entries (parameters, securities, groups): a value that is
    not a mapping is reported (and read as empty), and so is each name that is not text."""
    raw = data.get(key)
    if raw is None:
        return _line_dict({}, data)
    if not isinstance(raw, dict):
        ctx.add(data, key, "wrong-type", f"{message}, got {shown(raw)}")
        return _line_dict({}, data)
    for name in raw:
        if not _is_name(name) or not name.strip():
            ctx.add(raw, name, "bad-value", f"{key}: {shown(name)} is not a name (text)")
    return _line_dict({k: v for k, v in raw.items() if _is_name(k) and k.strip()}, raw)


def _stated_values(param: Parameter) -> list[tuple[Any, int | None]]:
    """Each value a parameter states (a dated one: each of its values, with its line)."""
    return [(v.value, v.line) for v in param.values if v.value is not None] or [(param.value, None)]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


# A parameter named ..._price is a price per share: a price of 0 or less divides by zero
# (Common issuable on conversion or exercise is the amount over the price) or means nothing.
PRICE_NAME = re.compile(r"(^|_)price$")


def _untyped_problem(name: str, value: Any) -> str:
    """What is wrong with the value of a parameter the engine does not type (PARAMETER_TYPES):
    every number a deal's documents state here is a count of shares, an amount, a price, a rate,
    a percentage or a number of days, none of them negative, and the others are dates; "" if fine."""
    if isinstance(value, date):
        return ""
    if not _is_number(value):
        return f"expected a number or a date, got {shown(value)}"
    if PRICE_NAME.search(name) and value <= 0:
        return f"a price must be more than 0, got {value}"
    if value < 0:
        return f"expected a number, 0 or more (a count of shares, an amount, a rate, a percentage or a number of " \
               f"days), got {value}"
    return ""


def _check_security(ctx: _Ctx, name: str, item: Any, line: int | None, book: _Loading) -> dict | None:
    """One security of parameters.yaml (its keys, class, the types of its values, its citation),
    as the measures read it; None if it is not a mapping."""
    what = f"security {name}"
    if not _check_keys(ctx, item, SECURITY_KEYS, what, ("name", "class"), line=line):
        return None
    if item.get("class") not in ("common", "preferred", "warrant"):
        ctx.add(item, "class", "bad-value", f"{what}.class: expected common, preferred or warrant")
    _string(ctx, item, "name", what, required=False)
    _text(ctx, item, "term", what)
    for key in ("converts_to_common",):
        if key in item and not isinstance(item[key], bool):
            ctx.add(item, key, "wrong-type", f"{what}.{key}: expected true or false, got {shown(item[key])}")
    issued = item.get("issued_at_closing")
    if issued is not None and (not isinstance(issued, int) or isinstance(issued, bool) or issued < 0):
        ctx.add(item, "issued_at_closing", "wrong-type" if not _is_number(issued) else "bad-value",
                f"{what}.issued_at_closing: expected a whole number of shares, 0 or more, got {shown(issued)}")
        item = {k: v for k, v in item.items() if k != "issued_at_closing"}
    instrument = item.get("instrument")
    if instrument is not None and (not _is_name(instrument) or instrument not in book.documents):
        ctx.add(item, "instrument", "dangling-reference", f"{what}.instrument: no document {shown(instrument)} in "
                f"documents.yaml{did_you_mean(instrument, book.documents) if _is_name(instrument) else ''}")
    if item.get("source") is not None:
        _source(ctx, item["source"], f"{what}.source", book, line=_line(item, "source"))
    _check_exercisable_from(ctx, name, item, book)
    return dict(item)


def _converts(book: _Loading) -> bool:
    """Whether the rulebook declares convertible preferred (whose terms parameters.yaml must
    state in full; a missing one is reported once there, not again at each measure using it)."""
    return any(spec.get("class") == "preferred" and spec.get("converts_to_common") for spec in book.securities.values())


def _suggest(kind: str, value: Any) -> str:
    """A did-you-mean for a parameter that must be one of a list of words."""
    return did_you_mean(value, kind[len("choice:"):].split("|")) if kind.startswith("choice:") and isinstance(
        value, str) else ""


def _check_payment_schedule(ctx: _Ctx, stated: dict, book: _Loading) -> None:
    """The first payment date must be a date of the schedule the rulebook states (its day of the
    month), before any roll: the schedule is counted from it."""
    first, day = book.parameters.get("first_dividend_payment_date"), book.parameters.get("dividend_payment_day")
    if first is None or day is None or not isinstance(first.value, date) or not _parameter_ok("day_of_month", day.value):
        return
    scheduled = calc.scheduled_payment_date(first.value.year, first.value.month, day.value)
    if scheduled != first.value:
        ctx.add(stated["first_dividend_payment_date"], "value", "bad-value",
                f"parameter first_dividend_payment_date.value: {first.value} is not on the dividend_payment_day "
                f"({day.value}) of its month; the schedule puts it on {scheduled}")


def _check_exercisable_from(ctx: _Ctx, name: str, item: dict, book: _Loading) -> None:
    """`exercisable_from`: a warrant's first exercise date, named by a date parameter (the
    measures count its shares only from that date, engine/measures.py `exercisable`)."""
    first = item.get("exercisable_from")
    if first is None:
        return
    if item.get("class") != "warrant":
        ctx.add(item, "exercisable_from", "bad-value", f"security {name}.exercisable_from: only a warrant has one")
    param = book.parameters.get(first) if isinstance(first, str) else None
    if param is None or not isinstance(param.value, date):
        dates = [n for n, p in book.parameters.items() if isinstance(p.value, date)]
        ctx.add(item, "exercisable_from", "bad-value", f"security {name}.exercisable_from: {first!r} is not a date "
                f"parameter{did_you_mean(first, dates)}")


def _check_transfer_conversions(ctx: _Ctx, securities: dict, book: _Loading) -> None:
    """`on_transfer_outside_group`: a series that becomes another on a transfer to anyone outside
    one group (the rulebook's own reclassification on transfer, applied by a history)."""
    for name, item in securities.items():
        spec = item.get("on_transfer_outside_group") if isinstance(item, dict) else None
        if spec is None:
            continue
        what = f"security {name}.on_transfer_outside_group"
        if not _check_keys(ctx, spec, TRANSFER_CONVERSION_KEYS, what, TRANSFER_CONVERSION_KEYS,
                           line=_line(item, "on_transfer_outside_group")):
            continue
        group, into = spec.get("group"), spec.get("converts_into")
        if not _is_name(group) or group not in book.groups:
            ctx.add(spec, "group", "dangling-reference", f"{what}.group: no group {group!r}"
                    f"{did_you_mean(group, book.groups) if _is_name(group) else ''}")
        if not _is_name(into) or into not in book.securities or into == name or \
                book.securities[into].get("class") != item.get("class"):
            ctx.add(spec, "converts_into", "dangling-reference", f"{what}.converts_into: {into!r} is not another "
                    f"security of the same class{did_you_mean(into, book.securities)}")
        _source(ctx, spec.get("source"), f"{what}.source", book)


def _overridden(item: Any, value: Any) -> Any:
    """A parameter as a reading's alternative states it: one value, in force throughout, with
    the citation of the value it replaces (the latest, for a dated parameter)."""
    if not isinstance(item, dict):
        return item
    source = item.get("source")
    if "values" in item and isinstance(item["values"], dict) and item["values"]:
        last = list(item["values"].values())[-1]
        source = last.get("source") if isinstance(last, dict) else source
    return _line_dict({"value": value, "source": source, "note": "the other reading's value"}, item)


def _dated_parameter(ctx: _Ctx, name: str, item: dict, book: _Loading, at: int | None = None) -> Parameter | None:
    """A parameter whose value changes on dates (OpenFisca's form): `values: {DATE: {value, source}}`.

    Each value carries its own citation; a value that stops is ended with `null` (or `value:
    null`), never deleted. The dates must be in order, and no value may start before the date
    of the document that states it.
    """
    what = f"parameter {name}"
    if not _check_keys(ctx, item, PARAMETER_KEYS, what, ("values",), line=at):
        return None
    for key in ("value", "source"):
        if key in item:
            ctx.add(item, key, "unknown-key", f"{what}: a dated parameter states '{key}' inside each of its values")
    raw = item.get("values")
    if not isinstance(raw, dict) or not raw:
        ctx.add(item, "values", "wrong-type", f"{what}.values: expected a mapping of DATE: {{value, source}}, got "
                                              f"{shown(raw) if raw != {} else 'an empty mapping'}")
        return None
    values: list[ParameterValue] = []
    previous: date | None = None
    for key, entry in raw.items():
        line = raw.line_of(key) if isinstance(raw, LineDict) else item.line
        where = f"{what}.values.{key}"
        try:
            start = key if isinstance(key, date) else date.fromisoformat(str(key))
        except ValueError:
            ctx.add(line, None, "bad-date", f"{where}: expected a date YYYY-MM-DD as the key, got {key!r}")
            continue
        if previous is not None and start <= previous:
            ctx.add(line, None, "bad-date", f"{where}: dates must be in order; {start} is not after {previous}")
        previous = start
        if entry is None or (isinstance(entry, dict) and "value" in entry and entry.get("value") is None):
            if not values:
                ctx.add(line, None, "bad-value", f"{where}: null ends a value, but no value is in force before it")
            values.append(ParameterValue(start, None, None, line))
            continue
        if not _check_keys(ctx, entry, PARAMETER_VALUE_KEYS, where, ("value", "source"), line=line):
            continue
        source = _source(ctx, entry.get("source"), f"{where}.source", book, line=_line(entry, "source"))
        _text(ctx, entry, "note", where)
        if source is not None and source.document in book.documents:
            doc_date = book.documents[source.document].date
            if doc_date is not None and start < doc_date:
                ctx.add(line, None, "bad-date", f"{where}: starts before the date of {source.document} "
                                                f"({doc_date}), which states it")
        values.append(ParameterValue(start, entry.get("value"), source, line))
    if not values:
        return None
    latest = next((v for v in reversed(values) if v.value is not None), values[0])
    return Parameter(name, latest.value, latest.source, _text(ctx, item, "note", what), tuple(values))


def _load_classes(ctx: _Ctx, node: LineDict, book: _Loading) -> None:
    """`classes`: securities that vote or are counted together, each a list of securities."""
    for name, item in node.items():
        what = f"class {name}"
        if not _check_keys(ctx, item, CLASS_KEYS, what, ("name", "members"), line=_line(node, name)):
            continue
        if name in book.securities:
            ctx.add(item, None, "duplicate-id", f"{what}: a security already has the id '{name}'")
        members = item.get("members")
        if not isinstance(members, list) or not members:
            ctx.add(item, "members", "wrong-type", f"{what}.members: expected a non-empty list of security ids")
            continue
        for member in members:
            if not _is_name(member) or member not in book.securities:
                ctx.add(item, "members", "dangling-reference", f"{what}.members: no security {shown(member)}"
                        f"{did_you_mean(member, book.securities) if _is_name(member) else ''}")
        if item.get("source") is not None:
            _source(ctx, item["source"], f"{what}.source", book, line=_line(item, "source"))
        held_by = item.get("held_by") or []
        if not isinstance(held_by, list) or any(not _is_name(g) or g not in book.groups for g in held_by):
            bad = held_by if not isinstance(held_by, list) else next(g for g in held_by
                                                                     if not _is_name(g) or g not in book.groups)
            ctx.add(item, "held_by", "dangling-reference", f"{what}.held_by: expected a list of groups; no group "
                    f"{shown(bad)}{did_you_mean(bad, book.groups) if _is_name(bad) else ''}")
            held_by = []
        as_converted = item.get("as_converted", False)
        if not isinstance(as_converted, bool):
            ctx.add(item, "as_converted", "wrong-type", f"{what}.as_converted: expected true or false, got "
                                                        f"{shown(as_converted)}")
        book.classes[str(name)] = SecurityClass(str(name), _text(ctx, item, "name", what),
                                                tuple(str(m) for m in members), as_converted is True,
                                                tuple(str(g) for g in held_by))


def _load_events(ctx: _Ctx, node: LineDict, book: _Loading) -> None:
    """`instrument_events`: each event after which the documents it names are in question unless stated."""
    for event_id, item in node.items():
        what = f"instrument event {event_id}"
        if not _check_keys(ctx, item, EVENT_KEYS, what, ("title", "date", "puts_in_question", "source"),
                           line=_line(node, event_id)):
            continue
        when = _date_expr(ctx, item, "date", what, book.parameters)
        docs = item.get("puts_in_question")
        if not isinstance(docs, list) or not docs:
            ctx.add(item, "puts_in_question", "wrong-type", f"{what}.puts_in_question: expected a list of document ids")
            docs = []
        for doc_id in docs:
            if not _is_name(doc_id) or doc_id not in book.documents:
                ctx.add(item, "puts_in_question", "dangling-reference",
                        f"{what}.puts_in_question: no document {shown(doc_id)} in documents.yaml"
                        f"{did_you_mean(doc_id, book.documents) if _is_name(doc_id) else ''}")
        source = _source(ctx, item.get("source"), f"{what}.source", book, line=_line(item, "source"))
        assumption = item.get("assumption")
        if assumption is not None and not _is_name(assumption):
            ctx.add(item, "assumption", "wrong-type", f"{what}.assumption: expected an assumption id, got "
                                                      f"{shown(assumption)}")
        book.event_nodes[str(event_id)] = (ctx, item)
        if when is not None:
            book.events[str(event_id)] = StatusEvent(
                id=str(event_id), title=" ".join(_string(ctx, item, "title", what).split()), date=when,
                documents=tuple(str(d) for d in docs if _is_name(d) and d in book.documents), source=source,
                assumption=str(assumption) if _is_name(assumption) else "")


def _load_term_events(ctx: _Ctx, node: LineDict, book: _Loading) -> None:
    """`term_events`: events a cap table's history may record that change the preferred's terms
    from their date (a new dividend rate; the liquidation preference brought to an amount), each
    effect valued by a parameter and cited."""
    numbers = {n for n, p in book.parameters.items() if isinstance(p.value, (int, Decimal)) and not isinstance(p.value, bool)}
    dates = {n for n, p in book.parameters.items() if isinstance(p.value, date)}
    for event_id, item in node.items():
        what = f"term event {event_id}"
        if not _check_keys(ctx, item, TERM_EVENT_KEYS, what, ("title", "effects", "source"),
                           line=_line(node, event_id)):
            continue
        fields = item.get("fields") or {}
        if not isinstance(fields, dict):
            ctx.add(item, "fields", "wrong-type", f"{what}.fields: expected a mapping of field: type")
            fields = {}
        formula = item.get("formula")
        if formula is not None:
            if not _is_name(formula) or formula not in adjust.FORMULAS:
                ctx.add(item, "formula", "bad-value", f"{what}.formula: {formula!r} is not one of "
                        f"{', '.join(adjust.FORMULAS)}{did_you_mean(formula, adjust.FORMULAS)}")
                formula = None
            else:  # the formula's own fields, then any the event adds
                fields = {**dict(adjust.FORMULAS[formula].fields), **fields}
        for name, kind in fields.items():
            if kind not in TERM_FIELD_TYPES:
                ctx.add(fields, name, "bad-value", f"{what}.fields.{name}: {kind!r} is not one of "
                        f"{', '.join(TERM_FIELD_TYPES)}{did_you_mean(kind, TERM_FIELD_TYPES)}")
        effects = item.get("effects")
        if not isinstance(effects, list) or not effects:
            ctx.add(item, "effects", "wrong-type", f"{what}.effects: expected a list of effects")
            effects = []
        read: list[TermEffect] = []
        for index, effect in enumerate(effects):
            where = f"{what}.effects[{index}]"
            if not _check_keys(ctx, effect, TERM_EFFECT_KEYS, where, ("source",), line=_item_line(effects, index)):
                continue
            changed = [k for k in ("dividend_rate", "preference", "adjust") if k in effect]
            if len(changed) != 1:
                ctx.add(effect, None, "bad-value", f"{where}: expected one of dividend_rate, preference or adjust")
                continue
            value = effect[changed[0]]
            if changed[0] == "adjust" and formula is None:
                ctx.add(effect, "adjust", "bad-value", f"{where}.adjust: the event names no formula "
                        f"(one of {', '.join(adjust.FORMULAS)}) to adjust {value!r} by")
            extra = _adjust_keys(ctx, effect, where, changed[0] == "adjust", numbers)
            defer = effect.get("defer_until")
            if defer is not None:
                if changed[0] != "adjust":
                    ctx.add(effect, "defer_until", "unknown-key", f"{where}.defer_until: only an `adjust` effect takes "
                            "defer_until")
                elif not _is_name(defer) or fields.get(defer) not in ("date", "date_or_none", "optional_date"):
                    ctx.add(effect, "defer_until", "bad-value", f"{where}.defer_until: expected a date field of the "
                            f"event; the event's fields are {', '.join(fields) or 'none'}")
                else:
                    extra["defer_until"] = str(defer)
            if changed[0] == "adjust" and isinstance(value, str):
                book.adjusted.setdefault(value, str(event_id))
            if not _is_name(value) or value not in numbers:
                ctx.add(effect, changed[0], "dangling-reference", f"{where}.{changed[0]}: {value!r} is not a number "
                        f"parameter{did_you_mean(value, sorted(numbers)) if isinstance(value, str) else ''}")
            before = effect.get("before")
            if before is not None and (not _is_name(before) or before not in dates):
                ctx.add(effect, "before", "dangling-reference", f"{where}.before: {before!r} is not a date parameter"
                        f"{did_you_mean(before, sorted(dates)) if isinstance(before, str) else ''}")
            unless = effect.get("unless")
            unless_field, within = "", None
            if unless is not None:
                if (not isinstance(unless, dict) or set(unless) != {"field", "within_days"}
                        or not _is_name(unless.get("field")) or fields.get(unless.get("field")) not in ("date", "date_or_none")
                        or not isinstance(unless.get("within_days"), int) or isinstance(unless.get("within_days"), bool)):
                    ctx.add(effect, "unless", "bad-value", f"{where}.unless: expected {{field: <a date field of the "
                            f"event>, within_days: <whole days>}}; the event's fields are {', '.join(fields) or 'none'}")
                else:
                    unless_field, within = str(unless["field"]), int(unless["within_days"])
            only_raise = effect.get("only_raise", False)
            if not isinstance(only_raise, bool):
                ctx.add(effect, "only_raise", "wrong-type", f"{where}.only_raise: expected true or false")
            source = _source(ctx, effect.get("source"), f"{where}.source", book, line=_line(effect, "source"))
            book.term_assumptions.append((ctx, effect, where))
            read.append(TermEffect(
                dividend_rate=str(value) if changed[0] == "dividend_rate" else "",
                preference=str(value) if changed[0] == "preference" else "",
                adjust=str(value) if changed[0] == "adjust" else "", **extra, only_raise=only_raise is True,
                before=str(before or ""), unless_field=unless_field, within_days=within, source=source,
                assumption=str(effect.get("assumption") or "")))
        source = _source(ctx, item.get("source"), f"{what}.source", book, line=_line(item, "source"))
        book.term_events[str(event_id)] = TermEvent(
            id=str(event_id), title=" ".join(_string(ctx, item, "title", what).split()),
            fields=tuple((str(k), str(v)) for k, v in fields.items()), effects=tuple(read), source=source,
            formula=str(formula or ""))


def _adjust_keys(ctx: _Ctx, effect: dict, where: str, adjusting: bool, numbers: set) -> dict:
    """The keys of an `adjust` effect (each refused on any other effect): `label` (the parameter in
    the documents' terms, for reports), `inverse` and
    `warrant_shares` (true or false), `effective_days_after` and `places` (whole numbers, 0 or
    more), `de_minimis_pct` (a number parameter)."""
    out: dict = {}
    for key in ("label", "inverse", "warrant_shares", "effective_days_after", "places", "de_minimis_pct"):
        if key not in effect:
            continue
        value = effect[key]
        if not adjusting:
            ctx.add(effect, key, "unknown-key", f"{where}.{key}: only an `adjust` effect takes {key}")
        elif key == "label":
            if not isinstance(value, str) or not value.strip():
                ctx.add(effect, key, "wrong-type", f"{where}.{key}: expected the parameter's name in the documents' terms")
            else:
                out[key] = " ".join(value.split())
        elif key in ("inverse", "warrant_shares"):
            if not isinstance(value, bool):
                ctx.add(effect, key, "wrong-type", f"{where}.{key}: expected true or false")
            else:
                out[key] = value
        elif key == "de_minimis_pct":
            if not _is_name(value) or value not in numbers:
                ctx.add(effect, key, "dangling-reference", f"{where}.{key}: {value!r} is not a number parameter"
                        f"{did_you_mean(value, sorted(numbers)) if isinstance(value, str) else ''}")
            else:
                out[key] = str(value)
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            ctx.add(effect, key, "wrong-type", f"{where}.{key}: expected a whole number, 0 or more")
        else:
            out[key] = value
    return out


def _versions(ctx: _Ctx, item: dict, what: str, book: _Loading, source: Source | None,
              keys: tuple) -> list[tuple[Version, Any]]:
    """`versions:` of a rule or definition: the text in force from each date, oldest first.

    The item's own source is the original version, in force from its document's date; each
    listed version (an amendment) replaces it from its `from` date. Returned with each version's
    raw condition (None: the condition does not change), the original first; empty without versions.
    """
    raw = item.get("versions")
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        ctx.add(item, "versions", "wrong-type", f"{what}.versions: expected a list of versions, got "
                                                f"{shown(raw) if raw != [] else 'an empty list'}")
        return []
    doc = book.documents.get(source.document) if source else None
    if doc is None or doc.date is None:
        return []  # the missing source, unknown document or bad date is reported where it is
    out: list[tuple[Version, Any]] = [(Version("original", doc.date, source, _plain(item.get("title"))), None)]
    seen: dict = {"original": item.line}
    for index, entry in enumerate(raw):
        if not _check_keys(ctx, entry, keys, f"{what} version", ("id", "from", "source"), line=_item_line(raw, index)):
            continue
        version_id = _ids(ctx, entry, seen, f"{what} version")
        where = f"{what} version {version_id}"
        start = entry.get("from")
        if not isinstance(start, date):
            ctx.add(entry, "from", "bad-date", f"{where}.from: expected a date YYYY-MM-DD, got {start!r}")
            continue
        if start <= out[-1][0].start:
            ctx.add(entry, "from", "bad-date", f"{where}.from: versions must be in order; {start} is not after "
                                               f"{out[-1][0].start} ({out[-1][0].id})")
        v_source = _source(ctx, entry.get("source"), f"{where}.source", book, line=_line(entry, "source"))
        v_doc = book.documents.get(v_source.document) if v_source else None
        if v_doc is not None and v_doc.date is not None and start < v_doc.date:
            ctx.add(entry, "from", "bad-date", f"{where}.from: {start} is before the date of {v_doc.id} "
                                               f"({v_doc.date}), which states it")
        out.append((Version(version_id, start, v_source, _text(ctx, entry, "title", where),
                            _text(ctx, entry, "note", where), _text(ctx, entry, "finding", where)),
                    entry.get("condition")))
    return out


def _dated(start: date | None, before: date | None, condition: Any) -> Any:
    """A version's condition, holding only from `start` and before `before` (durable tests the date)."""
    guards = []
    if start is not None:
        guards.append(Atom("as_of", ">=", start))
    if before is not None:
        guards.append(Atom("as_of", "<", before))
    return All(tuple(guards) + (condition,))


def _load_declined(book: _Loading) -> list:
    """declined.yaml: provisions deliberately not encoded, each quoted verbatim with the reason."""
    ctx, items = _load_list(book, "declined.yaml", required=False)
    out = []
    seen: dict = {}
    for index, item in enumerate(items):
        if not _check_keys(ctx, item, DECLINED_KEYS, "declined provision", ("id", "document", "section", "quote",
                                                                            "reason"), line=_item_line(items, index)):
            continue
        declined_id = _ids(ctx, item, seen, "declined provision")
        what = f"declined {declined_id}"
        doc_id = _string(ctx, item, "document", what, required=False)
        quote = _string(ctx, item, "quote", what, required=False)
        _check_cited(ctx, item, what, doc_id, quote, book)
        source = Source(doc_id, _string(ctx, item, "section", what, required=False), " ".join(quote.split()))
        out.append(Declined(declined_id, source, _text(ctx, item, "reason", what),
                            _text(ctx, item, "catalogue", what), _text(ctx, item, "amends", what)))
    return out


def _load_definitions(book: _Loading) -> None:
    ctx, items = _load_list(book, "definitions.yaml", required=False)
    seen: dict = {}
    for index, item in enumerate(items):
        if not _check_keys(ctx, item, DEFINITION_KEYS, "definition", ("id", "condition"), line=_item_line(items, index)):
            continue
        def_id = _ids(ctx, item, seen, "definition")
        source = _source(ctx, item.get("source"), f"definition {def_id}.source", book, line=_line(item, "source"))
        if item.get("condition") is None:
            continue  # reported as missing above
        versions = _versions(ctx, item, f"definition {def_id}", book, source, DEFINITION_VERSION_KEYS)
        book.definitions[def_id] = Definition(def_id, _text(ctx, item, "title", f"definition {def_id}") or def_id,
                                              source, item["condition"], item.line, tuple(v for v, _ in versions))
        book.raw_definitions[def_id] = (ctx, item["condition"], item.line_of("condition"))


def _load_assumptions(book: _Loading) -> dict[str, Assumption]:
    ctx, items = _load_list(book, "assumptions.yaml", required=False)
    out: dict[str, Assumption] = {}
    seen: dict = {}
    for index, item in enumerate(items):
        if not _check_keys(ctx, item, ASSUMPTION_KEYS, "assumption", ("id", "title", "reading"),
                           line=_item_line(items, index)):
            continue
        a_id = _ids(ctx, item, seen, "assumption")
        what = f"assumption {a_id}"
        source = _source(ctx, item.get("source"), f"{what}.source", book, require_quote=False,
                         line=_line(item, "source"))
        out[a_id] = Assumption(a_id, _text(ctx, item, "title", what), _text(ctx, item, "reading", what),
                               source, _text(ctx, item, "alternative", what),
                               _text(ctx, item, "catalogue", what), _alternative_parameters(ctx, item, a_id, book))
    return out


def _alternative_parameters(ctx: _Ctx, item: dict, a_id: str, book: _Loading) -> tuple[tuple[str, Any], ...]:
    """`alternative_parameters: {parameter: value}`: the other reading, stated as the parameter
    values it would change, so that a memo can run it. Each must name a parameter the rulebook
    has and give a value of the same kind as the parameter's own."""
    raw = item.get("alternative_parameters")
    if raw is None:
        return ()
    where = f"assumption {a_id}.alternative_parameters"
    if not isinstance(raw, dict) or not raw:
        ctx.add(item, "alternative_parameters", "wrong-type", f"{where}: expected a mapping of parameter: value")
        return ()
    if not item.get("alternative"):
        ctx.add(item, "alternative_parameters", "missing-field", f"{where}: state the other reading in words too (alternative)")
    out = []
    for name, value in raw.items():
        param = book.parameters.get(name)
        if param is None and any(p.category == "missing-field" and str(name) in p.message
                                 for p in book.problems.problems):
            continue  # the parameter's absence is reported already, once
        if param is None:
            ctx.add(raw, name, "dangling-reference",
                    f"{where}: no parameter '{name}' in parameters.yaml{did_you_mean(name, book.parameters)}")
            continue
        kind = PARAMETER_TYPES.get(name)
        own = param.value if param.value is not None else next((v.value for v in param.values if v.value is not None), None)
        same_kind = (_parameter_ok(kind, value) if kind is not None else
                     isinstance(value, date) == isinstance(own, date) and isinstance(value, bool) == isinstance(own, bool)
                     and isinstance(value, (int, float, Decimal)) == isinstance(own, (int, float, Decimal))
                     and not _untyped_problem(str(name), value))
        if not same_kind:
            ctx.add(raw, name, "wrong-type", f"{where}.{name}: expected a value of the parameter's own kind "
                                             f"(it is {own!r}), got {value!r}")
            continue
        if value == own and name not in book.overrides:  # (on the other reading's own load it is)
            ctx.add(raw, name, "bad-value", f"{where}.{name}: {value!r} is the parameter's own value; the other "
                                            f"reading must change it")
            continue
        out.append((str(name), value))
    return tuple(out)


# --- conditions -------------------------------------------------------------------------------


def _value(ctx: _Ctx, node: dict, fact: str, op: str, book: _Loading) -> Any:
    spec = book.facts[fact]
    raw = node.get("value")
    if isinstance(raw, dict):
        if set(raw) != {"param"}:
            ctx.add(raw, None, "wrong-type", f"condition on {fact}: value must be a literal or {{param: name}}")
            return None
        name = raw["param"]
        if not _is_name(name) or name not in book.parameters:
            ctx.add(raw, "param", "dangling-reference", f"condition on {fact}: no parameter {shown(name)}"
                    f"{did_you_mean(name, book.parameters) if _is_name(name) else ''}")
            return None
        if len([v for v in book.parameters[name].values if v.value is not None]) > 1:
            ctx.add(raw, "param", "bad-value", f"condition on {fact}: parameter '{name}' has more than one dated "
                                               f"value; a condition compares with one (give the rule a version instead)")
            return None
        if name in book.adjusted:
            ctx.add(raw, "param", "bad-value", f"condition on {fact}: parameter '{name}' is adjusted by the term event "
                    f"{book.adjusted[name]}; compare with it through a fact that reads it on the date (measure "
                    f"exceeds or amount, param `parameter`)")
            return None
        book.def_params.setdefault(book.owner, []).append(name)
        raw = book.parameters[name].value
    where = f"condition on {fact}"
    if op in ("in", "not_in"):
        if not isinstance(raw, list) or not raw:
            ctx.add(node, "value", "wrong-type", f"{where}: '{op}' takes a non-empty list")
            return None
        return tuple(_scalar(ctx, node, spec, item, where, book) for item in raw)
    return _scalar(ctx, node, spec, raw, where, book)


def _scalar(ctx: _Ctx, node: dict, spec, raw: Any, where: str, book: _Loading) -> Any:
    kind = spec.type
    if kind == "bool":
        if not isinstance(raw, bool):
            ctx.add(node, "value", "wrong-type", f"{where}: expected true or false, got {raw!r}")
        return raw
    if kind in ("enum", "set"):
        allowed = allowed_values(spec, list(book.securities), list(book.groups))
        if not isinstance(raw, str) or raw not in allowed:
            ctx.add(node, "value", "bad-value",
                    f"{where}: {raw!r} is not one of {', '.join(allowed)}{did_you_mean(raw, allowed)}")
        return raw
    if kind == "date":
        if not isinstance(raw, date):
            ctx.add(node, "value", "bad-date", f"{where}: expected a date YYYY-MM-DD, got {raw!r}")
        return raw
    if isinstance(raw, bool) or not isinstance(raw, (int, Decimal)):
        ctx.add(node, "value", "wrong-type", f"{where}: expected a number, got {raw!r}")
        return None
    if kind == "shares" and (isinstance(raw, Decimal) and raw != raw.to_integral_value()):
        ctx.add(node, "value", "wrong-type", f"{where}: share counts are whole numbers, got {raw}")
    if kind in ("percent", "money") and isinstance(raw, Decimal) and -raw.as_tuple().exponent > PERCENT_PLACES:
        ctx.add(node, "value", "bad-value", f"{where}: at most {PERCENT_PLACES} decimal places, got {raw}")
    if kind == "percent" and not 0 <= raw <= (100 if _share_of_whole(spec) else raw):
        ctx.add(node, "value", "bad-value", f"{where}: a percentage is from 0 to 100, got {raw}"
                if _share_of_whole(spec) else f"{where}: a percentage is 0 or more, got {raw}")
        return None
    return Decimal(raw)


CONDITION_FORMS = ("all", "any", "not", "ref", "fact")


def _share_of_whole(spec: FactSpec) -> bool:
    """Whether a percent fact is a share of a whole, 0 to 100: one the engine computes (core, a
    measure: a holding over the outstanding) or one a scenario states (which it takes only from
    0 to 100); a percentage the rulebook states itself (`implied`, as a price of 101% of the
    preference) may be more."""
    return spec.origin in ("core", "measure", "party") or bool(spec.key) or bool(spec.measure)
# Comparisons of a percentage that decide nothing: it is always 0 to 100.
_TRIVIAL_PERCENT = {(">=", 0): "always holds", ("<=", 100): "always holds", ("<", 0): "never holds",
                    (">", 100): "never holds"}


OPERATOR_ALIASES = {"=": "==", "=>": ">=", "=<": "<=", "<>": "!=", "eq": "==", "ne": "!=", "gt": ">", "gte": ">=",
                    "ge": ">=", "lt": "<", "lte": "<=", "le": "<=", "not in": "not_in", "notin": "not_in"}


def _operator_hint(op: Any) -> str:
    if isinstance(op, str) and op in OPERATOR_ALIASES:
        return f" (did you mean '{OPERATOR_ALIASES[op]}'?)"
    return did_you_mean(op, OPERATORS)


def parse_condition(ctx: _Ctx, node: Any, book: _Loading, stack: tuple = (), line: int | None = None) -> Any:
    """YAML condition -> condition tree, with {ref: id} expanded and every part checked.

    `line` is where the condition sits, for problems in a condition that is not a mapping.
    """
    if isinstance(node, list):
        if not node:
            ctx.add(_line(node, fallback=line), None, "bad-value", "condition: an empty list states no condition "
                                                                  "(it would always hold); state what must be true")
            return TrueCond()
        lines = getattr(node, "item_lines", [line] * len(node))
        return All(tuple(parse_condition(ctx, item, book, stack, lines[i]) for i, item in enumerate(node)))
    if not isinstance(node, dict):
        ctx.add(line, None, "wrong-type", f"condition: expected a mapping, got {node!r}")
        return TrueCond()
    limb = node.get("limb")
    if limb is not None:
        if not isinstance(limb, str) or not limb.strip() or not ({"fact", "all", "any"} & set(node)):
            ctx.add(node, "limb", "wrong-type", "condition: 'limb' names a part of the clause (text) and goes with "
                                                "fact, all or any")
            limb = None
        node = _without(node, "limb") if isinstance(node, LineDict) else {k: v for k, v in node.items() if k != "limb"}
    forms = [k for k in node if k in CONDITION_FORMS]
    if "fact" in node:
        _check_keys(ctx, node, ("fact", "op", "value"), "condition", ("fact", "op"))
        fact, op = node.get("fact"), node.get("op")
        if not _is_name(fact) or fact not in book.facts:
            ctx.add(node, "fact", "unknown-fact", f"condition: unknown fact {shown(fact)} (not declared in facts.yaml)"
                                                  f"{did_you_mean(fact, book.facts) if _is_name(fact) else ''}")
            return TrueCond()
        if op not in OPERATORS:
            ctx.add(node, "op", "unknown-operator",
                    f"condition on {fact}: unknown operator '{op}' (expected one of {' '.join(OPERATORS)})"
                    f"{_operator_hint(op)}")
            return TrueCond()
        kind = book.facts[fact].type
        allowed_ops = {"bool": ("==", "!="), "enum": ("==", "!=", "in", "not_in"),
                       "percent": (">", ">=", "<", "<="), "money": (">", ">=", "<", "<="),
                       "set": ("includes", "excludes"),
                       "text": ()}.get(kind, OPERATORS[:6])
        if op not in allowed_ops:
            ctx.add(node, "op", "unknown-operator", f"condition on {fact}: '{op}' does not apply to a {kind} fact "
                                                    f"(use {' '.join(allowed_ops) or 'no operator: it is shown, not tested'})")
            return TrueCond()
        if "value" not in node:
            ctx.add(node, None, "missing-field", f"condition on {fact}: missing 'value'")
            return TrueCond()
        value = _value(ctx, node, fact, op, book)
        if kind == "percent" and isinstance(value, Decimal) and (op, value) in _TRIVIAL_PERCENT and (
                _share_of_whole(book.facts[fact]) or value == 0):
            ctx.add(node, "value", "bad-value", f"condition on {fact}: '{op} {value}' {_TRIVIAL_PERCENT[(op, value)]} "
                                                f"(a percentage is from 0 to 100): it tests nothing")
        return Atom(fact, op, value, kind, " ".join(limb.split()) if limb else None)
    if len(forms) != 1 or len(node) != 1:
        unknown = [k for k in node if k not in CONDITION_FORMS]
        if unknown:
            key = unknown[0]
            ctx.add(node, key, "unknown-key",
                    f"condition: unknown key '{key}'{did_you_mean(key, CONDITION_FORMS)}")
        else:
            ctx.add(node, None, "wrong-type", "condition: use exactly one of all, any, not, ref, or fact/op/value")
        return TrueCond()
    form = forms[0]
    inner = node[form]
    if form == "ref":
        return _definition(ctx, node, inner, book, stack)
    if form == "not":
        return Not(parse_condition(ctx, inner, book, stack, _line(node, form, line)))
    if not isinstance(inner, list) or not inner:
        ctx.add(node, form, "wrong-type", f"condition: '{form}' takes a non-empty list")
        return TrueCond()
    items = tuple(parse_condition(ctx, item, book, stack, inner.item_lines[i] if isinstance(inner, LineList) else None)
                  for i, item in enumerate(inner))
    label = " ".join(limb.split()) if limb else None
    return All(items, label) if form == "all" else AnyOf(items, label)


def _without(node: LineDict, key: str) -> LineDict:
    """A YAML mapping without one key, each other key keeping its line."""
    out = LineDict((k, v) for k, v in node.items() if k != key)
    out.line = node.line
    out.key_lines = {k: v for k, v in node.key_lines.items() if k != key}
    return out


def _definition(ctx: _Ctx, node: dict, name: Any, book: _Loading, stack: tuple) -> Any:
    """A definition's condition, parsed (and its problems reported) once however often it is used."""
    if name in stack:
        ctx.add(node, "ref", "dangling-reference", f"condition: definition '{name}' refers to itself")
        return TrueCond()
    if not _is_name(name) or name not in book.raw_definitions:
        ctx.add(node, "ref", "dangling-reference", f"condition: no definition {shown(name)} in definitions.yaml"
                f"{did_you_mean(name, book.raw_definitions) if _is_name(name) else ''}")
        return TrueCond()
    book.def_refs.setdefault(book.owner, []).append(name)
    if name not in book.parsed_definitions:
        def_ctx, raw, line = book.raw_definitions[name]
        book.parsing.append(name)
        try:
            book.parsed_definitions[name] = parse_condition(def_ctx, raw, book, stack + (name,), line)
        finally:
            book.parsing.pop()
    return book.parsed_definitions[name]


# --- rules ------------------------------------------------------------------------------------


def _load_rules(book: _Loading, name: str, seen: dict, assumptions: dict, order_start: int) -> list[Rule]:
    ctx, items = _load_list(book, name)
    rules: list[Rule] = []
    if not items and (book.path / name).is_file() and not any(p.file == ctx.file for p in book.problems.problems):
        ctx.add(_line(items, fallback=_first_line(book.path / name)), None, "missing-field",
                f"{name} lists no rules: a rule file listed in rulebook.yaml holds one or more")
    for index, item in enumerate(items):
        if not _check_keys(ctx, item, RULE_KEYS, "rule", ("id", "title", "source", "condition", "outcome", "finding"),
                           line=_item_line(items, index)):
            continue
        rule_id = _ids(ctx, item, seen, "rule")
        what = f"rule {rule_id}"
        source = _source(ctx, item.get("source"), f"{what}.source", book, line=_line(item, "source")) or \
            Source("", "", "")
        book.def_refs[""] = []
        book.def_params[""] = []
        start = before = None
        in_force_text = "always"
        window = item.get("in_force")
        if window is not None and _check_keys(ctx, window, IN_FORCE_KEYS, f"{what}.in_force",
                                              line=_line(item, "in_force")):
            if "from" in window:
                start = _date_expr(ctx, window, "from", f"{what}.in_force", book.parameters)
            if "before" in window and "through" in window:
                ctx.add(window, "through", "wrong-type", f"{what}.in_force: use 'before' or 'through', not both")
            if "before" in window:
                before = _date_expr(ctx, window, "before", f"{what}.in_force", book.parameters)
            elif "through" in window:
                last = _date_expr(ctx, window, "through", f"{what}.in_force", book.parameters)
                before = last + timedelta(days=1) if last else None
            # In dates, as a reader checks them ("from 2000-04-10, before 2005-04-10"), whatever
            # parameter or expression the rule file states them by.
            parts = []
            if start:
                parts.append(f"from {start.isoformat()}")
            if "before" in window and before:
                parts.append(f"before {before.isoformat()}")
            elif "through" in window and before:
                parts.append(f"through {(before - timedelta(days=1)).isoformat()}")
            in_force_text = ", ".join(parts) or "always"
            if start and before and before <= start:
                ctx.add(window, None, "bad-date", f"{what}.in_force: ends before it starts")
        actions: tuple = ()
        scope = None
        applies = item.get("applies_to")
        if applies is None:
            ctx.add(item, None, "missing-field", f"{what}: missing 'applies_to'")
        elif _check_keys(ctx, applies, APPLIES_KEYS, f"{what}.applies_to", ("actions",),
                         line=_line(item, "applies_to")):
            raw_actions = applies.get("actions")
            if raw_actions is not None and (not isinstance(raw_actions, list) or not raw_actions):
                # A rule applying to no action would never apply: a check would report it clear.
                ctx.add(applies, "actions", "wrong-type", f"{what}.applies_to.actions: expected a non-empty list of "
                        f"action kinds, got {shown(raw_actions) if raw_actions != [] else 'an empty list'}")
                raw_actions = []
            for kind in raw_actions or []:
                if not _is_name(kind) or kind not in book.action_kinds:
                    ctx.add(applies, "actions", "bad-value", f"{what}.applies_to.actions: unknown action {shown(kind)} "
                            f"(facts.yaml action.kind){did_you_mean(kind, book.action_kinds) if _is_name(kind) else ''}")
            actions = tuple(raw_actions or ())
            if applies.get("when") is not None:
                scope = parse_condition(ctx, applies["when"], book, line=_line(applies, "when"))
        condition = (parse_condition(ctx, item["condition"], book, line=_line(item, "condition"))
                     if item.get("condition") is not None else TrueCond())
        versions = _versions(ctx, item, what, book, source, VERSION_KEYS)
        if any(raw is not None for _, raw in versions):
            # A version that changes the condition: each version's condition holds only in its own
            # dates, so durable decides on the text in force on the scenario's date.
            parts = []
            for i, (version, raw) in enumerate(versions):
                cond = condition if raw is None else parse_condition(ctx, raw, book, line=_line(item, "versions"))
                before = versions[i + 1][0].start if i + 1 < len(versions) else None
                parts.append(_dated(version.start if i else None, before, cond))
            condition = AnyOf(tuple(parts))
        exceptions = []
        exc_seen: dict = {}
        unless = item.get("unless")
        if unless is not None and not isinstance(unless, list):
            ctx.add(item, "unless", "wrong-type", f"{what}.unless: expected a list of exceptions, got {shown(unless)}")
            unless = []
        for exc_index, exc in enumerate(unless or []):
            if not _check_keys(ctx, exc, EXCEPTION_KEYS, f"{what} exception", ("id", "condition", "source"),
                               line=_item_line(unless, exc_index)):
                continue
            exc_id = _ids(ctx, exc, exc_seen, f"{what} exception")
            exc_source = _source(ctx, exc.get("source"), f"{what} exception {exc_id}.source", book,
                                 line=_line(exc, "source"))
            exc_title = _text(ctx, exc, "title", f"{what} exception {exc_id}")
            if exc.get("condition") is None:
                continue  # reported as missing above
            exceptions.append(Exception_(exc_id, exc_title or exc_id,
                                         parse_condition(ctx, exc["condition"], book, line=_line(exc, "condition")),
                                         exc_source))
        outcome = item.get("outcome")
        if outcome not in OUTCOMES:
            ctx.add(item, "outcome", "bad-value",
                    f"{what}.outcome: expected one of {', '.join(OUTCOMES)}{did_you_mean(outcome, OUTCOMES)}")
        otherwise = item.get("otherwise") or ("permitted" if outcome == "violation" else "not_applicable")
        if otherwise not in OTHERWISE:
            ctx.add(item, "otherwise", "bad-value",
                    f"{what}.otherwise: expected one of {', '.join(OTHERWISE)}{did_you_mean(otherwise, OTHERWISE)}")
        rule_assumptions = _names(ctx, item, "assumptions", what)
        for a_id in rule_assumptions:
            if a_id not in assumptions:
                ctx.add(item, "assumptions", "dangling-reference",
                        f"{what}.assumptions: no assumption '{a_id}' in assumptions.yaml{did_you_mean(a_id, assumptions)}")
        figures = _names(ctx, item, "figures", what)
        for fact in figures:
            if fact not in book.facts:
                ctx.add(item, "figures", "unknown-fact", f"{what}.figures: unknown fact '{fact}'{did_you_mean(fact, book.facts)}")
        finding = " ".join(_string(ctx, item, "finding", what, required=False).split())
        for placeholder in re.findall(r"\{([^{}]+)\}", finding):
            if placeholder not in book.facts:
                ctx.add(item, "finding", "unknown-fact",
                        f"{what}.finding: unknown placeholder '{{{placeholder}}}'{did_you_mean(placeholder, book.facts)}")
        approval = item.get("approval")
        if outcome == "approval_required" and approval is None:
            ctx.add(item, None, "missing-field", f"{what}: an approval_required rule needs an 'approval' block")
        if approval is not None and _check_keys(ctx, approval, APPROVAL_KEYS, f"{what}.approval", APPROVAL_KEYS,
                                                line=_line(item, "approval")):
            voters = list(book.classes) + [s for s, spec in book.securities.items() if spec.get("class") != "warrant"]
            if approval.get("voters") not in voters:
                ctx.add(approval, "voters", "bad-value", f"{what}.approval.voters: expected a class or security of "
                        f"parameters.yaml ({', '.join(voters)}){did_you_mean(approval.get('voters'), voters)}")
            _string(ctx, approval, "body", f"{what}.approval", required=False)
            threshold = approval.get("threshold")
            if not isinstance(threshold, str) or not THRESHOLD.match(threshold):
                ctx.add(approval, "threshold", "bad-value", f"{what}.approval.threshold: expected 'NN%', "
                        f"majority or unanimous, got {threshold!r}")
            elif threshold.endswith("%") and not 0 < Decimal(threshold[:-1]) <= 100:
                # "At least NN%" of the votes: 0% is met by no vote at all, and more than 100% by none.
                ctx.add(approval, "threshold", "bad-value", f"{what}.approval.threshold: {threshold} "
                        + ("is met without a single vote" if Decimal(threshold[:-1]) == 0 else "can never be met")
                        + "; a percentage threshold is more than 0% and at most 100% (or majority, unanimous)")
        declared = _names(ctx, item, "parameters", what)
        for name in declared:
            if name not in book.parameters:
                ctx.add(item, "parameters", "dangling-reference", f"{what}.parameters: no parameter '{name}' in "
                                                                  f"parameters.yaml{did_you_mean(name, book.parameters)}")
        gate = item.get("instrument_gate", True)
        if not isinstance(gate, bool):
            ctx.add(item, "instrument_gate", "wrong-type", f"{what}.instrument_gate: expected true or false")
            gate = True
        if not gate and not any(book.facts[f].origin == "instrument" and book.facts[f].document == source.document
                                for f in facts_of(condition) if f in book.facts):
            ctx.add(item, "instrument_gate", "bad-value",
                    f"{what}.instrument_gate: false, but the condition tests no fact `from: {{instrument: "
                    f"{source.document}}}` (the status of the rule's own document)")
        definitions = book.closure(book.def_refs[""], book.def_refs)
        used_params = [n for n in declared if n in book.parameters] + book.def_params[""] + book.closure(
            book.def_refs[""], book.def_params)
        rules.append(Rule(
            id=rule_id, title=_string(ctx, item, "title", what, required=False), source=source,
            in_force_from=start, in_force_before=before, in_force_text=in_force_text,
            actions=actions, scope=scope, condition=condition, exceptions=tuple(exceptions),
            outcome=str(outcome), otherwise=str(otherwise), finding=finding,
            assumptions=tuple(rule_assumptions), figures=tuple(f for f in figures if f in book.facts),
            file=ctx.file, line=item.line, order=order_start + index,
            approval=dict(approval) if isinstance(approval, dict) else None, facts=book.facts,
            parameters=tuple(dict.fromkeys(used_params)), versions=tuple(v for v, _ in versions),
            definitions=tuple(definitions), instrument_gate=gate,
        ))
    return rules


def load_rulebook(path: Path | str, check_quotes: bool = True, parameters: dict[str, Any] | None = None) -> Rulebook:
    """Read and validate a rulebook folder; raise InputError listing every problem found.

    `parameters` replaces parameter values as a reading's alternative states them (Assumption.
    alternative_parameters): the rulebook the other reading gives."""
    path = Path(path)
    problems = ProblemList()
    book = _Loading(path, problems, check_quotes, parameters)
    manifest_ctx = _Ctx(problems, book.display("rulebook.yaml"))
    if not (path / "rulebook.yaml").is_file():
        manifest_ctx.add(None, None, "missing-file", f"{path} is not a rulebook folder (no rulebook.yaml)")
        problems.raise_if_any()
    manifest = load_yaml_shared(path / "rulebook.yaml", manifest_ctx.file)
    if manifest is None:
        manifest_ctx.add(_first_line(path / "rulebook.yaml"), None, "missing-field",
                         "rulebook.yaml is empty: expected a mapping with id, title and rule_files")
        manifest = _line_dict({}, None)
    elif not _check_keys(manifest_ctx, manifest, MANIFEST_KEYS, "rulebook", ("id", "title", "rule_files"),
                         line=_first_line(path / "rulebook.yaml")):
        manifest = _line_dict({}, None)
    for key in ("id", "title"):
        _string(manifest_ctx, manifest, key, "rulebook", required=False)
    description = _text(manifest_ctx, manifest, "description", "rulebook")
    approvals_of = _text(manifest_ctx, manifest, "approvals_of", "rulebook")
    rule_files = _rule_files(manifest_ctx, manifest)
    _load_documents(book)
    _load_parameters(book)
    _load_facts(book)
    for ctx, node, what, needs in book.fact_needs:
        for name in needs:
            if name not in book.facts:
                ctx.add(node, "needs", "dangling-reference", f"{what}.from.needs: no fact '{name}' in facts.yaml"
                        f"{did_you_mean(name, book.facts)}")
    _load_definitions(book)
    _parse_fact_conditions(book)
    assumptions = _load_assumptions(book)
    for event_id, (ctx, item) in book.event_nodes.items():
        a_id = item.get("assumption")
        if _is_name(a_id) and a_id not in assumptions:
            ctx.add(item, "assumption", "dangling-reference", f"instrument event {event_id}.assumption: no assumption "
                                                              f"'{a_id}' in assumptions.yaml{did_you_mean(a_id, assumptions)}")
    for ctx, effect, where in book.term_assumptions:
        a_id = effect.get("assumption")
        if a_id is not None and (not _is_name(a_id) or a_id not in assumptions):
            ctx.add(effect, "assumption", "dangling-reference", f"{where}.assumption: no assumption {shown(a_id)} in "
                    f"assumptions.yaml{did_you_mean(a_id, assumptions) if _is_name(a_id) else ''}")
    rules: list[Rule] = []
    seen: dict = {}
    for name in rule_files:
        rules.extend(_load_rules(book, name, seen, assumptions, len(rules)))
    if rule_files and not rules and not problems:
        # An empty rulebook would find nothing to apply to any action and report it clear.
        manifest_ctx.add(manifest, "rule_files", "missing-field", "rulebook.rule_files: the rule files hold no rules; "
                         "a rulebook with no rules would report every action clear")
    for def_id in book.raw_definitions:
        _definition(None, {}, def_id, book, ())  # report problems in unused definitions too
    declined = _load_declined(book)
    arithmetic = _names(manifest_ctx, manifest, "arithmetic_assumptions", "rulebook")
    for a_id in arithmetic:
        if a_id not in assumptions:
            manifest_ctx.add(manifest, "arithmetic_assumptions", "dangling-reference",
                             f"rulebook.arithmetic_assumptions: no assumption '{a_id}'{did_you_mean(a_id, assumptions)}")
    position = _position(manifest_ctx, manifest.get("position"), book, _line(manifest, "position"))
    _check_examples(manifest_ctx, manifest, book)
    rule_ids = [rule.id for rule in rules]
    for event in position.get("events", []) if not problems else []:  # rules read in full only
        if event["rule"] not in rule_ids:
            manifest_ctx.add(manifest, "position", "dangling-reference", f"position.events: no rule '{event['rule']}'"
                                                                          f"{did_you_mean(event['rule'], rule_ids)}")
    problems.raise_if_any()
    _note_thresholds(book.facts, rules)
    return Rulebook(
        id=str(manifest["id"]), title=str(manifest["title"]), description=description,
        path=path, documents=book.documents, parameters=book.parameters, securities=book.securities,
        groups=book.groups, definitions=book.definitions, assumptions=assumptions, rules=rules,
        arithmetic_assumptions=arithmetic, events=book.events, term_events=book.term_events,
        declined=declined,
        facts=book.facts, party_attributes=book.party_attributes, constraints=book.constraints, classes=book.classes,
        position=position, approvals_of=approvals_of or "the holders",
    )


def _rule_files(ctx: _Ctx, manifest: dict) -> list[str]:
    """rulebook.yaml `rule_files`: one or more YAML files of the folder, each named once; a
    rulebook with none would report every action clear."""
    raw = manifest.get("rule_files")
    if raw is None:
        return []  # reported as missing
    if not isinstance(raw, list) or not raw:
        ctx.add(manifest, "rule_files", "wrong-type" if raw != [] else "missing-field",
                "rulebook.rule_files: expected a non-empty list of rule files"
                + (f", got {shown(raw)}" if raw != [] else ": a rulebook with no rules would report every action clear"))
        return []
    out: list[str] = []
    for index, name in enumerate(raw):
        line = _item_line(raw, index, manifest.line_of("rule_files") if isinstance(manifest, LineDict) else None)
        if not _is_name(name) or not name.strip():
            ctx.add(line, None, "wrong-type", f"rulebook.rule_files: expected the name of a YAML file, got {shown(name)}")
        elif not _inside(Path("."), name) or name in _SPECIAL_FILES:
            ctx.add(line, None, "bad-value", f"rulebook.rule_files: {name!r} is not a rule file of the folder (name a "
                                             f"file inside it, other than {', '.join(_SPECIAL_FILES)})")
        elif name in out:
            ctx.add(line, None, "duplicate-id", f"rulebook.rule_files: {name} is listed twice")
        else:
            out.append(name)
    return out


_SPECIAL_FILES = ("rulebook.yaml", "documents.yaml", "parameters.yaml", "facts.yaml", "definitions.yaml",
                  "assumptions.yaml", "declined.yaml")
EXAMPLE_KEYS = ("scenario", "vote_scenario", "group", "as_of")


def _check_examples(ctx: _Ctx, manifest: dict, book: _Loading) -> None:
    """rulebook.yaml `examples`: the sample paths, group and date `clausewise --help` shows."""
    node = manifest.get("examples")
    if node is None or not _check_keys(ctx, node, EXAMPLE_KEYS, "rulebook.examples", line=_line(manifest, "examples")):
        return
    for key in ("scenario", "vote_scenario"):
        _text(ctx, node, key, "rulebook.examples")
    group = node.get("group")
    if group is not None and (not _is_name(group) or group not in book.groups):
        ctx.add(node, "group", "dangling-reference", f"rulebook.examples.group: no group {shown(group)}"
                f"{did_you_mean(group, book.groups) if _is_name(group) else ''}")
    if node.get("as_of") is not None and not isinstance(node.get("as_of"), date):
        ctx.add(node, "as_of", "bad-date", f"rulebook.examples.as_of: expected a date YYYY-MM-DD, got "
                                           f"{shown(node.get('as_of'))}")


def _note_thresholds(facts: dict[str, FactSpec], rules: list[Rule]) -> None:
    """Give each percent fact the numbers the rules' scopes, conditions and exceptions compare it
    with, so that its figure is shown on the right side of each (facts.display_fact)."""
    found: dict[str, set] = {}
    for rule in rules:
        for cond in [rule.scope, rule.condition] + [exc.condition for exc in rule.exceptions]:
            for atom in atoms(cond):
                spec = facts.get(atom.fact)
                if (spec is not None and spec.type == "percent" and atom.op in ("<", "<=", ">", ">=", "==", "!=")
                        and isinstance(atom.value, (int, Decimal, Fraction)) and not isinstance(atom.value, bool)):
                    found.setdefault(atom.fact, set()).add(Fraction(atom.value))
    for name, values in found.items():
        facts[name] = replace(facts[name], thresholds=tuple(sorted(values)))


def rule_facts(rule: Rule) -> list[str]:
    """Facts a rule's scope, condition and exceptions read."""
    names = facts_of(rule.scope) + facts_of(rule.condition)
    for exc in rule.exceptions:
        names += facts_of(exc.condition)
    return list(dict.fromkeys(names))


# --- facts.yaml: the facts rules may test -----------------------------------------------------


def _load_facts(book: _Loading) -> None:
    """facts.yaml: every fact a rule may test, each party attribute, and stated facts that conflict.

    Conditions inside it (implied values, constraints) are parsed once every fact is known
    (`_parse_fact_conditions`).
    """
    ctx, data = _load_mapping(book, "facts.yaml", "facts.yaml", FACTS_FILE_KEYS, ("facts",))
    if data is None:
        return
    attributes = _named_mapping(ctx, data, "party_attributes",
                                "party_attributes: expected a mapping of attribute: declaration")
    for name, item in attributes.items():
        what = f"party attribute {name}"
        if not _check_keys(ctx, item, ATTRIBUTE_KEYS, what, ("type", "label"), line=_line(attributes, name)):
            continue
        kind = item.get("type")
        if kind not in ("bool", "enum", "text"):
            ctx.add(item, "type", "bad-value", f"{what}.type: expected bool, enum or text{did_you_mean(kind, ('bool', 'enum', 'text'))}")
            continue
        values = item.get("values")
        if kind == "enum" and (not isinstance(values, list) or not values):
            ctx.add(item, "values", "missing-field", f"{what}: an enum needs 'values'")
            continue
        if values is not None and (kind != "enum" or not all(_is_name(v) for v in values)):
            ctx.add(item, "values", "bad-value", f"{what}.values: only an enum takes values, each a word")
            continue
        label = _string(ctx, item, "label", what, required=False)
        if not label:
            continue
        book.party_attributes[str(name)] = PartyAttribute(str(name), kind, " ".join(label.split()),
                                                          _text(ctx, item, "meaning", what),
                                                          tuple(values) if values else None, item.line)
    facts = _named_mapping(ctx, data, "facts", "facts: expected a mapping of fact name: declaration")
    book.facts_ctx = ctx
    book.facts_data = _line_dict({**data, "facts": facts}, data)
    for name, item in facts.items():
        spec = _fact(ctx, str(name), item, book, facts.line_of(name))
        if spec is not None:
            book.facts[spec.name] = spec
    for name, spec in book.facts.items():
        for when_fact, _ in spec.only_when or ():
            if when_fact not in book.facts:
                ctx.add(facts[name], "from", "unknown-fact", f"fact {name}: from.only_when: unknown fact "
                                                            f"'{when_fact}'{did_you_mean(when_fact, book.facts)}")
    for name, spec in book.facts.items():  # params that name facts, once every fact is declared
        for key, value in spec.params.items():
            if MEASURES[spec.measure].params.get(key) in ("fact", "value_map"):
                names = [value] if isinstance(value, str) else list(value)
                for fact in names:
                    if not _is_name(fact) or fact not in book.facts:
                        ctx.add(facts[name], "from", "unknown-fact", f"fact {name}: from.params.{key}: unknown fact "
                                                                    f"'{fact}'{did_you_mean(fact, book.facts)}")


FACT_NAME = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")


def _fact(ctx: _Ctx, name: str, item: Any, book: _Loading, line: int | None = None) -> FactSpec | None:
    """One declared fact, checked: keys, type, label, values, and where its value comes from."""
    what = f"fact {name}"
    if not FACT_NAME.match(name):
        ctx.add(line, None, "bad-value", f"{what}: a fact name is lower_case words joined by dots")
    if not _check_keys(ctx, item, FACT_KEYS, what, ("type", "label", "meaning", "from"), line=line):
        return None
    kind = item.get("type")
    if not _is_name(kind) or kind not in FACT_TYPES:
        ctx.add(item, "type", "bad-value", f"{what}.type: expected one of {', '.join(FACT_TYPES)}{did_you_mean(kind, FACT_TYPES)}")
        return None
    values = item.get("values")
    values_from = item.get("values_from") or []
    if values is not None and (not isinstance(values, list) or not all(_is_name(v) for v in values)):
        ctx.add(item, "values", "wrong-type", f"{what}.values: expected a list of words, got {shown(values)}")
        values = None
    if not isinstance(values_from, list):
        ctx.add(item, "values_from", "wrong-type", f"{what}.values_from: expected a list")
        values_from = []
    for source in values_from:
        if not _is_name(source) or source not in ("securities", "groups", "countries"):
            ctx.add(item, "values_from", "bad-value", f"{what}.values_from: {shown(source)} is not one of securities, "
                                                      f"groups, countries{did_you_mean(source, ('securities', 'groups', 'countries'))}")
    values_from = [s for s in values_from if _is_name(s) and s in ("securities", "groups", "countries")]
    if kind in ("enum", "set") and not values and not values_from:
        ctx.add(item, None, "missing-field", f"{what}: an {kind} fact needs 'values' (or 'values_from')")
    if kind not in ("enum", "set") and (values or values_from):
        ctx.add(item, "values", "bad-value", f"{what}: only enum and set facts take values")
    unit = item.get("unit")
    if unit is not None and kind not in ("shares", "percent", "money"):
        ctx.add(item, "unit", "bad-value", f"{what}.unit: a {kind} fact has no unit")
    elif unit is not None and not _is_name(unit):
        ctx.add(item, "unit", "wrong-type", f"{what}.unit: expected a word (shares, percent, dollars), got {shown(unit)}")
        unit = None
    spec = dict(name=name, type=kind, label=_text(ctx, item, "label", what),
                meaning=_text(ctx, item, "meaning", what), unit=str(unit or ""),
                values=tuple(values) if values else None, values_from=tuple(values_from), line=item.line)
    origin = item.get("from")
    if origin == "core":
        if name not in CORE_FACTS:
            ctx.add(item, "from", "bad-value", f"{what}.from: core, but the engine computes no fact '{name}' "
                                               f"(core facts: {', '.join(CORE_FACTS)}){did_you_mean(name, CORE_FACTS)}")
        elif CORE_FACTS[name][0] != kind:
            ctx.add(item, "type", "bad-value", f"{what}.type: the engine computes it as a {CORE_FACTS[name][0]}")
        return FactSpec(origin="core", **spec)
    if not _check_keys(ctx, origin, FROM_KEYS, f"{what}.from", line=_line(item, "from")):
        return None
    if "instrument" in origin:
        # The status on the date of a document of the rulebook, as the instruments' dates, events
        # and the scenario's statements give it (engine/instruments.py): in_force or not_in_force,
        # unknown when the status is in question.
        document = origin.get("instrument")
        if not _is_name(document) or document not in book.documents:
            ctx.add(origin, "instrument", "dangling-reference", f"{what}.from.instrument: no document "
                    f"'{document}' in documents.yaml{did_you_mean(document, book.documents)}")
        if len(origin) > 1:
            ctx.add(origin, None, "bad-value", f"{what}.from: an instrument's status is not also a field or a measure")
        if kind != "enum" or tuple(values or ()) != STATES:
            ctx.add(item, "values", "bad-value", f"{what}: an instrument's status is an enum with values "
                                                 f"[{', '.join(STATES)}]")
        return FactSpec(origin="instrument", document=str(document), **spec)
    ways = [k for k in ("field", "party", "measure") if k in origin]
    if not ways and "implied" not in origin:
        ctx.add(origin, None, "missing-field", f"{what}.from: give core, field, party (with attribute) or measure")
        return None
    if "party" in origin and len(ways) > 1:
        ctx.add(origin, "party", "bad-value", f"{what}.from: a party attribute is not also a field or a measure")
    kinds = origin.get("kinds") or []
    if not isinstance(kinds, list):
        ctx.add(origin, "kinds", "wrong-type", f"{what}.from.kinds: expected a list of action kinds")
        kinds = []
    for k in kinds:
        if book.action_kinds and k not in book.action_kinds:
            ctx.add(origin, "kinds", "bad-value", f"{what}.from.kinds: unknown action '{k}' (facts.yaml action.kind)"
                                                  f"{did_you_mean(k, book.action_kinds)}")
    spec["kinds"] = tuple(kinds)
    if "field" in origin:
        key = origin.get("field")
        if not isinstance(key, str) or not re.match(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$", key):
            ctx.add(origin, "field", "bad-value", f"{what}.from.field: expected a field of the action, e.g. "
                                                  f"company_survives or resulting_entity.form, got {key!r}")
        elif not kinds:
            ctx.add(origin, None, "missing-field", f"{what}.from: a stated field needs 'kinds' (the actions that state it)")
        spec["key"] = key if isinstance(key, str) else str(key)  # (a key that is not a field is reported above)
        to_company = origin.get("to_company", False)
        if not isinstance(to_company, bool):
            ctx.add(origin, "to_company", "wrong-type", f"{what}.from.to_company: expected true or false, got "
                                                        f"{shown(to_company)}")
        spec["to_company"] = to_company is True
        if origin.get("default") is not None:
            default = origin["default"]
            if not _default_ok(kind, default, values):
                ctx.add(origin, "default", "wrong-type", f"{what}.from.default: {shown(default)} is not a value of "
                                                         f"a {kind} fact" + (f" ({', '.join(map(str, values))})"
                                                                             if kind == "enum" and values else ""))
            else:
                spec["default"] = default
    if "party" in origin:
        role, attribute = origin.get("party"), origin.get("attribute")
        if role not in ("transferee", "transferor"):
            ctx.add(origin, "party", "bad-value", f"{what}.from.party: expected transferee or transferor"
                                                  f"{did_you_mean(role, ('transferee', 'transferor'))}")
        if not _is_name(attribute) or attribute not in book.party_attributes:
            ctx.add(origin, "attribute", "dangling-reference",
                    f"{what}.from.attribute: no party attribute '{attribute}' under party_attributes"
                    f"{did_you_mean(attribute, book.party_attributes)}")
        elif book.party_attributes[attribute].type != kind:
            ctx.add(item, "type", "bad-value", f"{what}.type: the party attribute '{attribute}' is a "
                                               f"{book.party_attributes[attribute].type}")
        spec.update(origin="party", party=role, attribute=attribute)
    if "measure" in origin:
        params = _measure_params(ctx, origin, what, book)
        if params is None:
            return None
        measure = MEASURES[origin["measure"]]
        produced = measure.type_for(params.get(measure.typed_by))
        if produced != kind:
            ctx.add(item, "type", "bad-value", f"{what}.type: measure {origin['measure']}"
                    + (f" ({measure.typed_by} {params[measure.typed_by]})" if measure.typed_by in params else "")
                    + f" gives a {produced}, not a {kind}")
        spec.update(measure=origin["measure"], params=params)
        only = origin.get("only_when")
        if only is not None:
            # The measure is worked out only while one of the {fact: value} pairs holds (a figure
            # of an event that occurs, or of a party the action involves); otherwise the fact is
            # unknown, and only rules scoped to the event or party read it.
            if not isinstance(only, dict) or not only or not all(
                    isinstance(v, (str, int, Decimal, date)) for v in only.values()):
                ctx.add(origin, "only_when", "wrong-type",
                        f"{what}.from.only_when: expected {{fact: value}} (one or more; any one holding)")
            else:
                spec["only_when"] = tuple(dict(only).items())
        needs = origin.get("needs")
        if needs is not None:
            if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
                ctx.add(origin, "needs", "wrong-type", f"{what}.from.needs: expected a list of facts")
            else:
                book.fact_needs.append((ctx, origin, what, tuple(needs)))
                spec["needs"] = tuple(needs)
        if "field" not in origin:
            spec["origin"] = "measure"
        spec["contradiction"] = _text(ctx, origin, "contradiction", f"{what}.from")
    return FactSpec(**spec)


def _default_ok(kind: str, value: Any, values: Any) -> bool:
    """Whether a stated field's default is a value of its fact's type."""
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "enum":
        return _is_name(value) and (not values or value in values)
    if kind == "date":
        return isinstance(value, date)
    if kind in ("shares", "percent", "money"):
        return _is_number(value)
    if kind == "text":
        return isinstance(value, str)
    return False


def _measure_params(ctx: _Ctx, origin: dict, what: str, book: _Loading, given: tuple = ()) -> dict | None:
    """A measure's params from facts.yaml (or the position block), checked and resolved: a
    parameter's name stands for its value, a date expression for its date."""
    name = origin.get("measure")
    if not _is_name(name) or name not in MEASURES:
        ctx.add(origin, "measure", "bad-value", f"{what}.measure: no measure '{name}' (measures: "
                                                f"{', '.join(MEASURES)}){did_you_mean(name, MEASURES)}")
        return None
    measure = MEASURES[name]
    raw = origin.get("params") or {}
    if not isinstance(raw, dict):
        ctx.add(origin, "params", "wrong-type", f"{what}.params: expected a mapping")
        return None
    for needed in measure.required:
        if needed not in raw and needed not in given:
            ctx.add(raw if raw else origin, None, "missing-field", f"{what}.params: measure {name} needs '{needed}'")
    for needed in measure.needs:
        if needed not in book.parameters and not (needed in CONVERTING_PARAMETERS and _converts(book)):
            ctx.add(origin, "measure", "missing-field", f"{what}: measure {name} needs the parameter '{needed}' "
                                                        "in parameters.yaml")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        kind = measure.params.get(key)
        where = f"{what}.params.{key}"
        if kind is None:
            ctx.add(raw, key, "unknown-key", f"{where}: measure {name} takes no '{key}' (it takes "
                                             f"{', '.join(measure.params)}){did_you_mean(key, measure.params)}")
            continue
        resolved = _param_value(ctx, raw, key, kind, value, where, book)
        if resolved is not _BAD:
            out[key] = resolved
    return out


_BAD = object()


def _param_value(ctx: _Ctx, node: dict, key: str, kind: str, value: Any, where: str, book: _Loading) -> Any:
    def bad(message: str, choices: Any = ()) -> Any:
        ctx.add(node, key, "bad-value", f"{where}: {message}{did_you_mean(value, choices) if choices else ''}")
        return _BAD

    if isinstance(value, str) and value in book.parameters and kind in ("number", "int", "date"):
        if len([v for v in book.parameters[value].values if v.value is not None]) > 1:
            return bad(f"parameter '{value}' has more than one dated value; a measure's param reads one")
        if value in book.adjusted:
            return bad(f"parameter '{value}' is adjusted by the term event {book.adjusted[value]}; read it on the "
                       f"date with a `parameter` param")
        value = book.parameters[value].value
    if kind == "party":
        choices = list(PARTIES) + list(book.groups)
        return value if value in choices else bad(f"{value!r} is not acquirer, transferor, transferee or a group", choices)
    if kind == "when":
        return value if value in WHEN else bad(f"expected before or after, got {value!r}", WHEN)
    if kind == "output":
        return value if value in ("shares", "pct", "denominator") else bad(
            f"expected shares, pct or denominator, got {value!r}", ("shares", "pct", "denominator"))
    if kind.startswith("choice:"):
        choices = kind[len("choice:"):].split("|")
        return value if value in choices else bad(f"expected one of {', '.join(choices)}, got {value!r}", choices)
    if kind == "date":
        if value == "as_of" or isinstance(value, date):
            return value
        resolved = _date_expr(ctx, node, key, where.rsplit(".", 1)[0], book.parameters)
        return _BAD if resolved is None else resolved
    if kind == "class":
        choices = list(book.classes) + list(book.securities)
        return value if value in choices else bad(f"no class or security '{value}' in parameters.yaml", choices)
    if kind == "classes":
        choices = list(book.classes) + list(book.securities)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item not in choices:
                ctx.add(node, key, "dangling-reference", f"{where}: no class or security '{item}' in parameters.yaml"
                                                         f"{did_you_mean(item, choices)}")
                return _BAD
        return tuple(items)
    if kind == "securities":
        if not isinstance(value, list) or not value:
            return bad("expected a non-empty list of security ids")
        for item in value:
            if not _is_name(item) or item not in book.securities:
                ctx.add(node, key, "dangling-reference", f"{where}: no security {shown(item)} in parameters.yaml"
                                                         f"{did_you_mean(item, book.securities) if _is_name(item) else ''}")
                return _BAD
        return tuple(value)
    if kind in ("number", "int"):
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            return bad(f"expected a number or a number parameter, got {value!r}", book.parameters)
        if kind == "int" and value != int(value):
            return bad(f"expected a whole number, got {value}")
        return int(value) if kind == "int" else value
    if kind == "bool":
        return value if isinstance(value, bool) else bad(f"expected true or false, got {value!r}")
    if kind == "fact":
        return value if isinstance(value, str) else bad(f"expected a fact name, got {value!r}")
    if kind == "term_events":
        if not isinstance(value, dict) or not all(isinstance(v, str) and v in book.term_events for v in value.values()):
            return bad(f"expected {{action kind: term event id of parameters.yaml}}, got {value!r}")
        return dict(value)
    if kind == "fact_map":
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            return bad(f"expected {{field: fact}}, got {value!r}")
        return dict(value)
    if kind == "word":
        return value if isinstance(value, str) and re.fullmatch(r"[a-z_][a-z0-9_]*", value) else bad(
            f"expected a word of lower-case letters, digits and underscores, got {value!r}")
    if kind == "parameter":
        return value if isinstance(value, str) and value in book.parameters else bad(
            f"expected the name of a parameter in parameters.yaml, got {value!r}", book.parameters)
    if kind == "value_map":
        if not isinstance(value, dict) or len(value) != 1:
            return bad("expected one {fact: value}")
        return dict(value)
    return bad(f"unknown param kind {kind}")


def _parse_fact_conditions(book: _Loading) -> None:
    """Implied values and constraints of facts.yaml: conditions over the declared facts."""
    data = getattr(book, "facts_data", None)
    if data is None:
        return
    ctx = book.facts_ctx
    facts = data.get("facts") or {}
    for name, spec in list(book.facts.items()):
        origin = facts[name].get("from") if isinstance(facts.get(name), dict) else None
        if not isinstance(origin, dict) or origin.get("implied") is None:
            continue
        implied = origin["implied"]
        if not isinstance(implied, list):
            ctx.add(origin, "implied", "wrong-type", f"fact {name}.from.implied: expected a list of {{when, value}}")
            continue
        out = []
        for index, entry in enumerate(implied):
            if not _check_keys(ctx, entry, ("when", "value"), f"fact {name}.from.implied", ("when", "value"),
                               line=_item_line(implied, index)) or not _has(entry, ("when", "value")):
                continue
            condition = parse_condition(ctx, entry["when"], book, line=_line(entry, "when"))
            value = _scalar(ctx, entry, spec, entry.get("value"), f"fact {name}.from.implied", book)
            out.append((condition, value))
        book.facts[name] = replace(spec, implied=tuple(out))
    constraints = data.get("constraints") or []
    if not isinstance(constraints, list):
        ctx.add(data, "constraints", "wrong-type", f"constraints: expected a list, got {shown(constraints)}")
        return
    for index, item in enumerate(constraints):
        if not _check_keys(ctx, item, CONSTRAINT_KEYS, "constraint", CONSTRAINT_KEYS,
                           line=_item_line(constraints, index)) or not _has(item, CONSTRAINT_KEYS):
            continue
        fields = _names(ctx, item, "fields", "constraint", non_empty=True)
        if not fields:
            continue
        stated = {spec.key.split(".")[0] for spec in book.facts.values() if spec.key} | {
            spec.key for spec in book.facts.values() if spec.key}
        message = _string(ctx, item, "message", "constraint", required=False)
        for f in fields:
            if f not in stated and f.split(".")[0] not in stated:
                ctx.add(item, "fields", "bad-value", f"constraint.fields: '{f}' is no action field a fact is stated by"
                                                     f"{did_you_mean(f, stated)}")
        book.constraints.append(Constraint(parse_condition(ctx, item["when"], book, line=_line(item, "when")),
                                           tuple(str(f) for f in fields), " ".join(message.split()),
                                           item.line))


def _seat_rights(ctx: _Ctx, items: Any, book: _Loading) -> list[dict]:
    """rulebook.yaml `position.seat_rights`: each right to elect or designate directors that
    `clausewise position` shows on or off, with its holdings against its threshold and its seats."""
    out: list[dict] = []
    for index, item in enumerate(items):
        if not _check_keys(ctx, item, SEAT_RIGHT_KEYS, "position.seat_rights",
                           ("key", "label", "group", "cite", "params", "seats"), line=_item_line(items, index)) \
                or not _has(item, ("key", "label", "group", "cite", "params", "seats")):
            continue
        if not _is_name(item["key"]):
            ctx.add(item, "key", "wrong-type", f"position.seat_rights.key: expected a word, got {shown(item['key'])}")
            continue
        what = f"position.seat_rights.{item['key']}"
        if not _is_name(item["group"]) or item["group"] not in book.groups:
            ctx.add(item, "group", "dangling-reference", f"{what}.group: no group {shown(item['group'])}"
                    f"{did_you_mean(item['group'], book.groups) if _is_name(item['group']) else ''}")
            continue
        instrument = item.get("instrument")
        if instrument is not None and (not _is_name(instrument) or instrument not in book.documents):
            ctx.add(item, "instrument", "dangling-reference", f"{what}.instrument: no document {shown(instrument)}"
                    f"{did_you_mean(instrument, book.documents) if _is_name(instrument) else ''}")
            continue
        suspended = item.get("suspended_while")
        if suspended is not None and not _is_name(suspended):
            ctx.add(item, "suspended_while", "wrong-type", f"{what}.suspended_while: expected the key of another seat "
                                                           f"right, got {shown(suspended)}")
            continue
        label, cite = _string(ctx, item, "label", what, required=False), _string(ctx, item, "cite", what, required=False)
        held = _measure_params(ctx, _line_dict({"measure": "threshold_holding", "params": item["params"]}, item), what,
                               book, ("party",))
        seats = _measure_params(ctx, _line_dict({"measure": "board_seats", "params": item["seats"]}, item),
                                f"{what}.seats", book)
        if held is None or seats is None or not label or not cite:
            continue
        out.append({"key": str(item["key"]), "label": label, "group": item["group"],
                    "cite": cite, "instrument": instrument, "suspended_while": suspended, "params": held,
                    "seats": seats})
    keys = [e["key"] for e in out]
    for entry in out:
        if entry["suspended_while"] is not None and entry["suspended_while"] not in keys:
            ctx.add(items, None, "dangling-reference",
                    f"position.seat_rights.{entry['key']}.suspended_while: no seat right '{entry['suspended_while']}'"
                    f"{did_you_mean(entry['suspended_while'], keys)}")
    return out


def _position_list(ctx: _Ctx, node: dict, key: str) -> list:
    """A list under `position` (terms, groups, columns, seat_rights, events, notes): absent is
    empty; anything but a list is reported and read as empty."""
    raw = node.get(key)
    if raw is None:
        return LineList()
    if not isinstance(raw, list):
        ctx.add(node, key, "wrong-type", f"position.{key}: expected a list, got {shown(raw)}")
        return LineList()
    return raw


def _position(ctx: _Ctx, node: Any, book: _Loading, line: int | None = None) -> dict:
    """rulebook.yaml `position`: the deal-wide terms, the per-group figures and the table columns
    that `clausewise position` shows, each a measure, a parameter or a text."""
    if node is None:
        return {}
    if not _check_keys(ctx, node, POSITION_KEYS, "position", ("groups", "columns"), line=line):
        return {}
    notes = []
    for index, note in enumerate(_position_list(ctx, node, "notes")):
        if not isinstance(note, (str, int, Decimal)) or isinstance(note, bool):
            ctx.add(_item_line(node["notes"], index), None, "wrong-type", f"position.notes: expected text, got "
                                                                         f"{shown(note)}")
            continue
        notes.append(" ".join(str(note).split()))
    out: dict[str, Any] = {"summary": _text(ctx, node, "summary", "position"), "notes": notes}
    for section in ("terms", "groups"):
        entries = []
        items = _position_list(ctx, node, section)
        for index, item in enumerate(items):
            what = f"position.{section}"
            if not _check_keys(ctx, item, POSITION_ENTRY_KEYS, what, ("key",), line=_item_line(items, index)) \
                    or not _has(item, ("key",)):
                continue
            if not _is_name(item["key"]):
                ctx.add(item, "key", "wrong-type", f"{what}.key: expected a word, got {shown(item['key'])}")
                continue
            what = f"{what}.{item['key']}"
            places = item.get("places", 2)
            if not isinstance(places, int) or isinstance(places, bool) or not 0 <= places <= 12:
                ctx.add(item, "places", "wrong-type", f"{what}.places: expected a whole number of decimal places, "
                                                      f"0 to 12, got {shown(places)}")
                places = 2  # reported; the entry is still read, for what refers to it
            label = _text(ctx, item, "label", what) or item["key"]
            entry = {"key": item["key"], "label": label, "show": item.get("show", "value"), "places": places}
            if "measure" in item:
                params = _measure_params(ctx, item, what, book, ("party",) if section == "groups" else ())
                if params is None:
                    continue
                if section == "groups" and MEASURES[item["measure"]].params.get("party") and "party" in params:
                    ctx.add(item, "params", "bad-value", f"{what}.params: the party is each group in turn")
                entry.update(measure=item["measure"], params=params)
            elif "parameter" in item:
                if not _is_name(item["parameter"]) or item["parameter"] not in book.parameters:
                    ctx.add(item, "parameter", "dangling-reference", f"{what}.parameter: no parameter "
                            f"{shown(item['parameter'])}"
                            f"{did_you_mean(item['parameter'], book.parameters) if _is_name(item['parameter']) else ''}")
                    continue
                entry["parameter"] = item["parameter"]
            elif "text" in item:
                text = _string(ctx, item, "text", what, required=False)
                if not text:
                    ctx.add(item, "text", "missing-field", f"{what}.text: empty")
                    continue
                entry["text"] = text
            else:
                ctx.add(item, None, "missing-field", f"{what}: give a measure, a parameter or a text")
                continue
            show = entry["show"]
            parts = list(show.values()) if isinstance(show, dict) else [show]
            if isinstance(show, dict) and (not show or not all(_is_name(k) for k in show)):
                ctx.add(item, "show", "bad-value", f"{what}.show: expected one of {', '.join(SHOW_FIELDS)}, or a "
                                                   f"mapping of names to them")
                continue
            bad = [part for part in parts if not _is_name(part) or part not in SHOW_FIELDS]
            for part in bad:
                ctx.add(item, "show", "bad-value", f"{what}.show: {shown(part)} is not one of {', '.join(SHOW_FIELDS)}"
                                                   f"{did_you_mean(part, SHOW_FIELDS) if _is_name(part) else ''}")
            if bad:
                continue
            if item.get("cap") is not None:
                if not _is_name(item["cap"]) or item["cap"] not in book.facts:
                    ctx.add(item, "cap", "unknown-fact", f"{what}.cap: unknown fact {shown(item['cap'])}"
                                                         f"{did_you_mean(item['cap'], book.facts) if _is_name(item['cap']) else ''}")
                    continue
                entry["cap"] = item["cap"]
            entries.append(entry)
        out[section] = entries
    keys = [e["key"] for e in out["groups"]]
    columns = []
    items = _position_list(ctx, node, "columns")
    for index, item in enumerate(items):
        if not _check_keys(ctx, item, COLUMN_KEYS, "position.columns", ("label", "value"),
                           line=_item_line(items, index)) or not _has(item, ("label", "value")):
            continue
        value = _string(ctx, item, "value", "position.columns", required=False)
        label = _string(ctx, item, "label", "position.columns", required=False)
        if not value or not label:
            continue
        head = value.split(".")[0]
        if head not in keys:
            ctx.add(item, "value", "dangling-reference", f"position.columns: no group figure '{head}'"
                                                         f"{did_you_mean(head, keys)}")
        fmt = item.get("format", "shares")
        if fmt not in COLUMN_FORMATS:
            ctx.add(item, "format", "bad-value", f"position.columns.format: expected one of {', '.join(COLUMN_FORMATS)}"
                                                 f"{did_you_mean(fmt, COLUMN_FORMATS)}")
        columns.append({"label": label, "value": value, "format": fmt})
    out["columns"] = columns
    out["seat_rights"] = _seat_rights(ctx, _position_list(ctx, node, "seat_rights"), book)
    room = node.get("headroom")
    if room is not None and _check_keys(ctx, room, HEADROOM_KEYS, "position.headroom", HEADROOM_KEYS,
                                        line=_line(node, "headroom")) and _has(room, HEADROOM_KEYS):
        if not all(_is_name(room[k]) for k in HEADROOM_KEYS):
            ctx.add(room, None, "wrong-type", f"position.headroom: {', '.join(HEADROOM_KEYS)} are text")
        elif room["fact"] not in book.facts:
            ctx.add(room, "fact", "unknown-fact", f"position.headroom.fact: unknown fact '{room['fact']}'"
                                                  f"{did_you_mean(room['fact'], book.facts)}")
        else:
            out["headroom"] = {k: str(room[k]) for k in HEADROOM_KEYS}
    events = []
    items = _position_list(ctx, node, "events")
    for index, item in enumerate(items):
        # A rule whose applying marks an event a purchase may trigger (a change of control):
        # `headroom` also gives the largest purchase before it applies, with `fact` as its proof.
        if not _check_keys(ctx, item, POSITION_EVENT_KEYS, "position.events", POSITION_EVENT_KEYS,
                           line=_item_line(items, index)) or not _has(item, POSITION_EVENT_KEYS):
            continue
        if not all(_is_name(item[k]) for k in POSITION_EVENT_KEYS):
            ctx.add(item, None, "wrong-type", f"position.events: {', '.join(POSITION_EVENT_KEYS)} are text")
            continue
        if item["fact"] not in book.facts:
            ctx.add(item, "fact", "unknown-fact", f"position.events.fact: unknown fact '{item['fact']}'"
                                                  f"{did_you_mean(item['fact'], book.facts)}")
            continue
        events.append({k: str(item[k]) for k in POSITION_EVENT_KEYS})
    out["events"] = events
    return out
