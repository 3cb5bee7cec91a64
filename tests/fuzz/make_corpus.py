#!/usr/bin/env python3
"""A seeded, reproducible corpus of malformed scenarios, cap tables and command lines (issue 10,
the input side): "no malformed scenario, cap table or argument can crash, hang, exhaust memory
or pass as compliant".

Every case is made from the bundled inputs (rules/icg-2000/scenarios/*.yaml and
captables/closing.yaml, and the same of rules/kestrel-2021) or from the command line of one verb,
with ONE thing broken, and is classified here, from the input formats alone, before anything
runs: the exit codes it may give (`expect`), whether a problem line must carry a line number
(`line`), the --out file that must not be half-written, and text that must never be echoed
whole (`poison`). tests/test_fuzz.py runs every case in-process through clausewise.cli.main and a
spread of them as real processes under a memory limit and a timeout.

Expectations, by category (2 is bad input; 0 and 1 are answers):
  delete-key, null-value      {2} when the key is required (the engine's own required keys), else
                              {0, 1, 2}: an optional key left out is still a scenario; but a key
                              left out never turns a violation or cannot-determine (1) of the
                              unchanged scenario into clear (0), unless it states a different
                              event (CHANGES_THE_EVENT: the seller, the history, the holders...);
  wrong-type                  {2} when the new value's kind (text, number, date, true/false, list,
                              mapping) is not one the key takes; {0, 1, 2} when it is (a name
                              replaced by other text is still a name);
  bad-number, huge-number, impossible-date, far-date, duplicate-key, alias-bomb, unknown-tag,
  deep-nesting, empty-file, bad-file, bad-path, self-reference, history, cli-*, out
                              {2}, but for the controls of each (a --out that can be written, a
                              vote that passes, a history that applies) and the cases marked
                              otherwise where they are made;
  boundary-number, odd-date   as each case states: 0 or 1 for a number or date that is allowed
                              (the largest share count, a quoted date), 2 past it;
  encoding, yaml-syntax       {2}, but {0, 1, 2} for a BOM, CRLF or CR line ends, a %YAML directive;
  truncated, zero, size       {0, 1, 2}: a file cut short, a cap table with nothing outstanding, or
                              lists at their limits may still read (and must not crash); past a
                              limit (201 directors, 101 events changing the terms) {2};
  control                     the unchanged input, as it answers.

    python tests/fuzz/make_corpus.py --summary      counts per category and per expectation
    python tests/fuzz/make_corpus.py --write ID DIR write one case's files to DIR and print its command
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import yaml

ROOT = Path(__file__).resolve().parents[2]
SEED = 20240611  # fixed: the same corpus on every run and every machine
ICG = ROOT / "rules" / "icg-2000"
KESTREL = ROOT / "rules" / "kestrel-2021"
ANY = frozenset({0, 1, 2})
BAD = frozenset({2})
SUBPROCESS_CASES = 100  # how many cases also run as real processes, spread over the categories

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Case:
    """One malformed input and what running it must give."""

    id: str
    category: str
    argv: list[str]  # "{d}" stands for the case's own folder
    files: dict[str, bytes] = field(default_factory=dict)  # relative path -> content
    dirs: tuple[str, ...] = ()  # folders to make (a folder given as a file)
    fifos: tuple[str, ...] = ()  # named pipes to make (a reader must not wait on one)
    expect: frozenset = BAD
    line: bool = False  # a problem line must carry a line number
    out: str | None = None  # the --out file (relative), never half-written
    out_before: bytes | None = None  # its content before the run, kept if the run fails
    poison: str | None = None  # never echoed in full: at most an excerpt of it
    subprocess: bool = False  # also run as a real process (set by build)
    in_process: bool = True  # False: only as a real process (an argument the in-process run cannot give)
    # The command on the unchanged input, for a key left out: when it finds a violation or cannot
    # decide (exit 1), the case must not come out clear (exit 0): a missing fact never reads as
    # compliant.
    base_argv: list[str] | None = None

    def materialize_argv(self, folder: Path) -> list[str]:
        """The command line, without writing anything."""
        return [a.replace("{d}", str(folder)) for a in self.argv]

    def materialize(self, folder: Path) -> list[str]:
        """Write the case's files into `folder` and return its command line."""
        import os

        folder.mkdir(parents=True, exist_ok=True)
        for rel, content in self.files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        for rel in self.dirs:
            (folder / rel).mkdir(parents=True, exist_ok=True)
        for rel in self.fifos:
            if not (folder / rel).exists():
                os.mkfifo(folder / rel)
        if self.out_before is not None and self.out is not None:
            (folder / self.out).write_bytes(self.out_before)
        return [a.replace("{d}", str(folder)) for a in self.argv]


# --- reading and writing the bundled inputs --------------------------------------------------------


def load(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)


class Raw(str):
    """A value written into the YAML text as it is (1:00:00, 0x10, 2001-02-30), not as a string."""


