"""Every sample's output, byte for byte, as recorded in tests/outputs.sha256.

Speed work must not change what a report says. Each line of tests/outputs.sha256 is the SHA-256
of one command's standard output and exit code, run in this process through `clausewise.cli.main`
from the repository root: `check` in json, text and markdown and `vote` in json and text on every
scenario under rules/icg-2000/scenarios, `position` and `headroom` for each group on two dates, and
one digest over the JSON reports of 300 seeded purchases (the benchmark's kind of scenario).

A change that is meant to change a report records the new digests with
`python tests/test_outputs_unchanged.py --write` (and `--dump DIR` writes every output to compare).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import random
import re
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULEBOOK = ROOT / "rules" / "icg-2000"
RECORD = Path(__file__).with_name("outputs.sha256")
SEEDED = "seeded purchases"


def commands() -> list[list[str]]:
    """Every command whose output is recorded, with paths relative to the repository root."""
    out = []
    for path in sorted((RULEBOOK / "scenarios").glob("*.yaml")):
        rel = str(path.relative_to(ROOT))
        out += [["check", rel, "--format", f] for f in ("json", "text", "markdown")]
        out += [["vote", rel, "--format", f] for f in ("json", "text")]
    for group in ("liberty", "hmtf", "gleacher"):
        for as_of in ("2000-04-10", "2003-06-02"):
            out.append(["headroom", "--holder", group, "--as-of", as_of, "--format", "json"])
            out.append(["headroom", "--holder", group, "--as-of", as_of])
    for as_of in ("2000-04-10", "2003-06-02", "2005-04-11"):
        out += [["position", "--as-of", as_of, "--format", f] for f in ("json", "text")]
    return out


def run(argv: list[str]) -> bytes:
    """One command's standard output and exit code."""
    from clausewise import cli

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.chdir(ROOT), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = cli.main(argv)
        except Exception as exc:  # noqa: BLE001 - recorded as it is, so that a change to it shows
            code = f"{type(exc).__name__}: {exc}"
    return f"exit {code}\n{stderr.getvalue()}\n".encode() + stdout.getvalue().encode()


def seeded_reports(count: int = 300, seed: int = 6) -> bytes:
    """The compact JSON reports of `count` seeded purchases from the closing cap table."""
    from clausewise.errors import InputError
    from clausewise.evaluate import evaluate
    from clausewise.render import check_json, render_json
    from clausewise.rulebook import load_rulebook
    from clausewise.scenario import load_cap_table, scenario_from_dict

    rulebook = load_rulebook(RULEBOOK)
    cap = load_cap_table(RULEBOOK / "captables" / "closing.yaml", rulebook)
    rng = random.Random(seed)
    first, span = date(2000, 4, 10), (date(2006, 12, 31) - date(2000, 4, 10)).days
    buyers = [h for h in cap.holders if h.group in ("liberty", "hmtf", "gleacher")]
    parts = []
    for n in range(count):
        buyer = rng.choice(buyers)
        security = rng.choice(("common", "common", "common", "series_a1", "series_a2", "series_a3", "warrant"))
        if security == "common":
            seller, most = rng.choice(("market", "company")), 5_000_000
        else:
            holders = [(h.name, held(h, security)) for h in cap.holders if h.name != buyer.name]
            seller, most = rng.choice([h for h in holders if h[1] > 0] or [("market", 5_000_000)])
        data = {"name": f"seeded {n}", "as_of": first + timedelta(days=rng.randint(0, span)), "cap_table": cap,
                "action": {"kind": "purchase", "buyer": buyer.name, "security": security,
                           "quantity": rng.randint(1, most), "seller": seller}}
        try:
            scenario = scenario_from_dict(data, rulebook, file="<seeded>")
        except InputError as exc:  # an input refused is an output too (anything else is a crash)
            parts.append(f"refused: {exc}\n".encode())
            continue
        parts.append(render_json(check_json(rulebook, evaluate(rulebook, scenario), None)).encode() + b"\n")
    return b"".join(parts)


def held(holder, security: str) -> int:
    if security == "common":
        return holder.common
    if security == "warrant":
        return holder.warrants
    return holder.preferred.get(security, 0)


def outputs() -> dict[str, bytes]:
    result = {" ".join(argv): run(argv) for argv in commands()}
    result[SEEDED] = seeded_reports()
    return result


def recorded() -> dict[str, str]:
    lines = RECORD.read_text(encoding="utf-8").splitlines()
    return {line[66:]: line[:64] for line in lines if line}


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def current() -> dict[str, bytes]:
    return outputs()


def crashed(results: dict[str, bytes]) -> list[str]:
    """The commands that raised instead of exiting with a code (a crash must fail, not be recorded)."""
    return [k for k, v in results.items() if k != SEEDED and not re.match(rb"exit [0-9]+\n", v)]


def test_no_command_crashes(current):
    assert crashed(current) == []
    assert crashed({"x": b"exit ValueError: boom\n"}) == ["x"]


def test_the_same_commands_are_recorded(current):
    assert sorted(recorded()) == sorted(current)


@pytest.mark.parametrize("command", sorted(recorded()) if RECORD.exists() else [])
def test_output_unchanged(current, command):
    assert digest(current[command]) == recorded()[command], current[command].decode()[:2000]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    results = outputs()
    if "--write" in sys.argv and crashed(results):
        sys.exit("not recorded: these commands crashed: " + "; ".join(crashed(results)))
    if "--write" in sys.argv:
        RECORD.write_text("".join(f"{digest(v)}  {k}\n" for k, v in results.items()), encoding="utf-8")
    if "--dump" in sys.argv:
        where = Path(sys.argv[sys.argv.index("--dump") + 1])
        where.mkdir(parents=True, exist_ok=True)
        for key, value in results.items():
            (where / (key.replace("/", "_").replace(" ", "_") + ".out")).write_bytes(value)
    print(f"{len(results)} outputs", file=sys.stderr)
