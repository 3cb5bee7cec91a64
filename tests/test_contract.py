"""The JSON contract: every verb's --format json output, for every sample, validates against the
pydantic model that states it and against the published JSON Schema file generated from it; the
committed schema files are what the models generate; numbers are numbers; one name for one
thing; errors come as JSON too."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from clitools import ROOT, run
from clausewise import SCHEMA_VERSION, contract
from clausewise.evaluate import evaluate, headroom
from clausewise.render import check_json, decimal_text, render_json, vote_json
from clausewise.scenario import load_scenario
from deal import SCENARIOS

KESTREL = ROOT / "rules" / "kestrel-2021"


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((contract.SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


VALIDATORS = {name: _validator(name) for name in contract.MODELS}


def conforms(name: str, data: dict) -> None:
    """`data` is what the contract says verb `name` writes: by its model and by its schema file."""
    contract.MODELS[name].model_validate(data)
    errors = sorted(VALIDATORS[name].iter_errors(data), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert data["schema_version"] == SCHEMA_VERSION


def _keys(data) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in _keys(v)}
    if isinstance(data, list):
        return {k for v in data for k in _keys(v)}
    return set()


def test_the_published_schemas_are_what_the_models_generate():
    assert contract.main([]) == 0, "run: .venv/bin/python -m clausewise.contract --write"


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_check_and_vote_json_of_every_sample_conform(rulebook, path):
    scenario = load_scenario(path, rulebook)
    result = evaluate(rulebook, scenario)
    room = None
    if scenario.action.trades_securities and result.blocked:
        room = headroom(rulebook, scenario, upper=scenario.action.quantity)
    for name, data in (("check", check_json(rulebook, result, room)), ("vote", vote_json(rulebook, result))):
        data = json.loads(render_json(data))  # as written
        conforms(name, data)
        assert "max_shares" not in _keys(data)


def test_the_commands_write_json_that_conforms(tmp_path):
    for name, args in [("check", ["check", SCENARIOS / "liberty-buys-2m-2003.yaml", "--explain"]),
                       ("vote", ["vote", SCENARIOS / "approval-merger-non-qt-cayman.yaml"]),
                       ("position", ["position", "--as-of", "2003-06-02"]),
                       ("position", ["position", "--as-of", "2000-04-10"]),
                       ("headroom", ["headroom", "--holder", "liberty", "--as-of", "2001-06-04"]),
                       ("headroom", ["headroom", "--holder", "hmtf", "--as-of", "2002-04-04"]),
                       ("headroom", ["headroom", "--holder", "liberty", "--as-of", "2005-04-10"]),
                       ("check", ["check", KESTREL / "scenarios" / "competitor-transfer-2023.yaml", "--rules", KESTREL])]:
        result = run(*args, "--format", "json")
        assert result.stderr == "", result.stderr
        data = json.loads(result.stdout)
        conforms(name, data)
        assert "max_shares" not in _keys(data)


def test_the_largest_quantity_has_one_name_in_check_and_headroom():
    check = json.loads(run("check", SCENARIOS / "liberty-buys-2m-2003.yaml", "--format", "json").stdout)
    room = json.loads(run("headroom", "--holder", "liberty", "--as-of", "2003-06-02", "--instrument",
                          "purchase-agreement=in_force", "--format", "json").stdout)
    assert check["headroom"]["max_quantity"] == room["max_quantity"] == 1_964_341
    position = json.loads(run("position", "--as-of", "2000-04-10", "--format", "json").stdout)
    at_closing = json.loads(run("headroom", "--holder", "liberty", "--as-of", "2000-04-10", "--format", "json").stdout)
    assert position["groups"]["liberty"]["standstill"]["max_quantity"] == at_closing["max_quantity"] == 1_964_341
    assert {"max_shares", "headroom_shares"}.isdisjoint(_keys(position) | _keys(at_closing) | _keys(check))


def test_figures_are_data_as_well_as_display(rulebook):
    data = json.loads(run("check", SCENARIOS / "liberty-buys-2m-2003.yaml", "--format", "json").stdout)
    finding = next(f for f in data["findings"] if f["rule"] == "pa.6.6a.liberty-standstill")
    values = finding["values"]
    assert values["standstill.shares_after"] == {"value": 35_208_264, "unit": "shares"}
    assert values["standstill.denominator_after"] == {"value": 95_061_097, "unit": "shares"}
    pct = values["standstill.pct_after"]
    assert pct["unit"] == "percent" and Fraction(pct["exact"]) == Fraction(100 * 35_208_264, 95_061_097)
    assert pct["value"] == "37.037510728495"  # rounded to 12 places; `exact` is the fraction
    assert values["transfer.within_group"] == {"value": False, "unit": "bool"}
    assert finding["figures"]["standstill.pct_after"] == "37.0375%"  # the display form stays for people


@pytest.mark.parametrize("value, text, exact", [
    (Fraction(37), "37", None), (Fraction(3701, 100), "37.01", None), (Fraction(1, 8), "0.125", None),
    (Fraction(1, 3), "0.333333333333", "1/3"), (Fraction(2, 3), "0.666666666667", "2/3"),
    (Fraction(-1, 3), "-0.333333333333", "-1/3"), (Fraction(1, 2 * 10 ** 12), "0.0000000000005", None),
    (Fraction(1, 6 * 10 ** 12), "0.000000000000", "1/6000000000000"),  # half to even: 0.1666...e-12 rounds down
    (Fraction(25, 3 * 10 ** 13), "0.000000000001", "1/1200000000000"),  # 0.8333...e-12 rounds up
])
def test_decimal_strings_are_exact_where_the_number_has_a_finite_expansion(value, text, exact):
    assert decimal_text(value) == (text, exact)


@pytest.mark.parametrize("args, field, category, suggestion", [
    (["check", "nosuch.yaml"], None, "missing-file", None),
    (["check", SCENARIOS / "liberty-buys-2m-2003.yaml", "--rules", "/nonexistent"], None, "missing-file", None),
    (["headroom", "--holder", "libery", "--as-of", "2003-06-02"], "--holder", "unknown-holder", "liberty"),
    (["check"], None, "bad-argument", None),
])
def test_errors_come_as_json_when_json_is_asked(args, field, category, suggestion):
    result = run(*args, "--format", "json")
    assert result.returncode == 2 and result.stderr == ""
    data = json.loads(result.stdout)
    conforms("error", data)
    assert len(data["errors"]) == 1
    error = data["errors"][0]
    assert (error["field"], error["category"], error["suggestion"]) == (field, category, suggestion)


def test_a_bad_scenario_in_json_names_file_line_field_and_the_likely_value(tmp_path):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("name: x\nas_of: 2003-06-01\ncap_table: " + str(SCENARIOS.parent / "captables" / "closing.yaml")
                        + "\naction: {kind: purchse, buyer: Liberty Media Corporation, security: common, quantity: 5}\n",
                        encoding="utf-8")
    result = run("check", scenario, "--format", "json")
    assert result.returncode == 2
    data = json.loads(result.stdout)
    conforms("error", data)
    assert [(e["file"], e["line"], e["field"], e["category"], e["suggestion"]) for e in data["errors"]] == [
        (str(scenario), 4, "action.kind", "bad-value", "purchase")]
    text = run("check", scenario)  # the same problem, one line, for a person
    assert text.stdout == "" and text.stderr.startswith(f"{scenario}:4: bad-value: action.kind: 'purchse'")
