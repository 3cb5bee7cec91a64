"""Anti-dilution arithmetic: the standard formulas by which an event on the Common moves a
conversion or exercise price, and the de minimis rule that carries a small adjustment forward.

A rulebook's term event (parameters.yaml `term_events`) names one formula for the legal event and
lists the parameters it adjusts; each formula reads the event's stated fields and the Common
outstanding immediately before it (O), and gives:
- `factor`: what the price is multiplied by (None: the formula's trigger is not met, no adjustment);
- `common_scale`: what every holding of Common and the Common outstanding is multiplied by (a
  subdivision, combination or dividend in Common), or None;
- `outstanding_change`: the Common the event adds to (or takes from) the outstanding otherwise.

A formula whose trigger counts earlier events (`aggregate`: a field and a number of months)
also reads `earlier_<field>`: that field summed over the events of the same formula in the
record within those months before, that did not adjust the same price (unadjusted_earlier).

The formulas are those of a conventional anti-dilution clause; the rulebook cites the words
that state each one for its instrument. Everything here is exact (Fraction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any, Callable

from . import calc


@dataclass(frozen=True)
class Formula:
    """One anti-dilution formula: the fields it reads (field: type), its words, and its functions."""

    fields: tuple[tuple[str, str], ...]
    words: str  # the formula in a lawyer's notation, P the price before
    factor: Callable[[int, dict], Fraction | None]
    common_scale: Callable[[int, dict], Fraction | None] = lambda o, f: None
    outstanding_change: Callable[[int, dict], int] = lambda o, f: 0
    trigger: str = ""  # when the formula adjusts at all, in words
    # Each part of the trigger by name (all must hold for an adjustment): (name, test(o, f)).
    limbs: tuple[tuple[str, Callable[[int, dict], bool]], ...] = ()
    # Figures the formula works out from its fields, by name, for a report: (name, figure(o, f)).
    figures: tuple[tuple[str, Callable[[int, dict], Fraction]], ...] = ()
    aggregate: tuple[str, int] | None = None  # (field, months): earlier unadjusted events counted
    why: Callable[[int, dict], str] | None = None  # why it does not adjust, with the figures


def _subdivision(o: int, f: dict) -> Fraction | None:
    if f["new_shares"] == f["old_shares"]:
        return None  # the shares outstanding do not change: neither subdivided nor combined
    return Fraction(f["old_shares"], f["new_shares"])


def _stock_dividend(o: int, f: dict) -> Fraction:
    return Fraction(o, o + f["shares_distributed"])


def _below_market(o: int, f: dict, quantity: str) -> Fraction | None:
    price, market = Fraction(f["price"]), Fraction(f["current_market_price"])
    if price >= market:
        return None  # not "less than the Current Market Price": no adjustment
    n = f[quantity]
    return (o + n * price / market) / (o + n)


def _distribution(o: int, f: dict) -> Fraction | None:
    value, market = Fraction(f["fair_market_value_per_share"]), Fraction(f["current_market_price"])
    if value >= market:
        return None  # at or above the Current Market Price: provision in kind instead of an adjustment
    return (market - value) / market


def _tender_paid(o: int, f: dict) -> Fraction:
    """The consideration of the offer with that of earlier offers not adjusted for."""
    return Fraction(f["consideration"]) + Fraction(f.get("earlier_consideration", 0))


def _tender_limit(o: int, f: dict) -> Fraction:
    """5% of the 12 Month Net Income (a loss entered as 0)."""
    return Fraction(f["net_income_12_months"]) * Fraction(5, 100)


def _tender_raw(o: int, f: dict) -> Fraction:
    market, paid, bought = Fraction(f["current_market_price"]), Fraction(f["consideration"]), f["purchased"]
    return o * market / (paid + (o - bought) * market)


def _tender_offer(o: int, f: dict) -> Fraction | None:
    if _tender_paid(o, f) <= _tender_limit(o, f):
        return None  # not more than 5% of the 12 Month Net Income
    factor = _tender_raw(o, f)
    return factor if factor < 1 else None  # never an increase


def _tender_why(o: int, f: dict) -> str:
    paid, limit = _tender_paid(o, f), _tender_limit(o, f)
    if paid <= limit:
        earlier = Fraction(f.get("earlier_consideration", 0))
        with_earlier = f" with {_dollars(earlier)} of other tender offers not adjusted for" if earlier else ""
        return (f"the consideration, {_dollars(paid)}{with_earlier}, does not exceed 5% of the 12 Month Net "
                f"Income, {_dollars(limit)}")
    return f"the fraction, {_fraction(_tender_raw(o, f))}, would increase the price, and no adjustment is made"


def _dollars(value: Fraction) -> str:
    return f"${calc._round_half_up(value, 2):,}"


def _fraction(value: Fraction) -> str:
    return f"{value.numerator:,}/{value.denominator:,}"


FORMULAS: dict[str, Formula] = {
    "subdivision": Formula(
        (("new_shares", "count"), ("old_shares", "count")), "P x old shares / new shares", _subdivision,
        common_scale=lambda o, f: Fraction(f["new_shares"], f["old_shares"]),
        trigger="the outstanding shares are subdivided into more or combined into fewer"),
    "stock_dividend": Formula(
        (("shares_distributed", "count"),), "P x O / (O + D)", _stock_dividend,
        common_scale=lambda o, f: Fraction(o + f["shares_distributed"], o)),
    "issuance_below_market": Formula(
        (("quantity", "count"), ("price", "money"), ("current_market_price", "money")),
        "P x (O + N x p / CMP) / (O + N)", lambda o, f: _below_market(o, f, "quantity"),
        outstanding_change=lambda o, f: f["quantity"],
        trigger="the price per share is less than the Current Market Price"),
    "rights_offering": Formula(
        (("rights_shares", "count"), ("price", "money"), ("current_market_price", "money")),
        "P x (O + N x p / CMP) / (O + N)", lambda o, f: _below_market(o, f, "rights_shares"),
        trigger="the subscription price is less than the Current Market Price"),
    "distribution": Formula(
        (("fair_market_value_per_share", "money"), ("current_market_price", "money")),
        "P x (CMP - F) / CMP", _distribution,
        trigger="the fair market value per share is less than the Current Market Price"),
    "tender_offer": Formula(
        (("purchased", "count"), ("consideration", "money"), ("current_market_price", "money"),
         ("net_income_12_months", "money")),
        "P x (O x CMP) / (C + (O - S) x CMP)", _tender_offer,
        outstanding_change=lambda o, f: -f["purchased"],
        trigger="the consideration exceeds 5% of the 12 Month Net Income, and the price would fall",
        limbs=(("exceeds_limit", lambda o, f: _tender_paid(o, f) > _tender_limit(o, f)),
               ("no_increase", lambda o, f: _tender_raw(o, f) < 1)),
        figures=(("aggregate_consideration", _tender_paid), ("net_income_limit", _tender_limit)),
        aggregate=("consideration", 12), why=_tender_why),
}


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day where it has no such day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for last in (31, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def unadjusted_earlier(name: str, record: tuple, specs: dict, parameter: str, on: date, stop: int | None = None) -> Fraction:
    """For a formula with an `aggregate` (field, months): the field summed over the events of the
    record (RecordedTermEvent, in order; the first `stop` only) whose term event uses the same
    formula, dated within the months before `on` (from the same day that many months earlier),
    that did not adjust `parameter`: its term event has no effect on it, or the formula's trigger
    was not met (each with its own earlier events counted)."""
    formula = FORMULAS[name]
    if formula.aggregate is None:
        return Fraction(0)
    key, months = formula.aggregate
    seen: list[tuple[date, Fraction]] = []  # (date, field) of each earlier event not adjusted for

    def within(day: date) -> Fraction:
        start = months_before(day, months)
        return sum((value for when, value in seen if start <= when <= day), Fraction(0))

    for recorded in (record[:stop] if stop is not None else record):
        spec = specs.get(recorded.event)
        if spec is None or spec.formula != name or recorded.outstanding is None:
            continue
        inputs = formula_inputs(name, dict(recorded.fields))
        if inputs is None:
            continue
        if any(e.adjust == parameter for e in spec.effects):
            inputs["earlier_" + key] = within(recorded.on)
            if formula.factor(recorded.outstanding, inputs) is not None:
                continue  # adjusted for (or carried forward into a later adjustment)
        seen.append((recorded.on, inputs[key]))
    return within(on)


def formula_inputs(name: str, fields: dict) -> dict | None:
    """The fields a formula reads, as numbers, from those stated; None when one is missing."""
    out = {}
    for key, kind in FORMULAS[name].fields:
        value = fields.get(key)
        if value is None:
            return None
        out[key] = int(value) if kind == "count" else Fraction(value)
    return out


@dataclass(frozen=True)
class Step:
    """One adjustment of one parameter: the price before, the exact price the formula gives
    (with any adjustment carried forward), and whether it was made or carried forward."""

    before: Fraction  # the price in force before the event
    exact: Fraction  # before x the carried factor x this factor, unrounded
    after: Fraction  # the price in force after (before, when carried forward)
    made: bool
    factor: Fraction


def apply(before: Fraction, carried: Fraction, factor: Fraction, de_minimis_pct: Any, places: Any) -> tuple[Step, Fraction]:
    """The de minimis rule: an adjustment is made only when it moves the price by at least
    `de_minimis_pct` percent; one that is not is carried forward (returned as the new carried
    factor) into the next; a made adjustment is rounded to `places` decimals (half up)."""
    exact = before * carried * factor
    if de_minimis_pct is not None and abs(exact / before - 1) * 100 < Fraction(de_minimis_pct):
        return Step(before, exact, before, False, factor), carried * factor
    after = Fraction(calc._round_half_up(exact, int(places))) if places is not None else exact
    return Step(before, exact, after, True, factor), Fraction(1)
