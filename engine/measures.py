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
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable

from . import adjust, calc
from .beside import kept_beside
from .model import COMPANY, NO_GROUP, CapTable, ConvertibleTerms, Holding, Scenario

PARTIES = ("acquirer", "transferor", "transferee")  # or a group id of the rulebook
WHEN = ("before", "after")
OWNERSHIP_OUTPUTS = ("shares", "pct", "denominator")
ROUNDINGS = calc.ROUNDINGS


# --- the situation a measure reads ------------------------------------------------------------


@dataclass(frozen=True)
class SecurityClass:
    """A class of securities declared by the rulebook (parameters.yaml `classes`): the
    securities it is made of, whether its votes are counted per share or as converted, and
    (`held_by`) the groups whose holdings alone make up the class (shares "for so long as they
    are held by" a group), or () for every holder."""

    id: str
    name: str
    members: tuple[str, ...]
    as_converted: bool = False
    held_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Deferral:
    """Adjustments of one parameter in force on a date that the issuer may defer for a conversion or
    exercise then (parameters.yaml `defer_until`): the value before them, the events (a history's
    RecordedTermEvent), the effect of the first, and whether an event's date is unstated."""

    parameter: str
    before: Any  # the value in force before the deferrable adjustments (Decimal, or Fraction)
    events: tuple
    effect: Any  # TermEffect
    unknown: bool = False


@dataclass(frozen=True)
class Deal:
    """What the measures need from a rulebook: its terms, securities, classes and parameters."""

    terms: calc.Terms
    securities: dict[str, dict]
    classes: dict[str, SecurityClass]
    parameters: dict[str, Any]
    term_events: dict = field(default_factory=dict)  # the rulebook's term events (TermEvent), by id
    carried: dict = field(default_factory=dict)  # parameter -> factor carried forward (de minimis) on the date
    deferrals: dict = field(default_factory=dict)  # parameter -> Deferral: adjustments whose shares may be deferred

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
        # Outside the Company, holding any preferred or another convertible the cap table states.
        self.preferred_holders: list[Holding] = []
        for h in cap.holders:
            self.by_group.setdefault(h.group, []).append(h)
            self.by_name[h.name] = h
            if (h.preferred or h.convertibles) and h.group != COMPANY:
                self.preferred_holders.append(h)
        self.sums: dict[tuple, int] = {}


_INDEXES: dict[int, tuple] = {}  # id(cap table) -> (a weak reference to it, its _Index)


def _index(cap: CapTable) -> _Index:
    """The cap table's index, built on first use and kept beside the (immutable) cap table, not on
    it: a measure leaves its inputs as they were."""
    return kept_beside(_INDEXES, cap, lambda: _Index(cap))


@dataclass
class Situation:
    """A cap table, the action proposed on it (if any) and the date: what every measure reads.

    `after` gives the two holders an action changes (buyer or transferee, and transferor; the
    holder converting or exercising), as they would stand "after giving effect thereto", the
    Common outstanding then (with the Common an issuance by the Company adds) and the shares
    converted per class. After a conversion or exercise
    whose Common issued is unknown (the right has ended, a value is not stated), nothing "after"
    is known and the measures of it give None.
    """

    deal: Deal
    cap: CapTable
    as_of: date
    scenario: Scenario | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    _after: tuple | None = None
    _counts: dict = field(default_factory=dict, repr=False)  # a measure's (shares, denominator), per its params

    def counted(self, key: tuple, count: Callable[[], tuple[int, int] | None]) -> tuple[int, int] | None:
        """`count()`, worked out once per situation for each key: the outputs of one ownership
        measure (its percentage, shares and denominator) share their counts."""
        try:
            if key in self._counts:
                return self._counts[key]
        except TypeError:  # an unhashable param: count it
            return count()
        found = self._counts[key] = count()
        return found

    @property
    def action(self):
        return self.scenario.action if self.scenario is not None else None

    def group_of(self, party: str) -> str | None:
        """A party named by a measure's params, as a group id (None: in no group, or the Company)."""
        action = self.action
        if party in PARTIES:
            if action is None or not action.changes_holdings:
                return None
            who = action.transferor if party == "transferor" else action.acquirer
            if who is None or who.is_company or who.group in (NO_GROUP, COMPANY):
                return None
            return who.group
        return party

    def _changes(self) -> bool:
        return self.action is not None and (self.action.changes_holdings or self.action.kind == ISSUANCE)

    def changed(self) -> tuple[dict[str, Holding], int, dict[str, int]] | None:
        """(holders the action changes, by name; Common outstanding; shares converted per class)
        after the action, or None when the Common a conversion or exercise issues is unknown."""
        if self._after is None:
            self._after = (_apply(self.cap, self.action, _index(self.cap), self.deal, self.as_of),)
        return self._after[0]

    def known(self, when: str) -> bool:
        """Whether the cap table `when` (before or after the action) is known."""
        return when == "before" or not self._changes() or self.changed() is not None

    def converted(self, when: str) -> dict[str, int]:
        """Shares issued at the closing and converted since, per class (counted once)."""
        if when == "before" or not self._changes():
            return self.cap.converted
        return self.changed()[2]

    def acting_with(self, party: str) -> frozenset[str] | None:
        """The groups the scenario states act as one group with the party's group (its own
        included), or None when it states none for it."""
        group = self.group_of(party)
        if group is None or self.scenario is None:
            return None
        return next((s for s in getattr(self.scenario, "acting_as_group", ()) if group in s), None)

    def holdings(self, group: str, when: str) -> list[Holding]:
        base = _index(self.cap).by_group.get(group, [])
        if when == "before" or not self._changes():
            return base
        changes = self.changed()[0]
        out = [changes.get(h.name, h) for h in base]
        names = {h.name for h in base}
        out += [h for name, h in changes.items() if h.group == group and name not in names]
        return out

    def common_outstanding(self, when: str) -> int:
        if when == "before" or not self._changes():
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
        if when == "before" or not self._changes():
            return total
        for name, after in self.changed()[0].items():
            before = index.by_name.get(name)
            if before is not None and before.group != COMPANY:
                total -= per_holder(before)
            if after.group != COMPANY:
                total += per_holder(after)
        return total


