"""Capital events as proposed actions: conversion (CoD 12(a), 12(c)) and Warrant exercise (WAR 2,
3, 10), what PA 6.6 makes of them, an issuance's effect on each group's basis, other convertible
securities under Rule 13d-3 and PA 6.6, the accretion warning, and CoD 12(i) in a history."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from clitools import run, run_json
from deal import CLOSING_FILE, GLEACHER, HMTF_BRIDGE, HMTF_RULE, LIBERTY, LIBERTY_RULE, PROBLEM

from clausewise import calc, capital
from clausewise.errors import InputError
from clausewise.evaluate import evaluate
from clausewise.measures import cap_table_after
from clausewise.scenario import load_cap_table

COD_12A = "cod.12a.conversion-right"
WAR_2C = "war.2c.net-issue-exercise"
WAR_10 = "war.10.exercise-before-expiry"
STATED = {"purchase-agreement": "in_force", "certificate-of-designation": "in_force", "warrant": "in_force"}
LIBERTY_CONVERSION = {"date": date(2002, 6, 1), "kind": "conversion", "holder": LIBERTY, "security": "series_a1",
                      "quantity": 50_000}


def write(tmp_path: Path, data: dict, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    data = {"name": "a capital event", "cap_table": CLOSING_FILE, **data}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def conversion(as_of: date, quantity: int = 50_000, holder: str = LIBERTY, security: str = "series_a1",
               **extra) -> dict:
    return {"as_of": as_of, "instruments": dict(STATED), **extra,
            "action": {"kind": "conversion", "holder": holder, "security": security, "quantity": quantity}}


def exercise(as_of: date, quantity: int = 1_000_000, method: str = "cash", **action) -> dict:
    return {"as_of": as_of, "instruments": dict(STATED),
            "action": {"kind": "exercise", "holder": LIBERTY, "quantity": quantity, "method": method, **action}}


def outcomes(data: dict) -> dict[str, str]:
    return {f["rule"]: f["outcome"] for f in data["findings"] if f["outcome"] != "not_applicable"}


def finding(data: dict, rule: str) -> dict:
    return next(f for f in data["findings"] if f["rule"] == rule)


# --- conversion: CoD 12(a), 12(c) -----------------------------------------------------------------


def test_a_conversion_shows_the_common_issued_and_the_position_after(tmp_path):
    code, data = run_json("check", write(tmp_path, conversion(date(2002, 6, 1))))
    assert code == 0 and data["verdict"] == "clear"
    assert outcomes(data) == {LIBERTY_RULE: "permitted", COD_12A: "permitted",
                              "cod.12b.conversion-effective-time": "consequence", "cod.12h.issue-taxes": "obligation"}
    figures = finding(data, COD_12A)["figures"]
    # CoD 6(a): $11,693.62 accreted to 2002-06-01 plus $158.51 accrued; 50,000 x $11,852.13 / $28.00.
    assert (figures["conversion.liquidation_preference"], figures["conversion.accrued_dividends"],
            figures["conversion.value_per_share"]) == ("$11,693.62", "$158.51", "$11,852.13")
    assert (figures["conversion.common_exact"], figures["conversion.common_issued"]) == ("21,164,524.31", "21,164,524")
    # After it: the 21,164,524 Common are Liberty's, the other 25,000 Series A still deemed converted.
    assert (figures["standstill.pct_before"], figures["standstill.pct_after"]) == ("34.9336%", "31.0325%")
    assert data["capital_event"]["conversion.common_issued"] == 21_164_524
    assert data["capital_event"]["standstill.pct_after"] == "31.0325"
    assert data["warnings"] == [] and data["standstill_effect"] is None


@pytest.mark.parametrize("quantity, exact, issued", [
    (309, "120,809.50", 120_810),  # 120,809.4954: to the 1/100 first (12(a)), then .50 rounds up (12(c))
    (49, "19,157.49", 19_157),     # 19,157.4928: .49 rounds down
])
def test_the_conversion_rounds_to_the_hundredth_then_half_up(rulebook, make_scenario, quantity, exact, issued):
    on = date(2001, 6, 1)
    result = evaluate(rulebook, make_scenario(conversion(on, quantity)))
    assert (result.facts["conversion.common_exact"], result.facts["conversion.common_issued"]) == (exact, issued)
    # A-conversion-rounding: rounding the exact figure straight to a whole share would differ for 309.
    straight = int(calc._round_half_up(calc.conversion_shares_exact(rulebook.terms(), quantity, on), 0))
    assert straight == (120_809 if quantity == 309 else 19_157)


@pytest.mark.parametrize("as_of, outcome, code", [
    (date(2015, 6, 29), "permitted", 0),   # the Business Day next preceding the June 30, 2015 redemption
    (date(2015, 6, 30), "violation", 1),
])
def test_the_conversion_right_ends_at_the_close_of_business_on_june_29_2015(tmp_path, as_of, outcome, code):
    rc, data = run_json("check", write(tmp_path, conversion(as_of)))
    assert (rc, finding(data, COD_12A)["outcome"]) == (code, outcome)
    assert ("conversion.common_issued" in finding(data, COD_12A)["figures"]) == (outcome == "permitted")
    assert calc.is_business_day(date(2015, 6, 29)) and calc.is_business_day(date(2015, 6, 30))


def test_a_conversion_above_the_cap_is_not_a_standstill_purchase(tmp_path):
    """A-conversion-not-a-purchase: after Liberty converts, the HMTF Holders stand at 17.7452%, above
    17.5%; HMTF Bridge converting its Series A-2 is excepted, buying one share of Common is not."""
    history = [LIBERTY_CONVERSION]
    code, data = run_json("check", write(tmp_path, conversion(date(2002, 6, 3), 100, HMTF_BRIDGE, "series_a2",
                                                              history=history)))
    hmtf = finding(data, HMTF_RULE)
    assert (code, hmtf["outcome"], hmtf["exception"]) == (0, "permitted", "upon-conversion-or-exercise")
    # Converting early issues fewer Common than the fifth-anniversary projection: 17.7452% -> 17.7350%.
    assert (hmtf["figures"]["standstill.pct_before"], hmtf["figures"]["standstill.pct_after"]) == (
        "17.7452%", "17.7350%")
    buy = {"as_of": date(2002, 6, 3), "instruments": dict(STATED), "history": history,
           "action": {"kind": "purchase", "buyer": HMTF_BRIDGE, "security": "common", "quantity": 1, "seller": "market"}}
    code, data = run_json("check", write(tmp_path, buy, "buy.yaml"))
    assert (code, finding(data, HMTF_RULE)["outcome"]) == (1, "violation")


def test_a_warrant_exercise_is_excepted_too(rulebook, make_scenario):
    result = evaluate(rulebook, make_scenario(exercise(date(2001, 3, 1))))
    liberty = result.by_rule(LIBERTY_RULE)
    assert liberty.outcome == "permitted"
    assert result.facts["acquisition.upon_conversion_or_exercise"] is True
    # A cash exercise turns Warrant shares into as many Common: the standstill basis does not move.
    assert result.facts["standstill.pct_after"] == result.facts["standstill.pct_before"]


# --- exercise: WAR 2, 3 and 10 ------------------------------------------------------------------


def test_a_cash_exercise_issues_one_common_per_warrant_share_at_34(tmp_path):
    code, data = run_json("check", write(tmp_path, exercise(date(2001, 3, 1))))
    assert code == 0 and outcomes(data) == {LIBERTY_RULE: "permitted", WAR_10: "permitted",
                                            "war.3.delivery": "obligation", "war.11.issue-taxes": "obligation"}
    figures = finding(data, WAR_10)["figures"]
    assert (figures["exercise.exercise_price"], figures["exercise.aggregate_price"],
            figures["exercise.common_issued"]) == ("$34.00", "$34,000,000.00", "1,000,000")


@pytest.mark.parametrize("as_of, outcome, code", [
    (date(2005, 4, 10), "permitted", 0),   # "Void after April 10, 2005": open until 5:00 p.m. that day
    (date(2005, 4, 11), "violation", 1),
])
def test_an_exercise_on_the_expiry_date_is_in_time_and_the_next_day_is_void(tmp_path, as_of, outcome, code):
    """A-exercise-on-expiry-day, with A-warrant-expiry-day."""
    rc, data = run_json("check", write(tmp_path, exercise(as_of)))
    war = finding(data, WAR_10)
    assert (rc, war["outcome"]) == (code, outcome)
    assert "A-exercise-on-expiry-day" in war["assumptions"]
    # A void exercise issues nothing, so no position after it is shown.
    assert ("exercise.common_issued" in war["figures"]) == (outcome == "permitted")


@pytest.mark.parametrize("market_price, outcome, issued", [
    ("34.00", "violation", None),      # not "greater than the Exercise Price"
    ("34.01", "permitted", 294),       # 1,000,000 x 0.01 / 34.01 = 294.03
    ("40.00", "permitted", 150_000),   # 1,000,000 x 6 / 40
])
def test_a_net_issue_exercise_needs_a_value_above_the_exercise_price(rulebook, make_scenario, market_price,
                                                                     outcome, issued):
    from decimal import Decimal

    data = exercise(date(2001, 3, 1), method="net_issue", market_price=Decimal(market_price))
    result = evaluate(rulebook, make_scenario(data))
    assert result.by_rule(WAR_2C).outcome == outcome
    assert result.facts.get("exercise.common_issued") == issued


# --- WAR 11: the Common issued free from all taxes in respect of the issue ------------------------


@pytest.mark.parametrize("as_of, stated, outcome, issued", [
    (date(2001, 3, 1), {}, "obligation", "1,000,000"),                                   # for cash
    (date(2001, 3, 1), {"method": "net_issue", "market_price": "40.00"}, "obligation", "150,000"),
    (date(2001, 3, 1), {"method": "net_issue", "market_price": "34.00"}, "not_applicable", None),  # refused: 2(c)
    (date(2005, 4, 10), {}, "obligation", "1,000,000"),                                  # the last day
    (date(2005, 4, 11), {}, "not_applicable", None),                                     # void: nothing issued
])
def test_the_common_issued_on_an_exercise_is_free_from_taxes_in_respect_of_its_issue(rulebook, make_scenario,
                                                                                     as_of, stated, outcome, issued):
    """A-exercise-issue-taxes: WAR 11's covenant, for a cash and a net issue exercise alike, no exception."""
    from decimal import Decimal

    stated = {k: Decimal(v) if k == "market_price" else v for k, v in stated.items()}
    result = evaluate(rulebook, make_scenario(exercise(as_of, **stated)))
    war = result.by_rule("war.11.issue-taxes")
    assert war.outcome == outcome
    if outcome == "obligation":
        assert war.figures["exercise.common_issued"] == issued
        assert war.section == "11" and "A-exercise-issue-taxes" in war.assumptions
        assert war.explanation.startswith(
            f"The Company covenants that the {issued} shares of Common Stock issued upon the exercise of 1,000,000 "
            "Warrant shares will be fully paid and non-assessable and free from all taxes, liens and charges in "
            "respect of their issue (WAR 11)")
        assert "the Warrant states no exception for Common issued in a name other than the holder's" in \
            war.explanation
        # No counterpart of CoD 12(h)'s proviso: the conversion rules stay out of an exercise.
        assert result.by_rule("cod.12h.delivery-in-another-name").outcome == "not_applicable"