def dump(data: Any) -> bytes:
    """YAML text of `data`, each Raw value spliced in unquoted."""
    raws: dict[str, str] = {}

    def mark(node: Any) -> Any:
        if isinstance(node, Raw):
            key = f"RAWVALUE{len(raws):05d}"
            raws[key] = str(node)
            return key
        if isinstance(node, dict):
            return {mark(k): mark(v) for k, v in node.items()}
        if isinstance(node, list):
            return [mark(v) for v in node]
        return node

    text = yaml.dump(mark(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096,
                     default_flow_style=False)
    for key, raw in raws.items():
        text = text.replace(f"'{key}'", raw).replace(key, raw)
    return text.encode("utf-8")


def walk(node: Any, prefix: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every (path, value) below the root, parents before children."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield prefix + (key,), value
        yield from walk(value, prefix + (key,))


def get(node: Any, path: tuple) -> Any:
    for key in path:
        node = node[key]
    return node


def replaced(data: Any, path: tuple, value: Any) -> Any:
    out = copy.deepcopy(data)
    get(out, path[:-1])[path[-1]] = value
    return out


def deleted(data: Any, path: tuple) -> Any:
    out = copy.deepcopy(data)
    del get(out, path[:-1])[path[-1]]
    return out


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, Raw):
        return "raw"
    if isinstance(value, str):
        return "text"
    if isinstance(value, date):
        return "date"
    if isinstance(value, list):
        return "list"
    return "mapping"


POISON = "POISON" + "ab" * 2500  # a value of 5,006 characters: an error may quote 60 of them
WRONG = [  # (name, value) replacing a value of another kind
    ("text", "xyzzy"), ("list", [1, 2]), ("mapping", {"k": 1}), ("null", None), ("bool", True),
    ("huge-int", 10**20), ("negative", -1), ("float", 1.5), ("date", date(2001, 2, 3)),
    ("long-text", POISON), ("control-text", "bell\u0007and\nnewline"),
]

# Keys that take more than one kind of value (a path or a mapping, a name or a mapping, a date or
# `none`), each with the kinds it takes.
MULTI = {"cap_table": {"text", "mapping"}, "to": {"text", "mapping"}, "buyer": {"text", "mapping"},
         "offer_mailed": {"text", "date", "null"}}


def _required(path: tuple, data: Any, where: str) -> bool:
    """Whether the key at `path` is one the engine requires (clausewise.scenario's own lists)."""
    from clausewise.scenario import ACTION_REQUIRED, EVENT_KEYS, EVENT_OPTIONAL

    key = path[-1]
    if isinstance(key, int):
        return False  # a list item: the list may be shorter
    parent_path = tuple(k for k in path[:-1])
    under = [k for k in parent_path if isinstance(k, str)]
    if where == "scenario" and not parent_path:
        return key in ("name", "as_of", "cap_table", "action")
    if where == "captable" and not parent_path:
        return key in ("common_outstanding", "holders")
    if under[-1:] == ["action"] and len(parent_path) == 1:
        action = get(data, parent_path)
        required = {"kind"} | set(ACTION_REQUIRED.get(action.get("kind"), ()))
        if action.get("kind") == "conversion":
            required |= {"holder", "security", "quantity"}
        if action.get("kind") == "exercise":
            required |= {"holder", "quantity"}
        return key in required
    if "holders" in under and isinstance(parent_path[-1], int):
        return key == "name"
    if "history" in under and isinstance(parent_path[-1], int):
        event = get(data, parent_path)
        kinds = EVENT_KEYS.get(event.get("kind"))
        if kinds is None:
            return key in ("date", "kind")
        return key in kinds and key not in EVENT_OPTIONAL.get(event.get("kind"), ())
    if under[-2:] == ["action", "to"] or under[-1:] == ["to"]:
        return key == "name"
    if "directors" in under and isinstance(parent_path[-1], int):
        return key in ("name", "seated")
    return False


def _expect_replaced(path: tuple, old: Any, new_name: str, new: Any, data: Any, where: str) -> frozenset:
    """The exit codes a value replaced by another may give (see the module's docstring)."""
    key = next((k for k in reversed(path) if isinstance(k, str)), "")
    old_kind, new_kind = kind(old), kind(new)
    if key in ("description", "note", "quote", "section", "document", "name") and new_kind == "text":
        return ANY  # free text (a long one is refused for a name, and that is allowed too)
    if new_kind == "null":
        return BAD if _required(path, data, where) else ANY
    if key in MULTI and new_kind in MULTI[key]:
        return ANY
    if "instruments" in path[:-1] and new_kind in ("text", "mapping"):
        return ANY
    if new_kind != old_kind:
        return BAD
    if new_kind == "number":
        if new_name in ("negative", "huge-int"):
            return BAD
        return ANY
    return ANY


# --- the cases -----------------------------------------------------------------------------------


class Builder:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.cases: list[Case] = []
        self.seen: set[str] = set()
        self.icg_scenarios = sorted((ICG / "scenarios").glob("*.yaml"))
        self.kestrel_scenarios = sorted((KESTREL / "scenarios").glob("*.yaml"))
        self.icg_closing = ICG / "captables" / "closing.yaml"
        self.kestrel_closing = KESTREL / "captables" / "closing.yaml"

    def add(self, case: Case) -> None:
        base, n = case.id, 1
        while case.id in self.seen:
            n += 1
            case.id = f"{base}~{n}"
        self.seen.add(case.id)
        self.cases.append(case)

    # A scenario of the corpus is written to {d}/scenario.yaml with its cap table read from the
    # bundled file by its absolute path (or from {d}/captable.yaml when the cap table is the case).

    def scenario_data(self, path: Path) -> dict:
        data = load(path)
        closing = self.kestrel_closing if path.parent.parent == KESTREL else self.icg_closing

        def absolute(ref: Any) -> Any:
            if isinstance(ref, str) and ref.endswith(".yaml"):
                return str((path.parent / ref).resolve()) if (path.parent / ref).exists() else str(closing)
            return ref

        if isinstance(data.get("cap_table"), dict):
            data["cap_table"]["file"] = absolute(data["cap_table"].get("file"))
        else:
            data["cap_table"] = absolute(data.get("cap_table"))
        return data

    @staticmethod
    def rules(path: Path) -> list[str]:
        return ["--rules", str(KESTREL)] if KESTREL in path.parents else []

    def verb(self, path: Path, data: dict) -> list[str]:
        """check for most scenarios, vote for the corporate actions that need approvals; JSON now and then."""
        argv = ["check", "{d}/scenario.yaml"]
        if path.name.startswith("approval-") and self.rng.random() < 0.5:
            argv = ["vote", "{d}/scenario.yaml"]
        if self.rng.random() < 0.15:
            argv += ["--format", "json"]
        return argv + self.rules(path)

    def scenario_case(self, category: str, name: str, path: Path, data: Any, expect: frozenset,
                      line: bool, poison: str | None = None, text: bytes | None = None,
                      missing: tuple | None = None) -> None:
        content = text if text is not None else dump(data)
        argv = self.verb(path, data if isinstance(data, dict) else {})
        base = None
        if missing is not None and not set(missing) & CHANGES_THE_EVENT:
            base = [str(path) if a == "{d}/scenario.yaml" else a for a in argv if a not in ("--format", "json")]
        self.add(Case(id=f"{category}/{path.stem}/{name}", category=category, argv=argv,
                      files={"scenario.yaml": content}, expect=expect, line=line, poison=poison, base_argv=base))

    # --- 1. scenarios: every key deleted, every value of a wrong type ----------------------------

    def scenarios(self) -> None:
        everyone = self.icg_scenarios + self.kestrel_scenarios
        primaries = [p for p in everyone if p.stem in PRIMARY]
        for path in everyone:
            data = self.scenario_data(path)
            paths = [p for p, _ in walk(data)]
            # Deletions: every key of a primary scenario, three of each other scenario.
            chosen = paths if path in primaries else self.rng.sample(paths, min(3, len(paths)))
            for p in chosen:
                if isinstance(p[-1], int) and p[:-1] and len(get(data, p[:-1])) == 1:
                    continue  # the only item of a list: the same as an empty list, below
                required = _required(p, data, "scenario")
                self.scenario_case("delete-key", _name(p), path, deleted(data, p), BAD if required else ANY,
                                   line=required, missing=p)
            # Wrong types: every value of a primary scenario with four kinds, a third of each
            # other's with one.
            for p in paths:
                if path not in primaries and self.rng.random() > 0.3:
                    continue
                old = get(data, p)
                kinds = self.rng.sample(WRONG, 4 if path in primaries else 1)
                for wrong_name, wrong in kinds:
                    if kind(wrong) == kind(old) and wrong_name not in ("negative", "huge-int", "long-text"):
                        continue
                    expect = _expect_replaced(p, old, wrong_name, wrong, data, "scenario")
                    category = "null-value" if wrong is None else "wrong-type"
                    self.scenario_case(category, f"{_name(p)}={wrong_name}", path, replaced(data, p, wrong),
                                       expect, line=expect == BAD,
                                       poison=POISON if wrong_name == "long-text" else None,
                                       missing=p if wrong is None else None)

    # --- 2. cap tables ------------------------------------------------------------------------

    def captable_verbs(self, closing: Path) -> list[list[str]]:
        """The commands a cap table case runs: position, headroom, a conversion or exercise, a check."""
        if closing == self.kestrel_closing:
            rules = ["--rules", str(KESTREL)]
            return [["position", "--as-of", "2021-06-01", "--cap-table", "{d}/captable.yaml"] + rules,
                    ["headroom", "--holder", "investor", "--as-of", "2021-06-01", "--cap-table",
                     "{d}/captable.yaml"] + rules,
                    ["check", "{d}/scenario.yaml"] + rules]
        return [["position", "--as-of", "2003-06-02", "--cap-table", "{d}/captable.yaml"],
                ["headroom", "--holder", "liberty", "--as-of", "2003-06-02", "--cap-table", "{d}/captable.yaml"],
                ["convert", "--holder", "Liberty Media Corporation", "--security", "series_a1", "--shares", "100",
                 "--on", "2002-06-01", "--cap-table", "{d}/captable.yaml"],
                ["exercise", "--holder", "Liberty Media Corporation", "--shares", "1000", "--on", "2003-06-02",
                 "--cap-table", "{d}/captable.yaml"],
                ["check", "{d}/scenario.yaml"]]

    def captable_scenario(self, closing: Path) -> bytes:
        """A scenario reading {d}/captable.yaml: a market purchase by the group the table starts with."""
        if closing == self.kestrel_closing:
            base = self.scenario_data(KESTREL / "scenarios" / "investor-buys-1m-2021-05.yaml")
        else:
            base = self.scenario_data(ICG / "scenarios" / "liberty-buys-2m-2003.yaml")
        base["cap_table"] = "captable.yaml"
        return dump(base)

    def captable_case(self, category: str, name: str, closing: Path, content: bytes, expect: frozenset,
                      line: bool, poison: str | None = None, verb: int | None = None) -> None:
        verbs = self.captable_verbs(closing)
        if verb is None:  # check and convert mostly: position and headroom take 0.3 s on a table that reads
            weights = [1, 1, 3, 2, 5] if len(verbs) == 5 else [1, 1, 4]
            verb = self.rng.choices(range(len(verbs)), weights=weights)[0]
        argv = verbs[verb]
        files = {"captable.yaml": content}
        if "{d}/scenario.yaml" in argv:
            files["scenario.yaml"] = self.captable_scenario(closing)
        which = "kestrel" if closing == self.kestrel_closing else "icg"
        self.add(Case(id=f"{category}/{which}-captable/{name}", category=category, argv=argv, files=files,
                      expect=expect, line=line, poison=poison))

    def captables(self) -> None:
        for closing in (self.icg_closing, self.kestrel_closing):
            data = load(closing)
            for p, old in walk(data):
                if isinstance(p[-1], int) and len(get(data, p[:-1])) == 1:
                    continue
                required = _required(p, data, "captable")
                self.captable_case("delete-key", _name(p), closing, dump(deleted(data, p)),
                                   BAD if required else ANY, line=required)
                many = closing == self.kestrel_closing or not (len(p) > 1 and p[0] in ("holders", "sources")
                                                               and p[1] > (1 if p[0] == "holders" else 0))
                for wrong_name, wrong in (self.rng.sample(WRONG, 7) if many else self.rng.sample(WRONG, 2)):
                    if kind(wrong) == kind(old) and wrong_name not in ("negative", "huge-int", "long-text"):
                        continue
                    expect = _expect_replaced(p, old, wrong_name, wrong, data, "captable")
                    if p[0] == "as_of" and kind(wrong) == "date":
                        expect = ANY
                    category = "null-value" if wrong is None else "wrong-type"
                    self.captable_case(category, f"{_name(p)}={wrong_name}", closing,
                                       dump(replaced(data, p, wrong)), expect, line=expect == BAD,
                                       poison=POISON if wrong_name == "long-text" else None)

    # --- 3. numbers: YAML 1.1 forms, boundaries, absurd sizes, too many digits ---------------------

    def numbers(self) -> None:
        from clausewise.scenario import MAX_SHARES, MAX_TOTAL_SHARES

        forms = [("sexagesimal", "1:00:00"), ("sexagesimal-float", "1:30.5"), ("hex", "0x10"), ("octal", "017"),
                 ("octal-0o", "0o17"), ("binary", "0b101"), ("underscore", "1_000"), ("underscore-float", "1_000.5"),
                 ("inf", ".inf"), ("nan", ".nan"), ("minus-inf", "-.inf"), ("exponent-huge", "1.0e+999999"),
                 ("exponent-tiny", "1.0e-999999"), ("digits-40", "9" * 40), ("digits-5000", "9" * 5000)]
        bounds = [("zero", "0", None), ("one", "1", None), ("max-shares", str(MAX_SHARES), None),
                  ("max-shares+1", str(MAX_SHARES + 1), BAD), ("max-total", str(MAX_TOTAL_SHARES), None),
                  ("2^53", str(2**53), BAD), ("2^63", str(2**63), BAD), ("10^30", str(10**30), BAD),
                  ("fraction", "1000.5", BAD), ("minus", "-1000", BAD), ("plus", "+1000", None),
                  ("many-places", "1000.0000001", None), ("exponent", "1.5e+3", None)]
        shares_sites = [  # (scenario or cap table, path to a number of shares)
            (ICG / "scenarios" / "liberty-buys-2m-2003.yaml", ("action", "quantity")),
            (ICG / "scenarios" / "liberty-converts-a1-2002.yaml", ("action", "quantity")),
            (ICG / "scenarios" / "liberty-exercises-warrants-net-issue-2003.yaml", ("action", "quantity")),
            (ICG / "scenarios" / "liberty-buys-5m-from-company.yaml", ("action", "quantity")),
            (ICG / "scenarios" / "liberty-transfers-a1-to-subsidiary-exempt.yaml", ("action", "quantity")),
            (ICG / "scenarios" / "issuance-of-common-after-liberty-conversion.yaml", ("action", "quantity")),
            (ICG / "scenarios" / "approval-merger-non-qt-cayman.yaml", ("vote",)),
            (KESTREL / "scenarios" / "investor-buys-1m-2021-05.yaml", ("action", "quantity")),
            (self.icg_closing, ("common_outstanding",)), (self.icg_closing, ("holders", 0, "warrants")),
            (self.icg_closing, ("holders", 1, "series_a2")), (self.icg_closing, ("board_size",)),
            (self.kestrel_closing, ("common_outstanding",)), (self.kestrel_closing, ("holders", 0, "common")),
        ]
        money_sites = [
            (ICG / "scenarios" / "liberty-exercises-warrants-net-issue-2003.yaml", ("action", "market_price")),
            (ICG / "scenarios" / "adjustment-issuance-below-market-2001.yaml", ("action", "current_market_price")),
            (ICG / "scenarios" / "adjustment-issuance-below-market-2001.yaml", ("action", "price")),
            (ICG / "scenarios" / "approval-merger-non-qt-cayman.yaml", ("action", "largest_holder_pct", "survivor")),
            (ICG / "scenarios" / "issuance-of-common-after-liberty-conversion.yaml", ("action", "largest_holder_pct_after")),
        ]
        sites = shares_sites + money_sites
        form_sites = {i for i in range(len(sites)) if i in (0, 2, 8, 10, 14, 17)}
        bound_sites = set(range(len(sites))) - {6, 7, 12, 16}
        for index, (source, p) in enumerate(sites):
            is_captable = source in (self.icg_closing, self.kestrel_closing)
            data = load(source) if is_captable else self.scenario_data(source)
            if p == ("vote",):
                continue
            money = (source, p) in money_sites
            for name, raw in (forms if index in form_sites else ()):
                changed = dump(replaced(data, p, Raw(raw)))
                self._number_case(source, is_captable, f"{_name(p)}={name}", "bad-number", changed, BAD)
            for name, raw, expect in (bounds if index in bound_sites else ()):
                if money and name in ("fraction", "many-places"):
                    expect = ANY if name == "fraction" else BAD
                if money and name in ("max-shares", "max-total"):
                    expect = BAD if name == "max-shares" else ANY
                if money and name == "max-shares+1":
                    expect = BAD
                if p == ("board_size",) and name == "zero":
                    expect = BAD
                if not money and name in ("many-places",):
                    expect = BAD
                if not money and name == "exponent" and p == ("board_size",):
                    expect = ANY
                changed = dump(replaced(data, p, Raw(raw)))
                self._number_case(source, is_captable, f"{_name(p)}={name}", "huge-number" if expect == BAD else
                                  "boundary-number", changed, expect or ANY)

    def _number_case(self, source: Path, is_captable: bool, name: str, category: str, content: bytes,
                     expect: frozenset) -> None:
        if is_captable:
            self.captable_case(category, name, source, content, expect, line=expect == BAD,
                               verb=self.rng.randrange(len(self.captable_verbs(source))))
        else:
            self.scenario_case(category, name, source, None, expect, line=expect == BAD, text=content)

    # --- 4. dates: impossible, far, out of the rulebook's span, odd forms --------------------------

    def dates(self) -> None:
        impossible = ["2001-02-30", "2001-13-01", "2001-00-10", "2001-04-31", "0000-01-01", "2003-02-29"]
        far = ["9999-12-31", "5000-01-01", "2100-01-01", "2150-06-02", "2040-06-30", "1000-01-01", "1900-01-01",
               "0001-01-01"]
        odd = [("quoted", "'2003-06-02'", ANY), ("datetime", "2003-06-02 10:00:00", ANY),
               ("one-digit-month", "2003-6-2", ANY), ("week", "'2003-W23-1'", BAD), ("compact", "'20030602'", BAD),
               ("text", "tomorrow", BAD), ("number", "20030602", BAD), ("time", "'10:00'", BAD)]
        sites = [(p, ("as_of",)) for p in self.rng.sample(self.icg_scenarios, 3) + self.kestrel_scenarios[:2]]
        sites += [(ICG / "scenarios" / "hmtf-sells-a2-director-right-ends-board-11.yaml", ("history", 0, "date")),
                  (ICG / "scenarios" / "board-turnover-six-of-twelve-coc.yaml", ("board", "directors", 0, "seated")),
                  (ICG / "scenarios" / "approval-merger-non-qt-cayman.yaml", ("vote", "record_date")),
                  (self.icg_closing, ("as_of",))]
        for source, p in sites:
            is_captable = source == self.icg_closing
            data = load(source) if is_captable else self.scenario_data(source)
            try:
                get(data, p)
            except (KeyError, IndexError, TypeError):
                continue
            for value in impossible:
                self._number_case(source, is_captable, f"{_name(p)}={value}", "impossible-date",
                                  dump(replaced(data, p, Raw(value))), BAD)
            for value in far:
                expect = BAD
                if KESTREL in source.parents and value == "2040-06-30":
                    value = "2051-03-16"  # kestrel-2021 answers for dates up to 2051-03-15
                self._number_case(source, is_captable, f"{_name(p)}={value}", "far-date",
                                  dump(replaced(data, p, Raw(value))), expect)
            for name, value, expect in odd:
                self._number_case(source, is_captable, f"{_name(p)}={name}", "odd-date",
                                  dump(replaced(data, p, Raw(value))), expect)

    # --- 5. YAML itself: syntax, tags, aliases, duplicates, nesting, encodings, empty files ---------

    def yaml_text(self) -> None:
        scenario_data = self.scenario_data(ICG / "scenarios" / "liberty-buys-2m-2003.yaml")
        scenario_data.pop("description", None)  # the cases below add their own
        scenario = dump(scenario_data).decode("utf-8")
        captable = self.icg_closing.read_text(encoding="utf-8")  # as written: comments, flow mappings
        # Where each base is changed: a number, the key before which a key is inserted, a name, a
        # key to state twice, a line to indent with a tab, a line to indent wrongly.
        anchors = {
            "scenario": {"number": "quantity: 2000000", "key": "quantity", "insert": "action:\n",
                         "name": ("buyer: Liberty Media Corporation", "buyer: {}"),
                         "twice": ("  kind: purchase\n", "  kind: purchase\n  kind: transfer\n"),
                         "tab": ("  kind: purchase", "\tkind: purchase"), "indent": ("  buyer:", "     buyer:")},
            "captable": {"number": "common_outstanding: 48582035", "key": "common_outstanding", "insert": "holders:\n",
                         "name": ("{name: Liberty Media Corporation,", "{{name: {},"),
                         "twice": ("board_size: 12\n", "board_size: 12\nboard_size: 13\n"),
                         "tab": ("  - {name: Liberty", "\t- {name: Liberty"),
                         "indent": ('  - {name: "HMTF Bridge', '      - {name: "HMTF Bridge')},
        }
        for which, base in (("scenario", scenario), ("captable", captable)):
            a = anchors[which]
            number, key, insert = a["number"], a["key"], a["insert"]

            def value(text: str) -> bytes:
                return base.replace(number, f"{key}: {text}").encode("utf-8")

            def before(text: str) -> bytes:
                return base.replace(insert, text + insert, 1).encode("utf-8")

            def name(text: str) -> bytes:
                return base.replace(a["name"][0], a["name"][1].format(text), 1).encode("utf-8")

            texts: list[tuple[str, str, bytes, frozenset, bool]] = [  # (category, name, content, expect, line)
                ("duplicate-key", "top", (base + f"{key}: 1\n").encode(), BAD, True),
                ("duplicate-key", "nested", base.replace(*a["twice"], 1).encode(), BAD, True),
                ("duplicate-key", "flow", before("x: {a: 1, a: 2}\n"), BAD, True),
                ("duplicate-key", "merge-override", before("base: &b {p: 1}\nx: {<<: *b, p: 2}\n"), BAD, True),
                ("unknown-tag", "python-object", value("!!python/object:os.system ls"), BAD, True),
                ("unknown-tag", "python-apply", value("!!python/object/apply:os.system ['true']"), BAD, True),
                ("unknown-tag", "python-name", b"!!python/name:os.system\n", BAD, True),
                ("unknown-tag", "foo", value("!foo 12"), BAD, True),
                ("unknown-tag", "local-mapping", base.replace(insert, insert.rstrip("\n") + " !bar\n", 1).encode(),
                 BAD, True),
                ("unknown-tag", "binary", value("!!binary aGVsbG8="), BAD, True),
                ("unknown-tag", "set", value("!!set {a, b}"), BAD, True),
                ("unknown-tag", "omap", value("!!omap [a: 1]"), BAD, True),
                ("unknown-tag", "str-number", value("!!str 2000000"), BAD, True),
                ("unknown-tag", "int-text", value("!!int 'lots'"), BAD, True),
                ("unknown-tag", "float-nan", value("!!float nan"), BAD, True),
                ("unknown-tag", "timestamp", value("!!timestamp 2001-01-01"), BAD, True),
                ("unknown-tag", "null-tag", value("!!null ''"), BAD, True),
                ("unknown-tag", "bool-tag", value("!!bool yes"), BAD, True),
                ("alias-bomb", "laughs", ("a: &a [x,x,x,x,x,x,x,x,x]\n" + "\n".join(
                    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join(["*" + chr(97 + i)] * 9) + "]" for i in range(9))
                    + "\n").encode(), BAD, True),
                ("alias-bomb", "inside", before("description: &d [" + ",".join(["x"] * 50) + "]\n" + "".join(
                    f"l{i}: &l{i} [" + ",".join([f"*{'d' if i == 0 else f'l{i - 1}'}"] * 50) + "]\n"
                    for i in range(4))), BAD, True),
                ("alias-bomb", "self-merge", b"a: &a\n  <<: *a\n", BAD, True),
                ("alias-bomb", "recursive", b"a: &a [*a]\n", BAD, True),
                ("alias-bomb", "undefined", value("*nothing"), BAD, True),
                ("alias-bomb", "merge-list", before("x:\n  <<: [1, 2]\n"), BAD, True),
                ("deep-nesting", "lists-300", before("description: " + "[" * 300 + "]" * 300 + "\n"), BAD, True),
                ("deep-nesting", "maps-60", before("description: " + "{a: " * 60 + "1" + "}" * 60 + "\n"), BAD, True),
                ("deep-nesting", "lists-100000", ("a: " + "[" * 100000 + "]" * 100000 + "\n").encode(), BAD, False),
                ("deep-nesting", "block-200", ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 200))).encode(), BAD,
                 False),
                ("deep-nesting", "value-41", value("[" * 41 + "1" + "]" * 41), BAD, True),
                ("empty-file", "empty", b"", BAD, False),
                ("empty-file", "spaces", b"   \n\n  \n", BAD, False),
                ("empty-file", "comment", b"# nothing but a comment\n", BAD, False),
                ("empty-file", "document-marker", b"---\n...\n", BAD, False),
                ("empty-file", "null", b"null\n", BAD, False),
                ("yaml-syntax", "scalar", b"just some text\n", BAD, False),
                ("yaml-syntax", "list", b"- a\n- b\n", BAD, False),
                ("yaml-syntax", "two-documents", (base + "\n---\n" + base).encode(), BAD, True),
                ("yaml-syntax", "tab-indent", base.replace(*a["tab"], 1).encode(), BAD, True),
                ("yaml-syntax", "unclosed-flow", before("x: [1, 2\n"), BAD, True),
                ("yaml-syntax", "unclosed-quote", value("'2000000"), BAD, True),
                ("yaml-syntax", "bad-indent", base.replace(*a["indent"], 1).encode(), BAD, True),
                ("yaml-syntax", "colon-soup", b"a: b: c: d\n", BAD, True),
                ("yaml-syntax", "directive", ("%YAML 1.1\n---\n" + base).encode(), ANY, False),
                ("yaml-syntax", "bad-directive", ("%FOO bar\n---\n" + base).encode(), ANY, False),
                ("yaml-syntax", "anchor-only", b"&a\n", BAD, False),
                ("yaml-syntax", "complex-key", before("? [a, b]\n: 1\n"), BAD, True),
                ("yaml-syntax", "null-key", before("~: 1\n"), BAD, True),
                ("yaml-syntax", "int-key", before("12: 1\n"), BAD, True),
                ("yaml-syntax", "bool-key", before("yes: 1\n"), BAD, True),
                ("yaml-syntax", "yes-value", value("yes"), BAD, True),
                ("encoding", "bom", ("\ufeff" + base).encode("utf-8"), ANY, False),
                ("encoding", "crlf", base.replace("\n", "\r\n").encode(), ANY, False),
                ("encoding", "cr", base.replace("\n", "\r").encode(), ANY, False),
                ("encoding", "utf16", base.encode("utf-16"), BAD, False),
                ("encoding", "latin1", base.replace(insert, "x: caf\u00e9\n" + insert, 1).encode("latin-1"), BAD, True),
                ("encoding", "nul", value("2000\x00000"), BAD, True),
                ("encoding", "nul-in-quotes", before("x: 'a\x00b'\n"), BAD, True),
                ("encoding", "control-bell", value("2000\x07"), BAD, True),
                ("encoding", "escape-nul", name('"Liberty\\x00Media"'), BAD, True),
                ("encoding", "escape-surrogate", name('"\\ud800"'), BAD, True),
                ("encoding", "rtl-override", name("Liberty\u202eMedia"), BAD, True),
                ("encoding", "long-line", before("x: " + "w" * 300000 + "\n"), BAD, True),
                ("encoding", "too-large", ("a: " + "x" * 2_000_001 + "\n").encode(), BAD, False),
                ("encoding", "many-bytes", ("a: " + "\u20ac" * 1_000_000 + "\n").encode(), BAD, True),
            ]
            if which == "scenario":
                texts.append(("encoding", "emoji-name", base.replace("name: ", "name: \U0001F600 ", 1).encode(), ANY,
                              False))
                for cut in sorted(self.rng.sample(range(1, len(base) - 1), 12)):
                    texts.append(("truncated", f"at-{cut}", base[:cut].encode(), ANY, False))
            else:
                cap_lines = base.splitlines(keepends=True)
                for cut in sorted(self.rng.sample(range(5, len(cap_lines)), 6)):
                    texts.append(("truncated", f"lines-{cut}", "".join(cap_lines[:cut]).encode(), ANY, False))
            for n in range(4):
                garbage = bytes(self.rng.randrange(256) for _ in range(self.rng.choice((16, 300, 5000))))
                texts.append(("encoding", f"binary-garbage-{n}", garbage, BAD, False))
            for n in range(3):
                junk = "".join(self.rng.choice("{}[]:,-?&*!|>'\"%@` \n\t#abc123") for _ in range(200))
                texts.append(("yaml-syntax", f"punctuation-soup-{n}", junk.encode(), BAD, False))
            for category, case_name, content, expect, line in texts:
                if which == "scenario":
                    self.scenario_case(category, case_name, ICG / "scenarios" / "liberty-buys-2m-2003.yaml", None,
                                       expect, line, text=content)
                else:
                    self.captable_case(category, case_name, self.icg_closing, content, expect, line=line)

    # --- 6. files and paths: folders, missing, devices, pipes, long names, self-references --------

    def files(self) -> None:
        scenario = self.scenario_data(ICG / "scenarios" / "liberty-buys-2m-2003.yaml")
        ok_scenario = dump(scenario)

        def with_cap(ref: Any) -> bytes:
            return dump(dict(scenario, cap_table=ref))

        long_name = "n" * 300 + ".yaml"
        very_long = "/".join(["d" * 200] * 30) + "/x.yaml"
        poison_file = ("POISONFILE " + "cd" * 3000 + "\n").encode()
        cases = [  # (name, argv, files, dirs, fifos, expect, line)
            ("scenario-missing", ["check", "{d}/nope.yaml"], {}, (), (), BAD, False),
            ("scenario-folder", ["check", "{d}/folder"], {}, ("folder",), (), BAD, False),
            ("scenario-dev-null", ["check", "/dev/null"], {}, (), (), BAD, False),
            ("scenario-dev-zero", ["check", "/dev/zero"], {}, (), (), BAD, False),
            ("scenario-fifo", ["check", "{d}/pipe.yaml"], {}, (), ("pipe.yaml",), BAD, False),
            ("scenario-dev-stdin", ["check", "/dev/stdin"], {}, (), (), BAD, False),
            ("scenario-dash", ["vote", "-"], {}, (), (), BAD, False),
            ("scenario-etc-passwd", ["check", "/etc/passwd"], {}, (), (), BAD, False),
            ("scenario-proc", ["check", "/proc/self/status"], {}, (), (), BAD, False),
            ("scenario-long-name", ["check", "{d}/" + long_name], {}, (), (), BAD, False),
            ("scenario-very-long-path", ["check", "{d}/" + very_long], {}, (), (), BAD, False),
            ("scenario-empty-argument", ["check", ""], {}, (), (), BAD, False),
            ("scenario-dot", ["check", "."], {}, (), (), BAD, False),
            ("scenario-file-as-folder", ["check", "{d}/scenario.yaml/x.yaml"], {"scenario.yaml": ok_scenario}, (), (),
             BAD, False),
            ("scenario-poison-content", ["check", "{d}/scenario.yaml"], {"scenario.yaml": poison_file}, (), (), BAD,
             False),
            ("cap-missing", ["check", "{d}/scenario.yaml"], {"scenario.yaml": with_cap("nope.yaml")}, (), (), BAD, True),
            ("cap-folder", ["check", "{d}/scenario.yaml"], {"scenario.yaml": with_cap("folder")}, ("folder",), (), BAD,
             True),
            ("cap-dev-zero", ["check", "{d}/scenario.yaml"], {"scenario.yaml": with_cap("/dev/zero")}, (), (), BAD, True),
            ("cap-dev-null", ["check", "{d}/scenario.yaml"], {"scenario.yaml": with_cap("/dev/null")}, (), (), BAD, True),
            ("cap-fifo", ["check", "{d}/scenario.yaml"], {"scenario.yaml": with_cap("pipe.yaml")}, (), ("pipe.yaml",),
             BAD, True),
            ("cap-etc-passwd", ["check", "{d}/scenario.yaml"], {"scenario.yaml": with_cap("/etc/passwd")}, (), (), BAD,
             False),
            ("cap-poison-content", ["check", "{d}/scenario.yaml"], {"scenario.yaml": with_cap("poison.yaml"),
                                                                     "poison.yaml": poison_file}, (), (), BAD, False),
            ("cap-long-name", ["check", "{d}/scenario.yaml"], {"scenario.yaml": with_cap(long_name)}, (), (), BAD, True),
            ("cap-very-long-path", ["check", "{d}/scenario.yaml"], {"scenario.yaml": with_cap(very_long)}, (), (), BAD,
             True),
            ("cap-empty-string", ["check", "{d}/scenario.yaml"], {"scenario.yaml": with_cap("")}, (), (), BAD, True),
            ("cap-nul-in-path", ["check", "{d}/scenario.yaml"], {"scenario.yaml": with_cap("a\x00b.yaml")}, (), (),
             BAD, True),
            ("cap-self", ["check", "{d}/scenario.yaml"], {"scenario.yaml": with_cap("scenario.yaml")}, (), (), BAD,
             True),
            ("cap-is-scenario", ["check", "{d}/scenario.yaml"],
             {"scenario.yaml": with_cap("other.yaml"), "other.yaml": with_cap("scenario.yaml")}, (), (), BAD, True),
            ("cap-mapping-self", ["check", "{d}/scenario.yaml"],
             {"scenario.yaml": with_cap({"file": "scenario.yaml", "common_outstanding": 100})}, (), (), BAD, True),
            ("cap-empty-file", ["check", "{d}/scenario.yaml"], {"scenario.yaml": with_cap("cap.yaml"), "cap.yaml": b""},
             (), (), BAD, False),
            ("cap-table-option-missing", ["position", "--as-of", "2003-01-01", "--cap-table", "{d}/nope.yaml"], {}, (),
             (), BAD, False),
            ("cap-table-option-folder", ["position", "--as-of", "2003-01-01", "--cap-table", "{d}"], {}, (), (), BAD,
             False),
            ("cap-table-option-dev-zero", ["position", "--as-of", "2003-01-01", "--cap-table", "/dev/zero"], {}, (), (),
             BAD, False),
            ("cap-table-option-fifo", ["headroom", "--holder", "liberty", "--as-of", "2003-01-01", "--cap-table",
                                       "{d}/pipe.yaml"], {}, (), ("pipe.yaml",), BAD, False),
            ("cap-table-option-scenario", ["position", "--as-of", "2003-01-01", "--cap-table", "{d}/scenario.yaml"],
             {"scenario.yaml": ok_scenario}, (), (), BAD, True),
            ("cap-table-option-long", ["convert", "--holder", "x", "--security", "series_a1", "--shares", "1", "--on",
                                       "2002-01-01", "--cap-table", "{d}/" + very_long], {}, (), (), BAD, False),
            ("cap-table-option-empty", ["exercise", "--holder", "x", "--shares", "1", "--on", "2002-01-01",
                                        "--cap-table", ""], {}, (), (), BAD, False),
            ("control-valid-scenario", ["check", "{d}/scenario.yaml"], {"scenario.yaml": ok_scenario}, (), (),
             frozenset({1}), False),
        ]
        for name, argv, files, dirs, fifos, expect, line in cases:
            category = "bad-path" if "long" in name or "empty" in name or "nul" in name or "dot" in name else \
                "self-reference" if "self" in name or "is-scenario" in name else "bad-file"
            if name.startswith("control"):
                category = "control"
            self.add(Case(id=f"{category}/{name}", category=category, argv=argv, files=files, dirs=dirs, fifos=fifos,
                          expect=expect, line=line, poison="cd" * 40 if "poison" in name else None))

    # --- 7. histories: events of every kind with what can go wrong in each ------------------------

    def histories(self) -> None:
        data = load(self.icg_closing)
        data.pop("sources", None)
        events = [
            {"date": date(2001, 6, 1), "kind": "common_subdivision", "new_shares": 2, "old_shares": 1},
            {"date": date(2002, 6, 1), "kind": "conversion", "holder": "Liberty Media Corporation",
             "security": "series_a1", "quantity": 50000},
            {"date": date(2003, 1, 15), "kind": "exercise", "holder": "Liberty Media Corporation", "quantity": 1000000,
             "method": "net_issue", "fair_market_value": 50.0},
            {"date": date(2003, 2, 1), "kind": "issuance", "security": "common", "quantity": 2500000},
            {"date": date(2003, 3, 1), "kind": "transfer", "from": "HMTF Bridge ICG, LLC",
             "to": {"name": "Newco LLC", "group": "none"}, "security": "series_a2", "quantity": 100},
            {"date": date(2003, 4, 1), "kind": "change_of_control", "offer_mailed": "none"},
        ]
        good = dict(data, history=events)
        self.captable_case("control", "history-valid", self.icg_closing, dump(good), frozenset({0}), line=False, verb=0)
        for index, event in enumerate(events):
            for key in event:
                p = ("history", index, key)
                required = _required(p, good, "captable")
                self.captable_case("history", f"{_name(p)}-deleted", self.icg_closing, dump(deleted(good, p)),
                                   BAD if required else ANY, line=required)
                for wrong_name, wrong in self.rng.sample(WRONG, 4):
                    if kind(wrong) == kind(event[key]) and wrong_name not in ("negative", "huge-int"):
                        continue
                    expect = _expect_replaced(p, event[key], wrong_name, wrong, good, "captable")
                    self.captable_case("history", f"{_name(p)}={wrong_name}", self.icg_closing,
                                       dump(replaced(good, p, wrong)), expect, line=expect == BAD,
                                       poison=POISON if wrong_name == "long-text" else None, verb=0)
        absurd = [
            ("split-1000", {"date": date(2001, 6, 1), "kind": "common_subdivision", "new_shares": 1000, "old_shares": 1}),
            ("split-10^9", {"date": date(2001, 6, 1), "kind": "common_subdivision", "new_shares": 10**9, "old_shares": 1}),
            ("combination-10^9", {"date": date(2001, 6, 1), "kind": "common_subdivision", "new_shares": 1,
                                  "old_shares": 10**9}),
            ("combination-10^11", {"date": date(2001, 6, 1), "kind": "common_subdivision", "new_shares": 1,
                                   "old_shares": 10**11}),
            ("dividend-huge", {"date": date(2001, 6, 1), "kind": "common_stock_dividend", "shares_distributed": 10**11}),
            ("issuance-huge", {"date": date(2001, 6, 1), "kind": "issuance", "security": "common", "quantity": 10**11}),
            ("repurchase-all", {"date": date(2001, 6, 1), "kind": "repurchase", "security": "common",
                                "quantity": 48582035}),
            ("repurchase-more", {"date": date(2001, 6, 1), "kind": "repurchase", "security": "common",
                                 "quantity": 48582036}),
            ("exercise-fmv-tiny", {"date": date(2003, 1, 15), "kind": "exercise", "holder": "Liberty Media Corporation",
                                   "quantity": 1000, "method": "net_issue", "fair_market_value": Raw("0.000001")}),
            ("exercise-fmv-huge", {"date": date(2003, 1, 15), "kind": "exercise", "holder": "Liberty Media Corporation",
                                   "quantity": 1000, "method": "net_issue", "fair_market_value": 10**15}),
            ("date-far", {"date": Raw("9999-12-31"), "kind": "issuance", "security": "common", "quantity": 1}),
            ("date-before-closing", {"date": date(1999, 1, 1), "kind": "issuance", "security": "common", "quantity": 1}),
            ("date-impossible", {"date": Raw("2001-02-30"), "kind": "issuance", "security": "common", "quantity": 1}),
            ("kind-unknown", {"date": date(2001, 6, 1), "kind": "explosion"}),
            ("kind-list", {"date": date(2001, 6, 1), "kind": ["conversion"]}),
            ("event-text", "just text"),
            ("event-list", [1, 2, 3]),
            ("offer-mailed-far", {"date": date(2003, 4, 1), "kind": "change_of_control", "offer_mailed": Raw("9999-01-01")}),
            ("offer-mailed-before", {"date": date(2003, 4, 1), "kind": "change_of_control",
                                     "offer_mailed": date(2003, 3, 1)}),
            ("below-market-huge-price", {"date": date(2001, 6, 1), "kind": "common_issuance_below_market",
                                         "quantity": 1000, "price": 10**15, "current_market_price": 20}),
        ]
        for name, event in absurd:
            bad = dict(data, history=[event])
            expect = ANY if name in ("repurchase-all",) else BAD
            self.captable_case("history", name, self.icg_closing, dump(bad), expect, line=expect == BAD,
                               verb=self.rng.randrange(4))
        # Many events: the record grows but stays bounded.
        many = [{"date": date(2001, 1, 1 + i % 28), "kind": "issuance", "security": "common", "quantity": 1}
                for i in range(28)]
        self.captable_case("history", "many-events", self.icg_closing, dump(dict(data, history=many)), ANY, line=False,
                           verb=0)
        dividends = [{"date": date(2001, 1, 1 + i % 28), "kind": "common_stock_dividend", "shares_distributed": 1}
                     for i in range(101)]
        self.captable_case("history", "101-term-events", self.icg_closing, dump(dict(data, history=dividends)), BAD,
                           line=True, verb=0)
        self.captable_case("history", "100-term-events", self.icg_closing,
                           dump(dict(data, history=dividends[:100])), ANY, line=False, verb=4)
        issuances = [{"date": date(2001, 1, 1), "kind": "issuance", "security": "common", "quantity": 1}] * 5001
        self.captable_case("history", "5001-events", self.icg_closing, dump(dict(data, history=issuances)), BAD,
                           line=True, verb=0)
        splits = [{"date": date(2001, 1 + i, 1), "kind": "common_subdivision", "new_shares": 2, "old_shares": 1}
                  for i in range(12)]
        self.captable_case("history", "twelve-doublings", self.icg_closing, dump(dict(data, history=splits)), BAD,
                           line=True, verb=0)

    # --- 8. command lines: every verb, every option, with garbage --------------------------------

    def cli(self) -> None:
        scenario = str(ICG / "scenarios" / "liberty-buys-2m-2003.yaml")
        vote_scenario = str(ICG / "scenarios" / "approval-merger-non-qt-cayman.yaml")
        long = "L" * 5000
        garbage_dates = ["2003-13-01", "2003-02-30", "20030602", "2003-W23-1", "", "9999-12-31", "0001-01-01",
                         "2100-01-01", "1999-01-01", "2040-06-30", "yesterday", "2003-06-02T10:00", "-1", long,
                         "２００３-06-02"]
        garbage_shares = ["abc", "-5", "0", "1.5", "9" * 40, "9" * 5000, "１２３", "", "1e3", "0x10", "1_000",
                          str(10**11 + 1), " 5", "5 ", "1,,000", ",", "²"]
        garbage_money = ["-1", "abc", "1e999", "NaN", "Infinity", "$", "40.0000001", str(10**20), "", "0", "$-5",
                         "1_000", "٣", "40.00.00", long]
        cases: list[tuple[str, list[str], frozenset]] = [
            ("no-verb", [], BAD), ("unknown-verb", ["explode"], BAD), ("unknown-option-top", ["--bogus"], BAD),
            ("verb-typo", ["chek", scenario], BAD), ("empty-verb", [""], BAD), ("long-verb", [long], BAD),
            ("dash", ["-"], BAD), ("double-dash", ["--"], BAD),
        ]
        verbs = {
            "check": [scenario], "vote": [vote_scenario], "memo": [scenario],
            "position": ["--as-of", "2003-06-02"], "headroom": ["--holder", "liberty", "--as-of", "2003-06-02"],
            "convert": ["--holder", "Liberty Media Corporation", "--security", "series_a1", "--shares", "100",
                        "--on", "2002-06-01"],
            "exercise": ["--holder", "Liberty Media Corporation", "--shares", "1000", "--on", "2003-06-02"],
            "lint": [str(KESTREL)],
        }
        for verb, good in verbs.items():
            cases += [(f"{verb}-unknown-option", [verb, *good, "--bogus"], BAD),
                      (f"{verb}-unknown-short", [verb, *good, "-z"], BAD),
                      (f"{verb}-extra-positional", [verb, *good, "extra", "more"], BAD),
                      (f"{verb}-long-unknown", [verb, *good, "--" + long], BAD),
                      (f"{verb}-long-positional", [verb, *good, long], BAD),
                      (f"{verb}-format-bogus", [verb, *good, "--format", "xml"], BAD),
                      (f"{verb}-format-empty", [verb, *good, "--format="], BAD),
                      (f"{verb}-format-missing", [verb, *good, "--format"], BAD),
                      (f"{verb}-rules-missing", [verb, *good, "--rules", "/nonexistent/rules"], BAD),
                      (f"{verb}-rules-file", [verb, *good, "--rules", str(ICG / "rulebook.yaml")], BAD),
                      (f"{verb}-rules-empty", [verb, *good, "--rules", ""], BAD),
                      (f"{verb}-help-garbage", [verb, "--help", "--bogus"], frozenset({0}))]
        for verb in ("check", "vote", "memo"):
            cases += [(f"{verb}-missing-scenario", [verb], BAD),
                      (f"{verb}-empty-scenario", [verb, ""], BAD)]
        for verb in ("position", "headroom"):
            good = verbs[verb]
            rest = good[:-2]
            cases.append((f"{verb}-missing-as-of", [verb, *rest], BAD))
            cases.append((f"{verb}-as-of-no-value", [verb, *rest, "--as-of"], BAD))
            for d in garbage_dates:
                cases.append((f"{verb}-as-of={_short(d)}", [verb, *rest, "--as-of", d], BAD))
            for status in ("x", "=", "purchase-agreement=", "purchase-agreement=bogus", "=in_force",
                           "purchase-agreement=terminated", "purchase-agreement=terminated:2001-02-30",
                           "purchase-agreement=terminated:9999-01-01", "purchase-agreement=terminated:20010101",
                           "purchase-agreement=in_force:2001-01-01", "nosuchdoc=in_force", long + "=in_force",
                           "purchase-agreement=" + long, "purchase-agreement=cancelled:1999-01-01"):
                cases.append((f"{verb}-instrument={_short(status)}", [verb, *good, "--instrument", status], BAD))
        cases.append(("position-instrument-valid", ["position", *verbs["position"], "--instrument",
                                                    "purchase-agreement=terminated:2002-04-03"], frozenset({0})))
        for size in ("0", "abc", "-1", "9" * 40, "1001", "1.5", ""):
            cases.append((f"position-board-size={_short(size)}", ["position", *verbs["position"], "--board-size", size],
                          BAD))
        cases.append(("position-board-size-1000", ["position", *verbs["position"], "--board-size", "1000"],
                      frozenset({0})))
        for holder in ("nobody", "", long, "LIBERTY", "liberty\x07", "company", "none"):
            cases.append((f"headroom-holder={_short(holder)}", ["headroom", "--holder", holder, "--as-of", "2003-06-02"],
                          BAD))
        for verb in ("convert", "exercise"):
            good = verbs[verb]
            for option in ("--holder", "--shares", "--on") + (("--security",) if verb == "convert" else ()):
                i = good.index(option)
                cases.append((f"{verb}-missing-{option[2:]}", [verb, *good[:i], *good[i + 2:]], BAD))
            for s in garbage_shares:
                cases.append((f"{verb}-shares={_short(s)}", [verb, *_set(good, "--shares", s)], BAD))
            for d in garbage_dates:
                cases.append((f"{verb}-on={_short(d)}", [verb, *_set(good, "--on", d)], BAD))
            for h in ("nobody", "", long, "Liberty Media Corporation\n", "company"):
                cases.append((f"{verb}-holder={_short(h)}", [verb, *_set(good, "--holder", h)], BAD))
            cases.append((f"{verb}-shares-more-than-held", [verb, *_set(good, "--shares", "99999999")], BAD))
        for sec in ("common", "warrant", "bogus", "", long, "series_a3 "):
            cases.append((f"convert-security={_short(sec)}", ["convert", *_set(verbs["convert"], "--security", sec)],
                          BAD))
        for m in garbage_money:
            cases.append((f"exercise-fmv={_short(m)}", ["exercise", *verbs["exercise"], "--net-issue",
                                                        "--fair-market-value", m], BAD))
        cases += [("exercise-fmv-without-net-issue", ["exercise", *verbs["exercise"], "--fair-market-value", "40"], BAD),
                  ("exercise-net-issue-without-fmv", ["exercise", *verbs["exercise"], "--net-issue"], BAD),
                  ("exercise-fmv-ok", ["exercise", *verbs["exercise"], "--net-issue", "--fair-market-value", "$1,250.5"],
                   frozenset({0, 1})),
                  ("exercise-after-expiry", ["exercise", *_set(verbs["exercise"], "--on", "2005-04-11")],
                   frozenset({1})),
                  ("lint-missing", ["lint", "/nonexistent"], BAD), ("lint-file", ["lint", str(ICG / "rulebook.yaml")], BAD),
                  ("lint-dev-null", ["lint", "/dev/null"], BAD), ("lint-empty", ["lint", ""], BAD),
                  ("lint-long", ["lint", "/".join(["d" * 200] * 30)], BAD), ("lint-two", ["lint", str(KESTREL), "x"], BAD),
                  ("memo-template-for-md", ["memo", scenario, "--template", str(ICG / "rulebook.yaml")], BAD),
                  ("memo-format-bogus", ["memo", scenario, "--format", "rtf"], BAD),
                  ("memo-to-long", ["memo", scenario, "--to", long], BAD),
                  ("memo-to-control", ["memo", scenario, "--to", "General\x07Counsel\nnext line"], BAD),
                  ("memo-from-control-docx", ["memo", scenario, "--format", "docx", "--from", "a\x0bb"], BAD),
                  ("memo-from-empty", ["memo", scenario, "--from", ""], frozenset({1})),
                  ("check-json-bad-argument", ["check", "--format", "json", "--bogus"], BAD),
                  ("check-json-missing-file", ["check", "/nonexistent.yaml", "--format", "json"], BAD),
                  ("check-format-twice", ["check", scenario, "--format", "json", "--format", "text"], frozenset({1})),
                  ("version-extra", ["--version", "extra"], frozenset({0, 2}))]
        for name, argv, expect in cases:
            verb = argv[0] if argv and argv[0] in verbs else "top"
            self.add(Case(id=f"cli-{verb}/{name}", category=f"cli-{verb}", argv=argv, expect=expect,
                          poison="L" * 80 if any(a == long or long in a for a in argv) else None))
        # Arguments a real process cannot be given (a NUL) run in-process only.
        for name, argv in (("nul-scenario", ["check", "a\x00b.yaml"]),
                           ("nul-cap-table", ["position", "--as-of", "2003-06-02", "--cap-table", "a\x00b"]),
                           ("nul-holder", ["headroom", "--holder", "lib\x00erty", "--as-of", "2003-06-02"]),
                           ("nul-out", ["check", scenario, "--out", "{d}/a\x00b.txt"]),
                           ("nul-rules", ["check", scenario, "--rules", "a\x00b"])):
            self.add(Case(id=f"cli-nul/{name}", category="cli-nul", argv=argv, expect=BAD))

    # --- 9. --out: never half-written -----------------------------------------------------------

    def out(self) -> None:
        scenario = str(ICG / "scenarios" / "liberty-buys-2m-2003.yaml")
        bad_scenario = dump({"name": "x", "as_of": Raw("2003-02-30"), "cap_table": str(self.icg_closing),
                             "action": {"kind": "purchase"}})
        outs = [  # (name, argv, files, dirs, out, out_before, expect)
            ("into-folder", ["check", scenario, "--out", "{d}/folder"], {}, ("folder",), None, None, BAD),
            ("into-missing-folder", ["check", scenario, "--out", "{d}/nope/report.txt"], {}, (), None, None, BAD),
            ("parent-is-file", ["check", scenario, "--out", "{d}/file.txt/report.txt"], {"file.txt": b"keep\n"}, (),
             "file.txt", b"keep\n", BAD),
            ("dev-full", ["check", scenario, "--out", "/dev/full"], {}, (), None, None, BAD),
            ("dev-null", ["check", scenario, "--out", "/dev/null"], {}, (), None, None, BAD),
            ("proc-read-only", ["check", scenario, "--out", "/proc/version"], {}, (), None, None, BAD),
            ("sys-read-only", ["check", scenario, "--out", "/sys/clausewise-report.txt"], {}, (), None, None, BAD),
            ("proc-folder", ["vote", scenario, "--out", "/proc/clausewise.txt"], {}, (), None, None, BAD),
            ("long-name", ["check", scenario, "--out", "{d}/" + "r" * 300 + ".txt"], {}, (), None, None, BAD),
            ("empty-name", ["check", scenario, "--out", ""], {}, (), None, None, BAD),
            ("dot", ["check", scenario, "--out", "."], {}, (), None, None, BAD),
            ("fifo", ["check", scenario, "--out", "{d}/pipe"], {}, (), None, None, BAD),
            ("bad-input-keeps-old", ["check", "{d}/bad.yaml", "--out", "{d}/report.txt"], {"bad.yaml": bad_scenario},
             (), "report.txt", b"old report\n", BAD),
            ("bad-input-writes-nothing", ["check", "{d}/bad.yaml", "--format", "json", "--out", "{d}/report.json"],
             {"bad.yaml": bad_scenario}, (), "report.json", None, BAD),
            ("memo-bad-input", ["memo", "{d}/bad.yaml", "--format", "docx", "--out", "{d}/memo.docx"],
             {"bad.yaml": bad_scenario}, (), "memo.docx", None, BAD),
            ("memo-docx-bad-template", ["memo", scenario, "--format", "docx", "--template", "/etc/passwd", "--out",
                                        "{d}/memo.docx"], {}, (), "memo.docx", b"old memo", BAD),
            ("memo-docx-template-folder", ["memo", scenario, "--format", "docx", "--template", "{d}", "--out",
                                           "{d}/memo.docx"], {}, (), "memo.docx", None, BAD),
            ("memo-docx-template-dev-zero", ["memo", scenario, "--format", "docx", "--template", "/dev/zero", "--out",
                                             "{d}/memo.docx"], {}, (), "memo.docx", None, BAD),
            ("vote-bad-input", ["vote", "{d}/bad.yaml", "--out", "{d}/vote.md", "--format", "markdown"],
             {"bad.yaml": bad_scenario}, (), "vote.md", b"old", BAD),
            ("control-writes", ["check", scenario, "--out", "{d}/report.txt"], {}, (), "report.txt", b"old", frozenset({1})),
        ]
        for name, argv, files, dirs, out, before, expect in outs:
            fifos = ("pipe",) if name == "fifo" else ()
            self.add(Case(id=f"out/{name}", category="out", argv=argv, files=dict(files), dirs=dirs, fifos=fifos,
                          out=out, out_before=before, expect=expect))

    # --- 10. nothing outstanding: a cap table with no Common, or nothing at all --------------------

    def zero(self) -> None:
        icg = load(self.icg_closing)
        icg.pop("sources", None)
        kestrel = load(self.kestrel_closing)
        kestrel.pop("sources", None)
        tables = [
            ("icg-no-common", self.icg_closing, dict(icg, common_outstanding=0)),
            ("icg-nothing-left", self.icg_closing, {"name": "all retired", "common_outstanding": 0, "holders": [],
                                                    "series_a_retired": 75000}),
            ("icg-all-converted-no-common", self.icg_closing,
             {"name": "converted", "common_outstanding": 0, "series_a_converted": 75000,
              "holders": [{"name": "Liberty Media Corporation", "group": "liberty", "warrants": 6666667}]}),
            ("icg-company-holds-all", self.icg_closing,
             {"name": "the Company", "common_outstanding": 0,
              "holders": [{"name": "ICG Communications, Inc.", "group": "company", "series_a1": 50000,
                           "series_a2": 23000, "series_a3": 2000}]}),
            ("kestrel-no-common", self.kestrel_closing,
             {"name": "none", "common_outstanding": 0,
              "holders": [{"name": "Bramblecote Growth Partners, L.P.", "group": "investor", "common": 0,
                           "warrants": 2000000}]}),
            ("kestrel-nothing", self.kestrel_closing, {"name": "none", "common_outstanding": 0, "holders": []}),
        ]
        for name, closing, table in tables:
            for verb in range(len(self.captable_verbs(closing))):
                self.captable_case("zero", f"{name}-{verb}", closing, dump(table), ANY, line=False, verb=verb)

    # --- 11. sizes: the longest lists an input may hold ------------------------------------------

    def sizes(self) -> None:
        path = ICG / "scenarios" / "board-turnover-six-of-twelve-coc.yaml"
        data = self.scenario_data(path)
        for n, expect in ((200, ANY), (201, BAD), (5000, BAD)):
            directors = [{"name": f"Director {i:04d}", "seated": date(1999, 6, 1)} for i in range(n)]
            self.scenario_case("size", f"directors-{n}", path, dict(data, board={"directors": directors}), expect,
                               line=expect == BAD)
        closing = load(self.icg_closing)
        closing.pop("sources", None)
        holders = closing["holders"] + [{"name": f"Holder {i:05d}", "group": "liberty", "common": 1} for i in range(3000)]
        self.captable_case("size", "holders-3000", self.icg_closing, dump(dict(closing, holders=holders)), ANY,
                           line=False, verb=4)
        names = [{"name": "Same Name LLC", "group": "none", "common": 1}] * 500
        self.captable_case("size", "duplicate-holders-500", self.icg_closing,
                           dump(dict(closing, holders=closing["holders"] + names)), BAD, line=True, verb=4)

    def build(self) -> list[Case]:
        self.sizes()
        self.zero()
        self.scenarios()
        self.captables()
        self.numbers()
        self.dates()
        self.yaml_text()
        self.files()
        self.histories()
        self.cli()
        self.out()
        self.spread()
        return self.cases

    def spread(self) -> None:
        """Mark SUBPROCESS_CASES cases, spread over the categories, to run as real processes too:
        at least one of each category (two where it has them), the rest in proportion."""
        runnable = [c for c in self.cases if not any("\x00" in a for a in c.argv)]
        by_category: dict[str, list[Case]] = {}
        for case in runnable:
            by_category.setdefault(case.category, []).append(case)
        rng = random.Random(f"{SEED}-spread")
        picked: list[Case] = []
        for category, cases in sorted(by_category.items()):
            picked += rng.sample(cases, min(2 if len(cases) >= 20 else 1, len(cases)))
        chosen = {id(c) for c in picked}
        rest = [c for c in runnable if id(c) not in chosen]
        picked += rng.sample(rest, max(0, SUBPROCESS_CASES - len(picked)))
        for case in picked[:SUBPROCESS_CASES]:
            case.subprocess = True


