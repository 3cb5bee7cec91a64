"""End-to-end tests of `clausewise serve`: the real server in a subprocess on a free loopback port,
called with httpx. Every verb's answer is the command line's `--format json` for the same input,
byte for byte but for the scenario's name (`request` in place of the file's path); bad input is
422 with the command line's problems; a body over the limit is 413 unread; a slow request is 504
while the others are answered; each decision is one line of the decision log and replays to the
same verdict and input hash; and the server stops cleanly on a signal, its workers with it.

Figures (README): Liberty's 2,000,000-share purchase of 2 June 2003 is a violation of PA 6.6(a),
37.0375% on the standstill basis; the largest purchase that passes is 1,964,341 shares.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from clitools import run, run_json

from clausewise import cli, contract, serve
from clausewise.memo import rulebook_digest
from clausewise.rulebook import load_rulebook
from clausewise.yamlio import load_yaml

ROOT = Path(__file__).resolve().parent.parent
ICG = ROOT / "rules" / "icg-2000"
KESTREL = ROOT / "rules" / "kestrel-2021"
SAMPLE = ROOT / "samples" / "scenarios" / "liberty-buys-2m-2003.yaml"
CAYMAN = ROOT / "samples" / "scenarios" / "approval-merger-non-qt-cayman.yaml"
STARTUP_S = 120  # the workers load and compile two rulebooks each; a busy machine is slow


# --- a server in a subprocess -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`python -m clausewise.serve` on a free loopback port, its output in a file."""

    def __init__(self, tmp: Path, *options: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.output = tmp / f"serve-{self.port}.log"
        with open(self.output, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "clausewise.serve", "--port", str(self.port), *options],
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        self.client = httpx.Client(base_url=self.url, timeout=60)
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the server exited: {self.log()}"
            try:
                if self.client.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"not ready in {STARTUP_S} s: {self.log()}")

    def log(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def workers(self) -> list[int]:
        """The server's child processes (its workers, and multiprocessing's resource tracker)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(stat.parent.name))
        return found

    def stop(self, how: int = signal.SIGTERM) -> int:
        """Signal the server; its exit code (it must stop within 30 s)."""
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(how)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"the server did not stop on signal {how}: {self.log()}") from None


def left(pids: list[int], within: float = 10) -> dict[int, str]:
    """Those of `pids` still running after `within` seconds, with their command lines."""
    deadline = time.monotonic() + within
    while True:
        alive = {}
        for pid in pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                if "\nState:\tZ" not in status:
                    alive[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
            except OSError:
                pass
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


@pytest.fixture(scope="module")
def decisions(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("serve") / "decisions.jsonl"


@pytest.fixture(scope="module")
def server(tmp_path_factory, decisions):
    running = Server(tmp_path_factory.mktemp("serve-log"), "--rules", str(ICG), "--rules", str(KESTREL),
                     "--workers", "2", "--decision-log", str(decisions))
    yield running
    if running.process.poll() is None:
        running.stop()


# --- request bodies from the sample scenario files ---------------------------------------------------


def document(path: Path) -> dict:
    """A scenario file's document as a request sends it: the same keys and values, dates as
    YYYY-MM-DD text, the cap table by the rulebook's name for it instead of a path."""
    def plain(value):
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, date):
            return value.isoformat()
        return value

    data = plain(load_yaml(path))
    table = data.get("cap_table")
    if isinstance(table, str):
        data["cap_table"] = Path(table).stem
    elif isinstance(table, dict) and isinstance(table.get("file"), str):
        table["file"] = Path(table["file"]).stem
    return data


def dumps(data, indent: int | None = None) -> str:
    """JSON with each Decimal written as the number it is (json writes no Decimal)."""
    numbers: list[Decimal] = []

    def marked(value):
        if isinstance(value, dict):
            return {k: marked(v) for k, v in value.items()}
        if isinstance(value, list):
            return [marked(v) for v in value]
        if isinstance(value, Decimal):
            numbers.append(value)
            return f"\0{len(numbers) - 1}\0"
        return value

    text = json.dumps(marked(data), indent=indent, ensure_ascii=False)
    return re.sub(r'"\\u0000(\d+)\\u0000"', lambda m: str(numbers[int(m.group(1))]), text)


def canonical_sha256(data) -> str:
    """The input hash as the decision log states it, for a body of text and whole numbers."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def same_but_name(cli_text: str, cli_file: str, http_text: str) -> tuple[str, str]:
    """Both texts with the scenario's name (the CLI's file, the server's `request`, each with the
    line a statement is made on) written alike, for a byte-for-byte comparison."""
    cli_side = re.sub(re.escape(cli_file) + r"(?::\d+)?", "<scenario>", cli_text)
    http_side = re.sub(r"\brequest:\d+\b", "<scenario>", http_text).replace('"file":"request"', '"file":"<scenario>"')
    return cli_side, http_side


def cli_in_process(*args: str) -> tuple[int, str]:
    """cli.main in this process (its JSON is written compact, as to a pipe)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main([str(a) for a in args])
    return code, out.getvalue()