def _apply(cap: CapTable, action, index: _Index, deal: Deal, on: date) -> tuple | None:
    """The holders an action changes, after it, the Common outstanding after it and the shares
    converted per class after it; None when a conversion or exercise issues an unknown number, or
    an issuance by the Company is of an unknown class or quantity."""
    if action.kind == ISSUANCE:
        return _issuance(cap, action)
    changes: dict[str, Holding] = {}
    outstanding = cap.common_outstanding
    klass = deal.securities.get(action.security, {}).get("class")

    def adjust(name: str, group: str, delta: int) -> None:
        holding = changes.get(name) or index.by_name.get(name) or Holding(name=name, group=group)
        if action.security in cap.convertibles:
            units = dict(holding.convertibles)
            units[action.security] = units.get(action.security, 0) + delta
            holding = replace(holding, convertibles={s: n for s, n in units.items() if n})
        elif klass == "common":
            holding = replace(holding, common=holding.common + delta)
        elif klass == "warrant":
            holding = replace(holding, warrants=holding.warrants + delta)
        else:
            preferred = dict(holding.preferred)
            preferred[action.security] = preferred.get(action.security, 0) + delta
            holding = replace(holding, preferred=preferred)
        changes[name] = holding

    if action.is_capital_event:
        # The holder gives up the security and receives the Common issued on it; converted
        # shares issued at the closing leave any deemed conversion of their class.
        issued = event_common(deal, action, on)
        if issued is None or not _holds_for_event(cap, index, deal, action):
            return None
        adjust(action.acquirer.name, action.acquirer.group, -action.quantity)
        holder = changes[action.acquirer.name]
        changes[action.acquirer.name] = replace(holder, common=holder.common + issued)
        converted = dict(cap.converted)
        if klass == "preferred" and deal.securities[action.security].get("issued_at_closing"):
            for class_id, spec in deal.classes.items():
                if action.security in spec.members and _convertible(deal, spec.members) == spec.members:
                    converted[class_id] = converted.get(class_id, 0) + action.quantity
        return changes, outstanding + issued, converted
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
    return changes, outstanding, cap.converted


# An issuance of capital stock by the Company, and the facts it states that the measures read.
ISSUANCE, ISSUANCE_CLASS, ISSUANCE_QUANTITY = "equity_issuance", "issuance.class", "issuance.quantity"


def _issuance(cap: CapTable, action) -> tuple | None:
    """After an issuance by the Company: Common issued is outstanding (to no holder of the cap
    table); any other class leaves the Common as it was. Unknown when the class, or the quantity
    of Common, is not stated."""
    klass = action.details.get(ISSUANCE_CLASS)
    if klass is None:
        return None
    if klass != "common":
        return {}, cap.common_outstanding, cap.converted
    quantity = action.details.get(ISSUANCE_QUANTITY)
    if quantity is None:
        return None
    return {}, cap.common_outstanding + quantity, cap.converted


def cap_table_after(deal: Deal, scenario: Scenario) -> CapTable | None:
    """The whole cap table after the scenario's action (as it is, for an action that changes no
    holding), or None when a conversion or exercise issues an unknown number of shares."""
    cap, action = scenario.cap_table, scenario.action
    if not action.changes_holdings:
        return cap
    after = Situation(deal, cap, scenario.as_of, scenario).changed()
    if after is None:
        return None
    changes, outstanding, converted = after
    names = {h.name for h in cap.holders}
    holders = [changes.get(h.name, h) for h in cap.holders] + [h for n, h in changes.items() if n not in names]
    return replace(cap, holders=tuple(holders), common_outstanding=outstanding, converted=converted)


# --- arithmetic shared by the measures ----------------------------------------------------------


def round_shares(exact: Fraction, rounding: str) -> int:
    """Whole shares from an exact amount under a stated rounding (one of calc.ROUNDINGS)."""
    return calc.round_shares(exact, rounding)


def _preferred_in(h: Holding, securities: tuple[str, ...] | None) -> int:
    if not h.preferred:
        return 0
    if securities is None:
        return sum(h.preferred.values())
    return sum(h.preferred.get(s, 0) for s in securities)


def _convertible(deal: Deal, securities: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(s for s in securities if deal.securities.get(s, {}).get("class") == "preferred")


def conversion(deal: Deal, shares: int, on: date, rounding: str | None = None) -> int:
    """Common issuable when one holder converts `shares` of convertible preferred together on `on`,
    rounded as the terms state (parameter conversion_rounding) unless a measure states otherwise."""
    if shares == 0:
        return 0
    if rounding is None or rounding == deal.terms.conversion_rounding:
        return calc.conversion_shares(deal.terms, shares, on)
    return round_shares(calc.conversion_shares_exact(deal.terms, shares, on), rounding)


def first_exercise_date(deal: Deal) -> date | None:
    """The first day the warrants may be exercised: the earliest date parameter a warrant security
    names as `exercisable_from` (a cap table's warrants are one holding); None when none does, and
    the warrants are exercisable from their issue."""
    dates = [deal.parameters.get(spec["exercisable_from"]) for spec in deal.securities.values()
             if spec.get("class") == "warrant" and spec.get("exercisable_from")]
    dates = [d for d in dates if isinstance(d, date)]
    return min(dates) if dates else None


def exercisable(deal: Deal, warrants: int, start: date, end: date) -> int:
    """Warrant shares exercisable at some time from `start` through `end` (inclusive)."""
    terms = deal.terms
    if not warrants or start > end:
        return 0
    if terms.closing_date is not None and end < terms.closing_date:
        return 0  # not yet issued
    first = first_exercise_date(deal)
    if first is not None and end < first:
        return 0  # not yet exercisable in the window
    return warrants if terms.warrant_expiry is None or start <= terms.warrant_expiry else 0


# Action details the engine reads for an exercise (also core facts of that name, engine/facts.py).
EXERCISE_METHOD, MARKET_PRICE = "exercise.method", "exercise.market_price"


def event_common(deal: Deal, action, on: date) -> int | None:
    """Common issued on a proposed conversion or warrant exercise under the rulebook's terms: a
    conversion at the date's rate (the shares surrendered together, one conversion); a cash
    exercise one share per warrant share; a net issue exercise the warrant's value at the fair
    market value stated over that value (unknown unless stated and above the exercise price,
    parameter `warrant_exercise_price`). None once the right has ended: after the parameter
    `conversion_right_expiry` for a conversion, after the warrant's expiry for an exercise."""
    if action.kind == "conversion":
        ends = deal.parameters.get("conversion_right_expiry")
        if ends is not None and on > ends:
            return None
        return conversion(deal, action.quantity, on)
    expiry = deal.terms.warrant_expiry
    if expiry is not None and on > expiry:
        return None
    if action.details.get(EXERCISE_METHOD) == "cash":
        return action.quantity
    market, price = action.details.get(MARKET_PRICE), deal.parameters.get("warrant_exercise_price")
    if market is None or price is None or Fraction(market) <= Fraction(price):
        return None
    if deal.terms.exercise_rounding is None:
        return None  # the rulebook states no rounding for a net issue exercise
    return calc.net_issue_shares(action.quantity, Fraction(market), Fraction(price), deal.terms.exercise_rounding)


def common_issuable(terms: ConvertibleTerms, units: int) -> int:
    """Common issuable on converting one holder's `units` of a convertible the cap table states,
    together, the fraction of a share settled as its terms say (half up, or down)."""
    exact = terms.common_per_unit * units
    if terms.fractions == "half_up":
        return int(calc._round_half_up(exact, 0))
    return exact.numerator // exact.denominator


def convertible_between(terms: ConvertibleTerms, start: date, end: date) -> bool:
    """The convertible may be converted on some day from `start` to `end`, both included."""
    first = terms.convertible_from or date.min
    last = terms.convertible_until or date.max
    return first <= end and last >= start


def other_rights(cap: CapTable, holders, on: date, horizon_days: int = 60) -> int:
    """Rule 13d-3(d)(1)(i): the Common the holders could acquire within `horizon_days` of `on` by
    converting the other convertibles the cap table states (each holder's units together)."""
    end = on + timedelta(days=int(horizon_days))
    return sum(common_issuable(cap.convertibles[cid], units) for h in holders for cid, units in h.convertibles.items()
               if units and convertible_between(cap.convertibles[cid], on, end))


def other_votes(cap: CapTable, holding: Holding) -> int:
    """The votes of a holder's other convertibles that the cap table states vote as converted."""
    return sum(common_issuable(cap.convertibles[cid], units) for cid, units in holding.convertibles.items()
               if cap.convertibles[cid].votes_as_converted)


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
                         horizon_days: int = 60, rounding: str | None = None) -> Any:
    """Rule 13d-3(d)(1)(i): the group's Common plus the Common it may obtain within `horizon_days`
    (converting its preferred, one conversion per record holder, at the test date's rate, and
    exercising its warrants exercisable in that window, converting other convertibles the cap
    table states that are convertible in that window), over the Common outstanding plus the
    group's own obtainable shares only (other holders' rights are not deemed outstanding)."""
    group = sit.group_of(party)
    if group is None or not sit.known(when):
        return None

    def count() -> tuple[int, int]:
        end = sit.as_of + timedelta(days=int(horizon_days))
        common = rights = 0
        holdings = sit.holdings(group, when)
        for h in holdings:
            common += h.common
            rights += conversion(sit.deal, sum(h.preferred.values()), sit.as_of, rounding)
            rights += exercisable(sit.deal, h.warrants, sit.as_of, end)
        rights += other_rights(sit.cap, holdings, sit.as_of, horizon_days)
        return common + rights, sit.common_outstanding(when) + rights

    shares, denominator = sit.counted(("beneficial_ownership", group, when, horizon_days, rounding), count)
    return _ratio(shares, denominator, output)


