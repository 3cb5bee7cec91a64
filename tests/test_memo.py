"""`clausewise memo`: a counsel memo in Markdown, run through the real command line and read back
(its sections in order, the answer, the quoted provisions, the figures, the hashes), and, in
process, for every sample scenario."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from clitools import ROOT, run
from clausewise.evaluate import evaluate
from clausewise.memo import memo_markdown
from clausewise.render import verdict
from clausewise.scenario import load_scenario
from deal import SCENARIOS

RULEBOOK = ROOT / "rules" / "icg-2000"
SECTIONS = ["## 1. Question presented", "## 2. Short answer", "## 3. Facts", "## 4. The provisions",
            "## 5. Analysis", "## 6. Approvals", "## 7. Consequences", "## 8. Readings relied on",
            "## 9. Open questions", "## 10. Conclusion", "## Appendix: how this memo was produced"]


def section(memo: str, heading: str) -> str:
    """The text of one section, up to the next heading of its level."""
    start = memo.index(heading) + len(heading)
    following = [memo.index(h, start) for h in SECTIONS if h in memo[start:]]
    return memo[start:min(following) if following else len(memo)].strip()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_violation_memo_answers_no_quotes_the_clause_and_shows_the_arithmetic():
    scenario = SCENARIOS / "liberty-buys-2m-2003.yaml"
    result = run("memo", scenario)
    memo = result.stdout
    assert result.returncode == 1 and result.stderr == ""  # as check: a violation
    assert [h for h in SECTIONS if h in memo] == SECTIONS
    assert [memo.index(h) for h in SECTIONS] == sorted(memo.index(h) for h in SECTIONS)
    assert "| **Date** | 2003-06-02 |" in memo
    answer = section(memo, "## 2. Short answer")
    assert answer.startswith("No. Liberty standstill") and "(PA 6.6(a))" in answer
    assert "The largest quantity that would pass is 1,964,341." in answer
    provisions = section(memo, "## 4. The provisions")
    assert "**PA 6.6(a)**" in provisions and "> Prior to the fifth anniversary of the Closing Date" in provisions
    analysis = section(memo, "## 5. Analysis")
    assert "| the acquiring group's ownership on the Section 6.6 basis after the purchase | 37.0375% |" in analysis
    assert "| the Common Stock deemed outstanding on the Section 6.6 basis after the purchase | 95,061,097 |" in analysis
    assert "standstill.pct_after" not in analysis  # the documents' terms, not code names
    readings = section(memo, "## 8. Readings relied on")
    assert "**A-standstill-deemed-conversion:" in readings and "*The other reading:*" in readings
    assert section(memo, "## 10. Conclusion") == "The action as proposed is not permitted."


def test_the_appendix_hashes_what_the_memo_rests_on_and_the_same_inputs_give_the_same_bytes():
    scenario = SCENARIOS / "liberty-buys-2m-2003.yaml"
    first, second = run("memo", scenario).stdout, run("memo", scenario).stdout
    assert first == second
    appendix = section(first, "## Appendix: how this memo was produced")
    content = hashlib.sha256()
    for path in sorted(RULEBOOK.glob("*.yaml")):
        content.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    assert f"rulebook `icg-2000` (content sha256 `{content.hexdigest()}`)" in appendix
    assert f"(sha256 `{sha256(scenario)}`), evaluated as of 2003-06-02" in appendix
    warrant = RULEBOOK / "documents" / "warrant-2000-04-10.txt"
    assert f"`documents/warrant-2000-04-10.txt` (file sha256 `{sha256(warrant)}`)" in appendix
    assert "`documents/13d-liberty-2000-04-20.txt, lines 958-3213`" in appendix  # the Purchase Agreement's lines


def test_a_clear_action_with_consequences_says_yes_and_lists_them():
    result = run("memo", SCENARIOS / "board-turnover-six-of-twelve-coc.yaml", "--to", "General Counsel",
                 "--from", "Securities group")
    memo = result.stdout
    assert result.returncode == 0
    assert "| **To** | General Counsel |" in memo and "| **From** | Securities group |" in memo
    assert section(memo, "## 2. Short answer").startswith("Yes. No provision in force stops it.")
    consequences = section(memo, "## 7. Consequences")
    assert "$4,056.37 a share" in consequences and "by 2001-06-04" in consequences
    assert "(CoD 17 (\"Change of Control\" (c)), CONSEQUENCE)" in consequences
    assert section(memo, "## 6. Approvals") == "No approval of the holders is required for this action."


def test_a_memo_on_missing_facts_lists_what_counsel_must_establish(tmp_path):
    # A change of directors with no board history: prong (c) turns on a fact not stated.
    scenario = tmp_path / "board.yaml"
    scenario.write_text(f"name: A change of directors\nas_of: 2001-03-01\ncap_table: {RULEBOOK}/captables/closing.yaml\n"
                        "action: {kind: board_change}\n", encoding="utf-8")
    result = run("memo", scenario)
    memo = result.stdout
    assert result.returncode == 1, result.stderr
    assert section(memo, "## 2. Short answer").startswith("It cannot be determined on the facts stated.")
    assert section(memo, "## 9. Open questions") == (
        "- Establish whether during a consecutive two-year period, the continuing directors ceased to constitute "
        "a majority of the Board of Directors then in office (CoD 17 (\"Change of Control\" (c))).")
    assert section(memo, "## 10. Conclusion") == "No conclusion can be given until the open questions are answered."


def test_an_approval_memo_gives_the_vote_arithmetic():
    memo = run("memo", SCENARIOS / "approval-acquisition-without-series-director.yaml").stdout
    approvals = section(memo, "## 6. Approvals")
    assert re.search(r"- Approval: .*: [\d,]+ of 75,000 ", approvals), approvals
    # The short answer names the approval the tally does not carry, with its arithmetic.
    memo = run("memo", SCENARIOS / "approval-merger-non-qt-cayman.yaml").stdout
    answer = section(memo, "## 2. Short answer")
    assert answer.startswith("Not without the approvals of the holders it needs.")
    assert "CoD 8(c)(ii): A merger, consolidation or sale" in answer and "It is not shown to pass." in answer
    assert "Series A voting as one class, 69%: 51,750 of 75,000 shares." in answer
    assert "50,000 for, 25,000 against" in answer and "FAILS (needs 51,750)" in answer
    assert "CoD 8(b), 8(e):" not in answer  # that one passes on the tally


def test_out_writes_the_memo_and_bad_input_writes_nothing(tmp_path):
    out = tmp_path / "memo.md"
    result = run("memo", SCENARIOS / "liberty-buys-2m-2003.yaml", "--out", out)
    assert result.stdout == "" and out.read_text(encoding="utf-8").startswith("# MEMORANDUM")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nas_of: 2003-13-01\n", encoding="utf-8")
    target = tmp_path / "bad-memo.md"
    result = run("memo", bad, "--out", target)
    assert result.returncode == 2 and not target.exists()
    assert all(line.startswith(f"{bad}:") for line in result.stderr.strip().splitlines())
    result = run("memo", SCENARIOS / "liberty-buys-2m-2003.yaml", "--template", out)
    assert result.returncode == 2 and result.stderr == "--template: bad-argument: a template is for --format docx, not --format md\n"


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_sample_gets_a_memo_whose_answer_agrees_with_check(rulebook, path):
    scenario = load_scenario(path, rulebook)
    result = evaluate(rulebook, scenario)
    memo = memo_markdown(rulebook, result, None, path)
    assert [h for h in SECTIONS if h in memo] == SECTIONS
    first_word = section(memo, "## 2. Short answer").split()[0]
    assert first_word == {"VIOLATION": "No.", "CANNOT DETERMINE": "It", "APPROVAL REQUIRED": "Not",
                          "CLEAR": "Yes."}[verdict(result)]
    for f in result.findings:
        if f.outcome != "not_applicable":
            assert f.quote in memo, f.rule
