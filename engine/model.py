"""The data the modules pass to each other: cap tables, scenarios, rules and findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .explain import explanation as _explanation

# --- Cap tables and scenarios -------------------------------------------------------------

NO_GROUP = "none"
COMPANY = "company"


@dataclass(frozen=True)
class Holding:
    """One record holder on the cap table: its group and what it holds."""

    name: str
    group: str  # a group id from the rulebook's parameters, or "none"
    common: int = 0
    preferred: dict[str, int] = field(default_factory=dict)  # series id -> shares
    warrants: int = 0  # shares of Common Stock purchasable under the holder's Warrants
    # The holder signed the deal's joinder (a permitted transferee agreement) and is bound by the
    # transfer restrictions as its transferor was, though it is in none of the groups.
    permitted_transferee_agreement: bool = False
    # Units of other securities convertible into or exchangeable for Common, by the id the cap
    # table declares them under (CapTable.convertibles).
    convertibles: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ConvertibleTerms:
    """A security convertible into or exchangeable for Common Stock other than the rulebook's own,
    stated on a cap table with its conversion terms (engine/capital.py counts it)."""

    id: str
    name: str
    kind: str  # preferred | note | other
    common_per_unit: Fraction  # a stated conversion ratio, or the face amount over the conversion price
    fractions: str  # half_up | down: how a fraction of a share issuable to one holder is settled
    convertible_from: date | None = None  # first day it may be converted (None: from issue)
    convertible_until: date | None = None  # last day it may be converted (None: no end stated)
    votes_as_converted: bool = False  # votes with the Common as converted
    stated_in: str = ""  # file:line of the declaration


@dataclass(frozen=True)
class CapTable:
    """Capitalization on a date: Common outstanding, board size and the record holders."""

    common_outstanding: int
    holders: tuple[Holding, ...]
    board_size: int | None = None
    source: str = ""
    # Per class (parameters.yaml `classes`): shares issued at the closing and since converted into
    # Common. Their conversion Common is in common_outstanding, so a deemed conversion of the class
    # leaves them out (counted once).
    converted: dict[str, int] = field(default_factory=dict)
    # Per class: shares issued at the closing that the Company reacquired and retired (never
    # reissued), so that every share issued is accounted for by a holder, a conversion or this.
    retired: dict[str, int] = field(default_factory=dict)
    last_event: tuple | None = None  # (date, file, line) of the latest event applied from a history
    instruments: dict[str, "InstrumentStatus"] = field(default_factory=dict)  # document id -> stated status
    convertibles: dict[str, ConvertibleTerms] = field(default_factory=dict)  # other convertible securities, by id
    term_events: tuple = ()  # RecordedTermEvent: events of the history that changed the preferred's terms

    def holder(self, name: str) -> Holding | None:
        for h in self.holders:
            if h.name == name:
                return h
        return None

    def group(self, group: str) -> tuple[Holding, ...]:
        return tuple(h for h in self.holders if h.group == group)


INSTRUMENT_STATUSES = ("in_force", "terminated", "cancelled")


@dataclass(frozen=True)
class InstrumentStatus:
    """What a scenario or cap table states about one instrument: in force, or ended from a date."""

    document: str  # document id from the rulebook's documents.yaml
    status: str  # in_force | terminated | cancelled
    from_date: date | None = None  # the day it ended (terminated or cancelled only)
    note: str = ""  # what the statement rests on, in the scenario's words
    stated_in: str = ""  # file:line of the statement, cited by the findings it decides

    @property
    def ended(self) -> bool:
        return self.status != "in_force"


@dataclass(frozen=True)
class Party:
    """A counterparty named in an action (a holder on the cap table or a newcomer)."""

    name: str
    group: str = NO_GROUP
    # Attributes the rulebook declares for parties (facts.yaml `party_attributes`): name -> value.
    attributes: dict[str, Any] = field(default_factory=dict)
    is_company: bool = False
    permitted_transferee_agreement: bool = False  # a cap-table holder bound by a signed agreement


@dataclass(frozen=True)
class Action:
    """The proposed action: a purchase or transfer of securities, or a corporate action.

    A disposition by a holder is one event however the scenario spells it: a purchase from a
    holder is that holder's transfer (kind "transfer", the holder as transferor, the buyer as
    transferee); "purchase" is left for acquisitions from the market or the Company.
    A corporate action (merger, charter amendment, issuance, ...) carries the facts it states
    in `details` (fact name -> value); it has no security, quantity or acquirer.
    """

    kind: str  # purchase | transfer | merger | charter_amendment | equity_issuance | ...
    security: str | None = None  # "common", a preferred series id, or "warrant"
    quantity: int = 0
    acquirer: Party | None = None  # buyer (purchase) or transferee (transfer)
    seller: str = "market"  # market | company | holder (a transfer)
    transferor: Party | None = None  # transfer: the transferring holder
    basis: str | None = None  # the Securities Act basis: registered | rule_144 | exempt | none
    permitted_transferee_agreement: bool | None = None  # the transferee signed one before the transfer
    bona_fide_financing: bool = False  # a pledge or security interest in a bona fide financing
    rule144_resale_available: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)  # fact name -> value, for the facts the action states

    @property
    def trades_securities(self) -> bool:
        return self.kind in ("purchase", "transfer")

    @property
    def is_capital_event(self) -> bool:
        """A holder converts a security or exercises a warrant: the acquirer is that holder."""
        return self.kind in CAPITAL_KINDS

    @property
    def changes_holdings(self) -> bool:
        """The action changes what holders hold (a trade, a conversion or an exercise)."""
        return self.trades_securities or self.is_capital_event


# A holder turns a security it holds into Common Stock: conversion or warrant exercise.
CAPITAL_KINDS = ("conversion", "exercise")


VOTE_CHOICES = ("for", "against", "abstain", "not_voting")


@dataclass(frozen=True)
class Tally:
    """A record-date vote: each voter's choice, by holder name or by group id."""

    record_date: date | None
    votes: dict[str, str]  # holder name or group id -> for | against | abstain | not_voting
    by_group: bool = True  # the holders of one group vote together
    common_for: int | None = None  # shares of Common Stock (other than the groups') voted for
    common_against: int | None = None


