"""Tests for engine/calc.py: the documents' figures, reproduced exactly."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from deal import FIFTH_ANNIVERSARY

from clausewise import calc
from clausewise.calc import (
    Ownership,
    Terms,
    accrued_dividends,
    anniversary,
    beneficial_ownership,
    conversion_shares,
    conversion_shares_exact,
    dividend_payment_dates,
    group_holdings,
    is_business_day,
    liquidation_preference,
    money_display,
    pct_display,
    shares_display,
    standstill_basis,
    voting_power,
    warrant_shares_exercisable,
)
from clausewise.measures import compounded
from clausewise.model import CapTable, Holding

CLOSING = date(2000, 4, 10)

TERMS = Terms(
    closing_date=CLOSING,
    initial_liquidation_preference=Decimal("10000"),
    dividend_rate=Decimal("0.08"),
    first_dividend_payment_date=date(2000, 6, 30),
    last_accretion_date=date(2005, 6, 30),
    conversion_price=Decimal("28.00"),
    warrant_expiry=date(2005, 4, 10),
    standstill_conversion_date=FIFTH_ANNIVERSARY,
    dividend_payment_interval_months=3,
    dividend_payment_day="last",
    dividend_payment_roll="next_business_day",
    business_day_calendar="new_york_banks",
    day_count="actual_360_then_30_360",
    conversion_rounding="hundredths_then_half_up",
    exercise_rounding="half_up",
)


def schedule_i_cap_table() -> CapTable:
    """PA-AM Schedule I at closing, over the 48,582,035 Common of 13D Item 5(a)."""
    return CapTable(
        common_outstanding=48_582_035,
        holders=(
            Holding("Liberty Media Corporation", "liberty", preferred={"series_a1": 50_000}, warrants=6_666_667),
            Holding("HMTF Bridge ICG, LLC", "hmtf", preferred={"series_a2": 11_500}, warrants=1_533_334),
            Holding("HM4 ICG Qualified Fund, LLC", "hmtf", preferred={"series_a2": 10_464}, warrants=1_395_253),
            Holding("HM4 ICG Private Fund, LLC", "hmtf", preferred={"series_a2": 74}, warrants=9_885),
            Holding("HM PG-IV ICG, LLC", "hmtf", preferred={"series_a2": 557}, warrants=74_281),
            Holding("HM 4-SBS ICG Coinvestors, LLC", "hmtf", preferred={"series_a2": 251}, warrants=33_412),
            Holding("HM 4-EQ ICG Coinvestors, LLC", "hmtf", preferred={"series_a2": 154}, warrants=20_502),
            Holding("Gleacher/ICG Investors LLC", "gleacher", preferred={"series_a3": 2_000}, warrants=266_666),
        ),
    )


# --- Business Days and dates ---------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2000, 1, 17),  # Martin Luther King, Jr. Day: third Monday of January
        date(2000, 2, 21),  # Washington's Birthday: third Monday of February
        date(2000, 5, 29),  # Memorial Day: last Monday of May
        date(2000, 7, 4),  # Independence Day (a Tuesday)
        date(2000, 9, 4),  # Labor Day: first Monday of September
        date(2000, 10, 9),  # Columbus Day: second Monday of October
        date(2000, 11, 23),  # Thanksgiving: fourth Thursday of November
        date(2000, 12, 25),  # Christmas (a Monday)
        date(2001, 1, 1),  # New Year's Day (a Monday)
        date(2001, 11, 12),  # Veterans Day 2001-11-11 is a Sunday: observed Monday
        date(2005, 12, 26),  # Christmas 2005-12-25 is a Sunday: observed Monday
    ],
)
def test_federal_reserve_holidays_are_not_business_days(day):
    assert day.weekday() < 5 and not is_business_day(day)


def test_saturday_holiday_is_not_moved_to_friday():
    # 2000-11-11 (Veterans Day) and 2005-01-01 are Saturdays; the Fed opens the Friday before.
    assert is_business_day(date(2000, 11, 10))
    assert is_business_day(date(2004, 12, 31))


def test_weekends_and_ordinary_weekdays():
    # 2005-04-10, the fifth anniversary, is a Sunday; 2000-04-10, the Closing Date, a Monday.
    assert not is_business_day(date(2005, 4, 10))
    assert not is_business_day(date(2005, 4, 9))
    assert is_business_day(CLOSING)


def test_martin_luther_king_day_only_from_1986():
    # Third Mondays of January: 1985-01-21 (before the holiday existed) and 1986-01-20.
    assert is_business_day(date(1985, 1, 21))
    assert not is_business_day(date(1986, 1, 20))


def test_day_after_thanksgiving_is_a_cod_business_day():
    # CoD 17 does not exclude it (the PA's definition does: INC-business-day).
    assert is_business_day(date(2000, 11, 24))


def test_anniversary():
    # PA 6.6: fifth anniversary of 2000-04-10 is 2005-04-10; a Feb 29 falls back to Feb 28.
    assert anniversary(CLOSING, 5) == FIFTH_ANNIVERSARY
    assert anniversary(date(2000, 2, 29), 1) == date(2001, 2, 28)
    assert anniversary(date(2000, 2, 29), 4) == date(2004, 2, 29)


def test_dividend_payment_dates_roll_to_next_business_day():
    # 2000-09-30 is a Saturday -> Monday 2000-10-02.
    # 2000-12-31 is a Sunday and 2001-01-01 New Year's Day -> Tuesday 2001-01-02.
    # 2001-03-31 is a Saturday -> Monday 2001-04-02.
    assert dividend_payment_dates(TERMS, date(2001, 4, 2)) == [
        date(2000, 6, 30),
        date(2000, 10, 2),
        date(2001, 1, 2),
        date(2001, 4, 2),
    ]


def test_dividend_payment_date_rolled_past_through_is_excluded():
    # The December 2000 date is paid on 2001-01-02, after `through` = 2000-12-31.
    assert dividend_payment_dates(TERMS, date(2000, 12, 31)) == [date(2000, 6, 30), date(2000, 10, 2)]
    assert dividend_payment_dates(TERMS, date(2000, 6, 29)) == []


def test_twenty_one_accretion_dates_through_june_2005():
    # June 2000 + 4 quarters x 5 years (Sep 2000 .. Jun 2005) = 1 + 20 = 21 Dividend Payment Dates.
    dates = dividend_payment_dates(TERMS, date(2005, 6, 30))
    assert len(dates) == 21
    assert dates[-2:] == [date(2005, 3, 31), date(2005, 6, 30)]


# --- Liquidation Preference and accrued dividends (CoD 6(a)) ----------------------------------


def test_first_accretion_is_81_days_actual_360():
    # 2000-04-10 -> 2000-06-30 = 20 + 31 + 30 = 81 days; 10,000 x 8% x 81/360 = 180 -> 10,180.
    assert liquidation_preference(TERMS, date(2000, 6, 30)) == Fraction(10180)
    assert isinstance(liquidation_preference(TERMS, date(2000, 6, 30)), Fraction)


def test_day_before_first_dividend_payment_date():
    # 2000-06-29: LP still 10,000; accrued 10,000 x 8% x 80/360 = 1,600/9 = 177.777...
    assert liquidation_preference(TERMS, date(2000, 6, 29)) == 10000
    assert accrued_dividends(TERMS, date(2000, 6, 29)) == Fraction(1600, 9)
    assert money_display(liquidation_preference(TERMS, date(2000, 6, 29)) + Fraction(1600, 9)) == "$10,177.78"


def test_lp_at_last_two_accretion_dates_before_and_at_june_2005():
    # 2005-03-31 follows the first date and 19 quarters: 10,180 x 1.02^19 = 14,830.3377 -> $14,830.34.
    # 2005-06-30: 10,180 x 1.02^20 = 15,126.9445 -> $15,126.94.
    lp_march = liquidation_preference(TERMS, date(2005, 3, 31))
    lp_june = liquidation_preference(TERMS, date(2005, 6, 30))
    assert lp_march == 10180 * Fraction(102, 100) ** 19
    assert lp_june == 10180 * Fraction(102, 100) ** 20
    assert (money_display(lp_march), money_display(lp_june)) == ("$14,830.34", "$15,126.94")


def test_lp_unchanged_between_dividend_payment_dates():
    # Nothing is added on 2001-01-01 (holiday): the December amount is added on 2001-01-02.
    # LP after 2000-10-02 = 10,180 x 1.02 = 10,383.60.
    assert liquidation_preference(TERMS, date(2001, 1, 1)) == Fraction(1038360, 100)
    assert liquidation_preference(TERMS, date(2001, 1, 2)) == Fraction(1038360, 100) * Fraction(102, 100)


def test_lp_keeps_accreting_after_june_2005_when_no_cash_dividend():
    # A-no-cash-dividends: CoD 6(a)/11 add unpaid dividends to LP; 2005-09-30 adds 2% again.
    assert liquidation_preference(TERMS, date(2005, 9, 30)) == 10180 * Fraction(102, 100) ** 21


def test_accrued_dividends_zero_on_closing_and_on_dividend_payment_dates():
    for day in (CLOSING, date(2000, 6, 30), date(2001, 1, 2), date(2005, 6, 30)):
        assert accrued_dividends(TERMS, day) == 0


def test_accrued_dividends_actual_over_360_between_dates():
    # One day after closing: 10,000 x 8% x 1/360 = 20/9.
    assert accrued_dividends(TERMS, date(2000, 4, 11)) == Fraction(20, 9)
    # 2001-01-01: 91 days from 2000-10-02 on LP 10,383.60: 10,383.60 x 0.08 x 91/360 = 209.9817...
    assert accrued_dividends(TERMS, date(2001, 1, 1)) == Fraction(1038360, 100) * Fraction(8, 100) * 91 / 360


def test_lp_plus_accrued_at_fifth_anniversary():
    # 10 days from 2005-03-31: 14,830.3377 x 0.08 x 10/360 = 32.9563; total 14,863.2940 -> $14,863.29.
    lp_march = 10180 * Fraction(102, 100) ** 19
    total = liquidation_preference(TERMS, FIFTH_ANNIVERSARY) + accrued_dividends(TERMS, FIFTH_ANNIVERSARY)
    assert total == lp_march * (1 + Fraction(8, 100) * 10 / 360)
    assert money_display(total) == "$14,863.29"


# --- Conversion (CoD 12(a), 12(c)) ---------------------------------------------------------------


def test_liberty_conversion_at_closing():
    # 50,000 x 10,000 / 28 = 500,000,000 / 28 = 17,857,142.857 -> 17,857,142.86 -> 17,857,143.
    assert conversion_shares_exact(TERMS, 50_000, CLOSING) == Fraction(125_000_000, 7)
    assert conversion_shares(TERMS, 50_000, CLOSING) == 17_857_143


def test_small_holder_conversions_at_closing():
    # 74 x 10,000/28 = 26,428.571 -> 26,428.57 -> 26,429 (fraction .57 >= .5 rounds up).
    # 154 x 10,000/28 = 55,000 exactly.  2,000 x 10,000/28 = 714,285.714 -> 714,285.71 -> 714,286.
    assert conversion_shares(TERMS, 74, CLOSING) == 26_429
    assert conversion_shares(TERMS, 154, CLOSING) == 55_000
    assert conversion_shares(TERMS, 2_000, CLOSING) == 714_286


@pytest.mark.parametrize(
    "conversion_price, expected",
    [
        ("4000", 3),  # 10,000/4,000 = 2.5 exactly: "equal to or greater than 0.5" -> up
        ("4008", 3),  # 10,000/4,008 = 2.49501 -> 2.50 at 1/100 of a share -> up
        ("4009", 2),  # 10,000/4,009 = 2.49439 -> 2.49 at 1/100 of a share -> down
        ("4016", 2),  # 10,000/4,016 = 2.49004 -> 2.49 -> down
    ],
)
def test_conversion_rounding_either_side_of_one_half(conversion_price, expected):
    terms = dataclasses.replace(TERMS, conversion_price=Decimal(conversion_price))
    assert conversion_shares(terms, 1, CLOSING) == expected


def test_round_conversion_hundredths_first():
    # 12(a) then 12(c): 2.495 -> 2.50 -> 3; 2.4949 -> 2.49 -> 2; 7.5 -> 8; 7.49 -> 7.
    assert calc._round_conversion(Fraction(2495, 1000)) == 3
    assert calc._round_conversion(Fraction(24949, 10000)) == 2
    assert calc._round_conversion(Fraction(15, 2)) == 8
    assert calc._round_conversion(Fraction(749, 100)) == 7


def test_no_conversion_before_closing_or_of_nothing():
    assert conversion_shares(TERMS, 50_000, date(2000, 4, 9)) == 0
    assert conversion_shares(TERMS, 0, FIFTH_ANNIVERSARY) == 0


def test_all_series_a_converted_at_fifth_anniversary():
    # 75,000 x 14,863.2940 / 28 = 39,812,394.756 -> 39,812,394.76 -> 39,812,395.
    assert conversion_shares(TERMS, 75_000, FIFTH_ANNIVERSARY) == 39_812_395


# --- Warrants and the Special Dividend -----------------------------------------------------------


def test_warrants_count_through_expiry_day_only():
    # WAR 10: void at 5:00 p.m. on 2005-04-10, so that day counts and the next does not.
    assert warrant_shares_exercisable(TERMS, 6_666_667, date(2005, 4, 10)) == 6_666_667
    assert warrant_shares_exercisable(TERMS, 6_666_667, date(2005, 4, 11)) == 0
    # WAR 2(d): exercisable "from the date hereof" (2000-04-10).
    assert warrant_shares_exercisable(TERMS, 6_666_667, date(2000, 4, 9)) == 0


def special_dividend_reference() -> Decimal:
    """The compounding measure with the rulebook's special dividend parameters (parameters.yaml)."""
    return compounded(None, Decimal("10000"), Decimal("0.02"), 20)


