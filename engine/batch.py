"""Pre-clear a blotter: each order checked against the cap table plus the orders accepted before it.

Orders are taken in blotter order, which must be date order (a row dated before an earlier row is
reported, not checked): each is checked against the baseline cap table with every order accepted
before it applied, and a rejected order changes nothing. Every verdict comes from durable_rules.

Two ways to the same answer:

- `full`: each order is a scenario, evaluated as `check` evaluates it on the accumulated cap table;
  an accepted order is applied to it (measures.cap_table_after).
- `fast` (the default): a market purchase of Common differs from the next one on the same date
  and by the same group only in its quantity and in the group's purchases accepted since. For
  such orders the engine works out, once per distinct set of facts (the group, the date's rules
  and measures, the stated fields), the headroom H: the largest quantity it permits, confirmed at
  H and H + 1 (evaluate.headroom), the verdict beyond it, and the binding measure as an exact
  function of the quantity. An order of q is then clear while q <= H - D, D being the group's
  purchases accepted since; it consumes q by exact subtraction.

  That rests on one property: buying D and then q is, for every rule that can stop a market
  purchase, the same as buying D + q at once (every such rule reads the position after the
  purchase, and a market purchase leaves the Common outstanding as it was). It is not assumed: for
  each set of facts the engine is asked the headroom again after a purchase of D = H // 2, and the
  answer must be H - D exactly; where it is not (or the measures are not exact ratios of the
  quantity), the orders of that set are evaluated in full. Any other order (a sale, a purchase
  from a holder or the Company, of another security) is evaluated in full, and resets the
  position the headroom is worked out from. tests/test_batch.py compares the two ways row by row.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import InputError, Problem
from .model import CapTable, Holding

BUY, SELL = "buy", "sell"
MARKET = "market"
MARKET_BUYER = "a purchaser in the market"  # the other side of a sale into the market
COLUMNS = ("date", "account", "group", "side", "security", "quantity", "counterparty", "counterparty_group")
REQUIRED = ("account", "side", "security", "quantity")
OUTPUT_COLUMNS = ("row", "date", "account", "group", "side", "security", "quantity", "counterparty", "verdict",
                  "accepted", "clause", "rule", "title", "figure", "value", "threshold", "room_after",
                  "max_quantity", "reasons", "decided_by")
PARALLEL_FROM = 20_000  # orders: below this a second process costs more than it saves
MAX_WORKERS = 256
MAX_QUANTITY = 100_000_000_000  # as a scenario's quantity (scenario.py): more shares than any issuer has


# --- reading ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Order:
    row: int
    on: date
    account: str
    group: str | None  # the group column, where the account is not on the cap table
    side: str
    security: str
    quantity: int
    counterparty: str
    counterparty_group: str | None
    extra: tuple = ()  # (field, value): further action fields the rulebook declares
    day: str = ""  # the date as written in the results


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str
    raw: dict = field(default_factory=dict, compare=False)


def template_text(rulebook, cap: CapTable, on: date) -> str:
    """A blotter template: the column set and example orders from the cap table's own holders (a
    holder on it, a new account of its group, an outside account, a sale)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    day = on.isoformat()
    grouped = [h for h in cap.holders if h.group in rulebook.groups]
    if grouped:
        first = grouped[0]
        writer.writerow([day, first.name, "", BUY, "common", "100000", MARKET, ""])
        writer.writerow([day, f"{first.group} desk account 1", first.group, BUY, "common", "50000", MARKET, ""])
        writer.writerow([day, first.name, "", SELL, "common", "25000", MARKET, ""])
    writer.writerow([day, "outside account 1", "none", BUY, "common", "10000", MARKET, ""])
    return out.getvalue()


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header's column names, and (row number as a spreadsheet shows it, cells) for each order
    of a CSV or .xlsx blotter, streamed; the header is row 1, blank rows are skipped."""
    if path.suffix.lower() == ".xlsx":
        return _xlsx_rows(path)
    handle = open(path, newline="", encoding="utf-8-sig")
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        handle.close()
        raise InputError([Problem(str(path), 1, "bad-value", "the blotter is empty (expected a header row: "
                                                          f"{', '.join(COLUMNS)})")])
    names = _header(path, header)

    def rows() -> Iterator[tuple[int, list[str]]]:
        with handle:
            for number, values in enumerate(reader, start=2):
                if values and any(values):
                    yield number, values
    return names, rows()


def _xlsx_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise InputError([Problem(str(path), None, "bad-value", f"not a readable .xlsx workbook ({type(exc).__name__})")])
    rows = book.active.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        book.close()
        raise InputError([Problem(str(path), 1, "bad-value", "the blotter is empty (expected a header row)")])
    names = _header(path, ["" if v is None else str(v) for v in header])

    def cells() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in enumerate(rows, start=2):
                row = ["" if v is None else (v.date().isoformat() if hasattr(v, "date") and callable(v.date)
                                             else str(v)) for v in values]
                if any(c.strip() for c in row):
                    yield number, row
        finally:
            book.close()
    return names, cells()


def _header(path: Path, header: list[str]) -> list[str]:
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise InputError([Problem(str(path), 1, "missing-field", f"the header has no column {', '.join(missing)} "
                                                                f"(the columns: {', '.join(COLUMNS)})")])
    return names


class Parser:
    """Rows to orders, each checked as a scenario's action would be, with a row problem otherwise."""

    def __init__(self, rulebook, names: list[str], as_of: date | None, extra_fields: tuple[str, ...]):
        self.rulebook, self.as_of, self.names = rulebook, as_of, names
        self.groups = set(rulebook.groups) | {"none"}
        self.securities = set(rulebook.securities)
        self.extra = tuple((name, names.index(name)) for name in extra_fields if name in names)
        at = {name: i for i, name in reversed(list(enumerate(names)))}
        self.at = tuple(at.get(c, -1) for c in COLUMNS)
        self.low, self.high = _date_bounds(rulebook)
        self._dates: dict[str, date | str] = {}
        self._days: dict[date, str] = {}
        self._quantities: dict[str, int | str] = {}
        self.last: date | None = None

    def parse(self, number: int, values: list[str]) -> Order | RowProblem:
        n = len(values)
        cell = [values[i].strip() if 0 <= i < n else "" for i in self.at]
        date_text, account, group, side, security, quantity_text, counterparty, other = cell

        def bad(column: str, message: str) -> RowProblem:
            return RowProblem(number, column, message, dict(zip(self.names, values)))

        if self.as_of is not None:
            on = self.as_of
        else:
            on = self._dates.get(date_text)
            if on is None:
                on = self._dates[date_text] = _parse_date(date_text, self.low, self.high)
            if on.__class__ is str:
                return bad("date", on)
            if self.last is not None and on < self.last:
                return bad("date", f"{on} is before {self.last}, the date of an earlier row: orders are taken in "
                                   "date order (sort the blotter by date)")
        if not account:
            return bad("account", "expected the account or holder placing the order")
        if side != BUY and side != SELL:
            side = side.lower()
            if side not in (BUY, SELL):
                return bad("side", f"expected buy or sell, got {_short(side)}")
        if security not in self.securities:
            return bad("security", f"expected one of {', '.join(self.rulebook.securities)}, got {_short(security)}")
        quantity = self._quantities.get(quantity_text)
        if quantity is None:
            quantity = _quantity(quantity_text)
            if len(self._quantities) < 1 << 16:
                self._quantities[quantity_text] = quantity
        if quantity.__class__ is str:
            return bad("quantity", quantity)
        if group and group not in self.groups:
            return bad("group", f"expected one of {', '.join(sorted(self.groups))}, got {_short(group)}")
        if other and other not in self.groups:
            return bad("counterparty_group", f"expected one of {', '.join(sorted(self.groups))}, got {_short(other)}")
        extra = tuple((name, _value(values[i])) for name, i in self.extra if i < n and values[i].strip()) \
            if self.extra else ()
        if self.as_of is None:
            self.last = on
        day = self._days.get(on)
        if day is None:
            day = self._days[on] = on.isoformat()
        return Order(number, on, account, group or None, side, security, quantity, counterparty or MARKET,
                     other or None, extra, day)


