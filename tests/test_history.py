"""The record since the Closing: conversions, Warrant exercises, transfers, issuances and
repurchases applied in order to the closing cap table, each share counted exactly once."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from clitools import run, run_json
from deal import CLOSING_FILE, IN_FORCE, LIBERTY

from clausewise import calc
from clausewise.errors import InputError
from clausewise.position import positions
from clausewise.scenario import load_cap_table

JUNE_2002 = date(2002, 6, 1)
# CoD 12(a), 12(c) on 2002-06-01: LP $11,693.62 + $158.51 accrued = $11,852.13 a share over
# $28.00, so 50,000 shares give 21,164,524.31 -> 21,164,524 Common.
LIBERTY_CONVERSION = 21_164_524


def table(tmp_path: Path, history: str, name: str = "history.yaml") -> Path:
    path = tmp_path / name
    path.write_text(
        "name: The closing cap table and what happened since\nas_of: 2000-04-10\n"
        "common_outstanding: 48582035\nholders:\n"
        "  - {name: Liberty Media Corporation, group: liberty, series_a1: 50000, warrants: 6666667}\n"
        "  - {name: 'HMTF Bridge ICG, LLC', group: hmtf, series_a2: 23000, warrants: 3066667}\n"
        "  - {name: Gleacher/ICG Investors LLC, group: gleacher, series_a3: 2000, warrants: 266666}\n"
        + (f"history:\n{history}" if history else ""), encoding="utf-8")
    return path


CONVERSION = "  - {date: 2002-06-01, kind: conversion, holder: Liberty Media Corporation, security: series_a1, " \
             "quantity: 50000}\n"


def test_a_conversion_issues_the_cod_12_common_and_counts_it_once(rulebook, tmp_path):
    before = load_cap_table(table(tmp_path, "", "before.yaml"), rulebook)
    after = load_cap_table(table(tmp_path, CONVERSION), rulebook)
    terms = rulebook.terms()
    assert calc.conversion_shares(terms, 50_000, JUNE_2002) == LIBERTY_CONVERSION
    liberty = after.holder(LIBERTY)
    assert (liberty.common, liberty.preferred, after.common_outstanding, after.converted["series_a"]) == (
        LIBERTY_CONVERSION, {}, 48_582_035 + LIBERTY_CONVERSION, 50_000)
    # Voting power counts the Series A as converted, so converting changes nobody's on the same day;
    # Rule 13d-3 changes only for the others, whose denominator now holds Liberty's Common issued.
    for group in ("liberty", "hmtf", "gleacher"):
        assert calc.voting_power(terms, after, group, JUNE_2002) == calc.voting_power(terms, before, group, JUNE_2002)
    assert calc.beneficial_ownership(terms, after, "liberty", JUNE_2002) == \
        calc.beneficial_ownership(terms, before, "liberty", JUNE_2002)
    for group in ("hmtf", "gleacher"):
        was, now = (calc.beneficial_ownership(terms, t, group, JUNE_2002) for t in (before, after))
        assert (now.shares, now.denominator) == (was.shares, was.denominator + LIBERTY_CONVERSION)
    owned = calc.beneficial_ownership(terms, after, "liberty", JUNE_2002)
    assert (owned.shares, owned.denominator) == (LIBERTY_CONVERSION + 6_666_667, 69_746_559 + 6_666_667)


def test_the_standstill_basis_counts_converted_series_a_once(rulebook, tmp_path):
    """A-converted-series-a-counted-once: the 25,000 Series A not converted are deemed converted
    on 2005-04-10 (13,270,798 Common); Liberty's 50,000 are its 21,164,524 Common issued."""
    terms = rulebook.terms()
    after = load_cap_table(table(tmp_path, CONVERSION), rulebook)
    deemed = calc.conversion_shares(terms, 25_000, date(2005, 4, 10))
    assert deemed == 13_270_798
    liberty = calc.standstill_basis(terms, after, "liberty", JUNE_2002, 75_000)
    assert (liberty.shares, liberty.denominator) == (27_831_191, 69_746_559 + deemed + 6_666_667)
    hmtf = calc.standstill_basis(terms, after, "hmtf", JUNE_2002, 75_000)
    assert (hmtf.shares, hmtf.denominator) == (15_275_801, 69_746_559 + deemed + 3_066_667)
    assert calc.pct_display(hmtf.pct, 4) == "17.7452"  # above 17.5% without HMTF buying anything
    # The defect this replaces: the conversion Common counted again in the deemed conversion.
    twice = 69_746_559 + calc.conversion_shares(terms, 75_000, date(2005, 4, 10)) + 3_066_667
    assert hmtf.denominator != twice


