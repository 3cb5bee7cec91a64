"""The approvals a corporate action needs, on the durable_rules engine: which CoD clause fires,
what it takes in shares, whether a record-date tally carries it, and who can pass or block it.

The closing cap table (Schedule I as amended) holds 75,000 Series A, all Outstanding:

    Liberty Media Corporation (liberty)      50,000 Series A-1
    HMTF Bridge ICG, LLC (hmtf)              11,500 Series A-2
    HM4 ICG Qualified Fund, LLC (hmtf)       10,464 Series A-2
    HM4 ICG Private Fund, LLC (hmtf)             74 Series A-2
    HM PG-IV ICG, LLC (hmtf)                    557 Series A-2
    HM 4-SBS ICG Coinvestors, LLC (hmtf)        251 Series A-2
    HM 4-EQ ICG Coinvestors, LLC (hmtf)         154 Series A-2   (HMTF: 23,000)
    Gleacher/ICG Investors LLC (gleacher)     2,000 Series A-3

Shares each threshold takes of the Outstanding Series A (A-majority-of-outstanding):

    of 75,000: majority 37,501; 69% 51,750; 75% 56,250; unanimous 75,000
    of 70,000 (5,000 held by the Company): majority 35,001; 69% 48,300; 75% 52,500
    Series A-2 majority 11,501 of 23,000; Series A-3 majority 1,001 of 2,000; A-1 25,001 of 50,000

CoD 8(b) voting power on 2001-06-01 (Series A as converted, one conversion per holder):
Liberty 19,548,462; HMTF 4,496,146 + 4,091,102 + 28,932 + 217,770 + 98,133 + 60,209 =
8,992,292; Gleacher 781,938; public Common 48,582,035; in all 77,904,727, a majority 38,952,364.
"""

from __future__ import annotations

import re
from decimal import Decimal
from datetime import date

import pytest
from deal import (no_change_of_control, 
    A1_SERIES,
    A2_SERIES,
    A3_SERIES,
    CLASS,
    CLOSING_FILE,
    COD_8B,
    COD_8CI,
    COD_15,
    GLEACHER,
    HM4_PRIVATE,
    HM4_QUALIFIED,
    HMTF_BRIDGE,
    JUNE_2001,
    LIBERTY,
    LIQUIDATION,
    MAJORITY,
    NO_AMENDMENT,
    NON_QT,
    PARITY,
    QT,
    RESTRICTIVE,
    SCENARIOS,
    SEVENTY_FIVE,
    SIXTY_NINE,
    SURVIVOR_MERGER,
    VOTING_POWER_2001_06,
)

from clausewise import calc
from clausewise.approvals import PUBLIC, Bloc, all_pass, analyse, blocs, required_shares
from clausewise.errors import InputError
from clausewise.evaluate import evaluate
from clausewise.scenario import load_scenario

HM_PG = "HM PG-IV ICG, LLC"
HM_SBS = "HM 4-SBS ICG Coinvestors, LLC"
HM_EQ = "HM 4-EQ ICG Coinvestors, LLC"
HMTF_FUNDS = [HMTF_BRIDGE, HM4_QUALIFIED, HM4_PRIVATE, HM_PG, HM_SBS, HM_EQ]
HOLDERS = [LIBERTY] + HMTF_FUNDS + [GLEACHER]

APPROVAL = "approval_required"
COD_2 = "cod.2.series-a-cap-unanimous"
SENIOR = "cod.8c-iv.senior-issuance-75"
TENDER = "cod.8c-v.tender-offer-majority"
COD_8E = "cod.8e.voting-preferred-unanimous"
SPLIT = "cod.12j.series-split-unanimous"
SPLIT_75 = "cod.8c-i.series-split-75"

EVERY_HOLDER = "Every holder of Series A (unanimous consent)"

# CoD 8(b) on 2001-06-01: (body, threshold, shares_required, outstanding).
UNANIMOUS = (EVERY_HOLDER, "unanimous", 75_000, 75_000)


def resulting_entity_merger(form: str, jurisdiction: str, kind: str = "merger", equivalent: bool = True) -> dict:
    return {"kind": kind, "common_stock_votes": True, "company_survives": False, "series_a_remains_outstanding": False,
            "resulting_entity": {"form": form, "jurisdiction": jurisdiction},
            "series_a_exchanged_for_equivalent": equivalent, "officers_certificate_delivered": True,
            "opinion_of_counsel_delivered": True, "amendment": NO_AMENDMENT}


def amendment(*adverse: str, instrument: str = "certificate_of_designation", **flags) -> dict:
    return dict(NO_AMENDMENT, instrument=instrument, adversely_affects=list(adverse), **flags)


def issuance(dividends: str, redemption: str, liquidation: str, exempt_basis: str = "none",
             votes_with_series_a: bool = False, **extra) -> dict:
    return dict({"kind": "equity_issuance", "common_stock_votes": False, "class": "preferred", "quantity": 50_000,
                 "ranking": {"dividends": dividends, "redemption": redemption, "liquidation": liquidation},
                 "exempt_basis": exempt_basis, "votes_with_series_a_as_one_class": votes_with_series_a}, **extra)


SENIOR_ISSUANCE = issuance("senior", "parity", "junior")
PARITY_ISSUANCE = issuance("parity", "parity", "parity")
JUNIOR_ISSUANCE = issuance("junior", "junior", "junior")
# The offer's figures (CoD 12(d)(v), WAR 4(e)): 2,000,000 Common at $13.00 against $12.00, a change
# under 1%, carried forward (approval-tender-offer-by-company.yaml).
COMPANY_TENDER = {"kind": "tender_offer", "by": "company", "for_common_stock": True, "purchased": 2_000_000,
                  "consideration": Decimal("26000000.00"), "current_market_price": Decimal("12.00"),
                  "net_income_12_months": 0}


def acquisition(material: bool = True, director: bool | None = None) -> dict:
    action = {"kind": "material_transaction", "type": "acquisition", "material": material,
              "outside_ordinary_course": True}
    if director is not None:
        action["board"] = {"approved": True, "series_a1_or_a2_director_voted_for": director}
    return action


def corporate(action: dict, as_of: date = JUNE_2001, vote: dict | None = None, cap_table=None) -> dict:
    data = {"as_of": as_of, "action": no_change_of_control(action)}
    if vote is not None:
        data["vote"] = vote
    if cap_table is not None:
        data["cap_table"] = cap_table
    return data


def cap(*holders: dict, **stated) -> dict:
    """The closing cap table with some holdings replaced or added (and, as `stated`, what became of
    the Series A no longer held: series_a_converted, series_a_retired)."""
    return {"file": CLOSING_FILE, "holders": list(holders), **stated}


def run(rulebook, make_scenario, data: dict):
    return evaluate(rulebook, make_scenario(data))


# What a merger leaves the Series A and the Warrants to convert into (CoD 12(e), WAR 4(k)): an
# obligation beside the approvals, tested in test_merger_reservation.py.
MERGER_RIGHTS = ("cod.12e.merger-conversion-rights", "war.4k.merger-exercise-rights")


def decided(result) -> dict[str, str]:
    """rule id -> outcome for every finding that is not simply not applicable (nor the merger
    rights' obligation)."""
    return {f.rule: f.outcome for f in result.findings if (f.outcome != "not_applicable" or f.exception)
            and not (f.rule in MERGER_RIGHTS and f.outcome == "obligation")}


def figures(result) -> list[tuple]:
    """(rule, body, threshold, shares_required, outstanding) of each approval, in rulebook order."""
    return [(a["rule"], a["body"], a["threshold"], a["shares_required"], a["outstanding"]) for a in result.approvals]


def approval(result, rule: str) -> dict:
    found = [a for a in result.approvals if a["rule"] == rule]
    assert len(found) == 1, rule
    return found[0]


# --- 0. required_shares: the arithmetic of each threshold --------------------------------------


@pytest.mark.parametrize("threshold, outstanding, needed", [
    ("majority", 75_000, 37_501),
    ("majority", 70_000, 35_001),
    ("majority", 75_001, 37_501),
    ("majority", 23_000, 11_501),
    ("majority", 2_000, 1_001),
    ("majority", 1, 1),
    ("69%", 75_000, 51_750),   # exactly 51,750.00
    ("69%", 70_000, 48_300),   # exactly 48,300.00
    ("69%", 74_999, 51_750),   # 51,749.31 rounds up: "at least 69%"
    ("75%", 75_000, 56_250),
    ("75%", 70_000, 52_500),
    ("75%", 74_999, 56_250),   # 56,249.25 rounds up
    ("unanimous", 75_000, 75_000),
    ("unanimous", 70_000, 70_000),
])
def test_required_shares(threshold, outstanding, needed):
    assert required_shares(threshold, outstanding) == needed


