"""Load test of `clausewise serve` on loopback: N concurrent clients send a fixed number of checks
to POST /v1/check; latency percentiles, throughput, errors (there must be none) and the server's
memory before and after.

The server is started here (`python -m clausewise.serve` on a free port of 127.0.0.1, nowhere
else) and stopped with SIGTERM at the end. The checks are seeded market purchases of Common Stock
on the closing cap table (a Liberty, HMTF or Gleacher holder buys 1 to 3,000,000 shares between
the Closing and the Chapter 11 plan's date), so some are violations and run the headroom search.
Bounded: --requests in all, and no new request after --max-seconds. Exit code 0 when every
request got a 200, 1 otherwise. Not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BUYERS = ("Liberty Media Corporation", "HMTF Bridge ICG, LLC", "Gleacher/ICG Investors LLC")
FIRST_DAY, LAST_DAY = date(2000, 4, 10), date(2002, 4, 3)  # after the plan's date a status must be stated
STARTUP_S = 180


def purchases(count: int, seed: int) -> list[bytes]:
    """`count` seeded purchase scenarios, as request bodies."""
    rng = random.Random(seed)
    span = (LAST_DAY - FIRST_DAY).days
    out = []
    for i in range(count):
        buyer = rng.choice(BUYERS)
        out.append(json.dumps({
            "name": f"load {i}: {buyer} buys Common in the market",
            "as_of": (FIRST_DAY + timedelta(days=rng.randint(0, span))).isoformat(),
            "cap_table": "closing",
            "action": {"kind": "purchase", "buyer": buyer, "security": "common",
                       "quantity": rng.randint(1, 3_000_000), "seller": "market"},
        }).encode("utf-8"))
    return out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_kb(pid: int) -> int:
    """A process's resident set (VmRSS), in kB; 0 once it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def cpu_s(pid: int) -> float:
    """A process's CPU time so far (user and system), in seconds; 0 once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu(pid: int) -> tuple[float, float]:
    """The server's CPU seconds and its child processes' (the workers)."""
    return cpu_s(pid), sum(cpu_s(child) for child in children(pid))


def memory(pid: int) -> tuple[int, int]:
    """The server's RSS and its child processes' (workers, multiprocessing's resource tracker), kB."""
    return rss_kb(pid), sum(rss_kb(child) for child in children(pid))


async def load(url: str, bodies: list[bytes], clients: int, max_seconds: float) -> dict:
    """Send every body with `clients` requests in flight at a time; latencies in seconds."""
    latencies: list[float] = []
    statuses: Counter = Counter()
    verdicts: Counter = Counter()
    failures: list[str] = []
    next_index = 0
    stop_at = time.monotonic() + max_seconds
    headers = {"Content-Type": "application/json"}

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal next_index
        while next_index < len(bodies) and time.monotonic() < stop_at:
            body = bodies[next_index]
            next_index += 1
            started = time.perf_counter()
            try:
                response = await http.post("/v1/check", content=body, headers=headers)
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] += 1
                failures.append(f"{type(exc).__name__}: {exc}")
                continue
            latencies.append(time.perf_counter() - started)
            statuses[response.status_code] += 1
            if response.status_code == 200:
                verdicts[response.json()["verdict"]] += 1
            elif len(failures) < 5:
                failures.append(f"{response.status_code}: {response.text[:200]}")

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {"latencies": latencies, "statuses": statuses, "verdicts": verdicts, "failures": failures,
            "elapsed": elapsed, "sent": next_index}