def test_special_dividend_reference():
    # 10,000 x 1.02^20 = 10,000 x 1.485947396 = 14,859.47396 -> 14,859.47 (CoD 17).
    assert special_dividend_reference() == Decimal("14859.47")
    assert money_display(special_dividend_reference()) == "$14,859.47"
    # It lies between the actual LP at 2005-03-31 (14,830.34) and at 2005-06-30 (15,126.94).
    assert (
        liquidation_preference(TERMS, date(2005, 3, 31))
        < special_dividend_reference()
        < liquidation_preference(TERMS, date(2005, 6, 30))
    )


# --- Ownership: 13D, standstill, voting power ----------------------------------------------------


def test_13d_beneficial_ownership_of_liberty():
    # 13D Item 5(a): 17,857,143 + 6,666,667 = 24,523,810;
    # 48,582,035 + 24,523,810 = 73,105,845; 24,523,810 / 73,105,845 = 33.5456% -> 33.55.
    ownership = beneficial_ownership(TERMS, schedule_i_cap_table(), "liberty", CLOSING)
    assert (ownership.shares, ownership.denominator) == (24_523_810, 73_105_845)
    assert pct_display(ownership.pct) == "33.55"
    assert shares_display(ownership.shares) == "24,523,810"


def test_beneficial_ownership_rounds_per_record_holder():
    # HMTF conversions per holder: 4,107,143 + 3,737,143 + 26,429 + 198,929 + 89,643 + 55,000
    # = 8,214,287 (one share more than 23,000 x 10,000/28 = 8,214,285.71 -> 8,214,286 together).
    # Plus Warrants 3,066,667 = 11,280,954; denominator 48,582,035 + 11,280,954 = 59,862,989.
    ownership = beneficial_ownership(TERMS, schedule_i_cap_table(), "hmtf", CLOSING)
    assert (ownership.shares, ownership.denominator) == (11_280_954, 59_862_989)