# Keys whose absence states a different event, not a missing fact: a purchase with no seller is
# a purchase in the market; a scenario with no history, no cap-table amendment or no group acting
# together has different holdings; a list item left out is a different list.
CHANGES_THE_EVENT = {"seller", "history", "cap_table", "holders", "acting_as_group", "directors", "votes", "vote",
                     "common_for", "common_against", "board", *range(0, 100)}


# The scenarios mutated key by key with several kinds each (the others are sampled): one of
# each kind of action, both rulebooks.
PRIMARY = {
    "liberty-buys-2m-2003", "liberty-transfers-a1-to-subsidiary-exempt", "liberty-converts-a1-2002",
    "liberty-exercises-warrants-net-issue-2003", "approval-merger-non-qt-cayman", "hmtf-sells-a2-director-right-ends-board-11",
    "board-turnover-six-of-twelve-coc", "issuance-of-common-after-liberty-conversion",
    "coc-a-liberty-and-hmtf-acting-as-a-group-2003", "hmtf-pledges-a2-financing",
    "investor-buys-1m-2021-05", "senior-preferred-issuance", "lockup-transfer-2022-09-14",
    "hmtf-buys-convertible-notes-2001", "liberty-buys-after-change-of-control-2003",
}


def _name(path: tuple) -> str:
    return ".".join(f"[{k}]" if isinstance(k, int) else str(k) for k in path).replace(".[", "[")