def test_required_shares_one_short_is_below_the_threshold():
    # 51,749 of 75,000 is 68.9987%, 56,249 is 74.9987%, 37,500 is exactly half (not a majority).
    assert 51_749 * 100 < 69 * 75_000 <= 51_750 * 100
    assert 56_249 * 100 < 75 * 75_000 <= 56_250 * 100
    assert 37_500 * 2 == 75_000 < 37_501 * 2


# --- 1. Each approval path: the findings and the figures ---------------------------------------


def test_qualifying_transaction_by_the_survivor_limb_needs_a_majority(rulebook, make_scenario):
    result = run(rulebook, make_scenario, corporate(SURVIVOR_MERGER))
    assert decided(result) == {COD_8B: APPROVAL, QT: APPROVAL}
    assert figures(result) == [(COD_8B,) + VOTING_POWER_2001_06, (QT,) + MAJORITY]
    assert result.by_rule(NON_QT).outcome == "not_applicable"
    assert result.by_rule(QT).trace_explanation.startswith("The merger is a Qualifying Transaction (CoD 8(c))")
    assert "37,501 shares if all 75,000 are Outstanding" in result.by_rule(QT).trace_explanation
    assert result.blocked is True  # no tally: not shown to pass


def test_qualifying_asset_sale_with_the_company_continuing_needs_a_majority(rulebook, make_scenario):
    result = run(rulebook, make_scenario, corporate(dict(SURVIVOR_MERGER, kind="asset_sale")))
    assert decided(result) == {COD_8B: APPROVAL, QT: APPROVAL}
    assert figures(result) == [(COD_8B,) + VOTING_POWER_2001_06, (QT,) + MAJORITY]


@pytest.mark.parametrize("form, jurisdiction, kind", [
    ("llc", "Delaware", "merger"),
    ("corporation", "Bermuda", "merger"),
    ("corporation", "District of Columbia", "consolidation"),
    ("llc", "United States", "asset_sale"),
    ("corporation", "New York", "consolidation"),
])
def test_qualifying_transaction_by_the_resulting_entity_limb_needs_a_majority(rulebook, make_scenario, form,
                                                                             jurisdiction, kind):
    result = run(rulebook, make_scenario, corporate(resulting_entity_merger(form, jurisdiction, kind)))
    assert decided(result) == {COD_8B: APPROVAL, QT: APPROVAL}
    assert figures(result) == [(COD_8B,) + VOTING_POWER_2001_06, (QT,) + MAJORITY]
    assert result.by_rule(QT).figures["resulting_entity.jurisdiction"] == jurisdiction


def test_delaware_llc_sample_is_a_qualifying_transaction(rulebook):
    result = evaluate(rulebook, load_scenario(SCENARIOS / "approval-merger-qt-delaware-llc.yaml", rulebook))
    assert decided(result) == {COD_8B: APPROVAL, QT: APPROVAL}
    assert figures(result)[1] == (QT,) + MAJORITY
    assert result.facts["resulting_entity.jurisdiction_kind"] == "us_state"
    assert result.facts["resulting_entity.form"] == "llc"


@pytest.mark.parametrize("action, shown_by", [
    (dict(SURVIVOR_MERGER, opinion_of_counsel_delivered=False),
     "Shown by: transaction.opinion_of_counsel_delivered is no."),
    (dict(SURVIVOR_MERGER, officers_certificate_delivered=False),
     "Shown by: transaction.officers_certificate_delivered is no."),
    (resulting_entity_merger("corporation", "Cayman Islands"),
     "Shown by: transaction.company_survives is no; transaction.series_a_remains_outstanding is no; "
     "resulting_entity.jurisdiction_kind is foreign; resulting_entity.country is cayman_islands."),
    (resulting_entity_merger("partnership", "Delaware", "consolidation"),
     "Shown by: transaction.company_survives is no; transaction.series_a_remains_outstanding is no; "
     "resulting_entity.form is partnership."),
    (resulting_entity_merger("llc", "Delaware", equivalent=False),
     "Shown by: transaction.company_survives is no; transaction.series_a_remains_outstanding is no; "
     "transaction.series_a_exchanged_for_equivalent is no."),
    (dict(SURVIVOR_MERGER, series_a_remains_outstanding=False),
     "Shown by: transaction.series_a_remains_outstanding is no; transaction.company_survives is yes."),
], ids=["no-opinion", "no-officers-certificate", "cayman", "partnership", "not-equivalent", "series-a-gone"])
def test_failing_the_qualifying_transaction_test_needs_69_percent(rulebook, make_scenario, action, shown_by):
    result = run(rulebook, make_scenario, corporate(action))
    assert decided(result) == {COD_8B: APPROVAL, NON_QT: APPROVAL}
    assert figures(result) == [(COD_8B,) + VOTING_POWER_2001_06, (NON_QT,) + SIXTY_NINE]
    assert result.by_rule(QT).outcome == "not_applicable"
    explanation = result.by_rule(NON_QT).trace_explanation
    assert explanation.startswith(f"The {action['kind']} fails the Qualifying Transaction test of CoD 8(c)")
    assert explanation.endswith(shown_by)


def test_survivor_with_an_adverse_amendment_fails_the_survivor_limb(rulebook, make_scenario):
    result = run(rulebook, make_scenario, corporate(dict(SURVIVOR_MERGER, amendment=amendment("series_a1"))))
    assert decided(result) == {COD_8B: APPROVAL, COD_8CI: APPROVAL, NON_QT: APPROVAL, A1_SERIES: APPROVAL}
    assert figures(result) == [
        (COD_8B,) + VOTING_POWER_2001_06,
        (COD_8CI,) + SEVENTY_FIVE,
        (NON_QT,) + SIXTY_NINE,
        (A1_SERIES, "Series A-1 holders", "majority", 25_001, 50_000),
    ]
    assert result.by_rule(NON_QT).trace_explanation.endswith(
        "Shown by: amendment.adversely_affects is series_a1; transaction.company_survives is yes.")


def test_liquidation_plan_needs_69_percent_and_the_as_converted_vote(rulebook, make_scenario):
    result = run(rulebook, make_scenario, corporate({"kind": "liquidation_plan", "common_stock_votes": True, "amendment": NO_AMENDMENT}))
    assert decided(result) == {COD_8B: APPROVAL, LIQUIDATION: APPROVAL}
    assert figures(result) == [(COD_8B,) + VOTING_POWER_2001_06, (LIQUIDATION,) + SIXTY_NINE]
    assert result.by_rule(QT).reason == "not_this_action"
    assert result.by_rule(NON_QT).reason == "not_this_action"
    assert "A-liquidation-never-qualifying" in result.by_rule(LIQUIDATION).assumptions


def test_merger_amending_the_cod_adversely_to_a2_lists_every_approval(rulebook, make_scenario):
    result = run(rulebook, make_scenario, corporate(dict(SURVIVOR_MERGER, amendment=amendment("series_a2"))))
    assert decided(result) == {COD_8B: APPROVAL, COD_8CI: APPROVAL, NON_QT: APPROVAL, A2_SERIES: APPROVAL}
    assert figures(result) == [
        (COD_8B,) + VOTING_POWER_2001_06,
        (COD_8CI,) + SEVENTY_FIVE,
        (NON_QT,) + SIXTY_NINE,
        (A2_SERIES, "Series A-2 holders", "majority", 11_501, 23_000),
    ]
    assert approval(result, A2_SERIES)["blocs"] == {"hmtf": 23_000}
    assert result.by_rule(A2_SERIES).section == "8(c), last paragraph"


def test_amendment_adverse_to_a3_only_needs_75_percent_and_an_a3_majority(rulebook, make_scenario):
    action = {"kind": "charter_amendment", "common_stock_votes": True, "equity": "none", "amendment": amendment("series_a3")}
    result = run(rulebook, make_scenario, corporate(action))
    assert decided(result) == {COD_8B: APPROVAL, COD_8CI: APPROVAL, A3_SERIES: APPROVAL}
    assert figures(result) == [
        (COD_8B,) + VOTING_POWER_2001_06,
        (COD_8CI,) + SEVENTY_FIVE,
        (A3_SERIES, "Series A-3 holders", "majority", 1_001, 2_000),
    ]
    assert approval(result, A3_SERIES)["blocs"] == {"gleacher": 2_000}


@pytest.mark.parametrize("flags", [{"changes_authorized_series_a": True}, {"alters_relative_rights": True}])
def test_amendment_changing_authorized_shares_or_relative_rights_needs_75_percent(rulebook, make_scenario, flags):
    action = {"kind": "charter_amendment", "common_stock_votes": True, "equity": "none", "amendment": amendment(instrument="certificate_of_incorporation", **flags)}
    result = run(rulebook, make_scenario, corporate(action))
    assert decided(result) == {COD_8B: APPROVAL, COD_8CI: APPROVAL}
    assert figures(result)[1] == (COD_8CI,) + SEVENTY_FIVE


