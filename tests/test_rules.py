"""The ICG 2000 rulebook on the durable_rules engine: each rule on both sides of every threshold
and date edge, with the exact figures behind each outcome.

Constructed cap tables put the PA 6.6 standstill denominator on a round number, so that every
boundary quantity can be checked by hand. The figures they rest on (calc.py, checked in
test_calc.py), all for the closing holdings of Schedule I as amended:

  Series A converted on the fifth anniversary (2005-04-10), one conversion per holder:
    Liberty's 50,000 Series A-1                      26,541,597 Common
    all 75,000 Series A issued at closing (deemed)   39,812,395 Common
    the six HMTF holders' 23,000 Series A-2          12,209,134 Common
    Gleacher's 2,000 Series A-3                       1,061,664 Common
  Warrant shares: Liberty 6,666,667; HMTF 3,066,667; Gleacher 266,666.

  Standstill numerator (no Common held):  Liberty 26,541,597 + 6,666,667 = 33,208,264
                                          HMTF    12,209,134 + 3,066,667 = 15,275,801
                                          Gleacher 1,061,664 +   266,666 =  1,328,330
  Standstill denominator: Common outstanding + 39,812,395 + the group's own Warrant shares.

  Voting power (CoD 8(b)/8(e)), Series A as converted on the day:
    2000-05-01  Liberty 17,940,476; all Series A 26,910,715
    2003-06-02  Liberty 22,919,207; HMTF 10,542,835; all Series A 34,378,810
"""

from __future__ import annotations

from dataclasses import replace

from datetime import date
from fractions import Fraction

import pytest
from deal import (
    stated_after_plan,
    CLOSING_FILE,
    COD_4,
    COD_8B,
    COD_8CI,
    COD_12I_A1,
    COD_12I_A2,
    COD_15,
    FIFTH_ANNIVERSARY,
    GLEACHER,
    GLEACHER_RULE,
    HMTF_BRIDGE,
    HMTF_RULE,
    JUNE_2003,
    LIBERTY,
    LIBERTY_RULE,
    NON_QT,
    PA_65,
    PA_65_NOTICE,
    QT,
    ROOT,
    SCENARIOS,
)

from clausewise import calc
from clausewise.conditions import atoms
from clausewise.evaluate import evaluate, headroom
from clausewise.facts import display_fact
from clausewise.position import group_headroom, market_purchase, positions
from clausewise.scenario import load_scenario
from clausewise.yamlio import load_yaml

CASES = ROOT / "rules" / "icg-2000" / "tests"


def purchase(buyer: str, quantity: int, as_of: date, security: str = "common", seller: str = "market",
             cap_table=None) -> dict:
    data = {"as_of": as_of,
            "action": {"kind": "purchase", "buyer": buyer, "security": security, "quantity": quantity,
                       "seller": seller}}
    if cap_table is not None:
        data["cap_table"] = cap_table
    return stated_after_plan(data)


def cap(common_outstanding: int, holders: list | None = None) -> dict:
    """The closing cap table with Common outstanding (and some holdings) replaced."""
    return {"file": CLOSING_FILE, "common_outstanding": common_outstanding, "holders": holders or []}


def run(rulebook, make_scenario, data: dict):
    return evaluate(rulebook, make_scenario(data))


def basis(rulebook, scenario, group: str) -> calc.Ownership:
    """The standstill basis of the scenario's cap table before the action."""
    return calc.standstill_basis(rulebook.terms(), scenario.cap_table, group, scenario.as_of,
                                 rulebook.deal().issued_at_closing("series_a"))


def votes(rulebook, scenario, group: str) -> calc.Ownership:
    return calc.voting_power(rulebook.terms(), scenario.cap_table, group, scenario.as_of)


# --- 1. PA 6.6(a): the Liberty standstill ----------------------------------------------------

# Liberty holds 1,000,000 Common besides its Schedule I securities; Common outstanding
# 53,520,938. Standstill denominator: 53,520,938 + 39,812,395 + 6,666,667 = 100,000,000, so 37%
# is exactly 37,000,000 shares. Numerator before: 1,000,000 + 26,541,597 + 6,666,667 = 34,208,264.
# A market purchase adds to the numerator only: 37,000,000 - 34,208,264 = 2,791,736 shares reach
# exactly 37.0000%. Voting on 2003-06-02: (1,000,000 + 22,919,207 + q) over
# (53,520,938 + 34,378,810) = 87,899,748, about 30.4% > 25.1%, so the safe harbor cannot help.
LIBERTY_37_CAP = cap(53_520_938, [{"name": LIBERTY, "common": 1_000_000}])
LIBERTY_AT_37 = 2_791_736


def test_constructed_liberty_basis_is_exactly_the_hand_figures(rulebook, make_scenario):
    scenario = make_scenario(purchase(LIBERTY, 1, JUNE_2003, cap_table=LIBERTY_37_CAP))
    before = basis(rulebook, scenario, "liberty")
    assert (before.shares, before.denominator) == (34_208_264, 100_000_000)
    assert 37 * before.denominator / 100 - before.shares == LIBERTY_AT_37
    voting = votes(rulebook, scenario, "liberty")
    assert (voting.shares, voting.denominator) == (23_919_207, 87_899_748)


@pytest.mark.parametrize("quantity, outcome, shares_after, pct_after, voting_after", [
    # 34,208,264 + 2,791,736 = 37,000,000 of 100,000,000: 37% is not "more than 37%".
    (LIBERTY_AT_37, "permitted", 37_000_000, Fraction(37), Fraction(100 * 26_710_943, 87_899_748)),
    # One share more: 37,000,001 / 100,000,000 = 37.000001%.
    (LIBERTY_AT_37 + 1, "violation", 37_000_001, Fraction(37_000_001, 1_000_000),
     Fraction(100 * 26_710_944, 87_899_748)),
])
def test_liberty_market_purchase_at_and_over_37_percent(rulebook, make_scenario, quantity, outcome, shares_after,
                                                        pct_after, voting_after):
    result = run(rulebook, make_scenario, purchase(LIBERTY, quantity, JUNE_2003, cap_table=LIBERTY_37_CAP))
    finding = result.by_rule(LIBERTY_RULE)
    assert finding.outcome == outcome
    assert finding.exception is None
    assert result.facts["standstill.shares_after"] == shares_after
    assert result.facts["standstill.denominator_after"] == 100_000_000
    assert result.facts["standstill.pct_after"] == pct_after
    assert result.facts["standstill.pct_before"] == Fraction(34_208_264, 1_000_000)
    assert result.facts["voting_power.pct_after"] == voting_after
    # At the cap 4 places show it; one share over, 4 places would read "37.0000%" beside "more than
    # 37%", so the figure is shown to the places that put it above the cap.
    assert finding.figures["standstill.pct_after"] == ("37.0000%" if outcome == "permitted" else "37.000001%")
    assert finding.figures["standstill.shares_after"] == f"{shares_after:,}"
    assert finding.figures["standstill.denominator_after"] == "100,000,000"
    assert finding.figures["voting_power.pct_after"] == "30.3880%"
    if outcome == "permitted":
        assert finding.trace_explanation == ("Permitted: the condition of PA 6.6(a) is not met "
                                       "(standstill.pct_after is 37.0000%, not > 37.0000%).")
        assert result.blocked is False
    else:
        assert finding.trace_explanation == (
            "After this acquisition the Liberty Holders would beneficially own 37.000001% of the Common Stock "
            "on the PA 6.6 basis (before: 34.2083%), above the 37% cap, and would hold 30.3880% of the "
            "voting power, above the 25.1% safe harbor.")
        assert result.blocked is True


# Safe harbor (as in samples/scenarios/liberty-buys-1m-2000-safe-harbor.yaml): Liberty holds
# 9,666,667 Warrant shares (3,000,000 more than Schedule I) and Common outstanding is
# 48,089,285, on 2000-05-01. Voting: 48,089,285 + 26,910,715 = 75,000,000 votes; 25.1% of that is
# 18,825,000; Liberty has 17,940,476, so a purchase of 18,825,000 - 17,940,476 = 884,524 lands on
# exactly 25.1%. Standstill then: (26,541,597 + 9,666,667 + 884,524) = 37,092,788 over
# (48,089,285 + 39,812,395 + 9,666,667) = 97,568,347, about 38.02% > 37%: only the safe harbor saves it.
SAFE_HARBOR_CAP = cap(48_089_285, [{"name": LIBERTY, "warrants": 9_666_667}])
SAFE_HARBOR_DATE = date(2000, 5, 1)
AT_25_1 = 884_524


def test_constructed_safe_harbor_figures(rulebook, make_scenario):
    scenario = make_scenario(purchase(LIBERTY, 1, SAFE_HARBOR_DATE, cap_table=SAFE_HARBOR_CAP))
    voting = votes(rulebook, scenario, "liberty")
    assert (voting.shares, voting.denominator) == (17_940_476, 75_000_000)
    assert Fraction(251, 1000) * voting.denominator - voting.shares == AT_25_1
    before = basis(rulebook, scenario, "liberty")
    assert (before.shares, before.denominator) == (36_208_264, 97_568_347)


