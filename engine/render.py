"""Findings -> text tables, Markdown (Jinja templates in reports/) and JSON."""

from __future__ import annotations

import functools

import json
import weakref
from fractions import Fraction
from typing import Any

from . import SCHEMA_VERSION, capital
from .beside import kept_beside
from .evaluate import Headroom, Result
from .model import Finding
from .paths import reports_dir
from .rulebook import Rulebook
from .evaluate import words_of
from .views import LABEL, SHOWN_ORDER, cite as _view_cite, ordered, views



@functools.lru_cache(maxsize=1)
def environment():
    """The Jinja environment: templates format, never compute; undefined names are errors.

    Jinja is imported here, on first use: text and JSON reports do not need it. Made once per
    process and never changed after, so each template is compiled once (45-80 ms each time before).
    """
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(reports_dir())),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "html.j2"), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["label"] = lambda outcome: LABEL.get(outcome, outcome)
    env.filters["named"] = lambda value, names: names.get(value, value)  # a code by the documents' name for it
    return env


def verdict(result: Result) -> str:
    """The overall answer, worst first; CLEAR exactly when the command exits 0."""
    counts = _counts(result.findings)
    if counts.get("violation"):
        return "VIOLATION"
    if counts.get("cannot_determine"):
        return "CANNOT DETERMINE"
    if result.blocked:
        return "APPROVAL REQUIRED"  # an approval not shown to pass by a tally
    return "CLEAR"


def _counts(findings: list[Finding]) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in findings:
        out[f.outcome] = out.get(f.outcome, 0) + 1
    return out


_cite = _view_cite  # the finding's document code and section


def headroom_json(room: Headroom | None, quantity: int) -> dict | None:
    if room is None:
        return None
    excess = None if room.max_quantity is None else max(0, quantity - room.max_quantity)
    out: dict[str, Any] = {"max_quantity": room.max_quantity, "excess": excess, "limit": room.limit,
                           "reason": room.reason, "cure": room.cure}
    if room.binding is not None:
        out["binding"] = {"rule": room.binding.rule, "section": room.binding.section, "document": room.binding.document}
    return out


_UNITS = {"shares": "shares", "percent": "percent", "money": "money", "date": "date", "bool": "bool", "number": "number"}


def decimal_text(value: Any) -> tuple[str, str | None]:
    """A number as a decimal string, exact when it has a finite decimal expansion; otherwise
    rounded (half to even) to 12 places, with the exact fraction "n/d" beside it. Integer
    arithmetic throughout: no float, no decimal context."""
    from fractions import Fraction

    q = value if isinstance(value, Fraction) else Fraction(value)
    n, d = q.numerator, q.denominator
    rest, twos, fives = d, 0, 0
    while rest % 2 == 0:
        rest, twos = rest // 2, twos + 1
    while rest % 5 == 0:
        rest, fives = rest // 5, fives + 1
    places = max(twos, fives) if rest == 1 else 12
    scaled, remainder = divmod(abs(n) * 10 ** places, d)
    if remainder * 2 > d or (remainder * 2 == d and scaled % 2):
        scaled += 1
    digits = str(scaled).rjust(places + 1, "0")
    text = ("-" if n < 0 else "") + (digits[:-places] + "." + digits[-places:] if places else digits)
    return text, (None if rest == 1 else f"{n}/{d}")


def value_data(spec_type: str, value: Any) -> dict[str, Any]:
    """A fact's value as data (contract.Value): integers for shares, decimal strings for
    percentages and money, ISO dates, booleans, words. The same value gives the same entry (kept:
    a check's figures repeat from check to check)."""
    # A Fraction is keyed by its two integers (hashing a Fraction is slow); the type keeps True
    # apart from 1.
    key = ((spec_type, value.numerator, value.denominator) if type(value) is Fraction
           else (spec_type, type(value), value))
    try:
        known = _VALUE_DATA.get(key)
    except TypeError:  # an unhashable value (a set)
        return _value_data(spec_type, value)
    if known is None:
        if len(_VALUE_DATA) >= 1 << 14:
            _VALUE_DATA.clear()
        known = _VALUE_DATA[key] = _value_data(spec_type, value)
    return known