def cap_basis(sit: Situation, party: str, conversion_date: date, deemed_outstanding: tuple[str, ...],
              when: str = "after", output: str = "pct", rounding: str | None = None,
              horizon_days: int = 60) -> Any:
    """An ownership-cap basis with a deemed-conversion date.

    Numerator: the group's Common, plus the Common its holders would receive converting all
    their preferred on `conversion_date` (one conversion per holder), plus its warrant shares
    if exercisable at any time from the test date to `conversion_date`. Denominator: the Common
    outstanding, plus the Common issuable on one deemed conversion on `conversion_date` of all
    of `deemed_outstanding` (classes or securities, each share counted once) issued at the
    closing and not yet converted (converted shares are
    already Common outstanding: each counted once), plus the group's own warrant shares. Other
    convertibles the cap table states count for the group, in numerator and denominator, as Rule
    13d-3(d)(1)(i) counts them: when convertible within `horizon_days` of the test date.
    """
    group = sit.group_of(party)
    if group is None or not sit.known(when):
        return None
    shares, denominator = sit.counted(
        ("cap_basis", group, conversion_date, deemed_outstanding, when, rounding, horizon_days),
        lambda: _cap_basis_counts(sit, group, conversion_date, deemed_outstanding, when, rounding, horizon_days))
    return _ratio(shares, denominator, output)


def _cap_basis_counts(sit: Situation, group: str, conversion_date: date, deemed_outstanding: tuple[str, ...],
                      when: str, rounding: str, horizon_days: int) -> tuple[int, int]:
    """cap_basis's numerator and denominator."""
    deal = sit.deal
    holdings = sit.holdings(group, when)
    # The group's own rights that count in the denominator too: warrants and other convertibles.
    warrants = sum(exercisable(deal, h.warrants, sit.as_of, conversion_date) for h in holdings)
    warrants += other_rights(sit.cap, holdings, sit.as_of, horizon_days)
    numerator = (sum(h.common for h in holdings)
                 + sum(conversion(deal, sum(h.preferred.values()), conversion_date, rounding) for h in holdings)
                 + warrants)
    members = tuple(dict.fromkeys(m for c in deemed_outstanding for m in deal.members(c)))
    issued = sum(int(deal.securities[m].get("issued_at_closing", 0) or 0) for m in members if m in deal.securities)
    converted = sit.converted(when)
    unconverted = max(0, issued - sum(converted.get(c, 0) for c in deemed_outstanding))
    deemed = conversion(deal, unconverted, conversion_date, rounding)
    return numerator, sit.common_outstanding(when) + deemed + warrants


def voting_power(sit: Situation, party: str, voting_class: str, when: str = "after", output: str = "pct",
                 rounding: str | None = None, rights_to_acquire: str = "none",
                 person_outside_groups: bool = False, acting_together: bool = False) -> Any:
    """The group's votes over all votes of a voting class: Common one vote a share, preferred
    members as converted on the test date (one conversion per holder); shares the Company
    holds are not outstanding and do not vote; warrants carry no vote; another convertible the
    cap table states votes as converted only when stated to.

    `rights_to_acquire: any_time` also counts, in numerator and denominator, the voting shares
    the party has the right to acquire whether the right is exercisable now or only after the
    passage of time (its warrants not yet expired, its other convertibles not voting as
    converted and convertible on some day from the test date on): beneficial ownership of
    voting stock as a charter's extension of Rules 13d-3 and 13d-5 defines it, the party's own
    rights deemed outstanding as Rule 13d-3(d)(1)(i) deems them. `person_outside_groups`: a
    party in no group (a newcomer buying, say) is measured as the person it is, alone.
    `acting_together`: a party whose group the scenario states acts as a group with others
    (`acting_as_group`) is measured with them, as one owner."""
    together = sit.acting_with(party) if acting_together else None
    found = sit.counted(("voting_power", party, voting_class, when, rounding, rights_to_acquire, person_outside_groups,
                         together),
                        lambda: _voting_power_counts(sit, party, voting_class, when, rounding, rights_to_acquire,
                                                     person_outside_groups, together))
    return None if found is None else _ratio(found[0], found[1], output)


def _voting_power_counts(sit: Situation, party: str, voting_class: str, when: str, rounding: str | None,
                         rights_to_acquire: str, person_outside_groups: bool,
                         together: frozenset[str] | None = None) -> tuple[int, int] | None:
    """voting_power's votes and total votes (None: the party's holdings unknown)."""
    # A party in a group is its group with or without `person_outside_groups`: the votes before
    # any rights to acquire are counted once for both.
    alone = person_outside_groups and sit.group_of(party) is None
    base = sit.counted(("voting_power_votes", party, voting_class, when, rounding, alone, together),
                       lambda: _votes(sit, party, voting_class, when, rounding, alone, together))
    if base is None:
        return None
    votes, total, holdings = base
    if rights_to_acquire == "any_time":
        rights = sum(_rights_any_time(sit, h) for h in holdings)
        votes, total = votes + rights, total + rights
    return votes, total


def acting_as_group(sit: Situation, party: str) -> Any:
    """The groups the scenario states act as one group with the party's (its own included; an
    empty set when it states none; unknown for a party in no group of the rulebook)."""
    if sit.group_of(party) is None:
        return None
    return set(sit.acting_with(party) or ())


