"""Tests for engine/scenario.py: scenario and cap-table files in, validated model objects or exact problems out."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import json
import subprocess
import sys
import pytest
from deal import LIBERTY

from clausewise.errors import InputError, Problem
from clausewise.model import Action, Holding, Party
from clausewise.rulebook import load_rulebook
from clausewise.scenario import load_cap_table, load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
BAD = "tests/bad_inputs/scenarios"
CLOSING = ROOT / "samples" / "captables" / "closing.yaml"


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(ROOT / "rules" / "icg-2000", check_quotes=False)


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    # Bad inputs are named by relative paths, which problems must keep as given.
    monkeypatch.chdir(ROOT)


def problems(name: str, rulebook) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load_scenario(f"{BAD}/{name}", rulebook)
    return info.value.problems


def only(name: str, rulebook) -> Problem:
    found = problems(name, rulebook)
    assert len(found) == 1, found
    return found[0]


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text.replace("CLOSING", str(CLOSING)), encoding="utf-8")
    return path


# --- one test per problem category -----------------------------------------------------------


def test_malformed_yaml_names_its_line(rulebook):
    p = only("malformed-yaml.yaml", rulebook)
    assert (p.file, p.line, p.category) == (f"{BAD}/malformed-yaml.yaml", 7, "yaml")
    assert "malformed YAML" in p.message


def test_missing_cap_table_file_names_the_path(rulebook):
    p = only("missing-cap-table.yaml", rulebook)
    assert (p.file, p.line, p.category) == (f"{BAD}/missing-cap-table.yaml", 3, "missing-file")
    assert p.message == "cap_table: no such file samples/captables/no-such-table.yaml"


def test_unknown_key_suggests_the_known_one_and_is_not_also_a_missing_field(rulebook):
    p = only("unknown-key.yaml", rulebook)
    assert (p.file, p.line, p.category) == (f"{BAD}/unknown-key.yaml", 8, "unknown-key")
    assert "unknown key 'quantitty'" in p.message and "(did you mean 'quantity'?)" in p.message


def test_missing_field(rulebook):
    p = only("missing-field.yaml", rulebook)
    assert (p.file, p.line, p.category, p.message) == (f"{BAD}/missing-field.yaml", 5, "missing-field",
                                                       "action.quantity: missing")


def test_wrong_type_for_a_count_and_for_a_quoted_boolean(rulebook):
    found = problems("wrong-type.yaml", rulebook)
    assert [(p.line, p.category) for p in found] == [(9, "wrong-type"), (11, "wrong-type")]
    assert found[0].message == "action.quantity: expected a whole number of shares >= 1, got 'lots'"
    assert found[1].message == "action.pledge_in_bona_fide_financing: expected true or false, got 'yes'"


@pytest.mark.parametrize("name, shown", [("negative-quantity.yaml", "-5"), ("fractional-quantity.yaml", "2.5")])
def test_negative_or_fractional_share_count_is_a_bad_value(rulebook, name, shown):
    p = only(name, rulebook)
    assert (p.file, p.line, p.category) == (f"{BAD}/{name}", 8, "bad-value")
    assert p.message == f"action.quantity: expected a whole number of shares >= 1, got {shown}"


def test_transferring_more_than_the_holder_holds_is_a_bad_value_naming_both_numbers(rulebook):
    p = only("transfer-more-than-held.yaml", rulebook)
    assert (p.line, p.category) == (9, "bad-value")
    assert "holds 50,000 of series_a1, fewer than the 60,000 to be transferred" in p.message


def test_as_of_before_the_closing_date_is_a_bad_date(rulebook):
    p = only("before-closing.yaml", rulebook)
    assert (p.file, p.line, p.category) == (f"{BAD}/before-closing.yaml", 2, "bad-date")
    assert "as_of: 1999-12-31 is before the rulebook's closing_date 2000-04-10" in p.message


def test_a_date_not_on_the_calendar_is_a_bad_date_not_a_traceback(rulebook):
    p = only("impossible-date.yaml", rulebook)
    assert (p.file, p.line, p.category) == (f"{BAD}/impossible-date.yaml", 2, "bad-date")
    assert "not a calendar date" in p.message


def test_unknown_security(rulebook):
    p = only("unknown-security.yaml", rulebook)
    assert (p.file, p.line, p.category) == (f"{BAD}/unknown-security.yaml", 7, "unknown-security")
    assert "unknown security 'series_a4' (did you mean" in p.message


def test_unknown_holder(rulebook):
    p = only("unknown-holder.yaml", rulebook)
    assert (p.file, p.line, p.category) == (f"{BAD}/unknown-holder.yaml", 6, "unknown-holder")
    assert p.message == ("action.from: 'Liberty Media Corp' is not a holder on the cap table "
                         "(did you mean 'Liberty Media Corporation'?)")


def test_group_that_contradicts_the_cap_table(rulebook):
    p = only("contradiction.yaml", rulebook)
    assert (p.file, p.line, p.category) == (f"{BAD}/contradiction.yaml", 7, "contradiction")
    assert p.message == ("action.to.group: hmtf contradicts the cap table, where Liberty Media Corporation "
                         "is in group liberty")


def test_duplicate_holder_is_reported_in_the_cap_table_file(rulebook):
    p = only("duplicate-holder.yaml", rulebook)
    assert (p.file, p.line, p.category) == (f"{BAD}/captable-duplicate-holder.yaml", 8, "duplicate-id")
    assert "'Liberty Media Corporation' is already listed at line 6" in p.message


def test_all_problems_in_a_file_are_reported_together(rulebook):
    found = problems("three-problems.yaml", rulebook)
    assert [(p.file, p.line, p.category) for p in found] == [
        (f"{BAD}/three-problems.yaml", 6, "missing-field"),
        (f"{BAD}/three-problems.yaml", 13, "bad-value"),
        (f"{BAD}/three-problems.yaml", 14, "wrong-type"),
    ]
    assert "cap_table.holders[0].group: missing for 'Acme Capital LLC'" in found[0].message
    assert "(did you mean 'exempt'?)" in found[1].message


# --- valid inputs ------------------------------------------------------------------------------


def test_valid_market_purchase_with_cap_table_overrides(rulebook, tmp_path):
    path = write(tmp_path, """\
