"""Argument parsing and exit codes for the `clausewise` command; the work is done elsewhere."""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import date
from pathlib import Path

from . import __version__
from .errors import SUGGESTION, ClausewiseError, EngineError, InputError, Problem, excerpt, problem_field
from .paths import default_cap_table, default_rulebook, rules_dir

EXIT_OK, EXIT_FINDING, EXIT_INPUT, EXIT_ENGINE = 0, 1, 2, 3

DESCRIPTION = """\
Clausewise checks a proposed trade, transfer or corporate action against the clauses of a
securities deal, encoded as YAML rules and evaluated by the durable_rules engine. Every
finding names its rule, document and section, quotes the operative words and shows the
figures it compared.

commands:
  check SCENARIO         pre-clear the action a scenario describes
  memo SCENARIO          a counsel memo on it (Markdown, HTML, PDF or Word), with its figures and readings
  position --as-of DATE  each group's ownership, standstill and voting power on a date
  headroom --holder G    the most Common Stock group G may buy in the market on a date
  vote SCENARIO          the approvals a corporate action needs, a tally's result, who can pass or block
  convert --holder H     the Common a conversion of preferred delivers on a date, with the arithmetic
  exercise --holder H    the Common a Warrant exercise delivers on a date, for cash or by net issue
  batch BLOTTER          pre-clear a whole blotter of orders (CSV or .xlsx), each against those accepted before it
  lint [PATH]            validate a rulebook folder (rules, documents, quotes)
  serve                  an HTTP API for an order system: check, vote, headroom, position, batch, memo

exit codes: 0 clear (no violation; every required approval shown to pass); 1 a violation,
            a cannot-determine, or an approval that fails or is not shown to pass; 2 bad input;
            3 the rule engine failed.
"""

EXAMPLES = """\
examples:
  clausewise check {scenario}
  clausewise check {scenario} --format markdown --out findings.md
  clausewise memo {scenario} --to "General Counsel" --out memo.md
  clausewise memo {scenario} --format docx --out memo.docx
  clausewise memo {scenario} --format pdf --out memo.pdf
  clausewise position --as-of {as_of}
  clausewise headroom --holder {group} --as-of {as_of} --format json
  clausewise vote {vote_scenario}
  clausewise lint {rulebook}
"""
PLACEHOLDERS = {"scenario": "SCENARIO.yaml", "vote_scenario": "SCENARIO.yaml", "group": "GROUP", "as_of": "DATE"}


def examples() -> str:
    """The help's examples, with the sample paths, group and date the default rulebook names
    (rulebook.yaml `examples`), or placeholders where it names none."""
    values = dict(PLACEHOLDERS)
    root = default_rulebook()
    try:
        from .yamlio import load_yaml_shared
        manifest = load_yaml_shared(root / "rulebook.yaml", "rulebook.yaml")
        stated = manifest.get("examples") if isinstance(manifest, dict) else None
    except (ClausewiseError, OSError):
        stated = None
    for key in values:
        if isinstance(stated, dict) and stated.get(key) is not None:
            values[key] = str(stated[key])
    try:
        values["rulebook"] = str(root.relative_to(rules_dir().parent))
    except ValueError:
        values["rulebook"] = str(root)
    return EXAMPLES.format(**values)


_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(text: str) -> date:
    """A date argument, YYYY-MM-DD and nothing else (date.fromisoformat would also take 20030602
    and 2003-W23-1). Whether the rulebook answers for it is checked once it is loaded (_in_span)."""
    try:
        if not _DATE_TEXT.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {excerpt(text)!r}") from None


def _path(text: str) -> Path:
    """A file or folder argument: any path but an empty one (Path("") would be the working folder)."""
    if not text:
        raise argparse.ArgumentTypeError("expected a path, got an empty one")
    return Path(text)


def _in_span(rulebook, option: str, day: date) -> None:
    """A date argument within the dates the rulebook answers for (scenario.date_span)."""
    from .scenario import out_of_span

    why = out_of_span(rulebook, day)
    if why is not None:
        raise InputError([Problem(option, None, "bad-date", why)])