def test_a_net_issue_exercise_without_a_market_price_cannot_be_determined(rulebook, make_scenario):
    """A-net-issue-market-price-input: the fair market value is an input; unknown, it is named."""
    result = evaluate(rulebook, make_scenario(exercise(date(2001, 3, 1), method="net_issue")))
    war = result.by_rule(WAR_2C)
    assert (war.outcome, war.missing) == ("cannot_determine", ["exercise.market_price_above_exercise_price"])


@pytest.mark.parametrize("action, line, category, message", [
    ({"kind": "conversion", "holder": LIBERTY, "security": "series_a1", "quantity": 50_001}, 8, "bad-value",
     "action.quantity: Liberty Media Corporation holds 50,000 of series_a1, fewer than the 50,001 to be converted"),
    ({"kind": "conversion", "holder": LIBERTY, "security": "common", "quantity": 1}, 7, "bad-value",
     "action.security: 'common' is not a convertible preferred series of the rulebook (series_a1, series_a2, "
     "series_a3)"),
    ({"kind": "exercise", "holder": "Libertee Media Corporation", "quantity": 1}, 6, "unknown-holder",
     "action.holder: 'Libertee Media Corporation' is not a holder on the cap table (did you mean "
     "'Liberty Media Corporation'?)"),
    ({"kind": "exercise", "holder": LIBERTY, "quantity": 1, "method": "cash", "market_price": 40}, 9,
     "unknown-key", "action.market_price: applies only to a net issue exercise (method: net_issue)"),
    ({"kind": "exercise", "holder": LIBERTY, "quantity": 1, "method": "cashless"}, 8, "bad-value",
     "action.method: 'cashless' is not one of cash, net_issue (did you mean 'cash'?)"),
])
def test_a_bad_capital_action_is_one_line_with_its_line(tmp_path, action, line, category, message):
    path = write(tmp_path, {"as_of": date(2001, 3, 1), "action": action})
    result = run("check", path)
    assert result.returncode == 2 and result.stdout == ""
    match = PROBLEM.match(result.stderr.strip())
    assert match and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert (match["file"], int(match["line"]), match["category"], match["message"]) == (str(path), line, category,
                                                                                          message)


