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
    """A fact's name, type and meaning.

    Types: date, enum, bool, shares, percent, set (of enum values, tested with includes /
    excludes) and text (shown in findings, never tested). `key` is the field of a scenario's
    action that states the fact directly, for the action `kinds` listed.
    """

    name: str
    type: str
    description: str
    values: tuple | None = None
    key: str | None = None
    kinds: tuple = ()


def _spec(name: str, type_: str, description: str, values: tuple | None = None,
          key: str | None = None, kinds: tuple = ()) -> FactSpec:
    return FactSpec(name, type_, description, values, key, kinds)


PURCHASE_KINDS = ("purchase", "transfer")
COMBINATIONS = ("merger", "consolidation", "asset_sale")
FUNDAMENTAL = COMBINATIONS + ("liquidation_plan",)
AMENDING = ("charter_amendment",) + FUNDAMENTAL
OFFERS = ("tender_offer", "exchange_offer")
CORPORATE_KINDS = FUNDAMENTAL + ("charter_amendment", "equity_issuance", "restrictive_agreement") + OFFERS + (
    "series_split", "material_transaction")
ACTION_KINDS = PURCHASE_KINDS + CORPORATE_KINDS
# Actions that may be put to the holders of Common Stock; whether one is, the scenario states.
STOCKHOLDER_MATTERS = AMENDING + ("equity_issuance", "series_split")
RANKS = ("senior", "parity", "junior")
# CoD 8(c)(iv)'s verbs: one class of equity, whichever of them the action is entered as.
EQUITY_STEPS = ("none", "authorize", "create", "modify_terms", "increase_authorized", "issue")
EQUITY_KINDS = ("equity_issuance", "charter_amendment")
# A jurisdiction of organization: the United States itself, one of its States, the District of
# Columbia, a territory or possession (not a State), or a foreign country.
JURISDICTION_KINDS = ("united_states", "us_state", "district_of_columbia", "us_territory", "foreign")
# Foreign jurisdictions recognised by name (each a country or a self-governing territory whose
# laws companies are organized under); any other is stated by the scenario, never guessed.
FOREIGN_COUNTRIES = (
    "australia", "bahamas", "barbados", "belgium", "bermuda", "british_virgin_islands", "canada",
    "cayman_islands", "cyprus", "france", "germany", "gibraltar", "guernsey", "hong_kong", "ireland",
    "isle_of_man", "israel", "italy", "japan", "jersey", "liberia", "luxembourg", "marshall_islands", "mexico",
    "netherlands", "netherlands_antilles", "panama", "singapore", "spain", "sweden", "switzerland",
    "united_kingdom",
)


