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
import pickle
import threading
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import durable_rules_engine

from .conditions import NEGATION, All, Atom, Not, TrueCond, atoms
from .conditions import surely_false as holds_false
from .errors import EngineError, InputError, Problem
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
    scope = _scope(rule)
    if rule.instrument_gate:
        status = _instrument_field(rule)
        in_force = _and([dated, {status: IN_FORCE}])
        out = [
            ("out_of_force", None, out_of_force),
            ("instrument_not_in_force", None, _and([dated, {status: NOT_IN_FORCE}])),
            ("out_of_scope", None, _and_opt([dated, {"$neq": {status: NOT_IN_FORCE}}, surely_false(scope)])),
            ("instrument_unknown", None, _and_opt([dated, {status: UNKNOWN}, not_surely_false(scope)])),
            ("scope_unknown", None, _and_opt([in_force, unknown(scope)])),
        ]
    else:  # the document's status is a fact of the condition (Rule.instrument_gate)
        in_force = dated
        out = [
            ("out_of_force", None, out_of_force),
            ("out_of_scope", None, _and_opt([dated, surely_false(scope)])),
            ("scope_unknown", None, _and_opt([dated, unknown(scope)])),
        ]
    applies = _and_opt([in_force, surely_true(scope)])
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
    return posted_by(facts, post_plan(set_members, documents, kinds))


def post_plan(set_members: dict[str, list[str]] | None = None, documents: list[str] | tuple = (),
              kinds: dict[str, str] | None = None) -> tuple[tuple, tuple]:
    """What `posted_by` posts, worked out from the declarations alone (once per compiled
    rulebook): each document's fact and field, and each declared fact's name, field, type and
    the fields of the set members the rules test, text left out."""
    docs = tuple((instrument_fact(document), _field(instrument_fact(document)).replace("-", "_"))
                 for document in documents)
    facts = []
    for name, kind in (kinds or {}).items():
        if kind == "text":
            continue
        field = _field(name)
        members = tuple((member, f"{field}__{member}") for member in (set_members or {}).get(name, ()))
        facts.append((name, field, kind, members))
    return docs, tuple(facts)


def posted_by(facts: dict[str, Any], plan: tuple[tuple, tuple]) -> dict[str, Any]:
    """`post_form` on the plan `post_plan` made: the same fields, values and refusals."""
    posted: dict[str, Any] = {}
    documents, declared = plan
    for name, field in documents:
        value = facts.get(name)
        if value is not None and value not in STATES:
            raise EngineError(f"{name} must be one of {', '.join(STATES)}, got {value!r}")
        posted[field] = UNKNOWN if value is None else value
    for name, field, kind, members in declared:
        value = facts.get(name)
        if kind == "set":
            for member, member_field in members:
                posted[member_field] = UNKNOWN if value is None else ("T" if member in value else "F")
            continue
        if kind == "bool" or kind == "enum":
            if value is None:
                posted[field] = UNKNOWN
            elif kind == "bool":
                if not isinstance(value, bool):
                    raise EngineError(f"{name} must be true or false, got {value!r}")
                posted[field] = "T" if value else "F"
            else:
                posted[field] = str(value)
            continue
        if value is None:
            posted[field + "__k"] = 0
            continue
        posted[field + "__k"] = 1
        if kind == "percent" or kind == "money":
            frac = value if type(value) is Fraction else Fraction(value)
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


@dataclass(frozen=True)
class Fired:
    rule: str
    branch: str
    exception: str | None


# durable_rules 2.0.28 limits the partitions stay under (see ../shared/notes/durable-rules.md):
# more than 511 rules in a ruleset hang the first post; more than 64 nodes pending on one fact's
# match stack fail with error 303; 1,024 live sessions per ruleset. A partition holds at most
# PARTITION_RULES rules of one set of action kinds, so at most 8 x MAX_PARTS = 384 durable rules
# and a catch-all; each rule keeps its own guard node and reads its own fact of the batch, so one
# fact meets only its rule's branches (as when the rule is compiled alone, which lint checks);
# one session per ruleset is live at a time, deleted after each post.
PARTITION_RULES = 8
PROPERTY_BUDGET = 240  # fields posted in one fact (durable refuses more than 255 properties: error 302)


