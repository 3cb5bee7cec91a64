"""A preference reset to a new amount on a date, and accreted from that date under the terms."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from . import calc


def after_reset(terms: calc.Terms, reset_to: Fraction, reset_on: date, on: date,
                rate: Fraction) -> tuple[Fraction, Fraction] | None:
    """(preference, accrued and unpaid dividends) on `on` of a liquidation preference set to
    `reset_to` on `reset_on` (an amount added to it as of that date, say) and accreting from then
    at `rate` a year on the terms' payment dates after it. The dividends accrued before the reset
    on the preference as it then stood stay accrued and unpaid, and are added on the next
    payment date with those accrued on the new amount from the reset; that part of a period is
    counted as a first period is (terms.day_count), whole periods after it as the terms count
    them. None before the reset."""
    if on < reset_on:
        return None
    carried = calc.accrued_dividends(terms, reset_on)
    preference, previous, first = Fraction(reset_to), reset_on, True
    for payment_date in calc.dividend_payment_dates(terms, on):
        if payment_date <= reset_on:
            continue
        share = (calc._part_of_year(terms, previous, payment_date) if first
                 else calc._period_of_year(terms, previous, payment_date))
        preference += carried + preference * rate * share
        carried, previous, first = Fraction(0), payment_date, False
    accrued = carried + preference * rate * calc._part_of_year(terms, previous, on)
    return preference, accrued
