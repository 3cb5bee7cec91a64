"""General securities measures, each a defined term of securities practice, in exact arithmetic.

A rulebook's facts.yaml names a measure and its params (`from: {measure: cap_basis, params:
{...}}`); the engine never names a deal's groups, classes or dates. Every measure reads a
`Situation` (a cap table, the proposed action and the date) and returns a value, or None when
the value cannot be known (a party in no group, say). A measure walks only the members of the
group it measures: the cap table is indexed by group once, and sums over every holder (the
votes of all holders, for a voting-power denominator) are kept per cap table and date and
adjusted for the two holders an action changes, so a measure costs the same for ten holders
or a thousand.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable

from . import calc
from .model import COMPANY, NO_GROUP, CapTable, Holding, Scenario

PARTIES = ("acquirer", "transferor", "transferee")  # or a group id of the rulebook
WHEN = ("before", "after")
OWNERSHIP_OUTPUTS = ("shares", "pct", "denominator")
ROUNDINGS = ("hundredths_then_half_up", "half_up", "down")


# --- the situation a measure reads ------------------------------------------------------------


@dataclass(frozen=True)
class SecurityClass:
    """A class of securities declared by the rulebook (parameters.yaml `classes`): the
    securities it is made of, and whether its votes are counted per share or as converted."""

    id: str
    name: str
    members: tuple[str, ...]
    as_converted: bool = False


@dataclass(frozen=True)
class Deal:
    """What the measures need from a rulebook: its terms, securities, classes and parameters."""

    terms: calc.Terms
    securities: dict[str, dict]
    classes: dict[str, SecurityClass]
    parameters: dict[str, Any]

    def of_class(self, kind: str) -> list[str]:
        """Security ids whose declared class (common, preferred, warrant) is `kind`."""
        return [s for s, spec in self.securities.items() if spec.get("class") == kind]

    def members(self, class_or_security: str) -> tuple[str, ...]:
        if class_or_security in self.classes:
            return self.classes[class_or_security].members
        return (class_or_security,)

    def issued_at_closing(self, class_id: str) -> int:
        return sum(int(self.securities[s].get("issued_at_closing", 0) or 0) for s in self.members(class_id)
                   if s in self.securities)


class _Index:
    """One cap table indexed once: holders by group and by name, and per-date sums over all holders."""

    def __init__(self, cap: CapTable):
        self.by_group: dict[str, list[Holding]] = {}
        self.by_name: dict[str, Holding] = {}
        self.preferred_holders: list[Holding] = []  # outside the Company, holding any preferred
        for h in cap.holders:
            self.by_group.setdefault(h.group, []).append(h)
            self.by_name[h.name] = h
            if h.preferred and h.group != COMPANY:
                self.preferred_holders.append(h)
        self.sums: dict[tuple, int] = {}


_INDEXES: dict[int, tuple] = {}  # id(cap table) -> (a weak reference to it, its _Index)


def _index(cap: CapTable) -> _Index:
    """The cap table's index, built on first use and kept beside the (immutable) cap table, not on
    it: a measure leaves its inputs as they were."""
    entry = _INDEXES.get(id(cap))
    if entry is not None and entry[0]() is cap:
        return entry[1]
    found = _Index(cap)
    key = id(cap)
    _INDEXES[key] = (weakref.ref(cap, lambda _, key=key: _INDEXES.pop(key, None)), found)
    return found


@dataclass
class Situation:
    """A cap table, the action proposed on it (if any) and the date: what every measure reads.

    `after` gives the two holders an action changes (buyer or transferee, and transferor), as
    they would stand "after giving effect thereto", and the Common outstanding then.
    """

    deal: Deal
    cap: CapTable
    as_of: date
    scenario: Scenario | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    _after: tuple | None = None

    @property
    def action(self):
        return self.scenario.action if self.scenario is not None else None

    def group_of(self, party: str) -> str | None:
        """A party named by a measure's params, as a group id (None: in no group, or the Company)."""
        action = self.action
        if party in PARTIES:
            if action is None or not action.trades_securities:
                return None
            who = action.transferor if party == "transferor" else action.acquirer
            if who is None or who.is_company or who.group in (NO_GROUP, COMPANY):
                return None
            return who.group
        return party

    def changed(self) -> tuple[dict[str, Holding], int]:
        """(holders the action changes, by name; Common outstanding) after the action."""
        if self._after is None:
            self._after = _apply(self.cap, self.action, _index(self.cap))
        return self._after

    def holdings(self, group: str, when: str) -> list[Holding]:
        base = _index(self.cap).by_group.get(group, [])
        if when == "before" or self.action is None or not self.action.trades_securities:
            return base
        changes, _ = self.changed()
        out = [changes.get(h.name, h) for h in base]
        names = {h.name for h in base}
        out += [h for name, h in changes.items() if h.group == group and name not in names]
        return out

    def common_outstanding(self, when: str) -> int:
        if when == "before" or self.action is None or not self.action.trades_securities:
            return self.cap.common_outstanding
        return self.changed()[1]

    def preferred_sum(self, key: tuple, per_holder: Callable[[Holding], int], when: str) -> int:
        """A sum over every holder of preferred outside the Company (`per_holder` is 0 for a holder
        without preferred), kept per cap table; after an action only the changed holders' terms
        are recomputed."""
        index = _index(self.cap)
        total = index.sums.get(key)
        if total is None:
            total = sum(per_holder(h) for h in index.preferred_holders)
            index.sums[key] = total
        if when == "before" or self.action is None or not self.action.trades_securities:
            return total
        for name, after in self.changed()[0].items():
            before = index.by_name.get(name)
            if before is not None and before.group != COMPANY:
                total -= per_holder(before)
            if after.group != COMPANY:
                total += per_holder(after)
        return total


