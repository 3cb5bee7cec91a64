"""Capital events in exact arithmetic: the Common a conversion or an exercise issues and the record
after it, other securities convertible into Common stated on a cap table, an issuance's effect on
each group's ownership-cap basis, and the day accretion alone takes a group across a voting line.

Security ids, groups, prices and dates come from the rulebook and the cap table; nothing here
names a deal.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from . import calc
from .conditions import Atom
from .errors import did_you_mean
from .model import COMPANY, NO_GROUP, Action, CapTable, ConvertibleTerms, Holding, Party, Scenario

CAPITAL_KINDS = ("conversion", "exercise")
EXERCISE_METHODS = ("cash", "net_issue")
ACTION_KEYS = {
    "conversion": ("kind", "holder", "security", "quantity"),
    "exercise": ("kind", "holder", "security", "quantity", "method", "market_price"),
}
CONVERTIBLE_KINDS = ("preferred", "note", "other")
FRACTIONS = ("half_up", "down")
CONVERTIBLE_KEYS = ("name", "kind", "conversion_ratio", "face_amount", "conversion_price", "fractions",
                    "convertible_from", "convertible_until", "votes_as_converted")
# Rule 13d-3(d)(1)(i): a person beneficially owns what it "has the right to acquire [...] within
# sixty days", including "through the conversion of a security".
RULE_13D3_WINDOW = timedelta(days=60)


# --- reading a scenario's capital action and a cap table's other convertibles -------------------


def _line(node: Any, key: str | None = None) -> int | None:
    if key is not None and hasattr(node, "line_of"):
        return node.line_of(key)
    return getattr(node, "line", None)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, str):
        return repr(value)
    return "nothing" if value is None else "a mapping" if isinstance(value, dict) else type(value).__name__


def _positive(ck, node: dict, key: str, path: str) -> Fraction | None:
    """An exact number above zero (YAML decimals load as Decimal), or None reported."""
    value = node.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or not Decimal(value).is_finite() or value <= 0:
        ck.add(_line(node, key), "bad-value", f"{path}.{key}: expected a number above 0, got {_show(value)}")
        return None
    return Fraction(value)


def held(holding: Holding, security: str, klass: str | None) -> int:
    """What a holder holds of one security: Common, Warrant shares, a preferred series or another convertible."""
    if klass == "common":
        return holding.common
    if klass == "warrant":
        return holding.warrants
    if security in holding.convertibles:
        return holding.convertibles[security]
    return holding.preferred.get(security, 0)


def parse_action(ck, node: dict, rulebook, cap: CapTable | None) -> Action | None:
    """`action: {kind: conversion, holder, security, quantity}` or `{kind: exercise, holder, quantity,
    method: cash | net_issue, market_price}`; every problem reported on its line."""
    kind = node["kind"]
    required = ("holder", "quantity") + (("security",) if kind == "conversion" else ())
    ck.mapping(node, "action", ACTION_KEYS[kind], required, what=f" for a {kind}")
    quantity = ck.shares(node, "quantity", "action", 1)
    klass = "preferred" if kind == "conversion" else "warrant"
    security = node.get("security")
    if kind == "exercise" and security is None:
        security = next((s for s, spec in rulebook.securities.items() if spec.get("class") == "warrant"), None)
    spec = rulebook.securities.get(security) if isinstance(security, str) else None
    if security is not None and (spec is None or spec.get("class") != klass or not spec.get("converts_to_common")):
        allowed = [s for s, v in rulebook.securities.items() if v.get("class") == klass and v.get("converts_to_common")]
        what = "convertible preferred series" if kind == "conversion" else "warrant"
        ck.add(_line(node, "security"), "bad-value", f"action.security: {_show(security)} is not a {what} of the "
               f"rulebook ({', '.join(allowed)}){did_you_mean(security, allowed) if isinstance(security, str) else ''}")
        security = None
    details: dict[str, Any] = {}
    if kind == "exercise":
        method = node.get("method", "cash")
        if method not in EXERCISE_METHODS:
            ck.add(_line(node, "method"), "bad-value", f"action.method: {_show(method)} is not one of "
                   f"{', '.join(EXERCISE_METHODS)}{did_you_mean(method, EXERCISE_METHODS) if isinstance(method, str) else ''}")
            method = None
        details["exercise.method"] = method
        if "market_price" in node and method == "cash":
            ck.add(_line(node, "market_price"), "unknown-key",
                   "action.market_price: applies only to a net issue exercise (method: net_issue)")
        if _positive(ck, node, "market_price", "action") is not None and method == "net_issue":
            details["exercise.market_price"] = node["market_price"]
    holder = None
    name = node.get("holder")
    if isinstance(name, str) and cap is not None:
        holder = cap.holder(name)
        if holder is None:
            ck.add(_line(node, "holder"), "unknown-holder", f"action.holder: '{name}' is not a holder on the cap "
                   f"table{did_you_mean(name, [h.name for h in cap.holders])}")
    elif name is not None and not isinstance(name, str):
        ck.add(_line(node, "holder"), "wrong-type", f"action.holder: expected a holder name, got {_show(name)}")
    if holder is not None and security is not None and quantity is not None:
        has = held(holder, security, klass)
        if has < quantity:
            verb = "converted" if kind == "conversion" else "exercised"
            ck.add(_line(node, "quantity"), "bad-value", f"action.quantity: {holder.name} holds {has:,} of "
                   f"{security}, fewer than the {quantity:,} to be {verb}")
            return None
    if holder is None or security is None or quantity is None or (kind == "exercise" and details["exercise.method"] is None):
        return None
    return Action(kind=kind, security=security, quantity=quantity, seller="holder",
                  acquirer=Party(name=holder.name, group=holder.group), details=details)


def parse_convertibles(ck, node: dict, path: str, rulebook) -> dict[str, ConvertibleTerms]:
    """A cap table's `convertibles`: id -> {name, kind, conversion_ratio | face_amount and
    conversion_price, fractions, convertible_from, convertible_until, votes_as_converted}."""
    raw = node.get("convertibles")
    where = f"{path}.convertibles" if path else "convertibles"
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        ck.add(_line(node, "convertibles"), "wrong-type", f"{where}: expected a mapping of id: terms, got {_show(raw)}")
        return {}
    out: dict[str, ConvertibleTerms] = {}
    for cid, item in raw.items():
        line = _line(raw, cid)
        item_path = f"{where}.{cid}"
        if cid in rulebook.securities:
            ck.add(line, "duplicate-id", f"{item_path}: '{cid}' is already a security of the rulebook")
            continue
        if not ck.mapping(item, item_path, CONVERTIBLE_KEYS, ("name", "kind", "fractions"), line=line):
            continue
        before = len(ck.problems.problems)
        name = ck.text(item, "name", item_path)
        kind = item.get("kind")
        if kind is not None and kind not in CONVERTIBLE_KINDS:
            ck.add(_line(item, "kind"), "bad-value", f"{item_path}.kind: {_show(kind)} is not one of "
                   f"{', '.join(CONVERTIBLE_KINDS)}")
        fractions = item.get("fractions")
        if fractions is not None and fractions not in FRACTIONS:
            ck.add(_line(item, "fractions"), "bad-value", f"{item_path}.fractions: {_show(fractions)} is not one of "
                   f"{', '.join(FRACTIONS)} (how a fraction of a share issuable to one holder is settled)")
        ratio = _positive(ck, item, "conversion_ratio", item_path)
        face = _positive(ck, item, "face_amount", item_path)
        price = _positive(ck, item, "conversion_price", item_path)
        if "conversion_ratio" in item and ("face_amount" in item or "conversion_price" in item):
            ck.add(_line(item, "conversion_ratio"), "contradiction", f"{item_path}: state conversion_ratio, or "
                   "face_amount and conversion_price, not both")
        elif "conversion_ratio" not in item and not ("face_amount" in item and "conversion_price" in item):
            ck.add(_line(item), "missing-field", f"{item_path}: missing its conversion terms: conversion_ratio "
                   "(Common per unit), or face_amount and conversion_price")
        start = ck.date(item, "convertible_from", item_path)
        end = ck.date(item, "convertible_until", item_path)
        if start and end and end < start:
            ck.add(_line(item, "convertible_until"), "bad-date", f"{item_path}.convertible_until: {end} is before "
                   f"convertible_from {start}")
        votes = ck.boolean(item, "votes_as_converted", item_path)
        if len(ck.problems.problems) != before:
            continue
        per_unit = ratio if ratio is not None else face / price
        out[str(cid)] = ConvertibleTerms(id=str(cid), name=name or str(cid), kind=kind, common_per_unit=per_unit,
                                         fractions=fractions, convertible_from=start, convertible_until=end,
                                         votes_as_converted=bool(votes), stated_in=f"{ck.file}:{line}")
    return out


def parse_holding(ck, item: dict, path: str) -> dict[str, int] | None:
    """A holder's `convertibles: {id: units}`; the ids are checked against the cap table's declarations."""
    raw = item.get("convertibles")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        ck.add(_line(item, "convertibles"), "wrong-type", f"{path}.convertibles: expected a mapping of id: units, "
               f"got {_show(raw)}")
        return None
    out = {}
    for cid in raw:
        units = ck.shares(raw, cid, f"{path}.convertibles", 0)
        if units is not None:
            out[str(cid)] = units
    return out


def check_holdings(ck, node: dict, path: str, table: CapTable) -> None:
    """Every holder's other convertibles must be declared under the cap table's `convertibles`."""
    items = node.get("holders") if isinstance(node.get("holders"), list) else []
    for index, item in enumerate(items):
        raw = item.get("convertibles") if isinstance(item, dict) else None
        if not isinstance(raw, dict):
            continue
        for cid in raw:
            if cid not in table.convertibles:
                ck.add(_line(raw, cid), "unknown-security",
                       f"{path + '.' if path else ''}holders[{index}].convertibles: '{cid}' is not declared under "
                       f"convertibles{did_you_mean(cid, table.convertibles)}")


# --- measures: other convertibles under Rule 13d-3 and the ownership-cap basis ------------------


def common_issuable(terms: ConvertibleTerms, units: int) -> int:
    """Common issuable on converting one holder's `units` together, fractions settled as stated."""
    exact = terms.common_per_unit * units
    if terms.fractions == "half_up":
        return int(calc._round_half_up(exact, 0))
    return exact.numerator // exact.denominator