_VALUE_DATA: dict[tuple, dict] = {}


def _value_data(spec_type: str, value: Any) -> dict[str, Any]:
    unit = _UNITS.get(spec_type, "text")
    if value is None:
        return {"value": None, "unit": unit}
    if spec_type == "shares":
        return {"value": int(value), "unit": unit}
    if spec_type in ("percent", "money", "number"):
        text, exact = decimal_text(value)
        return {"value": text, "unit": unit, **({"exact": exact} if exact else {})}
    if spec_type == "bool":
        return {"value": bool(value), "unit": unit}
    if spec_type == "date":
        return {"value": value.isoformat(), "unit": unit}
    if spec_type == "set":
        return {"value": ", ".join(sorted(value)) if value else "none", "unit": unit}
    return {"value": str(value), "unit": unit}


def _values_of(rulebook: Rulebook, facts: dict[str, Any], finding: Finding) -> tuple[dict, str]:
    specs = rulebook.facts
    values = {name: value_data(specs[name].type if name in specs else "text", facts.get(name))
              for name in finding.figures}
    return values, _dumps(values)


def _with_values(rulebook: Rulebook, facts: dict[str, Any], entry: Any, finding: Finding) -> Any:
    """A finding with figures: its entry with their values as data (`values`), appended to its
    encoded text rather than encoding the entry again. (A kept finding may be handed out for facts
    whose display is the same and whose exact value is not: the values are this check's own.)"""
    values, text = _values_of(rulebook, facts, finding)
    data = dict(entry, values=values)
    encoded = getattr(entry, "text", None)
    if encoded is None:
        return data
    return _Encoded.copy_of_text(data, encoded[:-1] + ',"values":' + text + "}")


def check_json(rulebook: Rulebook, result: Result, room: Headroom | None) -> dict:
    s = result.scenario
    return {
        "schema_version": SCHEMA_VERSION,
        "scenario": {"name": s.name, "file": s.file, "as_of": s.as_of.isoformat()},
        "rulebook": rulebook.id,
        "verdict": verdict(result).lower().replace(" ", "_"),
        "counts": _counts(result.findings),
        "findings": [_with_values(rulebook, result.facts, _finding_json(f), f) if f.figures else _finding_json(f)
                     for f in result.findings],
        "headroom": headroom_json(room, s.action.quantity),
        "assumptions": _assumptions(rulebook, result.findings, _term_assumptions(rulebook, s)),
        **capital.check_report(rulebook, result),
        "declined": _declined_entries(rulebook),
    }


def declined_json(rulebook: Rulebook) -> list[dict]:
    """The provisions the rulebook deliberately does not encode, each quoted, with the reason."""
    out = []
    for d in rulebook.declined:
        doc = rulebook.documents.get(d.source.document)
        code = doc.code if doc and doc.code else d.source.document
        out.append({"id": d.id, "document": d.source.document, "section": d.source.section,
                    "cite": f"{code} {d.source.section}", "quote": d.source.quote, "reason": d.reason,
                    "catalogue": d.catalogue, "amends": d.amends})
    return out


def text_lines(f: Finding) -> list[str]:
    """The dated parameters and the versions of the text a finding used, one line each."""
    out = []
    for p in f.parameters:
        cite = f" ({p['cite']}: \"{p['quote']}\")" if p.get("cite") else ""
        out.append(f"Parameter {p['name']} = {p['value']}" + (f" from {p['from']}" if p["from"] else "") + cite)
    for v in f.versions:
        out.append(f"Version of {v['kind']} {v['provision']}: {v['version']} from {v['from']}"
                   + (f" ({v['cite']}: \"{v['quote']}\")" if v.get("cite") else ""))
    return out


def _term_assumptions(rulebook: Rulebook, scenario) -> tuple[str, ...]:
    """The readings of the term events in the scenario's record that changed the terms."""
    if not scenario.cap_table.term_events:
        return ()
    return tuple(effect.assumption for recorded, effect, why in rulebook.term_effects(
        tuple(e for e in scenario.cap_table.term_events if e.on <= scenario.as_of)) if not why and effect.assumption)


