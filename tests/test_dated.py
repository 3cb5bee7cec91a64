"""Dated parameters, rule and definition versions, declined provisions and the self-contained folder.

The real engine on the bundled rulebook, or on a copy with one dated value or version added (the
loader, lint and evaluation read the copy exactly as they read the bundled folder).
"""

from __future__ import annotations

import re

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from clitools import run, run_json
from deal import PROBLEM, ROOT, edit

from clausewise.errors import InputError
from clausewise.yamlio import load_yaml
from clausewise.evaluate import evaluate
from clausewise.paths import cases_dir, captables_dir, default_cap_table, document_path, scenarios_dir
from clausewise.rulebook import load_rulebook
from clausewise.scenario import load_scenario

RULEBOOK = ROOT / "rules" / "icg-2000"
SCENARIOS = RULEBOOK / "scenarios"
LIBERTY_CAP = "pa.6.6a.liberty-standstill"
CONVERSION_PRICE_28 = {
    "name": "conversion_price", "value": "28.00", "from": "2000-04-07", "document": "certificate-of-designation",
    "section": "12(a)", "quote": "The Conversion Price shall initially be $28.00 per share of Common Stock.",
    "cite": "CoD 12(a)"}
ADJUSTMENT = '''      2002-01-01:
        value: 25.00
        source:
          document: certificate-of-designation
          section: 12(d)
          quote: The Conversion Price shall be adjusted from time to time by the Company as follows
'''
INITIAL = "          quote: The Conversion Price shall initially be $28.00 per share of Common Stock.\n"