def convertible_between(terms: ConvertibleTerms, start: date, end: date) -> bool:
    """The security may be converted on some day from `start` to `end`, both included."""
    first = terms.convertible_from or date.min
    last = terms.convertible_until or date.max
    return first <= end and last >= start


def other_rights(cap: CapTable, holders, on: date) -> int:
    """Rule 13d-3(d)(1)(i): the Common the holders could acquire within sixty days of `on` by
    converting other securities stated on the cap table (assumption A-other-convertibles-13d3)."""
    total = 0
    for h in holders:
        for cid, units in h.convertibles.items():
            terms = cap.convertibles[cid]
            if units and convertible_between(terms, on, on + RULE_13D3_WINDOW):
                total += common_issuable(terms, units)
    return total


def beneficial_ownership(terms: calc.Terms, cap: CapTable, group: str, on: date) -> calc.Ownership:
    """Rule 13d-3(d)(1)(i) with other convertibles: the group's own rights in numerator and denominator."""
    base = calc.beneficial_ownership(terms, cap, group, on)
    extra = other_rights(cap, cap.group(group), on)
    return calc.Ownership(base.shares + extra, base.denominator + extra)


def standstill_basis(terms: calc.Terms, cap: CapTable, group: str, on: date, issued: int) -> calc.Ownership:
    """The ownership-cap basis with other convertibles counted as it is "otherwise calculated in
    accordance with Rule 13d-3(d)(1)(i)": the group's own rights, in numerator and denominator."""
    base = calc.standstill_basis(terms, cap, group, on, issued)
    extra = other_rights(cap, cap.group(group), on)
    return calc.Ownership(base.shares + extra, base.denominator + extra)