def _assumptions(rulebook: Rulebook, findings: list[Finding], record: tuple[str, ...] = ()) -> list[dict]:
    """The readings the findings rely on: those of every applicable rule, then the arithmetic's,
    then those of the term events in the record."""
    used: list[str] = []
    for f in findings:
        if f.outcome != "not_applicable":
            used += [a for a in f.assumptions if a not in used]
    used += [a for a in rulebook.arithmetic_assumptions if a not in used]
    used += [a for a in record if a not in used]
    return [_Encoded.copy_of(entry) for entry in assumption_entries(rulebook, tuple(used))]


_USED: dict[int, tuple] = {}  # id(rulebook) -> (a weak reference to it, {assumption ids: their entries})


def assumption_entries(rulebook: Rulebook, used: tuple[str, ...]) -> list[dict]:
    """The report entries of the assumptions `used`, looked up once per rulebook and set of ids."""
    known = kept_beside(_USED, rulebook, dict)
    entries = known.get(used)
    if entries is None:
        if len(known) >= 1 << 10:
            known.clear()
        entries = known[used] = [_assumption(rulebook.assumptions[a_id], rulebook.documents) for a_id in used]
    return entries


_ASSUMPTIONS: dict[tuple, dict] = {}  # (assumption, its document) -> its report entry, kept once


_ASSUMPTION_OF: dict[tuple[int, int], tuple] = {}  # (id(assumption), id(document)) -> (both, the entry)


def _assumption(a, documents: dict) -> dict:
    document = documents[a.source.document] if a.source else None
    known = _ASSUMPTION_OF.get((id(a), id(document)))
    if known is not None and known[0] is a and known[1] is document:
        return known[2]
    entry = _assumption_entry(a, document)
    if len(_ASSUMPTION_OF) >= 1 << 12:
        _ASSUMPTION_OF.clear()
    _ASSUMPTION_OF[(id(a), id(document))] = (a, document, entry)  # both held, so their ids are not reused
    return entry


def _assumption_entry(a, document) -> dict:
    key = (a, document)
    entry = _ASSUMPTIONS.get(key)
    if entry is None:
        cite = f"{document.code} {a.source.section}" if a.source else ""
        entry = _ASSUMPTIONS[key] = _Encoded.of({"id": a.id, "title": a.title, "reading": a.reading, "source": cite,
                                                 "alternative": a.alternative, "catalogue": a.catalogue})
    return entry


# --- compact JSON from entries encoded once ----------------------------------------------------


class _Encoded(dict):
    """A report entry (a finding, an assumption, a declined provision) with its compact JSON text,
    encoded once when the entry is made. `render_json` writes the text instead of encoding the
    entry again; an entry changed through its own methods drops the text and is encoded as usual
    (the engine never changes an entry once made)."""

    __slots__ = ("text",)

    @classmethod
    def of(cls, data: dict) -> "_Encoded":
        out = cls(data)
        out.text = _dumps(data)
        return out

    @classmethod
    def copy_of(cls, entry: "_Encoded") -> "_Encoded":
        """A fresh entry with the same contents and text (a report's entries are its own)."""
        out = cls(entry)
        out.text = entry.text
        return out

    @classmethod
    def copy_of_text(cls, data: dict, text: str) -> "_Encoded":
        out = cls(data)
        out.text = text
        return out

    def _changed(self) -> None:
        self.text = None

    def __setitem__(self, key, value):
        self._changed()
        super().__setitem__(key, value)

    def __delitem__(self, key):
        self._changed()
        super().__delitem__(key)

    def _mutator(name: str):  # noqa: N805 - builds the methods below
        method = getattr(dict, name)

        def changed(self, *args, **kwargs):
            self._changed()
            return method(self, *args, **kwargs)
        changed.__name__ = name
        return changed

    update = _mutator("update")
    pop = _mutator("pop")
    popitem = _mutator("popitem")
    setdefault = _mutator("setdefault")
    clear = _mutator("clear")
    __ior__ = _mutator("__ior__")
    del _mutator


