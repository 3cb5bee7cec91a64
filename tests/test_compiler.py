"""engine/compiler.py: the durable_rules compilation agrees with the reference three-valued
semantics (conditions.truth) on every branch of every rule.

For each rule, fact dicts are generated from small value sets for every fact the rule reads:
"absent", each value the rule names plus one it does not, both truth values, and each numeric
threshold with its neighbours (37 - 10**-9, 37, 37 + 10**-9; 25.1 exactly; a share count +-1; a
date +-1 day). The full product is used when it is small; otherwise every gating combination
(date, action, scope) with the body at fixed states, the body's product inside scope, and a
seeded sample. Each rule is compiled on its own and checked on its dicts; the whole rulebook,
compiled together as evaluate() uses it, is checked on a sample of them. A check compares the
fired branches with those the reference predicts, and evaluate._outcome with evaluate's
precedence: out of force; instrument not in force; out of scope; instrument status unknown;
scope unknown; clear; named exception; breach; undetermined. The status of the rule's document
(in force, not in force, or unknown) is one more gating fact of every rule.
"""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from clausewise.compiler import Fired, compile_rules
from clausewise.conditions import All, AnyOf, Atom, Not, atoms, truth
from clausewise.errors import EngineError
from clausewise.evaluate import _outcome
from clausewise.facts import allowed_values
from clausewise.instruments import instrument_fact
from clausewise.model import Exception_, Rule, Source
from clausewise.rulebook import load_rulebook

RULEBOOK = Path(__file__).resolve().parent.parent / "rules" / "icg-2000"
ABSENT = object()
TINY = Fraction(1, 10**9)
PER_RULE_BUDGET = 3000  # fact dicts generated per rule (full product when it fits)
DEFAULT_DAY = date(2001, 6, 1)


# --- the reference: what evaluate's precedence says, from conditions.truth alone -----------------


def _and3(*values):
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def reference_branches(rule: Rule, facts: dict) -> set[tuple[str, str | None]]:
    """The (branch, exception id) pairs that must fire for `rule`, by the three-valued semantics."""
    as_of = facts["as_of"]
    if (rule.in_force_from and as_of < rule.in_force_from) or (rule.in_force_before and as_of >= rule.in_force_before):
        return {("out_of_force", None)}
    # A rule that tests its own document's status is not gated by it (Rule.instrument_gate).
    status = facts.get(instrument_fact(rule.source.document)) if rule.instrument_gate else "in_force"
    if status == "not_in_force":
        return {("instrument_not_in_force", None)}
    kind = truth(Atom("action.kind", "in", tuple(rule.actions)), facts) if rule.actions else True
    scope = _and3(kind, truth(rule.scope, facts))
    if scope is False:
        return {("out_of_scope", None)}
    if status is None:
        return {("instrument_unknown", None)}
    if scope is None:
        return {("scope_unknown", None)}
    if scope is False:
        return {("out_of_scope", None)}
    cond = truth(rule.condition, facts)
    exc = {e.id: truth(e.condition, facts) for e in rule.exceptions}
    fired = {("exception", i) for i, v in exc.items() if v is True}
    if cond is False:
        fired.add(("clear", None))
    elif cond is None:
        fired.add(("undetermined", None))
    else:
        if all(v is False for v in exc.values()):
            fired.add(("breach", None))
        fired |= {("undetermined", i) for i, v in exc.items() if v is None}
    return fired