def test_beneficial_ownership_drops_expired_warrants():
    # 2005-04-11: LP + accrued = 14,830.3377 + 36.2519 (11 days) = 14,866.5897;
    # 50,000 x 14,866.5897 / 28 = 26,547,481.56 -> 26,547,482; Warrants void.
    ownership = beneficial_ownership(TERMS, schedule_i_cap_table(), "liberty", date(2005, 4, 11))
    assert ownership.shares == conversion_shares(TERMS, 50_000, date(2005, 4, 11)) == 26_547_482
    assert ownership.denominator == 48_582_035 + 26_547_482


def test_standstill_basis_liberty_at_closing():
    # Numerator: 50,000 x 14,863.2940/28 = 26,541,596.50 -> 26,541,597; + 6,666,667 = 33,208,264.
    # Denominator: 48,582,035 + 39,812,395 (all 75,000 at the fifth anniversary) + 6,666,667
    # = 95,061,097.  33,208,264 / 95,061,097 = 34.934% -> 34.93.
    ownership = standstill_basis(TERMS, schedule_i_cap_table(), "liberty", CLOSING, 75_000)
    assert (ownership.shares, ownership.denominator) == (33_208_264, 95_061_097)
    assert pct_display(ownership.pct) == "34.93"


def test_standstill_basis_hmtf_at_closing():
    # Per holder at the fifth anniversary: 6,104,567 + 5,554,625 + 39,282 + 295,673 + 133,239
    # + 81,748 = 12,209,134; + 3,066,667 Warrants = 15,275,801.
    # Denominator 48,582,035 + 39,812,395 + 3,066,667 = 91,461,097; 16.702% -> 16.70.
    ownership = standstill_basis(TERMS, schedule_i_cap_table(), "hmtf", CLOSING, 75_000)
    assert (ownership.shares, ownership.denominator) == (15_275_801, 91_461_097)
    assert pct_display(ownership.pct) == "16.70"