_ENCODER = json.JSONEncoder(separators=(",", ":"), default=str)
_C_ENCODER = getattr(json.encoder, "c_make_encoder", None)
if _C_ENCODER is not None:  # json's own C encoder, made once rather than on every call
    _C_ENCODER = _C_ENCODER(None, str, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True)


def _dumps(data: Any) -> str:
    """json.dumps(data, separators=(",", ":"), default=str), the same text."""
    if _C_ENCODER is None or isinstance(data, str):
        return _ENCODER.encode(data)
    return "".join(_C_ENCODER(data, 0))


_PARTS: dict[int, tuple] = {}  # id(kept finding) -> (a weak reference to it, its entry, its text in parts, its text)
_MIDDLE = ["figures", "comparisons", "explanation", "because"]  # the keys a finding made from a kept one has its own


def _finding_json(finding: Finding) -> _Encoded:
    """The finding's report entry. A finding made from a kept one (evaluate._kept_finding) differs
    from it only in its figures, comparisons and `because` (with the explanation written from
    it): the rest of its entry is encoded once."""
    template = finding.__dict__.get("kept_from")
    if template is None:
        return _Encoded.of(finding.to_json())
    key = id(template)
    parts = _PARTS.get(key)
    if parts is None or parts[0]() is not template:
        data = template.to_json()
        items = [(k, _dumps(k) + ":" + _dumps(v)) for k, v in data.items()]
        at = [k for k, _ in items].index("figures")
        if [k for k, _ in items[at:at + 4]] != _MIDDLE:
            return _Encoded.of(finding.to_json())
        head = "{" + ",".join(text for _, text in items[:at]) + ',"figures":'
        said = "," + items[at + 2][1] + "," + items[at + 3][1]  # its explanation and because
        tail = "".join("," + text for _, text in items[at + 4:]) + "}"
        parts = _PARTS[key] = (weakref.ref(template, lambda _, key=key: _PARTS.pop(key, None)), data, head, said,
                               tail, _dumps(data))
    if finding is template:
        return _Encoded.copy_of_text(parts[1], parts[5])
    data = dict(parts[1])
    data["figures"], data["comparisons"] = finding.figures, finding.comparisons
    if finding.because is template.because:
        said = parts[3]
    else:
        data["explanation"], data["because"] = finding.explanation, finding.because
        said = ',"explanation":' + _dumps(data["explanation"]) + ',"because":' + _dumps(finding.because)
    text = parts[2] + _dumps(finding.figures) + ',"comparisons":' + _text_of(finding.comparisons) + said + parts[4]
    return _Encoded.copy_of_text(data, text)


_TEXTS: dict[int, tuple[Any, str]] = {}  # id(comparisons kept by the engine) -> (them, their text)
_TEXTS_LIMIT = 1 << 14


def _text_of(data: list) -> str:
    """The compact JSON of a finding's comparisons, which the engine hands out again for the same
    values (evaluate._Kept): encoded once per object, held while its text is kept (so its id is
    not reused), and never changed once made."""
    known = _TEXTS.get(id(data))
    if known is not None and known[0] is data:
        return known[1]
    text = _dumps(data)
    if len(_TEXTS) >= _TEXTS_LIMIT:
        _TEXTS.clear()
    _TEXTS[id(data)] = (data, text)
    return text


_DECLINED: dict[int, tuple[weakref.ref, list[_Encoded]]] = {}  # id(rulebook) -> its declined entries


def _declined_entries(rulebook: Rulebook) -> list[dict]:
    """declined_json, each entry encoded once per rulebook."""
    key = id(rulebook)
    entry = _DECLINED.get(key)
    if entry is None or entry[0]() is not rulebook:
        entry = _DECLINED[key] = (weakref.ref(rulebook, lambda _, key=key: _DECLINED.pop(key, None)),
                                  [_Encoded.of(d) for d in declined_json(rulebook)])
    return [_Encoded.copy_of(d) for d in entry[1]]