def test_amendment_adverse_to_no_series_needs_only_the_as_converted_vote(rulebook, make_scenario):
    result = run(rulebook, make_scenario, corporate({"kind": "charter_amendment", "common_stock_votes": True, "equity": "none", "amendment": NO_AMENDMENT}))
    assert decided(result) == {COD_8B: APPROVAL}
    assert figures(result) == [(COD_8B,) + VOTING_POWER_2001_06]


@pytest.mark.parametrize("action, rule, expected", [
    (SENIOR_ISSUANCE, SENIOR, SEVENTY_FIVE),
    (issuance("junior", "junior", "senior"), SENIOR, SEVENTY_FIVE),
    (PARITY_ISSUANCE, PARITY, SIXTY_NINE),
    (issuance("junior", "parity", "junior"), PARITY, SIXTY_NINE),
], ids=["senior-on-dividends", "senior-on-liquidation", "parity", "parity-on-redemption"])
def test_senior_and_parity_issuances(rulebook, make_scenario, action, rule, expected):
    result = run(rulebook, make_scenario, corporate(action))
    assert decided(result) == {rule: APPROVAL}
    assert figures(result) == [(rule,) + expected]


def test_junior_issuance_needs_no_approval(rulebook, make_scenario):
    result = run(rulebook, make_scenario, corporate(JUNIOR_ISSUANCE))
    assert decided(result) == {}
    assert result.approvals == []
    for rule in (SENIOR, PARITY, COD_8E):
        assert result.by_rule(rule).outcome == "not_applicable"
    assert result.blocked is False


@pytest.mark.parametrize("basis", ["exchange_preferred", "mirror_preferred", "existing_instrument"])
@pytest.mark.parametrize("ranking, rule", [(("senior", "senior", "senior"), SENIOR),
                                           (("parity", "parity", "parity"), PARITY)])
def test_exempt_basis_excepts_senior_and_parity_issuances(rulebook, make_scenario, basis, ranking, rule):
    result = run(rulebook, make_scenario, corporate(issuance(*ranking, exempt_basis=basis)))
    finding = result.by_rule(rule)
    assert (finding.outcome, finding.exception) == ("not_applicable", "exempt-basis")
    assert finding.trace_explanation.startswith("Not applicable under exception 'exempt-basis' (CoD 8(c)(iv): ")
    assert decided(result) == {rule: "not_applicable"}
    assert result.approvals == []
    assert result.blocked is False


def test_series_a_issuance_over_75000_needs_unanimous_consent(rulebook, make_scenario):
    action = {"kind": "equity_issuance", "common_stock_votes": False, "class": "series_a", "series": "series_a3", "quantity": 1_000,
              "exempt_basis": "none"}
    result = run(rulebook, make_scenario, corporate(action))
    # More Series A is also a Parity Share issuance (CoD 8(c)(iv), 9(a)): 69%. The Series A-3 issued
    # to date is not stated and there is no history: the series' authority cannot be decided.
    assert decided(result) == {COD_2: APPROVAL, PARITY: APPROVAL, "cod.2.series-authority": "cannot_determine"}
    assert result.by_rule("cod.2.series-authority").missing == ["issuance.series_issued_to_date",
                                                                 "issuance.series_issued_after"]
    assert figures(result) == [(COD_2,) + UNANIMOUS, (PARITY,) + SIXTY_NINE]
    assert result.facts["issuance.series_a_outstanding_after"] == 76_000
    assert result.by_rule(COD_2).trace_explanation == (
        "Issuing 1,000 more shares of Series A (series_a3) would bring the Series A outstanding from 75,000 "
        "to 76,000, above the 75,000 that CoD 2(i) allows without the unanimous consent of the holders of the "
        "Series A. Shown by: issuance.quantity is 1,000; issuance.series_a_outstanding_after is 76,000.")


@pytest.mark.parametrize("gleacher_a3, outcome, after", [(1_999, "not_applicable", 75_000), (2_000, APPROVAL, 75_001)])
def test_series_a_cap_at_and_over_75000(rulebook, make_scenario, gleacher_a3, outcome, after):
    action = {"kind": "equity_issuance", "common_stock_votes": False, "class": "series_a", "series": "series_a3", "quantity": 1,
              "exempt_basis": "none"}
    result = run(rulebook, make_scenario,
                 corporate(action, cap_table=cap({"name": GLEACHER, "series_a3": gleacher_a3},
                                               series_a_retired=2_000 - gleacher_a3)))
    assert result.facts["issuance.series_a_outstanding_after"] == after
    assert result.by_rule(COD_2).outcome == outcome
    # Either side, more Series A is Parity Shares: 69% (CoD 8(c)(iv)) is asked as well.
    assert [a["rule"] for a in result.approvals] == ([COD_2] if outcome == APPROVAL else []) + [PARITY]


def test_voting_preferred_needs_unanimous_consent(rulebook, make_scenario):
    action = issuance("junior", "junior", "junior", votes_with_series_a=True,
                      one_vote_per_10000_of_liquidation_preference=False)
    result = run(rulebook, make_scenario, corporate(action))
    assert decided(result) == {COD_8E: APPROVAL}
    assert figures(result) == [(COD_8E,) + UNANIMOUS]


def test_voting_preferred_with_one_vote_per_10000_is_excepted(rulebook, make_scenario):
    action = issuance("junior", "junior", "junior", votes_with_series_a=True,
                      one_vote_per_10000_of_liquidation_preference=True)
    result = run(rulebook, make_scenario, corporate(action))
    finding = result.by_rule(COD_8E)
    assert (finding.outcome, finding.exception) == ("not_applicable", "one-vote-per-10000")
    assert decided(result) == {COD_8E: "not_applicable"}
    assert result.approvals == []


def test_senior_voting_preferred_needs_both_approvals(rulebook, make_scenario):
    action = issuance("senior", "senior", "senior", votes_with_series_a=True,
                      one_vote_per_10000_of_liquidation_preference=False)
    result = run(rulebook, make_scenario, corporate(action))
    assert decided(result) == {SENIOR: APPROVAL, COD_8E: APPROVAL}
    assert figures(result) == [(SENIOR,) + SEVENTY_FIVE, (COD_8E,) + UNANIMOUS]


@pytest.mark.parametrize("kind, by, for_common, outcome", [
    ("tender_offer", "company", True, APPROVAL),
    ("tender_offer", "subsidiary", True, APPROVAL),
    ("exchange_offer", "company", True, APPROVAL),
    ("tender_offer", "third_party", True, "not_applicable"),
    ("tender_offer", "company", False, "not_applicable"),
])
def test_tender_and_exchange_offers(rulebook, make_scenario, kind, by, for_common, outcome):
    result = run(rulebook, make_scenario, corporate({"kind": kind, "by": by, "for_common_stock": for_common}))
    finding = result.by_rule(TENDER)
    assert finding.outcome == outcome
    if outcome == APPROVAL:
        assert figures(result) == [(TENDER,) + MAJORITY]
    else:
        assert result.approvals == []
        assert finding.reason is None  # in scope; its condition fails
        assert finding.trace_explanation.startswith("Not applicable: the condition of CoD 8(c)(v) is not met (")


def test_third_party_tender_offer_explanation_names_the_offeror(rulebook, make_scenario):
    result = run(rulebook, make_scenario, corporate({"kind": "tender_offer", "by": "third_party",
                                                     "for_common_stock": True}))
    assert result.by_rule(TENDER).trace_explanation == (
        "Not applicable: the condition of CoD 8(c)(v) is not met (offer.by is third_party, not in company, "
        "subsidiary).")


@pytest.mark.parametrize("series, same, protected, outcome", [
    (["series_a1"], False, True, APPROVAL),
    (["series_a1", "series_a2", "series_a3"], True, False, APPROVAL),
    (["series_a1", "series_a2", "series_a3"], True, True, "not_applicable"),
])
def test_series_split(rulebook, make_scenario, series, same, protected, outcome):
    action = {"kind": "series_split", "common_stock_votes": False, "series": series, "same_for_every_series": same,
              "conversion_rights_protected": protected}
    result = run(rulebook, make_scenario, corporate(action))
    assert result.by_rule(SPLIT).outcome == outcome
    # Every split changes the authorized Series A (CoD 8(c)(i)(B), 75%, A-split-changes-authorized);
    # an even one formerly needed no approval at all.
    assert result.by_rule(SPLIT_75).outcome == APPROVAL
    assert figures(result) == [(SPLIT_75,) + SEVENTY_FIVE] + ([(SPLIT,) + UNANIMOUS] if outcome == APPROVAL else [])