def _short(text: str) -> str:
    """An argument as a case's name shows it."""
    shown = text.encode("unicode_escape").decode("ascii")
    return (shown[:24] + f"...{len(text)}") if len(shown) > 24 else (shown or "empty")


def _set(argv: list[str], option: str, value: str) -> list[str]:
    out = list(argv)
    out[out.index(option) + 1] = value
    return out


def build() -> list[Case]:
    """The whole corpus, the same on every call."""
    return Builder().build()


def summary(cases: list[Case]) -> str:
    counts = Counter(c.category for c in cases)
    expects = Counter((c.category, "bad input" if c.expect == BAD else "may pass") for c in cases)
    width = max(len(c) for c in counts)
    lines = [f"{'category':{width}}  cases  expect-2  may-pass  subprocess"]
    for category in sorted(counts):
        sub = sum(1 for c in cases if c.category == category and c.subprocess)
        lines.append(f"{category:{width}}  {counts[category]:5}  {expects[(category, 'bad input')]:8}  "
                     f"{expects[(category, 'may pass')]:8}  {sub:10}")
    lines.append(f"{'total':{width}}  {len(cases):5}  {sum(1 for c in cases if c.expect == BAD):8}  "
                 f"{sum(1 for c in cases if c.expect != BAD):8}  {sum(1 for c in cases if c.subprocess):10}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--summary", action="store_true", help="print the counts per category")
    parser.add_argument("--write", nargs=2, metavar=("ID", "DIR"), help="write one case to DIR and print its command")
    parser.add_argument("--list", action="store_true", help="print every case's id")
    args = parser.parse_args(argv)
    cases = build()
    if args.write:
        found = [c for c in cases if c.id == args.write[0]]
        if not found:
            print(f"no case {args.write[0]!r}", file=sys.stderr)
            return 2
        command = found[0].materialize(Path(args.write[1]))
        print("clausewise " + " ".join(repr(a) if (" " in a or not a) else a for a in command))
        return 0
    if args.list:
        print("\n".join(c.id for c in cases))
        return 0
    print(summary(cases))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