@pytest.mark.parametrize("quantity, outcome, exception, voting_after", [
    # 17,940,476 + 884,524 = 18,825,000 of 75,000,000 = 25.1% exactly: "does not exceed 25.1%".
    (AT_25_1, "permitted", "voting-power-safe-harbor", Fraction(251, 10)),
    # 18,825,001 / 75,000,000 = 25.1000013...%: the safe harbor is lost.
    (AT_25_1 + 1, "violation", None, Fraction(100 * 18_825_001, 75_000_000)),
])
def test_liberty_voting_power_safe_harbor_at_and_over_25_1_percent(rulebook, make_scenario, quantity, outcome,
                                                                   exception, voting_after):
    result = run(rulebook, make_scenario, purchase(LIBERTY, quantity, SAFE_HARBOR_DATE, cap_table=SAFE_HARBOR_CAP))
    finding = result.by_rule(LIBERTY_RULE)
    assert (finding.outcome, finding.exception) == (outcome, exception)
    assert result.facts["voting_power.pct_after"] == voting_after
    assert result.facts["standstill.shares_after"] == 36_208_264 + quantity
    assert result.facts["standstill.denominator_after"] == 97_568_347
    assert result.facts["standstill.pct_after"] == Fraction(100 * (36_208_264 + quantity), 97_568_347)
    assert finding.figures["standstill.pct_after"] == "38.0172%"
    # 25.1000013...% is shown above the 25.1% harbor (25.100001%), 25.1% exactly as 25.1000%.
    assert finding.figures["voting_power.pct_after"] == ("25.1000%" if exception else "25.100001%")


def test_purchase_from_the_company_is_excepted_and_both_exceptions_are_named(rulebook, make_scenario):
    # Newly issued Common raises the outstanding: standstill (36,208,264 + 884,524) over
    # (97,568,347 + 884,524) = 37,092,788 / 98,452,871 > 37%; voting 18,825,000 over 75,884,524 < 25.1%.
    result = run(rulebook, make_scenario,
                 purchase(LIBERTY, AT_25_1, SAFE_HARBOR_DATE, seller="company", cap_table=SAFE_HARBOR_CAP))
    finding = result.by_rule(LIBERTY_RULE)
    assert (finding.outcome, finding.exception) == ("permitted", "from-the-company")
    assert result.facts["standstill.pct_after"] == Fraction(100 * 37_092_788, 98_452_871)
    assert result.facts["voting_power.pct_after"] == Fraction(100 * 18_825_000, 75_884_524)
    assert finding.trace_explanation.startswith("Permitted under exception 'from-the-company' (PA 6.6(a): ")
    assert "; exception 'voting-power-safe-harbor' (PA 6.6(a): " in finding.trace_explanation


@pytest.mark.parametrize("seller, outcome, exception, denominator", [
    # From the Company: 33,208,264 + 5,000,000 = 38,208,264 over 95,061,097 + 5,000,000 = 100,061,097.
    ("company", "permitted", "from-the-company", 100_061_097),
    # The same 5,000,000 in the market: 38,208,264 / 95,061,097 = 40.19%, voting about 30.3% in 2003.
    ("market", "violation", None, 95_061_097),
])
def test_liberty_buys_5m_from_the_company_or_the_market(rulebook, make_scenario, seller, outcome, exception,
                                                        denominator):
    result = run(rulebook, make_scenario, purchase(LIBERTY, 5_000_000, JUNE_2003, seller=seller))
    finding = result.by_rule(LIBERTY_RULE)
    assert (finding.outcome, finding.exception) == (outcome, exception)
    assert result.facts["standstill.shares_after"] == 38_208_264
    assert result.facts["standstill.denominator_after"] == denominator
    assert finding.figures["action.seller"] == seller


@pytest.mark.parametrize("as_of, outcome, reason, voting_after", [
    # The Closing Date itself: in force. Voting 17,857,143 + 5,000,000 over 75,367,751.
    (date(2000, 4, 10), "violation", None, Fraction(100 * 22_857_143, 75_367_751)),
    # The day before the fifth anniversary: still "prior to" it.
    (date(2005, 4, 9), "violation", None, Fraction(100 * 31_535_711, 88_385_602)),
    # The fifth anniversary: no longer in force, whatever the figures.
    (FIFTH_ANNIVERSARY, "not_applicable", "not_in_force", Fraction(100 * 31_541_597, 88_394_430)),
])
def test_liberty_standstill_date_edges(rulebook, make_scenario, as_of, outcome, reason, voting_after):
    # 5,000,000 in the market on the closing cap table: 38,208,264 / 95,061,097 = 40.1934% on every date
    # (Warrants still count on 2005-04-10, the expiry date).
    result = run(rulebook, make_scenario, purchase(LIBERTY, 5_000_000, as_of))
    finding = result.by_rule(LIBERTY_RULE)
    assert (finding.outcome, finding.reason) == (outcome, reason)
    assert result.facts["standstill.pct_after"] == Fraction(100 * 38_208_264, 95_061_097)
    assert result.facts["voting_power.pct_after"] == voting_after
    assert finding.figures["standstill.pct_after"] == "40.1934%"
    if reason == "not_in_force":
        assert finding.explanation == "Not in force on 2005-04-10: PA 6.6(a) applies from 2000-04-10, before 2005-04-10."
        for rule in (HMTF_RULE, GLEACHER_RULE):
            assert result.by_rule(rule).reason == "not_in_force"


# Warrants are "securities convertible into or exchangeable for" Common. Liberty holds 791,736
# Common; Common outstanding 50,520,938. Numerator 791,736 + 26,541,597 + 6,666,667 = 34,000,000;
# denominator 50,520,938 + 39,812,395 + 6,666,667 = 97,000,000. Bought Warrant shares enter both:
# (34,000,000 + 3,000,000) / (97,000,000 + 3,000,000) = 37/100 exactly. With 3,000,001:
# 100 x 37,000,001 = 3,700,000,100 > 37 x 100,000,001 = 3,700,000,037, so above 37%.
# Warrants carry no vote: voting stays 23,710,943 / 84,899,748, about 27.9% > 25.1%.
WARRANT_CAP = cap(50_520_938, [{"name": LIBERTY, "common": 791_736}])


@pytest.mark.parametrize("quantity, outcome, pct_after", [
    (3_000_000, "permitted", Fraction(37)),
    (3_000_001, "violation", Fraction(100 * 37_000_001, 100_000_001)),
])
def test_liberty_warrant_purchase_counts_at_and_over_37_percent(rulebook, make_scenario, quantity, outcome,
                                                                pct_after):
    scenario = make_scenario(purchase(LIBERTY, quantity, JUNE_2003, security="warrant", cap_table=WARRANT_CAP))
    before = basis(rulebook, scenario, "liberty")
    assert (before.shares, before.denominator) == (34_000_000, 97_000_000)
    result = evaluate(rulebook, scenario)
    assert result.by_rule(LIBERTY_RULE).outcome == outcome
    assert result.facts["standstill.pct_after"] == pct_after
    assert result.facts["standstill.denominator_after"] == 97_000_000 + quantity
    assert result.facts["voting_power.pct_after"] == Fraction(100 * 23_710_943, 84_899_748)


@pytest.mark.parametrize("security, seller, quantity, outcome, shares_after", [
    # Liberty's 50,000 A-1 + 11,500 A-2 converted together on 2005-04-10: 32,646,164, + 6,666,667.
    ("series_a2", HMTF_BRIDGE, 11_500, "violation", 39_312_831),
    # 50,000 A-1 + 2,000 A-3 together: 27,603,260, + 6,666,667 = 34,269,927 (36.0504%).
    ("series_a3", GLEACHER, 2_000, "permitted", 34_269_927),
])
def test_liberty_series_a_purchase_counts_toward_the_standstill(rulebook, make_scenario, security, seller, quantity,
                                                                 outcome, shares_after):
    terms = rulebook.terms()
    assert shares_after == calc.conversion_shares(terms, 50_000 + quantity, FIFTH_ANNIVERSARY) + 6_666_667
    result = run(rulebook, make_scenario, purchase(LIBERTY, quantity, JUNE_2003, security=security, seller=seller))
    finding = result.by_rule(LIBERTY_RULE)
    assert finding.outcome == outcome
    assert finding.reason is None
    assert result.facts["action.convertible_into_common"] is True
    assert result.facts["standstill.shares_after"] == shares_after
    # Already-issued Series A is in the deemed-conversion denominator: it does not move.
    assert result.facts["standstill.denominator_after"] == 95_061_097
    assert result.facts["standstill.pct_before"] == Fraction(100 * 33_208_264, 95_061_097)


@pytest.mark.parametrize("buyer, group", [(HMTF_BRIDGE, "hmtf"), (GLEACHER, "gleacher")])
def test_other_groups_purchases_are_outside_the_liberty_standstill(rulebook, make_scenario, buyer, group):
    result = run(rulebook, make_scenario, purchase(buyer, 1_000_000, JUNE_2003))
    finding = result.by_rule(LIBERTY_RULE)
    assert (finding.outcome, finding.reason) == ("not_applicable", "not_this_party")
    assert finding.trace_explanation == f"Does not apply to this action: acquirer.group is {group}, not liberty."


