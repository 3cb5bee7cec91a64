"""Rule objects -> a durable_rules ruleset; the only module that imports durable.

Each rulebook rule becomes a small family of durable rules, one per outcome branch, so that the
engine itself decides which branch holds. Conditions are three-valued (true, false, unknown):
for every condition the compiler writes four durable expressions, T (surely true), F (surely
false), N (not surely true) and M (not surely false), so a missing fact can never pass for a
false one. Exactly one branch of each rule fires; evaluate.py checks that it did.

Facts are posted as exact integers. A percentage n/d is posted as `<name>__n` = n * 10**4 and
`<name>__d` = d, and `pct > 37` is matched as `__n > __d * 370000`: integers on both sides, each
checked below 2**53 before posting, so durable's double arithmetic is exact at every boundary.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable

from durable import engine as durable_engine

from .conditions import NEGATION, All, Atom, Not, TrueCond, atoms
from .errors import EngineError
from .facts import CORE_FACTS
from .instruments import IN_FORCE, NOT_IN_FORCE, STATES, instrument_fact
from .model import Rule

SCALE = 10**4  # percent thresholds carry at most 4 decimal places (checked in rulebook.py)
EXACT_LIMIT = 2**53  # integers below this are exact in a double
CATCH_ALL_PRIORITY = 65535  # a lowest-priority rule so a fact never goes unhandled

BRANCHES = ("out_of_force", "instrument_not_in_force", "instrument_unknown", "scope_unknown", "out_of_scope",
            "exception", "clear", "breach", "undetermined")

_TRUE: dict = {"$ex": {"t": 1}}  # stands for "always"; removed from every conjunction


def _field(fact: str) -> str:
    return fact.replace(".", "__")


def _flatten(op: str, parts: list) -> list:
    out: list = []
    for p in parts:
        if isinstance(p, dict) and list(p) == [op]:
            out.extend(p[op])
        elif p not in out:
            out.append(p)
    return out


def _and(parts: list) -> dict:
    parts = _flatten("$and", [p for p in parts if p is not _TRUE])
    if not parts:
        return _TRUE
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _or(parts: list) -> dict | None:
    if any(p is _TRUE for p in parts):
        return _TRUE
    parts = _flatten("$or", [p for p in parts if p is not None])
    if not parts:
        return None  # nothing can match
    return parts[0] if len(parts) == 1 else {"$or": parts}


def _and_opt(parts: list) -> dict | None:
    """Conjunction where a None part (can never match) makes the whole unmatchable."""
    if any(p is None for p in parts):
        return None
    return _and(parts)


EXPRESSION_BUDGET = 40  # durable rejects a rule of 44 expressions as counted here (error 113, measured)
MAX_PARTS = 48  # durable rules under one rule's guard: 49 measured safe, 72 corrupted durable's heap


def _size(expr: dict) -> int:
    key = next(iter(expr))
    if key in ("$and", "$or"):
        return 1 + sum(_size(e) for e in expr[key])
    return 1


def split(expr: dict) -> list[dict]:
    """Rewrite one expression as several smaller ones whose disjunction is equivalent.

    durable_rules rejects a rule with more than 32 expressions (error 113), so a large branch is
    distributed over its largest `$or` into several durable rules that report the same branch.
    """
    if _size(expr) <= EXPRESSION_BUDGET:
        return [expr]
    key = next(iter(expr))
    if key == "$or":
        return [part for item in expr["$or"] for part in split(item)]
    if key != "$and":
        raise EngineError("a condition is too large for durable_rules")
    items = expr["$and"]
    ors = [i for i, item in enumerate(items) if next(iter(item)) == "$or"]
    if not ors:
        raise EngineError("a conjunction is too large for durable_rules; split the rule")
    widest = max(ors, key=lambda i: _size(items[i]))
    rest = items[:widest] + items[widest + 1:]
    return [part for alt in items[widest]["$or"] for part in split(_and(rest + [alt]))]


UNKNOWN = "?"  # posted for a bool or enum fact that is not known


def _kind(atom: Atom) -> str:
    """An atom's fact type: as facts.yaml declares it, or, for an atom built in code without one,
    read from the value it is compared with."""
    if atom.kind:
        return atom.kind
    value = atom.value[0] if isinstance(atom.value, tuple) and atom.value else atom.value
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "enum"
    if isinstance(value, date):
        return "date"
    if isinstance(value, int):
        return "shares"
    return "percent"


def _posted_value(kind: str, value: Any) -> Any:
    if kind == "date":
        return value.toordinal()
    if kind in ("percent", "money"):
        return int(Decimal(value) * SCALE)
    if kind == "shares":
        return int(value)
    if kind == "bool":
        return "T" if value else "F"
    return value


def _numeric(fact: str, kind: str, op: str, value: Any) -> dict:
    """A comparison of a numeric fact with a constant; it never matches a missing attribute."""
    name = _field(fact)
    durable_op = {"==": None, "!=": "$neq", ">": "$gt", ">=": "$gte", "<": "$lt", "<=": "$lte"}[op]
    if kind in ("percent", "money"):
        # n/d > t  <=>  n * 10**4 > d * (t * 10**4): exact integers on both sides.
        return {durable_op: {name + "__n": {"$mul": {"$l": {"$m": name + "__d"}, "$r": _posted_value(kind, value)}}}}
    posted = _posted_value(kind, value)
    return {name: posted} if durable_op is None else {durable_op: {name: posted}}


def atom_forms(atom: Atom) -> tuple:
    """(T, F, N, M) of one atom: surely true, surely false, not surely true, not surely false."""
    name, op, value = _field(atom.fact), atom.op, atom.value
    kind = _kind(atom)
    if kind == "set":  # membership is posted as a "T"/"F"/"?" field per member the rules test
        name, op, value = f"{name}__{value}", ("==" if op == "includes" else "!="), True
        kind = "bool"
    if kind in ("bool", "enum"):
        if kind == "bool":  # x == b  is  x == "T"/"F";  x != b  is  x == the other one
            wanted = (value if op == "==" else not value)
            op, value = "in", (wanted,)
        values = [("T" if v else "F") if kind == "bool" else _posted_value(kind, v)
                  for v in (value if op in ("in", "not_in") else (value,))]
        positive = op in ("in", "==")
        is_one = _or([{name: v} for v in values])
        is_none = _and([{"$neq": {name: v}} for v in values])
        unknown = {name: UNKNOWN}
        not_unknown = {"$neq": {name: UNKNOWN}}
        if positive:
            return is_one, _and([is_none, not_unknown]), is_none, _or([is_one, unknown])
        return _and([is_none, not_unknown]), is_one, _or([is_one, unknown]), is_none
    missing = {_field(atom.fact) + "__k": 0}
    holds = _numeric(atom.fact, kind, op, value)
    fails = _numeric(atom.fact, kind, NEGATION[op], value)
    return holds, fails, _or([missing, fails]), _or([missing, holds])


def surely_true(cond) -> dict | None:
    """T(c): the condition holds on known facts."""
    if cond is None or isinstance(cond, TrueCond):
        return _TRUE
    if isinstance(cond, Atom):
        return atom_forms(cond)[0]
    if isinstance(cond, Not):
        return surely_false(cond.item)
    parts = [surely_true(i) for i in cond.items]
    return _and_opt(parts) if isinstance(cond, All) else _or(parts)


def surely_false(cond) -> dict | None:
    """F(c): the condition fails on known facts."""
    if cond is None or isinstance(cond, TrueCond):
        return None
    if isinstance(cond, Atom):
        return atom_forms(cond)[1]
    if isinstance(cond, Not):
        return surely_true(cond.item)
    parts = [surely_false(i) for i in cond.items]
    return _or(parts) if isinstance(cond, All) else _and_opt(parts)


def not_surely_true(cond) -> dict | None:
    """N(c): false or unknown."""
    if cond is None or isinstance(cond, TrueCond):
        return None
    if isinstance(cond, Atom):
        return atom_forms(cond)[2]
    if isinstance(cond, Not):
        return not_surely_false(cond.item)
    parts = [not_surely_true(i) for i in cond.items]
    return _or(parts) if isinstance(cond, All) else _and_opt(parts)


def not_surely_false(cond) -> dict | None:
    """M(c): true or unknown."""
    if cond is None or isinstance(cond, TrueCond):
        return _TRUE
    if isinstance(cond, Atom):
        return atom_forms(cond)[3]
    if isinstance(cond, Not):
        return not_surely_true(cond.item)
    parts = [not_surely_false(i) for i in cond.items]
    return _and_opt(parts) if isinstance(cond, All) else _or(parts)


def unknown(cond) -> dict | None:
    """U(c): neither surely true nor surely false."""
    return _and_opt([not_surely_true(cond), not_surely_false(cond)])


def _in_force(rule: Rule) -> tuple[dict, dict | None]:
    inside, outside = [], []
    if rule.in_force_from:
        inside.append({"$gte": {"as_of": rule.in_force_from.toordinal()}})
        outside.append({"$lt": {"as_of": rule.in_force_from.toordinal()}})
    if rule.in_force_before:
        inside.append({"$lt": {"as_of": rule.in_force_before.toordinal()}})
        outside.append({"$gte": {"as_of": rule.in_force_before.toordinal()}})
    return _and(inside), _or(outside)


def _instrument_field(rule: Rule) -> str:
    """The posted field with the status of the document the rule comes from."""
    return _field(instrument_fact(rule.source.document)).replace("-", "_")


def _scope(rule: Rule):
    kinds = tuple(rule.actions)
    action = Atom("action.kind", "in", kinds) if kinds else TrueCond()
    return All((action, rule.scope)) if rule.scope is not None else action


def branches(rule: Rule) -> list[tuple[str, str | None, dict | None]]:
    """(branch, exception id, durable expression) for every outcome branch of one rule.

    Branches: out_of_force (outside the rule's own dates); instrument_not_in_force (its
    document terminated, cancelled or not yet made); out_of_scope (surely not this action or
    party, whatever the document's status); instrument_unknown (its document's status unknown
    and the rule may apply); scope_unknown; `exception` for each exception that surely holds;
    `clear` (condition surely false), `breach` (condition surely true and every exception surely
    false), `undetermined` (condition unknown, or true with an exception unknown). A named
    exception that holds prevails over the rest ("provided, however"): evaluate.py applies that
    precedence to the branches the engine reports.
    """
    dated, out_of_force = _in_force(rule)
    status = _instrument_field(rule)
    in_force = _and([dated, {status: IN_FORCE}])
    scope = _scope(rule)
    applies = _and_opt([in_force, surely_true(scope)])
    out = [
        ("out_of_force", None, out_of_force),
        ("instrument_not_in_force", None, _and([dated, {status: NOT_IN_FORCE}])),
        ("out_of_scope", None, _and_opt([dated, {"$neq": {status: NOT_IN_FORCE}}, surely_false(scope)])),
        ("instrument_unknown", None, _and_opt([dated, {status: UNKNOWN}, not_surely_false(scope)])),
        ("scope_unknown", None, _and_opt([in_force, unknown(scope)])),
    ]
    for exc in rule.exceptions:
        out.append(("exception", exc.id, _and_opt([applies, surely_true(exc.condition)])))
    out.append(("clear", None, _and_opt([applies, surely_false(rule.condition)])))
    out.append(("breach", None, _and_opt([applies, surely_true(rule.condition)]
                                         + [surely_false(e.condition) for e in rule.exceptions])))
    out.append(("undetermined", None, _and_opt([applies, unknown(rule.condition)])))
    for exc in rule.exceptions:
        out.append(("undetermined", exc.id, _and_opt([applies, surely_true(rule.condition), unknown(exc.condition)])))
    return out


def post_form(facts: dict[str, Any], set_members: dict[str, list[str]] | None = None,
              documents: list[str] | tuple = (), kinds: dict[str, str] | None = None) -> dict[str, Any]:
    """Facts as durable receives them: every declared fact (`kinds`: name -> type), as exact
    integers or strings.

    An unknown bool or enum fact is posted as "?"; an unknown number is posted only as its
    `__k` (known) flag, 0, so that no comparison on it can match. A set fact is posted as one
    "T"/"F" field per member the rules test ("?" when the set is unknown); text is not posted.
    Each of `documents` has its status posted: in_force, not_in_force, or "?" when the facts
    do not state it (so a rule of that document cannot decide as if it were in force).
    """
    posted: dict[str, Any] = {}
    for document in documents:
        name = instrument_fact(document)
        value = facts.get(name)
        if value is not None and value not in STATES:
            raise EngineError(f"{name} must be one of {', '.join(STATES)}, got {value!r}")
        posted[_field(name).replace("-", "_")] = UNKNOWN if value is None else value
    for name, kind in (kinds or {}).items():
        field = _field(name)
        value = facts.get(name)
        if kind == "text":
            continue
        if kind == "set":
            for member in (set_members or {}).get(name, ()):
                posted[f"{field}__{member}"] = UNKNOWN if value is None else ("T" if member in value else "F")
            continue
        if kind in ("bool", "enum"):
            if value is None:
                posted[field] = UNKNOWN
            elif kind == "bool":
                if not isinstance(value, bool):
                    raise EngineError(f"{name} must be true or false, got {value!r}")
                posted[field] = "T" if value else "F"
            else:
                posted[field] = str(value)
            continue
        posted[field + "__k"] = 0 if value is None else 1
        if value is None:
            continue
        if kind in ("percent", "money"):
            frac = Fraction(value)
            numerator, denominator = frac.numerator * SCALE, frac.denominator
            if abs(numerator) >= EXACT_LIMIT or denominator * 100 * SCALE >= EXACT_LIMIT:
                raise EngineError(f"{name} = {frac} is too large to compare exactly")
            posted[field + "__n"] = numerator
            posted[field + "__d"] = denominator
        elif kind == "date":
            posted[field] = value.toordinal()
        else:
            if abs(int(value)) >= EXACT_LIMIT:
                raise EngineError(f"{name} = {value} is too large to compare exactly")
            posted[field] = int(value)
    if len(posted) > 250:
        raise EngineError("too many facts for one durable_rules fact (limit 255 properties)")
    return posted


class _SyncHost(durable_engine.Host):
    """A durable host without its timer thread, which can steal pending actions."""

    def _run(self) -> None:  # noqa: D401 - durable's hook
        return None


@dataclass(frozen=True)
class Fired:
    rule: str
    branch: str
    exception: str | None


class CompiledRulebook:
    """A rulebook compiled into one durable_rules ruleset, evaluated one fact set at a time.

    Use `compile_rules`, which reuses a ruleset already defined in this process: durable cannot
    redefine or remove a ruleset name, so names come from a hash of the compiled rules.
    """

    _host: _SyncHost | None = None
    _lock = threading.Lock()  # durable is not thread-safe: one evaluation at a time per process

    def __init__(self, rules: list[Rule], name: str, spec: dict[str, tuple[Fired, dict]]):
        self.rules = rules
        # The type of every declared fact (posted whether or not a rule reads it, so that a value
        # too large to compare is refused), and of every fact an atom reads.
        declared = next((rule.facts for rule in rules if rule.facts), None) or {}
        self.kinds: dict[str, str] = {name: kind for name, (kind, _) in CORE_FACTS.items()}
        self.kinds.update({name: spec_.type for name, spec_ in declared.items()})
        self.name = name
        self.documents = tuple(dict.fromkeys(rule.source.document for rule in rules))
        self.set_members: dict[str, list[str]] = {}
        for rule in rules:
            for cond in [rule.scope, rule.condition] + [e.condition for e in rule.exceptions]:
                for a in atoms(cond):
                    self.kinds.setdefault(a.fact, _kind(a))
                    if _kind(a) == "set" and a.value not in self.set_members.setdefault(a.fact, []):
                        self.set_members[a.fact].append(a.value)
        self._fired: list[Fired] = []
        self._sid = 0
        ruleset: dict[str, dict] = {}
        self.fields: dict[str, set[str]] = {}  # per rule guard: the posted fields its branches read
        for durable_name, (fired, expr) in spec.items():
            ruleset[durable_name] = {"all": [{"m": expr}], "run": self._action(fired)}
            guard = durable_name.split("_", 1)[0]
            self.fields.setdefault(guard, set()).update(_fields(expr))
        ruleset["catch_all"] = {"pri": CATCH_ALL_PRIORITY, "all": [{"m": {"$ex": {"t": 1}}}],
                                "run": self._action(None)}
        if CompiledRulebook._host is None:
            CompiledRulebook._host = _SyncHost()
        try:
            CompiledRulebook._host.set_rulesets({name: ruleset})
        except Exception as exc:  # durable reports its limits as bare error codes
            raise EngineError(f"durable_rules rejected the compiled rules: {exc}") from None

    def _action(self, fired: Fired | None) -> Callable:
        def run(c) -> None:
            if fired is not None:
                self._fired.append(fired)
        return run

    def evaluate(self, facts: dict[str, Any]) -> list[Fired]:
        """Assert the facts in a fresh session and return the branches that fired.

        The same facts are asserted once per rulebook rule, each copy tagged `t = r<index>`, so
        that each rule's branches hang under their own equality node in durable's network (one
        node may carry at most a fixed number of non-equality successors).
        """
        posted = post_form(facts, self.set_members, self.documents, self.kinds)
        # Each rule's copy carries only the fields its branches read: a smaller fact, same answer.
        batch = []
        for index in range(len(self.rules)):
            guard = f"r{index}"
            fact = {k: posted[k] for k in self.fields.get(guard, ()) if k in posted}
            fact.update(t=guard, id=guard)
            batch.append(fact)
        with CompiledRulebook._lock:
            self._sid += 1
            sid = str(self._sid)
            self._fired = []
            for fact in batch:
                fact["sid"] = sid
            try:
                state = CompiledRulebook._host.assert_facts(self.name, batch)
                # durable swallows an action's exception into the state; no state is an error too.
                if not isinstance(state, dict) or state.get("exception"):
                    raise EngineError(f"a rule action failed: {(state or {}).get('exception', 'no state returned')}")
            except EngineError:
                raise
            except Exception as exc:  # durable raises plain Exceptions carrying C error codes
                raise EngineError(f"durable_rules could not evaluate the facts: {exc}") from None
            finally:
                try:
                    CompiledRulebook._host.delete_state(self.name, sid)
                except Exception:  # noqa: BLE001 - a failed clean-up must not hide the real error
                    pass
            return list(dict.fromkeys(self._fired))  # a split branch may fire more than once


_compiled: dict[str, CompiledRulebook] = {}


def _fields(expr: Any) -> set[str]:
    """Every fact field a durable expression reads (keys and $m references)."""
    out: set[str] = set()
    if isinstance(expr, dict):
        for key, value in expr.items():
            if key == "$m":
                out.add(value)
            elif not key.startswith("$"):
                out.add(key)
                out |= _fields(value)
            else:
                out |= _fields(value)
    elif isinstance(expr, list):
        for item in expr:
            out |= _fields(item)
    return out - {"t"}


def compile_rules(rules: list[Rule]) -> CompiledRulebook:
    """Compile rules into a durable ruleset (or reuse the one already compiled from the same rules)."""
    spec: dict[str, tuple[Fired, dict]] = {}
    for index, rule in enumerate(rules):
        guard = {"t": f"r{index}"}
        count = 0
        for n, (branch, exc_id, expr) in enumerate(branches(rule)):
            if expr is None:  # this branch can never hold for this rule
                continue
            for k, part in enumerate(split(expr if expr is not _TRUE else guard)):
                spec[f"r{index}_{n}_{k}"] = (Fired(rule.id, branch, exc_id), _and([guard, part]))
                count += 1
        if count > MAX_PARTS:
            # Past this durable_rules 2.0.28 corrupts its own memory instead of reporting an error.
            raise EngineError(f"rule {rule.id} compiles into {count} durable rules (at most {MAX_PARTS})")
    digest = hashlib.sha256(json.dumps(
        {k: [v[0].rule, v[0].branch, v[0].exception, v[1]] for k, v in spec.items()},
        sort_keys=True).encode()).hexdigest()[:16]
    name = f"clausewise_{digest}"
    with CompiledRulebook._lock:
        if name not in _compiled:
            _compiled[name] = CompiledRulebook(rules, name, spec)
        return _compiled[name]


def check_compiles(rules: list[Rule]) -> None:
    """Compile each rule alone, so that a rule too large for durable_rules is named with its line."""
    from .errors import InputError, Problem

    problems = []
    for rule in rules:
        try:
            compile_rules([rule])
        except EngineError as exc:
            problems.append(Problem(rule.file, rule.line, "engine-limit",
                                    f"rule {rule.id}: {exc}; simplify its conditions or split the rule"))
    if problems:
        raise InputError(problems)
