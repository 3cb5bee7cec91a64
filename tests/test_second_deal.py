"""A second, invented deal (rules/kestrel-2021) through every verb of the general engine.

The rulebook declares its facts in facts.yaml, its dated parameters, the agreement text inside
the rulebook folder, its voting class and its position block in YAML. The expected figures are
computed by hand in the YAML cases (rules/kestrel-2021/tests/) and recomputed here by a few lines
of reference arithmetic, independent of the engine.
"""

from __future__ import annotations

import json
import math
import re
from copy import deepcopy
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from clausewise.documents import document_text, quote_found
from clitools import run, run_json
from clausewise.rulebook import load_rulebook
from deal import ROOT

BOOK = ROOT / "rules" / "kestrel-2021"
CASES = BOOK / "tests"
RULE_IDS = ["ia.3.1.standstill", "ia.4.1.lock-up", "ia.4.2.competitor-ban", "ia.5.2.designee-resignation",
            "ia.6.1.senior-securities-consent"]

def _yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _quotes(node):
    if isinstance(node, dict):
        if isinstance(node.get("quote"), str):
            yield node["quote"]
        for value in node.values():
            yield from _quotes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _quotes(value)


def _conditions_facts(node):
    """Fact names a rule or definition tests (`{fact: ...}` anywhere inside it)."""
    if isinstance(node, dict):
        if isinstance(node.get("fact"), str):
            yield node["fact"]
        for value in node.values():
            yield from _conditions_facts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _conditions_facts(value)


def _params(node):
    if isinstance(node, dict):
        if set(node) == {"param"}:
            yield node["param"]
        for value in node.values():
            yield from _params(value)
    elif isinstance(node, list):
        for value in node:
            yield from _params(value)


# --- The rulebook is consistent in itself (engine-independent; these pass today) -----------------


def test_every_quote_is_verbatim_in_the_agreement_text():
    text = document_text(BOOK / "documents" / "investment-agreement.txt")
    files = ["parameters.yaml", "definitions.yaml", "assumptions.yaml", "declined.yaml", "investment-agreement.yaml",
             "captables/closing.yaml"]
    quotes = [q for name in files for q in _quotes(_yaml(BOOK / name))]
    assert len(quotes) >= 25
    assert [q for q in quotes if not quote_found(q, text)] == []


def test_every_fact_the_rules_use_is_declared_with_a_label_and_a_source():
    declared = _yaml(BOOK / "facts.yaml")["facts"]
    rules = _yaml(BOOK / "investment-agreement.yaml")
    used = set(_conditions_facts(rules)) | set(_conditions_facts(_yaml(BOOK / "definitions.yaml")))
    for rule in rules:
        used |= set(rule.get("figures") or [])
        used |= set(re.findall(r"\{([^{}]+)\}", rule["finding"]))
    position = _yaml(BOOK / "rulebook.yaml")["position"]
    used |= {item["cap"] for item in position["groups"] if item.get("cap")} | {position["headroom"]["fact"]}
    assert sorted(used - set(declared)) == []
    assert sorted(set(declared) - used - {"as_of", "standstill.shares_before"}) == [], "declared but unused"
    for name, spec in declared.items():
        assert spec["type"] in ("date", "enum", "bool", "shares", "percent", "money", "set", "text"), name
        origin = spec["from"]
        assert spec["label"] and spec["meaning"], name
        assert origin == "core" or len({"field", "party", "measure"} & set(origin)) == 1, name
        if spec["type"] == "enum":
            assert spec.get("values") or spec.get("values_from"), name


def test_every_parameter_named_is_a_dated_parameter_with_a_citation_per_value():
    params = _yaml(BOOK / "parameters.yaml")
    named = set(_params(_yaml(BOOK / "facts.yaml"))) | set(_params(_yaml(BOOK / "investment-agreement.yaml")))
    for rule in _yaml(BOOK / "investment-agreement.yaml"):
        for key in ("from", "before"):
            expr = str((rule.get("in_force") or {}).get(key, ""))
            named |= {m for m in re.findall(r"^([a-z_]+)", expr)}
    assert sorted(named - set(params["parameters"])) == []
    for name, item in params["parameters"].items():
        assert list(item["values"]) == sorted(item["values"]), name
        for value in item["values"].values():
            assert value["source"]["document"] == "investment-agreement" and value["source"]["quote"], name