FACTS: dict[str, FactSpec] = {
    s.name: s
    for s in (
        _spec("as_of", "date", "the date of the proposed action"),
        _spec("action.kind", "enum", "what is proposed", ACTION_KINDS),
        _spec("action.security", "enum", "the security bought or transferred", (SECURITIES,)),
        _spec("action.security_class", "enum", "class of that security", ("common", "preferred", "warrant")),
        _spec("action.convertible_into_common", "bool", "the security converts into or is exercisable for Common Stock"),
        _spec("action.quantity", "shares", "number of shares (or Warrant shares) in the action"),
        _spec("action.seller", "enum", "who sells in a purchase", ("market", "company", "holder")),
        _spec("acquirer.group", "enum", "group of the buyer or transferee", (GROUPS, NO_GROUP, COMPANY)),
        _spec("transferor.group", "enum", "group of the transferring or selling holder", (GROUPS, NO_GROUP, COMPANY)),
        _spec("transfer.basis", "enum", "the Securities Act basis the transfer relies on",
              ("registered", "rule_144", "exempt", "none")),
        _spec("transfer.within_group", "bool",
              "transferor and transferee are members of the same group, whose holdings taken as a whole do not change"),
        _spec("transfer.company_offer", "enum", "the offer under which the Company acquires the securities",
              ("change_of_control_offer", "purchase_offer", "none")),
        _spec("transfer.acquires_all_series_a", "bool", "the Company acquires every outstanding share of Series A"),
        _spec("series_a.full_cumulative_dividends_paid", "bool",
              "full cumulative dividends on the Series A for all past Dividend Periods have been declared and paid"),
        _spec("transferor.permitted_transferee_agreement", "bool",
              "the transferring holder signed a Permitted Transferee Agreement (bound by PA 6.5 as its transferor was)"),
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
        # --- corporate actions: stated by the scenario's action, field by field -------------------
        _spec("transaction.company_survives", "bool", "the Company is the surviving or continuing person",
              key="company_survives", kinds=COMBINATIONS),
        _spec("transaction.series_a_remains_outstanding", "bool", "the Series A stays outstanding",
              key="series_a_remains_outstanding", kinds=COMBINATIONS),
        _spec("resulting_entity.form", "enum", "legal form of the resulting entity",
              ("corporation", "llc", "partnership", "trust", "other"), key="resulting_entity.form", kinds=COMBINATIONS),
        _spec("resulting_entity.jurisdiction", "text", "where the resulting entity is organized",
              key="resulting_entity.jurisdiction", kinds=COMBINATIONS),
        _spec("resulting_entity.jurisdiction_kind", "enum",
              "kind of that jurisdiction (from a recognised name, or stated as action.resulting_entity."
              "jurisdiction_kind)", JURISDICTION_KINDS, key="resulting_entity.jurisdiction_kind", kinds=COMBINATIONS),
        _spec("resulting_entity.country", "enum",
              "the country whose laws it is organized under (from a recognised name, or stated as "
              "action.resulting_entity.country; other: a country not in the recognised list)",
              ("united_states",) + FOREIGN_COUNTRIES + ("other",), key="resulting_entity.country", kinds=COMBINATIONS),
        _spec("transaction.series_a_exchanged_for_equivalent", "bool",
              "the Series A becomes shares of the resulting entity with the same or more favorable rights",
              key="series_a_exchanged_for_equivalent", kinds=COMBINATIONS),
        _spec("transaction.officers_certificate_delivered", "bool", "an Officers' Certificate was delivered to the Registrar",
              key="officers_certificate_delivered", kinds=COMBINATIONS),
        _spec("transaction.opinion_of_counsel_delivered", "bool", "an opinion of counsel was delivered to the Registrar",
              key="opinion_of_counsel_delivered", kinds=COMBINATIONS),
        _spec("common_stock.votes", "bool",
              "the holders of Common Stock are entitled to vote on the action (stated as action.common_stock_votes: "
              "whether the law, the charter or a listing rule puts it to them)",
              key="common_stock_votes", kinds=STOCKHOLDER_MATTERS),
        _spec("amendment.instrument", "enum", "the instrument amended",
              ("certificate_of_incorporation", "certificate_of_designation", "by_laws", "none"),
              key="amendment.instrument", kinds=AMENDING),
        _spec("amendment.adversely_affects", "set", "the preferred series whose rights the amendment affects adversely",
              (SECURITIES,), key="amendment.adversely_affects", kinds=AMENDING),
        _spec("amendment.changes_authorized_series_a", "bool", "the amendment increases or decreases the authorized Series A",
              key="amendment.changes_authorized_series_a", kinds=AMENDING),
        _spec("amendment.alters_relative_rights", "bool", "the amendment alters relative rights among A-1, A-2 and A-3",
              key="amendment.alters_relative_rights", kinds=AMENDING),
        _spec("issuance.step", "enum",
              "what the action does to a class or series of equity: issue it (an equity_issuance), or, in a "
              "charter_amendment, authorize, create, modify the terms of or increase the authorized amount of it "
              "(stated as action.equity; none: no class is touched)", EQUITY_STEPS,
              key="equity", kinds=("charter_amendment",)),
        _spec("issuance.class", "enum", "class of equity to be issued, authorized, created or modified",
              ("series_a", "preferred", "common", "other"), key="class", kinds=EQUITY_KINDS),
        _spec("issuance.series", "enum", "the Series A series to be issued", (SECURITIES,),
              key="series", kinds=EQUITY_KINDS),
        _spec("issuance.quantity", "shares", "shares to be issued", key="quantity", kinds=("equity_issuance",)),
        _spec("issuance.rank_dividends", "enum", "ranking against the Series A as to dividends", RANKS,
              key="ranking.dividends", kinds=EQUITY_KINDS),
        _spec("issuance.rank_redemption", "enum", "ranking against the Series A as to redemption", RANKS,
              key="ranking.redemption", kinds=EQUITY_KINDS),
        _spec("issuance.rank_liquidation", "enum", "ranking against the Series A on liquidation", RANKS,
              key="ranking.liquidation", kinds=EQUITY_KINDS),
        _spec("issuance.exempt_basis", "enum", "a basis on which CoD 8(c)(iv) excepts the issuance",
              ("none", "exchange_preferred", "mirror_preferred", "existing_instrument", "series_a3_on_conversion"),
              key="exempt_basis", kinds=EQUITY_KINDS),
        _spec("issuance.votes_with_series_a", "bool", "the new series votes with the Series A as one class on other matters",
              key="votes_with_series_a_as_one_class", kinds=("equity_issuance",)),
        _spec("issuance.one_vote_per_10000", "bool", "the new series has one vote per $10,000 of liquidation preference",
              key="one_vote_per_10000_of_liquidation_preference", kinds=("equity_issuance",)),
        _spec("issuance.series_a_outstanding_after", "shares",
              "Series A outstanding after the issuance (the Series A Outstanding plus issuance.quantity)"),
        _spec("issuance.series_issued_to_date", "shares",
              "shares of the series issued to date, counting those since converted, reacquired or cancelled "
              "(Series A-3 issued on a CoD 12(i) conversion not counted): stated as action.issued_to_date, or "
              "taken from the scenario's history", key="issued_to_date", kinds=("equity_issuance",)),
        _spec("issuance.series_issued_after", "shares",
              "shares of the series issued to date plus issuance.quantity (the series' cumulative issuance)"),
        _spec("agreement.materially_restricts_series_a", "bool",
              "the agreement materially restricts honoring Series A rights or a holder's ownership rights",
              key="materially_restricts_series_a_rights", kinds=("restrictive_agreement",)),
        _spec("offer.by", "enum", "who makes the tender or exchange offer", ("company", "subsidiary", "third_party"),
              key="by", kinds=OFFERS),
        _spec("offer.for_common", "bool", "the offer is for Common Stock", key="for_common_stock", kinds=OFFERS),
        _spec("split.series", "set", "the Series A series subdivided or combined", (SECURITIES,),
              key="series", kinds=("series_split",)),
        _spec("split.same_for_every_series", "bool", "every other series is subdivided or combined to the same extent",
              key="same_for_every_series", kinds=("series_split",)),
        _spec("split.conversion_rights_protected", "bool", "appropriate provision protects the conversion rights",
              key="conversion_rights_protected", kinds=("series_split",)),
        _spec("transaction.type", "enum", "kind of material transaction",
              ("capital_expenditure", "acquisition", "divestiture"), key="type", kinds=("material_transaction",)),
        _spec("transaction.material", "bool", "the transaction is material", key="material", kinds=("material_transaction",)),
        _spec("transaction.outside_ordinary_course", "bool", "the transaction is outside the ordinary course of business",
              key="outside_ordinary_course", kinds=("material_transaction",)),
        _spec("board.approved", "bool", "the Board of Directors approved it", key="board.approved",
              kinds=("material_transaction",)),
        _spec("board.series_director_voted_for", "bool",
              "at least one director elected by the Series A-1 or A-2 holders voted in favor",
              key="board.series_a1_or_a2_director_voted_for", kinds=("material_transaction",)),
        _spec("series_a.outstanding", "shares", "Series A shares Outstanding (Company-held shares excluded)"),
        _spec("series_a.series_outstanding", "set",
              "the preferred series with shares Outstanding (Company-held shares excluded)", (SECURITIES,)),
    )
}

