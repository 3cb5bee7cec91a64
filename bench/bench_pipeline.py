"""Benchmark: the full check pipeline per scenario in one process, and the cold `clausewise check` command."""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from clausewise.evaluate import evaluate  # noqa: E402
from clausewise.paths import default_rulebook, samples_dir  # noqa: E402
from clausewise.render import check_json, render_json  # noqa: E402
from clausewise.rulebook import load_rulebook  # noqa: E402
from clausewise.scenario import load_cap_table, scenario_from_dict  # noqa: E402

GROUPS = ("liberty", "hmtf", "gleacher")
OTHER_SECURITIES = ("series_a1", "series_a2", "series_a3", "warrant")
FIRST_DAY, LAST_DAY = date(2000, 4, 10), date(2006, 12, 31)
MAX_QUANTITY = 5_000_000
COMMON_SHARE = 0.8  # fraction of purchases that are of Common Stock
WARMUP = 200
COLD_RUNS = 5
COLD_SCENARIO = "samples/scenarios/liberty-buys-2m-2003.yaml"


def held(holder, security: str) -> int:
    if security == "common":
        return holder.common
    if security == "warrant":
        return holder.warrants
    return holder.preferred.get(security, 0)


def build_scenarios(count: int, seed: int, cap) -> list[dict]:
    """`count` distinct purchase scenario dicts, the same for the same seed."""
    rng = random.Random(seed)
    by_group = {g: [h for h in cap.holders if h.group == g] for g in GROUPS}
    span = (LAST_DAY - FIRST_DAY).days
    seen: set[tuple] = set()
    out: list[dict] = []
    while len(out) < count:
        buyer = rng.choice(by_group[rng.choice(GROUPS)])
        as_of = FIRST_DAY + timedelta(days=rng.randint(0, span))
        if rng.random() < COMMON_SHARE:
            security = "common"
            seller = rng.choice(("market", "company"))
            quantity = rng.randint(1, MAX_QUANTITY)
        else:
            security = rng.choice(OTHER_SECURITIES)
            sellers = [h for h in cap.holders if h.name != buyer.name and held(h, security) > 0]
            if not sellers:
                continue
            holder = rng.choice(sellers)
            seller = holder.name
            quantity = rng.randint(1, min(MAX_QUANTITY, held(holder, security)))
        key = (buyer.name, security, seller, quantity, as_of)
        if key in seen:
            continue
        seen.add(key)
        out.append({
            "name": f"bench {len(out) + 1}: {buyer.name} buys {quantity:,} {security} from {seller}",
            "as_of": as_of,
            "cap_table": cap,
            "action": {"kind": "purchase", "buyer": buyer.name, "security": security,
                       "quantity": quantity, "seller": seller},
        })
    return out


def pipeline(rulebook, data: dict) -> tuple[dict, str]:
    """Validate the scenario dict, derive facts, evaluate on durable, build findings, render JSON."""
    scenario = scenario_from_dict(data, rulebook, file="<bench>")
    result = evaluate(rulebook, scenario)
    report = check_json(rulebook, result, None)
    text = render_json(report)
    return report, text


