"""End-to-end tests of the `clausewise` command line: check, position, headroom, lint.

Every case runs the real command in a subprocess from the repository root and asserts the
exact exit code (0 clear, 1 violation or cannot-determine, 2 bad input), the key lines of the
output, and that no traceback ever reaches stderr.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from clitools import run, run_json
from deal import PROBLEM, ROOT
from clausewise.yamlio import load_yaml

SCENARIOS = "samples/scenarios"
BAD = "tests/bad_inputs/scenarios"
CLOSING = ROOT / "samples" / "captables" / "closing.yaml"
LIBERTY_2M = f"{SCENARIOS}/liberty-buys-2m-2003.yaml"
LIBERTY_1M = f"{SCENARIOS}/liberty-buys-1m-2003.yaml"
RULE144_MISSING = f"{SCENARIOS}/transfer-missing-rule144-fact.yaml"
STANDSTILL = "pa.6.6a.liberty-standstill"
PA_IN_FORCE = ("--instrument", "purchase-agreement=in_force")  # after the Chapter 11 plan of April 3, 2002
MAX_LIBERTY = 1964341  # the largest 2 June 2003 market purchase under the 37% cap


def line_of(path: str | Path, needle: str) -> int:
    text = (ROOT / path).read_text(encoding="utf-8")
    assert text.count(needle) == 1, needle
    return text[: text.index(needle)].count("\n") + 1


def write_scenario(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(f"name: {name}\ncap_table: {CLOSING}\n{body}", encoding="utf-8")
    return path


def purchase(tmp_path: Path, quantity: int, as_of: str = "2003-06-02") -> Path:
    return write_scenario(tmp_path, f"liberty-buys-{quantity}.yaml",
                          f"as_of: {as_of}\ninstruments: {{purchase-agreement: in_force}}\n"
                          "action:\n  kind: purchase\n  buyer: Liberty Media Corporation\n"
                          f"  security: common\n  quantity: {quantity}\n  seller: market\n")


# --- check: the three formats on the 2,000,000-share purchase ---------------------------------


@pytest.fixture(scope="module")
def check_2m_json() -> dict:
    code, data = run_json("check", LIBERTY_2M)
    assert code == 1
    return data


def test_check_text_reports_the_violation_and_the_largest_permitted_quantity(check_2m_json):
    result = run("check", LIBERTY_2M)
    assert result.returncode == 1
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "Liberty buys 2,000,000 shares of Common Stock in the market (June 2003)"
    assert lines[1] == f"As of 2003-06-02 under rulebook icg-2000 ({LIBERTY_2M})"
    counts = check_2m_json["counts"]
    labels = {"not_applicable": "not applicable", "cannot_determine": "cannot determine",
              "approval_required": "approval required"}
    order = ("violation", "cannot_determine", "approval_required", "obligation", "consequence", "permitted",
             "not_applicable")  # worst first, as the findings are numbered
    summary = ", ".join(f"{counts[k]} {labels.get(k, k)}" for k in order if counts.get(k))
    assert f"Result: VIOLATION  ({summary})" in lines
    assert "1 violation" in summary
    # Numbered in the order shown; the test in the documents' terms, true of the figures.
    header = lines.index("No.  Outcome    Provision  Why")
    assert lines[header + 2:header + 4] == [
        "1    VIOLATION  PA 6.6(a)  the acquiring group's ownership on the Section 6.6 basis after the",
        "                           purchase: 37.0375%, more than 37.0000%"]
    assert "[1] VIOLATION: Liberty standstill - 37% cap on beneficial ownership before the fifth anniversary" in lines
    assert ("Largest permitted quantity: 1,964,341 (asked 2,000,000; over by 35,659); "
            "the binding provision is PA 6.6(a)") in lines
    assert "      the acquiring group's ownership on the Section 6.6 basis after the purchase: 37.0375%" in lines
    assert ("      the acquiring group's share of the Voting Power after the purchase, the Series A voting as"
            in lines) and "        converted: 30.0373%" in lines
    assert STANDSTILL not in result.stdout and "standstill.pct_after" not in result.stdout  # code names: JSON only
    # The table lists the rules that apply; the others are counted, then listed with the reason.
    assert not any(line.startswith("not applicable ") for line in lines)
    assert f"{counts['not_applicable']} other provisions do not apply (listed with the reason at the end)." in lines
    assert "Not applicable:" in lines


def test_check_json_verdict_and_findings(check_2m_json, rulebook):
    data = check_2m_json
    assert data["verdict"] == "violation"
    assert data["rulebook"] == "icg-2000"
    assert data["scenario"] == {"name": "Liberty buys 2,000,000 shares of Common Stock in the market (June 2003)",
                                "file": LIBERTY_2M, "as_of": "2003-06-02"}
    assert data["counts"]["violation"] == 1
    assert len(data["findings"]) == len(rulebook.rules) == sum(data["counts"].values())
    assert [f["rule"] for f in data["findings"]] == [r.id for r in rulebook.rules]
    for finding in data["findings"]:
        for key in ("rule", "outcome", "document", "section", "quote", "figures", "explanation", "assumptions"):
            assert key in finding, (finding.get("rule"), key)
        assert finding["quote"] and finding["explanation"]
    violations = [f for f in data["findings"] if f["outcome"] == "violation"]
    assert [f["rule"] for f in violations] == [STANDSTILL]
    liberty = violations[0]
    assert (liberty["document"], liberty["section"]) == ("purchase-agreement", "6.6(a)")
    assert liberty["quote"].startswith("Prior to the fifth anniversary of the Closing Date, no Liberty Holder")
    assert liberty["figures"]["standstill.pct_after"] == "37.0375%"
    assert liberty["figures"]["standstill.pct_before"] == "34.9336%"
    assert liberty["figures"]["voting_power.pct_after"] == "30.0373%"
    assert "A-standstill-deemed-conversion" in liberty["assumptions"]


def test_check_json_headroom(check_2m_json):
    room = check_2m_json["headroom"]
    assert room["max_quantity"] == MAX_LIBERTY
    assert room["excess"] == 2000000 - MAX_LIBERTY
    assert room["binding"]["rule"] == STANDSTILL
    assert room["binding"]["section"] == "6.6(a)"


def test_check_markdown_quotes_the_clause_and_lists_assumptions():
    result = run("check", LIBERTY_2M, "--format", "markdown")
    assert result.returncode == 1
    assert result.stderr == ""
    md = result.stdout
    lines = md.splitlines()
    assert lines[0] == "# Liberty buys 2,000,000 shares of Common Stock in the market (June 2003)"
    assert "- **Result:** VIOLATION" in lines
    assert any(line.startswith("> Prior to the fifth anniversary of the Closing Date") for line in lines)
    assert ("| 1 | VIOLATION | PA 6.6(a) | Liberty standstill - 37% cap on beneficial ownership before the fifth "
            "anniversary | the acquiring group's ownership on the Section 6.6 basis after the purchase: 37.0375%, more "
            "than 37.0000% |") in lines
    assert "**Largest permitted quantity:** 1,964,341 (over by 35,659)" in md
    assert "| the acquiring group's ownership on the Section 6.6 basis after the purchase | 37.0375% |" in lines
    assert STANDSTILL not in md and "standstill.pct_after" not in md
    assert "## Assumptions" in lines
    assumptions = md.split("\n## Assumptions\n", 1)[1]
    assert "- **A-standstill-deemed-conversion: " in assumptions


# --- check: clear and cannot-determine ---------------------------------------------------------


def test_check_clear_scenario_exits_0():
    result = run("check", LIBERTY_1M)
    assert result.returncode == 0
    assert result.stderr == ""
    assert any(line.startswith("Result: CLEAR  (") for line in result.stdout.splitlines())
    assert "Largest permitted quantity" not in result.stdout
    code, data = run_json("check", LIBERTY_1M)
    assert code == 0
    assert data["verdict"] == "clear"
    assert data["headroom"] is None
    outcomes = [f["outcome"] for f in data["findings"]]
    assert "violation" not in outcomes and "cannot_determine" not in outcomes
    assert [f["rule"] for f in data["findings"] if f["outcome"] == "permitted"] == [STANDSTILL]


def test_check_with_a_missing_fact_exits_1_and_names_it():
    code, data = run_json("check", RULE144_MISSING)
    assert code == 1
    cod4 = next(f for f in data["findings"] if f["rule"] == "cod.4.transfer-restriction")
    assert cod4["outcome"] == "cannot_determine"
    assert cod4["missing"] == ["transfer.rule144_resale_available"]
    assert data["counts"]["cannot_determine"] == 1


def test_check_cannot_determine_alone_exits_1(tmp_path):
    # A holder outside the groups, not bound by PA 6.5, sells Series A-3 with no Securities Act
    # basis; only CoD 4 applies, and it turns on the unstated Rule 144 fact.
    scenario = tmp_path / "a3-outsider.yaml"
    scenario.write_text(
        "name: An outsider sells Series A-3\nas_of: 2001-06-01\n"
        f"cap_table: {{file: {CLOSING}, holders: [{{name: Acme Capital Partners LP, group: none, series_a3: 100}}]}}\n"
        "action:\n  kind: transfer\n  from: Acme Capital Partners LP\n"
        "  to: {name: Public buyers, group: none}\n"
        "  security: series_a3\n  quantity: 100\n  basis: none\n", encoding="utf-8")
    code, data = run_json("check", str(scenario))
    assert code == 1
    assert data["verdict"] == "cannot_determine"
    assert "violation" not in data["counts"]
    undetermined = [f for f in data["findings"] if f["outcome"] == "cannot_determine"]
    assert [f["rule"] for f in undetermined] == ["cod.4.transfer-restriction"]
    assert undetermined[0]["missing"] == ["transfer.rule144_resale_available"]
    text = run("check", str(scenario))
    assert text.returncode == 1
    assert any(line.startswith("Result: CANNOT DETERMINE  (") for line in text.stdout.splitlines())
    assert "    Not stated: the Securities may be resold under Rule 144 under the Securities Act" in text.stdout.splitlines()


def test_check_agrees_with_headroom_at_the_boundary(tmp_path):
    """N = the reported maximum passes `check`; N + 1 is blocked by the Liberty standstill."""
    at_max = run("check", str(purchase(tmp_path, MAX_LIBERTY)))
    assert at_max.returncode == 0, at_max.stdout
    code, data = run_json("check", str(purchase(tmp_path, MAX_LIBERTY + 1)))
    assert code == 1
    assert [f["rule"] for f in data["findings"] if f["outcome"] == "violation"] == [STANDSTILL]
    assert data["headroom"]["max_quantity"] == MAX_LIBERTY
    assert data["headroom"]["excess"] == 1


# --- check --out ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_out_writes_the_report_and_nothing_to_stdout(tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    result = run("check", LIBERTY_2M, "--format", fmt, "--out", str(out))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == ""
    assert out.is_file()
    assert out.read_text(encoding="utf-8") == run("check", LIBERTY_2M, "--format", fmt).stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no temporary file left


def test_out_replaces_an_existing_file(tmp_path):
    out = tmp_path / "memo.md"
    out.write_text("old report\n", encoding="utf-8")
    result = run("check", LIBERTY_1M, "--format", "markdown", "--out", str(out))
    assert result.returncode == 0
    assert out.read_text(encoding="utf-8").startswith("# Liberty buys 1,000,000 shares")


def test_out_into_a_missing_folder_exits_2_with_one_line(tmp_path):
    out = tmp_path / "no-such-folder" / "memo.md"
    result = run("check", LIBERTY_2M, "--out", str(out))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"{out}: missing-file: --out: the folder does not exist"]
    assert not out.parent.exists()
    assert list(tmp_path.iterdir()) == []


def test_bad_input_with_out_leaves_no_file(tmp_path):
    out = tmp_path / "memo.md"
    result = run("check", f"{BAD}/negative-quantity.yaml", "--format", "markdown", "--out", str(out))
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_bad_input_with_out_leaves_an_existing_file_alone(tmp_path):
    out = tmp_path / "memo.md"
    out.write_text("yesterday's report\n", encoding="utf-8")
    result = run("check", f"{BAD}/malformed-yaml.yaml", "--out", str(out))
    assert result.returncode == 2
    assert out.read_text(encoding="utf-8") == "yesterday's report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memo.md"]


def test_out_file_has_ordinary_permissions(tmp_path):
    out = tmp_path / "memo.txt"
    result = run("check", LIBERTY_1M, "--out", str(out), preexec_fn=lambda: os.umask(0o022))
    assert result.returncode == 0
    assert out.stat().st_mode & 0o777 == 0o644


# --- position ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def closing_position() -> dict:
    code, data = run_json("position", "--as-of", "2000-04-10")
    assert code == 0
    return data


def test_position_json_reproduces_the_13d(closing_position):
    data = closing_position
    assert data["as_of"] == "2000-04-10"
    assert data["common_outstanding"] == 48582035
    assert list(data["groups"]) == ["liberty", "hmtf", "gleacher"]
    liberty = data["groups"]["liberty"]
    assert liberty["beneficial_ownership"]["shares"] == 24523810  # 13D Item 5(a)
    assert liberty["beneficial_ownership"]["pct"] == "33.55"
    assert liberty["voting_power_pct"] == "23.69"


def test_position_json_standstill(closing_position):
    groups = closing_position["groups"]
    liberty = groups["liberty"]["standstill"]
    assert liberty["pct"] == "34.9336"
    assert liberty["cap_pct"] == "37"
    assert liberty["rule"] == STANDSTILL
    assert type(liberty["max_quantity"]) is int
    assert liberty["max_quantity"] == MAX_LIBERTY
    assert groups["hmtf"]["standstill"]["cap_pct"] == "17.5"
    assert groups["gleacher"]["standstill"]["cap_pct"] == "3"
    for group in groups.values():
        assert type(group["standstill"]["max_quantity"]) is int
        assert group["standstill"]["max_quantity"] > 0


def test_position_text_has_a_header_row_and_one_row_per_group():
    result = run("position", "--as-of", "2000-04-10")
    assert result.returncode == 0
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "Positions on 2000-04-10 (48,582,035 Common outstanding)"
    header = next(line for line in lines if line.startswith("Group "))
    assert header.split() == ["Group", "As-converted", "Warrants", "13d-3", "shares", "13d-3", "%",
                              "Standstill", "%", "Cap", "Headroom", "Voting", "%"]
    rows = {line.split()[0]: line.split()[1:] for line in lines if line.split()[:1] in (["Liberty"], ["HMTF"], ["Gleacher"])}
    assert set(rows) == {"Liberty", "HMTF", "Gleacher"}
    assert rows["Liberty"] == ["Group", "17,857,143", "6,666,667", "24,523,810", "33.55%", "34.9336%", "37%",
                               "1,964,341", "23.69%"]


def test_position_standstill_in_force_the_day_before_the_fifth_anniversary():
    code, data = run_json("position", "--as-of", "2005-04-09")
    assert code == 0
    assert data["groups"]["liberty"]["standstill"]["cap_pct"] == "37"


@pytest.mark.parametrize("as_of", ["2005-04-10", "2007-01-02"])
def test_position_no_cap_from_the_fifth_anniversary(as_of):
    code, data = run_json("position", "--as-of", as_of)
    assert code == 0
    for gid, group in data["groups"].items():
        assert group["standstill"]["cap_pct"] is None, gid
        assert group["standstill"]["max_quantity"] is None, gid
    text = run("position", "--as-of", as_of)
    assert text.returncode == 0
    liberty = next(line for line in text.stdout.splitlines() if line.startswith("Liberty Group "))
    assert "not in force" in liberty


def test_position_before_the_closing_is_bad_input():
    result = run("position", "--as-of", "2000-04-09")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("--as-of: bad-date: 2000-04-09 is before the Closing Date 2000-04-10")


# --- headroom ----------------------------------------------------------------------------------


def test_headroom_json():
    code, data = run_json("headroom", "--holder", "liberty", "--as-of", "2003-06-02", *PA_IN_FORCE)
    assert code == 0
    assert data["group"] == "liberty"
    assert data["as_of"] == "2003-06-02"
    assert data["max_quantity"] == MAX_LIBERTY
    assert data["binding"]["rule"] == STANDSTILL
    assert data["binding"]["section"] == "6.6(a)"
    assert data["proof"]["permitted_at"] == MAX_LIBERTY
    assert data["proof"]["blocked_at"] == MAX_LIBERTY + 1
    assert float(data["proof"]["standstill_pct_at_max"]) <= 37 < float(data["proof"]["standstill_pct_one_more"])


def test_headroom_text():
    result = run("headroom", "--holder", "liberty", "--as-of", "2003-06-02", *PA_IN_FORCE)
    assert result.returncode == 0
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "Liberty Group on 2003-06-02: may buy up to 1,964,341 shares of Common Stock in the market."
    assert lines[1] == ("Binding provision: Liberty standstill - 37% cap on beneficial ownership before the fifth "
                        "anniversary (PA 6.6(a)).")


def test_headroom_unknown_holder_suggests_the_right_one():
    result = run("headroom", "--holder", "libery", "--as-of", "2003-06-02")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("--holder: unknown-holder: no group 'libery'")
    assert lines[0].endswith("(did you mean 'liberty'?)")


# --- bad scenario inputs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, needle, category, fragment",
    [
        ("malformed-yaml.yaml", "  security: common", "yaml", "malformed YAML"),
        ("unknown-holder.yaml", "  from: Liberty Media Corp\n", "unknown-holder",
         "(did you mean 'Liberty Media Corporation'?)"),
        ("negative-quantity.yaml", "  quantity: -5", "bad-value", "-5"),
        ("before-closing.yaml", "as_of: 1999-12-31", "bad-date", "2000-04-10"),
        ("impossible-date.yaml", "as_of: 2003-02-30", "bad-date", "2003-02-30"),
        ("unknown-key.yaml", "  quantitty: 1000", "unknown-key", "(did you mean 'quantity'?)"),
    ],
)
def test_bad_scenario_is_one_line_with_its_line_number(name, needle, category, fragment):
    path = f"{BAD}/{name}"
    result = run("check", path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}:{line_of(path, needle)}: {category}: "), lines[0]
    assert fragment in lines[0]


def test_missing_scenario_file():
    result = run("check", f"{SCENARIOS}/no-such-scenario.yaml")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"{SCENARIOS}/no-such-scenario.yaml: missing-file: no such file"]


def test_every_problem_of_a_scenario_is_reported_at_once():
    path = f"{BAD}/three-problems.yaml"
    result = run("check", path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 3, lines
    parsed = [PROBLEM.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m["file"], int(m["line"]), m["category"]) for m in parsed] == [
        (path, line_of(path, "{name: Acme Capital LLC, common: 1000}"), "missing-field"),
        (path, line_of(path, "  basis: exmpt"), "bad-value"),
        (path, line_of(path, "  permitted_transferee_agreement: 1"), "wrong-type"),
    ]


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_bad_input_gives_no_partial_report_in_any_format(fmt):
    result = run("check", f"{BAD}/wrong-type.yaml", "--format", fmt)
    assert result.returncode == 2
    if fmt == "json":  # the problems as JSON on standard output, nothing on standard error
        assert result.stderr == "" and len(json.loads(result.stdout)["errors"]) == 2
    else:
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 2


# --- help, usage errors, version, lint ----------------------------------------------------------


def test_program_help_lists_commands_exit_codes_and_examples():
    result = run("--help")
    assert result.returncode == 0
    assert result.stderr == ""
    out = result.stdout
    assert out.startswith("usage: clausewise ")
    for command in ("check SCENARIO", "position --as-of DATE", "headroom --holder G", "lint [PATH]"):
        assert command in out
    assert "exit codes: 0 clear (no violation" in out
    assert "1 a violation" in out and "2 bad input" in out and "3 the rule engine failed" in out
    assert "examples:" in out
    assert "  clausewise check samples/scenarios/liberty-buys-2m-2003.yaml" in out


def test_every_file_named_in_the_help_examples_exists():
    out = run("--help").stdout
    examples = out.split("examples:", 1)[1]
    named = re.findall(r"\b((?:samples|rules)/[\w./-]+)", examples)
    assert named
    missing = [name for name in named if not (ROOT / name).exists()]
    assert missing == []


@pytest.mark.parametrize("command", [
    "check",
    "lint",
    "position",
    "headroom",
    "vote",
])
def test_subcommand_help_mentions_exit_codes_or_an_example(command):
    result = run(command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: clausewise {command} ")
    text = result.stdout.lower()
    assert "exit code" in text or "exit 2" in text or "example" in text


def test_check_help_states_its_exit_codes():
    result = run("check", "--help")
    assert result.returncode == 0
    assert ("exit codes: 0 no violation; 1 a violation or cannot-determine, or an approval not shown to pass "
            "by a tally; 2 bad input") in " ".join(result.stdout.split())
    assert "2 bad input" in result.stdout


def test_no_command_prints_help_and_exits_2():
    result = run()
    assert result.returncode == 2
    assert result.stdout.startswith("usage: clausewise ")
    assert "commands:" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("argv", [
    ["position", "--as-of", "2003-13-01"],
    ["headroom", "--holder", "liberty", "--as-of", "2003-13-01"],
])
def test_impossible_as_of_date_exits_2(argv):
    result = run(*argv)
    assert result.returncode == 2
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert errors == [f"clausewise {argv[0]}: error: argument --as-of: expected a date YYYY-MM-DD, got '2003-13-01'"
                      f" (see clausewise {argv[0]} --help)"]


def test_impossible_as_of_date_is_one_line():
    result = run("position", "--as-of", "2003-13-01")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("argv", [["frobnicate"], ["check"], ["headroom", "--as-of", "2003-06-02"],
                                  ["check", LIBERTY_2M, "--format", "pdf"]])
def test_usage_errors_exit_2(argv):
    result = run(*argv)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "error:" in result.stderr


def test_version():
    result = run("--version")
    assert result.returncode == 0
    assert re.fullmatch(r"clausewise \d+\.\d+\.\d+\n", result.stdout)


@pytest.mark.parametrize("argv", [["lint"], ["lint", "rules/icg-2000"]])
def test_lint_bundled_rulebook_is_ok(argv):
    result = run(*argv)
    assert result.returncode == 0
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert re.search(r": ok: \d+ rules, \d+ documents, \d+ assumptions, \d+ declined provisions; ", lines[0])
    scenarios = len(list((ROOT / "rules" / "icg-2000" / "scenarios").glob("*.yaml")))
    assert scenarios > 40
    cases = sum(len(load_yaml(p)) for p in (ROOT / "rules" / "icg-2000" / "tests").glob("*.yaml"))
    assert cases > 40
    assert lines[0].endswith(f"every quote found verbatim; 1 cap table, {scenarios} scenarios, {cases} test cases read "
                             "as the commands read them")


def test_module_entry_point_matches_the_script():
    """`python -m clausewise` behaves like the installed script."""
    result = subprocess.run([sys.executable, "-m", "clausewise", "check", LIBERTY_1M, "--format", "json"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in result.stderr
    assert result.returncode == 0
    assert json.loads(result.stdout)["verdict"] == "clear"


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_every_sample_renders_in_every_format_without_an_error(fmt, capsys, tmp_path):
    from clausewise.cli import main

    for path in sorted(Path(SCENARIOS).glob("*.yaml")):
        out = tmp_path / f"{path.stem}.{fmt}"
        code = main(["check", str(path), "--format", fmt, "--out", str(out)])
        captured = capsys.readouterr()
        assert code in (0, 1), (path.name, captured.err)
        assert captured.err == "", (path.name, captured.err)
        text = out.read_text(encoding="utf-8")
        assert "Largest permitted quantity: none" not in text or "no quantity cures it" in text or \
               "no contractual limit" in text or "cannot be determined" in text, path.name
        if fmt == "markdown":
            assert text.startswith("# "), path.name


# --- the Company, however a sale to it is written ---------------------------------------------------

TO_COMPANY = {
    "transfer to: company": {"kind": "transfer", "from": "Liberty Media Corporation", "to": "company"},
    "transfer to the Company by name": {"kind": "transfer", "from": "Liberty Media Corporation",
                                        "to": {"name": "ICG Communications, Inc.", "group": "company"}},
    "purchase by the Company": {"kind": "purchase", "buyer": "company", "seller": "Liberty Media Corporation"},
}


def test_a_sale_to_the_company_is_one_event_however_it_is_written(tmp_path):
    answers = {}
    for name, action in TO_COMPANY.items():
        path = tmp_path / f"{len(answers)}.yaml"
        path.write_text(json.dumps({"name": "A sale of Series A-1 to the Company", "as_of": "2001-06-01",
                                    "cap_table": str(ROOT / "samples" / "captables" / "closing.yaml"),
                                    "action": {**action, "security": "series_a1", "quantity": 1000, "basis": "none",
                                               "company_offer": "none"}}), encoding="utf-8")
        code, data = run_json("check", str(path))
        answers[name] = (code, [(f["rule"], f["outcome"], f.get("exception"), f.get("figures"))
                                for f in data["findings"]])
    first = answers["transfer to: company"]
    assert first[0] == 1
    decided = {rule: outcome for rule, outcome, _, _ in first[1] if outcome != "not_applicable"}
    assert decided == {"pa.6.5.transfer-restriction": "violation", "cod.4.transfer-restriction": "permitted",
                       "cod.7b-v.series-a-repurchase": "violation", "cod.18.reacquired-series-a-cancelled": "obligation"}
    assert all(answer == first for answer in answers.values()), answers


@pytest.mark.parametrize("action, fragment", [
    ({"kind": "purchase", "buyer": "Liberty Media Corporation", "seller": "company", "security": "series_a1",
      "quantity": 1000}, "action.seller: company: the Company selling series_a1 is an issuance of it; state it as "
                         "kind: equity_issuance"),
    ({"kind": "purchase", "buyer": "Liberty Media Corporation", "seller": "market", "security": "common",
      "quantity": 48_582_036}, "action.quantity: 48,582,036 shares of common cannot be bought in the market, which "
                               "holds 48,582,035"),
    ({"kind": "purchase", "buyer": "Liberty Media Corporation", "seller": "market", "security": "common",
      "quantity": 10**12}, "action.quantity: 1,000,000,000,000 is more shares than any issuer has"),
    ({"kind": "purchase", "buyer": {"name": "ICG Communications, Inc.", "group": "company"}, "seller": "market",
      "security": "common", "quantity": 10}, "the Company does not buy its own securities in the market"),
])
def test_an_impossible_trade_is_bad_input_on_one_line(tmp_path, action, fragment):
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps({"name": "x", "as_of": "2001-06-01",
                                "cap_table": str(ROOT / "samples" / "captables" / "closing.yaml"), "action": action}),
                    encoding="utf-8")
    result = run("check", str(path))
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and fragment in result.stderr, result.stderr


def test_the_market_float_edge_passes_the_parser():
    path = ROOT / "samples" / "scenarios" / "liberty-buys-2m-2003.yaml"
    assert run("check", str(path)).returncode == 1  # parsed and decided, not refused


@pytest.mark.parametrize("to, limb", [
    ({"name": "Liberty ICOMM, Inc.", "group": "liberty"}, "(ii)/(iii) a member of the Liberty Group or the HMTF Group"),
    ({"name": "Parallel Fund LP", "group": "none", "hmtf_parallel_investor": True},
     "(iii) a Person investing in or in parallel with a member of the HMTF Group"),
    ({"name": "Affiliate Co", "group": "none", "purchaser_affiliate": True, "held_common_on_signing_date": False},
     "(i) a Purchaser Affiliate not holding Common Stock on the date hereof"),
])
def test_the_permitted_transferee_finding_names_the_limb_that_applied(tmp_path, to, limb):
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps({
        "name": "A transfer to a Permitted Transferee", "as_of": "2001-06-01",
        "cap_table": str(ROOT / "samples" / "captables" / "closing.yaml"),
        "action": {"kind": "transfer", "from": "HMTF Bridge ICG, LLC", "to": to, "security": "series_a2",
                   "quantity": 100, "basis": "exempt", "permitted_transferee_agreement": True,
                   "rule144_resale_available": False}}), encoding="utf-8")
    code, data = run_json("check", str(path))
    finding = next(f for f in data["findings"] if f["rule"] == "pa.6.5.transfer-restriction")
    assert finding["outcome"] == "permitted" and finding["exception"] == "permitted-transferee"
    assert finding["because"]["exceptions"][0]["limbs"] == [limb]
    assert f"by limb {limb}" in finding["explanation"]