name: Liberty buys 2,000,000 shares of Common Stock in the market (June 2003)
description: An open-market purchase.
as_of: 2003-06-02
cap_table:
  file: CLOSING
  common_outstanding: 52000000
  holders:
    - {name: Liberty Media Corporation, common: 1500000}
action:
  kind: purchase
  buyer: Liberty Media Corporation
  security: common
  quantity: 2000000
  seller: market
""")
    scenario = load_scenario(path, rulebook)
    assert scenario.name.startswith("Liberty buys 2,000,000")
    assert scenario.as_of == date(2003, 6, 2)
    assert scenario.file == str(path)
    assert scenario.action == Action(kind="purchase", security="common", quantity=2_000_000,
                                     acquirer=Party(name=LIBERTY, group="liberty"), seller="market")
    assert scenario.cap_table.common_outstanding == 52_000_000
    assert scenario.cap_table.board_size == 12


def test_cap_table_overrides_merge_by_name_and_add_newcomers(rulebook, tmp_path):
    path = write(tmp_path, """\
name: Overrides
as_of: 2003-06-02
cap_table:
  file: CLOSING
  board_size: 11
  holders:
    - {name: Liberty Media Corporation, common: 1500000, warrants: 0}
    - {name: Acme Capital LLC, group: none, common: 250000}
action: {kind: purchase, buyer: Acme Capital LLC, security: common, quantity: 10, seller: company}
""")
    cap = load_scenario(path, rulebook).cap_table
    closing = load_cap_table(CLOSING, rulebook)
    assert cap.holder(LIBERTY) == Holding(name=LIBERTY, group="liberty", common=1_500_000,
                                          preferred={"series_a1": 50_000}, warrants=0)
    assert cap.holder("Acme Capital LLC") == Holding(name="Acme Capital LLC", group="none", common=250_000)
    assert cap.holders[1:-1] == closing.holders[1:]  # the others are untouched, in order
    assert (cap.board_size, cap.common_outstanding) == (11, closing.common_outstanding)


def test_valid_transfer_to_a_newcomer(rulebook, tmp_path):
    path = write(tmp_path, """\
name: Liberty transfers Series A-1 to an unaffiliated buyer
as_of: 2003-06-02
cap_table: CLOSING
action:
  kind: transfer
  from: Liberty Media Corporation
  to: {name: Acme Capital LLC, group: none, purchaser_affiliate: false, held_common_on_signing_date: false,
       hmtf_parallel_investor: false}
  security: series_a1
  quantity: 10000
  basis: exempt
  permitted_transferee_agreement: true
""")
    action = load_scenario(path, rulebook).action
    assert action == Action(
        kind="transfer", security="series_a1", quantity=10_000,
        acquirer=Party(name="Acme Capital LLC", group="none", attributes={
            "purchaser_affiliate": False, "held_common_on_signing_date": False, "hmtf_parallel_investor": False}),
        seller="holder", transferor=Party(name=LIBERTY, group="liberty"), basis="exempt",
        permitted_transferee_agreement=True, bona_fide_financing=False, rule144_resale_available=None)


def test_transfer_to_the_company_and_purchase_from_a_holder(rulebook, tmp_path):
    to_company = write(tmp_path, """\