def percentile(sorted_ns: list[int], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, -(-len(sorted_ns) * p // 100))
    return float(sorted_ns[int(rank) - 1])


def run_pipeline(rulebook, scenarios: list[dict]) -> dict:
    timings: list[int] = []
    outcomes: Counter = Counter()
    verdicts: Counter = Counter()
    step = max(1, len(scenarios) // 10)
    clock = time.perf_counter_ns
    start = clock()
    for index, data in enumerate(scenarios, start=1):
        t0 = clock()
        report, _ = pipeline(rulebook, data)
        timings.append(clock() - t0)
        outcomes.update(report["counts"])
        verdicts[report["verdict"]] += 1
        if index % step == 0 or index == len(scenarios):
            print(f"  pipeline: {index:,}/{len(scenarios):,} ({100 * index // len(scenarios)}%)",
                  file=sys.stderr, flush=True)
    total_ns = clock() - start
    timings.sort()
    ms = 1e-6
    return {
        "scenarios": len(scenarios),
        "median_ms": percentile(timings, 50) * ms,
        "p90_ms": percentile(timings, 90) * ms,
        "p99_ms": percentile(timings, 99) * ms,
        "mean_ms": statistics.fmean(timings) * ms,
        "min_ms": timings[0] * ms,
        "max_ms": timings[-1] * ms,
        "total_s": total_ns * 1e-9,
        "throughput_per_s": len(scenarios) / (total_ns * 1e-9),
        "findings_by_outcome": dict(sorted(outcomes.items())),
        "verdicts": dict(sorted(verdicts.items())),
    }


def run_cold(runs: int) -> dict:
    exe = Path(sys.executable).parent / "clausewise"
    command = [str(exe), "check", COLD_SCENARIO, "--format", "json"]
    walls: list[float] = []
    for n in range(1, runs + 1):
        t0 = time.perf_counter_ns()
        proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        walls.append((time.perf_counter_ns() - t0) * 1e-6)
        if proc.returncode not in (0, 1):  # 1 = a finding blocks the action; anything else failed
            raise SystemExit(f"cold command failed (exit {proc.returncode}):\n{proc.stderr}")
        json.loads(proc.stdout)
        print(f"  cold command: run {n}/{runs} {walls[-1]:.0f} ms", file=sys.stderr, flush=True)
    return {
        "command": "clausewise check " + COLD_SCENARIO + " --format json",
        "runs": runs,
        "median_ms": statistics.median(walls),
        "min_ms": min(walls),
        "all_ms": walls,
    }


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
    }


def table(setup: dict, pipe: dict, cold: dict, info: dict) -> str:
    rows = [
        ("Scenarios timed", f"{pipe['scenarios']:,} (seed {setup['seed']}, warm-up {setup['warmup']})"),
        ("Per scenario, median", f"{pipe['median_ms']:.2f} ms"),
        ("Per scenario, p90", f"{pipe['p90_ms']:.2f} ms"),
        ("Per scenario, p99", f"{pipe['p99_ms']:.2f} ms"),
        ("Per scenario, mean", f"{pipe['mean_ms']:.2f} ms"),
        ("Throughput", f"{pipe['throughput_per_s']:.0f} scenarios/s ({pipe['total_s']:.1f} s in all)"),
        ("Verdicts", ", ".join(f"{k} {v:,}" for k, v in pipe["verdicts"].items())),
        ("Findings", ", ".join(f"{k} {v:,}" for k, v in pipe["findings_by_outcome"].items())),
        ("Cold command, median", f"{cold['median_ms']:.0f} ms (of {cold['runs']} runs)"),
        ("Cold command, min", f"{cold['min_ms']:.0f} ms"),
        ("Rulebook load (once)", f"{setup['rulebook_load_ms']:.0f} ms"),
        ("Machine", f"Python {info['python']}, {info['platform']}, {info['cpu_count']} CPUs"),
    ]
    width = max(len(r[0]) for r in rows)
    lines = ["Clausewise pipeline benchmark", "=" * 29]
    lines += [f"{name:<{width}}  {value}" for name, value in rows]
    lines.append(f"Cold command: {cold['command']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenarios", type=int, default=10_000, help="scenarios to time (default 10000)")
    parser.add_argument("--seed", type=int, default=2000, help="random seed for the scenarios (default 2000)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON to FILE")
    args = parser.parse_args(argv)
    if args.scenarios < 1:
        parser.error("--scenarios must be at least 1")

    t0 = time.perf_counter_ns()
    rulebook = load_rulebook(default_rulebook())
    load_ms = (time.perf_counter_ns() - t0) * 1e-6
    cap = load_cap_table(samples_dir() / "captables" / "closing.yaml", rulebook)
    print(f"building {WARMUP + args.scenarios:,} scenarios (seed {args.seed})", file=sys.stderr, flush=True)
    scenarios = build_scenarios(WARMUP + args.scenarios, args.seed, cap)
    warmup, timed = scenarios[:WARMUP], scenarios[WARMUP:]
    print(f"warming up on {WARMUP} scenarios", file=sys.stderr, flush=True)
    for data in warmup:
        pipeline(rulebook, data)
    print(f"timing {len(timed):,} scenarios", file=sys.stderr, flush=True)
    pipe = run_pipeline(rulebook, timed)
    print(f"timing the cold command ({COLD_RUNS} runs)", file=sys.stderr, flush=True)
    cold = run_cold(COLD_RUNS)

    setup = {"seed": args.seed, "warmup": WARMUP, "rulebook": rulebook.id, "rules": len(rulebook.rules),
             "rulebook_load_ms": load_ms}
    info = machine()
    print(table(setup, pipe, cold, info))
    if args.json:
        figures = {"setup": setup, "pipeline": pipe, "cold_command": cold, "machine": info}
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
