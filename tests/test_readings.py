"""One test (or a few) per reading of unclear contract text in rules/icg-2000/assumptions.yaml.

Each test pins the exact behaviour the named reading implies, through the real engine
(engine.evaluate on a scenario, engine.calc for the arithmetic). Where another test file already
pins the figure, the test here sets the reading against its alternative: the alternative is
computed alongside and shown to give a different answer from the one the engine gives.

Figures on the closing cap table (Schedule I as amended), 75,000 Series A all Outstanding:
majority 37,501; 69% 51,750; 75% 56,250. CoD 8(b) voting power on 2001-06-01: 77,904,727 votes,
a majority 38,952,364.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from clitools import run_json
from deal import (
    stated_after_plan,
    A1_SERIES,
    A2_SERIES,
    A3_SERIES,
    CLOSING_FILE,
    COD_12I_A1,
    COD_15,
    COD_4,
    COD_8B,
    COD_8CI,
    FIFTH_ANNIVERSARY,
    GLEACHER,
    GLEACHER_RULE,
    HM4_PRIVATE,
    HM4_QUALIFIED,
    HMTF_BRIDGE,
    HMTF_RULE,
    JUNE_2001,
    JUNE_2003,
    LIBERTY,
    LIBERTY_RULE,
    MAJORITY,
    NON_QT,
    NO_AMENDMENT,
    PARITY,
    PA_65,
    PA_65_NOTICE,
    QT,
    RESTRICTIVE,
    SEVENTY_FIVE,
    SIXTY_NINE,
    SURVIVOR_MERGER,
    VOTING_POWER_2001_06,
)

from clausewise import calc
from clausewise.errors import InputError
from clausewise.evaluate import evaluate
from clausewise.measures import compounded

CLOSING_DATE = date(2000, 4, 10)

OUTSIDER = {"name": "Acme Capital Partners LP", "group": "none", "purchaser_affiliate": False,
            "hmtf_parallel_investor": False}
LENDER = {"name": "First Lender Bank", "group": "none", "purchaser_affiliate": False,
          "hmtf_parallel_investor": False}

LIBERTY_WARRANTS = 6_666_667

SENIOR = "cod.8c-iv.senior-issuance-75"

APPROVAL = "approval_required"

DELAWARE_LLC_MERGER = {"kind": "merger", "common_stock_votes": True, "company_survives": False, "series_a_remains_outstanding": False,
                       "resulting_entity": {"form": "llc", "jurisdiction": "Delaware"},
                       "series_a_exchanged_for_equivalent": True, "officers_certificate_delivered": True,
                       "opinion_of_counsel_delivered": True, "amendment": NO_AMENDMENT}


# --- helpers ---------------------------------------------------------------------------------------


def run(rulebook, make_scenario, data: dict):
    return evaluate(rulebook, make_scenario(data))


def purchase(buyer: str, quantity: int, as_of: date, security: str = "common", seller: str = "market") -> dict:
    return stated_after_plan({"as_of": as_of, "action": {"kind": "purchase", "buyer": buyer, "security": security,
                                                         "quantity": quantity, "seller": seller}})


def transfer(source: str, to, security: str, quantity: int, as_of: date = JUNE_2001, cap_table=None,
             **flags) -> dict:
    data = {"as_of": as_of, "action": dict({"kind": "transfer", "from": source, "to": to, "security": security,
                                            "quantity": quantity}, **flags)}
    if cap_table is not None:
        data["cap_table"] = cap_table
    return stated_after_plan(data)


def cap(*holders: dict) -> dict:
    """The closing cap table with some holdings replaced or added."""
    return {"file": CLOSING_FILE, "holders": list(holders)}


def corporate(action: dict, as_of: date = JUNE_2001, vote: dict | None = None) -> dict:
    data = {"as_of": as_of, "action": action}
    if vote is not None:
        data["vote"] = vote
    return stated_after_plan(data)


def without(action: dict, key: str) -> dict:
    return {k: v for k, v in action.items() if k != key}


def issuance(dividends: str | None, redemption: str | None, liquidation: str | None,
             class_: str = "preferred", common_stock_votes: bool = False) -> dict:
    ranking = {k: v for k, v in (("dividends", dividends), ("redemption", redemption),
                                 ("liquidation", liquidation)) if v is not None}
    return {"kind": "equity_issuance", "common_stock_votes": common_stock_votes, "class": class_, "quantity": 50_000,
            "ranking": ranking, "exempt_basis": "none", "votes_with_series_a_as_one_class": False,
            "largest_holder_pct_after": 35}


def figures(result) -> list[tuple]:
    """(rule, body, threshold, shares_required, outstanding) of each approval, in rulebook order."""
    return [(a["rule"], a["body"], a["threshold"], a["shares_required"], a["outstanding"]) for a in result.approvals]


def approval(result, rule: str) -> dict:
    found = [a for a in result.approvals if a["rule"] == rule]
    assert len(found) == 1, rule
    return found[0]


def outcome(result, rule: str) -> tuple:
    finding = result.by_rule(rule)
    return finding.outcome, finding.exception


def cent_rounded_lp_chain(quarters: int) -> Fraction:
    """The alternative to A-lp-unrounded: $10,180.00, then x 1.02 rounded to the cent each quarter."""
    lp = Fraction(10180)
    for _ in range(quarters):
        lp = Fraction(calc._round_half_up(lp * Fraction(102, 100), 2))
    return lp


# --- A-closing-date ------------------------------------------------------------------------------------


def test_a_closing_date_is_april_10_2000_and_earlier_scenarios_are_refused(rulebook, make_scenario):
    """A-closing-date: the Closing Date is April 10, 2000 for every Purchaser, so the rulebook's
    closing_date is 2000-04-10, a scenario dated that day is accepted, and one dated the day before
    is refused as a bad date (the instruments did not exist yet)."""
    assert rulebook.param("closing_date") == CLOSING_DATE
    assert rulebook.terms().closing_date == CLOSING_DATE
    assert rulebook.terms().standstill_conversion_date == FIFTH_ANNIVERSARY
    assert make_scenario(purchase(LIBERTY, 1, CLOSING_DATE)).as_of == CLOSING_DATE
    with pytest.raises(InputError) as info:
        make_scenario(purchase(LIBERTY, 1, date(2000, 4, 9)))
    [problem] = info.value.problems
    assert problem.category == "bad-date"
    assert problem.message.startswith("as_of: 2000-04-09 is before the rulebook's closing_date 2000-04-10")


@pytest.mark.parametrize("buyer, rule, quantity", [
    # Headroom at the closing: HMTF 729,890 and Gleacher 1,331,502 Common (test_rules).
    (HMTF_BRIDGE, HMTF_RULE, 729_891),
    (GLEACHER, GLEACHER_RULE, 1_331_503),
])
def test_a_closing_date_starts_every_purchasers_standstill_on_april_10_2000(rulebook, make_scenario, buyer, rule,
                                                                           quantity):
    """A-closing-date: one Closing Date for all eight Purchasers, so the HMTF and Gleacher
    standstills are in force from 2000-04-10 as Liberty's is (not from a later Closing of their
    own), and end for all of them on 2005-04-10."""
    on_closing = run(rulebook, make_scenario, purchase(buyer, quantity, CLOSING_DATE)).by_rule(rule)
    assert (on_closing.outcome, on_closing.reason) == ("violation", None)
    one_less = run(rulebook, make_scenario, purchase(buyer, quantity - 1, CLOSING_DATE)).by_rule(rule)
    assert one_less.outcome == "permitted"
    ended = run(rulebook, make_scenario, purchase(buyer, quantity, FIFTH_ANNIVERSARY)).by_rule(rule)
    assert (ended.outcome, ended.reason) == ("not_applicable", "not_in_force")


# --- A-lp-unrounded --------------------------------------------------------------------------------------


def test_a_lp_unrounded_adds_each_quarter_exactly(rulebook):
    """A-lp-unrounded: dividends are added to the Liquidation Preference exactly, with no rounding
    to the cent between accretions: $10,180.00 at June 30, 2000, then x 1.02 a quarter."""
    terms = rulebook.terms()
    # The March 2001 Dividend Payment Date (2001-03-31, a Saturday) is paid on Monday 2001-04-02,
    # so on 2001-03-31 itself two quarters have been added and on 2001-04-02 three.
    assert calc.liquidation_preference(terms, date(2001, 3, 31)) == 10180 * Fraction(102, 100) ** 2
    lp = calc.liquidation_preference(terms, date(2001, 4, 2))
    assert lp == 10180 * Fraction(102, 100) ** 3 == Fraction(1080309744, 100000)  # 10,803.09744
    # A cent-rounded chain gives 10,383.60 -> 10,591.27 -> 10,803.10 (10,591.27 x 1.02 = 10,803.0954).
    assert cent_rounded_lp_chain(3) == Fraction(1080310, 100) != lp


def test_a_lp_unrounded_differs_from_a_cent_rounded_chain_in_the_figures(rulebook, make_scenario):
    """A-lp-unrounded: carried exactly, the Liquidation Preference on 2003-09-30 (13 quarters after
    June 2000) is $13,168.92 and Liberty's 50,000 Series A-1 convert into 26,541,597 Common on the
    fifth anniversary; a chain rounded to the cent would give $13,168.91 and 26,541,601."""
    terms = rulebook.terms()
    assert calc.dividend_payment_dates(terms, date(2003, 9, 30))[13] == date(2003, 9, 30)
    exact = calc.liquidation_preference(terms, date(2003, 9, 30))
    assert exact == 10180 * Fraction(102, 100) ** 13
    assert calc.money_display(exact) == "$13,168.92"
    assert calc.money_display(cent_rounded_lp_chain(13)) == "$13,168.91"

    # Fifth anniversary: LP after 19 quarters plus 10 days' accrual, x 50,000 / $28.
    def liberty_conversion(lp_march_2005: Fraction) -> int:
        return calc._round_conversion(50_000 * lp_march_2005 * (1 + Fraction(8, 100) * 10 / 360) / 28)

    assert liberty_conversion(10180 * Fraction(102, 100) ** 19) == 26_541_597
    assert liberty_conversion(cent_rounded_lp_chain(19)) == 26_541_601
    # Through the engine: a 1-share Liberty purchase puts exactly the unrounded figure on the basis.
    result = run(rulebook, make_scenario, purchase(LIBERTY, 1, JUNE_2003))
    assert result.facts["standstill.shares_after"] == 1 + 26_541_597 + LIBERTY_WARRANTS


# --- A-special-dividend-reference ----------------------------------------------------------------------------


def test_a_special_dividend_reference_is_the_stated_figure_not_the_cod_path(rulebook):
    """A-special-dividend-reference: the Special Dividend uses $14,859.47 as the CoD states it
    ($10,000 x 1.02^20), not the CoD 6(a) path's Liquidation Preference at June 30, 2005, which
    rounds to $15,126.94."""
    reference = compounded(None, rulebook.param("initial_liquidation_preference"),
                           rulebook.param("special_dividend_quarterly_rate"), rulebook.param("special_dividend_quarters"))
    assert reference == Decimal("14859.47")
    assert rulebook.param("special_dividend_reference") == Decimal("14859.47")
    cod_path = calc.liquidation_preference(rulebook.terms(), date(2005, 6, 30))
    assert calc.money_display(cod_path) == "$15,126.94"
    assert Decimal(str(calc._round_half_up(cod_path, 2))) == Decimal("15126.94") != reference


def test_a_special_dividend_reference_in_the_position_report():
    """A-special-dividend-reference: `clausewise position` shows the stated $14,859.47 as the
    Special Dividend reference, with the assumption id, even on 2005-06-30 when the Liquidation
    Preference on the CoD 6(a) path is $15,126.94."""
    code, data = run_json("position", "--as-of", "2005-06-30")
    assert code == 0
    terms = data["terms"]
    assert terms["special_dividend_reference"] == "$14,859.47"
    assert terms["special_dividend_reference_assumption"] == "A-special-dividend-reference"
    assert terms["liquidation_preference"] == "$15,126.94"


# --- A-warrant-expiry-day ----------------------------------------------------------------------------------


@pytest.mark.parametrize("as_of, warrants", [
    (date(2005, 4, 8), LIBERTY_WARRANTS),   # Friday: the last day the alternative reading counts
    (date(2005, 4, 9), LIBERTY_WARRANTS),   # Saturday
    (date(2005, 4, 10), LIBERTY_WARRANTS),  # Sunday: exercisable until 5:00 p.m.
    (date(2005, 4, 11), 0),                 # void
])
def test_a_warrant_expiry_day_counts_warrant_shares_through_april_10_2005(rulebook, make_scenario, as_of, warrants):
    """A-warrant-expiry-day: the Warrants are exercisable until 5:00 p.m. on April 10, 2005 (a
    Sunday), so Warrant shares count in beneficial ownership through that day, not only through
    Friday April 8, and from April 11 they do not."""
    result = run(rulebook, make_scenario, purchase(LIBERTY, 1, as_of))
    conversion = calc.conversion_shares(rulebook.terms(), 50_000, as_of)
    assert result.facts["beneficial_ownership.shares_after"] == 1 + conversion + warrants


def test_a_warrant_expiry_day_in_the_positions(rulebook, closing):
    """A-warrant-expiry-day: Liberty's 6,666,667 Warrant shares are counted on 2005-04-10 and are
    gone on 2005-04-11."""
    from clausewise.position import positions

    sunday = positions(rulebook, closing, FIFTH_ANNIVERSARY)["groups"]["liberty"]
    monday = positions(rulebook, closing, date(2005, 4, 11))["groups"]["liberty"]
    assert sunday["warrant_shares"] == LIBERTY_WARRANTS
    assert monday["warrant_shares"] == 0
    assert sunday["beneficial_ownership"]["shares"] == sunday["as_converted_shares"] + LIBERTY_WARRANTS
    assert monday["beneficial_ownership"]["shares"] == monday["as_converted_shares"] == 26_547_482


# --- A-rule144-availability ------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", [date(2000, 4, 11), date(2004, 6, 1), date(2010, 1, 4)])
def test_a_rule144_availability_unstated_cannot_be_determined_on_any_date(rulebook, make_scenario, as_of):
    """A-rule144-availability: whether the Series A may be resold under Rule 144 is a scenario
    input, not computed from holding periods, so a transfer with route none and no Rule 144 fact
    is cannot_determine under CoD 4 naming transfer.rule144_resale_available, whether it is the
    day after the Closing or years after the holding periods would have run."""
    result = run(rulebook, make_scenario, transfer(HMTF_BRIDGE, OUTSIDER, "series_a2", 500, as_of, basis="none"))
    finding = result.by_rule(COD_4)
    assert finding.outcome == "cannot_determine"
    assert finding.missing == ["transfer.rule144_resale_available"]
    assert "transfer.rule144_resale_available" not in result.facts
    assert "A-rule144-availability" in finding.assumptions


@pytest.mark.parametrize("as_of, available, expected", [
    # The day after the Closing: no holding period has run, yet the stated fact governs.
    (date(2000, 4, 11), True, "permitted"),
    # Ten years on: any holding period has run, yet the stated fact governs.
    (date(2010, 1, 4), False, "violation"),
])
def test_a_rule144_availability_stated_fact_governs_whatever_the_date(rulebook, make_scenario, as_of, available,
                                                                      expected):
    """A-rule144-availability: the stated fact decides CoD 4; the checker computes no Rule 144
    date from the April 10, 2000 acquisition."""
    result = run(rulebook, make_scenario, transfer(HMTF_BRIDGE, OUTSIDER, "series_a2", 500, as_of, basis="none",
                                                   rule144_resale_available=available))
    assert outcome(result, COD_4) == (expected, None)


# --- A-pledge-transfer ---------------------------------------------------------------------------------------


def test_a_pledge_transfer_needs_a_pa_6_5_route_but_does_not_convert(rulebook, make_scenario):
    """A-pledge-transfer: a bona fide financing pledge is a Securities Transfer under PA 6.5, so
    with route none it is a violation, but it is not a "transfer" under CoD 12(i)(iii), so the
    pledged Series A-1 does not convert into Series A-3."""
    pledge = transfer(LIBERTY, LENDER, "series_a1", 5_000, basis="none", rule144_resale_available=True,
                      pledge_in_bona_fide_financing=True)
    result = run(rulebook, make_scenario, pledge)
    assert outcome(result, PA_65) == ("violation", None)
    assert outcome(result, COD_12I_A1) == ("not_applicable", "bona-fide-financing")
    assert result.facts["transfer.bona_fide_financing"] is True
    # The same pledge on an exempt route is permitted under PA 6.5, and still does not convert.
    exempt = run(rulebook, make_scenario, dict(pledge, action=dict(pledge["action"], basis="exempt")))
    assert outcome(exempt, PA_65) == ("permitted", "exempt")
    assert outcome(exempt, COD_12I_A1) == ("not_applicable", "bona-fide-financing")
    # Not a financing pledge: the same transfer converts the Series A-1.
    sale = run(rulebook, make_scenario, dict(pledge, action=dict(pledge["action"],
                                                                   pledge_in_bona_fide_financing=False)))
    assert outcome(sale, PA_65) == ("violation", None)
    assert outcome(sale, COD_12I_A1) == ("obligation", None)


# --- A-pta-scope ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("signed, expected, notice", [
    (False, ("permitted", "exempt"), "not_applicable"),
    (True, ("permitted", "permitted-transferee"), "obligation"),
])
def test_a_pta_scope_only_the_signed_agreement_is_checked(rulebook, make_scenario, signed, expected, notice):
    """A-pta-scope: the checker asks only whether the transferee signed a Permitted Transferee
    Agreement before the transfer. An exempt transfer to a Permitted Transferee is permitted either
    way (PA 6.5(b)(ii)); the signed agreement makes it a transfer to a Permitted Transferee under
    6.5(a), which must be notified."""
    result = run(rulebook, make_scenario, transfer(HMTF_BRIDGE, HM4_QUALIFIED, "series_a2", 1_000,
                                                   basis="exempt",
                                                   permitted_transferee_agreement=signed,
                                                   rule144_resale_available=True))
    assert outcome(result, PA_65) == expected
    assert result.by_rule(PA_65_NOTICE).outcome == notice


def test_a_pta_scope_has_no_input_for_what_the_agreement_binds_to(rulebook, make_scenario):
    """A-pta-scope: whether the agreement binds the transferee to PA 6.5 alone or to the whole
    Agreement is not asked: there is no such fact, and a scenario that tries to state it is
    refused as an unknown key."""
    assert sorted(name for name in rulebook.facts if "permitted_transferee" in name) == [
        "transfer.permitted_transferee_agreement", "transferor.permitted_transferee_agreement"]
    data = transfer(HMTF_BRIDGE, HM4_QUALIFIED, "series_a2", 1_000, basis="exempt",
                    permitted_transferee_agreement=True, permitted_transferee_agreement_scope="section_6_5")
    with pytest.raises(InputError) as info:
        make_scenario(data)
    assert [p.category for p in info.value.problems] == ["unknown-key"]


# --- A-purchaser-by-group ------------------------------------------------------------------------------------


@pytest.mark.parametrize("source, security, table", [
    # A Schedule I Purchaser of the HMTF Group.
    (HM4_PRIVATE, "series_a2", None),
    # A Liberty Group member that is not a Schedule I Purchaser (e.g. a Permitted Transferee).
    ("Liberty ICOMM, Inc.", "series_a1",
     cap({"name": LIBERTY, "series_a1": 49_000}, {"name": "Liberty ICOMM, Inc.", "group": "liberty",
                                                   "series_a1": 1_000})),
])
def test_a_purchaser_by_group_binds_every_group_holder(rulebook, make_scenario, source, security, table):
    """A-purchaser-by-group: PA 6.5 binds every holder in the Liberty, HMTF or Gleacher Group, the
    Purchasers and those that hold through them alike: a transfer by such a holder with no
    permitted route is a violation."""
    result = run(rulebook, make_scenario, transfer(source, OUTSIDER, security, 50, cap_table=table, basis="none",
                                                   rule144_resale_available=True))
    finding = result.by_rule(PA_65)
    assert finding.outcome == "violation"
    assert "A-purchaser-by-group" in finding.assumptions


def test_a_purchaser_by_group_leaves_a_holder_outside_every_group_unbound(rulebook, make_scenario):
    """A-purchaser-by-group: a holder in group none is not bound by PA 6.5: its transfer with no
    route is not_applicable (not this party)."""
    table = cap({"name": GLEACHER, "series_a3": 1_500}, {"name": OUTSIDER["name"], "group": "none", "series_a3": 500})
    data = transfer(OUTSIDER["name"], {"name": "Public buyers", "group": "none"}, "series_a3", 500,
                    cap_table=table, basis="none", rule144_resale_available=True)
    result = run(rulebook, make_scenario, data)
    for rule in (PA_65, PA_65_NOTICE):
        finding = result.by_rule(rule)
        assert (finding.outcome, finding.reason) == ("not_applicable", "not_this_party")
    assert result.by_rule(PA_65).trace_explanation == (
        "Does not apply to this action: transferor.group is none, not one of liberty, hmtf, gleacher; "
        "transferor.permitted_transferee_agreement is no, not yes.")


# --- A-business-day-calendar ---------------------------------------------------------------------------------


def test_a_business_day_calendar_rolls_past_federal_reserve_holidays(rulebook):
    """A-business-day-calendar: New York bank holidays are the Federal Reserve holidays, so the
    Dividend Payment Date for December 31, 2000 (a Sunday, then New Year's Day) is 2001-01-02; a
    Sunday holiday is observed on the Monday (2006-01-01 -> 2006-01-03); a Saturday holiday is not
    moved to the Friday (2004-12-31 is a Dividend Payment Date)."""
    terms = rulebook.terms()
    assert calc.dividend_payment_dates(terms, date(2001, 1, 2))[-1] == date(2001, 1, 2)
    assert calc.dividend_payment_dates(terms, date(2001, 1, 1))[-1] == date(2000, 10, 2)
    assert calc.dividend_payment_dates(terms, date(2005, 1, 1))[-1] == date(2004, 12, 31)
    assert calc.dividend_payment_dates(terms, date(2006, 1, 2))[-1] == date(2005, 9, 30)
    assert calc.dividend_payment_dates(terms, date(2006, 1, 3))[-1] == date(2006, 1, 3)


@pytest.mark.parametrize("as_of, conversion", [
    # 2001-01-01: LP 10,383.60 plus 91 days accrued (10,383.60 x 8% x 91/360 = 209.9817...):
    # 50,000 x 10,593.5817 / 28 = 18,917,106.43 -> 18,917,106.
    (date(2001, 1, 1), 18_917_106),
    # 2001-01-02, the Dividend Payment Date: LP 10,383.60 x 1.02 = 10,591.272, nothing accrued:
    # 50,000 x 10,591.272 / 28 = 18,912,985.71 -> 18,912,986.
    (date(2001, 1, 2), 18_912_986),
])
def test_a_business_day_calendar_decides_when_the_december_2000_dividend_is_added(rulebook, make_scenario, as_of,
                                                                                   conversion):
    """A-business-day-calendar: the December 2000 dividend is added to the Liquidation Preference on
    2001-01-02, not on 2001-01-01, so Liberty's as-converted shares (as the engine counts them in
    beneficial ownership) still carry 91 days' accrual on New Year's Day."""
    result = run(rulebook, make_scenario, purchase(LIBERTY, 1, as_of))
    assert result.facts["beneficial_ownership.shares_after"] == 1 + conversion + LIBERTY_WARRANTS


def test_a_business_day_calendar_keeps_the_day_after_thanksgiving_out_of_the_pa_only(rulebook):
    """A-business-day-calendar: the PA excludes the day after Thanksgiving but the CoD does not, so
    the CoD calendar the Dividend Payment Dates use treats it as a Business Day; a quarter end that
    is not a Business Day rolls to the next CoD Business Day."""
    assert calc.is_business_day(date(2003, 11, 28))  # the day after Thanksgiving 2003
    # 2003-11-27 (Thanksgiving) is closed: a Federal Reserve holiday.
    assert not calc.is_business_day(date(2003, 11, 27))
    # 2002-03-31 is a Sunday: the March 2002 date is Monday 2002-04-01.
    assert date(2002, 4, 1) in calc.dividend_payment_dates(rulebook.terms(), date(2002, 4, 1))


# --- A-conversion-rounding -----------------------------------------------------------------------------------


def test_a_conversion_rounding_is_per_conversion_half_up(rulebook, make_scenario):
    """A-conversion-rounding: conversion shares are computed on the aggregate surrendered, to the
    nearest 1/100 and then half up to a whole share: Liberty's 50,000 Series A-1 at the Closing
    give 17,857,142.86 -> 17,857,143 (with 6,666,667 Warrant shares, the 13D's 24,523,810), not
    17,857,000 per share (357.14 x 50,000) nor 17,857,142 truncated."""
    terms = rulebook.terms()
    exact = calc.conversion_shares_exact(terms, 50_000, CLOSING_DATE)
    assert calc._round_half_up(exact, 2) == Decimal("17857142.86")
    assert calc.conversion_shares(terms, 50_000, CLOSING_DATE) == 17_857_143
    per_share = calc._round_half_up(calc.conversion_shares_exact(terms, 1, CLOSING_DATE), 2)
    assert per_share * 50_000 == 17_857_000
    assert int(exact) == 17_857_142
    result = run(rulebook, make_scenario, purchase(LIBERTY, 1, CLOSING_DATE))
    assert result.facts["beneficial_ownership.shares_after"] == 1 + 24_523_810


def test_a_conversion_rounding_is_per_record_holder(rulebook, make_scenario):
    """A-conversion-rounding: each record holder converts separately, so the six HMTF funds'
    23,000 Series A-2 at the Closing give 8,214,287 Common in all (4,107,143 + 3,737,143 + 26,429
    + 198,929 + 89,643 + 55,000), not the 8,214,286 of one conversion of 23,000 together."""
    terms = rulebook.terms()
    per_holder = [calc.conversion_shares(terms, n, CLOSING_DATE) for n in (11_500, 10_464, 74, 557, 251, 154)]
    assert per_holder == [4_107_143, 3_737_143, 26_429, 198_929, 89_643, 55_000]
    assert calc.conversion_shares(terms, 23_000, CLOSING_DATE) == 8_214_286
    # Through the engine: HMTF's 13d-3 shares after a 1-share purchase, Warrants 3,066,667.
    result = run(rulebook, make_scenario, purchase(HMTF_BRIDGE, 1, CLOSING_DATE))
    assert result.facts["beneficial_ownership.shares_after"] == 1 + 8_214_287 + 3_066_667
    # And the CoD 8(b) vote at the Closing: 48,582,035 + 17,857,143 + 8,214,287 + 714,286.
    merger = run(rulebook, make_scenario, corporate(SURVIVOR_MERGER, as_of=CLOSING_DATE))
    a = approval(merger, COD_8B)
    assert a["outstanding"] == 75_367_751
    assert a["blocs"]["hmtf"] == 8_214_287


# --- A-common-vote-input -------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", [
    {"kind": "charter_amendment", "common_stock_votes": True, "equity": "none", "amendment": NO_AMENDMENT},
    {"kind": "liquidation_plan", "common_stock_votes": True, "amendment": NO_AMENDMENT},
    SURVIVOR_MERGER,
    dict(SURVIVOR_MERGER, kind="asset_sale"),
    dict(DELAWARE_LLC_MERGER, kind="consolidation"),
    issuance("junior", "junior", "junior", common_stock_votes=True),
], ids=["charter-amendment", "liquidation-plan", "survivor-merger", "asset-sale", "consolidation", "issuance"])
def test_a_common_vote_input_stated_true_needs_the_as_converted_majority(rulebook, make_scenario, action):
    """A-common-vote-input: where the scenario states that the Common Stock votes, the Series A
    votes with it as converted (CoD 8(b)): a majority of the voting power, 38,952,364 of
    77,904,727 votes on 2001-06-01."""
    result = run(rulebook, make_scenario, corporate(action))
    finding = result.by_rule(COD_8B)
    assert finding.outcome == APPROVAL
    assert "A-common-vote-input" in finding.assumptions
    assert figures(result)[0] == (COD_8B,) + VOTING_POWER_2001_06
    assert approval(result, COD_8B)["voters"] == "voting_power"


def test_a_common_vote_input_board_by_law_amendment_is_no_stockholder_matter(rulebook, make_scenario):
    """A-common-vote-input: a by-law amendment the Board adopts alone is not a matter the Common
    Stock votes on, so there is no CoD 8(b) vote (formerly a majority of 77,904,727 votes was
    asked); an amendment adverse to the Series A-3 still needs 75% of the Series A (56,250 of
    75,000) and a majority of the Series A-3 (1,001 of 2,000) under CoD 8(c)."""
    board = {"kind": "charter_amendment", "common_stock_votes": False, "equity": "none",
             "amendment": dict(NO_AMENDMENT, instrument="by_laws", adversely_affects=["series_a3"])}
    result = run(rulebook, make_scenario, corporate(board))
    finding = result.by_rule(COD_8B)
    assert finding.outcome == "not_applicable"
    assert finding.trace_explanation == ("Not applicable: the condition of CoD 8(b), 8(e) is not met "
                                   "(common_stock.votes is no, not == yes).")
    assert figures(result) == [(COD_8CI,) + SEVENTY_FIVE, (A3_SERIES, "Series A-3 holders", "majority", 1_001, 2_000)]
    put_to_stockholders = run(rulebook, make_scenario, corporate(dict(board, common_stock_votes=True)))
    assert figures(put_to_stockholders)[0] == (COD_8B,) + VOTING_POWER_2001_06


@pytest.mark.parametrize("kind", ["charter_amendment", "merger", "equity_issuance", "series_split"])
def test_a_common_vote_input_left_out_cannot_be_determined(rulebook, make_scenario, kind):
    """A-common-vote-input: left out, the CoD 8(b) vote is neither assumed nor assumed away."""
    actions = {"charter_amendment": {"kind": kind, "equity": "none", "amendment": NO_AMENDMENT},
               "merger": without(SURVIVOR_MERGER, "common_stock_votes"),
               "equity_issuance": without(issuance("junior", "junior", "junior"), "common_stock_votes"),
               "series_split": {"kind": kind, "series": ["series_a1", "series_a2", "series_a3"],
                                "same_for_every_series": True, "conversion_rights_protected": True}}
    result = run(rulebook, make_scenario, corporate(actions[kind]))
    finding = result.by_rule(COD_8B)
    assert (finding.outcome, finding.missing) == ("cannot_determine", ["common_stock.votes"])
    assert all(a["rule"] != COD_8B for a in result.approvals)
    assert result.blocked is True


@pytest.mark.parametrize("action", [
    {"kind": "tender_offer", "by": "company", "for_common_stock": True},
    {"kind": "exchange_offer", "by": "company", "for_common_stock": True},
    {"kind": "restrictive_agreement", "materially_restricts_series_a_rights": True},
    {"kind": "material_transaction", "type": "acquisition", "material": True, "outside_ordinary_course": True,
     "board": {"approved": False, "series_a1_or_a2_director_voted_for": False}},
], ids=["tender-offer", "exchange-offer", "restrictive-agreement", "material-transaction"])
def test_a_common_vote_input_not_for_other_actions(rulebook, make_scenario, action):
    """A-common-vote-input: a tender offer (and the other CoD 8(c) matters that are never put to
    the stockholders) takes no common_stock_votes input and has no CoD 8(b) vote."""
    result = run(rulebook, make_scenario, corporate(action))
    finding = result.by_rule(COD_8B)
    assert (finding.outcome, finding.reason) == ("not_applicable", "not_this_action")
    assert result.approvals  # a Series A class vote is still required
    assert all(a["rule"] != COD_8B for a in result.approvals)


# --- A-adverse-effect-input, A-equivalent-rights-input, A-materiality-input -----------------------------------


def test_a_adverse_effect_input_left_out_cannot_be_determined(rulebook, make_scenario):
    """A-adverse-effect-input: whether an amendment affects a series adversely is stated by the
    scenario; left out, CoD 8(c)(i) and each series vote are cannot_determine naming
    amendment.adversely_affects (the checker does not weigh the terms)."""
    action = {"kind": "charter_amendment", "common_stock_votes": True, "equity": "none", "amendment": without(NO_AMENDMENT, "adversely_affects")}
    result = run(rulebook, make_scenario, corporate(action))
    assert "amendment.adversely_affects" not in result.facts
    for rule in (COD_8CI, A1_SERIES, A2_SERIES, A3_SERIES):
        finding = result.by_rule(rule)
        assert finding.outcome == "cannot_determine", rule
        assert finding.missing == ["amendment.adversely_affects"], rule
    assert "A-adverse-effect-input" in result.by_rule(COD_8CI).assumptions
    assert result.blocked is True


def test_a_adverse_effect_input_one_series_is_adverse_to_the_series_a(rulebook, make_scenario):
    """A-adverse-effect-input: a survivor merger adverse to the Series A-3 alone is adverse to the
    Series A: it needs 75% under CoD 8(c)(i) and fails the survivor limb of the Qualifying
    Transaction test (69%), besides the Series A-3 majority."""
    action = dict(SURVIVOR_MERGER, amendment=dict(NO_AMENDMENT, instrument="certificate_of_designation",
                                                  adversely_affects=["series_a3"]))
    result = run(rulebook, make_scenario, corporate(action))
    assert figures(result) == [(COD_8B,) + VOTING_POWER_2001_06, (COD_8CI,) + SEVENTY_FIVE,
                               (NON_QT,) + SIXTY_NINE, (A3_SERIES, "Series A-3 holders", "majority", 1_001, 2_000)]
    assert result.by_rule(QT).outcome == "not_applicable"


def test_a_equivalent_rights_input_left_out_cannot_be_determined(rulebook, make_scenario):
    """A-equivalent-rights-input: whether the Series A becomes shares of the resulting entity with
    the same or better rights is stated by the scenario; left out of a merger into a Delaware LLC,
    the Qualifying Transaction test is cannot_determine naming
    transaction.series_a_exchanged_for_equivalent."""
    result = run(rulebook, make_scenario, corporate(without(DELAWARE_LLC_MERGER, "series_a_exchanged_for_equivalent")))
    for rule in (QT, NON_QT):
        finding = result.by_rule(rule)
        assert finding.outcome == "cannot_determine", rule
        assert finding.missing == ["transaction.series_a_exchanged_for_equivalent"], rule
        assert "A-equivalent-rights-input" in finding.assumptions
    assert figures(result) == [(COD_8B,) + VOTING_POWER_2001_06]
    # Stated, it decides the test: equivalent -> majority, not equivalent -> 69%.
    yes = run(rulebook, make_scenario, corporate(DELAWARE_LLC_MERGER))
    no = run(rulebook, make_scenario, corporate(dict(DELAWARE_LLC_MERGER, series_a_exchanged_for_equivalent=False)))
    assert figures(yes)[1:] == [(QT,) + MAJORITY]
    assert figures(no)[1:] == [(NON_QT,) + SIXTY_NINE]


def test_a_equivalent_rights_input_not_needed_when_the_company_survives(rulebook, make_scenario):
    """A-equivalent-rights-input: the input matters only when the Company does not survive; a
    survivor merger that leaves it out is still a Qualifying Transaction (majority)."""
    result = run(rulebook, make_scenario, corporate(SURVIVOR_MERGER))
    assert "transaction.series_a_exchanged_for_equivalent" not in result.facts
    assert figures(result) == [(COD_8B,) + VOTING_POWER_2001_06, (QT,) + MAJORITY]


MATERIAL_ACQUISITION = {"kind": "material_transaction", "type": "acquisition", "material": True,
                        "outside_ordinary_course": True,
                        "board": {"approved": True, "series_a1_or_a2_director_voted_for": False}}


@pytest.mark.parametrize("action, rule, missing", [
    (without(MATERIAL_ACQUISITION, "material"), COD_15, "transaction.material"),
    (without(MATERIAL_ACQUISITION, "outside_ordinary_course"), COD_15, "transaction.outside_ordinary_course"),
    ({"kind": "restrictive_agreement"}, RESTRICTIVE, "agreement.materially_restricts_series_a"),
], ids=["material", "ordinary-course", "restrictive-agreement"])
def test_a_materiality_input_left_out_cannot_be_determined(rulebook, make_scenario, action, rule, missing):
    """A-materiality-input: whether a transaction is material, whether it is outside the ordinary
    course and whether an agreement materially restricts the Series A are scenario inputs (no
    numeric test); left out, CoD 15 or CoD 8(c)(iii) is cannot_determine naming that fact."""
    result = run(rulebook, make_scenario, corporate(action))
    finding = result.by_rule(rule)
    assert finding.outcome == "cannot_determine"
    assert finding.missing == [missing]
    assert "A-materiality-input" in finding.assumptions
    assert result.approvals == []
    assert result.blocked is True


# --- A-asset-sale-continuing-person ---------------------------------------------------------------------------


def test_a_asset_sale_continuing_person_is_a_qualifying_transaction(rulebook, make_scenario):
    """A-asset-sale-continuing-person: in a sale of substantially all assets the selling Company
    is the continuing person when the scenario says it survives, so with the Series A outstanding
    and unimpaired and both deliveries made the sale is a Qualifying Transaction needing a
    majority (37,501), not 69%; read as the buyer's test (limb (ii), Series A not exchanged) the
    same sale would need 69%."""
    sale = dict(SURVIVOR_MERGER, kind="asset_sale")
    result = run(rulebook, make_scenario, corporate(sale))
    finding = result.by_rule(QT)
    assert finding.outcome == APPROVAL
    assert "A-asset-sale-continuing-person" in finding.assumptions
    assert finding.trace_explanation.startswith("The asset sale is a Qualifying Transaction (CoD 8(c))")
    assert approval(result, QT)["shares_required"] == 37_501
    assert result.by_rule(NON_QT).outcome == "not_applicable"
    # The alternative reading: the buyer continues, the Series A is not exchanged -> 69%.
    buyer_view = dict(sale, company_survives=False, resulting_entity={"form": "corporation", "jurisdiction": "Delaware"},
                      series_a_exchanged_for_equivalent=False)
    alternative = run(rulebook, make_scenario, corporate(buyer_view))
    assert figures(alternative)[1:] == [(NON_QT,) + SIXTY_NINE]


# --- A-qt-deliveries-before-vote -----------------------------------------------------------------------------


@pytest.mark.parametrize("missing_delivery", ["officers_certificate_delivered", "opinion_of_counsel_delivered"])
def test_a_qt_deliveries_before_vote_a_majority_vote_is_not_enough(rulebook, make_scenario, missing_delivery):
    """A-qt-deliveries-before-vote: the Qualifying Transaction test is run when the vote is
    sought, so a merger whose Officers' Certificate (or opinion) is not yet delivered needs 69%:
    Liberty's 50,000 Series A for (a majority, 66.7%) carries it only once both are delivered."""
    vote = {"votes": {"liberty": "for", "hmtf": "against", "gleacher": "against"}}
    delivered = run(rulebook, make_scenario, corporate(SURVIVOR_MERGER, vote=vote))
    assert approval(delivered, QT)["tally"]["result"] == "passes"
    pending = run(rulebook, make_scenario, corporate(dict(SURVIVOR_MERGER, **{missing_delivery: False}), vote=vote))
    assert result_rules(pending) == [COD_8B, NON_QT]
    a = approval(pending, NON_QT)
    assert (a["threshold"], a["shares_required"]) == ("69%", 51_750)
    assert (a["tally"]["shares_for"], a["tally"]["result"]) == (50_000, "fails")
    assert "A-qt-deliveries-before-vote" in pending.by_rule(NON_QT).assumptions
    assert pending.blocked is True


def result_rules(result) -> list[str]:
    return [a["rule"] for a in result.approvals]


# --- A-senior-on-any-axis --------------------------------------------------------------------------------------


@pytest.mark.parametrize("ranking", [("junior", "senior", "junior"), ("parity", "senior", "parity")],
                         ids=["senior-on-redemption-only", "senior-on-redemption-parity-otherwise"])
def test_a_senior_on_any_axis_senior_on_redemption_only_needs_75_percent(rulebook, make_scenario, ranking):
    """A-senior-on-any-axis: equity senior to the Series A on redemption alone is Senior Shares and
    needs 75% (56,250), not the 69% of Parity Shares (nor no vote) that CoD 9(a)'s "dividend
    rights and rights upon liquidation" would give."""
    result = run(rulebook, make_scenario, corporate(issuance(*ranking)))
    assert figures(result) == [(SENIOR,) + SEVENTY_FIVE]
    assert result.by_rule(PARITY).outcome == "not_applicable"
    assert "A-senior-on-any-axis" in result.by_rule(SENIOR).assumptions


# --- A-silent-ranking-junior -------------------------------------------------------------------------------------


@pytest.mark.parametrize("class_", ["preferred", "other"])
def test_a_silent_ranking_junior_stated_junior_needs_no_vote(rulebook, make_scenario, class_):
    """A-silent-ranking-junior: an axis the new equity's terms are silent on is stated junior, and
    equity junior on all three axes needs no CoD 8(c)(iv) approval."""
    result = run(rulebook, make_scenario, corporate(issuance("junior", "junior", "junior", class_=class_)))
    for rule in (SENIOR, PARITY):
        finding = result.by_rule(rule)
        assert (finding.outcome, finding.exception) == ("not_applicable", None), rule
        assert "A-silent-ranking-junior" in finding.assumptions
    assert result.approvals == []
    assert result.blocked is False


def test_a_silent_ranking_junior_is_not_inferred_from_silence(rulebook, make_scenario):
    """A-silent-ranking-junior: the scenario must state "junior" for a silent axis; an axis left
    unstated is not taken as junior (nor ranked by economic effect) but is cannot_determine."""
    result = run(rulebook, make_scenario, corporate(issuance("junior", None, "junior")))
    for rule in (SENIOR, PARITY):
        finding = result.by_rule(rule)
        assert finding.outcome == "cannot_determine", rule
        assert finding.missing == ["issuance.rank_redemption"], rule
    assert result.blocked is True


# --- A-series-director-route -----------------------------------------------------------------------------------


@pytest.mark.parametrize("approved, director, expected", [
    (True, True, ("permitted", "board-route")),
    # Board approval, but the only assenting Series A nominee was seated under PA 5.2: stated false.
    (True, False, (APPROVAL, None)),
    # A series director voted for it, but the Board did not approve it.
    (False, True, (APPROVAL, None)),
])
def test_a_series_director_route_needs_board_approval_and_a_series_director(rulebook, make_scenario, approved,
                                                                            director, expected):
    """A-series-director-route: the CoD 15 Board route is met only if the Board approved and a
    director elected by the Series A-1 or A-2 holders under CoD 8(d) voted for it; otherwise the
    material acquisition needs a majority of the Series A (37,501)."""
    action = dict(MATERIAL_ACQUISITION, board={"approved": approved, "series_a1_or_a2_director_voted_for": director})
    result = run(rulebook, make_scenario, corporate(action))
    finding = result.by_rule(COD_15)
    assert outcome(result, COD_15) == expected
    assert "A-series-director-route" in finding.assumptions
    if expected[0] == APPROVAL:
        assert figures(result) == [(COD_15,) + MAJORITY]
        assert result.blocked is True
    else:
        assert result.approvals == []
        assert result.blocked is False


# --- A-group-taken-as-a-whole ------------------------------------------------------------------------


LIBERTY_OVER_CAP = cap({"name": LIBERTY, "common": 3_000_000})  # 38.0895% on the PA 6.6 basis in 2003
SUBSIDIARY = {"name": "Liberty ICOMM, Inc.", "group": "liberty"}


@pytest.mark.parametrize("source, to, security, expected", [
    # Inside the group: holdings taken as a whole are unchanged, so no breach, though over the cap.
    (LIBERTY, SUBSIDIARY, "series_a1", ("permitted", "within-the-group")),
    # From outside the group: the Liberty Holders taken as a whole acquire more, over the cap.
    (HMTF_BRIDGE, SUBSIDIARY, "series_a2", ("violation", None)),
])
def test_a_group_taken_as_a_whole_an_intra_group_transfer_cannot_breach_the_cap(rulebook, make_scenario, source,
                                                                                  to, security, expected):
    """A-group-taken-as-a-whole: Liberty, already over 37% (38.0895%), moves Series A-1 to its
    subsidiary; the alternative (each Holder's acquisition tested alone) would call it a breach."""
    data = transfer(source, to, security, 1_000, as_of=JUNE_2003, cap_table=LIBERTY_OVER_CAP, basis="exempt",
                    permitted_transferee_agreement=True, rule144_resale_available=True)
    result = run(rulebook, make_scenario, data)
    finding = result.by_rule(LIBERTY_RULE)
    assert (finding.outcome, finding.exception) == expected
    assert result.facts["standstill.pct_after"] > 37
    assert "A-group-taken-as-a-whole" in finding.assumptions


# --- A-rule144-basis-needs-availability --------------------------------------------------------------


@pytest.mark.parametrize("available, pa, cod4", [
    (True, ("permitted", "rule-144"), ("permitted", None)),
    (False, ("violation", None), ("violation", None)),
    (None, ("cannot_determine", None), ("cannot_determine", None)),
])
def test_a_rule144_basis_needs_availability(rulebook, make_scenario, available, pa, cod4):
    """A-rule144-basis-needs-availability: a Rule 144 basis stated while Rule 144 resale is stated
    unavailable is no basis (a violation), not refused input; unstated, it cannot be determined."""
    flags = {"basis": "rule_144"}
    if available is not None:
        flags["rule144_resale_available"] = available
    result = run(rulebook, make_scenario, transfer(HMTF_BRIDGE, OUTSIDER, "series_a2", 500, **flags))
    assert outcome(result, PA_65) == pa
    assert outcome(result, COD_4) == cod4
    if available is None:
        assert result.by_rule(PA_65).missing == ["transfer.rule144_resale_available"]
    assert "A-rule144-basis-needs-availability" in result.by_rule(PA_65).assumptions


# --- A-permitted-transferee-needs-basis --------------------------------------------------------------


@pytest.mark.parametrize("basis, pa, notice", [
    ("exempt", ("permitted", "permitted-transferee"), "obligation"),
    ("registered", ("permitted", "permitted-transferee"), "obligation"),
    ("none", ("violation", None), "not_applicable"),
    (None, ("cannot_determine", None), "cannot_determine"),
])
def test_a_permitted_transferee_needs_basis(rulebook, make_scenario, basis, pa, notice):
    """A-permitted-transferee-needs-basis: a Liberty subsidiary that signed the agreement is a
    Permitted Transferee under 6.5(a) only with a Securities Act basis; the alternative would
    permit the no-basis transfer under 6.5(a) and require the notice."""
    flags = {"permitted_transferee_agreement": True, "rule144_resale_available": False}
    if basis is not None:
        flags["basis"] = basis
    result = run(rulebook, make_scenario, transfer(LIBERTY, SUBSIDIARY, "series_a1", 10_000,
                                                   as_of=date(2000, 6, 15), **flags))
    assert outcome(result, PA_65) == pa
    assert result.by_rule(PA_65_NOTICE).outcome == notice
    if basis is None:
        assert result.by_rule(PA_65).missing == ["transfer.basis"]
    assert "A-permitted-transferee-needs-basis" in result.by_rule(PA_65_NOTICE).assumptions


# --- A-bound-permitted-transferee --------------------------------------------------------------------


@pytest.mark.parametrize("bound, expected", [
    (True, ("violation", None)),
    (False, ("not_applicable", None)),
])
def test_a_bound_permitted_transferee_stays_bound_by_pa_6_5(rulebook, make_scenario, bound, expected):
    """A-bound-permitted-transferee: an HMTF parallel investor outside the groups that signed a
    Permitted Transferee Agreement sells on with no basis: a violation; one that signed none is
    outside PA 6.5."""
    table = cap({"name": HMTF_BRIDGE, "series_a2": 10_500},
                {"name": "Parallel Fund LP", "group": "none", "series_a2": 1_000,
                 "permitted_transferee_agreement": bound})
    result = run(rulebook, make_scenario, transfer("Parallel Fund LP", OUTSIDER, "series_a2", 1_000,
                                                   cap_table=table, basis="none", rule144_resale_available=True))
    assert outcome(result, PA_65) == expected
    assert result.facts["transferor.permitted_transferee_agreement"] is bound


# --- A-company-acquisition-not-12i and A-accreted-dividends-not-paid ---------------------------------


def test_a_company_acquisition_is_cancelled_not_converted(rulebook, make_scenario):
    """A-company-acquisition-not-12i: Series A-1 sold to the Company is cancelled (CoD 18), not
    converted into Series A-3 (the alternative's literal 12(i) reading)."""
    result = run(rulebook, make_scenario, transfer(LIBERTY, "company", "series_a1", 1_000, basis="exempt",
                                                   company_offer="purchase_offer"))
    assert outcome(result, COD_12I_A1) == ("not_applicable", None)
    assert result.by_rule(COD_12I_A1).reason == "not_this_party"
    assert outcome(result, "cod.18.reacquired-series-a-cancelled") == ("obligation", None)
    assert "A-company-acquisition-not-12i" in result.by_rule("cod.18.reacquired-series-a-cancelled").assumptions


@pytest.mark.parametrize("paid, expected", [
    (None, ("violation", None)),       # the reading: accreted dividends are not "declared and paid"
    (False, ("violation", None)),
    (True, ("permitted", None)),       # what the alternative would say without the statement
])
def test_a_accreted_dividends_not_paid_engages_7bv(rulebook, make_scenario, paid, expected):
    """A-accreted-dividends-not-paid: in 2001 the Series A dividends accrete under CoD 6(a), so a
    purchase of 1,000 of the 75,000 Series A by the Company outside CoD 13 and 14 is barred by
    7(b)(v) unless full cumulative dividends are stated paid."""
    flags = {"basis": "exempt", "company_offer": "none"}
    if paid is not None:
        flags["full_cumulative_dividends_paid"] = paid
    result = run(rulebook, make_scenario, transfer(LIBERTY, "company", "series_a1", 1_000, **flags))
    assert outcome(result, "cod.7b-v.series-a-repurchase") == expected
    finding = result.by_rule("cod.7b-v.series-a-repurchase")
    assert finding.figures["series_a.full_cumulative_dividends_paid"] == ("yes" if paid else "no")
    assert "A-accreted-dividends-not-paid" in finding.assumptions


# --- A-split-changes-authorized -------------------------------------------------------------------------------


def test_a_split_changes_authorized_even_split_needs_75_percent(rulebook, make_scenario):
    """A-split-changes-authorized: a two-for-one split of every series, share and share alike,
    needs no unanimous consent under CoD 12(j) but 75% of the Series A (56,250 of 75,000) under
    CoD 8(c)(i)(B); on the alternative (12(j) alone) it would need no approval."""
    action = {"kind": "series_split", "common_stock_votes": False, "series": ["series_a1", "series_a2", "series_a3"],
              "same_for_every_series": True, "conversion_rights_protected": True}
    result = run(rulebook, make_scenario, corporate(action))
    finding = result.by_rule("cod.8c-i.series-split-75")
    assert "A-split-changes-authorized" in finding.assumptions
    assert figures(result) == [("cod.8c-i.series-split-75",) + SEVENTY_FIVE]
    assert result.by_rule("cod.12j.series-split-unanimous").outcome == "not_applicable"