class _Partition:
    """Some rules of one set of action kinds, compiled into one durable ruleset.

    Each of its rules reads one fact of the batch posted to it, tagged `t = r<k>` (its guard), so
    that each rule's branches hang under their own equality node exactly as they do when a rule
    is compiled alone; the first fact of the batch also carries `c`, the only field the catch-all
    tests, so the catch-all fires once per post rather than once per rule.
    """

    def __init__(self, rules: list[Rule], indexes: tuple[int, ...], kinds: frozenset[str]):
        self.indexes = indexes
        self.kinds = kinds
        self._rules = [rules[i] for i in indexes]
        self.name = ""
        self.actions: dict[str, tuple[int, Fired]] = {}
        self.fields: list[tuple[str, ...]] = []  # per rule of the partition: the posted fields its branches read
        self.definition: dict[str, dict] = {}  # as durable receives it
        self.handle: int | None = None
        self.sid = 0

    def build(self) -> "_Partition":
        """Compile the partition's rules and create (or find) its durable ruleset, once."""
        if self.handle is not None:
            return self
        definition: dict[str, dict] = {}
        actions: dict[str, tuple[int, Fired]] = {}
        fields: list[tuple[str, ...]] = []
        for k, (index, rule) in enumerate(zip(self.indexes, self._rules)):
            parts = _rule_parts(rule, {"t": f"r{k}"})
            for n, (fired, expr) in enumerate(parts):
                definition[f"r{k}_{n}"] = {"all": [{"m": expr}]}
                actions[f"r{k}_{n}"] = (index, fired)
            names = tuple(sorted(_fields([expr for _, expr in parts])))
            if len(names) + 3 > PROPERTY_BUDGET:
                raise EngineLimit(rule, f"reads {len(names)} fields (at most {PROPERTY_BUDGET - 3})")
            fields.append(names)
        definition["catch_all"] = {"pri": CATCH_ALL_PRIORITY, "all": [{"m": {"$ex": {"c": 1}}}]}
        digest = hashlib.sha256(json.dumps(
            [definition, [[a.rule, a.branch, a.exception] for _, a in actions.values()]],
            sort_keys=True).encode()).hexdigest()[:16]
        self.name, self.definition, self.actions, self.fields = f"clausewise_{digest}", definition, actions, fields
        self.handle = _ruleset(self.name, definition)
        return self


_RULESETS: dict[str, int] = {}  # durable ruleset name -> handle, per process: durable cannot remove one
_LOCK = threading.RLock()  # durable is not thread-safe: one evaluation at a time per process


def _ruleset(name: str, definition: dict) -> int:
    """The durable ruleset named `name`, created on first use (names come from content hashes)."""
    with _LOCK:
        handle = _RULESETS.get(name)
        if handle is None:
            try:
                handle = durable_rules_engine.create_ruleset(name, json.dumps(definition))
            except Exception as exc:  # durable reports its limits as bare error codes
                raise EngineError(f"durable_rules rejected the compiled rules: {exc}") from None
            _RULESETS[name] = handle
        return handle


_BATCH_JSON = json.JSONEncoder(separators=(",", ":"))  # json.dumps(batch, separators=(",", ":")), made once


def _run(partition: _Partition, batch: list[dict]) -> list[tuple[int, Fired]]:
    """Assert a batch in a fresh session and collect the rules whose actions durable starts.

    The actions are driven here, without durable's Python host: a fired rule only records its
    name, so there is no state to update and no callback to run (an action's exception, durable
    swallowing it, or a timer thread stealing an action are all impossible by construction).
    """
    handle = partition.handle
    fired: list[tuple[int, Fired]] = []
    partition.sid += 1
    sid = str(partition.sid)
    for fact in batch:
        fact["sid"] = sid
    try:
        code, state = durable_rules_engine.assert_facts(handle, _BATCH_JSON.encode(batch))
        if code not in (0, 3):  # 1: some fact matched no rule, so a rule's branches missed a case
            raise EngineError(f"durable_rules left facts unhandled in {partition.name} (code {code})")
        result = durable_rules_engine.start_action_for_state(handle, state)
        message = result[1] if result else None
        while message:
            name = message[2:message.index('"', 2)]  # {"<durable rule name>":{...}}
            action = partition.actions.get(name)
            if action is not None:
                fired.append(action)
            message = durable_rules_engine.complete_and_start_action(handle, state)
    except EngineError:
        raise
    except Exception as exc:  # durable raises plain Exceptions carrying C error codes
        raise EngineError(f"durable_rules could not evaluate the facts: {exc}") from None
    finally:
        try:
            durable_rules_engine.delete_state(handle, sid)
        except Exception:  # noqa: BLE001 - a failed clean-up must not hide the real error
            pass
    return fired