def reference_outcome(rule: Rule, facts: dict) -> tuple[str, str, list[str]]:
    """(outcome, branch, exception ids): out of force / scope unknown / out of scope; clear;
    exception; breach; undetermined - in that order."""
    as_of = facts["as_of"]
    if (rule.in_force_from and as_of < rule.in_force_from) or (rule.in_force_before and as_of >= rule.in_force_before):
        return "not_applicable", "out_of_force", []
    # A rule that tests its own document's status is not gated by it (Rule.instrument_gate).
    status = facts.get(instrument_fact(rule.source.document)) if rule.instrument_gate else "in_force"
    if status == "not_in_force":
        return "not_applicable", "instrument_not_in_force", []
    kind = truth(Atom("action.kind", "in", tuple(rule.actions)), facts) if rule.actions else True
    scope = _and3(kind, truth(rule.scope, facts))
    if scope is False:
        return "not_applicable", "out_of_scope", []
    if status is None:
        return "cannot_determine", "instrument_unknown", []
    if scope is None:
        return "cannot_determine", "scope_unknown", []
    if scope is False:
        return "not_applicable", "out_of_scope", []
    cond = truth(rule.condition, facts)
    if cond is False:
        return rule.otherwise, "clear", []
    holding = [e.id for e in rule.exceptions if truth(e.condition, facts) is True]
    if holding:
        return rule.otherwise, "exception", holding
    if cond is True and all(truth(e.condition, facts) is False for e in rule.exceptions):
        return rule.outcome, "breach", []
    return "cannot_determine", "undetermined", []


# --- fact dicts ------------------------------------------------------------------------------------


def rule_atoms(rule: Rule) -> list[Atom]:
    found = list(atoms(rule.scope)) + list(atoms(rule.condition))
    for exc in rule.exceptions:
        found += list(atoms(exc.condition))
    return found


def domains(rule: Rule, rulebook) -> dict[str, list]:
    """Small value sets for each fact the rule reads (as_of first, then in order of use)."""
    named: dict[str, list] = {}
    if rule.actions:
        named["action.kind"] = list(rule.actions)
    for atom in rule_atoms(rule):
        values = atom.value if isinstance(atom.value, tuple) else (atom.value,)
        for v in values:
            if v not in named.setdefault(atom.fact, []):
                named[atom.fact].append(v)
    days = []
    if rule.in_force_from:
        days += [rule.in_force_from - timedelta(days=1), rule.in_force_from]
    if rule.in_force_before:
        days += [rule.in_force_before - timedelta(days=1), rule.in_force_before]
    out: dict[str, list] = {"as_of": days or [DEFAULT_DAY],
                            instrument_fact(rule.source.document): ["in_force", "not_in_force", ABSENT]}
    for fact, values in named.items():
        kind = rulebook.facts[fact].type
        if kind in ("enum", "set"):
            allowed = allowed_values(rulebook.facts[fact], list(rulebook.securities), list(rulebook.groups))
            others = [a for a in allowed if a not in values]
            if kind == "enum":
                domain = values + others[:1] + [ABSENT]
            else:  # a set: empty, each named member alone, all of them, plus one member not named
                domain = [frozenset(), *[frozenset([v]) for v in values], frozenset(values + others[:1]), ABSENT]
        elif kind == "bool":
            domain = [True, False, ABSENT]
        elif kind == "percent":
            domain = sorted({Fraction(v) + d for v in values for d in (-TINY, 0, TINY)}) + [ABSENT]
        elif kind == "shares":
            domain = sorted({int(v) + d for v in values for d in (-1, 0, 1)}) + [ABSENT]
        elif kind == "date":
            domain = sorted({v + timedelta(days=d) for v in values for d in (-1, 0, 1)})
            if fact == "as_of":
                out["as_of"] = sorted(set(out["as_of"]) | set(domain))
                continue
            domain.append(ABSENT)
        else:
            raise AssertionError(f"no value set for a {kind} fact ({fact})")
        out[fact] = domain
    return out


