"""How fast `clausewise batch` pre-clears a blotter, against one `check` per order, in one run.

A synthetic but realistic blotter (a year of trading days from 2 June 2003; thousands of accounts:
desks of the three groups, some on the cap table and most not, and outside funds; market purchases
of Common sized so that the groups reach their caps during the year) is written to a temporary
folder, then pre-cleared end to end (read, decide, write the results CSV). In the same run, a
sample of its orders is checked one at a time as `check` would (validate the scenario, evaluate
it, build its JSON report). The targets are ratios of figures measured here:

- throughput: orders per second of the whole batch, at least 50,000;
- against `check`: the batch's time per order against one check's, reported as a ratio;
- memory: the peak resident memory of a batch of the full blotter against one of a tenth of it,
  each in a fresh process: at most 1.25 (flat, whatever the blotter's length).

It is not a test: it prints PASS or FAIL for each target and exits 0 unless a measurement failed.

    .venv/bin/python bench/bench_batch.py [--orders 1000000] [--days 250] [--seed 7] [--json FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IN_FORCE = ["purchase-agreement=in_force", "certificate-of-designation=in_force", "warrant=in_force"]
START = date(2003, 6, 2)


def trading_days(n: int) -> list[date]:
    days, d = [], START
    while len(days) < n:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


def write_blotter(path: Path, orders: int, days: int, seed: int, sales: float = 0.1) -> None:
    """Market trades of Common: 30% by Liberty's desks, 15% HMTF's, 5% Gleacher's, 50% by outside
    funds; a group's desks are its holders on the cap table and accounts new to it. About `sales`
    of them are sales (transfers into the market) of what the account bought before, the rest
    purchases."""
    rng = random.Random(seed)
    desks = {
        "liberty": ["Liberty Media Corporation"] + [f"Liberty desk {i}" for i in range(600)],
        "hmtf": ["HMTF Bridge ICG, LLC", "HM4 ICG Qualified Fund, LLC"] + [f"HMTF desk {i}" for i in range(300)],
        "gleacher": ["Gleacher/ICG Investors LLC"] + [f"Gleacher desk {i}" for i in range(100)],
    }
    on_cap = {"Liberty Media Corporation", "HMTF Bridge ICG, LLC", "HM4 ICG Qualified Fund, LLC",
              "Gleacher/ICG Investors LLC"}
    outside = [f"Outside fund {i}" for i in range(2000)]
    sizes = {"liberty": 60, "hmtf": 40, "gleacher": 10, "none": 40}
    calendar = trading_days(days)
    held: dict[str, int] = {}
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["date", "account", "group", "side", "security", "quantity", "counterparty"])
        for i in range(orders):
            on = calendar[i * days // orders].isoformat()
            r = rng.random()
            group = "liberty" if r < 0.30 else "hmtf" if r < 0.45 else "gleacher" if r < 0.50 else "none"
            account = rng.choice(desks[group]) if group != "none" else rng.choice(outside)
            stated = "" if account in on_cap else group
            if held.get(account) and rng.random() < sales:
                quantity = rng.randint(1, min(held[account], sizes[group]))
                held[account] -= quantity
                writer.writerow([on, account, stated, "sell", "common", quantity, "market"])
            else:
                quantity = rng.randint(1, sizes[group])
                held[account] = held.get(account, 0) + quantity
                writer.writerow([on, account, stated, "buy", "common", quantity, "market"])


def batch_once(blotter: Path, out: Path, workers: int = 1) -> dict:
    from clausewise import batch
    from clausewise.partition import run_partitioned
    from clausewise.rulebook import load_rulebook
    from clausewise.scenario import instruments_from_options, load_cap_table

    rulebook = load_rulebook(ROOT / "rules" / "icg-2000")
    cap = load_cap_table(ROOT / "rules" / "icg-2000" / "captables" / "closing.yaml", rulebook)
    started = time.perf_counter()
    instruments = instruments_from_options(IN_FORCE, rulebook)
    if workers > 1:
        summary, _ = run_partitioned(rulebook, cap, blotter, out, instruments=instruments, workers=workers)
    else:
        summary, _ = batch.run_blotter(rulebook, cap, blotter, out, instruments=instruments)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "orders": summary.orders, "summary": summary.as_json(),
            "peak_rss_mb": peak_mb(summary.parts)}


def peak_mb(workers: int = 1) -> float:
    """The run's peak resident memory: this process's (VmHWM: ru_maxrss would carry the parent's
    over exec) plus, for a run in parts, each worker's at the largest worker's peak."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            own = int(line.split()[1]) / 1024
    if workers > 1:
        own += workers * resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own


