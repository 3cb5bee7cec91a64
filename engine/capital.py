"""Capital events: reading a conversion or a warrant exercise proposed as the action, and other
securities convertible into Common stated on a cap table; what `check` reports beyond the
findings (the event's figures, an issuance's effect on each group's ownership-cap basis, and the
day accretion alone takes a group out of a voting-power safe harbor).

The arithmetic is general (engine/measures.py: `event_common`, `other_rights`); which facts
measure a cap and a harbor comes from the rulebook (facts.yaml, rulebook.yaml `position`), and
security ids, groups, prices and dates from parameters.yaml and the cap table.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from . import calc
from .conditions import Atom
from .errors import did_you_mean, excerpt
from .errors import shown as _show
from .measures import (EXERCISE_METHOD, MARKET_PRICE, MEASURES, Situation, cap_table_after, measure, other_rights,
                       other_votes)
from .measures import common_issuable as common_issuable  # the settlement of a stated convertible, for callers here
from .model import CAPITAL_KINDS, COMPANY, Action, CapTable, ConvertibleTerms, Holding, Party, Scenario
from .yamlio import line_of as _line
EXERCISE_METHODS = ("cash", "net_issue")
ACTION_KEYS = {
    "conversion": ("kind", "holder", "security", "quantity"),
    "exercise": ("kind", "holder", "security", "quantity", "method", "market_price"),
}
CONVERTIBLE_KINDS = ("preferred", "note", "other")
CONVERTIBLE_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")  # an id, as a security of the rulebook is named
FRACTIONS = ("half_up", "down")
CONVERTIBLE_KEYS = ("name", "kind", "conversion_ratio", "face_amount", "conversion_price", "fractions",
                    "convertible_from", "convertible_until", "votes_as_converted")


# --- reading a scenario's capital action and a cap table's other convertibles -------------------




def _positive(ck, node: dict, key: str, path: str) -> Fraction | None:
    """An exact number above zero (YAML decimals load as Decimal), or None reported."""
    value = node.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or not Decimal(value).is_finite() or value <= 0:
        ck.add(_line(node, key), "bad-value", f"{path}.{key}: expected a number above 0, got {_show(value)}")
        return None
    from .scenario import TOO_PRECISE, exact_enough  # scenario imports this module

    if not exact_enough(value):
        ck.add(_line(node, key), "bad-value", f"{path}.{key}: {_show(value)} {TOO_PRECISE}")
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


def parse_action(ck, node: dict, rulebook, cap: CapTable | None, declared: tuple = ()) -> Action | None:
    """`action: {kind: conversion, holder, security, quantity}` or `{kind: exercise, holder, quantity,
    method: cash | net_issue, market_price}`, with any further field facts.yaml declares for the
    kind (`declared`, read by the caller); every problem reported on its line."""
    kind = node["kind"]
    required = ("holder", "quantity") + (("security",) if kind == "conversion" else ())
    ck.mapping(node, "action", ACTION_KEYS[kind] + tuple(k for k in declared if k not in ACTION_KEYS[kind]), required,
               what=f" for a {kind}")
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
        details[EXERCISE_METHOD] = method
        if "market_price" in node and method == "cash":
            ck.add(_line(node, "market_price"), "unknown-key",
                   "action.market_price: applies only to a net issue exercise (method: net_issue)")
        if _positive(ck, node, "market_price", "action") is not None and method == "net_issue":
            details[MARKET_PRICE] = node["market_price"]
    holder = None
    name = node.get("holder")
    if isinstance(name, str) and cap is not None:
        holder = cap.holder(name)
        if holder is None:
            ck.add(_line(node, "holder"), "unknown-holder", f"action.holder: '{excerpt(name)}' is not a holder on the "
                   f"cap table{did_you_mean(name, [h.name for h in cap.holders])}")
    elif name is not None and not isinstance(name, str):
        ck.add(_line(node, "holder"), "wrong-type", f"action.holder: expected a holder name, got {_show(name)}")
    if holder is not None and security is not None and quantity is not None:
        has = held(holder, security, klass)
        if has < quantity:
            verb = "converted" if kind == "conversion" else "exercised"
            ck.add(_line(node, "quantity"), "bad-value", f"action.quantity: {holder.name} holds {has:,} of "
                   f"{security}, fewer than the {quantity:,} to be {verb}")
            return None
    if holder is None or security is None or quantity is None or (kind == "exercise" and details[EXERCISE_METHOD] is None):
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
        if not isinstance(cid, str) or not CONVERTIBLE_ID.fullmatch(cid):
            ck.add(line, "bad-value", f"{where}: {_show(cid)} is not an id (a letter, then letters, digits, _, . "
                                      "or -, at most 64 in all)")
            continue
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
        for key in ("conversion_ratio", "face_amount", "conversion_price"):
            if key in item and item[key] is None:  # stated empty: not a term
                ck.add(_line(item, key), "bad-value", f"{item_path}.{key}: expected a number above 0, got null")
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
        if not isinstance(cid, str) or not CONVERTIBLE_ID.fullmatch(cid):
            continue  # check_holdings reports it: not declared under convertibles
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
                       f"{path + '.' if path else ''}holders[{index}].convertibles: {_show(cid)} is not declared "
                       f"under convertibles{did_you_mean(cid, table.convertibles)}")


# --- reference readings with other convertibles (the measures must agree with them) ---------------


def beneficial_ownership(terms: calc.Terms, cap: CapTable, group: str, on: date) -> calc.Ownership:
    """Rule 13d-3(d)(1)(i) over a whole cap table (calc.beneficial_ownership) with the group's other
    convertibles, convertible within sixty days, in numerator and denominator."""
    base = calc.beneficial_ownership(terms, cap, group, on)
    extra = other_rights(cap, cap.group(group), on)
    return calc.Ownership(base.shares + extra, base.denominator + extra)


def voting_power(terms: calc.Terms, cap: CapTable, group: str, on: date) -> calc.Ownership:
    """Voting power as converted (calc.voting_power) with the votes of other convertibles stated to
    vote as converted."""
    base = calc.voting_power(terms, cap, group, on)
    group_votes = sum(other_votes(cap, h) for h in cap.group(group))
    all_votes = sum(other_votes(cap, h) for h in cap.holders if h.group != COMPANY)
    return calc.Ownership(base.shares + group_votes, base.denominator + all_votes)


def reclassified_on_transfer(rulebook, security: str, transferee_group: str) -> str:
    """The security that arrives with a transferee: the rulebook's `on_transfer_outside_group`
    reclassifies a series transferred to anyone outside its group (the share keeps its
    Liquidation Preference)."""
    spec = rulebook.securities.get(security, {}).get("on_transfer_outside_group")
    if spec and transferee_group != spec["group"]:
        return spec["converts_into"]
    return security


# --- a measured fact for one group on a cap table as it stands ------------------------------------


def measured(rulebook, fact: str, cap: CapTable, group: str, on: date, output: str | None = None) -> Any:
    """The value of a fact facts.yaml measures, for `group` (as the measure's party) on a cap table
    as it stands on `on`, no action proposed; `output` picks shares, denominator or pct."""
    spec = rulebook.facts[fact]
    params = dict(spec.params)
    accepts = MEASURES[spec.measure].params
    if "party" in accepts:
        params["party"] = group
    if "when" in accepts:
        params["when"] = "before"
    if output is not None and "output" in accepts:
        params["output"] = output
    return measure(spec.measure, Situation(rulebook.deal(None, cap.term_events), cap, on), params)


def cap_facts(rulebook) -> list[str]:
    """The facts a cap is tested on, as the rulebook's position block names them (`cap`)."""
    return [e["cap"] for e in rulebook.position.get("groups", []) if e.get("cap")]


def _group_measured(rulebook, fact: str) -> bool:
    spec = rulebook.facts.get(fact)
    return spec is not None and spec.measure is not None and "party" in MEASURES[spec.measure].params


def safe_harbor(rulebook, rule) -> tuple[str, str, Decimal, str] | None:
    """A rule's exception that excuses it while a measured percentage stays at or below a line (a
    voting-power safe harbor): (exception id, op, pct, fact)."""
    for exc in rule.exceptions:
        cond = exc.condition
        if (isinstance(cond, Atom) and cond.op in ("<=", "<") and _group_measured(rulebook, cond.fact)
                and rulebook.facts[cond.fact].type == "percent"):
            return exc.id, cond.op, Decimal(cond.value), cond.fact
    return None


def _holds(op: str, left: Fraction, right: Fraction) -> bool:
    return {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[op]


def _cap_rule(rulebook, group: str, on: date):
    """The rule in force capping one of the rulebook's cap facts for the group, and its cap."""
    from .position import cap_rule  # position imports render, which imports this module

    for fact in cap_facts(rulebook):
        rule, cap_pct = cap_rule(rulebook, group, on, fact)
        if rule is not None:
            return rule, cap_pct
    return None, None


def accretion_crossing(rulebook, cap: CapTable, group: str, on: date) -> dict | None:
    """When a group sits above its ownership cap but inside a voting-power safe harbor, the first
    day on which accretion alone (no trade) takes its voting power out of the harbor while it
    stays above the cap, searched day by day over the exact accretion up to the day before the
    cap ends; None when the group is not in that position on `on`.

    The harbor excuses the cap "at any time that" voting power stays inside it, so the answer is
    a date to watch, not a violation: the cap catches purchases, not passive increases.
    """
    rule, cap_pct = _cap_rule(rulebook, group, on)
    harbor = safe_harbor(rulebook, rule) if rule is not None else None
    if harbor is None or not isinstance(rule.condition, Atom) or not _group_measured(rulebook, rule.condition.fact):
        return None
    exc_id, harbor_op, harbor_pct, harbor_fact = harbor
    cap_op, cap_fact = rule.condition.op, rule.condition.fact

    def state(day: date) -> tuple[Fraction | None, Fraction | None]:
        return (measured(rulebook, cap_fact, cap, group, day, "pct"),
                measured(rulebook, harbor_fact, cap, group, day, "pct"))

    def crossed(basis, vote) -> bool:
        return (basis is not None and vote is not None and _holds(cap_op, basis, Fraction(cap_pct))
                and not _holds(harbor_op, vote, Fraction(harbor_pct)))

    basis, vote = state(on)
    if basis is None or vote is None or not (_holds(cap_op, basis, Fraction(cap_pct))
                                             and _holds(harbor_op, vote, Fraction(harbor_pct))):
        return None
    right_ends = rulebook.parameters.get("conversion_right_expiry")
    if rule.in_force_before is None and right_ends is None:
        return None  # a cap with no end: no date to search up to
    end = rule.in_force_before or right_ends.value + timedelta(days=1)
    out = {"group": group, "rule": rule.id, "exception": exc_id, "cap_pct": str(cap_pct),
           "harbor_pct": str(harbor_pct), "from": on.isoformat(), "cap_ends": end.isoformat(),
           "standstill_pct": calc.pct_display(basis, 4), "voting_power_pct": calc.pct_display(vote, 4),
           "crosses_on": None, "voting_power_pct_on_crossing": None, "voting_power_pct_day_before": None,
           "standstill_pct_on_crossing": None}
    day, previous = on + timedelta(days=1), vote
    while day < end:
        basis, vote = state(day)
        if crossed(basis, vote):
            out.update(crosses_on=day.isoformat(), voting_power_pct_on_crossing=calc.pct_display(vote, 6),
                       voting_power_pct_day_before=calc.pct_display(previous, 6),
                       standstill_pct_on_crossing=calc.pct_display(basis, 4))
            break
        day, previous = day + timedelta(days=1), vote
    name = rulebook.groups[group]["name"]
    exc = next((e for e in rule.exceptions if e.id == exc_id), None)
    doc = rulebook.documents.get(rule.source.document)
    where = f"{doc.code if doc and doc.code else rule.source.document} " \
            f"{exc.source.section if exc is not None and exc.source else rule.source.section}"
    if out["crosses_on"]:
        out["message"] = (f"{name}: accretion of the Liquidation Preference alone takes its voting power from "
                          f"{out['voting_power_pct_day_before']}% to {out['voting_power_pct_on_crossing']}% on "
                          f"{out['crosses_on']}, above the {harbor_pct}% safe harbor of {where}, while "
                          f"it stays above the {cap_pct}% cap ({out['standstill_pct_on_crossing']}% on the "
                          "cap's basis): from that day the safe harbor no longer covers the holding")
    else:
        out["message"] = (f"{name}: accretion alone does not take its voting power above the {harbor_pct}% "
                          f"safe harbor of {where} before the cap ends on {end.isoformat()}")
    return out


def accretion_warnings(rulebook, result) -> list[dict]:
    """For each finding excused by a voting-power safe harbor, when accretion alone ends the excuse."""
    scenario = result.scenario
    out = []
    for finding in result.findings:
        if finding.exception is None:
            continue
        harbor = safe_harbor(rulebook, rulebook.rule(finding.rule))
        group = result.facts.get("acquirer.group")
        if harbor is None or harbor[0] != finding.exception or group not in rulebook.groups:
            continue
        after = cap_table_after(rulebook.deal(), scenario)
        crossing = accretion_crossing(rulebook, after, group, scenario.as_of) if after is not None else None
        if crossing is not None:
            out.append(crossing)
    return out


def _voting_fact(rulebook) -> str | None:
    """The first fact facts.yaml measures as a group's share of the voting power."""
    return next((name for name, spec in rulebook.facts.items() if spec.measure == "voting_power"
                 and spec.params.get("output", "pct") == "pct"), None)


def issuance_effect(rulebook, scenario: Scenario, facts: dict[str, Any]) -> dict | None:
    """An issuance of Common by the Company to someone outside the groups, when the scenario asks
    (`standstill_effect: true`): each group's ownership-cap basis before and after it."""
    if scenario.action.kind != "equity_issuance" or facts.get("issuance.standstill_effect") is not True:
        return None
    klass, quantity = facts.get("issuance.class"), facts.get("issuance.quantity")
    if klass != "common" or quantity is None:
        missing = "issuance.quantity" if klass == "common" else "issuance.class"
        return {"shown": False, "reason": f"the effect is shown for an issuance of class common with its quantity "
                                          f"stated; {missing} is {klass if missing == 'issuance.class' else 'unknown'}"}
    facts_capped = cap_facts(rulebook)
    if not facts_capped:
        return {"shown": False, "reason": "the rulebook's position block names no capped fact"}
    before = scenario.cap_table
    after = replace(before, common_outstanding=before.common_outstanding + quantity)
    on, voting = scenario.as_of, _voting_fact(rulebook)
    groups = {}
    for group in rulebook.groups:
        rule, cap_pct = _cap_rule(rulebook, group, on)
        fact = rule.condition.fact if rule is not None else facts_capped[0]

        def figure(cap: CapTable, output: str) -> Any:
            return measured(rulebook, fact, cap, group, on, output)

        was, now = figure(before, "pct"), figure(after, "pct")
        votes = measured(rulebook, voting, after, group, on, "pct") if voting else None
        capped = rulebook.facts[fact].thresholds
        groups[group] = {
            "pct_before": calc.pct_display_against(was, capped, 4) if was is not None else None,
            "pct_after": calc.pct_display_against(now, capped, 4) if now is not None else None,
            "denominator_before": figure(before, "denominator"), "denominator_after": figure(after, "denominator"),
            "shares": figure(after, "shares"),
            "cap_pct": str(cap_pct) if cap_pct is not None else None, "rule": rule.id if rule else None,
            "voting_power_pct_after": calc.pct_display(votes, 4) if votes is not None else None,
        }
    return {"shown": True, "quantity": quantity, "common_outstanding_after": after.common_outstanding,
            "groups": groups}


def _reported(spec, value: Any) -> Any:
    """A fact's value as the report's JSON carries it: shares as a number, a percentage to four
    places (more where four would put it on or across a threshold it is compared with), money
    as dollars, a yes/no as true/false."""
    spec_type = spec.type
    if spec_type == "percent":
        return calc.pct_display_against(Fraction(value), spec.thresholds, 4)
    if spec_type == "money":
        return calc.money_display(value)
    if spec_type in ("shares", "bool"):
        return value
    return str(value)


def check_report(rulebook, result) -> dict:
    """What `check` adds to the findings: the capital event's figures (the figures of the rules
    that test this kind of event), the issuance's effect on each group's basis, and the
    accretion warnings."""
    facts = result.facts
    action = result.scenario.action
    event = None
    if action.is_capital_event:
        # The rules of capital events first (their own figures), then any other rule testing the event.
        rules = sorted((r for r in rulebook.rules if action.kind in r.actions),
                       key=lambda r: not set(r.actions) <= set(CAPITAL_KINDS))
        names = [f for rule in rules for f in rule.figures]
        event = {name: _reported(rulebook.facts[name], facts[name])
                 for name in dict.fromkeys(names) if name in facts}
    s = result.scenario
    return {"capital_event": event, "standstill_effect": issuance_effect(rulebook, s, facts),
            "warnings": [dict(w, kind="accretion") for w in accretion_warnings(rulebook, result)],
            # the preferred's terms as the record's term events changed them (parameters.yaml term_events)
            "term_events": rulebook.recorded_terms(tuple(e for e in s.cap_table.term_events if e.on <= s.as_of))}


def check_lines(rulebook, report: dict, width: int = 100) -> list[str]:
    """The text lines of `check_report`."""
    import textwrap  # text reports only: JSON does not need it

    from .evaluate import words_of  # evaluate imports this module

    lines: list[str] = []
    if report["capital_event"]:
        lines.append("Capital event:")
        lines += [textwrap.fill(f"{rulebook.facts[k].label or k}: " + (
            ("yes" if v else "no") if isinstance(v, bool) else f"{v:,}" if isinstance(v, int) else
            f"{v}%" if rulebook.facts[k].type == "percent" else words_of(rulebook).value(v)), width=width, initial_indent="  ",
            subsequent_indent="    ") for k, v in report["capital_event"].items()]
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
    if report["term_events"]:
        lines.append("Terms as the record has changed them:")
        lines += [textwrap.fill(line, width=width, initial_indent="  ", subsequent_indent="    ",
                                break_on_hyphens=False) for line in recorded_terms_text(report["term_events"])]
        lines.append("")
    for warning in report["warnings"]:
        lines += [textwrap.fill(f"Warning: {warning['message']}.", width=width, subsequent_indent="  "), ""]
    return lines


def _figure(value: str) -> str:
    """An adjusted parameter's value as a report shows it: a price to the cent, a factor as given."""
    number = Decimal(value) if "/" not in value else None
    if number is not None and number == number.quantize(Decimal("0.01")) and "." in value:
        return calc.money_display(number)
    return value


def recorded_terms_text(entries: list[dict]) -> list[str]:
    """One sentence per effect of a term event in the record: what it changed from its date, or
    why it did not apply, with its citation and reading."""
    out = []
    for e in entries:
        reading = f"; {e['assumption']}" if e.get("assumption") else ""
        if e["changes"] == "adjustment":
            name = e.get("label") or e["parameter"].replace("_", " ")
            if e["applies"]:
                out.append(f"Recorded {e['title']} on {e['date']} ({e['recorded_at']}): {name} adjusted from "
                           f"{_figure(e['before'])} to {_figure(e['value'])}, effective {e['effective']} "
                           f"({e['cite']}{reading}).")
            else:
                out.append(f"Recorded {e['title']} on {e['date']} ({e['recorded_at']}): {name} not adjusted, as "
                           f"{e['why_not']} ({e['cite']}{reading}).")
            continue
        if e["changes"] == "dividend_rate":
            what = f"dividend rate {(Decimal(e['value']) * 100).normalize():f}% from {e['date']}"
        else:
            what = (f"Liquidation Preference brought to {calc.money_display(Decimal(e['value']))} per share on "
                    f"{e['date']}" + (" (if below it)" if e["only_raise"] else ""))
        if e["applies"]:
            out.append(f"Recorded {e['title']} on {e['date']} ({e['recorded_at']}): {what} ({e['cite']}{reading}).")
        else:
            unchanged = "dividend rate" if e["changes"] == "dividend_rate" else "Liquidation Preference"
            out.append(f"Recorded {e['title']} on {e['date']} ({e['recorded_at']}): {unchanged} not changed, as "
                       f"{e['why_not']} ({e['cite']}{reading}).")
    return out