def test_material_acquisition_with_a_series_directors_vote_is_permitted(rulebook, make_scenario):
    result = run(rulebook, make_scenario, corporate(acquisition(director=True)))
    finding = result.by_rule(COD_15)
    assert (finding.outcome, finding.exception) == ("permitted", "board-route")
    assert decided(result) == {COD_15: "permitted"}
    assert result.approvals == []
    assert result.blocked is False


def test_material_acquisition_without_a_series_directors_vote_needs_a_majority(rulebook, make_scenario):
    result = run(rulebook, make_scenario, corporate(acquisition(director=False)))
    assert decided(result) == {COD_15: APPROVAL}
    assert figures(result) == [(COD_15,) + MAJORITY]
    assert result.by_rule(COD_15).figures == {
        "transaction.material": "yes", "transaction.outside_ordinary_course": "yes",
        "transaction.type": "acquisition", "series_a.outstanding": "75,000",
        "board.approved": "yes", "board.series_director_voted_for": "no"}


def test_immaterial_acquisition_needs_no_vote(rulebook, make_scenario):
    # CoD 15's rule says `otherwise: permitted`, so a transaction outside its condition is
    # reported as permitted (no exception), not as not applicable.
    result = run(rulebook, make_scenario, corporate(acquisition(material=False, director=False)))
    finding = result.by_rule(COD_15)
    assert (finding.outcome, finding.exception) == ("permitted", None)
    assert finding.trace_explanation == (
        "Permitted: the condition of CoD 15 is not met (transaction.material is no, not == yes).")
    assert result.approvals == []
    assert result.blocked is False


def test_restrictive_agreement(rulebook, make_scenario):
    restricts = run(rulebook, make_scenario,
                    corporate({"kind": "restrictive_agreement", "materially_restricts_series_a_rights": True}))
    assert decided(restricts) == {RESTRICTIVE: APPROVAL}
    assert figures(restricts) == [(RESTRICTIVE,) + SEVENTY_FIVE]
    harmless = run(rulebook, make_scenario,
                   corporate({"kind": "restrictive_agreement", "materially_restricts_series_a_rights": False}))
    assert decided(harmless) == {}
    assert harmless.approvals == []


# --- 1b. A fact left out: cannot determine, naming it -----------------------------------------


@pytest.mark.parametrize("action, rules, missing", [
    ({k: v for k, v in SURVIVOR_MERGER.items() if k != "opinion_of_counsel_delivered"},
     [QT, NON_QT], ["transaction.opinion_of_counsel_delivered"]),
    ({k: v for k, v in acquisition(director=False).items() if k != "board"},
     [COD_15], ["board.approved", "board.series_director_voted_for"]),
    ({k: v for k, v in JUNIOR_ISSUANCE.items() if k != "votes_with_series_a_as_one_class"},
     [COD_8E], ["issuance.votes_with_series_a", "issuance.one_vote_per_10000"]),
    ({k: v for k, v in JUNIOR_ISSUANCE.items() if k != "ranking"},
     [SENIOR, PARITY], ["issuance.rank_dividends", "issuance.rank_redemption", "issuance.rank_liquidation"]),
], ids=["no-opinion-fact", "no-board-facts", "no-voting-fact", "no-ranking"])
def test_a_fact_left_out_cannot_be_determined_and_is_named(rulebook, make_scenario, action, rules, missing):
    result = run(rulebook, make_scenario, corporate(action))
    for rule in rules:
        finding = result.by_rule(rule)
        assert finding.outcome == "cannot_determine"
        assert finding.missing == missing
        assert finding.trace_explanation.startswith("Cannot determine: the scenario does not establish " + missing[0] + " (")
    assert {r for r, o in decided(result).items() if o == "cannot_determine"} == set(rules)
    assert all(a["rule"] not in rules for a in result.approvals)
    assert result.blocked is True


def test_missing_opinion_leaves_the_as_converted_vote_required(rulebook, make_scenario):
    action = {k: v for k, v in SURVIVOR_MERGER.items() if k != "opinion_of_counsel_delivered"}
    result = run(rulebook, make_scenario, corporate(action))
    assert decided(result) == {COD_8B: APPROVAL, QT: "cannot_determine", NON_QT: "cannot_determine"}
    assert figures(result) == [(COD_8B,) + VOTING_POWER_2001_06]
    assert result.by_rule(QT).trace_explanation == (
        "Cannot determine: the scenario does not establish transaction.opinion_of_counsel_delivered (an opinion "
        "of counsel was delivered to the Registrar).")


def test_missing_opinion_does_not_matter_when_a_limb_surely_fails(rulebook, make_scenario):
    action = {k: v for k, v in resulting_entity_merger("corporation", "Cayman Islands").items()
              if k != "opinion_of_counsel_delivered"}
    result = run(rulebook, make_scenario, corporate(action))
    assert decided(result) == {COD_8B: APPROVAL, NON_QT: APPROVAL}


# --- 2. Tallies at the exact thresholds ----------------------------------------------------------

OUTSIDER = "Outside Holder LLC"
AFFILIATE = "Liberty Affiliate LLC"
TREASURY = "ICG Treasury"


@pytest.mark.parametrize("gleacher_a3, result_", [(1_749, "fails"), (1_750, "passes")])
def test_69_percent_at_51749_fails_and_at_51750_passes(rulebook, make_scenario, gleacher_a3, result_):
    # Gleacher keeps g of its 2,000 Series A-3; an outsider holds the other 2,000 - g.
    table = cap({"name": GLEACHER, "series_a3": gleacher_a3},
                {"name": OUTSIDER, "group": "none", "series_a3": 2_000 - gleacher_a3})
    vote = {"by": "holder", "votes": {LIBERTY: "for", GLEACHER: "for", OUTSIDER: "against"}}
    result = run(rulebook, make_scenario, corporate(PARITY_ISSUANCE, vote=vote, cap_table=table))
    a = approval(result, PARITY)
    assert (a["shares_required"], a["outstanding"]) == (51_750, 75_000)
    t = a["tally"]
    assert (t["shares_for"], t["shares_against"], t["shares_abstaining"], t["shares_not_voting"],
            t["shares_unknown"]) == (50_000 + gleacher_a3, 2_000 - gleacher_a3, 0, 23_000, 0)
    assert t["result"] == result_
    assert result.blocked is (result_ == "fails")


@pytest.mark.parametrize("liberty_a1, result_", [(37_500, "fails"), (37_501, "passes")])
def test_majority_at_37500_fails_and_at_37501_passes(rulebook, make_scenario, liberty_a1, result_):
    table = cap({"name": LIBERTY, "series_a1": liberty_a1},
                {"name": AFFILIATE, "group": "liberty", "series_a1": 50_000 - liberty_a1})
    vote = {"by": "holder", "votes": {LIBERTY: "for", AFFILIATE: "against", GLEACHER: "against"}}
    result = run(rulebook, make_scenario, corporate(COMPANY_TENDER, vote=vote, cap_table=table))
    a = approval(result, TENDER)
    assert (a["shares_required"], a["outstanding"]) == (37_501, 75_000)
    t = a["tally"]
    assert (t["shares_for"], t["shares_against"], t["shares_not_voting"]) == (
        liberty_a1, 50_000 - liberty_a1 + 2_000, 23_000)
    assert t["result"] == result_
    assert result.blocked is (result_ == "fails")


@pytest.mark.parametrize("qualified_a2, result_", [(6_249, "fails"), (6_250, "passes")])
def test_75_percent_at_56249_fails_and_at_56250_passes(rulebook, make_scenario, qualified_a2, result_):
    # HMTF's 11,500 + 10,464 = 21,964 split between the Bridge fund and the Qualified Fund.
    table = cap({"name": HM4_QUALIFIED, "series_a2": qualified_a2},
                {"name": HMTF_BRIDGE, "series_a2": 21_964 - qualified_a2})
    votes = {LIBERTY: "for", HM4_QUALIFIED: "for", HMTF_BRIDGE: "against", GLEACHER: "against",
             HM4_PRIVATE: "against", HM_PG: "against", HM_SBS: "against", HM_EQ: "against"}
    result = run(rulebook, make_scenario, corporate(SENIOR_ISSUANCE, vote={"by": "holder", "votes": votes},
                                                    cap_table=table))
    a = approval(result, SENIOR)
    assert (a["shares_required"], a["outstanding"]) == (56_250, 75_000)
    t = a["tally"]
    assert (t["shares_for"], t["shares_against"], t["shares_not_voting"]) == (
        50_000 + qualified_a2, 25_000 - qualified_a2, 0)
    assert t["result"] == result_
    assert result.blocked is (result_ == "fails")