def _quantity(text: str) -> int | str:
    plain = text.replace(",", "")
    if not plain.isdigit() or int(plain) < 1:
        return f"expected a whole number of shares, 1 or more, got {_short(text)}"
    if int(plain) > MAX_QUANTITY:
        return f"{int(plain):,} is more shares than any issuer has (at most {MAX_QUANTITY:,})"
    return int(plain)


def _value(text: str) -> Any:
    t = text.strip()
    return {"true": True, "yes": True, "false": False, "no": False}.get(t.lower(), t)


def _short(value: Any) -> str:
    text = "" if value is None else str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _parse_date(text: str, low: date, high: date) -> date | str:
    try:
        on = date.fromisoformat(text)
    except ValueError:
        return f"expected a date YYYY-MM-DD, got {_short(text)}"
    if not low <= on <= high:
        return f"{on} is outside the dates this rulebook answers for, {low} to {high}"
    return on


def _date_bounds(rulebook) -> tuple[date, date]:
    """The dates an order may carry: the span every command accepts (scenario.date_span)."""
    from .scenario import date_span
    return date_span(rulebook)


# --- deciding -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    order: Order | None
    row: int
    verdict: str  # CLEAR, VIOLATION, CANNOT DETERMINE, APPROVAL REQUIRED, or REFUSED (the row)
    accepted: bool
    rule: str = ""
    clause: str = ""
    title: str = ""
    figure: str = ""  # the label of the binding figure
    value: str = ""
    threshold: str = ""
    room_after: int | None = None
    max_quantity: int | None = None
    unlimited: bool = False
    reasons: str = ""
    decided_by: str = ""
    problem: RowProblem | None = None
    group: str | None = None  # the group the order was counted in

    def compared(self) -> tuple:
        """What two ways of deciding the same order must agree on."""
        return (self.row, self.verdict, self.accepted, self.rule, self.value, self.threshold, self.reasons)


@dataclass
class _Decision:
    """What the engine decided for one set of facts of a market purchase, as a function of the quantity."""

    limit: str  # size, no_limit, route, missing_fact
    headroom: int | None  # H on the position it was worked out from
    verdict_over: str  # the verdict beyond H (or at every quantity, for route / missing_fact)
    rule: str = ""
    clause: str = ""
    title: str = ""
    fact: str | None = None  # the binding figure
    fit: tuple | None = None  # (a, b, e): the figure at quantity x is (a + b x) / (1 + e x)
    label: str = ""
    shown: str = ""  # the figure as shown, where the quantity does not move it
    show: Any = None  # the figure as shown at a quantity, where it does (_Shown)
    threshold: str = ""
    reasons: str = ""
    shiftable: bool = False  # the headroom after buying D is H - D (asked of the engine)