def _compact(data: Any) -> str:
    """Compact JSON, byte for byte as json.dumps writes it, with encoded entries written as encoded."""
    if type(data) is _Encoded and data.text is not None:
        return data.text
    if type(data) is list and any(type(item) is _Encoded for item in data):
        return "[" + ",".join([item.text if type(item) is _Encoded and item.text is not None else _compact(item)
                               for item in data]) + "]"
    if type(data) is dict and all(type(k) is str for k in data) and any(
            type(v) is _Encoded or (type(v) is list and v and type(v[0]) is _Encoded) for v in data.values()):
        return "{" + ",".join([_key_text(k) + ":" + _compact(v) for k, v in data.items()]) + "}"
    return _dumps(data)


_KEYS: dict[str, str] = {}  # a report's key -> its JSON text


def _key_text(key: str) -> str:
    text = _KEYS.get(key)
    if text is None:
        text = _dumps(key)
        if len(_KEYS) < 1 << 10:
            _KEYS[key] = text
    return text


def render_json(data: Any, pretty: bool = False) -> str:
    """JSON text: compact (one line, json's C encoder) unless `pretty` asks for indentation."""
    if pretty:
        return json.dumps(data, indent=2, default=str) + "\n"
    return _compact(data) + "\n"


def _wrap(text: str, indent: str, width: int) -> str:
    import textwrap  # text reports only: JSON does not need it

    return textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent)


def _wrap_hanging(text: str, width: int, first: str, rest: str) -> str:
    import textwrap

    return textwrap.fill(text, width=width, initial_indent=first, subsequent_indent=rest)


def _terminal_width() -> int:
    """The width a text report is wrapped to: the terminal's, within 80 to 120 columns."""
    import shutil  # text reports only: JSON does not need it

    return min(max(shutil.get_terminal_size((100, 20)).columns, 40), 120)


def _table(headers: list[str], rows: list[list[str]], widths: list[int] | None = None,
           width: int | None = None) -> list[str]:
    """A plain-text table. Given the terminal's `width`, the widest columns are narrowed until the
    table fits, and their cells wrap onto continuation lines (words are never cut mid-word unless
    longer than the column)."""
    import textwrap

    widths = list(widths or [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
                             for i, h in enumerate(headers)])
    if width is not None:
        floor = [max(len(h), 8) for h in headers]
        while sum(widths) + 2 * (len(widths) - 1) > width:
            widest = max(range(len(widths)), key=lambda i: widths[i] - floor[i])
            if widths[widest] <= floor[widest]:
                break
            widths[widest] -= 1
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line.rstrip(), "  ".join("-" * w for w in widths)]
    for r in rows:
        cells = [textwrap.wrap(c, w) or [""] if len(c) > w else [c] for c, w in zip(r, widths)]
        for k in range(max(len(c) for c in cells)):
            out.append("  ".join((c[k] if k < len(c) else "").ljust(w) for c, w in zip(cells, widths)).rstrip())
    return out


def check_line(rulebook: Rulebook, result: Result, room: Headroom | None) -> str:
    """check's verdict in one line (`--quiet`): the answer, the first provision that decides it, and
    for a blocked purchase the largest quantity that passes."""
    said = verdict(result)
    shown = ordered(result.findings)
    first = shown[0] if shown and shown[0].outcome in ("violation", "cannot_determine", "approval_required") else None
    line = said + (f": {_cite(rulebook, first)}, {first.title}" if first else "")
    others = sum(1 for f in shown if f.outcome == first.outcome) - 1 if first else 0
    if others:
        line += f" (and {others} more)"
    if room is not None and room.max_quantity is not None:
        line += f"; largest quantity that passes: {room.max_quantity:,}"
    return line


