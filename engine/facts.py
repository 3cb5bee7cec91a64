"""The named facts rules may test, and how each is derived from a scenario in exact arithmetic."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from typing import Any

from . import calc
from .model import COMPANY, NO_GROUP, CapTable, Holding, Scenario

# Enum values that depend on the rulebook are named by a marker resolved in `allowed_values`.
SECURITIES = "<securities>"
GROUPS = "<groups>"


@dataclass(frozen=True)
class FactSpec:
    """A fact's name, type and meaning. Types: date, enum, bool, shares, percent."""

    name: str
    type: str
    description: str
    values: tuple | None = None


def _spec(name: str, type_: str, description: str, values: tuple | None = None) -> FactSpec:
    return FactSpec(name, type_, description, values)


FACTS: dict[str, FactSpec] = {
    s.name: s
    for s in (
        _spec("as_of", "date", "the date of the proposed action"),
        _spec("action.kind", "enum", "what is proposed", ("purchase", "transfer")),
        _spec("action.security", "enum", "the security bought or transferred", (SECURITIES,)),
        _spec("action.security_class", "enum", "class of that security", ("common", "preferred", "warrant")),
        _spec("action.convertible_into_common", "bool", "the security converts into or is exercisable for Common Stock"),
        _spec("action.quantity", "shares", "number of shares (or Warrant shares) in the action"),
        _spec("action.seller", "enum", "who sells in a purchase", ("market", "company", "holder")),
        _spec("acquirer.group", "enum", "group of the buyer or transferee", (GROUPS, NO_GROUP, COMPANY)),
        _spec("transferor.group", "enum", "group of the transferring or selling holder", (GROUPS, NO_GROUP, COMPANY)),
        _spec("transfer.route", "enum", "the basis the transfer relies on",
              ("permitted_transferee", "rule_144", "exempt", "registered", "none")),
        _spec("transfer.permitted_transferee_agreement", "bool",
              "the transferee signed a Permitted Transferee Agreement before the transfer"),
        _spec("transfer.bona_fide_financing", "bool", "a pledge or security interest in a bona fide financing or hedge"),
        _spec("transfer.rule144_resale_available", "bool", "the securities may already be resold under Rule 144"),
        _spec("transferee.group", "enum", "group of the transferee", (GROUPS, NO_GROUP, COMPANY)),
        _spec("transferee.is_company", "bool", "the transferee is the Company"),
        _spec("transferee.purchaser_affiliate", "bool", "the transferee is a Purchaser Affiliate of the transferor"),
        _spec("transferee.held_common_on_signing_date", "bool",
              "the transferee (or an Affiliate) held Common Stock on the Purchase Agreement's date"),
        _spec("transferee.hmtf_parallel_investor", "bool", "the transferee invests in or in parallel with the HMTF Group"),
        _spec("standstill.pct_before", "percent", "acquirer group's standstill-basis ownership before the action"),
        _spec("standstill.pct_after", "percent", "acquirer group's standstill-basis ownership after the action"),
        _spec("standstill.shares_after", "shares", "standstill-basis numerator after the action"),
        _spec("standstill.denominator_after", "shares", "standstill-basis denominator after the action"),
        _spec("voting_power.pct_after", "percent", "acquirer group's share of the voting power after the action"),
        _spec("beneficial_ownership.pct_after", "percent", "acquirer group's Rule 13d-3 ownership after the action"),
        _spec("beneficial_ownership.shares_after", "shares", "acquirer group's Rule 13d-3 shares after the action"),
    )
}


def allowed_values(spec: FactSpec, securities: list[str], groups: list[str]) -> list[str] | None:
    """The enum values a fact may take under a rulebook, or None for non-enum facts."""
    if spec.type != "enum" or spec.values is None:
        return None
    out: list[str] = []
    for value in spec.values:
        if value == SECURITIES:
            out.extend(securities)
        elif value == GROUPS:
            out.extend(groups)
        else:
            out.append(value)
    return out


# --- Deriving facts from a scenario ---------------------------------------------------------


