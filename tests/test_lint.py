"""`clausewise lint` and load_rulebook on minimal broken copies of rules/icg-2000.

Each test copies the bundled rulebook into tmp_path, breaks one thing by editing the YAML as
text (so the line of the problem is known), then runs `clausewise lint <copy>` in a subprocess
AND load_rulebook in-process. Both must report the same problems, one line per problem,
`file:line: category: message`, exit code 2 and no traceback. Expected line numbers are
computed from the edited text, never taken from the engine.

The documents live inside the rulebook folder (documents/), so a copy carries them along.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from clitools import CLI
from deal import PROBLEM, ROOT, edit

from clausewise.errors import InputError
from clausewise.rulebook import load_rulebook

RULEBOOK = ROOT / "rules" / "icg-2000"
BAD_RULES = ROOT / "tests" / "bad_inputs" / "rules"
PA = "purchase-agreement.yaml"
COD = "certificate-of-designation.yaml"
LIBERTY_CAP = 'condition: {fact: standstill.pct_after, op: ">", value: 37}'


# --- helpers -----------------------------------------------------------------------------------




def line_of(rb: Path, name: str, needle: str) -> int:
    """1-based line of the one occurrence of `needle` in rb/name (as it is now)."""
    text = (rb / name).read_text(encoding="utf-8")
    assert text.count(needle) == 1, f"{needle!r} occurs {text.count(needle)} times in {name}"
    return text[: text.index(needle)].count("\n") + 1


def key_above(rb: Path, name: str, needle: str, key: str) -> int:
    """Line of the nearest line reading exactly `key` above the one occurrence of `needle`."""
    lines = (rb / name).read_text(encoding="utf-8").splitlines()
    for number in range(line_of(rb, name, needle), 0, -1):
        if lines[number - 1] == key:
            return number
    raise AssertionError(f"no {key!r} above {needle!r} in {name}")


def lint_cli(path: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(CLI + ["lint", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def lint(rb: Path) -> list[str]:
    """Problems for a broken rulebook, checked to agree between the command line and load_rulebook."""
    result = lint_cli(rb)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines, "exit 2 but no problem printed"
    for line in lines:
        assert PROBLEM.match(line), f"not file:line: category: message: {line!r}"
    with pytest.raises(InputError) as info:
        load_rulebook(rb)
    assert [str(p) for p in info.value.problems] == lines
    return lines


def where(rb: Path, name: str, line: int | None, category: str) -> str:
    return f"{rb / name}:{line}: {category}: " if line else f"{rb / name}: {category}: "


def the_line(lines: list[str], prefix: str, *fragments: str) -> str:
    """The one problem line starting with `prefix`; it must contain every fragment."""
    hits = [line for line in lines if line.startswith(prefix)]
    assert len(hits) == 1, f"expected one line starting {prefix!r}, got:\n" + "\n".join(lines)
    for fragment in fragments:
        assert fragment in hits[0], f"{fragment!r} not in {hits[0]!r}"
    return hits[0]


# --- the bundled rulebook ----------------------------------------------------------------------


def test_bundled_rulebook_loads_clean():
    book = load_rulebook(RULEBOOK)
    ids = [r.id for r in book.rules]
    assert len(ids) == len(set(ids)) >= 8
    assert ids[:6] == ["pa.5.13.legend", "pa.5.13.legend-omitted", "pa.5.13.legend-removal",
                       "pa.6.5.transfer-restriction", "pa.6.5.transferee-notice", "pa.6.6a.liberty-standstill"]


def test_unmodified_copy_lints_clean(rb):
    result = lint_cli(rb)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith(f"{rb}: ok: {len(load_rulebook(RULEBOOK).rules)} rules, ")
    load_rulebook(rb)


# --- one test per category ---------------------------------------------------------------------


def test_unknown_key_with_did_you_mean(rb):
    n = edit(rb, PA, "  " + LIBERTY_CAP, "  condtion" + LIBERTY_CAP[len("condition"):])
    lines = lint(rb)
    assert len(lines) == 2, lines
    the_line(lines, where(rb, PA, n, "unknown-key"), "'condtion'", "(did you mean 'condition'?)")
    rule_line = line_of(rb, PA, "- id: pa.6.6a.liberty-standstill")
    the_line(lines, where(rb, PA, rule_line, "missing-field"), "'condition'")


def test_wrong_type_for_a_percent(rb):
    n = edit(rb, PA, LIBERTY_CAP, LIBERTY_CAP.replace("value: 37", "value: lots"))
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, PA, n, "wrong-type"), "standstill.pct_after", "'lots'")


def test_unknown_operator(rb):
    n = edit(rb, PA, LIBERTY_CAP, LIBERTY_CAP.replace('op: ">"', 'op: "=>"'))
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, PA, n, "unknown-operator"), "'=>'", "expected one of", " >= ", " <= ")


def test_operator_that_does_not_fit_the_fact_type(rb):
    n = edit(rb, PA, LIBERTY_CAP, LIBERTY_CAP.replace('op: ">"', 'op: "in"'))
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, PA, n, "unknown-operator"), "'in'", "percent")


@pytest.mark.parametrize("typo, meant", [("=>", ">="), ("=", "==")])
def test_operator_did_you_mean_suggests_the_intended_operator(rb, typo, meant):
    edit(rb, PA, LIBERTY_CAP, LIBERTY_CAP.replace('op: ">"', f'op: "{typo}"'))
    lines = lint(rb)
    assert f"(did you mean '{meant}'?)" in lines[0]


def test_unknown_fact_with_did_you_mean(rb):
    n = edit(rb, PA, LIBERTY_CAP, LIBERTY_CAP.replace("standstill.pct_after", "standstill.pct_aftr"))
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, PA, n, "unknown-fact"), "'standstill.pct_aftr'",
             "(did you mean 'standstill.pct_after'?)")


def test_unknown_fact_in_figures(rb):
    n = edit(rb, PA, "figures: [standstill.shares_after, standstill.denominator_after, standstill.pct_before, "
                     "voting_power.pct_after",
             "figures: [standstill.shares_aftr, standstill.denominator_after, standstill.pct_before, "
             "voting_power.pct_after")
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, PA, n, "unknown-fact"), "'standstill.shares_aftr'",
             "(did you mean 'standstill.shares_after'?)")


def test_bad_date_expression_names_the_parameter(rb):
    n = edit(rb, PA, "in_force: {from: closing_date, before: closing_date + 5y}   #",
             "in_force: {from: closing_date, before: closing_dat + 5y}   #")
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, PA, n, "bad-date"), "'closing_dat'", "(did you mean 'closing_date'?)")


def test_bad_date_not_on_the_calendar(rb):
    n = edit(rb, "documents.yaml", "  date: 2000-02-27", "  date: 2000-02-30")
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, "documents.yaml", n, "bad-date"), "2000-02-30")


def test_bad_date_in_words(rb):
    n = edit(rb, "documents.yaml", "  date: 2000-02-27", "  date: February 27, 2000")
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, "documents.yaml", n, "bad-date"), "purchase-agreement", "'February 27, 2000'")


def test_in_force_window_that_ends_before_it_starts(rb):
    n = edit(rb, PA, "in_force: {from: closing_date, before: closing_date + 5y}   #",
             "in_force: {from: closing_date + 5y, before: closing_date}   #")
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, PA, n, "bad-date"), "pa.6.6a.liberty-standstill", "ends before it starts")


def test_duplicate_rule_id(rb):
    first = line_of(rb, PA, "- id: pa.6.6a.liberty-standstill")
    n = edit(rb, PA, "- id: pa.6.6b.hmtf-standstill", "- id: pa.6.6a.liberty-standstill")
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, PA, n, "duplicate-id"), "'pa.6.6a.liberty-standstill'", f"line {first}")


def test_duplicate_rule_id_across_files(rb):
    first = line_of(rb, PA, "- id: pa.6.6a.liberty-standstill")
    n = edit(rb, COD, "- id: cod.4.transfer-restriction", "- id: pa.6.6a.liberty-standstill")
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, COD, n, "duplicate-id"), "'pa.6.6a.liberty-standstill'", f"line {first}")


def test_duplicate_assumption_id(rb):
    first = line_of(rb, "assumptions.yaml", "- id: A-fifth-anniversary")
    n = edit(rb, "assumptions.yaml", "- id: A-gleacher-holders", "- id: A-fifth-anniversary")
    lines = lint(rb)
    # the rule that cited the renamed assumption now dangles as well
    assert len(lines) == 2, lines
    the_line(lines, where(rb, "assumptions.yaml", n, "duplicate-id"), "'A-fifth-anniversary'", f"line {first}")
    key = key_above(rb, PA, "    - A-gleacher-holders", "  assumptions:")
    the_line(lines, where(rb, PA, key, "dangling-reference"),
             "'A-gleacher-holders'")


def test_dangling_document_reference_with_did_you_mean(rb):
    n = edit(rb, PA, "    document: purchase-agreement\n    section: 6.6(a)\n    quote: >-\n      Prior",
             "    document: purchase-agreemnt\n    section: 6.6(a)\n    quote: >-\n      Prior")
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, PA, n, "dangling-reference"), "'purchase-agreemnt'",
             "(did you mean 'purchase-agreement'?)")


def test_dangling_assumption_reference_with_did_you_mean(rb):
    edit(rb, PA, "    - A-voting-power-measure\n", "    - A-voting-power-measur\n")
    lines = lint(rb)
    assert len(lines) == 1, lines
    # reported at the rule's `assumptions:` key
    key = key_above(rb, PA, "    - A-voting-power-measur\n", "  assumptions:")
    the_line(lines, where(rb, PA, key, "dangling-reference"), "'A-voting-power-measur'",
             "(did you mean 'A-voting-power-measure'?)")


def test_dangling_definition_reference(rb):
    edit(rb, PA, "  condition: {ref: transfer-to-permitted-transferee}\n  outcome: obligation",
         "  condition: {ref: transfer-to-permitted-transferree}\n  outcome: obligation")
    n = line_of(rb, PA, "{ref: transfer-to-permitted-transferree}")
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, PA, n, "dangling-reference"), "'transfer-to-permitted-transferree'",
             "(did you mean 'transfer-to-permitted-transferee'?)")


def test_dangling_parameter_reference(rb):
    n = edit(rb, PA, LIBERTY_CAP, LIBERTY_CAP.replace("value: 37", "value: {param: liberty_cap}"))
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, PA, n, "dangling-reference"), "'liberty_cap'")


def test_dangling_document_file(rb):
    n = edit(rb, "documents.yaml", "  file: documents/warrant-2000-04-10.txt", "  file: documents/warrant-2000-04-11.txt")
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, "documents.yaml", n, "dangling-reference"), "warrant-2000-04-11.txt")


def test_quote_altered_by_one_word(rb):
    edit(rb, PA, "      Prior to the fifth anniversary of the Closing Date, no Liberty Holder shall purchase any\n",
         "      Prior to the fifth anniversary of the Closing Date, no Liberty Holder shall acquire any\n")
    lines = lint(rb)
    assert len(lines) == 1, lines
    # reported at the `quote:` key of the rule's source
    quote_key = line_of(rb, PA, "    section: 6.6(a)\n    quote: >-\n      Prior") + 1
    the_line(lines, where(rb, PA, quote_key, "quote-not-found"), "pa.6.6a.liberty-standstill",
             "purchase-agreement")


def test_quote_in_a_parameter_altered_by_one_word(rb):
    edit(rb, "parameters.yaml", "Preferred Stock and Warrant on April 10,", "Preferred Stock and Warrants on April 10,")
    lines = lint(rb)
    assert len(lines) == 1, lines
    quote_key = line_of(rb, "parameters.yaml", "acquired the Series A-1 Preferred Stock and Warrants") - 1
    the_line(lines, where(rb, "parameters.yaml", quote_key, "quote-not-found"), "closing_date", "schedule-13d")


def test_quote_with_elided_fragments_out_of_order(rb):
    first = ("      Shares of the Series A Preferred Stock have not been registered under the Securities Act\n"
             "      of 1933, as amended (the \"Securities Act\"), and may not be resold, pledged or otherwise\n"
             "      transferred prior to the date when they may be resold pursuant to Rule 144 under the\n"
             "      Securities Act other than [...] in each case in accordance with any applicable securities\n"
             "      laws of any state of the United States.\n")
    swapped = ("      in each case in accordance with any applicable securities laws of any state of the United\n"
               "      States. [...] Shares of the Series A Preferred Stock have not been registered under the\n"
               "      Securities Act of 1933, as amended (the \"Securities Act\"), and may not be resold, pledged\n"
               "      or otherwise transferred prior to the date when they may be resold pursuant to Rule 144\n"
               "      under the Securities Act other than\n")
    n = edit(rb, COD, first, swapped)
    lines = lint(rb)
    assert len(lines) == 1, lines
    # reported at the `quote: >-` key, the line above the quoted text
    the_line(lines, where(rb, COD, n - 1, "quote-not-found"), "cod.4.transfer-restriction")


def test_missing_field(rb):
    n = edit(rb, PA, LIBERTY_CAP, LIBERTY_CAP.replace(", value: 37}", "}"))
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, PA, n, "missing-field"), "standstill.pct_after", "'value'")


def test_bad_value_with_did_you_mean(rb):
    n = edit(rb, PA, "  outcome: violation\n  otherwise: permitted\n  assumptions:\n    - A-standstill-deemed-conversion\n"
                     "    - A-standstill-lp-projection\n    - A-holders-are-group-members\n    - A-transfer-is-purchase\n"
                     "    - A-warrant-is-convertible-security\n    - A-fifth-anniversary\n    - A-voting-power-measure",
             "  outcome: violaton\n  otherwise: permitted\n  assumptions:\n    - A-standstill-deemed-conversion\n"
             "    - A-standstill-lp-projection\n    - A-holders-are-group-members\n    - A-transfer-is-purchase\n"
             "    - A-warrant-is-convertible-security\n    - A-fifth-anniversary\n    - A-voting-power-measure")
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, PA, n, "bad-value"), "pa.6.6a.liberty-standstill", "(did you mean 'violation'?)")


def test_bad_value_for_a_group(rb):
    n = edit(rb, "definitions.yaml", '  condition: {fact: acquirer.group, op: "==", value: liberty}',
             '  condition: {fact: acquirer.group, op: "==", value: libery}')
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, "definitions.yaml", n, "bad-value"), "'libery'", "(did you mean 'liberty'?)")


def test_missing_rule_file(rb):
    edit(rb, "rulebook.yaml", "  - certificate-of-designation.yaml", "  - certificate-of-designaton.yaml")
    lines = lint(rb)
    assert lines == [f"{rb / 'certificate-of-designaton.yaml'}: missing-file: no such file in the rulebook folder"]


def test_folder_that_is_not_a_rulebook(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    lines = lint(empty)
    assert len(lines) == 1, lines
    the_line(lines, where(empty, "rulebook.yaml", None, "missing-file"), "not a rulebook folder")


def test_lint_of_a_missing_folder(tmp_path):
    result = lint_cli(tmp_path / "nowhere")
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"{tmp_path / 'nowhere' / 'rulebook.yaml'}: missing-file: ")


def test_malformed_yaml(rb):
    edit(rb, PA, "    actions: [purchase, transfer, conversion, exercise]\n    when:\n      all:\n        - {ref: liberty-holder}",
         "    actions: [purchase, transfer, conversion, exercise\n    when:\n      all:\n        - {ref: liberty-holder}")
    lines = lint(rb)
    assert len(lines) == 1, lines
    # PyYAML notices the unclosed list on the next line, where `when:` starts
    when = line_of(rb, PA, "    actions: [purchase, transfer, conversion, exercise\n") + 1
    the_line(lines, where(rb, PA, when, "yaml"), "malformed YAML")


def test_duplicate_yaml_key(rb):
    n = edit(rb, PA, "  otherwise: permitted\n  assumptions:\n    - A-standstill-deemed-conversion\n"
                     "    - A-standstill-lp-projection\n    - A-holders-are-group-members\n    - A-transfer-is-purchase\n"
                     "    - A-warrant-is-convertible-security\n    - A-fifth-anniversary\n    - A-voting-power-measure",
             "  outcome: violation\n  assumptions:\n    - A-standstill-deemed-conversion\n"
             "    - A-standstill-lp-projection\n    - A-holders-are-group-members\n    - A-transfer-is-purchase\n"
             "    - A-warrant-is-convertible-security\n    - A-fifth-anniversary\n    - A-voting-power-measure")
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, PA, n, "yaml"), "duplicate key 'outcome'")


# --- several problems at once ------------------------------------------------------------------


def test_several_problems_in_one_file_are_reported_together(rb):
    shutil.copyfile(BAD_RULES / "four-problems.yaml", rb / COD)
    lines = lint(rb)
    assert len(lines) == 4, lines
    assert lines == sorted(lines, key=lambda line: int(PROBLEM.match(line)["line"]))
    the_line(lines, where(rb, COD, line_of(rb, COD, "action.securty"), "unknown-fact"),
             "(did you mean 'action.security'?)")
    the_line(lines, where(rb, COD, line_of(rb, COD, 'op: "=", value: false'), "unknown-operator"), "'='")
    quote_key = line_of(rb, COD, "    section: 12(i)(i)\n") + 1
    the_line(lines, where(rb, COD, quote_key, "quote-not-found"), "cod.12i.a1-auto-conversion")
    the_line(lines, where(rb, COD, line_of(rb, COD, "A-att-carve-out"), "dangling-reference"),
             "(did you mean 'A-att-carveout'?)")


def test_problems_in_several_files_are_reported_together(rb):
    d = edit(rb, "documents.yaml", "  date: 2000-04-07\n  parties: [\"ICG", "  date: 2000-04-7\n  parties: [\"ICG")
    p = edit(rb, PA, LIBERTY_CAP, LIBERTY_CAP.replace("standstill.pct_after", "standstill.pct_aftr"))
    a = edit(rb, "assumptions.yaml", "  catalogue: DEF-closing-date", "  catalog: DEF-closing-date")
    lines = lint(rb)
    assert len(lines) == 3, lines
    the_line(lines, where(rb, "documents.yaml", d, "bad-date"), "certificate-of-designation")
    the_line(lines, where(rb, PA, p, "unknown-fact"), "'standstill.pct_aftr'")
    the_line(lines, where(rb, "assumptions.yaml", a, "unknown-key"), "'catalog'", "(did you mean 'catalogue'?)")


# --- defects found and mended: each guards against its return ------------------------------------


def test_exception_without_condition_is_a_missing_field(rb):
    n = edit(rb, PA, '      condition: {fact: transfer.basis, op: "==", value: exempt}\n', "")
    lines = lint(rb)
    assert len(lines) == 1, lines
    exc_line = line_of(rb, PA, "    - id: exempt\n")
    assert n > exc_line
    the_line(lines, where(rb, PA, exc_line, "missing-field"), "'condition'")


def test_definition_without_condition_is_a_missing_field(rb):
    edit(rb, "definitions.yaml", "it is the other party.\n  condition:\n",
         "it is the other party.\n  conditoin:\n")
    lines = lint(rb)
    the_line(lines, where(rb, "definitions.yaml", line_of(rb, "definitions.yaml", "  conditoin:"), "unknown-key"),
             "(did you mean 'condition'?)")
    the_line(lines, where(rb, "definitions.yaml", line_of(rb, "definitions.yaml", "- id: permitted-transferee"),
                          "missing-field"), "'condition'")


def test_document_without_file_is_a_missing_field(rb):
    edit(rb, "documents.yaml", "  file: documents/warrant-2000-04-10.txt\n", "")
    lines = lint(rb)
    the_line(lines, where(rb, "documents.yaml", line_of(rb, "documents.yaml", "- id: warrant\n"), "missing-field"),
             "'file'")


@pytest.mark.parametrize("old", ["  title: Liberty standstill - 37% cap on beneficial ownership before the fifth "
                                 "anniversary\n",
                                 "    section: 6.6(a)\n    quote: >-\n      Prior"])
def test_a_missing_field_is_reported_once(rb, old):
    edit(rb, PA, old, old.replace("  title: Liberty standstill - 37% cap on beneficial ownership before the fifth "
                                  "anniversary\n", "").replace("    section: 6.6(a)\n", ""))
    lines = lint(rb)
    assert len(lines) == 1, lines


def test_a_problem_in_a_definition_is_reported_once(rb):
    n = edit(rb, "definitions.yaml", "transferee.hmtf_parallel_investor", "transferee.hmtf_paralel_investor")
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, "definitions.yaml", n, "unknown-fact"),
             "(did you mean 'transferee.hmtf_parallel_investor'?)")


def test_a_condition_that_is_not_a_mapping_names_its_line(rb):
    n = edit(rb, PA, LIBERTY_CAP, "condition: [oops]")
    lines = lint(rb)
    assert len(lines) == 1, lines
    the_line(lines, where(rb, PA, n, "wrong-type"), "'oops'")


def test_wrong_type_for_a_parameter_value(rb):
    n = edit(rb, "parameters.yaml", "  dividend_rate:\n    value: 0.08\n", "  dividend_rate:\n    value: lots\n") + 1
    lines = lint(rb)
    the_line(lines, where(rb, "parameters.yaml", n, "wrong-type"), "dividend_rate", "'lots'")


def test_wrong_parameter_value_never_gives_a_traceback_in_check(rb):
    edit(rb, "parameters.yaml", "  dividend_rate:\n    value: 0.08\n", "  dividend_rate:\n    value: lots\n") + 1
    result = subprocess.run(CLI + ["check", "samples/scenarios/liberty-buys-1m-2003.yaml", "--rules", str(rb)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr
    assert result.returncode == 2
    assert result.stdout == ""


# --- the rest of the folder: cap tables, scenarios and YAML test cases -----------------------------


def test_lint_reads_the_folders_scenarios_and_cases_and_reports_each_problem_on_its_line(tmp_path):
    folder = tmp_path / "kestrel"
    shutil.copytree(ROOT / "rules" / "kestrel-2021", folder)
    scenario = folder / "scenarios" / "investor-buys-2900001-over-cap.yaml"
    original = scenario.read_text(encoding="utf-8")
    scenario.write_text(original.replace("quantity: 2900001", "quantity: -5"), encoding="utf-8")
    at = original[:original.index("quantity: 2900001")].count("\n") + 1
    cases = folder / "tests" / "check.yaml"
    text = cases.read_text(encoding="utf-8")
    first = text.index("ia.4.2.competitor-ban: {outcome: permitted}")
    cases.write_text(text[:first] + "ia.4.2.competitor-bam: {outcome: permited}" + text[first + 43:], encoding="utf-8")
    line = text[:first].count("\n") + 1
    result = subprocess.run([sys.executable, "-m", "clausewise", "lint", str(folder)], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stdout == "" or "ok:" not in result.stdout
    assert result.stderr.splitlines() == [
        f"{scenario}:{at}: bad-value: action.quantity: expected a whole number of shares >= 1, got -5",
        f"{cases}:{line}: dangling-reference: case 'A sale of 1,000,000 shares to a non-Affiliate on September 14, "
        "2022 violates the lock-up': expect names no rule 'ia.4.2.competitor-bam' (did you mean "
        "'ia.4.2.competitor-ban'?)",
    ]


def test_lint_refuses_an_outcome_that_does_not_exist(tmp_path):
    folder = tmp_path / "kestrel"
    shutil.copytree(ROOT / "rules" / "kestrel-2021", folder)
    cases = folder / "tests" / "check.yaml"
    text = cases.read_text(encoding="utf-8")
    first = text.index("ia.4.2.competitor-ban: {outcome: permitted}")
    cases.write_text(text[:first] + "ia.4.2.competitor-ban: {outcome: permited}" + text[first + 43:], encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "clausewise", "lint", str(folder)], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "bad-value: case 'A sale of 1,000,000 shares to a non-Affiliate on September 14, 2022 violates the " \
           "lock-up': ia.4.2.competitor-ban: outcome 'permited' is not one of violation, permitted, obligation, " \
           "consequence, " \
           "approval_required, not_applicable, cannot_determine" in result.stderr


def test_a_limb_label_must_be_text_on_a_fact_all_or_any(rb):
    line = edit(rb, "definitions.yaml", '- limb: "(i) a Purchaser Affiliate not holding Common Stock on the date hereof"',
                "- limb: 5")
    result = subprocess.run([sys.executable, "-m", "clausewise", "lint", str(rb)], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{rb / 'definitions.yaml'}:{line}: wrong-type: condition: 'limb' names a part of the clause (text) and "
        "goes with fact, all or any"]


# --- issue 10: what would give wrong answers is refused, one line per problem ---------------------

KESTREL = ROOT / "rules" / "kestrel-2021"
IA = "investment-agreement.yaml"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """A fresh copy of the small bundled rulebook (five rules), for a test to break on purpose."""
    target = tmp_path / "kestrel-2021"
    shutil.copytree(KESTREL, target)
    return target


def test_a_rulebook_with_no_rule_files_is_refused(kb):
    n = edit(kb, "rulebook.yaml", "rule_files:\n  - investment-agreement.yaml\n", "rule_files: []\n")
    assert lint(kb) == [f"{kb / 'rulebook.yaml'}:{n}: missing-field: rulebook.rule_files: expected a non-empty list of "
                        "rule files: a rulebook with no rules would report every action clear"]


@pytest.mark.parametrize("content", ["", "# the rules will go here\n", "[]\n"])
def test_a_rule_file_with_no_rules_is_refused(kb, content):
    (kb / IA).write_text(content, encoding="utf-8")
    line = ":1" if content == "[]\n" else ""
    assert lint(kb) == [f"{kb / IA}{line}: missing-field: {IA} lists no rules: a rule file listed in rulebook.yaml "
                        "holds one or more"]


def test_a_rule_file_named_twice_or_outside_the_folder_is_refused(kb):
    n = edit(kb, "rulebook.yaml", "  - investment-agreement.yaml\n",
             "  - investment-agreement.yaml\n  - investment-agreement.yaml\n  - ../elsewhere.yaml\n  - facts.yaml\n")
    lines = lint(kb)
    assert lines == [f"{kb / 'rulebook.yaml'}:{n + 1}: duplicate-id: rulebook.rule_files: investment-agreement.yaml is "
                     "listed twice",
                     f"{kb / 'rulebook.yaml'}:{n + 2}: bad-value: rulebook.rule_files: '../elsewhere.yaml' is not a rule "
                     "file of the folder (name a file inside it, other than rulebook.yaml, documents.yaml, "
                     "parameters.yaml, facts.yaml, definitions.yaml, assumptions.yaml, declined.yaml)",
                     f"{kb / 'rulebook.yaml'}:{n + 3}: bad-value: rulebook.rule_files: 'facts.yaml' is not a rule "
                     "file of the folder (name a file inside it, other than rulebook.yaml, documents.yaml, "
                     "parameters.yaml, facts.yaml, definitions.yaml, assumptions.yaml, declined.yaml)"]


@pytest.mark.parametrize("threshold, why", [("169%", "can never be met"), ("100.01%", "can never be met"),
                                            ("0%", "is met without a single vote"),
                                            ("0.0%", "is met without a single vote")])
def test_an_approval_threshold_outside_0_to_100_percent_is_refused(kb, threshold, why):
    n = edit(kb, IA, "    threshold: majority\n", f'    threshold: "{threshold}"\n')
    assert lint(kb) == [f"{kb / IA}:{n}: bad-value: rule ia.6.1.senior-securities-consent.approval.threshold: "
                        f"{threshold} {why}; a percentage threshold is more than 0% and at most 100% (or majority, "
                        "unanimous)"]


def test_an_approval_threshold_of_100_percent_is_unanimity_and_loads(kb):
    edit(kb, IA, "    threshold: majority\n", '    threshold: "100%"\n')
    assert load_rulebook(kb).rule("ia.6.1.senior-securities-consent").approval["threshold"] == "100%"


@pytest.mark.parametrize("condition", ["{not: []}", "[]", "{any: [{not: []}]}"])
def test_a_condition_that_is_an_empty_list_is_refused(kb, condition):
    n = edit(kb, IA, '  condition: {fact: board.pct_after, op: "<", value: {param: board_threshold_pct}}',
             f"  condition: {condition}")
    assert lint(kb) == [f"{kb / IA}:{n}: bad-value: condition: an empty list states no condition (it would always "
                        "hold); state what must be true"]


@pytest.mark.parametrize("form", ["all", "any"])
def test_an_empty_all_or_any_is_refused(kb, form):
    n = edit(kb, IA, '  condition: {fact: board.pct_after, op: "<", value: {param: board_threshold_pct}}',
             f"  condition: {{{form}: []}}")
    assert lint(kb) == [f"{kb / IA}:{n}: wrong-type: condition: '{form}' takes a non-empty list"]


@pytest.mark.parametrize("value", ["169", "-0.5", "100.0001"])
def test_a_percentage_outside_0_to_100_is_refused(kb, value):
    n = edit(kb, IA, '  condition: {fact: board.pct_after, op: "<", value: {param: board_threshold_pct}}',
             f'  condition: {{fact: board.pct_after, op: "<", value: {value}}}')
    assert lint(kb) == [f"{kb / IA}:{n}: bad-value: condition on board.pct_after: a percentage is from 0 to 100, "
                        f"got {value}"]


def test_a_percentage_parameter_outside_0_to_100_is_refused_where_a_condition_compares_with_it(kb):
    edit(kb, "parameters.yaml", "        value: 19.9\n", "        value: 169\n")
    n = line_of(kb, IA, "condition: {fact: standstill.pct_after")
    assert lint(kb) == [f"{kb / IA}:{n}: bad-value: condition on standstill.pct_after: a percentage is from 0 to 100, "
                        "got 169"]


@pytest.mark.parametrize("op, value, why", [(">=", 0, "always holds"), ("<", 0, "never holds"),
                                            ("<=", 100, "always holds"), (">", 100, "never holds")])
def test_a_percentage_compared_with_0_or_100_so_that_it_tests_nothing_is_refused(kb, op, value, why):
    n = edit(kb, IA, '  condition: {fact: board.pct_after, op: "<", value: {param: board_threshold_pct}}',
             f'  condition: {{fact: board.pct_after, op: "{op}", value: {value}}}')
    assert lint(kb) == [f"{kb / IA}:{n}: bad-value: condition on board.pct_after: '{op} {value}' {why} (a percentage "
                        "is from 0 to 100): it tests nothing"]


@pytest.mark.parametrize("value, message", [
    ("-1", "bad-value: parameter closing_common_outstanding.value: expected a number, 0 or more (a count of shares, "
           "an amount, a rate, a percentage or a number of days), got -1"),
    ("lots", "wrong-type: parameter closing_common_outstanding.value: expected a number or a date, got 'lots'"),
    ('"100,000,000"', "wrong-type: parameter closing_common_outstanding.value: expected a number or a date, got "
                      "'100,000,000'"),
    ("true", "wrong-type: parameter closing_common_outstanding.value: expected a number or a date, got true")])
def test_a_negative_or_non_numeric_share_count_is_refused(kb, value, message):
    edit(kb, "parameters.yaml", "        value: 100000000\n", f"        value: {value}\n")
    n = line_of(kb, "parameters.yaml", "      2021-03-15:\n        value: " + value)
    assert lint(kb) == [f"{kb / 'parameters.yaml'}:{n}: {message}"]


@pytest.mark.parametrize("value", ["-5", "1.5", "lots"])
def test_a_security_issued_in_a_number_that_is_not_a_whole_number_of_shares_is_refused(kb, value):
    n = edit(kb, "parameters.yaml", "    issued_at_closing: 2000000\n", f"    issued_at_closing: {value}\n")
    category = "wrong-type" if value == "lots" else "bad-value"
    shown_value = "'lots'" if value == "lots" else value
    assert lint(kb) == [f"{kb / 'parameters.yaml'}:{n}: {category}: security warrant.issued_at_closing: expected a "
                        f"whole number of shares, 0 or more, got {shown_value}"]


@pytest.mark.parametrize("value", ["0", "0.00", "-28.00"])
def test_a_conversion_price_of_zero_or_less_is_refused(rb, value):
    edit(rb, "parameters.yaml", "        value: 28.00\n", f"        value: {value}\n")
    n = line_of(rb, "parameters.yaml", "  conversion_price:\n    values:\n      2000-04-07:\n") + 2
    assert lint(rb) == [f"{rb / 'parameters.yaml'}:{n}: wrong-type: parameter conversion_price.value: expected a price "
                        f"per share, more than 0 (the Common issuable is the amount over it), got {value}"]


@pytest.mark.parametrize("value", ["0", "-8.00"])
def test_any_price_parameter_of_zero_or_less_is_refused(kb, value):
    edit(kb, "parameters.yaml", "        value: 8.00\n", f"        value: {value}\n")
    n = line_of(kb, "parameters.yaml", "  purchase_price:\n    values:\n      2021-03-01:\n") + 2
    assert lint(kb) == [f"{kb / 'parameters.yaml'}:{n}: bad-value: parameter purchase_price.value: a price must be "
                        f"more than 0, got {value}"]


@pytest.mark.parametrize("name, meaning", [("none", "a holder in no group"), ("company", "the Company itself")])
def test_a_group_named_as_the_engine_names_no_group_or_the_company_is_refused(kb, name, meaning):
    n = edit(kb, "parameters.yaml", "groups:\n", f"groups:\n  {name}:\n    name: Another group\n") + 1
    assert lint(kb) == [f"{kb / 'parameters.yaml'}:{n}: bad-value: group {name}: '{name}' is reserved by the engine "
                        f"({meaning}): name the group otherwise"]


@pytest.mark.parametrize("quote, words, characters", [
    ("'5'", 1, 1), ('" "', 0, 0), ('"[...]"', 0, 0), ("the Company", 2, 10), ('"All notices [...] [...]"', 2, 10),
    ("Section 7.1", 2, 9), ('"All of [...] the"', 3, 8)])
def test_a_quote_too_short_to_identify_its_place_is_refused(kb, quote, words, characters):
    n = edit(kb, "declined.yaml", "  quote: All notices under this Agreement shall be in writing\n",
             f"  quote: {quote}\n")
    assert lint(kb) == [f"{kb / 'declined.yaml'}:{n}: bad-value: declined ia.7.1.notices.quote: too short: {words} "
                        f"word{'s' if words != 1 else ''}, {characters} letters or digits once '[...]' is taken out; a "
                        "quote needs at least 3 words and 15 letters or digits to identify its place in the document"]


def test_a_short_quote_with_its_figure_is_long_enough(kb):
    edit(kb, "declined.yaml", "  quote: All notices under this Agreement shall be in writing\n",
         "  quote: shall be in writing\n")
    load_rulebook(kb)


def test_every_quote_of_the_bundled_rulebooks_is_long_enough():
    from clausewise.rulebook import _quote_too_short

    for folder in (RULEBOOK, KESTREL):
        book = load_rulebook(folder, check_quotes=False)
        quotes = [r.source.quote for r in book.rules] + [d.source.quote for d in book.declined]
        quotes += [e.source.quote for r in book.rules for e in r.exceptions if e.source]
        quotes += [p.source.quote for p in book.parameters.values() if p.source]
        assert quotes and not [q for q in quotes if _quote_too_short(q)]


@pytest.mark.parametrize("old, new, message", [
    ('  parties: ["Kestrel Optical Networks, Inc.", "Bramblecote Growth Partners, L.P."]\n', "  parties: true\n",
     "documents.yaml:{n}: wrong-type: document investment-agreement.parties: expected a list, got true"),
    ("  code: IA\n", "  code: [IA]\n", "documents.yaml:{n}: wrong-type: document investment-agreement.code: expected "
                                       "text, got a list"),
    ("- id: investment-agreement\n", "- 5\n- id: investment-agreement\n",
     "documents.yaml:{n}: wrong-type: document: expected a mapping, got 5"),
])
def test_a_wrong_type_in_documents_is_one_line_naming_it(kb, old, new, message):
    n = edit(kb, "documents.yaml", old, new)
    assert lint(kb) == [f"{kb}/" + message.format(n=n)]


def test_a_wrong_type_in_a_rule_is_one_line_naming_it(kb):
    edit(kb, IA, "  figures: [action.quantity]\n  finding: >-\n    This Transfer",
         "  figures: 5\n  finding: >-\n    This Transfer")
    edit(kb, IA, "  assumptions: [A-sixty-day-window]\n", "  assumptions: {A-sixty-day-window: true}\n")
    edit(kb, IA, "  outcome: violation\n  otherwise: permitted\n  assumptions: [A-investor-shares-held-by-group]\n"
                 "  figures: [action.quantity]\n  finding: >-\n    The transferee",
         "  unless: true\n  outcome: violation\n  otherwise: permitted\n  assumptions: [A-investor-shares-held-by-group]\n"
         "  figures: [action.quantity]\n  finding: >-\n    The transferee")
    assert lint(kb) == [
        f"{kb / IA}:{line_of(kb, IA, '  assumptions: {A-sixty')}: wrong-type: rule ia.3.1.standstill.assumptions: "
        "expected a list, got a mapping",
        f"{kb / IA}:{line_of(kb, IA, '  figures: 5')}: wrong-type: rule ia.4.1.lock-up.figures: expected a list, got 5",
        f"{kb / IA}:{line_of(kb, IA, '  unless: true')}: wrong-type: rule ia.4.2.competitor-ban.unless: expected a list "
        "of exceptions, got true"]


def test_a_wrong_type_in_parameters_is_one_line_naming_it(kb):
    n = edit(kb, "parameters.yaml", "    converts_to_common: true\n", "    converts_to_common: yes please\n")
    m = edit(kb, "parameters.yaml", "    members: [common]\n", "    members: [[common]]\n")
    lines = lint(kb)
    assert lines == [f"{kb / 'parameters.yaml'}:{n}: wrong-type: security warrant.converts_to_common: expected true "
                     "or false, got 'yes please'",
                     f"{kb / 'parameters.yaml'}:{m}: dangling-reference: class investor_shares.members: no security a "
                     "list"]


def test_a_wrong_type_in_the_position_block_is_one_line_naming_it(kb):
    n = edit(kb, "rulebook.yaml", "      places: 4\n      cap: standstill.pct_after\n",
             "      places: four\n      cap: standstill.pct_after\n")
    m = edit(kb, "rulebook.yaml", "    - {label: Common, value: common_shares}\n", "    - {label: Common}\n")
    lines = lint(kb)
    assert lines == [f"{kb / 'rulebook.yaml'}:{n}: wrong-type: position.groups.standstill.places: expected a whole "
                     "number of decimal places, 0 to 12, got 'four'",
                     f"{kb / 'rulebook.yaml'}:{m}: missing-field: position.columns: missing 'value'"]