name: Warrants back to the Company
as_of: 2003-06-02
cap_table: CLOSING
action: {kind: transfer, from: "HMTF Bridge ICG, LLC", to: company, security: warrant, quantity: 1533334,
         basis: none, pledge_in_bona_fide_financing: true}
""", "to-company.yaml")
    action = load_scenario(to_company, rulebook).action
    assert action.acquirer == Party(name="the Company", group="company", is_company=True)
    assert (action.transferor.group, action.basis, action.bona_fide_financing) == ("hmtf", "none", True)
    from_holder = write(tmp_path, """\
name: Liberty buys Series A-3 from the Gleacher holder
as_of: 2003-06-02
cap_table: CLOSING
action: {kind: purchase, buyer: Liberty Media Corporation, security: series_a3, quantity: 2000,
         seller: Gleacher/ICG Investors LLC}
""", "from-holder.yaml")
    action = load_scenario(from_holder, rulebook).action
    # One event: a purchase from a holder is that holder's transfer.
    assert (action.kind, action.seller, action.transferor) == (
        "transfer", "holder", Party(name="Gleacher/ICG Investors LLC", group="gleacher"))


def test_load_cap_table_reads_the_closing_table_and_checks_holder_keys(rulebook, tmp_path):
    closing = load_cap_table(CLOSING, rulebook)
    assert closing.common_outstanding == 48_582_035
    assert closing.holder(LIBERTY) == Holding(name=LIBERTY, group="liberty", preferred={"series_a1": 50_000},
                                              warrants=6_666_667)
    assert sum(h.preferred.get("series_a2", 0) for h in closing.group("hmtf")) == 23_000
    bad = write(tmp_path, """\
common_outstanding: 100
holders:
  - {name: Acme Capital LLC, group: none, warrant: 5}
""", "table.yaml")
    with pytest.raises(InputError) as info:
        load_cap_table(bad, rulebook, display="table.yaml")
    [p] = info.value.problems
    assert (p.file, p.line, p.category) == ("table.yaml", 3, "unknown-key")
    assert "unknown key 'warrant'" in p.message and "(did you mean 'warrants'?)" in p.message


def test_scenario_from_dict_uses_base_dir_and_reports_without_lines(rulebook):
    data = {"name": "Synthetic", "as_of": date(2004, 1, 5), "cap_table": "closing.yaml",
            "action": {"kind": "purchase", "buyer": {"name": "Acme Capital LLC", "group": "none"},
                       "security": "common", "quantity": 5}}
    scenario = scenario_from_dict(data, rulebook, base_dir=CLOSING.parent)
    assert scenario.action.acquirer == Party(name="Acme Capital LLC", group="none")
    assert scenario.file == "<scenario>"
    data["action"] = {**data["action"], "quantity": 0}
    with pytest.raises(InputError) as info:
        scenario_from_dict(data, rulebook, base_dir=CLOSING.parent)
    assert [(p.file, p.line, p.category) for p in info.value.problems] == [("<scenario>", None, "bad-value")]


# --- the disposition's two questions: contractual route and Securities Act basis ------------------


def _problems_of(path: Path, rulebook) -> list[tuple]:
    with pytest.raises(InputError) as info:
        load_scenario(path, rulebook)
    return [(p.line, p.category, p.message) for p in info.value.problems]


def test_the_old_route_key_is_refused_with_what_replaced_it(rulebook, tmp_path):
    path = write(tmp_path, """\
name: An exempt sale written the old way
as_of: 2001-06-01
cap_table: CLOSING
action:
  kind: transfer
  from: Liberty Media Corporation
  to: {name: Acme Capital LLC, group: none}
  security: series_a1
  quantity: 100
  route: permitted_transferee
""")
    assert _problems_of(path, rulebook) == [(10, "unknown-key",
        "action.route: no longer a key: state the Securities Act basis as `basis` (registered, rule_144, "
        "exempt, none); whether the transfer goes to a Permitted Transferee follows from the transferee "
        "(`to`) and `permitted_transferee_agreement`")]


def test_a_basis_on_a_market_purchase_is_refused(rulebook, tmp_path):
    path = write(tmp_path, """\
name: A market purchase with a transfer's facts
as_of: 2003-06-02
cap_table: CLOSING
action: {kind: purchase, buyer: Liberty Media Corporation, security: common, quantity: 100, seller: market,
         basis: exempt}
""")
    assert _problems_of(path, rulebook) == [(5, "unknown-key",
        "action.basis: applies only to a purchase from a holder (a transfer), not from the market")]


def test_a_basis_outside_the_list_and_an_offer_on_a_non_company_transfer_are_refused(rulebook, tmp_path):
    path = write(tmp_path, """\
name: Two problems
as_of: 2001-06-01
cap_table: CLOSING
action:
  kind: transfer
  from: Liberty Media Corporation
  to: {name: Acme Capital LLC, group: none}
  security: series_a1
  quantity: 100
  basis: rule144
  company_offer: purchase_offer
