"""The runtime: evaluation is pure and portable, rulesets are partitioned under durable's limits,
compiled once per content, the fast path for other action kinds matches durable, headroom is
solved from the measures and confirmed by the engine, and JSON is compact unless asked."""

from __future__ import annotations

import copy
import json
import pickle
import shutil
import subprocess
import sys
import textwrap
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from clausewise import compiler
from clausewise import evaluate as ev
from clausewise.evaluate import compiled, evaluate, headroom
from clausewise.explain import explanation
from clausewise.paths import default_rulebook, samples_dir
from clausewise.render import check_json, render_json
from clausewise.rulebook import load_rulebook
from clausewise.scenario import load_cap_table, load_scenario
from clausewise.position import market_purchase

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((samples_dir() / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(default_rulebook())


def _report(rulebook, scenario) -> str:
    return render_json(check_json(rulebook, evaluate(rulebook, scenario), None))


# --- pure and portable ------------------------------------------------------------------------

PICKLE_SCRIPT = textwrap.dedent("""
    import pickle, sys
    from clausewise.paths import default_rulebook
    from clausewise.rulebook import load_rulebook
    with open(sys.argv[1], "wb") as handle:
        pickle.dump(load_rulebook(default_rulebook()), handle)
""")

UNPICKLE_SCRIPT = textwrap.dedent("""
    import json, pickle, sys
    from clausewise.evaluate import evaluate
    from clausewise.render import check_json, render_json
    from clausewise.scenario import load_scenario
    with open(sys.argv[1], "rb") as handle:
        rulebook = pickle.load(handle)
    out = {path: render_json(check_json(rulebook, evaluate(rulebook, load_scenario(path, rulebook)), None))
           for path in sys.argv[2:]}
    print(json.dumps(out))
""")


def test_a_pickled_rulebook_evaluates_in_a_fresh_process_as_in_this_one(rulebook, tmp_path):
    target = tmp_path / "rulebook.pickle"
    subprocess.run([sys.executable, "-c", PICKLE_SCRIPT, str(target)], check=True, cwd=ROOT, timeout=120)
    paths = [str(p) for p in SCENARIOS]
    proc = subprocess.run([sys.executable, "-c", UNPICKLE_SCRIPT, str(target), *paths], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-600:]
    theirs = json.loads(proc.stdout)
    assert len(theirs) == len(SCENARIOS) > 30
    for path in paths:
        assert theirs[path] == _report(rulebook, load_scenario(path, rulebook)), path


def test_a_rulebook_pickles_after_it_has_been_evaluated(rulebook):
    evaluate(rulebook, load_scenario(SCENARIOS[0], rulebook))
    assert "_engine" not in vars(rulebook)
    again = pickle.loads(pickle.dumps(rulebook))
    assert again == rulebook


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_evaluation_mutates_neither_its_inputs_nor_earlier_results(rulebook, path):
    scenario = load_scenario(path, rulebook)
    book_before, scenario_before = copy.deepcopy(rulebook), copy.deepcopy(scenario)
    attributes, cap_attributes = set(vars(rulebook)), set(vars(scenario.cap_table))
    first = evaluate(rulebook, scenario)
    first_findings = copy.deepcopy(first.findings)
    first_facts = copy.deepcopy(first.facts)
    if scenario.action.trades_securities:
        headroom(rulebook, scenario, upper=max(2, scenario.action.quantity))
    second = evaluate(rulebook, scenario)
    assert first.findings == first_findings and first.facts == first_facts  # run 1 untouched by run 2
    assert second.findings == first.findings and second.facts == first.facts
    assert [f.to_json() for f in second.findings] == [f.to_json() for f in first_findings]
    assert rulebook == book_before and set(vars(rulebook)) == attributes
    assert scenario == scenario_before and set(vars(scenario.cap_table)) == cap_attributes  # no cache kept on it


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_explanations_are_rendered_from_the_data_a_finding_carries(rulebook, path):
    result = evaluate(rulebook, load_scenario(path, rulebook))
    for finding in result.findings:
        assert "explanation" not in vars(finding)  # never stored: rendered from `because`
        data = json.loads(json.dumps(finding.because))  # plain data, as JSON carries it
        assert data == finding.because
        assert explanation(data, finding.words) == finding.explanation != ""  # the documents' terms
        assert explanation(data) == finding.trace_explanation != ""  # code names, for --explain
        assert finding.to_json()["because"] == data


def test_a_breach_records_the_facts_compared_the_threshold_and_the_exceptions_tried(rulebook):
    result = evaluate(rulebook, load_scenario(samples_dir() / "scenarios" / "liberty-buys-2m-2003.yaml", rulebook))
    because = result.by_rule("pa.6.6a.liberty-standstill").because
    assert because["kind"] == "breach"
    assert because["values"]["standstill.pct_after"].endswith("%")
    assert [t["id"] for t in because["tried"]] == [e.id for e in rulebook.rule("pa.6.6a.liberty-standstill").exceptions]
    assert all(t["holds"] is False for t in because["tried"])
    compared = result.by_rule("pa.6.6a.liberty-standstill").comparisons
    assert compared[0]["fact"] == "standstill.pct_after" and compared[0]["value"] == "37.0000%"
    assert compared[0]["holds"] is True


# --- the fast path for rules of other action kinds ------------------------------------------------


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_rules_of_other_action_kinds_decided_without_durable_match_durable(rulebook, path):
    scenario = load_scenario(path, rulebook)
    fast = evaluate(rulebook, scenario)
    slow = evaluate(rulebook, scenario, shortcut=False)
    assert [f.to_json() for f in fast.findings] == [f.to_json() for f in slow.findings]
    assert fast.approvals == slow.approvals
    decided, posts = compiled(rulebook).posts(fast.facts)
    assert decided  # every sample action is of a kind some rules do not apply to
    posted = [p.indexes[int(fact["t"][1:])] for p, batch in posts for fact in batch]
    assert set(posted).isdisjoint(decided)  # a rule decided in Python is not posted as well
    assert sorted(posted + list(decided)) == list(range(len(rulebook.rules)))


# --- partitions, at five times today's size ---------------------------------------------------------

COPIES = 5


def _cloned_rulebook(tmp: Path) -> Path:
    """The ICG rulebook with every rule cloned COPIES times under a new id; the standstill clones
    get thresholds of their own (the cap minus 1, 2, ... points)."""
    folder = tmp / "icg-cloned"
    shutil.copytree(default_rulebook(), folder)
    manifest = yaml.safe_load((folder / "rulebook.yaml").read_text(encoding="utf-8"))
    for name in manifest["rule_files"]:
        rules = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
        out = list(rules)
        for k in range(1, COPIES + 1):
            for rule in rules:
                clone = copy.deepcopy(rule)
                clone["id"] = f"{rule['id']}.copy{k}"
                cond = clone.get("condition")
                if isinstance(cond, dict) and cond.get("fact") == "standstill.pct_after":
                    cond["value"] = max(cond["value"] - k, 0)  # a percentage is from 0 to 100 (lint)
                out.append(clone)
        (folder / name).write_text(yaml.safe_dump(out, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def cloned(rulebook, tmp_path_factory):
    return load_rulebook(_cloned_rulebook(tmp_path_factory.mktemp("cloned")))


def test_the_cloned_rulebook_is_partitioned_under_durables_limits(rulebook, cloned):
    assert len(cloned.rules) == (COPIES + 1) * len(rulebook.rules) >= 150
    engine = compiled(cloned).build()
    covered = sorted(i for p in engine.partitions for i in p.indexes)
    assert covered == list(range(len(cloned.rules)))  # every rule in exactly one partition
    for partition in engine.partitions:
        assert 1 <= len(partition.indexes) <= compiler.PARTITION_RULES
        assert len({cloned.rules[i].actions for i in partition.indexes}) == 1  # one set of action kinds
        # One guard per rule under the ruleset's root (durable hangs at 512 successors of a node),
        # at most MAX_PARTS durable rules under each guard, and facts well under 255 properties.
        rules = {name for name in partition.actions}
        assert len(rules) + 1 <= compiler.PARTITION_RULES * compiler.MAX_PARTS + 1 < 511  # with the catch-all
        assert len({name.split("_")[0] for name in rules}) == len(partition.indexes)
        assert max(len(names) for names in partition.fields) + 3 <= compiler.PROPERTY_BUDGET
    assert len(engine.partitions) > len({r.actions for r in rulebook.rules})  # some groups were cut


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_clone_decides_as_its_original_on_every_sample(rulebook, cloned, path):
    original = evaluate(rulebook, load_scenario(path, rulebook))
    for shortcut in (True, False):
        result = evaluate(cloned, load_scenario(path, cloned), shortcut=shortcut)
        by_id = {f.rule: f for f in result.findings}
        for finding in original.findings:
            for k in range(COPIES + 1):
                clone = by_id[finding.rule if k == 0 else f"{finding.rule}.copy{k}"]
                if "standstill" in finding.rule and k:
                    continue  # its own threshold: checked below
                assert clone.outcome == finding.outcome, (clone.rule, path.name)
                assert clone.comparisons == finding.comparisons


def test_standstill_clones_decide_by_their_own_thresholds(cloned):
    # Liberty at 37.9157% after buying 2,000,000 shares in June 2003: above 37 and every clone's
    # lower cap (36, 35, ...), so each clone is a violation; after 1,000,000 shares Liberty is at
    # about 35.6%, above the caps 35 and below but not 36 and 37.
    scenario = load_scenario(samples_dir() / "scenarios" / "liberty-buys-2m-2003.yaml", cloned)
    for quantity in (2_000_000, 1_000_000):
        result = evaluate(cloned, ev.with_quantity(scenario, quantity))
        pct = Fraction(result.facts["standstill.pct_after"])
        for k in range(COPIES + 1):
            rule = "pa.6.6a.liberty-standstill" + (f".copy{k}" if k else "")
            cap = 37 - k
            assert result.by_rule(rule).outcome == ("violation" if pct > cap else "permitted"), (rule, pct)
        assert {result.by_rule("pa.6.6a.liberty-standstill" + (f".copy{k}" if k else "")).outcome
                for k in range(COPIES + 1)} == ({"violation"} if quantity == 2_000_000 else {"violation", "permitted"})


# --- compile once per content ------------------------------------------------------------------------


def test_loading_the_same_folder_twice_does_not_compile_again(rulebook):
    scenario_path = samples_dir() / "scenarios" / "liberty-buys-2m-2003.yaml"
    evaluate(rulebook, load_scenario(scenario_path, rulebook))
    rulesets = dict(compiler._RULESETS)
    again = load_rulebook(default_rulebook())
    assert again is not rulebook and compiled(again) is compiled(rulebook)
    evaluate(again, load_scenario(scenario_path, again))
    assert compiler._RULESETS == rulesets  # no durable ruleset created
    names = [p.name for p in compiled(rulebook).build().partitions]
    assert all(name.startswith("clausewise_") and len(name) == len("clausewise_") + 16 for name in names)
    assert len(set(names)) == len(names)


def test_a_rulebook_is_compiled_on_its_first_evaluation_not_when_loaded(tmp_path):
    folder = tmp_path / "icg-lazy"
    shutil.copytree(default_rulebook(), folder)
    path = folder / "purchase-agreement.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("value: 37}", "value: 36.5}"), encoding="utf-8")
    before = len(compiler._compiled)
    book = load_rulebook(folder)
    assert len(compiler._compiled) == before
    result = evaluate(book, load_scenario(samples_dir() / "scenarios" / "liberty-buys-1m-2003.yaml", book))
    assert len(compiler._compiled) == before + 1
    assert result.by_rule("pa.6.6a.liberty-standstill").comparisons[0]["value"] == "36.5000%"


# --- headroom: solved from the measures, confirmed by the engine -------------------------------------


def _cases(rulebook):
    cap = load_cap_table(samples_dir() / "captables" / "closing.yaml", rulebook)
    from datetime import date
    for group in ("liberty", "hmtf", "gleacher"):
        for day in (date(2000, 4, 10), date(2001, 9, 28), date(2002, 4, 3)):
            yield market_purchase(rulebook, cap, group, day), None
    scenario = load_scenario(samples_dir() / "scenarios" / "liberty-buys-2m-2003.yaml", rulebook)
    yield scenario, scenario.action.quantity


def test_headroom_is_solved_from_the_measures_and_agrees_with_a_search(rulebook):
    calls = []
    for scenario, upper in _cases(rulebook):
        hi = upper or scenario.cap_table.common_outstanding
        room = headroom(rulebook, scenario, upper=upper)
        assert room.limit == "size" and room.max_quantity is not None
        solved = ev._solve(rulebook, scenario, evaluate(rulebook, ev.with_quantity(scenario, 1)).facts, hi)
        searched = ev.bisect_quantity(rulebook, scenario, 1, hi)
        assert solved == searched == room.max_quantity, scenario.name
        ok, over = room.proof  # the engine at N and N+1
        assert not ok.blocked and over.blocked
        assert ok.scenario.action.quantity == room.max_quantity
        assert over.scenario.action.quantity == room.max_quantity + 1
        calls.append(room.max_quantity)
    assert len(set(calls)) >= 3


def test_headroom_takes_a_handful_of_engine_runs_not_a_search(rulebook, monkeypatch):
    runs = []
    real = compiler.CompiledRulebook.evaluate

    def counted(self, facts, shortcut=True):
        runs.append(facts.get("action.quantity"))
        return real(self, facts, shortcut)

    monkeypatch.setattr(compiler.CompiledRulebook, "evaluate", counted)
    for scenario, upper in _cases(rulebook):
        runs.clear()
        room = headroom(rulebook, scenario, upper=upper)
        assert room.max_quantity in runs and room.max_quantity + 1 in runs
        assert len(runs) <= 6, (scenario.name, runs)  # a bisection over 30M shares takes 26-30


def test_fit_recovers_a_ratio_of_linear_measures_exactly():
    def f(x):
        return Fraction(100 * (1_000_000 + x), 26_000_000 + 3 * x)

    a, b, e = ev._fit([(x, f(x)) for x in (1, 2, 30_000_000)])
    assert all((a + b * x) / (1 + e * x) == f(x) for x in (0, 7, 123_456, 29_999_999))
    assert ev._fit([(x, Fraction(1000 + 3 * x)) for x in (1, 2, 9)]) == (1000, 3, 0)  # a share count


# --- output ------------------------------------------------------------------------------------------


def test_json_is_compact_unless_pretty_is_asked():
    command = [sys.executable, "-m", "clausewise", "check", "samples/scenarios/liberty-buys-2m-2003.yaml",
               "--format", "json"]
    compact = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    pretty = subprocess.run(command + ["--pretty"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert compact.returncode == pretty.returncode == 1
    assert compact.stdout.count("\n") == 1 and pretty.stdout.count("\n") > 100
    assert pretty.stdout.startswith('{\n  "schema_version": "1.0",\n  "scenario": {')
    assert json.loads(compact.stdout) == json.loads(pretty.stdout)


# --- YAML -------------------------------------------------------------------------------------------


def test_the_yaml_loader_keeps_lines_aliases_and_refuses_a_recursive_node():
    from clausewise.errors import InputError
    from clausewise.yamlio import load_yaml_text

    data = load_yaml_text("a: &x\n  b: 1.50\n  c: 2000-04-10\nd: *x\ne: [1, 2]\n", "t.yaml")
    assert data["a"] is data["d"] and data["a"]["b"] == Decimal("1.50")
    assert data.line_of("d") == 4 and data["a"].line_of("c") == 3 and data["e"].line == 5
    with pytest.raises(InputError, match=r"t.yaml:1: yaml: malformed YAML: found unconstructable recursive node"):
        load_yaml_text("&a [*a]\n", "t.yaml")
    with pytest.raises(InputError, match=r"t.yaml:2: yaml: malformed YAML: duplicate key 'a'"):
        load_yaml_text("a: 1\na: 2\n", "t.yaml")
    with pytest.raises(InputError, match=r"t.yaml:1: bad-date: '2000-02-30' is not a calendar date"):
        load_yaml_text("d: 2000-02-30\n", "t.yaml")