def test_every_assumption_is_relied_on_and_exercised_by_a_case():
    ids = [a["id"] for a in _yaml(BOOK / "assumptions.yaml")]
    relied = set(_yaml(BOOK / "rulebook.yaml").get("arithmetic_assumptions") or [])
    for rule in _yaml(BOOK / "investment-agreement.yaml"):
        relied |= set(rule.get("assumptions") or [])
    assert sorted(set(ids) - relied) == []
    cases = (CASES / "check.yaml").read_text(encoding="utf-8") + (CASES / "verbs.yaml").read_text(encoding="utf-8")
    assert [a for a in ids if a not in cases] == []


# --- lint -------------------------------------------------------------------------------------


def test_lint_accepts_the_second_rulebook():
    result = run("lint", BOOK)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (f"{BOOK}: ok: 5 rules, 1 documents, 3 assumptions, 4 declined provisions; "
                                     "25 facts declared; every quote found verbatim; 1 cap table, 9 scenarios, 36 test cases "
                                     "read as the commands read them")


def test_lint_without_a_path_lints_the_bundled_rulebook_and_with_one_the_second():
    bundled, second = run("lint"), run("lint", "rules/kestrel-2021")
    assert (bundled.returncode, second.returncode) == (0, 0), bundled.stderr + second.stderr
    rules = len(load_rulebook(ROOT / "rules" / "icg-2000").rules)
    assert bundled.stdout.startswith(f"{ROOT / 'rules' / 'icg-2000'}: ok: {rules} rules, 8 documents")
    assert second.stdout.startswith("rules/kestrel-2021: ok: 5 rules, 1 documents")
    assert bundled.stderr == second.stderr == ""


# --- check: the YAML cases --------------------------------------------------------------------


def _absolute(scenario: dict, base: Path) -> dict:
    """The scenario with its cap table path made absolute (the cases sit in tests/, beside captables/)."""
    scenario = dict(scenario)
    cap = scenario.get("cap_table", "../captables/closing.yaml")
    if isinstance(cap, dict):
        cap = dict(cap, file=str((base / cap["file"]).resolve()))
    else:
        cap = str((base / cap).resolve())
    scenario["cap_table"] = cap
    return scenario


