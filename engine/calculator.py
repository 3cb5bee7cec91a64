"""`clausewise convert` and `clausewise exercise`: one holder's conversion of preferred, or exercise
of warrants, on a date, as the same proposed action `check` evaluates (one event, one encoding),
shown as its arithmetic: each fact the rulebook declares for the action under the kind's own
prefix (`conversion.*`, `exercise.*`), in facts.yaml order and by its label, then what the
rules say of it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from .evaluate import Result, words_of
from .facts import display_fact
from .rulebook import Rulebook
from .views import LABEL, cite, key_figure, ordered


def scenario_data(kind: str, holder: str, quantity: int, on: date, cap_table: Path, security: str | None = None,
                  method: str | None = None, market_price: Any = None, instruments: dict | None = None,
                  term: str | None = None) -> dict:
    """The scenario the command evaluates: the cap table, the date and the action."""
    action: dict[str, Any] = {"kind": kind, "holder": holder, "quantity": quantity}
    if security is not None:
        action["security"] = security
    if method is not None:
        action["method"] = method
    if market_price is not None:
        action["market_price"] = market_price
    verb = "conversion" if kind == "conversion" else "exercise"
    what = f"shares of {term}" if term else "Warrant shares"
    data = {"name": f"The {verb} of {quantity:,} {what} by {holder} on {on}",
            "as_of": on, "cap_table": str(cap_table), "action": action}
    return data | ({"instruments": instruments} if instruments else {})


def arithmetic(rulebook: Rulebook, result: Result) -> list[tuple[str, str]]:
    """(label, value) of each known fact declared for the action's kind under its prefix."""
    kind = result.scenario.action.kind
    words = words_of(rulebook)
    return [(spec.label, words.value(result.facts[name]) if spec.type == "enum" else display_fact(spec, result.facts[name]))
            for name, spec in rulebook.facts.items()
            if name.startswith(f"{kind}.") and name in result.facts and (not spec.kinds or kind in spec.kinds)]


def text(rulebook: Rulebook, result: Result) -> str:
    """The arithmetic as a two-column list, then each finding that is not `not applicable`."""
    lines = [result.scenario.name, ""]
    rows = arithmetic(rulebook, result)
    width = min(max((len(label) for label, _ in rows), default=0), 72)
    for label, value in rows:
        if len(label) > width:
            lines.append(f"  {label}")
            lines.append(f"  {'':{width}}  {value}")
        else:
            lines.append(f"  {label:{width}}  {value}")
    lines.append("")
    shown = [f for f in ordered(result.findings) if f.outcome != "not_applicable"]
    for n, finding in enumerate(shown, 1):
        lines.append(f"{n}. {LABEL[finding.outcome]}: {cite(rulebook, finding)}, {finding.title}")
        lines.append(f"   {key_figure(rulebook, finding)}")
    lines.append("")
    lines.append("The full findings, quotes and readings: clausewise check on the same action "
                 "(this command's --format json gives check's JSON).")
    return "\n".join(lines) + "\n"