def test_standstill_basis_gleacher_at_closing():
    # 2,000 x 14,863.2940/28 = 1,061,663.86 -> 1,061,664; + 266,666 = 1,328,330.
    # Denominator 48,582,035 + 39,812,395 + 266,666 = 88,661,096; 1.498% -> 1.50.
    ownership = standstill_basis(TERMS, schedule_i_cap_table(), "gleacher", CLOSING, 75_000)
    assert (ownership.shares, ownership.denominator) == (1_328_330, 88_661_096)
    assert pct_display(ownership.pct) == "1.50"


def test_standstill_basis_without_warrants_after_expiry():
    # On 2005-04-11 the Warrants are void: 26,541,597 / (48,582,035 + 39,812,395) = 26,541,597 / 88,394,430.
    ownership = standstill_basis(TERMS, schedule_i_cap_table(), "liberty", date(2005, 4, 11), 75_000)
    assert (ownership.shares, ownership.denominator) == (26_541_597, 88_394_430)


def test_voting_power_of_liberty_at_closing():
    # Votes per record holder: Liberty 17,857,143; HMTF 8,214,287; Gleacher 714,286 = 26,785,716.
    # 17,857,143 / (48,582,035 + 26,785,716 = 75,367,751) = 23.693% -> 23.69. Warrants carry no vote.
    ownership = voting_power(TERMS, schedule_i_cap_table(), "liberty", CLOSING)
    assert (ownership.shares, ownership.denominator) == (17_857_143, 75_367_751)
    assert pct_display(ownership.pct) == "23.69"


