"""A blotter pre-cleared in independent parts, one worker each, and merged in blotter order.

The accumulation a blotter needs is per group: an order is checked against its own group's
position (for an account outside the groups, its own holding) as the orders accepted before it
leave it. So the blotter is partitioned by what must stay ordered, the group, and each part keeps
blotter (date) order inside it. Each worker runs `batch.Batch` over its part, from the same baseline
cap table, with the rulebook compiled once in the worker; the results are merged by row number.

That gives the one-process answer, row for row, on three conditions, each checked:

- No order joins two parts. A market purchase or sale of Common moves only its own group's
  holding and the market's float; a transfer to a holder, a trade with the Company or in another
  security may move two groups' positions or the Common outstanding, so a blotter with one is run in
  one part. (That no rule that can stop an order reads another group's holding is asked of the
  engine over the rulebook by tests/test_partition.py.)
- The blotter is in date order, so no row is refused for its date in one way and not the other.
- The market's float is shared: each part starts with all of it. A part refuses a purchase for the
  float only when the whole blotter would, and when none did and the parts' purchases together fit
  in the float, every purchase fitted when it was made. Otherwise the blotter is run again in one
  part.

Where a condition does not hold the run says why (`Summary.parts`, `Summary.one_part`).
The same plan runs on a Dask cluster (`engine="dask"`): the client reads the blotter and sends each
worker its part's rows, and the rulebook once (scattered to every worker).
"""

from __future__ import annotations

import csv
import heapq
import os
import re
import shutil
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Iterator

from . import batch as _batch
from .errors import InputError, Problem, excerpt
from .model import CapTable

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


@dataclass
class Plan:
    """Which part each group (or outside account) goes to, or why the blotter runs in one part. The
    parts are balanced on the blotter's first SAMPLE orders; a key first seen after them (a new
    outside account, say) goes to the part its hash names."""

    assigned: dict = field(default_factory=dict)  # key -> part
    parts: int = 0
    sizes: list[int] = field(default_factory=list)  # orders of each part, in the sample
    one_part: str = ""  # the reason the blotter runs in one part

    def part_of(self, key: str) -> int:
        found = self.assigned.get(key)
        return found if found is not None else zlib.crc32(key.encode("utf-8")) % self.parts


SAMPLE = 50_000


class _Joined(Exception):
    """An order that joins two parts, or a row out of date order: the blotter runs in one part."""


@dataclass
class PartResult:
    summary: Any
    problems: list
    counts: dict
    float_refusals: int
    bought: int  # Common bought in the market by the part's accepted orders
    rows_file: str | None = None  # CSV rows, each led by its row number (local workers)
    cells: list | None = None  # the rows themselves (Dask workers, or an .xlsx result)
    multiline: bool = False  # a cell of rows_file holds a line break: read it as CSV, not by lines
    one_part: str = ""  # the part stopped: the blotter must run in one part, for this reason


class _Keys:
    """The part key of a blotter row, read from its cells as the parser reads them."""

    def __init__(self, rulebook, cap: CapTable, names: list[str]):
        self.at = {c: names.index(c) if c in names else -1 for c in _batch.COLUMNS}
        self.members = {h.name: h.group for h in cap.holders}
        self.common = {s for s, spec in rulebook.securities.items() if spec.get("class") == "common"}

    def checked(self, rows: Iterable[tuple[int, list[str]]], as_of: date | None, layout: Plan | None = None,
                index: int = 0) -> Iterator[tuple[int, list[str], str]]:
        """The rows with their part keys (with a plan, those of part `index` only; a key the plan
        did not see goes to the part its crc32 names), raising _Joined at the first that
        joins two parts or is out of date order. Every worker looks at every row of the blotter,
        so the tests are inlined."""
        at = self.at
        a, g, c, sec, d = at["account"], at["group"], at["counterparty"], at["security"], at["date"]
        members, common = self.members, self.common
        part_of = layout.part_of if layout is not None else None
        market, dated = _batch.MARKET, as_of is None and d >= 0
        last = ""
        for number, values in rows:
            n = len(values)
            counterparty = values[c].strip() if 0 <= c < n else ""
            if (counterparty and counterparty != market) or (values[sec].strip() if 0 <= sec < n else "") not in common:
                raise _Joined("an order trades with a holder or the Company, or a security other than Common "
                              f"(row {number})")
            if dated and d < n:
                day = values[d].strip()
                if len(day) == 10 and _ISO.match(day):
                    if day < last:
                        raise _Joined(f"the blotter is not in date order (row {number})")
                    last = day
            account = values[a].strip() if 0 <= a < n else ""
            group = members.get(account)
            if group is None:
                group = (values[g].strip() if 0 <= g < n else "") or "none"
            k = group if group != "none" else "none:" + account
            if layout is None or part_of(k) == index:
                yield number, values, k


