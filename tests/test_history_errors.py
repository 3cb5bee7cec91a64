"""A bad history is reported whole: every problem of every event in one run, one line each, and
no line that is only the consequence of an earlier one (an event with a problem is not applied,
and from then on only the checks that do not depend on the holdings run)."""

from __future__ import annotations

import json

from datetime import date
from pathlib import Path

import pytest
from clitools import run, run_json
from deal import CLOSING_FILE, LIBERTY

from clausewise.errors import InputError
from clausewise.scenario import load_cap_table

HEADER = (
    "name: The closing cap table and what happened since\nas_of: 2000-04-10\n"
    "common_outstanding: 48582035\nholders:\n"
    "  - {name: Liberty Media Corporation, group: liberty, series_a1: 50000, warrants: 6666667}\n"
    "  - {name: 'HMTF Bridge ICG, LLC', group: hmtf, series_a2: 23000, warrants: 3066667}\n"
    "  - {name: Gleacher/ICG Investors LLC, group: gleacher, series_a3: 2000, warrants: 266666}\n"
    "history:\n")  # the first event is on line 9
IN_FORCE_OPTIONS = ("--instrument", "purchase-agreement=in_force",
                    "--instrument", "certificate-of-designation=in_force")

# Five events, three of them bad in three different ways, each independent of the others: a
# quantity more than the holder holds (it depends on the holdings, and is the first problem), an
# unknown exercise method after it, and a transferor misspelt after that. The good events between
# them (lines 9 and 12) give no line.
THREE_BAD = (
    "  - {date: 2001-03-01, kind: exercise, holder: Liberty Media Corporation, quantity: 1000000}\n"
    "  - {date: 2002-06-01, kind: conversion, holder: Liberty Media Corporation, security: series_a1, "
    "quantity: 50001}\n"
    "  - {date: 2002-07-01, kind: exercise, holder: Gleacher/ICG Investors LLC, quantity: 1000, method: net}\n"
    "  - {date: 2002-08-01, kind: issuance, security: common, quantity: 500000}\n"
    "  - {date: 2002-09-01, kind: transfer, from: 'HMTF Bridge ICG LLC', to: Liberty Media Corporation, "
    "security: series_a2, quantity: 100}\n")
THREE_LINES = [
    (10, "bad-value", "history[1].quantity: Liberty Media Corporation holds 50,000 of series_a1 on 2002-06-01, "
                      "fewer than the 50,001 converted"),
    (11, "bad-value", "history[2].method: 'net' is not one of cash, net_issue"),
    (13, "unknown-holder", "history[4].from: 'HMTF Bridge ICG LLC' is not a holder at that date "
                           "(did you mean 'HMTF Bridge ICG, LLC'?)"),
]


def cap_table(tmp_path: Path, history: str, name: str = "history.yaml") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + history, encoding="utf-8")
    return path


def problems(path: Path, rulebook, **kwargs) -> list[tuple]:
    with pytest.raises(InputError) as info:
        load_cap_table(path, rulebook, **kwargs)
    return [(p.line, p.category, p.message) for p in info.value.problems]


def printed(path: Path, found: list[tuple]) -> list[str]:
    return [f"{path}:{line}: {category}: {message}" for line, category, message in found]


# --- every problem at once ------------------------------------------------------------------------


def test_three_bad_events_give_exactly_their_three_lines(rulebook, tmp_path):
    assert problems(cap_table(tmp_path, THREE_BAD), rulebook) == THREE_LINES


def test_position_prints_the_three_lines_exits_2_and_writes_nothing(tmp_path):
    path = cap_table(tmp_path, THREE_BAD)
    result = run("position", "--as-of", "2003-01-01", "--cap-table", path, *IN_FORCE_OPTIONS)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == printed(path, THREE_LINES)


@pytest.mark.parametrize("as_of", ["2001-03-01", "2002-05-31"])
def test_a_date_before_the_bad_events_still_reports_them(rulebook, tmp_path, as_of):
    """`until` stops applying the history at the date asked, but a bad file is bad: the events
    after that date are checked all the same, holdings included."""
    path = cap_table(tmp_path, THREE_BAD)
    result = run("position", "--as-of", as_of, "--cap-table", path, *IN_FORCE_OPTIONS)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == printed(path, THREE_LINES)
    assert problems(path, rulebook, until=date.fromisoformat(as_of)) == THREE_LINES


