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
    last_event: tuple | None = None  # (date, file, line) of the latest event applied from a history
    instruments: dict[str, "InstrumentStatus"] = field(default_factory=dict)  # document id -> stated status

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
    file: str  # under samples/contracts/
    lines: tuple[int, int] | None = None  # 1-based inclusive line range within file
    code: str = ""  # short citation code, e.g. "PA", "CoD"
    name: str = ""  # how a sentence names it, e.g. "the Certificate of Designation"


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


@dataclass(frozen=True)
class Parameter:
    """A number or date the documents state, with its citation."""

    name: str
    value: Any
    source: Source | None
    note: str = ""


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
    outcome: str  # violation | obligation | approval_required
    otherwise: str  # permitted | not_applicable
    finding: str  # message template
    assumptions: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()  # extra facts to show
    file: str = ""
    line: int = 0
    order: int = 0
    approval: dict | None = None  # body/threshold metadata for approval_required rules
    facts: Any = field(default=None, compare=False, repr=False)  # the rulebook's declared facts


# --- Findings -------------------------------------------------------------------------------

OUTCOMES = ("violation", "cannot_determine", "approval_required", "obligation", "permitted", "not_applicable")


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
    labels: dict[str, str] = field(default_factory=dict)  # fact name -> its label in facts.yaml, for reports

    @property
    def explanation(self) -> str:
        """The explanation a person reads, rendered from `because` (never stored)."""
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
        return out


Number = int | Fraction | Decimal