def _apply(cap: CapTable, action, index: _Index) -> tuple[dict[str, Holding], int]:
    """The holders an action changes, after it, and the Common outstanding after it."""
    changes: dict[str, Holding] = {}
    outstanding = cap.common_outstanding

    def adjust(name: str, group: str, delta: int) -> None:
        holding = changes.get(name) or index.by_name.get(name) or Holding(name=name, group=group)
        if action.security == "common":
            holding = replace(holding, common=holding.common + delta)
        elif action.security == "warrant":
            holding = replace(holding, warrants=holding.warrants + delta)
        else:
            preferred = dict(holding.preferred)
            preferred[action.security] = preferred.get(action.security, 0) + delta
            holding = replace(holding, preferred=preferred)
        changes[name] = holding

    if action.acquirer.is_company:
        # Securities the Company acquires stop being outstanding in anyone's hands.
        if action.security == "common":
            outstanding -= action.quantity
    else:
        adjust(action.acquirer.name, action.acquirer.group, action.quantity)
    if action.transferor is not None and not action.transferor.is_company:
        adjust(action.transferor.name, action.transferor.group, -action.quantity)
    elif action.seller == "company" and action.security == "common":
        outstanding += action.quantity
    return changes, outstanding


# --- arithmetic shared by the measures ----------------------------------------------------------


def round_shares(exact: Fraction, rounding: str = "hundredths_then_half_up") -> int:
    """Whole shares from an exact amount under a stated rounding: `hundredths_then_half_up` (to the
    nearest 1/100 of a share, then a fraction of 0.5 or more up), `half_up`, or `down`."""
    if rounding == "down":
        return math.floor(exact)
    if rounding == "half_up":
        return int(calc._round_half_up(exact, 0))
    return calc._round_conversion(exact)


def _preferred_in(h: Holding, securities: tuple[str, ...] | None) -> int:
    if not h.preferred:
        return 0
    if securities is None:
        return sum(h.preferred.values())
    return sum(h.preferred.get(s, 0) for s in securities)