def test_check_reports_every_bad_event_of_a_scenario_history_and_writes_no_report(tmp_path):
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        "name: Three bad events before a purchase\nas_of: 2003-06-02\n"
        f"cap_table: {CLOSING_FILE}\n"
        "instruments: {purchase-agreement: in_force, certificate-of-designation: in_force}\n"
        "history:\n"
        "  - {date: 2002-06-01, kind: conversion, holder: Liberty Media Corporation, security: series_a4, "
        "quantity: 100}\n"
        "  - {date: 2002-05-01, kind: issuance, security: common, quantity: 100}\n"
        "  - {date: 2002-07-01, kind: exercise, holder: Liberty Media Corporation, quantity: 0}\n"
        "action: {kind: purchase, buyer: Liberty Media Corporation, security: common, quantity: 1000, "
        "seller: market}\n", encoding="utf-8")
    out = tmp_path / "report.json"
    result = run("check", scenario, "--format", "json", "--out", out)
    assert (result.returncode, result.stderr, out.exists()) == (2, "", False)  # the errors as JSON, no report
    assert [(e["line"], e["field"], e["category"]) for e in json.loads(result.stdout)["errors"]] == [
        (6, "history[0].security", "bad-value"), (7, "history[1].date", "bad-date"), (8, "history[2].quantity", "bad-value")]
    result = run("check", scenario, "--out", out)
    assert (result.returncode, result.stdout, out.exists()) == (2, "", False)
    assert result.stderr.splitlines() == [
        f"{scenario}:6: bad-value: history[0].security: 'series_a4' is not a convertible preferred series of "
        "the rulebook",
        f"{scenario}:7: bad-date: history[1].date: 2002-05-01 is before the previous event (2002-06-01)",
        f"{scenario}:8: bad-value: history[2].quantity: expected a whole number of shares >= 1, got 0",
    ]


def test_check_names_the_cap_table_file_for_the_problems_of_its_history(tmp_path):
    table = cap_table(tmp_path, THREE_BAD)
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        f"name: A purchase on a bad record\nas_of: 2003-06-02\ncap_table: {table}\n"
        "instruments: {purchase-agreement: in_force, certificate-of-designation: in_force}\n"
        "action: {kind: purchase, buyer: Liberty Media Corporation, security: common, quantity: 1000, "
        "seller: market}\n", encoding="utf-8")
    result = run("check", scenario)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == printed(table, THREE_LINES)


# --- no cascade -----------------------------------------------------------------------------------


@pytest.mark.parametrize("history, line", [
    # The transferee exists only through the transfer that failed: its conversion is not reported.
    ("  - {date: 2001-01-02, kind: transfer, from: Liberty Media Corporation, to: {name: Liberty ICG Holdings, "
     "group: liberty}, security: series_a1, quantity: 60000}\n"
     "  - {date: 2002-06-01, kind: conversion, holder: Liberty ICG Holdings, security: series_a1, "
     "quantity: 30000}\n",
     (9, "bad-value", "history[0].quantity: Liberty Media Corporation holds 50,000 of series_a1 on 2001-01-02, "
                      "fewer than the 60,000 transferred")),
    # The same transferee brought in by an event whose kind is misspelt.
    ("  - {date: 2001-01-02, kind: transfr, from: Liberty Media Corporation, to: {name: Liberty ICG Holdings, "
     "group: liberty}, security: series_a1, quantity: 30000}\n"
     "  - {date: 2002-06-01, kind: conversion, holder: Liberty ICG Holdings, security: series_a1, "
     "quantity: 30000}\n",
     (9, "bad-value", "history[0].kind: 'transfr' is not one of conversion, exercise, transfer, issuance, "
                      "repurchase, change_of_control, purchase_offer_expired, common_subdivision, common_stock_dividend, "
                      "common_issuance_below_market, rights_offering, distribution, issuer_tender_offer, spinoff, "
                      "issuer_exchange_offer (did you mean 'transfer'?)")),
    # 1,000,000 Warrants that did not reach Liberty (the transfer's quantity is not a number): its
    # later exercise of 7,000,000 is more than the 6,666,667 it held before, but only because of that.
    ("  - {date: 2001-02-28, kind: transfer, from: 'HMTF Bridge ICG, LLC', to: Liberty Media Corporation, "
     "security: warrant, quantity: 1 million}\n"
     "  - {date: 2001-03-01, kind: exercise, holder: Liberty Media Corporation, quantity: 7000000}\n",
     (9, "wrong-type", "history[0].quantity: expected a whole number of shares >= 1, got '1 million'")),
])
def test_a_failed_event_gives_one_line_not_its_consequences(rulebook, tmp_path, history, line):
    path = cap_table(tmp_path, history)
    assert problems(path, rulebook) == [line]
    result = run("position", "--as-of", "2003-01-01", "--cap-table", path, *IN_FORCE_OPTIONS)
    assert (result.returncode, result.stderr.splitlines()) == (2, printed(path, [line]))