def check_per_order(blotter: Path, sample: int) -> float:
    """The mean time of one `check` of an order of the blotter on the closing cap table."""
    from clausewise.evaluate import evaluate
    from clausewise.render import check_json, render_json
    from clausewise.rulebook import load_rulebook
    from clausewise.scenario import instruments_from_options, load_cap_table, scenario_from_dict

    rulebook = load_rulebook(ROOT / "rules" / "icg-2000")
    cap = load_cap_table(ROOT / "rules" / "icg-2000" / "captables" / "closing.yaml", rulebook)
    from dataclasses import replace
    cap = replace(cap, instruments={**cap.instruments, **instruments_from_options(IN_FORCE, rulebook)})
    members = {h.name for h in cap.holders}
    with open(blotter, newline="", encoding="utf-8") as handle:
        rng, picked = random.Random(1), []
        purchases = (row for row in csv.DictReader(handle) if row["side"] == "buy")
        for n, row in enumerate(purchases):  # a reservoir sample: the blotter is not held
            if n < sample:
                picked.append(row)
            elif (k := rng.randrange(n + 1)) < sample:
                picked[k] = row
    scenarios = []
    for row in picked:
        buyer = row["account"] if row["account"] in members else {"name": row["account"], "group": row["group"]}
        scenarios.append({"name": "order", "as_of": date.fromisoformat(row["date"]), "cap_table": cap,
                          "action": {"kind": "purchase", "buyer": buyer, "security": "common",
                                     "quantity": int(row["quantity"]), "seller": "market"}})
    for data in scenarios[:20]:  # warm
        scenario = scenario_from_dict(data, rulebook)
        render_json(check_json(rulebook, evaluate(rulebook, scenario), None))
    started = time.perf_counter()
    for data in scenarios:
        scenario = scenario_from_dict(data, rulebook)
        render_json(check_json(rulebook, evaluate(rulebook, scenario), None))
    return (time.perf_counter() - started) / len(scenarios)


def in_fresh_process(blotter: Path, out: Path, workers: int) -> dict:
    code = ("import json, sys; sys.path.insert(0, %r); from bench_batch import batch_once; "
            "print(json.dumps(batch_once(__import__('pathlib').Path(%r), __import__('pathlib').Path(%r), %d)))"
            % (str(Path(__file__).parent), str(blotter), str(out), workers))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample", type=int, default=300, help="orders checked one at a time")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="worker processes, one part of the blotter each (default: every core)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        full, tenth = folder / "blotter.csv", folder / "tenth.csv"
        print(f"writing a blotter of {args.orders:,} orders over {args.days} trading days", file=sys.stderr)
        write_blotter(full, args.orders, args.days, args.seed)
        write_blotter(tenth, args.orders // 10, args.days, args.seed)
        print("checking a sample one order at a time", file=sys.stderr)
        per_check = check_per_order(full, args.sample)
        print("pre-clearing the blotter, and a tenth of it, each in a fresh process", file=sys.stderr)
        big = in_fresh_process(full, folder / "results.csv", args.workers)
        small = in_fresh_process(tenth, folder / "results-tenth.csv", args.workers)
    per_order = big["seconds"] / big["orders"]
    rate = big["orders"] / big["seconds"]
    memory = big["peak_rss_mb"] / small["peak_rss_mb"]
    rows = [
        ("orders per second, read + decide + write", f"{rate:,.0f}", ">= 50,000", rate >= 50_000),
        ("one check per order (ms)", f"{per_check * 1e3:.2f}", "", None),
        ("batch per order (us)", f"{per_order * 1e6:.1f}", "", None),
        ("check / batch, per order", f"{per_check / per_order:,.0f}x", "", None),
        ("peak memory, full / tenth", f"{memory:.2f} ({big['peak_rss_mb']:.0f} / {small['peak_rss_mb']:.0f} MB)",
         "<= 1.25", memory <= 1.25),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, target, ok in rows:
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        print(f"{name:<{width}}  {value:>24}  {target:>10}  {verdict}")
    print(f"verdicts: {big['summary']['by_verdict']}; decided: {big['summary']['decided']}")
    if args.json:
        args.json.write_text(json.dumps({"rows": [r[:3] for r in rows], "big": big, "small": small,
                                         "check_seconds": per_check}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