def _rule_parts(rule: Rule, guard: dict) -> list[tuple[Fired, dict]]:
    """The durable rules one rulebook rule compiles into, each under `guard`."""
    parts: list[tuple[Fired, dict]] = []
    for branch, exc_id, expr in branches(rule):
        if expr is None:  # this branch can never hold for this rule
            continue
        for part in split(expr if expr is not _TRUE else guard):
            parts.append((Fired(rule.id, branch, exc_id), _and([guard, part])))
    if len(parts) > MAX_PARTS:
        # Past this durable_rules 2.0.28 corrupts its own memory instead of reporting an error.
        raise EngineLimit(rule, f"compiles into {len(parts)} durable rules (at most {MAX_PARTS})")
    return parts


def _partitions(rules: list[Rule]) -> list[list[int]]:
    """Rule indexes grouped by the set of action kinds they apply to, in rulebook order, each
    group cut into partitions of at most PARTITION_RULES rules."""
    groups: dict[frozenset, list[int]] = {}
    for index, rule in enumerate(rules):
        groups.setdefault(frozenset(rule.actions), []).append(index)
    return [indexes[i:i + PARTITION_RULES] for indexes in groups.values()
            for i in range(0, len(indexes), PARTITION_RULES)]


class CompiledRulebook:
    """A rulebook compiled into durable rulesets, one per partition, evaluated one fact set at a time.

    Use `compile_rules`, which reuses what this process has already compiled from equal rules:
    durable cannot redefine or remove a ruleset, so each partition's name is a hash of its
    compiled rules, and the rulebook's name a hash of the rules' content.
    """

    def __init__(self, rules: list[Rule], name: str):
        self.rules = list(rules)
        # The type of every declared fact, and of every fact an atom reads (each partition is
        # posted the facts its rules read: a value too large to compare exactly is refused there).
        declared = next((rule.facts for rule in rules if rule.facts), None) or {}
        self.kinds: dict[str, str] = {name: kind for name, (kind, _) in CORE_FACTS.items()}
        self.kinds.update({name: spec_.type for name, spec_ in declared.items()})
        self.documents = tuple(dict.fromkeys(rule.source.document for rule in rules))
        self.set_members: dict[str, list[str]] = {}
        for rule in rules:
            for cond in [rule.scope, rule.condition] + [e.condition for e in rule.exceptions]:
                for a in atoms(cond):
                    self.kinds.setdefault(a.fact, _kind(a))
                    if _kind(a) == "set" and a.value not in self.set_members.setdefault(a.fact, []):
                        self.set_members[a.fact].append(a.value)
        self.partitions = [_Partition(self.rules, tuple(indexes), frozenset(self.rules[indexes[0]].actions))
                           for indexes in _partitions(self.rules)]
        self._post_plan = post_plan(self.set_members, self.documents, self.kinds)
        self._partition_plans: dict[str, tuple[tuple, tuple]] = {}  # partition name -> its part of the plan
        self._fired: dict[tuple[int, str], Fired] = {}  # (rule index, branch) -> the Fired kind_branch decided
        self._scopes: list[tuple[Any, tuple[str, ...]]] | None = None  # per rule: its scope as compiled, its facts
        self._edges: tuple[date, ...] | None = None  # every date a rule comes into or goes out of force
        self._status_facts = tuple(instrument_fact(document) for document in self.documents)
        self._by_kind: dict[tuple, tuple[tuple[int, Fired], ...]] = {}  # see _kind_decided
        self.name = "clausewise_" + name

    def build(self) -> "CompiledRulebook":
        """Compile every partition now (a rulebook is otherwise compiled partition by partition,
        as evaluations first need them)."""
        with _LOCK:
            for partition in self.partitions:
                partition.build()
        return self

    def evaluate(self, facts: dict[str, Any], shortcut: bool = True) -> list[Fired]:
        """The branches that hold for every rule, in rule order.

        Each partition whose rules may apply to the action's kind gets the facts in one post.
        With `shortcut`, a rule whose action kinds exclude the action's kind is decided without
        durable: its branch depends on the date, its document's status and the kind alone (see
        `kind_branch`); without it every partition is posted (tests compare the two).
        """
        decided, posts = self.posts(facts, shortcut)
        return self.run(decided, posts)

    def posts(self, facts: dict[str, Any], shortcut: bool = True) -> tuple[dict[int, list[Fired]], list]:
        """The rules decided without durable, and for each other partition the batch it is posted:
        one fact per rule, carrying only the fields that rule's branches read."""
        kind = facts.get("action.kind")
        decided: dict[int, list[Fired]] = {}
        posts: list[tuple[_Partition, list[dict]]] = []
        if shortcut and kind is not None:
            for index, fired in self._kind_decided(kind, facts):
                decided[index] = [fired]
        for partition in self.partitions:
            if shortcut and kind is not None and partition.kinds and kind not in partition.kinds:
                continue
            out_of_scope = self._scope_decided(partition, facts, decided) if shortcut else ()
            if len(out_of_scope) == len(partition.indexes):
                continue
            with _LOCK:
                partition.build()
            posted = posted_by(facts, self._partition_plan(partition))
            batch = []
            for k, names in enumerate(partition.fields):
                if k in out_of_scope:
                    continue
                fact = {name: posted[name] for name in names if name in posted}
                fact["t"] = fact["id"] = f"r{k}"
                batch.append(fact)
            batch[0]["c"] = 1
            posts.append((partition, batch))
        return decided, posts

    def _partition_plan(self, partition: "_Partition") -> tuple[tuple, tuple]:
        """The part of the post plan whose fields the partition's rules read (a fact no posted
        rule reads is neither converted nor refused), worked out once per partition."""
        found = self._partition_plans.get(partition.name)
        if found is None:
            read = {name for names in partition.fields for name in names}
            documents, declared = self._post_plan
            found = self._partition_plans[partition.name] = (
                tuple(entry for entry in documents if entry[1] in read),
                tuple(entry for entry in declared
                      if {entry[1], entry[1] + "__k", entry[1] + "__n", entry[1] + "__d"} & read or any(f in read for _, f in entry[3])))
        return found

    def _scope_decided(self, partition: "_Partition", facts: dict[str, Any],
                       decided: dict[int, list[Fired]]) -> set[int]:
        """The partition's rules (by their place in it) whose scope is surely false on the facts,
        each decided into `decided` without durable.

        With its scope surely false a rule's branch depends on its dates and its document's status
        alone, as for a rule of other action kinds (`kind_branch`): out_of_force, then
        instrument_not_in_force, else out_of_scope; no other branch can hold. The scope is read as
        `truth` reads it (the reference semantics the compiled branches reproduce); a scope that
        reads a fact whose value is None is left to durable. Tests compare this with posting every rule.
        """
        scopes = self._scopes
        if scopes is None:
            scopes = self._scopes = []
            for rule in self.rules:
                scope = _scope(rule)
                scopes.append((scope, tuple(dict.fromkeys(a.fact for a in atoms(scope)))))
        out: set[int] = set()
        for k, index in enumerate(partition.indexes):
            scope, names = scopes[index]
            if any(name in facts and facts[name] is None for name in names):
                continue
            if holds_false(scope, facts):
                decided[index] = [self._kind_fired(index, kind_branch(self.rules[index], facts))]
                out.add(k)
        return out

    def _kind_decided(self, kind: str, facts: dict[str, Any]) -> tuple[tuple[int, Fired], ...]:
        """For every rule whose action kinds exclude `kind`, the branch `kind_branch` decides: a
        function of the kind, of where the date falls among the rules' own dates and of each
        document's status, kept per those (at most a few hundred on one compiled rulebook)."""
        if self._edges is None:
            self._edges = tuple(sorted({d for rule in self.rules for d in (rule.in_force_from, rule.in_force_before)
                                        if d is not None}))
        statuses = tuple([facts.get(name) for name in self._status_facts])
        key = (kind, bisect_right(self._edges, facts["as_of"]), statuses)
        found = self._by_kind.get(key)
        if found is None:
            found = tuple((index, self._kind_fired(index, kind_branch(self.rules[index], facts)))
                          for partition in self.partitions if partition.kinds and kind not in partition.kinds
                          for index in partition.indexes)
            if len(self._by_kind) >= 1 << 9:
                self._by_kind.clear()
            self._by_kind[key] = found
        return found

    def _kind_fired(self, index: int, branch: str) -> Fired:
        """The branch `kind_branch` decided for a rule, made once per rule and branch (a Fired is
        immutable)."""
        key = (index, branch)
        found = self._fired.get(key)
        if found is None:
            found = self._fired[key] = Fired(self.rules[index].id, branch, None)
        return found

    def run(self, decided: dict[int, list[Fired]], posts: list) -> list[Fired]:
        """Post each batch to its partition's ruleset and merge the branches fired, in rule order."""
        decided = {index: list(fired) for index, fired in decided.items()}
        with _LOCK:
            for partition, batch in posts:
                for index, fired in _run(partition, batch):
                    decided.setdefault(index, []).append(fired)
        # A branch split into several durable rules may fire more than once.
        out: list[Fired] = []
        for index in range(len(self.rules)):
            fired = decided.get(index, ())
            out += fired if len(fired) < 2 else dict.fromkeys(fired)
        return out


