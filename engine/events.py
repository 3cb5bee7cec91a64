"""The largest quantity of an action before a rule that marks an event applies (a change of control
a purchase would trigger), decided by the same engine as `check`."""

from __future__ import annotations

from typing import Any

from . import calc
from .errors import EngineError
from .evaluate import _outcome, compiled, scenario_facts, with_quantity
from .model import Scenario
from .rulebook import Rulebook


def _applies(rulebook: Rulebook, scenario: Scenario, rule_id: str, quantity: int) -> tuple[str, dict[str, Any]]:
    """The rule's outcome at `quantity`, and the facts it was decided on."""
    rule = rulebook.rule(rule_id)
    facts = scenario_facts(rulebook, with_quantity(scenario, quantity))
    fired = [f for f in compiled(rulebook).evaluate(facts) if f.rule == rule_id]
    return _outcome(rule, fired)[0], facts


def event_headroom(rulebook: Rulebook, scenario: Scenario, event: dict, upper: int | None = None) -> dict:
    """The largest quantity of the scenario's action at which the event's rule does not apply (is
    not_applicable), and the first at which it does, with the event's fact at both; `max_quantity`
    None when it does not apply even at `upper` (the Common outstanding unless given). The rule
    applies from a threshold on: its outcome is monotone in the quantity, as an ownership test is."""
    rule_id = event["rule"]
    try:
        rule = rulebook.rule(rule_id)
    except KeyError:
        raise EngineError(f"position.events: no rule '{rule_id}' in the rulebook") from None
    hi = upper if upper is not None else max(1, scenario.cap_table.common_outstanding)
    data: dict[str, Any] = {"rule": rule_id, "label": event["label"], "title": rule.title,
                            "section": rule.source.section, "document": rule.source.document,
                            "max_quantity": None, "trips_at": None, "outcome": None,
                            "fact": event["fact"], "at_max": None, "one_more": None}
    outcome, facts = _applies(rulebook, scenario, rule_id, hi)
    if outcome == "not_applicable":
        return data
    zero, lo_facts = _applies(rulebook, scenario, rule_id, 0) if hi > 0 else (outcome, facts)
    if zero != "not_applicable":  # it applies already, whatever the quantity
        data.update(max_quantity=0, trips_at=0, outcome=zero)
        return data
    lo = 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        found, found_facts = _applies(rulebook, scenario, rule_id, mid)
        if found == "not_applicable":
            lo, lo_facts = mid, found_facts
        else:
            hi, outcome, facts = mid, found, found_facts
    shown = lambda f: None if f.get(event["fact"]) is None else calc.pct_display(f[event["fact"]], 9)  # noqa: E731
    data.update(max_quantity=lo, trips_at=hi, outcome=outcome, at_max=shown(lo_facts), one_more=shown(facts))
    return data
