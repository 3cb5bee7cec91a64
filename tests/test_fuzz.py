"""Issue 10, the input side: no malformed scenario, cap table or argument can crash, hang, exhaust
memory or pass as compliant.

The corpus (tests/fuzz/make_corpus.py, seeded: the same cases on every run) breaks the bundled
scenarios and cap tables one key or one value at a time, writes YAML that YAML should refuse, names
folders, devices and pipes as files, and feeds every verb garbage arguments. Every case runs
in-process through clausewise.cli.main (fast: the rulebook is loaded once) with a time budget; a
spread of about a hundred runs again as real processes under a memory limit and a timeout, to show
end to end that nothing hangs or blows up.

For each case:
- the exit code is one the case allows (2 for bad input; 0 or 1 only where the changed input is
  still a valid one, see make_corpus.py); never 3 (an engine failure), never an exception out of
  main() (a traceback);
- nothing on stdout or stderr says "Traceback";
- every line on stderr is `file:line: category: message` (or `file: category: message` for a
  file-level problem) naming a file of the case, an argument (`--as-of: ...`) or the verb
  (`clausewise convert: ...`), or argparse's `clausewise VERB: error: ...`; with --format json the
  errors are JSON on stdout instead; a case whose problem is inside a file names its line;
- no value is echoed whole: a case's poison text (thousands of characters) appears at most as an
  excerpt;
- --out is written whole or not at all: on bad input the file keeps what it had (or is not
  created) and no temporary file is left beside it.

`python tests/fuzz/make_corpus.py --summary` prints the counts per category.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fuzz"))
import make_corpus  # noqa: E402
from clitools import CLI, ROOT  # noqa: E402

IN_PROCESS_BUDGET = 20.0  # seconds a case may take in-process (a generous bound: most take 0.03)
SUBPROCESS_TIMEOUT = 60.0  # seconds a real process may take
MEMORY_LIMIT = 1536 * 2**20  # RLIMIT_AS of a real process: 1.5 GB

PROBLEM = re.compile(r"^(?P<file>.+?)(?::(?P<line>\d+))?: (?P<category>[a-z][a-z0-9-]*): (?P<message>.+)$")
ARGPARSE = re.compile(r"^clausewise(?: [a-z]+)?: error: .+$")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


class _OverBudget(BaseException):
    """Raised by the timer in a case that takes too long (a BaseException: main's catch-all of
    Exception must not swallow it)."""


def _on_alarm(signum, frame):  # noqa: ARG001 - signal handler
    raise _OverBudget()


def run_in_process(argv: list[str], budget: float = IN_PROCESS_BUDGET
                   ) -> tuple[int | None, str, str, float, str | None]:
    """clausewise.cli.main(argv) with stdout and stderr captured: (code, stdout, stderr, seconds,
    what escaped main() if anything did)."""
    from clausewise.cli import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace", write_through=True)
    err = io.StringIO()
    escaped = None
    code = None
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, budget)
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
    except _OverBudget:
        escaped = f"over the {budget:.0f} s budget"
    except SystemExit as exc:
        escaped = f"SystemExit({exc.code})"
    except BaseException as exc:  # noqa: BLE001 - any exception out of main() is a traceback
        escaped = f"{type(exc).__name__}: {str(exc)[:300]}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    elapsed = time.perf_counter() - start
    out.flush()
    stdout = out.buffer.getvalue().decode("utf-8", errors="backslashreplace")
    return code, stdout, err.getvalue(), elapsed, escaped


def _limits() -> None:  # in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    os.setsid()


def run_subprocess(argv: list[str], cwd: Path) -> tuple[int | None, str, str, float, str | None]:
    env = dict(os.environ, COLUMNS="100")
    env.pop("CLAUSEWISE_TRACEBACK", None)
    start = time.perf_counter()
    proc = subprocess.Popen(CLI + argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, preexec_fn=_limits)
    try:
        out, err = proc.communicate(timeout=SUBPROCESS_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return None, "", "", time.perf_counter() - start, f"hung: killed after {SUBPROCESS_TIMEOUT:.0f} s"
    escaped = None
    if proc.returncode < 0:
        escaped = f"killed by signal {-proc.returncode}"
    return (proc.returncode, out.decode("utf-8", "backslashreplace"), err.decode("utf-8", "backslashreplace"),
            time.perf_counter() - start, escaped)


def check(case: make_corpus.Case, folder: Path, result) -> list[str]:
    """What is wrong with one run of one case (an empty list: nothing)."""
    code, stdout, stderr, elapsed, escaped = result
    wrong = []
    if escaped is not None:
        return [f"escaped main(): {escaped}"]
    if code not in case.expect:
        wrong.append(f"exit code {code}, expected {sorted(case.expect)}")
    for name, text in (("stdout", stdout), ("stderr", stderr)):
        if "Traceback" in text:
            wrong.append(f"a traceback on {name}")
    if case.poison:
        run = case.poison[:80] if len(case.poison) > 80 else case.poison
        if run in stdout + stderr and code == 2:
            wrong.append("the poison value echoed past an excerpt")
    as_json = any(a == "json" for a in case.argv) and "--format" in " ".join(case.argv)
    lines = [line for line in stderr.splitlines() if line]
    if code == 2 and as_json and not stderr:
        try:
            errors = json.loads(stdout)["errors"]
            lines = [f"{e['file']}{':' + str(e['line']) if e['line'] else ''}: {e['category']}: {e['message']}"
                     for e in errors]
        except (ValueError, KeyError, TypeError) as exc:
            wrong.append(f"--format json: bad input is not JSON errors ({exc})")
    if code == 2 and not lines and not (case.argv and case.argv[0] in ("--help", "-h")):
        if not (code in case.expect and not case.argv):  # `clausewise` alone prints the help
            wrong.append("exit code 2 with nothing said")
    from clausewise.errors import one_line

    where = (str(folder), str(ROOT), "/", "--", "clausewise ", "lint PATH",
             *(one_line(a) for a in case.materialize_argv(folder) if a and not a.startswith("-")))
    with_line = False
    for line in lines:
        if len(line) > 2000:
            wrong.append(f"a line of {len(line):,} characters")
            continue
        if ARGPARSE.match(line):
            continue
        found = PROBLEM.match(line)
        if found is None:
            if code == 2:
                wrong.append(f"not file:line: category: message: {line[:200]!r}")
            continue
        named = found["file"]
        if not named.startswith(where) and not os.path.abspath(named).startswith(where):
            wrong.append(f"does not name a file of the case: {line[:200]!r}")
        with_line = with_line or found["line"] is not None
    if case.line and code == 2 and lines and not with_line:
        wrong.append(f"no line number: {lines[0][:200]!r}")
    if case.out is not None:
        target = folder / case.out
        if code == 2:
            if case.out_before is None and target.exists() and target.is_file():
                wrong.append("--out written on bad input")
            elif case.out_before is not None and target.read_bytes() != case.out_before:
                wrong.append("--out changed on bad input")
        folder_of = target.parent
        leftovers = [p.name for p in folder_of.glob(f".{target.name[:100]}.*.tmp")] if folder_of.is_dir() else []
        if leftovers:
            wrong.append(f"temporary files left: {leftovers}")
    return wrong


@pytest.fixture(scope="module")
def rulebooks_loaded_once():
    """In-process, each rulebook is loaded once for all the cases (the rulebook is not what this
    corpus breaks, and loading it is most of a cold command): clausewise.cli._rulebook memoised
    by its path for the module, and restored after."""
    from clausewise import cli

    original, loaded = cli._rulebook, {}

    def once(path):
        key = None if path is None else str(path)
        if key not in loaded:
            loaded[key] = original(path)
        return loaded[key]

    cli._rulebook = once
    yield
    cli._rulebook = original


@functools.lru_cache(maxsize=1)
def corpus() -> tuple:
    """The corpus, built once (about a second) when a test first asks for it."""
    return tuple(make_corpus.build())


def _run_all(cases, tmp_path: Path, runner) -> tuple[list[str], list[float], dict]:
    failures, times, codes, bases = [], [], {}, {}
    for index, case in enumerate(cases):
        folder = tmp_path / f"c{index:05d}"
        argv = case.materialize(folder)
        result = runner(argv, folder)
        times.append(result[3])
        codes[case.id] = result[0]
        wrong = check(case, folder, result)
        if case.base_argv is not None and result[0] == 0:
            key = tuple(case.base_argv)
            if key not in bases:
                bases[key] = runner(list(key), folder)[0]
            if bases[key] == 1:
                wrong.append("a key left out turned a violation or cannot-determine (exit 1) into clear (exit 0)")
        if wrong:
            failures.append(f"{case.id}: {'; '.join(wrong)}\n    stderr: {result[2][:300]!r}")
    return failures, times, codes


def test_the_corpus_is_large_reproducible_and_spread_over_categories():
    cases = corpus()
    again = make_corpus.build()
    assert [c.id for c in again] == [c.id for c in cases]
    assert [c.files for c in again[:200]] == [c.files for c in cases[:200]]
    malformed = [c for c in cases if c.category.startswith(("wrong-type", "delete-key", "null-value", "bad-", "yaml",
                                                            "encoding", "huge", "far", "impossible", "history"))]
    assert len(malformed) >= 2000
    categories = {c.category for c in cases}
    assert {"delete-key", "wrong-type", "bad-number", "far-date", "impossible-date", "duplicate-key", "alias-bomb",
            "unknown-tag", "encoding", "deep-nesting", "empty-file", "bad-file", "self-reference", "history",
            "out"} <= categories
    assert {f"cli-{verb}" for verb in ("check", "memo", "vote", "position", "headroom", "convert", "exercise",
                                       "lint")} <= categories
    assert 90 <= sum(c.subprocess for c in cases) <= 110


def test_every_case_in_process(tmp_path, capsys, rulebooks_loaded_once):
    cases = [c for c in corpus() if c.in_process]
    failures, times, codes = _run_all(cases, tmp_path, lambda argv, folder: run_in_process(argv))
    slowest = sorted(zip(times, (c.id for c in cases)), reverse=True)[:5]
    with capsys.disabled():
        print(f"\n{len(cases)} cases in-process in {sum(times):.1f} s; slowest: "
              + ", ".join(f"{case} {t:.2f} s" for t, case in slowest))
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures[:60])


def test_a_spread_of_cases_as_real_processes_under_limits(tmp_path, capsys):
    """About a hundred cases, spread over the categories, as the installed command under a 1.5 GB
    address-space limit and a timeout: no hang, no memory blow-up, the same promises."""
    cases = [c for c in corpus() if c.subprocess]
    folders = [tmp_path / f"s{index:04d}" for index in range(len(cases))]
    argvs = [case.materialize(folder) for case, folder in zip(cases, folders)]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda pair: run_subprocess(pair[0], pair[1]), zip(argvs, folders)))
    failures = []
    for case, folder, result in zip(cases, folders, results):
        wrong = check(case, folder, result)
        if wrong:
            failures.append(f"{case.id}: {'; '.join(wrong)}\n    stderr: {result[2][:300]!r}")
    with capsys.disabled():
        print(f"\n{len(cases)} cases as real processes in {time.perf_counter() - start:.1f} s")
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures)


@pytest.mark.skipif(IS_ROOT, reason="root reads a file whatever its mode")
def test_an_unreadable_file_is_one_line(tmp_path):
    scenario = tmp_path / "secret.yaml"
    scenario.write_text("name: x\n", encoding="utf-8")
    scenario.chmod(0)
    code, stdout, stderr, _, escaped = run_in_process(["check", str(scenario)])
    assert escaped is None and code == 2 and stdout == ""
    assert stderr.splitlines() == [f"{scenario}: unreadable-file: Permission denied"]


@pytest.mark.skipif(IS_ROOT, reason="root writes in a read-only folder")
def test_out_into_a_read_only_folder_is_one_line_and_writes_nothing(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    out = folder / "report.txt"
    code, stdout, stderr, _, escaped = run_in_process(
        ["check", str(ROOT / "rules" / "icg-2000" / "scenarios" / "liberty-buys-2m-2003.yaml"), "--out", str(out)])
    folder.chmod(0o755)
    assert escaped is None and code == 2 and stdout == ""
    assert len(stderr.splitlines()) == 1 and "unwritable-file" in stderr
    assert list(folder.iterdir()) == []


def test_a_vote_among_forty_holders_outside_the_groups_does_not_hang(tmp_path, rulebooks_loaded_once):
    closing = make_corpus.load(make_corpus.ICG / "captables" / "closing.yaml")
    closing["holders"] += [{"name": f"Holder {i:02d} LLC", "group": "none", "common": 1} for i in range(40)]
    (tmp_path / "captable.yaml").write_bytes(make_corpus.dump(closing))
    scenario = make_corpus.load(make_corpus.ICG / "scenarios" / "approval-merger-non-qt-cayman.yaml")
    scenario["cap_table"] = "captable.yaml"
    (tmp_path / "scenario.yaml").write_bytes(make_corpus.dump(scenario))
    code, _, _, _, escaped = run_in_process(["vote", str(tmp_path / "scenario.yaml")], budget=10.0)
    assert escaped is None and code in (0, 1)