US_STATES = frozenset("""alabama alaska arizona arkansas california colorado connecticut delaware florida georgia
hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota
mississippi missouri montana nebraska nevada new_hampshire new_jersey new_mexico new_york north_carolina
north_dakota ohio oklahoma oregon pennsylvania rhode_island south_carolina south_dakota tennessee texas utah
vermont virginia washington west_virginia wisconsin wyoming""".split())
US_TERRITORIES = frozenset("""puerto_rico guam us_virgin_islands united_states_virgin_islands american_samoa
northern_mariana_islands""".split())
_FEDERAL = frozenset(("united_states", "united_states_of_america", "usa", "us"))
_DISTRICT = frozenset(("district_of_columbia", "washington_dc", "dc"))
_FOREIGN_ALIASES = {
    "bvi": "british_virgin_islands", "virgin_islands_british": "british_virgin_islands",
    "uk": "united_kingdom", "great_britain": "united_kingdom", "england": "united_kingdom",
    "england_and_wales": "united_kingdom", "scotland": "united_kingdom", "cayman": "cayman_islands",
    "the_netherlands": "netherlands", "holland": "netherlands", "republic_of_ireland": "ireland",
    "grand_duchy_of_luxembourg": "luxembourg", "republic_of_panama": "panama",
    "republic_of_the_marshall_islands": "marshall_islands", "hong_kong_sar": "hong_kong",
}
# Words that name a jurisdiction's form, not the jurisdiction: "State of Delaware", "Delaware, USA".
_PREFIXES = ("the_state_of_", "state_of_", "the_commonwealth_of_", "commonwealth_of_", "territory_of_", "the_")
_SUFFIXES = ("_united_states_of_america", "_united_states", "_usa", "_us")