# --- 2. PA 6.6(b) HMTF 17.5% and 6.6(c) Gleacher 3%: no safe harbor -------------------------

# HMTF: Common outstanding 57,120,938; denominator 57,120,938 + 39,812,395 + 3,066,667 =
# 100,000,000; 17.5% = 17,500,000; 17,500,000 - 15,275,801 = 2,224,199.
# Voting with one share more (2003-06-02): (10,542,835 + 2,224,200) = 12,767,035 over
# (57,120,938 + 34,378,810) = 91,499,748, about 13.95%: well under 25.1%, yet 6.6(b) has no harbor.
HMTF_CAP = cap(57_120_938)
HMTF_AT_CAP = 2_224_199
# Gleacher: Common outstanding 59,920,939; denominator 59,920,939 + 39,812,395 + 266,666 =
# 100,000,000; 3% = 3,000,000; 3,000,000 - 1,328,330 = 1,671,670.
GLEACHER_CAP = cap(59_920_939)
GLEACHER_AT_CAP = 1_671_670


@pytest.mark.parametrize("buyer, group, table, numerator", [
    (HMTF_BRIDGE, "hmtf", HMTF_CAP, 15_275_801),
    (GLEACHER, "gleacher", GLEACHER_CAP, 1_328_330),
])
def test_constructed_hmtf_and_gleacher_bases(rulebook, make_scenario, buyer, group, table, numerator):
    before = basis(rulebook, make_scenario(purchase(buyer, 1, JUNE_2003, cap_table=table)), group)
    assert (before.shares, before.denominator) == (numerator, 100_000_000)


@pytest.mark.parametrize("buyer, rule, table, quantity, outcome, shares_after, pct_after, shown", [
    (HMTF_BRIDGE, HMTF_RULE, HMTF_CAP, HMTF_AT_CAP, "permitted", 17_500_000, Fraction(35, 2), "17.5000%"),
    (HMTF_BRIDGE, HMTF_RULE, HMTF_CAP, HMTF_AT_CAP + 1, "violation", 17_500_001,
     Fraction(17_500_001, 1_000_000), "17.500001%"),
    (GLEACHER, GLEACHER_RULE, GLEACHER_CAP, GLEACHER_AT_CAP, "permitted", 3_000_000, Fraction(3), "3.0000%"),
    (GLEACHER, GLEACHER_RULE, GLEACHER_CAP, GLEACHER_AT_CAP + 1, "violation", 3_000_001,
     Fraction(3_000_001, 1_000_000), "3.000001%"),
])
def test_hmtf_and_gleacher_at_and_over_the_cap(rulebook, make_scenario, buyer, rule, table, quantity, outcome,
                                               shares_after, pct_after, shown):
    result = run(rulebook, make_scenario, purchase(buyer, quantity, JUNE_2003, cap_table=table))
    finding = result.by_rule(rule)
    assert (finding.outcome, finding.exception) == (outcome, None)
    assert result.facts["standstill.shares_after"] == shares_after
    assert result.facts["standstill.denominator_after"] == 100_000_000
    assert result.facts["standstill.pct_after"] == pct_after
    assert finding.figures["standstill.pct_after"] == shown
    assert "voting_power.pct_after" not in finding.figures  # no safe harbor to show
    assert result.by_rule(LIBERTY_RULE).reason == "not_this_party"


def test_hmtf_with_low_voting_power_still_violates(rulebook, make_scenario):
    result = run(rulebook, make_scenario, purchase(HMTF_BRIDGE, HMTF_AT_CAP + 1, JUNE_2003, cap_table=HMTF_CAP))
    assert result.facts["voting_power.pct_after"] == Fraction(100 * 12_767_035, 91_499_748)
    assert result.facts["voting_power.pct_after"] < Fraction(251, 10)
    finding = result.by_rule(HMTF_RULE)
    assert finding.outcome == "violation"
    assert finding.trace_explanation == (
        "After this acquisition the HMTF Holders would beneficially own 17.500001% of the Common Stock on the "
        "PA 6.6 basis (before: 15.2758%), above the 17.5% cap. PA 6.6(b) has no voting-power safe harbor.")


@pytest.mark.parametrize("buyer, rule, table, numerator", [
    (HMTF_BRIDGE, HMTF_RULE, HMTF_CAP, 15_275_801),
    (GLEACHER, GLEACHER_RULE, GLEACHER_CAP, 1_328_330),
])
def test_hmtf_and_gleacher_purchases_from_the_company_are_excepted(rulebook, make_scenario, buyer, rule, table,
                                                                   numerator):
    # 5,000,000 newly issued shares enter numerator and denominator: HMTF 20,275,801 / 105,000,000
    # = 19.31% > 17.5%; Gleacher 6,328,330 / 105,000,000 = 6.03% > 3%. Only the exception saves them.
    result = run(rulebook, make_scenario, purchase(buyer, 5_000_000, JUNE_2003, seller="company", cap_table=table))
    finding = result.by_rule(rule)
    assert (finding.outcome, finding.exception) == ("permitted", "from-the-company")
    assert result.facts["standstill.pct_after"] == Fraction(100 * (numerator + 5_000_000), 105_000_000)
    market = run(rulebook, make_scenario, purchase(buyer, 5_000_000, JUNE_2003, cap_table=table)).by_rule(rule)
    assert (market.outcome, market.exception) == ("violation", None)


@pytest.mark.parametrize("as_of, outcome", [(date(2005, 4, 9), "violation"), (FIFTH_ANNIVERSARY, "not_applicable")])
def test_hmtf_and_gleacher_standstills_end_on_the_fifth_anniversary(rulebook, make_scenario, as_of, outcome):
    for buyer, rule, table, quantity in ((HMTF_BRIDGE, HMTF_RULE, HMTF_CAP, HMTF_AT_CAP + 1),
                                         (GLEACHER, GLEACHER_RULE, GLEACHER_CAP, GLEACHER_AT_CAP + 1)):
        finding = run(rulebook, make_scenario, purchase(buyer, quantity, as_of, cap_table=table)).by_rule(rule)
        assert finding.outcome == outcome
        assert finding.reason == (None if outcome == "violation" else "not_in_force")


# --- 3-5. The rulebook's YAML test cases (rules/icg-2000/tests/*.yaml): transfers (PA 6.5, CoD 4,
# CoD 12(i)), legends, and every other file added beside them --------------------------------

RULE_CASES = [case for path in sorted(CASES.glob("*.yaml")) for case in load_yaml(path)]


@pytest.mark.parametrize("case", RULE_CASES, ids=[c["name"] for c in RULE_CASES])
def test_rule_case(rulebook, make_scenario, case):
    rule_ids = [r.id for r in rulebook.rules]
    assert set(case["expect"]) <= set(rule_ids)
    result = evaluate(rulebook, make_scenario(case["scenario"]))
    for finding in result.findings:
        want = case["expect"].get(finding.rule, {"outcome": "not_applicable"})
        assert finding.outcome == want["outcome"], finding.rule
        assert finding.exception == want.get("exception"), finding.rule
        assert finding.missing == list(want.get("missing", [])), finding.rule
        if "reason" in want:
            assert finding.reason == want["reason"], finding.rule
        if "explanation" in want:
            assert finding.trace_explanation == want["explanation"], finding.rule
        for name, shown in want.get("figures", {}).items():
            assert finding.figures[name] == shown, (finding.rule, name)


def test_the_notice_duty_lists_only_the_agreement_as_missing_for_a_group_member_transferee(rulebook, make_scenario):
    # Liberty ICOMM is in the Liberty Group, so it is a Permitted Transferee by limb (ii) whatever the
    # other flags say; with a Rule 144 basis the transfer is permitted under 6.5(b)(i), and whether
    # it must be notified turns on the agreement alone.
    result = run(rulebook, make_scenario, {
        "as_of": date(2001, 6, 1),
        "action": {"kind": "transfer", "from": LIBERTY, "to": {"name": "Liberty ICOMM, Inc.", "group": "liberty"},
                   "security": "series_a1", "quantity": 1000, "basis": "rule_144",
                   "rule144_resale_available": True}})
    finding = result.by_rule(PA_65)
    assert (finding.outcome, finding.exception, finding.missing) == ("permitted", "rule-144", [])
    assert result.by_rule(PA_65_NOTICE).outcome == "cannot_determine"
    assert result.by_rule(PA_65_NOTICE).missing == ["transfer.permitted_transferee_agreement"]


def test_pa_6_5_missing_is_the_agreement_and_the_basis_when_neither_is_stated(rulebook, make_scenario):
    result = run(rulebook, make_scenario, {
        "as_of": date(2001, 6, 1),
        "action": {"kind": "transfer", "from": LIBERTY, "to": {"name": "Liberty ICOMM, Inc.", "group": "liberty"},
                   "security": "series_a1", "quantity": 1000, "rule144_resale_available": True}})
    finding = result.by_rule(PA_65)
    assert finding.outcome == "cannot_determine"
    assert finding.missing == ["transfer.permitted_transferee_agreement", "transfer.basis"]