def voting_power(terms: calc.Terms, cap: CapTable, group: str, on: date) -> calc.Ownership:
    """Voting power as converted, with the votes of other convertibles stated to vote as converted."""
    base = calc.voting_power(terms, cap, group, on)

    def votes(holders) -> int:
        return sum(common_issuable(cap.convertibles[cid], units) for h in holders
                   for cid, units in h.convertibles.items() if cap.convertibles[cid].votes_as_converted)
    return calc.Ownership(base.shares + votes(cap.group(group)),
                          base.denominator + votes(h for h in cap.holders if h.group != COMPANY))


# --- conversion and exercise --------------------------------------------------------------------


@dataclass(frozen=True)
class ConversionFigures:
    """The conversion of `quantity` preferred shares surrendered together by one holder."""

    liquidation_preference: Fraction  # per share, accreted to the date
    accrued_dividends: Fraction  # per share, accrued and not yet added
    conversion_price: Fraction
    hundredths: Decimal  # the aggregate to the nearest 1/100 of a share
    issued: int  # whole shares, the fraction half up


def conversion_figures(terms: calc.Terms, quantity: int, on: date) -> ConversionFigures:
    """The figures of one conversion: value per share over the conversion price, to the nearest
    1/100 of a share on the aggregate, then to a whole share half up (calc.conversion_shares)."""
    exact = calc.conversion_shares_exact(terms, quantity, on)
    return ConversionFigures(
        liquidation_preference=calc.liquidation_preference(terms, on),
        accrued_dividends=calc.accrued_dividends(terms, on),
        conversion_price=Fraction(terms.conversion_price),
        hundredths=calc._round_half_up(exact, 2),
        issued=calc.conversion_shares(terms, quantity, on),
    )


