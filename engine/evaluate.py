"""evaluate(rulebook, scenario) -> findings, in rulebook order, decided by durable_rules."""

from __future__ import annotations

import copy as _copy

import math
import weakref
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from operator import itemgetter
from typing import Any

from . import calc
from .approvals import all_pass, approvals
from .beside import kept_beside
from .compiler import CompiledRulebook, Fired, compile_rules
from .conditions import limbs_met, All, AnyOf, Atom, Not, _compare, atoms, deciding_atoms, deciding_unknowns, failing_atoms, truth
from .errors import EngineError
from .explain import OP_WORDS, PLACEHOLDER, Words, fill_template, question_text
from .facts import FactSpec, derive, display, display_fact
from .instruments import without_ended, InstrumentState, instrument_fact, instrument_facts, instrument_states
from .model import Finding, Rule, Scenario
from .rulebook import Rulebook, version_at

BLOCKING = ("violation", "cannot_determine")


@dataclass
class Result:
    """Findings for one scenario, with the facts they were decided on."""

    scenario: Scenario
    findings: list[Finding]
    facts: dict[str, Any]
    approvals: list[dict] = field(default_factory=list)
    instruments: dict[str, InstrumentState] = field(default_factory=dict)  # each document's status on the date

    @property
    def blocked(self) -> bool:
        """A violation, a cannot-determine, or a required approval not shown to pass."""
        return any(f.outcome in BLOCKING for f in self.findings) or not all_pass(self.approvals)

    def by_rule(self, rule_id: str) -> Finding:
        for f in self.findings:
            if f.rule == rule_id:
                return f
        raise KeyError(rule_id)


def scenario_facts(rulebook: Rulebook, scenario: Scenario,
                   states: dict[str, InstrumentState] | None = None) -> dict[str, Any]:
    """Every fact the scenario determines (unknown facts are absent), with each instrument's status
    (`states`, when the caller has already worked them out)."""
    cap = without_ended(rulebook, scenario.cap_table, scenario.as_of, scenario.instruments)
    if cap is not scenario.cap_table:  # securities of an instrument stated ended are held by no one
        scenario = replace(scenario, cap_table=cap)
    facts = derive(scenario, rulebook.facts, rulebook.deal(scenario.as_of, scenario.cap_table.term_events))
    if states is None:
        states = instrument_states(rulebook, scenario.instruments, scenario.as_of)
    facts.update(instrument_facts(states))
    for spec in rulebook.instrument_status_facts:  # facts.yaml `from: {instrument: DOC}`
        state = states.get(spec.document)
        if state is not None and state.status is not None:
            facts[spec.name] = state.status
    return facts


_ENGINES: dict[int, tuple[weakref.ref, list, CompiledRulebook]] = {}  # id(rulebook) -> its compiled rules


def compiled(rulebook: Rulebook) -> CompiledRulebook:
    """The rulebook's durable rulesets, compiled on its first evaluation.

    The rulebook itself is left untouched (it pickles as loaded): the compiled rules are found by
    the rulebook's identity, then by the content of its rules, so a folder loaded twice compiles once.
    """
    entry = _ENGINES.get(id(rulebook))
    if entry is not None and entry[0]() is rulebook and entry[1] is rulebook.rules:
        return entry[2]
    engine = compile_rules(rulebook.rules, eager=False)
    key = id(rulebook)
    _ENGINES[key] = (weakref.ref(rulebook, lambda _, key=key: _ENGINES.pop(key, None)), rulebook.rules, engine)
    return engine


def evaluate(rulebook: Rulebook, scenario: Scenario, *, shortcut: bool = True) -> Result:
    """Run every rule of the rulebook against the scenario on the durable_rules engine.

    Neither the rulebook nor the scenario is changed. `shortcut=False` posts every rule to
    durable, even those whose action kinds exclude the action (tests compare the two paths).
    """
    states = instrument_states(rulebook, scenario.instruments, scenario.as_of)
    facts = scenario_facts(rulebook, scenario, states)
    return result_of(rulebook, scenario, facts, states, compiled(rulebook).evaluate(facts, shortcut=shortcut))


def result_of(rulebook: Rulebook, scenario: Scenario, facts: dict[str, Any], states: dict[str, InstrumentState],
              fired: list[Fired]) -> Result:
    """The findings and approvals from the branches the engine fired for the scenario's facts."""
    by_rule: dict[str, list[Fired]] = {}
    for item in fired:
        by_rule.setdefault(item.rule, []).append(item)
    plans = _plans(compiled(rulebook))
    shown = _Shown(facts, rulebook.facts)
    kept = _kept(rulebook)
    keyed = kept.keyed(plans, facts)
    findings = [_kept_finding(kept, index, rulebook, rule, by_rule.get(rule.id, []), facts,
                              states.get(rule.source.document), plan, shown, keyed)
                for index, (rule, plan) in enumerate(zip(rulebook.rules, plans))]
    findings = _as_adjusted(rulebook, scenario, findings)
    return Result(scenario, findings, facts, approvals(rulebook, scenario, findings), states)


def _as_adjusted(rulebook: Rulebook, scenario: Scenario, findings: list[Finding]) -> list[Finding]:
    """Each finding's parameters as in force on the date: a parameter the record's anti-dilution
    events have adjusted shows its adjusted value, from the date it took effect, with the provision
    that adjusted it (a copy of the finding; kept findings are shared)."""
    record = tuple(e for e in scenario.cap_table.term_events if e.on <= scenario.as_of)
    if not any(e.outstanding is not None for e in record):
        return findings
    adjusted = {n: a for n, a in rulebook.adjustments(record, scenario.as_of).items() if any(s[3].made for s in a.steps)}
    if not adjusted:
        return findings
    out = []
    for finding in findings:
        if not any(p["name"] in adjusted for p in finding.parameters):
            out.append(finding)
            continue
        entries = []
        for p in finding.parameters:
            a = adjusted.get(p["name"])
            if a is None:
                entries.append(p)
                continue
            takes, _, effect, _ = [s for s in a.steps if s[3].made][-1]
            source = effect.source
            doc = rulebook.documents.get(source.document) if source else None
            entries.append({**p, "value": str(calc._round_half_up(a.value, effect.places) if effect.places is not None
                                              else a.value), "from": takes.isoformat(),
                            "document": source.document if source else p.get("document"),
                            "cite": f"{doc.code if doc and doc.code else source.document} {source.section}" if source
                            else p.get("cite"),
                            "section": source.section if source else p.get("section"),
                            "quote": source.quote if source else p.get("quote"),
                            })
        copy = _copy.copy(finding)
        copy.parameters = entries
        out.append(copy)
    return out