# --- each verb against the command line --------------------------------------------------------------


def test_check_is_the_cli_json_for_the_2m_purchase(server):
    response = server.client.post("/v1/check", json=document(SAMPLE))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    code, expected = run_json("check", SAMPLE.relative_to(ROOT))
    assert code == 1
    report = response.json()
    assert report["scenario"]["file"] == "request"
    assert report == dict(expected, scenario=dict(expected["scenario"], file="request"))
    assert report["verdict"] == "violation"
    assert report["headroom"]["max_quantity"] == 1964341 and report["headroom"]["excess"] == 35659
    (violation,) = [f for f in report["findings"] if f["outcome"] == "violation"]
    assert violation["rule"] == "pa.6.6a.liberty-standstill"
    assert violation["figures"]["standstill.pct_after"] == "37.0375%"
    assert violation["values"]["standstill.pct_after"]["exact"] == "3520826400/95061097"


@pytest.mark.parametrize("name, rules", [
    ("liberty-transfers-a1-to-hmtf.yaml", ICG), ("liberty-converts-a1-2002.yaml", ICG),
    ("liberty-exercises-warrants-net-issue-2003.yaml", ICG), ("transfer-missing-rule144-fact.yaml", ICG),
    ("investor-buys-2900001-over-cap.yaml", KESTREL)])
def test_check_is_the_cli_json_for_other_samples(server, name, rules):
    path = rules / "scenarios" / name
    response = server.client.post("/v1/check", params={"rulebook": rules.name}, content=dumps(document(path)))
    code, expected = run_json("check", path, "--rules", rules)
    assert response.status_code == 200, response.text
    assert response.json() == dict(expected, scenario=dict(expected["scenario"], file="request"))
    assert (response.json()["verdict"] == "clear") == (code == 0)


def test_every_sample_is_byte_for_byte_the_cli_json(server, monkeypatch):
    """check on every sample of both rulebooks, vote on each approval sample: the server's bytes
    are cli.main's (run here, each rulebook loaded once), the scenario's name aside. A sample the
    command refuses is refused alike: the same problems, each on its own line of the request."""
    loaded: dict = {}

    def rulebook(path):
        if str(path) not in loaded:
            loaded[str(path)] = load_rulebook(path, check_quotes=False)
        return loaded[str(path)]

    monkeypatch.setattr(cli, "_rulebook", rulebook)
    cases = [("check", p, ICG) for p in sorted((ICG / "scenarios").glob("*.yaml"))]
    cases += [("check", p, KESTREL) for p in sorted((KESTREL / "scenarios").glob("*.yaml"))]
    cases += [("vote", p, ICG) for p in sorted((ICG / "scenarios").glob("approval-*.yaml"))]
    assert len(cases) > 100
    refused = 0
    for verb, path, rules in cases:
        code, expected = cli_in_process(verb, path, "--rules", rules, "--format", "json")
        response = server.client.post(f"/v1/{verb}", params={"rulebook": rules.name},
                                      content=dumps(document(path), indent=2))
        if code == 2:
            refused += 1
            assert response.status_code == 422, (path, response.text)
            drop = lambda errors: [{k: v for k, v in e.items() if k not in ("file", "line")} for e in errors]
            assert drop(response.json()["errors"]) == drop(json.loads(expected)["errors"]), path
            continue
        assert response.status_code == 200, (path, response.text)
        cli_side, http_side = same_but_name(expected, str(path), response.text)
        assert http_side == cli_side, path
    assert refused < len(cases) / 10


def test_vote_is_the_cli_json(server):
    response = server.client.post("/v1/vote", json=document(CAYMAN))
    code, expected = run_json("vote", CAYMAN)
    assert response.status_code == 200
    assert response.json() == dict(expected, scenario=dict(expected["scenario"], file="request"))
    needs = {(a["shares_required"], a["outstanding"]) for a in response.json()["approvals"]}
    assert {(51750, 75000), (39696217, 79392432)} <= needs  # 69% of the Series A; a majority as converted


def test_headroom_is_the_cli_json(server):
    body = {"holder": "liberty", "as_of": "2003-06-02", "instruments": {"purchase-agreement": "in_force"}}
    response = server.client.post("/v1/headroom", json=body)
    code, expected = run_json("headroom", "--holder", "liberty", "--as-of", "2003-06-02",
                              "--instrument", "purchase-agreement=in_force")
    assert response.status_code == 200 and code == 0
    assert response.json() == expected
    assert response.json()["max_quantity"] == 1964341
    assert response.json()["binding"]["rule"] == "pa.6.6a.liberty-standstill"
    terminated = {"holder": "hmtf", "as_of": "2002-06-03", "cap_table": "closing",
                  "instruments": {"purchase-agreement": {"status": "terminated", "from": "2002-05-01"}}}
    response = server.client.post("/v1/headroom", json=terminated)
    code, expected = run_json("headroom", "--holder", "hmtf", "--as-of", "2002-06-03",
                              "--instrument", "purchase-agreement=terminated:2002-05-01")
    assert response.status_code == 200 and response.json() == expected