def test_the_same_event_without_the_earlier_failure_is_checked_against_the_holdings(rulebook, tmp_path):
    """The checks the failure suppressed are real: with the transfer applied, the exercise of more
    Warrants than Liberty then holds is reported."""
    history = ("  - {date: 2001-02-28, kind: transfer, from: 'HMTF Bridge ICG, LLC', to: Liberty Media Corporation, "
               "security: warrant, quantity: 100000}\n"
               "  - {date: 2001-03-01, kind: exercise, holder: Liberty Media Corporation, quantity: 7000000}\n")
    assert problems(cap_table(tmp_path, history), rulebook) == [
        (10, "bad-value", "history[1].quantity: Liberty Media Corporation holds 6,766,667 of warrant on 2001-03-01, "
                          "fewer than the 7,000,000 exercised")]


def test_a_holder_nothing_brought_in_is_still_reported_after_a_failure(rulebook, tmp_path):
    history = ("  - {date: 2001-01-02, kind: transfer, from: Liberty Media Corporation, to: {name: Liberty ICG "
               "Holdings, group: liberty}, security: series_a1, quantity: 60000}\n"
               "  - {date: 2002-06-01, kind: conversion, holder: Liberty ICG Holding, security: series_a1, "
               "quantity: 30000}\n")
    assert problems(cap_table(tmp_path, history), rulebook) == [
        (9, "bad-value", "history[0].quantity: Liberty Media Corporation holds 50,000 of series_a1 on 2001-01-02, "
                         "fewer than the 60,000 transferred"),
        (10, "unknown-holder", "history[1].holder: 'Liberty ICG Holding' is not a holder at that date (did you mean "
                               "'Liberty ICG Holdings'?)"),
    ]


@pytest.mark.parametrize("history, lines", [
    # Dates out of order: each date is compared with the event just before it, so one event dated
    # wrongly is one line, whichever neighbour is the wrong one.
    ("  - {date: 2002-06-01, kind: issuance, security: common, quantity: 1}\n"
     "  - {date: 2001-06-01, kind: issuance, security: common, quantity: 1}\n"
     "  - {date: 2002-07-01, kind: issuance, security: common, quantity: 1}\n",
     [(10, "bad-date", "history[1].date: 2001-06-01 is before the previous event (2002-06-01)")]),
    ("  - {date: 1999-06-01, kind: issuance, security: common, quantity: 1}\n"
     "  - {date: 2002-07-01, kind: issuance, security: common, quantity: 1}\n",
     [(9, "bad-date", "history[0].date: 1999-06-01 is before the closing_date 2000-04-10")]),
    # A net issue exercise dated before the Closing: the Exercise Price has no value then, so the
    # date is the one problem (no lookup of a price that does not exist).
    ("  - {date: 1999-06-01, kind: exercise, holder: Liberty Media Corporation, quantity: 10, method: net_issue}\n",
     [(9, "bad-date", "history[0].date: 1999-06-01 is before the closing_date 2000-04-10")]),
    # A missing transferor is one line (it used to be two: missing, and "None is not a holder").
    ("  - {date: 2001-06-01, kind: transfer, to: Liberty Media Corporation, security: warrant, quantity: 1}\n",
     [(9, "missing-field", "history[0].from: missing")]),
])
def test_one_line_for_one_problem(rulebook, tmp_path, history, lines):
    assert problems(cap_table(tmp_path, history), rulebook) == lines


