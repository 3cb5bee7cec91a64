"""Instrument status: each instrument is in force from its date; after the Chapter 11 plan of
April 3, 2002 a rule of a 2000 instrument decides only if the scenario states the instrument's
status (assumption A-instrument-status-after-plan), and durable_rules decides that branch too."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import json

from clitools import run, run_json
from clausewise.rulebook import load_rulebook
from deal import CLOSING_FILE, HMTF_BRIDGE, HMTF_RULE, LIBERTY_RULE, PLAN_DATE, ROOT

from clausewise.evaluate import evaluate

PA_STATUS = "instrument.purchase-agreement.status"
COD_STATUS = "instrument.certificate-of-designation.status"
WARRANT_STATUS = "instrument.warrant.status"
HMTF_2M = 2_000_000  # over HMTF's 17.5% cap on any date in 2002
PLAN_QUOTE = ('in connection with the financial restructuring of the Company pursuant to the Second Amended Joint '
              'Plan of Reorganization filed by the Company with the Bankruptcy Court, dated as of April 3, 2002, as '
              'modified (the "Plan"), and pursuant to its Chapter 11 Case')
UNKNOWN_PA = ("Cannot determine: the scenario does not establish the instrument status of the Purchase Agreement "
              f"after the Chapter 11 plan of April 3, 2002 (WA-AM1 Recitals: \"{PLAN_QUOTE}\"); state it under "
              "instruments: purchase-agreement: in_force, or terminated or cancelled with the date "
              "(A-instrument-status-after-plan).")
# The same, as a person reads it (check's text and JSON `explanation`): no scenario keys.
UNKNOWN_PA_WORDS = ("Cannot determine: the scenario does not establish the instrument status of the Purchase Agreement "
                    f"after the Chapter 11 plan of April 3, 2002 (WA-AM1 Recitals: \"{PLAN_QUOTE}\"); whether it is "
                    "in force, or was terminated or cancelled and from what date, must be stated "
                    "(A-instrument-status-after-plan).")


def hmtf_buys(as_of: date, instruments: dict | None = None, quantity: int = HMTF_2M) -> dict:
    data = {"as_of": as_of, "action": {"kind": "purchase", "buyer": HMTF_BRIDGE, "security": "common",
                                       "quantity": quantity, "seller": "market"}}
    if instruments is not None:
        data["instruments"] = instruments
    return data


def test_the_plan_date_and_the_documents_it_puts_in_question_come_from_the_rulebook(rulebook):
    event = rulebook.events["chapter-11-plan"]
    assert event.date == PLAN_DATE == rulebook.param("chapter_11_plan_date")
    assert event.documents == ("purchase-agreement", "purchase-agreement-amendment", "registration-rights-agreement",
                               "certificate-of-designation", "warrant-form", "warrant")
    assert event.source.document == "warrant-agreement-amendment-1" and event.source.quote == PLAN_QUOTE
    assert event.assumption == "A-instrument-status-after-plan"
    assert rulebook.assumptions["A-instrument-status-after-plan"].alternative


@pytest.mark.parametrize("as_of, outcome", [
    (date(2002, 4, 2), "violation"),         # the day before the plan's date
    (date(2002, 4, 3), "violation"),         # the plan's date itself is still in force
    (date(2002, 4, 4), "cannot_determine"),  # the day after: the status is an input
])
def test_unstated_status_on_both_sides_of_the_plan_date(rulebook, make_scenario, as_of, outcome):
    result = evaluate(rulebook, make_scenario(hmtf_buys(as_of)))
    finding = result.by_rule(HMTF_RULE)
    assert finding.outcome == outcome
    assert "A-instrument-status-after-plan" in finding.assumptions or as_of < PLAN_DATE
    if outcome == "cannot_determine":
        assert finding.missing == [PA_STATUS]
        assert finding.reason == "instrument_status_unknown"
        assert finding.trace_explanation == UNKNOWN_PA
        assert result.blocked


@pytest.mark.parametrize("status", ["in_force", {"status": "in_force"}])
def test_stated_in_force_runs_the_rule_as_before(rulebook, make_scenario, status):
    before = evaluate(rulebook, make_scenario(hmtf_buys(date(2002, 4, 3)))).by_rule(HMTF_RULE)
    after = evaluate(rulebook, make_scenario(hmtf_buys(date(2002, 4, 4), {"purchase-agreement": status})))
    assert after.by_rule(HMTF_RULE).outcome == before.outcome == "violation"
    assert after.by_rule(HMTF_RULE).missing == []


@pytest.mark.parametrize("status", ["terminated", "cancelled"])
def test_a_stated_end_makes_the_rules_not_applicable_from_that_date(rulebook, make_scenario, status):
    stated = {"purchase-agreement": {"status": status, "from": date(2002, 10, 10)}}
    day_before = evaluate(rulebook, make_scenario(hmtf_buys(date(2002, 10, 9), stated)))
    assert day_before.by_rule(HMTF_RULE).outcome == "violation"  # in force until the stated end
    on_the_day = evaluate(rulebook, make_scenario(hmtf_buys(date(2002, 10, 10), stated)))
    finding = on_the_day.by_rule(HMTF_RULE)
    assert finding.outcome == "not_applicable"
    assert finding.reason == f"instrument_{status}"
    assert finding.trace_explanation == (f"Not applicable: the scenario states the Purchase Agreement {status} from "
                                   "2002-10-10 (<test>).")
    assert not on_the_day.blocked


def test_a_rule_that_surely_does_not_apply_stays_not_applicable_whatever_the_status(rulebook, make_scenario):
    result = evaluate(rulebook, make_scenario(hmtf_buys(date(2002, 6, 3))))
    assert result.by_rule(LIBERTY_RULE).outcome == "not_applicable"
    assert result.by_rule(LIBERTY_RULE).reason == "not_this_party"
    assert [f.rule for f in result.findings if f.outcome == "cannot_determine"] == [HMTF_RULE]


def test_after_the_fifth_anniversary_the_standstill_ends_by_its_own_terms_whatever_the_status(rulebook, make_scenario):
    finding = evaluate(rulebook, make_scenario(hmtf_buys(date(2005, 4, 10)))).by_rule(HMTF_RULE)
    assert (finding.outcome, finding.reason) == ("not_applicable", "not_in_force")


def test_the_cap_table_may_state_the_status_and_the_scenario_overrides_it(rulebook, make_scenario):
    cap = {"file": CLOSING_FILE, "instruments": {"purchase-agreement": {"status": "cancelled", "from": date(2002, 10, 10)}}}
    data = dict(hmtf_buys(date(2003, 1, 2)), cap_table=cap)
    assert evaluate(rulebook, make_scenario(data)).by_rule(HMTF_RULE).reason == "instrument_cancelled"
    data["instruments"] = {"purchase-agreement": "in_force"}
    assert evaluate(rulebook, make_scenario(data)).by_rule(HMTF_RULE).outcome == "violation"


def test_a_corporate_action_after_the_plan_needs_the_certificate_of_designation_status(rulebook, make_scenario):
    merger = {"kind": "merger", "company_survives": True, "common_changed": False, "series_a_remains_outstanding": True,
              "counterparty": "other", "prior_holders_pct": {"survivor": 100}, "survivor_has_parent": False,
              "largest_holder_pct": {"survivor": 35},
              "common_stock_votes": True, "officers_certificate_delivered": True, "opinion_of_counsel_delivered": True,
              "amendment": {"instrument": "none", "adversely_affects": [], "changes_authorized_series_a": False,
                            "alters_relative_rights": False}}
    unknown = evaluate(rulebook, make_scenario({"as_of": date(2002, 6, 3), "action": merger}))
    undecided = [f for f in unknown.findings if f.outcome == "cannot_determine"]
    assert undecided and all(f.missing == [COD_STATUS] for f in undecided)
    assert all(f.document == "certificate-of-designation" for f in undecided)
    stated = evaluate(rulebook, make_scenario({"as_of": date(2002, 6, 3), "action": merger,
                                               "instruments": {"certificate-of-designation": "in_force"}}))
    assert not [f for f in stated.findings if f.outcome == "cannot_determine"]


# --- the command line ----------------------------------------------------------------------------

SAMPLE = "samples/scenarios/hmtf-buys-1m-2002.yaml"


def without_status(tmp_path: Path) -> Path:
    text = (ROOT / SAMPLE).read_text(encoding="utf-8")
    start = text.index("# The Chapter 11 plan")
    end = text.index("action:")
    path = tmp_path / "hmtf-buys-1m-2002-unstated.yaml"
    text = text[:start] + text[end:]
    path.write_text(text.replace("cap_table: ../captables/closing.yaml", f"cap_table: {CLOSING_FILE}"), encoding="utf-8")
    return path


def test_check_of_a_sample_after_the_plan_states_the_status_and_keeps_its_answer():
    code, data = run_json("check", SAMPLE)
    assert code == 1 and data["verdict"] == "violation"
    assert "A-instrument-status-after-plan" in [a["id"] for a in data["assumptions"]]


def test_check_without_the_status_cannot_determine_and_names_it(tmp_path):
    path = without_status(tmp_path)
    result = run("check", path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    others = len(load_rulebook(ROOT / "rules" / "icg-2000").rules) - 1
    assert f"Result: CANNOT DETERMINE  (1 cannot determine, {others} not applicable)" in lines
    row = next(line for line in lines if line.startswith("1    CANNOT DETERMINE "))
    assert row.split() == ["1", "CANNOT", "DETERMINE", "PA", "6.6(b)", "not", "stated:", "whether", "the", "Purchase",
                           "Agreement", "is", "in", "force"]
    assert "    Not stated: whether the Purchase Agreement is in force" in lines
    code, data = run_json("check", path)
    finding = next(f for f in data["findings"] if f["rule"] == HMTF_RULE)
    assert (finding["outcome"], finding["missing"], finding["reason"]) == (
        "cannot_determine", [PA_STATUS], "instrument_status_unknown")
    assert finding["explanation"] == UNKNOWN_PA_WORDS
    assert data["headroom"] == {
        "max_quantity": None, "excess": None, "limit": "missing_fact",
        "reason": "no quantity cures it: the verdict turns on a fact the scenario does not establish, not on size",
        "cure": ["state whether the Purchase Agreement is in force after the Chapter 11 plan of April 3, 2002, or was "
                 "terminated or cancelled, and from what date"],
        "binding": {"rule": HMTF_RULE, "section": "6.6(b)", "document": "purchase-agreement"}}


def test_vote_after_the_plan_without_the_status_cannot_be_determined(tmp_path):
    text = (ROOT / "samples/scenarios/approval-merger-non-qt-cayman.yaml").read_text(encoding="utf-8")
    path = tmp_path / "cayman-after-plan.yaml"
    path.write_text(text.replace("as_of: 2002-02-01", "as_of: 2002-06-03")
                    .replace("cap_table: ../captables/closing.yaml", f"cap_table: {CLOSING_FILE}"), encoding="utf-8")
    code, data = run_json("vote", path)
    assert code == 1 and data["all_pass"] is False and data["approvals"] == []
    assert {f["rule"] for f in data["undetermined"]} >= {"cod.8c-ii.non-qualifying-69", "cod.8b.general-vote-as-converted"}
    # The Certificate of Designation's rules need its status; WAR 4(k), which the merger also
    # reaches, needs the Warrant's.
    assert all(f["missing"] == [COD_STATUS] for f in data["undetermined"] if f["document"] == "certificate-of-designation")
    assert [f["missing"] for f in data["undetermined"] if f["document"] == "warrant"] == [[WARRANT_STATUS]]
    path.write_text(path.read_text(encoding="utf-8")
                    + "instruments: {certificate-of-designation: in_force, warrant: in_force}\n", encoding="utf-8")
    code, data = run_json("vote", path)
    assert code == 1 and data["undetermined"] == []
    assert [a["rule"] for a in data["approvals"]][:1] == ["cod.8b.general-vote-as-converted"]


@pytest.mark.parametrize("body, needle, category, message", [
    ("instruments: {certificate-of-designaton: in_force}", "certificate-of-designaton", "bad-value",
     "instruments: 'certificate-of-designaton' is not a document of the rulebook"),
    ("instruments:\n  warrant: {status: expired, from: 2002-10-10}", "expired", "bad-value",
     "instruments.warrant.status: expected one of in_force, terminated, cancelled, got 'expired'"),
    ("instruments:\n  warrant: {status: cancelled}", "status: cancelled", "missing-field",
     "instruments.warrant.from: missing (the date cancelled takes effect)"),
    ("instruments:\n  warrant: {status: in_force, from: 2002-10-10}", "in_force", "bad-value",
     "instruments.warrant.from: an instrument in force has no end date (use status terminated or cancelled)"),
    ("instruments:\n  warrant: {status: cancelled, from: 1999-12-31}", "1999-12-31", "bad-date",
     "instruments.warrant.from: 1999-12-31 is before the instrument's own date 2000-04-10"),
    ("instruments: [warrant]", "[warrant]", "wrong-type",
     "instruments: expected a mapping of document id: status, got a list"),
])
def test_a_bad_status_is_one_line_with_its_line_number(tmp_path, body, needle, category, message):
    path = tmp_path / "bad-status.yaml"
    text = (f"name: bad status\nas_of: 2003-06-02\ncap_table: {CLOSING_FILE}\n{body}\n"
            "action: {kind: purchase, buyer: Liberty Media Corporation, security: common, quantity: 1}\n")
    path.write_text(text, encoding="utf-8")
    line = text[: text.index(needle)].count("\n") + 1
    result = run("check", path)
    assert result.returncode == 2 and result.stdout == ""
    [problem] = result.stderr.splitlines()
    assert problem.startswith(f"{path}:{line}: {category}: {message}")


def test_a_bad_instrument_option_is_one_line():
    result = run("headroom", "--holder", "hmtf", "--as-of", "2003-06-02", "--instrument", "warrant=terminated")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "--instrument: missing-field: instruments.warrant.from: missing (the date terminated takes effect)"]


# --- the securities of an instrument stated ended are held by no one ---------------------------------

CANCELLED = {"purchase-agreement": "in_force",
             "certificate-of-designation": {"status": "cancelled", "from": "2002-10-10"},
             "warrant": {"status": "cancelled", "from": "2002-10-10"}}


def _liberty_buys(tmp_path, instruments, as_of="2003-06-02"):
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps({
        "name": "Liberty buys 2,000,000 Common", "as_of": as_of,
        "cap_table": str(ROOT / "samples" / "captables" / "closing.yaml"), "instruments": instruments,
        "action": {"kind": "purchase", "buyer": "Liberty Media Corporation", "security": "common",
                   "quantity": 2000000, "seller": "market"}}), encoding="utf-8")
    return run_json("check", str(path))


def test_after_the_series_a_and_warrants_are_cancelled_liberty_holds_only_its_common(tmp_path):
    code, data = _liberty_buys(tmp_path, CANCELLED)
    finding = next(f for f in data["findings"] if f["rule"] == "pa.6.6a.liberty-standstill")
    # 2,000,000 / 48,582,035 = 4.1167%: no Series A deemed converted, no Warrants.
    assert (code, finding["outcome"], finding["figures"]["standstill.pct_after"]) == (0, "permitted", "4.1167%")
    assert finding["figures"]["standstill.shares_after"] == "2,000,000"


def test_the_day_before_the_cancellation_the_series_a_and_warrants_still_count(tmp_path):
    code, data = _liberty_buys(tmp_path, CANCELLED, as_of="2002-10-09")
    finding = next(f for f in data["findings"] if f["rule"] == "pa.6.6a.liberty-standstill")
    assert (code, finding["outcome"]) == (1, "violation")


def test_position_after_the_cancellation_counts_no_series_a_or_warrants():
    code, data = run_json("position", "--as-of", "2003-06-02", "--instrument", "purchase-agreement=in_force",
                          "--instrument", "certificate-of-designation=cancelled:2002-10-10",
                          "--instrument", "warrant=cancelled:2002-10-10")
    liberty = data["groups"]["liberty"]
    assert code == 0
    assert json.dumps(liberty).count("24,523,810") == 0
    # 37% of 48,582,035 is 17,975,352.95: 17,975,352 shares keep Liberty at or below the cap.
    assert "17975352" in json.dumps(liberty).replace(",", "")


def test_position_after_the_plan_says_which_unstated_instruments_its_figures_rest_on():
    code, data = run_json("position", "--as-of", "2003-06-02")
    assert (code, data["instruments_in_question"]) == (0, ["certificate-of-designation", "warrant"])
    text = run("position", "--as-of", "2003-06-02").stdout
    assert "Caveat: the status of" in text and "--instrument certificate-of-designation=in_force|terminated:DATE" in text
    # On the plan's date itself they are in force (A-instrument-status-after-plan): no caveat.
    code, data = run_json("position", "--as-of", "2002-04-03")
    assert data["instruments_in_question"] == []
    assert "Caveat" not in run("position", "--as-of", "2002-04-03").stdout


# --- an exercise or conversion of an instrument that has ended (A-exercise-needs-instrument-in-force)

LIBERTY = "Liberty Media Corporation"
EXERCISE = {"kind": "exercise", "holder": LIBERTY, "quantity": 1000, "method": "cash"}
CONVERSION = {"kind": "conversion", "holder": LIBERTY, "security": "series_a1", "quantity": 1000}
GATE_CASES = [("war.2d.exercise-of-a-terminated-warrant", "warrant", EXERCISE, "war.3.delivery"),
              ("war.2d.exercise-of-a-terminated-warrant", "warrant", EXERCISE, "war.11.issue-taxes"),
              ("cod.12a.conversion-of-ended-series", "certificate-of-designation", CONVERSION,
               "cod.12b.conversion-effective-time")]


@pytest.mark.parametrize("rule, document, action, gated", GATE_CASES)
@pytest.mark.parametrize("ended, outcome", [(date(2001, 6, 2), "not_applicable"), (date(2001, 6, 1), "violation")])
def test_an_exercise_or_conversion_of_an_ended_instrument_is_refused_from_the_day_it_ends(
        rulebook, make_scenario, rule, document, action, gated, ended, outcome):
    result = evaluate(rulebook, make_scenario({"as_of": date(2001, 6, 1), "action": dict(action),
                                               "instruments": {document: {"status": "terminated", "from": ended}}}))
    finding = result.by_rule(rule)
    assert finding.outcome == outcome
    # The instrument's other rules are silenced from the same day; this one is what speaks.
    assert result.by_rule(gated).outcome == ("not_applicable" if outcome == "violation" else "consequence"
                                             if gated.startswith("cod") else "obligation")
    if outcome == "violation":
        assert result.blocked
        assert finding.figures[f"{action['kind']}.{'warrant' if document == 'warrant' else 'series'}_status"] \
            == "not_in_force"
        assert "no Common is issued" in finding.trace_explanation
        assert "A-exercise-needs-instrument-in-force" in str(finding.assumptions)


@pytest.mark.parametrize("rule, document, action, gated", GATE_CASES)
def test_an_exercise_or_conversion_after_the_plan_without_the_status_cannot_be_determined(
        rulebook, make_scenario, rule, document, action, gated):
    finding = evaluate(rulebook, make_scenario({"as_of": date(2002, 6, 3), "action": dict(action)})).by_rule(rule)
    assert finding.outcome == "cannot_determine"
    assert finding.missing == [f"{action['kind']}.{'warrant' if document == 'warrant' else 'series'}_status"]


def test_nothing_is_issued_on_an_ended_warrant_so_no_ownership_after_it_is_counted(rulebook, make_scenario):
    from clausewise.evaluate import scenario_facts
    ended = make_scenario({"as_of": date(2001, 6, 1), "action": dict(EXERCISE),
                           "instruments": {"warrant": {"status": "cancelled", "from": date(2001, 1, 2)}}})
    live = make_scenario({"as_of": date(2001, 6, 1), "action": dict(EXERCISE)})
    assert scenario_facts(rulebook, live)["exercise.common_issued"] == 1000
    assert "exercise.common_issued" not in scenario_facts(rulebook, ended)


def test_a_rule_may_lift_its_instrument_gate_only_to_test_that_instruments_status(tmp_path):
    import shutil
    book = tmp_path / "book"
    shutil.copytree(ROOT / "rules" / "icg-2000", book)
    path = book / "warrant.yaml"
    text = path.read_text()
    path.write_text(text.replace("condition: {fact: exercise.warrant_status, op: \"==\", value: not_in_force}",
                                 "condition: {fact: as_of, op: \">\", value: {param: warrant_expiry}}", 1))
    out = run("lint", str(book))
    assert out.returncode == 2
    assert "rule war.2d.exercise-of-a-terminated-warrant.instrument_gate: false, but the condition tests no fact" \
        in out.stderr