def test_the_same_figures_whether_converted_in_the_history_or_stated_after_the_fact(rulebook, tmp_path):
    stated = tmp_path / "stated.yaml"
    stated.write_text(
        "name: After Liberty's conversion\ncommon_outstanding: 69746559\nseries_a_converted: 50000\nholders:\n"
        "  - {name: Liberty Media Corporation, group: liberty, common: 21164524, warrants: 6666667}\n"
        "  - {name: 'HMTF Bridge ICG, LLC', group: hmtf, series_a2: 23000, warrants: 3066667}\n"
        "  - {name: Gleacher/ICG Investors LLC, group: gleacher, series_a3: 2000, warrants: 266666}\n",
        encoding="utf-8")
    by_history = positions(rulebook, load_cap_table(table(tmp_path, CONVERSION), rulebook), JUNE_2002)
    by_statement = positions(rulebook, load_cap_table(stated, rulebook), JUNE_2002)
    assert by_history["groups"] == by_statement["groups"]


def test_a_cash_exercise_turns_warrant_shares_into_common_counted_once(rulebook, tmp_path):
    exercise = ("  - {date: 2001-03-01, kind: exercise, holder: Liberty Media Corporation, quantity: 1000000, "
                "method: cash}\n")
    before = load_cap_table(table(tmp_path, "", "before.yaml"), rulebook)
    after = load_cap_table(table(tmp_path, exercise), rulebook)
    liberty = after.holder(LIBERTY)
    assert (liberty.common, liberty.warrants, after.common_outstanding) == (1_000_000, 5_666_667, 49_582_035)
    terms = rulebook.terms()
    on = date(2001, 3, 1)
    assert calc.beneficial_ownership(terms, after, "liberty", on) == calc.beneficial_ownership(terms, before, "liberty", on)
    assert calc.standstill_basis(terms, after, "liberty", on, 75_000) == \
        calc.standstill_basis(terms, before, "liberty", on, 75_000)


@pytest.mark.parametrize("quantity, fair_market_value, issued", [
    (1_000_000, "50.00", 320_000),   # 1,000,000 x (50 - 34) / 50
    (10, "40.00", 2),                # 1.5 rounds up (WAR 3: 0.5 or more)
    (3, "40.00", 0),                 # 0.45 rounds down
])
def test_a_net_issue_exercise_follows_war_2c_and_rounds_per_war_3(rulebook, tmp_path, quantity, fair_market_value,
                                                                   issued):
    exercise = (f"  - {{date: 2001-03-01, kind: exercise, holder: Liberty Media Corporation, quantity: {quantity}, "
                f"method: net_issue, fair_market_value: {fair_market_value}}}\n")
    after = load_cap_table(table(tmp_path, exercise), rulebook)
    assert after.holder(LIBERTY).common == issued
    assert after.holder(LIBERTY).warrants == 6_666_667 - quantity
    assert after.common_outstanding == 48_582_035 + issued
    assert calc.net_issue_shares(quantity, Fraction(fair_market_value), Fraction(34), "half_up") == issued