# --- an issuance of Common moves every group's denominator ---------------------------------------


@pytest.mark.parametrize("quantity, pct, above", [
    # After Liberty's conversion HMTF stands at 15,275,801 / 86,084,024 = 17.7452%; 17.5% of
    # 86,084,024 + Q needs Q >= 1,206,267.43.
    # Both round to 17.5000 at 4 places: each is shown to the places that put it on its side of 17.5%.
    (1_206_267, "17.5000001", True),
    (1_206_268, "17.4999999", False),
])
def test_an_issuance_of_common_shows_each_groups_basis_before_and_after(tmp_path, quantity, pct, above):
    data = {"as_of": date(2002, 6, 3), "instruments": dict(STATED), "history": [LIBERTY_CONVERSION],
            "action": {"kind": "equity_issuance", "class": "common", "quantity": quantity, "common_stock_votes": False,
                       "standstill_effect": True}}
    _, report = run_json("check", write(tmp_path, data))
    effect = report["standstill_effect"]
    hmtf = effect["groups"]["hmtf"]
    assert (hmtf["pct_before"], hmtf["denominator_before"], hmtf["shares"]) == ("17.7452", 86_084_024, 15_275_801)
    assert (hmtf["pct_after"], hmtf["denominator_after"]) == (pct, 86_084_024 + quantity)
    assert (15_275_801 * 1000 > 175 * (86_084_024 + quantity)) == above
    assert effect["common_outstanding_after"] == 69_746_559 + quantity
    assert set(effect["groups"]) == {"liberty", "hmtf", "gleacher"}
    text = run("check", write(tmp_path, data)).stdout
    assert f"  hmtf: 17.7452% -> {pct}% (cap 17.5%; denominator 86,084,024 -> {86_084_024 + quantity:,})" in text


