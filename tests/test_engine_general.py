"""The engine is general: no deal's names in engine/, and a deal's vocabulary lives in its rulebook.

A rulebook declares every fact its rules test (facts.yaml: type, label, meaning, where the value
comes from); the engine supplies general securities measures. A second, invented deal (a
common-stock investment: a 19.9% standstill on outstanding Common counting warrants as
exercisable, a transfer ban to competitors, an investor consent for senior issuance) is written
here as YAML only and checked, positioned and voted on by the same engine.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from datetime import date
from pathlib import Path

import pytest
from clitools import run, run_json
from deal import ROOT, edit

from clausewise.conditions import facts_of
from clausewise.errors import InputError
from clausewise.rulebook import load_rulebook, rule_facts

ENGINE = ROOT / "engine"
RULEBOOK = ROOT / "rules" / "icg-2000"
DEAL_WORDS = re.compile(r"liberty|hmtf|gleacher|teligent|series[ _-]?a\b|series_a|fifth anniversary|1\.02|"
                        r"qualifying transaction", re.IGNORECASE)


# --- no deal names in the engine ---------------------------------------------------------------------


def test_no_file_under_engine_names_a_deal():
    files = sorted(p for p in ENGINE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    assert any(p.name == "measures.py" for p in files)
    hits = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
            for p in files for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if DEAL_WORDS.search(line)]
    assert hits == []


def document_codes() -> set[str]:
    """The short codes every bundled rulebook cites its documents by (PA, CoD, WAR, ...)."""
    import yaml
    return {doc["code"] for folder in (ROOT / "rules").iterdir() if (folder / "documents.yaml").is_file()
            for doc in yaml.safe_load((folder / "documents.yaml").read_text(encoding="utf-8")) or [] if doc.get("code")}


def test_no_file_under_engine_cites_a_deals_section():
    """A citation such as "CoD 12(c)" or "WAR 10" belongs to a rulebook (its parameters and rules
    carry their sources); engine code that needs one reads it from the rulebook."""
    codes = document_codes()
    assert {"PA", "CoD", "WAR", "IA"} <= codes
    cite = re.compile(r"\b(" + "|".join(map(re.escape, sorted(codes, key=len, reverse=True))) + r") (\d|Art|Face|§)")
    assert cite.search("the rounding of CoD 12(c)") and not cite.search("Rule 13d-3(d)(1)(i) as in a 13D filing")
    files = sorted(p for p in ENGINE.rglob("*.py") if "__pycache__" not in p.parts)
    hits = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
            for p in files for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if cite.search(line)]
    assert hits == []


# Generic words in party names; every other word of four or more letters names a deal's party.
COMMON_NAME_WORDS = {"corporation", "company", "communications", "media", "fund", "funds", "investors",
                     "partners", "growth", "qualified", "private", "coinvestors", "holdings", "capital",
                     "group", "bridge", "limited", "trust", "american", "stock", "transfer", "networks",
                     "optical", "the", "and", "inc", "llc"}


def party_words() -> set[str]:
    """Distinctive words of the parties every bundled rulebook names: document parties, group
    members and cap-table holders."""
    import yaml
    names: list[str] = []
    for folder in (ROOT / "rules").iterdir():
        if not (folder / "rulebook.yaml").is_file():
            continue
        for doc in yaml.safe_load((folder / "documents.yaml").read_text(encoding="utf-8")) or []:
            names += doc.get("parties") or []
        for group in (yaml.safe_load((folder / "parameters.yaml").read_text(encoding="utf-8")).get("groups") or {}).values():
            names += group.get("members") or []
        for table in (folder / "captables").glob("*.yaml"):
            names += [h["name"] for h in yaml.safe_load(table.read_text(encoding="utf-8")).get("holders") or []]
    words = {w.lower() for name in names for w in re.findall(r"[A-Za-z]{4,}|\b[A-Z]{3}\b", name)}
    return words - COMMON_NAME_WORDS


def test_no_file_under_engine_names_a_party_of_any_bundled_rulebook():
    words = party_words()
    assert {"liberty", "gleacher", "icg", "bramblecote", "kestrel"} <= words  # both rulebooks are read
    pattern = re.compile(r"\b(" + "|".join(sorted(words)) + r")\b", re.IGNORECASE)
    files = sorted(p for p in ENGINE.rglob("*.py") if "__pycache__" not in p.parts)
    hits = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
            for p in files for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line)]
    assert hits == []


def test_the_pattern_would_catch_a_deal_name():
    for text in ("the Liberty Holders", "HMTF Group", "Series A Preferred", "series_a1", "series-a",
                 "fifth anniversary", "1.02 ** 20", "a Qualifying Transaction", "Teligent", "gleacher"):
        assert DEAL_WORDS.search(text), text
    assert not DEAL_WORDS.search("series of preferred; a series_split; 10.2")


def test_help_names_no_deal_except_the_bundled_rulebooks_own_samples():
    out = run("--help").stdout + run("headroom", "--help").stdout + run("vote", "--help").stdout
    # The examples come from rulebook.yaml `examples`; nothing else in the help names the deal.
    body = out.split("examples:", 1)[0] + out.split("examples:", 1)[1].split("\n\n", 1)[-1]
    assert not DEAL_WORDS.search(body), DEAL_WORDS.search(body)
    assert "--holder GROUP" in out


# --- every fact a rule uses is declared -----------------------------------------------------------


def test_every_fact_used_by_a_rule_definition_or_exception_is_declared_with_a_label():
    book = load_rulebook(RULEBOOK)
    used = set()
    for rule in book.rules:
        used.update(rule_facts(rule))
        used.update(rule.figures)
        used.update(re.findall(r"\{([a-z_][a-z0-9_.]*)\}", rule.finding))
    for definition in book.definitions.values():
        used.update(facts_of_raw(definition.raw))
    assert used and used <= set(book.facts), sorted(used - set(book.facts))
    for name in used:
        spec = book.facts[name]
        assert spec.label and spec.meaning, name
        assert spec.origin in ("core", "field", "party", "measure", "instrument"), name


def facts_of_raw(node) -> set[str]:
    if isinstance(node, dict):
        out = {node["fact"]} if "fact" in node else set()
        for value in node.values():
            out |= facts_of_raw(value)
        return out
    if isinstance(node, list):
        return set().union(*(facts_of_raw(item) for item in node)) if node else set()
    return set()


def test_the_measured_facts_name_their_measure_and_params():
    book = load_rulebook(RULEBOOK)
    spec = book.facts["standstill.pct_after"]
    assert (spec.origin, spec.measure) == ("measure", "cap_basis")
    assert spec.params["deemed_outstanding"] == ("series_a",)
    assert str(spec.params["conversion_date"]) == "2005-04-10"  # closing_date + 5y, from parameters.yaml
    assert book.facts["beneficial_ownership.pct_after"].params["horizon_days"] == 60
    assert book.facts["transferee.purchaser_affiliate"].origin == "party"
    assert book.facts["action.kind"].origin == "core"




def problems(rb: Path) -> list[str]:
    result = run("lint", str(rb))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(InputError) as info:
        load_rulebook(rb)
    assert [str(p) for p in info.value.problems] == result.stderr.splitlines()
    return result.stderr.splitlines()


def test_a_fact_not_declared_in_facts_yaml_is_reported_where_a_rule_uses_it(rb):
    text = (rb / "facts.yaml").read_text(encoding="utf-8")
    start = text.index("  voting_power.pct_after:\n")
    end = text.index("\n\n", start) + 2
    (rb / "facts.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    lines = problems(rb)
    assert lines and all("voting_power.pct_after" in line for line in lines)
    pa = (rb / "purchase-agreement.yaml").read_text(encoding="utf-8").splitlines()
    cited = [n for n, line in enumerate(pa, 1) if "voting_power.pct_after" in line]
    first = lines[0]
    assert "unknown-fact" in first and "(not declared in facts.yaml)" in first
    assert int(first.split(":")[1]) in cited


@pytest.mark.parametrize("old, new, category, fragments", [
    ("    label: \"the acquiring group's ownership on the Section 6.6 basis after the purchase\"\n",
     "    lable: \"the acquiring group's ownership on the Section 6.6 basis after the purchase\"\n",
     "unknown-key", ("'lable'", "(did you mean 'label'?)")),
    ("from: {measure: cap_basis, params: {party: acquirer, when: after, output: pct,",
     "from: {measure: cap_bassis, params: {party: acquirer, when: after, output: pct,",
     "bad-value", ("no measure 'cap_bassis'", "(did you mean 'cap_basis'?)")),
    ("from: {measure: voting_power, params: {party: acquirer, when: after, output: pct, voting_class: voting_power}}",
     "from: {measure: voting_power, params: {party: acquirer, when: after, output: pct, voting_clas: voting_power}}",
     "unknown-key", ("takes no 'voting_clas'", "(did you mean 'voting_class'?)")),
    ("from: {measure: voting_power, params: {party: acquirer, when: after, output: pct, voting_class: voting_power}}",
     "from: {measure: voting_power, params: {party: acquirer, when: aftr, output: pct, voting_class: voting_power}}",
     "bad-value", ("expected before or after", "(did you mean 'after'?)")),
    ("from: {measure: voting_power, params: {party: acquirer, when: after, output: pct, voting_class: voting_power}}",
     "from: {measure: voting_power, params: {party: acquirer, when: after, output: shares, voting_class: voting_power}}",
     "bad-value", ("measure voting_power (output shares) gives a shares, not a percent",)),
    ("from: {party: transferee, attribute: purchaser_affiliate}",
     "from: {party: transferee, attribute: purchaser_afiliate}",
     "dangling-reference", ("no party attribute 'purchaser_afiliate'", "(did you mean 'purchaser_affiliate'?)")),
    ("from: {field: company_survives, kinds: [merger, consolidation, asset_sale]}",
     "from: {field: company_survives, kinds: [merger, consolidaton, asset_sale]}",
     "bad-value", ("unknown action 'consolidaton'", "(did you mean 'consolidation'?)")),
    ("from: {field: company_survives, kinds: [merger, consolidation, asset_sale]}",
     "from: {field: Company Survives!, kinds: [merger, consolidation, asset_sale]}",
     "bad-value", ("from.field: expected a field of the action",)),
    ("    type: bool\n    label: \"the Company is the surviving or continuing Person\"",
     "    type: boolean\n    label: \"the Company is the surviving or continuing Person\"",
     "bad-value", ("expected one of date, enum, bool", "(did you mean 'bool'?)")),
])
def test_lint_checks_facts_yaml(rb, old, new, category, fragments):
    n = edit(rb, "facts.yaml", old, new)
    lines = problems(rb)
    hits = [line for line in lines if line.startswith(f"{rb / 'facts.yaml'}:") and f": {category}: " in line]
    assert hits, lines
    line = hits[0]
    assert n - 4 <= int(line.split(":")[1]) <= n, (n, line)  # the line edited, or its fact's `type` line
    for fragment in fragments:
        assert fragment in line, line


def test_a_fact_without_a_label_is_refused(rb):
    n = edit(rb, "facts.yaml", "    label: \"the Company is the surviving or continuing Person\"\n", "")
    lines = problems(rb)
    assert any(f"facts.yaml:{n - 1}: missing-field: fact transaction.company_survives: missing 'label'" in line
               for line in lines), lines


def test_a_measure_param_naming_an_unknown_security_has_did_you_mean(rb):
    n = edit(rb, "facts.yaml", "params: {securities: [series_a1, series_a2, series_a3]}}",
             "params: {securities: [series_a1, series_a2, series_a33]}}")
    lines = problems(rb)
    assert lines == [f"{rb / 'facts.yaml'}:{n}: dangling-reference: fact series_a.outstanding.params.securities: "
                     "no security 'series_a33' in parameters.yaml (did you mean 'series_a3'?)"]


def test_an_undeclared_party_attribute_in_a_scenario_has_did_you_mean(rulebook, make_scenario):
    action = {"kind": "transfer", "from": "Liberty Media Corporation", "security": "series_a1", "quantity": 10,
              "to": {"name": "Acme", "group": "none", "purchaser_afiliate": True}, "basis": "exempt"}
    with pytest.raises(InputError) as info:
        make_scenario({"as_of": date(2001, 6, 1), "action": action})
    [problem] = info.value.problems
    assert problem.category == "unknown-key"
    assert "'purchaser_afiliate'" in problem.message and "(did you mean 'purchaser_affiliate'?)" in problem.message


# --- a second deal, in YAML only --------------------------------------------------------------------

WARRANT_TEXT = "warrant-2000-04-10.txt"
LEGEND = "THE SECURITIES REPRESENTED BY THIS CERTIFICATE HAVE NOT BEEN REGISTERED UNDER THE SECURITIES ACT OF 1933"
DISPOSAL = ("SUCH SECURITIES MAY NOT BE OFFERED, SOLD, TRANSFERRED, PLEDGED, HYPOTHECATED OR OTHERWISE DISPOSED OF")

SECOND_DEAL = {
    "rulebook.yaml": """\
        id: common-investment
        title: An invented common-stock investment
        rule_files: [investment.yaml]
        approvals_of: the Investor
        position:
          groups:
            - {key: common_shares, measure: holding, params: {securities: [common]}, show: shares}
            - {key: warrant_shares, measure: holding, params: {securities: [warrant]}, show: shares}
            - key: ownership
              measure: holding
              params: {securities: [common, warrant]}
              show: {shares: shares, denominator: denominator, pct: pct}
              places: 4
              cap: ownership.pct_after
          columns:
            - {label: Common, value: common_shares}
            - {label: Warrants, value: warrant_shares}
            - {label: Ownership %, value: ownership.pct, format: pct}
            - {label: Cap, value: ownership.cap_pct, format: cap}
            - {label: Headroom, value: ownership.max_quantity, format: headroom}
          headroom: {fact: ownership.pct_after, key: ownership_pct, label: the Investor's ownership}
        """,
    "documents.yaml": f"""\
        - id: investment-agreement
          code: IA
          title: Investment Agreement
          date: 2020-01-15
          file: documents/{WARRANT_TEXT}
        """,
    "parameters.yaml": f"""\
        parameters:
          closing_date:
            value: 2020-01-15
            source: {{document: investment-agreement, section: "1", quote: "{LEGEND}"}}
          warrant_expiry:
            value: 2025-01-15
            source: {{document: investment-agreement, section: "2", quote: "{LEGEND}"}}
        securities:
          common: {{name: Common Stock, class: common}}
          warrant: {{name: Warrants, class: warrant, converts_to_common: true}}
        classes:
          investor_common:
            name: the Investor's Common Stock
            members: [common]
        groups:
          investor: {{name: the Investor Group}}
        """,
    "facts.yaml": """\
        party_attributes:
          competitor:
            type: bool
            label: a Competitor of the Company
        facts:
          as_of: {type: date, label: the date of the action, meaning: the action's date, from: core}
          action.kind:
            type: enum
            label: what is proposed
            meaning: the kind of action
            values: [purchase, transfer, senior_issuance]
            from: core
          acquirer.group:
            type: enum
            label: the acquiring group
            meaning: group of the buyer or transferee
            values_from: [groups]
            values: [none, company]
            from: core
          transferor.group:
            type: enum
            label: the transferring group
            meaning: group of the seller
            values_from: [groups]
            values: [none, company]
            from: core
          ownership.pct_after:
            type: percent
            unit: percent
            label: the Investor's ownership of the outstanding Common Stock, counting its Warrants as exercisable
            meaning: Common plus exercisable warrant shares over the Common outstanding, after the action
            from: {measure: holding, params: {party: acquirer, when: after, output: pct, securities: [common, warrant]}}
          transferee.competitor:
            type: bool
            label: the transferee is a Competitor
            meaning: the transferee is a Competitor of the Company
            from: {party: transferee, attribute: competitor}
          issuance.senior:
            type: bool
            label: the new securities rank senior to the Common Stock
            meaning: the issuance is of senior securities
            from: {field: senior, kinds: [senior_issuance]}
        """,
    "investment.yaml": f"""\
        - id: ia.1.standstill
          title: Standstill - 19.9% of the outstanding Common Stock
          source: {{document: investment-agreement, section: "1", quote: "{LEGEND}"}}
          in_force: {{from: closing_date, before: closing_date + 3y}}
          applies_to:
            actions: [purchase, transfer]
            when: {{fact: acquirer.group, op: "==", value: investor}}
          condition: {{fact: ownership.pct_after, op: ">", value: 19.9}}
          outcome: violation
          finding: The Investor would own {{ownership.pct_after}} of the Common Stock, above 19.9%.
        - id: ia.2.no-competitor
          title: Lock-up - no transfer to a Competitor
          source: {{document: investment-agreement, section: "2", quote: "{DISPOSAL}"}}
          in_force: {{from: closing_date, before: closing_date + 2y}}
          applies_to:
            actions: [transfer]
            when: {{fact: transferor.group, op: "==", value: investor}}
          condition: {{fact: transferee.competitor, op: "==", value: true}}
          outcome: violation
          finding: The transferee is a Competitor.
        - id: ia.3.senior-consent
          title: Investor consent to senior issuance
          source: {{document: investment-agreement, section: "3", quote: "{LEGEND}"}}
          applies_to: {{actions: [senior_issuance]}}
          condition: {{fact: issuance.senior, op: "==", value: true}}
          outcome: approval_required
          approval: {{body: the Investor, voters: investor_common, threshold: majority}}
          finding: A senior issuance needs the Investor's consent.
        """,
}


@pytest.fixture
def second_deal(tmp_path: Path) -> Path:
    folder = tmp_path / "common-investment"
    folder.mkdir()
    for name, text in SECOND_DEAL.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    # A rulebook folder brings its own documents' text.
    (folder / "documents").mkdir()
    shutil.copy(RULEBOOK / "documents" / WARRANT_TEXT, folder / "documents" / WARRANT_TEXT)
    return folder


CAP = {"common_outstanding": 1_000_000, "holders": [
    {"name": "Investor LP", "group": "investor", "common": 180_000, "warrants": 9_000},
    {"name": "Founder", "group": "none", "common": 300_000}]}


def scenario(folder: Path, action: dict, as_of: str = "2021-06-01", **extra) -> Path:
    import yaml
    path = folder.parent / "scenario.yaml"
    data = {"name": "a test", "as_of": date.fromisoformat(as_of), "cap_table": CAP, "action": action, **extra}
    path.write_text(yaml.safe_dump(data),
                    encoding="utf-8")
    return path


def buy(quantity: int) -> dict:
    return {"kind": "purchase", "buyer": "Investor LP", "security": "common", "quantity": quantity}


def test_the_second_deal_lints_clean(second_deal):
    result = run("lint", str(second_deal))
    assert result.returncode == 0, result.stderr
    assert ": ok: 3 rules, 1 documents, 0 assumptions; 7 facts declared;" in result.stdout


@pytest.mark.parametrize("quantity, outcome, pct", [
    (10_000, "permitted", "19.9000%"),   # (180,000 + 9,000 + 10,000) / 1,000,000 is exactly 19.9%
    (10_001, "violation", "19.9001%"),
])
def test_the_second_deal_standstill_counts_warrants_as_exercisable(second_deal, quantity, outcome, pct):
    code, data = run_json("check", str(scenario(second_deal, buy(quantity))), "--rules", str(second_deal))
    finding = next(f for f in data["findings"] if f["rule"] == "ia.1.standstill")
    assert (finding["outcome"], finding["figures"]["ownership.pct_after"]) == (outcome, pct)
    assert finding["labels"]["ownership.pct_after"].startswith("the Investor's ownership")
    assert code == (0 if outcome == "permitted" else 1)


@pytest.mark.parametrize("as_of, outcome", [("2023-01-14", "violation"), ("2023-01-15", "not_applicable")])
def test_the_second_deal_standstill_ends_on_its_date(second_deal, as_of, outcome):
    code, data = run_json("check", str(scenario(second_deal, buy(10_001), as_of)), "--rules", str(second_deal))
    assert next(f for f in data["findings"] if f["rule"] == "ia.1.standstill")["outcome"] == outcome


def test_the_second_deal_warrants_stop_counting_after_they_expire(second_deal):
    code, data = run_json("check", str(scenario(second_deal, buy(19_000), "2025-01-16")), "--rules", str(second_deal))
    # (180,000 + 19,000) / 1,000,000 = 19.9%: the 9,000 expired warrant shares no longer count.
    assert data["findings"][0]["figures"]["ownership.pct_after"] == "19.9000%"


@pytest.mark.parametrize("competitor, outcome", [(True, "violation"), (False, "permitted"),
                                                  (None, "cannot_determine")])
def test_the_second_deal_bans_transfers_to_a_competitor(second_deal, competitor, outcome):
    to = {"name": "Rival Inc", "group": "none"}
    if competitor is not None:
        to["competitor"] = competitor
    action = {"kind": "transfer", "from": "Investor LP", "to": to, "security": "common", "quantity": 1_000,
              "basis": "exempt"}
    code, data = run_json("check", str(scenario(second_deal, action)), "--rules", str(second_deal))
    finding = next(f for f in data["findings"] if f["rule"] == "ia.2.no-competitor")
    assert finding["outcome"] == outcome
    if competitor is None:
        assert finding["missing"] == ["transferee.competitor"]


def test_the_second_deal_refuses_an_undeclared_party_attribute(second_deal):
    action = {"kind": "transfer", "from": "Investor LP", "to": {"name": "Rival Inc", "group": "none",
                                                                 "competitr": True},
              "security": "common", "quantity": 1_000}
    result = run("check", str(scenario(second_deal, action)), "--rules", str(second_deal))
    assert result.returncode == 2
    assert "unknown-key" in result.stderr and "(did you mean 'competitor'?)" in result.stderr


def test_the_second_deal_needs_the_investors_consent_for_senior_issuance(second_deal):
    action = {"kind": "senior_issuance", "senior": True}
    code, data = run_json("vote", str(scenario(second_deal, action)), "--rules", str(second_deal))
    [approval] = data["approvals"]
    # The class is the Common Stock: 1,000,000 shares, a majority is 500,001.
    assert (approval["voters"], approval["outstanding"], approval["shares_required"]) == (
        "investor_common", 1_000_000, 500_001)
    text = run("vote", str(scenario(second_deal, {"kind": "senior_issuance", "senior": False})),
               "--rules", str(second_deal)).stdout
    assert "No approval of the Investor is required." in text


def test_the_second_deal_position_and_headroom_need_no_preferred(second_deal, tmp_path):
    import yaml
    cap = tmp_path / "cap.yaml"
    cap.write_text(yaml.safe_dump(CAP), encoding="utf-8")
    code, data = run_json("position", "--as-of", "2021-06-01", "--cap-table", str(cap), "--rules", str(second_deal))
    assert code == 0
    investor = data["groups"]["investor"]
    assert investor["ownership"]["pct"] == "18.9000"
    assert (investor["ownership"]["cap_pct"], investor["ownership"]["max_quantity"]) == ("19.9", 10_000)
    text = run("position", "--as-of", "2021-06-01", "--cap-table", str(cap), "--rules", str(second_deal)).stdout
    assert "Ownership %" in text and "10,000" in text
    code, room = run_json("headroom", "--holder", "investor", "--as-of", "2021-06-01", "--cap-table", str(cap),
                          "--rules", str(second_deal))
    assert (room["max_quantity"], room["proof"]["ownership_pct_at_max"]) == (10_000, "19.900000000")