def _votes(sit: Situation, party: str, voting_class: str, when: str, rounding: str | None,
           alone: bool, together: frozenset[str] | None = None) -> tuple[int, int, list[Holding]] | None:
    """The party's votes and all votes of the class, and the holdings counted (None: unknown);
    with `together`, the holdings of every group in it."""
    if together is not None and not sit.known(when):
        return None
    holdings = ([h for group in sorted(together) for h in sit.holdings(group, when)] if together is not None
                else _party_holdings(sit, party, when, alone))
    if holdings is None:
        return None
    deal = sit.deal
    preferred = _convertible(deal, deal.members(voting_class))
    counts_common = any(deal.securities.get(s, {}).get("class") == "common" for s in deal.members(voting_class))

    def converted(h: Holding) -> int:
        return conversion(deal, _preferred_in(h, preferred), sit.as_of, rounding) + other_votes(sit.cap, h)

    votes = sum((h.common if counts_common else 0) + converted(h) for h in holdings)
    total = sit.preferred_sum(("voting_power", voting_class, sit.as_of, rounding), converted, when)
    if counts_common:
        total += sit.common_outstanding(when)
    return votes, total, holdings


def _party_holdings(sit: Situation, party: str, when: str, alone: bool) -> list[Holding] | None:
    """The holdings a measure of `party` counts: its group's, or, with `alone`, a party in no
    group as the single holder it is (after the action, as the action leaves it); None when
    unknown (no such party, the Company, or the cap table after the action unknown)."""
    if not sit.known(when):
        return None
    group = sit.group_of(party)
    if group is not None:
        return sit.holdings(group, when)
    action = sit.action
    if not alone or party not in PARTIES or action is None or not action.changes_holdings:
        return None
    who = action.transferor if party == "transferor" else action.acquirer
    if who is None or who.is_company or who.group == COMPANY:
        return None
    held = _index(sit.cap).by_name.get(who.name) or Holding(name=who.name, group=who.group)
    if when == "after" and sit._changes():
        held = sit.changed()[0].get(who.name, held)
    return [held]


def _rights_any_time(sit: Situation, h: Holding) -> int:
    """Voting shares a holder may acquire now or later: warrant shares of warrants not expired on
    the test date, and other convertibles convertible on some day from it that do not already
    vote as converted."""
    warrants = exercisable(sit.deal, h.warrants, sit.as_of, date.max)
    others = sum(common_issuable(sit.cap.convertibles[cid], units) for cid, units in h.convertibles.items()
                 if units and not sit.cap.convertibles[cid].votes_as_converted
                 and convertible_between(sit.cap.convertibles[cid], sit.as_of, date.max))
    return warrants + others


def holding(sit: Situation, party: str, securities: list[str], when: str = "after", output: str = "shares",
            as_converted: bool = False, denominator: str = "common_outstanding",
            rounding: str | None = None, horizon_days: int = 0) -> Any:
    """A party's holding of the listed securities: Common share for share, warrants as exercisable
    on the test date or within `horizon_days` after it (both days included), preferred as shares
    or (as_converted) as the Common it converts into. As a percentage it is over the Common
    outstanding (`denominator: common_outstanding`) or over the Common outstanding plus the
    party's own counted warrant and conversion shares (`common_outstanding_plus_own_rights`)."""
    group = sit.group_of(party)
    if group is None or not sit.known(when):
        return None
    listed = tuple(securities)
    # Worked out once per situation: the before/after figures and the margins of one holding share it.
    counts = sit.counted(("holding", group, listed, when, as_converted, denominator, rounding, horizon_days),
                         lambda: _holding_counts(sit, group, listed, when, as_converted, denominator, rounding,
                                                 horizon_days))
    return _ratio(*counts, output)


def _holding_counts(sit: Situation, group: str, listed: tuple[str, ...], when: str, as_converted: bool,
                    denominator: str, rounding: str | None, horizon_days: int) -> tuple[int, int]:
    """`holding`'s (shares, denominator) for a group."""
    deal = sit.deal
    preferred = _convertible(deal, listed)
    kinds = {deal.securities.get(s, {}).get("class") for s in listed}
    shares = rights = 0
    for h in sit.holdings(group, when):
        if "common" in kinds:
            shares += h.common
        if "warrant" in kinds:
            rights += exercisable(deal, h.warrants, sit.as_of, sit.as_of + timedelta(days=int(horizon_days)))
        if preferred:
            held = _preferred_in(h, preferred)
            if as_converted:
                rights += conversion(deal, held, sit.as_of, rounding)
            else:
                shares += held
    base = sit.common_outstanding(when) + (rights if denominator == "common_outstanding_plus_own_rights" else 0)
    return shares + rights, base


def as_converted_shares(sit: Situation, party: str | None = None, securities: list[str] | None = None,
                        when: str = "after", on: Any = "as_of", per_share: bool = False,
                        rounding: str | None = None) -> Any:
    """Common issuable on converting preferred: a party's listed series (each holder's surrendered
    together, one conversion), rounded as stated; or `per_share`, the exact Common per share."""
    deal = sit.deal
    day = _date_param(sit, on)
    if per_share:
        return calc.conversion_shares_exact(deal.terms, 1, day)
    group = sit.group_of(party) if party else None
    if group is None or not sit.known(when):
        return None
    listed = _convertible(deal, tuple(securities)) if securities else None
    return sum(conversion(deal, _preferred_in(h, listed), day, rounding) for h in sit.holdings(group, when))


def _every_holding(sit: Situation, when: str) -> list[Holding]:
    """Every holding outside the Company, before or after the action (None: after is unknown)."""
    holders = list(sit.cap.holders)
    if when == "after" and sit._changes():
        changes = sit.changed()[0]
        names = {h.name for h in holders}
        holders = [changes.get(h.name, h) for h in holders] + [h for n, h in changes.items() if n not in names]
    return [h for h in holders if h.group != COMPANY]


def _issuable_total(sit: Situation, listed: tuple[str, ...], when: str) -> int:
    """Common issuable on converting every Outstanding share of the listed preferred (each holder's
    shares one conversion, at the date's rate) and exercising every listed warrant exercisable on
    the date."""
    deal = sit.deal
    preferred = _convertible(deal, listed)
    warrants = any(deal.securities.get(s, {}).get("class") == "warrant" for s in listed)
    total = 0
    for h in _every_holding(sit, when):
        if preferred:
            total += conversion(deal, _preferred_in(h, preferred), sit.as_of)
        if warrants:
            total += exercisable(deal, h.warrants, sit.as_of, sit.as_of)
    return total


def issuable(sit: Situation, securities: list[str], output: str = "shares", when: str = "before",
             value_fact: str | None = None, places: int = 2) -> Any:
    """The Common issuable on the listed securities on the date: `shares`, on converting every
    Outstanding share of the listed preferred (each holder's shares together, one conversion,
    rounded as the terms state) and exercising every listed warrant exercisable on the date;
    `per_share`, the Common one share of the preferred converts into, to `places` decimals, as
    text ("calculated as to each conversion to the nearest 1/100 of a share"). With `value_fact`
    (an amount per share of Common, the cash receivable for it, say): `value`, that amount times
    `shares`, and `value_per_share`, times the `per_share` figure, each rounded half up to the
    cent. Unknown when that fact, or the cap table after the action, is unknown."""
    if not sit.known(when):
        return None
    if output in ("per_share", "value_per_share"):
        per_share = calc._round_half_up(calc.conversion_shares_exact(sit.deal.terms, 1, sit.as_of), int(places))
        if output == "per_share":
            return f"{per_share:,}"
        quantity = Fraction(per_share)
    else:
        listed = tuple(securities)
        quantity = sit.counted(("issuable", listed, when), lambda: (_issuable_total(sit, listed, when),))[0]
        if output == "shares":
            return quantity
    value = sit.facts.get(value_fact) if value_fact else None
    if value is None:
        return None
    return calc._round_half_up(quantity * Fraction(value), 2)