def test_the_effect_is_shown_only_when_asked_and_only_for_common(tmp_path):
    base = {"as_of": date(2001, 6, 1), "action": {"kind": "equity_issuance", "class": "common", "quantity": 10,
                                                  "common_stock_votes": False}}
    assert run_json("check", write(tmp_path, base))[1]["standstill_effect"] is None
    base["action"].update(standstill_effect=True, **{"class": "other", "ranking": {
        "dividends": "junior", "redemption": "junior", "liquidation": "junior"}})
    effect = run_json("check", write(tmp_path, base))[1]["standstill_effect"]
    assert effect == {"shown": False, "reason": "the effect is shown for an issuance of class common with its "
                                                "quantity stated; issuance.class is other"}


# --- other convertibles: stated on the cap table, counted under 13d-3 and PA 6.6 ------------------


def notes(convertible_from: str, quantity: int) -> dict:
    return {"as_of": date(2001, 6, 1),
            "cap_table": {"file": CLOSING_FILE, "convertibles": {"notes_2006": {
                "name": "6% Convertible Subordinated Notes due 2006", "kind": "note", "face_amount": 1000,
                "conversion_price": 20, "fractions": "down", "convertible_from": date.fromisoformat(convertible_from)}}},
            "action": {"kind": "purchase", "buyer": HMTF_BRIDGE, "security": "notes_2006", "quantity": quantity,
                       "seller": "market"}}