def test_voting_power_of_all_series_a_holders_adds_up():
    # 17,857,143 + 8,214,287 + 714,286 = 26,785,716 of the 75,367,751 votes.
    cap = schedule_i_cap_table()
    total = sum(voting_power(TERMS, cap, group, CLOSING).shares for group in ("liberty", "hmtf", "gleacher"))
    assert total == 26_785_716


def test_group_holdings():
    names = [h.name for h in group_holdings(schedule_i_cap_table(), "hmtf")]
    assert names[0] == "HMTF Bridge ICG, LLC" and len(names) == 6
    assert group_holdings(schedule_i_cap_table(), "none") == ()


def test_ownership_pct_exact_and_zero_denominator():
    assert Ownership(1, 3).pct == Fraction(100, 3)
    with pytest.raises(ValueError):
        Ownership(0, 0).pct


# --- Display ---------------------------------------------------------------------------------


def test_pct_display_rounds_half_up():
    # 0.125 -> "0.13" (half up, not half even); 100/3 -> "33.3333" at four places.
    assert pct_display(Fraction(1, 8)) == "0.13"
    assert pct_display(Fraction(100, 3), 4) == "33.3333"
    assert pct_display(Fraction(37)) == "37.00"


@pytest.mark.parametrize("value, thresholds, shown", [
    # 15,000,000 / 150,000,001 = 9.99999993...%: "10.0000" would sit on the 10% line.
    (Fraction(100 * 15_000_000, 150_000_001), (10,), "9.9999999"),
    (Fraction(10), (10,), "10.0000"),  # exactly at the threshold: four places say so
    (Fraction(37_000_001, 1_000_000), (Decimal("25.1"), 37), "37.000001"),
    (Fraction(36_999_999, 1_000_000), (37,), "36.999999"),
    (Fraction(1, 3) + 19, (Decimal("19.9"),), "19.3333"),  # far from it: four places
    (Fraction(17_500_001, 1_000_000), (), "17.5000"),  # compared with nothing: four places
    # Within 10**-10 of the line: ten places is as far as it goes.
    (Fraction(10) - Fraction(1, 10**12), (10,), "10.0000000000"),
])
def test_pct_display_against_shows_the_side_of_each_threshold(value, thresholds, shown):
    assert calc.pct_display_against(value, thresholds) == shown