def _key(name: str) -> str:
    return "_".join(name.lower().replace(".", "").replace(",", " ").replace("-", " ").split())


def jurisdiction(name: str) -> tuple[str, str] | None:
    """A jurisdiction of organization as (kind, country), or None when the name is not recognised.

    Kinds are JURISDICTION_KINDS; the country is "united_states" or one of FOREIGN_COUNTRIES.
    Recognised forms include "Delaware", "State of Delaware", "Delaware, USA", "Commonwealth of
    Massachusetts", "Washington, D.C.", "United States of America", "Puerto Rico" and "Cayman
    Islands". A name that is not recognised is unknown: it is never classed as foreign by default.
    """
    key = _key(name)
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and key != suffix.lstrip("_") and key[: -len(suffix)] not in _FEDERAL:
            key = key[: -len(suffix)]
            break
    for prefix in _PREFIXES:
        if key.startswith(prefix) and key[len(prefix):]:
            key = key[len(prefix):]
            break
    if key in _FEDERAL:
        return "united_states", "united_states"
    if key in _DISTRICT:
        return "district_of_columbia", "united_states"
    if key in US_STATES:
        return "us_state", "united_states"
    if key in US_TERRITORIES:
        return "us_territory", "united_states"
    country = _FOREIGN_ALIASES.get(key, key)
    if country in FOREIGN_COUNTRIES:
        return "foreign", country
    return None


def allowed_values(spec: FactSpec, securities: list[str], groups: list[str]) -> list[str] | None:
    """The enum values a fact may take under a rulebook, or None for non-enum facts."""
    if spec.type not in ("enum", "set") or spec.values is None:
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
    return replace(cap, common_outstanding=common_outstanding, holders=tuple(holders.values()))


def series_a_outstanding(cap: CapTable) -> int:
    """Series A Outstanding: shares held by the Company (or its subsidiaries) are not (CoD 17)."""
    return sum(sum(h.preferred.values()) for h in cap.holders if h.group != COMPANY)


def series_with_shares_outstanding(cap: CapTable) -> frozenset:
    """The preferred series with at least one share Outstanding (CoD 17: not the Company's own)."""
    return frozenset(s for h in cap.holders if h.group != COMPANY for s, n in h.preferred.items() if n > 0)


