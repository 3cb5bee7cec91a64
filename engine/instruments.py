"""Each instrument's status on a date: in force from its date, ended as stated, or in question."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from .model import InstrumentStatus, StatusEvent

IN_FORCE = "in_force"
NOT_IN_FORCE = "not_in_force"
STATES = (IN_FORCE, NOT_IN_FORCE)  # the values of an instrument fact; an unknown status is absent


def instrument_fact(document: str) -> str:
    """The fact that carries a document's status on the scenario's date (absent when unknown)."""
    return f"instrument.{document}.status"


@dataclass(frozen=True)
class InstrumentState:
    """One document's status on a date, with what decided it."""

    document: str
    status: str | None  # in_force | not_in_force | None: unknown
    stated: InstrumentStatus | None = None  # the scenario's (or cap table's) statement, if any
    event: StatusEvent | None = None  # the event that put the status in question on or before the date
    before_its_date: bool = False


def instrument_states(rulebook, instruments: dict[str, InstrumentStatus], as_of: date) -> dict[str, InstrumentState]:
    """The status of every document of the rulebook on `as_of`.

    An instrument is in force from its date. A stated end (terminated or cancelled from a date)
    ends it from that date, and it is in force until then. A stated "in force" keeps it in force.
    Otherwise, after the date of an event that puts it in question (the day itself is still in
    force), its status is unknown.
    """
    out: dict[str, InstrumentState] = {}
    for doc in rulebook.documents.values():
        events = sorted((e for e in rulebook.events.values() if doc.id in e.documents and as_of >= e.date),
                        key=lambda e: e.date)
        event = events[0] if events else None
        stated = instruments.get(doc.id)
        if doc.date is not None and as_of < doc.date:
            out[doc.id] = InstrumentState(doc.id, NOT_IN_FORCE, stated, event, before_its_date=True)
        elif stated is not None:
            ended = stated.ended and stated.from_date is not None and as_of >= stated.from_date
            out[doc.id] = InstrumentState(doc.id, NOT_IN_FORCE if ended else IN_FORCE, stated, event)
        elif event is not None and as_of > event.date:
            out[doc.id] = InstrumentState(doc.id, None, None, event)
        else:
            out[doc.id] = InstrumentState(doc.id, IN_FORCE, None, event)
    return out


def instrument_facts(states: dict[str, InstrumentState]) -> dict[str, str]:
    """The instrument facts durable receives (an unknown status is left out, so it stays unknown)."""
    return {instrument_fact(doc): s.status for doc, s in states.items() if s.status is not None}


def ended_securities(rulebook, instruments: dict[str, InstrumentStatus], as_of: date) -> set[str]:
    """The securities (parameters.yaml `instrument`) whose governing instrument the scenario states
    terminated or cancelled on or before `as_of`: from then on they are not held by anyone."""
    gone: set[str] = set()
    for sid, spec in rulebook.securities.items():
        doc = spec.get("instrument")
        stated = instruments.get(doc) if doc else None
        if stated is not None and stated.ended and stated.from_date is not None and as_of >= stated.from_date:
            gone.add(sid)
    return gone


def without_ended(rulebook, cap, as_of: date, instruments: dict[str, InstrumentStatus] | None = None):
    """The cap table as it stands once the securities of an ended instrument are gone: no holder
    holds them, none is deemed converted or exercised, and none votes. Unchanged when none ended."""
    stated = cap.instruments if instruments is None else instruments
    gone = ended_securities(rulebook, stated, as_of)
    if not gone:
        return cap
    warrants_gone = any(rulebook.securities[s].get("class") == "warrant" for s in gone)
    holders = tuple(replace(h, preferred={k: v for k, v in h.preferred.items() if k not in gone},
                            warrants=0 if warrants_gone else h.warrants) for h in cap.holders)
    # Shares issued at the closing are no longer deemed converted once cancelled: count them out.
    converted = dict(cap.converted)
    for class_id, spec in rulebook.classes.items():
        issuing = [m for m in spec.members if int(rulebook.securities.get(m, {}).get("issued_at_closing", 0) or 0)]
        if issuing and all(m in gone for m in issuing):
            converted[class_id] = sum(int(rulebook.securities[m]["issued_at_closing"]) for m in issuing)
    return replace(cap, holders=holders, converted=converted)