@pytest.mark.parametrize("convertible_from, quantity, outcome", [
    ("2001-07-31", 17_694, "permitted"),   # 50 Common a note, convertible within 60 days: counts
    ("2001-07-31", 17_695, "violation"),
    ("2001-08-01", 17_695, "permitted"),   # first convertible on day 61: not yet beneficially owned
])
def test_a_purchase_of_another_convertible_is_tested_under_6_6(tmp_path, convertible_from, quantity, outcome):
    """A-other-convertibles-13d3: a note convertible into Common is a security "convertible into"
    Common under PA 6.6(b), counted as Rule 13d-3(d)(1)(i) counts it."""
    code, data = run_json("check", write(tmp_path, notes(convertible_from, quantity)))
    assert finding(data, HMTF_RULE)["outcome"] == outcome
    assert code == (1 if outcome == "violation" else 0)
    if outcome == "violation":
        assert data["headroom"]["max_quantity"] == 17_694


def test_other_convertibles_count_in_13d3_and_position(rulebook, make_scenario):
    scenario = make_scenario(notes("2001-07-31", 10_000))
    after = cap_table_after(rulebook.deal(), scenario)
    terms, on = rulebook.terms(), date(2001, 6, 1)
    assert after.holder(HMTF_BRIDGE).convertibles == {"notes_2006": 10_000}
    before = calc.beneficial_ownership(terms, after, "hmtf", on)
    owned = capital.beneficial_ownership(terms, after, "hmtf", on)
    assert (owned.shares - before.shares, owned.denominator - before.denominator) == (500_000, 500_000)
    # The notes carry no vote unless stated to vote as converted.
    assert capital.voting_power(terms, after, "hmtf", on) == calc.voting_power(terms, after, "hmtf", on)
    voting = replace(after, convertibles={"notes_2006": replace(after.convertibles["notes_2006"],
                                                                votes_as_converted=True)})
    gained = capital.voting_power(terms, voting, "hmtf", on)
    base = calc.voting_power(terms, after, "hmtf", on)
    assert (gained.shares - base.shares, gained.denominator - base.denominator) == (500_000, 500_000)


