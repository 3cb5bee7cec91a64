"""YAML scenarios and cap tables -> validated facts about holders, securities and the proposed action."""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from . import adjust, calc, capital
from .beside import kept_beside
from .errors import InputError, ProblemList, did_you_mean, excerpt
from .errors import shown as _show
from .board import Board, Director
from .conditions import truth
from .facts import TRADE_KINDS, allowed_values
from .measures import Situation, measure
from .model import (COMPANY, INSTRUMENT_STATUSES, NO_GROUP, VOTE_CHOICES, Action, CapTable, Holding,
                    InstrumentStatus, Party, RecordedTermEvent, Scenario, Tally)
from .rulebook import Rulebook
from .yamlio import LineDict, LineList, load_yaml
from .yamlio import line_of as _line

SCENARIO_KEYS = ("name", "description", "as_of", "cap_table", "instruments", "history", "action", "vote", "board",
                 "acting_as_group")
BOARD_KEYS = ("directors",)
DIRECTOR_KEYS = ("name", "seated", "left", "approved_by", "approved_on", "elected_by")
INSTRUMENT_KEYS = ("status", "from", "note")
VOTE_KEYS = ("record_date", "by", "votes", "common_for", "common_against")
CAP_TABLE_KEYS = ("name", "as_of", "sources", "common_outstanding", "board_size", "holders", "instruments",
                  "history", "convertibles")
TRANSFER_FACT_KEYS = ("basis", "permitted_transferee_agreement", "rule144_resale_available")
ACTION_KEYS = {
    "purchase": ("kind", "buyer", "security", "quantity", "seller") + TRANSFER_FACT_KEYS,
    "transfer": ("kind", "from", "to", "security", "quantity") + TRANSFER_FACT_KEYS + ("pledge_in_bona_fide_financing",),
}
ACTION_REQUIRED = {
    "purchase": ("buyer", "security", "quantity"),
    "transfer": ("from", "to", "security", "quantity"),
}
SELLERS = ("market", "company")
BASES = ("registered", "rule_144", "exempt", "none")
ROUTE_MOVED = ("action.route: no longer a key: state the Securities Act basis as `basis` ("
               + ", ".join(BASES) + "); whether the transfer goes to a Permitted Transferee follows from "
               "the transferee (`to`) and `permitted_transferee_agreement`")
THE_COMPANY = Party(name="the Company", group=COMPANY, is_company=True)
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# --- the limits of an input -----------------------------------------------------------------------
#
# Shares. Each count a scenario or a cap table states (a quantity, a holding, the Common
# outstanding, a history event's quantity) is at most MAX_SHARES: more is a typing error. What the
# engine compares is the cap table as a whole, though: every percentage it tests is an exact
# fraction whose denominator (the Common outstanding plus what converts or is exercised into it)
# must stay below 2**53 / 10**6, about 9.0 x 10**9 (compiler.py compares percentages exactly as
# integers scaled by 10**4 and 100). So the Common a cap table accounts for on a fully diluted
# basis (the outstanding, every Warrant share, every share of preferred as converted, every other
# convertible as converted), with what the proposed action adds to it, is at most
# MAX_TOTAL_SHARES: half the engine's limit, so that the day's figures and a quantity tried beside
# them stay exact. The preferred accretes, so the check is made on the date asked (a scenario's
# as_of, --as-of, --on), and on reading a cap table on its as_of (or the closing date); the
# preferred counts as converted on that date or on the rulebook's standstill conversion date,
# whichever is later (a deemed conversion is measured then).
MAX_SHARES = 10**11
MAX_TOTAL_SHARES = 4 * 10**9
#
# Money and percentages. The engine compares an amount or a percentage as an exact fraction whose
# numerator times 10**4 must stay below 2**53: a number stated as one has at most MAX_PLACES
# decimal places and MAX_DIGITS significant digits in all (99,999,999,999, or 99,999.999999), and
# is at most 10**MAX_DIGITS - 1.
MAX_PLACES = 6
MAX_DIGITS = 11
#
# Dates. A date is read only within the span the rulebook can answer for: from MARGIN_YEARS before
# its earliest document to MARGIN_YEARS after the latest date any of its documents or parameters
# states (date_span). Far outside it the arithmetic has nothing to say and grows without bound
# (accretion compounds period by period for centuries; a date past 9999 cannot even be formed), so
# a date outside it is refused on its line, and a date argument (--as-of, --on) with one line.
MARGIN_YEARS = 25
#
# Names. A name (of a holder, a director, a party, the scenario) is at most MAX_NAME characters:
# reports and error messages quote it. Descriptions and notes are free text.
MAX_NAME = 200
#
# Histories. A history has at most MAX_EVENTS events, and at most MAX_TERM_EVENTS of them change
# the terms (parameters.yaml term_events: a change of control, a split, an issuance below market,
# ...): each such event has the adjustments worked out again over the whole record before it, so
# the work grows with the square of their number (200 take seconds, 1,000 a minute).
MAX_EVENTS = 5000
MAX_TERM_EVENTS = 100
#
# Boards. A board history lists at most MAX_DIRECTORS directors (every director who has served,
# over the years the rulebook covers): the continuing-director arithmetic compares each with every
# other on every day that matters, and takes seconds past a few hundred.
MAX_DIRECTORS = 200
# A board has at most MAX_BOARD seats where its size is stated as an option (--board-size, a
# position request's board_size): far above any board, a bound on the seat arithmetic.
MAX_BOARD = 1000
#
# Holders. A cap table lists at most MAX_HOLDERS record holders: each measure walks a group's
# members once and keeps per-date sums over all holders, so a check stays in milliseconds well past
# this; a register larger than this is a transfer agent's, not a pre-clearance input.
MAX_HOLDERS = 10_000


# --- public API ---------------------------------------------------------------------------------


def load_cap_table(path: Path | str, rulebook: Rulebook, display: str | None = None,
                   until: date | None = None) -> CapTable:
    """Read and validate a cap-table YAML file; raise InputError listing every problem found.
    With `until`, its history is applied only up to that date (the table as it stood then)."""
    problems = ProblemList()
    table = _read_cap_table(Path(path), display or str(path), rulebook, problems, until)
    _raise(problems)
    assert table is not None
    return table


def load_scenario(path: Path | str, rulebook: Rulebook) -> Scenario:
    """Read and validate a scenario YAML file (and the cap table it names); raise InputError
    listing every problem found. Problems name the file as given."""
    file = str(path)
    data = _load(Path(path), file)
    return _build(data, rulebook, file, Path(path).parent, os.path.dirname(file), top_line=1)


def scenario_from_dict(data: Any, rulebook: Rulebook, file: str = "<scenario>",
                       base_dir: Path | str | None = None) -> Scenario:
    """Validate a scenario given as data (as a scenario file would load); a cap-table path is read
    relative to `base_dir` (default: the working directory). `cap_table` may also be a CapTable."""
    base = Path.cwd() if base_dir is None else Path(base_dir)
    return _build(data, rulebook, file, base, str(base))


def instruments_from_options(values: list[str], rulebook: Rulebook) -> dict[str, InstrumentStatus]:
    """`--instrument DOC=in_force` or `--instrument DOC=terminated:YYYY-MM-DD` (repeatable), validated
    as a scenario's `instruments` is; raise InputError listing every problem found."""
    problems = ProblemList()
    ck = _Checker(problems, "--instrument", rulebook)
    stated: dict[str, Any] = {}
    for value in values:
        doc_id, sep, rest = value.partition("=")
        status, _, when = rest.partition(":")
        if not sep or not doc_id or not status:
            ck.add(None, "bad-value", f"expected DOC=in_force or DOC=terminated:YYYY-MM-DD (or cancelled), got "
                                      f"{_show(value)}")
            continue
        item: dict[str, Any] = {"status": status}
        if when:
            try:
                if not DATE_TEXT.fullmatch(when):
                    raise ValueError(when)
                item["from"] = date.fromisoformat(when)
            except ValueError:
                ck.add(None, "bad-date", f"{excerpt(doc_id)}: expected a date YYYY-MM-DD after the colon, got "
                                         f"{_show(when)}")
                continue
        stated[doc_id] = item
    out = instruments(ck, {"instruments": stated}, "", rulebook)
    _raise(problems)
    return out


# --- validation helpers ---------------------------------------------------------------------------


_SPANS: dict[int, tuple] = {}


def date_span(rulebook: Rulebook) -> tuple[date, date]:
    """The first and the last date the rulebook answers for (see MARGIN_YEARS)."""
    def make() -> tuple[date, date]:
        documents = [d.date for d in rulebook.documents.values() if isinstance(d.date, date)]
        stated = list(documents)
        for param in rulebook.parameters.values():
            stated += [v for v in (param.value, *(pv.value for pv in param.values)) if isinstance(v, date)]
            stated += [pv.start for pv in param.values if isinstance(pv.start, date) and pv.start != date.min]
        first = min(documents or stated or [date(2000, 1, 1)])
        last = max(stated or [first])
        return (calc.anniversary(first, -MARGIN_YEARS) if first.year > MARGIN_YEARS else date.min,
                calc.anniversary(last, MARGIN_YEARS) if last.year < 9999 - MARGIN_YEARS else date.max)
    return kept_beside(_SPANS, rulebook, make)


TOO_PRECISE = (f"has more digits than an amount or a percentage is compared exactly with (at most {MAX_DIGITS} "
               f"significant digits, {MAX_PLACES} of them after the point)")


def exact_enough(value: int | Decimal) -> bool:
    """Whether a number stated as an amount or a percentage is within MAX_DIGITS and MAX_PLACES."""
    sign, digits, exponent = Decimal(value).normalize().as_tuple()
    if not isinstance(exponent, int):
        return False  # not finite
    return -exponent <= MAX_PLACES and len(digits) + max(exponent, 0) <= MAX_DIGITS


def out_of_span(rulebook: Rulebook, day: date) -> str | None:
    """Why `day` is outside the dates the rulebook answers for, or None when it is inside them."""
    first, last = date_span(rulebook)
    if first <= day <= last:
        return None
    return (f"{day} is {'before' if day < first else 'after'} the dates this rulebook answers for, {first} to "
            f"{last} ({MARGIN_YEARS} years either side of the dates its documents and parameters state)")