def after_event(cap: CapTable, holder: str, security: str, klass: str, quantity: int, issued: int,
                converted: int) -> CapTable:
    """The cap table after one holder turns `quantity` of a security into `issued` Common; the
    `converted` preferred shares leave the deemed conversion (counted once)."""
    holders = []
    for h in cap.holders:
        if h.name == holder:
            if klass == "warrant":
                h = replace(h, warrants=h.warrants - quantity)
            else:
                preferred = dict(h.preferred)
                preferred[security] = preferred.get(security, 0) - quantity
                h = replace(h, preferred={s: n for s, n in preferred.items() if n})
            h = replace(h, common=h.common + issued)
        holders.append(h)
    return replace(cap, holders=tuple(holders), common_outstanding=cap.common_outstanding + issued,
                   series_a_converted=cap.series_a_converted + converted)


def series_after_transfer(rulebook, security: str, transferee_group: str) -> str:
    """The series a transferee receives: the rulebook's `on_transfer_outside_group` reclassifies a
    series transferred to anyone outside its group (the share keeps its Liquidation Preference)."""
    spec = rulebook.securities.get(security, {}).get("on_transfer_outside_group")
    if spec and transferee_group != spec["group"]:
        return spec["converts_into"]
    return security


def _money(value: Fraction) -> str:
    return calc.money_display(value)