@dataclass(frozen=True)
class _Plan:
    """What a finding reads from its rule, worked out once per compiled rule."""

    condition_atoms: tuple[Atom, ...]
    shown: tuple[str, ...]  # facts whose values the finding shows as figures
    scope: Any  # the scope exactly as compiled (action kinds and applies_to)
    atoms: tuple[Atom, ...]  # every atom of its scope, condition and exceptions
    scope_facts: tuple[str, ...]  # the facts its scope reads


_PLANS: dict[str, list[_Plan]] = {}  # compiled rulebook name -> a plan per rule


def _plan(rule: Rule) -> _Plan:
    shown = [a.fact for a in atoms(rule.condition)] + list(rule.figures)
    for exc in rule.exceptions:
        shown += [a.fact for a in atoms(exc.condition)]
    scope = _scope_atoms(rule)
    every = list(atoms(scope)) + list(atoms(rule.condition))
    for exc in rule.exceptions:
        every += atoms(exc.condition)
    return _Plan(tuple(atoms(rule.condition)), tuple(dict.fromkeys(shown)), scope, tuple(every),
                 tuple(dict.fromkeys(a.fact for a in atoms(scope))))


def _plans(engine: CompiledRulebook) -> list[_Plan]:
    plans = _PLANS.get(engine.name)
    if plans is None:
        plans = _PLANS[engine.name] = [_plan(rule) for rule in engine.rules]
    return plans


def _outcome(rule: Rule, fired: list[Fired]) -> tuple[str, str, list[str]]:
    """The rule's outcome from the branches durable reported: (outcome, branch, exception ids).

    A condition that surely fails needs no exception; otherwise a named exception that surely
    holds prevails ("provided, however"); otherwise exactly one of breach and undetermined
    must have fired, or the engine is out of step.
    """
    branches = {f.branch for f in fired}
    alone = {"out_of_force": "not_applicable", "instrument_not_in_force": "not_applicable",
             "instrument_unknown": "cannot_determine", "scope_unknown": "cannot_determine",
             "out_of_scope": "not_applicable"}
    for branch, outcome in alone.items():
        if branch in branches:
            if len(branches) != 1:
                raise EngineError(f"rule {rule.id}: branches {sorted(branches)} fired together")
            return outcome, branch, []
    exceptions = [f.exception for f in fired if f.branch == "exception"]
    if "clear" in branches:
        if branches & {"breach", "undetermined"}:
            raise EngineError(f"rule {rule.id}: branches {sorted(branches)} fired together")
        return rule.otherwise, "clear", []
    if exceptions:
        return rule.otherwise, "exception", [e.id for e in rule.exceptions if e.id in exceptions]
    core = branches & {"clear", "breach", "undetermined"}
    if len(core) != 1:
        raise EngineError(f"rule {rule.id}: expected one of clear, breach, undetermined; got {sorted(branches) or 'none'}")
    branch = core.pop()
    outcome = {"clear": rule.otherwise, "breach": rule.outcome, "undetermined": "cannot_determine"}[branch]
    return outcome, branch, []