@pytest.mark.parametrize("terms, holder, message", [
    ({"name": "Notes", "kind": "note", "fractions": "down", "conversion_ratio": 50, "conversion_price": 20}, {},
     "cap_table.convertibles.notes: state conversion_ratio, or face_amount and conversion_price, not both"),
    ({"name": "Notes", "kind": "note", "fractions": "down"}, {},
     "cap_table.convertibles.notes: missing its conversion terms: conversion_ratio (Common per unit), or "
     "face_amount and conversion_price"),
    ({"name": "Notes", "kind": "note", "fractions": "down", "conversion_ratio": 50}, {"nots": 5},
     "cap_table.holders[0].convertibles: 'nots' is not declared under convertibles (did you mean 'notes'?)"),
])
def test_bad_convertible_terms_are_refused(tmp_path, terms, holder, message):
    data = {"as_of": date(2001, 6, 1),
            "cap_table": {"file": CLOSING_FILE, "convertibles": {"notes": terms},
                          "holders": [{"name": GLEACHER, "convertibles": holder}]},
            "action": {"kind": "purchase", "buyer": GLEACHER, "security": "common", "quantity": 1}}
    result = run("check", write(tmp_path, data))
    assert result.returncode == 2
    assert [PROBLEM.match(line)["message"] for line in result.stderr.splitlines()] == [message]


# --- the "at any time" accretion warning ----------------------------------------------------------

SAFE_HARBOR = "samples/scenarios/liberty-buys-1m-2000-safe-harbor.yaml"


def test_check_warns_when_accretion_alone_ends_the_safe_harbor(rulebook):
    """A-safe-harbor-at-any-time: the purchase is permitted on 2000-05-01 inside 25.1%; accretion
    alone takes Liberty to 25.102241% on 2000-05-05 while it stays at 37.9440%, above 37%."""
    code, data = run_json("check", SAFE_HARBOR)
    assert code == 0 and finding(data, LIBERTY_RULE)["exception"] == "voting-power-safe-harbor"
    [warning] = data["warnings"]
    assert (warning["kind"], warning["group"], warning["crosses_on"], warning["voting_power_pct_day_before"],
            warning["voting_power_pct_on_crossing"], warning["standstill_pct_on_crossing"]) == (
        "accretion", "liberty", "2000-05-05", "25.098965", "25.102241", "37.9440")
    # Both sides of the day, on the exact measure.
    from clausewise.scenario import load_scenario
    scenario = load_scenario(SAFE_HARBOR, rulebook)
    after = cap_table_after(rulebook.deal(), scenario)
    terms = rulebook.terms()
    assert capital.voting_power(terms, after, "liberty", date(2000, 5, 4)).pct <= Fraction(251, 10)
    assert capital.voting_power(terms, after, "liberty", date(2000, 5, 5)).pct > Fraction(251, 10)
    text = run("check", SAFE_HARBOR).stdout
    assert "Warning: Liberty Group: accretion of the Liquidation Preference alone takes its voting power" in text
    assert "on 2000-05-05" in text


def test_no_warning_when_accretion_never_reaches_the_line_before_the_cap_ends(tmp_path):
    # Liberty holds Common and Warrants but no Series A: accretion of others' Series A only dilutes it.
    data = {"as_of": date(2000, 5, 1),
            "cap_table": {"file": CLOSING_FILE, "holders": [
                {"name": LIBERTY, "series_a1": 0, "common": 18_000_000, "warrants": 25_000_000},
                {"name": "Outside Fund LP", "group": "none", "series_a3": 50_000}]},
            "action": {"kind": "purchase", "buyer": LIBERTY, "security": "common", "quantity": 100_000}}
    code, report = run_json("check", write(tmp_path, data))
    assert finding(report, LIBERTY_RULE)["exception"] == "voting-power-safe-harbor"
    [warning] = report["warnings"]
    assert (warning["crosses_on"], warning["cap_ends"]) == (None, "2005-04-10")
    assert warning["message"].endswith("before the cap ends on 2005-04-10")