@dataclass(frozen=True)
class Scenario:
    """A proposed action on a date, against the capitalization on that date."""

    name: str
    as_of: date
    cap_table: CapTable
    action: Action
    file: str = ""
    description: str = ""
    tally: Tally | None = None
    vote_by: str = "group"  # group | holder: how holders vote when the coalitions are analysed
    instruments: dict[str, InstrumentStatus] = field(default_factory=dict)  # the cap table's, then the scenario's
    board: Any = None  # the board history the scenario states (engine/board.py Board), or None
    # Groups of the rulebook stated to act together as one "group" (Exchange Act 13(d)(3), Rule
    # 13d-5(b)(1)), each a set of group ids; a measure asked to counts such a set as one owner.
    acting_as_group: tuple[frozenset[str], ...] = ()


# --- Rulebooks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a rule comes from: document id, section and the operative words quoted."""

    document: str
    section: str
    quote: str


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    date: date
    parties: tuple[str, ...]
    file: str  # relative to the rulebook folder (documents/...)
    lines: tuple[int, int] | None = None  # 1-based inclusive line range within file
    code: str = ""  # short citation code, e.g. "PA", "CoD"
    name: str = ""  # how a sentence names it, e.g. "the Certificate of Designation"


@dataclass(frozen=True)
class TermEffect:
    """What a term event does to the preferred's terms (parameters.yaml `term_events`): a new
    dividend rate, or the liquidation preference brought to an amount, each a number parameter;
    only for an event `before` a date parameter; not when the event's `unless_field` (a date) is
    within `within_days` of the event."""

    dividend_rate: str = ""  # a number parameter
    preference: str = ""  # a number parameter
    adjust: str = ""  # a number parameter the event's anti-dilution formula adjusts (engine/adjust.py)
    label: str = ""  # that parameter in the documents' terms, for reports
    inverse: bool = False  # adjusted by the inverse factor (a share threshold, not a price)
    effective_days_after: int = 0  # the adjustment is in force from this many days after the event
    de_minimis_pct: str = ""  # a number parameter: a smaller adjustment is carried forward
    places: int | None = None  # an adjusted price is rounded to these decimals (half up)
    warrant_shares: bool = False  # the warrant's share number moves inversely with this price
    # A date field of the event: the adjustment is effective after the event's date (a record date),
    # and the additional shares it gives a conversion or exercise made after that date and before
    # the date the field states (the event itself) may be deferred until then.
    defer_until: str = ""
    only_raise: bool = False
    before: str = ""  # a date parameter
    unless_field: str = ""
    within_days: int | None = None
    source: "Source | None" = None
    assumption: str = ""