def check_text(rulebook: Rulebook, result: Result, room: Headroom | None, explain: bool = False) -> str:
    width = _terminal_width()
    s = result.scenario
    out = [_wrap(s.name, "", width), _wrap(f"As of {s.as_of.isoformat()} under rulebook {rulebook.id}"
                                          + (f" ({s.file})" if s.file else ""), "", width), ""]
    counts = _counts(result.findings)
    summary = ", ".join(f"{counts[k]} {LABEL[k].lower()}" for k in (*SHOWN_ORDER, "not_applicable") if counts.get(k))
    out.append(_wrap_hanging(f"Result: {verdict(result)}  ({summary})", width, "", "  "))
    out.append("")
    shown = finding_views(rulebook, result.findings)
    if shown:
        out += _table(["No.", "Outcome", "Provision", "Why"],
                      [[str(v["n"]), v["outcome"], v["cite"], v["key"]] for v in shown], width=width)
    n_a = sum(1 for f in result.findings if f.outcome == "not_applicable")
    if n_a:
        out.append(f"{n_a} other provision{'s' if n_a != 1 else ''} do{'es' if n_a == 1 else ''} not apply "
                   "(listed with the reason at the end).")
    out.append("")
    traced = {f.rule: f for f in result.findings} if explain else {}
    for v in shown:
        out += finding_lines(v, width)
        if explain:
            from .trace import trace, trace_lines
            out[-1:] = trace_lines(trace(rulebook, result, traced[v["rule"]])) + [""]
    out += capital.check_lines(rulebook, capital.check_report(rulebook, result), width)
    if room is not None:
        out += headroom_lines(rulebook, room, s.action.quantity, width)
        out.append("")
    na = [f for f in result.findings if f.outcome == "not_applicable"]
    if na:
        out.append("Not applicable:")
        for f in na:
            out.append(_wrap(f"{f.title} ({_cite(rulebook, f)}): {f.explanation}", "  ", width))
            if explain:
                from .trace import trace, trace_lines
                out += trace_lines(trace(rulebook, result, f))
        out.append("")
    out.append(_wrap("Readings relied on (named readings of unclear text; see rules/" + rulebook.id
                     + "/assumptions.yaml):", "", width))
    for a in _assumptions(rulebook, result.findings, _term_assumptions(rulebook, s)):
        out.append(_wrap(f"{a['id']}: {a['title']}" + (f" ({a['source']})" if a["source"] else ""), "  ", width))
    if rulebook.declined:
        out.append("")
        out.append(_wrap(f"Declined provisions: {len(rulebook.declined)}, not encoded, each with the reason "
                         f"(see rules/{rulebook.id}/declined.yaml).", "", width))
    return "\n".join(out).rstrip() + "\n"


def finding_views(rulebook: Rulebook, findings: list[Finding]) -> list[dict]:
    """The views of the findings shown (views.views), an approval's vote arithmetic with it."""
    out = views(rulebook, findings)
    approvals = {f.rule: f.approval for f in findings
                 if f.outcome == "approval_required" and f.approval and "shares_required" in f.approval}
    for v in out:
        v["approval_lines"] = approval_lines(approvals[v["rule"]], rulebook) if v["rule"] in approvals else []
    return out


def finding_lines(v: dict, width: int) -> list[str]:
    """One finding as text: its number, outcome and title, where it is, the words quoted, why, and
    the figures it compared by their labels."""
    out = [_wrap_hanging(f"[{v['n']}] {v['outcome']}: {v['title']}", width, "", "    "),
           _wrap(f"{v['document']}, Section {v['section']}", "    ", width),
           _wrap(f"\"{v['quote']}\"", "    ", width), _wrap(v["explanation"], "    ", width)]
    if v["figures"]:
        out.append("    Figures:")
        out += [_wrap_hanging(f"{label}: {value}", width, "      ", "        ") for label, value in v["figures"]]
    if v["missing"]:
        out.append(_wrap_hanging("Not stated: " + "; ".join(v["missing"]), width, "    ", "      "))
    out += [_wrap_hanging("Figure stated: " + line, width, "    ", "      ") for line in v["stated_figures"]]
    out += [_wrap_hanging("Text in force: " + line, width, "    ", "      ") for line in v["texts_in_force"]]
    if v.get("approval_lines"):
        out += ["    " + line for line in v["approval_lines"]]
    if v["readings"]:
        out.append(_wrap_hanging("Readings relied on: " + ", ".join(v["readings"]), width, "    ", "      "))
    out.append("")
    return out