def reserve(sit: Situation, authorized_fact: str, securities: list[str], when: str = "after",
            output: str = "margin") -> Any:
    """A covenant to reserve and keep available, out of the authorized but unissued Common, the
    Common issuable on the listed securities: `outstanding`, the Common outstanding `when` (after
    an issuance of Common, with it); `unissued`, the Common authorized (the value of
    `authorized_fact`) less that; `issuable`, as the `issuable` measure's `shares`; `margin`,
    unissued less issuable (0 or more: the covenant is met). Unknown when the authorized Common,
    or the cap table after the action, is unknown."""
    if not sit.known(when):
        return None
    outstanding = sit.common_outstanding(when)
    if output == "outstanding":
        return outstanding
    listed = tuple(securities)
    needed = sit.counted(("issuable", listed, when), lambda: (_issuable_total(sit, listed, when),))[0]
    if output == "issuable":
        return needed
    authorized = sit.facts.get(authorized_fact)
    if authorized is None:
        return None
    unissued = int(authorized) - outstanding
    return unissued if output == "unissued" else unissued - needed


def accreted_value(sit: Situation, on: Any = "as_of", include: str = "accreted",
                   day_count: str | None = None, places: int | None = None) -> Any:
    """A liquidation preference accreted on its payment dates under the terms the rulebook
    states (parameters.yaml: the payment schedule, its business-day roll and calendar, and the
    day count): `accreted` (added on payment dates on or before `on`), `accrued` (accrued since
    the last payment date, not yet added) or `total` (both). `day_count` replaces the stated day
    count for this figure only (one of calc.DAY_COUNTS). With `places`, the exact amount rounded
    half up to that many decimals, as a figure reported to the cent (the arithmetic itself never
    reads the rounded figure)."""
    terms = sit.deal.terms if day_count is None else replace(sit.deal.terms, day_count=day_count)
    day = _date_param(sit, on)
    accreted = calc.liquidation_preference(terms, day)
    accrued = calc.accrued_dividends(terms, day) if include != "accreted" else 0
    value = {"accreted": accreted, "accrued": accrued, "total": accreted + accrued}[include]
    return value if places is None else calc._round_half_up(value, int(places))


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


def securities_outstanding(sit: Situation, securities: list[str]) -> frozenset:
    """The listed securities with at least one share Outstanding (shares the Company holds are not):
    a class or series vote needs holders of it to vote."""
    return frozenset(s for s in securities if outstanding(sit, [s]) > 0)


def _holds(sit: Situation, only_when: dict | None) -> bool | None:
    """Whether the `only_when` fact has the stated value (None: that fact is unknown)."""
    if only_when is None:
        return True
    (test, wanted), = only_when.items()
    if test not in sit.facts:
        return None
    return sit.facts[test] == wanted


def issued_to_date(sit: Situation, security_fact: str, only_when: dict | None = None) -> Any:
    """Shares of the security the `security_fact` names issued to date, counting those since
    converted, reacquired or cancelled, from the record: a cap table with a history carries every
    event since the closing (transfers, conversions and exercises, never an issuance of preferred),
    so its shares issued to date are those issued at the closing. Unknown without a history, or
    unless the `only_when` fact has the stated value."""
    if _holds(sit, only_when) is not True or sit.cap.last_event is None:
        return None
    security = sit.facts.get(security_fact)
    if security not in sit.deal.securities:
        return None
    return int(sit.deal.securities[security].get("issued_at_closing", 0) or 0)


def sum_of(sit: Situation, fact: str, add_fact: str, only_when: dict | None = None) -> Any:
    """The `fact` plus the `add_fact` (a cumulative figure after an action, say); unknown when either
    is unknown, or unless the `only_when` fact has the stated value."""
    if _holds(sit, only_when) is not True:
        return None
    first, second = sit.facts.get(fact), sit.facts.get(add_fact)
    return None if first is None or second is None else first + second


def acquires_all_outstanding(sit: Situation, securities: list[str], by_company: bool = True) -> Any:
    """Whether an acquisition (by the Company, if `by_company`) of one of the listed securities takes
    every share of them Outstanding; unknown for any other action."""
    action = sit.action
    if action is None or not action.trades_securities or action.security not in securities:
        return None
    if by_company and not action.acquirer.is_company:
        return None
    return action.quantity >= outstanding(sit, securities)


def business_days_after(sit: Situation, days: int, calendar: str, start: Any = "as_of",
                        start_fact: str | None = None) -> date | None:
    """A deadline: the `days`-th business day after `start` (the scenario's date unless a date is
    given, or the date the fact `start_fact` states; unknown while it is unknown) under a named
    holiday calendar (calc.CALENDARS); a negative `days` counts back."""
    begin = _fact_date(sit, start_fact, start)
    return None if begin is None else calc.business_days_after(begin, days, calendar)


def jurisdiction(sit: Situation, name_fact: str, output: str = "kind") -> Any:
    """A jurisdiction of organization recognised from its stated name: its kind (united_states,
    us_state, district_of_columbia, us_territory, foreign) or its country; unknown if not recognised."""
    from .facts import jurisdiction as recognise
    name = sit.facts.get(name_fact)
    known = recognise(name) if isinstance(name, str) else None
    if known is None:
        return None
    return known[0] if output == "kind" else known[1]


def other_convertible_shares(sit: Situation, party: str, when: str = "after", horizon_days: int = 60) -> Any:
    """The Common a party's group could acquire within `horizon_days` by converting the other
    convertibles the cap table states (Rule 13d-3(d)(1)(i))."""
    group = sit.group_of(party)
    if group is None or not sit.known(when):
        return None
    return other_rights(sit.cap, sit.holdings(group, when), sit.as_of, horizon_days)


def _holds_for_event(cap: CapTable, index: _Index, deal: Deal, action) -> bool:
    """Whether the holder still holds what it converts or exercises: a security of an instrument
    the scenario states has ended is held by no one (instruments.without_ended), and nothing is
    issued on it."""
    holding = index.by_name.get(action.acquirer.name)
    if holding is None:
        return False
    if action.security in cap.convertibles:
        held = holding.convertibles.get(action.security, 0)
    elif deal.securities.get(action.security, {}).get("class") == "warrant":
        held = holding.warrants
    else:
        held = holding.preferred.get(action.security, 0)
    return held >= action.quantity


def common_issued(sit: Situation, figure: str = "whole") -> Any:
    """The Common the proposed conversion or exercise issues (`event_common`): whole shares, or
    (`figure: hundredths`, a conversion) the aggregate to the nearest 1/100 of a share before it
    is rounded to a whole share, as text."""
    action = sit.action
    if action is None or not action.is_capital_event or not _holds_for_event(sit.cap, _index(sit.cap), sit.deal, action):
        return None
    if figure == "whole":
        return event_common(sit.deal, action, sit.as_of)
    if action.kind != "conversion":
        return None
    exact = calc.conversion_shares_exact(sit.deal.terms, action.quantity, sit.as_of)
    return f"{calc._round_half_up(exact, 2):,}"