def test_position_flags_the_group_in_the_safe_harbor(tmp_path):
    table = tmp_path / "table.yaml"
    closing = yaml.safe_load(Path(CLOSING_FILE).read_text(encoding="utf-8"))
    closing["holders"][0].update(common=1_000_000, warrants=9_666_667)
    closing["common_outstanding"] = 48_582_035
    table.write_text(yaml.safe_dump(closing, sort_keys=False), encoding="utf-8")
    _, data = run_json("position", "--as-of", "2000-05-01", "--cap-table", table)
    flag = data["groups"]["liberty"]["accretion_warning"]
    assert (flag["crosses_on"], flag["rule"], flag["harbor_pct"], flag["cap_pct"]) == (
        "2000-05-05", LIBERTY_RULE, "25.1", "37")
    assert data["groups"]["hmtf"]["accretion_warning"] is None  # no safe harbor in 6.6(b)
    # On the crossing day itself the group is above 25.1%: no longer in the harbor, no flag.
    _, data = run_json("position", "--as-of", "2000-05-05", "--cap-table", table)
    assert data["groups"]["liberty"]["accretion_warning"] is None
    text = run("position", "--as-of", "2000-05-01", "--cap-table", table).stdout
    assert "Accretion warning: Liberty Group: accretion of the Liquidation Preference alone" in text


# --- CoD 12(i) in a history: the transferee outside the group receives Series A-3 -------------------


@pytest.mark.parametrize("security, to, received", [
    ("series_a1", {"name": "Outside Fund LP", "group": "none"}, "series_a3"),
    ("series_a1", {"name": "Liberty Sub, Inc.", "group": "liberty"}, "series_a1"),
    ("series_a2", {"name": "Liberty Sub, Inc.", "group": "liberty"}, "series_a3"),
    ("series_a2", {"name": "HM Fund, LLC", "group": "hmtf"}, "series_a2"),
    ("series_a3", {"name": "Outside Fund LP", "group": "none"}, "series_a3"),
])
def test_a_history_transfer_outside_the_group_arrives_as_series_a3(rulebook, tmp_path, security, to, received):
    holder = {"series_a1": LIBERTY, "series_a2": HMTF_BRIDGE, "series_a3": GLEACHER}[security]
    closing = yaml.safe_load(Path(CLOSING_FILE).read_text(encoding="utf-8"))
    closing["history"] = [{"date": date(2001, 1, 2), "kind": "transfer", "from": holder, "to": to,
                           "security": security, "quantity": 100}]
    path = tmp_path / "table.yaml"
    path.write_text(yaml.safe_dump(closing, sort_keys=False), encoding="utf-8")
    table = load_cap_table(path, rulebook)
    assert table.holder(to["name"]).preferred == {received: 100}
    assert table.holder(holder).preferred[security] == {"series_a1": 50_000, "series_a2": 11_500,
                                                        "series_a3": 2_000}[security] - 100


def test_the_reclassification_on_transfer_is_declared_in_the_rulebook(tmp_path):
    import shutil

    from deal import ROOT
    rb = tmp_path / "rb"
    shutil.copytree(ROOT / "rules" / "icg-2000", rb)
    params = rb / "parameters.yaml"
    text = params.read_text(encoding="utf-8")
    params.write_text(text.replace("      converts_into: series_a3\n", "      converts_into: series_a4\n", 1),
                      encoding="utf-8")
    result = run("lint", rb)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.endswith("dangling-reference: security series_a1.on_transfer_outside_group.converts_into: "
                         "'series_a4' is not another security of the same class (did you mean 'series_a3'?)")


@pytest.mark.parametrize("name, code, verdict, figure", [
    ("liberty-converts-a1-2002.yaml", 0, "clear", ("conversion.common_issued", 21_164_524)),
    ("liberty-exercises-warrants-net-issue-2003.yaml", 0, "clear", ("exercise.common_issued", 150_000)),
    ("liberty-exercises-warrants-after-expiry.yaml", 1, "violation", ("exercise.exercise_price", "$34.00")),
    ("hmtf-buys-convertible-notes-2001.yaml", 1, "violation", None),
    ("issuance-of-common-after-liberty-conversion.yaml", 0, "clear", None),
])
def test_the_capital_samples_give_their_documented_answers(name, code, verdict, figure):
    rc, data = run_json("check", f"samples/scenarios/{name}")
    assert (rc, data["verdict"]) == (code, verdict)
    if figure is not None:
        assert data["capital_event"][figure[0]] == figure[1]
    if name.startswith("hmtf"):
        assert (finding(data, HMTF_RULE)["figures"]["standstill.pct_after"], data["headroom"]["max_quantity"]) == (
            "17.6029%", 17_694)
    if name.startswith("issuance"):
        assert data["standstill_effect"]["groups"]["hmtf"]["pct_after"] == "17.4999999"


