"""A blotter pre-cleared order by order (engine/batch.py): the fast way (the engine's headroom per
set of facts, consumed by exact subtraction) agrees row by row with the full way (every order
evaluated as `check` evaluates it on the accumulated cap table), orders accumulate, a rejected
order changes nothing, a bad row is reported and the rest still runs, and nothing half-written is
left. Real rulebook, real engine, real files."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from clausewise import batch
from clausewise.errors import InputError
from clausewise.scenario import instruments_from_options, load_cap_table

from conftest import CLOSING

IN_FORCE = ["purchase-agreement=in_force", "certificate-of-designation=in_force", "warrant=in_force"]
HEADER = ["date", "account", "group", "side", "security", "quantity", "counterparty", "counterparty_group"]
COMPARED = ("row", "verdict", "accepted", "rule", "value", "threshold", "reasons")


def blotter(path: Path, rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def synthetic(path: Path, n: int, seed: int = 20030602, days: int = 5, sales: float = 0.0,
              first: tuple = ()) -> Path:
    """Market trades of Common over a week by the three groups' desks and outside funds, small
    enough that the groups reach their caps within it: purchases, and with `sales` that share of
    orders a sale of what the account bought before (now and then a share more than it holds)."""
    rng = random.Random(seed)
    accounts = ([("Liberty Media Corporation", ""), *((f"Liberty Desk {i}", "liberty") for i in range(8))],
                [("HMTF Bridge ICG, LLC", ""), *((f"HMTF Desk {i}", "hmtf") for i in range(4))],
                [("Gleacher/ICG Investors LLC", "")],
                [(f"Outside Fund {i}", "none") for i in range(40)])
    sizes = (6_000, 6_000, 500, 2_000)
    start = date(2003, 6, 2)
    rows, held = [list(r) for r in first], {}
    for i in range(n):
        pick = rng.choices(range(4), weights=(30, 15, 5, 50))[0]
        account, group = rng.choice(accounts[pick])
        on = start + timedelta(days=i * days // n)
        if sales and rng.random() < sales:
            quantity = rng.randint(1, max(1, min(held.get(account, 0), sizes[pick]) + (rng.random() < 0.05)))
            held[account] = max(0, held.get(account, 0) - quantity)
            rows.append([on.isoformat(), account, group, "sell", "common", quantity, "market", ""])
        else:
            quantity = rng.randint(1, sizes[pick])
            held[account] = held.get(account, 0) + quantity
            rows.append([on.isoformat(), account, group, "buy", "common", quantity, "market", ""])
    return blotter(path, rows)


def run(rulebook, path: Path, out: Path, mode: str, **kwargs):
    cap = load_cap_table(CLOSING, rulebook)
    return batch.run_blotter(rulebook, cap, path, out, instruments=instruments_from_options(IN_FORCE, rulebook),
                             mode=mode, **kwargs)


def results(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_fast_way_agrees_with_a_full_check_of_every_order(rulebook, tmp_path):
    # 10,000 purchases and sales: each row of the fast way equals a full check of the same order
    # on the same accumulated position (verdict, binding rule, the figure and its threshold, what
    # is missing).
    source = synthetic(tmp_path / "blotter.csv", 10_000, sales=0.1)
    fast, _ = run(rulebook, source, tmp_path / "fast.csv", "fast")
    full, _ = run(rulebook, source, tmp_path / "full.csv", "full", headroom_in_full=False)
    a, b = results(tmp_path / "fast.csv"), results(tmp_path / "full.csv")
    assert len(a) == len(b) == 10_000
    assert [[r[c] for c in COMPARED] for r in a] == [[r[c] for c in COMPARED] for r in b]
    # The test can fail: every verdict occurs, sales among them, and the fast way decided almost
    # every order itself (a sale by an account that never held anything is checked in full).
    assert set(fast.by_verdict) == {"CLEAR", "VIOLATION", "REFUSED"}
    assert {(r["side"], r["verdict"]) for r in a} >= {("sell", "CLEAR"), ("sell", "REFUSED"), ("buy", "VIOLATION")}
    assert fast.counts["fast"] >= 9_950 and full.counts["full"] == 10_000
    assert fast.by_verdict == full.by_verdict


@pytest.mark.parametrize("stated", [[], ["purchase-agreement=in_force"]])
def test_with_instruments_not_stated_the_fast_way_still_agrees_and_never_clears_more(rulebook, tmp_path, stated):
    # Without the Certificate of Designation's status a sale by a group can end a director right
    # that cannot then be determined: the fast way must not clear what a full check does not.
    source = synthetic(tmp_path / "blotter.csv", 800, seed=23, days=3, sales=0.2)
    cap = load_cap_table(CLOSING, rulebook)
    statuses = instruments_from_options(stated, rulebook) if stated else None
    fast, _ = batch.run_blotter(rulebook, cap, source, tmp_path / "fast.csv", instruments=statuses, mode="fast")
    full, _ = batch.run_blotter(rulebook, cap, source, tmp_path / "full.csv", instruments=statuses, mode="full")
    a, b = results(tmp_path / "fast.csv"), results(tmp_path / "full.csv")
    assert [[r[c] for c in COMPARED] for r in a] == [[r[c] for c in COMPARED] for r in b]
    assert "CANNOT DETERMINE" in fast.by_verdict and fast.by_verdict == full.by_verdict
    assert any(r["side"] == "sell" and r["decided_by"] == "sale" for r in a)  # the fast way decided sales too


def test_the_room_left_and_the_largest_quantity_agree_with_the_engines_headroom(rulebook, tmp_path):
    # The full way asks the engine the headroom of every purchase (evaluate.headroom, N passes and
    # N + 1 does not); the fast way's room after each order and largest quantity equal it.
    near_caps = (["2003-06-02", "Liberty Media Corporation", "", "buy", "common", 1_900_000, "market", ""],
                 ["2003-06-02", "HMTF Bridge ICG, LLC", "", "buy", "common", 1_000_000, "market", ""])
    source = synthetic(tmp_path / "blotter.csv", 600, seed=7, days=2, sales=0.1, first=near_caps)
    run(rulebook, source, tmp_path / "fast.csv", "fast")
    run(rulebook, source, tmp_path / "full.csv", "full")
    a, b = results(tmp_path / "fast.csv"), results(tmp_path / "full.csv")
    shown = ("row", "verdict", "rule", "value", "threshold", "room_after", "max_quantity")
    assert [[r[c] for c in shown] for r in a] == [[r[c] for c in shown] for r in b]
    assert {r["verdict"] for r in a} >= {"CLEAR", "VIOLATION"}
    assert any(r["verdict"] == "VIOLATION" and int(r["max_quantity"]) < int(r["quantity"]) for r in a)
    assert any(r["room_after"] == "no limit" for r in a)


def test_the_headroom_is_consumed_exactly_and_n_passes_where_n_plus_1_does_not(rulebook, tmp_path):
    # Liberty's room on 2003-06-02 is 1,964,341 shares (clausewise headroom). Two orders that fill it
    # exactly pass; one more share is a violation of PA 6.6(a), and changes nothing.
    source = blotter(tmp_path / "b.csv", [
        ["2003-06-02", "Liberty Media Corporation", "", "buy", "common", 1_000_000, "market", ""],
        ["2003-06-02", "Liberty Desk 1", "liberty", "buy", "common", 964_341, "market", ""],
        ["2003-06-02", "Liberty Desk 2", "liberty", "buy", "common", 1, "market", ""],
        ["2003-06-03", "Outside Fund 1", "none", "buy", "common", 5_000_000, "market", ""],
    ])
    for mode in ("fast", "full"):
        summary, _ = run(rulebook, source, tmp_path / f"{mode}.csv", mode)
        rows = results(tmp_path / f"{mode}.csv")
        assert [r["verdict"] for r in rows] == ["CLEAR", "CLEAR", "VIOLATION", "CLEAR"], mode
        assert [r["room_after"] for r in rows[:3]] == ["964341", "0", "0"], mode
        assert [r["max_quantity"] for r in rows[:3]] == ["1964341", "964341", "0"], mode
        assert rows[2]["clause"] == "PA 6.6(a)" and rows[2]["rule"] == "pa.6.6a.liberty-standstill"
        assert rows[1]["threshold"] == "37.0000%" and rows[1]["value"] == "36.999999%"
        assert rows[2]["value"] == "37.0000001%"
        assert rows[3]["room_after"] == "no limit"
        assert summary.exit_code == 1 and summary.by_clause == {"PA 6.6(a)": 1}


def test_a_bad_row_is_reported_with_its_row_and_column_and_the_rest_still_runs(rulebook, tmp_path):
    source = blotter(tmp_path / "b.csv", [
        ["2003-06-02", "Liberty Media Corporation", "", "buy", "common", 1000, "market", ""],
        ["2003-02-30", "Liberty Media Corporation", "", "buy", "common", 1000, "market", ""],
        ["2003-06-02", "Liberty Media Corporation", "", "hold", "common", 1000, "market", ""],
        ["2003-06-02", "Liberty Media Corporation", "", "buy", "comon", 1000, "market", ""],
        ["2003-06-02", "Liberty Media Corporation", "", "buy", "common", "-5", "market", ""],
        ["2003-06-01", "Liberty Media Corporation", "", "buy", "common", 1000, "market", ""],
        ["2003-06-02", "Liberty Media Corporation", "", "buy", "common", 2000, "market", ""],
    ])
    summary, problems = run(rulebook, source, tmp_path / "out.csv", "fast")
    assert [(p.row, p.column) for p in problems] == [(3, "date"), (4, "side"), (5, "security"), (6, "quantity"),
                                                      (7, "date")]
    assert "sort the blotter by date" in problems[-1].message
    rows = results(tmp_path / "out.csv")
    assert [r["verdict"] for r in rows] == ["CLEAR"] + ["REFUSED"] * 5 + ["CLEAR"]
    assert summary.exit_code == 1


def test_a_run_that_fails_leaves_nothing_behind(rulebook, tmp_path):
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    target = tmp_path / "out.csv"
    with pytest.raises(InputError, match="the blotter is empty"):
        run(rulebook, tmp_path / "empty.csv", target, "fast")
    assert list(tmp_path.iterdir()) == [tmp_path / "empty.csv"]


def test_an_xlsx_blotter_gives_the_same_results_as_its_csv(rulebook, tmp_path):
    import openpyxl

    source = synthetic(tmp_path / "b.csv", 200)
    book = openpyxl.Workbook()
    sheet = book.active
    with open(source, newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    book.save(tmp_path / "b.xlsx")
    run(rulebook, source, tmp_path / "a.csv", "fast")
    run(rulebook, tmp_path / "b.xlsx", tmp_path / "b.out.xlsx", "fast")
    out = openpyxl.load_workbook(tmp_path / "b.out.xlsx", read_only=True)
    rows = [[("" if v is None else str(v)) for v in r] for r in out["orders"].iter_rows(values_only=True)]
    with open(tmp_path / "a.csv", newline="", encoding="utf-8") as handle:
        assert rows == list(csv.reader(handle))


def test_the_command_line_pre_clears_a_blotter_end_to_end(tmp_path):
    from clitools import run as cli

    template = cli("batch", "--template")
    assert template.returncode == 0 and template.stdout.startswith(",".join(HEADER) + "\n")
    source = synthetic(tmp_path / "blotter.csv", 3000)
    out = tmp_path / "results.xlsx"
    done = cli("batch", source, "--out", out, "--format", "json", *[a for s in IN_FORCE for a in ("--instrument", s)])
    assert done.returncode == 1, done.stderr  # some orders are violations
    import json
    summary = json.loads(done.stdout)
    assert summary["orders"] == 3000 and set(summary["by_verdict"]) == {"CLEAR", "VIOLATION"}
    assert summary["by_clause"] and all(c.startswith("PA 6.6(") for c in summary["by_clause"])
    import openpyxl
    sheet = openpyxl.load_workbook(out, read_only=True)["orders"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == batch.OUTPUT_COLUMNS and len(rows) == 3001
    assert [r[0] for r in rows[1:]] == list(range(2, 3002))  # blotter order


@pytest.mark.parametrize("args, message", [
    (["missing.csv", "--out", "r.csv"], "missing.csv: missing-file: no such file\n"),
    (["BLOTTER", "--out", "."], ".: bad-value: --out: expected a .csv or .xlsx file\n"),
    (["BLOTTER"], "--out: missing-argument: give the results file (.csv or .xlsx)\n"),
    (["BLOTTER", "--out", "r.csv", "--as-of", "2003-13-01"], None),
])
def test_bad_arguments_are_one_line_and_exit_2(tmp_path, args, message):
    from clitools import run as cli

    source = blotter(tmp_path / "b.csv", [["2003-06-02", "Liberty Media Corporation", "", "buy", "common", 1, "market", ""]])
    done = cli("batch", *[str(source) if a == "BLOTTER" else a for a in args], cwd=tmp_path)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
    if message is not None:
        assert done.stderr == message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.csv"]  # nothing written
