"""A Change of Control or a Purchase Offer's expiry recorded in a cap table's history changes the
Series A terms from its date (parameters.yaml `term_events`): the Special Dividend brings the
Liquidation Preference to $14,859.47 (CoD 6(b), 17), a Change of Control Offer not mailed within
20 days raises the dividend rate to 16% (CoD 13(a)), and a Purchase Offer's expiry resets it to
8% (CoD 14(d)). Every figure that rests on the Liquidation Preference follows: conversion shares
in the history, position, the PA 6.6 fifth-anniversary projection.

Expected figures are worked out here from the CoD's words with Fractions, not read back from the
engine; the plain 8% path they start from is tested in tests/test_readings.py.
"""

from __future__ import annotations

import json
import math
import subprocess
from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction

import pytest
from clitools import CLI
from deal import ROOT, edit

from clausewise import calc
from clausewise.errors import InputError
from clausewise.model import RecordedTermEvent
from clausewise.rulebook import load_rulebook
from clausewise.scenario import load_cap_table

CLOSING_TABLE = ROOT / "rules" / "icg-2000" / "captables" / "closing.yaml"
REFERENCE = Fraction("14859.47")
EIGHT, SIXTEEN = Fraction(8, 100), Fraction(16, 100)


def coc(on: date, offer_mailed: date | None = None) -> RecordedTermEvent:
    return RecordedTermEvent("change_of_control", on, (("offer_mailed", offer_mailed),))


def expiry(on: date) -> RecordedTermEvent:
    return RecordedTermEvent("purchase_offer_expired", on)


def lp(rulebook, record, on: date) -> Fraction:
    return calc.liquidation_preference(rulebook.terms(None, tuple(record)), on)


def accrued(rulebook, record, on: date) -> Fraction:
    return calc.accrued_dividends(rulebook.terms(None, tuple(record)), on)


def plain(rulebook, on: date) -> Fraction:
    return calc.liquidation_preference(rulebook.terms(), on)


# --- the arithmetic --------------------------------------------------------------------------------


def test_a_change_that_changes_nothing_gives_the_plain_path_every_day(rulebook):
    terms = rulebook.terms()
    same = replace(terms, changes=(calc.TermChange(date(2001, 2, 14), dividend_rate=EIGHT),))
    day = date(2000, 4, 10)
    while day <= date(2006, 7, 5):
        assert (calc.liquidation_preference(same, day), calc.accrued_dividends(same, day)) == \
            (calc.liquidation_preference(terms, day), calc.accrued_dividends(terms, day)), day
        day += timedelta(days=1)


def test_change_of_control_without_an_offer(rulebook):
    record = [coc(date(2003, 1, 15))]
    before = plain(rulebook, date(2002, 12, 31))  # LP on the last Dividend Payment Date before it
    assert lp(rulebook, record, date(2003, 1, 14)) == before
    assert accrued(rulebook, record, date(2003, 1, 14)) == before * EIGHT * 14 / 360
    # CoD 6(b): the Special Dividend brings the LP to $14,859.47 on the Change of Control Date.
    assert lp(rulebook, record, date(2003, 1, 15)) == REFERENCE
    assert calc.money_display(REFERENCE - before) == "$2,450.11"  # the Special Dividend per share
    # 15 days at 8% on the old LP, then 16% on $14,859.47 (A-step-up-accretes).
    assert accrued(rulebook, record, date(2003, 2, 14)) == before * EIGHT * 15 / 360 + REFERENCE * SIXTEEN * 30 / 360
    # March 31, 2003: the Dividend Period (90 days of a 360-day year) is shared 15 : 75 by actual days.
    march = REFERENCE + before * EIGHT * Fraction(90, 360) * Fraction(15, 90) + REFERENCE * SIXTEEN * Fraction(90, 360) * Fraction(75, 90)
    assert lp(rulebook, record, date(2003, 3, 31)) == march
    assert calc.money_display(march) == "$15,396.15"
    # The next full period accretes 4% (16% a year, 30/360).
    assert lp(rulebook, record, date(2003, 6, 30)) == march * Fraction(104, 100)


@pytest.mark.parametrize("mailed, step_up", [(date(2003, 2, 4), False), (date(2003, 2, 5), True)])
def test_offer_mailed_on_the_twentieth_day_avoids_the_step_up(rulebook, mailed, step_up):
    record = [coc(date(2003, 1, 15), mailed)]
    rate = SIXTEEN if step_up else EIGHT
    before = plain(rulebook, date(2002, 12, 31))
    expected = REFERENCE + before * EIGHT * 15 / 360 + REFERENCE * rate * 75 / 360
    assert lp(rulebook, record, date(2003, 3, 31)) == expected
    assert calc.money_display(expected) == ("$15,396.15" if step_up else "$15,148.49")