def derive(scenario: Scenario, terms: calc.Terms, securities: dict[str, dict], series_a_issued: int) -> dict[str, Any]:
    """Every fact the scenario determines; a fact that cannot be known is left out."""
    action = scenario.action
    facts: dict[str, Any] = {
        "as_of": scenario.as_of,
        "action.kind": action.kind,
        "series_a.outstanding": series_a_outstanding(scenario.cap_table),
        "series_a.series_outstanding": series_with_shares_outstanding(scenario.cap_table),
    }
    if not action.trades_securities:
        facts.update({name: value for name, value in action.details.items() if value is not None})
        # A recognised name gives the kind and country; a name not recognised leaves them unknown
        # unless the scenario states them (scenario.py refuses a statement the name contradicts).
        known = jurisdiction(action.details.get("resulting_entity.jurisdiction") or "")
        if known:
            facts.setdefault("resulting_entity.jurisdiction_kind", known[0])
            facts.setdefault("resulting_entity.country", known[1])
        if action.kind == "equity_issuance":
            facts["issuance.step"] = "issue"
        if (facts.get("issuance.step") == "increase_authorized" and facts.get("issuance.class") == "series_a"):
            # Increasing the authorized Series A is also CoD 8(c)(i)(B)'s amendment (scenario.py
            # refuses a statement that it is not).
            facts["amendment.changes_authorized_series_a"] = True
        if action.kind == "equity_issuance" and action.details.get("issuance.class") is not None:
            # A quantity not stated is unknown, never zero shares: the sum stays unknown too.
            added = action.details.get("issuance.quantity") if action.details["issuance.class"] == "series_a" else 0
            if added is not None:
                facts["issuance.series_a_outstanding_after"] = facts["series_a.outstanding"] + added
        if action.kind == "equity_issuance":
            facts.update(series_issuance(scenario, securities, facts))
        return facts

    security = securities[action.security]
    facts.update({
        "action.security": action.security,
        "action.security_class": security["class"],
        "action.convertible_into_common": bool(security.get("converts_to_common", False)),
        "action.quantity": action.quantity,
        "acquirer.group": COMPANY if action.acquirer.is_company else action.acquirer.group,
    })
    # A transferee acquires from the transferring holder (A-transfer-is-purchase).
    facts["action.seller"] = action.seller if action.kind == "purchase" else "holder"
    # Who parts with the securities: a holder, the Company (an issuance) or the market.
    transferor = action.transferor
    if transferor is not None:
        facts["transferor.group"] = COMPANY if transferor.is_company else transferor.group
        facts["transferor.permitted_transferee_agreement"] = transferor.permitted_transferee_agreement
    else:
        facts["transferor.group"] = COMPANY if action.seller == "company" else NO_GROUP
    acquirer = action.acquirer
    facts["transferee.group"] = COMPANY if acquirer.is_company else acquirer.group
    facts["transferee.is_company"] = acquirer.is_company
    facts["transfer.bona_fide_financing"] = action.bona_fide_financing
    facts["transfer.within_group"] = (
        transferor is not None and transferor.group == facts["transferee.group"]
        and transferor.group not in (NO_GROUP, COMPANY))
    if facts["transferee.group"] == COMPANY and security["class"] == "preferred":
        facts["transfer.acquires_all_series_a"] = action.quantity >= facts["series_a.outstanding"]
        # Dividends accreted to the Liquidation Preference under CoD 6(a) are not "declared and
        # paid" (A-accreted-dividends-not-paid): unless the scenario states otherwise, CoD 7(b) binds.
        paid = action.full_cumulative_dividends_paid
        facts["series_a.full_cumulative_dividends_paid"] = False if paid is None else paid
    optional = {
        "transfer.basis": action.basis,
        "transfer.company_offer": action.company_offer,
        "transfer.permitted_transferee_agreement": action.permitted_transferee_agreement,
        "transfer.rule144_resale_available": action.rule144_resale_available,
        "transferee.purchaser_affiliate": acquirer.purchaser_affiliate,
        "transferee.held_common_on_signing_date": acquirer.held_common_on_signing_date,
        "transferee.hmtf_parallel_investor": acquirer.hmtf_parallel_investor,
    }
    # Not stated is unknown: a rule that needs it answers cannot_determine.
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


def series_issuance(scenario: Scenario, securities: dict[str, dict], facts: dict[str, Any]) -> dict[str, Any]:
    """A series' cumulative issuance: the shares issued to date (as stated, or from the record) plus
    the new issue. Converted and reacquired shares stay counted: they are cancelled and may not be
    reissued (CoD 18). A scenario with a history carries the record since the Closing, in which
    Series A is never issued (a Series A issuance is a corporate action), so the series' issued to
    date is then its Closing issuance; without a history and unstated, it is unknown."""
    series = facts.get("issuance.series")
    out: dict[str, Any] = {}
    if series is None or facts.get("issuance.class") != "series_a":
        return out
    to_date = facts.get("issuance.series_issued_to_date")
    if to_date is None and scenario.cap_table.last_event is not None:
        to_date = int(securities.get(series, {}).get("issued_at_closing", 0))
        out["issuance.series_issued_to_date"] = to_date
    quantity = facts.get("issuance.quantity")
    if to_date is not None and quantity is not None:
        out["issuance.series_issued_after"] = to_date + quantity
    return out


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
    if spec_type == "set":
        return ", ".join(sorted(value)) if value else "none"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