def test_buying_series_a2_from_an_hmtf_holder_triggers_the_a3_conversion(rulebook, make_scenario):
    result = run(rulebook, make_scenario, purchase(LIBERTY, 11_500, JUNE_2003, security="series_a2",
                                                   seller=HMTF_BRIDGE))
    assert result.by_rule(COD_12I_A2).outcome == "obligation"


# --- 6. One action, several rules -------------------------------------------------------------


def test_liberty_sells_a1_to_hmtf_fires_three_rules_with_their_figures(rulebook, make_scenario):
    result = run(rulebook, make_scenario, {
        "as_of": date(2001, 6, 1),
        "action": {"kind": "transfer", "from": LIBERTY, "to": HMTF_BRIDGE, "security": "series_a1",
                   "quantity": 10_000, "basis": "exempt", "permitted_transferee_agreement": False}})
    outcomes = {f.rule: (f.outcome, f.exception) for f in result.findings if f.outcome != "not_applicable"}
    assert outcomes == {
        PA_65: ("permitted", "exempt"),
        HMTF_RULE: ("violation", None),
        COD_4: ("permitted", "exempt"),
        COD_12I_A1: ("obligation", None),
    }
    # HMTF Bridge now converts 11,500 A-2 + 10,000 A-1 together on 2005-04-10: 11,412,887 instead of
    # 6,104,567 for its 11,500 alone, so 15,275,801 - 6,104,567 + 11,412,887 = 20,584,121, over the
    # unchanged 91,461,097 (48,582,035 + 39,812,395 + HMTF's 3,066,667 Warrant shares).
    terms = rulebook.terms()
    assert 15_275_801 - calc.conversion_shares(terms, 11_500, FIFTH_ANNIVERSARY) \
        + calc.conversion_shares(terms, 21_500, FIFTH_ANNIVERSARY) == 20_584_121
    assert result.facts["standstill.shares_after"] == 20_584_121
    assert result.facts["standstill.denominator_after"] == 91_461_097
    assert result.facts["standstill.pct_after"] == Fraction(100 * 20_584_121, 91_461_097)
    assert result.facts["standstill.pct_before"] == Fraction(100 * 15_275_801, 91_461_097)
    hmtf = result.by_rule(HMTF_RULE)
    assert hmtf.figures["standstill.pct_after"] == "22.5059%"
    assert hmtf.figures["standstill.pct_before"] == "16.7020%"
    assert hmtf.figures["standstill.shares_after"] == "20,584,121"
    assert hmtf.figures["standstill.denominator_after"] == "91,461,097"
    assert result.by_rule(COD_12I_A1).figures == {"transferee.group": "hmtf", "action.quantity": "10,000",
                                                  "transfer.bona_fide_financing": "no"}
    assert result.by_rule(LIBERTY_RULE).trace_explanation == "Does not apply to this action: acquirer.group is hmtf, " \
                                                       "not liberty."


# --- 7. Headroom and positions ----------------------------------------------------------------

# Closing cap table, 2003-06-02: 37% of 95,061,097 = 3,517,260,589 / 100 = 35,172,605.89, so the
# largest permitted numerator is 35,172,605 and N = 35,172,605 - 33,208,264 = 1,964,341.
# Check: 100 x 35,172,605 = 3,517,260,500 <= 3,517,260,589; 100 x 35,172,606 = 3,517,260,600 > it.
LIBERTY_HEADROOM_2003 = 1_964_341


def test_liberty_headroom_on_the_closing_cap_table(rulebook, make_scenario, closing):
    closing = replace(closing, instruments=make_scenario(purchase(LIBERTY, 1, JUNE_2003)).instruments)
    scenario = make_scenario(purchase(LIBERTY, 1, JUNE_2003))
    before = basis(rulebook, scenario, "liberty")
    assert (before.shares, before.denominator) == (33_208_264, 95_061_097)
    assert 37 * before.denominator // 100 - before.shares == LIBERTY_HEADROOM_2003

    ok = run(rulebook, make_scenario, purchase(LIBERTY, LIBERTY_HEADROOM_2003, JUNE_2003))
    over = run(rulebook, make_scenario, purchase(LIBERTY, LIBERTY_HEADROOM_2003 + 1, JUNE_2003))
    assert ok.blocked is False
    assert ok.by_rule(LIBERTY_RULE).outcome == "permitted"
    assert ok.facts["standstill.shares_after"] == 35_172_605
    assert over.blocked is True
    assert [f.rule for f in over.findings if f.outcome == "violation"] == [LIBERTY_RULE]
    assert over.facts["standstill.shares_after"] == 35_172_606

    room = headroom(rulebook, market_purchase(rulebook, closing, "liberty", JUNE_2003))
    assert room.max_quantity == LIBERTY_HEADROOM_2003
    assert room.binding.rule == LIBERTY_RULE
    data = group_headroom(rulebook, closing, "liberty", JUNE_2003)
    assert data["max_quantity"] == LIBERTY_HEADROOM_2003
    assert (data["proof"]["permitted_at"], data["proof"]["blocked_at"]) == (1_964_341, 1_964_342)
    assert data["binding"]["rule"] == LIBERTY_RULE


def test_positions_at_closing(rulebook, closing):
    data = positions(rulebook, closing, date(2000, 4, 10))
    liberty = data["groups"]["liberty"]
    # 13d-3 at closing: 50,000 x $10,000 / $28 = 17,857,142.86 -> 17,857,143 as converted, plus
    # 6,666,667 Warrant shares = 24,523,810, over 48,582,035 + 24,523,810 = 73,105,845 = 33.546%.
    assert liberty["as_converted_shares"] == 17_857_143
    assert liberty["warrant_shares"] == 6_666_667
    assert liberty["beneficial_ownership"]["shares"] == 24_523_810
    assert liberty["beneficial_ownership"]["denominator"] == 73_105_845
    assert liberty["beneficial_ownership"]["pct"] == "33.55"
    assert liberty["standstill"] == {"pct": "34.9336", "shares": 33_208_264, "denominator": 95_061_097,
                                     "cap_pct": "37", "rule": LIBERTY_RULE,
                                     "max_quantity": LIBERTY_HEADROOM_2003, "headroom_reason": None}
    # Voting: 17,857,143 over 48,582,035 + 26,785,716 (all Series A as converted at closing) = 23.69%.
    assert liberty["voting_power"] == {"votes": 17_857_143, "total": 75_367_751,
                                       "pct_exact": "1785714300/75367751"}
    assert liberty["voting_power_pct"] == "23.69"
    # HMTF: floor(17.5% x 91,461,097 = 16,005,691.975) - 15,275,801 = 729,890.
    # Gleacher: floor(3% x 88,661,096 = 2,659,832.88) - 1,328,330 = 1,331,502.
    assert data["groups"]["hmtf"]["standstill"]["cap_pct"] == "17.5"
    assert data["groups"]["hmtf"]["standstill"]["max_quantity"] == 729_890
    assert data["groups"]["gleacher"]["standstill"]["cap_pct"] == "3"
    assert data["groups"]["gleacher"]["standstill"]["max_quantity"] == 1_331_502


def test_positions_after_the_fifth_anniversary_have_no_cap(rulebook, closing):
    data = positions(rulebook, closing, FIFTH_ANNIVERSARY)
    for group in ("liberty", "hmtf", "gleacher"):
        standstill = data["groups"][group]["standstill"]
        assert (standstill["cap_pct"], standstill["rule"], standstill["max_quantity"]) == (None, None, None)
    assert data["groups"]["liberty"]["standstill"]["pct"] == "34.9336"


# --- 8. Every sample scenario -------------------------------------------------------------------