@dataclass(frozen=True)
class TermEvent:
    """An event a cap table's history may record that changes the preferred's terms from its date."""

    id: str
    title: str
    fields: tuple[tuple[str, str], ...]  # (field, type): each stated with the event
    effects: tuple[TermEffect, ...]
    source: "Source | None" = None
    formula: str = ""  # the anti-dilution formula of engine/adjust.py its `adjust` effects use


@dataclass(frozen=True)
class RecordedTermEvent:
    """A term event in a cap table's history: which, on what date, with its stated fields."""

    event: str
    on: date
    fields: tuple[tuple[str, Any], ...] = ()
    file: str = ""
    line: int | None = None
    outstanding: int | None = None  # the Common outstanding immediately before it, once applied

    def field(self, name: str) -> Any:
        return dict(self.fields).get(name)


@dataclass(frozen=True)
class StatusEvent:
    """An event after which the rulebook's documents cannot be taken as in force unless stated.

    The day of the event itself is still in force; `assumption` names the reading that says so.
    """

    id: str
    title: str  # how a sentence names it, e.g. "the Chapter 11 plan of April 3, 2002"
    date: date
    documents: tuple[str, ...]  # the documents whose status it puts in question
    source: Source | None
    assumption: str = ""


@dataclass(frozen=True)
class Assumption:
    """A named, cited reading of an unclear or inconsistent provision."""

    id: str
    title: str
    reading: str
    source: Source | None = None
    alternative: str = ""
    catalogue: str = ""  # e.g. "INC-special-dividend-basis"
    # The other reading as the parameter values it would change ((name, value), ...), so that it
    # can be run; empty when the reading is in the rules' conditions or the engine's arithmetic.
    alternative_parameters: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class ParameterValue:
    """One dated value of a parameter: in force from `start` until the next value; None ends it."""

    start: date
    value: Any  # None: the parameter stops having a value on `start`
    source: Source | None
    line: int = 0  # where parameters.yaml states it


@dataclass(frozen=True)
class Parameter:
    """A number or date the documents state, with its citation.

    A parameter that may change (a conversion price adjusted for anti-dilution, say) has dated
    `values`, each with its own citation, as OpenFisca keeps them; `value` and `source` are then
    the latest value and its citation. A parameter stated once has no `values`.
    """

    name: str
    value: Any
    source: Source | None
    note: str = ""
    values: tuple[ParameterValue, ...] = ()

    def at(self, day: date | None) -> ParameterValue | None:
        """The value in force on `day` (the latest when `day` is None); None before the first
        date or after the parameter was ended."""
        if not self.values:
            return ParameterValue(date.min, self.value, self.source)
        if day is None:
            return self.values[-1] if self.values[-1].value is not None else None
        current = None
        for item in self.values:
            if item.start <= day:
                current = item
        return current if current is not None and current.value is not None else None


@dataclass(frozen=True)
class Exception_:
    """A named, cited exception ("provided, however ...") to a rule."""

    id: str
    title: str
    condition: Any  # compiled condition tree (see rulebook.py)
    source: Source | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    source: Source
    in_force_from: date | None  # inclusive
    in_force_before: date | None  # exclusive
    in_force_text: str
    actions: tuple[str, ...]
    scope: Any  # condition tree or None
    condition: Any  # condition tree
    exceptions: tuple[Exception_, ...]
    outcome: str  # violation | obligation | consequence | approval_required
    otherwise: str  # permitted | not_applicable
    finding: str  # message template
    assumptions: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()  # extra facts to show
    file: str = ""
    line: int = 0
    order: int = 0
    approval: dict | None = None  # body/threshold metadata for approval_required rules
    facts: Any = field(default=None, compare=False, repr=False)  # the rulebook's declared facts
    parameters: tuple[str, ...] = ()  # dated parameters the rule's facts or condition use
    versions: tuple["Version", ...] = ()  # the rule's text over time, oldest first (see Version)
    definitions: tuple[str, ...] = ()  # definitions its conditions refer to, directly or not
    # False for a rule that decides whether its own document is in force (an exercise of a Warrant
    # stated terminated): the document's status is a fact of its condition, not its gate.
    instrument_gate: bool = True


