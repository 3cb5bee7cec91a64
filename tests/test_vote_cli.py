"""End-to-end tests of `clausewise vote` (and `check` on corporate actions).

Every case runs the real command in a subprocess from the repository root and asserts the exact
exit code (0 every required approval passes or none is needed; 1 one fails, has no tally or
cannot be determined; 2 bad input), the key lines of the report, and that no traceback ever
reaches stdout or stderr.

Figures on the closing cap table (75,000 Series A): majority 37,501; 69% 51,750; 75% 56,250;
Series A-2 majority 11,501 of 23,000. Cayman sample, record date 2002-01-15: as-converted voting
power 79,392,432, a majority 39,696,217.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from clitools import run, run_json
from clausewise.rulebook import load_rulebook
from deal import PROBLEM, ROOT, SCENARIOS

from clausewise.documents import document_text, quote_found
from clausewise.paths import document_path

CLOSING = ROOT / "samples" / "captables" / "closing.yaml"
CAYMAN = "samples/scenarios/approval-merger-non-qt-cayman.yaml"
ADVERSE_A2 = "samples/scenarios/approval-merger-amends-cod-adverse-a2.yaml"
ADVERSE_A3 = "samples/scenarios/approval-amendment-adverse-a3.yaml"
TENDER = "samples/scenarios/approval-tender-offer-by-company.yaml"
JUNIOR = "samples/scenarios/approval-issuance-junior-preferred.yaml"
SENIOR = "samples/scenarios/approval-issuance-senior-preferred.yaml"
DELAWARE_LLC = "samples/scenarios/approval-merger-qt-delaware-llc.yaml"
WITH_DIRECTOR = "samples/scenarios/approval-acquisition-with-series-director.yaml"
APPROVAL_SAMPLES = sorted(p.name for p in SCENARIOS.glob("approval-*.yaml"))
HMTF_FUNDS = ["HMTF Bridge ICG, LLC", "HM4 ICG Qualified Fund, LLC", "HM4 ICG Private Fund, LLC",
              "HM PG-IV ICG, LLC", "HM 4-SBS ICG Coinvestors, LLC", "HM 4-EQ ICG Coinvestors, LLC"]


def cells(line: str) -> list[str]:
    """The cells of one row of a text table (columns are separated by two or more spaces)."""
    return re.split(r"\s{2,}", line.strip())


def table(text: str) -> list[list[str]]:
    """The header and rows of the approvals table in `vote` text output."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Section "))
    assert set(lines[start + 1]) <= {"-", " "}
    rows = [lines[start]]
    for line in lines[start + 2:]:
        if not line.strip():
            break
        rows.append(line)
    return [cells(r) for r in rows]