def plan(rulebook, cap: CapTable, blotter: Path, as_of: date | None, workers: int) -> Plan:
    """The parts, balanced on the blotter's first SAMPLE orders, or why it runs in one part."""
    names, rows = _batch.read_rows(blotter)
    keys = _Keys(rulebook, cap, names)
    counts: dict[str, int] = {}
    result = Plan()
    try:
        for n, (_, _, k) in enumerate(keys.checked(rows, as_of)):
            if n == SAMPLE:
                break
            counts[k] = counts.get(k, 0) + 1
    except _Joined as exc:
        result.one_part = str(exc)
        return result
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    if workers < 2 or len(counts) < 2:
        result.one_part = "one worker" if workers < 2 else "every order is in one group"
        return result
    result.parts = min(workers, len(counts))
    bins: list[tuple[int, int]] = [(0, i) for i in range(result.parts)]  # (orders, part)
    for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        size, i = heapq.heappop(bins)
        result.assigned[k] = i
        heapq.heappush(bins, (size + n, i))
    result.sizes = [size for size, _ in sorted(bins, key=lambda b: b[1])]
    return result


def run_part(rulebook, cap: CapTable, names: list[str], rows: Iterable[tuple[int, list[str]]],
             part: tuple[Plan, int] | None, as_of: date | None, instruments: dict | None, mode: str,
             headroom_in_full: bool, rows_file: str | None = None, progress: Any = None) -> PartResult:
    """Pre-clear the rows of one part (`part`: the plan and the part's number; every row when None).
    Every row of the blotter is looked at: one that joins two parts stops the part, to be run again
    in one."""
    parser = _batch.Parser(rulebook, names, as_of, _batch.extra_fields(rulebook))
    work = _batch.Batch(rulebook, cap, instruments, mode, headroom_in_full)
    if part is None:
        mine = rows
    else:
        layout, index = part
        mine = ((n, v) for n, v, _ in _Keys(rulebook, cap, names).checked(rows, as_of, layout, index))
    summary, problems = _batch.Summary(), []
    bought = 0
    handle = open(rows_file, "w", newline="", encoding="utf-8") if rows_file else None
    cells: list | None = None if handle else []
    writer = csv.writer(handle, lineterminator="\n") if handle else None
    common = work.common
    multiline = False
    try:
        items = (parser.parse(number, values) for number, values in mine)
        for n, outcome in enumerate(work.run(items), start=1):
            row = _batch._cells(outcome)
            if writer is not None:
                writer.writerow(row)
                if outcome.problem is not None and any("\n" in str(c) or "\r" in str(c) for c in row):
                    multiline = True
            else:
                cells.append(row)
            summary.add(outcome, outcome.group if outcome.group is not None or outcome.order is None
                        else work._group(outcome.order))
            if outcome.problem is not None:
                problems.append(outcome.problem)
            o = outcome.order
            if outcome.accepted and o is not None and o.side == _batch.BUY and o.counterparty == _batch.MARKET \
                    and o.security in common:
                bought += o.quantity
            if progress is not None and n % 1000 == 0:
                progress(1000)
    except _Joined as exc:
        return PartResult(summary, problems, {}, 0, 0, one_part=str(exc))
    finally:
        if handle is not None:
            handle.close()
    return PartResult(summary, problems, dict(work.counts), work.float_refusals, bought, rows_file, cells, multiline)


# --- local worker processes ---------------------------------------------------------------------

_WORKER: dict = {}  # in a worker process only: what the pool's initializer hands it


def _init_worker(rulebook, cap, counter) -> None:
    _WORKER.update(rulebook=rulebook, cap=cap, counter=counter)


def _count(n: int) -> None:
    counter = _WORKER.get("counter")
    if counter is not None:
        with counter.get_lock():
            counter.value += n


def _local_part(blotter: str, layout: Plan, index: int, as_of, instruments, mode, headroom_in_full,
                rows_file) -> PartResult:
    names, rows = _batch.read_rows(Path(blotter))
    return run_part(_WORKER["rulebook"], _WORKER["cap"], names, rows, (layout, index), as_of, instruments, mode,
                    headroom_in_full, rows_file=rows_file, progress=_count)


def _dask_part(rulebook, cap, names, rows, as_of, instruments, mode, headroom_in_full) -> PartResult:
    return run_part(rulebook, cap, names, rows, None, as_of, instruments, mode, headroom_in_full)


# --- the whole run ------------------------------------------------------------------------------


def run_partitioned(rulebook, cap: CapTable, blotter: Path, out: Path, as_of: date | None = None,
                    instruments: dict | None = None, mode: str = "fast", progress: Any = None,
                    headroom_in_full: bool = True, workers: int = 2, engine: str = "local",
                    scheduler: str | None = None) -> tuple[Any, list]:
    """`batch.run_blotter`, with the blotter's parts pre-cleared by `workers` processes (local) or
    by a Dask cluster, and merged in blotter order; one part when the plan says so."""
    started = time.perf_counter()
    layout = plan(rulebook, cap, blotter, as_of, workers)
    if layout.one_part:
        return _one_part(rulebook, cap, blotter, out, as_of, instruments, mode, progress, headroom_in_full,
                         layout.one_part, started)
    writer = _batch.Writer(out)
    folder = tempfile.mkdtemp(prefix=f".{out.name}.parts.", dir=out.parent)
    try:
        if engine == "dask":
            results = _run_dask(rulebook, cap, blotter, layout, as_of, instruments, mode, headroom_in_full, scheduler)
        else:
            results = _run_local(rulebook, cap, blotter, layout, as_of, instruments, mode, headroom_in_full,
                                 folder, out.suffix.lower() == ".xlsx", progress)
        floating = cap.common_outstanding - sum(h.common for h in cap.holders)
        joined = next((r.one_part for r in results if r.one_part), "")
        if joined or any(r.float_refusals for r in results) or sum(r.bought for r in results) > floating:
            writer.abort()
            return _one_part(rulebook, cap, blotter, out, as_of, instruments, mode, progress, headroom_in_full,
                             joined or "the parts' purchases together need more than the market's float", started)
        summary, problems = _merge(results, writer)
        summary.seconds = time.perf_counter() - started
        summary.parts = len(results)
        writer.close(summary.rows())
    except BaseException:
        writer.abort()
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return summary, problems