class _ArgumentError(Exception):
    """A bad command line (the command and argparse's message), raised instead of argparse's exit
    so that main reports it in one line, or in JSON under --format json."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: `clausewise COMMAND: error: ...`, then exit 2."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse's hook
        raise _ArgumentError(self.prog, message)


def _short_arguments(message: str, argv: list[str]) -> str:
    """argparse's message with each long argument it quotes cut to an excerpt, on one line."""
    from .errors import one_line

    for arg in sorted({a for a in argv if len(a) > 60}, key=len, reverse=True):
        message = message.replace(repr(arg), repr(excerpt(arg))).replace(arg, excerpt(arg))
    return one_line(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="clausewise", description=DESCRIPTION, epilog=examples(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"clausewise {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def rules_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--rules", metavar="DIR", type=_path, default=None,
                       help="rulebook folder (default: the bundled rulebook)")

    def quiet_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--quiet", "-q", action="store_true",
                       help="print only the one-line verdict (the exit code is the same)")

    def pretty_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--pretty", action="store_true",
                       help="indent JSON output (the default when writing to a terminal; otherwise one line)")

    def position_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--as-of", type=_date, required=True, metavar="DATE", help="date, YYYY-MM-DD")
        p.add_argument("--cap-table", type=_path, metavar="FILE",
                       help="cap table YAML (default: the rulebook's captables/closing.yaml)")
        p.add_argument("--format", choices=("text", "json"), default="text")
        pretty_option(p)
        p.add_argument("--instrument", action="append", default=[], metavar="DOC=STATUS",
                       help="state an instrument's status, as a scenario's `instruments` does: DOC=in_force, "
                            "DOC=terminated:YYYY-MM-DD or DOC=cancelled:YYYY-MM-DD (repeatable; overrides the "
                            "cap table's)")
        rules_option(p)

    check = sub.add_parser(
        "check", help="pre-clear the action a scenario describes",
        description="Evaluate every rule of the rulebook against the scenario's proposed action. "
                    "A purchase that a rule blocks also reports the largest quantity that would pass.",
        epilog="exit codes: 0 no violation; 1 a violation or cannot-determine, or an approval not shown to "
               "pass by a tally; 2 bad input",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("scenario", type=_path, metavar="SCENARIO", help="scenario YAML file (see samples/scenarios/)")
    check.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                       help="text: a terminal table (default); markdown: a findings report; json: machine-readable")
    check.add_argument("--out", type=_path, metavar="FILE", help="write the report to FILE instead of standard output")
    check.add_argument("--explain", action="store_true",
                       help="add each finding's full trace: the facts its rule reads (code name, label, value), its "
                            "scope and condition as trees with each test's value and truth, and the exceptions "
                            "tried (text: indented under the finding; json: a 'trace' object on every finding)")
    quiet_option(check)
    pretty_option(check)
    rules_option(check)

    position = sub.add_parser(
        "position", help="each group's ownership, standstill and voting power on a date",
        description="For each holder group, the figures the rulebook's position block lists (rulebook.yaml), "
                    "each a general measure: holdings, as-converted and warrant shares, beneficial ownership "
                    "under Rule 13d-3(d)(1)(i), an ownership-cap basis against its cap with the headroom in "
                    "shares, voting power.",
        epilog="example: clausewise position --as-of 2000-04-10 --format json\n"
               "exit codes: 0 done; 2 bad input (a date before the Closing Date, a bad cap table)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    position_options(position)
    position.add_argument("--board-size", type=_board_size, metavar="N",
                          help="the authorized number of directors the seat rights are counted on (overrides the "
                               "cap table's board_size; without either the seat counts cannot be determined)")

    room = sub.add_parser(
        "headroom", help="the most Common Stock a group may buy in the market on a date",
        description="The largest whole number of shares of Common Stock the group may buy in the market on the "
                    "date without a violation of any rule in force, with the rule that binds: N is permitted and "
                    "N+1 is not, both evaluated by the same engine as `check`.",
        epilog="example: clausewise headroom --holder GROUP --as-of 2003-06-02\n"
               "exit codes: 0 done; 2 bad input (an unknown group, a bad date or cap table)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    room.add_argument("--holder", required=True, metavar="GROUP",
                      help="a group id of the rulebook (parameters.yaml groups)")
    position_options(room)

    vote = sub.add_parser(
        "vote", help="the approvals a corporate action needs, a tally's result, who can pass or block it",
        description="List every approval of a class or series of holders that the scenario's corporate action needs "
                    "(each cited and quoted, with the shares it takes: 69% of 75,000 is 51,750, a majority is "
                    "37,501), the result of the record-date tally if the scenario gives one, and the minimal "
                    "coalitions that can pass each approval and the voters that can block it alone.",
        epilog="exit codes: 0 every required approval passes (or none is needed); 1 one fails or cannot be "
               "determined; 2 bad input",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    vote.add_argument("scenario", type=_path, metavar="SCENARIO", help="scenario YAML file with a corporate action")
    vote.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    vote.add_argument("--out", type=_path, metavar="FILE", help="write the report to FILE instead of standard output")
    quiet_option(vote)
    pretty_option(vote)
    rules_option(vote)

    memo = sub.add_parser(
        "memo", help="a counsel memo on the action a scenario describes",
        description="Draft a counsel memo from the same evaluation as check: question presented, short "
                    "answer, facts, the provisions quoted, the analysis with its figures in the documents' "
                    "terms, approvals, consequences, the readings relied on with their alternatives (each one "
                    "the rulebook states as figures is run, and the memo says whether the answer changes), "
                    "open questions, conclusion, and an appendix of hashes that makes it reproducible (the same "
                    "inputs give the same Markdown and HTML bytes, and a Word document with the same text).\n\n"
                    "examples:\n  clausewise memo SCENARIO --to \"General Counsel\" --format docx --out memo.docx\n"
                    "  clausewise memo SCENARIO --format pdf --out memo.pdf\n"
                    "  clausewise memo SCENARIO --format docx --template firm-memo.docx --out memo.docx",
        epilog="exit codes: as check: 0 no violation; 1 a violation or cannot-determine, or an approval not "
               "shown to pass; 2 bad input",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    memo.add_argument("scenario", type=_path, metavar="SCENARIO", help="scenario YAML file (see samples/scenarios/)")
    memo.add_argument("--format", choices=("md", "html", "pdf", "docx"), default="md",
                      help="md: Markdown (the default); html: HTML with a print stylesheet; pdf: that HTML laid "
                           "out for print; docx: Word, in the styles of its template")
    memo.add_argument("--out", type=_path, metavar="FILE",
                      help="write the memo to FILE instead of standard output (pdf and docx: needed on a terminal)")
    memo.add_argument("--template", type=_path, metavar="FILE",
                      help="docx only: a firm's own Word template in place of reports/memo.docx, with the same "
                           "Jinja names (memo.heading, memo.question, memo.analysis, ...)")
    memo.add_argument("--to", default="File", metavar="NAME", help="the memo's addressee (default: File)")
    memo.add_argument("--from", dest="sender", default="Clausewise", metavar="NAME",
                      help="the memo's author (default: Clausewise)")
    rules_option(memo)

    def capital_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--holder", required=True, metavar="NAME", help="a holder of record on the cap table")
        p.add_argument("--shares", required=True, type=_shares, metavar="N",
                       help="the number of shares surrendered together (for a Warrant: the Warrant shares exercised)")
        p.add_argument("--on", type=_date, required=True, metavar="DATE", help="the date of surrender, YYYY-MM-DD")
        p.add_argument("--cap-table", type=_path, metavar="FILE",
                       help="cap table YAML, with its history (default: the rulebook's captables/closing.yaml); "
                            "the adjustments its history records set the prices in force")
        p.add_argument("--instrument", action="append", default=[], metavar="DOC=STATUS",
                       help="state an instrument's status, as a scenario's `instruments` does (repeatable)")
        p.add_argument("--format", choices=("text", "json"), default="text",
                       help="text: the arithmetic and the findings (default); json: check's JSON for the same action")
        pretty_option(p)
        rules_option(p)

    convert = sub.add_parser(
        "convert", help="the Common a holder's conversion of preferred delivers on a date, with the arithmetic",
        description="A holder's conversion of preferred into Common on a date, evaluated as check evaluates a "
                    "conversion action: the liquidation preference and accrued dividends per share on the date, "
                    "the conversion price in force (as the cap table's history has adjusted it), the Common to "
                    "the nearest 1/100 of a share and the whole shares issued, then every rule's finding (the "
                    "conversion right's expiry, the standstills, the director thresholds).",
        epilog="example: clausewise convert --holder \"HOLDER NAME\" --security SERIES --shares 50000 --on 2000-04-10\n"
               "exit codes: as check: 0 no violation; 1 a violation or cannot-determine; 2 bad input",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    convert.add_argument("--security", required=True, metavar="SERIES",
                         help="the series converted (a preferred security of parameters.yaml)")
    capital_options(convert)

    exercise = sub.add_parser(
        "exercise", help="the Common a holder's Warrant exercise delivers on a date, for cash or by net issue",
        description="A holder's exercise of Warrants on a date, evaluated as check evaluates an exercise action: "
                    "the Exercise Price in force (as the cap table's history has adjusted it), the aggregate price "
                    "of a cash exercise, or the shares a net issue exercise delivers, X = Y(A - B) / A, rounded as "
                    "the Warrant says; then every rule's finding (expiry, the net issue condition, the standstills).",
        epilog="examples:\n  clausewise exercise --holder \"HOLDER NAME\" --shares 1000000 --on 2003-06-02\n"
               "  clausewise exercise --holder \"HOLDER NAME\" --shares 1000000 --on 2003-06-02 "
               "--net-issue --fair-market-value 40.00\n"
               "exit codes: as check: 0 no violation; 1 a violation or cannot-determine; 2 bad input",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    exercise.add_argument("--net-issue", action="store_true",
                          help="exercise by canceling the Warrant for shares equal to its value (default: for cash)")
    exercise.add_argument("--fair-market-value", type=_money, metavar="A",
                          help="with --net-issue: the fair market value of one share of Common on the date")
    capital_options(exercise)

    lint = sub.add_parser(
        "lint", help="validate a rulebook folder",
        description="Check a rulebook: unknown keys, wrong types, unknown operators and facts, bad dates, "
                    "duplicate ids, dangling document, definition, parameter and assumption references, and "
                    "quotes that do not appear verbatim in their document; then the folder's cap tables and "
                    "scenarios, read as check reads them, and its YAML test cases' rule ids and outcomes. "
                    "One line per problem: "
                    "file:line: category: message. Exit 2 if any.")
    lint.add_argument("path", nargs="?", type=_path, default=None, metavar="PATH",
                      help="rulebook folder (default: the bundled rulebook)")
    batch_parser = sub.add_parser("batch", help="pre-clear a blotter of orders", description=_batch_help(),
                                  epilog=_batch_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    from .batch import configure as configure_batch
    configure_batch(batch_parser, _date)
    rules_option(batch_parser)
    from .serve import add_parser as add_serve_parser
    add_serve_parser(sub)
    return parser


def write_output(text: str | bytes, out: Path | None) -> None:
    """Write to stdout, or to a file atomically so that nothing half-written is left behind.
    Bytes (a PDF or a Word memo) go to a file, or to standard output when it is not a terminal."""
    if out is None:
        if isinstance(text, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text)
        return
    out = Path(out)
    name = excerpt(out, 200)

    def refused(category: str, message: str) -> InputError:
        return InputError([Problem(name, None, category, f"--out: {message}")])

    try:
        if not out.parent.exists():
            raise refused("missing-file", "the folder does not exist")
        if not out.parent.is_dir():
            raise refused("missing-file", "the folder does not exist (a part of the path is a file)")
        if out.is_dir():
            raise refused("unwritable-file", "a folder, not a file: name the file to write")
        if out.exists() and not out.is_file():
            raise refused("unwritable-file", "not a regular file (a device, a pipe or a socket): name a file")
    except (OSError, ValueError) as exc:  # a name too long, a NUL character in it
        raise refused("unwritable-file",
                      f"cannot be written ({excerpt(getattr(exc, 'strerror', None) or exc)})") from None
    import tempfile  # only for --out: a check to stdout does not need it

    try:
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name[:100]}.", suffix=".tmp")
    except (OSError, ValueError) as exc:  # a read-only folder, a NUL character in the name
        raise refused("unwritable-file", f"cannot write in its folder "
                                         f"({excerpt(getattr(exc, 'strerror', None) or exc)})") from None
    try:
        with (os.fdopen(fd, "wb") if isinstance(text, bytes) else os.fdopen(fd, "w", encoding="utf-8")) as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, out)
    except OSError as exc:  # the disk full, the file read-only: the temporary file goes, nothing is left
        Path(tmp).unlink(missing_ok=True)
        raise refused("unwritable-file", f"cannot be written ({excerpt(exc.strerror or exc)})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _pretty(args: argparse.Namespace) -> bool:
    """Indented JSON when asked, or when a person reads it on a terminal."""
    return args.pretty or (getattr(args, "out", None) is None and sys.stdout.isatty())


def _rulebook(path: Path | None):
    """The rulebook a command reads. Its quotes are verified against the documents by `lint`
    (which a rulebook must pass before it is used), not again on every command: reading and
    normalising the filings is most of a cold load."""
    from .rulebook import load_rulebook
    return load_rulebook(_folder(path, "--rules") if path is not None else default_rulebook(), check_quotes=False)


def _folder(path: Path, option: str) -> Path:
    """A rulebook folder named on the command line, as far as the command line can tell: a path
    the system can look up (not empty, no NUL, not too long for it). Whether it is a rulebook is
    load_rulebook's to say."""
    text = str(path)
    try:
        os.stat(path)
    except FileNotFoundError:
        pass  # load_rulebook says the folder is not a rulebook
    except (OSError, ValueError) as exc:
        raise InputError([Problem(option, None, "bad-argument", f"{excerpt(text)!r} cannot be looked up "
                                  f"({excerpt(getattr(exc, 'strerror', None) or exc)})")]) from None
    return path


def _cap_table_path(path: Path | None, rulebook) -> Path:
    return path or default_cap_table(rulebook.path)


def _checked(args: argparse.Namespace):
    """The rulebook, the scenario's evaluation, and, for a blocked trade, its headroom up to the
    quantity asked: what check and memo both report."""
    from .evaluate import evaluate, headroom
    from .scenario import load_scenario

    rulebook = _rulebook(args.rules)
    scenario = load_scenario(args.scenario, rulebook)
    result = evaluate(rulebook, scenario)
    room = None
    if scenario.action.trades_securities and any(f.outcome in ("violation", "cannot_determine") for f in result.findings):
        room = headroom(rulebook, scenario, upper=scenario.action.quantity)
    return rulebook, result, room


def cmd_check(args: argparse.Namespace) -> int:
    from .render import check_json, check_line, check_markdown, check_text, render_json

    rulebook, result, room = _checked(args)
    if args.quiet:
        text = check_line(rulebook, result, room) + "\n"
    elif args.format == "json":
        report = check_json(rulebook, result, room)
        if args.explain:
            from .trace import trace
            for entry, finding in zip(report["findings"], result.findings):
                entry["trace"] = trace(rulebook, result, finding)
        text = render_json(report, _pretty(args))
    elif args.format == "markdown":
        text = check_markdown(rulebook, result, room)
    else:
        text = check_text(rulebook, result, room, explain=args.explain)
    write_output(text, args.out)
    return EXIT_FINDING if result.blocked else EXIT_OK


def cmd_memo(args: argparse.Namespace) -> int:
    from .memo import BINARY, memo_data, render_memo

    if args.template is not None and args.format != "docx":
        raise InputError([Problem("--template", None, "bad-argument",
                                  f"a template is for --format docx, not --format {args.format}")])
    from .scenario import MAX_NAME

    for option, name in (("--to", args.to), ("--from", args.sender)):
        if len(name) > MAX_NAME or not name.isprintable():
            raise InputError([Problem(option, None, "bad-argument", f"expected a name on one line of at most "
                                      f"{MAX_NAME} characters, got {excerpt(name)!r}")])
    if args.format in BINARY and args.out is None and sys.stdout.isatty():
        raise InputError([Problem("--out", None, "bad-argument",
                                  f"a {args.format} memo is a binary file: write it with --out FILE")])
    rulebook, result, room = _checked(args)
    data = memo_data(rulebook, result, room, args.scenario, args.to, args.sender)
    write_output(render_memo(data, args.format, args.template), args.out)
    return EXIT_FINDING if result.blocked else EXIT_OK


def cmd_vote(args: argparse.Namespace) -> int:
    from .evaluate import evaluate
    from .render import render_json, vote_json, vote_markdown, vote_result, vote_text
    from .scenario import load_scenario

    rulebook = _rulebook(args.rules)
    scenario = load_scenario(args.scenario, rulebook)
    result = evaluate(rulebook, scenario)
    if args.quiet:
        text = vote_result(vote_json(rulebook, result)).capitalize() + "\n"
    elif args.format == "json":
        text = render_json(vote_json(rulebook, result), _pretty(args))
    elif args.format == "markdown":
        text = vote_markdown(rulebook, result)
    else:
        text = vote_text(rulebook, result)
    write_output(text, args.out)
    return EXIT_FINDING if result.blocked else EXIT_OK


def cmd_position(args: argparse.Namespace) -> int:
    from .position import position_json, position_text, positions
    from .scenario import load_cap_table

    rulebook = _rulebook(args.rules)
    _in_span(rulebook, "--as-of", args.as_of)
    cap = _stated(_cap_table_on(args, rulebook), args, rulebook)
    _within_limits(rulebook, cap, args)
    if args.board_size is not None:
        from dataclasses import replace
        cap = replace(cap, board_size=args.board_size)
    _check_date(rulebook, args.as_of, cap)
    data = positions(rulebook, cap, args.as_of)
    write_output(position_json(data, _pretty(args)) if args.format == "json" else position_text(rulebook, data, args.as_of), None)
    return EXIT_OK


def cmd_headroom(args: argparse.Namespace) -> int:
    from .position import group_headroom, headroom_json_text, headroom_text
    from .scenario import load_cap_table

    rulebook = _rulebook(args.rules)
    if args.holder not in rulebook.groups:
        from .errors import did_you_mean
        raise InputError([Problem("--holder", None, "unknown-holder",
                                  f"no group '{excerpt(args.holder)}' (expected one of {', '.join(rulebook.groups)})"
                                  f"{did_you_mean(args.holder, rulebook.groups)}")])
    _in_span(rulebook, "--as-of", args.as_of)
    cap = _stated(_cap_table_on(args, rulebook), args, rulebook)
    _within_limits(rulebook, cap, args)
    _check_date(rulebook, args.as_of, cap)
    data = group_headroom(rulebook, cap, args.holder, args.as_of)
    write_output(headroom_json_text(data, _pretty(args)) if args.format == "json" else headroom_text(rulebook, data), None)
    return EXIT_OK


def _stated(cap, args: argparse.Namespace, rulebook):
    """The cap table with the instrument statuses given by --instrument laid over its own."""
    from dataclasses import replace

    from .scenario import instruments_from_options

    if not args.instrument:
        return cap
    return replace(cap, instruments={**cap.instruments, **instruments_from_options(args.instrument, rulebook)})


def _cap_table_on(args: argparse.Namespace, rulebook):
    """The cap table as it stood on --as-of: its whole history is read and checked, then applied
    only up to that date when some of it comes later."""
    from .scenario import load_cap_table

    path = _cap_table_path(args.cap_table, rulebook)
    cap = load_cap_table(path, rulebook)
    if cap.last_event is not None and cap.last_event[0] > args.as_of:
        cap = load_cap_table(path, rulebook, until=args.as_of)
    return cap


def _within_limits(rulebook, cap, args: argparse.Namespace) -> None:
    """The cap table on --as-of within the shares the engine compares exactly (scenario.MAX_TOTAL_SHARES)."""
    from .scenario import too_many_shares

    why = too_many_shares(rulebook, cap, args.as_of)
    if why is not None:
        raise InputError([Problem(str(_cap_table_path(args.cap_table, rulebook)), None, "bad-value", why)])


def _shares(text: str) -> int:
    """--shares: a whole number of shares, at least 1 and at most scenario.MAX_SHARES, in ASCII
    digits (commas allowed between them)."""
    from .scenario import MAX_SHARES

    digits = text.replace(",", "")
    if not _COUNT.fullmatch(text) or (len(digits) <= 30 and int(digits) < 1):
        raise argparse.ArgumentTypeError(f"expected a whole number of shares >= 1, got {excerpt(text)!r}")
    if len(digits) > 30 or int(digits) > MAX_SHARES:
        raise argparse.ArgumentTypeError(f"{excerpt(text)!r} is more shares than any issuer has (at most "
                                         f"{MAX_SHARES:,})")
    return int(digits)


_COUNT = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+")  # 1000000 or 1,000,000
_AMOUNT = re.compile(r"\$?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.[0-9]+)?")


def _money(text: str):
    """--fair-market-value: an amount in dollars, more than 0, read exactly, in plain digits
    ($40.00, 1,250.5), within the digits an amount is compared exactly with (scenario.exact_enough)."""
    from decimal import Decimal

    from .scenario import TOO_PRECISE, exact_enough

    expected = f"expected an amount in dollars above 0, such as 40.00, got {excerpt(text)!r}"
    if len(text) > 40 or not _AMOUNT.fullmatch(text) or not any(c.isdigit() for c in text):
        raise argparse.ArgumentTypeError(expected)
    value = Decimal(text.lstrip("$").replace(",", ""))
    if value <= 0:
        raise argparse.ArgumentTypeError(expected)
    if not exact_enough(value):
        raise argparse.ArgumentTypeError(f"{excerpt(text)!r} {TOO_PRECISE}")
    return value


def _capital(args: argparse.Namespace, kind: str) -> int:
    """convert and exercise: the action evaluated as check evaluates it, shown as its arithmetic."""
    from . import calculator
    from .evaluate import evaluate
    from .render import check_json, render_json
    from .scenario import instruments_from_options, scenario_from_dict

    from .scenario import MAX_NAME

    rulebook = _rulebook(args.rules)
    if not args.holder.strip() or len(args.holder) > MAX_NAME or not args.holder.isprintable():
        raise InputError([Problem("--holder", None, "bad-argument", f"expected the name of a holder on the cap table "
                                  f"(at most {MAX_NAME} characters, on one line), got {excerpt(args.holder)!r}")])
    _in_span(rulebook, "--on", args.on)
    method = market = None
    if kind == "exercise":
        if args.fair_market_value is not None and not args.net_issue:
            raise InputError([Problem("--fair-market-value", None, "bad-argument",
                                      "a fair market value is for a net issue exercise: add --net-issue")])
        if args.net_issue and args.fair_market_value is None:
            raise InputError([Problem("--fair-market-value", None, "bad-argument",
                                      "a net issue exercise needs the fair market value of one share of Common")])
        method, market = ("net_issue", args.fair_market_value) if args.net_issue else ("cash", None)
    instruments = {}
    if args.instrument:
        instruments = {doc: ("in_force" if st.status == "in_force" else {"status": st.status, "from": st.from_date})
                       for doc, st in instruments_from_options(args.instrument, rulebook).items()}
    data = calculator.scenario_data(kind, args.holder, args.shares, args.on,
                                    _cap_table_path(args.cap_table, rulebook).resolve(),
                                    security=getattr(args, "security", None), method=method, market_price=market,
                                    instruments=instruments,
                                    term=rulebook.securities.get(getattr(args, "security", None) or "", {}).get("term"))
    scenario = scenario_from_dict(data, rulebook, file=f"clausewise {args.command}")
    result = evaluate(rulebook, scenario)
    if args.format == "json":
        text = render_json(check_json(rulebook, result, None), _pretty(args))
    else:
        text = calculator.text(rulebook, result)
    write_output(text, None)
    return EXIT_FINDING if result.blocked else EXIT_OK


def cmd_convert(args: argparse.Namespace) -> int:
    return _capital(args, "conversion")


def cmd_exercise(args: argparse.Namespace) -> int:
    return _capital(args, "exercise")


def _board_size(text: str) -> int:
    """--board-size: a whole number of directors, from 1 to scenario.MAX_BOARD."""
    from .scenario import MAX_BOARD

    if not (text.isascii() and text.isdigit()) or (len(text) <= 6 and int(text) < 1):
        raise argparse.ArgumentTypeError(f"expected a whole number of directors >= 1, got {excerpt(text)!r}")
    if len(text) > 6 or int(text) > MAX_BOARD:
        raise argparse.ArgumentTypeError(f"{excerpt(text)!r} is more directors than a board has (at most "
                                         f"{MAX_BOARD})")
    return int(text)


def _check_date(rulebook, as_of: date, cap=None) -> None:
    closing = rulebook.param("closing_date")
    if as_of < closing:
        raise InputError([Problem("--as-of", None, "bad-date",
                                  f"{as_of} is before the Closing Date {closing}; the rulebook starts there")])
    if cap is not None and cap.last_event is not None and cap.last_event[0] > as_of:
        when, where, line = cap.last_event
        raise InputError([Problem("--as-of", None, "bad-date",
                                  f"{as_of} is before the cap table's history event of {when} ({where}:{line}); "
                                  "a position is taken after its record")])


def _batch_help() -> str:
    from .batch import HELP
    return HELP


def _batch_epilog() -> str:
    from .batch import EPILOG
    return EPILOG


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch import command

    rulebook = _rulebook(args.rules)
    if args.as_of is not None:
        _in_span(rulebook, "--as-of", args.as_of)
    cap = _stated(_cap_table_on(args, rulebook) if args.as_of is not None
                  else _load_cap(_cap_table_path(args.cap_table, rulebook), rulebook), args, rulebook)
    return command(args, rulebook, cap)


def _load_cap(path: Path, rulebook):
    from .scenario import load_cap_table
    return load_cap_table(path, rulebook)


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import run
    return run(args)


def cmd_lint(args: argparse.Namespace) -> int:
    from .rulebook import load_rulebook

    from .compiler import check_compiles

    from .errors import ProblemList
    from .folder import check_folder

    path = _folder(args.path, "lint PATH") if args.path is not None else default_rulebook()
    book = load_rulebook(path)
    check_compiles(book.rules)
    problems = ProblemList()
    counts = check_folder(book, problems)
    problems.raise_if_any()
    checked = ", ".join(f"{n} {kind if n != 1 else kind[:-1]}" for kind, n in counts.items() if n)
    print(f"{path}: ok: {len(book.rules)} rules, {len(book.documents)} documents, "
          f"{len(book.assumptions)} assumptions" + (f", {len(book.declined)} declined provisions" if book.declined else "")
          + f"; {len(book.facts)} facts declared; every quote found verbatim"
          + (f"; {checked} read as the commands read them" if checked else ""))
    return EXIT_OK


COMMANDS = {"check": cmd_check, "memo": cmd_memo, "vote": cmd_vote, "position": cmd_position, "headroom": cmd_headroom,
            "convert": cmd_convert, "exercise": cmd_exercise, "lint": cmd_lint, "batch": cmd_batch, "serve": cmd_serve}


def _wants_json(argv: list[str]) -> bool:
    """Whether the command line asks for JSON (read before parsing, for errors in parsing too)."""
    return any(a == "--format=json" or (a == "--format" and i + 1 < len(argv) and argv[i + 1] == "json")
               for i, a in enumerate(argv))


def error_json(problems: list[Problem]) -> str:
    """Bad input as the JSON contract states it (contract.ErrorReport): one entry per problem,
    with the key or argument at fault and the likely intended value where the message names them."""
    from . import SCHEMA_VERSION
    from .render import render_json

    errors = []
    for p in problems:
        suggestion = SUGGESTION.search(p.message)
        errors.append({"file": p.file, "line": p.line, "field": problem_field(p),
                       "category": p.category, "message": p.message,
                       "suggestion": suggestion.group(1) if suggestion else None})
    return render_json({"schema_version": SCHEMA_VERSION, "errors": errors}, pretty=sys.stdout.isatty())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    as_json = _wants_json(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _ArgumentError as exc:
        prog, message = exc.args
        message = _short_arguments(message, argv)
        if as_json:
            sys.stdout.write(error_json([Problem(prog, None, "bad-argument", message)]))
        else:
            sys.stderr.write(f"{prog}: error: {message} (see {prog} --help)\n")
        return EXIT_INPUT
    except SystemExit as exc:  # --help or --version: argparse printed them
        return EXIT_INPUT if exc.code not in (0, None) else EXIT_OK
    if not args.command:
        parser.print_help()
        return EXIT_INPUT
    try:
        return COMMANDS[args.command](args)
    except InputError as exc:
        if as_json:
            sys.stdout.write(error_json(exc.problems))
            return EXIT_INPUT
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_INPUT
    except EngineError as exc:
        print(f"clausewise: engine error: {exc}", file=sys.stderr)
        return EXIT_ENGINE
    except ClausewiseError as exc:
        if as_json:
            sys.stdout.write(error_json([Problem("clausewise", None, "error", str(exc))]))
            return EXIT_INPUT
        print(f"clausewise: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        print("clausewise: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug, said in one line rather than a traceback
        if os.environ.get("CLAUSEWISE_TRACEBACK"):
            raise
        print(f"clausewise: engine error: internal error ({type(exc).__name__}: {excerpt(exc, 200)}); "
              "this is a defect of Clausewise, not of your input: report it with the command, its input "
              "files and the traceback (rerun with CLAUSEWISE_TRACEBACK=1)", file=sys.stderr)
        return EXIT_ENGINE

if __name__ == "__main__":
    sys.exit(main())