def _event(rulebook, scenario: Scenario) -> tuple[dict[str, Any], CapTable | None]:
    """The facts of a conversion or exercise and the cap table after it (None when the Common
    issued is unknown)."""
    action = scenario.action
    terms = rulebook.terms()
    spec = rulebook.securities[action.security]
    facts: dict[str, Any] = {}
    issued: int | None
    converted = 0
    if action.kind == "conversion":
        fig = conversion_figures(terms, action.quantity, scenario.as_of)
        facts.update({
            "conversion.liquidation_preference": _money(fig.liquidation_preference),
            "conversion.accrued_dividends": _money(fig.accrued_dividends),
            "conversion.value_per_share": _money(fig.liquidation_preference + fig.accrued_dividends),
            "conversion.common_exact": f"{fig.hundredths:,}",
            "conversion.common_issued": fig.issued,
        })
        issued = fig.issued
        converted = action.quantity if spec.get("issued_at_closing") else 0
    else:
        price = Fraction(rulebook.param("warrant_exercise_price"))
        method = action.details["exercise.method"]
        facts["exercise.exercise_price"] = _money(price)
        if method == "cash":
            facts["exercise.aggregate_price"] = _money(price * action.quantity)
            issued = action.quantity
        else:
            market = action.details.get("exercise.market_price")
            issued = None
            if market is not None:
                above = Fraction(market) > price
                facts["exercise.market_price_above_exercise_price"] = above
                if above:
                    issued = calc.net_issue_shares(action.quantity, Fraction(market), price)
        if issued is not None:
            facts["exercise.common_issued"] = issued
    # After the right has ended (the rulebook's dates) nothing is issued: the rules say why.
    last = rulebook.parameters.get("conversion_right_expiry" if action.kind == "conversion" else "warrant_expiry")
    if issued is None or (last is not None and scenario.as_of > last.value):
        facts.pop("conversion.common_issued", None)
        facts.pop("exercise.common_issued", None)
        return facts, None
    after = after_event(scenario.cap_table, action.acquirer.name, action.security, spec["class"], action.quantity,
                        issued, converted)
    return facts, after


def capital_facts(rulebook, scenario: Scenario) -> dict[str, Any]:
    """The facts a conversion or exercise determines: the security, the Common issued, and the
    holder's group's position before and after it. A purchase or transfer is no conversion or
    exercise; a corporate action gets {}."""
    action = scenario.action
    if action.trades_securities:
        return {"acquisition.upon_conversion_or_exercise": False}
    if action.kind not in CAPITAL_KINDS:
        return {}
    spec = rulebook.securities[action.security]
    facts: dict[str, Any] = {
        "acquisition.upon_conversion_or_exercise": True,
        "action.security": action.security,
        "action.security_class": spec["class"],
        "action.convertible_into_common": bool(spec.get("converts_to_common", False)),
        "action.quantity": action.quantity,
        "acquirer.group": action.acquirer.group,
    }
    if action.kind == "exercise":
        facts["exercise.method"] = action.details["exercise.method"]
    event, after = _event(rulebook, scenario)
    facts.update(event)
    group = action.acquirer.group
    if after is not None and group not in (NO_GROUP, COMPANY):
        facts.update(group_figures(rulebook, scenario.cap_table, after, group, scenario.as_of))
    return facts


def group_figures(rulebook, before: CapTable, after: CapTable, group: str, on: date) -> dict[str, Any]:
    """A group's ownership-cap basis before and after an event, and its voting power and Rule
    13d-3 ownership after it, as the purchase facts name them."""
    terms, issued = rulebook.terms(), rulebook.series_a_issued()
    was = standstill_basis(terms, before, group, on, issued)
    now = standstill_basis(terms, after, group, on, issued)
    owned = beneficial_ownership(terms, after, group, on)
    return {
        "standstill.pct_before": was.pct,
        "standstill.pct_after": now.pct,
        "standstill.shares_after": now.shares,
        "standstill.denominator_after": now.denominator,
        "voting_power.pct_after": voting_power(terms, after, group, on).pct,
        "beneficial_ownership.pct_after": owned.pct,
        "beneficial_ownership.shares_after": owned.shares,
    }


# --- what `check` reports beyond the findings ---------------------------------------------------