def amount(sit: Situation, value: Any = None, parameter: str | None = None, times: str | None = None,
           when: dict | None = None) -> Any:
    """A stated amount (a number or a number parameter), or the value a `parameter` has on the
    date as the record has adjusted it (a price an anti-dilution event moves), or that amount times
    the value of the fact `times`; with `when`, only while that {fact: value} holds (unknown otherwise)."""
    if when is not None:
        (test, wanted), = when.items()
        if sit.facts.get(test) != wanted:
            return None
    if parameter is not None:
        value = sit.deal.parameters.get(parameter)
        if value is None:
            return None
    if times is None:
        return Decimal(value)
    factor = sit.facts.get(times)
    return None if factor is None else Decimal(value) * factor


def price_adjustment(sit: Situation, parameter: str, events: dict | None = None, inputs: dict | None = None,
                     prefix: str = "adjustment", times: Any = None, notice_days: int | None = None,
                     limb: str | None = None, figure: str | None = None, output: str = "after") -> Any:
    """What the proposed event on the Common does to `parameter` (a price, or a share threshold
    factor, that a term event of the rulebook adjusts: the one `events` names for the action's
    kind, else the one with the kind's id): the formula of engine/adjust.py on the fields the
    action states (fact `<prefix>.<field>`, or the fact `inputs` names for the field) and the
    Common outstanding immediately before it, from the value in force on the date and any factor
    carried forward, under the effect's de minimis rule and rounding.

    Outputs: `before` and `after` (the value), `changes` (whether it moves now), `triggered`
    (whether the formula's condition is met at all), `exact` (before rounding), `outstanding`
    (O), `factor` (the fraction, as text), `words` (what happens, as a sentence part), `scaled`
    (the number `times` multiplied by the value after, to the whole share above), `effective` (the
    date the adjustment is in force from), `notice_by` (`notice_days` after that), `limb` (whether
    the part of the formula's trigger named `limb` holds), `figure` (the figure the formula works
    out under the name `figure`). A formula that counts earlier events (adjust.py `aggregate`)
    counts those of the cap table's record up to the date (those that did not adjust `parameter`).
    `outstanding`, `limb` and `figure` are the event's own: given also where its term event does
    not adjust `parameter`. Unknown while a field the formula reads is not stated."""
    action = sit.action
    kind = action.kind if action is not None else ""
    spec = sit.deal.term_events.get((events or {}).get(kind, kind))
    effect = next((e for e in spec.effects if e.adjust == parameter), None) if spec is not None else None
    # O, and the parts of the trigger and the figures the formula works out, are the event's own,
    # whether or not it adjusts `parameter` (an event that moves one price and not the other).
    own = output in ("outstanding", "limb", "figure")
    if (effect is None and not own) or spec is None or not spec.formula \
            or sit.deal.parameters.get(parameter) is None:
        return None
    formula = adjust.FORMULAS[spec.formula]
    named = inputs or {}
    stated = adjust.formula_inputs(spec.formula, {f: sit.facts.get(named.get(f, f"{prefix}.{f}"))
                                                  for f, _ in formula.fields})
    if stated is None:
        return None
    inputs = stated
    outstanding = sit.cap.common_outstanding
    if output == "outstanding":
        return outstanding
    if formula.aggregate is not None:
        record = tuple(e for e in sit.cap.term_events if e.on <= sit.as_of)
        inputs["earlier_" + formula.aggregate[0]] = adjust.unadjusted_earlier(
            spec.formula, record, sit.deal.term_events, parameter, sit.as_of)
    if output == "limb":
        test = dict(formula.limbs).get(limb or "")
        return None if test is None else test(outstanding, inputs)
    if output == "figure":
        work = dict(formula.figures).get(figure or "")
        return None if work is None else work(outstanding, inputs)
    before = Fraction(sit.deal.parameters[parameter])
    factor = formula.factor(outstanding, inputs)
    if factor is None:
        step = adjust.Step(before, before, before, False, Fraction(1))
    else:
        used = 1 / factor if effect.inverse else factor
        minimum = sit.deal.parameters.get(effect.de_minimis_pct) if effect.de_minimis_pct else None
        step, _ = adjust.apply(before, sit.deal.carried.get(parameter, Fraction(1)), used, minimum, effect.places)
    if output == "before":
        return before
    if output == "after":
        return step.after
    if output == "exact":
        return step.exact
    if output == "changes":
        return step.made
    if output == "triggered":
        return factor is not None
    if output == "effective":
        return sit.as_of + timedelta(days=effect.effective_days_after)
    if output == "notice_by":
        return sit.as_of + timedelta(days=effect.effective_days_after + int(notice_days or 0))
    if output == "scaled":
        return None if times is None else math.ceil(Fraction(times) * step.after)
    if output == "factor":
        return f"{step.factor.numerator:,}/{step.factor.denominator:,}"
    # words
    if factor is None:
        if formula.why is not None:
            return f"not adjusted: {formula.why(outstanding, inputs)}"
        return f"not adjusted: the formula's condition ({formula.trigger}) is not met"
    if not step.made:
        change = abs(step.exact / before - 1) * 100
        return (f"not adjusted now: the change ({calc._round_half_up(change, 4)}%) is less than "
                f"{sit.deal.parameters.get(effect.de_minimis_pct)}% and is carried forward into the next adjustment")
    effective = sit.as_of + timedelta(days=effect.effective_days_after)
    return f"adjusted from {_money(before, effect.places)} to {_money(step.after, effect.places)} effective {effective}"


def deferred_issue(sit: Situation, parameter: str, output: str = "pending") -> Any:
    """A proposed conversion or exercise after the record date of an adjustment of `parameter` and
    before its event occurs (Deal.deferrals): the Common issuable now at the value in force
    before that adjustment and the additional Common it gives, which the issuer may defer until
    the event. Outputs: `pending` (whether such an adjustment is in force), `now` (the Common at
    the value before), `total` (the Common as adjusted), `deferred` (the difference), `before` (the
    value before), `record_date` (the latest such event's date), `occurs` (the earliest date its
    event occurs). A Warrant whose share number moves with the price (`warrant_shares`) is
    exercised before the adjustment for the shares it then covered (times after / before, to the
    nearest whole share, half up). Unknown while an event's date is not stated."""
    action = sit.action
    if action is None or not action.is_capital_event:
        return None
    deferral = sit.deal.deferrals.get(parameter)
    if deferral is None:
        return False if output == "pending" else None
    if deferral.unknown:
        return None
    if output == "pending":
        return True
    if output == "before":
        return deferral.before
    if output == "record_date":
        return max(e.on for e in deferral.events)
    if output == "occurs":
        return min(e.field(deferral.effect.defer_until) for e in deferral.events)
    if not _holds_for_event(sit.cap, _index(sit.cap), sit.deal, action):
        return None
    total = event_common(sit.deal, action, sit.as_of)
    if output == "total" or total is None:
        return total
    before, after = Fraction(deferral.before), Fraction(sit.deal.parameters[parameter])
    terms = sit.deal.terms
    if parameter == "conversion_price":
        terms = replace(terms, conversion_price=Decimal(before.numerator) / before.denominator)
    earlier = Deal(terms, sit.deal.securities, sit.deal.classes, {**sit.deal.parameters, parameter: deferral.before},
                   sit.deal.term_events, sit.deal.carried)
    quantity = action.quantity
    if deferral.effect.warrant_shares:
        quantity = int(calc._round_half_up(quantity * after / before, 0))
    now = event_common(earlier, replace(action, quantity=quantity), sit.as_of)
    if now is None:
        return None
    return now if output == "now" else max(total - now, 0)