def write_scenario(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(f"name: {name}\nas_of: 2001-11-01\ncap_table: {CLOSING}\n{body}", encoding="utf-8")
    return path


# On one line (the tests below name the lines after it); the offer's figures as the sample states them.
TENDER_ACTION = ("action: {kind: tender_offer, by: company, for_common_stock: true, largest_holder_pct_after: 35, "
                 "purchased: 2000000, consideration: 26000000.00, current_market_price: 12.00, "
                 "net_income_12_months: 0}\n")


def tender_with_vote(tmp_path: Path, vote: str, name: str = "tender.yaml") -> Path:
    return write_scenario(tmp_path, name, TENDER_ACTION + "vote:\n" + vote)


# --- text ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cayman_text() -> subprocess.CompletedProcess:
    return run("vote", CAYMAN)


def test_vote_text_table(cayman_text):
    assert cayman_text.returncode == 1
    assert cayman_text.stderr == ""
    assert table(cayman_text.stdout) == [
        ["Section", "Approval", "Threshold", "Needs", "Tally"],
        ["CoD 8(b), 8(e)", "Common Stock and Series A voting together, the Series A as converted", "majority",
         "39,696,217 of 79,392,432", "passes"],
        ["CoD 8(c)(ii)", "Series A voting as one class", "69%", "51,750 of 75,000", "fails"],
    ]


def test_vote_text_details(cayman_text):
    out = cayman_text.stdout
    lines = out.splitlines()
    assert lines[0] == "A merger into a Cayman Islands corporation is not a Qualifying Transaction (69% of the Series A)"
    assert lines[1] == "merger as of 2002-02-01 under rulebook icg-2000"
    assert ("[2] A merger, consolidation or sale of substantially all assets that is not a Qualifying "
            "Transaction needs 69% of the Series A (CoD 8(c)(ii))") in " ".join(out.split())
    expected = [
        "    Approval: Series A voting as one class, 69%: 51,750 of 75,000 shares.",
        "    Tally on 2002-01-15: 50,000 for, 25,000 against, 0 abstaining, 0 not voting: FAILS (needs 51,750).",
        "    Can pass it: Liberty Group + HMTF Group; Liberty Group + Gleacher Group.",
        "    Can block it alone: Liberty Group.",
    ]
    at = lines.index(expected[0])
    assert lines[at:at + 4] == expected
    assert ("    Approval: Common Stock and Series A voting together, the Series A as converted, majority: "
            "39,696,217 of 79,392,432 votes.") in lines
    assert ("    Tally on 2002-01-15: 40,540,264 for, 15,270,133 against, 0 abstaining, 23,582,035 not voting: "
            "PASSES (needs 39,696,217).") in lines
    assert ("the kind of that jurisdiction (the United States, a State, the District of Columbia, a territory, or a "
            "foreign country): foreign; the country under whose laws the resulting Person is organized: cayman islands."
            in " ".join(out.split()))
    assert lines[-1] == "Result: an approval is not shown to pass"


def test_vote_text_every_approval_passes_exits_0():
    result = run("vote", TENDER)
    assert (result.returncode, result.stderr) == (0, "")
    assert table(result.stdout) == [["Section", "Approval", "Threshold", "Needs", "Tally"],
                                    ["CoD 8(c)(v)", "Series A voting as one class", "majority", "37,501 of 75,000",
                                     "passes"]]
    lines = result.stdout.splitlines()
    assert "    Tally on 2001-10-15: 50,000 for, 25,000 against, 0 abstaining, 0 not voting: PASSES (needs 37,501)." \
        in lines
    assert "    Can pass it: Liberty Group." in lines
    assert "    Can block it alone: Liberty Group." in lines
    assert lines[-1] == "Result: every required approval passes"


def test_vote_text_without_a_tally_exits_1():
    result = run("vote", DELAWARE_LLC)
    assert result.returncode == 1
    rows = table(result.stdout)
    assert rows[2] == ["CoD 8(c)(ii)", "Series A voting as one class", "majority", "37,501 of 75,000", "no tally"]
    assert not any(line.strip().startswith("Tally") for line in result.stdout.splitlines())
    assert result.stdout.splitlines()[-1] == "Result: an approval is not shown to pass"


@pytest.mark.parametrize("scenario", [JUNIOR, WITH_DIRECTOR])
def test_vote_no_approval_needed_exits_0(scenario):
    result = run("vote", scenario)
    assert (result.returncode, result.stderr) == (0, "")
    assert "No approval of the Series A holders is required." in result.stdout.splitlines()
    assert result.stdout.splitlines()[-1] == "Result: no approval needed"
    assert "Section " not in result.stdout


def test_vote_by_holder_names_each_fund():
    result = run("vote", ADVERSE_A3)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "    Can pass it: Liberty Media Corporation + HMTF Bridge ICG, LLC; Liberty Media Corporation + " \
           "HM4 ICG Qualified Fund, LLC." in lines
    assert "    Can block it alone: Gleacher/ICG Investors LLC." in lines
    assert table(result.stdout)[3] == ["CoD 8(c), last paragraph", "Series A-3 holders", "majority",
                                       "1,001 of 2,000", "fails"]


# --- markdown ------------------------------------------------------------------------------------


def test_vote_markdown_table_and_quotes(rulebook):
    result = run("vote", ADVERSE_A2, "--format", "markdown")
    assert (result.returncode, result.stderr) == (1, "")
    lines = result.stdout.splitlines()
    assert lines[0] == ("# A survivor merger that amends the CoD adversely to the Series A-2 only needs four "
                        "approvals (as-converted majority, 75% and 69% of the Series A, majority of the A-2)")
    assert "- **Result:** an approval is not shown to pass" in lines
    at = lines.index("## Approvals required")
    assert lines[at + 2:at + 8] == [
        "| Section | Approval | Threshold | Needs | Tally |",
        "|---|---|---|---|---|",
        "| CoD 8(b), 8(e) | Common Stock and Series A voting together, the Series A as converted | majority | "
        "38,897,706 of 77,795,410 votes | cannot determine |",
        "| CoD 8(c)(i) | Series A voting as one class | 75% | 56,250 of 75,000 shares | fails |",
        "| CoD 8(c)(ii) | Series A voting as one class | 69% | 51,750 of 75,000 shares | passes |",
        "| CoD 8(c), last paragraph | Series A-2 holders | majority | 11,501 of 23,000 shares | fails |",
    ]
    for rule_id in ("cod.8b.general-vote-as-converted", "cod.8c-i.adverse-amendment-75",
                    "cod.8c-ii.non-qualifying-69", "cod.8c.series-a2-adverse-majority"):
        rule = next(r for r in rulebook.rules if r.id == rule_id)
        assert "> " + " ".join(rule.source.quote.split()) in lines
        assert f"CoD {rule.source.section}" in lines and f"`{rule_id}`" not in result.stdout  # code names: JSON only
    assert "- Tally: 52,000 for, 23,000 against, 0 abstaining, 0 not voting: **fails**." in lines
    assert "- Can block it alone: Liberty Group, HMTF Group." in lines
    assert "- Can block it alone: HMTF Group." in lines
    assert "## Assumptions" in lines


def test_vote_markdown_no_approval_needed():
    result = run("vote", JUNIOR, "--format", "markdown")
    assert result.returncode == 0
    assert "- **Result:** no approval needed" in result.stdout.splitlines()
    assert "No approval of the Series A holders is required." in result.stdout.splitlines()
    assert "## Approvals required" not in result.stdout


# --- json ----------------------------------------------------------------------------------------


def test_vote_json_approvals():
    code, data = run_json("vote", ADVERSE_A2)
    assert code == 1
    assert data["scenario"] == {
        "name": "A survivor merger that amends the CoD adversely to the Series A-2 only needs four approvals "
                "(as-converted majority, 75% and 69% of the Series A, majority of the A-2)",
        "file": ADVERSE_A2, "as_of": "2001-06-01", "action": "merger", "vote_by": "group"}
    assert data["rulebook"] == "icg-2000"
    assert data["all_pass"] is False
    assert data["undetermined"] == []
    got = [(a["rule"], a["threshold"], a["shares_required"], a["outstanding"], a["tally"]["result"])
           for a in data["approvals"]]
    assert got == [
        ("cod.8b.general-vote-as-converted", "majority", 38_897_706, 77_795_410, "cannot_determine"),
        ("cod.8c-i.adverse-amendment-75", "75%", 56_250, 75_000, "fails"),
        ("cod.8c-ii.non-qualifying-69", "69%", 51_750, 75_000, "passes"),
        ("cod.8c.series-a2-adverse-majority", "majority", 11_501, 23_000, "fails"),
    ]
    assert [a["coalitions"] for a in data["approvals"][1:]] == [
        {"minimal_passing": [["liberty", "hmtf"]], "can_block_alone": ["liberty", "hmtf"]},
        {"minimal_passing": [["liberty", "hmtf"], ["liberty", "gleacher"]], "can_block_alone": ["liberty"]},
        {"minimal_passing": [["hmtf"]], "can_block_alone": ["hmtf"]},
    ]
    series = data["approvals"][1]["tally"]
    assert (series["record_date"], series["shares_for"], series["shares_against"], series["votes"]) == (
        "2001-05-15", 52_000, 23_000, {"liberty": "for", "hmtf": "against", "gleacher": "for"})
    first = data["approvals"][0]
    assert (first["unit"], first["blocs"]["public Common"], first["tally"]["shares_unknown"]) == (
        "votes", 48_582_035, 48_582_035)


def test_vote_json_by_holder_lists_each_hmtf_fund():
    code, data = run_json("vote", ADVERSE_A3)
    assert code == 1
    assert data["scenario"]["vote_by"] == "holder"
    class_vote = data["approvals"][1]
    assert class_vote["rule"] == "cod.8c-i.adverse-amendment-75"
    assert list(class_vote["blocs"]) == ["Liberty Media Corporation"] + HMTF_FUNDS + ["Gleacher/ICG Investors LLC"]
    assert [class_vote["blocs"][f] for f in HMTF_FUNDS] == [11_500, 10_464, 74, 557, 251, 154]
    assert class_vote["coalitions"]["can_block_alone"] == ["Liberty Media Corporation"]


def test_vote_json_without_tally_and_with_no_approval():
    code, data = run_json("vote", SENIOR)
    assert code == 1
    assert [(a["rule"], a["threshold"], a["shares_required"], a["tally"]) for a in data["approvals"]] == [
        ("cod.8c-iv.senior-issuance-75", "75%", 56_250, None)]
    assert data["all_pass"] is False
    code, data = run_json("vote", JUNIOR)
    assert code == 0
    assert (data["approvals"], data["undetermined"], data["all_pass"]) == ([], [], True)


def test_vote_json_undetermined_fact_is_named_and_exits_1(tmp_path):
    path = write_scenario(tmp_path, "merger-no-opinion-fact.yaml",
                          "action:\n  kind: merger\n  common_stock_votes: true\n  company_survives: true\n  common_changed: false\n"
                          "  series_a_remains_outstanding: true\n"
                          "  counterparty: other\n  prior_holders_pct: {survivor: 100}\n  survivor_has_parent: false\n"
                          "  largest_holder_pct: {survivor: 35}\n"
                          "  officers_certificate_delivered: true\n  amendment: {instrument: none, "
                          "adversely_affects: [], changes_authorized_series_a: false, alters_relative_rights: false}\n"
                          "vote:\n  votes: {liberty: for, hmtf: for, gleacher: for}\n  common_for: 48582035\n")
    code, data = run_json("vote", path)
    assert code == 1
    assert [(f["rule"], f["outcome"], f["missing"]) for f in data["undetermined"]] == [
        ("cod.8c-ii.qualifying-transaction-majority", "cannot_determine", ["transaction.opinion_of_counsel_delivered"]),
        ("cod.8c-ii.non-qualifying-69", "cannot_determine", ["transaction.opinion_of_counsel_delivered"]),
    ]
    # The one approval that is determined passes; the undetermined findings still block.
    assert [(a["rule"], a["tally"]["result"]) for a in data["approvals"]] == [
        ("cod.8b.general-vote-as-converted", "passes")]
    assert data["all_pass"] is False
    text = run("vote", path)
    assert text.returncode == 1
    assert ("CANNOT DETERMINE: A merger, consolidation or sale of substantially all assets that is a Qualifying "
            "Transaction needs a majority of the Series A (CoD 8(c)(ii)): Cannot determine:") in " ".join(text.stdout.split())
    assert text.stdout.splitlines()[-1] == ("Result: every required approval passes; 2 provisions cannot be determined "
                                            "on the facts given")


def test_vote_out_writes_the_report(tmp_path):
    out = tmp_path / "vote.json"
    result = run("vote", TENDER, "--format", "json", "--out", out)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [(a["rule"], a["tally"]["result"]) for a in data["approvals"]] == [
        ("cod.8c-v.tender-offer-majority", "passes")]


# --- exit codes follow every approval's tally --------------------------------------------------------


@pytest.mark.parametrize("vote, code", [
    ("  votes: {liberty: for, hmtf: against, gleacher: against}\n", 0),
    ("  votes: {liberty: against, hmtf: for, gleacher: for}\n", 1),
    ("  votes: {liberty: abstain, hmtf: for, gleacher: for}\n", 1),
    ("  record_date: 2001-10-15\n", 1),  # no votes: no tally
])
def test_vote_exit_code_follows_the_tally(tmp_path, vote, code):
    result = run("vote", tender_with_vote(tmp_path, vote))
    assert (result.returncode, result.stderr) == (code, "")


@pytest.mark.parametrize("liberty_a1, code, verdict", [(37_500, 1, "FAILS"), (37_501, 0, "PASSES")])
def test_vote_exit_code_at_the_majority_threshold(tmp_path, liberty_a1, code, verdict):
    path = tmp_path / "edge.yaml"
    path.write_text(
        "name: tender at the edge\nas_of: 2001-11-01\n"
        f"cap_table:\n  file: {CLOSING}\n  holders:\n"
        f"    - {{name: Liberty Media Corporation, series_a1: {liberty_a1}}}\n"
        f"    - {{name: Liberty Affiliate LLC, group: liberty, series_a1: {50_000 - liberty_a1}}}\n"
        + TENDER_ACTION +
        "vote:\n  by: holder\n  votes: {Liberty Media Corporation: for, Liberty Affiliate LLC: against}\n",
        encoding="utf-8")
    result = run("vote", path)
    assert result.returncode == code
    assert f"    Tally: {liberty_a1:,} for, {50_000 - liberty_a1:,} against, 0 abstaining, 25,000 not voting: " \
           f"{verdict} (needs 37,501)." in result.stdout.splitlines()


# --- check on a corporate action -------------------------------------------------------------------


def test_check_json_reports_the_approval():
    code, data = run_json("check", SENIOR)
    assert code == 1  # the 75% approval is not shown to pass
    found = [f for f in data["findings"] if f["outcome"] == "approval_required"]
    assert len(found) == 1
    a = found[0]["approval"]
    assert (found[0]["rule"], a["body"], a["threshold"], a["shares_required"], a["outstanding"]) == (
        "cod.8c-iv.senior-issuance-75", "Series A voting as one class", "75%", 56_250, 75_000)
    assert data["counts"] == {"not_applicable": len(data["findings"]) - 1, "approval_required": 1}
    assert len(data["findings"]) == len(load_rulebook(ROOT / "rules" / "icg-2000").rules)
    assert data["headroom"] is None


def test_check_exits_0_when_every_approval_passes():
    code, data = run_json("check", TENDER)
    assert code == 0
    found = [f for f in data["findings"] if f["outcome"] == "approval_required"]
    assert [(f["rule"], f["approval"]["shares_required"], f["approval"]["tally"]["result"]) for f in found] == [
        ("cod.8c-v.tender-offer-majority", 37_501, "passes")]
    assert data["verdict"] == "clear"


def test_check_verdict_agrees_with_its_exit_code():
    # A senior issuance with no tally needs a 75% vote that nothing shows passing: not clear, exit 1.
    code, data = run_json("check", SENIOR)
    assert (code, data["verdict"]) == (1, "approval_required")


# --- bad vote input: exit 2, one line, no report ---------------------------------------------------


@pytest.mark.parametrize("vote, line, category, fragment", [
    ("  votes: {libertty: for}\n", 6, "unknown-holder",
     "vote.votes: 'libertty' is not a group or holder of the cap table (did you mean 'liberty'?)"),
    ("  votes: {liberty: \"yes\"}\n", 6, "bad-value",
     "vote.votes.liberty: expected one of for, against, abstain, not_voting, got 'yes'"),
    ("  votes: {liberty: yes}\n", 6, "bad-value",
     "vote.votes.liberty: expected one of for, against, abstain, not_voting, got true"),
    ("  votes: {liberty: fro}\n", 6, "bad-value",
     "vote.votes.liberty: expected one of for, against, abstain, not_voting, got 'fro' (did you mean 'for'?)"),
    ("  by: holder\n  votes: {liberty: for}\n", 7, "unknown-holder",
     "vote.votes: 'liberty' is not a holder of the cap table"),
    ("  by: holder\n  votes: {Liberty Media Corp: for}\n", 7, "unknown-holder",
     "vote.votes: 'Liberty Media Corp' is not a holder of the cap table (did you mean 'Liberty Media Corporation'?)"),
    ("  by: fund\n  votes: {liberty: for}\n", 6, "bad-value", "vote.by: expected group or holder, got 'fund'"),
    ("  votes: [liberty]\n", 6, "wrong-type", "vote.votes: expected a mapping of voter: choice, got a list"),
    ("  votes: {liberty: for}\n  quorum: 10\n", 7, "unknown-key", "vote: unknown key 'quorum'"),
    ("  record_date: someday\n  votes: {liberty: for}\n", 6, "bad-date",
     "vote.record_date: expected a date YYYY-MM-DD, got 'someday'"),
    ("  votes: {liberty: for}\n  common_for: -5\n", 7, "bad-value",
     "vote.common_for: expected a whole number of shares >= 0, got -5"),
], ids=["unknown-voter", "quoted-yes", "bare-yes", "misspelt-choice", "group-id-by-holder", "misspelt-holder",
        "bad-by", "votes-list", "unknown-key", "bad-record-date", "negative-common"])
def test_bad_vote_input_is_one_line_and_exit_2(tmp_path, vote, line, category, fragment):
    path = tender_with_vote(tmp_path, vote)
    result = run("vote", path)
    assert result.returncode == 2
    assert result.stdout == ""
    problems = result.stderr.splitlines()
    assert len(problems) == 1, result.stderr
    match = PROBLEM.match(problems[0])
    assert match, problems[0]
    assert (match["file"], match["line"], match["category"]) == (str(path), str(line), category)
    assert match["message"] == fragment


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_bad_vote_input_gives_no_partial_report_in_any_format(tmp_path, fmt):
    path = tender_with_vote(tmp_path, "  votes: {libertty: for}\n")
    out = tmp_path / "report.out"
    result = run("vote", path, "--format", fmt, "--out", out)
    assert result.returncode == 2 and not out.exists()
    if fmt == "json":  # the problem as JSON on standard output
        assert result.stderr == "" and len(json.loads(result.stdout)["errors"]) == 1
    else:
        assert result.stdout == "" and len(result.stderr.splitlines()) == 1


def test_vote_on_a_missing_file_exits_2(tmp_path):
    result = run("vote", tmp_path / "absent.yaml")
    assert (result.returncode, result.stdout) == (2, "")
    assert len(result.stderr.splitlines()) == 1


# --- 6. every approval finding's quote, document and section ----------------------------------------


@pytest.mark.parametrize("name", APPROVAL_SAMPLES)
def test_every_approval_quotes_its_clause_and_names_document_and_section(rulebook, name):
    code, data = run_json("vote", f"samples/scenarios/{name}")
    assert code in (0, 1)
    rules = {r.id: r for r in rulebook.rules}
    for a in data["approvals"]:
        rule = rules[a["rule"]]
        assert a["document"] == rule.source.document == "certificate-of-designation"
        assert a["section"] == rule.source.section != ""
        assert a["cite"] == f"CoD {rule.source.section}"
        assert a["quote"] == rule.source.quote
        doc = rulebook.documents[a["document"]]
        assert quote_found(a["quote"], document_text(document_path(rulebook.path, doc.file), doc.lines)), a["rule"]
    approvals_needed = {f.rule for f in _findings(rulebook, name) if f.outcome == "approval_required"}
    assert {a["rule"] for a in data["approvals"]} == approvals_needed


def _findings(rulebook, name: str):
    from clausewise.evaluate import evaluate
    from clausewise.scenario import load_scenario
    return evaluate(rulebook, load_scenario(SCENARIOS / name, rulebook)).findings


def test_check_json_approval_findings_name_the_document_title(rulebook):
    code, data = run_json("check", ADVERSE_A2)
    assert code == 1
    found = [f for f in data["findings"] if f["outcome"] == "approval_required"]
    assert [f["rule"] for f in found] == ["cod.8b.general-vote-as-converted", "cod.8c-i.adverse-amendment-75",
                                          "cod.8c-ii.non-qualifying-69", "cod.8c.series-a2-adverse-majority"]
    title = rulebook.documents["certificate-of-designation"].title
    for f in found:
        assert (f["document"], f["document_title"]) == ("certificate-of-designation", title)
        assert f["quote"] == next(r for r in rulebook.rules if r.id == f["rule"]).source.quote
        assert f["approval"]["section"] == f["section"]


def test_vote_board_by_law_amendment_has_no_vote_with_the_common():
    # CoD 8(b) applies only to matters the Common Stock votes on: formerly the first row asked a
    # majority of the as-converted voting power for an amendment the Board adopts alone.
    result = run("vote", "samples/scenarios/approval-bylaws-amended-by-board.yaml")
    assert (result.returncode, result.stderr) == (1, "")
    assert table(result.stdout) == [
        ["Section", "Approval", "Threshold", "Needs", "Tally"],
        ["CoD 8(c)(i)", "Series A voting as one class", "75%", "56,250 of 75,000", "no tally"],
        ["CoD 8(c), last paragraph", "Series A-3 holders", "majority", "1,001 of 2,000", "no tally"],
    ]


def test_vote_without_the_common_stock_vote_stated_names_it(tmp_path):
    path = write_scenario(tmp_path, "amendment.yaml",
                          "action:\n  kind: charter_amendment\n  equity: none\n  amendment: {instrument: by_laws, "
                          "adversely_affects: [], changes_authorized_series_a: false, alters_relative_rights: false}\n")
    code, data = run_json("vote", path)
    assert code == 1
    assert data["approvals"] == []
    assert [(f["rule"], f["outcome"], f["missing"]) for f in data["undetermined"]] == [
        ("cod.8b.general-vote-as-converted", "cannot_determine", ["common_stock.votes"])]


def test_vote_charter_amendment_creating_senior_preferred_needs_75_percent():
    # Formerly only the vote with the Common: CoD 8(c)(iv) reaches "authorize, create" as it does "issue".
    result = run("vote", "samples/scenarios/approval-amendment-creates-senior-preferred.yaml")
    assert (result.returncode, result.stderr) == (1, "")
    assert table(result.stdout)[1:] == [
        ["CoD 8(b), 8(e)", "Common Stock and Series A voting together, the Series A as converted", "majority",
         "39,343,977 of 78,687,953", "no tally"],
        ["CoD 8(c)(iv)", "Series A voting as one class", "75%", "56,250 of 75,000", "no tally"],
    ]


def test_vote_even_split_needs_75_percent():
    # Formerly "No approval of the Series A holders is required" and exit 0.
    result = run("vote", "samples/scenarios/approval-series-split-even.yaml")
    assert (result.returncode, result.stderr) == (1, "")
    assert table(result.stdout)[1:] == [
        ["CoD 8(c)(i)(B)", "Series A voting as one class", "75%", "56,250 of 75,000", "no tally"]]


def test_no_approval_is_final_only_when_nothing_is_left_undetermined(tmp_path):
    undecided = run("vote", str(ROOT / "samples" / "scenarios" / "transfer-missing-rule144-fact.yaml"))
    said = " ".join(undecided.stdout.split())
    assert "No approval of the Series A holders is shown to be required, but" in said
    assert "cannot be determined on the facts given (below): an approval may yet be required." in said
    assert "No approval of the Series A holders is required." not in undecided.stdout
    assert undecided.returncode == 1


def test_a_violation_found_by_vote_is_named_as_a_violation_not_an_open_question():
    result = run("vote", str(ROOT / "samples" / "scenarios" / "liberty-buys-2m-2003.yaml"))
    said = " ".join(result.stdout.split())
    assert ("No approval of the Series A holders is required. The action is blocked otherwise: 1 provision finds a "
            "violation (below).") in said
    assert result.returncode == 1
