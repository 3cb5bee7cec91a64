"""`clausewise serve`: the verbs over HTTP for an order system's pre-clearance, each answered by
a pool of worker processes with the bytes the command line writes under `--format json`.

    POST /v1/check      a scenario document (as JSON) -> contract.CheckReport   (`check --format json`)
    POST /v1/vote       a scenario document           -> contract.VoteReport    (`vote --format json`)
    POST /v1/memo       a scenario document           -> the memo (?format=md|html|pdf|docx, ?to=, ?from=)
    POST /v1/headroom   {holder, as_of, cap_table, instruments} -> contract.HeadroomReport
    POST /v1/position   {as_of, cap_table, instruments, board_size} -> contract.PositionReport
    POST /v1/batch      {orders, as_of, cap_table, instruments, mode} -> contract.BatchReport: the rows
                        of the results file `clausewise batch` writes, with its `--format json` summary
    GET  /v1/rulebooks  the rulebooks served, each with its content sha256 (the memo appendix's)
    GET  /healthz       the server answers;  GET /readyz  its workers have loaded the rulebooks

A POST names its rulebook with `?rulebook=ID` (default: the first served). Bad input answers 422
with the problems the command line prints under `--format json` (contract.ErrorReport), a body
over the limit 413, a request not answered in time 504. A scenario's `cap_table` is one of the
rulebook's own cap tables by name (`closing`) or a mapping written out in the request; a request
never names a file of the server's.

Evaluation never runs in the server's own process or in threads (durable_rules is not
thread-safe): each worker process loads and compiles every rulebook once, at its start, and
answers one request at a time, so a slow request holds one worker and the others go on.

Limits: a body of at most MAX_BODY bytes (1 MiB; --max-body), refused from its Content-Length or
as soon as more arrives, before any of it is parsed; an answer within TIMEOUT_S seconds (10;
--timeout) of the request's arrival, else 504 (work not begun by then is never begun; a worker
still busy STUCK_AFTER timeouts after the request arrived is stopped with its pool, and a fresh
pool takes the requests that follow; a batch still at work at its timeout stops there); JSON within a
YAML file's limits (yamlio: 40 levels deep, 200,000 values, numbers of at most 30 digits); at most
MAX_ORDERS (5,000) orders in a batch, else 422.

The decision log (--decision-log FILE; off by default) has one JSON line per answer given (200),
each written with one os.write on an O_APPEND descriptor, with these keys in this order:
`decision` (a uuid4, also the X-Decision-Id header), `time` (UTC, ISO 8601 with Z), `verb`,
`rulebook` (its id), `rulebook_sha256` (the memo appendix's content digest), `cap_table` (the
rulebook's cap table the request named: {name, sha256}; null for one written out),
`input_sha256` (sha256 of the body's canonical JSON: keys sorted, no spaces, UTF-8 text, each
number by its value; also the X-Input-Sha256 header), `verdict` (check's verdict for check, vote
and memo; headroom's `limit`; null for position), `binding` (the rule id and cite of the first
blocking finding, of headroom's binding provision, or null) and, for check, memo and headroom,
`max_quantity`. A batch is one line, with `verdict`, `binding` and `max_quantity` null and
`orders`: for each order in blotter order its `row`, `verdict`, `accepted`, `binding` (the rule
and clause of its results row) and `max_quantity`. One line, not one per order: an order's verdict
turns on the orders accepted before it in the same request, so the request is what replays, and
its input_sha256 names it. Sending the same body again gives the same input_sha256 and verdicts.

This module imports only the standard library at the top: the command line imports it to build
its parser, and each worker imports it without FastAPI.
"""

import argparse
import hashlib
import json
import os
import re
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import SCHEMA_VERSION, __version__
from .errors import ClausewiseError, EngineError, InputError, Problem, did_you_mean, excerpt, shown

# --- the limits (`clausewise serve --help` states them) ---------------------------------------------

MAX_BODY = 1_048_576  # bytes of a request body (1 MiB): a scenario with a 1,000-holder cap table is ~60 KB
TIMEOUT_S = 10.0  # seconds from arrival to answer: a check takes tens of milliseconds, a PDF memo 3 to 5 s
DEFAULT_WORKERS = max(1, min(4, os.cpu_count() or 1))  # worker processes: the CPUs, at most 4 (~100 MB each)
HOST, PORT = "127.0.0.1", 8000
# A worker still busy with a request this many timeouts after the request arrived is taken to be
# stuck: the pool is replaced by a fresh one and the old workers are stopped.
STUCK_AFTER = 2

REQUEST = "request"  # the `file` a problem in a request body is reported under
QUERY = "query"  # ... and a problem with a query parameter
JSON_TYPE = "application/json"
MEMO_TYPES = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8", "pdf": "application/pdf",
              "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
VERBS = ("check", "vote", "memo", "headroom", "position", "batch")
# Orders in one POST /v1/batch. A fast batch of 5,000 market purchases (some 750 KB of JSON) is
# answered in under a second, half of it reading the JSON; a full one (every order evaluated as
# check evaluates it) takes about 4 ms an order, so about 2,000 of them within the default
# timeout. A larger blotter is `clausewise batch`'s.
MAX_ORDERS = 5_000


# The classes below are plain ones, not dataclasses: the command line imports this module to
# build its parser, and a dataclass costs about a millisecond to make.


class _Named(Problem):
    """A problem whose field is known where it is found (a request key or a query parameter)."""

    def __init__(self, file: str, line: int | None, category: str, message: str, field: str | None = None):
        super().__init__(file, line, category, message)
        object.__setattr__(self, "field", field)  # Problem is frozen


# --- in each worker process ------------------------------------------------------------------------


class _Book:
    """A rulebook as a worker serves it: loaded and compiled once, with its content digest."""

    def __init__(self, rulebook: Any, sha256: str):
        self.rulebook = rulebook
        self.sha256 = sha256


_BOOKS: dict[str, _Book] = {}  # rulebook id -> the rulebook, in this worker process only


def _start_worker(folders: tuple[str, ...]) -> None:
    """ProcessPoolExecutor's initializer: load and compile every rulebook served, once."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the server stops its workers
    from . import memo, render, trace  # noqa: F401 - imported now, not by the first request
    from .compiler import compile_rules
    from .rulebook import load_rulebook

    for folder in folders:
        rulebook = load_rulebook(Path(folder), check_quotes=False)
        compile_rules(rulebook.rules)  # every partition now, none on a request
        _BOOKS[rulebook.id] = _Book(rulebook, memo.rulebook_digest(rulebook))


def _ping() -> int:
    """A worker's answer once its initializer has run: its process id."""
    return os.getpid()


class _Task:
    """One request as a worker receives it: the verb, the rulebook's id, the body, the query's
    options, and the time.time() past which the server has answered 504 (the work is not begun)."""

    def __init__(self, verb: str, rulebook: str, body: bytes, options: dict, deadline: float):
        self.verb = verb
        self.rulebook = rulebook
        self.body = body
        self.options = options
        self.deadline = deadline


class _Answer:
    """A worker's answer: the HTTP status and body, and what the decision log records of it."""

    def __init__(self, status: int, content: bytes, media_type: str = JSON_TYPE, input_sha256: str | None = None,
                 decision: dict | None = None):
        self.status = status
        self.content = content
        self.media_type = media_type
        self.input_sha256 = input_sha256
        self.decision = decision


def _answer(task: _Task) -> _Answer:
    """Answer one request, as the command line would answer the same input."""
    if time.time() > task.deadline:
        return _Answer(504, b"")  # queued past its timeout: the server has already answered
    book = _BOOKS[task.rulebook]
    text = None
    try:
        data, text = parse_body(task.body)
        digest = hashlib.sha256(json_text(data, sort=True).encode("utf-8")).hexdigest()
        content, media_type, decision = _VERB_WORK[task.verb](book, data, dict(task.options, deadline=task.deadline),
                                                               digest)
        return _Answer(200, content, media_type, digest, dict(decision, rulebook_sha256=book.sha256))
    except _Late:
        return _Answer(504, b"")  # still at work at the deadline: abandoned, as the server has answered 504
    except InputError as exc:
        return _Answer(422, error_body(entries(exc.problems, text)))
    except EngineError as exc:
        return _Answer(500, error_body([_entry(REQUEST, None, None, "engine-error", f"engine error: {exc}")]))
    except ClausewiseError as exc:
        return _Answer(422, error_body(entries([Problem("clausewise", None, "error", str(exc))], text)))
    except Exception as exc:  # noqa: BLE001 - a bug: the server's log has the traceback, the client one line
        import traceback
        traceback.print_exc()
        return _Answer(500, error_body([_entry(REQUEST, None, None, "internal-error",
                                               f"internal error ({type(exc).__name__}: {excerpt(exc, 200)})")]))


