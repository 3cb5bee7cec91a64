"""The facts rules may test, as a rulebook's facts.yaml declares them, and how each is derived
from a scenario in exact arithmetic.

A rulebook declares every fact (name, type, label, meaning, values, and where its value comes
from). The engine itself computes only a small core of general securities facts (`CORE_FACTS`:
the date, the action's kind, security and quantity, who acquires and who parts with the
securities, their groups, and the Securities Act basis of a transfer); every other value is
stated by a field of the scenario's action, an attribute of a party, or a named measure
(engine/measures.py) with the params facts.yaml gives it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from . import calc
from .conditions import surely_true
from .measures import EXERCISE_METHOD, MARKET_PRICE, Deal, Situation, measure
from .model import COMPANY, NO_GROUP, Scenario

FACT_TYPES = ("date", "enum", "bool", "shares", "percent", "money", "set", "text")
TRADE_KINDS = ("purchase", "transfer")  # actions that move securities between holders
VALUE_SOURCES = ("securities", "groups", "countries")  # enum values taken from the rulebook or the engine
PARTY_ROLES = ("transferee", "transferor")

# The facts the engine computes itself, general to any securities deal: name -> (type, what).
CORE_FACTS: dict[str, tuple[str, str]] = {
    "as_of": ("date", "the date of the proposed action"),
    "action.kind": ("enum", "what is proposed"),
    "action.security": ("enum", "the security bought or transferred"),
    "action.security_class": ("enum", "the class (common, preferred, warrant) of that security"),
    "action.convertible_into_common": ("bool", "the security converts into or is exercisable for Common Stock"),
    "action.quantity": ("shares", "the number of shares in the action"),
    "action.seller": ("enum", "who sells in a purchase: the market, the company or a holder"),
    "acquirer.group": ("enum", "the group of the buyer or transferee"),
    "transferor.group": ("enum", "the group of the holder parting with the securities"),
    "transferee.group": ("enum", "the group of the transferee"),
    "transferee.is_company": ("bool", "the transferee is the issuer"),
    "transfer.within_group": ("bool", "transferor and transferee are members of the same group"),
    "transfer.basis": ("enum", "the Securities Act basis of the transfer (registered, rule_144, exempt, none)"),
    "transfer.bona_fide_financing": ("bool", "a pledge or security interest in a bona fide financing"),
    "transfer.rule144_resale_available": ("bool", "the securities may already be resold under Rule 144"),
    "transfer.permitted_transferee_agreement": ("bool", "the transferee signed the deal's joinder before the transfer"),
    "transferor.permitted_transferee_agreement": ("bool", "the transferring holder is bound by a signed joinder"),
    EXERCISE_METHOD: ("enum", "how a warrant is exercised: for cash or by net issue"),
    MARKET_PRICE: ("money", "the fair market value of one share of Common stated for a net issue exercise"),
}


@dataclass(frozen=True)
class FactSpec:
    """A fact as the rulebook declares it: name, type, unit, label, meaning, values, and where its
    value comes from.

    Types: date, enum, bool, shares, percent, money, set (of enum values, tested with includes /
    excludes) and text (shown in findings, never tested). `origin` is core (computed by the
    engine), field (stated by the scenario action's `field`, for the action `kinds` listed),
    party (an attribute the rulebook declares for parties), or measure (a named measure with
    its `params`). A field may also be given by a measure (the stated value first) or `implied`
    by other facts (a list of (condition, value)).
    """

    name: str
    type: str
    label: str = ""
    meaning: str = ""
    unit: str = ""
    values: tuple | None = None
    values_from: tuple = ()
    origin: str = "field"
    key: str | None = None  # the scenario action's field path
    kinds: tuple = ()
    party: str | None = None
    attribute: str | None = None
    document: str | None = None  # origin instrument: the document whose status on the date the fact is
    measure: str | None = None
    params: dict = field(default_factory=dict, hash=False, compare=False)
    implied: tuple = ()
    default: Any = None
    to_company: bool = False  # the field applies only to an acquisition by the issuer
    contradiction: str = ""  # message when a stated value contradicts the measure's
    # ((fact, value), ...): the measure is worked out only while one of these facts has its value
    only_when: tuple | None = None
    # Stated facts a measure reads: while one is unknown, a rule that needs this fact names it
    # (the fact the user can state) rather than this one.
    needs: tuple = ()
    line: int = 0
    # The numbers the rulebook's conditions compare the fact with (a percent fact is shown with
    # enough places to be on the right side of each, `display_fact`).
    thresholds: tuple = field(default=(), hash=False, compare=False)

    @property
    def description(self) -> str:
        """What the fact means (explanations name it beside the fact's code name)."""
        return self.meaning or self.label


@dataclass(frozen=True)
class PartyAttribute:
    """An attribute the rulebook declares for the parties named in an action (a buyer, a transferee)."""

    name: str
    type: str
    label: str
    meaning: str = ""
    values: tuple | None = None
    line: int = 0


@dataclass(frozen=True)
class Constraint:
    """A combination of stated facts the rulebook refuses in a scenario, reported at a field."""

    when: Any  # condition tree over the stated facts
    fields: tuple  # action fields; the first one the action states is where the problem is reported
    message: str
    line: int = 0


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
    if spec.type not in ("enum", "set"):
        return None
    out: list[str] = []
    for source in spec.values_from:
        out.extend({"securities": securities, "groups": groups, "countries": ("united_states",) + FOREIGN_COUNTRIES,
                    }[source])
    out.extend(v for v in spec.values or () if v not in out)
    return out


# --- Deriving facts from a scenario ---------------------------------------------------------


def _security_spec(scenario: Scenario, securities: dict[str, dict], security: str) -> dict:
    """A security of the rulebook, or another convertible the cap table states (its kind as class)."""
    if security in securities:
        return securities[security]
    return {"class": scenario.cap_table.convertibles[security].kind, "converts_to_common": True}


def core_facts(scenario: Scenario, securities: dict[str, dict]) -> dict[str, Any]:
    """The engine's own general facts about the scenario (see CORE_FACTS); unknown ones left out."""
    action = scenario.action
    facts: dict[str, Any] = {"as_of": scenario.as_of, "action.kind": action.kind}
    if action.is_capital_event:
        # The holder converting or exercising acquires the Common issued on it.
        spec = _security_spec(scenario, securities, action.security)
        facts.update({
            "action.security": action.security,
            "action.security_class": spec["class"],
            "action.convertible_into_common": bool(spec.get("converts_to_common", False)),
            "action.quantity": action.quantity,
            "acquirer.group": action.acquirer.group,
        })
        facts.update({k: action.details[k] for k in (EXERCISE_METHOD, MARKET_PRICE) if action.details.get(k) is not None})
        return facts
    if not action.trades_securities:
        return facts
    security = _security_spec(scenario, securities, action.security)
    acquirer, transferor = action.acquirer, action.transferor
    facts.update({
        "action.security": action.security,
        "action.security_class": security["class"],
        "action.convertible_into_common": bool(security.get("converts_to_common", False)),
        "action.quantity": action.quantity,
        "acquirer.group": COMPANY if acquirer.is_company else acquirer.group,
        # A transferee acquires from the transferring holder (A-transfer-is-purchase).
        "action.seller": action.seller if action.kind == "purchase" else "holder",
    })
    # Who parts with the securities: a holder, the Company (an issuance) or the market.
    if transferor is not None:
        facts["transferor.group"] = COMPANY if transferor.is_company else transferor.group
        facts["transferor.permitted_transferee_agreement"] = transferor.permitted_transferee_agreement
    else:
        facts["transferor.group"] = COMPANY if action.seller == "company" else NO_GROUP
    facts["transferee.group"] = COMPANY if acquirer.is_company else acquirer.group
    facts["transferee.is_company"] = acquirer.is_company
    facts["transfer.bona_fide_financing"] = action.bona_fide_financing
    facts["transfer.within_group"] = (
        transferor is not None and transferor.group == facts["transferee.group"]
        and transferor.group not in (NO_GROUP, COMPANY))
    optional = {
        "transfer.basis": action.basis,
        "transfer.permitted_transferee_agreement": action.permitted_transferee_agreement,
        "transfer.rule144_resale_available": action.rule144_resale_available,
    }
    # Not stated is unknown: a rule that needs it answers cannot_determine.
    facts.update({name: value for name, value in optional.items() if value is not None})
    return facts


def field_admissible(spec: FactSpec, scenario: Scenario) -> bool:
    """Whether the scenario's action is one for which the fact's field may be stated."""
    action = scenario.action
    if spec.kinds and action.kind not in spec.kinds:
        return False
    return not spec.to_company or (action.acquirer is not None and action.acquirer.is_company)


def derive(scenario: Scenario, specs: dict[str, FactSpec], deal: Deal) -> dict[str, Any]:
    """Every declared fact the scenario determines; a fact that cannot be known is left out.

    Core facts first, then stated fields and party attributes, then (in the order facts.yaml
    declares them) implied values and measures, each of which may read the facts before it.
    """
    action = scenario.action
    core = core_facts(scenario, deal.securities)
    facts = {name: value for name, value in core.items() if name in specs}
    stated, worked = _derived_specs(specs, action.kind)
    for spec in stated:
        if spec.origin == "party" or spec.party:
            who = action.transferor if spec.party == "transferor" else action.acquirer
            value = who.attributes.get(spec.attribute) if who is not None else None
            if value is not None:
                facts[spec.name] = value
        elif spec.key is not None and spec.name in action.details and action.details[spec.name] is not None:
            facts[spec.name] = action.details[spec.name]
        elif spec.key is not None and spec.default is not None and field_admissible(spec, scenario):
            facts[spec.name] = spec.default
    sit = Situation(deal, scenario.cap_table, scenario.as_of, scenario, facts)
    for spec in worked:
        for condition, value in spec.implied:
            if surely_true(condition, facts):
                facts[spec.name] = value
                break
        if spec.measure is None or spec.name in facts:
            continue
        if spec.kinds and action.kind not in spec.kinds:
            continue
        if spec.only_when is not None and not any(facts.get(name) == value for name, value in spec.only_when):
            continue
        value = measure(spec.measure, sit, spec.params)
        if value is not None:
            facts[spec.name] = value
    return facts


_DERIVED: dict[tuple[int, str], tuple[dict, tuple, tuple]] = {}  # (id(specs), action kind) -> (specs, both lists)


def _derived_specs(specs: dict[str, FactSpec], kind: str) -> tuple[tuple[FactSpec, ...], tuple[FactSpec, ...]]:
    """The declared facts `derive` reads for an action of `kind`, in declaration order: those a
    party or the action states (or defaults), and those implied or measured (a measure only when
    its `kinds` admit the action's kind, as `derive` would skip it). Worked out once per
    declarations and kind; the declarations are held, so their id is not reused."""
    key = (id(specs), kind)
    found = _DERIVED.get(key)
    if found is None or found[0] is not specs:
        stated = tuple(spec for spec in specs.values() if spec.origin == "party" or spec.party or spec.key is not None)
        worked = tuple(spec for spec in specs.values()
                       if spec.implied or (spec.measure is not None and (not spec.kinds or kind in spec.kinds)))
        if len(_DERIVED) >= 1 << 8:
            _DERIVED.clear()
        found = _DERIVED[key] = (specs, stated, worked)
    return found[1], found[2]


def display_fact(spec: FactSpec, value: Any) -> str:
    """A declared fact's value as a person reads it: as `display`, a percentage with more than 4
    places where 4 would put it on (or across) a threshold the rulebook compares it with."""
    if spec.type == "percent" and value is not None and spec.thresholds:
        return calc.pct_display_against(Fraction(value), spec.thresholds, 4) + "%"
    return display(spec.type, value)


def display(spec_type: str, value: Any) -> str:
    """A fact value as a person reads it (percentages to 4 places, shares with separators)."""
    if value is None:
        return "unknown"
    if spec_type == "percent":
        return calc.pct_display(Fraction(value), 4) + "%"
    if spec_type == "shares":
        return calc.shares_display(int(value))
    if spec_type == "money":
        return calc.money_display(value)
    if spec_type == "bool":
        return "yes" if value else "no"
    if spec_type == "set":
        return ", ".join(sorted(value)) if value else "none"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