@pytest.mark.parametrize("on, special_dividend", [(date(2005, 6, 29), True), (date(2005, 6, 30), False)])
def test_special_dividend_only_before_june_30_2005(rulebook, on, special_dividend):
    record = [coc(on, on)]  # an offer mailed the same day: no step-up
    before = lp(rulebook, [], on)
    assert calc.money_display(plain(rulebook, date(2005, 3, 31))) == "$14,830.34"
    assert lp(rulebook, record, on) == (REFERENCE if special_dividend else before)
    assert (lp(rulebook, record, on) > before) is special_dividend


def test_a_later_change_of_control_never_lowers_the_preference(rulebook):
    """After a 16% step-up from 2001 the LP passes $14,859.47; a second Change of Control adds
    no negative Special Dividend (A-special-dividend-not-negative)."""
    first = coc(date(2001, 1, 15))
    assert lp(rulebook, [first], date(2004, 11, 30)) > REFERENCE
    second = coc(date(2004, 12, 1), date(2004, 12, 1))
    assert lp(rulebook, [first, second], date(2004, 12, 1)) == lp(rulebook, [first], date(2004, 12, 1))


def test_purchase_offer_expiry_resets_the_rate_to_eight_percent(rulebook):
    """CoD 14(d): from the expiry, the shares left outstanding accrue at 8% (A-rate-reset-untendered)."""
    record = [coc(date(2003, 1, 15)), expiry(date(2003, 7, 31))]
    june = lp(rulebook, record, date(2003, 6, 30))
    assert june == lp(rulebook, record[:1], date(2003, 6, 30))
    # July 1 to September 30, 2003: 31 days at 16%, then 61 at 8%, sharing 90 days of 360 by 31 : 61.
    sept = june + june * SIXTEEN * Fraction(90, 360) * Fraction(31, 92) + june * EIGHT * Fraction(90, 360) * Fraction(61, 92)
    assert lp(rulebook, record, date(2003, 9, 30)) == sept
    assert lp(rulebook, record, date(2003, 12, 31)) == sept * Fraction(102, 100)


# --- through the cap table and the commands ---------------------------------------------------------


def cap_table_with(tmp_path, *events: str, as_of_status: bool = True):
    text = CLOSING_TABLE.read_text(encoding="utf-8")
    text += "instruments:\n  certificate-of-designation: in_force\n  purchase-agreement: in_force\n" if as_of_status else ""
    text += "history:\n" + "".join(f"  - {e}\n" for e in events)
    path = tmp_path / "cap.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text.count("\n") - len(events) + 1  # the line of the first event


def test_conversion_after_a_change_of_control_uses_the_new_preference(tmp_path, rulebook):
    path, _ = cap_table_with(tmp_path, "{date: 2003-01-15, kind: change_of_control, offer_mailed: none}",
                             "{date: 2003-03-31, kind: conversion, holder: Liberty Media Corporation, "
                             "security: series_a1, quantity: 50000}")
    table = load_cap_table(path, rulebook)
    before = plain(rulebook, date(2002, 12, 31))
    march = REFERENCE + before * EIGHT * 15 / 360 + REFERENCE * SIXTEEN * 75 / 360
    # CoD 12(a), 12(c): to the nearest 1/100 of a share, then half up.
    exact = 50_000 * march / 28
    hundredths = Fraction(math.floor(exact * 100 + Fraction(1, 2)), 100)
    expected = math.floor(hundredths + Fraction(1, 2))
    assert table.holder("Liberty Media Corporation").common == expected == 27_493_125
    assert [e.event for e in table.term_events] == ["change_of_control"]