# --- the request body: JSON, read as a scenario file is read ---------------------------------------


class _Refused(Exception):
    """A JSON value no scenario file may hold (a number past yamlio's limits, NaN)."""


def parse_body(body: bytes) -> tuple[Any, str]:
    """The request body as a scenario document, and its text.

    The values are JSON's (json.loads, strict; non-integral numbers as exact Decimals, as a YAML
    file's are), within the limits a YAML file has (yamlio.MAX_DEPTH, MAX_VALUES, MAX_DIGITS);
    mappings and lists remember the line of each key and item, found by composing the same text as
    YAML, so that a problem names its line as it would in a file. A duplicate key is refused.
    """
    from .yamlio import MAX_DEPTH, MAX_DIGITS, MAX_VALUES

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        raise InputError([Problem(REQUEST, line, "json", f"malformed JSON: not UTF-8 text (byte 0x{body[exc.start]:02x})")]) from None
    if not text.strip():
        raise InputError([Problem(REQUEST, None, "json", "malformed JSON: the request body is empty; expected a "
                                                         "JSON object")])

    def number(written: str, integral: bool) -> int | Decimal:
        mantissa, _, exponent = written.lower().partition("e")
        digits = len(mantissa.strip("+-").replace(".", "").lstrip("0"))
        if digits > MAX_DIGITS or (exponent and abs(int(exponent)) > MAX_DIGITS):
            raise _Refused(written, f"'{excerpt(written)}' has more than {MAX_DIGITS} digits, or an exponent past "
                                    f"{MAX_DIGITS}")
        return int(written) if integral else Decimal(written)

    def constant(written: str):
        raise _Refused(written, f"'{written}' is not a finite number")

    duplicates: list[str] = []

    def mapping(pairs: list[tuple[str, Any]]) -> dict:
        out: dict = {}
        for key, value in pairs:
            if key in out:
                duplicates.append(key)
            out[key] = value
        return out

    try:
        data = json.loads(text, object_pairs_hook=mapping, parse_int=lambda s: number(s, True),
                          parse_float=lambda s: number(s, False), parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(REQUEST, exc.lineno, "json",
                                  f"malformed JSON: {exc.msg} (column {exc.colno})")]) from None
    except _Refused as exc:
        written, message = exc.args
        found = text.find(written)
        line = text.count("\n", 0, found) + 1 if found >= 0 else None
        raise InputError([Problem(REQUEST, line, "bad-value", message)]) from None
    except RecursionError:
        raise InputError([Problem(REQUEST, None, "json", f"nested more than {MAX_DEPTH} levels deep")]) from None
    count = 0

    def walk(value: Any, depth: int) -> None:
        nonlocal count
        count += 1
        if count > MAX_VALUES:
            raise InputError([Problem(REQUEST, None, "too-large", f"more than {MAX_VALUES:,} values")])
        if isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                raise InputError([Problem(REQUEST, None, "json", f"nested more than {MAX_DEPTH} levels deep")])
            for key in value if isinstance(value, dict) else ():
                walk(key, depth + 1)
            for item in value.values() if isinstance(value, dict) else value:
                walk(item, depth + 1)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise InputError([Problem(REQUEST, None, "bad-value", f"{shown(value)} holds a lone surrogate "
                                                                      "escape (\\ud800 to \\udfff): not text")]) from None

    walk(data, 0)
    node = _composed(text)
    if duplicates:
        raise InputError([Problem(REQUEST, line, "json", f"malformed JSON: duplicate key '{excerpt(key)}'")
                          for key, line in _duplicate_lines(node, duplicates)])
    return _with_lines(data, node), text


def _composed(text: str):
    """The text's YAML node tree (JSON is YAML's flow style), for the lines of its keys and items;
    None where YAML does not read it (a tab at a line's start, a JSON escape YAML lacks)."""
    import yaml

    try:
        return yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None


def _duplicate_lines(node, keys: list[str]) -> list[tuple[str, int | None]]:
    """Each duplicate key with the line of its second appearance, where the node tree has it."""
    import yaml

    found: list[tuple[str, int | None]] = []
    stack = [node] if node is not None else []
    while stack:
        item = stack.pop()
        if isinstance(item, yaml.MappingNode):
            seen = set()
            for key_node, value_node in item.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in seen:
                        found.append((key_node.value, key_node.start_mark.line + 1))
                    seen.add(key_node.value)
                stack.append(value_node)
        elif isinstance(item, yaml.SequenceNode):
            stack.extend(item.value)
    found.sort(key=lambda pair: pair[1] or 0)
    return found or [(key, None) for key in dict.fromkeys(keys)]


def _with_lines(value: Any, node) -> Any:
    """`value` with each mapping a yamlio.LineDict and each list a LineList, their lines taken from
    `node` where the two agree."""
    import yaml

    from .yamlio import LineDict, LineList

    if isinstance(value, dict) and isinstance(node, yaml.MappingNode):
        children = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                children[key_node.value] = (key_node.start_mark.line + 1, value_node)
        out = LineDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key, item in value.items():
            if key in children:
                out.key_lines[key], child = children[key]
                item = _with_lines(item, child)
            out[key] = item
        return out
    if isinstance(value, list) and isinstance(node, yaml.SequenceNode) and len(node.value) == len(value):
        out = LineList(_with_lines(item, child) for item, child in zip(value, node.value))
        out.line = node.start_mark.line + 1
        out.item_lines = [child.start_mark.line + 1 for child in node.value]
        return out
    return value


_NOT_YAML_TEXT = re.compile("[\x7f-\x84\x86-\x9f\ufffe\uffff]")  # characters a YAML file may hold only escaped


def json_text(value: Any, sort: bool = False) -> str:
    """Compact JSON of a parsed body; with `sort`, the canonical form the input hash is taken of:
    keys sorted, no spaces, text as UTF-8 (not \\u escapes), a number by its value (2000000 and
    2000000.0 alike, 40.5 and 40.50 alike). Also valid YAML: a memo reads it again as a file."""
    if isinstance(value, dict):
        keys = sorted(value) if sort else list(value)
        return "{" + ",".join(json_text(str(k)) + ":" + json_text(value[k], sort) for k in keys) + "}"
    if isinstance(value, list):
        return "[" + ",".join(json_text(item, sort) for item in value) + "]"
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")
    if isinstance(value, str):
        return _NOT_YAML_TEXT.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))
    return json.dumps(value)


# --- the problems of a request, as the command line's JSON states them ----------------------------


_JSON_KEY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:')


def _entry(file: str, line: int | None, field: str | None, category: str, message: str,
           suggestion: str | None = None) -> dict:
    return {"file": file, "line": line, "field": field, "category": category, "message": message,
            "suggestion": suggestion}


def entries(problems: list[Problem], text: str | None) -> list[dict]:
    """contract.Error entries, as cli.error_json makes them: the field named at the head of the
    message, or else the one key on the problem's line of the request body (of a file, cli's
    reading); the suggestion from "(did you mean 'x'?)"."""
    from .errors import FIELD, SUGGESTION, problem_field

    lines = text.split("\n") if text is not None else []
    out = []
    for p in problems:
        field = getattr(p, "field", None)
        if field is None and p.file == REQUEST:
            head = FIELD.match(p.message)
            if head:
                field = head.group(1)
            elif p.line and p.line <= len(lines):
                keys = _JSON_KEY.findall(lines[p.line - 1])
                field = json.loads(f'"{keys[0]}"') if len(keys) == 1 else None
        elif field is None and p.file != QUERY:
            field = problem_field(p)
        suggestion = SUGGESTION.search(p.message)
        out.append(_entry(p.file, p.line, field, p.category, p.message, suggestion.group(1) if suggestion else None))
    return out


def error_body(items: list[dict]) -> bytes:
    """contract.ErrorReport, compact, as the command line writes it."""
    from .render import render_json

    return render_json({"schema_version": SCHEMA_VERSION, "errors": items}).encode("utf-8")


# --- the verbs, in a worker ---------------------------------------------------------------------------