def headroom_lines(rulebook: Rulebook, room: Headroom, quantity: int, width: int) -> list[str]:
    """check's last word on quantity: the largest that passes, or why no quantity is the answer."""
    binding = f"the binding provision is {_cite(rulebook, room.binding)}" if room.binding else ""
    if room.max_quantity is not None:
        line = (f"Largest permitted quantity: {room.max_quantity:,} (asked {quantity:,}; "
                f"over by {max(0, quantity - room.max_quantity):,})")
        return [line + (f"; {binding}" if binding else "")]
    lines = [_wrap(f"Largest permitted quantity: none; {room.reason}" + (f" ({binding})." if binding else "."),
                   "", width)]
    if room.cure:
        lines.append("What would clear it:")
        lines += [_wrap_hanging(c, width, "  - ", "    ") for c in room.cure]
    return lines


def _names(items: list[str]) -> str:
    return " + ".join(items)


def approval_lines(a: dict, rulebook: Rulebook | None = None) -> list[str]:
    """An approval's figures as text lines: what it takes, the tally, and who can pass or block it
    (each voter by the documents' name for it, given the rulebook)."""
    shown = words_of(rulebook).value if rulebook is not None else str
    unit = a["unit"]
    lines = [f"Approval: {a['body']}, {a['threshold']}: {a['shares_required']:,} of {a['outstanding']:,} {unit}."]
    t = a.get("tally")
    if t:
        lines.append(f"Tally{' on ' + t['record_date'] if t['record_date'] else ''}: {t['shares_for']:,} for, "
                     f"{t['shares_against']:,} against, {t['shares_abstaining']:,} abstaining, "
                     f"{t['shares_not_voting']:,} not voting"
                     + (f", {t['shares_unknown']:,} unknown" if t["shares_unknown"] else "")
                     + f": {t['result'].replace('_', ' ').upper()} (needs {t['shares_required']:,}).")
    c = a["coalitions"]
    lines.append("Can pass it: " + ("; ".join(_names([shown(v) for v in m]) for m in c["minimal_passing"])
                                     or "no coalition")
                 + ("" if c.get("minimal_passing_complete", True) else "; and others not listed") + ".")
    lines.append("Can block it alone: " + (", ".join(shown(v) for v in c["can_block_alone"]) or "no single voter") + ".")
    return lines


def vote_json(rulebook: Rulebook, result: Result) -> dict:
    s = result.scenario
    rows = []
    for f in result.findings:
        if f.outcome == "approval_required" and f.approval:
            rows.append(dict(f.approval, title=f.title, document=f.document, quote=f.quote,
                             explanation=f.explanation, cite=_cite(rulebook, f)))
    def entry(f: Finding) -> dict:
        return dict(_with_values(rulebook, result.facts, f.to_json(), f) if f.figures else f.to_json(),
                    cite=_cite(rulebook, f))
    # An approval this kind of action would need, but whose voters are excluded by its scope (a
    # series with no shares Outstanding, say): listed with the reason rather than as "1 of 0".
    not_required = [{"rule": f.rule, "title": f.title, "cite": _cite(rulebook, f), "reason": f.reason,
                     "explanation": f.explanation}
                    for f in result.findings
                    if f.outcome == "not_applicable" and f.approval and f.reason == "not_this_party"]
    return {
        "schema_version": SCHEMA_VERSION,
        "scenario": {"name": s.name, "file": s.file, "as_of": s.as_of.isoformat(), "action": s.action.kind,
                     "vote_by": s.vote_by},
        "rulebook": rulebook.id,
        "approvals": rows,
        # What stops the action whatever the vote (a standstill, a transfer restriction), and what
        # cannot be decided on the facts given: each under its own outcome.
        "violations": [entry(f) for f in result.findings if f.outcome == "violation"],
        "undetermined": [entry(f) for f in result.findings if f.outcome == "cannot_determine"],
        "not_required": not_required,
        # What the action triggers besides the approvals (a Change of Control and its consequences).
        "obligations": [entry(f) for f in result.findings if f.outcome == "obligation"],
        # What it brings about under a clause without blocking it (a Change of Control by board
        # turnover, a seat right lost or regained).
        "consequences": [entry(f) for f in result.findings if f.outcome == "consequence"],
        "all_pass": not result.blocked,
        "assumptions": _assumptions(rulebook, result.findings, _term_assumptions(rulebook, result.scenario)),
    }