def test_events_that_are_not_what_they_should_be_are_lines_not_a_traceback(tmp_path):
    path = cap_table(tmp_path,
                     "  - an event\n"
                     "  - {date: 2002-06-01, kind: [conversion], holder: Liberty Media Corporation, quantity: 1}\n"
                     "  - {date: 2002-06-02, kind: transfer, from: Liberty Media Corporation, to: [x], "
                     "security: {a: 1}, quantity: 1}\n")
    result = run("position", "--as-of", "2003-01-01", "--cap-table", path, *IN_FORCE_OPTIONS)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        f"{path}:9: wrong-type: history[0]: expected an event mapping, got 'an event'",
        f"{path}:10: bad-value: history[1].kind: a list is not one of conversion, exercise, transfer, issuance, "
        "repurchase, change_of_control, purchase_offer_expired, common_subdivision, common_stock_dividend, "
                      "common_issuance_below_market, rights_offering, distribution, issuer_tender_offer, spinoff, "
                      "issuer_exchange_offer (did you mean 'conversion'?)",
        f"{path}:11: unknown-security: history[2].security: unknown security a mapping",
        f"{path}:11: unknown-holder: history[2].to: a list is not a holder at that date",
    ]


# --- a good history: the figures it gave before ---------------------------------------------------

GOOD = (
    "  - {date: 2001-03-01, kind: exercise, holder: Liberty Media Corporation, quantity: 1000000}\n"
    "  - {date: 2001-06-01, kind: transfer, from: 'HMTF Bridge ICG, LLC', to: {name: HM Sub ICG, group: hmtf}, "
    "security: series_a2, quantity: 3000}\n"
    "  - {date: 2002-06-01, kind: conversion, holder: Liberty Media Corporation, security: series_a1, "
    "quantity: 50000}\n"
    "  - {date: 2002-07-01, kind: exercise, holder: Gleacher/ICG Investors LLC, quantity: 100000, "
    "method: net_issue, fair_market_value: 50.00}\n"
    "  - {date: 2002-08-01, kind: issuance, security: common, quantity: 500000}\n"
    "  - {date: 2002-09-01, kind: repurchase, security: common, quantity: 200000, from: Liberty Media Corporation}\n")


def test_a_good_history_gives_the_figures_it_gave_before(rulebook, tmp_path):
    path = cap_table(tmp_path, GOOD)
    table = load_cap_table(path, rulebook)
    # 48,582,035 + 1,000,000 cash exercise + 21,164,524 conversion (CoD 12) + 32,000 net issue
    # (100,000 x 16 / 50) + 500,000 issued - 200,000 repurchased.
    assert table.common_outstanding == 71_078_559
    liberty = table.holder(LIBERTY)
    assert (liberty.common, liberty.warrants, liberty.preferred) == (21_964_524, 5_666_667, {})
    assert (table.holder("HM Sub ICG").preferred, table.holder("HMTF Bridge ICG, LLC").preferred) == (
        {"series_a2": 3_000}, {"series_a2": 20_000})
    assert table.holder("Gleacher/ICG Investors LLC").common == 32_000
    code, data = run_json("position", "--as-of", "2003-01-01", "--cap-table", path, *IN_FORCE_OPTIONS)
    assert code == 0
    assert data["common_outstanding"] == 71_078_559
    figures = {g: (data["groups"][g]["standstill"]["shares"], data["groups"][g]["standstill"]["denominator"],
                   data["groups"][g]["standstill"]["pct"], data["groups"][g]["standstill"]["max_quantity"])
               for g in ("liberty", "hmtf", "gleacher")}
    assert figures == {"liberty": (27_631_191, 90_016_024, "30.6959", 5_674_737),
                       "hmtf": (15_275_802, 87_416_024, "17.4748", 22_002),
                       "gleacher": (1_260_330, 84_516_023, "1.4912", 1_275_150)}


def test_a_good_history_read_on_a_date_between_its_events_stops_there(rulebook, tmp_path):
    table = load_cap_table(cap_table(tmp_path, GOOD), rulebook, until=date(2002, 5, 31))
    assert table.common_outstanding == 49_582_035  # the cash exercise only; the conversion comes later
    assert table.holder(LIBERTY).preferred == {"series_a1": 50_000}
    assert table.last_event[0] == date(2001, 6, 1)