def test_unanimous_needs_every_share_for(rulebook, make_scenario):
    action = {"kind": "series_split", "common_stock_votes": False, "series": ["series_a1"], "same_for_every_series": False,
              "conversion_rights_protected": True}
    every = {"votes": {"liberty": "for", "hmtf": "for", "gleacher": "for"}}
    result = run(rulebook, make_scenario, corporate(action, vote=every))
    assert approval(result, SPLIT)["tally"]["shares_for"] == 75_000
    assert approval(result, SPLIT)["tally"]["result"] == "passes"
    assert result.blocked is False
    one_abstains = {"votes": {"liberty": "for", "hmtf": "for", "gleacher": "abstain"}}
    result = run(rulebook, make_scenario, corporate(action, vote=one_abstains))
    t = approval(result, SPLIT)["tally"]
    assert (t["shares_for"], t["shares_abstaining"], t["result"]) == (73_000, 2_000, "fails")
    assert result.blocked is True


COMPANY_HELD = cap({"name": LIBERTY, "series_a1": 45_000},
                   {"name": TREASURY, "group": "company", "series_a1": 5_000})


@pytest.mark.parametrize("action, rule, threshold, needed", [
    (PARITY_ISSUANCE, PARITY, "69%", 48_300),
    (COMPANY_TENDER, TENDER, "majority", 35_001),
    (SENIOR_ISSUANCE, SENIOR, "75%", 52_500),
])
def test_company_held_series_a_is_not_outstanding(rulebook, make_scenario, action, rule, threshold, needed):
    result = run(rulebook, make_scenario, corporate(action, cap_table=COMPANY_HELD))
    assert result.facts["series_a.outstanding"] == 70_000
    a = approval(result, rule)
    assert (a["threshold"], a["shares_required"], a["outstanding"]) == (threshold, needed, 70_000)
    assert a["blocs"] == {"liberty": 45_000, "hmtf": 23_000, "gleacher": 2_000}


def test_company_held_series_a_does_not_count_toward_the_75000_cap(rulebook, make_scenario):
    def series_a3(quantity: int) -> dict:
        return {"kind": "equity_issuance", "common_stock_votes": False, "class": "series_a", "series": "series_a3", "quantity": quantity,
                "exempt_basis": "none"}
    at_cap = run(rulebook, make_scenario, corporate(series_a3(5_000), cap_table=COMPANY_HELD))
    assert at_cap.facts["issuance.series_a_outstanding_after"] == 75_000
    assert at_cap.by_rule(COD_2).outcome == "not_applicable"
    over = run(rulebook, make_scenario, corporate(series_a3(5_001), cap_table=COMPANY_HELD))
    assert over.facts["issuance.series_a_outstanding_after"] == 75_001
    assert figures(over) == [(COD_2, EVERY_HOLDER, "unanimous", 70_000, 70_000), (PARITY, CLASS, "69%", 48_300, 70_000)]


@pytest.mark.parametrize("liberty_a1, result_", [(35_000, "fails"), (35_001, "passes")])
def test_company_held_shares_cannot_vote(rulebook, make_scenario, liberty_a1, result_):
    # Outstanding 70,000; a majority is 35,001. The Treasury's 5,000 "for" would carry either case.
    table = cap({"name": LIBERTY, "series_a1": liberty_a1},
                {"name": AFFILIATE, "group": "liberty", "series_a1": 45_000 - liberty_a1},
                {"name": TREASURY, "group": "company", "series_a1": 5_000})
    vote = {"by": "holder", "votes": {TREASURY: "for", LIBERTY: "for", AFFILIATE: "against"}}
    result = run(rulebook, make_scenario, corporate(COMPANY_TENDER, vote=vote, cap_table=table))
    a = approval(result, TENDER)
    assert (a["shares_required"], a["outstanding"]) == (35_001, 70_000)
    assert TREASURY not in a["blocs"]
    t = a["tally"]
    assert TREASURY not in t["votes"]
    assert (t["shares_for"], t["shares_against"], t["shares_not_voting"]) == (
        liberty_a1, 45_000 - liberty_a1, 25_000)
    assert t["result"] == result_


def test_holders_not_listed_count_as_not_voting(rulebook, make_scenario):
    vote = {"by": "holder", "votes": {LIBERTY: "for"}}
    result = run(rulebook, make_scenario, corporate(COMPANY_TENDER, vote=vote))
    t = approval(result, TENDER)["tally"]
    assert t["votes"] == dict({LIBERTY: "for"}, **{h: "not_voting" for h in HMTF_FUNDS + [GLEACHER]})
    assert (t["shares_for"], t["shares_against"], t["shares_abstaining"], t["shares_not_voting"]) == (
        50_000, 0, 0, 25_000)
    assert t["result"] == "passes"


def test_abstentions_do_not_count_for(rulebook, make_scenario):
    vote = {"votes": {"liberty": "abstain", "hmtf": "for", "gleacher": "for"}}
    result = run(rulebook, make_scenario, corporate(COMPANY_TENDER, vote=vote))
    t = approval(result, TENDER)["tally"]
    assert (t["shares_for"], t["shares_against"], t["shares_abstaining"], t["shares_not_voting"]) == (
        25_000, 0, 50_000, 0)
    assert t["result"] == "fails"
    assert result.blocked is True


def test_an_explicit_not_voting_counts_as_not_voting(rulebook, make_scenario):
    vote = {"votes": {"liberty": "not_voting", "hmtf": "for", "gleacher": "against"}}
    t = approval(run(rulebook, make_scenario, corporate(COMPANY_TENDER, vote=vote)), TENDER)["tally"]
    assert (t["shares_for"], t["shares_against"], t["shares_not_voting"], t["result"]) == (
        23_000, 2_000, 50_000, "fails")


def test_an_empty_vote_is_a_tally_in_which_nobody_votes(rulebook, make_scenario):
    result = run(rulebook, make_scenario, corporate(COMPANY_TENDER, vote={"record_date": date(2001, 5, 15),
                                                                          "votes": {}}))
    t = approval(result, TENDER)["tally"]
    assert (t["record_date"], t["shares_for"], t["shares_not_voting"], t["result"]) == (
        "2001-05-15", 0, 75_000, "fails")


def test_series_tally_sums_to_the_outstanding_shares(rulebook):
    for path in sorted(SCENARIOS.glob("approval-*.yaml")):
        result = evaluate(rulebook, load_scenario(path, rulebook))
        for a in result.approvals:
            t = a["tally"]
            if t is None or a["voters"] == "voting_power":
                continue
            assert (t["shares_for"] + t["shares_against"] + t["shares_abstaining"] + t["shares_not_voting"]
                    + t["shares_unknown"]) == a["outstanding"], (path.name, a["rule"])


# --- 2b. The as-converted vote of CoD 8(b) ---------------------------------------------------------


def test_voting_power_blocs_are_the_conversion_shares_on_the_record_date(rulebook, make_scenario):
    scenario = make_scenario(corporate(SURVIVOR_MERGER))
    got = {b.name: b.shares for b in blocs(rulebook, scenario, "voting_power")}
    assert got == {"liberty": 19_548_462, "hmtf": 8_992_292, "gleacher": 781_938, PUBLIC: 48_582_035}
    terms = rulebook.terms()
    per_holder = [calc.conversion_shares(terms, n, JUNE_2001) for n in (11_500, 10_464, 74, 557, 251, 154)]
    assert per_holder == [4_496_146, 4_091_102, 28_932, 217_770, 98_133, 60_209]
    assert sum(per_holder) == got["hmtf"]
    # A tally's record date, not the scenario's date, fixes the conversion figures.
    earlier = make_scenario(corporate(SURVIVOR_MERGER, vote={"record_date": date(2001, 5, 15), "votes": {}}))
    liberty = next(b for b in blocs(rulebook, earlier, "voting_power") if b.name == "liberty")
    assert liberty.shares == calc.conversion_shares(terms, 50_000, date(2001, 5, 15)) == 19_475_584


def test_as_converted_vote_with_the_public_common_stated(rulebook):
    # Cayman sample, record date 2002-01-15: Liberty 20,540,264 + 20,000,000 public for;
    # HMTF 9,448,522 + Gleacher 821,611 + 5,000,000 public against.
    result = evaluate(rulebook, load_scenario(SCENARIOS / "approval-merger-non-qt-cayman.yaml", rulebook))
    a = approval(result, COD_8B)
    assert (a["unit"], a["shares_required"], a["outstanding"]) == ("votes", 39_696_217, 79_392_432)
    t = a["tally"]
    assert (t["shares_for"], t["shares_against"], t["shares_unknown"], t["result"]) == (
        40_540_264, 15_270_133, 0, "passes")
    assert approval(result, NON_QT)["tally"]["result"] == "fails"
    assert result.blocked is True


