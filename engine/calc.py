"""Exact arithmetic, one function per defined term of the documents."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from .model import CapTable, Holding

Number = int | Fraction | Decimal


@dataclass(frozen=True)
class Terms:
    """The deal's stated numbers that the arithmetic needs (built from the rulebook's parameters)."""

    closing_date: date | None
    initial_liquidation_preference: Decimal | None
    dividend_rate: Decimal | None  # per year
    first_dividend_payment_date: date | None
    last_accretion_date: date | None  # the last payment date on which dividends accrete by the terms
    conversion_price: Decimal | None
    warrant_expiry: date | None
    standstill_conversion_date: date | None  # the deemed-conversion date of an ownership-cap basis


# --- Rounding helpers ------------------------------------------------------------------------


def _round_half_up(value: Number, places: int) -> Decimal:
    """Round exactly to `places` decimals, halves away from zero (Decimal's ROUND_HALF_UP), the
    rounding CoD 12(c) states for shares and the display convention for money and percentages."""
    exact = value if isinstance(value, Fraction) else Fraction(value)
    numerator, denominator = exact.numerator, exact.denominator  # in integers: the same value, faster
    whole, rest = divmod(abs(numerator) * 10**places, denominator)
    if 2 * rest >= denominator:
        whole += 1
    sign = 1 if numerator < 0 and whole else 0
    # Built from a digit tuple so that no Decimal context precision can round it again.
    return Decimal((sign, tuple(map(int, str(whole))), -places))


def _round_conversion(exact: Fraction) -> int:
    """CoD 12(a) and 12(c): to the nearest 1/100 of a share, then the fraction half up to a whole share."""
    # 12(a): "calculated as to each conversion to the nearest 1/100 of a share"
    hundredths = Fraction(_round_half_up(exact, 2))
    # 12(c): "round down [...] if such fraction is an amount less than 0.5 and round up [...]
    # if such fraction is an amount equal to or greater than 0.5"
    return int(_round_half_up(hundredths, 0))


# --- Dates -----------------------------------------------------------------------------------


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (Monday = 0) of a month, n = -1 for the last: the Monday holidays of
    5 U.S.C. 6103 that close the banks under CoD 17 "Business Day"."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


@lru_cache(maxsize=4096)  # pure function of hashable inputs; ownership tests call it per holder
def _bank_holidays(year: int) -> set[date]:
    """Days the Federal Reserve Banks (and so New York banks) close in `year`.

    A holiday falling on a Sunday is observed on the Monday; one falling on a Saturday is not
    moved to the Friday (the Federal Reserve stays open that Friday).
    """
    fixed = [date(year, 1, 1), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    if year >= 2021:
        fixed.append(date(year, 6, 19))  # Juneteenth National Independence Day
    holidays = {d + timedelta(days=1) if d.weekday() == 6 else d for d in fixed}
    if year >= 1986:
        holidays.add(_nth_weekday(year, 1, 0, 3))  # Birthday of Martin Luther King, Jr.
    holidays.add(_nth_weekday(year, 2, 0, 3))  # Washington's Birthday
    holidays.add(_nth_weekday(year, 5, 0, -1))  # Memorial Day
    holidays.add(_nth_weekday(year, 9, 0, 1))  # Labor Day
    holidays.add(_nth_weekday(year, 10, 0, 2))  # Columbus Day
    holidays.add(_nth_weekday(year, 11, 3, 4))  # Thanksgiving Day
    return holidays


def is_business_day(d: date) -> bool:
    """CoD 17 "Business Day": a Monday to Friday on which New York City banks are not
    "authorized or obligated by law or executive order to be closed" (Federal Reserve holidays)."""
    # The PA's own definition also excludes the day after Thanksgiving (INC-business-day); the
    # CoD's governs the Dividend Payment Dates, so it is the one used here.
    return d.weekday() < 5 and d not in _bank_holidays(d.year)


def _day_after_thanksgiving(d: date) -> bool:
    return d == _nth_weekday(d.year, 11, 3, 4) + timedelta(days=1)


# Named business-day calendars a rulebook may cite: which weekdays count as business days.
CALENDARS = {
    # Banks in New York City not authorized or required by law to close (Federal Reserve holidays).
    "new_york_banks": is_business_day,
    # The same, and not the day after Thanksgiving (a definition some agreements add).
    "new_york_banks_and_day_after_thanksgiving": lambda d: is_business_day(d) and not _day_after_thanksgiving(d),
    # Monday to Friday, whatever the holidays.
    "weekdays": lambda d: d.weekday() < 5,
}


def business_days_after(start: date, days: int, calendar: str = "new_york_banks") -> date:
    """The `days`-th business day after `start` under a named calendar ("within five Business Days
    thereafter": the day after `start` is the first counted)."""
    counts = CALENDARS[calendar]
    d = start
    for _ in range(days):
        d += timedelta(days=1)
        while not counts(d):
            d += timedelta(days=1)
    return d


def anniversary(d: date, years: int) -> date:
    """The `years`-th anniversary of `d` (a date expression `closing_date + 5y`); Feb 29 -> Feb 28."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # February 29 in a year that has none
        return d.replace(year=d.year + years, day=28)


def _next_business_day(d: date) -> date:
    """CoD 17 "Dividend Payment Date": "the next succeeding Business Day" on or after `d`."""
    while not is_business_day(d):
        d += timedelta(days=1)
    return d


def _quarter_end(year: int, month: int) -> date:
    """CoD 17 "Dividend Payment Date": "the last day of" the month, before any Business Day roll."""
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


@lru_cache(maxsize=4096)  # pure function of hashable inputs; ownership tests call it per holder
def dividend_payment_dates(terms: Terms, through: date) -> list[date]:
    """CoD 17 "Dividend Payment Date": the last day of March, June, September and December,
    commencing June 30, 2000, "or the next succeeding Business Day if any such day is not a
    Business Day". Returns every Dividend Payment Date on or before `through`, in order."""
    first = terms.first_dividend_payment_date
    year, month = first.year, first.month
    dates: list[date] = []
    while (scheduled := _quarter_end(year, month)) <= through:
        paid = _next_business_day(scheduled)
        if paid <= through:
            dates.append(paid)
        year, month = (year + 1, month - 9) if month > 9 else (year, month + 3)
    return dates


# --- Liquidation Preference and dividends ----------------------------------------------------


@lru_cache(maxsize=4096)  # pure function of hashable inputs; ownership tests call it per holder
def liquidation_preference(terms: Terms, on: date) -> Fraction:
    """CoD 6(a) and CoD 17 "Liquidation Preference": $10,000 plus every Accumulated Dividend
    added on a Dividend Payment Date on or before `on` (accrued dividends not yet added are
    excluded; see `accrued_dividends`).

    The first Dividend Payment Date adds LP x rate x actual days from the Closing Date / 360
    (6(a)(i): 81 days, 1.8%, so $10,180.00); each later one adds LP x rate x 90/360 (6(a)(ii),
    30/360: 2% a quarter), also when the date has rolled to a later Business Day. 6(a) adds
    dividends to the LP "to and including the June 30, 2005 Dividend Payment Date"
    (terms.last_accretion_date); after it, dividends "not paid in full in cash" are also added
    (CoD 6(a), CoD 11 "Accumulated Dividends"), and none is assumed paid in cash
    (assumption A-no-cash-dividends), so the 2% a quarter continues. Nothing is rounded
    between periods (assumption A-lp-unrounded).
    """
    payments = dividend_payment_dates(terms, on)
    if not payments:
        return Fraction(terms.initial_liquidation_preference)
    # Only the payment dates on or before `on` count: the value is the one on the last of them.
    return _preference_on_payment_date(terms, payments[-1])


@lru_cache(maxsize=4096)  # pure function of hashable inputs; one entry per Dividend Payment Date
def _preference_on_payment_date(terms: Terms, on: date) -> Fraction:
    """liquidation_preference on a Dividend Payment Date, worked out as that function states it."""
    rate = Fraction(terms.dividend_rate)
    lp = Fraction(terms.initial_liquidation_preference)
    for index, payment_date in enumerate(dividend_payment_dates(terms, on)):
        if index == 0:
            # 6(a)(i): "actual number of days elapsed from and including the Closing Date"
            days = (payment_date - terms.closing_date).days
        else:
            # 6(a)(ii): "a 360-day year of twelve 30-day months": a Dividend Period is 90 days
            days = 90
        lp += lp * rate * days / 360
    return lp


@lru_cache(maxsize=4096)  # pure function of hashable inputs; ownership tests call it per holder
def accrued_dividends(terms: Terms, on: date) -> Fraction:
    """CoD 6(a)(i): dividends accrued and unpaid at `on`, not yet added to the Liquidation
    Preference: LP x rate x actual days / 360 from and including the Closing Date or the last
    preceding Dividend Payment Date; zero on a Dividend Payment Date (just added to the LP)."""
    if on <= terms.closing_date:
        return Fraction(0)
    payment_dates = dividend_payment_dates(terms, on)
    start = payment_dates[-1] if payment_dates else terms.closing_date
    days = (on - start).days
    return liquidation_preference(terms, on) * Fraction(terms.dividend_rate) * days / 360


# --- Conversion and exercise -----------------------------------------------------------------


def conversion_shares_exact(terms: Terms, preferred_shares: int, on: date) -> Fraction:
    """CoD 12(a): Common issuable on converting `preferred_shares` together on `on`, before any
    rounding: shares x (Liquidation Preference + accrued and unpaid dividends) / Conversion Price."""
    if preferred_shares == 0 or on < terms.closing_date:
        return Fraction(0)
    per_share = liquidation_preference(terms, on) + accrued_dividends(terms, on)
    return preferred_shares * per_share / Fraction(terms.conversion_price)


@lru_cache(maxsize=1 << 14)  # pure function of hashable inputs; every ownership measure converts per holder
def conversion_shares(terms: Terms, preferred_shares: int, on: date) -> int:
    """CoD 12(a) and 12(c): whole shares of Common issued when one holder surrenders
    `preferred_shares` at one time: the aggregate to the nearest 1/100 of a share, then the
    fraction rounded down below 0.5 and up at 0.5 or more."""
    # 12(c): "computed on the basis of the aggregate number of shares [...] so surrendered"
    if preferred_shares == 0 or on < terms.closing_date:
        return 0
    rate = _common_per_preferred_share(terms, on)
    # _round_conversion of shares x rate, in integers: to the nearest 1/100, then half up to a whole share.
    numerator, denominator = preferred_shares * rate.numerator, rate.denominator
    hundredths, rest = divmod(100 * numerator, denominator)
    if 2 * rest >= denominator:
        hundredths += 1
    whole, fraction = divmod(hundredths, 100)
    return whole + 1 if fraction >= 50 else whole


@lru_cache(maxsize=4096)  # pure function of hashable inputs
def _common_per_preferred_share(terms: Terms, on: date) -> Fraction:
    """CoD 12(a) for one share: (Liquidation Preference + accrued and unpaid dividends) / Conversion Price."""
    return conversion_shares_exact(terms, 1, on)


def warrant_shares_exercisable(terms: Terms, warrant_shares: int, on: date) -> int:
    """WAR 2(d) and 10: Warrant shares purchasable on `on`. The Warrant "is exercisable at any
    time [...] from the date hereof" (the Closing Date) until it expires "at 5:00 p.m., New York
    City time on April 10, 2005", so the expiry date itself still counts."""
    if terms.closing_date <= on <= terms.warrant_expiry:
        return warrant_shares
    return 0


def net_issue_shares(warrant_shares: int, fair_market_value: Fraction, exercise_price: Fraction) -> int:
    """WAR 2(c) and 3: Common issued on a net issue exercise, X = Y(A - B) / A, the fraction
    rounded down below 0.5 and up at 0.5 or more; only when A exceeds B."""
    if fair_market_value <= exercise_price:
        raise ValueError("a net issue exercise needs a fair market value above the Exercise Price")
    exact = warrant_shares * (Fraction(fair_market_value) - Fraction(exercise_price)) / Fraction(fair_market_value)
    return int(_round_half_up(exact, 0))


# --- Ownership ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ownership:
    """A group's shares over the Common counted as outstanding for one test."""

    shares: int
    denominator: int

    @property
    def pct(self) -> Fraction:
        """The ownership in percent (e.g. 33.5456...), exact."""
        if self.denominator == 0:
            raise ValueError("ownership percentage undefined: the denominator is 0 shares")
        return Fraction(100 * self.shares, self.denominator)


def group_holdings(cap: CapTable, group: str) -> tuple[Holding, ...]:
    """The record holders of `group` (a group of parameters.yaml, as the agreement defines it)."""
    return cap.group(group)


def _preferred(holding: Holding) -> int:
    """A holder's convertible preferred of every series, surrendered together in one conversion."""
    return sum(holding.preferred.values())


def beneficial_ownership(terms: Terms, cap: CapTable, group: str, on: date) -> Ownership:
    """Rule 13d-3(d)(1)(i), as in a Schedule 13D Item 5(a): the group's Common plus the Common it
    could acquire on `on` by converting its preferred (one conversion per record holder) and
    exercising its warrants, over the outstanding Common plus those same shares only.

    A direct reading over a whole cap table, kept as the reference the engine's one-pass
    measure (engine/measures.py beneficial_ownership) must agree with."""
    rights = sum(
        conversion_shares(terms, _preferred(h), on) + warrant_shares_exercisable(terms, h.warrants, on)
        for h in group_holdings(cap, group)
    )
    common = sum(h.common for h in group_holdings(cap, group))
    # 13d-3(d)(1)(i): other holders' rights are not deemed outstanding.
    return Ownership(common + rights, cap.common_outstanding + rights)


def standstill_basis(
    terms: Terms, cap: CapTable, group: str, on: date, issued_at_closing: int
) -> Ownership:
    """An ownership-cap basis with a deemed-conversion date (terms.standstill_conversion_date):
    the group's Common plus the Common it would have the right to acquire on or before that date
    on conversion or exercise, over the outstanding Common plus the Common issuable on a deemed
    conversion, on that date, of all the preferred issued at the closing, plus the group's own
    warrant shares (otherwise as Rule 13d-3(d)(1)(i)).

    Each holder's preferred converts on the date (one conversion per holder); the denominator
    adds one deemed conversion of all the preferred issued at closing and not yet converted,
    whoever holds it now. A direct reading over a whole cap table, kept as the reference the
    engine's one-pass measure (engine/measures.py cap_basis) must agree with.
    """
    conversion_date = terms.standstill_conversion_date
    # Warrants count if exercisable at some time from `on` to the deemed-conversion date.
    warrants_count = on <= min(terms.warrant_expiry, conversion_date)
    holdings = group_holdings(cap, group)
    warrant_shares = sum(h.warrants for h in holdings) if warrants_count else 0
    numerator = (
        sum(h.common for h in holdings)
        + sum(conversion_shares(terms, _preferred(h), conversion_date) for h in holdings)
        + warrant_shares
    )
    # Shares already converted are Common in cap.common_outstanding: only the rest is deemed
    # converted, so conversion Common is counted once.
    unconverted = max(0, issued_at_closing - sum(cap.converted.values()))
    deemed_conversion = conversion_shares(terms, unconverted, conversion_date)
    return Ownership(numerator, cap.common_outstanding + deemed_conversion + warrant_shares)


def voting_power(terms: Terms, cap: CapTable, group: str, on: date) -> Ownership:
    """Voting power with the preferred voting with the Common as converted: the group's Common plus
    its holders' conversion shares on `on`, over all Common plus every holder's conversion shares.
    Warrants carry no vote. The reference for engine/measures.py voting_power."""
    votes = sum(h.common + conversion_shares(terms, _preferred(h), on) for h in group_holdings(cap, group))
    # Shares the Company or a subsidiary holds are not outstanding and do not vote.
    all_preferred_votes = sum(conversion_shares(terms, _preferred(h), on) for h in cap.holders if h.group != "company")
    return Ownership(votes, cap.common_outstanding + all_preferred_votes)


# --- Display -------------------------------------------------------------------------------------


def pct_display(value: Fraction, places: int = 2) -> str:
    """A percentage rounded half up for display, e.g. "33.55" (the 13D's "approximately 33.55%")."""
    return str(_round_half_up(value, places))


def pct_display_against(value: Number, thresholds: tuple = (), places: int = 4, most: int = 10) -> str:
    """A percentage rounded half up to `places`, or to as many more places (up to `most`) as it
    takes for the figure shown to sit on the same side of each threshold it is compared with as
    the exact value: 15,000,000 / 150,000,001 shows "9.99999933", not "10.0000", beside "less
    than 10%"; a value exactly at a threshold shows at `places`."""
    exact = value if type(value) is Fraction else Fraction(value)
    # In integers: the value n/d, each threshold tn/td, the figure shown `whole` / 10**places
    # (rounded as _round_half_up rounds it); a side is the sign of a difference.
    n, d = exact.numerator, exact.denominator
    bounds = [t if type(t) is Fraction else Fraction(t) for t in thresholds]
    sides = [(n * t.denominator > t.numerator * d) - (n * t.denominator < t.numerator * d) for t in bounds]
    for shown_places in range(places, most + 1):
        scale = 10**shown_places
        whole, rest = divmod(abs(n) * scale, d)
        if 2 * rest >= d:
            whole += 1
        shown = -whole if n < 0 else whole
        for t, side in zip(bounds, sides):
            left, right = shown * t.denominator, t.numerator * scale
            if (left > right) - (left < right) != side:
                break
        else:
            return str(_round_half_up(exact, shown_places))
    return str(_round_half_up(exact, most))


def money_display(value: Number) -> str:
    """Dollars rounded half up to cents with thousands separators, e.g. "$14,859.47"."""
    cents = _round_half_up(value, 2)
    return f"-${-cents:,.2f}" if cents < 0 else f"${cents:,.2f}"


def shares_display(n: int) -> str:
    """A share count with thousands separators, e.g. "24,523,810"."""
    return f"{n:,}"
