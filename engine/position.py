"""Each group's position on a date, and the largest market purchase the rules permit it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from . import calc
from .conditions import Atom
from .evaluate import headroom
from .model import Action, CapTable, Party, Scenario
from .render import _table, render_json
from .rulebook import Rulebook


def standstill_rule(rulebook: Rulebook, group: str, as_of: date):
    """The rule in force that caps the group's standstill percentage, and its cap (or None, None)."""
    for rule in rulebook.rules:
        cond = rule.condition
        if not (isinstance(cond, Atom) and cond.fact == "standstill.pct_after" and cond.op in (">", ">=")):
            continue
        if rule.in_force_from and as_of < rule.in_force_from or rule.in_force_before and as_of >= rule.in_force_before:
            continue
        if "purchase" not in rule.actions:
            continue
        scope = rule.scope
        groups = _groups_named(scope)
        if group in groups:
            return rule, Decimal(cond.value)
    return None, None


def _groups_named(cond) -> set[str]:
    from .conditions import atoms
    out: set[str] = set()
    for a in atoms(cond):
        if a.fact == "acquirer.group":
            if a.op == "==":
                out.add(a.value)
            elif a.op == "in":
                out.update(a.value)
    return out


def market_purchase(rulebook: Rulebook, cap: CapTable, group: str, as_of: date, quantity: int = 1) -> Scenario:
    """A synthetic scenario: the group's first holder buys Common Stock in the market."""
    members = cap.group(group)
    buyer = members[0].name if members else f"{rulebook.groups[group]['name']} member"
    action = Action(kind="purchase", security="common", quantity=quantity,
                    acquirer=Party(name=buyer, group=group), seller="market")
    return Scenario(name=f"{rulebook.groups[group]['name']} buys Common Stock in the market", as_of=as_of,
                    cap_table=cap, action=action, instruments=dict(cap.instruments))


def group_headroom(rulebook: Rulebook, cap: CapTable, group: str, as_of: date) -> dict:
    """The largest market purchase of Common Stock the rules permit the group, with its proof."""
    scenario = market_purchase(rulebook, cap, group, as_of)
    room = headroom(rulebook, scenario)
    ok, over = room.proof
    sized = room.max_quantity is not None
    data = {
        "group": group,
        "as_of": as_of.isoformat(),
        "max_shares": room.max_quantity,
        "limit": room.limit,
        "reason": room.reason,
        "cure": room.cure,
        "binding": None,
        "proof": {
            "permitted_at": room.max_quantity,
            "blocked_at": (room.max_quantity + 1 if sized else 1) if over is not None else None,
        },
    }
    if room.binding is not None:
        b = room.binding
        data["binding"] = {"rule": b.rule, "section": b.section, "document": b.document, "title": b.title,
                           "quote": b.quote, "outcome": b.outcome}
        if b.missing:
            data["binding"]["missing"] = b.missing
        fig_ok = ok.facts.get("standstill.pct_after") if sized and ok is not None else None
        fig_over = over.facts.get("standstill.pct_after")
        if fig_ok is not None:
            data["proof"]["standstill_pct_at_max"] = calc.pct_display(fig_ok, 9)
            data["proof"]["standstill_pct_one_more"] = calc.pct_display(fig_over, 9)
    return data


def positions(rulebook: Rulebook, cap: CapTable, as_of: date) -> dict:
    """Per group: as-converted and Warrant shares, 13d-3 ownership, standstill basis and voting power."""
    terms = rulebook.terms()
    issued = rulebook.series_a_issued()
    lp = calc.liquidation_preference(terms, as_of)
    accrued = calc.accrued_dividends(terms, as_of)
    out: dict = {
        "as_of": as_of.isoformat(),
        "common_outstanding": cap.common_outstanding,
        "terms": {
            "liquidation_preference": calc.money_display(lp),
            "accrued_dividends": calc.money_display(accrued),
            "conversion_price": calc.money_display(terms.conversion_price),
            "conversion_shares_per_series_a_share": str(calc._round_half_up((lp + accrued) / Fraction(terms.conversion_price), 2)),
            "special_dividend_reference": calc.money_display(calc.special_dividend_reference(terms.initial_liquidation_preference)),
            "special_dividend_reference_assumption": "A-special-dividend-reference",
        },
        "groups": {},
    }
    for group in rulebook.groups:
        members = calc.group_holdings(cap, group)
        as_converted = sum(calc.conversion_shares(terms, sum(h.preferred.values()), as_of) for h in members)
        warrants = sum(calc.warrant_shares_exercisable(terms, h.warrants, as_of) for h in members)
        owned = calc.beneficial_ownership(terms, cap, group, as_of)
        basis = calc.standstill_basis(terms, cap, group, as_of, issued)
        voting = calc.voting_power(terms, cap, group, as_of)
        rule, cap_pct = standstill_rule(rulebook, group, as_of)
        standstill = {
            "pct": calc.pct_display(basis.pct, 4),
            "shares": basis.shares,
            "denominator": basis.denominator,
            "cap_pct": str(cap_pct) if cap_pct is not None else None,
            "rule": rule.id if rule else None,
            "headroom_shares": None,
            "headroom_reason": None,
        }
        if rule is not None:
            room = group_headroom(rulebook, cap, group, as_of)
            standstill["headroom_shares"] = room["max_shares"]
            if room["max_shares"] is None and room["limit"] != "no_limit":
                standstill["headroom_reason"] = room["reason"] + "; to clear it: " + "; ".join(room["cure"])
        out["groups"][group] = {
            "name": rulebook.groups[group]["name"],
            "holders": [h.name for h in members],
            "common_shares": sum(h.common for h in members),
            "series_a_shares": sum(sum(h.preferred.values()) for h in members),
            "as_converted_shares": as_converted,
            "warrant_shares": warrants,
            "beneficial_ownership": {"shares": owned.shares, "denominator": owned.denominator,
                                     "pct": calc.pct_display(owned.pct, 2), "pct_exact": _exact(owned.pct)},
            "standstill": standstill,
            "voting_power_pct": calc.pct_display(voting.pct, 2),
            "voting_power": {"votes": voting.shares, "total": voting.denominator,
                             "pct_exact": _exact(voting.pct)},
        }
    return out


