"""Condition trees over named facts: the closed set of operators a rule may use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

OPERATORS = ("==", "!=", ">", ">=", "<", "<=", "in", "not_in", "includes", "excludes")
NEGATION = {"==": "!=", "!=": "==", ">": "<=", "<=": ">", ">=": "<", "<": ">=", "in": "not_in", "not_in": "in",
            "includes": "excludes", "excludes": "includes"}


@dataclass(frozen=True)
class Atom:
    """`fact op value`, e.g. standstill.pct_after > 37."""

    fact: str
    op: str
    value: Any
    kind: str | None = field(default=None, compare=False)  # the fact's declared type (facts.yaml)
    limb: str | None = field(default=None, compare=False)  # the clause's own name for this part, if any

    def describe(self) -> str:
        value = ", ".join(map(str, self.value)) if isinstance(self.value, (list, tuple)) else self.value
        return f"{self.fact} {self.op} {value}"


@dataclass(frozen=True)
class All:
    items: tuple
    limb: str | None = field(default=None, compare=False)  # the clause's own name for this part, if any


@dataclass(frozen=True)
class AnyOf:
    items: tuple
    limb: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Not:
    item: Any


@dataclass(frozen=True)
class TrueCond:
    """The condition that always holds (an empty `all`)."""


Condition = Atom | All | AnyOf | Not | TrueCond


def atoms(cond: Condition | None) -> Iterator[Atom]:
    """Every atom of a condition tree, left to right."""
    return (node for node in nodes(cond) if isinstance(node, Atom))


def facts_of(cond: Condition | None) -> list[str]:
    """Fact names a condition reads, without repeats, in order of first use."""
    seen: list[str] = []
    for atom in atoms(cond):
        if atom.fact not in seen:
            seen.append(atom.fact)
    return seen


def _compare(left: Any, op: str, right: Any) -> bool:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == ">":
        return left > right
    if op == ">=":
        return left >= right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == "in":
        return left in right
    if op == "not_in":
        return left not in right
    if op == "includes":  # a set fact has the value as a member
        return right in left
    if op == "excludes":
        return right not in left
    raise ValueError(f"unknown operator {op}")


def truth(cond: Condition | None, facts: dict[str, Any]) -> bool | None:
    """Three-valued (Kleene) truth of a condition: True, False, or None when unknown.

    This is the reference semantics that the durable_rules compilation must reproduce; it is
    used to explain findings (which parts held) and by the tests that compare the two.
    """
    if cond is None or isinstance(cond, TrueCond):
        return True
    if isinstance(cond, Atom):
        if cond.fact not in facts:
            return None
        return _compare(facts[cond.fact], cond.op, cond.value)
    if isinstance(cond, Not):
        inner = truth(cond.item, facts)
        return None if inner is None else not inner
    values = [truth(item, facts) for item in cond.items]
    if isinstance(cond, All):
        if any(v is False for v in values):
            return False
        return None if any(v is None for v in values) else True
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def surely_true(cond: Condition | None, facts: dict[str, Any]) -> bool:
    """`truth(cond, facts) is True`, stopping at the first part that decides it."""
    if cond is None:
        return True
    kind = type(cond)
    if kind is Atom:
        return cond.fact in facts and _compare(facts[cond.fact], cond.op, cond.value)
    if kind is All:
        for item in cond.items:
            if not surely_true(item, facts):
                return False
        return True
    if kind is AnyOf:
        for item in cond.items:
            if surely_true(item, facts):
                return True
        return False
    if kind is Not:
        return surely_false(cond.item, facts)
    return kind is TrueCond


def surely_false(cond: Condition | None, facts: dict[str, Any]) -> bool:
    """`truth(cond, facts) is False`, stopping at the first part that decides it."""
    if cond is None:
        return False
    kind = type(cond)
    if kind is Atom:
        return cond.fact in facts and not _compare(facts[cond.fact], cond.op, cond.value)
    if kind is All:
        for item in cond.items:
            if surely_false(item, facts):
                return True
        return False
    if kind is AnyOf:
        for item in cond.items:
            if not surely_false(item, facts):
                return False
        return True
    if kind is Not:
        return surely_true(cond.item, facts)
    return False


def unknown_facts(cond: Condition | None, facts: dict[str, Any]) -> list[str]:
    """Facts a condition reads that are not known."""
    return [f for f in facts_of(cond) if f not in facts]


def deciding_unknowns(cond: Condition | None, facts: dict[str, Any]) -> list[str]:
    """Unknown facts that could still change an unknown condition's value (none if it is known).

    In `any` a known-true part decides; in `all` a known-false part decides; so only the
    unknown parts of an undecided condition are listed.
    """
    if truth(cond, facts) is not None:
        return []
    if isinstance(cond, Atom):
        return [cond.fact]
    if isinstance(cond, Not):
        return deciding_unknowns(cond.item, facts)
    out: list[str] = []
    for item in cond.items:
        for fact in deciding_unknowns(item, facts):
            if fact not in out:
                out.append(fact)
    return out


def nodes(cond: Condition | None) -> Iterator[Condition]:
    """Every node of a condition tree, parents before children."""
    if cond is None:
        return
    yield cond
    if isinstance(cond, (All, AnyOf)):
        for item in cond.items:
            yield from nodes(item)
    elif isinstance(cond, Not):
        yield from nodes(cond.item)


def failing_atoms(cond: Condition | None, facts: dict[str, Any]) -> list[Atom]:
    """The atoms that make a false condition false (an atom that holds, under a negation)."""
    if truth(cond, facts) is not False:
        return []
    if isinstance(cond, Atom):
        return [cond]
    if isinstance(cond, All):
        return [a for item in cond.items for a in failing_atoms(item, facts)]
    if isinstance(cond, AnyOf):
        # Every item is false; a part of one that holds (a nested `any` met) did not decide it.
        return [a for item in cond.items for a in failing_atoms(item, facts)]
    if isinstance(cond, Not):
        return [a for a in atoms(cond.item) if truth(a, facts) is True]
    return []


def deciding_atoms(cond: Condition | None, facts: dict[str, Any]) -> list[Atom]:
    """The atoms that make a true condition true (under a negation: what makes the inner part fail)."""
    if truth(cond, facts) is not True:
        return []
    if isinstance(cond, Atom):
        return [cond]
    if isinstance(cond, All):
        return [a for item in cond.items for a in deciding_atoms(item, facts)]
    if isinstance(cond, AnyOf):
        for item in cond.items:
            if truth(item, facts) is True:
                return deciding_atoms(item, facts)
    if isinstance(cond, Not):
        return failing_atoms(cond.item, facts)
    return []


def limbs_met(cond: Condition | None, facts: dict[str, Any]) -> list[str]:
    """The named parts (`limb`) of a condition that hold on the facts, in order: which limb of a
    definition made it true."""
    return [node.limb for node in nodes(cond) if getattr(node, "limb", None) and truth(node, facts) is True]