def fact_dicts(rule: Rule, rulebook) -> list[dict]:
    """The full product of the rule's value sets, or, when it exceeds the budget, every gating
    combination (date, action, scope) with the body at fixed states, every body combination with
    the rule in force and in scope, and a seeded sample of the full product."""
    dom = domains(rule, rulebook)
    names = list(dom)
    size = 1
    for values in dom.values():
        size *= len(values)

    def make(values) -> dict:
        return {n: v for n, v in zip(names, values) if v is not ABSENT}

    if size <= PER_RULE_BUDGET:
        return [make(combo) for combo in itertools.product(*dom.values())]
    scope_facts = {"as_of", "action.kind", instrument_fact(rule.source.document)} | {a.fact for a in atoms(rule.scope)}
    gate = [n for n in names if n in scope_facts]
    body = [n for n in names if n not in scope_facts]
    rng = random.Random(rule.id)
    body_states = [[dom[n][0] for n in body], [dom[n][-2] for n in body], [ABSENT] * len(body)]
    gates = list(itertools.product(*(dom[n] for n in gate)))
    rng.shuffle(gates)
    combos = [dict(zip(gate, g)) | dict(zip(body, b))
              for g in gates[:PER_RULE_BUDGET // 2 // len(body_states)] for b in body_states]
    inside = {n: next((v for v in dom[n] if _in_scope(rule, n, v)), dom[n][0]) for n in gate}
    bodies = list(itertools.product(*(dom[n] for n in body)))
    rng.shuffle(bodies)
    combos += [inside | dict(zip(body, b)) for b in bodies[:max(0, PER_RULE_BUDGET - len(combos))]]
    combos += [{n: rng.choice(dom[n]) for n in names} for _ in range(200)]
    return [{n: v for n, v in c.items() if v is not ABSENT} for c in combos]


def _in_scope(rule: Rule, fact: str, value) -> bool:
    """A value that keeps the rule in force and in scope as far as this one fact goes."""
    if value is ABSENT:
        return False
    if fact == "as_of":
        return not ((rule.in_force_from and value < rule.in_force_from)
                    or (rule.in_force_before and value >= rule.in_force_before))
    if fact == "action.kind":
        return value in rule.actions
    if fact == instrument_fact(rule.source.document):
        return value == "in_force"
    return all(truth(a, {fact: value}) is True for a in atoms(rule.scope) if a.fact == fact)


def _key(facts: dict) -> frozenset:
    return frozenset((k, tuple(sorted(v)) if isinstance(v, frozenset) else v) for k, v in facts.items())


def check_agreement(rules: list[Rule], dicts: list[dict]) -> int:
    """Post every distinct dict once; compare every rule's fired branches and outcome with the
    reference. Returns the number of dicts posted."""
    compiled = compile_rules(rules)
    unique = {_key(facts): facts for facts in dicts}
    for facts in unique.values():
        fired = compiled.evaluate(facts)
        for rule in rules:
            mine = [f for f in fired if f.rule == rule.id]
            got = {(f.branch, f.exception) for f in mine}
            assert got == reference_branches(rule, facts), (rule.id, facts)
            assert _outcome(rule, mine) == reference_outcome(rule, facts), (rule.id, facts)
    return len(unique)


@pytest.fixture(scope="module")
def all_dicts(rulebook):
    return {rule.id: fact_dicts(rule, rulebook) for rule in rulebook.rules}


def test_value_sets_hold_the_boundaries_of_the_standstill_rules(rulebook):
    dom = domains(rulebook.rule("pa.6.6a.liberty-standstill"), rulebook)
    assert dom["as_of"] == [date(2000, 4, 9), date(2000, 4, 10), date(2005, 4, 9), date(2005, 4, 10)]
    assert dom["standstill.pct_after"] == [37 - TINY, Fraction(37), 37 + TINY, ABSENT]
    assert dom["voting_power.pct_after"] == [Fraction(251, 10) - TINY, Fraction(251, 10), Fraction(251, 10) + TINY,
                                             ABSENT]
    assert dom["action.seller"] == ["company", "market", ABSENT]
    assert dom["acquirer.group"] == ["liberty", "hmtf", ABSENT]


@pytest.mark.parametrize("index", range(len(load_rulebook(RULEBOOK).rules)))
def test_compilation_agrees_with_the_reference_semantics(rulebook, all_dicts, index):
    """Each rule compiled on its own (as compile_rules writes it, tagged r0) against its value sets."""
    rule = rulebook.rules[index]
    posted = check_agreement([rule], all_dicts[rule.id])
    assert posted >= min(len(all_dicts[rule.id]) // 2, 200), rule.id


def test_the_whole_rulebook_compiled_together_agrees_with_the_reference(rulebook, all_dicts):
    """One ruleset for every rule, as evaluate() uses it: each posted fact set is checked on every rule."""
    rng = random.Random(20000410)
    pool = [facts for rule in rulebook.rules for facts in rng.sample(all_dicts[rule.id], min(60, len(all_dicts[rule.id])))]
    posted = check_agreement(rulebook.rules, pool)
    assert posted >= 20 * len(rulebook.rules)


def test_every_branch_of_every_rule_is_reached(rulebook, all_dicts):
    """The generated facts exercise each branch the compiler writes (a vacuous check proves nothing)."""
    reached: dict[str, set] = {rule.id: set() for rule in rulebook.rules}
    for rule in rulebook.rules:
        for facts in all_dicts[rule.id]:
            reached[rule.id] |= reference_branches(rule, facts)
    for rule in rulebook.rules:
        wanted = {("scope_unknown", None), ("out_of_scope", None), ("breach", None)}
        if rule.instrument_gate:
            wanted |= {("instrument_not_in_force", None), ("instrument_unknown", None)}
        wanted |= {(branch, e.id) for e in rule.exceptions for branch in ("exception", "undetermined")}
        scope_facts = {"action.kind"} | {a.fact for a in atoms(rule.scope)}
        if any(a.fact not in scope_facts for a in atoms(rule.condition)):
            # (PA 6.5's condition, action.kind == transfer, is implied by its scope: never clear.)
            wanted.add(("clear", None))
            # A scenario always states its date: a condition on as_of alone is never undetermined.
            if any(a.fact not in scope_facts | {"as_of"} for a in atoms(rule.condition)):
                wanted.add(("undetermined", None))
        if rule.in_force_from or rule.in_force_before:
            wanted.add(("out_of_force", None))
        assert wanted <= reached[rule.id], (rule.id, wanted - reached[rule.id])


# --- synthetic rules: operators and shapes the rulebook does not use yet ---------------------------

SRC = Source(document="purchase-agreement", section="test", quote="test")


def synthetic(rule_id: str, condition, scope=None, exceptions=(), in_force=(None, None)) -> Rule:
    return Rule(id=rule_id, title=rule_id, source=SRC, in_force_from=in_force[0], in_force_before=in_force[1],
                in_force_text="", actions=("purchase", "transfer"), scope=scope, condition=condition,
                exceptions=tuple(Exception_(id=f"e{i}", title="e", condition=c) for i, c in enumerate(exceptions)),
                outcome="approval_required", otherwise="not_applicable", finding="")


def wide_condition(n: int):
    alternatives = (("liberty", ("series_a1", "warrant"), True), ("hmtf", ("series_a2",), False),
                    ("gleacher", ("series_a3", "common"), True), ("none", ("series_a1",), False),
                    ("liberty", ("common",), False))
    return AnyOf(tuple(All((Atom("acquirer.group", "==", g), Atom("action.security", "in", s),
                            Atom("transfer.bona_fide_financing", "==", b))) for g, s, b in alternatives[:n]))


SYNTHETIC = [
    # not_in, !=, <, >= and a negated conjunction, with an in-force window.
    synthetic("syn.ops",
              All((Atom("transfer.basis", "not_in", ("none", "exempt")),
                   Not(All((Atom("transferee.is_company", "!=", True),
                            Atom("standstill.pct_after", "<", Decimal("17.5"))))))),
              scope=Atom("acquirer.group", "!=", "company"),
              exceptions=(Atom("voting_power.pct_after", ">=", Decimal("3")),),
              in_force=(date(2001, 1, 1), date(2002, 1, 1))),
    # Share counts and dates compared with every operator.
    synthetic("syn.numbers",
              AnyOf((Atom("action.quantity", "==", 1000), Atom("action.quantity", ">", 5000),
                     All((Atom("action.quantity", "!=", 2000), Atom("as_of", "<=", date(2003, 6, 2)))))),
              exceptions=(Atom("action.quantity", "<", 10), Atom("as_of", ">=", date(2004, 1, 1)))),
    # A disjunction of four conjunctions: its clear and undetermined branches are split into
    # 19 and 28 durable rules (durable allows 32 expressions in one rule).
    synthetic("syn.wide", wide_condition(4), exceptions=(Not(Atom("transferor.group", "in", ("liberty", "hmtf"))),)),
]


def test_synthetic_rules_need_splitting_and_agree_with_the_reference(rulebook):
    from clausewise.compiler import EXPRESSION_BUDGET, _size, branches, split
    pieces = {b: split(x) for b, e, x in branches(SYNTHETIC[2]) if x is not None and e is None}
    assert len(pieces["clear"]) > 1 and len(pieces["undetermined"]) > 1
    assert max(_size(p) for parts in pieces.values() for p in parts) <= EXPRESSION_BUDGET
    posted = check_agreement(SYNTHETIC, [facts for rule in SYNTHETIC for facts in fact_dicts(rule, rulebook)])
    assert posted >= 1000


# Rules that compile_rules accepts but that durable_rules may not survive: a crash kills the
# process, so each is compiled and evaluated in a child process. The first evaluation has every
# fact unknown, the second makes the first alternative hold.
ISOLATED_SCRIPT = textwrap.dedent("""
    import sys
    from datetime import date
    from clausewise.compiler import compile_rules
    from clausewise.errors import EngineError
    from clausewise.conditions import All, AnyOf, Atom
    from clausewise.model import Rule, Source

    conditions = {
        # any of five (group == g, security in s, bona fide financing == b)
        "five-alternatives": AnyOf(tuple(
            All((Atom("acquirer.group", "==", g), Atom("action.security", "in", s),
                 Atom("transfer.bona_fide_financing", "==", b)))
            for g, s, b in (("liberty", ("series_a1", "warrant"), True), ("hmtf", ("series_a2",), False),
                            ("gleacher", ("series_a3", "common"), True), ("none", ("series_a1",), False),
                            ("liberty", ("common",), False)))),
        # (five atoms or four atoms) and two more: all / any / all over ten facts
        "nested": All((
            AnyOf((
                All((Atom("acquirer.group", "==", "liberty"), Atom("action.security", "in", ("series_a1",)),
                     Atom("transfer.bona_fide_financing", "==", True),
                     Atom("transfer.permitted_transferee_agreement", "!=", True),
                     Atom("transfer.rule144_resale_available", "!=", True))),
                All((Atom("acquirer.group", "!=", "liberty"), Atom("transferee.group", "in", ("liberty", "hmtf")),
                     Atom("action.seller", "in", ("market", "company", "holder")),
                     Atom("transferee.held_common_on_signing_date", "==", True))),
            )),
            Atom("transferee.hmtf_parallel_investor", "==", True),
            Atom("action.convertible_into_common", "==", True),
        )),
    }
    rule = Rule(id="syn." + sys.argv[1], title="t", source=Source("purchase-agreement", "test", "test"),
                in_force_from=None, in_force_before=None, in_force_text="", actions=("purchase", "transfer"),
                scope=None, condition=conditions[sys.argv[1]], exceptions=(), outcome="violation",
                otherwise="permitted", finding="")
    try:
        compiled = compile_rules([rule])
    except EngineError as exc:
        print("refused:", exc)
        sys.exit(0)
    base = {"as_of": date(2001, 6, 1), "action.kind": "purchase", "instrument.purchase-agreement.status": "in_force"}
    holds = dict(base, **{"acquirer.group": "liberty", "action.security": "series_a1",
                          "transfer.bona_fide_financing": True, "transfer.permitted_transferee_agreement": False,
                          "transfer.rule144_resale_available": False, "transferee.hmtf_parallel_investor": True,
                          "action.convertible_into_common": True})
    for facts in (base, holds):
        print(sorted(f.branch for f in compiled.evaluate(facts)))
""")


def run_isolated(name: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", ISOLATED_SCRIPT, name], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 0, proc.stderr[-400:]
    return proc.stdout.splitlines()


def test_a_nested_condition_over_ten_facts_evaluates_in_durable():
    assert run_isolated("nested") == ["['undetermined']", "['breach']"]


def test_a_disjunction_of_five_conjunctions_evaluates_in_durable():
    assert run_isolated("five-alternatives") == ["['undetermined']", "['breach']"]


def test_a_rule_too_large_for_durable_is_refused_before_durable_sees_it(rulebook):
    # durable_rules 2.0.28 corrupted its heap at 72 durable rules under one guard (49 were
    # measured safe), so the compiler refuses a rule past MAX_PARTS (48) instead of crashing.
    # Any of six all-of-three, under PA 6.5's scope, splits into more than that.
    from dataclasses import replace as _replace

    from clausewise.compiler import MAX_PARTS
    from clausewise.conditions import All, AnyOf, Atom
    six = AnyOf(tuple(
        All((Atom("acquirer.group", "==", g), Atom("action.security", "in", sec), Atom("transfer.bona_fide_financing", "==", b)))
        for g, sec, b in (("liberty", ("series_a1", "warrant"), True), ("hmtf", ("series_a2",), False),
                          ("gleacher", ("series_a3", "common"), True), ("none", ("series_a1",), False),
                          ("liberty", ("common",), False), ("hmtf", ("warrant",), True))))
    rule = _replace(rulebook.rule("pa.6.5.transfer-restriction"), id="syn.six", condition=six, exceptions=())
    with pytest.raises(EngineError, match=rf"rule syn.six compiles into \d+ durable rules \(at most {MAX_PARTS}\)"):
        compile_rules([rule])


# --- exactness and posting errors -------------------------------------------------------------------


def _liberty_facts(pct, **extra) -> dict:
    return {"as_of": date(2003, 6, 2), "action.kind": "purchase", "action.security": "common",
            "acquirer.group": "liberty", "action.seller": "market", "standstill.pct_after": pct,
            "voting_power.pct_after": Fraction(30), "transfer.within_group": False,
            "acquisition.upon_conversion_or_exercise": False, **IN_FORCE, **extra}


# After the Chapter 11 plan of April 3, 2002 a document's status decides only when stated.
IN_FORCE = {instrument_fact(doc): "in_force" for doc in ("purchase-agreement", "certificate-of-designation")}


def _liberty_branch(rulebook, facts) -> set:
    fired = compile_rules(rulebook.rules).evaluate(facts)
    return {f.branch for f in fired if f.rule == "pa.6.6a.liberty-standstill"}


# The largest denominator posted exactly: d x 100 x 10**4 < 2**53 = 9,007,199,254,740,992, so
# d <= 9,007,199,254. At that d, 37 + 1/d and 37 - 1/d differ from 37 by about 1.1e-10 percent.
LARGEST_DENOMINATOR = 9_007_199_254


@pytest.mark.parametrize("pct, branch", [
    (Fraction(37), "clear"),
    (37 + TINY, "breach"),
    (37 - TINY, "clear"),
    (Fraction(37 * LARGEST_DENOMINATOR + 1, LARGEST_DENOMINATOR), "breach"),
    (Fraction(37 * LARGEST_DENOMINATOR - 1, LARGEST_DENOMINATOR), "clear"),
    (Decimal("37.0000"), "clear"),
    (Decimal("37.0001"), "breach"),
])
def test_percent_comparisons_are_exact_at_the_boundary(rulebook, pct, branch):
    assert _liberty_branch(rulebook, _liberty_facts(pct)) == {branch}


@pytest.mark.parametrize("facts", [
    _liberty_facts(Fraction(37 * (LARGEST_DENOMINATOR + 1) + 1, LARGEST_DENOMINATOR + 1)),
    _liberty_facts(37 + Fraction(1, 10**12)),
    _liberty_facts(Fraction(10**12)),  # numerator x 10**4 = 10**16 > 2**53
])
def test_a_percentage_too_large_to_compare_exactly_raises(rulebook, facts):
    with pytest.raises(EngineError, match="too large to compare exactly"):
        compile_rules(rulebook.rules).evaluate(facts)


def test_a_share_count_too_large_to_compare_exactly_raises(rulebook):
    # The Change of Control consequences compare the Series A outstanding; their partition is
    # posted while whether a Change of Control occurs is unknown.
    with pytest.raises(EngineError, match=r"series_a.outstanding = 9007199254740992 is too large"):
        compile_rules(rulebook.rules).evaluate(_liberty_facts(Fraction(37), **{"series_a.outstanding": 2**53}))


def test_a_figure_no_posted_rule_compares_is_not_posted_and_not_refused(rulebook):
    # No rule posted for a purchase compares the quantity itself (the standstill reads the
    # percentage after it): it is neither converted nor refused.
    facts = _liberty_facts(37 + TINY, **{"action.quantity": 2**53})
    assert _liberty_branch(rulebook, facts) == {"breach"}
    decided, posts = compile_rules(rulebook.rules).posts(facts)
    assert posts and all("action__quantity" not in fact for _, batch in posts for fact in batch)


@pytest.mark.parametrize("value", [1, 0, "yes", "T", Decimal("1")])
def test_posting_a_non_bool_for_a_bool_fact_raises(rulebook, value):
    facts = _liberty_facts(Fraction(37), **{"action.convertible_into_common": value})
    with pytest.raises(EngineError, match=r"action.convertible_into_common must be true or false"):
        compile_rules(rulebook.rules).evaluate(facts)


def test_the_engine_still_works_after_an_error(rulebook):
    with pytest.raises(EngineError):
        compile_rules(rulebook.rules).evaluate(_liberty_facts(Fraction(37), **{"action.convertible_into_common": 1}))
    assert _liberty_branch(rulebook, _liberty_facts(37 + TINY)) == {"breach"}


# --- compile once; branches never contradict ---------------------------------------------------------


def test_compile_rules_returns_the_same_object_for_the_same_rules(rulebook):
    first = compile_rules(rulebook.rules)
    assert compile_rules(rulebook.rules) is first
    assert compile_rules(list(rulebook.rules)) is first
    assert compile_rules(load_rulebook(RULEBOOK).rules) is first  # equal rules from a fresh load
    other = compile_rules(rulebook.rules[:1])
    assert other is not first and other.name != first.name
    assert compile_rules(rulebook.rules[:1]) is other


def test_a_changed_threshold_compiles_to_a_different_ruleset(rulebook):
    rule = rulebook.rule("pa.6.6a.liberty-standstill")
    changed = replace(rule, condition=Atom("standstill.pct_after", ">", Decimal("36")))
    compiled = compile_rules([changed])
    assert compiled is not compile_rules([rule])
    fired = compiled.evaluate(_liberty_facts(Fraction(365, 10)))
    assert {f.branch for f in fired} == {"breach"}


RULE_ID = "pa.6.6a.liberty-standstill"


@pytest.mark.parametrize("branches", [
    [("clear", None), ("breach", None)],
    [("clear", None), ("undetermined", None)],
    [("out_of_force", None), ("clear", None)],
    [("scope_unknown", None), ("out_of_scope", None)],
    [("out_of_scope", None), ("exception", "from-the-company")],
    [("breach", None), ("undetermined", "voting-power-safe-harbor")],
    [],
])
def test_contradictory_or_missing_branches_raise(rulebook, branches):
    rule = rulebook.rule(RULE_ID)
    with pytest.raises(EngineError, match=RULE_ID.replace(".", r"\.")):
        _outcome(rule, [Fired(RULE_ID, b, e) for b, e in branches])


def test_clear_prevails_over_a_named_exception_and_exceptions_over_breach(rulebook):
    rule = rulebook.rule(RULE_ID)
    assert _outcome(rule, [Fired(RULE_ID, "clear", None), Fired(RULE_ID, "exception", "from-the-company")]) == \
        ("permitted", "clear", [])
    both = [Fired(RULE_ID, "exception", "voting-power-safe-harbor"), Fired(RULE_ID, "exception", "from-the-company"),
            Fired(RULE_ID, "undetermined", None)]
    assert _outcome(rule, both) == ("permitted", "exception", ["from-the-company", "voting-power-safe-harbor"])