# Per file: every rule whose outcome is not not_applicable (with its exception), plus the
# not_applicable ones that carry a named exception. Every other rule must be not_applicable.
APPROVAL = ("approval_required", None)
OBLIGATION = ("obligation", None)
SAMPLE_OUTCOMES = {
    "gleacher-buys-500k-2001.yaml": {GLEACHER_RULE: ("permitted", None)},
    "hmtf-buys-1m-2002.yaml": {HMTF_RULE: ("violation", None)},
    "hmtf-pledges-a2-financing.yaml": {PA_65: ("permitted", "exempt"), COD_4: ("permitted", "exempt"),
                                       COD_12I_A2: ("not_applicable", "bona-fide-financing")},
    "hmtf-public-sale-unregistered.yaml": {PA_65: ("violation", None), COD_4: ("violation", None),
                                           COD_12I_A2: ("obligation", None)},
    "liberty-buys-1m-2000-safe-harbor.yaml": {LIBERTY_RULE: ("permitted", "voting-power-safe-harbor")},
    "liberty-buys-1m-2003.yaml": {LIBERTY_RULE: ("permitted", None)},
    "liberty-buys-2m-2003.yaml": {LIBERTY_RULE: ("violation", None)},
    "liberty-buys-after-change-of-control-2003.yaml": {LIBERTY_RULE: ("violation", None)},
    "liberty-buys-2m-after-fifth-anniversary.yaml": {},
    "liberty-buys-5m-from-company.yaml": {LIBERTY_RULE: ("permitted", "from-the-company")},
    "liberty-sells-a1-to-outsider-exempt.yaml": {PA_65: ("permitted", "exempt"), COD_4: ("permitted", "exempt"),
                                                 COD_12I_A1: ("obligation", None)},
    "liberty-transfers-a1-to-subsidiary-exempt.yaml": {PA_65: ("permitted", "permitted-transferee"),
                                               PA_65_NOTICE: ("obligation", None),
                                               LIBERTY_RULE: ("permitted", None), COD_4: ("permitted", "exempt")},
    "liberty-transfers-a1-to-hmtf.yaml": {PA_65: ("permitted", "exempt"), HMTF_RULE: ("violation", None),
                                          COD_4: ("permitted", "exempt"), COD_12I_A1: ("obligation", None)},
    "transfer-missing-rule144-fact.yaml": {PA_65: ("violation", None), COD_4: ("cannot_determine", None)},
    # Capital events: conversion, exercise, another convertible, an issuance of Common.
    "liberty-converts-a1-2002.yaml": {"cod.12h.issue-taxes": OBLIGATION, LIBERTY_RULE: ("permitted", None), "cod.12a.conversion-right": ("permitted", None),
        "cod.12b.conversion-effective-time": ("consequence", None)},
    "liberty-exercises-warrants-net-issue-2003.yaml": {"war.2c.net-issue-exercise": ("permitted", None),
                                                       "war.10.exercise-before-expiry": ("permitted", None),
                                                       "war.3.delivery": ("obligation", None),
                                                       "war.11.issue-taxes": OBLIGATION,
                                                       LIBERTY_RULE: ("permitted", None)},
    "liberty-exercises-warrants-after-expiry.yaml": {"war.10.exercise-before-expiry": ("violation", None)},
    "hmtf-buys-convertible-notes-2001.yaml": {HMTF_RULE: ("violation", None)},
    "issuance-of-common-after-liberty-conversion.yaml": {"cod.12g.reservation": ("permitted", None),
                                                         "war.11.reservation": ("permitted", None)},
    # Corporate actions: the approvals each name and description claims.
    "approval-acquisition-with-series-director.yaml": {COD_15: ("permitted", "board-route")},
    "approval-acquisition-without-series-director.yaml": {COD_15: APPROVAL},
    "approval-amendment-creates-senior-preferred.yaml": {COD_8B: APPROVAL, "cod.8c-iv.senior-issuance-75": APPROVAL},
    "approval-amendment-adverse-a3.yaml": {COD_8B: APPROVAL, COD_8CI: APPROVAL,
                                           "cod.8c.series-a3-adverse-majority": APPROVAL},
    "approval-bylaws-amended-by-board.yaml": {COD_8CI: APPROVAL, "cod.8c.series-a3-adverse-majority": APPROVAL},
    "approval-consolidation-non-qt-partnership.yaml": {"cod.12e.merger-conversion-rights": OBLIGATION, "war.4k.merger-exercise-rights": OBLIGATION,
        COD_8B: APPROVAL, NON_QT: APPROVAL},
    "approval-credit-agreement-restricts-series-a.yaml": {"cod.8c-iii.restrictive-agreement-75": APPROVAL},
    "approval-issuance-junior-preferred.yaml": {},
    "approval-issuance-parity-preferred.yaml": {"cod.8c-iv.parity-issuance-69": APPROVAL},
    "approval-issuance-senior-preferred.yaml": {"cod.8c-iv.senior-issuance-75": APPROVAL},
    "approval-issuance-series-a-over-cap.yaml": {"cod.2.series-a-cap-unanimous": APPROVAL,
                                                 "cod.2.series-authority": ("violation", None),
                                                 "cod.8c-iv.parity-issuance-69": APPROVAL},
    "approval-issuance-a1-after-conversion.yaml": {"cod.2.series-authority": ("violation", None),
                                                   "cod.8c-iv.parity-issuance-69": APPROVAL},
    "approval-issuance-voting-preferred.yaml": {"cod.8e.voting-preferred-unanimous": APPROVAL},
    "approval-liquidation-plan.yaml": {COD_8B: APPROVAL, "cod.8c-ii.liquidation-plan-69": APPROVAL},
    "approval-merger-amends-cod-adverse-a2.yaml": {COD_8B: APPROVAL, COD_8CI: APPROVAL, NON_QT: APPROVAL,
                                                   "cod.8c.series-a2-adverse-majority": APPROVAL},
    "approval-merger-non-qt-cayman.yaml": {"cod.12e.merger-conversion-rights": OBLIGATION, "war.4k.merger-exercise-rights": OBLIGATION,
        COD_8B: APPROVAL, NON_QT: APPROVAL},
    "approval-merger-non-qt-no-opinion.yaml": {COD_8B: APPROVAL, NON_QT: APPROVAL},
    "approval-merger-qt-delaware-llc.yaml": {"cod.12e.merger-conversion-rights": OBLIGATION, "war.4k.merger-exercise-rights": OBLIGATION,
        COD_8B: APPROVAL, QT: APPROVAL},
    "approval-merger-qt-state-of-delaware.yaml": {"cod.12e.merger-conversion-rights": OBLIGATION, "war.4k.merger-exercise-rights": OBLIGATION,
        COD_8B: APPROVAL, QT: APPROVAL},
    "approval-merger-qt-survivor.yaml": {COD_8B: APPROVAL, QT: APPROVAL},
    "approval-series-split-a1-alone.yaml": {"cod.8c-i.series-split-75": APPROVAL,
                                            "cod.12j.series-split-unanimous": APPROVAL},
    "approval-series-split-even.yaml": {"cod.8c-i.series-split-75": APPROVAL},
    # The 2,000,000 bought at $13.00 move the prices 0.3419%: 12(d)(v) and 4(e) apply, carried forward.
    "approval-tender-offer-by-company.yaml": {"cod.8c-v.tender-offer-majority": APPROVAL,
                                              "cod.12d-v.tender-offer": ("consequence", None),
                                              "war.4e.tender-offer": ("consequence", None)},
    # An issuer tender offer (CoD 12(d)(v), WAR 4(e)): adjusted, under the 5% threshold, a figure missing.
    "adjustment-tender-offer-by-subsidiary-2001.yaml": {"cod.8c-v.tender-offer-majority": APPROVAL,
                                                        "cod.12d-v.tender-offer": ("consequence", None),
                                                        "cod.12d-x.adjustment-notice": ("obligation", None),
                                                        "war.4e.tender-offer": ("consequence", None),
                                                        "war.4h.adjustment-notice": ("obligation", None)},
    "adjustment-tender-offer-under-net-income-threshold-2001.yaml": {"cod.8c-v.tender-offer-majority": APPROVAL},
    "adjustment-tender-offer-consideration-not-stated-2001.yaml": {
        "cod.8c-v.tender-offer-majority": APPROVAL, "cod.12d-v.tender-offer": ("cannot_determine", None),
        "cod.12d-x.adjustment-notice": ("cannot_determine", None), "war.4e.tender-offer": ("cannot_determine", None),
        "war.4h.adjustment-notice": ("cannot_determine", None)},
    # The deferral of CoD 12(d)(xi) and WAR 4(i): a dividend in Common of record June 1, paid June 15, 2001.
    **{f"deferral-conversion-{when}-2001.yaml": {
        LIBERTY_RULE: ("permitted", None), "cod.12a.conversion-right": ("permitted", None),
        "cod.12b.conversion-effective-time": ("consequence", None), "cod.12h.issue-taxes": OBLIGATION, **deferral}
       for when, deferral in (("after-record-date", {"cod.12d-xi.deferral": ("consequence", None)}),
                              ("day-before-payment-date", {"cod.12d-xi.deferral": ("consequence", None)}),
                              ("on-record-date", {}), ("on-payment-date", {}),
                              ("payment-date-not-stated", {"cod.12d-xi.deferral": ("cannot_determine", None)}))},
    "deferral-exercise-after-record-date-2001.yaml": {LIBERTY_RULE: ("permitted", None),
                                                      "war.3.delivery": ("obligation", None),
                                                      "war.4i.deferral": ("consequence", None),
                                                      "war.11.issue-taxes": OBLIGATION,
                                                      "war.10.exercise-before-expiry": ("permitted", None)},
    # An Exchange Offer: the mirror offer of CoD 12(d)(vii), the Conversion Price unmoved; to the Warrant a
    # tender offer (WAR 4(e)): under the 5% threshold, and above it (A-adj-spinoff-exchange-offer).
    "exchange-offer-by-subsidiary-mirror-2001.yaml": {"cod.8c-v.tender-offer-majority": APPROVAL,
                                                      "cod.12d-vii.exchange-offer-mirror": ("obligation", None)},
    "exchange-offer-by-company-lowers-exercise-price-2001.yaml": {
        "cod.8c-v.tender-offer-majority": APPROVAL, "cod.12d-vii.exchange-offer-mirror": ("obligation", None),
        "war.4e.exchange-offer": ("consequence", None), "war.4h.adjustment-notice": ("obligation", None)},
    "distribution-worth-the-market-price-in-kind-2001.yaml": {"cod.12d-iv.distribution-in-kind": ("obligation", None),
                                                              "war.4d-i.distribution-in-kind": ("obligation", None)},
    "spinoff-2001.yaml": {"cod.12d-vi.spinoff-exchange": ("obligation", None),
                          "war.4d-i.distribution": ("consequence", None), "war.4h.adjustment-notice": ("obligation", None)},
    # Board seats (CoD 8(d)), the special meeting of a series, prong (c) of a Change of Control.
    "liberty-sells-a1-additional-right-kept.yaml": {PA_65: ("permitted", "exempt"), COD_4: ("permitted", "exempt"),
                                                    COD_12I_A1: ("obligation", None)},
    **{f"liberty-sells-a1-additional-right-ends-board-{n}.yaml": {
        PA_65: ("permitted", "exempt"), COD_4: ("permitted", "exempt"), COD_12I_A1: ("obligation", None),
        "cod.8d-iii.a1-additional-directors-right-ends": ("consequence", None)} for n in (9, 12, 21)},
    "hmtf-sells-a2-director-right-kept-board-10.yaml": {PA_65: ("permitted", "exempt"), COD_4: ("permitted", "exempt"),
                                                        "cod.12i.a2-auto-conversion": ("obligation", None)},
    "hmtf-sells-a2-director-right-ends-board-11.yaml": {PA_65: ("permitted", "exempt"), COD_4: ("permitted", "exempt"),
                                                        "cod.12i.a2-auto-conversion": ("obligation", None),
                                                        "cod.8d-i.a2-director-right-ends": ("consequence", None)},
    "series-a2-holders-request-special-meeting.yaml": {"cod.8d-i.a2-special-meeting": ("obligation", None)},
    "board-turnover-five-of-twelve-no-coc.yaml": {},
    "board-turnover-six-of-twelve-coc.yaml": {
        "cod.17.coc-c": ("consequence", None), "cod.6b.special-dividend": OBLIGATION,
        "cod.13a.coc-notice": OBLIGATION, "cod.13a.coc-step-up": OBLIGATION},
    "liberty-buys-back-to-additional-a1-threshold-2001.yaml": {
        "pa.6.6a.liberty-standstill": ("permitted", None),
        "cod.8d-iii.a1-additional-directors-right-returns": ("consequence", None)},
    "coc-a-liberty-and-hmtf-acting-as-a-group-2003.yaml": {
        "pa.6.6a.liberty-standstill": ("violation", None), "cod.17.coc-a": OBLIGATION,
        "cod.6b.special-dividend": OBLIGATION, "cod.13a.coc-notice": OBLIGATION, "cod.13a.coc-step-up": OBLIGATION},
    # Change of Control (CoD 17) and what it costs (CoD 6(b), 13, 14).
    "coc-a-third-party-buys-over-50pct-2001.yaml": {
        "cod.17.coc-a": OBLIGATION, "cod.6b.special-dividend": OBLIGATION, "cod.13a.coc-notice": OBLIGATION,
        "cod.13a.coc-step-up": OBLIGATION},
    "coc-a-third-party-buys-at-closing-2000.yaml": {
        "cod.17.coc-a": OBLIGATION, "cod.6b.special-dividend": OBLIGATION, "cod.13a.coc-notice": OBLIGATION,
        "cod.13a.coc-step-up": OBLIGATION},
    "coc-a-third-party-acquires-warrants-2001.yaml": {
        PA_65: ("permitted", "exempt"), "cod.17.coc-a": OBLIGATION, "cod.6b.special-dividend": OBLIGATION,
        "cod.13a.coc-notice": OBLIGATION, "cod.13a.coc-step-up": OBLIGATION},
    "coc-a-liberty-buys-over-50pct-may-2005.yaml": {
        "cod.17.coc-a": OBLIGATION, "cod.6b.special-dividend": OBLIGATION, "cod.13a.coc-notice": OBLIGATION,
        "cod.13a.coc-step-up": OBLIGATION, "cod.14a.purchase-offer": ("permitted", None),
        "cod.14d.rate-reset": OBLIGATION},
    "coc-a-liberty-buys-over-50pct-july-2005.yaml": {
        "cod.17.coc-a": OBLIGATION, "cod.13a.coc-notice": OBLIGATION, "cod.13a.coc-offer": ("permitted", None)},
    "coc-b-asset-sale-cayman.yaml": {
        "cod.12e.merger-conversion-rights": OBLIGATION, "war.4k.merger-exercise-rights": OBLIGATION,
        "cod.17.coc-b": OBLIGATION, "cod.6b.special-dividend": OBLIGATION, "cod.13a.coc-notice": OBLIGATION,
        "cod.13a.coc-offer": ("permitted", None), COD_8B: APPROVAL, NON_QT: APPROVAL},
    "coc-b-merger-parent-limb.yaml": {
        "cod.12e.merger-conversion-rights": OBLIGATION, "war.4k.merger-exercise-rights": OBLIGATION,
        "cod.17.coc-b": OBLIGATION, "cod.6b.special-dividend": OBLIGATION, "cod.13a.coc-notice": OBLIGATION,
        "cod.13a.coc-step-up": OBLIGATION, COD_8B: APPROVAL, QT: APPROVAL},
    "coc-b-teligent-inside-window.yaml": {"cod.17.coc-b": ("not_applicable", "teligent"), COD_8B: APPROVAL,
                                          NON_QT: APPROVAL},
    "coc-b-teligent-outside-window.yaml": {
        "cod.17.coc-b": OBLIGATION, "cod.6b.special-dividend": OBLIGATION, "cod.13a.coc-notice": OBLIGATION,
        "cod.13a.coc-step-up": OBLIGATION, COD_8B: APPROVAL, NON_QT: APPROVAL},
    "coc-b-teligent-after-teligent-change-of-control.yaml": {
        "cod.17.coc-b": OBLIGATION, "cod.6b.special-dividend": OBLIGATION, "cod.13a.coc-notice": OBLIGATION,
        "cod.13a.coc-step-up": OBLIGATION, COD_8B: APPROVAL, NON_QT: APPROVAL},
    "coc-d-rule-13e3-going-private.yaml": {
        "cod.17.coc-d": OBLIGATION, "cod.6b.special-dividend": OBLIGATION, "cod.13a.coc-notice": OBLIGATION,
        "cod.13a.coc-step-up": OBLIGATION},
    # legends (issue 9)
    "legend-series-a-transfer-legend-required.yaml": {
        "pa.5.13.legend": OBLIGATION, "pa.5.13.legend-omitted": ("permitted", None),
        "cod.4-5c.restricted-shares-legend": OBLIGATION, "cod.4-5c.restricted-shares-legend-omitted": ("permitted", None)},
    "legend-series-a-transfer-without-legend.yaml": {
        "pa.5.13.legend": OBLIGATION, "pa.5.13.legend-omitted": ("violation", None),
        "cod.4-5c.restricted-shares-legend": OBLIGATION, "cod.4-5c.restricted-shares-legend-omitted": ("violation", None)},
    "legend-series-a-free-resale-removal-agreed.yaml": {
        "pa.5.13.legend": ("permitted", None), "pa.5.13.legend-omitted": ("permitted", "no-longer-applicable"),
        "cod.4-5c.restricted-shares-legend": ("permitted", "removal-requested"),
        "cod.4-5c.restricted-shares-legend-omitted": ("permitted", "removal-requested")},
    "legend-series-a-free-resale-no-removal-request.yaml": {
        "pa.5.13.legend": ("permitted", None), "pa.5.13.legend-omitted": ("permitted", "no-longer-applicable"),
        "cod.4-5c.restricted-shares-legend": OBLIGATION, "cod.4-5c.restricted-shares-legend-omitted": ("violation", None)},
    "legend-common-on-series-a-conversion.yaml": {},   # neither Securities (PA 5.13) nor Series A (CoD 4)
    "legend-warrant-2000-transfer-legend-required.yaml": {
        "pa.5.13.legend": OBLIGATION, "pa.5.13.legend-omitted": ("permitted", None),
        "war.face.legend": OBLIGATION, "war.face.legend-omitted": ("permitted", None)},
    "legend-warrant-2000-replacement-removed-under-pa-5-13.yaml": {
        "pa.5.13.legend": ("permitted", None), "pa.5.13.legend-omitted": ("permitted", "no-longer-applicable"),
        "war.face.legend": ("permitted", "removed-under-pa-5-13"),
        "war.face.legend-omitted": ("permitted", "removed-under-pa-5-13")},
    "legend-warrant-2000-exchange-without-legend.yaml": {
        "pa.5.13.legend": ("permitted", None), "pa.5.13.legend-omitted": ("permitted", "no-longer-applicable"),
        "war.face.legend": OBLIGATION, "war.face.legend-omitted": ("violation", None)},
    "legend-warrant-2000-exercise-subscription-executed.yaml": {
        "war.subscription.investment-representation": ("permitted", None)},
    "legend-warrant-2000-exercise-as-nominee.yaml": {"war.subscription.investment-representation": ("violation", None)},
    "legend-removal-series-a-with-opinions.yaml": {
        "pa.5.13.legend-omitted": ("permitted", "no-longer-applicable"), "pa.5.13.legend-removal": OBLIGATION,
        "cod.4-5c.restricted-shares-legend-omitted": ("permitted", "removal-requested")},
    "legend-removal-series-a-without-concurrence.yaml": {
        "pa.5.13.legend-omitted": ("permitted", "no-longer-applicable"), "cod.4-5c.restricted-shares-legend-omitted": ("violation", None)},
    "legend-plan-warrant-known-underwriter.yaml": {
        "wa-am1.11-1.plan-warrant-legend": OBLIGATION, "wa-am1.11-1.plan-warrant-legend-omitted": ("permitted", None)},
    "legend-plan-warrant-underwriter-not-known.yaml": {
        "wa-am1.11-1.plan-warrant-legend": ("permitted", None),
        "wa-am1.11-1.plan-warrant-legend-omitted": ("permitted", "not-a-known-underwriter")},
    "legend-plan-warrant-common-known-underwriter-without-legend.yaml": {
        "wa-am1.11-1.plan-warrant-common-legend": OBLIGATION,
        "wa-am1.11-1.plan-warrant-common-legend-omitted": ("violation", None)},
    "legend-warrant-2000-beside-plan-warrant-2003.yaml": {
        "pa.5.13.legend": OBLIGATION, "pa.5.13.legend-omitted": ("violation", None),
        "war.face.legend": OBLIGATION, "war.face.legend-omitted": ("violation", None)},
    # Conversion, exercise and anti-dilution (issue 9): fractions both ways, the Warrant's last day,
    # net issue at and below the Exercise Price, a split, a below-market issuance, a carve-out, and a
    # conversion at the price a recorded split set.
    "hm-4-eq-converts-a2-fraction-down-2001.yaml": {"cod.12h.issue-taxes": OBLIGATION, HMTF_RULE: ("permitted", None),
                                                    "cod.12a.conversion-right": ("permitted", None),
        "cod.12b.conversion-effective-time": ("consequence", None)},
    "hm-pg-iv-converts-a2-fraction-up-2001.yaml": {"cod.12h.issue-taxes": OBLIGATION, HMTF_RULE: ("permitted", None),
                                                   "cod.12a.conversion-right": ("permitted", None),
        "cod.12b.conversion-effective-time": ("consequence", None)},
    "liberty-exercises-warrants-last-day-2005.yaml": {"war.10.exercise-before-expiry": ("permitted", None),
                                                      "war.3.delivery": ("obligation", None),
                                                      "war.11.issue-taxes": OBLIGATION},
    "liberty-exercises-warrants-net-issue-at-price-2003.yaml": {
        LIBERTY_RULE: ("permitted", "upon-conversion-or-exercise"), "war.2c.net-issue-exercise": ("violation", None),
        "war.10.exercise-before-expiry": ("permitted", None)},
    "liberty-exercises-warrants-net-issue-below-price-2003.yaml": {
        LIBERTY_RULE: ("permitted", "upon-conversion-or-exercise"), "war.2c.net-issue-exercise": ("violation", None),
        "war.10.exercise-before-expiry": ("permitted", None)},
    "adjustment-common-split-2-for-1-2001.yaml": {
        "cod.8d.thresholds-adjusted-for-splits": ("consequence", None),
        "cod.12d-iii.subdivision-combination": ("consequence", None), "cod.12d-x.adjustment-notice": ("obligation", None),
        "war.4c.subdivision-combination": ("consequence", None), "war.4h.adjustment-notice": ("obligation", None)},
    "adjustment-issuance-below-market-2001.yaml": {
        "cod.12g.reservation": ("permitted", None), "war.11.reservation": ("permitted", None),
        "cod.12d-ii-a.below-market-issuance": ("consequence", None), "cod.12d-x.adjustment-notice": ("obligation", None),
        "war.4b-i.below-market-issuance": ("consequence", None), "war.4h.adjustment-notice": ("obligation", None)},
    "adjustment-issuance-option-plan-carve-out-2001.yaml": {
        "cod.12g.reservation": ("permitted", None), "war.11.reservation": ("permitted", None),
        "cod.12d-ii-a.below-market-issuance": ("not_applicable", "compensation-plan"),
        "war.4b-i.below-market-issuance": ("not_applicable", "compensation-plan")},
    "liberty-converts-a1-after-split-2001.yaml": {"cod.12h.issue-taxes": OBLIGATION, LIBERTY_RULE: ("permitted", None),
                                                  "cod.12a.conversion-right": ("permitted", None),
        "cod.12b.conversion-effective-time": ("consequence", None)},
    "liberty-converts-called-a1-after-cutoff-2010.yaml": {"cod.12a.conversion-right": ("permitted", None),
                                                          "cod.12a.conversion-right-called-shares": ("violation", None)},
    # CoD 12(e), 12(g), 12(h); WAR 4(k), 11 (formerly declined): a merger's conversion and exercise
    # rights, the reserves of Common, the taxes on a conversion. Adding them added their findings
    # (obligations, or permitted) to the mergers, issuances of Common and conversions above; no
    # outcome that was there changed.
    "merger-cash-out-rights-carried-over-2001.yaml": {
        "cod.17.coc-b": OBLIGATION, "cod.6b.special-dividend": OBLIGATION, "cod.13a.coc-notice": OBLIGATION,
        "cod.13a.coc-step-up": OBLIGATION, COD_8B: APPROVAL, NON_QT: APPROVAL,
        "cod.12e.merger-conversion-rights": OBLIGATION, "cod.12e.merger-conversion-rights-not-provided": ("permitted", None),
        "war.4k.merger-exercise-rights": OBLIGATION, "war.4k.merger-exercise-rights-not-provided": ("permitted", None)},
    "merger-cash-out-rights-not-carried-over-2001.yaml": {
        "cod.17.coc-b": OBLIGATION, "cod.6b.special-dividend": OBLIGATION, "cod.13a.coc-notice": OBLIGATION,
        "cod.13a.coc-step-up": OBLIGATION, COD_8B: APPROVAL, NON_QT: APPROVAL,
        "cod.12e.merger-conversion-rights": OBLIGATION, "cod.12e.merger-conversion-rights-not-provided": ("violation", None),
        "war.4k.merger-exercise-rights": OBLIGATION, "war.4k.merger-exercise-rights-not-provided": ("violation", None)},
    "merger-into-company-common-change-not-stated-2001.yaml": {
        COD_8B: APPROVAL, QT: APPROVAL, "cod.12e.merger-conversion-rights": ("cannot_determine", None),
        "war.4k.merger-exercise-rights": ("cannot_determine", None)},
    "issuance-of-common-beyond-the-reserve-2001.yaml": {"cod.12g.reservation": ("violation", None),
                                                        "war.11.reservation": ("violation", None)},
    "issuance-of-common-authorized-not-stated-2001.yaml": {"cod.12g.reservation": ("cannot_determine", None),
                                                           "war.11.reservation": ("cannot_determine", None)},
    "charter-amendment-decreases-authorized-common-2001.yaml": {COD_8B: APPROVAL, "cod.12g.reservation": ("violation", None),
                                                                "war.11.reservation": ("violation", None)},
    "conversion-common-in-another-name-tax-unpaid-2001.yaml": {
        HMTF_RULE: ("permitted", None), "cod.12a.conversion-right": ("permitted", None),
        "cod.12b.conversion-effective-time": ("consequence", None), "cod.12h.issue-taxes": OBLIGATION,
        "cod.12h.delivery-in-another-name": ("violation", None)},
    "conversion-common-in-another-name-tax-paid-2001.yaml": {
        HMTF_RULE: ("permitted", None), "cod.12a.conversion-right": ("permitted", None),
        "cod.12b.conversion-effective-time": ("consequence", None), "cod.12h.issue-taxes": OBLIGATION,
        "cod.12h.delivery-in-another-name": ("permitted", None)},
}