def test_as_converted_vote_without_the_public_common_cannot_be_determined(rulebook):
    result = evaluate(rulebook, load_scenario(SCENARIOS / "approval-merger-qt-survivor.yaml", rulebook))
    t = approval(result, COD_8B)["tally"]
    assert (t["shares_for"], t["shares_against"], t["shares_unknown"], t["result"]) == (
        19_475_584, 9_737_791, 48_582_035, "cannot_determine")
    assert approval(result, QT)["tally"]["result"] == "passes"
    assert result.blocked is True  # one approval not shown to pass


def test_as_converted_tally_accounts_for_every_public_vote(rulebook):
    # Public Common 48,582,035: 20,000,000 for, 5,000,000 against, 23,582,035 not voting.
    result = evaluate(rulebook, load_scenario(SCENARIOS / "approval-merger-non-qt-cayman.yaml", rulebook))
    a = approval(result, COD_8B)
    t = a["tally"]
    assert (t["shares_abstaining"], t["shares_not_voting"]) == (0, 23_582_035)
    assert (t["shares_for"] + t["shares_against"] + t["shares_abstaining"] + t["shares_not_voting"]
            + t["shares_unknown"]) == a["outstanding"] == 79_392_432


def test_public_common_votes_cannot_exceed_the_public_common(rulebook, make_scenario):
    # Public Common 48,582,035 on the closing table: for and against are capped at it, together.
    vote = {"votes": {"liberty": "against"}, "common_for": 40_000_000, "common_against": 40_000_000}
    a = approval(run(rulebook, make_scenario, corporate(SURVIVOR_MERGER, vote=vote)), COD_8B)
    t = a["tally"]
    assert (t["shares_for"], t["shares_against"], t["shares_not_voting"], t["shares_unknown"]) == (
        40_000_000, 19_548_462 + 8_582_035, 8_992_292 + 781_938, 0)
    assert t["shares_for"] + t["shares_against"] + t["shares_not_voting"] == a["outstanding"] == 77_904_727
    assert t["result"] == "passes"  # 40,000,000 >= 38,952,364


# --- 3. Coalitions on the closing cap table --------------------------------------------------------


@pytest.mark.parametrize("action, rule, minimal, blockers", [
    (COMPANY_TENDER, TENDER, [["liberty"]], ["liberty"]),
    (PARITY_ISSUANCE, PARITY, [["liberty", "hmtf"], ["liberty", "gleacher"]], ["liberty"]),
    (SENIOR_ISSUANCE, SENIOR, [["liberty", "hmtf"]], ["liberty", "hmtf"]),
    ({"kind": "series_split", "common_stock_votes": False, "series": ["series_a1"], "same_for_every_series": False,
      "conversion_rights_protected": True}, SPLIT, [["liberty", "hmtf", "gleacher"]],
     ["liberty", "hmtf", "gleacher"]),
    (dict(SURVIVOR_MERGER, amendment=amendment("series_a2")), A2_SERIES, [["hmtf"]], ["hmtf"]),
    ({"kind": "charter_amendment", "common_stock_votes": True, "equity": "none", "amendment": amendment("series_a3")}, A3_SERIES, [["gleacher"]], ["gleacher"]),
    ({"kind": "charter_amendment", "common_stock_votes": True, "equity": "none", "amendment": amendment("series_a1")}, A1_SERIES, [["liberty"]], ["liberty"]),
], ids=["majority", "69", "75", "unanimous", "a2-series", "a3-series", "a1-series"])
def test_coalitions_by_group(rulebook, make_scenario, action, rule, minimal, blockers):
    a = approval(run(rulebook, make_scenario, corporate(action)), rule)
    assert a["coalitions"] == {"minimal_passing": minimal, "can_block_alone": blockers}


def test_liberty_alone_blocks_every_series_a_class_approval(rulebook, make_scenario):
    actions = [COMPANY_TENDER, PARITY_ISSUANCE, SENIOR_ISSUANCE, acquisition(director=False),
               dict(SURVIVOR_MERGER, amendment=amendment("series_a2")),
               {"kind": "liquidation_plan", "common_stock_votes": True, "amendment": NO_AMENDMENT},
               issuance("junior", "junior", "junior", votes_with_series_a=True,
                        one_vote_per_10000_of_liquidation_preference=False)]
    seen = set()
    for action in actions:
        for a in run(rulebook, make_scenario, corporate(action)).approvals:
            if a["voters"] == "series_a":
                assert "liberty" in a["coalitions"]["can_block_alone"], a["rule"]
                seen.add(a["threshold"])
    assert seen == {"majority", "69%", "75%", "unanimous"}


def test_coalition_tallies_on_the_closing_cap_table(rulebook, make_scenario):
    # Liberty + Gleacher (52,000) clear 69% without HMTF but not 75%; Liberty alone carries a majority.
    vote = {"votes": {"liberty": "for", "gleacher": "for", "hmtf": "against"}}
    result = run(rulebook, make_scenario, corporate(dict(SURVIVOR_MERGER, amendment=amendment("series_a2")),
                                                    vote=vote))
    results = {a["rule"]: (a["tally"]["shares_for"], a["tally"]["result"]) for a in result.approvals}
    assert results == {COD_8B: (20_330_400, "cannot_determine"), COD_8CI: (52_000, "fails"),
                       NON_QT: (52_000, "passes"), A2_SERIES: (0, "fails")}
    liberty_only = {"votes": {"liberty": "for", "gleacher": "against", "hmtf": "against"}}
    t = approval(run(rulebook, make_scenario, corporate(COMPANY_TENDER, vote=liberty_only)), TENDER)["tally"]
    assert (t["shares_for"], t["shares_against"], t["result"]) == (50_000, 25_000, "passes")


def test_by_holder_the_hmtf_funds_vote_separately(rulebook, make_scenario):
    vote = {"by": "holder", "votes": {LIBERTY: "for"}}
    a = approval(run(rulebook, make_scenario, corporate(SENIOR_ISSUANCE, vote=vote)), SENIOR)
    assert a["blocs"] == {LIBERTY: 50_000, HMTF_BRIDGE: 11_500, HM4_QUALIFIED: 10_464, HM4_PRIVATE: 74,
                          HM_PG: 557, HM_SBS: 251, HM_EQ: 154, GLEACHER: 2_000}
    # No single HMTF fund can block 75% alone, as the HMTF group can.
    assert a["coalitions"] == {"minimal_passing": [[LIBERTY, HMTF_BRIDGE], [LIBERTY, HM4_QUALIFIED]],
                               "can_block_alone": [LIBERTY]}


def test_blocs_by_group_and_by_holder(rulebook, make_scenario):
    by_group = make_scenario(corporate(COMPANY_TENDER))
    assert blocs(rulebook, by_group, "series_a") == [Bloc("liberty", 50_000), Bloc("hmtf", 23_000),
                                                     Bloc("gleacher", 2_000)]
    assert blocs(rulebook, by_group, "series_a2") == [Bloc("hmtf", 23_000)]
    by_holder = make_scenario(corporate(COMPANY_TENDER, vote={"by": "holder", "votes": {}}))
    assert [b.name for b in blocs(rulebook, by_holder, "series_a")] == HOLDERS
    assert sum(b.shares for b in blocs(rulebook, by_holder, "series_a2")) == 23_000


def test_a_holder_outside_every_group_votes_as_itself(rulebook, make_scenario):
    table = cap({"name": GLEACHER, "series_a3": 1_000}, {"name": OUTSIDER, "group": "none", "series_a3": 1_000})
    scenario = make_scenario(corporate(COMPANY_TENDER, cap_table=table, vote={"votes": {OUTSIDER: "for"}}))
    assert blocs(rulebook, scenario, "series_a") == [Bloc("liberty", 50_000), Bloc("hmtf", 23_000),
                                                     Bloc("gleacher", 1_000), Bloc(OUTSIDER, 1_000)]
    result = evaluate(rulebook, scenario)
    assert approval(result, TENDER)["tally"]["shares_for"] == 1_000


def test_analyse_reports_every_figure_of_one_approval(rulebook, make_scenario):
    scenario = make_scenario(corporate(PARITY_ISSUANCE))
    finding = evaluate(rulebook, scenario).by_rule(PARITY)
    assert analyse(rulebook, scenario, finding) == {
        "body": CLASS, "voters": "series_a", "threshold": "69%", "outstanding": 75_000,
        "shares_required": 51_750, "unit": "shares",
        "blocs": {"liberty": 50_000, "hmtf": 23_000, "gleacher": 2_000},
        "coalitions": {"minimal_passing": [["liberty", "hmtf"], ["liberty", "gleacher"]],
                       "can_block_alone": ["liberty"]},
        "tally": None,
    }