@pytest.mark.parametrize("history, line, category, message", [
    ("  - {date: 2005-04-11, kind: exercise, holder: Liberty Media Corporation, quantity: 10}\n", 9, "bad-date",
     "history[0].date: 2005-04-11 is after the Warrant expired (2005-04-10, WAR 10); an expired Warrant cannot "
     "be exercised"),
    ("  - {date: 2001-03-01, kind: exercise, holder: Liberty Media Corporation, quantity: 10, method: net_issue,"
     " fair_market_value: 34.00}\n", 9, "bad-value",
     "history[0].fair_market_value: a net issue exercise needs the fair market value of a share above "
     "the $34.00 Exercise Price in force on 2001-03-01 (WAR Face); got 34.00"),
    # After a 2-for-1 subdivision the Exercise Price is $17.00 (WAR 4(c)): $16.99 is not above it.
    ("  - {date: 2001-03-01, kind: common_subdivision, new_shares: 2, old_shares: 1}\n"
     "  - {date: 2001-03-05, kind: exercise, holder: Liberty Media Corporation, quantity: 10, method: net_issue,"
     " fair_market_value: 16.99}\n", 10, "bad-value",
     "history[1].fair_market_value: a net issue exercise needs the fair market value of a share above "
     "the $17.00 Exercise Price in force on 2001-03-05 (WAR Face); got 16.99"),
    ("  - {date: 2002-06-01, kind: conversion, holder: Liberty Media Corporation, security: series_a1, "
     "quantity: 50001}\n", 9, "bad-value",
     "history[0].quantity: Liberty Media Corporation holds 50,000 of series_a1 on 2002-06-01, fewer than the "
     "50,001 converted"),
    ("  - {date: 2002-06-01, kind: conversion, holder: Liberty Media Corporation, security: series_a1, "
     "quantity: 100}\n  - {date: 2002-05-01, kind: issuance, security: common, quantity: 100}\n", 10, "bad-date",
     "history[1].date: 2002-05-01 is before the previous event (2002-06-01)"),
    ("  - {date: 2002-06-01, kind: merger, quantity: 1}\n", 9, "bad-value",
     "history[0].kind: 'merger' is not one of conversion, exercise, transfer, issuance, repurchase, change_of_control, purchase_offer_expired, "
     "common_subdivision, common_stock_dividend, common_issuance_below_market, rights_offering, distribution, "
     "issuer_tender_offer, spinoff, issuer_exchange_offer"),
])
def test_a_bad_history_event_is_one_line_naming_its_line(rulebook, tmp_path, history, line, category, message):
    path = table(tmp_path, history)
    with pytest.raises(InputError) as info:
        load_cap_table(path, rulebook)
    assert [(p.line, p.category, p.message) for p in info.value.problems] == [(line, category, message)]


def test_position_follows_the_record_as_it_stood_on_the_date_asked(tmp_path):
    path = table(tmp_path, CONVERSION)
    code, data = run_json("position", "--as-of", "2002-06-01", "--cap-table", str(path),
                          "--instrument", "purchase-agreement=in_force")
    assert code == 0
    assert data["groups"]["liberty"]["common_shares"] == LIBERTY_CONVERSION
    assert data["groups"]["hmtf"]["standstill"]["pct"] == "17.7452"
    assert data["groups"]["hmtf"]["standstill"]["max_quantity"] == 0
    # The day before the conversion, the table stands as it was: Liberty holds its 50,000 A-1 and
    # HMTF is at its closing figure under the cap.
    code, early = run_json("position", "--as-of", "2002-05-31", "--cap-table", str(path),
                           "--instrument", "purchase-agreement=in_force")
    assert code == 0
    assert early["groups"]["liberty"]["common_shares"] == 0
    assert early["groups"]["hmtf"]["standstill"]["pct"] == "16.7020"
    assert early["groups"]["hmtf"]["standstill"]["max_quantity"] == 729_890


def test_a_scenario_history_applies_before_the_action(rulebook, make_scenario):
    from clausewise.evaluate import evaluate

    data = {"as_of": date(2003, 6, 2), "cap_table": CLOSING_FILE, "instruments": dict(IN_FORCE),
            "history": [{"date": date(2002, 6, 1), "kind": "conversion", "holder": LIBERTY, "security": "series_a1",
                         "quantity": 50_000}],
            "action": {"kind": "purchase", "buyer": LIBERTY, "security": "common", "quantity": 1_000_000,
                       "seller": "market"}}
    result = evaluate(rulebook, make_scenario(data))
    # 21,164,524 + 6,666,667 + 1,000,000 = 28,831,191 over 69,746,559 + 13,270,798 + 6,666,667: a
    # market purchase leaves the Common outstanding as it was.
    assert result.facts["standstill.shares_after"] == 28_831_191
    assert result.facts["standstill.denominator_after"] == 89_684_024
    assert result.by_rule("pa.6.6a.liberty-standstill").outcome == "permitted"
