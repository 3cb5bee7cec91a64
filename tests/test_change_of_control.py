"""Change of Control (CoD 17 prongs (a), (b), (d) and the Teligent carve-out) and what it costs the
Company (CoD 6(b), 13, 14), on the real engine and through the command line, on both sides of
every threshold and date edge."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from clitools import run, run_json
from clausewise.evaluate import evaluate
from clausewise.measures import Situation, difference
from deal import CLOSING_FILE, LIBERTY, SCENARIOS

COC_A, COC_B, COC_D = "cod.17.coc-a", "cod.17.coc-b", "cod.17.coc-d"
SPECIAL, NOTICE, OFFER, STEP_UP = ("cod.6b.special-dividend", "cod.13a.coc-notice", "cod.13a.coc-offer",
                                   "cod.13a.coc-step-up")
PURCHASE_OFFER, RESET = "cod.14a.purchase-offer", "cod.14d.rate-reset"
NON_QT = "cod.8c-ii.non-qualifying-69"
IN_FORCE = {"purchase-agreement": "in_force", "certificate-of-designation": "in_force"}
NEWCOMER = {"name": "Acquisition Corp", "group": "none"}
# June 1, 2001: 48,582,035 Common and the 75,000 Series A as converted are 77,904,727 votes.
TOTAL_VOTES_2001 = 77_904_727


def buys(quantity: int, as_of: date = date(2001, 6, 1), buyer=NEWCOMER, **action) -> dict:
    data = {"as_of": as_of, "action": {"kind": "purchase", "buyer": buyer, "security": "common",
                                       "quantity": quantity, "seller": "market", **action}}
    if as_of > date(2002, 4, 3):
        data["instruments"] = dict(IN_FORCE)
    return data


def combination(as_of: date = date(2001, 6, 1), kind: str = "merger", **stated) -> dict:
    action = {"kind": kind, "common_stock_votes": True, "company_survives": True,
              "series_a_remains_outstanding": True, "officers_certificate_delivered": True,
              "opinion_of_counsel_delivered": True,
              "amendment": {"instrument": "none", "adversely_affects": [], "changes_authorized_series_a": False,
                            "alters_relative_rights": False},
              "counterparty": "other", "prior_holders_pct": {"survivor": 100}, "survivor_has_parent": False,
              "largest_holder_pct": {"survivor": 35}}
    action.update(stated)
    data = {"as_of": as_of, "action": action}
    if as_of > date(2002, 4, 3):
        data["instruments"] = dict(IN_FORCE)
    return data


def check(rulebook, make_scenario, data: dict):
    return evaluate(rulebook, make_scenario(data))


def outcome(result, rule: str) -> tuple:
    finding = result.by_rule(rule)
    return finding.outcome, finding.exception


# --- prong (a): a person or group becomes the beneficial owner of more than 50% -------------------


@pytest.mark.parametrize("quantity, found, occurs", [(38_952_363, "not_applicable", False),
                                                     (38_952_364, "obligation", True)])
def test_a_third_party_crosses_more_than_half_of_the_votes(rulebook, make_scenario, quantity, found, occurs):
    result = check(rulebook, make_scenario, buys(quantity))
    assert result.facts["change_of_control.total_votes_after"] == TOTAL_VOTES_2001
    assert result.facts["change_of_control.acquirer_pct_after"] == Fraction(100 * quantity, TOTAL_VOTES_2001)
    assert result.by_rule(COC_A).outcome == found
    assert result.facts["change_of_control.occurs"] is occurs
    assert result.by_rule(SPECIAL).outcome == found
    assert result.blocked is False  # a Change of Control obliges; it does not forbid (A-coc-election-undecided)


def test_exactly_half_of_the_votes_is_not_more_than_50_percent(rulebook, make_scenario):
    # Liberty in June 2003: 33,208,264 votes of 95,061,097 with its Warrants; 15,227,882 more is
    # 48,436,146 of 96,872,292... exactly half, and one more share is over it.
    at_half = check(rulebook, make_scenario, buys(15_227_882, date(2003, 6, 2), LIBERTY))
    assert at_half.facts["change_of_control.acquirer_pct_after"] == 50
    assert at_half.by_rule(COC_A).outcome == "not_applicable"
    assert at_half.by_rule("pa.6.6a.liberty-standstill").outcome == "violation"
    over = check(rulebook, make_scenario, buys(15_227_883, date(2003, 6, 2), LIBERTY))
    assert over.by_rule(COC_A).outcome == "obligation"
    assert over.by_rule(COC_A).figures["change_of_control.acquirer_pct_after"] == "50.000001%"


def test_rights_to_acquire_count_whenever_exercisable_and_are_deemed_outstanding(rulebook, make_scenario):
    # A newcomer holding warrants for 1,000,000 shares: its rights count in its votes and in the
    # total, but no other holder's (A-coc-voting-capital-votes).
    data = buys(1)
    data["cap_table"] = {"file": CLOSING_FILE, "holders": [dict(NEWCOMER, warrants=1_000_000)]}
    result = check(rulebook, make_scenario, data)
    assert result.facts["change_of_control.acquirer_votes_after"] == 1_000_001
    assert result.facts["change_of_control.total_votes_after"] == TOTAL_VOTES_2001 + 1_000_000
    # After the Warrants expire (April 10, 2005) they are no right to acquire.
    later = buys(1, date(2005, 4, 11))
    later["cap_table"] = data["cap_table"]
    assert check(rulebook, make_scenario, later).facts["change_of_control.acquirer_votes_after"] == 1


@pytest.mark.parametrize("common, found", [(35_619_030, "not_applicable"), (35_619_031, "obligation")])
def test_a_third_party_acquiring_rights_to_acquire_becomes_a_beneficial_owner(rulebook, make_scenario, common, found):
    # Liberty's Warrants for 6,666,667 shares, transferred to a holder of Common: its own rights are
    # deemed outstanding, so 35,619,030 + 6,666,667 = 42,285,697 is exactly half of 84,571,394.
    data = {"as_of": date(2001, 6, 1),
            "cap_table": {"file": CLOSING_FILE, "holders": [dict(NEWCOMER, common=common)]},
            "action": {"kind": "transfer", "from": LIBERTY, "to": NEWCOMER, "security": "warrant",
                       "quantity": 6_666_667, "basis": "exempt", "permitted_transferee_agreement": False,
                       "rule144_resale_available": False}}
    result = check(rulebook, make_scenario, data)
    assert (result.facts["change_of_control.acquirer_votes_after"],
            result.facts["change_of_control.total_votes_after"]) == (common + 6_666_667, 84_571_394)
    assert result.by_rule(COC_A).outcome == found


def test_a_purchase_within_a_group_already_over_half_is_not_a_new_change_of_control(rulebook, make_scenario):
    data = buys(1)
    data["cap_table"] = {"file": CLOSING_FILE, "holders": [dict(NEWCOMER, common=40_000_000)]}
    result = check(rulebook, make_scenario, data)
    assert result.facts["change_of_control.acquirer_pct_before"] > 50
    assert result.by_rule(COC_A).outcome == "not_applicable"


@pytest.mark.parametrize("pct, found", [(Decimal("50"), "not_applicable"), (Decimal("50.0001"), "obligation")])
def test_an_issuance_is_tested_on_the_largest_holder_after_it(rulebook, make_scenario, pct, found):
    action = {"kind": "equity_issuance", "common_stock_votes": False, "class": "common", "quantity": 60_000_000,
              "largest_holder_pct_after": pct}
    result = check(rulebook, make_scenario, {"as_of": date(2001, 6, 1), "action": action})
    assert result.by_rule(COC_A).outcome == found


def test_an_issuance_without_the_largest_holder_cannot_be_determined(rulebook, make_scenario):
    action = {"kind": "equity_issuance", "common_stock_votes": False, "class": "common", "quantity": 60_000_000}
    result = check(rulebook, make_scenario, {"as_of": date(2001, 6, 1), "action": action})
    finding = result.by_rule(COC_A)
    assert (finding.outcome, finding.missing) == ("cannot_determine", ["change_of_control.largest_holder_pct_after"])
    assert "change_of_control.occurs" not in result.facts
    assert result.by_rule(SPECIAL).outcome == "cannot_determine"
    assert result.blocked is True


# --- prong (b): merger, consolidation, sale of substantially all assets ----------------------------


@pytest.mark.parametrize("stated, found", [
    ({"prior_holders_pct": {"survivor": 50}}, "not_applicable"),
    ({"prior_holders_pct": {"survivor": Decimal("49.99")}}, "obligation"),
    ({"largest_holder_pct": {"survivor": 50}}, "not_applicable"),
    ({"largest_holder_pct": {"survivor": Decimal("50.01")}}, "obligation"),
    # The parent is tested too (A-coc-b-survivor-and-parent).
    ({"survivor_has_parent": True, "prior_holders_pct": {"survivor": 60, "parent": 50},
      "largest_holder_pct": {"survivor": 30, "parent": 30}}, "not_applicable"),
    ({"survivor_has_parent": True, "prior_holders_pct": {"survivor": 60, "parent": Decimal("49.99")},
      "largest_holder_pct": {"survivor": 30, "parent": 30}}, "obligation"),
    ({"survivor_has_parent": True, "prior_holders_pct": {"survivor": 60, "parent": 60},
      "largest_holder_pct": {"survivor": 30, "parent": Decimal("50.01")}}, "obligation"),
])
def test_prong_b_on_both_sides_of_each_limb(rulebook, make_scenario, stated, found):
    result = check(rulebook, make_scenario, combination(**stated))
    assert result.by_rule(COC_B).outcome == found
    assert result.by_rule("cod.8c-ii.qualifying-transaction-majority").outcome == "approval_required"


def test_prong_b_names_the_facts_it_needs(rulebook, make_scenario):
    data = combination()
    del data["action"]["prior_holders_pct"]
    finding = check(rulebook, make_scenario, data).by_rule(COC_B)
    assert finding.outcome == "cannot_determine"
    assert finding.missing == ["combination.prior_holders_pct_of_survivor"]
    data = combination(survivor_has_parent=True)
    finding = check(rulebook, make_scenario, data).by_rule(COC_B)
    assert (finding.outcome, finding.missing) == ("cannot_determine", [
        "combination.prior_holders_pct_of_parent", "combination.largest_holder_pct_of_parent"])


def test_a_deal_that_is_a_class_vote_matter_and_a_change_of_control_reports_both(rulebook, make_scenario):
    result = evaluate(rulebook, make_scenario({"as_of": date(2002, 2, 1), "cap_table": CLOSING_FILE,
                                               "action": _sample_action("coc-b-asset-sale-cayman.yaml")}))
    assert outcome(result, COC_B) == ("obligation", None)
    assert outcome(result, NON_QT) == ("approval_required", None)
    assert result.by_rule(COC_B).figures["combination.prior_holders_pct_of_survivor"] == "0.0000%"


def _sample_action(name: str) -> dict:
    import yaml
    return yaml.safe_load((SCENARIOS / name).read_text(encoding="utf-8"))["action"]


# --- the Teligent carve-out ----------------------------------------------------------------------

TELIGENT = {"counterparty": "teligent", "prior_holders_pct": {"survivor": 40}, "opinion_of_counsel_delivered": False}


@pytest.mark.parametrize("as_of, found", [
    (date(2002, 4, 10), ("not_applicable", "teligent")),  # the last day of the 24 months (A-teligent-window-end)
    (date(2002, 4, 11), ("obligation", None)),
    (date(2000, 4, 10), ("not_applicable", "teligent")),
])
def test_the_teligent_window_and_its_last_day(rulebook, make_scenario, as_of, found):
    result = check(rulebook, make_scenario, combination(as_of, teligent_change_of_control={"occurred": False},
                                                        **TELIGENT))
    assert outcome(result, COC_B) == found
    assert result.by_rule(NON_QT).outcome == "approval_required"  # the 8(c)(ii) vote still applies
    assert result.facts["change_of_control.occurs"] is (found[0] == "obligation")


def test_the_carve_out_names_its_limbs(rulebook, make_scenario):
    result = check(rulebook, make_scenario, combination(date(2002, 4, 10), teligent_change_of_control={"occurred": False},
                                                        **TELIGENT))
    assert result.by_rule(COC_B).because["exceptions"][0]["limbs"] == [
        "a business combination between the Company and Teligent, Inc.",
        "within the 24 month period following the Closing Date"]


@pytest.mark.parametrize("prior, found", [
    ({"occurred": True, "date": date(2001, 1, 15), "acquiror_25pct_owned_by_hmtf_or_liberty": False}, "obligation"),
    # An acquiror 25% owned by an HMTF Group member or Liberty: no Teligent Change of Control.
    ({"occurred": True, "date": date(2001, 1, 15), "acquiror_25pct_owned_by_hmtf_or_liberty": True}, "not_applicable"),
    # Before the date of the Certificate of Designation (April 7, 2000) it does not count.
    ({"occurred": True, "date": date(2000, 4, 7), "acquiror_25pct_owned_by_hmtf_or_liberty": False}, "not_applicable"),
    ({"occurred": True, "date": date(2000, 4, 8), "acquiror_25pct_owned_by_hmtf_or_liberty": False}, "obligation"),
    # Not "prior to such business combination": on the same day it does not count.
    ({"occurred": True, "date": date(2001, 6, 1), "acquiror_25pct_owned_by_hmtf_or_liberty": False}, "not_applicable"),
])
def test_a_prior_teligent_change_of_control_lifts_the_carve_out(rulebook, make_scenario, prior, found):
    result = check(rulebook, make_scenario, combination(teligent_change_of_control=prior, **TELIGENT))
    assert result.by_rule(COC_B).outcome == found


def test_a_combination_in_the_window_with_no_counterparty_stated_cannot_be_determined(rulebook, make_scenario):
    data = combination(prior_holders_pct={"survivor": 40})
    del data["action"]["counterparty"]
    finding = check(rulebook, make_scenario, data).by_rule(COC_B)
    # Inside the window the carve-out turns on the counterparty (and, for Teligent, on what came before).
    assert (finding.outcome, finding.missing[0]) == ("cannot_determine", "combination.counterparty")
    # Outside the window the counterparty does not matter.
    later = combination(date(2002, 4, 11), prior_holders_pct={"survivor": 40})
    del later["action"]["counterparty"]
    assert check(rulebook, make_scenario, later).by_rule(COC_B).outcome == "obligation"


# --- prong (d): a Rule 13e-3 transaction -----------------------------------------------------------


@pytest.mark.parametrize("pct, found", [(Decimal("50"), "not_applicable"), (Decimal("50.01"), "obligation")])
def test_a_rule_13e3_transaction_after_which_a_group_owns_more_than_half(rulebook, make_scenario, pct, found):
    # "owns": the shares held, as the scenario states them (A-coc-d-owns).
    result = check(rulebook, make_scenario, {"as_of": date(2001, 6, 1), "action": {
        "kind": "rule_13e3_transaction", "largest_owner_pct_after": pct}})
    assert result.by_rule(COC_D).outcome == found
    assert result.by_rule(NOTICE).outcome == found


# --- the Special Dividend (CoD 6(b)) ----------------------------------------------------------------


def test_the_special_dividend_per_share_and_in_total_on_june_1_2001(rulebook, make_scenario):
    # LP after the March 31, 2001 accretion $10,803.10, without the $144.04 accrued since
    # (A-special-dividend-lp-accumulated): $14,859.47 - $10,803.10 = $4,056.37 a share.
    figures = check(rulebook, make_scenario, buys(38_952_364)).by_rule(SPECIAL).figures
    assert {k: figures[k] for k in ("special_dividend.lp_before", "special_dividend.accrued",
                                    "special_dividend.per_share", "special_dividend.lp_after",
                                    "special_dividend.total", "special_dividend.common_per_share_before",
                                    "special_dividend.common_per_share_after")} == {
        "special_dividend.lp_before": "$10,803.10", "special_dividend.accrued": "$144.04",
        "special_dividend.per_share": "$4,056.37", "special_dividend.lp_after": "$14,859.47",
        "special_dividend.total": "$304,227,750.00", "special_dividend.common_per_share_before": "390.97",
        "special_dividend.common_per_share_after": "535.84"}


def test_the_catalogue_special_dividend_on_the_closing_date(rulebook, make_scenario):
    # FIG-special-dividend: a Change of Control on April 10, 2000 gives $14,859.47 - $10,000 = $4,859.47.
    figures = check(rulebook, make_scenario, buys(40_000_000, date(2000, 4, 10))).by_rule(SPECIAL).figures
    assert (figures["special_dividend.lp_before"], figures["special_dividend.per_share"]) == ("$10,000.00", "$4,859.47")


@pytest.mark.parametrize("as_of, found, per_share", [
    (date(2005, 5, 2), "obligation", "$29.13"),   # FIG-special-dividend: $14,859.47 - $14,830.34
    (date(2005, 6, 29), "obligation", "$29.13"),
    (date(2005, 6, 30), "not_applicable", "$0.00"),  # not "prior to June 30, 2005"
])
def test_the_special_dividend_ends_with_june_30_2005(rulebook, make_scenario, as_of, found, per_share):
    result = check(rulebook, make_scenario, buys(18_000_000, as_of, LIBERTY))
    assert result.by_rule(COC_A).outcome == "obligation"
    finding = result.by_rule(SPECIAL)
    assert finding.outcome == found
    assert result.facts["special_dividend.per_share"] == Decimal(per_share.strip("$"))
    if found == "not_applicable":
        assert finding.reason == "not_in_force"
        assert result.facts["special_dividend.lp_after"] == result.facts["special_dividend.lp_before"]


def test_a_negative_difference_adds_nothing(rulebook):
    # After a 16% step-up the preference can exceed $14,859.47 (A-special-dividend-not-negative).
    sit = Situation(rulebook.deal(), None, date(2004, 1, 2), facts={"lp": Decimal("15000.00")})
    assert difference(sit, Decimal("14859.47"), "lp", floor="zero") == 0
    assert difference(sit, Decimal("14859.47"), "lp") == Fraction(-14053, 100)


# --- the notice, the Change of Control Offer and the 16% step-up (CoD 13) ---------------------------


def test_the_notice_is_due_20_days_after_the_change_of_control_date(rulebook, make_scenario):
    finding = check(rulebook, make_scenario, buys(38_952_364)).by_rule(NOTICE)
    assert (finding.outcome, finding.figures["change_of_control.notice_deadline"]) == ("obligation", "2001-06-21")


def test_the_change_of_control_offer_price(rulebook, make_scenario):
    # Notice February 11, 2002, purchase May 20, 2002: $14,859.47 from February 1, 2002; on April 1,
    # 2002 (March 31 a Sunday) the 90/360 Dividend Period from December 31, 2001 is shared 32 : 59 by
    # actual days between 8% on the old preference and 8% on the new ($15,132.78; A-step-up-accretes);
    # 49 days at 8% to May 20 ($164.78); 101% of the two is $15,450.54.
    result = check(rulebook, make_scenario, {"as_of": date(2002, 2, 1), "cap_table": CLOSING_FILE,
                                             "action": _sample_action("coc-b-asset-sale-cayman.yaml")})
    finding = result.by_rule(OFFER)
    assert finding.outcome == "permitted"
    assert {k: finding.figures[k] for k in ("coc_offer.lp_premium_per_share", "coc_offer.lp_on_purchase_date",
                                            "coc_offer.accrued_on_purchase_date", "coc_offer.price_per_share",
                                            "coc_offer.price_total")} == {
        "coc_offer.lp_premium_per_share": "$15,008.06",  # 101% x $14,859.47, the catalogue's figure
        "coc_offer.lp_on_purchase_date": "$15,132.78", "coc_offer.accrued_on_purchase_date": "$164.78",
        "coc_offer.price_per_share": "$15,450.54", "coc_offer.price_total": "$1,158,790,500.00"}
    assert result.by_rule(STEP_UP).outcome == "not_applicable"


@pytest.mark.parametrize("notice, purchase, found, step_up", [
    (date(2002, 2, 21), date(2002, 5, 22), "permitted", "not_applicable"),   # day 20; 90 days
    (date(2002, 2, 22), date(2002, 5, 23), "violation", "obligation"),       # day 21: too late, and waived
    (date(2002, 2, 11), date(2002, 5, 12), "permitted", "not_applicable"),   # 90 days
    (date(2002, 2, 11), date(2002, 5, 11), "violation", "not_applicable"),   # 89 days
    (date(2002, 2, 11), date(2002, 6, 11), "permitted", "not_applicable"),   # 120 days
    (date(2002, 2, 11), date(2002, 6, 12), "violation", "not_applicable"),   # 121 days
])
def test_the_offer_window_and_the_notice_deadline(rulebook, make_scenario, notice, purchase, found, step_up):
    action = _sample_action("coc-b-asset-sale-cayman.yaml")
    action["change_of_control_offer"] = {"election": "offer", "notice_mailed": notice, "purchase_date": purchase}
    result = check(rulebook, make_scenario, {"as_of": date(2002, 2, 1), "cap_table": CLOSING_FILE, "action": action})
    assert result.by_rule(OFFER).outcome == found
    assert result.by_rule(STEP_UP).outcome == step_up


@pytest.mark.parametrize("election, found", [("no_offer", "obligation"), ("undecided", "obligation"),
                                             ("offer", "not_applicable")])
def test_no_offer_in_time_raises_the_rate_to_16_percent(rulebook, make_scenario, election, found):
    offer = {"election": election}
    if election == "offer":
        offer.update(notice_mailed=date(2001, 6, 15), purchase_date=date(2001, 9, 20))
    result = check(rulebook, make_scenario, buys(38_952_364, change_of_control_offer=offer))
    assert result.by_rule(STEP_UP).outcome == found
    assert result.by_rule(OFFER).outcome == ("permitted" if election == "offer" else "not_applicable")


# --- the Purchase Offer (CoD 14(a)) and the 8% reset (CoD 14(d)) --------------------------------------


@pytest.mark.parametrize("notice, payment, pct, price", [
    (date(2005, 6, 1), date(2005, 9, 1), "101.0000%", "$15,936.70"),
    (date(2005, 6, 29), date(2005, 9, 27), "101.0000%", "$16,115.84"),
    (date(2005, 6, 30), date(2005, 9, 28), "100.0000%", "$15,963.10"),  # A-purchase-offer-june-30-2005
])
def test_the_purchase_offer_at_101_then_100_percent(rulebook, make_scenario, notice, payment, pct, price):
    result = check(rulebook, make_scenario, buys(18_000_000, date(2005, 5, 2), LIBERTY,
                                                 change_of_control_offer={"election": "no_offer"},
                                                 purchase_offer={"made": True, "notice_mailed": notice,
                                                                 "payment_date": payment}))
    finding = result.by_rule(PURCHASE_OFFER)
    assert (finding.outcome, finding.figures["purchase_offer.pct"], finding.figures["purchase_offer.price_per_share"]) \
        == ("permitted", pct, price)
    assert result.by_rule(RESET).outcome == "obligation"  # A-purchase-offer-expiry


def test_the_purchase_offer_accretes_at_16_percent_from_the_change_of_control_date(rulebook, make_scenario):
    # A-coc-lp-accretes-after-reset: $14,859.47 on May 2, 2005; on June 30, 2005 the 90/360 Dividend
    # Period from March 31 is shared 32 : 59 by actual days, 8% on $14,830.34 then 16% on the new
    # amount ($15,349.14); 63 days at 16% to September 1, 2005 ($429.78); 101% of the two is $15,936.70.
    figures = check(rulebook, make_scenario, buys(
        18_000_000, date(2005, 5, 2), LIBERTY, change_of_control_offer={"election": "no_offer"},
        purchase_offer={"made": True, "notice_mailed": date(2005, 6, 1), "payment_date": date(2005, 9, 1)})
    ).by_rule(PURCHASE_OFFER).figures
    assert (figures["step_up.lp_on_date"], figures["step_up.accrued_on_date"]) == ("$15,349.14", "$429.78")


@pytest.mark.parametrize("payment, found", [(date(2005, 8, 30), "permitted"), (date(2005, 8, 29), "violation")])
def test_the_purchase_payment_date_is_at_least_90_days_after_the_notice(rulebook, make_scenario, payment, found):
    result = check(rulebook, make_scenario, buys(18_000_000, date(2005, 5, 2), LIBERTY,
                                                 change_of_control_offer={"election": "no_offer"},
                                                 purchase_offer={"made": True, "notice_mailed": date(2005, 6, 1),
                                                                 "payment_date": payment}))
    assert result.by_rule(PURCHASE_OFFER).outcome == found


def test_no_purchase_offer_after_a_change_of_control_offer_made_in_time(rulebook, make_scenario):
    result = check(rulebook, make_scenario, buys(
        18_000_000, date(2005, 5, 2), LIBERTY,
        change_of_control_offer={"election": "offer", "notice_mailed": date(2005, 5, 10),
                                 "purchase_date": date(2005, 8, 15)},
        purchase_offer={"made": True, "notice_mailed": date(2005, 6, 1), "payment_date": date(2005, 9, 1)}))
    assert result.by_rule(PURCHASE_OFFER).outcome == "violation"
    assert result.by_rule(RESET).outcome == "not_applicable"


def test_a_change_of_control_after_june_30_2005_still_needs_its_notice(rulebook, make_scenario):
    # A-coc-date: the Change of Control Date is the action's date, on either side of June 30, 2005.
    result = evaluate(rulebook, make_scenario(buys(18_000_000, date(2005, 7, 1), LIBERTY)))
    assert result.by_rule(NOTICE).figures["change_of_control.notice_deadline"] == "2005-07-21"
    assert result.by_rule(SPECIAL).reason == "not_in_force"


# --- the command line ---------------------------------------------------------------------------------


def test_check_cli_reports_the_change_of_control_and_its_cost():
    code, data = run_json("check", SCENARIOS / "coc-a-third-party-buys-over-50pct-2001.yaml")
    assert code == 0
    found = {f["rule"]: f for f in data["findings"] if f["outcome"] != "not_applicable"}
    assert sorted(found) == sorted([COC_A, SPECIAL, NOTICE, STEP_UP])
    assert found[COC_A]["figures"]["change_of_control.acquirer_votes_after"] == "38,952,364"
    assert found[SPECIAL]["figures"]["special_dividend.per_share"] == "$4,056.37"
    assert "A-coc-voting-capital-votes" in found[COC_A]["assumptions"]
    assert "A-coc-voting-capital-votes" in [a["id"] for a in data["assumptions"]]


def test_check_cli_reproduces_the_catalogue_special_dividend_on_the_closing_date():
    code, data = run_json("check", SCENARIOS / "coc-a-third-party-buys-at-closing-2000.yaml")
    figures = next(f["figures"] for f in data["findings"] if f["rule"] == SPECIAL)
    assert (code, figures["special_dividend.per_share"], figures["special_dividend.total"],
            figures["special_dividend.common_per_share_after"]) == (0, "$4,859.47", "$364,460,250.00", "530.70")


def test_check_cli_text_for_the_may_2005_sample():
    result = run("check", SCENARIOS / "coc-a-liberty-buys-over-50pct-may-2005.yaml")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "$14,859.47 less the Liquidation Preference immediately prior to it ($14,830.34) is $29.13 a share" in text
    assert "the Purchase Payment (or Par Purchase Payment) per share: $15,936.70" in text


def test_vote_cli_shows_the_change_of_control_beside_the_approvals():
    code, data = run_json("vote", SCENARIOS / "coc-b-asset-sale-cayman.yaml")
    assert code == 1  # no tally for the 69% class vote
    assert [a["rule"] for a in data["approvals"]] == ["cod.8b.general-vote-as-converted", NON_QT]
    # Beside them, what the Series A and the Warrants then convert into (CoD 12(e), WAR 4(k)).
    assert [f["rule"] for f in data["obligations"]] == [SPECIAL, "cod.12e.merger-conversion-rights", NOTICE, COC_B,
                                                        "war.4k.merger-exercise-rights"]
    text = run("vote", SCENARIOS / "coc-b-asset-sale-cayman.yaml").stdout
    assert ("OBLIGATION: Change of Control (b) - a merger, consolidation or sale of substantially all assets in"
            in text)


def test_headroom_cli_says_which_trips_first():
    result = run("headroom", "--holder", "liberty", "--as-of", "2003-06-02", "--instrument",
                 "purchase-agreement=in_force", "--instrument", "certificate-of-designation=in_force")
    assert result.returncode == 0
    assert result.stdout.splitlines()[3:] == [
        "A Change of Control (CoD 17(a)): a purchase of 15,227,883 shares is one (obligation); up to "
        "15,227,882 is not.",
        "Proof: at 15,227,882 shares, the acquiring person's or group's beneficial ownership of the total Voting "
        "Capital Stock after the purchase, counting every right to acquire is 50.000000000%; at 15,227,883 it is "
        "50.000001116%.",
        "The limit above binds first."]
    code, data = run_json("headroom", "--holder", "liberty", "--as-of", "2003-06-02", "--instrument",
                          "purchase-agreement=in_force", "--instrument", "certificate-of-designation=in_force")
    assert (data["max_quantity"], data["events"][0]["max_quantity"], data["events"][0]["first"]) == (
        1_964_341, 15_227_882, "limit")


def test_headroom_cli_for_a_holder_no_standstill_binds():
    # Gleacher after the standstill ends: no contractual limit, and a Change of Control at the edge.
    code, data = run_json("headroom", "--holder", "gleacher", "--as-of", "2005-04-11", "--instrument",
                          "purchase-agreement=in_force", "--instrument", "certificate-of-designation=in_force")
    assert (data["max_quantity"], data["limit"]) == (None, "no_limit")
    event = data["events"][0]
    assert event["first"] == "event"
    assert Fraction(event["at_max"]) <= 50 < Fraction(event["one_more"])


@pytest.mark.parametrize("field, value, message", [
    ("largest_owner_pct_after", "101", "action.largest_owner_pct_after: expected a number from 0 to 100, got 101"),
    ("largest_owner_pct_after", "lots", "action.largest_owner_pct_after: expected a number from 0 to 100, got 'lots'"),
])
def test_bad_percentages_are_one_line_each(tmp_path, field, value, message):
    path = tmp_path / "bad.yaml"
    path.write_text(f"name: bad\nas_of: 2001-06-01\ncap_table: {CLOSING_FILE}\n"
                    f"action:\n  kind: rule_13e3_transaction\n  {field}: {value}\n", encoding="utf-8")
    result = run("check", path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"{path}:6: " + ("bad-value" if value.isdigit() else "wrong-type")
                                                  + f": {message}"]


def test_a_bad_election_is_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(f"name: bad\nas_of: 2001-06-01\ncap_table: {CLOSING_FILE}\naction:\n  kind: purchase\n"
                    "  buyer: {name: Acquisition Corp, group: none}\n  security: common\n  quantity: 1\n"
                    "  seller: market\n  change_of_control_offer: {election: maybe}\n", encoding="utf-8")
    result = run("check", path)
    assert result.returncode == 2
    assert "action.change_of_control_offer.election: 'maybe' is not one of offer, no_offer, undecided" in result.stderr


def test_lint_refuses_an_event_naming_no_rule(tmp_path):
    import shutil
    folder = tmp_path / "icg"
    shutil.copytree(SCENARIOS.parent, folder)
    manifest = folder / "rulebook.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("{rule: cod.17.coc-a, label",
                                                                      "{rule: cod.17.coc-x, label"), encoding="utf-8")
    result = run("lint", folder)
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "dangling-reference: position.events: no rule 'cod.17.coc-x' (did you mean 'cod.17.coc-d'?)")


# --- groups acting together (PA 4.5, Rule 13d-5(b)(1)) ----------------------------------------------

LIBERTY_AND_HMTF = SCENARIOS / "coc-a-liberty-and-hmtf-acting-as-a-group-2003.yaml"


def liberty_buys(quantity: int, together: list | None = None) -> dict:
    data = buys(quantity, as_of=date(2003, 6, 2), buyer=LIBERTY)
    if together is not None:
        data["acting_as_group"] = together
    return data


@pytest.mark.parametrize("quantity, found", [(3_151_713, "not_applicable"), (3_151_714, "obligation")])
def test_groups_stated_to_act_together_are_one_owner_for_prong_a(rulebook, make_scenario, quantity, found):
    # Liberty and HMTF together: 43,195,376 votes of 92,694,179 (their Series A as converted and
    # their Warrants, deemed outstanding; Common bought in the market is already outstanding).
    # 3,151,713 more is 46,347,089, less than half; one more is over.
    result = check(rulebook, make_scenario, liberty_buys(quantity, [["liberty", "hmtf"]]))
    votes = result.facts["change_of_control.acquirer_votes_after"]
    total = result.facts["change_of_control.total_votes_after"]
    assert (votes - quantity, total) == (43_195_376, 92_694_179)
    assert result.facts["change_of_control.acquirer_acting_with"] == {"liberty", "hmtf"}
    assert result.by_rule(COC_A).outcome == found
    assert (2 * votes > total) == (found == "obligation")
    assert "A-coc-groups-separate" in result.by_rule(COC_A).assumptions


def test_without_the_statement_liberty_is_measured_alone_as_pa_4_5_represents(rulebook, make_scenario):
    alone = check(rulebook, make_scenario, liberty_buys(3_151_714))
    assert alone.facts["change_of_control.acquirer_acting_with"] == set()
    assert alone.facts["change_of_control.acquirer_pct_after"] < 50
    assert alone.by_rule(COC_A).outcome == "not_applicable"
    # Gleacher acting with HMTF changes nothing for a purchase by Liberty.
    other = check(rulebook, make_scenario, liberty_buys(3_151_714, [["hmtf", "gleacher"]]))
    assert other.facts["change_of_control.acquirer_pct_after"] == alone.facts["change_of_control.acquirer_pct_after"]
    # The standstill stays the Liberty Group's own, group or no group.
    together = check(rulebook, make_scenario, liberty_buys(3_151_714, [["liberty", "hmtf"]]))
    assert together.facts["standstill.pct_after"] == alone.facts["standstill.pct_after"]


def test_a_transfer_inside_groups_acting_together_is_no_change_of_control(rulebook, make_scenario):
    data = {"as_of": date(2003, 6, 2), "instruments": dict(IN_FORCE), "acting_as_group": [["liberty", "hmtf"]],
            "action": {"kind": "transfer", "from": "HMTF Bridge ICG, LLC", "to": LIBERTY, "security": "series_a2",
                       "quantity": 1000, "basis": "exempt", "rule144_resale_available": False}}
    result = check(rulebook, make_scenario, data)
    # The votes move between members only; each holder's conversion is rounded on its own, so the
    # total may move by a fraction of a vote, no more.
    before = result.facts["change_of_control.acquirer_pct_before"]
    after = result.facts["change_of_control.acquirer_pct_after"]
    assert abs(after - before) * result.facts["change_of_control.total_votes_after"] / 100 <= 1
    assert before < 50 and result.by_rule(COC_A).outcome == "not_applicable"


def test_check_cli_on_the_acting_as_a_group_sample():
    code, data = run_json("check", LIBERTY_AND_HMTF)
    coc = next(f for f in data["findings"] if f["rule"] == COC_A)
    assert code == 1 and coc["outcome"] == "obligation"
    assert coc["figures"]["change_of_control.acquirer_acting_with"] == "hmtf, liberty"
    assert coc["figures"]["change_of_control.acquirer_votes_after"] == "46,347,090"
    assert coc["figures"]["change_of_control.total_votes_after"] == "92,694,179"
    standstill = next(f for f in data["findings"] if f["rule"] == "pa.6.6a.liberty-standstill")
    assert standstill["outcome"] == "violation"


@pytest.mark.parametrize("value, message", [
    ("[[liberty]]", "acting_as_group[0]: expected a list of two or more groups of the rulebook"),
    ("[[liberty, acme]]", "acting_as_group[0]: 'acme' is not a group of the rulebook"),
    ("[[liberty, hmtf], [hmtf, gleacher]]", "acting_as_group[1]: group hmtf is already in acting_as_group[0]"),
    ("liberty", "acting_as_group: expected a list of lists of groups"),
])
def test_a_bad_acting_as_group_is_one_line(tmp_path, value, message):
    path = tmp_path / "bad.yaml"
    path.write_text(f"name: bad\nas_of: 2003-06-02\ncap_table: {CLOSING_FILE}\nacting_as_group: {value}\n"
                    "action:\n  kind: purchase\n  buyer: Liberty Media Corporation\n  security: common\n"
                    "  quantity: 1\n  seller: market\n", encoding="utf-8")
    result = run("check", path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}:4: ") and message in lines[0], lines