def _money(value: Fraction, places: int | None) -> str:
    return f"${calc._round_half_up(value, 2 if places is None else max(places, 2)):,}"


def exceeds(sit: Situation, fact: str, parameter: str) -> bool | None:
    """Whether the value of `fact` is greater than `parameter` as in force on the date (as the
    record has adjusted it); unknown when either is."""
    value, limit = sit.facts.get(fact), sit.deal.parameters.get(parameter)
    if value is None or limit is None:
        return None
    return Fraction(value) > Fraction(limit)


def _fact_date(sit: Situation, fact: str | None, default: Any = "as_of") -> date | None:
    """The date a fact states (None when unknown), or the date param `default`."""
    if fact is None:
        return _date_param(sit, default)
    value = sit.facts.get(fact)
    return value if isinstance(value, date) else None


def accreted_after_reset(sit: Situation, reset_fact: str, rate: Any, on: Any = "as_of", on_fact: str | None = None,
                         reset_on: Any = "as_of", include: str = "accreted", pct: Any = None,
                         pct_fact: str | None = None, places: int | None = None) -> Any:
    """A liquidation preference set to the value of `reset_fact` on `reset_on` and accreted from
    then at `rate` a year under the terms (accretion.after_reset) to `on` (or the date `on_fact`
    states): `accreted`, `accrued` (since the last payment date, or the reset) or `total`; times
    `pct`% (or the percentage the fact `pct_fact` gives), a price stated as a percentage of it;
    rounded half up to `places` only at the end, for a figure reported to the cent. Unknown
    before the reset, or when a fact it reads is unknown."""
    from .accretion import after_reset
    value, day, start = sit.facts.get(reset_fact), _fact_date(sit, on_fact, on), _date_param(sit, reset_on)
    share = sit.facts.get(pct_fact) if pct_fact else 100 if pct is None else pct
    if value is None or day is None or share is None:
        return None
    found = after_reset(sit.deal.terms, Fraction(value), start, day, Fraction(rate))
    if found is None:
        return None
    accreted, accrued = found
    result = {"accreted": accreted, "accrued": accrued, "total": accreted + accrued}[include] * Fraction(share) / 100
    return result if places is None else calc._round_half_up(result, int(places))


def difference(sit: Situation, value: Any, minus: str, floor: str = "none", only_before: Any = None,
               places: int | None = None) -> Any:
    """A stated amount (a number or a number parameter) less the value of the fact `minus`; with
    `floor: zero`, nothing below zero (a difference that would be negative adds nothing); with
    `only_before` (a date), zero on and after that date (an amount owed only for an event before it)."""
    less = sit.facts.get(minus)
    if less is None:
        return None
    if only_before is not None and sit.as_of >= _date_param(sit, only_before):
        return Fraction(0) if places is None else calc._round_half_up(0, int(places))
    result = Fraction(value) - Fraction(less)
    if floor == "zero" and result < 0:
        result = Fraction(0)
    return result if places is None else calc._round_half_up(result, int(places))


def figure(sit: Situation, fact: str, plus: str | None = None, times: str | None = None, pct: Any = None,
           pct_fact: str | None = None, places: int | None = None) -> Any:
    """(`fact` + `plus`) x `times` x `pct`% (or the percentage the fact `pct_fact` gives), each part
    optional: a price as a percentage of a preference plus accrued dividends, or a per-share
    amount times the shares. Unknown when a fact it reads is unknown."""
    names = [n for n in (fact, plus, times, pct_fact) if n is not None]
    if any(sit.facts.get(n) is None for n in names):
        return None
    result = Fraction(sit.facts[fact]) + (Fraction(sit.facts[plus]) if plus else 0)
    if times:
        result *= Fraction(sit.facts[times])
    if pct is not None:
        result *= Fraction(pct) / 100
    if pct_fact:
        result *= Fraction(sit.facts[pct_fact]) / 100
    return result if places is None else calc._round_half_up(result, int(places))


def days_after(sit: Situation, days: int, start: Any = "as_of") -> date:
    """A deadline `days` calendar days after `start` ("within 20 days following")."""
    return _date_param(sit, start) + timedelta(days=int(days))


def days_between(sit: Situation, end_fact: str, start: Any = "as_of", start_fact: str | None = None) -> Any:
    """Calendar days from `start` (or the date `start_fact` states) to the date `end_fact` states."""
    begin, end = _fact_date(sit, start_fact, start), _fact_date(sit, end_fact)
    return None if begin is None or end is None else (end - begin).days


def date_when(sit: Situation, when: dict, on: Any = "as_of") -> Any:
    """The date `on` while the {fact: value} `when` holds (the date an event found occurs); unknown
    otherwise."""
    (test, wanted), = when.items()
    return _date_param(sit, on) if sit.facts.get(test) == wanted else None