def test_a_group_vote_that_names_a_grouped_holder_is_refused(rulebook, make_scenario):
    # Voting by group, the Liberty Group votes as one: a holder's name there is bad input, not a
    # vote silently dropped (which would count Liberty's 50,000 shares as not voting).
    data = corporate(COMPANY_TENDER, vote={"votes": {LIBERTY: "for"}})
    with pytest.raises(InputError) as info:
        make_scenario(data)
    [problem] = info.value.problems
    assert problem.category == "bad-value"
    assert problem.message == (f"vote.votes: {LIBERTY} is in group liberty, which votes as one: "
                               "name the group (liberty), or set vote.by: holder")


# --- 4. blocked and all_pass ---------------------------------------------------------------------


def test_all_pass():
    passing = {"tally": {"result": "passes"}}
    assert all_pass([]) is True
    assert all_pass([passing, passing]) is True
    assert all_pass([passing, {"tally": None}]) is False
    assert all_pass([passing, {"tally": {"result": "fails"}}]) is False
    assert all_pass([{"tally": {"result": "cannot_determine"}}]) is False


@pytest.mark.parametrize("name, blocked", [
    ("approval-tender-offer-by-company.yaml", False),        # majority passes 50,000 of 37,501
    ("approval-issuance-parity-preferred.yaml", False),      # 69% passes with 52,000
    ("approval-issuance-junior-preferred.yaml", False),      # no approval needed
    ("approval-acquisition-with-series-director.yaml", False),
    ("approval-acquisition-without-series-director.yaml", True),  # 25,000 for a majority
    ("approval-liquidation-plan.yaml", True),                # 8(b) cannot be determined
    ("approval-issuance-senior-preferred.yaml", True),       # no tally
    ("approval-merger-qt-delaware-llc.yaml", True),          # no tally
])
def test_blocked_follows_the_approvals(rulebook, name, blocked):
    result = evaluate(rulebook, load_scenario(SCENARIOS / name, rulebook))
    assert result.blocked is blocked
    assert all_pass(result.approvals) is not blocked


def test_attached_approval_carries_rule_and_section(rulebook):
    result = evaluate(rulebook, load_scenario(SCENARIOS / "approval-amendment-adverse-a3.yaml", rulebook))
    for a in result.approvals:
        finding = result.by_rule(a["rule"])
        assert finding.approval is a
        assert a["section"] == finding.section
    assert [a["rule"] for a in result.approvals] == [COD_8B, COD_8CI, A3_SERIES]
    t = approval(result, A3_SERIES)["tally"]
    assert (t["shares_for"], t["shares_against"], t["result"]) == (0, 2_000, "fails")
    t = approval(result, COD_8CI)["tally"]
    assert (t["shares_for"], t["shares_against"], t["result"]) == (73_000, 2_000, "passes")


# --- 5. Explanations of the Qualifying Transaction rules when they do not apply ------------------------


def test_explanation_shows_a_set_comparison_value_whole(rulebook, make_scenario):
    # Formerly "not excludes 2, _, a, e, e, i, r, s, s": the member spelt out letter by letter.
    result = run(rulebook, make_scenario, corporate(dict(SURVIVOR_MERGER, amendment=amendment("series_a2"))))
    explanation = result.by_rule(QT).trace_explanation
    assert "amendment.adversely_affects is series_a2, not excludes series_a2" in explanation
    assert "_, a, e" not in explanation


def test_explanation_of_a_qualifying_transaction_does_not_contradict_itself(rulebook, make_scenario):
    # Formerly "transaction.company_survives is yes, not == yes" for a fact that holds.
    result = run(rulebook, make_scenario, corporate(SURVIVOR_MERGER))
    explanation = result.by_rule(NON_QT).trace_explanation
    assert explanation.startswith("Not applicable: the condition of CoD 8(c)(ii) is not met (")
    assert re.search(r"\b(\w+) is (\w+), not == \2\b", explanation) is None, explanation
    assert "excludes series_a1" in explanation
    assert "_, a, e" not in explanation


# --- 6. An issuance that does not state its quantity ----------------------------------------------


def test_series_a_issuance_without_a_quantity_cannot_be_determined(rulebook, make_scenario):
    # Formerly a missing quantity read as 0 shares: 75,000 + 0 is not above 75,000, so CoD 2(i) was clear.
    action = {"kind": "equity_issuance", "common_stock_votes": False, "class": "series_a", "series": "series_a3", "exempt_basis": "none"}
    result = run(rulebook, make_scenario, corporate(action))
    finding = result.by_rule(COD_2)
    assert finding.outcome == "cannot_determine"
    assert finding.missing == ["issuance.quantity", "issuance.series_a_outstanding_after"]
    assert "issuance.series_a_outstanding_after" not in result.facts
    assert result.blocked is True


@pytest.mark.parametrize("quantity, outcome, after", [(1, "approval_required", 75_001), (None, "cannot_determine", None)])
def test_series_a_issuance_quantity_stated_or_not(rulebook, make_scenario, quantity, outcome, after):
    action = {"kind": "equity_issuance", "common_stock_votes": False, "class": "series_a", "series": "series_a3", "exempt_basis": "none"}
    if quantity is not None:
        action["quantity"] = quantity
    result = run(rulebook, make_scenario, corporate(action))
    assert result.by_rule(COD_2).outcome == outcome
    assert result.facts.get("issuance.series_a_outstanding_after") == after


def test_vote_cli_issuance_without_a_quantity_names_it(tmp_path):
    from clitools import run as cli

    path = tmp_path / "issue.yaml"
    path.write_text(f"name: Issue Series A-3\nas_of: 2001-12-03\ncap_table: {CLOSING_FILE}\n"
                    "action: {kind: equity_issuance, common_stock_votes: false, class: series_a, series: series_a3, exempt_basis: none}\n",
                    encoding="utf-8")
    result = cli("vote", path)
    assert (result.returncode, result.stderr) == (1, "")
    text = " ".join(result.stdout.split())
    assert ("CANNOT DETERMINE: Issuing Series A beyond 75,000 shares outstanding needs the unanimous consent of the "
            "Series A (CoD 2(i)): Cannot determine: the scenario does not establish the number of shares issued") in text


# --- 7. CoD 8(c)(iv): more Series A is Parity Shares; authorizing or creating is issuing ----------

SERIES_A_ISSUANCE = {"kind": "equity_issuance", "common_stock_votes": False, "class": "series_a",
                     "series": "series_a1", "quantity": 1_000, "exempt_basis": "none"}


@pytest.mark.parametrize("series", ["series_a1", "series_a2", "series_a3"])
def test_issuing_more_series_a_is_a_parity_share_issuance(rulebook, make_scenario, series):
    # CoD 9(a): each series is deemed Parity Shares with respect to the others. Formerly an issuance
    # of class series_a was outside CoD 8(c)(iv) and needed no class vote below the 75,000 cap.
    table = cap({"name": GLEACHER, "series_a3": 1_000}, series_a_retired=1_000)  # 74,000 Outstanding: under CoD 2(i)
    result = run(rulebook, make_scenario, corporate(dict(SERIES_A_ISSUANCE, series=series), cap_table=table))
    assert result.by_rule(PARITY).outcome == APPROVAL
    assert result.by_rule(SENIOR).reason == "not_this_party"  # Series A is never Senior Shares
    assert result.by_rule(COD_2).outcome == "not_applicable"
    assert [a for a in figures(result) if a[0] == PARITY] == [(PARITY, CLASS, "69%", 51_060, 74_000)]


def test_series_a3_on_a_12i_conversion_is_excepted(rulebook, make_scenario):
    action = dict(SERIES_A_ISSUANCE, series="series_a3", exempt_basis="series_a3_on_conversion")
    result = run(rulebook, make_scenario, corporate(action, cap_table=cap({"name": GLEACHER, "series_a3": 1_000},
                                                                            series_a_retired=1_000)))
    finding = result.by_rule(PARITY)
    assert (finding.outcome, finding.exception) == ("not_applicable", "exempt-basis")


@pytest.mark.parametrize("action, message", [
    (issuance("senior", "senior", "senior", exempt_basis="series_a3_on_conversion"),
     "action.exempt_basis: series_a3_on_conversion is an issuance of class series_a, series series_a3"),
    (dict(SERIES_A_ISSUANCE, exempt_basis="series_a3_on_conversion"),
     "action.exempt_basis: series_a3_on_conversion is an issuance of class series_a, series series_a3"),
    (dict(SERIES_A_ISSUANCE, ranking={"dividends": "senior", "redemption": "senior", "liquidation": "senior"}),
     "action.ranking: the Series A's ranking is fixed by CoD 9(a) (each series on a parity with the others); "
     "state a ranking only for other equity"),
    ({"kind": "charter_amendment", "common_stock_votes": True, "equity": "none", "class": "preferred",
      "amendment": NO_AMENDMENT}, "action.class: the amendment touches no class of equity (equity: none)"),
    ({"kind": "charter_amendment", "common_stock_votes": True, "equity": "increase_authorized", "class": "series_a",
      "amendment": NO_AMENDMENT},
     "action.amendment.changes_authorized_series_a: false, but the amendment increases the authorized amount of "
     "the Series A (equity: increase_authorized, class: series_a)"),
], ids=["a3-conversion-of-preferred", "a3-conversion-of-a1", "series-a-ranking", "none-with-class",
        "increase-not-a-change"])
