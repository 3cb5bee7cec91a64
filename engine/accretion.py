"""A preference reset to a new amount on a date, and accreted from that date under the terms."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction

from . import calc


def after_reset(terms: calc.Terms, reset_to: Fraction, reset_on: date, on: date,
                rate: Fraction) -> tuple[Fraction, Fraction] | None:
    """(preference, accrued and unpaid dividends) on `on` of a liquidation preference set to
    `reset_to` on `reset_on` (an amount added to it as of that date, say) and accreting from then
    at `rate` a year: the terms with that change from that date (calc.TermChange), so that a
    change proposed here and one recorded in a cap table's history give one answer. The
    dividends accrued before the reset on the preference as it then stood stay accrued and are
    added on the next payment date with those accrued from the reset on the new amount. None
    before the reset."""
    if on < reset_on:
        return None
    change = calc.TermChange(reset_on, dividend_rate=Fraction(rate), preference=Fraction(reset_to))
    changed = replace(terms, changes=tuple(sorted((*terms.changes, change), key=lambda c: c.on)))
    return calc.liquidation_preference(changed, on), calc.accrued_dividends(changed, on)
