"""Exact arithmetic, one function per defined term of the documents."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from .model import CapTable, Holding

Number = int | Fraction | Decimal


# The conventions a rulebook may declare in parameters.yaml for its preferred's accretion and
# conversion (each is a parameter with its own citation; engine/rulebook.py checks the words).
DAY_COUNTS = (
    # Actual days over 360 for the first period and for any part of a period; a full period
    # between payment dates counts as twelve 30-day months would (30 days a month).
    "actual_360_then_30_360",
    "actual_360",  # actual days over 360 throughout
    "actual_365",  # actual days over 365 throughout
    "thirty_360",  # 30/360 throughout: full periods 30 days a month, parts by the 30/360 day count
)
PAYMENT_ROLLS = (
    "next_business_day",  # a payment date that is not a business day moves to the next that is
    "preceding_business_day",  # ... to the last business day before it
    "none",  # payment dates stay where the schedule puts them
)
ROUNDINGS = (
    "hundredths_then_half_up",  # to the nearest 1/100 of a share, then a fraction of 0.5 or more up
    "half_up",  # to the nearest whole share, a half up
    "down",  # fractions dropped
)


@dataclass(frozen=True)
class TermChange:
    """A change to the preferred's terms from a date, recorded by an event of the record (a
    rulebook's `term_events`): a new dividend rate from `on`, and/or the liquidation preference of
    each share brought to `preference` on `on` (raised only, when `only_raise`)."""

    on: date
    dividend_rate: Fraction | None = None
    preference: Fraction | None = None
    only_raise: bool = False
    event: str = ""  # the term event that made it, for reports


@dataclass(frozen=True)
class Terms:
    """The deal's stated numbers and conventions that the arithmetic needs, built from the
    rulebook's parameters (engine/rulebook.py `Rulebook.terms`); None where the rulebook states none."""

    closing_date: date | None
    initial_liquidation_preference: Decimal | None
    dividend_rate: Decimal | None  # per year
    first_dividend_payment_date: date | None
    last_accretion_date: date | None  # the last payment date on which dividends accrete by the terms
    conversion_price: Decimal | None
    warrant_expiry: date | None
    standstill_conversion_date: date | None  # the deemed-conversion date of an ownership-cap basis
    dividend_payment_interval_months: int | None = None  # months from one payment date to the next
    dividend_payment_day: int | str | None = None  # the day of the month, or "last"
    dividend_payment_roll: str | None = None  # one of PAYMENT_ROLLS
    business_day_calendar: str | None = None  # one of CALENDARS: the calendar the roll uses
    day_count: str | None = None  # one of DAY_COUNTS
    conversion_rounding: str | None = None  # one of ROUNDINGS: Common issued on one conversion
    exercise_rounding: str | None = None  # one of ROUNDINGS: Common issued on a net issue exercise
    changes: tuple[TermChange, ...] = ()  # changes the record has made to these terms, by date


# --- Rounding helpers ------------------------------------------------------------------------


def _round_half_up(value: Number, places: int) -> Decimal:
    """Round exactly to `places` decimals, halves away from zero (Decimal's ROUND_HALF_UP), the
    display convention for money and percentages and the rounding of `half_up` shares."""
    exact = value if isinstance(value, Fraction) else Fraction(value)
    numerator, denominator = exact.numerator, exact.denominator  # in integers: the same value, faster
    whole, rest = divmod(abs(numerator) * 10**places, denominator)
    if 2 * rest >= denominator:
        whole += 1
    sign = 1 if numerator < 0 and whole else 0
    # Built from a digit tuple so that no Decimal context precision can round it again.
    return Decimal((sign, tuple(map(int, str(whole))), -places))


def _round_conversion(exact: Fraction) -> int:
    """`hundredths_then_half_up`: to the nearest 1/100 of a share, then the fraction of a share
    rounded down below 0.5 and up at 0.5 or more."""
    hundredths = Fraction(_round_half_up(exact, 2))
    return int(_round_half_up(hundredths, 0))


