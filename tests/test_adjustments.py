"""Anti-dilution (CoD 12(d); WAR 4): the formulas, the de minimis rule, the adjusted prices as dated
values produced by a cap table's history, every figure that depends on them, and `check` of a
proposed event reporting the adjustment it causes. Real rulebook, real engine."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from clausewise import adjust
from clausewise.evaluate import evaluate
from clausewise.scenario import load_cap_table

from clitools import run, run_json
from conftest import CLOSING

IN_FORCE = {"purchase-agreement": "in_force", "certificate-of-designation": "in_force", "warrant": "in_force"}
LIBERTY = "Liberty Media Corporation"


def table(tmp_path, *events: str):
    """The closing cap table with a history of the events given (one YAML flow mapping each)."""
    text = CLOSING.read_text(encoding="utf-8").replace("../schemas/", str(CLOSING.parent.parent / "schemas") + "/")
    path = tmp_path / "captable.yaml"
    path.write_text(text + "history:\n" + "".join(f"  - {e}\n" for e in events), encoding="utf-8")
    return path


# --- the formulas, exactly ---------------------------------------------------------------------

def test_a_subdivision_and_a_combination_move_the_price_by_the_share_ratio():
    split = adjust.FORMULAS["subdivision"]
    assert split.factor(100, {"new_shares": 2, "old_shares": 1}) == Fraction(1, 2)
    assert split.common_scale(100, {"new_shares": 2, "old_shares": 1}) == 2
    assert split.factor(99, {"new_shares": 1, "old_shares": 3}) == 3  # a 1-for-3 combination triples it


def test_a_dividend_in_common_is_o_over_o_plus_d():
    assert adjust.FORMULAS["stock_dividend"].factor(48582035, {"shares_distributed": 4858203}) == \
        Fraction(48582035, 48582035 + 4858203)


@pytest.mark.parametrize("price, adjusts", [(Fraction(20), False), (Fraction(1999, 100), True)])
def test_an_issuance_adjusts_only_below_the_current_market_price(price, adjusts):
    # "less than the Current Market Price": at $20.00 against $20.00 nothing; a cent below, the formula.
    factor = adjust.FORMULAS["issuance_below_market"].factor(
        1000, {"quantity": 100, "price": price, "current_market_price": Fraction(20)})
    assert (factor is not None) == adjusts
    if adjusts:
        assert factor == (1000 + Fraction(100) * price / 20) / 1100


@pytest.mark.parametrize("value, adjusts", [(Fraction(10), False), (Fraction(999, 100), True)])
def test_a_distribution_at_or_above_the_market_price_is_provided_for_in_kind_not_adjusted(value, adjusts):
    factor = adjust.FORMULAS["distribution"].factor(
        1000, {"fair_market_value_per_share": value, "current_market_price": Fraction(10)})
    assert (factor is not None) == adjusts
    if adjusts:
        assert factor == Fraction(1, 1000)


@pytest.mark.parametrize("paid, adjusts", [(Fraction(5), False), (Fraction(501, 100), True)])
def test_a_tender_offer_adjusts_only_above_5_percent_of_net_income(paid, adjusts):
    # 5% of $100 of net income is $5: "exceeds 5%" needs more.
    fields = {"purchased": 1, "consideration": paid, "current_market_price": Fraction(1),
              "net_income_12_months": Fraction(100)}
    assert (adjust.FORMULAS["tender_offer"].factor(1000, fields) is not None) == adjusts


def test_a_tender_offer_never_raises_the_price():
    # Paying below market for the shares bought would raise the price: no adjustment.
    fields = {"purchased": 100, "consideration": Fraction(50), "current_market_price": Fraction(1),
              "net_income_12_months": Fraction(0)}
    assert adjust.FORMULAS["tender_offer"].factor(1000, fields) is None


@pytest.mark.parametrize("factor, made", [(Fraction(99, 100), True), (Fraction(991, 1000), False)])
def test_the_de_minimis_rule_is_at_least_one_percent(factor, made):
    step, carried = adjust.apply(Fraction(28), Fraction(1), factor, Decimal(1), 2)
    assert step.made is made
    if made:  # exactly 1% is "at least 1%": made, to the cent
        assert (step.after, carried) == (Fraction(2772, 100), 1)
    else:  # 0.9%: carried forward, the price unchanged
        assert (step.after, carried) == (Fraction(28), factor)


def test_a_carried_adjustment_is_taken_into_account_in_the_next():
    step, carried = adjust.apply(Fraction(28), Fraction(1), Fraction(994, 1000), Decimal(1), 2)
    assert not step.made  # 0.6%: carried
    step, carried = adjust.apply(Fraction(28), carried, Fraction(994, 1000), Decimal(1), 2)
    # 28 x 0.994 x 0.994 = 27.665008: 1.1964% in all, made, to the nearest cent
    assert (step.made, step.after, carried) == (True, Fraction(2767, 100), 1)


# --- a history's adjustments flow into every dependent figure ----------------------------------

def position(path, on: str) -> dict:
    args = ["position", "--as-of", on, "--cap-table", path]
    for doc, status in IN_FORCE.items():
        args += ["--instrument", f"{doc}={status}"]
    code, data = run_json(*args)
    assert code == 0
    return data


def test_after_a_two_for_one_split_every_dependent_figure_moves_consistently(tmp_path):
    before = position(CLOSING, "2001-06-04")
    after = position(table(tmp_path, "{date: 2001-06-01, kind: common_subdivision, new_shares: 2, old_shares: 1}"),
                     "2001-06-04")
    assert (before["terms"]["conversion_price"], after["terms"]["conversion_price"]) == ("$28.00", "$14.00")
    assert after["common_outstanding"] == 2 * 48582035
    lib_before, lib_after = before["groups"]["liberty"], after["groups"]["liberty"]
    # Series A as converted: the same Liquidation Preference over half the price, within the rounding
    # of one conversion (to 1/100, then half up).
    assert abs(lib_after["as_converted_shares"] - 2 * lib_before["as_converted_shares"]) <= 1
    # The Warrants: twice the shares at half the price (WAR 4(l)), 6,666,667 x 2.
    assert lib_after["warrant_shares"] == 13333334
    # The standstill basis: every term doubles, so the percentage stays where it was.
    assert lib_after["standstill"]["shares"] in range(2 * lib_before["standstill"]["shares"] - 2,
                                                      2 * lib_before["standstill"]["shares"] + 3)
    assert abs(Fraction(lib_after["standstill"]["pct"]) - Fraction(lib_before["standstill"]["pct"])) <= \
        Fraction(1, 10000)
    assert after["groups"]["liberty"]["beneficial_ownership"]["pct"] == \
        before["groups"]["liberty"]["beneficial_ownership"]["pct"]
    # The director thresholds "as adjusted for any stock dividends, splits and combinations".
    thresholds = {r["key"]: r["threshold"] for g in ("liberty", "hmtf") for r in after["groups"][g]["seat_rights"]}
    assert thresholds["a2_director"] == 2 * 4107143
    assert thresholds["a1_additional_directors"] == 2 * 8928571
    # The Special Dividend reference is the Series A's, not the Common's: it does not move.
    assert after["terms"]["special_dividend_reference"] == "$14,859.47"


def test_the_split_price_is_in_force_from_the_opening_of_business_on_the_next_day(tmp_path):
    path = table(tmp_path, "{date: 2001-06-01, kind: common_subdivision, new_shares: 2, old_shares: 1}")
    assert position(path, "2001-06-01")["terms"]["conversion_price"] == "$28.00"
    assert position(path, "2001-06-02")["terms"]["conversion_price"] == "$14.00"


def test_a_below_market_issuance_in_the_history_lowers_both_prices_and_raises_the_warrant_shares(rulebook, tmp_path):
    # 10,000,000 at $10.00 against a $20.00 Current Market Price: (48,582,035 + 5,000,000) /
    # 58,582,035 = 0.914649...; $28.00 -> $25.61, $34.00 -> $31.10; Liberty's 6,666,667 Warrant shares
    # x 34.00 / 31.10 = 7,288,318.38 -> 7,288,318.
    path = table(tmp_path, "{date: 2001-06-01, kind: common_issuance_below_market, quantity: 10000000, price: 10.00, "
                           "current_market_price: 20.00}")
    cap = load_cap_table(path, rulebook)
    deal = rulebook.deal(date(2001, 6, 1), cap.term_events)
    assert (deal.parameters["conversion_price"], deal.parameters["warrant_exercise_price"]) == \
        (Decimal("25.61"), Decimal("31.10"))
    assert cap.holder(LIBERTY).warrants == 7288318
    assert cap.common_outstanding == 48582035 + 10000000
    # The conversion of Liberty's Series A at $25.61 on that day.
    assert rulebook.deal(date(2001, 6, 1), cap.term_events).terms.conversion_price == Decimal("25.61")


def test_an_issuance_at_the_market_price_in_the_history_moves_nothing(rulebook, tmp_path):
    path = table(tmp_path, "{date: 2001-06-01, kind: common_issuance_below_market, quantity: 10000000, price: 20.00, "
                           "current_market_price: 20.00}")
    cap = load_cap_table(path, rulebook)
    deal = rulebook.deal(date(2001, 6, 2), cap.term_events)
    assert (deal.parameters["conversion_price"], deal.parameters["warrant_exercise_price"]) == \
        (Decimal("28.00"), Decimal("34.00"))
    assert cap.holder(LIBERTY).warrants == 6666667


def test_small_issuances_are_carried_forward_until_together_they_reach_one_percent(rulebook, tmp_path):
    # 500,000 at $10 against $20 on 48,582,035 moves the price 0.51%: carried forward; a second one
    # a month later takes the two together to 1.011%: made, from $28.00, to the cent.
    one = "{date: 2001-06-01, kind: common_issuance_below_market, quantity: 500000, price: 10.00, " \
          "current_market_price: 20.00}"
    two = "{date: 2001-07-01, kind: common_issuance_below_market, quantity: 500000, price: 10.00, " \
          "current_market_price: 20.00}"
    cap = load_cap_table(table(tmp_path, one, two), rulebook)
    o = 48582035
    exact = Fraction(28) * Fraction(o + 250000, o + 500000) * Fraction(o + 750000, o + 1000000)  # 27.7169...
    assert rulebook.deal(date(2001, 6, 15), cap.term_events).parameters["conversion_price"] == Decimal("28.00")
    assert rulebook.deal(date(2001, 7, 1), cap.term_events).parameters["conversion_price"] == Decimal("27.72")
    assert abs(exact - Fraction(2772, 100)) < Fraction(1, 200)


def test_a_net_issue_exercise_after_a_split_is_tested_against_the_adjusted_exercise_price(rulebook, make_scenario,
                                                                                          tmp_path):
    path = table(tmp_path, "{date: 2001-06-01, kind: common_subdivision, new_shares: 2, old_shares: 1}")
    for market, outcome, issued in (("17.00", "violation", None), ("17.01", "permitted", 7839)):
        result = evaluate(rulebook, make_scenario({
            "as_of": date(2001, 6, 4), "cap_table": str(path),
            "action": {"kind": "exercise", "holder": LIBERTY, "quantity": 13333334, "method": "net_issue",
                       "market_price": Decimal(market)}}))
        assert result.by_rule("war.2c.net-issue-exercise").outcome == outcome
        assert result.facts.get("exercise.common_issued") == issued  # 13,333,334 x 0.01 / 17.01 = 7,838.53...


# --- check of a proposed event reports the adjustment -------------------------------------------

def finding(rulebook, make_scenario, action: dict, rule: str, on=date(2001, 6, 1)):
    return evaluate(rulebook, make_scenario({"as_of": on, "action": action})).by_rule(rule)


def test_a_proposed_split_halves_both_prices_and_doubles_the_thresholds(rulebook, make_scenario):
    action = {"kind": "common_subdivision", "new_shares": 2, "old_shares": 1}
    cod = finding(rulebook, make_scenario, action, "cod.12d-iii.subdivision-combination")
    war = finding(rulebook, make_scenario, action, "war.4c.subdivision-combination")
    assert (cod.outcome, war.outcome) == ("consequence", "consequence")
    assert cod.figures["adjustment.conversion_price_after"] == "$14.00"
    assert war.figures["adjustment.exercise_price_after"] == "$17.00"
    assert "adjusted from $28.00 to $14.00 effective 2001-06-02" in cod.explanation
    seats = finding(rulebook, make_scenario, action, "cod.8d.thresholds-adjusted-for-splits")
    assert seats.figures["adjustment.a2_director_threshold_after"] == "8,214,286"
    notice = finding(rulebook, make_scenario, action, "cod.12d-x.adjustment-notice")
    assert notice.outcome == "obligation"
    assert notice.figures["adjustment.conversion_price_notice_by"] == "2001-06-22"


def test_a_one_for_three_combination_triples_the_prices(rulebook, make_scenario):
    action = {"kind": "common_subdivision", "new_shares": 1, "old_shares": 3}
    assert finding(rulebook, make_scenario, action, "cod.12d-iii.subdivision-combination").figures[
        "adjustment.conversion_price_after"] == "$84.00"
    assert finding(rulebook, make_scenario, action, "war.4c.subdivision-combination").figures[
        "adjustment.exercise_price_after"] == "$102.00"


BELOW = {"kind": "equity_issuance", "class": "common", "quantity": 10000000, "price": Decimal("10.00"),
         "current_market_price": Decimal("20.00"), "exception": "none"}


@pytest.mark.parametrize("price, outcome", [("20.00", "not_applicable"), ("19.99", "consequence")])
def test_an_issuance_of_common_adjusts_only_below_the_current_market_price(rulebook, make_scenario, price, outcome):
    action = dict(BELOW, price=Decimal(price))
    assert finding(rulebook, make_scenario, action, "cod.12d-ii-a.below-market-issuance").outcome == outcome
    assert finding(rulebook, make_scenario, action, "war.4b-i.below-market-issuance").outcome == outcome


def test_a_below_market_issuance_reports_old_and_new_price_with_the_formula(rulebook, make_scenario):
    f = finding(rulebook, make_scenario, BELOW, "cod.12d-ii-a.below-market-issuance")
    assert f.figures["adjustment.conversion_price_before"] == "$28.00"
    assert f.figures["adjustment.conversion_price_after"] == "$25.61"
    assert f.figures["adjustment.common_outstanding"] == "48,582,035"
    # (48,582,035 + 10,000,000 x 10 / 20) / 58,582,035, reduced
    assert f.figures["adjustment.conversion_price_factor"] == "10,716,407/11,716,407"


@pytest.mark.parametrize("exception, extra", [
    ("compensation_plan", {"option_price_at_least_closing_price": True}),
    ("acquisition", {"acquisition_value_at_least_market": True}),
    ("warrants_outstanding_on_date_hereof", {}),
    ("series_a_conversion", {}),
    ("series_a_automatic_conversion", {}),
    ("already_adjusted_security", {}),
])
def test_an_issuance_inside_each_carve_out_adjusts_nothing(rulebook, make_scenario, exception, extra):
    action = dict(BELOW, exception=exception, **extra)
    for rule in ("cod.12d-ii-a.below-market-issuance", "war.4b-i.below-market-issuance"):
        f = finding(rulebook, make_scenario, action, rule)
        assert f.outcome == "not_applicable"  # the carve-out applies: no adjustment
        assert f.exception == {"compensation_plan": "compensation-plan", "acquisition": "acquisition",
                               "warrants_outstanding_on_date_hereof": "warrants-outstanding",
                               "series_a_conversion": "series-a-conversion",
                               "series_a_automatic_conversion": "automatic-conversion",
                               "already_adjusted_security": "already-adjusted"}[exception]
    assert finding(rulebook, make_scenario, action, "cod.12d-x.adjustment-notice").outcome == "not_applicable"


@pytest.mark.parametrize("proviso, outcome", [(True, "not_applicable"), (False, "consequence")])
def test_an_option_granted_below_the_closing_price_is_outside_carve_out_a(rulebook, make_scenario, proviso, outcome):
    action = dict(BELOW, exception="compensation_plan", option_price_at_least_closing_price=proviso)
    assert finding(rulebook, make_scenario, action, "cod.12d-ii-a.below-market-issuance").outcome == outcome


@pytest.mark.parametrize("rule", ["cod.12d-ii-a.below-market-issuance", "war.4b-i.below-market-issuance"])
def test_an_issuance_of_common_without_its_current_market_price_cannot_be_decided(rulebook, make_scenario, rule):
    # A-adj-current-market-price-input: the Current Market Price is stated, never derived, and a net
    # issue fair market value stated beside it (WAR 2(c), another figure) does not stand in for it.
    action = {k: v for k, v in BELOW.items() if k != "current_market_price"}
    f = finding(rulebook, make_scenario, action, rule)
    assert f.outcome == "cannot_determine"
    assert f.missing == ["adjustment.current_market_price"]
    assert "A-adj-current-market-price-input" in str(f.assumptions)


def test_the_adjustment_rules_end_with_the_instruments(rulebook, make_scenario):
    action = {"kind": "common_subdivision", "new_shares": 2, "old_shares": 1}
    scenario = make_scenario({"as_of": date(2005, 4, 11), "action": action,
                              "instruments": dict(IN_FORCE)})
    result = evaluate(rulebook, scenario)
    assert result.by_rule("war.4c.subdivision-combination").outcome == "not_applicable"  # void after April 10, 2005
    assert result.by_rule("cod.12d-iii.subdivision-combination").outcome == "consequence"
    scenario = make_scenario({"as_of": date(2005, 4, 10), "action": action, "instruments": dict(IN_FORCE)})
    assert evaluate(rulebook, scenario).by_rule("war.4c.subdivision-combination").outcome == "consequence"


# --- the lint guard -----------------------------------------------------------------------------

def test_a_condition_may_not_compare_with_a_price_an_event_adjusts(rb):
    facts = rb / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    old = "    from: {measure: exceeds, kinds: [exercise], params: {fact: exercise.market_price, parameter: warrant_exercise_price}}"
    assert old in text
    facts.write_text(text.replace(old, "    from: {implied: [{when: {fact: exercise.market_price, op: \">\", "
                                       "value: {param: warrant_exercise_price}}, value: true}]}"), encoding="utf-8")
    result = run("lint", rb)
    assert result.returncode == 2
    assert "parameter 'warrant_exercise_price' is adjusted by the term event" in result.stderr


# --- the calculators ------------------------------------------------------------------------------

def test_convert_reproduces_the_13d_conversion_shares():
    result = run("convert", "--holder", LIBERTY, "--security", "series_a1", "--shares", "50000", "--on", "2000-04-10")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "The conversion of 50,000 shares of Series A-1 Preferred Stock by Liberty Media Corporation on 2000-04-10"
    assert any(line.endswith("17,857,142.86") for line in lines)
    assert any(line.strip().endswith("17,857,143") and "whole shares" in line for line in lines)
    assert any("Conversion Price in effect" in line and line.endswith("$28.00") for line in lines)


def test_convert_after_a_split_uses_the_adjusted_price(tmp_path):
    path = table(tmp_path, "{date: 2001-06-01, kind: common_subdivision, new_shares: 2, old_shares: 1}")
    code, data = run_json("convert", "--holder", LIBERTY, "--security", "series_a1", "--shares", "50000",
                          "--on", "2001-06-04", "--cap-table", path)
    assert code == 0
    conversion = next(f for f in data["findings"] if f["rule"] == "cod.12a.conversion-right")
    assert conversion["figures"]["conversion.conversion_price"] == "$14.00"


@pytest.mark.parametrize("on, code", [("2005-04-10", 0), ("2005-04-11", 1)])
def test_exercise_on_the_last_day_and_the_day_after(on, code):
    result = run("exercise", "--holder", LIBERTY, "--shares", "6666667", "--on", on,
                 "--instrument", "warrant=in_force", "--instrument", "purchase-agreement=in_force",
                 "--instrument", "certificate-of-designation=in_force")
    assert result.returncode == code, result.stdout
    assert "$226,666,678.00" in result.stdout  # 6,666,667 x $34.00, in the aggregate
    assert ("VIOLATION: WAR 2(d), 10" in result.stdout) == (code == 1)


@pytest.mark.parametrize("market, code, delivered", [("40.00", 0, "1,000,000"), ("34.00", 1, None)])
def test_a_net_issue_exercise_delivers_y_times_a_minus_b_over_a(market, code, delivered):
    result = run("exercise", "--holder", LIBERTY, "--shares", "6666667", "--on", "2001-06-01", "--net-issue",
                 "--fair-market-value", market)
    assert result.returncode == code
    issued = [line for line in result.stdout.splitlines() if "shares of Common Stock issued upon the exercise" in line]
    assert (issued[0].split()[-1] if issued else None) == delivered  # 6,666,667 x 6 / 40 = 1,000,000.05


def test_the_calculators_refuse_bad_arguments_in_one_line():
    result = run("exercise", "--holder", LIBERTY, "--shares", "10", "--on", "2001-06-01", "--fair-market-value", "40")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "--fair-market-value: bad-argument: a fair market value is for a net issue exercise: add --net-issue"]
    result = run("convert", "--holder", "Nobody", "--security", "series_a1", "--shares", "10", "--on", "2001-06-01")
    assert result.returncode == 2
    assert "unknown-holder" in result.stderr and "Traceback" not in result.stderr


def test_each_adjustment_finding_names_the_readings_it_rests_on(rulebook, make_scenario):
    split = {"kind": "common_subdivision", "new_shares": 2, "old_shares": 1}
    assert finding(rulebook, make_scenario, split, "cod.12d-iii.subdivision-combination").assumptions == \
        ["A-adj-cent-rounding"]
    assert finding(rulebook, make_scenario, split, "war.4c.subdivision-combination").assumptions == \
        ["A-adj-cent-rounding", "A-adj-warrant-share-rounding", "A-adj-subscription-form-face-number"]
    assert "A-adj-officers-certificate" in finding(rulebook, make_scenario, split, "war.4h.adjustment-notice").assumptions
    dividend = {"kind": "common_stock_dividend", "shares_distributed": 4858204}
    assert finding(rulebook, make_scenario, dividend, "cod.12d-i.stock-dividend").assumptions == \
        ["A-adj-cent-rounding", "A-adj-cod-crossref-viii"]
    assert "A-adj-thresholds-follow-splits" in finding(
        rulebook, make_scenario, split, "cod.8d.thresholds-adjusted-for-splits").assumptions
    assert "A-adj-notice-only-when-adjusted" in finding(
        rulebook, make_scenario, split, "cod.12d-x.adjustment-notice").assumptions
    assert "A-adj-below-market-price-per-share" in finding(
        rulebook, make_scenario, BELOW, "cod.12d-ii-a.below-market-issuance").assumptions


def test_a_change_carried_forward_is_not_an_adjustment_and_needs_no_notice(rulebook, make_scenario):
    # 5,000,000 at $18.00 against $20.00 moves the price 0.9331%: the formula applies, the price does
    # not move yet, and no Officer's Certificate or notice is owed (A-adj-notice-only-when-adjusted).
    action = dict(BELOW, quantity=5000000, price=Decimal("18.00"))
    f = finding(rulebook, make_scenario, action, "cod.12d-ii-a.below-market-issuance")
    assert f.outcome == "consequence"
    assert "not adjusted now: the change (0.9331%) is less than 1% and is carried forward" in f.explanation
    assert finding(rulebook, make_scenario, action, "cod.12d-x.adjustment-notice").outcome == "not_applicable"


@pytest.mark.parametrize("event", [
    "{date: 2001-06-01, kind: spinoff, fair_market_value_per_share: 2.00, current_market_price: 20.00}",
    "{date: 2001-06-01, kind: issuer_exchange_offer, purchased: 4858203, consideration: 150000000, "
    "current_market_price: 20.00, net_income_12_months: 0}",  # a loss is entered as 0: any price exceeds 5% of it
])
def test_a_spinoff_or_exchange_offer_moves_the_exercise_price_only(rulebook, tmp_path, event):
    # A-adj-spinoff-exchange-offer: CoD 12(d)(vi)-(vii) give the Series A an exchange or an offer and
    # leave the Conversion Price alone; WAR 4(d)(i) and 4(e) adjust the Exercise Price.
    cap = load_cap_table(table(tmp_path, event), rulebook)
    deal = rulebook.deal(date(2001, 6, 2), cap.term_events)
    assert deal.parameters["conversion_price"] == Decimal("28.00")
    assert deal.parameters["warrant_exercise_price"] < Decimal("34.00")
    assert cap.holder(LIBERTY).warrants > 6666667  # WAR 4(l): the aggregate Exercise Price kept


def test_the_spinoff_figures(rulebook, tmp_path):
    # (CMP - F) / CMP = 18/20: $34.00 x 0.9 = $30.60; 6,666,667 x 34 / 30.60 = 7,407,407.78 -> 7,407,408.
    cap = load_cap_table(table(tmp_path, "{date: 2001-06-01, kind: spinoff, fair_market_value_per_share: 2.00, "
                                         "current_market_price: 20.00}"), rulebook)
    assert rulebook.deal(date(2001, 6, 2), cap.term_events).parameters["warrant_exercise_price"] == Decimal("30.60")
    assert cap.holder(LIBERTY).warrants == 7407408


def test_the_warrant_rules_follow_the_executed_warrant(rulebook, make_scenario):
    # A-adj-executed-warrant-governs: the executed Warrant's carve-outs (A)-(F), not the filed form's
    # "employee stock options or [...] other rights and warrants outstanding on the date hereof".
    rule = rulebook.rule("war.4b-i.below-market-issuance")
    assert rule.source.document == "warrant"
    assert [e.id for e in rule.exceptions] == ["compensation-plan", "acquisition", "warrants-outstanding",
                                              "series-a-conversion", "automatic-conversion", "already-adjusted"]


def test_common_issued_on_the_closing_warrants_is_within_carve_out_f(rulebook, make_scenario):
    # A-adj-closing-issuances-not-triggers: the Warrants of April 10, 2000 were not "outstanding on
    # the date hereof" of the CoD (April 7); their exercise is within (F), their issuance having
    # required no adjustment.
    action = dict(BELOW, exception="already_adjusted_security")
    f = finding(rulebook, make_scenario, action, "cod.12d-ii-a.below-market-issuance")
    assert (f.outcome, f.exception) == ("not_applicable", "already-adjusted")


@pytest.mark.parametrize("on, deadline", [(date(2001, 6, 1), "2001-06-11"), (date(2005, 4, 10), "2005-04-20")])
def test_an_exercise_obliges_delivery_within_ten_days(rulebook, make_scenario, on, deadline):
    result = evaluate(rulebook, make_scenario({
        "as_of": on, "instruments": dict(IN_FORCE),
        "action": {"kind": "exercise", "holder": LIBERTY, "quantity": 1000, "method": "cash"}}))
    f = result.by_rule("war.3.delivery")
    assert f.outcome == "obligation"
    assert f.figures["exercise.delivery_deadline"] == deadline
    assert "certificates for 1,000 shares of Common Stock by " + deadline in f.explanation


def test_a_refused_or_expired_exercise_delivers_nothing(rulebook, make_scenario):
    refused = evaluate(rulebook, make_scenario({"as_of": date(2001, 6, 1), "action": {
        "kind": "exercise", "holder": LIBERTY, "quantity": 1000, "method": "net_issue", "market_price": Decimal("34.00")}}))
    assert refused.by_rule("war.3.delivery").outcome == "not_applicable"
    expired = evaluate(rulebook, make_scenario({"as_of": date(2005, 4, 11), "instruments": dict(IN_FORCE), "action": {
        "kind": "exercise", "holder": LIBERTY, "quantity": 1000, "method": "cash"}}))
    assert expired.by_rule("war.3.delivery").outcome == "not_applicable"


# --- conversion of shares called for redemption (CoD 12(a), third sentence) -------------------------

CALLED = {"kind": "conversion", "holder": LIBERTY, "security": "series_a1", "quantity": 1000,
          "called_for_redemption": True}


@pytest.mark.parametrize("on, redemption, outcome", [
    (date(2010, 6, 29), date(2010, 6, 30), "permitted"),   # Tuesday, the Business Day next preceding
    (date(2010, 6, 30), date(2010, 6, 30), "cannot_determine"),  # after it: turns on a payment default
    (date(2010, 6, 4), date(2010, 6, 7), "permitted"),     # Redemption Date a Monday: the Friday before
    (date(2010, 6, 5), date(2010, 6, 7), "cannot_determine"),
])
def test_called_shares_convert_until_the_business_day_before_the_redemption_date(rulebook, make_scenario, on,
                                                                                 redemption, outcome):
    result = evaluate(rulebook, make_scenario({"as_of": on, "instruments": dict(IN_FORCE),
                                               "action": dict(CALLED, redemption_date=redemption)}))
    f = result.by_rule("cod.12a.conversion-right-called-shares")
    assert f.outcome == outcome
    if outcome == "cannot_determine":
        assert f.missing == ["conversion.company_defaulted_on_redemption"]


@pytest.mark.parametrize("defaulted, outcome, exception", [(True, "permitted", "company-default"),
                                                           (False, "violation", None)])
def test_a_default_on_the_redemption_payment_keeps_the_right(rulebook, make_scenario, defaulted, outcome, exception):
    action = dict(CALLED, redemption_date=date(2010, 6, 30), company_defaulted_on_redemption=defaulted)
    f = evaluate(rulebook, make_scenario({"as_of": date(2010, 7, 1), "instruments": dict(IN_FORCE),
                                          "action": action})).by_rule("cod.12a.conversion-right-called-shares")
    assert (f.outcome, f.exception) == (outcome, exception)
    if outcome == "violation":
        assert f.figures["conversion.called_shares_right_ends"] == "2010-06-29"


def test_a_call_without_its_redemption_date_cannot_be_decided_and_no_call_is_not_tested(rulebook, make_scenario):
    called = evaluate(rulebook, make_scenario({"as_of": date(2010, 7, 1), "instruments": dict(IN_FORCE),
                                               "action": CALLED})).by_rule("cod.12a.conversion-right-called-shares")
    # Either would decide it: the date (a conversion in time needs no default), or a default.
    assert (called.outcome, called.missing) == ("cannot_determine", ["conversion.redemption_date",
                                                                     "conversion.company_defaulted_on_redemption"])
    plain = {k: v for k, v in CALLED.items() if k != "called_for_redemption"}
    assert evaluate(rulebook, make_scenario({"as_of": date(2010, 7, 1), "instruments": dict(IN_FORCE), "action": plain})
                    ).by_rule("cod.12a.conversion-right-called-shares").outcome == "not_applicable"


def test_a_ten_percent_dividend_in_common(rulebook, make_scenario):
    # 4,858,204 shares on 48,582,035 (O / (O + D) = 48,582,035 / 53,440,239): $28.00 -> $25.45,
    # $34.00 -> $30.91; the A-2 threshold x 53,440,239 / 48,582,035 = 4,517,857.39... -> 4,517,858.
    dividend = {"kind": "common_stock_dividend", "shares_distributed": 4858204}
    assert finding(rulebook, make_scenario, dividend, "cod.12d-i.stock-dividend").figures[
        "adjustment.conversion_price_after"] == "$25.45"
    assert finding(rulebook, make_scenario, dividend, "war.4a.stock-dividend").figures[
        "adjustment.exercise_price_after"] == "$30.91"
    assert finding(rulebook, make_scenario, dividend, "cod.8d.thresholds-adjusted-for-splits").figures[
        "adjustment.a2_director_threshold_after"] == "4,517,858"


def test_a_conversion_takes_effect_at_the_close_of_business_on_the_day_of_surrender(rulebook, make_scenario):
    action = {"kind": "conversion", "holder": LIBERTY, "security": "series_a1", "quantity": 50000}
    f = evaluate(rulebook, make_scenario({"as_of": date(2000, 4, 10), "action": action})).by_rule(
        "cod.12b.conversion-effective-time")
    assert f.outcome == "consequence"
    assert "record holder of the 17,857,143 shares of Common Stock from then" in f.explanation
    late = evaluate(rulebook, make_scenario({"as_of": date(2015, 6, 30), "instruments": dict(IN_FORCE),
                                             "action": action})).by_rule("cod.12b.conversion-effective-time")
    assert late.outcome == "not_applicable"  # the right expired on 2015-06-29: nothing is converted


@pytest.mark.parametrize("on, outcome", [(date(2010, 6, 29), "consequence"), (date(2010, 6, 30), "not_applicable")])
def test_a_called_share_past_its_last_day_is_not_converted_at_all(rulebook, make_scenario, on, outcome):
    action = dict(CALLED, redemption_date=date(2010, 6, 30), company_defaulted_on_redemption=False)
    result = evaluate(rulebook, make_scenario({"as_of": on, "instruments": dict(IN_FORCE), "action": action}))
    assert result.by_rule("cod.12b.conversion-effective-time").outcome == outcome


# --- the other proposed events, both sides --------------------------------------------------------

@pytest.mark.parametrize("price, outcome, after", [("20.00", "not_applicable", "$28.00"),
                                                   ("19.99", "consequence", "$27.72")])
def test_a_rights_offering_adjusts_only_below_the_current_market_price(rulebook, make_scenario, price, outcome, after):
    # 4,858,204 rights at $19.99 against $20.00: (O + N x 19.99/20) / (O + N) = 0.99995...: 0.0045%,
    # carried forward, so the price stays $28.00 but the rule applies.
    action = {"kind": "rights_offering", "rights_shares": 4858204, "price": Decimal(price),
              "current_market_price": Decimal("20.00")}
    f = finding(rulebook, make_scenario, action, "cod.12d-ii-b.rights-offering")
    assert f.outcome == outcome
    if outcome == "consequence":
        assert f.figures["adjustment.conversion_price_adjusted"] == "no"
        assert "carried forward" in f.explanation
    big = dict(action, price=Decimal("10.00"))  # (O + N/2) / (O + N) = 0.954545...: $28.00 -> $26.73
    assert finding(rulebook, make_scenario, big, "cod.12d-ii-b.rights-offering").figures[
        "adjustment.conversion_price_after"] == "$26.73"
    assert finding(rulebook, make_scenario, big, "war.4b-ii.rights-offering").figures[
        "adjustment.exercise_price_after"] == "$32.45"


@pytest.mark.parametrize("value, outcome", [("20.00", "not_applicable"), ("2.00", "consequence")])
def test_a_distribution_adjusts_only_when_worth_less_than_the_market_price(rulebook, make_scenario, value, outcome):
    action = {"kind": "distribution", "fair_market_value_per_share": Decimal(value),
              "current_market_price": Decimal("20.00")}
    cod = finding(rulebook, make_scenario, action, "cod.12d-iv.distribution")
    war = finding(rulebook, make_scenario, action, "war.4d-i.distribution")
    assert (cod.outcome, war.outcome) == (outcome, outcome)
    if outcome == "consequence":  # (CMP - F) / CMP = 18/20
        assert (cod.figures["adjustment.conversion_price_after"], war.figures["adjustment.exercise_price_after"]) == \
            ("$25.20", "$30.60")


@pytest.mark.parametrize("value, adjusts, in_kind", [
    ("19.99", "consequence", "not_applicable"),  # a cent under the Current Market Price: the formula
    ("20.00", "not_applicable", "obligation"),  # equal to it: the proviso, provision in kind instead
    ("35.00", "not_applicable", "obligation"),
])
def test_a_distribution_worth_the_market_price_or_more_is_provided_for_in_kind(rulebook, make_scenario, value,
                                                                                adjusts, in_kind):
    # CoD 12(d)(iv) and WAR 4(d)(i), proviso: "is equal to or greater than the Current Market Price
    # [...] in lieu of the foregoing adjustment, adequate provision shall be made".
    action = {"kind": "distribution", "fair_market_value_per_share": Decimal(value),
              "current_market_price": Decimal("20.00")}
    outcomes = {rule: finding(rulebook, make_scenario, action, rule).outcome for rule in (
        "cod.12d-iv.distribution", "war.4d-i.distribution", "cod.12d-iv.distribution-in-kind",
        "war.4d-i.distribution-in-kind")}
    assert outcomes == {"cod.12d-iv.distribution": adjusts, "war.4d-i.distribution": adjusts,
                        "cod.12d-iv.distribution-in-kind": in_kind, "war.4d-i.distribution-in-kind": in_kind}
    if in_kind == "obligation":
        f = finding(rulebook, make_scenario, action, "cod.12d-iv.distribution-in-kind")
        assert f.explanation.startswith(f"The distribution is worth ${value} per share of Common Stock, not less "
                                        "than the Current Market Price of $20.00 on the Common Stock Record Date: "
                                        "the Conversion Price does not move")
        w = finding(rulebook, make_scenario, action, "war.4d-i.distribution-in-kind")
        assert "the Exercise Price does not move" in w.explanation and w.section == "4(d)(i)"


def test_a_distribution_whose_value_is_not_stated_cannot_be_provided_for_or_adjusted(rulebook, make_scenario):
    action = {"kind": "distribution", "current_market_price": Decimal("20.00")}
    for rule in ("cod.12d-iv.distribution", "cod.12d-iv.distribution-in-kind", "war.4d-i.distribution-in-kind"):
        f = finding(rulebook, make_scenario, action, rule)
        assert f.outcome == "cannot_determine" and "adjustment.fair_market_value_per_share" in f.missing, rule


def test_a_split_that_changes_nothing_adjusts_nothing(rulebook, make_scenario):
    action = {"kind": "common_subdivision", "new_shares": 3, "old_shares": 3}
    for rule in ("cod.12d-iii.subdivision-combination", "cod.8d.thresholds-adjusted-for-splits",
                 "cod.12d-x.adjustment-notice"):
        assert finding(rulebook, make_scenario, action, rule).outcome == "not_applicable", rule


@pytest.mark.parametrize("on, outcome", [(date(2015, 6, 29), "consequence"), (date(2015, 6, 30), "not_applicable")])
def test_the_conversion_price_adjusts_until_the_conversion_right_expires(rulebook, make_scenario, on, outcome):
    scenario = make_scenario({"as_of": on, "instruments": dict(IN_FORCE),
                              "action": {"kind": "common_subdivision", "new_shares": 2, "old_shares": 1}})
    assert evaluate(rulebook, scenario).by_rule("cod.12d-iii.subdivision-combination").outcome == outcome


def test_the_calculators_take_a_terminated_instrument():
    result = run("exercise", "--holder", LIBERTY, "--shares", "1000", "--on", "2003-06-02",
                 "--instrument", "warrant=terminated:2003-01-01", "--instrument", "purchase-agreement=in_force",
                 "--instrument", "certificate-of-designation=in_force")
    assert (result.returncode, result.stderr) == (1, "")
    # The Warrant stated terminated: the exercise itself is refused (A-exercise-needs-instrument-in-force);
    # none of the Warrant's other provisions decides anything, and no Common is counted after it.
    listed = [line for line in result.stdout.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert listed == ["1. VIOLATION: WAR 2(d), A Warrant that has terminated cannot be exercised",
                      "2. permitted: PA 6.6(a), Liberty standstill - 37% cap on beneficial ownership before the "
                      "fifth anniversary"]
    assert not re.search(r"^\s+the shares of Common Stock issued upon the exercise\s+[\d,]+$", result.stdout, re.M)


def test_a_mixed_distribution_is_the_distribution_first_then_the_dividend_in_common(rulebook, tmp_path):
    # A-adj-mixed-distribution (CoD 12(d)(iv) fourth paragraph; WAR 4(d)(iv)): assets worth $2.00 a
    # share against a $20.00 Current Market Price, with 10% in Common, on one record date.
    # Distribution first: $28.00 x 18/20 = $25.20; $34.00 x 18/20 = $30.60. Then the dividend,
    # O / (O + D) = 48,582,035 / 53,440,239: $25.20 -> $22.909... = $22.91; $30.60 -> $27.818... = $27.82.
    cap = load_cap_table(table(
        tmp_path,
        "{date: 2001-06-01, kind: distribution, fair_market_value_per_share: 2.00, current_market_price: 20.00}",
        "{date: 2001-06-01, kind: common_stock_dividend, shares_distributed: 4858204}"), rulebook)
    deal = rulebook.deal(date(2001, 6, 2), cap.term_events)
    assert (deal.parameters["conversion_price"], deal.parameters["warrant_exercise_price"]) == \
        (Decimal("22.91"), Decimal("27.82"))
    # The distribution alone stops at $25.20: the dividend's factor is applied to that price.
    single = load_cap_table(table(
        tmp_path, "{date: 2001-06-01, kind: distribution, fair_market_value_per_share: 2.00, "
                  "current_market_price: 20.00}"), rulebook)
    assert rulebook.deal(date(2001, 6, 2), single.term_events).parameters["conversion_price"] == Decimal("25.20")


# --- the Spinoff and the Exchange Offer (CoD 12(d)(vi)-(vii); WAR 4(d)(i)) ------------------------

SPINOFF = {"kind": "spinoff", "fair_market_value_per_share": Decimal("2.00"), "current_market_price": Decimal("20.00")}
EXCHANGE = {"kind": "exchange_offer", "by": "subsidiary", "for_common_stock": True, "largest_holder_pct_after": 35}


def test_a_spinoff_gives_the_series_a_its_exchange_right_and_moves_the_exercise_price_only(rulebook, make_scenario):
    result = evaluate(rulebook, make_scenario({"as_of": date(2001, 6, 1), "action": dict(SPINOFF)}))
    exchange = result.by_rule("cod.12d-vi.spinoff-exchange")
    assert exchange.outcome == "obligation"
    # LP + accrued on June 1, 2001: the same $10,947.14 a conversion that day divides by the price.
    assert exchange.figures["spinoff.value_per_share"] == "$10,947.14"
    assert "A-spinoff-exchange-terms-later" in str(exchange.assumptions)
    warrant = result.by_rule("war.4d-i.distribution")
    assert warrant.outcome == "consequence"
    assert (warrant.figures["adjustment.exercise_price_before"], warrant.figures["adjustment.exercise_price_after"]) \
        == ("$34.00", "$30.60")
    # O is the Spinoff's own, though the Spinoff does not move the Conversion Price.
    assert "O being the 48,582,035 shares of Common Stock outstanding immediately before" in warrant.explanation
    # A Spinoff is outside CoD 12(d)(iv): no Conversion Price rule speaks.
    assert result.by_rule("cod.12d-iv.distribution").outcome == "not_applicable"
    assert result.by_rule("cod.12d-x.adjustment-notice").outcome == "not_applicable"


@pytest.mark.parametrize("value, outcome", [("19.99", "consequence"), ("20.00", "not_applicable")])
def test_a_spinoff_worth_the_market_price_or_more_does_not_move_the_exercise_price(rulebook, make_scenario, value,
                                                                                  outcome):
    action = dict(SPINOFF, fair_market_value_per_share=Decimal(value))
    assert finding(rulebook, make_scenario, action, "war.4d-i.distribution").outcome == outcome


@pytest.mark.parametrize("on, series_a, warrant", [
    (date(2005, 4, 10), "obligation", "consequence"),
    (date(2005, 4, 11), "obligation", "not_applicable"),    # the Warrant has expired
    (date(2015, 6, 29), "obligation", "not_applicable"),
    (date(2015, 6, 30), "not_applicable", "not_applicable"),  # the conversion right has expired
])
def test_the_spinoff_rules_end_with_their_instruments(rulebook, make_scenario, on, series_a, warrant):
    result = evaluate(rulebook, make_scenario({"as_of": on, "action": dict(SPINOFF), "instruments": dict(IN_FORCE)}))
    assert result.by_rule("cod.12d-vi.spinoff-exchange").outcome == series_a
    assert result.by_rule("war.4d-i.distribution").outcome == warrant


@pytest.mark.parametrize("change, outcome", [
    ({}, "obligation"),
    ({"by": "company"}, "obligation"),
    ({"by": "third_party"}, "not_applicable"),       # not an issuer tender offer
    ({"for_common_stock": False}, "not_applicable"),
    ({"kind": "tender_offer"}, "not_applicable"),    # a cash tender offer adjusts under 12(d)(v) instead
])
def test_an_exchange_offer_by_the_company_or_a_subsidiary_owes_the_mirror_offer(rulebook, make_scenario, change,
                                                                             outcome):
    f = finding(rulebook, make_scenario, dict(EXCHANGE, **change), "cod.12d-vii.exchange-offer-mirror",
                on=date(2001, 11, 1))
    assert f.outcome == outcome
    if outcome == "obligation":
        assert f.figures["mirror.value_per_share"] == "$11,316.97"
        assert "No adjustment to the Conversion Price is made" in f.trace_explanation
        assert "A-exchange-offer-is-for-securities" in str(f.assumptions)


def test_an_exchange_offer_without_who_makes_it_cannot_be_decided(rulebook, make_scenario):
    action = {k: v for k, v in EXCHANGE.items() if k != "by"}
    f = finding(rulebook, make_scenario, action, "cod.12d-vii.exchange-offer-mirror", on=date(2001, 11, 1))
    assert (f.outcome, f.missing) == ("cannot_determine", ["offer.by"])


def test_a_rights_plan_is_a_distribution_from_its_dilution_trigger_event_only(rulebook, tmp_path):
    # A-adj-rights-plan-on-trigger (CoD 12(d)(iv) second paragraph, WAR 4(d)(ii)): a plan adopted
    # on 2001-03-01 is not entered; its rights become distributable on the Dilution Trigger Event
    # of 2002-03-01, entered then as a distribution worth $2.00 a share against $20.00. The prices
    # hold until the day after the trigger ($28.00, $34.00) and are 18/20 of them from then.
    cap = load_cap_table(table(tmp_path, "{date: 2002-03-01, kind: distribution, fair_market_value_per_share: 2.00, "
                                         "current_market_price: 20.00}"), rulebook)
    prices = {on: (rulebook.deal(on, cap.term_events).parameters["conversion_price"],
                   rulebook.deal(on, cap.term_events).parameters["warrant_exercise_price"])
              for on in (date(2001, 3, 2), date(2002, 3, 1), date(2002, 3, 2))}
    assert prices == {date(2001, 3, 2): (Decimal("28.00"), Decimal("34.00")),
                      date(2002, 3, 1): (Decimal("28.00"), Decimal("34.00")),
                      date(2002, 3, 2): (Decimal("25.20"), Decimal("30.60"))}
    for rule in ("cod.12d-iv.distribution", "war.4d-i.distribution"):
        assert "A-adj-rights-plan-on-trigger" in rulebook.rule(rule).assumptions
    reading = rulebook.assumptions["A-adj-rights-plan-on-trigger"]
    assert "deemed not to have been distributed" in reading.source.quote and reading.alternative