def kind_branch(rule: Rule, facts: dict[str, Any]) -> str:
    """The branch durable would report for a rule whose action kinds exclude the action's kind.

    The same precedence as `branches`: outside the rule's dates it is out of force; inside them,
    a document not in force decides; otherwise the scope is surely false (the kind is not one of
    the rule's), which prevails over an unknown document status.
    """
    as_of = facts["as_of"]
    if (rule.in_force_from and as_of < rule.in_force_from) or (rule.in_force_before and as_of >= rule.in_force_before):
        return "out_of_force"
    if rule.instrument_gate and facts.get(instrument_fact(rule.source.document)) == NOT_IN_FORCE:
        return "instrument_not_in_force"
    return "out_of_scope"


_compiled: dict[bytes, CompiledRulebook] = {}


class EngineLimit(InputError, EngineError):
    """A rule past one of durable_rules' limits (its size, the fields it reads): a problem of the
    rule file, reported at the rule's line with exit code 2 wherever the rule is first compiled
    (`clausewise lint` compiles each rule alone; `check` compiles lazily), never a crash."""

    def __init__(self, rule: Rule, message: str):
        super().__init__([Problem(rule.file or rule.id, rule.line or None, "engine-limit",
                                  f"rule {rule.id} {message}; simplify its conditions or split the rule")])


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


def content_key(rules: list[Rule]) -> bytes:
    """A digest of the rules' content: equal rules (a folder loaded twice) give the same key."""
    return hashlib.sha256(pickle.dumps(list(rules), protocol=4)).digest()


def compile_rules(rules: list[Rule], eager: bool = True) -> CompiledRulebook:
    """Compile rules into durable rulesets, once per content per process (or reuse them).

    With `eager=False` each partition is compiled when an evaluation first needs it (a check
    of a purchase compiles only the partitions of rules that apply to purchases).
    """
    key = content_key(rules)
    with _LOCK:
        engine = _compiled.get(key)
        if engine is None:
            engine = _compiled[key] = CompiledRulebook(rules, key.hex()[:16])
        return engine.build() if eager else engine


def check_compiles(rules: list[Rule]) -> None:
    """Compile each rule alone, so that a rule too large for durable_rules is named with its line."""
    from .errors import InputError, Problem

    problems = []
    for rule in rules:
        try:
            compile_rules([rule])
        except EngineLimit as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