def _check(scenario_file: Path) -> tuple[int, dict]:
    result = run("check", scenario_file, "--rules", BOOK, "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def _assert_findings(data: dict, expect: dict) -> None:
    assert [f["rule"] for f in data["findings"]] == RULE_IDS
    for finding in data["findings"]:
        want = expect.get(finding["rule"], {"outcome": "not_applicable"})
        rule = finding["rule"]
        assert finding["outcome"] == want["outcome"], rule
        assert finding.get("exception") == want.get("exception"), rule
        assert finding.get("missing", []) == list(want.get("missing", [])), rule
        if "reason" in want:
            assert finding.get("reason") == want["reason"], rule
        for name, shown in (want.get("figures") or {}).items():
            assert finding["figures"][name] == shown, (rule, name)


CHECK_CASES = _yaml(CASES / "check.yaml")


@pytest.mark.parametrize("case", CHECK_CASES, ids=[c["name"] for c in CHECK_CASES])
def test_check_case(case, tmp_path):
    scenario = dict(_absolute(case["scenario"], CASES), name=case["name"])
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    code, data = _check(path)
    assert code == case["exit"]
    _assert_findings(data, case["expect"])
    if "max_quantity" in case:
        assert data["headroom"]["max_quantity"] == case["max_quantity"]


# --- check: the sample scenarios give their documented answers ---------------------------------

SAMPLES = {
    # file: (exit code, the rules that apply and their outcomes; every other rule not_applicable)
    "investor-buys-1m-2021-05.yaml": (0, {"ia.3.1.standstill": {"outcome": "permitted"}}),
    "investor-buys-2900000-at-cap.yaml": (0, {"ia.3.1.standstill": {"outcome": "permitted"}}),
    "investor-buys-2900001-over-cap.yaml": (1, {"ia.3.1.standstill": {"outcome": "violation"}}),
    "lockup-transfer-2022-09-14.yaml": (1, {"ia.4.1.lock-up": {"outcome": "violation"},
                                            "ia.4.2.competitor-ban": {"outcome": "permitted"}}),
    "lockup-ended-transfer-2022-09-15.yaml": (0, {"ia.4.1.lock-up": {"outcome": "not_applicable",
                                                                     "reason": "not_in_force"},
                                                  "ia.4.2.competitor-ban": {"outcome": "permitted"}}),
    "competitor-transfer-2023.yaml": (1, {"ia.4.2.competitor-ban": {"outcome": "violation"}}),
    "transfer-below-ten-percent.yaml": (0, {"ia.4.2.competitor-ban": {"outcome": "permitted"},
                                            "ia.5.2.designee-resignation": {"outcome": "obligation"}}),
    "dilution-below-ten-percent.yaml": (0, {"ia.5.2.designee-resignation": {"outcome": "obligation"}}),
    # The tally passes, so the approval does not block.
    "senior-preferred-issuance.yaml": (0, {"ia.6.1.senior-securities-consent": {"outcome": "approval_required"}}),
}


def test_every_sample_scenario_has_its_documented_answer_listed():
    assert sorted(p.name for p in (BOOK / "scenarios").glob("*.yaml")) == sorted(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_scenario(name):
    code, data = _check(BOOK / "scenarios" / name)
    want_code, expect = SAMPLES[name]
    assert code == want_code
    _assert_findings(data, expect)


# --- vote, position, headroom -----------------------------------------------------------------

VERBS = _yaml(CASES / "verbs.yaml")


def _at(data, path: str):
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def _verb_params():
    for verb, cases in VERBS.items():
        for case in cases:
            yield pytest.param(verb, case, id=f"{verb}: {case['name']}")


@pytest.mark.parametrize("verb, case", list(_verb_params()))
def test_verb(verb, case):
    args = [str(BOOK / a) if a.endswith(".yaml") else a for a in case["args"]]
    result = run(verb, *args, "--rules", BOOK, "--format", "json")
    assert result.returncode == case["exit"], result.stderr
    data = json.loads(result.stdout)
    for path, value in case["expect"].items():
        assert _at(data, path) == value, path


def test_position_reads_the_rulebooks_own_cap_table_by_default():
    result = run("position", "--as-of", "2021-10-01", "--rules", BOOK, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["groups"]["investor"]["common_shares"] == 15_000_000


# --- The hand-worked figures, recomputed from the cap table by an independent reference -------
# A few lines of exact arithmetic for IA 1.1, independent of the engine's `holding` measure, so
# that the figures and edges the cases expect are checked twice.

PARAMS = {name: next(iter(item["values"].values()))["value"]
          for name, item in _yaml(BOOK / "parameters.yaml")["parameters"].items()}
INVESTOR = "investor"


def _reference_cap(scenario: dict) -> tuple[int, dict]:
    closing = _yaml(BOOK / "captables" / "closing.yaml")
    outstanding = closing["common_outstanding"]
    holders = {h["name"]: {"group": h["group"], "common": h.get("common", 0), "warrants": h.get("warrants", 0)}
               for h in closing["holders"]}
    cap = scenario.get("cap_table")
    for h in (cap.get("holders") or []) if isinstance(cap, dict) else []:
        entry = holders.setdefault(h["name"], {"group": h.get("group"), "common": 0, "warrants": 0})
        entry.update({k: v for k, v in h.items() if k != "name"})
    return outstanding, holders


def _reference_after(scenario: dict) -> tuple[int, dict]:
    outstanding, holders = _reference_cap(scenario)
    holders = deepcopy(holders)
    action = scenario["action"]
    q = action["quantity"]
    key = "warrants" if action.get("security") == "warrant" else "common"
    if action["kind"] == "equity_issuance":
        return outstanding + (q if action["class"] == "common" else 0), holders
    party = action.get("buyer") or action["to"]
    name, group = (party["name"], party["group"]) if isinstance(party, dict) else (party, holders[party]["group"])
    holders.setdefault(name, {"group": group, "common": 0, "warrants": 0})[key] += q
    seller = action.get("from") or action.get("seller")
    if seller in holders:
        holders[seller][key] -= q
    elif seller == "company" and key == "common":
        outstanding += q
    return outstanding, holders


def _held(holders: dict, group: str, as_of, warrants: bool) -> int:
    window = as_of + timedelta(days=PARAMS["beneficial_ownership_window_days"])
    counts = warrants and PARAMS["warrant_first_exercise_date"] <= window and as_of <= PARAMS["warrant_expiry"]
    return sum(h["common"] + (h["warrants"] if counts else 0) for h in holders.values() if h["group"] == group)


def _pct(shares: int, outstanding: int, threshold=None) -> str:
    """Half up to 4 places; beside a threshold, to as many places (up to 10) as put the figure on
    the side of it the exact value is on."""
    exact = Fraction(100 * shares, outstanding)
    for places in range(4, 11):
        shown = (Decimal(100 * shares) / Decimal(outstanding)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
        if threshold is None or (Fraction(shown) < threshold) == (exact < threshold) and (
                Fraction(shown) > threshold) == (exact > threshold):
            return f"{shown}%"
    return f"{shown}%"


# Days banks in New York, New York were closed by law, 2021-2024 (Federal Reserve holidays), written
# out from the published calendars rather than computed, so the deadline is checked independently.
NY_BANK_HOLIDAYS = {
    date(2021, 1, 1), date(2021, 1, 18), date(2021, 2, 15), date(2021, 5, 31), date(2021, 6, 18),
    date(2021, 7, 5), date(2021, 9, 6), date(2021, 10, 11), date(2021, 11, 11), date(2021, 11, 25),
    date(2022, 1, 17), date(2022, 2, 21), date(2022, 5, 30), date(2022, 6, 20), date(2022, 7, 4),
    date(2022, 9, 5), date(2022, 10, 10), date(2022, 11, 11), date(2022, 11, 24), date(2022, 12, 26),
    date(2023, 1, 2), date(2023, 1, 16), date(2023, 2, 20), date(2023, 5, 29), date(2023, 6, 19),
    date(2023, 7, 4), date(2023, 9, 4), date(2023, 10, 9), date(2023, 11, 23), date(2023, 12, 25),
    date(2024, 1, 1), date(2024, 1, 15), date(2024, 2, 19), date(2024, 5, 27), date(2024, 6, 19),
    date(2024, 7, 4), date(2024, 9, 2), date(2024, 10, 14), date(2024, 11, 11), date(2024, 11, 28),
    date(2024, 12, 25),
}


def _fifth_business_day_after(start) -> str:
    """IA 5.2 "within five Business Days thereafter", by the definition in IA 1.1."""
    d, counted = start, 0
    while counted < 5:
        d += timedelta(days=1)
        counted += d.weekday() < 5 and d not in NY_BANK_HOLIDAYS
    return d.isoformat()


def _reference(case: dict) -> dict:
    """The figures and the IA 3.1 and 5.2 outcomes of a case, by the reference arithmetic."""
    scenario = case["scenario"]
    as_of = scenario["as_of"]
    action = scenario["action"]
    before_out, before = _reference_cap(scenario)
    after_out, after = _reference_after(scenario)
    owned_before, owned_after = _held(before, INVESTOR, as_of, False), _held(after, INVESTOR, as_of, False)
    out = {"common.outstanding_after": f"{after_out:,}", "board.shares_after": f"{owned_after:,}",
           "board.pct_before": _pct(owned_before, before_out), "investor_shares.outstanding": f"{owned_before:,}",
           "action.quantity": f"{action['quantity']:,}"}
    # IA 5.2: "ceases to own at least 10%".
    threshold = Fraction(str(PARAMS["board_threshold_pct"]))
    out["board.pct_after"] = _pct(owned_after, after_out, threshold)
    out["board.notice_deadline"] = _fifth_business_day_after(as_of)
    ceases = Fraction(100 * owned_before, before_out) >= threshold > Fraction(100 * owned_after, after_out)
    out["ia.5.2.designee-resignation"] = ("obligation" if ceases and action["kind"] in ("transfer", "equity_issuance")
                                          else "not_applicable")
    # IA 3.1: an acquisition by a member of the Investor Group, prior to the third anniversary.
    party = action.get("buyer") or action.get("to")
    group = party.get("group") if isinstance(party, dict) else before.get(party, {}).get("group")
    third_anniversary = PARAMS["closing_date"].replace(year=PARAMS["closing_date"].year + 3)
    out["ia.3.1.standstill"] = "not_applicable"
    if group == INVESTOR and action["kind"] in ("purchase", "transfer") and as_of < third_anniversary:
        shares = _held(after, INVESTOR, as_of, True)
        out["standstill.shares_after"] = f"{shares:,}"
        out["standstill.pct_before"] = _pct(_held(before, INVESTOR, as_of, True), before_out)
        cap = Fraction(str(PARAMS["standstill_pct"]))
        out["standstill.pct_after"] = _pct(shares, after_out, cap)
        over = Fraction(100 * shares, after_out) > cap
        out["ia.3.1.standstill"] = "violation" if over else "permitted"
    return out


@pytest.mark.parametrize("case", CHECK_CASES, ids=[c["name"] for c in CHECK_CASES])
def test_the_hand_worked_figures_agree_with_the_reference_arithmetic(case):
    ref = _reference(case)
    for rule in ("ia.3.1.standstill", "ia.5.2.designee-resignation"):
        want = case["expect"].get(rule, {"outcome": "not_applicable"})
        if want.get("exception"):
            assert ref[rule] == "violation", "an exception that is not needed is never reported"
        else:
            assert want["outcome"] == ref[rule], rule
        for name, shown in (want.get("figures") or {}).items():
            assert ref[name] == shown, (rule, name)


def _reference_headroom(as_of) -> int | None:
    """The largest market purchase IA 3.1 allows on a date (None after the third anniversary)."""
    outstanding, holders = _reference_cap({})
    if as_of >= PARAMS["closing_date"].replace(year=PARAMS["closing_date"].year + 3):
        return None
    cap = math.floor(Fraction(str(PARAMS["standstill_pct"])) * outstanding / 100)  # "more than": the cap passes
    return cap - _held(holders, INVESTOR, as_of, True)


@pytest.mark.parametrize("case", VERBS["position"] + VERBS["headroom"], ids=lambda c: c["name"])
def test_the_hand_worked_headroom_agrees_with_the_reference_arithmetic(case):
    as_of = date.fromisoformat(case["args"][case["args"].index("--as-of") + 1])
    expect = case["expect"]
    room = expect.get("max_quantity", expect.get("groups.investor.standstill.max_quantity", "absent"))
    assert room == _reference_headroom(as_of)
    if "groups.investor.standstill.shares" in expect:
        _, holders = _reference_cap({})
        assert expect["groups.investor.standstill.shares"] == _held(holders, INVESTOR, as_of, True)


# --- The engine's general options the rulebook uses, refused when misnamed ----------------------


@pytest.mark.parametrize("old, new, fragment", [
    ("exercisable_from: warrant_first_exercise_date", "exercisable_from: warrant_first_exercise_dat",
     "security warrant.exercisable_from: 'warrant_first_exercise_dat' is not a date parameter "
     "(did you mean 'warrant_first_exercise_date'?)"),
    ("held_by: [investor]", "held_by: [investors]",
     "class investor_shares.held_by: expected a list of groups; no group 'investors' (did you mean 'investor'?)"),
])
def test_lint_refuses_a_misnamed_first_exercise_date_or_holding_group(tmp_path, old, new, fragment):
    import shutil
    copy = tmp_path / "kestrel-2021"
    shutil.copytree(BOOK, copy)
    text = (copy / "parameters.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    (copy / "parameters.yaml").write_text(text.replace(old, new), encoding="utf-8")
    result = run("lint", copy)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if fragment in line], result.stderr


def test_an_issuance_of_preferred_leaves_the_common_outstanding_and_an_unstated_class_is_unknown(tmp_path):
    """After an issuance of another class the Common outstanding is as before; with the class not
    stated, nothing "after" is known and Section 5.2 cannot be decided."""
    for action, outcome, missing in (
            ({"kind": "equity_issuance", "class": "preferred", "quantity": 900_000_000,
              "ranking": {"dividends": "junior", "liquidation": "junior"}}, "not_applicable", []),
            ({"kind": "equity_issuance", "quantity": 50_000_001}, "cannot_determine", ["board.pct_after"])):
        scenario = _absolute({"name": "an issuance", "as_of": date(2023, 9, 1), "action": action}, CASES)
        path = tmp_path / "scenario.yaml"
        path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
        _, data = _check(path)
        finding = next(f for f in data["findings"] if f["rule"] == "ia.5.2.designee-resignation")
        assert (finding["outcome"], finding.get("missing", [])) == (outcome, missing)
        if outcome == "not_applicable":
            assert finding["figures"]["common.outstanding_after"] == "100,000,000"


def test_a_ban_with_no_exception_names_the_fact_that_would_have_to_be_otherwise():
    code, data = run_json("check", str(BOOK / "scenarios" / "competitor-transfer-2023.yaml"), "--rules", str(BOOK))
    assert code == 1
    assert data["headroom"]["max_quantity"] is None and data["headroom"]["limit"] == "route"
    assert data["headroom"]["cure"] == [
        "not so: the transferee is a Competitor (Section 1.1) (it is yes; IA 4.2 applies only while it is yes)"]