def _holds(op: str, left: Fraction, right: Fraction) -> bool:
    return {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[op]


def safe_harbor(rule) -> tuple[str, str, Decimal] | None:
    """A rule's exception that excuses it while voting power stays at or below a line: (id, op, pct)."""
    for exc in rule.exceptions:
        cond = exc.condition
        if isinstance(cond, Atom) and cond.fact == "voting_power.pct_after" and cond.op in ("<=", "<"):
            return exc.id, cond.op, Decimal(cond.value)
    return None


def accretion_crossing(rulebook, cap: CapTable, group: str, on: date) -> dict | None:
    """When a group sits above its ownership cap but inside a voting-power safe harbor, the first
    day on which accretion alone (no trade) takes its voting power out of the harbor while it
    stays above the cap, searched day by day over the exact accretion up to the day before the
    cap ends; None when the group is not in that position on `on`.

    The harbor excuses the cap "at any time that" voting power stays inside it, so the answer is
    a date to watch, not a violation: the cap catches purchases, not passive increases.
    """
    from .position import standstill_rule  # position imports evaluate, which imports this module

    rule, cap_pct = standstill_rule(rulebook, group, on)
    harbor = safe_harbor(rule) if rule is not None else None
    if harbor is None or not isinstance(rule.condition, Atom):
        return None
    exc_id, harbor_op, harbor_pct = harbor
    cap_op = rule.condition.op
    terms, issued = rulebook.terms(), rulebook.series_a_issued()

    def state(day: date) -> tuple[Fraction, Fraction]:
        return standstill_basis(terms, cap, group, day, issued).pct, voting_power(terms, cap, group, day).pct

    basis, vote = state(on)
    if not (_holds(cap_op, basis, Fraction(cap_pct)) and _holds(harbor_op, vote, Fraction(harbor_pct))):
        return None
    if rule.in_force_before is None and "conversion_right_expiry" not in rulebook.parameters:
        return None  # a cap with no end: no date to search up to
    end = rule.in_force_before or rulebook.param("conversion_right_expiry") + timedelta(days=1)
    out = {"group": group, "rule": rule.id, "exception": exc_id, "cap_pct": str(cap_pct),
           "harbor_pct": str(harbor_pct), "from": on.isoformat(), "cap_ends": end.isoformat(),
           "standstill_pct": calc.pct_display(basis, 4), "voting_power_pct": calc.pct_display(vote, 4),
           "crosses_on": None, "voting_power_pct_on_crossing": None, "voting_power_pct_day_before": None,
           "standstill_pct_on_crossing": None}
    day, previous = on + timedelta(days=1), vote
    while day < end:
        basis, vote = state(day)
        if not _holds(harbor_op, vote, Fraction(harbor_pct)) and _holds(cap_op, basis, Fraction(cap_pct)):
            out.update(crosses_on=day.isoformat(), voting_power_pct_on_crossing=calc.pct_display(vote, 6),
                       voting_power_pct_day_before=calc.pct_display(previous, 6),
                       standstill_pct_on_crossing=calc.pct_display(basis, 4))
            break
        day, previous = day + timedelta(days=1), vote
    name = rulebook.groups[group]["name"]
    if out["crosses_on"]:
        out["message"] = (f"{name}: accretion of the Liquidation Preference alone takes its voting power from "
                          f"{out['voting_power_pct_day_before']}% to {out['voting_power_pct_on_crossing']}% on "
                          f"{out['crosses_on']}, above the {harbor_pct}% of {rule.id} exception '{exc_id}', while "
                          f"it stays above the {cap_pct}% cap ({out['standstill_pct_on_crossing']}% on the "
                          "cap's basis): from that day the safe harbor no longer covers the holding")
    else:
        out["message"] = (f"{name}: accretion alone does not take its voting power above the {harbor_pct}% of "
                          f"{rule.id} exception '{exc_id}' before the cap ends on {end.isoformat()}")
    return out


def accretion_warnings(rulebook, result) -> list[dict]:
    """For each finding excused by a voting-power safe harbor, when accretion alone ends the excuse."""
    from .facts import apply_action  # facts imports this module for the measures

    scenario = result.scenario
    out = []
    for finding in result.findings:
        if finding.exception is None:
            continue
        rule = rulebook.rule(finding.rule)
        harbor = safe_harbor(rule)
        group = result.facts.get("acquirer.group")
        if harbor is None or harbor[0] != finding.exception or group not in rulebook.groups:
            continue
        after = apply_action(scenario, {}) if scenario.action.trades_securities else scenario.cap_table
        crossing = accretion_crossing(rulebook, after, group, scenario.as_of)
        if crossing is not None:
            out.append(crossing)
    return out


def issuance_effect(rulebook, scenario: Scenario, facts: dict[str, Any]) -> dict | None:
    """An issuance of Common by the Company to someone outside the groups, when the scenario asks
    (`standstill_effect: true`): each group's ownership-cap basis before and after it."""
    if scenario.action.kind != "equity_issuance" or facts.get("issuance.standstill_effect") is not True:
        return None
    from .position import standstill_rule

    klass, quantity = facts.get("issuance.class"), facts.get("issuance.quantity")
    if klass != "common" or quantity is None:
        missing = "issuance.quantity" if klass == "common" else "issuance.class"
        return {"shown": False, "reason": f"the effect is shown for an issuance of class common with its quantity "
                                          f"stated; {missing} is {klass if missing == 'issuance.class' else 'unknown'}"}
    before = scenario.cap_table
    after = replace(before, common_outstanding=before.common_outstanding + quantity)
    terms, issued, on = rulebook.terms(), rulebook.series_a_issued(), scenario.as_of
    groups = {}
    for group in rulebook.groups:
        was = standstill_basis(terms, before, group, on, issued)
        now = standstill_basis(terms, after, group, on, issued)
        rule, cap_pct = standstill_rule(rulebook, group, on)
        groups[group] = {
            "pct_before": calc.pct_display(was.pct, 4), "pct_after": calc.pct_display(now.pct, 4),
            "denominator_before": was.denominator, "denominator_after": now.denominator, "shares": now.shares,
            "cap_pct": str(cap_pct) if cap_pct is not None else None, "rule": rule.id if rule else None,
            "voting_power_pct_after": calc.pct_display(voting_power(terms, after, group, on).pct, 4),
        }
    return {"shown": True, "quantity": quantity, "common_outstanding_after": after.common_outstanding,
            "groups": groups}


def check_report(rulebook, result) -> dict:
    """What `check` adds to the findings: the capital event's figures, the issuance's effect on each
    group's basis, and the accretion warnings."""
    facts = result.facts
    event = None
    if result.scenario.action.kind in CAPITAL_KINDS:
        keys = [k for k in facts if k.split(".")[0] in ("conversion", "exercise")]
        keys += [k for k in ("standstill.pct_before", "standstill.pct_after", "voting_power.pct_after",
                             "beneficial_ownership.pct_after") if k in facts]
        event = {k: (calc.pct_display(facts[k], 4) if k.endswith("pct_after") or k.endswith("pct_before")
                     else facts[k]) for k in keys}
    return {"capital_event": event, "standstill_effect": issuance_effect(rulebook, result.scenario, facts),
            "warnings": [dict(w, kind="accretion") for w in accretion_warnings(rulebook, result)]}


def check_lines(rulebook, report: dict, width: int = 100) -> list[str]:
    """The text lines of `check_report`."""
    lines: list[str] = []
    if report["capital_event"]:
        lines.append("Capital event:")
        lines += [f"  {k} = " + (("yes" if v else "no") if isinstance(v, bool) else
                                 f"{v:,}" if isinstance(v, int) else
                                 f"{v}%" if k.endswith(("pct_before", "pct_after")) else str(v))
                  for k, v in report["capital_event"].items()]
        lines.append("")
    effect = report["standstill_effect"]
    if effect is not None:
        if not effect["shown"]:
            lines += [f"Effect on each group's standstill basis: not shown; {effect['reason']}.", ""]
        else:
            lines.append(f"Effect on each group's standstill basis of issuing {effect['quantity']:,} Common "
                         f"({effect['common_outstanding_after']:,} outstanding after):")
            for group, g in effect["groups"].items():
                cap = f"cap {g['cap_pct']}%" if g["cap_pct"] else "no cap in force"
                lines.append(f"  {group}: {g['pct_before']}% -> {g['pct_after']}% ({cap}; denominator "
                             f"{g['denominator_before']:,} -> {g['denominator_after']:,})")
            lines.append("")
    for warning in report["warnings"]:
        lines += [textwrap.fill(f"Warning: {warning['message']}.", width=width, subsequent_indent="  "), ""]
    return lines