class Batch:
    """One blotter's run: the position as accepted orders leave it, and the engine's decisions."""

    def __init__(self, rulebook, cap: CapTable, instruments: dict | None = None, mode: str = "fast",
                 headroom_in_full: bool = True):
        from .evaluate import _plans, compiled

        self.rulebook, self.mode, self.headroom_in_full = rulebook, mode, headroom_in_full
        if instruments:  # stated for the run: laid over the cap table's own, which scenarios read
            cap = replace(cap, instruments={**cap.instruments, **instruments})
        self.cap = cap  # the position the decisions are worked out from
        self.common = {s for s, spec in rulebook.securities.items() if spec.get("class") == "common"}
        self.members = {h.name: h.group for h in cap.holders}
        self.baseline = tuple(self.members)  # the baseline cap table's holders
        self.bought: dict[str, int] = {}  # bucket -> market purchases accepted since self.cap
        self.pending: dict[str, tuple[str, int]] = {}  # account -> (group, Common bought less sold since self.cap)
        self.base_common: dict[str, int] = {}  # account -> its Common on self.cap
        self.group_common: dict[str, int] = {}  # group -> its Common on self.cap
        self.float_refusals = 0  # purchases larger than the market's float at the time (partition.py)
        self.floating = cap.common_outstanding - sum(h.common for h in cap.holders)
        self.decisions: dict[tuple, _Decision | None] = {}
        self.signatures: dict[tuple, tuple] = {}
        self._fits: dict[tuple, dict] = {}  # key -> the moving facts as functions of the quantity
        self.by_key: dict[tuple, Any] = {}  # (date, group, account on the cap table) -> its decision
        self._last: dict[tuple, tuple] = {}  # (group, account) -> the latest day's signature and facts
        engine = compiled(rulebook)
        self.read = sorted({a.fact for plan in _plans(engine) for a in plan.atoms} - {"as_of"})
        # The facts the rules that can stop an order read (a violation, an approval): with every other
        # fact known, only these move a verdict (a consequence or an obligation never blocks).
        from .conditions import atoms
        blocking = [rule for rule in rulebook.rules if rule.outcome in ("violation", "approval_required")]
        # Per blocking rule: each fact it reads, with the (op, threshold) it tests the fact against.
        self.tests: dict[str, dict[str, set]] = {}
        self.scope_facts = sorted({a.fact for rule in blocking for a in atoms(rule.scope)} - {"as_of"})
        for rule in blocking:
            tested = self.tests.setdefault(rule.id, {})
            for cond in [rule.scope, rule.condition] + [e.condition for e in rule.exceptions]:
                for a in atoms(cond):
                    if a.fact != "as_of":
                        tested.setdefault(a.fact, set()).add((a.op, _frozen(a.value)))
        self.edges = _date_edges(rulebook)
        shown = rulebook.position.get("headroom") if isinstance(rulebook.position, dict) else None
        self.headroom_fact = shown["fact"] if shown else None
        self.figure_facts = {self._figure_of(rule.id)[0] for rule in blocking} - {None}
        self.counts = {"fast": 0, "full": 0, "decisions": 0, "not_shiftable": 0}

    # the orders ---------------------------------------------------------------------------------

    def run(self, items: Iterable[Order | RowProblem]) -> Iterator[Outcome]:
        for item in items:
            if isinstance(item, RowProblem):
                yield Outcome(None, item.row, "REFUSED", False, reasons=f"{item.column}: {item.message}",
                              problem=item)
                continue
            yield self.decide(item)

    def decide(self, order: Order) -> Outcome:
        if self.mode == "fast" and order.side == SELL and order.counterparty == MARKET and not order.extra \
                and order.security in self.common:
            out = self._sale(order)
            if out is not None:
                self.counts["fast"] += 1
                return out
        elif self.mode == "fast" and order.side == BUY and order.counterparty == MARKET and not order.extra \
                and order.security in self.common:
            account = order.account
            group = self.members.get(account) or order.group or "none"
            key = (order.on, group, account if account in self.members else None)
            decision = self.by_key.get(key, False)
            if decision is False:
                decision = self.by_key[key] = self._decision(order)
            if decision is not None:
                self.counts["fast"] += 1
                return self._fast(order, decision, group, group if group != "none" else "account:" + account)
        self.counts["full"] += 1
        return self._full(order)

    def _group(self, order: Order) -> str:
        return self.members.get(order.account) or order.group or "none"

    def _bucket(self, order: Order) -> str:
        group = self._group(order)
        return group if group != "none" else "account:" + order.account

    # the fast way -------------------------------------------------------------------------------

    def _fast(self, order: Order, d: _Decision, group: str, bucket: str) -> Outcome:
        bought = self.bought.get(bucket, 0)
        q = order.quantity
        if q > self.floating:
            return self._refused_float(order)
        out = Outcome(order, order.row, "CLEAR", True, d.rule, d.clause, d.title, d.label, "", d.threshold,
                      decided_by="headroom", group=group)
        if d.fact is not None:
            out.value = d.shown if d.show is None else d.show(q + bought)
        limit = d.limit
        if limit == "size":
            room = d.headroom - bought
            out.max_quantity = room if room > 0 else 0
            if q > room:
                out.verdict, out.accepted, out.reasons = d.verdict_over, False, d.reasons
                out.room_after = out.max_quantity
                return out
            out.room_after = room - q
        elif limit == "no_limit":
            out.unlimited = True
        else:  # a route or a fact not established stops every quantity
            out.verdict, out.accepted, out.reasons = d.verdict_over, False, d.reasons
            return out
        self.bought[bucket] = bought + q
        pending = self.pending.get(order.account)
        self.pending[order.account] = (group, q) if pending is None else (group, pending[1] + q)
        self.floating -= q
        return out

    def _held(self, account: str) -> int:
        """The account's Common: on the position the decisions are worked out from, and bought or
        sold since."""
        base = self.base_common.get(account)
        if base is None:
            holding = self.cap.holder(account)
            base = self.base_common[account] = holding.common if holding is not None else 0
        pending = self.pending.get(account)
        return base + (pending[1] if pending is not None else 0)

    def _sale(self, order: Order) -> Outcome | None:
        """A sale of Common into the market, decided by the engine once per date and group (None:
        evaluate it in full)."""
        group = self._group(order)
        q = order.quantity
        held = self._held(order.account)
        if q > held:  # more than the account holds: refused as the scenario refuses it, changing nothing
            pending = self.pending.get(order.account)
            if pending is None and order.account not in self.members:
                return None  # not a holder at all: the full way names the holders it might mean
            refused = self._scenario(order, q, self.cap if pending is None
                                     else _apply_common(self.cap, {order.account: pending}))
            return refused if isinstance(refused, Outcome) else None
        key = ("sell", order.on, group, order.account if group == "none" and order.account in self.members else None)
        bucket = group if group != "none" else "account:" + order.account
        total = self._base_total(group, order.account) + self.bought.get(bucket, 0)  # the group's Common now
        decided = self.by_key.get(key)
        if decided is None or (decided[0] and total > decided[1]):
            decided = self.by_key[key] = self._sale_is_clear(order, group, total)
        if not decided[0]:
            return None
        self.bought[bucket] = self.bought.get(bucket, 0) - q
        pending = self.pending.get(order.account)
        self.pending[order.account] = (group, -q if pending is None else pending[1] - q)
        self.floating += q
        return Outcome(order, order.row, "CLEAR", True, decided_by="sale", group=group)

    def _base_total(self, group: str, account: str) -> int:
        """The Common the group (an outside account: the account itself) holds on self.cap."""
        if group == "none":
            holding = self.cap.holder(account) if account in self.members else None
            return holding.common if holding is not None else 0
        total = self.group_common.get(group)
        if total is None:
            total = self.group_common[group] = sum(h.common for h in self.cap.holders if h.group == group)
        return total

    def _sale_is_clear(self, order: Order, group: str, total: int) -> tuple[bool, int]:
        """Whether the engine clears every sale of Common into the market by the group on the date
        while the group holds at most G shares, and G: the decision is reused for each seller of the
        group that day as the group's holding moves, and asked again once it holds more than G.
        The engine is asked at the two ends of what such a sale can do, on a probe of the position
        where the seller holds G = a quarter more than the group now holds (its group's other
        accounts none; an outside account is its own group): a sale of one share leaves the group
        G - 1, a sale of G leaves it nothing. At both, no rule that can stop an order applies (each
        is out of scope or out of force), no other rule is undetermined, and what the stopping
        rules' scopes read is the same (each figure is a ratio of the holding and the quantity,
        monotone in them, so a test that holds at both ends holds between them)."""
        from .evaluate import scenario_facts, with_quantity

        # On the position the decisions are worked out from: the group's accounts bought since are
        # in its G, and no other group's holding moves a stopping rule (tests/test_partition.py).
        cap = self.cap
        ours = (lambda h: h.name == order.account) if group == "none" else (lambda h: h.group == group)
        top = min(cap.common_outstanding - sum(h.common for h in cap.holders if not ours(h)),
                  total + total // 4 + 1_000)
        if top < 1:
            return False, 0
        holders = [replace(h, common=top if h.name == order.account else 0) if ours(h) else h for h in cap.holders]
        if not any(h.name == order.account for h in holders):
            holders.append(Holding(name=order.account, group=group, common=top))
        scenario = self._scenario(order, 1, on_cap=replace(cap, holders=tuple(holders)))
        if isinstance(scenario, Outcome):
            return False, top
        ends = [scenario_facts(self.rulebook, scenario), scenario_facts(self.rulebook, with_quantity(scenario, top))]
        self.counts["decisions"] += 1
        for facts in ends:
            undetermined, applying = self._looked_at(facts)
            if undetermined or applying:
                return False, top
        return all(ends[0].get(f) == ends[1].get(f) for f in self.scope_facts), top

    def _key(self, order: Order) -> tuple:
        group = self._group(order)
        return (order.on, group, order.account if group == "none" and order.account in self.members else None)

    def _decision(self, order: Order) -> _Decision | None:
        """The engine's decision for the order's set of facts, worked out once (None: evaluate in full)."""
        from .evaluate import scenario_facts, with_quantity

        group = self._group(order)
        # A group's members share one decision (the rules read the group); an outside holder on the
        # cap table is its own person; outside accounts new to the position all hold nothing in it.
        key = self._key(order)
        signature = self.signatures.get(key)
        if signature is None:
            scenario = self._scenario(order, 1, on_cap=self.cap)
            if isinstance(scenario, Outcome):
                return None
            hi = max(3, self.cap.common_outstanding)
            edge = bisect_right(self.edges, order.on)
            near = scenario_facts(self.rulebook, scenario), scenario_facts(self.rulebook, with_quantity(scenario, 2))
            # The day before's decision holds on this day when no rule came into or out of force
            # between them and every fact it turned on is the same at one share and at two: those
            # facts are ratios (held + x) / (outstanding + k x) of the quantity x with k fixed by the
            # measure, which two values determine.
            last = self._last.get(key[1:])
            if last is not None and last[0] == edge and all(
                    near[i].get(f) == last[2][i].get(f) for f in last[3] for i in (0, 1)):
                self.signatures[key], self._fits[key] = last[1], self._fits[last[4]]
                return self._decided(order, last[1])
            samples = [near[0], near[1], scenario_facts(self.rulebook, with_quantity(scenario, hi))]
            at_one = samples[0]
            varying = tuple(sorted(f for f in self.read if not samples[0].get(f) == samples[1].get(f) == samples[2].get(f)))
            fits = []
            for name in varying:
                # A number that moves with the quantity, as the exact ratio it is (evaluate._fit);
                # anything else (a yes/no implied by one), by its values at the three quantities.
                values = [s.get(name) for s in samples]
                fit = None
                if all(isinstance(v, (int, Fraction)) and not isinstance(v, bool) for v in values):
                    from .evaluate import _fit
                    fit = _fit([(x, Fraction(v)) for x, v in zip((1, 2, hi), values)])
                fits.append((name, fit if fit is not None else tuple(_frozen(v) for v in values)))
            # Where every fact of the other rules is known at each quantity, they cannot make an order
            # undetermined, and the decision turns on the blocking rules' facts alone (their values
            # then differ from day to day without changing it: a seat right's margin, say).
            # Only the blocking rules that can apply to the order (not out of scope, out of force or
            # of an instrument not in force, at any of the three quantities) read facts that matter.
            looked = [self._looked_at(sample) for sample in samples]
            others_known = not any(undetermined for undetermined, _ in looked)
            applying = set().union(*(rules for _, rules in looked))
            tests: dict[str, set] = {}
            for rule_id in applying:
                for fact, pairs in self.tests[rule_id].items():
                    tests.setdefault(fact, set()).update(pairs)
            shown = set(tests) if others_known else set(self.read)
            # A moving fact a blocking rule only tests (not one a finding shows) enters by where it
            # crosses each threshold, which stays put from day to day when its exact value does not.
            moving = tuple((f, fit if (f in self.figure_facts or not others_known or not _is_fit(fit))
                            else _crossings(fit, tests.get(f, ()), hi)) for f, fit in fits if f in shown)
            signature = (edge, group, tuple(sorted(applying)),
                         tuple((f, _frozen(at_one.get(f))) for f in self.read if f not in varying and f in shown),
                         moving, others_known)
            self._fits[key] = dict(fits)
            self._last[key[1:]] = (edge, signature, near, tuple(sorted(shown)), key)
            self.signatures[key] = signature
        return self._decided(order, signature)

    def _decided(self, order: Order, signature: tuple) -> _Decision | None:
        if signature not in self.decisions:
            self.decisions[signature] = self._decide_signature(order, signature)
        return self.decisions[signature]

    def _looked_at(self, facts: dict) -> tuple[bool, set]:
        """On these facts: whether a rule that cannot block an order (a consequence, an obligation)
        cannot be determined (then every fact's value matters, not only the blocking rules'), and
        which blocking rules can apply (in scope and in force)."""
        from .evaluate import _outcome, compiled
        by_rule: dict[str, list] = {}
        for item in compiled(self.rulebook).evaluate(facts):
            by_rule.setdefault(item.rule, []).append(item)
        undetermined, applying = False, set()
        for rule in self.rulebook.rules:
            outcome, branch, _ = _outcome(rule, by_rule.get(rule.id, []))
            if rule.id in self.tests:
                if branch not in ("out_of_scope", "out_of_force", "instrument_not_in_force"):
                    applying.add(rule.id)
            elif outcome == "cannot_determine":
                undetermined = True
        return undetermined, applying

    def _decide_signature(self, order: Order, signature: tuple) -> _Decision | None:
        from .evaluate import NO_LIMIT, SIZE, headroom, scenario_facts, with_quantity
        from .render import verdict

        self.counts["decisions"] += 1
        scenario = self._scenario(order, 1, on_cap=self.cap)
        if isinstance(scenario, Outcome):
            return None
        room = headroom(self.rulebook, scenario)
        ok, over = room.proof
        fits = self._fits[self._key(order)]
        if room.limit == SIZE:
            d = _Decision(SIZE, room.max_quantity, verdict(over))
        elif room.limit == NO_LIMIT:
            d = _Decision(NO_LIMIT, None, "CLEAR")
        else:
            d = _Decision(room.limit, None, verdict(over))
        binding = room.binding
        if binding is not None:
            d.rule, d.clause, d.title = binding.rule, _cite(self.rulebook, binding), binding.title
            d.reasons = _reasons(binding)
            fact, threshold = self._figure_of(binding.rule)
            if fact is not None:
                d.fact, d.threshold = fact, threshold
                d.label = self._label(fact)
                if fact in fits:
                    d.fit = fits[fact]
                    if not _is_fit(d.fit):
                        return None  # the figure is not an exact ratio of the quantity: evaluate in full
                    d.show = _Shown(d.fit, self.rulebook.facts.get(fact), lambda v, f=fact: self._show(f, v))
                else:
                    d.shown = self._show(fact, scenario_facts(self.rulebook, scenario).get(fact))
        # The property the fast way rests on, asked of the engine: after a purchase of D, the
        # headroom is H - D.
        if room.limit == SIZE and room.max_quantity >= 2:
            bought = room.max_quantity // 2
            moved = self._scenario(order, 1, on_cap=self._with_common(order, bought))
            shifted = headroom(self.rulebook, moved) if not isinstance(moved, Outcome) else None
            d.shiftable = shifted is not None and shifted.limit == SIZE and shifted.max_quantity == room.max_quantity - bought \
                and (shifted.binding.rule if shifted.binding else "") == d.rule
        else:
            d.shiftable = room.limit != SIZE or room.max_quantity is not None
        if not d.shiftable:
            self.counts["not_shiftable"] += 1
            return None
        return d

    def _with_common(self, order: Order, shares: int) -> CapTable:
        """The position with `shares` more Common held by the order's account."""
        return _apply_common(self.cap, {order.account: (self._group(order), shares)})

    def _figure_of(self, rule_id: str) -> tuple[str | None, str]:
        """The figure a finding of the rule is read by, and its threshold: the rulebook's headroom
        figure where the rule tests it, else the rule's first test of a number."""
        from .conditions import atoms
        rule = self.rulebook.rule(rule_id)
        tests = [a for a in atoms(rule.condition)
                 if (spec := self.rulebook.facts.get(a.fact)) is not None and spec.type in ("percent", "shares")]
        chosen = next((a for a in tests if a.fact == self.headroom_fact), tests[0] if tests else None)
        if chosen is None:
            return None, ""
        return chosen.fact, self._show(chosen.fact, chosen.value)

    def _label(self, fact: str) -> str:
        spec = self.rulebook.facts.get(fact)
        return spec.label if spec is not None and spec.label else fact

    def _show(self, fact: str, value: Any) -> str:
        from .facts import display_fact
        if value is None:
            return "unknown"
        spec = self.rulebook.facts.get(fact)
        if spec is None:
            return str(value)
        return display_fact(spec, value)  # a percentage with the places its thresholds need

    # the full way -------------------------------------------------------------------------------

    def _position(self) -> CapTable:
        """The position with every accepted purchase applied (the fast way keeps them aside)."""
        if self.pending:
            self.cap = _apply_common(self.cap, self.pending)
            self.members.update({name: group for name, (group, _) in self.pending.items()})
            self.pending, self.bought, self.base_common, self.group_common = {}, {}, {}, {}
            self.signatures, self.decisions, self.by_key, self._last = {}, {}, {}, {}  # from the position before
        return self.cap

    def _full(self, order: Order) -> Outcome:
        from .evaluate import evaluate, headroom, with_quantity
        from .measures import cap_table_after
        from .render import verdict

        # The position with every accepted purchase applied; kept (and the decisions worked out from
        # the position before dropped) only when this order is accepted and so changes it.
        cap = _apply_common(self.cap, self.pending) if self.pending else self.cap
        scenario = self._scenario(order, order.quantity, on_cap=cap)
        if isinstance(scenario, Outcome):
            if order.side == BUY and order.counterparty == MARKET and order.quantity > self.floating:
                self.float_refusals += 1
            return scenario
        result = evaluate(self.rulebook, scenario)
        out = Outcome(order, order.row, verdict(result), not result.blocked, decided_by="check")
        blocking = [f for f in result.findings if f.outcome in ("violation", "cannot_determine", "approval_required")]
        binding = blocking[0] if blocking else None
        purchase = scenario.action.kind == "purchase" and order.side == BUY
        room = None
        if purchase and self.headroom_in_full:
            room = headroom(self.rulebook, with_quantity(scenario, 1))
        if binding is None and room is not None and room.binding is not None:
            binding = next((f for f in result.findings if f.rule == room.binding.rule), None)
        if binding is None and self.headroom_fact is not None and not self.headroom_in_full and purchase:
            binding = next((f for f in result.findings if f.outcome == "permitted"
                            and self._figure_of(f.rule)[0] == self.headroom_fact), None)
        if binding is not None:
            out.rule, out.clause, out.title = binding.rule, _cite(self.rulebook, binding), binding.title
            out.reasons = _reasons(binding)
            fact, threshold = self._figure_of(binding.rule)
            if fact is not None:
                out.figure, out.threshold = self._label(fact), threshold
                out.value = self._show(fact, result.facts.get(fact))
        if room is not None:
            if room.limit == "no_limit":
                out.unlimited = True
            elif room.limit == "size":
                out.max_quantity = room.max_quantity
                out.room_after = room.max_quantity - order.quantity if out.accepted else room.max_quantity
        if out.accepted:
            cap = self._position()
            after = cap_table_after(self.rulebook.deal(scenario.as_of, cap.term_events), scenario)
            if after is not None and order.side == SELL and order.counterparty == MARKET:
                # Shares sold into the market return to its float: no holder keeps them.
                after = replace(after, holders=tuple(h for h in after.holders if h.name != MARKET_BUYER))
            if after is not None:
                self.cap = after
                self.members = {h.name: h.group for h in after.holders}
                self.floating = after.common_outstanding - sum(h.common for h in after.holders)
                self.base_common, self.group_common = {}, {}
                self.signatures, self.decisions, self.by_key, self._last = {}, {}, {}, {}  # from the position before
        return out

    def _scenario(self, order: Order, quantity: int, on_cap: CapTable):
        """The order as a scenario on `on_cap`, or a REFUSED outcome naming what the scenario refused."""
        from .scenario import scenario_from_dict

        on_it = order.account in self.members or on_cap.holder(order.account) is not None
        if order.side == SELL and not on_it:
            # The holders it might mean are the baseline cap table's, the same whichever orders
            # (or part of the blotter, partition.py) came before.
            from .errors import did_you_mean, excerpt
            return Outcome(order, order.row, "REFUSED", False, decided_by="check", reasons=(
                f"account: '{excerpt(order.account)}' holds nothing to sell: not on the cap table, and no "
                f"purchase of it accepted before this order{did_you_mean(order.account, self.baseline)}"))
        buyer_or_seller: Any = order.account if on_it else {"name": order.account, "group": order.group or "none"}
        if order.side == BUY:
            action = {"kind": "purchase", "buyer": buyer_or_seller, "security": order.security,
                      "quantity": quantity, "seller": order.counterparty}
        else:
            other: Any = order.counterparty
            if order.counterparty == MARKET or on_cap.holder(order.counterparty) is None:
                name = MARKET_BUYER if order.counterparty == MARKET else order.counterparty
                other = {"name": name, "group": order.counterparty_group or "none"}
            action = {"kind": "transfer", "from": order.account, "to": other, "security": order.security,
                      "quantity": quantity}
        action.update(dict(order.extra))
        data = {"name": f"row {order.row}", "as_of": order.on, "cap_table": on_cap, "action": action}
        try:
            return scenario_from_dict(data, self.rulebook, file=f"row {order.row}")
        except InputError as exc:
            message = "; ".join(p.message for p in exc.problems)
            return Outcome(order, order.row, "REFUSED", False, reasons=message, decided_by="check")

    def _refused_float(self, order: Order) -> Outcome:
        self.float_refusals += 1
        refused = self._scenario(order, order.quantity, on_cap=_apply_common(self.cap, self.pending)
                                 if self.pending else self.cap)
        return refused if isinstance(refused, Outcome) else self._full(order)


def _apply_common(cap: CapTable, bought: dict[str, tuple[str, int]]) -> CapTable:
    names = {h.name for h in cap.holders}
    holders = [replace(h, common=h.common + bought[h.name][1]) if h.name in bought else h for h in cap.holders]
    holders += [Holding(name=name, group=group, common=shares) for name, (group, shares) in bought.items()
                if name not in names]
    return replace(cap, holders=tuple(holders))


class _Shown:
    """A figure (a + b x) / (1 + e x) as the reports show it, at any quantity x, in integers: a
    percentage to four places, or to as many more as keep it on its side of each threshold the
    rulebook compares it with (calc.pct_display_against), without building a Fraction per order.
    Anything else, or a figure that is not linear in x (e != 0), goes through `slow`."""

    PLACES = tuple((places, 10 ** places) for places in range(4, 11))

    def __init__(self, fit: tuple, spec, slow):
        a, b, e = fit
        self.slow, self.fit = slow, fit
        self.linear = e == 0 and spec is not None and spec.type == "percent"
        if self.linear:
            d = a.denominator * b.denominator // _gcd(a.denominator, b.denominator)
            self.p, self.r, self.d = a.numerator * (d // a.denominator), b.numerator * (d // b.denominator), d
            self.bounds = tuple((t.numerator, t.denominator) for t in (Fraction(v) for v in (spec.thresholds or ())))

    def __call__(self, x: int) -> str:
        if not self.linear:
            return self.slow(_at(self.fit, x))
        n, d = self.p + self.r * x, self.d
        if n < 0:
            return self.slow(_at(self.fit, x))
        for places, scale in self.PLACES:
            whole, rest = divmod(n * scale, d)
            if 2 * rest >= d:
                whole += 1
            for tn, td in self.bounds:  # the shown figure on the same side of t as the exact one
                exact, shown = n * td - tn * d, whole * td - tn * scale
                if (exact > 0) != (shown > 0) or (exact < 0) != (shown < 0):
                    break
            else:
                return f"{whole // scale}.{whole % scale:0{places}d}%"
        return self.slow(_at(self.fit, x))


def _gcd(a: int, b: int) -> int:
    import math
    return math.gcd(a, b)


def _is_fit(fit: Any) -> bool:
    return isinstance(fit, tuple) and len(fit) == 3 and all(type(v) is Fraction for v in fit)


def _crossings(fit: tuple, tests: Iterable, hi: int) -> tuple:
    """Where a fact (a + b x) / (1 + e x) changes truth against each test in [1, hi]: (test, truth at
    1, first quantity it differs at, or None)."""
    out = []
    for op, t in sorted(tests, key=repr):
        if not isinstance(t, (int, Fraction)) and not hasattr(t, "as_integer_ratio"):
            return ("values", fit)  # a test that is not a number: the exact function decides
        t = Fraction(t)
        first = _compare(_at(fit, 1), op, t)
        a, b, e = fit
        flip = None
        if b != t * e:
            cross = (t - a) / (b - t * e)
            for x in range(max(2, int(cross) - 1), int(cross) + 3):
                if x <= hi and _compare(_at(fit, x), op, t) != first:
                    flip = x
                    break
        out.append(((op, t), first, flip))
    return tuple(out)


def _compare(value: Fraction, op: str, t: Fraction) -> bool:
    return {">": value > t, ">=": value >= t, "<": value < t, "<=": value <= t, "==": value == t,
            "!=": value != t}.get(op, False)


def _at(fit: tuple, x: int) -> Fraction:
    a, b, e = fit
    return (a + b * x) / (1 + e * x)


def _frozen(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(value))
    if isinstance(value, (list, dict)):
        return repr(value)
    return value


def _date_edges(rulebook) -> list[date]:
    """Every date on which a rule comes into or out of force, or a test of the date changes."""
    from .conditions import atoms
    edges: set[date] = set()
    for rule in rulebook.rules:
        for d in (rule.in_force_from, rule.in_force_before):
            if d is not None:
                edges.add(d)
        for cond in [rule.scope, rule.condition] + [e.condition for e in rule.exceptions]:
            for a in atoms(cond):
                if a.fact == "as_of" and isinstance(a.value, date):
                    edges.update((a.value, date.fromordinal(a.value.toordinal() + 1)))
    return sorted(edges)


def _cite(rulebook, finding) -> str:
    doc = rulebook.documents.get(finding.document)
    code = doc.code if doc is not None and doc.code else finding.document
    return f"{code} {finding.section}"


def _reasons(finding) -> str:
    """What a finding that cannot be determined needs established."""
    return "not established: " + ", ".join(finding.missing) if finding.missing else ""


# --- writing ------------------------------------------------------------------------------------


def _cells(out: Outcome) -> list:
    o = out.order
    room = "no limit" if out.unlimited else ("" if out.room_after is None else out.room_after)
    most = "no limit" if out.unlimited else ("" if out.max_quantity is None else out.max_quantity)
    if o is None:
        raw = out.problem.raw if out.problem else {}
        return [out.row, raw.get("date", ""), raw.get("account", ""), raw.get("group", ""), raw.get("side", ""),
                raw.get("security", ""), raw.get("quantity", ""), raw.get("counterparty", ""), out.verdict, "no",
                "", "", "", "", "", "", "", "", out.reasons, ""]
    return [out.row, o.day or o.on.isoformat(), o.account, o.group or "", o.side, o.security, o.quantity,
            o.counterparty, out.verdict, "yes" if out.accepted else "no", out.clause, out.rule, out.title, out.figure,
            out.value, out.threshold, room, most, out.reasons, out.decided_by]


class Writer:
    """Results written to a temporary file beside the target and moved into place at the end, so
    that an interrupted run leaves nothing half-written."""

    def __init__(self, path: Path):
        self.path = path
        if path.is_dir():
            raise InputError([Problem(str(path), None, "bad-value", "--out: a folder, not a file")])
        if not path.parent.is_dir():
            raise InputError([Problem(str(path), None, "missing-file", "--out: the folder does not exist")])
        self.xlsx = path.suffix.lower() == ".xlsx"
        try:
            fd, self.tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        except OSError as exc:
            raise InputError([Problem(str(path), None, "bad-value", f"--out: cannot write there ({exc.strerror})")])
        os.close(fd)
        if self.xlsx:
            import openpyxl
            self.book = openpyxl.Workbook(write_only=True)
            self.sheet = self.book.create_sheet("orders")
            self.sheet.append(list(OUTPUT_COLUMNS))
        else:
            self.handle = open(self.tmp, "w", newline="", encoding="utf-8")
            self.csv = csv.writer(self.handle, lineterminator="\n")
            self.csv.writerow(OUTPUT_COLUMNS)

    def write(self, outcome: Outcome) -> None:
        self.write_cells(_cells(outcome))

    def write_cells(self, cells: list) -> None:
        if self.xlsx:
            self.sheet.append(cells)
        else:
            self.csv.writerow(cells)

    def close(self, summary_rows: list[list] | None = None) -> None:
        if self.xlsx:
            if summary_rows:
                sheet = self.book.create_sheet("summary")
                for row in summary_rows:
                    sheet.append(row)
            self.book.save(self.tmp)
        else:
            self.handle.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        if not self.xlsx:
            self.handle.close()
        try:
            os.unlink(self.tmp)
        except OSError:
            pass


# --- the whole run ------------------------------------------------------------------------------


@dataclass
class Summary:
    orders: int = 0
    refused: int = 0
    by_verdict: dict = field(default_factory=dict)
    by_clause: dict = field(default_factory=dict)
    nearest: dict = field(default_factory=dict)  # group -> (room after its last order, date, row)
    seconds: float = 0.0
    counts: dict = field(default_factory=dict)
    parts: int = 1  # the parts the blotter was pre-cleared in (partition.py)
    one_part: str | None = None  # why a run asked for parts ran in one

    def add(self, out: Outcome, group: str | None) -> None:
        self.orders += 1
        self.by_verdict[out.verdict] = self.by_verdict.get(out.verdict, 0) + 1
        if out.verdict not in ("CLEAR", "REFUSED") and out.clause:
            self.by_clause[out.clause] = self.by_clause.get(out.clause, 0) + 1
        if out.verdict == "REFUSED":
            self.refused += 1
        if group and group != "none" and out.room_after is not None:
            self.nearest[group] = (out.room_after, out.order.on.isoformat(), out.row)

    @property
    def exit_code(self) -> int:
        return 0 if set(self.by_verdict) <= {"CLEAR"} else 1

    def as_json(self) -> dict:
        return {
            "orders": self.orders,
            "by_verdict": dict(sorted(self.by_verdict.items())),
            "by_clause": dict(sorted(self.by_clause.items(), key=lambda kv: (-kv[1], kv[0]))),
            "nearest_their_caps": [{"group": g, "room_after": r, "date": d, "row": row}
                                   for g, (r, d, row) in sorted(self.nearest.items(), key=lambda kv: kv[1][0])],
            "seconds": round(self.seconds, 3),
            "orders_per_second": round(self.orders / self.seconds) if self.seconds else None,
            "decided": self.counts,
            "parts": self.parts,
            "one_part": self.one_part,
        }

    def rows(self) -> list[list]:
        data = self.as_json()
        out = [["orders", data["orders"]]]
        out += [[f"verdict {k}", v] for k, v in data["by_verdict"].items()]
        out += [[f"clause {k}", v] for k, v in data["by_clause"].items()]
        out += [[f"room left {n['group']}", n["room_after"]] for n in data["nearest_their_caps"]]
        return out


def extra_fields(rulebook) -> tuple[str, ...]:
    """The further action fields a blotter row may state: those facts.yaml declares for a purchase
    or a transfer."""
    names = {spec.key.split(".")[0] for spec in rulebook.facts.values()
             if spec.key and ("purchase" in spec.kinds or "transfer" in spec.kinds)}
    return tuple(sorted(n for n in names if n not in COLUMNS))


def run_blotter(rulebook, cap: CapTable, blotter: Path, out: Path, as_of: date | None = None,
                instruments: dict | None = None, mode: str = "fast", progress: Any = None,
                headroom_in_full: bool = True) -> tuple[Summary, list[RowProblem]]:
    """Check every order of the blotter and write one result row per order, in blotter order."""
    writer = Writer(out)
    summary, problems = Summary(), []
    started = time.perf_counter()
    try:
        names, rows = read_rows(blotter)
        parser = Parser(rulebook, names, as_of, extra_fields(rulebook))
        batch = Batch(rulebook, cap, instruments, mode, headroom_in_full)
        items = (parser.parse(number, values) for number, values in rows)
        for n, outcome in enumerate(batch.run(items), start=1):
            writer.write(outcome)
            summary.add(outcome, outcome.group if outcome.group is not None or outcome.order is None
                        else batch._group(outcome.order))
            if outcome.problem is not None:
                problems.append(outcome.problem)
            if progress is not None and n % 1000 == 0:
                progress(1000)
        summary.seconds = time.perf_counter() - started
        summary.counts = dict(batch.counts)
        writer.close(summary.rows())
    except BaseException:
        writer.abort()
        raise
    return summary, problems


def count_rows(path: Path) -> int | None:
    """The orders in a CSV blotter (lines less the header), for the progress bar; None for .xlsx."""
    if path.suffix.lower() == ".xlsx":
        return None
    with open(path, "rb") as handle:
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1)


def run_rows(rulebook, cap: CapTable, names: list[str], rows: Iterable[tuple[int, list[str]]],
             as_of: date | None = None, instruments: dict | None = None, mode: str = "fast",
             headroom_in_full: bool = True) -> tuple[list[dict], Summary, list[RowProblem]]:
    """run_blotter without files, for orders that come as data (`clausewise serve`'s POST /v1/batch):
    `names` the columns and `rows` (row number, cells) as read_rows gives them; one result per order
    in blotter order (OUTPUT_COLUMNS -> the cell the results file holds), the summary, and the rows
    that could not be read."""
    summary, problems, results = Summary(), [], []
    started = time.perf_counter()
    parser = Parser(rulebook, names, as_of, extra_fields(rulebook))
    batch = Batch(rulebook, cap, instruments, mode, headroom_in_full)
    for outcome in batch.run(parser.parse(number, values) for number, values in rows):
        results.append(dict(zip(OUTPUT_COLUMNS, _cells(outcome))))
        summary.add(outcome, outcome.group if outcome.group is not None or outcome.order is None
                    else batch._group(outcome.order))
        if outcome.problem is not None:
            problems.append(outcome.problem)
    summary.seconds = time.perf_counter() - started
    summary.counts = dict(batch.counts)
    return results, summary, problems


# --- the command --------------------------------------------------------------------------------

HELP = """Pre-clear a blotter: one order per row (CSV or .xlsx), each checked against the cap table plus
the orders accepted before it, as `check` would check it. Orders are taken in blotter order, which
must be date order; a rejected order changes nothing. The results file has one row per order, in
blotter order: the verdict, the binding clause with its section, the figure against its threshold,
the room left after the order, the largest quantity that would have passed, and what a verdict
that cannot be determined needs. A row that cannot be read is reported with its row number and
column; the rest still runs."""

EPILOG = f"""columns: {', '.join(COLUMNS)}
  date                YYYY-MM-DD (or --as-of for every row)
  account             the holder placing the order: a cap-table holder, or a new account with `group`
  group               for an account not on the cap table: a group of the rulebook, or none
  side                buy or sell
  security            a security of the rulebook (common, ...)
  quantity            whole shares
  counterparty        market (default), company, or a holder's name
  counterparty_group  for a counterparty not on the cap table
  ...                 any further field a purchase or transfer states (the rulebook's facts.yaml)
examples:
  clausewise batch --template > blotter.csv
  clausewise batch blotter.csv --instrument purchase-agreement=in_force --out results.csv
  clausewise batch blotter.xlsx --as-of 2003-06-02 --out results.xlsx --format json
  clausewise batch blotter.csv --out results.csv --workers 2          (one part per group, on two cores)
  clausewise batch blotter.csv --out results.csv --engine dask --scheduler tcp://10.0.0.5:8786
exit codes: 0 every order clear; 1 an order blocked, undetermined or unreadable; 2 bad input"""


def configure(parser, date_type) -> None:
    """The `batch` command's arguments."""
    parser.add_argument("blotter", nargs="?", type=Path, metavar="BLOTTER", help="the orders, .csv or .xlsx")
    parser.add_argument("--out", type=Path, metavar="RESULTS",
                        help="the results, .csv or .xlsx (written whole at the end, never half)")
    parser.add_argument("--as-of", type=date_type, metavar="DATE", help="the date of every order (else each "
                                                                       "row's date column)")
    parser.add_argument("--cap-table", type=Path, metavar="FILE",
                        help="the baseline cap table (default: the rulebook's captables/closing.yaml)")
    parser.add_argument("--instrument", action="append", default=[], metavar="DOC=STATUS",
                        help="state an instrument's status (repeatable), as `headroom` takes it")
    parser.add_argument("--mode", choices=("fast", "full"), default="fast",
                        help="fast: the engine's headroom per set of facts (default); full: every order "
                             "evaluated as check evaluates it")
    parser.add_argument("--workers", type=_workers, default=None, metavar="N",
                        help="processes (or Dask workers) pre-clearing the blotter's parts, one part per "
                             "group; default: every core for a blotter of 20,000 orders or more, else 1")
    parser.add_argument("--engine", choices=("local", "dask"), default="local",
                        help="local: worker processes on this machine (default); dask: a Dask cluster")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="with --engine dask: the scheduler, e.g. tcp://10.0.0.5:8786 (default: a "
                             "local cluster of --workers processes)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="the summary's form")
    parser.add_argument("--template", action="store_true", help="print a blotter template and stop")


def command(args, rulebook, cap: CapTable) -> int:
    """Run `clausewise batch` on a loaded rulebook and baseline cap table (instruments applied)."""
    import json
    import sys

    if args.template:
        on = args.as_of or _example_date(rulebook)
        sys.stdout.write(template_text(rulebook, cap, on))
        return 0
    problems = []
    if args.blotter is None:
        problems.append(Problem("BLOTTER", None, "missing-argument", "give the blotter file (or --template)"))
    elif not args.blotter.is_file():
        problems.append(Problem(str(args.blotter), None, "missing-file", "no such file"))
    elif args.blotter.suffix.lower() not in (".csv", ".xlsx"):
        problems.append(Problem(str(args.blotter), None, "bad-value", "expected a .csv or .xlsx blotter"))
    if args.out is None:
        problems.append(Problem("--out", None, "missing-argument", "give the results file (.csv or .xlsx)"))
    elif args.out.suffix.lower() not in (".csv", ".xlsx"):
        problems.append(Problem(str(args.out), None, "bad-value", "--out: expected a .csv or .xlsx file"))
    if problems:
        raise InputError(problems)
    if args.scheduler is not None and args.engine != "dask":
        raise InputError([Problem("--scheduler", None, "bad-value", "only with --engine dask (the address of "
                                                                   "a Dask scheduler)")])
    total = count_rows(args.blotter)
    workers = args.workers
    if workers is None:
        workers = (os.cpu_count() or 1) if args.engine == "dask" or (total or 0) >= PARALLEL_FROM else 1
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm
        tqdm.monitor_interval = 0  # no monitor thread: the worker processes are forked from this one
        bar = tqdm(total=total, unit=" orders", unit_scale=True, file=sys.stderr, leave=False)
    try:
        if workers > 1 or args.engine == "dask":
            from .partition import run_partitioned
            summary, row_problems = run_partitioned(
                rulebook, cap, args.blotter, args.out, as_of=args.as_of, mode=args.mode,
                progress=bar.update if bar is not None else None, workers=max(workers, 1), engine=args.engine,
                scheduler=args.scheduler)
        else:
            summary, row_problems = run_blotter(rulebook, cap, args.blotter, args.out, as_of=args.as_of,
                                                mode=args.mode, progress=bar.update if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()
    for p in row_problems:
        print(f"{args.blotter}:{p.row}: {p.column}: {p.message}", file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(json.dumps({"blotter": str(args.blotter), "results": str(args.out), **summary.as_json()},
                                    separators=(",", ":")) + "\n")
    else:
        sys.stdout.write(summary_text(summary, args.blotter, args.out))
    return summary.exit_code


def _workers(text: str) -> int:
    import argparse
    if not text.isdigit() or not 1 <= int(text) <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"expected a whole number of workers from 1 to {MAX_WORKERS}, got {_short(text)}")
    return int(text)


def _example_date(rulebook) -> date:
    """A date for the template: the one the rulebook's examples name (rulebook.yaml `examples`), else
    the first day a rule is in force."""
    from .yamlio import load_yaml_shared
    try:
        manifest = load_yaml_shared(Path(rulebook.path) / "rulebook.yaml", "rulebook.yaml")
        stated = (manifest.get("examples") or {}).get("as_of") if isinstance(manifest, dict) else None
        if isinstance(stated, date):
            return stated
    except Exception:  # noqa: BLE001 - the template falls back to the rules' own dates
        pass
    starts = [r.in_force_from for r in rulebook.rules if r.in_force_from]
    return min(starts) if starts else min(d.date for d in rulebook.documents.values() if getattr(d, "date", None))


def summary_text(summary: Summary, blotter: Path, out: Path) -> str:
    data = summary.as_json()
    lines = [f"{data['orders']:,} orders from {blotter}; results in {out}",
             f"  {data['seconds']:.2f} s, {data['orders_per_second'] or 0:,} orders a second"]
    lines.append("By verdict:")
    lines += [f"  {verdict:<18} {n:>12,}" for verdict, n in data["by_verdict"].items()]
    if data["by_clause"]:
        lines.append("Stopped by:")
        lines += [f"  {clause:<18} {n:>12,}" for clause, n in data["by_clause"].items()]
    if data["nearest_their_caps"]:
        lines.append("Nearest their caps (room left after each group's last order):")
        lines += [f"  {n['group']:<18} {n['room_after']:>12,} shares  ({n['date']}, row {n['row']})"
                  for n in data["nearest_their_caps"]]
    return "\n".join(lines) + "\n"