def in_process(bodies: list[bytes]) -> float:
    """Seconds per check answered as a worker answers it, in this process, one after another: the
    engine's own time, without HTTP or the pool (the first fifth untimed)."""
    from clausewise import serve

    serve._start_worker((str(ROOT / "rules" / "icg-2000"),))
    warm = len(bodies) // 5
    for body in bodies[:warm]:
        serve._answer(serve._Task("check", "icg-2000", body, {}, time.time() + 3600))
    started = time.perf_counter()
    for body in bodies[warm:]:
        assert serve._answer(serve._Task("check", "icg-2000", body, {}, time.time() + 3600)).status == 200
    return (time.perf_counter() - started) / (len(bodies) - warm)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="requests in flight at once (default 8)")
    parser.add_argument("--requests", type=int, default=2000, help="checks in all (default 2,000)")
    parser.add_argument("--workers", type=int, default=2, help="the server's worker processes (default 2)")
    parser.add_argument("--warmup", type=int, default=100, help="checks sent first, untimed (default 100)")
    parser.add_argument("--max-seconds", type=float, default=300, help="send no new request after this (default 300)")
    parser.add_argument("--baseline", type=int, default=250,
                        help="checks answered in this process first, for the engine's own time (default 250; 0: none)")
    parser.add_argument("--seed", type=int, default=2000)
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures to FILE")
    args = parser.parse_args()

    bodies = purchases(args.warmup + args.requests, args.seed)
    alone = in_process(bodies[args.warmup:args.warmup + args.baseline]) if args.baseline >= 5 else None
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(prefix="load-serve-", suffix=".log", delete=False)
    server = subprocess.Popen([sys.executable, "-m", "clausewise.serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", str(args.workers)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                print(f"the server did not start; see {log.name}", file=sys.stderr)
                return 1
            try:
                if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        before = memory(server.pid)
        warm = asyncio.run(load(url, bodies[:args.warmup], args.clients, args.max_seconds))
        loaded = memory(server.pid)
        cpu_before = cpu(server.pid)
        run = asyncio.run(load(url, bodies[args.warmup:], args.clients, args.max_seconds))
        cpu_after = cpu(server.pid)
        after = memory(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            code = None
        log.close()

    latencies = run["latencies"]
    errors = sum(n for status, n in run["statuses"].items() if status != 200) + sum(
        n for status, n in warm["statuses"].items() if status != 200)
    errors += args.requests - run["sent"]  # not sent within --max-seconds
    ms = [x * 1000 for x in latencies] or [0.0]
    figures = {
        "requests": args.requests, "answered": len(latencies), "clients": args.clients, "workers": args.workers,
        "elapsed_s": round(run["elapsed"], 3), "throughput_per_s": round(len(latencies) / run["elapsed"], 1),
        "p50_ms": round(percentile(ms, 0.50), 2), "p90_ms": round(percentile(ms, 0.90), 2),
        "p99_ms": round(percentile(ms, 0.99), 2), "max_ms": round(max(ms), 2), "mean_ms": round(statistics.mean(ms), 2),
        "errors": errors, "statuses": {str(k): v for k, v in run["statuses"].items()},
        "verdicts": dict(run["verdicts"]),
        "rss_kb": {"server_before": before[0], "workers_before": before[1], "server_after_warmup": loaded[0],
                   "workers_after_warmup": loaded[1], "server_after": after[0], "workers_after": after[1]},
        "server_exit": code,
        "in_process_ms": round(alone * 1000, 2) if alone else None,
        "cpu_ms_per_check": {"server": round((cpu_after[0] - cpu_before[0]) * 1000 / max(1, len(latencies)), 2),
                             "workers": round((cpu_after[1] - cpu_before[1]) * 1000 / max(1, len(latencies)), 2)},
    }
    print(f"clausewise serve under load: {args.requests:,} checks, {args.clients} clients, {args.workers} workers "
          f"(warm-up {args.warmup}), {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    rows = [
        ("answered", f"{len(latencies):,} of {args.requests:,} in {run['elapsed']:.2f} s"),
        ("throughput", f"{figures['throughput_per_s']:,} checks/s"),
        ("latency p50 / p90 / p99", f"{figures['p50_ms']} / {figures['p90_ms']} / {figures['p99_ms']} ms"),
        ("latency max / mean", f"{figures['max_ms']} / {figures['mean_ms']} ms"),
        ("CPU a check: server / workers", f"{figures['cpu_ms_per_check']['server']} / "
                                          f"{figures['cpu_ms_per_check']['workers']} ms"),
        ("errors", f"{errors}" + (f" ({'; '.join(run['failures'][:3])})" if run["failures"] else "")),
        ("verdicts", ", ".join(f"{k} {v:,}" for k, v in sorted(run["verdicts"].items()))),
        ("RSS server, before / after", f"{before[0] / 1024:.1f} / {after[0] / 1024:.1f} MB"),
        ("RSS workers, before / warm / after", f"{before[1] / 1024:.1f} / {loaded[1] / 1024:.1f} / "
                                               f"{after[1] / 1024:.1f} MB"),
        ("server exit on SIGTERM", str(code)),
    ]
    if alone:
        rows.insert(2, ("in one process, no HTTP", f"{alone * 1000:.2f} ms a check, {1 / alone:.1f} checks/s "
                                                   f"(x {args.workers} workers: {args.workers / alone:.1f})"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if errors == 0 and code == 0:
        os.unlink(log.name)
        return 0
    print(f"the server's output: {log.name}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