@dataclass(frozen=True)
class Version:
    """The text of a rule or definition in force from a date: the original, or an amendment.

    A rule or definition with versions is evaluated under the version in force on the scenario's
    date; its finding names that version and quotes its words.
    """

    id: str  # "original", or how the rulebook names the amendment
    start: date  # in force from this date (inclusive) until the next version
    source: Source | None
    title: str = ""
    note: str = ""
    finding: str = ""  # the finding's wording under this version, if it changes


# --- Findings -------------------------------------------------------------------------------

_EXPLAINED: dict[int, tuple] = {}  # id(a finding's because) -> (it, the words, its explanation)

OUTCOMES = ("violation", "cannot_determine", "approval_required", "obligation", "consequence", "permitted",
            "not_applicable")


@dataclass
class Finding:
    """What one rule says about one scenario."""

    rule: str
    title: str
    outcome: str
    document: str  # document id
    document_title: str
    section: str
    quote: str
    because: dict[str, Any] = field(default_factory=dict)  # what decided the outcome, as data (see explain.py)
    figures: dict[str, Any] = field(default_factory=dict)  # fact name -> display value
    assumptions: list[str] = field(default_factory=list)
    exception: str | None = None  # id of the exception that applied
    missing: list[str] = field(default_factory=list)  # facts needed but unknown
    reason: str | None = None  # why not applicable
    approval: dict | None = None
    comparisons: list[dict] = field(default_factory=list)  # each test of the condition: fact, op, value, actual, holds
    parameters: list[dict] = field(default_factory=list)  # dated parameters used: name, value, from, citation
    versions: list[dict] = field(default_factory=list)  # the version of the rule and its definitions applied
    labels: dict[str, str] = field(default_factory=dict)  # fact name -> its label in facts.yaml, for reports
    # How the explanation names facts and values (the rulebook's labels and names); None: code names.
    words: Any = field(default=None, compare=False, repr=False)

    @property
    def explanation(self) -> str:
        """The explanation a person reads, rendered from `because` (never stored on the finding),
        in the documents' terms. A `because` is never changed once made, and kept findings share
        theirs: its text is kept beside it, by identity."""
        words, because = self.words, self.because
        if words is None:
            return _explanation(because)
        known = _EXPLAINED.get(id(because))
        if known is not None and known[0] is because and known[1] is words:
            return known[2]
        text = _explanation(because, words)
        if len(_EXPLAINED) >= 1 << 12:
            _EXPLAINED.clear()
        _EXPLAINED[id(because)] = (because, words, text)  # holds `because`: its id is not reused meanwhile
        return text

    @property
    def trace_explanation(self) -> str:
        """The same explanation with the facts' and values' code names (`--explain`)."""
        return _explanation(self.because)

    def to_json(self) -> dict:
        out = {
            "rule": self.rule,
            "title": self.title,
            "outcome": self.outcome,
            "document": self.document,
            "document_title": self.document_title,
            "section": self.section,
            "quote": self.quote,
            "figures": self.figures,
            "comparisons": self.comparisons,
            "explanation": self.explanation,
            "because": self.because,
            "assumptions": self.assumptions,
        }
        if self.labels:
            out["labels"] = self.labels
        if self.exception:
            out["exception"] = self.exception
        if self.missing:
            out["missing"] = self.missing
        if self.reason:
            out["reason"] = self.reason
        if self.approval:
            out["approval"] = self.approval
        if self.parameters:
            out["parameters"] = self.parameters
        if self.versions:
            out["versions"] = self.versions
        return out


Number = int | Fraction | Decimal
