"""The conventions the preferred accrete and convert under are the rulebook's, not the engine's.

parameters.yaml states the payment schedule (interval, day of the month, business-day roll and
calendar), the day count and the roundings, each with its citation. These tests change one of
them in a copy of rules/icg-2000 and check that the figures move exactly as the changed
convention says (worked out here by hand, not by the engine), and that a missing or misspelt
convention is refused at load with one line naming it.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date
from fractions import Fraction

import pytest
from clitools import CLI
from deal import ROOT, edit

from clausewise import calc
from clausewise.errors import InputError
from clausewise.rulebook import load_rulebook

PARAMS = "parameters.yaml"
RATE = Fraction(8, 100)
FIRST_LP = Fraction(10180)  # $10,000 x (1 + 8% x 81/360): Closing Date April 10 to June 30, 2000


def _set(rb, name: str, old: str, new: str) -> int:
    """Change the value of parameter `name` (its `value: old` line just below it) in the copy. A
    reading whose other reading was the new value now has the old one as its other reading, as an
    editor adopting the other reading would write it (lint refuses an other reading equal to the
    value in force)."""
    line = edit(rb, PARAMS, f"  {name}:\n    value: {old}\n", f"  {name}:\n    value: {new}\n") + 1
    assumptions = rb / "assumptions.yaml"
    text = assumptions.read_text(encoding="utf-8")
    other = f"  alternative_parameters: {{{name}: {new}}}\n"
    if other in text:
        assumptions.write_text(text.replace(other, f"  alternative_parameters: {{{name}: {old}}}\n"), encoding="utf-8")
    return line


def _terms(rb) -> calc.Terms:
    return load_rulebook(rb).terms()


# --- the bundled conventions -------------------------------------------------------------------


def test_bundled_terms_state_every_convention(rulebook):
    terms = rulebook.terms()
    assert (terms.dividend_payment_interval_months, terms.dividend_payment_day, terms.dividend_payment_roll,
            terms.business_day_calendar, terms.day_count, terms.conversion_rounding, terms.exercise_rounding) == (
        3, "last", "next_business_day", "new_york_banks", "actual_360_then_30_360", "hundredths_then_half_up",
        "half_up")
    # September 30, 2000 is a Saturday: the Dividend Payment Date rolls to Monday October 2.
    assert calc.liquidation_preference(terms, date(2000, 9, 30)) == FIRST_LP
    assert calc.liquidation_preference(terms, date(2000, 10, 2)) == FIRST_LP * Fraction(102, 100)


# --- each convention moves the figures as it says ----------------------------------------------


def test_day_count_actual_360_counts_the_actual_days_of_a_full_period(rb):
    _set(rb, "day_count", "actual_360_then_30_360", "actual_360")
    terms = _terms(rb)
    # June 30 to the rolled October 2, 2000: 94 actual days, not a 90-day 30/360 quarter.
    assert calc.liquidation_preference(terms, date(2000, 10, 2)) == FIRST_LP * (1 + RATE * 94 / 360)
    assert calc.liquidation_preference(terms, date(2000, 10, 1)) == FIRST_LP


def test_day_count_actual_365(rb):
    _set(rb, "day_count", "actual_360_then_30_360", "actual_365")
    terms = _terms(rb)
    first = 10000 * (1 + RATE * 81 / 365)
    assert calc.liquidation_preference(terms, date(2000, 6, 30)) == first
    # accrued on July 10, 2000: 10 actual days from the June 30 Dividend Payment Date
    assert calc.accrued_dividends(terms, date(2000, 7, 10)) == first * RATE * 10 / 365


def test_day_count_thirty_360_counts_the_first_period_in_30_day_months(rb):
    _set(rb, "day_count", "actual_360_then_30_360", "thirty_360")
    terms = _terms(rb)
    # April 10 to June 30 as twelve 30-day months: 20 + 60 = 80 days (81 actual).
    first = 10000 * (1 + RATE * 80 / 360)
    assert calc.liquidation_preference(terms, date(2000, 6, 30)) == first
    assert calc.liquidation_preference(terms, date(2000, 10, 2)) == first * Fraction(102, 100)
    # accrued on July 31, 2000: June 30 to July 31 is 30 days under 30/360 (31 actual)
    assert calc.accrued_dividends(terms, date(2000, 7, 31)) == first * RATE * 30 / 360


def test_no_roll_keeps_a_saturday_payment_date(rb):
    _set(rb, "dividend_payment_roll", "next_business_day", "none")
    terms = _terms(rb)
    assert calc.dividend_payment_dates(terms, date(2000, 10, 2)) == [date(2000, 6, 30), date(2000, 9, 30)]
    assert calc.liquidation_preference(terms, date(2000, 9, 30)) == FIRST_LP * Fraction(102, 100)
    assert calc.liquidation_preference(terms, date(2000, 9, 29)) == FIRST_LP


def test_preceding_business_day_roll(rb):
    _set(rb, "dividend_payment_roll", "next_business_day", "preceding_business_day")
    terms = _terms(rb)
    assert calc.dividend_payment_dates(terms, date(2000, 9, 29))[-1] == date(2000, 9, 29)  # the Friday
    assert calc.liquidation_preference(terms, date(2000, 9, 29)) == FIRST_LP * Fraction(102, 100)
    assert calc.liquidation_preference(terms, date(2000, 9, 28)) == FIRST_LP


def test_weekdays_calendar_ignores_holidays(rb):
    # December 31, 2000 is a Sunday and January 1, 2001 a holiday: New York banks pay on
    # January 2; a weekdays calendar pays on the Monday, January 1.
    assert calc.dividend_payment_dates(_terms(rb), date(2001, 1, 2))[-1] == date(2001, 1, 2)
    _set(rb, "business_day_calendar", "new_york_banks", "weekdays")
    terms = _terms(rb)
    assert calc.dividend_payment_dates(terms, date(2001, 1, 1))[-1] == date(2001, 1, 1)
    assert calc.dividend_payment_dates(terms, date(2000, 12, 31))[-1] == date(2000, 10, 2)


def test_semiannual_schedule_on_a_day_of_the_month(rb):
    _set(rb, "dividend_payment_interval_months", "3", "6")
    _set(rb, "dividend_payment_day", "last", "30")
    terms = _terms(rb)
    # June 30, then December 30, 2000 (a Saturday: paid Tuesday January 2, 2001 after the New
    # Year holiday), then June 30, 2001 (a Saturday: paid Monday July 2).
    assert calc.dividend_payment_dates(terms, date(2001, 7, 2)) == [
        date(2000, 6, 30), date(2001, 1, 2), date(2001, 7, 2)]
    # A full six-month period under 30/360 is 180 days: 4% of the preference.
    assert calc.liquidation_preference(terms, date(2001, 1, 2)) == FIRST_LP * Fraction(104, 100)
    # "30" in February is its last day.
    assert calc.scheduled_payment_date(2001, 2, 30) == date(2001, 2, 28)


def test_conversion_rounding_down_drops_the_fraction(rb, rulebook):
    # 50,000 Series A at the Closing: 50,000 x $10,000 / $28.00 = 17,857,142.857... Common.
    assert calc.conversion_shares(rulebook.terms(), 50_000, date(2000, 4, 10)) == 17_857_143
    _set(rb, "conversion_rounding", "hundredths_then_half_up", "down")
    assert calc.conversion_shares(_terms(rb), 50_000, date(2000, 4, 10)) == 17_857_142


def test_conversion_rounding_reaches_the_command(rb):
    """`position` on the edited rulebook shows the As-converted figure under its rounding."""
    def liberty_as_converted(folder) -> int:
        out = subprocess.run(CLI + ["position", "--as-of", "2000-04-10", "--rules", str(folder), "--format", "json"],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        groups = json.loads(out.stdout)["groups"]
        found = [g for g in groups if g.get("group") == "liberty"] if isinstance(groups, list) else [groups["liberty"]]
        return found[0]

    before = liberty_as_converted(ROOT / "rules" / "icg-2000")
    _set(rb, "conversion_rounding", "hundredths_then_half_up", "down")
    after = liberty_as_converted(rb)
    assert json.dumps(before) != json.dumps(after)
    assert "17857143" in json.dumps(before) and "17857142" in json.dumps(after)


def test_net_issue_rounding_is_the_warrants_own():
    # 1,000 Warrant shares at a fair market value of $34.05 and an Exercise Price of $34.00:
    # 1,000 x 0.05 / 34.05 = 1.4684... Common; 3,000 of them: 4.405...; 5,000: 7.342...
    assert calc.net_issue_shares(1_000, Fraction("34.05"), Fraction(34), "half_up") == 1
    assert calc.net_issue_shares(11_000, Fraction("34.05"), Fraction(34), "half_up") == 16  # 16.152...
    assert calc.net_issue_shares(12_000, Fraction("34.05"), Fraction(34), "half_up") == 18  # 17.621...
    assert calc.net_issue_shares(12_000, Fraction("34.05"), Fraction(34), "down") == 17


# --- a convention missing or misspelt is refused at load ---------------------------------------


def _problems(rb) -> list[str]:
    with pytest.raises(InputError) as info:
        load_rulebook(rb)
    return [str(p) for p in info.value.problems]


def test_misspelt_day_count_is_refused_with_the_words_allowed(rb):
    line = _set(rb, "day_count", "actual_360_then_30_360", "actual_365_fixed")
    assert _problems(rb) == [
        f"{rb / PARAMS}:{line}: wrong-type: parameter day_count.value: expected one of actual_360_then_30_360, "
        "actual_360, actual_365, thirty_360, got 'actual_365_fixed' (did you mean 'actual_365'?)"]


def test_missing_conversion_rounding_is_refused(rb):
    text = (rb / PARAMS).read_text(encoding="utf-8")
    start = text.index("  conversion_rounding:\n")
    end = text.index("  warrant_exercise_rounding:\n")
    (rb / PARAMS).write_text(text[:start] + text[end:], encoding="utf-8")
    problems = _problems(rb)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{rb / PARAMS}:")
    assert "missing-field: parameters: missing 'conversion_rounding' (one of hundredths_then_half_up, half_up, " \
           "down, with its citation" in problems[0]


def test_interval_out_of_range_is_refused(rb):
    line = _set(rb, "dividend_payment_interval_months", "3", "0")
    assert _problems(rb) == [f"{rb / PARAMS}:{line}: wrong-type: parameter dividend_payment_interval_months.value: "
                             "expected a whole number of months, 1 to 12, got 0"]


def test_first_payment_date_off_the_schedule_is_refused(rb):
    _set(rb, "dividend_payment_day", "last", "15")
    problems = _problems(rb)
    assert len(problems) == 1, problems
    assert "bad-value: parameter first_dividend_payment_date.value: 2000-06-30 is not on the dividend_payment_day " \
           "(15) of its month; the schedule puts it on 2000-06-15" in problems[0]


def test_a_deadline_measure_must_name_its_calendar(tmp_path):
    import shutil
    folder = tmp_path / "kestrel-2021"
    shutil.copytree(ROOT / "rules" / "kestrel-2021", folder)
    line = edit(folder, "facts.yaml", "params: {days: 5, calendar: new_york_banks}", "params: {days: 5}")
    problems = _problems(folder)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{folder / 'facts.yaml'}:{line}: ")
    assert "calendar" in problems[0]