def test_money_and_shares_display():
    # 1,234,567.895 -> $1,234,567.90 (half up); -29.125 -> -$29.13.
    assert money_display(Fraction(1_234_567_895, 1000)) == "$1,234,567.90"
    assert money_display(Decimal("-29.125")) == "-$29.13"
    assert money_display(0) == "$0.00"
    assert shares_display(39_812_395) == "39,812,395"


# --- business days under a named calendar ---------------------------------------------------------


@pytest.mark.parametrize("start, days, calendar, expected", [
    (date(2023, 2, 1), 5, "new_york_banks", date(2023, 2, 8)),       # Wednesday: Thu, Fri, Mon, Tue, Wed
    (date(2023, 9, 1), 5, "new_york_banks", date(2023, 9, 11)),      # Labor Day (Sept 4) is not counted
    (date(2023, 9, 1), 5, "weekdays", date(2023, 9, 8)),             # ... unless holidays are not excluded
    (date(2023, 11, 22), 1, "new_york_banks", date(2023, 11, 24)),   # Thanksgiving (Nov 23) skipped
    (date(2023, 11, 22), 1, "new_york_banks_and_day_after_thanksgiving", date(2023, 11, 27)),
    (date(2023, 2, 1), 0, "new_york_banks", date(2023, 2, 1)),
])
def test_business_days_after_counts_from_the_next_day_under_the_named_calendar(start, days, calendar, expected):
    assert calc.business_days_after(start, days, calendar) == expected