@pytest.mark.parametrize("until, counted", [(date(2001, 5, 31), 0), (date(2001, 6, 1), 500)])
def test_a_convertible_counts_through_its_last_convertible_day(until, counted):
    from clausewise.model import CapTable, ConvertibleTerms, Holding

    terms = ConvertibleTerms(id="pref_b", name="Series B", kind="preferred", common_per_unit=Fraction(5),
                             fractions="half_up", convertible_until=until)
    holder = Holding(name="Fund", group="g", convertibles={"pref_b": 100})
    cap = CapTable(common_outstanding=1000, holders=(holder,), convertibles={"pref_b": terms})
    assert capital.other_rights(cap, cap.holders, date(2001, 6, 1)) == counted


@pytest.mark.parametrize("units, fractions, issued", [(3, "half_up", 2), (3, "down", 1), (1, "half_up", 1)])
def test_a_convertible_settles_fractions_as_its_terms_say(units, fractions, issued):
    from clausewise.model import ConvertibleTerms

    # 0.5 Common a unit: 3 units give 1.5, which rounds up or down as stated; 1 unit gives 0.5, half up.
    terms = ConvertibleTerms(id="n", name="Notes", kind="note", common_per_unit=Fraction(1, 2), fractions=fractions)
    assert capital.common_issuable(terms, units) == issued


@pytest.mark.parametrize("buyer, quantity, rule, outcome, exception", [
    (GLEACHER, 27_453, "pa.6.6c.gleacher-standstill", "permitted", None),
    (GLEACHER, 27_454, "pa.6.6c.gleacher-standstill", "violation", None),
    # Notes carry no vote: 38.1849% on the basis, 25.0928% of the voting power, inside the harbor.
    (LIBERTY, 100_000, LIBERTY_RULE, "permitted", "voting-power-safe-harbor"),
])
def test_a_purchase_of_notes_is_tested_under_6_6a_and_6_6c_too(rulebook, make_scenario, buyer, quantity, rule,
                                                                outcome, exception):
    data = notes("2001-07-31", quantity)
    data["action"]["buyer"] = buyer
    result = evaluate(rulebook, make_scenario(data))
    assert (result.by_rule(rule).outcome, result.by_rule(rule).exception) == (outcome, exception)
    assert result.facts["action.convertible_into_common"] is True
    if exception:
        [warning] = capital.accretion_warnings(rulebook, result)
        assert warning["group"] == "liberty" and warning["crosses_on"] is not None


@pytest.mark.parametrize("when, refused", [(date(2015, 6, 29), False), (date(2015, 6, 30), True)])
def test_a_history_conversion_after_the_right_expired_is_refused(rulebook, tmp_path, when, refused):
    closing = yaml.safe_load(Path(CLOSING_FILE).read_text(encoding="utf-8"))
    closing["history"] = [dict(LIBERTY_CONVERSION, date=when)]
    path = tmp_path / "table.yaml"
    path.write_text(yaml.safe_dump(closing, sort_keys=False), encoding="utf-8")
    if not refused:
        assert load_cap_table(path, rulebook).holder(LIBERTY).common == calc.conversion_shares(rulebook.terms(),
                                                                                                50_000, when)
        return
    with pytest.raises(InputError) as info:
        load_cap_table(path, rulebook)
    [problem] = info.value.problems
    assert (problem.category, problem.message) == ("bad-date", "history[0].date: 2015-06-30 is after the conversion "
                                                   "right expired (2015-06-29, CoD 12(a)); the shares can no longer "
                                                   "be converted")