def _convertible(deal: Deal, securities: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(s for s in securities if deal.securities.get(s, {}).get("class") == "preferred")


def conversion(deal: Deal, shares: int, on: date, rounding: str = "hundredths_then_half_up") -> int:
    """Common issuable when one holder converts `shares` of convertible preferred together on `on`."""
    if shares == 0:
        return 0
    if rounding == "hundredths_then_half_up":
        return calc.conversion_shares(deal.terms, shares, on)
    return round_shares(calc.conversion_shares_exact(deal.terms, shares, on), rounding)


def exercisable(deal: Deal, warrants: int, start: date, end: date) -> int:
    """Warrant shares exercisable at some time from `start` through `end` (inclusive)."""
    terms = deal.terms
    if not warrants or start > end:
        return 0
    if terms.closing_date is not None and end < terms.closing_date:
        return 0  # not yet issued
    return warrants if terms.warrant_expiry is None or start <= terms.warrant_expiry else 0


def _ratio(shares: int, denominator: int, output: str) -> Any:
    if output == "shares":
        return shares
    if output == "denominator":
        return denominator
    if denominator == 0:
        return None  # undefined: nothing outstanding
    return Fraction(100 * shares, denominator)


def _date_param(sit: Situation, value: Any) -> date:
    if value in (None, "as_of"):
        return sit.as_of
    return value


# --- the measures ---------------------------------------------------------------------------------


def beneficial_ownership(sit: Situation, party: str, when: str = "after", output: str = "pct",
                         horizon_days: int = 60, rounding: str = "hundredths_then_half_up") -> Any:
    """Rule 13d-3(d)(1)(i): the group's Common plus the Common it may obtain within `horizon_days`
    (converting its preferred, one conversion per record holder, at the test date's rate, and
    exercising its warrants exercisable in that window), over the Common outstanding plus the
    group's own obtainable shares only (other holders' rights are not deemed outstanding)."""
    group = sit.group_of(party)
    if group is None:
        return None
    end = sit.as_of + timedelta(days=int(horizon_days))
    common = rights = 0
    for h in sit.holdings(group, when):
        common += h.common
        rights += conversion(sit.deal, sum(h.preferred.values()), sit.as_of, rounding)
        rights += exercisable(sit.deal, h.warrants, sit.as_of, end)
    return _ratio(common + rights, sit.common_outstanding(when) + rights, output)


def cap_basis(sit: Situation, party: str, conversion_date: date, deemed_outstanding: tuple[str, ...],
              when: str = "after", output: str = "pct", rounding: str = "hundredths_then_half_up") -> Any:
    """An ownership-cap basis with a deemed-conversion date.

    Numerator: the group's Common, plus the Common its holders would receive converting all
    their preferred on `conversion_date` (one conversion per holder), plus its warrant shares
    if exercisable at any time from the test date to `conversion_date`. Denominator: the Common
    outstanding, plus the Common issuable on one deemed conversion on `conversion_date` of all
    of `deemed_outstanding` (classes or securities, each share counted once) issued at the
    closing and not yet converted (converted shares are
    already Common outstanding: each counted once), plus the group's own warrant shares.
    """
    group = sit.group_of(party)
    if group is None:
        return None
    deal = sit.deal
    holdings = sit.holdings(group, when)
    warrants = sum(exercisable(deal, h.warrants, sit.as_of, conversion_date) for h in holdings)
    numerator = (sum(h.common for h in holdings)
                 + sum(conversion(deal, sum(h.preferred.values()), conversion_date, rounding) for h in holdings)
                 + warrants)
    members = tuple(dict.fromkeys(m for c in deemed_outstanding for m in deal.members(c)))
    issued = sum(int(deal.securities[m].get("issued_at_closing", 0) or 0) for m in members if m in deal.securities)
    unconverted = max(0, issued - sum(sit.cap.converted.get(c, 0) for c in deemed_outstanding))
    deemed = conversion(deal, unconverted, conversion_date, rounding)
    return _ratio(numerator, sit.common_outstanding(when) + deemed + warrants, output)


def voting_power(sit: Situation, party: str, voting_class: str, when: str = "after", output: str = "pct",
                 rounding: str = "hundredths_then_half_up") -> Any:
    """The group's votes over all votes of a voting class: Common one vote a share, preferred
    members as converted on the test date (one conversion per holder); shares the Company
    holds are not outstanding and do not vote; warrants carry no vote."""
    group = sit.group_of(party)
    if group is None:
        return None
    deal = sit.deal
    preferred = _convertible(deal, deal.members(voting_class))
    counts_common = any(deal.securities.get(s, {}).get("class") == "common" for s in deal.members(voting_class))

    def converted(h: Holding) -> int:
        return conversion(deal, _preferred_in(h, preferred), sit.as_of, rounding)

    votes = sum((h.common if counts_common else 0) + converted(h) for h in sit.holdings(group, when))
    total = sit.preferred_sum(("voting_power", voting_class, sit.as_of, rounding), converted, when)
    if counts_common:
        total += sit.common_outstanding(when)
    return _ratio(votes, total, output)


def holding(sit: Situation, party: str, securities: list[str], when: str = "after", output: str = "shares",
            as_converted: bool = False, denominator: str = "common_outstanding",
            rounding: str = "hundredths_then_half_up") -> Any:
    """A party's holding of the listed securities: Common share for share, warrants as exercisable
    on the test date, preferred as shares or (as_converted) as the Common it converts into. As a
    percentage it is over the Common outstanding (`denominator: common_outstanding`) or over the
    Common outstanding plus the party's own counted warrant and conversion shares
    (`common_outstanding_plus_own_rights`)."""
    group = sit.group_of(party)
    if group is None:
        return None
    deal = sit.deal
    listed = tuple(securities)
    preferred = _convertible(deal, listed)
    kinds = {deal.securities.get(s, {}).get("class") for s in listed}
    shares = rights = 0
    for h in sit.holdings(group, when):
        if "common" in kinds:
            shares += h.common
        if "warrant" in kinds:
            rights += exercisable(deal, h.warrants, sit.as_of, sit.as_of)
        if preferred:
            held = _preferred_in(h, preferred)
            if as_converted:
                rights += conversion(deal, held, sit.as_of, rounding)
            else:
                shares += held
    base = sit.common_outstanding(when) + (rights if denominator == "common_outstanding_plus_own_rights" else 0)
    return _ratio(shares + rights, base, output)


def as_converted_shares(sit: Situation, party: str | None = None, securities: list[str] | None = None,
                        when: str = "after", on: Any = "as_of", per_share: bool = False,
                        rounding: str = "hundredths_then_half_up") -> Any:
    """Common issuable on converting preferred: a party's listed series (each holder's surrendered
    together, one conversion), rounded as stated; or `per_share`, the exact Common per share."""
    deal = sit.deal
    day = _date_param(sit, on)
    if per_share:
        return calc.conversion_shares_exact(deal.terms, 1, day)
    group = sit.group_of(party) if party else None
    if group is None:
        return None
    listed = _convertible(deal, tuple(securities)) if securities else None
    return sum(conversion(deal, _preferred_in(h, listed), day, rounding) for h in sit.holdings(group, when))


def accreted_value(sit: Situation, on: Any = "as_of", include: str = "accreted",
                   day_count: str = "actual_360_then_30_360") -> Any:
    """A liquidation preference accreted under its day-count convention on its payment dates
    (terms in parameters.yaml): `accreted` (added on payment dates on or before `on`), `accrued`
    (accrued since the last payment date, not yet added) or `total` (both). The convention
    implemented is `actual_360_then_30_360`: actual days over 360 to the first payment date, a
    30/360 quarter after it, payment dates rolled to the next business day."""
    terms = sit.deal.terms
    day = _date_param(sit, on)
    accreted = calc.liquidation_preference(terms, day)
    if include == "accreted":
        return accreted
    accrued = calc.accrued_dividends(terms, day)
    return accrued if include == "accrued" else accreted + accrued


def compounded(sit: Situation, principal: Any, rate: Any, periods: Any, places: int = 2) -> Decimal:
    """`principal` x (1 + `rate`)^`periods`, rounded half up to `places` decimals (a stated
    reference amount built from clean compounding periods)."""
    exact = Fraction(principal) * (1 + Fraction(rate)) ** int(periods)
    return calc._round_half_up(exact, int(places))


def outstanding(sit: Situation, securities: list[str], when: str = "before", add_fact: str | None = None,
                add_when: dict | None = None) -> Any:
    """Shares of the listed securities Outstanding (shares held by the Company excluded); with
    `add_fact`, plus that fact's quantity when the `add_when` fact has the stated value (an
    issuance of the same class), unknown when either is unknown."""
    listed = tuple(securities)
    total = sit.preferred_sum(("outstanding", listed), lambda h: _preferred_in(h, listed), "before")
    if add_fact is None:
        return total
    if add_when is not None:
        (test, wanted), = add_when.items()
        if test not in sit.facts:
            return None
        if sit.facts[test] != wanted:
            return total
    added = sit.facts.get(add_fact)
    return None if added is None else total + added


def acquires_all_outstanding(sit: Situation, securities: list[str], by_company: bool = True) -> Any:
    """Whether an acquisition (by the Company, if `by_company`) of one of the listed securities takes
    every share of them Outstanding; unknown for any other action."""
    action = sit.action
    if action is None or not action.trades_securities or action.security not in securities:
        return None
    if by_company and not action.acquirer.is_company:
        return None
    return action.quantity >= outstanding(sit, securities)


def jurisdiction(sit: Situation, name_fact: str, output: str = "kind") -> Any:
    """A jurisdiction of organization recognised from its stated name: its kind (united_states,
    us_state, district_of_columbia, us_territory, foreign) or its country; unknown if not recognised."""
    from .facts import jurisdiction as recognise
    name = sit.facts.get(name_fact)
    known = recognise(name) if isinstance(name, str) else None
    if known is None:
        return None
    return known[0] if output == "kind" else known[1]


def vote_threshold(threshold: str, outstanding_votes: int) -> int:
    """Votes needed for a class or series approval: "at least NN%" rounds up; a majority is more
    than half; unanimous is all."""
    if threshold == "majority":
        return outstanding_votes // 2 + 1
    if threshold == "unanimous":
        return outstanding_votes
    pct = Fraction(threshold.rstrip("%"))
    return math.ceil(pct * outstanding_votes / 100)


@dataclass(frozen=True)
class Measure:
    """A measure's function, the fact type it gives (per output) and the params it accepts.

    Param kinds: party, when, output, date (a date parameter, a date expression or as_of),
    class (a class or security id), classes (one, or a list of them), securities (a list of security ids), number (a literal or a
    number parameter), int, bool, fact (a fact name), choice:a|b (one of the listed words),
    value_map ({fact: value}).
    """

    fn: Callable
    params: dict[str, str]
    required: tuple[str, ...]
    types: dict[str, str]  # output -> fact type; "" key for a measure with one output
    needs: tuple[str, ...] = ()  # parameters the arithmetic reads

    def type_for(self, output: str | None) -> str:
        return self.types.get(output or "", self.types.get("", "shares"))


_OWNERSHIP_TYPES = {"shares": "shares", "denominator": "shares", "pct": "percent", "": "percent"}
_CONVERTING = ("closing_date", "initial_liquidation_preference", "dividend_rate", "first_dividend_payment_date",
               "conversion_price")
_ROUNDING = "choice:" + "|".join(ROUNDINGS)

MEASURES: dict[str, Measure] = {
    "beneficial_ownership": Measure(beneficial_ownership, {
        "party": "party", "when": "when", "output": "output", "horizon_days": "int", "rounding": _ROUNDING},
        ("party",), _OWNERSHIP_TYPES, _CONVERTING),
    "cap_basis": Measure(cap_basis, {
        "party": "party", "when": "when", "output": "output", "conversion_date": "date",
        "deemed_outstanding": "classes", "rounding": _ROUNDING},
        ("party", "conversion_date", "deemed_outstanding"), _OWNERSHIP_TYPES, _CONVERTING),
    "voting_power": Measure(voting_power, {
        "party": "party", "when": "when", "output": "output", "voting_class": "class", "rounding": _ROUNDING},
        ("party", "voting_class"), _OWNERSHIP_TYPES, _CONVERTING),
    "holding": Measure(holding, {
        "party": "party", "when": "when", "output": "output", "securities": "securities", "as_converted": "bool",
        "denominator": "choice:common_outstanding|common_outstanding_plus_own_rights", "rounding": _ROUNDING},
        ("party", "securities"), {"shares": "shares", "denominator": "shares", "pct": "percent", "": "shares"}),
    "as_converted_shares": Measure(as_converted_shares, {
        "party": "party", "securities": "securities", "when": "when", "on": "date", "per_share": "bool",
        "rounding": _ROUNDING}, (), {"": "shares"}, _CONVERTING),
    "accreted_value": Measure(accreted_value, {"on": "date", "include": "choice:accreted|accrued|total",
                                               "day_count": "choice:actual_360_then_30_360"}, (),
                              {"": "money"}, _CONVERTING),
    "compounded": Measure(compounded, {"principal": "number", "rate": "number", "periods": "number",
                                       "places": "int"}, ("principal", "rate", "periods"), {"": "money"}),
    "outstanding": Measure(outstanding, {"securities": "securities", "when": "when", "add_fact": "fact",
                                         "add_when": "value_map"}, ("securities",), {"": "shares"}),
    "acquires_all_outstanding": Measure(acquires_all_outstanding, {"securities": "securities", "by_company": "bool"},
                                        ("securities",), {"": "bool"}),
    "jurisdiction": Measure(jurisdiction, {"name_fact": "fact", "output": "choice:kind|country"}, ("name_fact",),
                            {"": "enum"}),
}


def measure(name: str, sit: Situation, params: dict[str, Any]) -> Any:
    """Call a measure by name with params already checked and resolved by the rulebook loader."""
    return MEASURES[name].fn(sit, **params)
