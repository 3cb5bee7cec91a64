"""Headroom says which kind of answer it is: a largest quantity when size decides; no quantity
(and what would clear it) when a route or a missing fact decides; no contractual limit when no
rule in force limits the quantity. JSON keeps numbers as numbers: null plus a reason, never 0."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from clitools import run, run_json

SCENARIOS = "samples/scenarios"
PA_65 = "pa.6.5.transfer-restriction"
ROUTE_REASON = "no quantity cures it: the verdict turns on the route taken, not on size"
ROUTE_CURE = [  # each route the transfer restriction allows, in its words, with its section
    "To a Permitted Transferee that has signed a Permitted Transferee Agreement (PA 6.5(a))",
    "In a transaction in compliance with Rule 144 (PA 6.5(b)(i))",
    "In a transaction exempt from Securities Act registration (PA 6.5(b)(ii))",
    "Pursuant to a registration statement (PA 6.5(b)(iii))",
]
COD_4_CURE = [
    "To the Company (CoD 4(i))",
    "Pursuant to an exemption from Securities Act registration (CoD 4(ii))",
    "Pursuant to an effective registration statement (CoD 4(iii))",
]
STATUS_CURE = ("state whether the Purchase Agreement is in force after the Chapter 11 plan of April 3, 2002, or was "
               "terminated or cancelled, and from what date")
MISSING_REASON = "no quantity cures it: the verdict turns on a fact the scenario does not establish, not on size"


def test_check_json_a_transfer_with_no_route_is_not_cured_by_any_quantity():
    code, data = run_json("check", f"{SCENARIOS}/hmtf-public-sale-unregistered.yaml")
    assert code == 1
    assert data["headroom"] == {"max_quantity": None, "excess": None, "limit": "route", "reason": ROUTE_REASON,
                                "cure": ROUTE_CURE + COD_4_CURE, "binding": {"rule": PA_65, "section": "6.5",
                                                                "document": "purchase-agreement"}}


def test_check_text_a_transfer_with_no_route_says_what_would_clear_it():
    result = run("check", f"{SCENARIOS}/hmtf-public-sale-unregistered.yaml")
    assert result.returncode == 1
    text = result.stdout
    assert "Largest permitted quantity: 0" not in text
    assert ("Largest permitted quantity: none; no quantity cures it: the verdict turns on the route taken, not on\n"
            "size (the binding provision is PA 6.5).\nWhat would clear it:\n"
            "  - To a Permitted Transferee that has signed a Permitted Transferee Agreement (PA 6.5(a))\n") in text


def test_check_json_a_missing_fact_and_a_route_both_named_in_the_cure():
    code, data = run_json("check", f"{SCENARIOS}/transfer-missing-rule144-fact.yaml")
    assert code == 1
    room = data["headroom"]
    assert (room["max_quantity"], room["excess"], room["limit"]) == (None, None, "missing_fact")
    assert room["reason"] == ("no quantity cures it: the verdict turns on the route taken and on a fact the scenario "
                              "does not establish, not on size")
    assert room["cure"] == ROUTE_CURE + [
        "establish whether the Securities may be resold under Rule 144 under the Securities Act"]


def test_check_json_a_size_limit_keeps_its_number():
    code, data = run_json("check", f"{SCENARIOS}/liberty-buys-2m-2003.yaml")
    assert code == 1
    assert data["headroom"] == {"max_quantity": 1964341, "excess": 35659, "limit": "size", "reason": None,
                                "cure": [], "binding": {"rule": "pa.6.6a.liberty-standstill", "section": "6.6(a)",
                                                        "document": "purchase-agreement"}}


def test_headroom_after_the_standstill_ends_has_no_contractual_limit():
    # The Certificate of Designation stated in force: a Change of Control is an event, not a limit.
    cod = ("--instrument", "certificate-of-designation=in_force")
    result = run("headroom", "--holder", "liberty", "--as-of", "2005-04-10", *cod)
    assert result.returncode == 0
    assert result.stdout == ("Liberty Group on 2005-04-10: no contractual limit on market purchases of Common Stock "
                             "(no rule in force limits the quantity on this date).\n"
                             "A Change of Control (CoD 17(a)): a purchase of 14,322,285 shares is one (obligation); "
                             "up to 14,322,284 is not.\n"
                             "Proof: at 14,322,284 shares, the acquiring person's or group's beneficial ownership of "
                             "the total Voting Capital Stock after the purchase, counting every right to acquire is "
                             "49.999999474%; at 14,322,285 it is 50.000000526%.\n"
                             "A Change of Control (CoD 17(a)) comes first.\n")
    code, data = run_json("headroom", "--holder", "liberty", "--as-of", "2005-04-10", *cod)
    assert code == 0
    assert [(e["rule"], e["max_quantity"], e["trips_at"], e["outcome"], e["first"]) for e in data["events"]] == [
        ("cod.17.coc-a", 14_322_284, 14_322_285, "obligation", "event")]
    assert {k: data[k] for k in ("max_quantity", "limit", "reason", "cure", "binding", "proof")} == {
        "max_quantity": None, "limit": "no_limit", "reason": "no rule in force limits the quantity on this date",
        "cure": [], "binding": None, "proof": {"permitted_at": None, "blocked_at": None}}


def test_headroom_the_day_before_the_fifth_anniversary_still_has_a_number():
    code, data = run_json("headroom", "--holder", "liberty", "--as-of", "2005-04-09",
                          "--instrument", "purchase-agreement=in_force")
    assert code == 0
    assert isinstance(data["max_quantity"], int) and data["limit"] == "size"


def test_headroom_after_the_plan_with_the_status_unknown_cannot_be_determined():
    result = run("headroom", "--holder", "hmtf", "--as-of", "2002-04-04")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "HMTF Group on 2002-04-04: the largest market purchase of Common Stock cannot be determined; " + MISSING_REASON + ".",
        "Binding provision: HMTF standstill - 17.5% cap on beneficial ownership before the fifth anniversary "
        "(PA 6.6(b)) (cannot determine).",
        "What would clear it:",
        "  - " + STATUS_CURE,
        "A Change of Control (CoD 17(a)): a purchase of 28,817,346 shares is one (cannot determine); "
        "up to 28,817,345 is not.",
        "Proof: at 28,817,345 shares, the acquiring person's or group's beneficial ownership of the total Voting "
        "Capital Stock after the purchase, counting every right to acquire is 50.000000000%; at 28,817,346 it is "
        "50.000001205%.",
    ]
    code, data = run_json("headroom", "--holder", "hmtf", "--as-of", "2002-04-04")
    assert (data["max_quantity"], data["limit"], data["reason"], data["cure"]) == (
        None, "missing_fact", MISSING_REASON, [STATUS_CURE])
    assert data["binding"]["missing"] == ["instrument.purchase-agreement.status"]
    assert data["proof"] == {"permitted_at": None, "blocked_at": 1}


def test_headroom_on_the_plan_date_itself_has_a_number():
    code, data = run_json("headroom", "--holder", "hmtf", "--as-of", "2002-04-03")
    assert code == 0
    assert isinstance(data["max_quantity"], int) and data["max_quantity"] > 0 and data["reason"] is None


def test_headroom_with_the_status_stated_terminated_has_no_contractual_limit():
    code, data = run_json("headroom", "--holder", "hmtf", "--as-of", "2003-06-02",
                          "--instrument", "purchase-agreement=terminated:2002-10-10",
                          "--instrument", "certificate-of-designation=in_force")
    assert (data["max_quantity"], data["limit"]) == (None, "no_limit")


def test_headroom_with_the_certificate_status_unknown_stops_where_a_change_of_control_cannot_be_determined():
    # No standstill, but past 50% the Certificate of Designation's Change of Control rules apply,
    # and with its status after the plan unknown what follows cannot be determined.
    code, data = run_json("headroom", "--holder", "hmtf", "--as-of", "2003-06-02",
                          "--instrument", "purchase-agreement=terminated:2002-10-10")
    assert (data["max_quantity"], data["limit"], data["binding"]["rule"], data["binding"]["outcome"]) == (
        29_404_254, "size", "cod.6b.special-dividend", "cannot_determine")
    event = data["events"][0]
    assert (event["max_quantity"], event["at_max"], event["one_more"], event["first"]) == (
        29_404_254, "50.000000000", "50.000001162", "both")


def test_position_after_the_plan_gives_no_headroom_figure_without_the_status():
    code, data = run_json("position", "--as-of", "2002-04-04")
    assert code == 0
    for gid, group in data["groups"].items():
        assert group["standstill"]["max_quantity"] is None, gid
        assert group["standstill"]["headroom_reason"] == MISSING_REASON + "; to clear it: " + STATUS_CURE
    text = run("position", "--as-of", "2002-04-04").stdout.splitlines()
    liberty = next(line for line in text if line.startswith("Liberty Group "))
    assert liberty.split()[8] == "unknown"
    assert f"Liberty Group: headroom cannot be given: {MISSING_REASON}; to clear it: {STATUS_CURE}." in text
    code, stated = run_json("position", "--as-of", "2002-04-04", "--instrument", "purchase-agreement=in_force")
    assert isinstance(stated["groups"]["liberty"]["standstill"]["max_quantity"], int)
    code, before = run_json("position", "--as-of", "2002-04-03")
    assert isinstance(before["groups"]["liberty"]["standstill"]["max_quantity"], int)


def test_a_group_already_over_its_cap_may_buy_nothing_and_is_told_so(tmp_path):
    # Liberty's conversion of its 50,000 A-1 on 2002-06-01 (21,164,524 Common) leaves HMTF at
    # 17.7452% on the PA 6.6 basis (A-converted-series-a-counted-once): above 17.5% before any purchase.
    closing = Path(__file__).resolve().parents[1] / "samples" / "captables" / "closing.yaml"
    table = tmp_path / "after-conversion.yaml"
    table.write_text(closing.read_text(encoding="utf-8") + (
        "history:\n  - {date: 2002-06-01, kind: conversion, holder: Liberty Media Corporation, security: series_a1, "
        "quantity: 50000}\ninstruments: {purchase-agreement: in_force, certificate-of-designation: in_force, "
        "warrant: in_force}\n"), encoding="utf-8")
    result = run("headroom", "--holder", "hmtf", "--as-of", "2002-06-03", "--cap-table", str(table))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == ("HMTF Group on 2002-06-03: may not buy any Common Stock in the market; it already stands at "
                        "or above the limit of the binding rule, so even one share is over it.")
    assert lines[2] == ("Proof: before any purchase the standstill basis is 17.745221808%; at 1 share it is "
                        "17.745222970%.")


def test_the_headroom_of_a_series_a_purchase_whose_conversion_rounds_is_derived_not_fitted(rulebook, make_scenario):
    # Series A converts per holder with rounding, so the standstill basis is not an exact ratio of the
    # quantity: at a crossing the fitted value is too large to post, and the search derives the
    # facts there instead of stopping with an engine error. HMTF Bridge may buy 1,374 of Gleacher's
    # 2,000 Series A-3 on 2000-04-10 under PA 6.6(b); 1,375 is a violation.
    from clausewise.evaluate import evaluate, headroom
    scenario = make_scenario({"as_of": date(2000, 4, 10), "action": {
        "kind": "purchase", "buyer": "HMTF Bridge ICG, LLC", "seller": "Gleacher/ICG Investors LLC",
        "security": "series_a3", "quantity": 2000, "basis": "exempt", "permitted_transferee_agreement": True}})
    room = headroom(rulebook, scenario, upper=2000)  # as check asks it: up to the quantity proposed
    assert (room.max_quantity, room.binding.rule) == (1374, "pa.6.6b.hmtf-standstill")
    assert evaluate(rulebook, scenario).by_rule("pa.6.6b.hmtf-standstill").outcome == "violation"