def test_every_sample_scenario_is_listed():
    assert sorted(p.name for p in SCENARIOS.glob("*.yaml")) == sorted(SAMPLE_OUTCOMES)


@pytest.mark.parametrize("name", sorted(SAMPLE_OUTCOMES))
def test_sample_scenario_outcomes(rulebook, name):
    result = evaluate(rulebook, load_scenario(SCENARIOS / name, rulebook))
    got = {f.rule: (f.outcome, f.exception) for f in result.findings
           if f.outcome != "not_applicable" or f.exception is not None}
    assert got == SAMPLE_OUTCOMES[name]
    outcomes = {o for o, _ in SAMPLE_OUTCOMES[name].values()}
    if outcomes & {"violation", "cannot_determine"}:
        assert result.blocked is True
    elif "approval_required" not in outcomes:  # otherwise it turns on the vote tally
        assert result.blocked is False


def test_sample_figures_2m_in_2003_and_after_the_anniversary(rulebook):
    # 33,208,264 + 2,000,000 = 35,208,264 / 95,061,097 = 37.0375% > 37%.
    result = evaluate(rulebook, load_scenario(SCENARIOS / "liberty-buys-2m-2003.yaml", rulebook))
    assert result.facts["standstill.pct_after"] == Fraction(100 * 35_208_264, 95_061_097)
    assert result.by_rule(LIBERTY_RULE).figures["standstill.pct_after"] == "37.0375%"
    later = evaluate(rulebook, load_scenario(SCENARIOS / "liberty-buys-2m-after-fifth-anniversary.yaml", rulebook))
    assert [f.reason for f in later.findings if f.rule.startswith("pa.6.6")] == ["not_in_force"] * 3