def test_position_is_the_cli_json(server):
    response = server.client.post("/v1/position", json={"as_of": "2000-04-10", "board_size": 12})
    code, expected = run_json("position", "--as-of", "2000-04-10", "--board-size", "12")
    assert response.status_code == 200 and code == 0
    assert response.json() == expected
    assert response.json()["common_outstanding"] == 48582035


@pytest.mark.parametrize("sample", [SAMPLE, ICG / "scenarios" / "liberty-buys-1m-2000-safe-harbor.yaml"])
def test_memo_is_the_cli_memo_with_the_request_in_the_appendix(server, sample):
    """The 2m purchase names the cap table; the safe-harbor one amends it ({file: closing, holders})."""
    response = server.client.post("/v1/memo", params={"to": "General Counsel"}, json=document(sample))
    expected = run("memo", sample.relative_to(ROOT), "--to", "General Counsel")
    assert response.status_code == 200 and expected.returncode in (0, 1), response.text
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    digest = response.headers["x-input-sha256"]
    assert f"Scenario `request` (sha256 `{digest}`)" in response.text
    scenario_line = re.compile(r"^- Scenario `[^`]*` \(sha256 `[0-9a-f]{64}`\)", re.M)
    named = scenario_line.sub("- Scenario", expected.stdout).replace(str(sample.relative_to(ROOT)), "request")
    assert scenario_line.sub("- Scenario", response.text) == named
    assert "Run on the other reading" in response.text  # the readings were run, from the request