def _item_line(items: Any, index: int) -> int | None:
    if isinstance(items, LineList) and index < len(items.item_lines):
        return items.item_lines[index]
    return _line(items[index]) or _line(items)



def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Checker:
    """Validation of one file: its display name and the problems found so far."""

    def __init__(self, problems: ProblemList, file: str, rulebook: Rulebook | None = None):
        self.problems = problems
        self.file = file
        self.rulebook = rulebook  # for the dates it answers for (date_span)

    def add(self, line: int | None, category: str, message: str) -> None:
        self.problems.add(self.file, line, category, message)

    def mapping(self, node: Any, path: str, allowed: tuple, required: tuple = (), line: int | None = None,
                what: str = "") -> bool:
        """Check that `node` is a mapping with only `allowed` keys and every `required` key."""
        if not isinstance(node, dict):
            self.add(line, "wrong-type", f"{path or 'top level'}: expected a mapping, got {_show(node)}")
            return False
        suggested = set()
        for key in node:
            if key not in allowed:
                if len(str(key)) <= 200:
                    suggested.update(difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6))
                self.add(_line(node, key), "unknown-key",
                         f"{path or 'top level'}: unknown key '{excerpt(key)}'{what}{did_you_mean(key, allowed)}")
        for key in required:
            if key in suggested:
                continue  # a misspelling already reported as an unknown key
            if key not in node:
                self.add(_line(node) or line, "missing-field", f"{_join(path, key)}: missing")
            elif node[key] is None:
                self.add(_line(node, key), "missing-field", f"{_join(path, key)}: empty")
        return True

    def text(self, node: dict, key: str, path: str, most: int | None = MAX_NAME) -> str | None:
        """Text, stripped; a name (the default) at most MAX_NAME characters."""
        value = node.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(_line(node, key), "wrong-type", f"{_join(path, key)}: expected text, got {_show(value)}")
            return None
        if most is not None and len(value.strip()) > most:
            self.add(_line(node, key), "bad-value", f"{_join(path, key)}: {_show(value)} is {len(value.strip()):,} "
                                                    f"characters long; a name has at most {most}")
            return None
        if most is not None and not value.strip().isprintable():
            self.add(_line(node, key), "bad-value", f"{_join(path, key)}: {_show(value)} has a line break or another "
                                                    "control character; a name is printed on one line")
            return None
        return value.strip()

    def shares(self, node: dict, key: str, path: str, minimum: int) -> int | None:
        value = node.get(key)
        if value is None:
            return None
        expected = f"{_join(path, key)}: expected a whole number of shares >= {minimum}, got {_show(value)}"
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            self.add(_line(node, key), "wrong-type", expected)
            return None
        if isinstance(value, Decimal) and (not value.is_finite() or value != value.to_integral_value()):
            self.add(_line(node, key), "bad-value", expected)
            return None
        if value < minimum:
            self.add(_line(node, key), "bad-value", expected)
            return None
        if value > MAX_SHARES:
            self.add(_line(node, key), "bad-value", f"{_join(path, key)}: {int(value):,} is more shares than any "
                                                   f"issuer has (at most {MAX_SHARES:,})")
            return None
        return int(value)

    def number(self, node: dict, key: str, path: str, most: int | None = None) -> Fraction | None:
        """An exact number as written (a percentage or an amount), at least 0 and at most `most`."""
        value = node.get(key)
        if value is None:
            return None
        bound = f" from 0 to {most}" if most is not None else " of 0 or more"
        expected = f"{_join(path, key)}: expected a number{bound}, got {_show(value)}"
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or (
                isinstance(value, Decimal) and not value.is_finite()):
            self.add(_line(node, key), "wrong-type", expected)
            return None
        if value < 0 or (most is not None and value > most):
            self.add(_line(node, key), "bad-value", expected)
            return None
        if not exact_enough(value):
            self.add(_line(node, key), "bad-value", f"{_join(path, key)}: {_show(value)} {TOO_PRECISE}")
            return None
        return Fraction(value)

    def boolean(self, node: dict, key: str, path: str) -> bool | None:
        value = node.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.add(_line(node, key), "wrong-type", f"{_join(path, key)}: expected true or false, got {_show(value)}")
        return None

    def date(self, node: dict, key: str, path: str) -> date | None:
        value = node.get(key)
        if value is None:
            return None
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, str) and DATE_TEXT.fullmatch(value.strip()):
            try:  # a date written in quotes ("2001-06-01") is the same date
                value = date.fromisoformat(value.strip())
            except ValueError:
                self.add(_line(node, key), "bad-date", f"{_join(path, key)}: {_show(value)} is not a calendar date")
                return None
        if not isinstance(value, date):
            self.add(_line(node, key), "bad-date",
                     f"{_join(path, key)}: expected a date YYYY-MM-DD, got {_show(value)}")
            return None
        why = out_of_span(self.rulebook, value) if self.rulebook is not None else None
        if why is not None:
            self.add(_line(node, key), "bad-date", f"{_join(path, key)}: {why}")
            return None
        return value

    def group(self, node: dict, key: str, path: str, rulebook: Rulebook) -> str | None:
        value = node.get(key)
        if value is None:
            return None
        allowed = list(rulebook.groups) + [NO_GROUP, COMPANY]
        if not isinstance(value, str) or value not in allowed:
            self.add(_line(node, key), "bad-value",
                     f"{_join(path, key)}: {_show(value)} is not a group of the rulebook ({', '.join(allowed)})"
                     f"{did_you_mean(value, allowed)}")
            return None
        return value


_FAILED = object()  # _load's answer when the file could not be read; its problems are already recorded


def _load(path: Path, file: str, problems: ProblemList | None = None) -> Any:
    """load_yaml, recording its problems in `problems` (when given) instead of raising."""
    try:
        return load_yaml(path, file)
    except InputError as exc:
        if problems is None:
            raise
        problems.problems.extend(exc.problems)
    return _FAILED


def _raise(problems: ProblemList, first_file: str | None = None) -> None:
    """Raise every problem at once, each file's problems in line order (first_file first)."""
    if not problems:
        return
    order: dict[str, int] = {first_file: 0} if first_file else {}
    for p in problems.problems:
        order.setdefault(p.file, len(order))
    problems.problems.sort(key=lambda p: (order[p.file], p.line or 0))
    problems.raise_if_any()


# --- cap tables -----------------------------------------------------------------------------------


def converted_classes(rulebook: Rulebook) -> list[str]:
    """Classes of convertible preferred (parameters.yaml `classes`) whose shares converted since the
    closing a cap table states as `<class>_converted`."""
    return [c.id for c in rulebook.classes.values()
            if all(rulebook.securities.get(m, {}).get("class") == "preferred" for m in c.members)]


def cap_table_keys(rulebook: Rulebook) -> tuple:
    return CAP_TABLE_KEYS + tuple(f"{c}_{what}" for c in converted_classes(rulebook) for what in ("converted", "retired"))


def _read_cap_table(path: Path, display: str, rulebook: Rulebook, problems: ProblemList,
                    until: date | None = None) -> CapTable | None:
    data = _load(path, display, problems)
    if data is _FAILED:
        return None
    ck = _Checker(problems, display, rulebook)
    start = len(problems.problems)
    if not ck.mapping(data, "", cap_table_keys(rulebook), ("common_outstanding", "holders"), line=1):
        return None
    before = len(problems.problems)
    table = _apply_cap_table(ck, data, "", CapTable(0, (), None, display), rulebook, inline=True, until=until,
                             since=start)
    return table if len(problems.problems) == before else None


def _apply_cap_table(ck: _Checker, node: dict, path: str, base: CapTable, rulebook: Rulebook,
                     inline: bool, base_name: str = "", until: date | None = None,
                     since: int | None = None) -> CapTable:
    """`node`'s figures over `base`: holders merge by name, listed keys override, new names are added.
    What depends on the whole table (every share accounted for, the fully diluted total) is checked
    only when the table has no problem of its own (since `since`, when its keys were checked first)."""
    problems_before = len(ck.problems.problems) if since is None else since
    ck.text(node, "name", path)
    ck.date(node, "as_of", path)
    _sources(ck, node, path)
    outstanding = ck.shares(node, "common_outstanding", path, 0)
    board_size = ck.shares(node, "board_size", path, 1)
    holders = {h.name: h for h in base.holders}
    items = node.get("holders")
    if items is not None and not isinstance(items, list):
        ck.add(_line(node, "holders"), "wrong-type", f"{_join(path, 'holders')}: expected a list, got {_show(items)}")
        items = []
    if items is not None and len(items) > MAX_HOLDERS:
        ck.add(_line(node, "holders"), "bad-value", f"{_join(path, 'holders')}: {len(items):,} holders, more than the "
                                                    f"{MAX_HOLDERS:,} a cap table may list")
        items = []
    seen: dict[str, int | None] = {}
    for index, item in enumerate(items or []):
        item_path = f"{_join(path, 'holders')}[{index}]"
        line = _item_line(items, index)
        entry = _holder_fields(ck, item, item_path, line, rulebook)
        if entry is None:
            continue
        name, fields = entry
        if name in seen:
            ck.add(_line(item, "name") or line, "duplicate-id",
                   f"{item_path}.name: '{excerpt(name)}' is already listed at line {seen[name]}")
            continue
        seen[name] = line
        if name in holders:
            holders[name] = _merge_holding(holders[name], fields)
        elif "group" in fields:
            holders[name] = _merge_holding(Holding(name=name, group=fields["group"]), fields)
        elif "group" not in item:
            where = "" if inline else f", who is not on {base_name}"
            ck.add(_line(item) or line, "missing-field", f"{item_path}.group: missing for '{excerpt(name)}'{where}")
    converted, retired = dict(base.converted), dict(base.retired)
    for class_id in converted_classes(rulebook):
        count = ck.shares(node, f"{class_id}_converted", path, 0)
        if count is not None:
            converted[class_id] = count
        count = ck.shares(node, f"{class_id}_retired", path, 0)
        if count is not None:
            retired[class_id] = count
    table = CapTable(
        common_outstanding=base.common_outstanding if outstanding is None else outstanding,
        holders=tuple(holders.values()),
        board_size=base.board_size if board_size is None else board_size,
        source=base.source,
        converted=converted,
        retired=retired,
        last_event=base.last_event,
        instruments={**base.instruments, **instruments(ck, node, path, rulebook)},
        convertibles={**base.convertibles, **capital.parse_convertibles(ck, node, path, rulebook)},
    )
    capital.check_holdings(ck, node, path, table)
    held = sum(h.common for h in table.holders)
    if held > table.common_outstanding:
        ck.add(_line(node, "common_outstanding"), "bad-value",
               f"{_join(path, 'common_outstanding')}: the holders listed hold {held:,} shares of Common Stock, "
               f"more than the {table.common_outstanding:,} outstanding")
    if node.get("history") is not None:
        table = _history(ck, node, _join(path, "history"), table, rulebook, until)
    if len(ck.problems.problems) == problems_before:  # an incomplete table is only worth saying once it reads
        _check_accounted(ck, node, path, table, rulebook)
    if len(ck.problems.problems) == problems_before:
        stated = node.get("as_of") if isinstance(node.get("as_of"), date) else None
        _check_total(ck, table, _line(node, "common_outstanding") or _line(node), path or "the cap table",
                     on=stated if stated is None or not isinstance(stated, datetime) else stated.date())
    return table


