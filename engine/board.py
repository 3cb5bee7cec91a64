"""Board measures: a group's holdings against a seat threshold, the seats a share of the authorized
board carries, a board's composition over time (continuing directors over a rolling period), and
a deadline in calendar days.

Each is general: the rulebook names the securities, thresholds, percentages and periods in its
facts.yaml and rulebook.yaml; no deal's names appear here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from . import calc
from .measures import Measure, Situation, holding, outstanding


# --- a board history, as a scenario states it -----------------------------------------------------


@dataclass(frozen=True)
class Director:
    """One director's time in office: seated on `seated`, out of office from `left` (None: still in
    office); `approved_by`, the directors who approved the election or the nomination for election
    (approval on `approved_on`, the day seated unless stated); `elected_by`, the security whose
    holders elected the director under their own right to elect (None: otherwise)."""

    name: str
    seated: date
    left: date | None = None
    approved_by: tuple[str, ...] = ()
    approved_on: date | None = None
    elected_by: str | None = None
    line: int | None = None

    def in_office(self, day: date) -> bool:
        return self.seated <= day and (self.left is None or day < self.left)

    @property
    def approval_day(self) -> date:
        return self.approved_on or self.seated


@dataclass(frozen=True)
class Board:
    """A board history: every director who sat in it, and where the scenario states it."""

    directors: tuple[Director, ...]
    stated_in: str = ""

    def in_office(self, day: date) -> list[Director]:
        return [d for d in self.directors if d.in_office(day)]

    def change_days(self, until: date) -> list[date]:
        """The days the board's composition changes, up to and including `until`."""
        days = {d.seated for d in self.directors} | {d.left for d in self.directors if d.left}
        return sorted(day for day in days if day <= until)


# --- the measures ------------------------------------------------------------------------------------


def _factor(sit: Situation, adjustment: str | None) -> Fraction:
    """The adjustment factor a dated parameter states on the situation's date (1 when none is named)."""
    if adjustment is None:
        return Fraction(1)
    value = sit.deal.parameters.get(adjustment)
    return Fraction(1) if value is None else Fraction(value)


def threshold_holding(sit: Situation, party: str, securities: list[str], threshold: Any, when: str = "after",
                      adjustment: str | None = None, output: str = "shares") -> Any:
    """A group's holdings of the listed securities as converted (Common share for share, preferred
    as the Common each holder's shares convert into on the test date, rounded as the terms state)
    against a share threshold times the adjustment factor in force (a dated parameter: stock
    splits and combinations of the Common). Outputs: `shares`, the holdings; `threshold`, the
    fewest whole shares that meet the adjusted threshold (its ceiling: whole shares meet an
    exact threshold exactly when they meet its ceiling); `margin`, holdings less that threshold
    (0 or more: the threshold is met)."""
    # The fewest whole shares meeting the adjusted threshold, worked out once per situation.
    needed = sit.counted(("threshold", threshold, adjustment),
                         lambda: math.ceil(Fraction(threshold) * _factor(sit, adjustment)))
    if output == "threshold":
        return needed
    # The holdings, worked out once per situation for every right and output that reads them.
    held = sit.counted(("threshold_held", party, tuple(securities), when),
                       lambda: holding(sit, party, securities, when=when, output="shares", as_converted=True))
    if held is None:
        return None
    return held if output == "shares" else held - needed


def seats_of_board(size: int | None, pct: Any, minimum: int = 1, rounding: str = "ceiling") -> int | None:
    """Seats under "`minimum` director, or if greater, `pct`% of the authorized board rounded up to
    the next whole number": `ceiling` reads a whole percentage as itself (10% of 10 is 1 seat),
    `next_above` as the next number (10% of 10 is 2 seats). None without a board size."""
    if size is None:
        return None
    exact = Fraction(pct) * size / 100
    counted = math.ceil(exact) if rounding == "ceiling" else math.floor(exact) + 1
    return max(int(minimum), counted)


def board_seats(sit: Situation, pct: Any = None, minimum: int = 1, rounding: str = "ceiling",
                output: str = "seats") -> Any:
    """The authorized size of the board (the cap table's `board_size`, as the scenario states it)
    or the seats a right to `pct`% of it carries (`seats_of_board`); unknown when the size is not
    stated."""
    size = sit.cap.board_size
    if output == "size":
        return size
    return seats_of_board(size, pct, minimum, rounding)


def days_after(sit: Situation, days: int, start: Any = "as_of") -> date:
    """A deadline `days` calendar days after `start` (the scenario's date unless a date is given)."""
    day = sit.as_of if start in (None, "as_of") else start
    return day + timedelta(days=int(days))


def share_of_outstanding(sit: Situation, fact: str, security_fact: str) -> Any:
    """The shares a fact states as a percentage of the Outstanding shares of the security another
    fact names; unknown when either is unknown or none is outstanding."""
    shares, security = sit.facts.get(fact), sit.facts.get(security_fact)
    if shares is None or security not in sit.deal.securities:
        return None
    total = outstanding(sit, [security])
    return None if not total else Fraction(100 * shares, total)


