"""A blotter pre-cleared in parts (engine/partition.py), by worker processes or a Dask cluster,
gives the one-process answer row for row; the property that allows it is asked of the engine over
the rulebook; and a blotter where it does not hold is run in one part, saying why. Real rulebook,
real engine, real processes and a real Dask LocalCluster."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from clausewise import batch, partition
from clausewise.contract import BatchSummary
from clausewise.evaluate import scenario_facts
from clausewise.scenario import date_span, instruments_from_options, load_cap_table, scenario_from_dict

from conftest import CLOSING, ROOT
from test_batch import IN_FORCE, blotter, results, run, synthetic


def cap_in_force(rulebook):
    cap = load_cap_table(CLOSING, rulebook)
    return replace(cap, instruments={**cap.instruments, **instruments_from_options(IN_FORCE, rulebook)})


def in_parts(rulebook, source: Path, out: Path, **kwargs):
    return partition.run_partitioned(rulebook, load_cap_table(CLOSING, rulebook), source, out,
                                     instruments=instruments_from_options(IN_FORCE, rulebook), **kwargs)


def test_no_rule_that_can_stop_an_order_reads_another_groups_holding(rulebook):
    # The property the parts rest on, asked of the engine: every fact a violation or approval rule
    # reads for a market purchase of Common by a group (or an outside account) is the same whatever
    # another group or outside account holds, on each date a rule's force or a date test changes
    # and on ordinary days, for small and large purchases.
    cap = cap_in_force(rulebook)
    read = sorted({f for facts in batch.Batch(rulebook, cap).tests.values() for f in facts})
    assert "change_of_control.occurs" in read and "acquirer.group" in read  # the test reads what matters
    low, high = date_span(rulebook)
    days = sorted({d for d in batch._date_edges(rulebook) if low <= d <= high}
                  | {date(2000, 6, 1), date(2003, 6, 2), date(2006, 1, 3)})
    groups = [*rulebook.groups, "none"]

    def facts(on, group, quantity, position):
        scenario = scenario_from_dict({"name": "probe", "as_of": on, "cap_table": position, "action": {
            "kind": "purchase", "buyer": {"name": f"{group} probe", "group": group}, "security": "common",
            "quantity": quantity, "seller": "market"}}, rulebook)
        return scenario_facts(rulebook, scenario)

    moved = []
    for on in days:
        for group in groups:
            for quantity in (1, 8_000_000):
                alone = facts(on, group, quantity, cap)
                for other in groups:
                    if other == group != "none":
                        continue  # the group's own holding moves its figures, as it should
                    beside = facts(on, group, quantity, batch._apply_common(cap, {f"{other} other": (other, 15_000_000)}))
                    moved += [(on, group, other, f) for f in read if alone.get(f) != beside.get(f)]
    assert moved == []


@pytest.mark.parametrize("sample", [50_000, 200])
def test_parts_give_the_one_process_answer_byte_for_byte(rulebook, tmp_path, monkeypatch, sample):
    monkeypatch.setattr(partition, "SAMPLE", sample)
    source = synthetic(tmp_path / "blotter.csv", 6_000, seed=11, sales=0.1)
    one, _ = run(rulebook, source, tmp_path / "one.csv", "fast")
    parts, _ = in_parts(rulebook, source, tmp_path / "parts.csv", workers=2)
    assert (tmp_path / "parts.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    assert parts.parts == 2 and parts.one_part is None
    assert (parts.orders, parts.by_verdict, parts.by_clause, parts.nearest) == \
        (one.orders, one.by_verdict, one.by_clause, one.nearest)
    assert set(one.by_verdict) == {"CLEAR", "VIOLATION", "REFUSED"}  # the comparison can fail
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no part files left


def test_an_xlsx_result_in_parts_equals_the_one_process_result(rulebook, tmp_path):
    import openpyxl

    source = synthetic(tmp_path / "blotter.csv", 800, seed=3, sales=0.1)
    run(rulebook, source, tmp_path / "one.xlsx", "fast")
    in_parts(rulebook, source, tmp_path / "parts.xlsx", workers=2)

    def cells(path):
        book = openpyxl.load_workbook(path, read_only=True)
        return {name: [list(r) for r in book[name].iter_rows(values_only=True)] for name in book.sheetnames}

    one, parts = cells(tmp_path / "one.xlsx"), cells(tmp_path / "parts.xlsx")
    assert one["orders"] == parts["orders"] and len(one["orders"]) == 801
    assert one["summary"][:3] == parts["summary"][:3]


@pytest.mark.parametrize("rows, reason", [
    ([["2003-06-02", "Liberty Media Corporation", "", "buy", "common", 10, "HMTF Bridge ICG, LLC", ""]],
     "trades with a holder or the Company"),
    ([["2003-06-02", "Liberty Media Corporation", "", "sell", "series_a1", 1, "market", ""]],
     "a security other than Common"),
    ([["2003-06-01", "Outside Fund 1", "none", "buy", "common", 10, "market", ""]], "not in date order"),
])
@pytest.mark.parametrize("sample", [50_000, 100])
def test_a_blotter_whose_orders_join_parts_runs_in_one_part(rulebook, tmp_path, monkeypatch, rows, reason, sample):
    # Found by the plan among the first orders, or by the workers (which look at every row) after
    # them.
    monkeypatch.setattr(partition, "SAMPLE", sample)
    source = synthetic(tmp_path / "b.csv", 300, seed=5, days=2)
    with open(source, "a", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    one, _ = run(rulebook, source, tmp_path / "one.csv", "fast")
    parts, _ = in_parts(rulebook, source, tmp_path / "parts.csv", workers=2)
    assert parts.parts == 1 and reason in parts.one_part and "(row 302)" in parts.one_part
    assert (tmp_path / "parts.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()


def test_parts_that_together_need_more_than_the_float_are_run_again_in_one_part(rulebook, tmp_path):
    # 48,582,035 Common outstanding at the closing, none held on the cap table: each group's part
    # alone fits, together they do not, and the last purchase is refused as the one process
    # refuses it.
    source = blotter(tmp_path / "b.csv", [
        ["2003-06-02", "Outside Fund 1", "none", "buy", "common", 30_000_000, "market", ""],
        ["2003-06-03", "Outside Fund 2", "none", "buy", "common", 30_000_000, "market", ""],
    ])
    one, _ = run(rulebook, source, tmp_path / "one.csv", "fast")
    parts, _ = in_parts(rulebook, source, tmp_path / "parts.csv", workers=2)
    assert parts.one_part == "the parts' purchases together need more than the market's float"
    assert [r["verdict"] for r in results(tmp_path / "parts.csv")] == ["CLEAR", "REFUSED"]
    assert (tmp_path / "parts.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()


def test_a_dask_cluster_of_two_workers_gives_the_local_answer(rulebook, tmp_path, monkeypatch):
    monkeypatch.setattr(partition, "SAMPLE", 500)  # the outside accounts first seen later go by their hash
    source = synthetic(tmp_path / "blotter.csv", 3_000, seed=13, sales=0.1)
    run(rulebook, source, tmp_path / "local.csv", "fast")
    summary, _ = in_parts(rulebook, source, tmp_path / "dask.csv", workers=2, engine="dask")
    assert summary.parts == 2
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()


def test_the_command_line_runs_a_blotter_in_parts_and_on_dask(tmp_path):
    source = synthetic(tmp_path / "blotter.csv", 2_000, seed=17, sales=0.1)
    args = [sys.executable, "-m", "clausewise", "batch", str(source), "--format", "json",
            *[a for s in IN_FORCE for a in ("--instrument", s)]]
    outs = {}
    for name, extra in (("one", ["--workers", "1"]), ("parts", ["--workers", "2"]), ("dask", ["--engine", "dask",
                                                                                              "--workers", "2"])):
        done = subprocess.run([*args, "--out", str(tmp_path / f"{name}.csv"), *extra], capture_output=True,
                              text=True, cwd=ROOT, timeout=240)
        assert done.returncode == 1, done.stderr  # some orders are blocked
        outs[name] = json.loads(done.stdout)
        assert outs[name]["orders"] == 2_000
        BatchSummary.model_validate({k: v for k, v in outs[name].items() if k not in ("blotter", "results")})
    assert (outs["one"]["parts"], outs["one"]["one_part"]) == (1, None)
    assert outs["parts"]["parts"] == outs["dask"]["parts"] == 2
    assert (tmp_path / "parts.csv").read_bytes() == (tmp_path / "one.csv").read_bytes() \
        == (tmp_path / "dask.csv").read_bytes()


@pytest.mark.parametrize("extra, message", [
    (["--workers", "0"], "--workers: expected a whole number of workers from 1 to 256, got '0'"),
    (["--workers", "two"], "--workers: expected a whole number of workers from 1 to 256, got 'two'"),
    (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler: bad-value: only with --engine dask"),
    (["--engine", "spark"], "--engine: invalid choice: 'spark'"),
    (["--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"], "--scheduler: bad-value: no Dask scheduler answers at "
                                                               "tcp://127.0.0.1:9"),
])
def test_bad_worker_arguments_are_one_line_and_exit_2(tmp_path, extra, message):
    source = synthetic(tmp_path / "blotter.csv", 10)
    done = subprocess.run([sys.executable, "-m", "clausewise", "batch", str(source), "--out",
                           str(tmp_path / "r.csv"), *extra], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr, done.stderr
    assert not (tmp_path / "r.csv").exists()