def _exact(value: Fraction) -> str:
    value = Fraction(value)
    return f"{value.numerator}/{value.denominator}"


def position_json(data: dict, pretty: bool = False) -> str:
    return render_json(data, pretty)


def position_text(rulebook: Rulebook, data: dict, as_of: date) -> str:
    t = data["terms"]
    lines = [f"Positions on {data['as_of']} ({calc.shares_display(data['common_outstanding'])} Common outstanding)",
             f"Liquidation Preference {t['liquidation_preference']} per Series A share plus {t['accrued_dividends']} "
             f"accrued; {t['conversion_shares_per_series_a_share']} Common per share at {t['conversion_price']} "
             f"(CoD 6(a), 12(a)). Special Dividend reference {t['special_dividend_reference']} "
             f"({t['special_dividend_reference_assumption']}).", ""]
    rows = []
    for gid, g in data["groups"].items():
        s = g["standstill"]
        cap = f"{s['cap_pct']}%" if s["cap_pct"] else "not in force"
        room = (calc.shares_display(s["headroom_shares"]) if s["headroom_shares"] is not None
                else "unknown" if s["headroom_reason"] else "-")
        rows.append([gid, calc.shares_display(g["as_converted_shares"]), calc.shares_display(g["warrant_shares"]),
                     calc.shares_display(g["beneficial_ownership"]["shares"]), g["beneficial_ownership"]["pct"] + "%",
                     s["pct"] + "%", cap, room, g["voting_power_pct"] + "%"])
    lines += _table(["Group", "As-converted", "Warrants", "13d-3 shares", "13d-3 %", "Standstill %", "Cap",
                     "Headroom", "Voting %"], rows)
    for gid, g in data["groups"].items():
        if g["standstill"]["headroom_reason"]:
            lines.append(f"{gid}: headroom cannot be given: {g['standstill']['headroom_reason']}.")
    lines += ["", "13d-3: Rule 13d-3(d)(1)(i), the group's own conversion and exercise rights in numerator and "
                  "denominator.", "Standstill: PA 6.6 basis, the Series A issued at closing and not yet converted deemed "
                  "converted on the fifth anniversary (A-converted-series-a-counted-once).", "Voting: CoD 8(b)/8(e), Series A voting as converted with the Common."]
    return "\n".join(lines) + "\n"


def headroom_json_text(data: dict, pretty: bool = False) -> str:
    return render_json(data, pretty)


def headroom_text(rulebook: Rulebook, data: dict) -> str:
    name = rulebook.groups[data["group"]]["name"]
    b = data["binding"]
    if data["max_shares"] is None and data["limit"] == "no_limit":
        return f"{name} on {data['as_of']}: no contractual limit on market purchases of Common Stock ({data['reason']}).\n"
    if data["max_shares"] is None:
        head = ("the largest market purchase of Common Stock cannot be determined" if data["limit"] == "missing_fact"
                else "no market purchase of Common Stock passes")
        lines = [f"{name} on {data['as_of']}: {head}; {data['reason']}."]
        if b:
            lines.append(f"Binding rule: {b['rule']} ({b['document']} section {b['section']}): {b['title']}"
                         f" ({b['outcome'].replace('_', ' ')}).")
        lines.append("What would clear it:")
        lines += [f"  - {c}" for c in data["cure"]]
        return "\n".join(lines) + "\n"
    lines = [f"{name} on {data['as_of']}: may buy up to {calc.shares_display(data['max_shares'])} shares of "
             f"Common Stock in the market."]
    if b:
        lines.append(f"Binding rule: {b['rule']} ({b['document']} section {b['section']}): {b['title']}.")
        p = data["proof"]
        if "standstill_pct_at_max" in p:
            lines.append(f"Proof: at {calc.shares_display(p['permitted_at'])} shares the standstill basis is "
                         f"{p['standstill_pct_at_max']}%; at {calc.shares_display(p['blocked_at'])} it is "
                         f"{p['standstill_pct_one_more']}%.")
    else:
        lines.append("No rule in force limits market purchases of Common Stock on this date.")
    return "\n".join(lines) + "\n"