@dataclass(frozen=True)
class Continuity:
    """The continuing directors' standing: the first day they ceased to be a majority (None:
    never, up to the test date), the period that day falls in, and the counts compared (on that
    day, or on the test date for the period that leaves them the fewest)."""

    lost_on: date | None
    period_start: date | None
    continuing: int
    in_office: int


def _continuing(board: Board, start: date, day: date, always: frozenset) -> set[str]:
    """The continuing directors of the period beginning on `start`, as they stand on `day`: those in
    office at its start, directors elected by holders of a security in `always`, and each new
    director whose election or nomination a majority of the continuing directors then still in
    office approved (in the order of their approvals)."""
    continuing = {d.name for d in board.in_office(start)}
    newcomers = sorted((d for d in board.directors if start < d.seated <= day and d.name not in continuing),
                       key=lambda d: (d.approval_day, d.seated, board.directors.index(d)))
    for d in newcomers:
        if d.elected_by is not None and d.elected_by in always:
            continuing.add(d.name)
            continue
        # Directors seated on the day of the vote did not sit when it was taken.
        voters = {v.name for v in board.in_office(d.approval_day)
                  if v.name in continuing and v.name != d.name and v.seated < d.approval_day}
        if voters and 2 * len(voters & set(d.approved_by)) > len(voters):
            continuing.add(d.name)
    return continuing


def continuity(board: Board, until: date, years: int, always: frozenset, since: date | None = None) -> Continuity:
    """For every period of `years` consecutive years, whether the continuing directors ceased to be
    a majority of the directors then in office on some day up to `until` (on or after `since`). A
    period beginning on day s covers s up to the day before its `years`-th anniversary, so a day t
    lies in the periods beginning after t less `years` years; only the days the composition
    changes need testing, against the periods beginning the day after that anniversary or on a
    change day. Exactly half is not a majority: it is a loss."""
    opening = min(d.seated for d in board.directors)  # the history knows no earlier Board

    def periods(day: date) -> list[date]:
        first = max(calc.anniversary(day, -years) + timedelta(days=1), opening)
        return [first] + [c for c in board.change_days(day) if first < c <= day]

    def standing(start: date, day: date) -> tuple[int, int]:
        office = {d.name for d in board.in_office(day)}
        return len(office & _continuing(board, start, day, always)), len(office)

    for day in board.change_days(until):
        if since is not None and day < since:
            continue
        for start in periods(day):
            kept, total = standing(start, day)
            if total and 2 * kept <= total:
                return Continuity(day, start, kept, total)
    worst = min((standing(start, until) + (start,) for start in periods(until)),
                key=lambda s: (Fraction(s[0], s[1]) if s[1] else Fraction(1), s[2]))
    return Continuity(None, worst[2], worst[0], worst[1])


def board_continuity(sit: Situation, years: int, output: str, always: tuple[str, ...] = (),
                     since: Any = None) -> Any:
    """The scenario's board history (unknown when it states none) read for Change of Control by
    board turnover: `lost` (the continuing directors ceased to be a
    majority on some day up to the test date), `lost_on_test_date` (the first such day is the
    test date itself: the change of directors tested is the one that loses the majority), `date`
    (the first such day), `period_start`, `continuing` and `in_office` (the counts compared)."""
    board = getattr(sit.scenario, "board", None) if sit.scenario is not None else None
    if board is None:
        return None
    found = continuity(board, sit.as_of, int(years), frozenset(always), since if isinstance(since, date) else None)
    return {"lost": found.lost_on is not None, "lost_on_test_date": found.lost_on == sit.as_of, "date": found.lost_on, "period_start": found.period_start,
            "continuing": found.continuing, "in_office": found.in_office}[output]


BOARD_MEASURES: dict[str, Measure] = {
    "threshold_holding": Measure(threshold_holding, {
        "party": "party", "securities": "securities", "threshold": "number", "when": "when",
        "adjustment": "parameter", "output": "choice:shares|threshold|margin"},
        ("party", "securities", "threshold"), {"": "shares"}),
    "board_seats": Measure(board_seats, {"pct": "number", "minimum": "int", "rounding": "choice:ceiling|next_above",
                                         "output": "choice:seats|size"}, (), {"": "shares"}),
    "days_after": Measure(days_after, {"days": "int", "start": "date"}, ("days",), {"": "date"}),
    "share_of_outstanding": Measure(share_of_outstanding, {"fact": "fact", "security_fact": "fact"},
                                    ("fact", "security_fact"), {"": "percent"}),
    "board_continuity": Measure(board_continuity, {
        "years": "int", "output": "choice:lost|lost_on_test_date|date|period_start|continuing|in_office",
        "always": "securities", "since": "date"}, ("years", "output"),
        {"lost": "bool", "lost_on_test_date": "bool", "date": "date", "period_start": "date", "continuing": "shares",
         "in_office": "shares", "": "shares"}),
}