CITATION_KEYS = ("document", "section", "quote")


def _sources(ck: _Checker, node: dict, path: str) -> None:
    """`sources`: citations of the deal documents the figures come from, each {document, section,
    quote} as text (the cap-table schema's `citation`). For the reader: the engine does not read
    them, but a source of the wrong shape is a cap table of the wrong shape."""
    items = node.get("sources")
    where = _join(path, "sources")
    if items is None:
        return
    if not isinstance(items, list):
        ck.add(_line(node, "sources"), "wrong-type", f"{where}: expected a list of citations "
                                                     f"{{document, section, quote}}, got {_show(items)}")
        return
    for index, item in enumerate(items):
        item_path = f"{where}[{index}]"
        if not ck.mapping(item, item_path, CITATION_KEYS, line=_item_line(items, index)):
            continue
        for key in CITATION_KEYS:
            ck.text(item, key, item_path, most=None)


def fully_diluted(rulebook: Rulebook, table: CapTable, on: date | None = None) -> int:
    """The Common a cap table accounts for on a fully diluted basis on `on` (see MAX_TOTAL_SHARES):
    the outstanding, every Warrant share, every share of preferred as converted (on `on` or the
    standstill conversion date, whichever is later; the record's adjustments and term events
    count), and every other convertible as converted."""
    from .measures import common_issuable

    total = table.common_outstanding + sum(h.warrants for h in table.holders)
    preferred = sum(n for h in table.holders for n in h.preferred.values())
    if preferred:
        closing = rulebook.param("closing_date")
        day = max(on or closing, closing)
        terms = rulebook.terms(day, tuple(table.term_events))
        if terms.conversion_price and terms.initial_liquidation_preference is not None and terms.closing_date:
            day = max(day, terms.standstill_conversion_date or day)
            exact = calc.conversion_shares_exact(terms, preferred, day)
            total += -(-exact.numerator // exact.denominator)
    for h in table.holders:
        for cid, units in h.convertibles.items():
            if units and cid in table.convertibles:
                total += common_issuable(table.convertibles[cid], units)
    return total


def too_many_shares(rulebook: Rulebook, table: CapTable, on: date | None, extra: int = 0) -> str | None:
    """Why a cap table (with what an action adds, `extra`) is past MAX_TOTAL_SHARES on `on`, or None."""
    total = fully_diluted(rulebook, table, on) + extra
    if total <= MAX_TOTAL_SHARES:
        return None
    return (f"{total:,} shares of Common on a fully diluted basis{f' on {on}' if on else ''} (the outstanding, the "
            f"Warrant shares and the preferred as converted{', with the action' if extra else ''}), more than the "
            f"{MAX_TOTAL_SHARES:,} the engine compares exactly")


def _check_total(ck: _Checker, table: CapTable, line: int | None, what: str, on: date | None = None,
                 extra: int = 0) -> bool:
    """Report a cap table past MAX_TOTAL_SHARES on `on` (see too_many_shares); True if within."""
    why = too_many_shares(ck.rulebook, table, on, extra)
    if why is None:
        return True
    ck.add(line, "bad-value", f"{what}: {why}")
    return False


def _check_accounted(ck: _Checker, node: dict, path: str, table: CapTable, rulebook: Rulebook) -> None:
    """Every share of a class issued at the closing is held by someone on the cap table (the
    Company included) or recorded converted: a vote of the class and its as-converted figures count
    every holder, so a table that leaves some out cannot answer them."""
    for class_id in converted_classes(rulebook):
        members = rulebook.classes[class_id].members
        issued = sum(int(rulebook.securities[m].get("issued_at_closing", 0) or 0) for m in members)
        held = sum(h.preferred.get(m, 0) for h in table.holders for m in members)
        converted, retired = table.converted.get(class_id, 0), table.retired.get(class_id, 0)
        if issued and held + converted + retired < issued:
            ck.add(_line(node, "holders") or _line(node), "incomplete",
                   f"{_join(path, 'holders')}: the holders listed hold {held:,} shares of {class_id}, "
                   f"{converted:,} are recorded converted and {retired:,} retired: "
                   f"{issued - held - converted - retired:,} fewer than the {issued:,} issued at the closing. List "
                   f"every holder (the Company too), or state what became of the rest ({class_id}_converted, "
                   f"{class_id}_retired, or a history)")


def _holder_fields(ck: _Checker, item: Any, path: str, line: int | None,
                   rulebook: Rulebook) -> tuple[str, dict] | None:
    series = [s for s, spec in rulebook.securities.items() if spec.get("class") == "preferred"]
    allowed = ("name", "group", "common") + tuple(series) + ("warrants", "permitted_transferee_agreement",
                                                              "convertibles")
    if not ck.mapping(item, path, allowed, ("name",), line=line):
        return None
    name = ck.text(item, "name", path)
    fields: dict[str, Any] = {}
    group = ck.group(item, "group", path, rulebook)
    if group is not None:
        fields["group"] = group
    convertibles = capital.parse_holding(ck, item, path)
    if convertibles is not None:
        fields["convertibles"] = convertibles
    bound = ck.boolean(item, "permitted_transferee_agreement", path)
    if bound is not None:
        fields["permitted_transferee_agreement"] = bound
    for key in ("common",) + tuple(series) + ("warrants",):
        count = ck.shares(item, key, path, 0)
        if count is not None:
            fields[key] = count
    return (name, fields) if name else None


def _merge_holding(holding: Holding, fields: dict) -> Holding:
    preferred = dict(holding.preferred)
    for key, value in fields.items():
        if key not in ("group", "common", "warrants", "permitted_transferee_agreement", "convertibles"):
            preferred[key] = value
    return replace(
        holding,
        group=fields.get("group", holding.group),
        common=fields.get("common", holding.common),
        warrants=fields.get("warrants", holding.warrants),
        permitted_transferee_agreement=fields.get("permitted_transferee_agreement",
                                                  holding.permitted_transferee_agreement),
        preferred={s: n for s, n in preferred.items() if n},
        convertibles={**holding.convertibles, **fields.get("convertibles", {})},
    )


# --- scenarios ------------------------------------------------------------------------------------


def _build(data: Any, rulebook: Rulebook, file: str, base_dir: Path, display_dir: str,
           top_line: int | None = None) -> Scenario:
    problems = ProblemList()
    ck = _Checker(problems, file, rulebook)
    if not ck.mapping(data, "", SCENARIO_KEYS, ("name", "as_of", "cap_table", "action"), line=top_line):
        _raise(problems, file)
    name = ck.text(data, "name", "")
    description = ck.text(data, "description", "", most=None) or ""
    as_of = ck.date(data, "as_of", "")
    closing = rulebook.param("closing_date")
    if as_of is not None and as_of < closing:
        ck.add(_line(data, "as_of"), "bad-date",
               f"as_of: {as_of} is before the rulebook's closing_date {closing}; the instruments did not exist yet")
    cap = _scenario_cap_table(ck, data, rulebook, base_dir, display_dir)
    if cap is not None and data.get("history") is not None:
        before = len(problems.problems)
        cap = _history(ck, data, "history", cap, rulebook)
        if len(problems.problems) == before and not _check_total(ck, cap, _line(data, "history"), "history", on=as_of):
            cap = None
    if cap is not None and as_of is not None and cap.last_event is not None and cap.last_event[0] > as_of:
        when, where, line = cap.last_event
        ck.add(_line(data, "as_of"), "bad-date",
               f"as_of: {as_of} is before the history event of {when} ({where}:{line}); "
               "a scenario is evaluated after its record")
    stated = instruments(ck, data, "", rulebook)
    action = _action(ck, data.get("action"), _line(data, "action"), rulebook, cap)
    if action is not None and cap is not None and not problems:
        _check_total(ck, cap, _line(data, "action"), "action", on=as_of, extra=_added(rulebook, action))
    tally, vote_by = _vote(ck, data.get("vote"), _line(data, "vote"), rulebook, cap)
    board = _board(ck, data, rulebook, as_of) if data.get("board") is not None else None
    together = _acting_as_group(ck, data, rulebook) if data.get("acting_as_group") is not None else ()
    if not problems and not (name and as_of and cap and action):
        # Each check that leaves one of them unread says why; should one not, the scenario is
        # still refused on the key's line, never read half.
        for key, value in (("name", name), ("as_of", as_of), ("cap_table", cap), ("action", action)):
            if not value:
                ck.add(_line(data, key), "bad-value", f"{key}: could not be read")
    _raise(problems, file)
    return Scenario(name=name, as_of=as_of, cap_table=cap, action=action, file=file, description=description,
                    tally=tally, vote_by=vote_by, instruments={**cap.instruments, **stated}, board=board,
                    acting_as_group=together)


def _added(rulebook: Rulebook, action: Action) -> int:
    """The shares a proposed action may add to the cap table (for MAX_TOTAL_SHARES): a purchase
    from the Company issues its quantity; a corporate action, each number of shares it states."""
    added = action.quantity or 0 if action.kind == "purchase" and action.seller == "company" else 0
    for name, value in action.details.items():
        spec = rulebook.facts.get(name)
        if spec is not None and spec.type == "shares" and isinstance(value, int) and not isinstance(value, bool):
            added += value
    return added


def _acting_as_group(ck: _Checker, data: dict, rulebook: Rulebook) -> tuple[frozenset[str], ...]:
    """`acting_as_group`: lists of the rulebook's groups stated to act together as one "group"
    within Rule 13d-5(b)(1) (each list two or more groups; a group in one list at most)."""
    node = data["acting_as_group"]
    if not isinstance(node, list) or not node:
        ck.add(_line(data, "acting_as_group"), "wrong-type",
               f"acting_as_group: expected a list of lists of groups of the rulebook ({', '.join(rulebook.groups)})")
        return ()
    out: list[frozenset[str]] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(node):
        path, line = f"acting_as_group[{i}]", _item_line(node, i)
        if not isinstance(item, list) or len(item) < 2:
            ck.add(line, "wrong-type", f"{path}: expected a list of two or more groups of the rulebook "
                                       f"({', '.join(rulebook.groups)})")
            continue
        ok = True
        for group in item:
            if not isinstance(group, str) or group not in rulebook.groups:
                ck.add(line, "bad-value", f"{path}: {_show(group)} is not a group of the rulebook "
                                          f"({', '.join(rulebook.groups)}){did_you_mean(str(group), list(rulebook.groups))}")
                ok = False
            elif group in seen:
                ck.add(line, "duplicate", f"{path}: group {group} is already in acting_as_group[{seen[group]}]"
                                          if seen[group] != i else f"{path}: group {group} is listed twice")
                ok = False
            else:
                seen[group] = i
        if ok:
            out.append(frozenset(item))
    return tuple(out)


def _board(ck: _Checker, data: dict, rulebook: Rulebook, as_of: date | None):
    """`board`: the board history, each director with the day seated, the day out of office (if
    any), the directors who approved the election or nomination (and the day, if not the day
    seated), or the security whose holders elected the director under their own right."""
    node = data["board"]
    if not ck.mapping(node, "board", BOARD_KEYS, BOARD_KEYS, line=_line(data, "board")):
        return None
    items = node.get("directors")
    if not isinstance(items, list) or not items:
        ck.add(_line(node, "directors"), "wrong-type", "board.directors: expected a list of directors")
        return None
    if len(items) > MAX_DIRECTORS:
        ck.add(_line(node, "directors"), "too-large", f"board.directors: {len(items):,} directors; a board history "
                                                       f"lists at most {MAX_DIRECTORS}")
        return None
    directors: list[Director] = []
    names: dict[str, int] = {}
    for i, item in enumerate(items):
        path, line = f"board.directors[{i}]", _item_line(items, i)
        if not ck.mapping(item, path, DIRECTOR_KEYS, ("name", "seated"), line=line):
            continue
        name = ck.text(item, "name", path)
        seated, left = ck.date(item, "seated", path), ck.date(item, "left", path)
        approved_on = ck.date(item, "approved_on", path)
        if name is not None and name in names:
            ck.add(_line(item, "name"), "duplicate", f"{path}.name: {_show(name)} is already board.directors[{names[name]}]")
            continue
        if name is not None:
            names[name] = i
        if seated and left and left <= seated:
            ck.add(_line(item, "left"), "bad-date", f"{path}.left: {left} is not after the day seated, {seated}")
            continue
        if seated and approved_on and approved_on > seated:
            ck.add(_line(item, "approved_on"), "bad-date",
                   f"{path}.approved_on: {approved_on} is after the day seated, {seated}")
            continue
        if seated and as_of and seated > as_of:
            ck.add(_line(item, "seated"), "bad-date",
                   f"{path}.seated: {seated} is after as_of {as_of}; a board history records what has happened")
            continue
        approvers = item.get("approved_by")
        if approvers is not None and (not isinstance(approvers, list)
                                      or not all(isinstance(a, str) and a.strip() for a in approvers)):
            ck.add(_line(item, "approved_by"), "wrong-type", f"{path}.approved_by: expected a list of directors' names")
            continue
        elected_by = item.get("elected_by")
        if elected_by is not None and (not isinstance(elected_by, str) or elected_by not in rulebook.securities):
            ck.add(_line(item, "elected_by"), "bad-value",
                   f"{path}.elected_by: {_show(elected_by)} is not a security of the rulebook "
                   f"({', '.join(rulebook.securities)}){did_you_mean(elected_by, list(rulebook.securities))}")
            continue
        if elected_by is not None and approvers:
            ck.add(_line(item, "approved_by"), "bad-value",
                   f"{path}: state approved_by or elected_by, not both")
            continue
        if name is None or seated is None:
            continue
        directors.append(Director(name=name, seated=seated, left=left, approved_by=tuple(a.strip() for a in approvers or ()),
                                  approved_on=approved_on, elected_by=elected_by, line=line))
    known = {d.name: d for d in directors}
    for i, d in enumerate(directors):
        for voter in d.approved_by:
            path = f"board.directors[{names[d.name]}].approved_by"
            if voter not in known:
                ck.add(_line(items[names[d.name]], "approved_by"), "dangling-reference",
                       f"{path}: {_show(voter)} is not a director of board.directors{did_you_mean(voter, list(known))}")
            elif (voter == d.name or not known[voter].in_office(d.approval_day)
                  or known[voter].seated >= d.approval_day):
                ck.add(_line(items[names[d.name]], "approved_by"), "bad-value",
                       f"{path}: {_show(voter)} was not in office before {d.approval_day} to approve {_show(d.name)}")
    return Board(directors=tuple(directors), stated_in=f"{ck.file}:{_line(data, 'board')}")


def instruments(ck: _Checker, node: dict, path: str, rulebook: Rulebook) -> dict[str, InstrumentStatus]:
    """`instruments`: each document's stated status, `in_force` or `{status: terminated|cancelled, from: DATE}`."""
    raw = node.get("instruments")
    where = _join(path, "instruments")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        ck.add(_line(node, "instruments"), "wrong-type",
               f"{where}: expected a mapping of document id: status, got {_show(raw)}")
        return {}
    out: dict[str, InstrumentStatus] = {}
    for doc_id, item in raw.items():
        line = _line(raw, doc_id)
        item_path = f"{where}.{doc_id}"
        if doc_id not in rulebook.documents:
            ck.add(line, "bad-value", f"{where}: {_show(doc_id)} is not a document of the rulebook "
                                      f"({', '.join(rulebook.documents)}){did_you_mean(doc_id, rulebook.documents)}")
            continue
        if isinstance(item, str):
            item = {"status": item}  # the short form: `certificate-of-designation: in_force`
        if not ck.mapping(item, item_path, INSTRUMENT_KEYS, ("status",), line=line):
            continue
        status = item.get("status")
        if status not in INSTRUMENT_STATUSES:
            ck.add(_line(item, "status") or line, "bad-value",
                   f"{item_path}.status: expected one of {', '.join(INSTRUMENT_STATUSES)}, got {_show(status)}"
                   f"{did_you_mean(status, INSTRUMENT_STATUSES)}")
            continue
        from_date = ck.date(item, "from", item_path)
        if status != "in_force" and "from" not in item:
            ck.add(_line(item) or line, "missing-field", f"{item_path}.from: missing (the date {status} takes effect)")
            continue
        if status == "in_force" and "from" in item:
            ck.add(_line(item, "from") or line, "bad-value",
                   f"{item_path}.from: an instrument in force has no end date (use status terminated or cancelled)")
            continue
        document = rulebook.documents[doc_id]
        if from_date is not None and document.date is not None and from_date < document.date:
            ck.add(_line(item, "from") or line, "bad-date",
                   f"{item_path}.from: {from_date} is before the instrument's own date {document.date}")
            continue
        if status != "in_force" and from_date is None:
            continue  # a bad date, already reported
        out[doc_id] = InstrumentStatus(document=doc_id, status=status, from_date=from_date,
                                       note=ck.text(item, "note", item_path, most=None) or "",
                                       stated_in=ck.file + (f":{_line(item) or line}" if _line(item) or line else ""))
    return out


def _corporate(ck: _Checker, node: dict, kind: str, rulebook: Rulebook) -> Action:
    """A corporate action: each field states one fact the rulebook declares (facts.yaml)."""
    details = _stated_fields(ck, node, kind, rulebook, top=("kind",))
    _contradictions(ck, node, details, rulebook, kind)
    return Action(kind=kind, details={k: v for k, v in details.items() if v is not None})


def _stated_fields(ck: _Checker, node: dict, kind: str, rulebook: Rulebook, top: tuple = (),
                   only: bool = True) -> dict:
    """The facts an action's fields state, for the facts.yaml facts declared with `field` and
    this action kind; `only`: any other key of the action is reported (keys in `top` allowed)."""
    specs = [spec for spec in rulebook.facts.values() if spec.key and kind in spec.kinds]
    tree: dict = {}
    for spec in specs:
        head, _, tail = spec.key.partition(".")
        if tail:
            tree.setdefault(head, []).append(tail)
    top = top + tuple(dict.fromkeys(spec.key.split(".")[0] for spec in specs))
    if only:
        ck.mapping(node, "action", top, what=f" for a {kind}")
    for head, keys in tree.items():
        if head in node and node[head] is not None:
            ck.mapping(node[head], f"action.{head}", tuple(keys), line=_line(node, head), what=f" for a {kind}")
    details: dict = {}
    for spec in specs:
        parent, key = node, spec.key
        if "." in key:
            head, key = key.split(".", 1)
            parent = node.get(head)
            if not isinstance(parent, dict):
                continue
        if key not in parent or parent[key] is None:
            continue  # not stated: the fact stays unknown and a rule that needs it cannot decide
        path = f"action.{spec.key}"
        value = parent[key]
        line = _line(parent, key)
        if spec.type == "bool":
            details[spec.name] = ck.boolean(parent, key, path.rsplit(".", 1)[0] if "." in spec.key else "action")
        elif spec.type == "shares":
            details[spec.name] = ck.shares(parent, key, "action", 1)
        elif spec.type == "text":
            details[spec.name] = ck.text(parent, key, "action", most=None)
        elif spec.type in ("percent", "money"):
            where = path.rsplit(".", 1)[0] if "." in spec.key else "action"
            details[spec.name] = ck.number(parent, key, where, 100 if spec.type == "percent" else None)
        elif spec.type == "date":
            details[spec.name] = ck.date(parent, key, path.rsplit(".", 1)[0] if "." in spec.key else "action")
        else:
            allowed = allowed_values(spec, list(rulebook.securities), list(rulebook.groups))
            items = value if spec.type == "set" else [value]
            if spec.type == "set" and not isinstance(value, list):
                ck.add(line, "wrong-type", f"{path}: expected a list of {', '.join(allowed)}, got {_show(value)}")
                continue
            bad = [v for v in items if not isinstance(v, str) or v not in allowed]
            for v in bad:
                ck.add(line, "bad-value", f"{path}: {_show(v)} is not one of {', '.join(allowed)}{did_you_mean(v, allowed)}")
            if not bad:
                details[spec.name] = frozenset(items) if spec.type == "set" else value
    return details


def _stated(node: dict, path: str) -> bool:
    head, _, tail = path.partition(".")
    value = node.get(head)
    if tail:
        return isinstance(value, dict) and value.get(tail) is not None
    return value is not None


def _contradictions(ck: _Checker, node: dict, details: dict, rulebook: Rulebook, kind: str) -> None:
    """Stated facts that cannot hold together (facts.yaml `constraints`, which may also name the
    action's kind), and a stated value that a measure of another stated fact contradicts (a
    jurisdiction's kind against its name)."""
    known = {**details, "action.kind": kind}
    for constraint in rulebook.constraints:
        stated = [f for f in constraint.fields if _stated(node, f)]
        if stated and truth(constraint.when, known) is True:
            head, _, tail = stated[0].partition(".")
            line = _line(node[head], tail) if tail else _line(node, head)
            ck.add(line, "contradiction", f"action.{stated[0]}: {constraint.message}")
    sit = None
    for spec in rulebook.facts.values():
        if not (spec.key and spec.measure and spec.contradiction) or details.get(spec.name) is None:
            continue
        sit = sit or Situation(rulebook.deal(), CapTable(0, ()), rulebook.param("closing_date"), None, details)
        measured = measure(spec.measure, sit, spec.params)
        stated = details[spec.name]
        if measured is not None and measured != stated:
            source = next((v for k, v in spec.params.items() if k.endswith("_fact")), None)
            head, _, tail = spec.key.partition(".")
            line = _line(node.get(head), tail) if tail and isinstance(node.get(head), dict) else _line(node, head)
            text = spec.contradiction.format(stated=stated, measured=measured, input=details.get(source))
            ck.add(line, "contradiction", f"action.{spec.key}: {text}")


def _vote(ck: _Checker, node: Any, line: int | None, rulebook: Rulebook, cap: CapTable | None):
    """The record-date tally, if the scenario gives one: who votes how, by holder or by group."""
    if node is None:
        return None, "group"
    if not ck.mapping(node, "vote", VOTE_KEYS, line=line):
        return None, "group"
    by = node.get("by", "group")
    if by not in ("group", "holder"):
        ck.add(_line(node, "by"), "bad-value", f"vote.by: expected group or holder, got {_show(by)}")
        by = "group"
    record_date = ck.date(node, "record_date", "vote")
    votes: dict[str, str] = {}
    raw = node.get("votes")
    if raw is not None and not isinstance(raw, dict):
        ck.add(_line(node, "votes"), "wrong-type", f"vote.votes: expected a mapping of voter: choice, got {_show(raw)}")
        raw = None
    names = [h.name for h in cap.holders] if cap else []
    # Voting by group, a group votes as one; a holder outside every group still votes alone.
    ungrouped = [h.name for h in cap.holders if h.group == NO_GROUP] if cap else []
    voters = list(rulebook.groups) + ungrouped if by == "group" else names
    group_of = {h.name: h.group for h in cap.holders} if cap else {}
    for voter, choice in (raw or {}).items():
        where = _line(raw, voter)
        if by == "group" and voter in group_of and voter not in voters:
            ck.add(where, "bad-value", f"vote.votes: {voter} is in group {group_of[voter]}, which votes as one: "
                                       f"name the group ({group_of[voter]}), or set vote.by: holder")
            continue
        if voter not in voters:
            ck.add(where, "unknown-holder", f"vote.votes: {_show(voter)} is not a "
                   + ("group or holder" if by == "group" else "holder") + f" of the cap table{did_you_mean(voter, voters)}")
            continue
        if choice not in VOTE_CHOICES:
            ck.add(where, "bad-value", f"vote.votes.{voter}: expected one of {', '.join(VOTE_CHOICES)}, got {_show(choice)}"
                   f"{did_you_mean(choice, VOTE_CHOICES)}")
            continue
        votes[voter] = choice
    tally = Tally(record_date=record_date, votes=votes, by_group=by == "group",
                  common_for=ck.shares(node, "common_for", "vote", 0),
                  common_against=ck.shares(node, "common_against", "vote", 0))
    return (tally if raw is not None else None), by


def _scenario_cap_table(ck: _Checker, data: dict, rulebook: Rulebook, base_dir: Path,
                        display_dir: str) -> CapTable | None:
    node = data.get("cap_table")
    if node is None or isinstance(node, CapTable):
        return node
    if isinstance(node, str):
        ref, overrides = node, None
    elif isinstance(node, dict):
        if not ck.mapping(node, "cap_table", ("file",) + cap_table_keys(rulebook)):
            return None
        ref, overrides = node.get("file"), node
        if ref is not None and not isinstance(ref, str):
            ck.add(_line(node, "file"), "wrong-type", f"cap_table.file: expected a path, got {_show(ref)}")
            return None
        if ref is None and "common_outstanding" not in node:
            ck.add(_line(node), "missing-field", "cap_table.file: missing (or give common_outstanding and "
                                                 "holders for a cap table written out in full)")
            return None
    else:
        ck.add(_line(data, "cap_table"), "wrong-type",
               f"cap_table: expected a file path or a mapping, got {_show(node)}")
        return None
    base = CapTable(0, (), None, ck.file)
    display = ""
    if ref is not None:
        display = os.path.normpath(os.path.join(display_dir, ref))
        target = base_dir / ref
        try:
            found, there = target.is_file(), target.exists()
        except (OSError, ValueError):  # a name too long for the system, a NUL character in it
            found = there = False
        if not found:
            line = _line(overrides, "file") if overrides is not None else _line(data, "cap_table")
            key = "cap_table.file" if overrides is not None else "cap_table"
            shown = display if len(ref) <= MAX_NAME and display.isprintable() else _show(ref)
            if there:  # a folder, a device or a pipe: never opened (a pipe would wait for a writer)
                ck.add(line, "unreadable-file", f"{key}: {shown} is not a regular file (a folder, a device or a pipe)")
            else:
                ck.add(line, "missing-file", f"{key}: no such file {shown}")
            return None
        table = _read_cap_table(target, display, rulebook, ck.problems)
        if table is None:
            return None
        base = table
    if overrides is None:
        return base
    before = len(ck.problems.problems)
    table = _apply_cap_table(ck, overrides, "cap_table", base, rulebook, inline=ref is None, base_name=display)
    if len(ck.problems.problems) != before:
        return None
    return replace(table, source=f"{display}, as amended by {ck.file}" if display else ck.file)


def _action(ck: _Checker, node: Any, line: int | None, rulebook: Rulebook, cap: CapTable | None) -> Action | None:
    if node is None:
        return None
    if not isinstance(node, dict):
        ck.add(line, "wrong-type", f"action: expected a mapping, got {_show(node)}")
        return None
    kind = node.get("kind")
    kinds = rulebook.action_kinds
    if kind in kinds and kind in capital.CAPITAL_KINDS:
        declared = tuple(dict.fromkeys(spec.key.split(".")[0] for spec in rulebook.facts.values()
                                       if spec.key and kind in spec.kinds))
        action = capital.parse_action(ck, node, rulebook, cap, declared)
        stated = _stated_fields(ck, node, kind, rulebook, only=False)
        if action is None or not stated:
            return action
        return replace(action, details={**action.details, **{k: v for k, v in stated.items() if v is not None}})
    if kind in kinds and kind not in TRADE_KINDS:
        return _corporate(ck, node, kind, rulebook)
    if kind is None:
        every = tuple(dict.fromkeys(_trade_keys("purchase", rulebook) + _trade_keys("transfer", rulebook)))
        ck.mapping(node, "action", every, ("kind",))
        return None
    if kind not in kinds or kind not in TRADE_KINDS:
        ck.add(_line(node, "kind"), "bad-value", f"action.kind: {_show(kind)} is not one of "
                                                 f"{', '.join(kinds)}{did_you_mean(kind, kinds)}")
        return None
    buyer, seller = node.get("buyer"), node.get("seller")
    if kind == "purchase" and (buyer == COMPANY or isinstance(buyer, dict) and buyer.get("group") == COMPANY) \
            and isinstance(seller, str) and seller not in SELLERS:
        # The Company buying from a holder is the holder's transfer to the Company: one event.
        node, kind = _renamed(node, {"buyer": "to", "seller": "from"}), "transfer"
    if "route" in node:
        ck.add(_line(node, "route"), "unknown-key", ROUTE_MOVED)
    ck.mapping(node, "action", _trade_keys(kind, rulebook) + ("route",), ACTION_REQUIRED[kind], what=f" for a {kind}")
    security = _security(ck, node, rulebook, cap)
    quantity = ck.shares(node, "quantity", "action", 1)
    if kind == "purchase":
        return _purchase(ck, node, rulebook, cap, security, quantity)
    return _transfer(ck, node, rulebook, cap, security, quantity)


def _trade_keys(kind: str, rulebook: Rulebook) -> tuple:
    """A purchase's or transfer's keys: the engine's own, and the fields facts.yaml declares for it."""
    fields = (spec.key.split(".")[0] for spec in rulebook.facts.values() if spec.key and kind in spec.kinds)
    return tuple(dict.fromkeys(ACTION_KEYS[kind] + tuple(fields)))


def _security(ck: _Checker, node: dict, rulebook: Rulebook, cap: CapTable | None = None) -> str | None:
    value = node.get("security")
    if value is None:
        return None
    stated = list(cap.convertibles) if cap is not None else []  # other convertibles the cap table declares
    if not isinstance(value, str) or (value not in rulebook.securities and value not in stated):
        known = list(rulebook.securities) + stated
        ck.add(_line(node, "security"), "unknown-security",
               f"action.security: unknown security {_show(value)}{did_you_mean(value, known)}; "
               f"the rulebook has {', '.join(rulebook.securities)}"
               + (f" and the cap table {', '.join(stated)}" if stated else ""))
        return None
    return value


def _purchase(ck: _Checker, node: dict, rulebook: Rulebook, cap: CapTable | None, security: str | None,
              quantity: int | None) -> Action | None:
    """A purchase from the market or the Company; a purchase from a holder is that holder's transfer."""
    buyer = _party(ck, node, "buyer", rulebook, cap, company_allowed=False)
    seller, transferor = "market", None
    value = node.get("seller")
    if value in SELLERS:
        seller = value
    elif isinstance(value, str):
        holder = _holder(ck, node, "seller", cap, extra=SELLERS)
        if holder is not None:
            seller, transferor = "holder", _transferor(holder)
            _check_held(ck, node, holder, security, quantity, rulebook, "sold")
    elif value is not None:
        ck.add(_line(node, "seller"), "wrong-type",
               f"action.seller: expected market, company or a holder name, got {_show(value)}")
        return None
    if buyer is not None and transferor is not None and buyer.name == transferor.name:
        ck.add(_line(node, "seller"), "contradiction", f"action.seller: {buyer.name} cannot buy from itself")
        return None
    if seller != "holder":
        for key in TRANSFER_FACT_KEYS:
            if key in node:
                ck.add(_line(node, key), "unknown-key",
                       f"action.{key}: applies only to a purchase from a holder (a transfer), not from the {seller}")
    facts = _transfer_facts(ck, node)
    details = {k: v for k, v in _stated_fields(ck, node, "purchase", rulebook, only=False).items() if v is not None}
    if seller == "company" and security in rulebook.securities and rulebook.securities[security]["class"] == "preferred":
        ck.add(_line(node, "seller"), "bad-value",
               f"action.seller: company: the Company selling {security} is an issuance of it; state it as kind: "
               f"equity_issuance (with its class, series and quantity) so that the rules on issuing it decide it")
        return None
    if buyer is None or security is None or quantity is None or facts is None:
        return None
    if seller == "market" and security == "common" and cap is not None:
        held = sum(h.common for h in cap.holders)
        floating = cap.common_outstanding - held
        if quantity > floating:
            ck.add(_line(node, "quantity"), "bad-value",
                   f"action.quantity: {quantity:,} shares of common cannot be bought in the market, which holds "
                   f"{floating:,} ({cap.common_outstanding:,} outstanding, {held:,} held on the cap table)")
            return None
    if transferor is not None:
        # One event, one encoding: a purchase from a holder is the holder's Securities Transfer.
        return Action(kind="transfer", security=security, quantity=quantity, acquirer=buyer, seller="holder",
                      transferor=transferor, details=details, **facts)
    return Action(kind="purchase", security=security, quantity=quantity, acquirer=buyer, seller=seller,
                  details=details)


def _renamed(node: dict, names: dict[str, str]) -> dict:
    """The same mapping with some keys renamed, each keeping its line."""
    out = LineDict()
    out.line = getattr(node, "line", 0)
    out.key_lines = {}
    for key, value in node.items():
        out[names.get(key, key)] = value
        out.key_lines[names.get(key, key)] = _line(node, key)
    return out


def _transfer_facts(ck: _Checker, node: dict) -> dict | None:
    """The facts a disposition by a holder turns on: its Securities Act basis, the transferee's
    Permitted Transferee Agreement and whether Rule 144 resale is available."""
    basis = node.get("basis")
    facts = {
        "basis": basis,
        "permitted_transferee_agreement": ck.boolean(node, "permitted_transferee_agreement", "action"),
        "rule144_resale_available": ck.boolean(node, "rule144_resale_available", "action"),
    }
    if basis is not None and basis not in BASES:
        ck.add(_line(node, "basis"), "bad-value",
               f"action.basis: {_show(basis)} is not one of {', '.join(BASES)}{did_you_mean(basis, BASES)}")
        return None
    return facts


def _transferor(holder: Holding) -> Party:
    return Party(name=holder.name, group=holder.group,
                 permitted_transferee_agreement=holder.permitted_transferee_agreement)


def _transfer(ck: _Checker, node: dict, rulebook: Rulebook, cap: CapTable | None, security: str | None,
              quantity: int | None) -> Action | None:
    transferor = None
    value = node.get("from")
    if isinstance(value, str):
        holder = _holder(ck, node, "from", cap)
        if holder is not None:
            transferor = _transferor(holder)
            _check_held(ck, node, holder, security, quantity, rulebook, "transferred")
    elif value is not None:
        ck.add(_line(node, "from"), "wrong-type", f"action.from: expected a holder name, got {_show(value)}")
    transferee = _party(ck, node, "to", rulebook, cap, company_allowed=True)
    facts = _transfer_facts(ck, node)
    financing = ck.boolean(node, "pledge_in_bona_fide_financing", "action")
    details = _stated_fields(ck, node, "transfer", rulebook, only=False)
    if transferee is not None and not transferee.is_company:
        for spec in rulebook.facts.values():
            if spec.to_company and spec.key and "transfer" in spec.kinds and spec.key.split(".")[0] in node:
                ck.add(_line(node, spec.key.split(".")[0]), "unknown-key",
                       f"action.{spec.key}: applies only to a transfer to the Company")
                details.pop(spec.name, None)
    if transferor is not None and transferee is not None and transferor.name == transferee.name:
        ck.add(_line(node, "to"), "contradiction", f"action.to: {transferor.name} cannot transfer to itself")
        return None
    if transferor is None or transferee is None or security is None or quantity is None or facts is None:
        return None
    return Action(kind="transfer", security=security, quantity=quantity, acquirer=transferee, seller="holder",
                  transferor=transferor, bona_fide_financing=bool(financing),
                  details={k: v for k, v in details.items() if v is not None}, **facts)


def _holder(ck: _Checker, node: dict, key: str, cap: CapTable | None, extra: tuple = (),
            hint: str = "") -> Holding | None:
    """The cap-table holder named by node[key], or None (reported unless the cap table itself failed)."""
    name = node[key]
    if cap is None:
        return None
    holder = cap.holder(name)
    if holder is None:
        suggestion = did_you_mean(name, [h.name for h in cap.holders] + list(extra))
        ck.add(_line(node, key), "unknown-holder",
               f"action.{key}: '{excerpt(name)}' is not a holder on the cap table{suggestion}{hint}")
    return holder


def _party(ck: _Checker, node: dict, key: str, rulebook: Rulebook, cap: CapTable | None,
           company_allowed: bool) -> Party | None:
    """The buyer or transferee: a holder's name, `company` (transfers), or a mapping {name, group, ...}."""
    value = node.get(key)
    path = f"action.{key}"
    if value is None:
        return None
    if isinstance(value, str):
        if company_allowed and value == COMPANY:
            return THE_COMPANY
        holder = _holder(ck, node, key, cap, hint="; name a newcomer as a mapping {name, group}")
        return Party(name=holder.name, group=holder.group) if holder else None
    declared = rulebook.party_attributes
    if not ck.mapping(value, path, ("name", "group") + tuple(declared), ("name",), line=_line(node, key)):
        return None
    name = ck.text(value, "name", path)
    group = ck.group(value, "group", path, rulebook)
    flags = {}
    for attr, spec in declared.items():
        if spec.type == "bool":
            stated = ck.boolean(value, attr, path)
        elif spec.type == "text":
            stated = ck.text(value, attr, path)
        else:
            stated = value.get(attr)
            if stated is not None and stated not in spec.values:
                ck.add(_line(value, attr), "bad-value", f"{path}.{attr}: {_show(stated)} is not one of "
                       f"{', '.join(spec.values)} ({spec.label}){did_you_mean(stated, spec.values)}")
                stated = None
        if stated is not None:
            flags[attr] = stated
    if name is None or cap is None:
        return None
    if group == COMPANY:
        if not company_allowed:
            ck.add(_line(value, "group"), "bad-value",
                   f"{path}.group: company: the Company does not buy its own securities in the market; a sale "
                   "to the Company by a holder is a transfer (kind: transfer, from: HOLDER, to: company)")
            return None
        return replace(THE_COMPANY, name=name)  # the Company, however the scenario names it
    holder = cap.holder(name)
    if holder is not None:
        if group is not None and group != holder.group:
            ck.add(_line(value, "group"), "contradiction",
                   f"{path}.group: {group} contradicts the cap table, where {name} is in group {holder.group}")
            return None
        group = holder.group
    elif group is None:
        if "group" not in value:
            ck.add(_line(value), "missing-field", f"{path}.group: missing for '{excerpt(name)}', who is not on the cap table")
        elif value.get("group") is None:
            ck.add(_line(value, "group"), "missing-field", f"{path}.group: empty for '{excerpt(name)}', who is not on "
                                                           "the cap table")
        return None
    return Party(name=name, group=group, attributes=flags)


def _check_held(ck: _Checker, node: dict, holder: Holding, security: str | None, quantity: int | None,
                rulebook: Rulebook, verb: str) -> None:
    if security is None or quantity is None:
        return
    held = capital.held(holder, security, rulebook.securities.get(security, {}).get("class"))
    if held < quantity:
        ck.add(_line(node, "quantity"), "bad-value",
               f"action.quantity: {holder.name} holds {held:,} of {security}, fewer than the {quantity:,} to be {verb}")


# --- the record since the Closing: dated events applied in order ----------------------------------

EVENT_KEYS = {
    "conversion": ("date", "kind", "holder", "security", "quantity"),
    "exercise": ("date", "kind", "holder", "quantity", "method", "fair_market_value"),
    "transfer": ("date", "kind", "from", "to", "security", "quantity"),
    "issuance": ("date", "kind", "security", "quantity", "to"),
    "repurchase": ("date", "kind", "security", "quantity", "from"),
}
EVENT_OPTIONAL = {"exercise": ("method", "fair_market_value"), "issuance": ("to",), "repurchase": ("from",)}
EXERCISE_METHODS = ("cash", "net_issue")


@dataclass
class _Event:
    """One history event as far as it reads without the holdings: what its checks found usable."""
    kind: str | None = None
    when: date | None = None
    quantity: int | None = None
    # The holder named: `holder` (conversion, exercise), `from` (transfer, repurchase), `to` (issuance).
    holder: str | None = None
    security: str | None = None
    to: str | None = None  # transfer: the transferee's name
    to_group: str | None = None  # transfer: the group of a transferee stated as {name, group}
    fair_market_value: Fraction | None = None  # net issue exercise
    term: Any = None  # a term event of the rulebook: the RecordedTermEvent it reads as


@dataclass
class _Record:
    """The holdings as the history is applied, event by event."""
    holders: dict[str, Holding]
    outstanding: int
    converted: dict[str, int]
    last: tuple | None
    term_events: list = field(default_factory=list)  # RecordedTermEvent, in date order
    adjusted: Any = None  # rulebook.adjustments of term_events, once worked out (the next event's "before")

    def table(self, base: CapTable) -> CapTable:
        return replace(base, holders=tuple(self.holders.values()), common_outstanding=self.outstanding,
                       converted=dict(self.converted), last_event=self.last, term_events=tuple(self.term_events))


def _history(ck: _Checker, node: dict, path: str, table: CapTable, rulebook: Rulebook,
             until: date | None = None) -> CapTable:
    """Apply `node['history']`, a list of dated events since the Closing, in order, to `table`.

    Conversion and warrant exercise compute the Common issued under the rulebook's terms; the
    conversion Common joins the Common outstanding and the converted preferred is counted as
    converted in its class (cap_table `<class>_converted`), so that a deemed conversion of the
    class counts each share once.

    Every event is checked and every problem reported in one run, without reporting a problem
    that is only the consequence of an earlier one:
    - what an event says on its own is checked for every event: a mapping with a known kind, its
      keys, the date and the quantity, each date not before the one of the event before it that
      has a date (the first: not before the closing_date), the security, method and fair market
      value, the dates the rulebook allows (conversion right, Warrant expiry), and that each
      holder it names is on the table or was brought in as a transferee {name, group} by an
      earlier event (whether or not that event could be applied);
    - an event with any problem is not applied, and from the first such event the holdings are
      uncertain: what depends on them (that a holder holds the shares it gives up, that the
      Common outstanding covers what the holders hold) is checked only while every earlier event
      has been applied, and only for an event with no problem of its own.
    With `until`, the table returned is the table as it stood on that date: later events are not
    applied to it, but they are checked all the same (the problems of a file do not depend on the
    date it is read for).
    """
    items = node["history"]
    if not isinstance(items, list):
        ck.add(_line(node, "history"), "wrong-type", f"{path}: expected a list of events, got {_show(items)}")
        return table
    term_kinds = set(rulebook.term_events)
    terms_stated = sum(1 for item in items if isinstance(item, dict) and isinstance(item.get("kind"), str)
                       and item["kind"] in term_kinds)
    if len(items) > MAX_EVENTS or terms_stated > MAX_TERM_EVENTS:
        ck.add(_line(node, "history"), "too-large",
               f"{path}: {len(items):,} events, {terms_stated:,} of them changing the terms; a history has at most "
               f"{MAX_EVENTS:,} events and {MAX_TERM_EVENTS:,} that change the terms")
        return table
    closing = rulebook.param("closing_date")
    record = _Record({h.name: h for h in table.holders}, table.common_outstanding, dict(table.converted),
                     table.last_event, list(table.term_events))
    names = set(record.holders)  # every name an event may give: the table's and transferees brought in
    previous: date | None = None
    certain = True  # every event so far has been applied
    stood: CapTable | None = None  # the table on `until`, once an event after it is reached
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        line = _item_line(items, index)
        before = len(ck.problems.problems)
        event = _check_event(ck, item, where, line, rulebook, names, previous, closing)
        if isinstance(item, dict) and isinstance(item.get("to"), dict) and isinstance(item["to"].get("name"), str):
            names.add(item["to"]["name"])
        previous = event.when or previous
        if len(ck.problems.problems) != before:
            certain = False
        if not certain:
            continue
        if until is not None and stood is None and event.when > until:
            stood = record.table(table)  # later events have not happened yet on `until`
        certain = _apply_event(ck, item, where, line, rulebook, event, record)
        if certain and (record.outstanding > MAX_TOTAL_SHARES
                        or any(h.common > MAX_TOTAL_SHARES or h.warrants > MAX_TOTAL_SHARES
                               for h in record.holders.values())):
            ck.add(_line(item, "date") or line, "bad-value", f"{where}: the event leaves {record.outstanding:,} shares of "
                   f"Common outstanding, or a holding, past the {MAX_TOTAL_SHARES:,} the engine compares exactly")
            certain = False
        record.last = (event.when, ck.file, _line(item, "date") or line)
    return stood if stood is not None else record.table(table)


def _check_event(ck: _Checker, item: Any, where: str, line: int | None, rulebook: Rulebook, names: set[str],
                 previous: date | None, closing: date) -> _Event:
    """The checks of one event that do not depend on the holdings (see _history)."""
    if not isinstance(item, dict):
        ck.add(line, "wrong-type", f"{where}: expected an event mapping, got {_show(item)}")
        return _Event()
    kind = item.get("kind")
    kinds = {**EVENT_KEYS, **{event_id: ("date", "kind", *(name for name, _ in spec.fields))
                              for event_id, spec in rulebook.term_events.items()}}
    known = isinstance(kind, str) and kind in kinds
    optional = {**EVENT_OPTIONAL, **{event_id: tuple(name for name, kind in spec.fields if kind == "optional_date")
                                     for event_id, spec in rulebook.term_events.items()}}
    if known:
        ck.mapping(item, where, kinds[kind],
                   tuple(k for k in kinds[kind] if k not in optional.get(kind, ())), line=line)
    else:
        ck.add(_line(item, "kind") or line, "bad-value",
               f"{where}.kind: {_show(kind)} is not one of {', '.join(kinds)}{did_you_mean(kind, kinds)}")
    when = ck.date(item, "date", where)
    event = _Event(kind=kind if known else None, when=when, quantity=ck.shares(item, "quantity", where, 1))
    if when is not None and when < (previous or closing):
        ck.add(_line(item, "date"), "bad-date", f"{where}.date: {when} is before "
               + (f"the previous event ({previous})" if previous else f"the closing_date {closing}"))
    dated = when is not None and when >= closing  # a date the rulebook's dated values can be read on

    def named(key: str) -> str | None:
        name = item.get(key)
        if name is None:
            return None  # missing: the key check says so when it is required
        if isinstance(name, str) and name in names:
            return name
        ck.add(_line(item, key), "unknown-holder", f"{where}.{key}: {_show(name)} is not a holder at that date"
               f"{did_you_mean(name, sorted(names)) if isinstance(name, str) else ''}")
        return None

    def security(allowed: Any, message: str) -> str | None:
        value = item.get("security")
        if value is None:
            return None
        if isinstance(value, str) and allowed(value):
            return value
        ck.add(_line(item, "security"), "unknown-security" if kind == "transfer" else "bad-value",
               f"{where}.security: {message.format(_show(value))}")
        return None

    if known and kind in rulebook.term_events:
        event.term = _term_event(ck, item, where, rulebook.term_events[kind], when)
    elif kind == "conversion":
        event.holder = named("holder")
        event.security = security(lambda s: rulebook.securities.get(s, {}).get("class") == "preferred",
                                  "{} is not a convertible preferred series of the rulebook")
        right_ends = rulebook.parameters.get("conversion_right_expiry")
        if right_ends is not None and when is not None and when > right_ends.value:
            ck.add(_line(item, "date"), "bad-date", f"{where}.date: {when} is after the conversion right expired "
                   f"({right_ends.value}, {_cited(rulebook, right_ends)}); the shares can no longer be converted")
    elif kind == "exercise":
        event.holder, event.security = named("holder"), "warrant"
        expiry = rulebook.param("warrant_expiry")
        if when is not None and when > expiry:
            ck.add(_line(item, "date"), "bad-date", f"{where}.date: {when} is after the Warrant expired "
                   f"({expiry}, {_cited(rulebook, rulebook.parameters['warrant_expiry'])}); an expired Warrant "
                   "cannot be exercised")
        method = item.get("method", "cash")
        if method not in EXERCISE_METHODS:
            ck.add(_line(item, "method"), "bad-value", f"{where}.method: {_show(method)} is not one of "
                   f"{', '.join(EXERCISE_METHODS)}{did_you_mean(method, EXERCISE_METHODS)}")
        elif method == "net_issue" and dated:
            fmv = item.get("fair_market_value")
            if isinstance(fmv, bool) or not isinstance(fmv, (int, Decimal)) or fmv <= 0 or not exact_enough(fmv):
                ck.add(_line(item, "fair_market_value") or line, "bad-value",
                       f"{where}.fair_market_value: a net issue exercise needs the fair market value of a share, "
                       f"above the Exercise Price ({_cited(rulebook, rulebook.parameters['warrant_exercise_price'])}); "
                       f"got {_show(fmv)}")
            elif rulebook.terms(when).exercise_rounding is None:
                ck.add(_line(item, "method") or line, "bad-value", f"{where}.method: a net issue exercise issues a "
                       "rounded number of shares, and the rulebook states no warrant_exercise_rounding")
            else:
                event.fair_market_value = Fraction(fmv)
    elif kind == "transfer":
        event.security = security(lambda s: s in rulebook.securities,
                                  "unknown security {}" + did_you_mean(item.get("security"), rulebook.securities))
        event.holder = named("from")
        to = item.get("to")
        if isinstance(to, dict):
            ck.mapping(to, f"{where}.to", ("name", "group"), ("name", "group"), line=_line(item, "to"))
            name, group = to.get("name"), ck.group(to, "group", f"{where}.to", rulebook)
            if isinstance(name, str) and group is not None:
                event.to, event.to_group = name, group
        else:
            event.to = named("to")
    elif kind in ("issuance", "repurchase"):  # of Common by the Company
        event.security = security(lambda s: s == "common", "only Common Stock is issued or repurchased in a "
                                  "history (an issuance of preferred is a corporate action)")
        event.holder = named("to" if kind == "issuance" else "from")
    return event


def _term_event(ck: _Checker, item: dict, where: str, spec: Any, when: date | None) -> Any:
    """A term event of the history (parameters.yaml `term_events`) with each of its fields stated:
    a date, or `none` for a date_or_none field (a field left out is missing: what the event does
    to the terms may turn on it), except an optional_date field, which may be left out (unknown)."""
    fields = []
    required = sum(1 for _, kind in spec.fields if kind != "optional_date")
    for name, kind in spec.fields:
        if name not in item:
            continue  # reported missing by the key check, unless optional
        value = item.get(name)
        if kind == "date_or_none" and (value is None or value == "none"):
            fields.append((name, None))
            continue
        if kind in ("count", "money"):
            number = ck.shares(item, name, where, 1) if kind == "count" else ck.number(item, name, where)
            if number is None:
                return None
            if kind == "money" and number < 0:
                ck.add(_line(item, name), "bad-value", f"{where}.{name}: expected an amount of 0 or more")
                return None
            fields.append((name, number))
            continue
        stated = ck.date(item, name, where)
        if stated is None:
            return None
        if when is not None and stated < when:
            ck.add(_line(item, name), "bad-date", f"{where}.{name}: {stated} is before the event ({when})")
            return None
        fields.append((name, stated))
    if when is None or sum(1 for name, _ in fields if dict(spec.fields)[name] != "optional_date") != required:
        return None
    return RecordedTermEvent(event=spec.id, on=when, fields=tuple(fields), file=ck.file, line=_line(item, "date"))


def _apply_event(ck: _Checker, item: dict, where: str, line: int | None, rulebook: Rulebook, event: _Event,
                 record: _Record) -> bool:
    """Apply one event that has no problem of its own to `record`; False (and the problem
    reported) when the holdings do not allow it."""
    kind, when, quantity, holders = event.kind, event.when, event.quantity, record.holders
    if kind in rulebook.term_events:
        spec = rulebook.term_events[kind]
        if not spec.formula:
            record.term_events.append(event.term)
            record.adjusted = None
            return True
        return _apply_adjustment(ck, item, where, rulebook, spec, event, record)

    def take(name: str, security: str, what: str) -> Holding | None:
        h = holders[name]
        kind_ = rulebook.securities.get(security, {}).get("class")
        held = h.common if kind_ == "common" else h.warrants if kind_ == "warrant" else h.preferred.get(security, 0)
        if held < quantity:
            ck.add(_line(item, "quantity"), "bad-value", f"{where}.quantity: {h.name} holds {held:,} of "
                   f"{security} on {when}, fewer than the {quantity:,} {what}")
            return None
        return _moved(h, security, -quantity, kind_)

    if kind == "conversion":
        if (h := take(event.holder, event.security, "converted")) is None:
            return False
        # the price in force then, and the terms as the record has changed them
        issued = calc.conversion_shares(rulebook.terms(when, tuple(record.term_events)), quantity, when)
        holders[h.name] = replace(h, common=h.common + issued)
        record.outstanding += issued
        for class_id in converted_classes(rulebook):
            if event.security in rulebook.classes[class_id].members:
                record.converted[class_id] = record.converted.get(class_id, 0) + quantity
    elif kind == "exercise":
        if (h := take(event.holder, "warrant", "exercised")) is None:
            return False
        if event.fair_market_value is None:  # cash
            issued = quantity
        else:  # at the Exercise Price in force that day, as the record's adjustments have moved it
            price = Fraction(rulebook.deal(when, tuple(record.term_events)).parameters["warrant_exercise_price"])
            if event.fair_market_value <= price:
                ck.add(_line(item, "fair_market_value") or line, "bad-value",
                       f"{where}.fair_market_value: a net issue exercise needs the fair market value of a share "
                       f"above the ${Decimal(price.numerator) / price.denominator:.2f} Exercise Price in force on "
                       f"{when} ({_cited(rulebook, rulebook.parameters['warrant_exercise_price'])}); got "
                       f"{_show(item.get('fair_market_value'))}")
                return False
            issued = calc.net_issue_shares(quantity, event.fair_market_value, price, rulebook.terms(when).exercise_rounding)
        holders[h.name] = replace(h, common=h.common + issued)
        record.outstanding += issued
    elif kind == "transfer":
        if (moved := take(event.holder, event.security, "transferred")) is None:
            return False
        holders[moved.name] = moved
        target = holders.get(event.to) or Holding(name=event.to, group=event.to_group)
        kind_ = rulebook.securities[event.security].get("class")
        # A reclassification on transfer: the transferee outside the series' group receives the
        # series the rulebook names (parameters.yaml `on_transfer_outside_group`).
        received = capital.reclassified_on_transfer(rulebook, event.security, target.group)
        holders[target.name] = _moved(target, received, quantity, kind_)
    else:  # issuance or repurchase of Common by the Company
        if event.holder is not None:
            if kind == "repurchase":
                if (h := take(event.holder, "common", "repurchased")) is None:
                    return False
            else:
                h = replace(holders[event.holder], common=holders[event.holder].common + quantity)
            holders[h.name] = h
        record.outstanding += quantity if kind == "issuance" else -quantity
        if record.outstanding < sum(h.common for h in holders.values()):
            ck.add(_line(item, "quantity"), "bad-value", f"{where}.quantity: repurchasing {quantity:,} leaves "
                   "less Common outstanding than the holders hold")
            return False
    return True


def _apply_adjustment(ck: _Checker, item: dict, where: str, rulebook: Rulebook, spec: Any, event: _Event,
                      record: _Record) -> bool:
    """An anti-dilution event of the history (a term event with a `formula`): recorded with the
    Common outstanding immediately before it; a subdivision, combination or dividend in Common
    scales every holding of Common and the outstanding (each holding to the whole share below,
    adjust.py `common_scale`); an issuance or purchase of Common changes the outstanding; and
    where an effect says so the warrants' share numbers move inversely with the exercise price
    (each to the nearest whole share, half up)."""
    formula = adjust.FORMULAS[spec.formula]
    inputs = adjust.formula_inputs(spec.formula, dict(event.term.fields))
    outstanding = record.outstanding
    recorded = replace(event.term, outstanding=outstanding)
    scale = formula.common_scale(outstanding, inputs)
    change = formula.outstanding_change(outstanding, inputs)
    if outstanding + change < 0 or (change < 0 and outstanding + change < sum(h.common for h in record.holders.values())):
        ck.add(_line(item, "date"), "bad-value", f"{where}: the event takes {-change:,} shares of Common from "
               f"{outstanding:,} outstanding, leaving less than the holders hold")
        return False
    if scale is not None and (scale <= 0 or outstanding * scale + change > MAX_TOTAL_SHARES
                              or any(h.common and h.common * scale < 1 for h in record.holders.values())):
        past = scale > 0 and outstanding * scale + change > MAX_TOTAL_SHARES
        ck.add(_line(item, "date"), "bad-value", f"{where}: the event would take the {outstanding:,} shares of Common "
               f"outstanding to {max(int(outstanding * scale), 0):,}"
               + (f", past the {MAX_TOTAL_SHARES:,} the engine compares exactly" if past else
                  ", leaving a holder less than a whole share"))
        return False
    shares_of = [e.adjust for e in spec.effects if e.adjust and e.warrant_shares]
    if record.adjusted is None:
        record.adjusted = rulebook.adjustments(tuple(record.term_events))
    before = {n: a.value for n, a in record.adjusted.items()}
    record.term_events.append(recorded)
    after = rulebook.adjustments(tuple(record.term_events))
    # A price or factor a record moves to nothing, or by more than a million times, is no price
    # the documents contemplate, and one the arithmetic cannot divide by or compare exactly.
    gone = [n for n, a in after.items() if not Fraction(1, 10**6) <= a.value <= 10**6]
    if gone:
        record.term_events.pop()
        record.adjusted = None
        ck.add(_line(item, "date"), "bad-value", f"{where}: the event would bring the {gone[0].replace('_', ' ')} to "
               f"{float(after[gone[0]].value):,.6g}, outside the 0.000001 to 1,000,000 a price or factor of the "
               "terms may reach")
        return False
    for name in shares_of:
        old = before.get(name, Fraction(Decimal(rulebook.param(name, event.when))))
        new = after[name].value if name in after else old
        if new != old:  # the aggregate exercise price is kept
            for h in list(record.holders.values()):
                if h.warrants:
                    record.holders[h.name] = replace(h, warrants=int(calc._round_half_up(h.warrants * old / new, 0)))
    if scale is not None:
        for h in list(record.holders.values()):
            if h.common:
                record.holders[h.name] = replace(h, common=int(h.common * scale))
        record.outstanding = int(outstanding * scale)
    record.outstanding += change
    record.adjusted = after
    return True


def _cited(rulebook: Rulebook, param) -> str:
    """A parameter's source as a citation: the document's code and the section."""
    if param.source is None:
        return param.name
    doc = rulebook.documents.get(param.source.document)
    code = doc.code if doc is not None and doc.code else param.source.document
    return f"{code} {param.source.section}"


def _moved(h: Holding, security: str, delta: int, kind: str | None) -> Holding:
    if kind == "common":
        return replace(h, common=h.common + delta)
    if kind == "warrant":
        return replace(h, warrants=h.warrants + delta)
    preferred = dict(h.preferred)
    preferred[security] = preferred.get(security, 0) + delta
    return replace(h, preferred={s: n for s, n in preferred.items() if n})
