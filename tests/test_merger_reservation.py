"""CoD 12(e) and WAR 4(k) (the conversion and exercise rights after a consolidation, merger or sale
of substantially all assets), CoD 12(g) and WAR 11 (the Common kept reserved) and CoD 12(h) (the
taxes on a conversion): real rulebook, real engine, the CLI end to end.

The figures on June 1, 2001 (closing cap table), each holder's Series A converted together:
  Liquidation Preference $10,803.09744 + accrued $144.0412992 = $10,947.1387392 a share; / $28.00
  = 390.96924... Common a share, 390.97 to the 1/100.
  Liberty 50,000 -> 19,548,462; HMTF Bridge 11,500 -> 4,496,146; HM4 Qualified 10,464 -> 4,091,102;
  HM4 Private 74 -> 28,932; HM PG-IV 557 -> 217,770; HM 4-SBS 251 -> 98,133; HM 4-EQ 154 -> 60,209;
  Gleacher 2,000 -> 781,938: 29,322,692 in all. Warrant shares 10,000,000.
  Reserve: 100,000,000 authorized - 48,582,035 outstanding - 29,322,692 - 10,000,000 = 12,095,273.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from clausewise.errors import ClausewiseError
from clausewise.evaluate import evaluate
from clausewise.scenario import load_scenario

from clitools import run_json
from deal import SCENARIOS

JUNE_2001 = date(2001, 6, 1)
IN_FORCE = {"purchase-agreement": "in_force", "certificate-of-designation": "in_force", "warrant": "in_force"}
NO_AMENDMENT = {"instrument": "none", "adversely_affects": [], "changes_authorized_series_a": False,
                "alters_relative_rights": False}
COD_12E, COD_12E_NOT = "cod.12e.merger-conversion-rights", "cod.12e.merger-conversion-rights-not-provided"
WAR_4K, WAR_4K_NOT = "war.4k.merger-exercise-rights", "war.4k.merger-exercise-rights-not-provided"
COD_12G, WAR_11 = "cod.12g.reservation", "war.11.reservation"
COD_12H, COD_12H_NAME = "cod.12h.issue-taxes", "cod.12h.delivery-in-another-name"
ALL_SERIES_A_JUNE_2001 = 29_322_692
RESERVE_ROOM_JUNE_2001 = 100_000_000 - 48_582_035 - ALL_SERIES_A_JUNE_2001 - 10_000_000


def combination(kind: str = "merger", on: date = JUNE_2001, **stated) -> dict:
    """A merger, consolidation or asset sale that is no Change of Control, with what it states."""
    action = {"kind": kind, "counterparty": "other", "prior_holders_pct": {"survivor": 100},
              "survivor_has_parent": False, "largest_holder_pct": {"survivor": 35}, "common_stock_votes": True,
              "series_a_remains_outstanding": False, "officers_certificate_delivered": True,
              "opinion_of_counsel_delivered": True, "amendment": NO_AMENDMENT,
              "resulting_entity": {"form": "corporation", "jurisdiction": "Delaware"},
              "series_a_exchanged_for_equivalent": True}
    action.update(stated)
    data = {"as_of": on, "action": action}
    if on > date(2002, 4, 3):
        data["instruments"] = dict(IN_FORCE)
    return data


def issuance(quantity: int, on: date = JUNE_2001, **stated) -> dict:
    action = {"kind": "equity_issuance", "largest_holder_pct_after": 30, "class": "common", "quantity": quantity,
              "price": Decimal("20.00"), "current_market_price": Decimal("20.00"), "exception": "none",
              "ranking": {"dividends": "junior", "redemption": "junior", "liquidation": "junior"},
              "exempt_basis": "none", "common_stock_votes": False, "authorized_common": 100_000_000}
    action.update(stated)
    data = {"as_of": on, "action": {k: v for k, v in action.items() if v is not None}}
    if on > date(2002, 4, 3):
        data["instruments"] = dict(IN_FORCE)
    return data


def conversion(on: date = JUNE_2001, **stated) -> dict:
    data = {"as_of": on, "action": {"kind": "conversion", "holder": "HM 4-EQ ICG Coinvestors, LLC",
                                    "security": "series_a2", "quantity": 154, **stated}}
    if on > date(2002, 4, 3):
        data["instruments"] = dict(IN_FORCE)
    return data


def outcomes(rulebook, make_scenario, data: dict, *rules: str) -> list:
    result = evaluate(rulebook, make_scenario(data))
    return [result.by_rule(r).outcome for r in rules]


# --- CoD 12(e), WAR 4(k): which transactions ----------------------------------------------------


@pytest.mark.parametrize("stated, outcome", [
    # A-merger-scope: a consolidation, a merger of the Company into another Person and a sale of
    # all or substantially all the assets, whatever becomes of the Common.
    ({"kind": "consolidation", "company_survives": False}, "obligation"),
    ({"kind": "asset_sale", "company_survives": True, "common_changed": False}, "obligation"),
    ({"kind": "merger", "company_survives": False}, "obligation"),
    # A merger of another Person into the Company: only if it changes the Common.
    ({"kind": "merger", "company_survives": True, "common_changed": True}, "obligation"),
    ({"kind": "merger", "company_survives": True, "common_changed": False}, "not_applicable"),
    ({"kind": "merger", "company_survives": True}, "cannot_determine"),
])
def test_the_transactions_cod_12e_and_war_4k_reach(rulebook, make_scenario, stated, outcome):
    result = evaluate(rulebook, make_scenario(combination(**stated)))
    assert (result.by_rule(COD_12E).outcome, result.by_rule(WAR_4K).outcome) == (outcome, outcome)
    if outcome == "cannot_determine":
        assert result.by_rule(COD_12E).missing == result.by_rule(WAR_4K).missing == ["transaction.common_changed"]
        assert result.blocked is True


def test_a_merger_into_another_person_that_keeps_the_common_is_bad_input(rulebook, make_scenario):
    with pytest.raises(ClausewiseError, match=r"common_changed: false, but the Company does not survive"):
        make_scenario(combination(company_survives=False, common_changed=False))


@pytest.mark.parametrize("provision, outcome", [("made", "permitted"), ("not_made", "violation"),
                                                (None, "not_applicable")])
def test_the_provision_stated_decides_the_breach(rulebook, make_scenario, provision, outcome):
    # A-merger-provision-undecided: not stated, the obligation is reported and nothing is found.
    stated = {"company_survives": False}
    if provision is not None:
        stated.update(conversion_rights_provision=provision, warrant_rights_provision=provision)
    result = evaluate(rulebook, make_scenario(combination(**stated)))
    assert [result.by_rule(r).outcome for r in (COD_12E, COD_12E_NOT, WAR_4K, WAR_4K_NOT)] == \
        ["obligation", outcome, "obligation", outcome]
    # Nothing else in the way: the approvals this merger needs turn on a vote.
    assert {f.outcome for f in result.findings} & {"violation", "cannot_determine"} == \
        ({"violation"} if outcome == "violation" else set())


def test_a_merger_the_provision_does_not_reach_is_not_found_in_breach(rulebook, make_scenario):
    data = combination(company_survives=True, common_changed=False, conversion_rights_provision="not_made",
                       warrant_rights_provision="not_made")
    assert outcomes(rulebook, make_scenario, data, COD_12E_NOT, WAR_4K_NOT) == ["not_applicable"] * 2


@pytest.mark.parametrize("on, series_a, warrant", [
    (date(2005, 4, 10), "obligation", "obligation"),
    (date(2005, 4, 11), "obligation", "not_applicable"),     # the Warrant has expired (WAR 2(d), 10)
    (date(2015, 6, 29), "obligation", "not_applicable"),
    (date(2015, 6, 30), "not_applicable", "not_applicable"),  # the conversion right has expired (CoD 12(a))
])
def test_the_rights_last_while_the_series_a_converts_and_the_warrants_are_exercisable(rulebook, make_scenario, on,
                                                                                     series_a, warrant):
    data = combination(on=on, company_survives=False)
    assert outcomes(rulebook, make_scenario, data, COD_12E, WAR_4K) == [series_a, warrant]


def test_the_cash_merger_sample_states_the_obligation_and_its_figures(rulebook):
    # A-merger-consideration-figures: 390.97 x $25.00 = $9,774.25 a share; 29,322,692 x $25.00;
    # 10,000,000 x $25.00 before the Exercise Price.
    result = evaluate(rulebook, load_scenario(SCENARIOS / "merger-cash-out-rights-carried-over-2001.yaml", rulebook))
    series_a = result.by_rule(COD_12E)
    assert series_a.outcome == "obligation"
    assert {k: series_a.figures[k] for k in (
        "series_a.outstanding", "merger_conversion.value_per_share", "merger_conversion.conversion_price",
        "merger_conversion.common_per_share", "merger_conversion.common_all", "transaction.cash_per_common_share",
        "merger_conversion.cash_per_share", "merger_conversion.cash_all")} == {
        "series_a.outstanding": "75,000", "merger_conversion.value_per_share": "$10,947.14",
        "merger_conversion.conversion_price": "$28.00", "merger_conversion.common_per_share": "390.97",
        "merger_conversion.common_all": "29,322,692", "transaction.cash_per_common_share": "$25.00",
        "merger_conversion.cash_per_share": "$9,774.25", "merger_conversion.cash_all": "$733,067,300.00"}
    assert result.facts["merger_conversion.common_all"] == ALL_SERIES_A_JUNE_2001
    assert "390.97 shares of Common a share" in series_a.explanation
    warrant = result.by_rule(WAR_4K)
    assert (warrant.figures["merger_exercise.warrant_shares"], warrant.figures["merger_exercise.exercise_price"],
            warrant.figures["merger_exercise.cash_all"]) == ("10,000,000", "$34.00", "$250,000,000.00")
    assert 'its "this Section 4(k)" read as "this Section 4"' in warrant.explanation
    assert "A-war-4k-this-section-4" in str(warrant.assumptions)
    assert "A-merger-consideration-figures" in str(series_a.assumptions)


def test_the_common_immediately_prior_is_counted_before_the_special_dividend(rulebook):
    # A-merger-conversion-before-special-dividend: the merger is a Change of Control; CoD 6(b)
    # adds the Special Dividend as of the Change of Control Date (each share then 535.84 Common),
    # while CoD 12(e) counts the 390.97 a share converted into immediately prior. Both are shown.
    result = evaluate(rulebook, load_scenario(SCENARIOS / "merger-cash-out-rights-carried-over-2001.yaml", rulebook))
    assert result.by_rule("cod.6b.special-dividend").outcome == "obligation"
    assert result.by_rule("cod.6b.special-dividend").figures["special_dividend.common_per_share_after"] == "535.84"
    assert result.by_rule(COD_12E).figures["merger_conversion.common_per_share"] == "390.97"
    assert "A-merger-conversion-before-special-dividend" in str(result.by_rule(COD_12E).assumptions)


def test_without_the_cash_stated_the_consideration_figures_are_unknown_and_nothing_is_found(rulebook,
                                                                                            make_scenario):
    result = evaluate(rulebook, make_scenario(combination(company_survives=False)))
    finding = result.by_rule(COD_12E)
    assert finding.outcome == "obligation"
    assert finding.figures["merger_conversion.common_all"] == "29,322,692"
    assert "merger_conversion.cash_per_share" not in result.facts
    assert {f.outcome for f in result.findings} & {"violation", "cannot_determine"} == set()


# --- CoD 12(g), WAR 11: the reserves ------------------------------------------------------------


@pytest.mark.parametrize("quantity, outcome, margin", [
    (RESERVE_ROOM_JUNE_2001, "permitted", "0"),
    (RESERVE_ROOM_JUNE_2001 + 1, "violation", "-1"),
])
def test_an_issuance_of_common_up_to_the_reserve_passes_and_one_share_more_fails(rulebook, make_scenario, quantity,
                                                                                outcome, margin):
    # A-reservation-cumulative: the Series A's 29,322,692 and the Warrants' 10,000,000 side by side.
    assert RESERVE_ROOM_JUNE_2001 == 12_095_273
    result = evaluate(rulebook, make_scenario(issuance(quantity)))
    assert (result.by_rule(COD_12G).outcome, result.by_rule(WAR_11).outcome) == (outcome, outcome)
    figures = result.by_rule(COD_12G).figures
    assert (figures["reservation.authorized_common"], figures["reservation.unissued_after"],
            figures["reservation.conversion_shares"], figures["reservation.warrant_shares"],
            figures["reservation.margin_after"]) == (
        "100,000,000", f"{100_000_000 - 48_582_035 - quantity:,}", "29,322,692", "10,000,000", margin)


def test_the_reserve_counts_the_series_a_on_the_date_each_holder_converting_together(rulebook, make_scenario):
    # A-reservation-then-issuable: on April 11, 2005 the Series A converts into 39,821,222 and the
    # Warrants have expired, so WAR 11 no longer applies and the room is 11,596,743.
    room = 100_000_000 - 48_582_035 - 39_821_222
    for quantity, outcome in ((room, "permitted"), (room + 1, "violation")):
        result = evaluate(rulebook, make_scenario(issuance(quantity, on=date(2005, 4, 11))))
        assert (result.by_rule(COD_12G).outcome, result.by_rule(WAR_11).outcome) == (outcome, "not_applicable")
        assert result.facts["reservation.warrant_shares"] == 0


def test_the_authorized_common_not_stated_cannot_be_decided(rulebook, make_scenario):
    # A-reservation-authorized-common-stated.
    result = evaluate(rulebook, make_scenario(issuance(1, authorized_common=None)))
    for rule in (COD_12G, WAR_11):
        assert (result.by_rule(rule).outcome, result.by_rule(rule).missing) == \
            ("cannot_determine", ["reservation.authorized_common"])
    # An issuance of preferred is outside the reserve rules.
    preferred = evaluate(rulebook, make_scenario(issuance(1, authorized_common=None, **{"class": "preferred"})))
    assert preferred.by_rule(COD_12G).outcome == preferred.by_rule(WAR_11).outcome == "not_applicable"


def test_common_issued_on_a_series_a_conversion_comes_out_of_the_reserve(rulebook, make_scenario):
    result = evaluate(rulebook, make_scenario(issuance(RESERVE_ROOM_JUNE_2001 + 1, exception="series_a_conversion")))
    for rule in (COD_12G, WAR_11):
        assert (result.by_rule(rule).outcome, result.by_rule(rule).exception) == ("permitted", "issued-on-conversion")


@pytest.mark.parametrize("authorized, outcome", [(87_904_727, "permitted"), (87_904_726, "violation")])
def test_an_amendment_that_decreases_the_authorized_common_below_the_reserves_breaches_them(rulebook, make_scenario,
                                                                                          authorized, outcome):
    data = {"as_of": JUNE_2001, "action": {
        "kind": "charter_amendment", "common_stock_votes": True, "equity": "decrease_authorized", "class": "common",
        "authorized_common": authorized, "amendment": dict(NO_AMENDMENT, instrument="certificate_of_incorporation")}}
    result = evaluate(rulebook, make_scenario(data))
    assert (result.by_rule(COD_12G).outcome, result.by_rule(WAR_11).outcome) == (outcome, outcome)
    # A decrease is not among the steps of CoD 8(c)(iv) (authorize, create, modify, increase, issue).
    assert result.by_rule("cod.8c-iv.senior-issuance-75").outcome == "not_applicable"
    assert result.by_rule("cod.8c-iv.parity-issuance-69").outcome == "not_applicable"


def test_a_decrease_of_the_authorized_series_a_changes_its_authorized_number(rulebook, make_scenario):
    data = {"as_of": JUNE_2001, "action": {
        "kind": "charter_amendment", "common_stock_votes": True, "equity": "decrease_authorized", "class": "series_a",
        "amendment": dict(NO_AMENDMENT, instrument="certificate_of_designation", changes_authorized_series_a=None)}}
    data["action"]["amendment"] = {k: v for k, v in data["action"]["amendment"].items() if v is not None}
    result = evaluate(rulebook, make_scenario(data))
    assert result.facts["amendment.changes_authorized_series_a"] is True
    assert result.by_rule(COD_12G).outcome == "not_applicable"


def test_the_reserve_sample_on_the_command_line():
    code, data = run_json("check", "samples/scenarios/issuance-of-common-beyond-the-reserve-2001.yaml")
    assert code == 1
    found = {f["rule"]: f for f in data["findings"]}
    assert (found[COD_12G]["outcome"], found[WAR_11]["outcome"]) == ("violation", "violation")
    assert found[COD_12G]["figures"]["reservation.margin_after"] == "-1"
    assert found[COD_12G]["section"] == "12(g)" and found[WAR_11]["section"] == "11"


# --- CoD 12(h): taxes on a conversion -----------------------------------------------------------


@pytest.mark.parametrize("stated, name_outcome", [
    ({}, "not_applicable"),                                                   # delivered to the holder
    ({"delivered_in_other_name": False}, "not_applicable"),
    ({"delivered_in_other_name": True, "transfer_tax_settled": True}, "permitted"),
    ({"delivered_in_other_name": True, "transfer_tax_settled": False}, "violation"),
    ({"delivered_in_other_name": True}, "cannot_determine"),
])
def test_the_company_pays_the_issue_taxes_and_delivery_in_another_name_waits_for_the_transfer_tax(
        rulebook, make_scenario, stated, name_outcome):
    # A-conversion-taxes.
    result = evaluate(rulebook, make_scenario(conversion(**stated)))
    taxes = result.by_rule(COD_12H)
    assert (taxes.outcome, taxes.figures["conversion.common_issued"]) == ("obligation", "60,209")
    assert result.by_rule(COD_12H_NAME).outcome == name_outcome
    if name_outcome == "cannot_determine":
        assert result.by_rule(COD_12H_NAME).missing == ["conversion.transfer_tax_settled"]


@pytest.mark.parametrize("on, outcome", [(date(2015, 6, 29), "obligation"), (date(2015, 6, 30), "not_applicable")])
def test_no_taxes_once_the_conversion_right_has_expired(rulebook, make_scenario, on, outcome):
    result = evaluate(rulebook, make_scenario(conversion(on=on, delivered_in_other_name=True,
                                                         transfer_tax_settled=False)))
    assert result.by_rule(COD_12H).outcome == outcome
    assert result.by_rule(COD_12H_NAME).outcome == ("violation" if outcome == "obligation" else "not_applicable")