def _one_part(rulebook, cap, blotter, out, as_of, instruments, mode, progress, headroom_in_full, reason, started):
    summary, problems = _batch.run_blotter(rulebook, cap, blotter, out, as_of=as_of, instruments=instruments,
                                           mode=mode, progress=progress, headroom_in_full=headroom_in_full)
    summary.seconds = time.perf_counter() - started
    summary.parts, summary.one_part = 1, reason
    return summary, problems


def _run_local(rulebook, cap, blotter, layout, as_of, instruments, mode, headroom_in_full, folder, xlsx, progress):
    import multiprocessing
    from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    counter = context.Value("q", 0)
    files = [None if xlsx else os.path.join(folder, f"part-{i}.csv") for i in range(layout.parts)]
    with ProcessPoolExecutor(max_workers=layout.parts, mp_context=context, initializer=_init_worker,
                             initargs=(rulebook, cap, counter)) as pool:
        futures = [pool.submit(_local_part, str(blotter), layout, i, as_of, instruments, mode, headroom_in_full, f)
                   for i, f in enumerate(files)]
        shown = 0
        while True:
            done, pending = wait(futures, timeout=0.25, return_when=FIRST_EXCEPTION)
            if progress is not None and counter.value > shown:
                progress(counter.value - shown)
                shown = counter.value
            if not pending or any(f.exception() is not None for f in done):
                break
        return [f.result() for f in futures]


def _run_dask(rulebook, cap, blotter, layout, as_of, instruments, mode, headroom_in_full, scheduler):
    from distributed import Client, LocalCluster

    names, rows = _batch.read_rows(blotter)
    keys = _Keys(rulebook, cap, names)
    parts: list[list] = [[] for _ in range(layout.parts)]
    try:
        for number, values, k in keys.checked(rows, as_of):
            parts[layout.part_of(k)].append((number, values))
    except _Joined as exc:
        return [PartResult(_batch.Summary(), [], {}, 0, 0, one_part=str(exc))]
    cluster = None
    if scheduler is None:
        import logging
        cluster = LocalCluster(n_workers=len(parts), threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=logging.ERROR)
    try:
        try:
            client = Client(cluster if cluster is not None else scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError([Problem("--scheduler", None, "bad-value", f"no Dask scheduler answers at "
                                      f"{excerpt(str(scheduler))} ({type(exc).__name__})")]) from None
        with client:
            book = client.scatter(rulebook, broadcast=True)  # one copy per worker, compiled there once
            futures = [client.submit(_dask_part, book, cap, names, part, as_of, instruments, mode, headroom_in_full,
                                     pure=False) for part in parts]
            return client.gather(futures)
    finally:
        if cluster is not None:
            cluster.close()


def _merge(results: list[PartResult], writer) -> tuple[Any, list]:
    summary = _batch.Summary()
    problems: list = []
    for r in results:
        s = r.summary
        summary.orders += s.orders
        summary.refused += s.refused
        for k, v in s.by_verdict.items():
            summary.by_verdict[k] = summary.by_verdict.get(k, 0) + v
        for k, v in s.by_clause.items():
            summary.by_clause[k] = summary.by_clause.get(k, 0) + v
        summary.nearest.update(s.nearest)  # a group is in one part only
        for k, v in r.counts.items():
            summary.counts[k] = summary.counts.get(k, 0) + v
        problems += r.problems
    problems.sort(key=lambda p: p.row)
    if all(r.rows_file and not r.multiline for r in results) and not writer.xlsx:
        streams = [_numbered_lines(r.rows_file) for r in results]
        handle = writer.handle
        for _, line in heapq.merge(*streams):
            handle.write(line)
    else:
        streams = [((int(cells[0]), cells) for cells in (r.cells if r.cells is not None else _read_cells(r.rows_file)))
                   for r in results]
        for _, cells in heapq.merge(*streams, key=lambda item: item[0]):
            writer.write_cells(cells)
    return summary, problems


def _numbered_lines(path: str) -> Iterator[tuple[int, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        for line in handle:
            yield int(line[:line.index(",")]), line


def _read_cells(path: str) -> Iterator[list]:
    with open(path, newline="", encoding="utf-8") as handle:
        yield from csv.reader(handle)


