"""The malformed-rulebook corpus (tests/fuzz/rulebooks.py) against load_rulebook and `clausewise lint`.

Every mutation is a copy of a bundled rulebook with one change in one file, classified from the
rulebook format alone before it is loaded: `fail` (must be refused), `may-pass` (may still be a
valid rulebook) or `pass` (a control: the file written back unchanged). Each copy is loaded
in-process; a subset also through the real command line. Whatever the outcome:
- nothing but InputError is raised (no crash), within a bounded time;
- a `fail` mutation is refused, a `pass` one loads;
- a refusal lists problems, each one line `file:line: category: message`, each naming a file of
  the rulebook and its line wherever that file has lines (and at least one such problem).

Reproduce one mutation: python tests/fuzz/rulebooks.py --write ID DIR; clausewise lint DIR.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clitools import CLI

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _load_corpus_module():
    spec = importlib.util.spec_from_file_location("fuzz_rulebooks", HERE / "fuzz" / "rulebooks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_rulebooks"] = module
    spec.loader.exec_module(module)
    return module


fuzz = _load_corpus_module()
MUTATIONS = fuzz.corpus()
BY_ID = {m.id: m for m in MUTATIONS}
INDEX = {m.id: i for i, m in enumerate(MUTATIONS)}
LOAD_SECONDS = 10  # one load, in-process, on a loaded 2-core machine (a kestrel copy takes ~20 ms, icg ~130 ms)


def _cli_subset() -> list:
    """The mutations also run through `clausewise lint`: the first of each category for each base,
    and two that may pass (so lint also compiles and reads the folder's scenarios)."""
    chosen, seen = [], set()
    for m in MUTATIONS:
        if (m.base, m.category) not in seen and m.expect != fuzz.PASS:
            seen.add((m.base, m.category))
            chosen.append(m)
    chosen += [m for m in MUTATIONS if m.expect == fuzz.MAY and m.base == "kestrel-2021"][:2]
    return chosen


CLI_SUBSET = _cli_subset()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-rulebooks")


def test_the_corpus_is_large_seeded_and_covers_every_category():
    assert len(MUTATIONS) >= 500
    assert len(BY_ID) == len(MUTATIONS)  # ids are unique
    assert sum(m.base == "kestrel-2021" for m in MUTATIONS) > sum(m.base == "icg-2000" for m in MUTATIONS) > 100
    categories = {m.category for m in MUTATIONS}
    assert categories >= {"delete-key", "wrong-type", "empty-list", "unknown-key", "dangling-reference",
                          "percent-range", "non-positive-price", "short-quote", "reserved-group", "duplicate-id",
                          "invalid-yaml", "empty-file", "trivial-condition", "bad-number", "control"}
    files = {(m.base, m.file) for m in MUTATIONS}
    for base in fuzz.BASES:
        for name in fuzz.SPECIAL_FILES:
            assert (base, name) in files
    assert {m.expect for m in MUTATIONS} == {fuzz.FAIL, fuzz.MAY, fuzz.PASS}
    again = fuzz.corpus()
    assert [(m.id, m.content) for m in again] == [(m.id, m.content) for m in MUTATIONS]


def test_the_harness_reports_what_it_must(tmp_path):
    """The checks below can fail: a refusal without a line, a must-fail mutation that loads, a crash."""
    from clausewise.errors import Problem

    must = next(m for m in MUTATIONS if m.expect == fuzz.FAIL and m.category == "wrong-type")
    folder = fuzz.materialize(must, tmp_path / "one")
    assert fuzz.Outcome(must, "loaded", 0.01, []).faults(folder)
    assert fuzz.Outcome(must, "crashed", 0.01, [], "TypeError: x").faults(folder)
    lineless = Problem(str(folder / must.file), None, "wrong-type", "no line")
    assert fuzz.Outcome(must, "refused", 0.01, [lineless]).faults(folder)
    outside = Problem("/elsewhere/x.yaml", 3, "wrong-type", "outside")
    assert fuzz.Outcome(must, "refused", 0.01, [outside]).faults(folder)
    assert fuzz.Outcome(must, "refused", 0.01, []).faults(folder)
    located = Problem(str(folder / must.file), 3, "wrong-type", "here")
    assert fuzz.Outcome(must, "refused", 0.01, [located]).faults(folder) == []


@pytest.mark.parametrize("mutation_id", list(BY_ID))
def test_each_mutated_rulebook_is_refused_on_its_line_or_loads(mutation_id, workdir):
    mutation = BY_ID[mutation_id]
    folder = fuzz.materialize(mutation, workdir / f"m{INDEX[mutation_id]}")
    outcome = fuzz.run_one(mutation, folder)
    faults = outcome.faults(folder)
    assert outcome.seconds < LOAD_SECONDS, f"{outcome.seconds:.1f} s"
    assert not faults, f"{mutation_id} [{mutation.expect}]: " + " | ".join(faults) + (
        f"\nreproduce: python tests/fuzz/rulebooks.py --write '{mutation_id}' DIR && clausewise lint DIR")


@pytest.mark.parametrize("mutation_id", [m.id for m in CLI_SUBSET])
def test_lint_on_the_command_line_agrees(mutation_id, workdir):
    from clausewise.errors import InputError
    from clausewise.rulebook import load_rulebook

    mutation = BY_ID[mutation_id]
    folder = fuzz.materialize(mutation, workdir / f"cli{INDEX[mutation_id]}")
    start = time.perf_counter()
    result = subprocess.run(CLI + ["lint", str(folder)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert time.perf_counter() - start < 120
    assert "Traceback" not in result.stderr + result.stdout
    assert "internal error" not in result.stderr
    assert result.returncode in (0, 2), result.stderr
    lines = result.stderr.splitlines()
    for line in lines:
        assert fuzz.PROBLEM.match(line), f"not file:line: category: message: {line!r}"
    if mutation.expect == fuzz.FAIL:
        assert result.returncode == 2 and result.stdout == "" and lines
        with pytest.raises(InputError) as info:
            load_rulebook(folder)
        assert [str(p) for p in info.value.problems] == lines
    elif result.returncode == 0:
        assert result.stderr == "" and ": ok: " in result.stdout