def problems(rb: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_rulebook(rb)
    lines = [str(p) for p in info.value.problems]
    for line in lines:
        assert PROBLEM.match(line), line
    return lines


def liberty_buys_1m(rulebook, on: date):
    scenario = load_scenario(SCENARIOS / "liberty-buys-1m-2003.yaml", rulebook)
    return evaluate(rulebook, replace(scenario, as_of=on)).by_rule(LIBERTY_CAP)


# --- 1. Dated parameters -------------------------------------------------------------------------


def test_the_prices_are_dated_parameters_with_one_cited_value_each(rulebook):
    price = rulebook.parameters["conversion_price"]
    assert [(v.start, v.value, v.source.document, v.source.section) for v in price.values] == [
        (date(2000, 4, 7), 28, "certificate-of-designation", "12(a)")]
    exercise = rulebook.parameters["warrant_exercise_price"]
    assert [(v.start, v.value, v.source.document, v.source.section) for v in exercise.values] == [
        (date(2000, 4, 10), 34, "warrant", "Face")]
    assert rulebook.param("conversion_price", date(2000, 4, 7)) == 28
    assert rulebook.param("warrant_exercise_price") == 34


def test_a_standstill_finding_names_the_conversion_price_and_its_citation(rulebook):
    code, data = run_json("check", "samples/scenarios/liberty-buys-2m-2003.yaml")
    assert code == 1
    finding = next(f for f in data["findings"] if f["rule"] == LIBERTY_CAP)
    assert finding["parameters"] == [CONVERSION_PRICE_28]
    text = run("check", "samples/scenarios/liberty-buys-2m-2003.yaml").stdout
    assert ("    Figure stated: conversion price: 28.00 from 2000-04-07 (CoD 12(a): \"The Conversion Price shall\n"
            "      initially be $28.00 per share of Common Stock.\")") in text
    markdown = run("check", "samples/scenarios/liberty-buys-2m-2003.yaml", "--format", "markdown").stdout
    assert ('Figure stated: conversion price: 28.00 from 2000-04-07 (CoD 12(a): "The Conversion Price shall initially '
            'be $28.00 per share of Common Stock.")') in markdown


def test_an_adjusted_conversion_price_applies_from_its_date_and_the_finding_names_it(rb):
    edit(rb, "parameters.yaml", INITIAL, INITIAL + ADJUSTMENT)
    book = load_rulebook(rb)
    before = liberty_buys_1m(book, date(2001, 12, 31))
    after = liberty_buys_1m(book, date(2002, 1, 1))
    # The same 1,000,000-share purchase: under the cap at $28.00, over it once $25.00 is in force.
    assert (before.outcome, before.figures["standstill.pct_after"], before.figures["standstill.shares_after"]) == (
        "permitted", "35.9856%", "34,208,264")
    assert (after.outcome, after.figures["standstill.pct_after"], after.figures["standstill.shares_after"]) == (
        "violation", "37.4537%", "37,393,255")
    assert before.parameters == [CONVERSION_PRICE_28]
    assert after.parameters == [{
        "name": "conversion_price", "value": "25.00", "from": "2002-01-01", "document": "certificate-of-designation",
        "section": "12(d)", "quote": "The Conversion Price shall be adjusted from time to time by the Company as follows",
        "cite": "CoD 12(d)"}]


def test_a_value_ended_with_null_has_no_value_from_that_date(rb):
    n = edit(rb, "parameters.yaml", INITIAL, INITIAL + "      2003-01-01: null\n")
    book = load_rulebook(rb)
    assert book.param("conversion_price", date(2002, 12, 31)) == 28
    with pytest.raises(InputError) as info:
        book.param("conversion_price", date(2003, 1, 1))
    assert str(info.value) == (f"{rb / 'parameters.yaml'}:{n - 5}: no-value: parameter conversion_price has no "
                               "value on 2003-01-01: it was ended on 2003-01-01")


@pytest.mark.parametrize("added, category, message", [
    (ADJUSTMENT.replace("2002-01-01", "2000-04-01"), "bad-date",
     "parameter conversion_price.values.2000-04-01: dates must be in order; 2000-04-01 is not after 2000-04-07"),
    (ADJUSTMENT.replace("        source:\n          document: certificate-of-designation\n          section: 12(d)\n"
                        "          quote: The Conversion Price shall be adjusted from time to time by the Company as "
                        "follows\n", ""), "missing-field",
     "parameter conversion_price.values.2002-01-01: missing 'source'"),
    (ADJUSTMENT.replace("document: certificate-of-designation", "document: warrant-agreement-amendment-1").replace(
        "quote: The Conversion Price shall be adjusted from time to time by the Company as follows",
        "quote: Section 11.1 of the Warrant Agreement shall be amended and restated as follows"), "bad-date",
     "parameter conversion_price.values.2002-01-01: starts before the date of warrant-agreement-amendment-1 "
     "(2002-12-19), which states it"),
])
def test_lint_checks_the_form_of_dated_values(rb, added, category, message):
    # Reported at the value's date key, or at its mapping (the line after) for a missing field.
    n = edit(rb, "parameters.yaml", INITIAL, INITIAL + added) + (2 if category == "missing-field" else 1)
    lines = problems(rb)
    wanted = [line for line in lines if line.startswith(f"{rb / 'parameters.yaml'}:")]
    assert wanted[0] == f"{rb / 'parameters.yaml'}:{n}: {category}: {message}", lines


def test_a_condition_cannot_compare_with_a_parameter_of_several_values(rb):
    edit(rb, "parameters.yaml", "  series_a_cap:\n    value: 75000\n", "  series_a_cap:\n    values:\n"
         "      2000-04-07:\n        value: 75000\n        source:\n          document: certificate-of-designation\n"
         "          section: \"2\"\n          quote: exceeds 75,000 shares\n"
         "      2001-01-01:\n        value: 80000\n        source:\n          document: certificate-of-designation\n"
         "          section: \"2\"\n          quote: exceeds 75,000 shares\n    dropped:\n")
    # The original `source` of series_a_cap now hangs under an unknown key: remove it too.
    text = (rb / "parameters.yaml").read_text(encoding="utf-8")
    start = text.index("    dropped:\n")
    end = text.index("\n  series_a1_authorized:")
    (rb / "parameters.yaml").write_text(text[:start] + text[end + 1:], encoding="utf-8")
    lines = problems(rb)
    assert len(lines) == 1, lines
    assert lines[0].endswith("bad-value: condition on issuance.series_a_outstanding_after: parameter 'series_a_cap' "
                             "has more than one dated value; a condition compares with one (give the rule a version "
                             "instead)")


# --- 2. Versions: the April 10, 2000 Amendment of the Purchase Agreement --------------------------


def _versions(finding) -> list[tuple]:
    return [(v["kind"], v["provision"], v["version"], v["from"], v["cite"]) for v in finding.versions]


@pytest.mark.parametrize("on, version, start, cite, words", [
    (date(2000, 4, 9), "original", "2000-02-27", "PA Recitals", "750,000 shares of its 8% Series A Convertible"),
    (date(2000, 4, 10), "pa-amendment-1", "2000-04-10", "PA-AM 1", "50,000 shares of its 8% Series A-1 Convertible"),
])
def test_pa_6_5_names_the_recital_in_force_either_side_of_the_amendment(rulebook, make_scenario, on, version,
                                                                        start, cite, words):
    # Scenarios are refused before the Closing, so the engine is asked directly for the earlier date.
    scenario = make_scenario({"as_of": date(2001, 6, 1), "action": {
        "kind": "transfer", "from": "Liberty Media Corporation", "to": {"name": "Outsider LLC", "group": "none"},
        "security": "series_a1", "quantity": 100, "basis": "none"}})
    finding = evaluate(rulebook, replace(scenario, as_of=on)).by_rule("pa.6.5.transfer-restriction")
    assert finding.outcome == "violation"
    assert _versions(finding) == [("definition", "series-a-preferred-stock", version, start, cite)]
    assert words in finding.versions[0]["quote"]
    assert finding.quote.startswith("No Purchaser shall sell")  # the rule's own text is not amended


def test_the_liberty_standstill_names_the_amended_liberty_issued_shares(rulebook):
    finding = liberty_buys_1m(rulebook, date(2003, 6, 2))
    assert _versions(finding) == [("definition", "liberty-holder", "pa-amendment-2", "2000-04-10", "PA-AM 2")]
    assert finding.versions[0]["quote"] == ('"Liberty Issued Series A Preferred Shares" shall mean the shares of '
                                            'Series A-1 Preferred Stock issued to members of the Liberty Group on '
                                            'the Closing Date under this Agreement.')
    assert rulebook.versions_applied(rulebook.rule(LIBERTY_CAP), date(2000, 3, 1))[0]["cite"] == "PA 5.2(b)(i)"


def test_the_json_report_carries_the_versions(rulebook):
    _, data = run_json("check", "samples/scenarios/liberty-transfers-a1-to-hmtf.yaml")
    finding = next(f for f in data["findings"] if f["rule"] == "pa.6.5.transfer-restriction")
    assert [(v["provision"], v["version"], v["from"]) for v in finding["versions"]] == [
        ("series-a-preferred-stock", "pa-amendment-1", "2000-04-10")]


GLEACHER_VERSION = '''  versions:
    - id: test-amendment
      from: 2002-01-01
      title: A hypothetical amendment raising the Gleacher cap to 4% (the words cited are PA-AM 7's)
      source:
        document: purchase-agreement-amendment
        section: "7"
        quote: each of the terms and provisions of the Purchase Agreement shall remain in full force
      condition: {fact: standstill.pct_after, op: ">", value: 4}
      finding: The Gleacher Holders would own {standstill.pct_after}, above the amended 4% cap.
'''


def gleacher_buys(rulebook, on: date, make_scenario, quantity: int = 2_000_000):
    scenario = make_scenario({"as_of": on, "action": {
        "kind": "purchase", "buyer": "Gleacher/ICG Investors LLC", "security": "common", "quantity": quantity}})
    return evaluate(rulebook, replace(scenario, as_of=on)).by_rule("pa.6.6c.gleacher-standstill")


def test_a_rule_version_replaces_the_condition_from_its_date(rb, make_scenario):
    edit(rb, "purchase-agreement.yaml", "  condition: {fact: standstill.pct_after, op: \">\", value: 3}\n",
         "  condition: {fact: standstill.pct_after, op: \">\", value: 3}\n" + GLEACHER_VERSION)
    book = load_rulebook(rb)
    before = gleacher_buys(book, date(2001, 12, 31), make_scenario)
    after = gleacher_buys(book, date(2002, 1, 1), make_scenario)
    assert (before.outcome, before.figures["standstill.pct_after"]) == ("violation", "3.7540%")
    assert (after.outcome, after.figures["standstill.pct_after"]) == ("permitted", "3.7540%")
    assert _versions(before) == [("rule", "pa.6.6c.gleacher-standstill", "original", "2000-02-27", "PA 6.6(c)")]
    assert _versions(after) == [("rule", "pa.6.6c.gleacher-standstill", "test-amendment", "2002-01-01", "PA-AM 7")]
    assert after.quote == "each of the terms and provisions of the Purchase Agreement shall remain in full force"
    # The dates that choose the version are not shown as tests of the rule.
    assert all(c["fact"] != "as_of" for c in before.comparisons + after.comparisons)
    assert before.trace_explanation.startswith("After this acquisition the Gleacher Holders would beneficially own 3.7540%")
    assert after.trace_explanation == ("Permitted: the condition of PA-AM 7 is not met (standstill.pct_after is 3.7540%, "
                                 "not > 4.0000%).")


def test_a_rule_version_above_4_percent_breaches_with_its_own_wording(rb, make_scenario):
    edit(rb, "purchase-agreement.yaml", "  condition: {fact: standstill.pct_after, op: \">\", value: 3}\n",
         "  condition: {fact: standstill.pct_after, op: \">\", value: 3}\n" + GLEACHER_VERSION)
    book = load_rulebook(rb)
    finding = gleacher_buys(book, date(2002, 1, 1), make_scenario, 2_500_000)
    assert finding.outcome == "violation"
    assert finding.trace_explanation.startswith("The Gleacher Holders would own 4.3179%, above the amended 4% cap.")


BEFORE_PA_AM = ("rule pa.6.6c.gleacher-standstill version test-amendment.from: {} is before the date of "
                "purchase-agreement-amendment (2000-04-10), which states it")


@pytest.mark.parametrize("start, messages", [
    ("2000-01-01", ["rule pa.6.6c.gleacher-standstill version test-amendment.from: versions must be in order; "
                    "2000-01-01 is not after 2000-02-27 (original)", BEFORE_PA_AM.format("2000-01-01")]),
    ("2000-03-01", [BEFORE_PA_AM.format("2000-03-01")]),
])
def test_lint_checks_the_dates_of_versions(rb, start, messages):
    n = edit(rb, "purchase-agreement.yaml", "  condition: {fact: standstill.pct_after, op: \">\", value: 3}\n",
             "  condition: {fact: standstill.pct_after, op: \">\", value: 3}\n"
             + GLEACHER_VERSION.replace("2002-01-01", start))
    lines = problems(rb)
    assert lines == [f"{rb / 'purchase-agreement.yaml'}:{n + 3}: bad-date: {m}" for m in messages]


# --- 3. Declined provisions ----------------------------------------------------------------------


def test_declined_provisions_are_quoted_with_their_reasons(rulebook):
    ids = [d.id for d in rulebook.declined]
    assert ids == ["pa-am.3.purchase-price", "pa-am.4a.hmtf-director-designation",
                   "pa-am.4b.liberty-director-designation", "pa-am.4c.additional-liberty-director",
                   "pa-am.5.proportional-purchase-exceptions", "pa-am.6.schedule-i", "pa-am.2.equity-documents",
                   "cod.2-iii.series-a3-on-conversion-cap", "cod.12d-iv.dilution-trigger-and-proper-provision",
                   "cod.12d-readjustments", "pa.5.13.state-law-legends", "cod.12d-xii.treasury-shares",
                   "cod.12d-xiii.redeemable-capital-stock"]
    assert all(d.reason and d.source.quote and d.source.section for d in rulebook.declined)
    five = rulebook.declined[4]
    assert (five.source.document, five.source.section, five.amends) == ("purchase-agreement-amendment", "5",
                                                                        "purchase-agreement 5.16")


def test_lint_checks_a_declined_quote(rb):
    n = edit(rb, "declined.yaml", "    Schedule I to the Purchase Agreement is hereby amended by deleting it",
             "    Schedule I to the Purchase Agreement is hereby replaced by deleting it")
    assert problems(rb) == [f"{rb / 'declined.yaml'}:{n - 1}: quote-not-found: declined pa-am.6.schedule-i.quote: "
                            "not found verbatim in purchase-agreement-amendment "
                            "(documents/pa-amendment-2000-04-10-signed.txt)"]


def test_reports_list_the_declined_provisions():
    _, data = run_json("check", "samples/scenarios/liberty-buys-1m-2003.yaml")
    assert [d["cite"] for d in data["declined"]] == ["PA-AM 3", "PA-AM 4(a)", "PA-AM 4(b)", "PA-AM 4(c)", "PA-AM 5",
                                                     "PA-AM 6", "PA-AM 2", "CoD 2(iii)",
                                                     "CoD 12(d)(iv)", "CoD 12(d)(i), 12(d)(ii)(b)",
                                                     "PA 5.13", "CoD 12(d)(xii)", "CoD 12(d)(xiii)"]
    markdown = run("check", "samples/scenarios/liberty-buys-1m-2003.yaml", "--format", "markdown").stdout
    assert "## Declined provisions" in markdown
    assert "- **pa-am.6.schedule-i** (PA-AM 6): \"Schedule I to the Purchase Agreement" in markdown
    lint = run("lint")
    scenarios = len(list((ROOT / "rules" / "icg-2000" / "scenarios").glob("*.yaml")))
    cases = sum(len(load_yaml(p)) for p in (ROOT / "rules" / "icg-2000" / "tests").glob("*.yaml"))
    assert re.search(r"13 declined provisions; \d+ facts declared; every quote found verbatim; "
                     f"1 cap table, {scenarios} scenarios, {cases} test cases read as the commands read them\n$", lint.stdout)


# --- 4. The rulebook folder holds its documents, cap tables, scenarios and cases -------------------


def test_every_path_is_taken_from_the_rulebook_folder(rulebook):
    assert default_cap_table(rulebook.path) == RULEBOOK / "captables" / "closing.yaml"
    assert captables_dir(rulebook.path).is_dir() and scenarios_dir(rulebook.path).is_dir()
    assert (cases_dir(rulebook.path) / "transfers.yaml").is_file()
    for doc in rulebook.documents.values():
        assert document_path(rulebook.path, doc.file).is_file()
        assert document_path(rulebook.path, doc.file).parent == RULEBOOK / "documents"


def test_the_old_sample_paths_are_relative_symlinks_into_the_rulebook():
    for old, new in (("samples/contracts", "../rules/icg-2000/documents"),
                     ("samples/captables", "../rules/icg-2000/captables"),
                     ("samples/scenarios", "../rules/icg-2000/scenarios"),
                     ("tests/cases", "../rules/icg-2000/tests")):
        link = ROOT / old
        assert link.is_symlink() and str(link.readlink()) == new, old
        assert link.resolve() == (link.parent / new).resolve()


def test_a_copied_rulebook_reads_its_own_documents(rb):
    # Change one word in the copy's Purchase Agreement text: the copy's quotes now fail, which shows
    # the engine read the copy's documents/ and not a global folder.
    path = rb / "documents" / "13d-liberty-2000-04-20.txt"
    text = path.read_text(encoding="utf-8", errors="replace")
    assert text.count('"Securities" means the Shares and the Warrants.') == 1
    path.write_text(text.replace('"Securities" means the Shares and the Warrants.',
                                 '"Securities" means the Shares and the Rights.'), encoding="utf-8")
    lines = problems(rb)
    assert len(lines) == 1 and "quote-not-found: definition pa-securities.source.quote" in lines[0], lines


def test_the_default_cap_table_comes_from_the_rulebook_given(rb, tmp_path):
    # A copy whose closing cap table has one more share of Common outstanding: `position` with
    # --rules reads that copy's table, not the bundled one.
    edit(rb, "captables/closing.yaml", "common_outstanding: 48582035", "common_outstanding: 48582036")
    result = run("position", "--rules", str(rb), "--as-of", "2001-06-01", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["common_outstanding"] == 48_582_036


# --- 5. CoD 1, 2 and 18: each series' cumulative authority -----------------------------------------


AUTHORITY = "cod.2.series-authority"


def series_issue(series: str, quantity: int, issued_to_date: int | None = None, **more) -> dict:
    action = {"kind": "equity_issuance", "common_stock_votes": False, "class": "series_a", "series": series,
              "quantity": quantity, "exempt_basis": "none", **more}
    if issued_to_date is not None:
        action["issued_to_date"] = issued_to_date
    return {"as_of": date(2001, 6, 1), "action": action}


@pytest.mark.parametrize("series, issued, limit", [("series_a1", 49_000, 50_000), ("series_a2", 22_000, 23_000),
                                                   ("series_a3", 1_000, 2_000)])
@pytest.mark.parametrize("extra", [0, 1])
def test_each_series_authority_on_both_sides_of_its_limit(rulebook, make_scenario, series, issued, limit, extra):
    quantity = limit - issued + extra
    finding = evaluate(rulebook, make_scenario(series_issue(series, quantity, issued))).by_rule(AUTHORITY)
    assert finding.outcome == ("violation" if extra else "permitted")
    assert finding.figures["issuance.series_issued_after"] == f"{limit + extra:,}"


def test_the_authority_finding_states_the_figures_and_the_parameters(rulebook, make_scenario):
    finding = evaluate(rulebook, make_scenario(series_issue("series_a2", 1, 23_000))).by_rule(AUTHORITY)
    assert finding.trace_explanation.startswith(
        "Issuing 1 shares of series_a2 would bring that series' shares issued to date, counting those since "
        "converted or reacquired (cancelled and not reissuable as Series A under CoD 18), from 23,000 to 23,001,")
    assert [(p["name"], p["value"], p["cite"]) for p in finding.parameters] == [
        ("series_a1_authorized", "50000", "CoD 2"), ("series_a2_authorized", "23000", "CoD 2"),
        ("series_a3_authorized_other_than_on_conversion", "2000", "CoD 2(ii)")]
    assert finding.assumptions == ["A-series-authority-cumulative", "A-a3-fresh-authority"]


def test_unknown_issued_to_date_is_cannot_determine_and_named(rulebook, make_scenario):
    finding = evaluate(rulebook, make_scenario(series_issue("series_a1", 1))).by_rule(AUTHORITY)
    assert finding.outcome == "cannot_determine"
    assert finding.missing == ["issuance.series_issued_to_date", "issuance.series_issued_after"]


def test_fresh_series_a1_after_conversion_is_outside_the_authority_though_under_75000(rulebook):
    scenario = load_scenario(SCENARIOS / "approval-issuance-a1-after-conversion.yaml", rulebook)
    result = evaluate(rulebook, scenario)
    finding = result.by_rule(AUTHORITY)
    assert finding.outcome == "violation"
    # From the history: the 50,000 issued at the Closing still count after their conversion (CoD 18).
    assert (result.facts["issuance.series_issued_to_date"], result.facts["issuance.series_issued_after"]) == (
        50_000, 60_000)
    assert result.facts["issuance.series_a_outstanding_after"] == 35_000
    assert result.by_rule("cod.2.series-a-cap-unanimous").outcome == "not_applicable"
    one = evaluate(rulebook, replace(scenario, action=replace(
        scenario.action, details=dict(scenario.action.details, **{"issuance.quantity": 1})))).by_rule(AUTHORITY)
    assert (one.outcome, one.figures["issuance.series_issued_after"]) == ("violation", "50,001")


def test_series_a3_on_a_12i_conversion_is_not_a_fresh_issuance(rulebook, make_scenario):
    data = series_issue("series_a3", 5_000, 2_000)
    data["action"]["exempt_basis"] = "series_a3_on_conversion"
    finding = evaluate(rulebook, make_scenario(data)).by_rule(AUTHORITY)
    assert (finding.outcome, finding.reason) == ("not_applicable", "not_this_party")


def test_the_over_cap_sample_is_outside_the_series_a3_authority():
    code, data = run_json("check", "samples/scenarios/approval-issuance-series-a-over-cap.yaml")
    assert code == 1 and data["verdict"] == "violation"
    finding = next(f for f in data["findings"] if f["rule"] == AUTHORITY)
    assert finding["figures"]["issuance.series_issued_to_date"] == "2,000"
    assert finding["figures"]["issuance.series_issued_after"] == "3,000"


# --- 6. A series vote with no shares of the series Outstanding --------------------------------------


A3_ADVERSE = {"kind": "charter_amendment", "common_stock_votes": False,
              "amendment": {"instrument": "certificate_of_designation", "adversely_affects": ["series_a3"],
                            "changes_authorized_series_a": False, "alters_relative_rights": False}}


@pytest.mark.parametrize("gleacher_a3, outcome", [(0, "not_applicable"), (1, "approval_required")])
def test_a_series_vote_needs_shares_of_the_series_outstanding(rulebook, make_scenario, gleacher_a3, outcome):
    data = {"as_of": date(2001, 6, 1), "action": A3_ADVERSE, "cap_table": {
        "file": str(default_cap_table(RULEBOOK)),
        "holders": [{"name": "Gleacher/ICG Investors LLC", "group": "gleacher", "series_a3": gleacher_a3,
                     "warrants": 266_666}], "series_a_converted": 2_000 - gleacher_a3}}
    result = evaluate(rulebook, make_scenario(data))
    finding = result.by_rule("cod.8c.series-a3-adverse-majority")
    assert finding.outcome == outcome
    votes = [(a["rule"], a["shares_required"], a["outstanding"]) for a in result.approvals]
    if gleacher_a3:
        assert ("cod.8c.series-a3-adverse-majority", 1, 1) in votes
    else:
        assert finding.trace_explanation == ("Does not apply to this action: series_a.series_outstanding is series_a1, "
                                       "series_a2, not including series_a3.")
        assert all(rule != "cod.8c.series-a3-adverse-majority" for rule, _, _ in votes)


def test_the_vote_report_lists_the_series_vote_as_not_required(tmp_path):
    scenario = tmp_path / "a3-none.yaml"
    scenario.write_text(
        "name: An amendment adverse to the Series A-3 when no Series A-3 is Outstanding\n"
        "as_of: 2001-06-01\n"
        f"cap_table:\n  file: {default_cap_table(RULEBOOK)}\n"
        "  holders:\n    - {name: Gleacher/ICG Investors LLC, group: gleacher, series_a3: 0, warrants: 266666}\n"
        "  series_a_converted: 2000\n"
        "action:\n  kind: charter_amendment\n  common_stock_votes: false\n  amendment:\n"
        "    instrument: certificate_of_designation\n    adversely_affects: [series_a3]\n"
        "    changes_authorized_series_a: false\n    alters_relative_rights: false\n", encoding="utf-8")
    code, data = run_json("vote", str(scenario))
    assert [(a["rule"], a["shares_required"], a["outstanding"]) for a in data["approvals"]] == [
        ("cod.8c-i.adverse-amendment-75", 54_750, 73_000)]
    assert [(f["rule"], f["reason"]) for f in data["not_required"]] == [
        ("cod.8c.series-a3-adverse-majority", "not_this_party")]
    text = run("vote", str(scenario)).stdout
    assert "of 0" not in text
    assert ("Not required: An amendment adverse to the Series A-3 needs a majority of the Series A-3 (CoD 8(c), last "
            "paragraph): Does not apply to this action: the series of Series A Preferred Stock of which shares are "
            "Outstanding (shares held by the Company excluded): Series A-1 Preferred Stock, Series A-2 Preferred "
            "Stock, not including Series A-3 Preferred Stock.") in " ".join(text.split())


# --- 7. Dated parameters and the general measures ---------------------------------------------------


def test_position_reads_the_conversion_price_in_force_on_its_date(rb):
    edit(rb, "parameters.yaml", INITIAL, INITIAL + ADJUSTMENT)
    # $11,464.33 over $28.00 the day before; ($11,464.33 + $2.55 accrued) over $25.00 from 2002-01-01.
    for on, price, per_share in (("2001-12-31", "$28.00", "409.44"), ("2002-01-01", "$25.00", "458.68")):
        code, data = run_json("position", "--rules", str(rb), "--as-of", on)
        assert code == 0
        assert (data["terms"]["conversion_price"], data["terms"]["conversion_shares_per_series_a_share"]) == (
            price, per_share)


def test_a_measure_param_cannot_name_a_parameter_of_several_values(rb):
    edit(rb, "parameters.yaml", INITIAL, INITIAL + ADJUSTMENT)
    n = edit(rb, "rulebook.yaml", "params: {principal: initial_liquidation_preference,",
             "params: {principal: conversion_price,")
    assert problems(rb) == [f"{rb / 'rulebook.yaml'}:{n}: bad-value: position.terms.special_dividend_reference.params."
                            "principal: parameter 'conversion_price' has more than one dated value; a measure's param "
                            "reads one"]