def cap_table_names(rulebook_dir: Path) -> list[str]:
    """The rulebook's own cap tables a request may name: captables/NAME.yaml."""
    from .paths import captables_dir

    return sorted(p.stem for p in captables_dir(rulebook_dir).glob("*.yaml") if p.is_file())


def _requested_instruments(data: dict, stated: list, rulebook) -> dict:
    """The instrument statuses a request states, its problems reported under `instruments`."""
    from .scenario import instruments_from_options
    from .yamlio import line_of

    try:
        return instruments_from_options(stated, rulebook) if stated else {}
    except InputError as exc:  # reported under the request's `instruments`, not an option
        raise InputError([_Named(REQUEST, line_of(data, "instruments"), p.category, p.message, "instruments")
                          for p in exc.problems]) from None


def _requested_cap_table(data: dict, rulebook, refuse, problems: list) -> Path:
    """The cap table a request names (`cap_table`, one of the rulebook's), else the rulebook's
    default; a name that is not one is refused, its problems added to `problems`."""
    from .paths import default_cap_table
    from .yamlio import line_of

    path = default_cap_table(rulebook.path)
    if data.get("cap_table") is not None:
        if not isinstance(data["cap_table"], str):
            refuse("cap_table", "wrong-type", f"cap_table: expected the name of one of the rulebook's cap tables "
                                              f"({', '.join(cap_table_names(rulebook.path))}), got {shown(data['cap_table'])}")
        else:
            try:
                path = _cap_table_file(data["cap_table"], rulebook, "cap_table", line_of(data, "cap_table"))
            except InputError as exc:
                problems.extend(exc.problems)
    return path


def _cap_table_file(value: Any, rulebook, key: str, line: int | None) -> Path:
    """The rulebook's cap table a request names (`closing` or `closing.yaml`); a path is refused."""
    from .paths import captables_dir

    names = cap_table_names(rulebook.path)
    name = value[:-5] if isinstance(value, str) and value.endswith(".yaml") else value
    if isinstance(name, str) and name in names:
        return captables_dir(rulebook.path) / f"{name}.yaml"
    if isinstance(value, str) and (any(c in value for c in "/\\~") or value.startswith(".")):
        raise InputError([_Named(REQUEST, line, "bad-value", f"{key}: {shown(value)} is a path; a request names "
                                 f"one of the rulebook's cap tables ({', '.join(names)}), or writes the cap table "
                                 "out as a mapping", key)])
    raise InputError([_Named(REQUEST, line, "dangling-reference", f"{key}: no cap table {shown(value)} in rulebook "
                             f"{rulebook.id} ({', '.join(names)}){did_you_mean(value, names)}", key)])


def _scenario(book: _Book, data: Any):
    """The scenario a request states (scenario_from_dict, as load_scenario reads a file), with the
    cap table it names resolved to the rulebook's file: (scenario, the file or None)."""
    from .paths import captables_dir
    from .scenario import scenario_from_dict
    from .yamlio import line_of

    rulebook = book.rulebook
    named = None
    if isinstance(data, dict):
        node = data.get("cap_table")
        if isinstance(node, str):
            named = _cap_table_file(node, rulebook, "cap_table", line_of(data, "cap_table"))
            data["cap_table"] = _cap_table(named, rulebook)
        elif isinstance(node, dict) and isinstance(node.get("file"), str):
            named = _cap_table_file(node["file"], rulebook, "cap_table.file", line_of(node, "file"))
            node["file"] = named.name
    return scenario_from_dict(data, rulebook, file=REQUEST, base_dir=captables_dir(rulebook.path)), named


_CAP_TABLES: dict[tuple, tuple[Any, str]] = {}  # (file, its size and mtime) -> (CapTable, sha256), in a worker


def _cap_table(path: Path, rulebook):
    """The rulebook's cap table file, read as a scenario reads it (the same name in its problems),
    once per worker while the file is unchanged: reading it is a third of a check's own work."""
    from .scenario import load_cap_table

    info = path.stat()
    key = (str(path), rulebook.id, info.st_size, info.st_mtime_ns)
    if key not in _CAP_TABLES:
        if len(_CAP_TABLES) > 64:
            _CAP_TABLES.clear()
        table = load_cap_table(path, rulebook, display=os.path.normpath(str(path)))
        _CAP_TABLES[key] = (table, hashlib.sha256(path.read_bytes()).hexdigest())
    return _CAP_TABLES[key][0]


