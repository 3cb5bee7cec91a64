"""What a person reads: no code names outside JSON and --explain, every comparison true of its
figures, findings numbered in the order shown, check, vote and memo agreeing with each other and
with their exit codes, --explain's trace, --quiet's one line, tables that fit the terminal."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from clitools import CLI, ROOT, run, run_json
from clausewise.evaluate import evaluate, headroom
from clausewise.memo import memo_data, render_memo
from clausewise.render import check_markdown, check_text, verdict, vote_markdown, vote_text
from clausewise.scenario import load_scenario
from deal import SCENARIOS

SAMPLE = SCENARIOS / "liberty-buys-2m-2003.yaml"


def _code_names(rulebook) -> re.Pattern:
    """Every rule id, fact name and group or security code of the rulebook, as whole words."""
    names = [r.id for r in rulebook.rules] + [f for f in rulebook.facts if "." in f]
    names += [code for code in list(rulebook.securities) + list(rulebook.groups) if "_" in code or code.islower()]
    return re.compile(r"(?<![\w./-])(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                      + r")(?![\w-])")


def _readable(text: str) -> str:
    """The text a person reads, less the lines that name files and the readings' names."""
    kept = [line for line in text.splitlines()
            if not re.search(r"\.yaml|Readings relied on|^ *A-[a-z0-9-]+:|^- \*\*A-|sha256", line)]
    return "\n".join(kept)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_no_code_name_reaches_a_person(rulebook, path):
    """check (text and Markdown), vote (text and Markdown) and the memo speak the documents' terms:
    no rule id, fact name or group or security code (these stay in JSON and --explain)."""
    scenario = load_scenario(path, rulebook)
    result = evaluate(rulebook, scenario)
    codes = _code_names(rulebook)
    texts = {"check": check_text(rulebook, result, None), "check markdown": check_markdown(rulebook, result, None),
             "vote": vote_text(rulebook, result), "vote markdown": vote_markdown(rulebook, result),
             "memo": render_memo(memo_data(rulebook, result, None, path, "File", "Clausewise"), "md")}
    for name, text in texts.items():
        found = sorted(set(codes.findall(_readable(text))))
        # "common", "warrant" and the like are also English words: only the code-shaped ones count.
        found = [f for f in found if "." in f or "_" in f or "-" in f]
        assert found == [], f"{name}: {found}"


def test_a_permitted_finding_says_why_it_passed_in_words_true_of_its_figures(rulebook):
    """37% exactly is not more than 37%: the row says so, not "37.0000% (> 37.0000%)"."""
    text = SAMPLE.read_text(encoding="utf-8")
    scenario_path = ROOT / "tests" / "_boundary.yaml"
    try:
        scenario_path.write_text(text.replace("quantity: 2000000", "quantity: 1964341")
                                 .replace("../captables/closing.yaml", str(SCENARIOS.parent / "captables" / "closing.yaml")),
                                 encoding="utf-8")
        result = run("check", scenario_path, "--format", "markdown")
    finally:
        scenario_path.unlink()
    assert result.returncode == 0
    row = next(line for line in result.stdout.splitlines() if line.startswith("| 1 | permitted | PA 6.6(a) |"))
    assert row.endswith("| the acquiring group's ownership on the Section 6.6 basis after the purchase: "
                        "36.999999%, not more than 37.0000% |")


def test_an_exception_that_passes_a_finding_is_named_as_the_reason(rulebook):
    result = run("check", SCENARIOS / "liberty-transfers-a1-to-hmtf.yaml", "--format", "markdown")
    lines = result.stdout.splitlines()
    assert ("| 3 | permitted | PA 6.5 | Transfer restriction - Securities only to a Permitted Transferee or under Rule "
            "144, an exemption or a registration statement | permitted by PA 6.5(b)(ii) |") in lines


def test_findings_are_numbered_in_the_order_shown_worst_first():
    text = run("check", SCENARIOS / "liberty-transfers-a1-to-hmtf.yaml").stdout
    numbers = [int(n) for n in re.findall(r"^\[(\d+)\] ", text, re.M)]
    assert numbers == list(range(1, len(numbers) + 1)) == [1, 2, 3, 4]
    outcomes = re.findall(r"^\[\d+\] (VIOLATION|OBLIGATION|permitted):", text, re.M)
    assert outcomes == ["VIOLATION", "OBLIGATION", "permitted", "permitted"]
    table = re.findall(r"^(\d+) +(VIOLATION|OBLIGATION|permitted) ", text, re.M)
    assert table == [(str(n), o) for n, o in zip(numbers, outcomes)]


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_check_vote_and_memo_agree_with_each_other_and_their_exit_codes(rulebook, path):
    result = evaluate(rulebook, load_scenario(path, rulebook))
    said = verdict(result)
    check_code, report = run_json("check", path) if path.name == SAMPLE.name else (None, None)
    vote = " ".join(vote_text(rulebook, result).split())
    last = "Result: " + vote.rsplit("Result: ", 1)[1]
    violations = sum(1 for f in result.findings if f.outcome == "violation")
    unknown = sum(1 for f in result.findings if f.outcome == "cannot_determine")
    assert ("the action is blocked" in last) == bool(violations)
    assert ("cannot be determined" in last) == bool(unknown)
    if said == "CLEAR":
        assert last in ("Result: no approval needed", "Result: every required approval passes")
    memo = render_memo(memo_data(rulebook, result, None, path, "File", "Clausewise"), "md")
    short = memo.split("## 2. Short answer", 1)[1].split("##", 1)[0].strip()
    assert short.split()[0] == {"VIOLATION": "No.", "CANNOT DETERMINE": "It", "APPROVAL REQUIRED": "Not",
                                "CLEAR": "Yes."}[said]
    if check_code is not None:
        assert check_code == 1 and report["verdict"] == "violation"