# --- 9. What a finding carries ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SAMPLE_OUTCOMES))
def test_findings_carry_citation_quote_figures_and_missing_facts(rulebook, name):
    result = evaluate(rulebook, load_scenario(SCENARIOS / name, rulebook))
    assert [f.rule for f in result.findings] == [r.id for r in rulebook.rules]
    for finding, rule in zip(result.findings, rulebook.rules):
        assert finding.document == rule.source.document
        assert finding.document in rulebook.documents
        assert finding.section == rule.source.section != ""
        assert finding.quote == rule.source.quote
        assert finding.quote.strip() != ""
        assert finding.trace_explanation.strip() != ""
        if rule.actions and result.facts["action.kind"] not in rule.actions:
            # A rule for other kinds of action shows no figures or comparisons, only why.
            assert finding.figures == {} and finding.comparisons == [] and finding.reason in (
                "not_this_action", "not_in_force", "instrument_not_in_force"), (rule.id, finding.reason)
            continue
        if finding.reason in ("not_this_action", "not_this_party"):
            # Out of scope: the scope's tests that fail, with their values, and no figures.
            assert finding.figures == {} and finding.comparisons == [], rule.id
            assert finding.because["kind"] == "out_of_scope" and finding.because["failing"], rule.id
            for failed in finding.because["failing"]:
                spec = rulebook.facts.get(failed["fact"])
                if spec is not None and failed["fact"] in result.facts:
                    assert failed["actual"] == display_fact(spec, result.facts[failed["fact"]]), rule.id
            continue
        for atom in atoms(rule.condition):
            if atom.fact in result.facts:
                # As display_fact shows it: a percentage near a threshold with the places that keep it on its side.
                assert finding.figures[atom.fact] == display_fact(rulebook.facts[atom.fact], result.facts[atom.fact])
        if finding.outcome == "cannot_determine":
            assert finding.missing != []
            assert all(m not in result.facts for m in finding.missing)
        else:
            assert finding.missing == []