def test_position_shows_the_recorded_change_and_its_effect_on_the_standstill(tmp_path):
    path, line = cap_table_with(tmp_path, "{date: 2003-01-15, kind: change_of_control, offer_mailed: none}")
    run = subprocess.run(CLI + ["position", "--as-of", "2003-03-31", "--cap-table", str(path), "--format", "json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["terms"]["liquidation_preference"] == "$15,396.15"
    assert [(e["changes"], e["value"], e["applies"], e["cite"]) for e in data["term_events"]] == [
        ("preference", "14859.47", True, "CoD 6(b)"), ("dividend_rate", "0.16", True, "CoD 13(a)")]
    assert data["term_events"][0]["recorded_at"] == f"{path}:{line}"
    # PA 6.6: the fifth-anniversary projection starts from the recorded terms (A-standstill-lp-projection).
    assert data["groups"]["liberty"]["standstill"]["pct"] == "39.7182"
    plain_run = subprocess.run(CLI + ["position", "--as-of", "2003-03-31", "--format", "json"], cwd=ROOT,
                               capture_output=True, text=True, timeout=120)
    assert json.loads(plain_run.stdout)["groups"]["liberty"]["standstill"]["pct"] == "34.9336"
    text = subprocess.run(CLI + ["position", "--as-of", "2003-03-31", "--cap-table", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120).stdout
    assert "Liquidation Preference $15,396.15 per Series A share" in text
    assert " ".join(text.split()).count("dividend rate 16% from 2003-01-15 (CoD 13(a); A-step-up-accretes).") == 1


def test_offer_in_time_is_shown_as_the_reason_for_no_step_up(tmp_path):
    path, _ = cap_table_with(tmp_path, "{date: 2003-01-15, kind: change_of_control, offer_mailed: 2003-02-04}")
    text = subprocess.run(CLI + ["position", "--as-of", "2003-03-31", "--cap-table", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120).stdout
    assert "dividend rate not changed, as offer mailed 2003-02-04, within 20 days of the event (CoD 13(a); " \
           "A-step-up-accretes)." in " ".join(text.split())
    assert "Liquidation Preference $15,148.49 per Series A share" in text


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("event, category, message", [
    ("{date: 2003-01-15, kind: change_of_control}", "missing-field", "history[0].offer_mailed: missing"),
    ("{date: 2003-01-15, kind: change_of_control, offer_mailed: 2003-01-14}", "bad-date",
     "history[0].offer_mailed: 2003-01-14 is before the event (2003-01-15)"),
    ("{date: 2003-01-15, kind: change_of_control, offer_mailed: soon}", "bad-date",
     "history[0].offer_mailed: expected a date YYYY-MM-DD, got 'soon'"),
    ("{date: 2003-01-15, kind: change_of_controll, offer_mailed: none}", "bad-value",
     "(did you mean 'change_of_control'?)"),
])
def test_a_bad_term_event_is_one_line(tmp_path, event, category, message):
    path, line = cap_table_with(tmp_path, event)
    run = subprocess.run(CLI + ["position", "--as-of", "2003-03-31", "--cap-table", str(path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and run.stdout == "" and "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}:{line}: {category}: ") and message in lines[0], lines[0]


def test_a_term_effect_must_name_a_number_parameter(rb):
    line = edit(rb, "parameters.yaml", "      - dividend_rate: change_of_control_step_up_rate\n",
                "      - dividend_rate: change_of_control_step_up_rat\n")
    with pytest.raises(InputError) as info:
        load_rulebook(rb)
    assert [str(p) for p in info.value.problems] == [
        f"{rb / 'parameters.yaml'}:{line}: dangling-reference: term event change_of_control.effects[1].dividend_rate: "
        "'change_of_control_step_up_rat' is not a number parameter (did you mean 'change_of_control_step_up_rate'?)"]


def test_check_after_a_recorded_change_of_control(tmp_path):
    """The sample: Liberty at 34.9336% of the PA 6.6 basis becomes 39.7182% once a Change of
    Control without an offer is in the record, so buying 1,000,000 Common is a violation at
    40.6116%; with the offer mailed on the 20th day (Special Dividend, no step-up) 38.3217%."""
    scenario = ROOT / "rules" / "icg-2000" / "scenarios" / "liberty-buys-after-change-of-control-2003.yaml"
    run = subprocess.run(CLI + ["check", str(scenario), "--format", "json"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    data = json.loads(run.stdout)
    finding = next(f for f in data["findings"] if f["rule"] == "pa.6.6a.liberty-standstill")
    assert (finding["outcome"], finding["comparisons"][0]["actual"]) == ("violation", "40.6116%")
    assert [e["applies"] for e in data["term_events"]] == [True, True]
    ids = [a["id"] for a in data["assumptions"]]
    assert "A-step-up-accretes" in ids and "A-special-dividend-not-negative" in ids
    text = scenario.read_text(encoding="utf-8")
    for mailed, pct, step_up in (("2003-02-04", "38.3217%", False), ("2003-02-05", "40.6116%", True)):
        twin = tmp_path / f"offer-{mailed}.yaml"
        twin.write_text(text.replace("offer_mailed: none", f"offer_mailed: {mailed}").replace(
            "../captables/closing.yaml", str(CLOSING_TABLE)), encoding="utf-8")
        out = json.loads(subprocess.run(CLI + ["check", str(twin), "--format", "json"], cwd=ROOT,
                                        capture_output=True, text=True, timeout=120).stdout)
        finding = next(f for f in out["findings"] if f["rule"] == "pa.6.6a.liberty-standstill")
        assert finding["comparisons"][0]["actual"] == pct
        assert [e["applies"] for e in out["term_events"]] == [True, step_up]
        assert ("A-step-up-accretes" in [a["id"] for a in out["assumptions"]]) is step_up
    markdown = subprocess.run(CLI + ["check", str(scenario), "--format", "markdown"], cwd=ROOT,
                              capture_output=True, text=True, timeout=120).stdout
    assert "**Terms as the record has changed them:**" in markdown
    assert "dividend rate 16% from 2003-01-15 (CoD 13(a); A-step-up-accretes)." in markdown


def test_a_proposed_and_a_recorded_change_of_control_give_one_answer(rulebook):
    """The Change of Control Offer's figures for a proposed asset sale on February 1, 2002
    (tests/test_change_of_control.py: $15,132.78 and $164.78 on May 20, 2002) are those of the same
    Change of Control recorded in a cap table's history with the offer mailed in time."""
    record = [coc(date(2002, 2, 1), date(2002, 2, 11))]
    assert calc.money_display(lp(rulebook, record, date(2002, 5, 20))) == "$15,132.78"
    assert calc.money_display(accrued(rulebook, record, date(2002, 5, 20))) == "$164.78"