def test_vote_on_a_trade_says_no_approval_and_shows_the_violation_under_its_own_outcome():
    result = run("vote", SAMPLE, "--format", "markdown")
    assert result.returncode == 1
    md = result.stdout
    assert "- **Result:** no approval needed; the action is blocked: 1 provision finds a violation" in md
    violations = md.split("## Violations", 1)[1].split("##", 1)[0]
    assert "**Liberty standstill - 37% cap on beneficial ownership before the fifth anniversary** (PA 6.6(a))" in violations
    assert "## Cannot determine" not in md
    code, data = run_json("vote", SAMPLE)
    assert code == 1 and [f["rule"] for f in data["violations"]] == ["pa.6.6a.liberty-standstill"]
    assert data["undetermined"] == [] and data["approvals"] == []


def test_quiet_prints_the_one_line_verdict_with_the_same_exit_code():
    full, quiet = run("check", SAMPLE), run("check", SAMPLE, "--quiet")
    assert full.returncode == quiet.returncode == 1
    assert quiet.stdout == ("VIOLATION: PA 6.6(a), Liberty standstill - 37% cap on beneficial ownership before the "
                            "fifth anniversary; largest quantity that passes: 1,964,341\n")
    cleared = run("check", SCENARIOS / "liberty-converts-a1-2002.yaml", "-q")
    assert (cleared.returncode, cleared.stdout) == (0, "CLEAR\n")
    vote = run("vote", SCENARIOS / "approval-merger-non-qt-cayman.yaml", "-q")
    assert (vote.returncode, vote.stdout) == (1, "An approval is not shown to pass\n")


def test_explain_traces_a_finding_as_indented_text_and_as_data():
    text = run("check", SAMPLE, "--explain").stdout
    trace = text.split("    Trace of pa.6.6a.liberty-standstill", 1)[1].split("\n\n", 1)[0].splitlines()
    assert trace[0] == " (rules/icg-2000/purchase-agreement.yaml:211): violation"
    assert "        standstill.pct_after = 37.0375%  (the acquiring group's ownership on the Section 6.6 basis after the purchase)" in trace
    assert "        standstill.pct_after > 37.0000%: 37.0375% -> holds" in trace
    assert "      exception voting-power-safe-harbor (6.6(a)): fails" in trace
    assert "        voting_power.pct_after <= 25.1000%: 30.0373% -> fails" in trace
    code, data = run_json("check", SAMPLE, "--explain")
    finding = next(f for f in data["findings"] if f["rule"] == "pa.6.6a.liberty-standstill")
    t = finding["trace"]
    assert t["condition"] == {"fact": "standstill.pct_after", "op": ">", "value": "37.0000%", "actual": "37.0375%",
                              "holds": True}
    harbor = next(e for e in t["exceptions"] if e["id"] == "voting-power-safe-harbor")
    assert harbor["holds"] is False and harbor["condition"]["actual"] == "30.0373%"
    assert t["scope"]["holds"] is True and t["because"] == finding["because"]
    # Every finding has one, the ones that do not apply too.
    assert all("trace" in f for f in data["findings"])
    assert "trace" not in run_json("check", SAMPLE)[1]["findings"][0]


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_the_findings_table_fits_the_terminal(columns):
    import os
    env = dict(os.environ, COLUMNS=str(columns))
    out = subprocess.run(CLI + ["check", str(SCENARIOS / "liberty-transfers-a1-to-hmtf.yaml")], capture_output=True,
                         text=True, cwd=ROOT, env=env, timeout=120).stdout.splitlines()
    start = out.index(next(line for line in out if line.startswith("No.  Outcome")))
    end = next(i for i in range(start, len(out)) if not out[i])
    table = out[start:end - 1]
    assert max(len(line) for line in table) <= columns
    assert any(line.startswith("1    VIOLATION") for line in table)


def test_a_permitted_action_says_which_limits_it_stays_within(rulebook):
    data = memo_data(rulebook, evaluate(rulebook, load_scenario(SCENARIOS / "liberty-converts-a1-2002.yaml", rulebook)),
                     None, SCENARIOS / "liberty-converts-a1-2002.yaml", "File", "Clausewise")
    assert data["short_answer"].startswith(
        "Yes. No provision in force stops it. It stays within PA 6.6(a) (the acquiring group's ownership on the "
        "Section 6.6 basis after the purchase: 31.0325%, not more than 37.0000%)")
    # A date is tested in the words of dates.
    assert "(the date of the proposed action: 2002-06-01, not after 2015-06-29)" in data["short_answer"]