def test_a_standstill_finding_shows_the_compared_facts(rulebook):
    result = evaluate(rulebook, load_scenario(SCENARIOS / "liberty-buys-2m-2003.yaml", rulebook))
    finding = result.by_rule(LIBERTY_RULE)
    assert (finding.document, finding.section) == ("purchase-agreement", "6.6(a)")
    assert finding.quote.startswith("Prior to the fifth anniversary of the Closing Date, no Liberty Holder")
    # 2003-06-02: voting (22,919,207 + 2,000,000) / 82,960,845 = 30.0373%; 13d-3 40.4077%.
    assert finding.figures == {
        "standstill.pct_after": "37.0375%", "standstill.shares_after": "35,208,264",
        "standstill.denominator_after": "95,061,097", "standstill.pct_before": "34.9336%",
        "voting_power.pct_after": "30.0373%", "beneficial_ownership.pct_after": "40.4077%",
        "acquisition.upon_conversion_or_exercise": "no", "action.seller": "market", "transfer.within_group": "no"}
    assert finding.comparisons == [{"fact": "standstill.pct_after", "op": ">", "value": "37.0000%",
                                    "actual": "37.0375%", "holds": True}]
    assert "A-standstill-deemed-conversion" in finding.assumptions


def test_a_cannot_determine_finding_lists_what_is_missing(rulebook):
    result = evaluate(rulebook, load_scenario(SCENARIOS / "transfer-missing-rule144-fact.yaml", rulebook))
    finding = result.by_rule(COD_4)
    assert (finding.document, finding.section) == ("certificate-of-designation", "4")
    assert finding.missing == ["transfer.rule144_resale_available"]
    assert finding.comparisons == [{"fact": "transfer.rule144_resale_available", "op": "==", "value": "no",
                                    "actual": "unknown", "holds": None}]
    assert finding.figures == {"action.quantity": "100", "transferee.is_company": "no", "transfer.basis": "none"}


def test_a_transfer_that_breaches_the_transferee_standstill_reports_the_largest_that_passes(rulebook):
    # Liberty -> HMTF Bridge, 10,000 A-1 on 2001-06-01: HMTF's standstill headroom is 729,890
    # Common on the closing cap table, and each Series A share counts about 530.83 Common at the
    # fifth anniversary (LP + accrued $14,863.29 / $28), so 1,374 shares pass and 1,375 do not.
    from clausewise.evaluate import headroom, with_quantity
    from clausewise.scenario import load_scenario

    scenario = load_scenario(SCENARIOS / "liberty-transfers-a1-to-hmtf.yaml", rulebook)
    room = headroom(rulebook, scenario, upper=scenario.action.quantity)
    assert room.max_quantity == 1_374
    assert room.binding.rule == "pa.6.6b.hmtf-standstill"
    ok, over = (evaluate(rulebook, with_quantity(scenario, n)) for n in (1_374, 1_375))
    assert ok.by_rule("pa.6.6b.hmtf-standstill").outcome == "permitted"
    assert over.by_rule("pa.6.6b.hmtf-standstill").outcome == "violation"
    assert ok.facts["standstill.pct_after"] <= Fraction(35, 2) < over.facts["standstill.pct_after"]


# --- One disposition, however it is written ------------------------------------------------------


ACME = {"name": "Acme Capital Partners LP", "group": "none", "purchaser_affiliate": False,
        "hmtf_parallel_investor": False}


@pytest.mark.parametrize("facts", [
    {"basis": "none", "rule144_resale_available": False},
    {"basis": "exempt"},
    {"basis": "rule_144", "rule144_resale_available": True},
    {},
])
def test_a_purchase_from_a_holder_and_the_holders_transfer_are_one_event(rulebook, make_scenario, facts):
    """"Acme buys 500 Series A-2 from HMTF Bridge" and "HMTF Bridge transfers 500 Series A-2 to
    Acme" are the same Securities Transfer: identical findings, whatever the basis stated."""
    as_purchase = {"as_of": date(2001, 6, 1), "action": dict(
        {"kind": "purchase", "buyer": ACME, "seller": HMTF_BRIDGE, "security": "series_a2", "quantity": 500},
        **facts)}
    as_transfer = {"as_of": date(2001, 6, 1), "action": dict(
        {"kind": "transfer", "from": HMTF_BRIDGE, "to": ACME, "security": "series_a2", "quantity": 500},
        **facts)}
    bought, transferred = (run(rulebook, make_scenario, data) for data in (as_purchase, as_transfer))
    assert [f.to_json() for f in bought.findings] == [f.to_json() for f in transferred.findings]
    assert bought.facts == transferred.facts
    if facts.get("basis") == "none":
        assert bought.by_rule(PA_65).outcome == "violation"


def test_a_purchase_from_a_holder_is_a_violation_of_pa_6_5_without_a_basis_end_to_end(tmp_path):
    """The defect as a user met it: the purchase spelling was CLEAR under PA 6.5."""
    from clitools import run_json

    common = "as_of: 2001-06-01\ncap_table: " + CLOSING_FILE + "\n"
    bought = tmp_path / "acme-buys.yaml"
    bought.write_text("name: Acme buys 500 Series A-2 from HMTF Bridge\n" + common + (
        "action: {kind: purchase, buyer: {name: Acme Capital Partners LP, group: none}, security: series_a2,\n"
        "         quantity: 500, seller: 'HMTF Bridge ICG, LLC', basis: none, rule144_resale_available: false}\n"),
        encoding="utf-8")
    sold = tmp_path / "hmtf-sells.yaml"
    sold.write_text("name: HMTF Bridge transfers 500 Series A-2 to Acme\n" + common + (
        "action: {kind: transfer, from: 'HMTF Bridge ICG, LLC', to: {name: Acme Capital Partners LP, group: none},\n"
        "         security: series_a2, quantity: 500, basis: none, rule144_resale_available: false}\n"),
        encoding="utf-8")
    (code_b, data_b), (code_s, data_s) = run_json("check", str(bought)), run_json("check", str(sold))
    assert code_b == code_s == 1
    assert data_b["findings"] == data_s["findings"]
    verdicts = {f["rule"]: f["outcome"] for f in data_b["findings"]}
    assert (verdicts[PA_65], verdicts[COD_4]) == ("violation", "violation")