def test_the_openapi_document_lists_every_endpoint_and_the_output_models(server):
    schema = server.client.get("/openapi.json").json()
    paths = schema["paths"]
    for verb, model in [("check", "CheckReport"), ("vote", "VoteReport"), ("headroom", "HeadroomReport"),
                        ("position", "PositionReport"), ("batch", "BatchReport")]:
        post = paths[f"/v1/{verb}"]["post"]
        assert post["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] == \
            f"#/components/schemas/{model}"
        assert post["responses"]["422"]["content"]["application/json"]["schema"]["$ref"] == \
            "#/components/schemas/ErrorReport"
        assert "requestBody" in post
        declared = contract.MODELS[verb].model_json_schema(by_alias=True, mode="serialization")["properties"]
        assert set(schema["components"]["schemas"][model]["properties"]) == set(declared)
    assert set(paths["/v1/memo"]["post"]["responses"]["200"]["content"]) >= {"text/markdown; charset=utf-8",
                                                                            "application/pdf"}
    assert {"/v1/rulebooks", "/healthz", "/readyz"} <= set(paths)
    for name in ("ScenarioDocument", "HeadroomRequest", "PositionRequest", "BatchRequest", "ErrorReport"):
        assert name in schema["components"]["schemas"]
    assert paths["/v1/batch"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"] == \
        "#/components/schemas/BatchRequest"
    assert schema["components"]["schemas"]["BatchRequest"]["properties"]["orders"]["maxItems"] == serve.MAX_ORDERS


def test_rulebooks_are_listed_with_their_content_hash(server):
    listing = server.client.get("/v1/rulebooks").json()
    assert [b["id"] for b in listing["rulebooks"]] == ["icg-2000", "kestrel-2021"]
    icg = listing["rulebooks"][0]
    assert icg["default"] and icg["sha256"] == rulebook_digest(load_rulebook(ICG, check_quotes=False))
    closing = hashlib.sha256((ICG / "captables" / "closing.yaml").read_bytes()).hexdigest()
    assert icg["cap_tables"] == [{"name": "closing", "sha256": closing}]
    assert server.client.get("/healthz").json() == {"status": "ok"}


# --- bad input ---------------------------------------------------------------------------------------------


def test_malformed_json_is_422_on_its_line(server):
    response = server.client.post("/v1/check", content=b'{"name": "x",\n "as_of": ')
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["file"], error["line"], error["category"]) == ("request", 2, "json")
    assert error["message"].startswith("malformed JSON: ")
    assert contract.ErrorReport.model_validate(response.json())
    for body, category in [(b"", "json"), (b'{"a": 1, "a": 2}', "json"), (b'{"a": NaN}', "bad-value"),
                           (b"\xff", "json"), (b"[" * 50 + b"]" * 50, "json")]:
        response = server.client.post("/v1/check", content=body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["category"] == category, (body, response.text)


def test_a_bad_field_is_422_with_its_line_and_field_as_the_cli_says_it(server, tmp_path):
    data = document(SAMPLE)
    data["action"]["quantity"] = "lots"
    data["action"]["sellr"] = "market"
    text = dumps(data, indent=2)
    response = server.client.post("/v1/check", content=text)
    assert response.status_code == 422
    errors = response.json()["errors"]
    lines = text.split("\n")
    by_field = {e["field"]: e for e in errors}
    assert lines[by_field["action.quantity"]["line"] - 1].strip().startswith('"quantity"')
    assert lines[by_field["sellr"]["line"] - 1].strip().startswith('"sellr"')
    assert by_field["sellr"]["suggestion"] == "seller"
    scenario = tmp_path / "bad.yaml"
    yaml_text = SAMPLE.read_text().replace("quantity: 2000000", "quantity: lots\n  sellr: market")
    scenario.write_text(yaml_text.replace("../captables/closing.yaml", str(ICG / "captables" / "closing.yaml")))
    code, expected = run_json("check", scenario)
    assert code == 2
    drop = lambda items: sorted(({k: v for k, v in e.items() if k not in ("file", "line")} for e in items),
                                key=json.dumps)
    assert drop(errors) == drop(expected["errors"])


def test_a_cap_table_is_named_never_a_path(server):
    data = document(SAMPLE)
    for table, field, category in [("../captables/closing.yaml", "cap_table", "bad-value"),
                                   ("/etc/passwd", "cap_table", "bad-value"),
                                   ({"file": "../../../etc/hosts"}, "cap_table.file", "bad-value"),
                                   ("closng", "cap_table", "dangling-reference")]:
        response = server.client.post("/v1/check", json=dict(data, cap_table=table))
        assert response.status_code == 422, table
        (error,) = response.json()["errors"]
        assert (error["field"], error["category"]) == (field, category), error
    assert error["suggestion"] == "closing"
    inline = {k: v for k, v in document(ICG / "captables" / "closing.yaml").items()}
    written_out = server.client.post("/v1/check", json=dict(data, cap_table=inline))
    named = server.client.post("/v1/check", json=dict(data, cap_table="closing.yaml"))
    assert written_out.status_code == named.status_code == 200, written_out.text
    assert written_out.json()["headroom"] == named.json()["headroom"]
    response = server.client.post("/v1/headroom", json={"holder": "liberty", "as_of": "2003-06-02",
                                                        "cap_table": "/etc/passwd"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "cap_table"


def test_headroom_and_position_options_are_checked_as_the_cli_checks_them(server):
    response = server.client.post("/v1/headroom", json={"holder": "libery", "as_of": "1999-01-01", "extra": 1})
    assert response.status_code == 422
    by_field = {e["field"]: e for e in response.json()["errors"]}
    assert by_field["holder"]["category"] == "unknown-holder" and by_field["holder"]["suggestion"] == "liberty"
    assert by_field["as_of"]["category"] == "bad-date" and "Closing Date" in by_field["as_of"]["message"]
    assert by_field["extra"]["category"] == "unknown-key"
    response = server.client.post("/v1/position", json={"as_of": "2003-06-02", "instruments": {"nope": "in_force"}})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "instruments"
    response = server.client.post("/v1/check", params={"rulebook": "icg-2001"}, json=document(SAMPLE))
    assert response.status_code == 422
    assert response.json()["errors"][0] == {"file": "query", "line": None, "field": "rulebook",
                                            "category": "bad-argument", "message": response.json()["errors"][0]
                                            ["message"], "suggestion": "icg-2000"}


def test_an_oversized_body_is_413_unread(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:  # the header alone decides
        raw.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 50000000\r\n\r\n{")
        answer = b""
        while chunk := raw.recv(65536):  # the server closes the connection after its answer
            answer += chunk
    answer = answer.decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer
    assert '"category":"too-large"' in answer

    def chunks():  # no Content-Length: the bytes received decide
        for _ in range(20):
            yield b" " * 65536
    response = server.client.post("/v1/check", content=chunks())
    assert response.status_code == 413
    assert response.json()["errors"][0]["message"] == ("the request body is larger than 1,048,576 bytes "
                                                       "(the server's --max-body)")


# --- a blotter: POST /v1/batch against `clausewise batch` --------------------------------------------------

BLOTTER_COLUMNS = ["date", "account", "group", "side", "security", "quantity", "counterparty", "counterparty_group"]
IN_FORCE = {"purchase-agreement": "in_force", "certificate-of-designation": "in_force", "warrant": "in_force"}


def blotter_rows(n: int, seed: int = 20030602) -> list[list[str]]:
    """Market purchases of Common over three days by the groups' desks and outside funds (enough for
    Liberty to pass its cap, whose room is 1,964,341 shares), with a sale, a purchase from the Company and from a
    holder, and rows that cannot be read (a bad date, side, security, quantity, group, a date out
    of order), as a CSV blotter's cells."""
    rng = random.Random(seed)
    accounts = ([("Liberty Media Corporation", ""), *((f"Liberty Desk {i}", "liberty") for i in range(4))],
                [("HMTF Bridge ICG, LLC", ""), *((f"HMTF Desk {i}", "hmtf") for i in range(3))],
                [("Gleacher/ICG Investors LLC", "")],
                [(f"Outside Fund {i}", "none") for i in range(10)])
    sizes = [size * 400 // n for size in (60_000, 60_000, 5_000, 20_000)]  # some 3,600,000 shares for Liberty
    rows = []
    for i in range(n):
        pick = rng.choices(range(4), weights=(30, 15, 5, 50))[0]
        account, group = rng.choice(accounts[pick])
        day = date(2003, 6, 2 + i * 3 // n).isoformat()
        rows.append([day, account, group, "buy", "common", str(rng.randint(1, sizes[pick])), "market", ""])
    rows[n // 2:n // 2] = [
        [rows[n // 2][0], "Liberty Media Corporation", "", "sell", "common", "250,000", "market", ""],
        [rows[n // 2][0], "Outside Fund 1", "none", "buy", "common", "1000", "company", ""],
        [rows[n // 2][0], "Outside Fund 2", "none", "buy", "common", "1000", "HMTF Bridge ICG, LLC", ""],
        ["2003-02-30", "Outside Fund 3", "none", "buy", "common", "1000", "market", ""],
        [rows[n // 2][0], "Outside Fund 3", "none", "hold", "common", "1000", "market", ""],
        [rows[n // 2][0], "Outside Fund 3", "none", "buy", "comon", "1000", "market", ""],
        [rows[n // 2][0], "Outside Fund 3", "none", "buy", "common", "-5", "market", ""],
        [rows[n // 2][0], "Outside Fund 3", "libery", "buy", "common", "1000", "market", ""],
        ["2003-06-01", "Outside Fund 3", "none", "buy", "common", "1000", "market", ""],
    ]
    return rows


def as_orders(rows: list[list[str]]) -> list[dict]:
    """The blotter's rows as a request's orders: an empty cell left out, a quantity in plain digits
    sent as a JSON number."""
    orders = []
    for cells in rows:
        order = {name: cell for name, cell in zip(BLOTTER_COLUMNS, cells) if cell != ""}
        if order.get("quantity", "").isdigit():
            order["quantity"] = int(order["quantity"])
        orders.append(order)
    return orders


def as_cells(result: dict) -> dict:
    """A /v1/batch result as the results file holds it: the row counted as the CSV counts it (its
    header is row 1), yes/no, an empty cell for null, numbers as text."""
    out = {key: ("yes" if value else "no") if key == "accepted" else "" if value is None else str(value)
           for key, value in result.items()}
    out["row"] = str(result["row"] + 1)
    return out


def untimed(summary: dict) -> dict:
    return {key: value for key, value in summary.items()
            if key not in ("seconds", "orders_per_second", "blotter", "results")}


@pytest.mark.parametrize("mode, as_of, n", [("fast", None, 400), ("full", None, 120), ("fast", "2003-06-03", 200)])
def test_batch_is_the_cli_results_file_row_for_row(server, tmp_path, mode, as_of, n):
    """The same blotter to `clausewise batch` (a subprocess writing results.csv) and to POST /v1/batch:
    every row alike, cell for cell; the same rows refused, for the same column and reason; the same
    summary, the timing aside. The blotter has violations, orders accepted after them, every kind
    of row problem, and orders decided in full (a sale, from the Company, from a holder)."""
    rows = blotter_rows(n)
    source = tmp_path / "blotter.csv"
    with open(source, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([BLOTTER_COLUMNS, *rows])
    out = tmp_path / "results.csv"
    options = ["--mode", mode, *(["--as-of", as_of] if as_of else []),
               *[a for doc, status in IN_FORCE.items() for a in ("--instrument", f"{doc}={status}")]]
    done = run("batch", source, "--out", out, "--format", "json", *options)
    assert done.returncode == 1, done.stderr
    with open(out, newline="", encoding="utf-8") as handle:
        expected = list(csv.DictReader(handle))

    body = {"orders": as_orders(rows), "mode": mode, "instruments": IN_FORCE, **({"as_of": as_of} if as_of else {})}
    response = server.client.post("/v1/batch", json=body)
    assert response.status_code == 200, response.text[:500]
    report = response.json()
    contract.BatchReport.model_validate(report)
    assert (report["rulebook"], report["as_of"], report["cap_table"], report["mode"]) == ("icg-2000", as_of,
                                                                                        "closing", mode)
    assert len(report["results"]) == len(rows) == len(expected)
    assert [as_cells(r) for r in report["results"]] == expected
    # The blotter is one that can fail: both verdicts, rows refused, orders decided each way.
    verdicts = {r["verdict"] for r in report["results"]}
    assert {"CLEAR", "VIOLATION", "REFUSED"} <= verdicts
    assert {r["decided_by"] for r in report["results"]} == ({"headroom", "sale", "check", ""} if mode == "fast" else {"check", ""})
    blocked = [r for r in report["results"] if r["verdict"] == "VIOLATION"]
    assert blocked and all(not r["accepted"] and r["clause"].startswith("PA 6.6(") for r in blocked)

    printed = [line.split(": ", 2) for line in done.stderr.splitlines()]
    assert [(f"{source}:{p['row'] + 1}", p["column"], p["message"]) for p in report["problems"]] == \
        [tuple(line) for line in printed]
    columns = [p["column"] for p in report["problems"]]
    assert columns == (["date", "side", "security", "quantity", "group", "date"] if as_of is None
                       else ["side", "security", "quantity", "group"])

    cli_summary = json.loads(done.stdout)
    contract.BatchSummary.model_validate({k: v for k, v in cli_summary.items() if k not in ("blotter", "results")})
    summary = untimed(report["summary"])
    summary["nearest_their_caps"] = [dict(n, row=n["row"] + 1) for n in summary["nearest_their_caps"]]
    assert summary == untimed(cli_summary)


def test_a_batch_accumulates_and_numbers_are_read_by_their_value(server):
    """Liberty's room on 2 June 2003 is 1,964,341 shares: two orders that fill it pass, one more
    share is a violation of PA 6.6(a) and changes nothing; 1000.0 is 1000, 1000.5 is no quantity."""
    orders = [
        {"date": "2003-06-02", "account": "Liberty Media Corporation", "side": "buy", "security": "common",
         "quantity": Decimal("1000000.0")},
        {"date": "2003-06-02", "account": "Liberty Desk 1", "group": "liberty", "side": "buy", "security": "common",
         "quantity": 964341},
        {"date": "2003-06-02", "account": "Liberty Desk 2", "group": "liberty", "side": "buy", "security": "common",
         "quantity": "1"},
        {"date": "2003-06-02", "account": "Liberty Desk 3", "group": "liberty", "side": "buy", "security": "common",
         "quantity": Decimal("0.5")},
        {"date": "2003-06-03", "account": "Outside Fund 1", "group": "none", "side": "buy", "security": "common",
         "quantity": 5000000},
    ]
    response = server.client.post("/v1/batch", content=dumps({"orders": orders, "instruments": IN_FORCE}))
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["row"], r["verdict"], r["accepted"]) for r in results] == [
        (1, "CLEAR", True), (2, "CLEAR", True), (3, "VIOLATION", False), (4, "REFUSED", False), (5, "CLEAR", True)]
    assert [r["quantity"] for r in results] == [1000000, 964341, 1, "0.5", 5000000]
    assert [(r["room_after"], r["max_quantity"]) for r in results] == [
        (964341, 1964341), (0, 964341), (0, 0), (None, None), ("no limit", "no limit")]
    assert (results[1]["value"], results[2]["value"], results[2]["threshold"]) == ("36.999999%", "37.0000001%",
                                                                                   "37.0000%")
    assert results[2]["clause"] == "PA 6.6(a)" and results[2]["rule"] == "pa.6.6a.liberty-standstill"
    assert response.json()["problems"] == [{"row": 4, "column": "quantity", "message": results[3]["reasons"][10:]}]
    assert results[3]["reasons"] == "quantity: expected a whole number of shares, 1 or more, got '0.5'"
    assert response.json()["summary"]["by_verdict"] == {"CLEAR": 3, "REFUSED": 1, "VIOLATION": 1}


def test_a_batch_is_one_decision_with_every_order_verdict(server, decisions):
    orders = [{"date": "2003-06-02", "account": "Liberty Media Corporation", "side": "buy", "security": "common",
               "quantity": q} for q in (1964341, 1)]
    body = {"orders": orders, "cap_table": "closing", "instruments": {"purchase-agreement": "in_force"}}
    first = server.client.post("/v1/batch", json=body)
    assert first.status_code == 200, first.text
    entry = logged(decisions, first.headers["x-decision-id"])
    assert list(entry) == ["decision", "time", "verb", "rulebook", "rulebook_sha256", "cap_table", "input_sha256",
                           "verdict", "binding", "max_quantity", "orders"]
    assert entry["verb"] == "batch" and entry["cap_table"]["name"] == "closing"
    assert entry["input_sha256"] == canonical_sha256(body) == first.headers["x-input-sha256"]
    assert (entry["verdict"], entry["binding"], entry["max_quantity"]) == (None, None, None)
    standstill = {"rule": "pa.6.6a.liberty-standstill", "cite": "PA 6.6(a)"}
    assert entry["orders"] == [
        {"row": 1, "verdict": "CLEAR", "accepted": True, "binding": standstill, "max_quantity": 1964341},
        {"row": 2, "verdict": "VIOLATION", "accepted": False, "binding": standstill, "max_quantity": 0}]
    replay = server.client.post("/v1/batch", content=json.dumps(body, indent=3))
    again = logged(decisions, replay.headers["x-decision-id"])
    assert (again["input_sha256"], again["orders"]) == (entry["input_sha256"], entry["orders"])


def test_a_batch_request_malformed_as_a_whole_is_422(server):
    order = {"date": "2003-06-02", "account": "Outside Fund 1", "group": "none", "side": "buy", "security": "common",
             "quantity": 1000}
    text = json.dumps({"orders": [order, dict(order, quantiy=5), 7, dict(order, side={"buy": 1})], "mode": "fst",
                       "as_of": "2003-13-01", "cap_table": "../captables/closing.yaml", "extra": 1}, indent=2)
    response = server.client.post("/v1/batch", content=text)
    assert response.status_code == 422
    contract.ErrorReport.model_validate(response.json())
    by_field = {e["field"]: e for e in response.json()["errors"]}
    assert set(by_field) == {"extra", "as_of", "mode", "cap_table", "orders[1].quantiy", "orders[2]", "orders[3].side"}
    lines = text.split("\n")
    assert lines[by_field["orders[1].quantiy"]["line"] - 1].strip().startswith('"quantiy"')
    assert lines[by_field["orders[2]"]["line"] - 1].strip() == "7,"
    assert (by_field["orders[1].quantiy"]["category"], by_field["orders[1].quantiy"]["suggestion"]) == (
        "unknown-key", "quantity")
    assert (by_field["mode"]["suggestion"], by_field["as_of"]["category"]) == ("fast", "bad-date")
    assert (by_field["cap_table"]["category"], by_field["orders[3].side"]["category"]) == ("bad-value", "wrong-type")
    for body, field, category in [([order], None, "wrong-type"), ({}, "orders", "missing-field"),
                                  ({"orders": order}, "orders", "wrong-type"),
                                  ({"orders": [{}] * (serve.MAX_ORDERS + 1)}, "orders", "too-large"),
                                  ({"orders": [order], "instruments": {"nope": "in_force"}}, "instruments", None)]:
        response = server.client.post("/v1/batch", json=body)
        assert response.status_code == 422, body
        (error,) = response.json()["errors"]
        assert error["field"] == field and (category is None or error["category"] == category), error
    assert "more than the 5,000 one request may carry" in server.client.post(
        "/v1/batch", json={"orders": [{}] * 5001}).json()["errors"][0]["message"]
    at_most = server.client.post("/v1/batch", json={"orders": [{}] * serve.MAX_ORDERS})
    assert at_most.status_code == 200 and at_most.json()["summary"]["by_verdict"] == {"REFUSED": serve.MAX_ORDERS}


# --- the decision log, concurrency -------------------------------------------------------------------------


def logged(decisions: Path, decision: str) -> dict:
    (entry,) = [json.loads(line) for line in decisions.read_text().splitlines() if decision in line]
    return entry


def test_each_decision_is_logged_and_replays_to_the_same_verdict(server, decisions):
    data = document(SAMPLE)
    first = server.client.post("/v1/check", json=data)
    entry = logged(decisions, first.headers["x-decision-id"])
    assert list(entry) == ["decision", "time", "verb", "rulebook", "rulebook_sha256", "cap_table", "input_sha256",
                           "verdict", "binding", "max_quantity"]
    assert entry["verb"] == "check" and entry["rulebook"] == "icg-2000"
    assert entry["rulebook_sha256"] == rulebook_digest(load_rulebook(ICG, check_quotes=False))
    assert entry["input_sha256"] == canonical_sha256(data) == first.headers["x-input-sha256"]
    assert (entry["verdict"], entry["binding"], entry["max_quantity"]) == (
        "violation", {"rule": "pa.6.6a.liberty-standstill", "cite": "PA 6.6(a)"}, 1964341)
    assert entry["time"].endswith("Z") and entry["cap_table"]["name"] == "closing"
    # Replay: the logged input again, written another way (indented, keys in another order).
    replay = server.client.post("/v1/check", content=json.dumps(dict(reversed(list(data.items()))), indent=4))
    again = logged(decisions, replay.headers["x-decision-id"])
    assert again["decision"] != entry["decision"]
    assert (again["input_sha256"], again["verdict"], again["binding"]) == (entry["input_sha256"], "violation",
                                                                           entry["binding"])
    assert replay.content == first.content
    refused = server.client.post("/v1/check", content=b"{")
    assert refused.status_code == 422 and "x-decision-id" not in refused.headers


def test_twenty_requests_at_once_are_all_answered(server, decisions):
    bodies = [("check", dict(document(SAMPLE), action=dict(document(SAMPLE)["action"], quantity=q)))
              for q in (1964341, 1964342, 500000, 2000000, 3000000)] * 3
    bodies += [("headroom", {"holder": g, "as_of": "2001-06-01"}) for g in ("liberty", "hmtf", "gleacher")]
    bodies += [("position", {"as_of": "2001-06-01"})] * 2
    assert len(bodies) == 20
    before = len(decisions.read_text().splitlines())
    barrier = threading.Barrier(len(bodies))

    def send(item):
        verb, body = item
        barrier.wait()
        return server.client.post(f"/v1/{verb}", json=body)

    with ThreadPoolExecutor(len(bodies)) as pool:
        responses = list(pool.map(send, bodies))
    assert [r.status_code for r in responses] == [200] * 20
    verdicts = [r.json()["verdict"] for r in responses[:5]]
    assert verdicts == ["clear", "violation", "clear", "violation", "violation"]
    assert all(responses[i].content == responses[i + 5].content for i in range(10))
    lines = decisions.read_text().splitlines()[before:]
    assert len(lines) == 20 and all(json.loads(line)["decision"] for line in lines)  # whole lines, none torn


# --- time limits and stopping ---------------------------------------------------------------------------------


def test_a_slow_request_is_504_and_does_not_hold_the_others(tmp_path):
    """A PDF memo takes longer than a 1-second timeout: 504, while a check sent beside it is
    answered by the other worker; a worker killed is replaced; the server stops on SIGINT with 0."""
    slow = Server(tmp_path, "--rules", str(ICG), "--workers", "2", "--timeout", "1")
    try:
        data = document(SAMPLE)
        with ThreadPoolExecutor(4) as pool:  # each worker's first check fills its caches (not timed)
            list(pool.map(lambda _: slow.client.post("/v1/check", json=data), range(4)))
        # A batch evaluated in full past the timeout (3,000 orders at about 4 ms each): 504, and its
        # worker stops at the deadline, not when the watchdog restarts the pool two timeouts on.
        orders = [{"date": "2001-06-01", "account": f"Outside Fund {i % 40}", "group": "none", "side": "buy",
                   "security": "common", "quantity": 1000 + i} for i in range(3000)]
        started = time.monotonic()
        late = slow.client.post("/v1/batch", json={"orders": orders, "mode": "full"})
        assert late.status_code == 504 and late.json()["errors"][0]["category"] == "timeout", late.text[:300]
        assert time.monotonic() - started < 2
        time.sleep(2.5)
        assert "the workers are restarted" not in slow.log()
        assert slow.client.post("/v1/batch", json={"orders": orders[:2]}).status_code == 200
        with ThreadPoolExecutor(2) as pool:
            memo = pool.submit(slow.client.post, "/v1/memo", params={"format": "pdf"}, json=data)
            time.sleep(0.2)
            started = time.monotonic()
            check = slow.client.post("/v1/check", json=data)
            fast = time.monotonic() - started
            memo = memo.result()
        assert memo.status_code == 504, memo.text[:300]
        assert memo.json()["errors"][0]["category"] == "timeout"
        assert check.status_code == 200 and fast < 1.0
        slow.wait_ready()  # after a restart of the workers, if the memo outlived two timeouts
        assert slow.client.post("/v1/check", json=data).status_code == 200
        # A worker that dies: the request that finds the pool broken is 503, then a fresh pool answers.
        spawned = [pid for pid in slow.workers() if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        os.kill(spawned[0], signal.SIGKILL)
        time.sleep(0.5)
        answer = slow.client.post("/v1/check", json=data)
        assert answer.status_code in (200, 503), answer.text
        if answer.status_code == 503:
            assert answer.json()["errors"][0]["category"] == "unavailable" and answer.headers["retry-after"]
        slow.wait_ready()
        assert slow.client.post("/v1/check", json=data).status_code == 200
        assert "a worker process ended; the workers are restarted" in slow.log()
        workers = slow.workers()
        assert len(workers) >= 2
    finally:
        code = slow.stop(signal.SIGINT)
    assert code == 0, slow.log()
    assert not left(workers), slow.log()


def test_the_server_stops_cleanly_on_sigterm(server):
    """Last: stops the module's server."""
    workers = server.workers()
    assert len(workers) >= 2
    assert server.stop(signal.SIGTERM) == 0, server.log()
    assert not left(workers)
    assert server.log().rstrip().endswith("clausewise serve: stopped")
    assert "Traceback" not in server.log()