def vote_text(rulebook: Rulebook, result: Result) -> str:
    data = vote_json(rulebook, result)
    width = _terminal_width()
    s = result.scenario
    out = [s.name, f"{s.action.kind.replace('_', ' ')} as of {s.as_of.isoformat()} under rulebook {rulebook.id}", ""]
    if not data["approvals"]:
        out.append(_wrap(_no_approval(rulebook.approvals_of, data["violations"], data["undetermined"]), "", width))
    else:
        rows = []
        for a in data["approvals"]:
            t = a["tally"]
            rows.append([a["cite"], a["body"], a["threshold"], f"{a['shares_required']:,} of {a['outstanding']:,}",
                         t["result"].replace("_", " ") if t else "no tally"])
        out += _table(["Section", "Approval", "Threshold", "Needs", "Tally"], rows)
        out.append("")
        for i, a in enumerate(data["approvals"], 1):
            out.append(_wrap_hanging(f"[{i}] {a['title']} ({a['cite']})", width, "", "    "))
            out.append(_wrap(f"\"{a['quote']}\"", "    ", width))
            out.append(_wrap(a["explanation"], "    ", width))
            out += ["    " + line for line in approval_lines(a, rulebook)]
            out.append("")
    for f in data["violations"] + data["undetermined"]:
        out.append(_wrap(f"{LABEL[f['outcome']]}: {f['title']} ({f['cite']}): {f['explanation']}", "", width))
    for f in data["not_required"]:
        out.append(_wrap(f"Not required: {f['title']} ({f['cite']}): {f['explanation']}", "", width))
    for f in data["obligations"] + data["consequences"]:
        out.append(_wrap(f"{LABEL[f['outcome']]}: {f['title']} ({f['cite']}): {f['explanation']}", "", width))
    out.append("")
    out.append(_wrap("Result: " + vote_result(data), "", width))
    return "\n".join(out).rstrip() + "\n"


def vote_result(data: dict) -> str:
    """The vote's one-line result, true to its exit code: 0 exactly when nothing is missing,
    failing, undecided or violated."""
    approvals, violations, unknown = data["approvals"], data["violations"], data["undetermined"]
    said = []
    if approvals:
        said.append("every required approval passes" if all(a.get("tally") and a["tally"]["result"] == "passes"
                                                             for a in approvals)
                    else "an approval is not shown to pass")
    else:
        said.append("no approval needed" if not unknown else "no approval shown to be needed")
    if violations:
        said.append(f"the action is blocked: {len(violations)} provision{'s' if len(violations) != 1 else ''} "
                    f"{'find' if len(violations) != 1 else 'finds'} a violation")
    if unknown:
        said.append(f"{len(unknown)} provision{'s' if len(unknown) != 1 else ''} cannot be determined on the facts given")
    return "; ".join(said)


def _no_approval(voters: str, violations: list[dict], unknown: list[dict]) -> str:
    """The headline when no rule requires an approval: final only when no rule is left undecided;
    a violation found on the way is named as such, not as an open question."""
    head = f"No approval of {voters} is required." if not unknown else (
        f"No approval of {voters} is shown to be required, but {len(unknown)} "
        f"{'rule' if len(unknown) == 1 else 'rules'} cannot be determined on the facts given (below): an approval "
        "may yet be required.")
    if violations:
        head += (f" The action is blocked otherwise: {len(violations)} "
                 f"{'provision finds a violation' if len(violations) == 1 else 'provisions find a violation'} (below).")
    return head


def vote_markdown(rulebook: Rulebook, result: Result) -> str:
    data = vote_json(rulebook, result)
    return environment().get_template("vote.md.j2").render(
        report=data, no_approval=_no_approval(rulebook.approvals_of, data["violations"], data["undetermined"]),
        result=vote_result(data), names=words_of(rulebook).names)


def check_markdown(rulebook: Rulebook, result: Result, room: Headroom | None) -> str:
    data = check_json(rulebook, result, room)
    template = environment().get_template("findings.md.j2")
    cites = {f.rule: _cite(rulebook, f) for f in result.findings}
    return template.render(report=data, cites=cites, labels=LABEL, shown=finding_views(rulebook, result.findings),
                           record_lines=capital.recorded_terms_text(data["term_events"]))