""")
    assert _problems_of(path, rulebook) == [
        (10, "bad-value", "action.basis: 'rule144' is not one of registered, rule_144, exempt, none "
                          "(did you mean 'rule_144'?)"),
        (11, "unknown-key", "action.company_offer: applies only to a transfer to the Company"),
    ]


def test_a_bound_holder_is_read_from_the_cap_table(rulebook, tmp_path):
    path = write(tmp_path, """\
name: A bound Permitted Transferee sells on
as_of: 2001-06-01
cap_table:
  file: CLOSING
  holders:
    - {name: Parallel Fund LP, group: none, series_a2: 100, permitted_transferee_agreement: true}
action: {kind: transfer, from: Parallel Fund LP, to: {name: Acme Capital LLC, group: none},
         security: series_a2, quantity: 100, basis: none}
""")
    scenario = load_scenario(path, rulebook)
    assert scenario.cap_table.holder("Parallel Fund LP").permitted_transferee_agreement is True
    assert scenario.action.transferor == Party(name="Parallel Fund LP", group="none",
                                               permitted_transferee_agreement=True)


# --- YAML limits: size, nesting and aliases -----------------------------------------------------


@pytest.mark.parametrize("text, fragment", [
    ("a: " + "[" * 41 + "]" * 41, "nested more than 40 levels deep"),
    ("a: " + "[" * 100000 + "]" * 100000, "malformed YAML"),
    ("a: &a [x,x,x,x,x,x,x,x,x]\n" + "\n".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join(["*" + chr(97 + i)] * 9) + "]" for i in range(9)),
     "more than 200,000 values once aliases are expanded"),
    ("a: " + "x" * 2_000_001, "characters; a YAML file may have at most 2,000,000"),
])
def test_a_yaml_file_past_a_limit_is_one_problem_not_a_hang(tmp_path, text, fragment):
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "clausewise", "check", str(path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and fragment in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_yaml_within_the_limits_loads_and_aliases_share_their_value():
    from clausewise.yamlio import load_yaml_text
    data = load_yaml_text("a: " + "[" * 39 + "1" + "]" * 39 + "\nb: &b {x: 1}\nc: *b\n", "ok.yaml")
    assert data["c"] == {"x": 1}


# --- a cap table accounts for every share of a class issued at the closing ---------------------------


def test_a_cap_table_that_leaves_out_series_a_holders_is_refused(tmp_path):
    table = tmp_path / "min.yaml"
    table.write_text("name: Liberty alone\ncommon_outstanding: 48582035\nholders:\n"
                     "  - {name: Liberty Media Corporation, group: liberty, series_a1: 50000, warrants: 6666667}\n",
                     encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "clausewise", "position", "--as-of", "2001-06-01",
                             "--cap-table", str(table)], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr == (
        f"{table}:3: incomplete: holders: the holders listed hold 50,000 shares of series_a, 0 are recorded "
        "converted and 0 retired: 25,000 fewer than the 75,000 issued at the closing. List every holder (the "
        "Company too), or state what became of the rest (series_a_converted, series_a_retired, or a history)\n")


@pytest.mark.parametrize("stated, ok", [({"series_a_retired": 25_000}, True), ({"series_a_converted": 25_000}, True),
                                        ({"series_a_retired": 24_999}, False), ({}, False)])
def test_the_rest_of_the_series_a_may_be_stated_converted_or_retired(rulebook, tmp_path, stated, ok):
    from clausewise.scenario import load_cap_table
    table = tmp_path / "t.yaml"
    table.write_text(json.dumps({"name": "Liberty alone", "common_outstanding": 48582035, "holders": [
        {"name": "Liberty Media Corporation", "group": "liberty", "series_a1": 50000}], **stated}), encoding="utf-8")
    if ok:
        assert load_cap_table(table, rulebook).holders[0].preferred == {"series_a1": 50000}
    else:
        with pytest.raises(InputError) as info:
            load_cap_table(table, rulebook)
        assert [p.category for p in info.value.problems] == ["incomplete"]


def test_a_cap_table_of_more_holders_than_the_limit_is_one_line(rulebook, tmp_path):
    import yaml as _yaml
    from clausewise.scenario import MAX_HOLDERS, load_cap_table
    from clausewise.errors import InputError as _InputError

    data = {"common_outstanding": 10**9,
            "holders": [{"name": f"H{i}", "group": "none", "common": 1} for i in range(MAX_HOLDERS + 1)]}
    path = tmp_path / "big.yaml"
    path.write_text(_yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(_InputError) as caught:
        load_cap_table(path, rulebook)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:2: bad-value: holders: 10,001 holders, more than the 10,000 a cap table may list"]