def test_contradictory_equity_statements_are_refused(make_scenario, action, message):
    with pytest.raises(InputError) as info:
        make_scenario(corporate(action))
    [problem] = info.value.problems
    assert (problem.category, problem.message) == ("contradiction", message)


SENIOR_TERMS = {"class": "preferred", "exempt_basis": "none",
                "ranking": {"dividends": "senior", "redemption": "senior", "liquidation": "senior"}}


@pytest.mark.parametrize("step", ["authorize", "create", "modify_terms", "increase_authorized"])
def test_a_charter_amendment_creating_senior_shares_needs_75_percent_as_an_issuance_does(
        rulebook, make_scenario, step):
    # One legal event, one answer: entered as an issuance or as the amendment that creates the
    # series, Senior Shares need 75% of the Series A, 56,250 of 75,000. Formerly the amendment
    # needed only the vote with the Common.
    amendment_ = dict({"kind": "charter_amendment", "common_stock_votes": True, "equity": step,
                       "amendment": amendment(instrument="certificate_of_incorporation")}, **SENIOR_TERMS)
    issuing = dict({"kind": "equity_issuance", "common_stock_votes": True, "quantity": 10_000,
                    "votes_with_series_a_as_one_class": False}, **SENIOR_TERMS)
    by_amendment = run(rulebook, make_scenario, corporate(amendment_))
    by_issuance = run(rulebook, make_scenario, corporate(issuing))
    assert figures(by_amendment) == figures(by_issuance) == [(COD_8B,) + VOTING_POWER_2001_06,
                                                             (SENIOR,) + SEVENTY_FIVE]
    assert decided(by_amendment) == decided(by_issuance) == {COD_8B: APPROVAL, SENIOR: APPROVAL}
    assert by_amendment.by_rule(SENIOR).trace_explanation.startswith(
        f"The charter amendment would {step.replace('_', ' ')} preferred equity that ranks senior")


def test_a_charter_amendment_creating_parity_shares_needs_69_percent(rulebook, make_scenario):
    action = {"kind": "charter_amendment", "common_stock_votes": False, "equity": "create", "class": "preferred",
              "exempt_basis": "none", "ranking": {"dividends": "parity", "redemption": "junior", "liquidation": "parity"},
              "amendment": amendment()}
    assert figures(run(rulebook, make_scenario, corporate(action))) == [(PARITY,) + SIXTY_NINE]


def test_increasing_the_authorized_series_a_is_8ci_and_8civ(rulebook, make_scenario):
    # Increasing the authorized Series A is CoD 8(c)(i)(B) (75%) and a Parity Share matter (69%).
    action = {"kind": "charter_amendment", "common_stock_votes": False, "equity": "increase_authorized",
              "class": "series_a", "exempt_basis": "none",
              "amendment": without_key(amendment(), "changes_authorized_series_a")}
    result = run(rulebook, make_scenario, corporate(action))
    assert result.facts["amendment.changes_authorized_series_a"] is True
    assert figures(result) == [(COD_8CI,) + SEVENTY_FIVE, (PARITY,) + SIXTY_NINE]


def test_a_charter_amendment_that_does_not_say_whether_it_creates_equity_cannot_be_determined(
        rulebook, make_scenario):
    action = {"kind": "charter_amendment", "common_stock_votes": False, "amendment": amendment()}
    result = run(rulebook, make_scenario, corporate(action))
    for rule in (SENIOR, PARITY):
        assert (result.by_rule(rule).outcome, result.by_rule(rule).missing) == ("cannot_determine", ["issuance.step", "issuance.class"])


def without_key(mapping: dict, key: str) -> dict:
    return {k: v for k, v in mapping.items() if k != key}


# --- 8. No Series A Outstanding --------------------------------------------------------------------

ALL_HELD_BY_THE_COMPANY = cap(*({"name": h, "group": "company"} for h in HOLDERS))
ALL_CONVERTED = cap({"name": LIBERTY, "series_a1": 0}, *({"name": h, "series_a2": 0} for h in HMTF_FUNDS),
                    {"name": GLEACHER, "series_a3": 0}, series_a_converted=75_000)
ONE_SHARE_LEFT = cap({"name": LIBERTY, "series_a1": 0}, *({"name": h, "series_a2": 0} for h in HMTF_FUNDS),
                     {"name": GLEACHER, "series_a3": 1}, series_a_converted=74_999)


@pytest.mark.parametrize("table", [ALL_HELD_BY_THE_COMPANY, ALL_CONVERTED], ids=["company-held", "all-converted"])
@pytest.mark.parametrize("action, rule", [
    (COMPANY_TENDER, TENDER),
    (PARITY_ISSUANCE, PARITY),
    (SENIOR_ISSUANCE, SENIOR),
    (dict(SURVIVOR_MERGER, amendment=amendment("series_a2")), COD_8CI),
    ({"kind": "liquidation_plan", "common_stock_votes": True, "amendment": NO_AMENDMENT}, LIQUIDATION),
    (acquisition(director=False), COD_15),
], ids=["tender", "parity", "senior", "adverse-amendment", "liquidation", "acquisition"])
def test_no_series_a_outstanding_means_no_series_a_approval(rulebook, make_scenario, table, action, rule):
    # Formerly "1 of 0 shares" (a majority of nothing) or "0 of 0" (unanimous consent of nobody).
    result = run(rulebook, make_scenario, corporate(action, cap_table=table))
    assert result.facts["series_a.outstanding"] == 0
    finding = result.by_rule(rule)
    assert finding.outcome == "not_applicable"
    assert finding.trace_explanation == "Does not apply to this action: series_a.outstanding is 0, not more than 0."
    assert [a for a in result.approvals if a["voters"] in ("series_a", "voting_power")] == []


def test_one_series_a_share_outstanding_still_needs_its_holder(rulebook, make_scenario):
    result = run(rulebook, make_scenario, corporate(COMPANY_TENDER, cap_table=ONE_SHARE_LEFT))
    assert figures(result) == [(TENDER, CLASS, "majority", 1, 1)]


def test_vote_cli_with_no_series_a_outstanding_needs_no_series_a_approval(tmp_path):
    from clitools import run as cli

    path = tmp_path / "tender.yaml"
    holders = "\n".join(f"    - {{name: \"{h}\", group: company}}" for h in HOLDERS)
    path.write_text(f"name: Tender offer after the Company bought back every Series A share\nas_of: 2001-11-01\n"
                    f"cap_table:\n  file: {CLOSING_FILE}\n  holders:\n{holders}\n"
                    "action: {kind: tender_offer, by: company, for_common_stock: true, largest_holder_pct_after: 35,\n"
                    "         purchased: 2000000, consideration: 26000000.00, current_market_price: 12.00,\n"
                    "         net_income_12_months: 0}\n",
                    encoding="utf-8")
    result = cli("vote", path)
    assert (result.returncode, result.stderr) == (0, "")
    assert "No approval of the Series A holders is required." in result.stdout
    assert "1 of 0" not in result.stdout


def test_minimal_coalitions_are_exact_and_their_list_is_bounded():
    # The search agrees with every subset examined by brute force on small sets of blocs, and lists
    # at most COALITIONS_LISTED of them (saying so) where there are astronomically many.
    import random
    from itertools import combinations

    from clausewise.approvals import COALITIONS_LISTED, Bloc, _coalitions

    rng = random.Random(2000)
    for _ in range(300):
        n = rng.randint(1, 9)
        blocs = [Bloc(f"b{i}", rng.randint(1, 50)) for i in range(n)]
        needed = rng.randint(1, sum(b.shares for b in blocs))
        names, shares = [b.name for b in blocs], {b.name: b.shares for b in blocs}
        brute = []
        for size in range(1, n + 1):
            for combo in combinations(names, size):
                if sum(shares[x] for x in combo) >= needed and not any(set(w) <= set(combo) for w in brute):
                    brute.append(list(combo))
        minimal, blockers, complete = _coalitions(blocs, needed, False)
        assert (minimal, complete) == (brute, True)
        assert blockers == [x for x in names if sum(shares.values()) - shares[x] < needed]
    forty = [Bloc(f"h{i:02d}", 1) for i in range(40)]
    minimal, blockers, complete = _coalitions(forty, 21, False)
    assert complete is False and len(minimal) == COALITIONS_LISTED and all(len(m) == 21 for m in minimal)
    assert blockers == []