def conversion_rate(sit: Situation, value_fact: str, times: str | None = None, places: int = 2) -> Any:
    """Common issuable for the amount the fact `value_fact` gives per share (a preference plus
    accrued dividends) at the conversion price in force, times the shares `times` gives, to
    `places` decimals (text, as "the nearest 1/100 of a share")."""
    value = sit.facts.get(value_fact)
    shares = sit.facts.get(times) if times else 1
    if value is None or shares is None:
        return None
    exact = Fraction(value) * Fraction(shares) / Fraction(sit.deal.terms.conversion_price)
    return f"{calc._round_half_up(exact, int(places)):,}"


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
    value_map ({fact: value}), parameter (a parameter's name, read as in force on the test date).
    """

    fn: Callable
    params: dict[str, str]
    required: tuple[str, ...]
    types: dict[str, str]  # output -> fact type; "" key for a measure with one output
    needs: tuple[str, ...] = ()  # parameters the arithmetic reads
    typed_by: str = "output"  # the param whose value selects the type

    def type_for(self, output: str | None) -> str:
        return self.types.get(output or "", self.types.get("", "shares"))


_OWNERSHIP_TYPES = {"shares": "shares", "denominator": "shares", "pct": "percent", "": "percent"}
_CONVERTING = ("closing_date", "initial_liquidation_preference", "dividend_rate", "first_dividend_payment_date",
               "conversion_price", "dividend_payment_interval_months", "dividend_payment_day", "dividend_payment_roll",
               "business_day_calendar", "day_count", "conversion_rounding")
_ROUNDING = "choice:" + "|".join(ROUNDINGS)

MEASURES: dict[str, Measure] = {
    "beneficial_ownership": Measure(beneficial_ownership, {
        "party": "party", "when": "when", "output": "output", "horizon_days": "int", "rounding": _ROUNDING},
        ("party",), _OWNERSHIP_TYPES, _CONVERTING),
    "cap_basis": Measure(cap_basis, {
        "party": "party", "when": "when", "output": "output", "conversion_date": "date",
        "deemed_outstanding": "classes", "rounding": _ROUNDING, "horizon_days": "int"},
        ("party", "conversion_date", "deemed_outstanding"), _OWNERSHIP_TYPES, _CONVERTING),
    "voting_power": Measure(voting_power, {
        "party": "party", "when": "when", "output": "output", "voting_class": "class", "rounding": _ROUNDING,
        "rights_to_acquire": "choice:none|any_time", "person_outside_groups": "bool", "acting_together": "bool"},
        ("party", "voting_class"), _OWNERSHIP_TYPES, _CONVERTING),
    "acting_as_group": Measure(acting_as_group, {"party": "party"}, ("party",), {"": "set"}),
    "holding": Measure(holding, {
        "party": "party", "when": "when", "output": "output", "securities": "securities", "as_converted": "bool",
        "denominator": "choice:common_outstanding|common_outstanding_plus_own_rights", "rounding": _ROUNDING,
        "horizon_days": "int"},
        ("party", "securities"), {"shares": "shares", "denominator": "shares", "pct": "percent", "": "shares"}),
    "as_converted_shares": Measure(as_converted_shares, {
        "party": "party", "securities": "securities", "when": "when", "on": "date", "per_share": "bool",
        "rounding": _ROUNDING}, (), {"": "shares"}, _CONVERTING),
    "issuable": Measure(issuable, {
        "securities": "securities", "output": "choice:shares|per_share|value|value_per_share", "when": "when",
        "value_fact": "fact", "places": "int"}, ("securities",),
        {"shares": "shares", "per_share": "text", "value": "money", "value_per_share": "money", "": "shares"},
        _CONVERTING),
    "reserve": Measure(reserve, {
        "authorized_fact": "fact", "securities": "securities", "when": "when",
        "output": "choice:outstanding|unissued|issuable|margin"}, ("authorized_fact", "securities"),
        {"": "shares"}, _CONVERTING),
    "accreted_value": Measure(accreted_value, {"on": "date", "include": "choice:accreted|accrued|total",
                                               "day_count": "choice:" + "|".join(calc.DAY_COUNTS), "places": "int"}, (),
                              {"": "money"}, _CONVERTING),
    "compounded": Measure(compounded, {"principal": "number", "rate": "number", "periods": "number",
                                       "places": "int"}, ("principal", "rate", "periods"), {"": "money"}),
    "outstanding": Measure(outstanding, {"securities": "securities", "when": "when", "add_fact": "fact",
                                         "add_when": "value_map"}, ("securities",), {"": "shares"}),
    "securities_outstanding": Measure(securities_outstanding, {"securities": "securities"}, ("securities",),
                                      {"": "set"}),
    "issued_to_date": Measure(issued_to_date, {"security_fact": "fact", "only_when": "value_map"},
                              ("security_fact",), {"": "shares"}),
    "sum_of": Measure(sum_of, {"fact": "fact", "add_fact": "fact", "only_when": "value_map"}, ("fact", "add_fact"),
                      {"": "shares"}),
    "acquires_all_outstanding": Measure(acquires_all_outstanding, {"securities": "securities", "by_company": "bool"},
                                        ("securities",), {"": "bool"}),
    "other_convertible_shares": Measure(other_convertible_shares, {"party": "party", "when": "when",
                                                                   "horizon_days": "int"}, ("party",), {"": "shares"}),
    "common_issued": Measure(common_issued, {"figure": "choice:whole|hundredths"}, (),
                             {"whole": "shares", "hundredths": "text", "": "shares"}, _CONVERTING, "figure"),
    "amount": Measure(amount, {"value": "number", "parameter": "parameter", "times": "fact", "when": "value_map"},
                      (), {"": "money"}),
    "price_adjustment": Measure(price_adjustment, {
        "parameter": "parameter", "events": "term_events", "inputs": "fact_map", "prefix": "word", "times": "number",
        "notice_days": "int", "limb": "word", "figure": "word",
        "output": "choice:before|after|changes|triggered|exact|factor|words|outstanding|scaled|effective|notice_by"
                  "|limb|figure"},
        ("parameter",), {"before": "money", "after": "money", "exact": "money", "changes": "bool", "triggered": "bool",
                         "factor": "text", "words": "text", "outstanding": "shares", "scaled": "shares",
                         "effective": "date", "notice_by": "date", "limb": "bool", "figure": "money", "": "money"}),
    "deferred_issue": Measure(deferred_issue, {
        "parameter": "parameter", "output": "choice:pending|now|total|deferred|before|record_date|occurs"},
        ("parameter",), {"pending": "bool", "now": "shares", "total": "shares", "deferred": "shares",
                         "before": "money", "record_date": "date", "occurs": "date", "": "bool"}),
    "exceeds": Measure(exceeds, {"fact": "fact", "parameter": "parameter"}, ("fact", "parameter"), {"": "bool"}),
    "accreted_after_reset": Measure(accreted_after_reset, {
        "reset_fact": "fact", "rate": "number", "on": "date", "on_fact": "fact", "reset_on": "date",
        "include": "choice:accreted|accrued|total", "pct": "number", "pct_fact": "fact", "places": "int"},
        ("reset_fact", "rate"), {"": "money"}, _CONVERTING),
    "difference": Measure(difference, {"value": "number", "minus": "fact", "floor": "choice:none|zero",
                                       "only_before": "date", "places": "int"},
                          ("value", "minus"), {"": "money"}),
    "figure": Measure(figure, {"fact": "fact", "plus": "fact", "times": "fact", "pct": "number", "pct_fact": "fact",
                               "places": "int"}, ("fact",), {"": "money"}),
    "days_after": Measure(days_after, {"days": "int", "start": "date"}, ("days",), {"": "date"}),
    "days_between": Measure(days_between, {"end_fact": "fact", "start": "date", "start_fact": "fact"}, ("end_fact",),
                            {"": "shares"}),
    "date_when": Measure(date_when, {"when": "value_map", "on": "date"}, ("when",), {"": "date"}),
    "conversion_rate": Measure(conversion_rate, {"value_fact": "fact", "times": "fact", "places": "int"},
                               ("value_fact",), {"": "text"}, _CONVERTING),
    "business_days_after": Measure(business_days_after, {
        "days": "int", "calendar": "choice:" + "|".join(calc.CALENDARS), "start": "date", "start_fact": "fact"},
        ("days", "calendar"),
        {"": "date"}),
    "jurisdiction": Measure(jurisdiction, {"name_fact": "fact", "output": "choice:kind|country"}, ("name_fact",),
                            {"": "enum"}),
}


# The board measures (engine/board.py): seat thresholds, seats of a board, a board's composition
# over time, calendar-day deadlines.
from .board import BOARD_MEASURES  # noqa: E402 - board.py builds on the measures above

MEASURES.update(BOARD_MEASURES)


def measure(name: str, sit: Situation, params: dict[str, Any]) -> Any:
    """Call a measure by name with params already checked and resolved by the rulebook loader."""
    return MEASURES[name].fn(sit, **params)