def _value_text(specs: dict[str, FactSpec], fact: str, value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return ", ".join(_value_text(specs, fact, v) for v in value)
    spec = specs[fact]
    if spec.type == "set" and isinstance(value, str):
        return value  # the member a rule tests for, not a set
    if spec.type == "percent":
        return f"{calc.pct_display(value, 4)}%"
    return display(spec.type, value)


_THRESHOLDS: dict[tuple, str] = {}  # (atom, its fact's type) -> its threshold as text, kept once


_THRESHOLD_OF: dict[tuple[int, str], tuple[Atom, str]] = {}  # (id(atom), type) -> (the atom, its text)


def _threshold(specs: dict[str, FactSpec], atom: Atom) -> str:
    kind = specs[atom.fact].type
    known = _THRESHOLD_OF.get((id(atom), kind))
    if known is not None and known[0] is atom:
        return known[1]
    text = _threshold_text(specs, atom)
    if len(_THRESHOLD_OF) >= _THRESHOLDS_LIMIT:
        _THRESHOLD_OF.clear()
    _THRESHOLD_OF[(id(atom), kind)] = (atom, text)  # the atom is held, so its id is not reused
    return text


_THRESHOLDS_LIMIT = 1 << 14


def _threshold_text(specs: dict[str, FactSpec], atom: Atom) -> str:
    key = (atom, specs[atom.fact].type)
    try:
        text = _THRESHOLDS.get(key)
    except TypeError:  # an unhashable value: no memo
        return _value_text(specs, atom.fact, atom.value)
    if text is None:
        text = _THRESHOLDS[key] = _value_text(specs, atom.fact, atom.value)
    return text


_UNSET = object()
_FRACTION = object()  # marks a Fraction's (numerator, denominator) in a kept finding's key


class _Shown(dict):
    """The display text of each fact of one evaluation, and the truth of each condition node, each
    worked out once however many findings show it (conditions.truth gives the same values), with
    the rulebook's declared facts (`specs`) that say how each is shown."""

    def __init__(self, facts: dict[str, Any], specs: dict[str, FactSpec]):
        super().__init__()
        self.facts = facts
        self.specs = specs
        self.truths: dict[int, bool | None] = {}

    def __missing__(self, name: str) -> str:
        text = self[name] = display_fact(self.specs[name], self.facts[name]) if name in self.facts else "unknown"
        return text

    def truth(self, cond) -> bool | None:
        value = self.truths.get(id(cond), _UNSET)
        if value is not _UNSET:
            return value
        if isinstance(cond, Atom):
            value = truth(cond, self.facts)
        elif isinstance(cond, Not):
            inner = self.truth(cond.item)
            value = None if inner is None else not inner
        elif isinstance(cond, (All, AnyOf)):
            values = [self.truth(item) for item in cond.items]
            decisive = False if isinstance(cond, All) else True
            value = decisive if decisive in values else None if None in values else not decisive
        else:
            value = truth(cond, self.facts)
        self.truths[id(cond)] = value
        return value

    def failing(self, cond) -> list[Atom]:
        """conditions.failing_atoms, on the memoised truths."""
        if self.truth(cond) is not False:
            return []
        if isinstance(cond, Atom):
            return [cond]
        if isinstance(cond, (All, AnyOf)):
            return [a for item in cond.items for a in self.failing(item)]
        if isinstance(cond, Not):
            return [a for a in atoms(cond.item) if self.truth(a) is True]
        return []


def _compared(atom: Atom, shown: _Shown) -> dict:
    return {
        "fact": atom.fact,
        "op": atom.op,
        "value": _threshold(shown.specs, atom),
        "actual": shown[atom.fact],
        "holds": shown.truth(atom),
    }


def template_values(template: str, facts: dict[str, Any], specs: dict[str, FactSpec]) -> dict[str, str]:
    """The display value of each `{fact.name}` placeholder of a finding template (`specs`: the
    rulebook's declared facts)."""
    values: dict[str, str] = {}
    for name in PLACEHOLDER.findall(template):
        if name not in specs or name in values:
            continue
        spec = specs[name]
        text = display_fact(spec, facts.get(name))
        # In prose an enum reads as words (a charter amendment, the certificate of designation);
        # security and group ids stay as they are, since they name things.
        if spec.type == "enum" and not {"securities", "groups"} & set(spec.values_from):
            text = text.replace("_", " ")
        values[name] = text
    return values


def render_template(template: str, facts: dict[str, Any], specs: dict[str, FactSpec]) -> str:
    """Fill `{fact.name}` placeholders with display values; nothing in the template is executed."""
    return fill_template(template, template_values(template, facts, specs))


def _stateable(unknowns: list[str], specs: dict[str, FactSpec], facts: dict[str, Any]) -> list[str]:
    """The unknown facts a rule needs, each worked-out fact replaced by the stated facts it needs
    (facts.yaml `needs`) that are unknown, so that a report names what the scenario can state."""
    out: list[str] = []
    for name in unknowns:
        spec = specs.get(name)
        kind = facts.get("action.kind")
        stated = [n for n in spec.needs if n not in facts and (not specs[n].kinds or kind in specs[n].kinds)] \
            if spec is not None else []
        out += stated or [name]
    return list(dict.fromkeys(out))


def _finding(rulebook: Rulebook, rule: Rule, fired: list[Fired], facts: dict[str, Any],
             state: InstrumentState | None = None, plan: _Plan | None = None,
             shown: _Shown | None = None) -> Finding:
    """The finding for one rule: its outcome, and what decided it as data (`because`), which
    the renderers turn into the explanation a person reads."""
    plan = plan or _plan(rule)
    specs = rulebook.facts
    shown = shown if shown is not None else _Shown(facts, specs)
    outcome, branch, detail = _outcome(rule, fired)
    document = rulebook.documents.get(rule.source.document)
    # A rule for other kinds of action says only that: the figures it would compare for its own
    # kinds mean nothing for this one.
    excluded = _excluded(rule, facts)
    # A finding that does not apply says why (the scope's tests that fail, with their values, in
    # `because`) and shows no figures: those of a rule for another party or action mislead.
    quiet = excluded or branch == "out_of_scope"
    figures = {} if quiet else {name: shown[name] for name in plan.shown if name in facts}
    on = facts["as_of"]
    parameters = rulebook.parameters_used(rule, on)
    versions = rulebook.versions_applied(rule, on)
    doc_id, section, quote = rule.source.document, rule.source.section, rule.source.quote
    if rule.versions and versions and versions[0].get("document"):
        # A version's words are the finding's quote, cited to the document that states them.
        doc_id, section, quote = versions[0]["document"], versions[0]["section"], versions[0]["quote"]
        document = rulebook.documents.get(doc_id)
    code = document.code if document and document.code else doc_id
    cite = f"{code} {section}"
    assumptions = list(rule.assumptions)
    if state is not None and state.event is not None and state.event.assumption:
        # On and after the event's date the rule's instrument stands on the reading of its status.
        if state.event.assumption not in assumptions:
            assumptions.append(state.event.assumption)
    reason = exception = None
    missing: list[str] = []
    because: dict[str, Any]
    if branch == "out_of_force":
        reason = "not_in_force"
        because = {"kind": "not_in_force", "as_of": facts["as_of"].isoformat(), "cite": cite,
                   "in_force": rule.in_force_text}
    elif branch == "instrument_not_in_force":
        reason, because = _instrument_ended(rulebook, rule, state, facts)
    elif branch == "instrument_unknown":
        reason = "instrument_status_unknown"
        missing = [instrument_fact(rule.source.document)]
        because = {"kind": "instrument_unknown", **instrument_question_data(rulebook, rule.source.document, state)}
    elif branch == "out_of_scope":
        failing = _scope_failing(plan, shown)
        if excluded:
            failing = [a for a in failing if a.fact == "action.kind"]
        reason = "not_this_action" if any(a.fact == "action.kind" for a in failing) else "not_this_party"
        because = _out_of_scope_because(failing, shown)
    elif branch == "scope_unknown":
        missing = _stateable(deciding_unknowns(plan.scope, facts), specs, facts)
        because = {"kind": "scope_unknown", "missing": list(missing)}
    elif branch == "exception":
        names = [e for e in rule.exceptions if e.id in detail]
        exception = names[0].id
        because = {"kind": "exception", "outcome": outcome, "exceptions": [
            {"id": exc.id, "cite": f"{_code(rulebook, exc.source.document, code) if exc.source else code} "
                                   f"{exc.source.section if exc.source else section}",
             "quote": exc.source.quote if exc.source else exc.title,
             "limbs": limbs_met(exc.condition, facts)} for exc in names],
            "tried": _tried(rule, facts)}
    elif branch == "undetermined":
        unknowns = deciding_unknowns(rule.condition, facts)
        for exc in rule.exceptions:
            unknowns += deciding_unknowns(exc.condition, facts)
        missing = _stateable(unknowns, specs, facts)
        because = {"kind": "undetermined", "missing": [{"fact": m, "description": specs[m].description}
                                                        for m in missing]}
    elif branch == "clear":
        # The dates that pick a version are not part of what the rule tests.
        because = {"kind": "condition_not_met", "outcome": outcome, "cite": cite,
                   "failed": [_compared(a, shown) for a in failing_atoms(rule.condition, facts)
                              if not (rule.versions and a.fact == "as_of")]}
    else:  # breach
        # A compound condition (a definition that several limbs make up) shows the
        # facts that decided it, so the limb that held or failed is on the page.
        decided = [] if isinstance(rule.condition, Atom) else deciding_atoms(rule.condition, facts)
        template = _finding_text(rule, facts)
        because = {"kind": "breach", "template": template, "values": template_values(template, facts, specs),
                   "shown": [_compared(a, shown) for a in decided], "tried": _tried(rule, facts)}
    comparisons = [] if quiet else [_compared(a, shown) for a in plan.condition_atoms
                                    if not (rule.versions and a.fact == "as_of")]
    return Finding(
        rule=rule.id, title=rule.title, outcome=outcome, document=doc_id,
        document_title=document.title if document else doc_id,
        section=section, quote=quote, because=because,
        figures=figures, assumptions=assumptions, approval=rule.approval, exception=exception,
        missing=missing, reason=reason, comparisons=comparisons,
        labels={name: specs[name].label for name in list(figures) + [c["fact"] for c in comparisons]},
        parameters=parameters, versions=versions, words=words_of(rulebook),
    )


_WORDS: dict[int, tuple] = {}  # id(rulebook) -> (a weak reference to it, its Words)


def words_of(rulebook: Rulebook) -> Words:
    """The rulebook's labels for its facts and names for its groups and securities, made once."""
    def make() -> Words:
        names = {"company": "the Company", "market": "the market"}  # the engine's own parties
        names.update({code: str(item.get("term") or item.get("name") or code)
                      for table in (rulebook.securities, rulebook.groups) for code, item in table.items()})
        labels = {instrument_fact(doc_id): f"whether {_document_name(rulebook, doc_id)} is in force"
                  for doc_id in rulebook.documents}
        labels.update({name: spec.label for name, spec in rulebook.facts.items() if spec.label})
        return Words(labels, names)
    return kept_beside(_WORDS, rulebook, make)


class _Kept:
    """A rulebook's findings that do not apply (out of scope or out of force), or whose scope or
    instrument's status is unknown, kept by what decides everything in them but their figures and
    comparisons (and, out of force, the date their explanation names): the rule, its branch, the
    values of the facts its scope reads, which of the facts it shows are known, the parameters
    and versions in force (the span of dates between their changes) and the instrument's event
    (its reading, and the question it raises). Most findings of a check are of these kinds and
    differ from one check to the next only in the figures they show. A finding equal to a kept
    one is handed out again (`variants`, by the values of every fact it reads); one with figures
    of its own is made from it each time, with comparisons kept by the values they compare."""

    LIMIT = 1 << 13

    def __init__(self, rulebook: Rulebook):
        self.findings: dict[tuple, Finding] = {}
        self.changes: dict[int, tuple[date, ...]] = {}
        self.variants: dict[tuple, Finding] = {}  # (rule, branch, dates, event, date, *the values it reads) -> finding
        self.shows: dict[int, tuple[str, ...]] = {}
        self.rulebook = rulebook
        self.getters: dict[int, tuple] = {}  # rule index -> what picks the values it reads from `keyed`
        self.compared: dict[tuple, list[dict]] = {}  # (rule index, the values it compares) -> its comparisons
        self.unset: dict[str, Any] | None = None  # every fact any plan reads, as _UNSET

    def keep(self, store: dict, key: tuple, finding: Finding) -> Finding:
        """Keep `finding` under `key` in one of the stores (emptied when full); return it."""
        if len(store) >= self.LIMIT:
            store.clear()
        store[key] = finding
        return finding

    def keyed(self, plans: list[_Plan], facts: dict[str, Any]) -> dict[str, Any]:
        """The facts as kept findings are looked up by: every fact a plan reads (_UNSET when the
        facts do not have it), a Fraction by its numerator and denominator, which hash far faster
        than the Fraction itself (a distinct key, never a different finding)."""
        if self.unset is None:
            self.unset = dict.fromkeys([name for index, plan in enumerate(plans)
                                        for name in (*self.reads_of(index, plan), *plan.scope_facts)], _UNSET)
        keyed = self.unset.copy()
        for name, value in facts.items():
            kind = type(value)
            keyed[name] = ((_FRACTION, value.numerator, value.denominator) if kind is Fraction
                           else frozenset(value) if kind is set else value)
        return keyed

    def getters_of(self, index: int, plan: _Plan, rule: Rule) -> tuple:
        """For the rule: what picks from `keyed` the values of the facts it reads, of those its
        scope tests and of those its comparisons test, each as a tuple (operator.itemgetter, in
        C); and the atoms its comparisons show."""
        found = self.getters.get(index)
        if found is None:
            compared = tuple(a for a in plan.condition_atoms if not (rule.versions and a.fact == "as_of"))
            found = self.getters[index] = (
                _tuple_getter(self.reads_of(index, plan)), _tuple_getter(plan.scope_facts),
                _tuple_getter(tuple(a.fact for a in compared)), compared)
        return found

    def comparisons_of(self, index: int, values: tuple, compared: tuple[Atom, ...], shown: _Shown) -> list[dict]:
        """The comparisons a finding of the rule shows: each atom's threshold, the display of its
        fact's value and whether it holds, a pure function of the values of the facts its atoms
        test (`values`), so those of values seen before are handed out again."""
        key = (index, values)
        found = self.compared.get(key)
        if found is None:
            if len(self.compared) >= self.LIMIT:
                self.compared.clear()
            found = self.compared[key] = [_compared(a, shown) for a in compared]
        return found

    def reads_of(self, index: int, plan: _Plan) -> tuple[str, ...]:
        """The facts a kept finding of the rule reads: those its scope tests, and those it shows
        (figures) or compares."""
        found = self.shows.get(index)
        if found is None:
            found = self.shows[index] = tuple(dict.fromkeys(
                [*plan.scope_facts, *plan.shown, *(a.fact for a in plan.condition_atoms)]))
        return found

    def changes_of(self, index: int, rule: Rule) -> tuple[date, ...]:
        """The dates on which a parameter the rule uses, its version or a definition's changes."""
        found = self.changes.get(index)
        if found is None:
            dates = {v.start for name in rule.parameters for v in self.rulebook.parameters[name].values}
            dates.update(v.start for v in rule.versions)
            for def_id in rule.definitions:
                definition = self.rulebook.definitions.get(def_id)
                if definition is not None:
                    dates.update(v.start for v in definition.versions)
            found = self.changes[index] = tuple(sorted(dates))
        return found


_KEPT: dict[int, tuple[weakref.ref, _Kept]] = {}  # id(rulebook) -> its kept findings
_KEPT_BRANCHES = frozenset(("out_of_scope", "out_of_force", "scope_unknown", "instrument_unknown"))


def _kept(rulebook: Rulebook) -> _Kept:
    return kept_beside(_KEPT, rulebook, lambda: _Kept(rulebook))


def _kept_finding(kept: _Kept, index: int, rulebook: Rulebook, rule: Rule, fired: list[Fired],
                  facts: dict[str, Any], state: InstrumentState | None, plan: _Plan, shown: _Shown,
                  keyed: dict[str, Any] | None = None) -> Finding:
    """`_finding`, for a finding of a kept kind made from the one kept (its `kept_from`) with this
    check's figures, comparisons and (out of force) date, worked out as `_finding` works them out."""
    branch = fired[0].branch if len(fired) == 1 else None
    if branch not in _KEPT_BRANCHES:
        return _finding(rulebook, rule, fired, facts, state, plan, shown)
    on = facts["as_of"]
    # An instrument's event adds its reading (and, when the status is in question, is what the
    # finding asks about); a rule out of force names the date in its explanation.
    event = (state.event.id, state.event.assumption) if state is not None and state.event is not None else None
    when = bisect_right(kept.changes_of(index, rule), on)
    dated = on if branch == "out_of_force" else None
    if _excluded(rule, facts):  # no figures: the same for every check of this kind, date span and event
        excluded_key = (index, branch, when, event, dated, _EXCLUDED, facts["action.kind"])
        found = kept.variants.get(excluded_key)
        if found is None:
            found = kept.keep(kept.variants, excluded_key, _finding(rulebook, rule, fired, facts, state, plan, shown))
            found.kept_from = found
        return found
    # The figures and comparisons are a pure function of the values of the facts they show.
    if keyed is None:
        keyed = kept.keyed(_plans(compiled(rulebook)), facts)
    if branch == "out_of_scope":
        scope_key = (index, "scope", when, event) + kept.getters_of(index, plan, rule)[1](keyed)
        try:
            found = kept.variants.get(scope_key)
        except TypeError:  # an unhashable value: work it out
            return _finding(rulebook, rule, fired, facts, state, plan, shown)
        if found is None:
            found = kept.keep(kept.variants, scope_key, _out_of_scope_finding(
                kept, index, rulebook, rule, fired, facts, state, plan, shown, keyed, when, event))
        return found
    reads, scope_reads, compared_reads, compared = kept.getters_of(index, plan, rule)
    shown_key = (index, branch, when, event, dated) + reads(keyed)
    try:
        found = kept.variants.get(shown_key)
    except TypeError:  # an unhashable value: work it out
        return _finding(rulebook, rule, fired, facts, state, plan, shown)
    if found is not None:
        return found
    known = tuple([name in facts for name in plan.shown])
    key = (index, branch, when, event, scope_reads(keyed), known)
    template = kept.findings.get(key)
    if template is None:  # out of force, its scope or instrument's status unknown (out of scope returned above)
        template = kept.keep(kept.findings, key, _finding(rulebook, rule, fired, facts, state, plan, shown))
        template.kept_from = template
        return template
    figures = {name: shown[name] for name in plan.shown if name in facts}
    comparisons = kept.comparisons_of(index, compared_reads(keyed), compared, shown)
    because = template.because
    if dated is not None and because.get("as_of") != on.isoformat():
        because = {**because, "as_of": on.isoformat()}
    if figures != template.figures or comparisons != template.comparisons or because is not template.because:
        # Figures of their own are seldom asked for again (a quantity, a percentage after it):
        # such a finding is made each time, and not kept.
        return _variant(template, figures, comparisons, because)
    return kept.keep(kept.variants, shown_key, template)


_EXCLUDED = object()  # marks the key of a finding of a rule for other kinds of action


def _excluded(rule: Rule, facts: dict[str, Any]) -> bool:
    """Whether the rule's action kinds exclude the action's kind."""
    return bool(rule.actions) and facts.get("action.kind") not in rule.actions


def _out_of_scope_finding(kept: _Kept, index: int, rulebook: Rulebook, rule: Rule, fired: list[Fired],
                          facts: dict[str, Any], state: InstrumentState | None, plan: _Plan, shown: _Shown,
                          keyed: dict[str, Any], when: int, event: tuple | None) -> Finding:
    """An out-of-scope finding, which shows no figures: all it says is which of its scope's tests
    fail (a function of their truths) and their values. One is kept per failing tests, span of
    dates and event, and one per those values too; a finding whose values are new is made from the
    first with its own `because`."""
    failing = _failing_by_truths(plan, shown)
    ids = tuple(map(id, failing))
    key = (index, "out_of_scope", when, event, ids, tuple([keyed[a.fact] for a in failing]))
    try:
        found = kept.variants.get(key)
    except TypeError:  # an unhashable value: work it out
        return _finding(rulebook, rule, fired, facts, state, plan, shown)
    if found is not None:
        return found
    same_key = (index, "out_of_scope", when, event, ids)
    same = kept.findings.get(same_key)
    if same is None:
        found = kept.keep(kept.findings, same_key, _finding(rulebook, rule, fired, facts, state, plan, shown))
        found.kept_from = found
    else:
        because = _out_of_scope_because(failing, shown)
        found = same if because == same.because else _variant(same, {}, [], because)
    return kept.keep(kept.variants, key, found)


def _tuple_getter(names: tuple[str, ...]):
    """What gives the values of `names` in a mapping as one tuple (itemgetter gives a bare value
    for one name)."""
    if len(names) == 1:
        name = names[0]
        return lambda mapping: (mapping[name],)
    if not names:
        return lambda mapping: ()
    return itemgetter(*names)


def _variant(template: Finding, figures: dict, comparisons: list, because: dict) -> Finding:
    """A copy of a kept finding with its own figures, comparisons and `because` (copy.copy's
    result: a new instance with the same attributes, made without copy's generic protocol)."""
    found = Finding.__new__(Finding)
    found.__dict__.update(template.__dict__)
    found.figures, found.comparisons, found.because = figures, comparisons, because
    return found


def _code(rulebook: Rulebook, doc_id: str, default: str) -> str:
    """The short code a document is cited by (PA, CoD, ...), or `default`."""
    doc = rulebook.documents.get(doc_id)
    return doc.code if doc and doc.code else default


_FAILING: dict[tuple, tuple] = {}  # (id(plan), its scope facts' values) -> (the plan, the scope atoms that fail)
_FAILING_LIMIT = 1 << 14


def _scope_failing(plan: _Plan, shown: _Shown) -> list[Atom]:
    """The atoms that make the rule's scope false: a pure function of the values of the facts
    the scope reads, so it is kept for values seen before."""
    try:
        key = (id(plan), tuple(shown.facts.get(name, _UNSET) for name in plan.scope_facts))
        hash(key)
    except TypeError:  # an unhashable value: work it out
        return shown.failing(plan.scope)
    found = _FAILING.get(key)
    if found is None or found[0] is not plan:  # a plan since freed may have left its id behind
        if len(_FAILING) >= _FAILING_LIMIT:
            _FAILING.clear()
        found = _FAILING[key] = (plan, shown.failing(plan.scope))
    return found[1]


_BY_TRUTHS: dict[tuple, tuple] = {}  # (id(plan), the truth of each scope atom) -> (the plan, the atoms that fail)


def _failing_by_truths(plan: _Plan, shown: _Shown) -> list[Atom]:
    """The atoms that make the rule's scope false (as `_scope_failing`): a pure function of the
    truth of each atom of the scope, kept for the truths seen before (a percentage that differs
    from check to check fails the same way)."""
    scope_atoms = _SCOPE_ATOMS.get(id(plan))
    if scope_atoms is None or scope_atoms[0] is not plan:
        scope_atoms = _SCOPE_ATOMS[id(plan)] = (plan, tuple(atoms(plan.scope)))
    key = (id(plan), tuple([shown.truth(a) for a in scope_atoms[1]]))
    found = _BY_TRUTHS.get(key)
    if found is None or found[0] is not plan:  # a plan since freed may have left its id behind
        if len(_BY_TRUTHS) >= _FAILING_LIMIT:
            _BY_TRUTHS.clear()
        found = _BY_TRUTHS[key] = (plan, shown.failing(plan.scope))
    return found[1]


_SCOPE_ATOMS: dict[int, tuple[_Plan, tuple[Atom, ...]]] = {}  # id(plan) -> (the plan, its scope's atoms)


def _out_of_scope_because(failing: list[Atom], shown: _Shown) -> dict:
    """What an out-of-scope finding says: each scope atom that fails, with its fact's value."""
    specs, facts = shown.specs, shown.facts
    return {"kind": "out_of_scope", "failing": [
        {"fact": a.fact, "actual": _value_text(specs, a.fact, facts.get(a.fact)), "op": a.op,
         "value": _threshold(specs, a), "wanted": _wanted(specs, a), "negated": shown.truth(a) is True}
        for a in failing]}


def _tried(rule: Rule, facts: dict[str, Any]) -> list[dict]:
    """Each exception of the rule and whether it held (None: unknown)."""
    return [{"id": exc.id, "holds": truth(exc.condition, facts)} for exc in rule.exceptions]


def _finding_text(rule: Rule, facts: dict[str, Any]) -> str:
    """The finding template of the rule's version in force (a version may reword it)."""
    if rule.versions:
        version = version_at(rule.versions, facts["as_of"])
        if version.finding:
            return version.finding
    return rule.finding


def _document_name(rulebook: Rulebook, doc_id: str) -> str:
    doc = rulebook.documents.get(doc_id)
    return (doc.name or doc.title) if doc else doc_id


def instrument_question_data(rulebook: Rulebook, doc_id: str, state: InstrumentState | None) -> dict:
    """What a scenario must state about an instrument whose status is in question, and why, as data."""
    event = state.event if state else None
    data: dict[str, Any] = {"document_id": doc_id, "document": _document_name(rulebook, doc_id), "event": None}
    if event is not None:
        src = event.source
        cited = None
        if src is not None:
            doc = rulebook.documents.get(src.document)
            cited = {"cite": f"{doc.code if doc and doc.code else src.document} {src.section}", "quote": src.quote}
        data["event"] = {"title": event.title, "source": cited, "assumption": event.assumption or None}
    return data


def instrument_question(rulebook: Rulebook, doc_id: str, state: InstrumentState | None) -> str:
    """What a scenario must state about an instrument whose status is in question, and why."""
    return question_text(instrument_question_data(rulebook, doc_id, state))


def _instrument_ended(rulebook: Rulebook, rule: Rule, state: InstrumentState | None,
                      facts: dict[str, Any]) -> tuple[str, dict]:
    name = _document_name(rulebook, rule.source.document)
    doc = rulebook.documents.get(rule.source.document)
    if state is not None and state.before_its_date and doc is not None:
        return "not_in_force", {"kind": "before_document_date", "as_of": facts["as_of"].isoformat(),
                                "document": name, "date": str(doc.date)}
    stated = state.stated if state else None
    if stated is None or stated.from_date is None:  # the engine and the statement disagree
        raise EngineError(f"rule {rule.id}: {rule.source.document} reported not in force with no statement")
    return ("instrument_" + stated.status,
            {"kind": "instrument_ended", "document": name, "status": stated.status,
             "from": str(stated.from_date), "stated_in": stated.stated_in or None, "note": stated.note or None})


def _scope_atoms(rule: Rule):
    from .compiler import _scope  # the scope exactly as compiled
    return _scope(rule)


_WANTED = OP_WORDS  # "more than ", "one of ", ...: one table of the words for a test, with explain.py


def _wanted(specs: dict[str, FactSpec], atom: Atom) -> str:
    return _WANTED[atom.op] + _threshold(specs, atom)


# --- Headroom: the largest purchase the rules permit ------------------------------------------


def with_quantity(scenario: Scenario, quantity: int) -> Scenario:
    return replace(scenario, action=replace(scenario.action, quantity=quantity))


def violations(result: Result) -> list[Finding]:
    return [f for f in result.findings if f.outcome in BLOCKING]


SIZE, NO_LIMIT, ROUTE, MISSING_FACT = "size", "no_limit", "route", "missing_fact"


@dataclass
class Headroom:
    """The largest quantity that passes, or why no quantity is the answer.

    `limit` says what decides: `size` (max_quantity passes and one more does not); `no_limit`
    (no rule in force limits the action: max_quantity is None); `route` or `missing_fact` (the
    verdict turns on the route taken or a fact not established, so no quantity cures it:
    max_quantity is None, and `cure` lists what would clear it).
    """

    max_quantity: int | None
    binding: Finding | None  # the rule that stops quantity max_quantity + 1, or that no quantity cures
    proof: tuple[Result | None, Result | None]
    limit: str = SIZE
    reason: str | None = None
    cure: list[str] = field(default_factory=list)


def headroom(rulebook: Rulebook, scenario: Scenario, upper: int | None = None) -> Headroom:
    """Largest quantity of the scenario's action that no rule blocks (the same engine as `check`).

    Ownership only rises with the quantity bought, so the blocked quantities form an upper
    interval. Its start is solved from the measures (`_solve`), and the engine confirms it: the
    answer N is given only when N is evaluated permitted and N+1 blocked; when the measures do
    not give it, a binary search over the engine's verdicts does. When one share is already
    blocked by a finding that does not turn on the quantity (a route, an unknown fact), no
    quantity is the answer and the result says what would clear it instead.
    """
    trials = _Trials(rulebook, scenario)
    if trials.blocked(1):
        one = trials.result(1)
        not_size = _not_by_size(rulebook, scenario, one)
        if not_size is not None:
            return not_size
        return Headroom(0, violations(one)[0], (trials.result(0), one))
    # Without a bound, a market purchase cannot exceed the Common Stock outstanding.
    lo, hi = 1, upper if upper is not None else max(1, scenario.cap_table.common_outstanding)
    if not trials.blocked(hi):
        hi_result = trials.result(hi)
        if upper is None:
            return Headroom(None, None, (hi_result, None), NO_LIMIT, "no rule in force limits the quantity on this date")
        return Headroom(hi, None, (hi_result, None))
    solved = _solve(rulebook, scenario, trials.facts(1), hi, trials=trials)
    if solved is not None:
        ok, over = trials.result(solved), trials.result(solved + 1)
        if not ok.blocked and over.blocked:
            return Headroom(solved, violations(over)[0], (ok, over))
    lo = bisect_quantity(rulebook, scenario, lo, hi, trials)
    ok, over = trials.result(lo), trials.result(lo + 1)
    if ok.blocked or not over.blocked:
        raise EngineError("headroom: the blocked quantities are not an interval; no single maximum exists")
    return Headroom(lo, violations(over)[0], (ok, over))


class _Trials:
    """One search over the quantity of a scenario's action: the facts derived and the branches the
    engine fired at each quantity tried, kept for the search only, so the quantity a probe tried
    and the engine then confirms is derived and run once."""

    def __init__(self, rulebook: Rulebook, scenario: Scenario):
        self.rulebook, self.scenario = rulebook, scenario
        self.states = instrument_states(rulebook, scenario.instruments, scenario.as_of)
        self._facts: dict[int, dict[str, Any]] = {}
        self._fired: dict[int, list[Fired]] = {}

    def facts(self, quantity: int) -> dict[str, Any]:
        found = self._facts.get(quantity)
        if found is None:
            found = self._facts[quantity] = scenario_facts(self.rulebook, with_quantity(self.scenario, quantity),
                                                           self.states)
        return found

    def fired(self, quantity: int) -> list[Fired]:
        found = self._fired.get(quantity)
        if found is None:
            found = self._fired[quantity] = compiled(self.rulebook).evaluate(self.facts(quantity))
        return found

    def blocked(self, quantity: int, facts: dict[str, Any] | None = None) -> bool:
        """Whether the engine blocks the action at `quantity`: on the facts derived there, or on
        `facts` (measures worked out another way). The verdict alone, without findings, unless an
        approval is required, which only the full evaluation decides."""
        fired = self.fired(quantity) if facts is None else compiled(self.rulebook).evaluate(facts)
        by_rule: dict[str, list[Fired]] = {}
        for item in fired:
            by_rule.setdefault(item.rule, []).append(item)
        outcomes = {_outcome(rule, by_rule.get(rule.id, []))[0] for rule in self.rulebook.rules}
        if "approval_required" in outcomes:
            return self.result(quantity).blocked
        return bool(outcomes & set(BLOCKING))

    def result(self, quantity: int) -> Result:
        return result_of(self.rulebook, with_quantity(self.scenario, quantity), self.facts(quantity), self.states,
                         self.fired(quantity))


def bisect_quantity(rulebook: Rulebook, scenario: Scenario, lo: int, hi: int, trials: _Trials | None = None) -> int:
    """The largest quantity the engine permits between lo (permitted) and hi (blocked), by bisection."""
    trials = trials or _Trials(rulebook, scenario)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if trials.blocked(mid):
            hi = mid
        else:
            lo = mid
    return lo


NUMERIC = ("percent", "shares")


def _fit(points: list[tuple[int, Fraction]]) -> tuple[Fraction, Fraction, Fraction] | None:
    """(a, b, e) with f(x) = (a + b x) / (1 + e x) through three points, or None when singular.

    Ownership after buying x shares is (held + x) / (outstanding + k x) for a measure's own k:
    a ratio of two linear functions of x, so three exact values determine it.
    """
    rows = [[Fraction(1), Fraction(x), -Fraction(x) * y, y] for x, y in points]
    for col in range(3):
        pivot = next((r for r in range(col, 3) if rows[r][col] != 0), None)
        if pivot is None:
            return None
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(3):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [v - factor * w for v, w in zip(rows[r], rows[col])]
    return rows[0][3] / rows[0][0], rows[1][3] / rows[1][1], rows[2][3] / rows[2][2]


def _solve(rulebook: Rulebook, scenario: Scenario, at_one: dict[str, Any], hi: int,
           trials: _Trials | None = None) -> int | None:
    """The largest permitted quantity in [1, hi), worked out from the measures: None when they
    do not determine it (the caller then searches).

    The verdict can change only where a measure crosses a threshold (`_crossings`), so the first
    blocked quantity is the first of those the engine blocks, found by bisection over them. The
    caller confirms the answer on derived facts.
    """
    crossings = _crossings(rulebook, at_one, hi, trials or _Trials(rulebook, scenario))
    return None if crossings is None else _first_blocked(*crossings) - 1


def _first_blocked(candidates: list[int], blocked) -> int:
    """The first of the ascending `candidates` that `blocked` says is blocked (the last is).

    The lowest crossings are tried first, at indices 0, 1, 3, 7, ... (the first threshold a
    purchase crosses is usually the one that stops it), then the interval found is bisected.
    """
    low, high, probe = 0, len(candidates) - 1, 0
    while probe < high:
        if blocked(candidates[probe]):
            high = probe
            break
        low, probe = probe + 1, 2 * probe + 1
    while low < high:
        mid = (low + high) // 2
        if blocked(candidates[mid]):
            high = mid
        else:
            low = mid + 1
    return candidates[low]


def _crossings(rulebook: Rulebook, at_one: dict[str, Any], hi: int,
               trials: _Trials) -> tuple[list[int], Any] | None:
    """The quantities in [2, hi] at which a rule's verdict can change, ascending (hi, blocked, is
    the last), and a test of whether the engine blocks one of them; None when the measures do not
    say where (the caller then searches).

    Each measure a rule reads that varies with the quantity is fitted exactly (see `_fit`) from its
    values at 1, 2 and `hi`; every rule atom over such a measure changes truth at most once, where
    the measure crosses its threshold. The test has the engine read the fitted measures (or, when a
    fact implied by them varies too, the facts derived at that quantity).
    """
    if hi < 4:
        return None
    read = {atom.fact for plan in _plans(compiled(rulebook)) for atom in plan.atoms}
    samples = {1: at_one, 2: trials.facts(2), hi: trials.facts(hi)}
    fitted: dict[str, tuple[Fraction, Fraction, Fraction]] = {}
    derived = False  # a fact derived from the fitted ones (implied, or present only past a threshold)
    for name in set().union(*samples.values()):
        values = [facts.get(name) for facts in samples.values()]
        if values[0] == values[1] == values[2]:
            continue
        spec = rulebook.facts.get(name)
        if name not in read and (spec is None or spec.type in NUMERIC):
            continue  # a figure no rule compares: it cannot change a verdict
        if spec is not None and spec.type not in NUMERIC and _derived_from_others(spec):
            derived = True  # it changes where a threshold of the facts it derives from is crossed
            continue
        if spec is None or spec.type not in NUMERIC or any(v is None for v in values):
            return None  # a fact that changes with the quantity in a way no threshold describes
        fit = _fit([(x, Fraction(v)) for x, v in zip(samples, values)])
        if fit is None:
            return None
        a, b, e = fit
        if e < 0 and 1 <= -1 / e <= hi:
            return None  # a pole inside the range: not a ratio of positive quantities
        fitted[name] = fit
    flips: set[int] = {hi}
    for plan in _plans(compiled(rulebook)):
        for atom in plan.atoms:
            if atom.fact not in fitted or atom.op not in (">", ">=", "<", "<=", "==", "!="):
                continue
            a, b, e = fitted[atom.fact]
            t = Fraction(atom.value)
            if b == t * e:
                continue  # the measure never crosses the threshold
            cross = (t - a) / (b - t * e)
            base = math.floor(cross)
            value = lambda x: (a + b * x) / (1 + e * x)  # noqa: E731 - the fitted measure
            for x in range(base - 1, base + 3):
                if 2 <= x <= hi and _compare(value(x), atom.op, t) != _compare(value(x - 1), atom.op, t):
                    flips.add(x)
    candidates = sorted(flips)

    def blocked(quantity: int) -> bool:
        if derived:
            return trials.blocked(quantity)  # derive the facts it implies, at this quantity
        facts = dict(at_one)
        for name, (a, b, e) in fitted.items():
            value = (a + b * quantity) / (1 + e * quantity)
            if rulebook.facts[name].type == "shares":
                if value.denominator != 1:
                    return trials.blocked(quantity)  # not a whole number: derive it
                value = int(value)
            facts[name] = value
        try:
            return trials.blocked(quantity, facts)
        except EngineError:
            # A fitted value too large to compare exactly: the measure is not the ratio it was fitted
            # as (a conversion rounded per holder), so derive the facts at this quantity instead.
            return trials.blocked(quantity)

    return candidates, blocked


def _derived_from_others(spec: FactSpec) -> bool:
    """A fact whose value the rulebook derives from other facts (implied by conditions over them, a
    measure that reads another fact, or one worked out only while another fact has a value), not a
    figure of its own."""
    from .measures import MEASURES
    if spec.implied and spec.measure is None and spec.key is None:
        return True
    if spec.only_when is not None:
        return True  # worked out only while another fact has a value
    if spec.measure is None:
        return False
    kinds = MEASURES[spec.measure].params
    return any(kinds.get(key) in ("fact", "value_map") for key in spec.params)


def _not_by_size(rulebook: Rulebook, scenario: Scenario, one: Result) -> Headroom | None:
    """A Headroom saying no quantity cures it, when a finding that blocks one share does not turn
    on the quantity: a cannot-determine (a fact to establish), or a violation decided only by
    facts that stay the same whatever the quantity (a route; the cure is a named exception)."""
    two = scenario_facts(rulebook, with_quantity(scenario, 2))
    varying = {k for k in set(one.facts) | set(two) if one.facts.get(k) != two.get(k)}
    causes: list[Finding] = []
    cure: list[str] = []
    kinds: list[str] = []
    for finding in violations(one):
        if finding.outcome == "cannot_determine":
            kinds.append(MISSING_FACT)
            causes.append(finding)
            cure += [_establish(rulebook, finding, m, one) for m in finding.missing]
            continue
        rule = rulebook.rule(finding.rule)
        if any(a.fact in varying for a in deciding_atoms(rule.condition, one.facts)):
            continue  # a size limit already reached: the largest quantity is 0
        kinds.append(ROUTE)
        causes.append(finding)
        document = rulebook.documents.get(rule.source.document)
        code = document.code if document and document.code else rule.source.document
        for exc in rule.exceptions:
            where = exc.source.section if exc.source else rule.source.section
            cure.append(f"{exc.title} ({code} {where})")
        if not rule.exceptions:
            # No exception to reach for: only the facts that decide the rule being otherwise clears it.
            specs = rulebook.facts
            for atom in dict.fromkeys(deciding_atoms(rule.condition, one.facts)):
                label = specs[atom.fact].label if atom.fact in specs else atom.fact
                actual = _value_text(specs, atom.fact, one.facts.get(atom.fact)) if atom.fact in specs else "?"
                cure.append(f"not so: {label} (it is {actual}; {code} {rule.source.section} applies only while "
                            f"it is {_wanted(specs, atom)})")
    if not causes:
        return None
    turns = [words for kind, words in ((ROUTE, "the route taken"), (MISSING_FACT, "a fact the scenario does not "
                                                                                   "establish")) if kind in kinds]
    reason = f"no quantity cures it: the verdict turns on {' and on '.join(turns)}, not on size"
    return Headroom(None, causes[0], (None, one), MISSING_FACT if MISSING_FACT in kinds else ROUTE, reason,
                    list(dict.fromkeys(cure)))


def _establish(rulebook: Rulebook, finding: Finding, missing: str, result: Result) -> str:
    if missing in rulebook.facts:
        spec = rulebook.facts[missing]
        return f"establish {'whether ' if spec.type == 'bool' else ''}{spec.label or spec.description}"
    state = result.instruments.get(finding.document)
    name = _document_name(rulebook, finding.document)
    event = state.event if state else None
    after = f" after {event.title}" if event else ""
    return f"state whether {name} is in force{after}, or was terminated or cancelled, and from what date"