def apply_action(scenario: Scenario, converts: dict[str, bool]) -> CapTable:
    """The cap table after the action, for the ownership tests "after giving effect thereto"."""
    cap = scenario.cap_table
    action = scenario.action
    holders = {h.name: h for h in cap.holders}
    common_outstanding = cap.common_outstanding

    def adjust(name: str, group: str, delta: int) -> None:
        holding = holders.get(name) or Holding(name=name, group=group)
        if action.security == "common":
            holding = replace(holding, common=holding.common + delta)
        elif action.security == "warrant":
            holding = replace(holding, warrants=holding.warrants + delta)
        else:
            preferred = dict(holding.preferred)
            preferred[action.security] = preferred.get(action.security, 0) + delta
            holding = replace(holding, preferred=preferred)
        holders[name] = holding

    if action.acquirer.is_company:
        # Securities the Company acquires stop being outstanding in anyone's hands.
        if action.security == "common":
            common_outstanding -= action.quantity
    else:
        adjust(action.acquirer.name, action.acquirer.group, action.quantity)
    if action.transferor is not None and not action.transferor.is_company:
        adjust(action.transferor.name, action.transferor.group, -action.quantity)
    elif action.seller == "company" and action.security == "common":
        common_outstanding += action.quantity
    return CapTable(
        common_outstanding=common_outstanding,
        holders=tuple(holders.values()),
        board_size=cap.board_size,
        source=cap.source,
    )


def derive(scenario: Scenario, terms: calc.Terms, securities: dict[str, dict], series_a_issued: int) -> dict[str, Any]:
    """Every fact the scenario determines; a fact that cannot be known is left out."""
    action = scenario.action
    security = securities[action.security]
    facts: dict[str, Any] = {
        "as_of": scenario.as_of,
        "action.kind": action.kind,
        "action.security": action.security,
        "action.security_class": security["class"],
        "action.convertible_into_common": bool(security.get("converts_to_common", False)),
        "action.quantity": action.quantity,
        "acquirer.group": COMPANY if action.acquirer.is_company else action.acquirer.group,
    }
    # A transferee acquires from the transferring holder (A-transfer-is-purchase).
    facts["action.seller"] = action.seller if action.kind == "purchase" else "holder"
    if action.transferor is not None:
        facts["transferor.group"] = COMPANY if action.transferor.is_company else action.transferor.group
    if action.kind == "transfer":
        acquirer = action.acquirer
        facts["transferee.group"] = COMPANY if acquirer.is_company else acquirer.group
        facts["transferee.is_company"] = acquirer.is_company
        facts["transfer.route"] = action.route or "none"
        facts["transfer.bona_fide_financing"] = action.bona_fide_financing
        optional = {
            "transfer.permitted_transferee_agreement": action.permitted_transferee_agreement,
            "transfer.rule144_resale_available": action.rule144_resale_available,
            "transferee.purchaser_affiliate": acquirer.purchaser_affiliate,
            "transferee.held_common_on_signing_date": acquirer.held_common_on_signing_date,
            "transferee.hmtf_parallel_investor": acquirer.hmtf_parallel_investor,
        }
        # A member of the Liberty or HMTF Group is one by definition; the flags only matter otherwise.
        facts.update({name: value for name, value in optional.items() if value is not None})

    group = facts["acquirer.group"]
    if group not in (NO_GROUP, COMPANY):
        after = apply_action(scenario, {})
        before_basis = calc.standstill_basis(terms, scenario.cap_table, group, scenario.as_of, series_a_issued)
        after_basis = calc.standstill_basis(terms, after, group, scenario.as_of, series_a_issued)
        voting = calc.voting_power(terms, after, group, scenario.as_of)
        owned = calc.beneficial_ownership(terms, after, group, scenario.as_of)
        facts.update(
            {
                "standstill.pct_before": before_basis.pct,
                "standstill.pct_after": after_basis.pct,
                "standstill.shares_after": after_basis.shares,
                "standstill.denominator_after": after_basis.denominator,
                "voting_power.pct_after": voting.pct,
                "beneficial_ownership.pct_after": owned.pct,
                "beneficial_ownership.shares_after": owned.shares,
            }
        )
    return facts


def display(spec_type: str, value: Any) -> str:
    """A fact value as a person reads it (percentages to 4 places, shares with separators)."""
    if value is None:
        return "unknown"
    if spec_type == "percent":
        return calc.pct_display(Fraction(value), 4) + "%"
    if spec_type == "shares":
        return calc.shares_display(int(value))
    if spec_type == "bool":
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