def round_shares(exact: Fraction, rounding: str) -> int:
    """Whole shares from an exact amount under a stated rounding (one of ROUNDINGS)."""
    if rounding == "down":
        return exact.numerator // exact.denominator
    if rounding == "half_up":
        return int(_round_half_up(exact, 0))
    if rounding == "hundredths_then_half_up":
        return _round_conversion(exact)
    raise ValueError(f"no rounding {rounding!r}: expected one of {', '.join(ROUNDINGS)}")


# --- Dates -----------------------------------------------------------------------------------


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (Monday = 0) of a month, n = -1 for the last: the Monday holidays of
    5 U.S.C. 6103 that close the banks."""
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
    """The `new_york_banks` calendar: a Monday to Friday on which banks in New York City are not
    "authorized or obligated by law or executive order to be closed" (Federal Reserve holidays)."""
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


def business_days_after(start: date, days: int, calendar: str) -> date:
    """The `days`-th business day after `start` under a named calendar ("within five Business Days
    thereafter": the day after `start` is the first counted); a negative `days` counts back ("the
    Business Day next preceding": -1)."""
    counts = CALENDARS[calendar]
    step = timedelta(days=1 if days >= 0 else -1)
    d = start
    for _ in range(abs(days)):
        d += step
        while not counts(d):
            d += step
    return d


def anniversary(d: date, years: int) -> date:
    """The `years`-th anniversary of `d` (a date expression `closing_date + 5y`); Feb 29 -> Feb 28."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # February 29 in a year that has none
        return d.replace(year=d.year + years, day=28)


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def scheduled_payment_date(year: int, month: int, day: int | str) -> date:
    """A payment date of a schedule before any business-day roll: the `day` of the month, or its
    last day for "last" (a day past the month's end falls on its last day)."""
    last = _month_end(year, month)
    return last if day == "last" else last.replace(day=min(int(day), last.day))


def _rolled(terms: Terms, scheduled: date) -> date:
    """A scheduled payment date moved under the terms' roll to a business day of their calendar."""
    if terms.dividend_payment_roll == "none":
        return scheduled
    counts = CALENDARS[terms.business_day_calendar]
    step = timedelta(days=-1 if terms.dividend_payment_roll == "preceding_business_day" else 1)
    while not counts(scheduled):
        scheduled += step
    return scheduled


# A roll never moves a payment date further than this (a weekend and a run of holidays).
_MOST_ROLL = timedelta(days=10)


@lru_cache(maxsize=4096)  # pure function of hashable inputs; ownership tests call it per holder
def dividend_payment_dates(terms: Terms, through: date) -> list[date]:
    """Every payment date on or before `through`, in order, as paid: the schedule from
    terms.first_dividend_payment_date every terms.dividend_payment_interval_months months on
    terms.dividend_payment_day, each rolled under terms.dividend_payment_roll."""
    first = terms.first_dividend_payment_date
    step = terms.dividend_payment_interval_months
    year, month = first.year, first.month
    dates: list[date] = []
    while (scheduled := scheduled_payment_date(year, month, terms.dividend_payment_day)) <= through + _MOST_ROLL:
        paid = _rolled(terms, scheduled)
        if paid <= through:
            dates.append(paid)
        year, month = year + (month - 1 + step) // 12, (month - 1 + step) % 12 + 1
    return dates


# --- Liquidation Preference and dividends ----------------------------------------------------


def _days_30_360(start: date, end: date) -> int:
    """Days from `start` to `end` counted as twelve 30-day months (30/360, the U.S. bond rule: a
    31st is the 30th, and an end on the 31st is the 30th when the start is the 30th or 31st)."""
    d1 = min(start.day, 30)
    d2 = min(end.day, 30) if d1 == 30 else end.day
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + d2 - d1


def _part_of_year(terms: Terms, start: date, end: date) -> Fraction:
    """The year fraction of a part of a period, from `start` (the closing date or the last payment
    date) to `end`, under the terms' day count."""
    if terms.day_count == "thirty_360":
        return Fraction(_days_30_360(start, end), 360)
    return Fraction((end - start).days, 365 if terms.day_count == "actual_365" else 360)


def _period_of_year(terms: Terms, start: date, end: date) -> Fraction:
    """The year fraction of a whole period between two payment dates under the terms' day count:
    30 days a month for the 30/360 counts, actual days otherwise."""
    if terms.day_count in ("actual_360_then_30_360", "thirty_360"):
        return Fraction(30 * terms.dividend_payment_interval_months, 360)
    return _part_of_year(terms, start, end)


@lru_cache(maxsize=4096)  # pure function of hashable inputs; ownership tests call it per holder
def liquidation_preference(terms: Terms, on: date) -> Fraction:
    """The initial liquidation preference plus every dividend added to it on a payment date on or
    before `on` (dividends accrued since the last payment date are not yet added; see
    `accrued_dividends`). The first payment date adds the preference x rate x the part of a year
    from the closing date; each later one adds the preference x rate x a whole period, both under
    terms.day_count. Nothing is rounded between periods; a rulebook states its readings of this
    (which periods accrete, whether anything is paid in cash) as assumptions.
    """
    if terms.changes:
        return _path(terms, on)[0]
    payments = dividend_payment_dates(terms, on)
    if not payments:
        return Fraction(terms.initial_liquidation_preference)
    # Only the payment dates on or before `on` count: the value is the one on the last of them.
    return _preference_on_payment_date(terms, payments[-1])


@lru_cache(maxsize=4096)  # pure function of hashable inputs; one entry per payment date
def _preference_on_payment_date(terms: Terms, on: date) -> Fraction:
    """liquidation_preference on a payment date, worked out as that function states it."""
    rate = Fraction(terms.dividend_rate)
    lp = Fraction(terms.initial_liquidation_preference)
    previous = terms.closing_date
    for index, payment_date in enumerate(dividend_payment_dates(terms, on)):
        if index == 0:
            share = _part_of_year(terms, previous, payment_date)
        else:
            share = _period_of_year(terms, previous, payment_date)
        lp += lp * rate * share
        previous = payment_date
    return lp


@lru_cache(maxsize=4096)  # pure function of hashable inputs; ownership tests call it per holder
def accrued_dividends(terms: Terms, on: date) -> Fraction:
    """Dividends accrued and unpaid at `on`, not yet added to the liquidation preference: the
    preference x rate x the part of a year (terms.day_count) from the closing date or the last
    payment date; zero on a payment date (just added to the preference)."""
    if on <= terms.closing_date:
        return Fraction(0)
    if terms.changes:
        return _path(terms, on)[1]
    payment_dates = dividend_payment_dates(terms, on)
    start = payment_dates[-1] if payment_dates else terms.closing_date
    return liquidation_preference(terms, on) * Fraction(terms.dividend_rate) * _part_of_year(terms, start, on)


@lru_cache(maxsize=4096)  # pure function of hashable inputs
def _path(terms: Terms, on: date) -> tuple[Fraction, Fraction]:
    """(liquidation preference, accrued and unpaid dividends) on `on` when the record has changed
    the terms (terms.changes): dividends accrue day by day at the rate in force on the
    preference then in force, and are added to the preference on each payment date.

    A whole period between payment dates counts under the day count as `liquidation_preference`
    says; a period that a change splits is shared between its parts in proportion to their
    actual days, so that the period still adds a whole period's dividends when nothing changes
    its rate or preference. Dividends accrued to a date that is not a payment date count its
    parts of a year as `accrued_dividends` does. With no change this gives the same figures as
    those functions (tests/test_term_events.py checks it)."""
    payments = dividend_payment_dates(terms, on)
    changes = [c for c in terms.changes if terms.closing_date <= c.on <= on]
    lp, accrued, rate = Fraction(terms.initial_liquidation_preference), Fraction(0), Fraction(terms.dividend_rate)
    points = sorted({*payments, *(c.on for c in changes), on})
    # The payment date that ends the period each point falls in (past `on` for the running period).
    ends = dividend_payment_dates(terms, on + timedelta(days=400))
    period_start, cursor, index = terms.closing_date, terms.closing_date, 0
    for point in points:
        if point > cursor:
            period_end = next((d for d in ends if d > period_start and d >= point), None)
            if index == 0 or period_end is None or period_end > on:
                share = _part_of_year(terms, cursor, point)  # the first period, or one still running
            else:
                whole = _period_of_year(terms, period_start, period_end)
                share = whole * (point - cursor).days / (period_end - period_start).days
            accrued += lp * rate * share
            cursor = point
        if point in payments:
            lp, accrued, period_start, index = lp + accrued, Fraction(0), point, index + 1
        for change in changes:
            if change.on == point:
                if change.dividend_rate is not None:
                    rate = change.dividend_rate
                if change.preference is not None and not (change.only_raise and change.preference <= lp):
                    lp = change.preference
    return lp, accrued


# --- Conversion and exercise -----------------------------------------------------------------


def conversion_shares_exact(terms: Terms, preferred_shares: int, on: date) -> Fraction:
    """Common issuable on converting `preferred_shares` together on `on`, before any rounding:
    shares x (liquidation preference + accrued and unpaid dividends) / conversion price."""
    if preferred_shares == 0 or on < terms.closing_date:
        return Fraction(0)
    per_share = liquidation_preference(terms, on) + accrued_dividends(terms, on)
    return preferred_shares * per_share / Fraction(terms.conversion_price)


@lru_cache(maxsize=1 << 14)  # pure function of hashable inputs; every ownership measure converts per holder
def conversion_shares(terms: Terms, preferred_shares: int, on: date) -> int:
    """Whole shares of Common issued when one holder surrenders `preferred_shares` at one time:
    the exact amount on the aggregate surrendered, rounded under terms.conversion_rounding."""
    if preferred_shares == 0 or on < terms.closing_date:
        return 0
    rate = _common_per_preferred_share(terms, on)
    if terms.conversion_rounding != "hundredths_then_half_up":
        return round_shares(preferred_shares * rate, terms.conversion_rounding)
    # _round_conversion of shares x rate, in integers: to the nearest 1/100, then half up to a whole share.
    numerator, denominator = preferred_shares * rate.numerator, rate.denominator
    hundredths, rest = divmod(100 * numerator, denominator)
    if 2 * rest >= denominator:
        hundredths += 1
    whole, fraction = divmod(hundredths, 100)
    return whole + 1 if fraction >= 50 else whole


@lru_cache(maxsize=4096)  # pure function of hashable inputs
def _common_per_preferred_share(terms: Terms, on: date) -> Fraction:
    """The exact Common for one preferred share on `on`."""
    return conversion_shares_exact(terms, 1, on)


def warrant_shares_exercisable(terms: Terms, warrant_shares: int, on: date) -> int:
    """Warrant shares purchasable on `on`: from the closing date to terms.warrant_expiry, the
    expiry date itself included (a warrant that expires at a time of that day)."""
    if terms.closing_date <= on <= terms.warrant_expiry:
        return warrant_shares
    return 0


def net_issue_shares(warrant_shares: int, fair_market_value: Fraction, exercise_price: Fraction,
                     rounding: str) -> int:
    """Common issued on a net issue (cashless) exercise, X = Y(A - B) / A, rounded under
    `rounding` (one of ROUNDINGS); only when A exceeds B."""
    if fair_market_value <= exercise_price:
        raise ValueError("a net issue exercise needs a fair market value above the Exercise Price")
    exact = warrant_shares * (Fraction(fair_market_value) - Fraction(exercise_price)) / Fraction(fair_market_value)
    return round_shares(exact, rounding)


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