def _cap_table_entry(path: Path | None) -> dict | None:
    """The decision log's record of the cap table a request named: its name and sha256."""
    if path is None:
        return None
    info = path.stat()
    for (file, _, size, mtime), (_, digest) in _CAP_TABLES.items():
        if file == str(path) and (size, mtime) == (info.st_size, info.st_mtime_ns):
            return {"name": path.stem, "sha256": digest}
    return {"name": path.stem, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def _checked(book: _Book, data: Any):
    """As cli._checked: the evaluation, and for a blocked trade its headroom up to the quantity asked."""
    from .evaluate import evaluate, headroom

    scenario, named = _scenario(book, data)
    result = evaluate(book.rulebook, scenario)
    room = None
    if scenario.action.trades_securities and any(f.outcome in ("violation", "cannot_determine") for f in result.findings):
        room = headroom(book.rulebook, scenario, upper=scenario.action.quantity)
    return result, room, named


def _decision(rulebook, result) -> dict:
    """The decision log's verdict (check's) and binding clause: the first blocking finding in the
    order the report shows them, or the first approval not shown to pass."""
    from .render import verdict
    from .views import cite, ordered

    shown_first = ordered(result.findings)
    first = next((f for f in shown_first if f.outcome in ("violation", "cannot_determine")), None)
    if first is None:
        failing = {a.get("rule") for a in result.approvals
                   if a.get("tally") is None or a["tally"].get("result") != "passes"}
        first = next((f for f in shown_first if f.outcome == "approval_required" and f.rule in failing), None)
    return {"verdict": verdict(result).lower().replace(" ", "_"),
            "binding": {"rule": first.rule, "cite": cite(rulebook, first)} if first is not None else None}


def _check(book: _Book, data: Any, options: dict, digest: str):
    from .render import check_json, render_json

    result, room, named = _checked(book, data)
    report = check_json(book.rulebook, result, room)
    if options.get("explain"):
        from .trace import trace
        for entry, finding in zip(report["findings"], result.findings):
            entry["trace"] = trace(book.rulebook, result, finding)
    decision = dict(_decision(book.rulebook, result), max_quantity=room.max_quantity if room else None,
                    cap_table=_cap_table_entry(named))
    return render_json(report).encode("utf-8"), JSON_TYPE, decision


def _vote(book: _Book, data: Any, options: dict, digest: str):
    from .evaluate import evaluate
    from .render import render_json, vote_json

    scenario, named = _scenario(book, data)
    result = evaluate(book.rulebook, scenario)
    decision = dict(_decision(book.rulebook, result), cap_table=_cap_table_entry(named))
    return render_json(vote_json(book.rulebook, result)).encode("utf-8"), JSON_TYPE, decision


def _memo(book: _Book, data: Any, options: dict, digest: str):
    """The memo as `clausewise memo` drafts it. Its readings run the scenario again on each other
    reading from a file (memo.alternative_run), so the request is written to a private temporary
    file for the while; the appendix names the request and its input sha256 in that file's place."""
    import tempfile

    from .memo import memo_data, render_memo

    result, room, named = _checked(book, data)
    if named is not None:  # the file the temporary copy names: the rulebook's own, by its full path
        if isinstance(data["cap_table"], dict):
            data["cap_table"]["file"] = str(named)
        else:
            data["cap_table"] = str(named)
    with tempfile.TemporaryDirectory(prefix="clausewise-memo-") as folder:
        path = Path(folder) / "request.json"
        path.write_text(json_text(data), encoding="utf-8")
        memo = _replaced(memo_data(book.rulebook, result, room, path, options["to"], options["from"]), str(path), REQUEST)
    memo["appendix"]["scenario"] = REQUEST
    memo["appendix"]["scenario_sha256"] = digest
    content = render_memo(memo, options["format"])
    decision = dict(_decision(book.rulebook, result), max_quantity=room.max_quantity if room else None,
                    cap_table=_cap_table_entry(named))
    return content if isinstance(content, bytes) else content.encode("utf-8"), MEMO_TYPES[options["format"]], decision


def _replaced(value: Any, old: str, new: str) -> Any:
    """`value` with `old` replaced by `new` in every string in it (the temporary file's name)."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {k: _replaced(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replaced(v, old, new) for v in value]
    return value


POSITION_KEYS = ("as_of", "cap_table", "instruments", "board_size")
HEADROOM_KEYS = ("holder", "as_of", "cap_table", "instruments")


def _on_date(book: _Book, data: Any, verb: str):
    """A position or headroom request, validated as the command line validates its options (the
    request's keys are the options: `holder`, `as_of`, `cap_table` by name, `instruments` as a
    scenario states them, `board_size`): (the cap table as it stood on the date, the date, the group)."""
    from dataclasses import replace

    from .scenario import DATE_TEXT, MAX_BOARD, load_cap_table, out_of_span
    from .yamlio import line_of

    rulebook = book.rulebook
    allowed = HEADROOM_KEYS if verb == "headroom" else POSITION_KEYS
    if not isinstance(data, dict):
        raise InputError([Problem(REQUEST, line_of(data), "wrong-type", f"top level: expected a mapping, got {shown(data)}")])
    problems: list[Problem] = []

    def refuse(key: str, category: str, message: str) -> None:
        problems.append(_Named(REQUEST, line_of(data, key), category, message, key))

    for key in data:
        if key not in allowed:
            refuse(str(key), "unknown-key", f"top level: unknown key '{excerpt(key)}' for {verb}"
                                            f"{did_you_mean(key, allowed)}")
    for key in ("holder", "as_of") if verb == "headroom" else ("as_of",):
        if data.get(key) is None:
            refuse(key, "missing-field", f"{key}: missing")
    holder = data.get("holder")
    if holder is not None and (not isinstance(holder, str) or holder not in rulebook.groups):
        refuse("holder", "unknown-holder", f"holder: no group '{excerpt(holder)}' (expected one of "
                                           f"{', '.join(rulebook.groups)}){did_you_mean(holder, rulebook.groups)}")
    as_of = None
    value = data.get("as_of")
    if value is not None:
        try:
            if not (isinstance(value, str) and DATE_TEXT.fullmatch(value)):
                raise ValueError(value)
            as_of = date.fromisoformat(value)
        except ValueError:
            refuse("as_of", "bad-date", f"as_of: expected a date YYYY-MM-DD, got {shown(value)}")
    if as_of is not None:
        why = out_of_span(rulebook, as_of)
        closing = rulebook.param("closing_date")
        if why is not None:
            refuse("as_of", "bad-date", f"as_of: {why}")
        elif as_of < closing:
            refuse("as_of", "bad-date", f"as_of: {as_of} is before the Closing Date {closing}; the rulebook starts there")
    board_size = data.get("board_size")
    if board_size is not None and (isinstance(board_size, bool) or not isinstance(board_size, int)
                                   or not 1 <= board_size <= MAX_BOARD):
        refuse("board_size", "bad-value", f"board_size: expected a whole number of directors from 1 to {MAX_BOARD}, "
                                          f"got {shown(board_size)}")
    path = _requested_cap_table(data, rulebook, refuse, problems)
    stated = _instrument_options(data, refuse)
    if problems:
        raise InputError(problems)
    statuses = _requested_instruments(data, stated, rulebook)
    cap = _cap_table(path, rulebook)
    if cap.last_event is not None and cap.last_event[0] > as_of:  # as cli._cap_table_on
        cap = load_cap_table(path, rulebook, until=as_of)
    if statuses:
        cap = replace(cap, instruments={**cap.instruments, **statuses})
    if board_size is not None:
        cap = replace(cap, board_size=board_size)
    return cap, as_of, holder, path


def _instrument_options(data: dict, refuse) -> list[str]:
    """A request's `instruments` (as a scenario states them: DOC: in_force, or DOC: {status, from})
    as the command line's --instrument options, DOC=STATUS[:FROM]."""
    from .scenario import DATE_TEXT

    node = data.get("instruments")
    if node is None:
        return []
    if not isinstance(node, dict):
        refuse("instruments", "wrong-type", f"instruments: expected a mapping of document id: status, got {shown(node)}")
        return []
    out = []
    for doc_id, item in node.items():
        where = f"instruments.{doc_id}"
        if isinstance(item, str):
            out.append(f"{doc_id}={item}")
            continue
        if not isinstance(item, dict) or not isinstance(item.get("status"), str) or set(item) - {"status", "from"}:
            refuse("instruments", "wrong-type", f"{where}: expected a status (in_force) or a mapping with status and "
                                                f"from, got {shown(item)}")
            continue
        when = item.get("from")
        if when is None:
            out.append(f"{doc_id}={item['status']}")
        elif isinstance(when, str) and DATE_TEXT.fullmatch(when) and _is_date(when):
            out.append(f"{doc_id}={item['status']}:{when}")
        else:
            refuse("instruments", "bad-date", f"{where}.from: expected a date YYYY-MM-DD, got {shown(when)}")
    return out


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _headroom(book: _Book, data: Any, options: dict, digest: str):
    from .position import group_headroom, headroom_json_text

    cap, as_of, holder, path = _on_date(book, data, "headroom")
    report = group_headroom(book.rulebook, cap, holder, as_of)
    binding = report.get("binding")
    if binding:
        document = book.rulebook.documents.get(binding["document"])
        code = document.code if document is not None and document.code else binding["document"]
        binding = {"rule": binding["rule"], "cite": f"{code} {binding['section']}"}
    decision = {"verdict": report["limit"], "binding": binding or None, "max_quantity": report["max_quantity"],
                "cap_table": _cap_table_entry(path)}
    return headroom_json_text(report).encode("utf-8"), JSON_TYPE, decision


def _position(book: _Book, data: Any, options: dict, digest: str):
    from .position import position_json, positions

    cap, as_of, _, path = _on_date(book, data, "position")
    text = position_json(positions(book.rulebook, cap, as_of))
    return text.encode("utf-8"), JSON_TYPE, {"verdict": None, "binding": None, "cap_table": _cap_table_entry(path)}


BATCH_KEYS = ("orders", "as_of", "cap_table", "instruments", "mode")
BATCH_MODES = ("fast", "full")


class _Late(Exception):
    """A request's work still running at its deadline (the server has answered 504)."""


def _blotter(book: _Book, data: Any):
    """A batch request, validated as the command line validates `clausewise batch`'s options and its
    blotter (the request's keys are the options: `as_of`, `cap_table` by name, `instruments` as a
    scenario states them, `mode`; `orders` the blotter's rows, each a mapping of column: value):
    (the column names, the orders, the date of every order or None, the cap table file, the
    instrument statuses, the mode). A problem with the request as a whole (a key, a type, a
    column no blotter has, a list or mapping where a cell's value belongs) refuses it; a cell that
    is not the date, side, security or quantity its column asks for is its row's problem, read later
    as a blotter file's row is."""
    from .batch import COLUMNS, extra_fields
    from .scenario import DATE_TEXT, out_of_span
    from .yamlio import LineList, line_of

    rulebook = book.rulebook
    if not isinstance(data, dict):
        raise InputError([Problem(REQUEST, line_of(data), "wrong-type", f"top level: expected a mapping with the "
                                                                       f"orders, got {shown(data)}")])
    problems: list[Problem] = []

    def refuse(key: str, category: str, message: str, line: int | None = None, field: str | None = None) -> None:
        problems.append(_Named(REQUEST, line if line is not None else line_of(data, key), category, message,
                               field or key))

    for key in data:
        if key not in BATCH_KEYS:
            refuse(str(key), "unknown-key", f"top level: unknown key '{excerpt(key)}' for batch"
                                            f"{did_you_mean(key, BATCH_KEYS)}")
    as_of = None
    value = data.get("as_of")
    if value is not None:
        if isinstance(value, str) and DATE_TEXT.fullmatch(value) and _is_date(value):
            as_of = date.fromisoformat(value)
            why = out_of_span(rulebook, as_of)
            if why is not None:
                refuse("as_of", "bad-date", f"as_of: {why}")
        else:
            refuse("as_of", "bad-date", f"as_of: expected a date YYYY-MM-DD (the date of every order), got "
                                        f"{shown(value)}")
    mode = data.get("mode", "fast")
    if mode not in BATCH_MODES:
        refuse("mode", "bad-value", f"mode: expected fast or full, got {shown(mode)}"
                                    f"{did_you_mean(mode, BATCH_MODES) if isinstance(mode, str) else ''}")
    path = _requested_cap_table(data, rulebook, refuse, problems)
    stated = _instrument_options(data, refuse)
    names = [*COLUMNS, *extra_fields(rulebook)]
    orders = data.get("orders")
    if orders is None:
        refuse("orders", "missing-field", f"orders: missing (the blotter: a list of orders, each a mapping of its "
                                          f"columns: {', '.join(COLUMNS)})")
    elif not isinstance(orders, list):
        refuse("orders", "wrong-type", f"orders: expected a list of orders, got {shown(orders)}")
    elif len(orders) > MAX_ORDERS:
        refuse("orders", "too-large", f"orders: {len(orders):,} orders, more than the {MAX_ORDERS:,} one request "
                                      "may carry (send them in turn, or run `clausewise batch` on the blotter)")
    else:
        lines = orders.item_lines if isinstance(orders, LineList) else []
        for i, order in enumerate(orders):
            where, line = f"orders[{i}]", lines[i] if i < len(lines) else line_of(orders)
            if not isinstance(order, dict):
                refuse("orders", "wrong-type", f"{where}: expected an order, a mapping of column: value, got "
                                               f"{shown(order)}", line, where)
                continue
            for key, cell in order.items():
                if key not in names:
                    refuse("orders", "unknown-key", f"{where}: unknown column '{excerpt(key)}' (the columns: "
                                                    f"{', '.join(names)}){did_you_mean(key, names)}",
                           line_of(order, key), f"{where}.{key}")
                elif isinstance(cell, (dict, list)):
                    refuse("orders", "wrong-type", f"{where}.{key}: expected text, a number or true/false, got "
                                                   f"{shown(cell)}", line_of(order, key), f"{where}.{key}")
    if problems:
        raise InputError(problems)
    statuses = _requested_instruments(data, stated, rulebook)
    return names, orders, as_of, path, statuses, mode


def _cell(value: Any) -> str:
    """An order's value as a blotter's cell holds it: text as sent, a number by its value (1000 and
    1000.0 alike, as the input hash has them), true or false, nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return json_text(value)
    return value


def _batch(book: _Book, data: Any, options: dict, digest: str):
    """`clausewise batch` on the request's orders (batch.run_rows, as run_blotter runs a file's rows):
    one result per order in blotter order, each the results file's row with its numbers as numbers;
    the rows that could not be read; the summary `--format json` prints."""
    from .batch import run_rows
    from .render import render_json
    from .scenario import load_cap_table

    names, orders, as_of, path, statuses, mode = _blotter(book, data)
    rulebook = book.rulebook
    cap = _cap_table(path, rulebook)
    if as_of is not None and cap.last_event is not None and cap.last_event[0] > as_of:  # as cli._cap_table_on
        cap = load_cap_table(path, rulebook, until=as_of)
    deadline = options["deadline"]

    def rows():
        for i, order in enumerate(orders):
            if i % 16 == 0 and time.time() > deadline:
                raise _Late
            yield i + 1, [_cell(order.get(name)) for name in names]

    results, summary, problems = run_rows(rulebook, cap, names, rows(), as_of=as_of, instruments=statuses, mode=mode)
    for row in results:
        row["accepted"] = row["accepted"] == "yes"
        for key in ("room_after", "max_quantity"):
            if row[key] == "":
                row[key] = None
    report = {"schema_version": SCHEMA_VERSION, "rulebook": rulebook.id,
              "as_of": as_of.isoformat() if as_of is not None else None, "cap_table": path.stem, "mode": mode,
              "results": results, "problems": [{"row": p.row, "column": p.column, "message": p.message} for p in problems],
              "summary": summary.as_json()}
    decided = [{"row": r["row"], "verdict": r["verdict"], "accepted": r["accepted"],
                "binding": {"rule": r["rule"], "cite": r["clause"]} if r["rule"] else None,
                "max_quantity": r["max_quantity"]} for r in results]
    decision = {"verdict": None, "binding": None, "max_quantity": None, "cap_table": _cap_table_entry(path),
                "orders": decided}
    return render_json(report).encode("utf-8"), JSON_TYPE, decision


_VERB_WORK = {"check": _check, "vote": _vote, "memo": _memo, "headroom": _headroom, "position": _position,
              "batch": _batch}


# --- in the server's process: the pool of workers -----------------------------------------------------


class _Workers:
    """The worker processes (spawned, so that none inherits the server's event loop or threads),
    warmed at start; replaced when one dies or stays stuck past STUCK_AFTER timeouts."""

    def __init__(self, folders: list[Path], count: int, timeout_s: float):
        self.folders = tuple(str(f) for f in folders)
        self.count = count
        self.timeout_s = timeout_s
        self.pool: ProcessPoolExecutor | None = None
        self.state = "starting"  # starting | ready | restarting | stopping | failed: <reason>
        self.running: dict[Future, float] = {}  # work handed to the pool -> when it counts as stuck (monotonic)
        self._tasks: set[asyncio.Task] = set()

    def start(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.pool = ProcessPoolExecutor(max_workers=self.count, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start_worker, initargs=(self.folders,))
        self._spawn(self._warm(self.pool))

    def _spawn(self, coroutine) -> None:
        import asyncio

        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _warm(self, pool: "ProcessPoolExecutor") -> None:  # noqa: F821
        """One ping per worker, submitted at once so that every worker starts and loads now."""
        import asyncio

        try:
            await asyncio.gather(*(asyncio.wrap_future(pool.submit(_ping)) for _ in range(self.count)))
        except Exception as exc:  # noqa: BLE001 - a worker's initializer failed: said once, /readyz says it
            if pool is self.pool:
                self.state = f"failed: the workers could not start ({type(exc).__name__}: {excerpt(exc, 200)})"
                print(f"clausewise serve: {self.state}", file=sys.stderr, flush=True)
            return
        if pool is self.pool and self.state in ("starting", "restarting"):
            self.state = "ready"

    def watch(self) -> None:
        """Check every second for work stuck past STUCK_AFTER timeouts."""
        import asyncio

        async def loop() -> None:
            while self.state != "stopping":
                await asyncio.sleep(min(1.0, self.timeout_s))
                now = time.monotonic()
                if any(not f.done() and now > stuck for f, stuck in list(self.running.items())):
                    print(f"clausewise serve: a worker was still busy {STUCK_AFTER} timeouts after a request "
                          "arrived; the workers are restarted", file=sys.stderr, flush=True)
                    self.restart()
        self._spawn(loop())

    def restart(self) -> None:
        import asyncio

        old = self.pool
        self.state = "restarting"
        self.running.clear()
        self.start()
        if old is not None:  # its work ends with BrokenProcessPool or cancelled: answered 503
            asyncio.get_running_loop().run_in_executor(None, _stop_pool, old, True)

    async def run(self, task: _Task, timeout: float) -> _Answer:
        """The worker's answer, or TimeoutError after `timeout` seconds (work not begun by then is
        withdrawn: cancelled, or skipped by the worker); RuntimeError (BrokenProcessPool among them)
        when the pool has failed or is stopping, after which a fresh pool takes the next request."""
        import asyncio
        from concurrent.futures.process import BrokenProcessPool

        if self.state == "stopping":
            raise RuntimeError("the server is stopping")
        pool = self.pool
        try:
            future = pool.submit(_answer, task)
        except RuntimeError:
            self._replace(pool)
            raise
        self.running[future] = time.monotonic() + STUCK_AFTER * self.timeout_s
        loop = asyncio.get_running_loop()

        def finished(done) -> None:  # in the executor's thread
            try:
                loop.call_soon_threadsafe(self.running.pop, done, None)
            except RuntimeError:  # the event loop has closed: nothing left to track
                pass

        future.add_done_callback(finished)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
        except BrokenProcessPool:
            self._replace(pool)
            raise

    def _replace(self, pool: "ProcessPoolExecutor") -> None:  # noqa: F821
        """A fresh pool for `pool`, once, if it is still the current one (not when the workers could
        not start at all: /readyz says why, and each request is answered 503)."""
        if pool is self.pool and self.state != "stopping" and not self.state.startswith("failed"):
            print("clausewise serve: a worker process ended; the workers are restarted", file=sys.stderr, flush=True)
            self.restart()

    async def stop(self) -> None:
        import asyncio

        self.state = "stopping"
        for task in list(self._tasks):
            task.cancel()
        if self.pool is not None:
            await asyncio.get_running_loop().run_in_executor(None, _stop_pool, self.pool, False)


def _stop_pool(pool: "ProcessPoolExecutor", kill: bool) -> None:  # noqa: F821
    """Shut the pool down: its queued work cancelled, its workers ended (waited for up to 10 s,
    then terminated; at once with `kill`)."""
    import threading

    processes = list(getattr(pool, "_processes", {}).values())  # the executor keeps no public list
    closer = threading.Thread(target=pool.shutdown, kwargs={"wait": True, "cancel_futures": True}, daemon=True)
    closer.start()
    if not kill:
        closer.join(10)
    for process in processes:
        if process.is_alive():
            process.terminate()
    closer.join(5)


# --- the service: rulebooks, limits, the decision log ---------------------------------------------------


class _TooLarge(Exception):
    """A request body over max_body bytes."""


async def _read_body(request, most: int) -> bytes:
    """The request body, refused (_TooLarge) as soon as its Content-Length or the bytes received pass
    `most`: an oversized body is never held whole, nor parsed."""
    length = request.headers.get("content-length")
    if length is not None and length.strip().isdigit() and int(length) > most:
        raise _TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > most:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


class _Served:
    """A rulebook as the server lists it (GET /v1/rulebooks)."""

    def __init__(self, id: str, title: str, folder: Path, sha256: str, groups: list[str]):
        self.id = id
        self.title = title
        self.folder = folder
        self.sha256 = sha256
        self.groups = groups


class _Service:
    """What the endpoints share: the rulebooks served, the limits, the workers and the decision log."""

    def __init__(self, rulebook_dirs: list[Path], workers: int, timeout_s: float, max_body: int,
                 decision_log: Path | None):
        from .memo import rulebook_digest
        from .rulebook import load_rulebook

        problems = []
        if not (isinstance(workers, int) and workers >= 1):
            problems.append(Problem("--workers", None, "bad-argument", f"expected at least 1 worker, got {shown(workers)}"))
        if not (isinstance(timeout_s, (int, float)) and 0 < timeout_s <= 3600):
            problems.append(Problem("--timeout", None, "bad-argument", f"expected seconds above 0 and at most 3600, "
                                                                       f"got {shown(timeout_s)}"))
        if not (isinstance(max_body, int) and max_body >= 1):
            problems.append(Problem("--max-body", None, "bad-argument", f"expected at least 1 byte, got {shown(max_body)}"))
        if not rulebook_dirs:
            problems.append(Problem("--rules", None, "bad-argument", "no rulebook to serve"))
        if problems:
            raise InputError(problems)
        self.books: dict[str, _Served] = {}
        folders = []
        for folder in rulebook_dirs:
            folder = Path(folder).resolve()
            rulebook = load_rulebook(folder, check_quotes=False)
            if rulebook.id in self.books:
                raise InputError([Problem(str(folder), None, "duplicate-id", f"--rules: rulebook '{rulebook.id}' is "
                                          f"already served from {self.books[rulebook.id].folder}")])
            self.books[rulebook.id] = _Served(rulebook.id, rulebook.title, folder, rulebook_digest(rulebook),
                                              list(rulebook.groups))
            folders.append(folder)
        self.default = next(iter(self.books))
        self.timeout_s = float(timeout_s)
        self.max_body = max_body
        self.workers = _Workers(folders, workers, self.timeout_s)
        self.log_path = decision_log
        self.log_fd = None
        if decision_log is not None:
            try:
                self.log_fd = os.open(decision_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise InputError([Problem(str(decision_log), None, "unwritable-file", f"--decision-log: cannot be "
                                          f"opened ({excerpt(exc.strerror or exc)})")]) from None

    def listing(self) -> dict:
        from .paths import captables_dir

        books = []
        for served in self.books.values():
            tables = [{"name": name, "sha256": hashlib.sha256((captables_dir(served.folder) / f"{name}.yaml")
                                                               .read_bytes()).hexdigest()}
                      for name in cap_table_names(served.folder)]
            books.append({"id": served.id, "title": served.title, "sha256": served.sha256,
                          "default": served.id == self.default, "groups": served.groups, "cap_tables": tables})
        return {"schema_version": SCHEMA_VERSION, "rulebooks": books}

    def log(self, entry: dict) -> None:
        """Append one decision as one line, in one write on an O_APPEND descriptor: lines written at
        once, by this server or another on the same file, never interleave."""
        if self.log_fd is None:
            return
        line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        if os.write(self.log_fd, line) != len(line):
            raise OSError("the decision log took only part of the line")

    def close(self) -> None:
        if self.log_fd is not None:
            os.close(self.log_fd)
            self.log_fd = None


def _error_response(status: int, items: list[dict], headers: dict | None = None):
    from fastapi.responses import Response

    return Response(error_body(items), status_code=status, media_type=JSON_TYPE, headers=headers)


async def _answered(service: _Service, request, verb: str, rulebook: str | None, options: dict):
    """A POST: the rulebook named, the body within max_body, the worker's answer within the
    timeout; a decision logged before it is returned."""
    import asyncio
    import uuid
    from datetime import datetime, timezone

    from fastapi.responses import Response

    arrived = time.monotonic()
    book = rulebook if rulebook is not None else service.default
    if book not in service.books:
        ids = list(service.books)
        return _error_response(422, entries([_Named(QUERY, None, "bad-argument", f"rulebook: no rulebook '{excerpt(book)}'"
                                                    f" is served here ({', '.join(ids)}){did_you_mean(book, ids)}",
                                                    "rulebook")], None))
    timeout = service.timeout_s
    try:
        async with asyncio.timeout(timeout):
            body = await _read_body(request, service.max_body)
        answer = await service.workers.run(_Task(verb, book, body, options, time.time() + timeout - (time.monotonic() - arrived)),
                                           max(0.0, timeout - (time.monotonic() - arrived)))
    except _TooLarge:
        return _error_response(413, [_entry(REQUEST, None, None, "too-large", f"the request body is larger than "
                                            f"{service.max_body:,} bytes (the server's --max-body)")],
                               {"Connection": "close"})
    except (asyncio.TimeoutError, TimeoutError):
        return _error_response(504, [_entry(REQUEST, None, None, "timeout", f"no answer within {timeout:g} seconds "
                                            "(the server's --timeout); the request was abandoned")])
    except (RuntimeError, asyncio.CancelledError) as exc:  # BrokenProcessPool is a RuntimeError
        if isinstance(exc, asyncio.CancelledError) and asyncio.current_task().cancelling():
            raise  # this request itself is cancelled, not the pool's work
        return _error_response(503, [_entry(REQUEST, None, None, "unavailable", "the workers are restarting; "
                                            "send the request again")], {"Retry-After": "2"})
    if answer.status == 504:
        return _error_response(504, [_entry(REQUEST, None, None, "timeout", f"no answer within {timeout:g} seconds "
                                            "(the server's --timeout); the request was abandoned")])
    headers = {}
    if answer.status == 200:
        decision = str(uuid.uuid4())
        headers = {"X-Decision-Id": decision, "X-Input-Sha256": answer.input_sha256}
        entry = {"decision": decision, "time": datetime.now(timezone.utc).isoformat(timespec="microseconds")
                 .replace("+00:00", "Z"), "verb": verb, "rulebook": book, **answer.decision,
                 "input_sha256": answer.input_sha256}
        entry = {key: entry[key] for key in _LOG_KEYS if key in entry}
        try:
            service.log(entry)
        except OSError as exc:  # a decision is not given without its record
            return _error_response(500, [_entry(REQUEST, None, None, "decision-log", f"the decision could not be "
                                                f"logged ({excerpt(getattr(exc, 'strerror', None) or exc)}); none is given")])
    return Response(answer.content, status_code=answer.status, media_type=answer.media_type, headers=headers)


# One decision log line's keys, in this order (see the module's docstring).
_LOG_KEYS = ("decision", "time", "verb", "rulebook", "rulebook_sha256", "cap_table", "input_sha256", "verdict",
             "binding", "max_quantity", "orders")


def _request_schemas(max_body: int) -> dict[str, dict]:
    """The request bodies' schemas, for the OpenAPI document (validation is the engine's own)."""
    date_text = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    cap_table = {"type": "string", "description": "one of the rulebook's own cap tables, by name (GET /v1/rulebooks "
                                                  "lists them); a path is refused", "examples": ["closing"]}
    instruments = {"type": "object", "description": "each document's stated status, as a scenario states it: "
                                                    "`in_force`, or {status: terminated|cancelled, from: DATE}",
                   "additionalProperties": {"anyOf": [
                       {"type": "string", "examples": ["in_force"]},
                       {"type": "object", "properties": {"status": {"type": "string"}, "from": date_text},
                        "required": ["status"], "additionalProperties": False}]}}
    return {
        "ScenarioDocument": {
            "type": "object", "title": "ScenarioDocument",
            "description": "The scenario document a YAML file holds, as JSON: the same keys and values "
                           "(engine/schemas/scenario.schema.json; the rulebook's own "
                           "rules/<rulebook>/schemas/scenario.schema.json), dates as \"YYYY-MM-DD\". `cap_table` "
                           "names one of the rulebook's cap tables (\"closing\", or {\"file\": \"closing\", ...} to "
                           "amend it) or writes one out in full; a path is refused. At most "
                           f"{max_body:,} bytes.",
            "required": ["name", "as_of", "cap_table", "action"],
            "properties": {
                "name": {"type": "string"}, "description": {"type": "string"}, "as_of": date_text,
                "cap_table": {"anyOf": [cap_table, {"type": "object", "description": "a cap table written out "
                              "(common_outstanding, holders, ...), or `file` (a name) with figures that amend it"}]},
                "instruments": instruments,
                "history": {"type": "array", "items": {"type": "object"}},
                "action": {"type": "object", "description": "the proposed action: kind and its fields",
                           "required": ["kind"]},
                "vote": {"type": "object"}, "board": {"type": "object"},
                "acting_as_group": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
            },
            "additionalProperties": False,
        },
        "HeadroomRequest": {
            "type": "object", "title": "HeadroomRequest",
            "description": "`clausewise headroom`'s options as keys: --holder, --as-of, --cap-table (a name), "
                           "--instrument (as a scenario's `instruments`).",
            "required": ["holder", "as_of"],
            "properties": {"holder": {"type": "string", "description": "a group id of the rulebook"},
                           "as_of": date_text, "cap_table": cap_table, "instruments": instruments},
            "additionalProperties": False,
        },
        "BatchRequest": {
            "type": "object", "title": "BatchRequest",
            "description": "`clausewise batch`'s blotter and options as keys: `orders` (the blotter's rows in blotter "
                           "order, which must be date order, each a mapping of its columns), --as-of, --cap-table (a "
                           "name), --instrument (as a scenario's `instruments`), --mode. A cell is text, a number "
                           "or true/false; a value a cell cannot hold refuses its row alone (REFUSED, in `problems`), "
                           f"a key no blotter has the request. At most {MAX_ORDERS:,} orders.",
            "required": ["orders"],
            "properties": {
                "orders": {"type": "array", "maxItems": MAX_ORDERS, "items": {
                    "type": "object",
                    "properties": {
                        "date": dict(date_text, description="the order's date (else `as_of`)"),
                        "account": {"type": "string", "description": "the holder placing the order: a holder on "
                                                                     "the cap table, or a new account with `group`"},
                        "group": {"type": "string", "description": "for an account not on the cap table: a group "
                                                                   "of the rulebook, or none"},
                        "side": {"type": "string", "enum": ["buy", "sell"]},
                        "security": {"type": "string", "examples": ["common"]},
                        "quantity": {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string"}],
                                     "description": "whole shares"},
                        "counterparty": {"type": "string", "description": "market (default), company, or a "
                                                                          "holder's name"},
                        "counterparty_group": {"type": "string", "description": "for a counterparty not on the "
                                                                                "cap table"},
                    },
                    "required": ["account", "side", "security", "quantity"],
                    "additionalProperties": {"type": ["string", "number", "boolean", "null"],
                                             "description": "a further field a purchase or transfer states (the "
                                                            "rulebook's facts.yaml)"}}},
                "as_of": dict(date_text, description="the date of every order (else each order's `date`)"),
                "cap_table": cap_table, "instruments": instruments,
                "mode": {"type": "string", "enum": ["fast", "full"], "default": "fast",
                         "description": "fast: the engine's headroom per set of facts; full: every order evaluated "
                                        "as check evaluates it (about 4 ms an order)"},
            },
            "additionalProperties": False,
        },
        "PositionRequest": {
            "type": "object", "title": "PositionRequest",
            "description": "`clausewise position`'s options as keys: --as-of, --cap-table (a name), --instrument "
                           "(as a scenario's `instruments`), --board-size.",
            "required": ["as_of"],
            "properties": {"as_of": date_text, "cap_table": cap_table, "instruments": instruments,
                           "board_size": {"type": "integer", "minimum": 1}},
            "additionalProperties": False,
        },
    }


def create_app(rulebook_dirs: list[Path], workers: int = DEFAULT_WORKERS, timeout_s: float = TIMEOUT_S,
               max_body: int = MAX_BODY, decision_log: Path | None = None) -> "FastAPI":  # noqa: F821
    """The HTTP API over the rulebooks in `rulebook_dirs` (the first is a request's default).

    The rulebooks are loaded here, once, to list them and to refuse a bad folder before the server
    starts (InputError); the workers load their own when the app starts (its lifespan) and are
    stopped when it ends."""
    from contextlib import asynccontextmanager
    from typing import Literal

    from fastapi import FastAPI, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.openapi.utils import get_openapi
    from fastapi.responses import JSONResponse, Response
    from pydantic import BaseModel, Field
    from starlette.exceptions import HTTPException

    from . import contract

    service = _Service(rulebook_dirs, workers, timeout_s, max_body, decision_log)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        service.workers.start()
        service.workers.watch()
        try:
            yield
        finally:
            await service.workers.stop()
            service.close()

    app = FastAPI(title="Clausewise", version=__version__, lifespan=lifespan,
                  description="Pre-clearance of trades, transfers and corporate actions against the clauses of a "
                              "securities deal: each verb answers with the JSON `clausewise VERB --format json` writes "
                              "for the same input. Bad input: 422 with one entry per problem (file, line, field, "
                              f"category, message, suggestion). Limits: a body of at most {service.max_body:,} bytes "
                              f"(413), an answer within {service.timeout_s:g} seconds (504).")
    app.state.service = service

    class CapTableListed(BaseModel):
        name: str = Field(description="the name a request gives as `cap_table`")
        sha256: str = Field(description="sha256 of the cap table file")

    class RulebookListed(BaseModel):
        id: str
        title: str
        sha256: str = Field(description="the rulebook's content sha256, as a memo's appendix states it: every YAML "
                                        "file of its folder, by name and bytes")
        default: bool = Field(description="the rulebook a request that names none is answered by")
        groups: list[str] = Field(description="the holder groups, as headroom's `holder` names them")
        cap_tables: list[CapTableListed]

    class RulebooksReport(BaseModel):
        """GET /v1/rulebooks."""

        schema_version: Literal["1.0"]
        rulebooks: list[RulebookListed]

    class Health(BaseModel):
        status: Literal["ok"]

    class Readiness(BaseModel):
        status: str = Field(description="ready (200); starting, restarting, stopping, or failed: why (503)")
        workers: int = Field(description="worker processes, each with every rulebook loaded")
        rulebooks: list[str]

    errors = {
        413: {"model": contract.ErrorReport, "description": f"the body is larger than {service.max_body:,} bytes"},
        422: {"model": contract.ErrorReport, "description": "bad input: one entry per problem, as the command line's "
                                                            f"JSON; a batch of more than {MAX_ORDERS:,} orders"},
        503: {"model": contract.ErrorReport, "description": "the workers are starting or restarting"},
        504: {"model": contract.ErrorReport, "description": f"no answer within {service.timeout_s:g} seconds"},
    }
    rulebook_query = Query(None, description=f"the rulebook's id (default: {service.default}; GET /v1/rulebooks)")

    def body(schema: str) -> dict:
        return {"requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{schema}"}}}}}

    @app.post("/v1/check", response_model=contract.CheckReport, responses=errors, openapi_extra=body("ScenarioDocument"),
              summary="Pre-clear the action a scenario describes (`clausewise check --format json`)")
    async def check(request: Request, rulebook: str | None = rulebook_query,
                    explain: bool = Query(False, description="each finding's trace, as --explain")) -> Response:
        return await _answered(service, request, "check", rulebook, {"explain": explain})

    @app.post("/v1/vote", response_model=contract.VoteReport, responses=errors, openapi_extra=body("ScenarioDocument"),
              summary="The approvals a corporate action needs and a tally's result (`clausewise vote --format json`)")
    async def vote(request: Request, rulebook: str | None = rulebook_query) -> Response:
        return await _answered(service, request, "vote", rulebook, {})

    @app.post("/v1/headroom", response_model=contract.HeadroomReport, responses=errors,
              openapi_extra=body("HeadroomRequest"),
              summary="The most Common Stock a group may buy on a date (`clausewise headroom --format json`)")
    async def headroom(request: Request, rulebook: str | None = rulebook_query) -> Response:
        return await _answered(service, request, "headroom", rulebook, {})

    @app.post("/v1/position", response_model=contract.PositionReport, responses=errors,
              openapi_extra=body("PositionRequest"),
              summary="Each group's ownership, standstill and voting power on a date (`clausewise position --format json`)")
    async def position(request: Request, rulebook: str | None = rulebook_query) -> Response:
        return await _answered(service, request, "position", rulebook, {})

    @app.post("/v1/memo", response_class=Response, openapi_extra=body("ScenarioDocument"),
              responses={200: {"description": "the memo, as `clausewise memo` drafts it; its appendix names the "
                                              "request and its input sha256 in place of a scenario file",
                               "content": {media: {} for media in MEMO_TYPES.values()}}, **errors},
              summary="A counsel memo on the action a scenario describes (`clausewise memo`)")
    async def memo(request: Request, rulebook: str | None = rulebook_query,
                   format: Literal["md", "html", "pdf", "docx"] = Query("md", description="the memo's format"),
                   to: str = Query("File", description="the memo's addressee"),
                   sender: str = Query("Clausewise", alias="from", description="the memo's author")) -> Response:
        return await _answered(service, request, "memo", rulebook, {"format": format, "to": to, "from": sender})

    @app.post("/v1/batch", response_model=contract.BatchReport, responses=errors, openapi_extra=body("BatchRequest"),
              summary="Pre-clear a blotter of orders, each against those accepted before it (`clausewise batch`)")
    async def batch(request: Request, rulebook: str | None = rulebook_query) -> Response:
        return await _answered(service, request, "batch", rulebook, {})

    @app.get("/v1/rulebooks", response_model=RulebooksReport, summary="The rulebooks served, with their content sha256")
    async def rulebooks() -> dict:
        return service.listing()

    @app.get("/healthz", response_model=Health, summary="The server answers")
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}},
             summary="The workers have loaded and compiled the rulebooks")
    async def readyz():
        state = service.workers.state
        data = {"status": state, "workers": service.workers.count, "rulebooks": list(service.books)}
        return JSONResponse(data, status_code=200 if state == "ready" else 503)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        items = []
        for error in exc.errors():
            place = [str(part) for part in error.get("loc", ())]
            name = ".".join(place[1:]) or None
            items.append(_entry(QUERY if place[:1] == ["query"] else REQUEST, None, name, "bad-argument",
                                f"{name}: {error.get('msg', 'not valid')}" if name else str(error.get("msg"))))
        return _error_response(422, items)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        category = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http")
        message = (f"no such endpoint: {request.method} {excerpt(request.url.path)} (see /docs)"
                   if exc.status_code == 404 else f"{request.method} {excerpt(request.url.path)}: {exc.detail}")
        return _error_response(exc.status_code, [_entry(REQUEST, None, None, category, message)],
                               getattr(exc, "headers", None))

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(_request_schemas(service.max_body))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
    return app


# --- the command line ------------------------------------------------------------------------------------


def _positive(kind: type, what: str, most: float | None = None):
    def read(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value > 0 or (most is not None and value > most) or value != value:
            bound = f" and at most {most:g}" if most is not None else ""
            raise argparse.ArgumentTypeError(f"expected {what} above 0{bound}, got {excerpt(text)!r}")
        return value
    return read


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {excerpt(text)!r}")
    return int(text)


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=HOST, help=f"the address to listen on (default: {HOST}, this machine only)")
    parser.add_argument("--port", type=_port, default=PORT, help=f"the port (default: {PORT}; 0: any free one)")
    parser.add_argument("--rules", metavar="DIR", type=Path, action="append", default=None,
                        help="a rulebook folder to serve (repeatable; the first is the default a request that names "
                             "no ?rulebook= gets; default: the bundled rulebook)")
    parser.add_argument("--workers", type=_positive(int, "a whole number of worker processes"), default=DEFAULT_WORKERS,
                        metavar="N", help=f"worker processes, each with every rulebook loaded (default: the CPUs, at "
                                          f"most 4: {DEFAULT_WORKERS} here)")
    parser.add_argument("--timeout", type=_positive(float, "seconds", 3600), default=TIMEOUT_S, metavar="SECONDS",
                        help=f"answer 504 when a request has no answer this long after it arrived (default: {TIMEOUT_S:g})")
    parser.add_argument("--max-body", type=_positive(int, "a number of bytes"), default=MAX_BODY, metavar="BYTES",
                        help=f"answer 413 to a larger request body, unread (default: {MAX_BODY:,}, 1 MiB)")
    parser.add_argument("--decision-log", type=Path, default=None, metavar="FILE",
                        help="append one JSON line per decision to FILE (default: none): its id, UTC time, verb, "
                             "rulebook and content sha256, cap table, input sha256, verdict and binding clause")


SERVE_HELP = "an HTTP API for an order system: check, vote, headroom, position, batch and memo"
SERVE_DESCRIPTION = """\
Serve the verbs over HTTP on a pool of worker processes, each with the rulebooks loaded and
compiled once: POST /v1/check, /v1/vote, /v1/memo (a scenario document as JSON), /v1/headroom,
/v1/position and /v1/batch (their options as JSON keys, a blotter's orders as `orders`); GET
/v1/rulebooks, /healthz, /readyz; the OpenAPI document at /openapi.json (/docs to try it). Each
answer is the JSON `clausewise VERB --format json` writes for the same input (for a batch, the
rows of the results file with the summary); bad input is 422 with the problems it prints."""
SERVE_EPILOG = ("example: clausewise serve --port 8000 --decision-log decisions.jsonl\n"
                "exit codes: 0 stopped (SIGINT or SIGTERM, after the requests in progress); 2 bad input (an option, "
                "a rulebook, the port taken)")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """The `serve` subcommand, for cli.build_parser."""
    parser = subparsers.add_parser("serve", help=SERVE_HELP, description=SERVE_DESCRIPTION, epilog=SERVE_EPILOG,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    _options(parser)
    return parser


class _Stopped(Exception):
    """SIGINT or SIGTERM, raised once the server has shut down gracefully."""


def _listen(host: str, port: int):
    """The listening socket, bound here so that a port in use is bad input, said in one line."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except (OSError, UnicodeError) as exc:
        raise InputError([Problem("--port", None, "bad-argument", f"cannot listen on {excerpt(host)}:{port} "
                                  f"({excerpt(getattr(exc, 'strerror', None) or exc)})")]) from None
    sock.set_inheritable(False)
    return sock


def run(args: argparse.Namespace) -> int:
    """`clausewise serve`: serve until SIGINT or SIGTERM, then stop the workers; 0."""
    import signal

    import uvicorn

    from .paths import default_rulebook

    folders = list(args.rules or [default_rulebook()])
    app = create_app(folders, args.workers, args.timeout, args.max_body, args.decision_log)
    service: _Service = app.state.service
    try:
        sock = _listen(args.host, args.port)
    except InputError:
        service.close()
        raise
    host, port = sock.getsockname()[:2]
    where = f"[{host}]" if ":" in host else host
    print(f"clausewise serve: http://{where}:{port} ({', '.join(service.books)}; {args.workers} worker"
          f"{'s' if args.workers != 1 else ''}, timeout {args.timeout:g} s, body at most {args.max_body:,} bytes, "
          f"decision log {args.decision_log or 'off'})", file=sys.stderr, flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                                           timeout_graceful_shutdown=int(args.timeout) + 5))

    def stopped(signum, frame):
        raise _Stopped(signum)

    # uvicorn shuts down gracefully on SIGINT and SIGTERM, then raises the signal again for the
    # handler it found: this one, so that a requested stop ends with 0.
    before = {sig: signal.signal(sig, stopped) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    except _Stopped:
        pass
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
        sock.close()
        service.close()
    print("clausewise serve: stopped", file=sys.stderr, flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m clausewise.serve [options]`: the same as `clausewise serve`."""
    parser = argparse.ArgumentParser(prog="python -m clausewise.serve", description=SERVE_DESCRIPTION,
                                     epilog=SERVE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _options(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2


if __name__ == "__main__":
    # Run through the package's module, not this __main__ copy: the workers find their functions by
    # the module's name (clausewise.serve), as they would under `clausewise serve`.
    from clausewise.serve import main as _main

    sys.exit(_main())
