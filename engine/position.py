"""Each group's position on a date, and the largest market purchase the rules permit it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from typing import Any

from . import SCHEMA_VERSION, calc, capital
from .conditions import Atom, atoms
from .evaluate import headroom
from .measures import MEASURES, Situation, measure
from .instruments import instrument_states, without_ended
from .model import Action, CapTable, Party, Scenario
from .render import _table, render_json, value_data
from .rulebook import Rulebook


def cap_rule(rulebook: Rulebook, group: str, as_of: date, fact: str):
    """The rule in force on a purchase that caps `fact` (a percentage) for the group, and its cap
    (or None, None)."""
    for rule in rulebook.rules:
        cond = rule.condition
        if not (isinstance(cond, Atom) and cond.fact == fact and cond.op in (">", ">=")):
            continue
        if rule.in_force_from and as_of < rule.in_force_from or rule.in_force_before and as_of >= rule.in_force_before:
            continue
        if "purchase" not in rule.actions:
            continue
        scope = rule.scope
        groups = _groups_named(scope)
        if group in groups:
            return rule, Decimal(cond.value)
    return None, None


def _groups_named(cond) -> set[str]:
    from .conditions import atoms
    out: set[str] = set()
    for a in atoms(cond):
        if a.fact == "acquirer.group":
            if a.op == "==":
                out.add(a.value)
            elif a.op == "in":
                out.update(a.value)
    return out


def market_purchase(rulebook: Rulebook, cap: CapTable, group: str, as_of: date, quantity: int = 1) -> Scenario:
    """A synthetic scenario: the group's first holder buys Common Stock in the market."""
    members = cap.group(group)
    buyer = members[0].name if members else f"{rulebook.groups[group]['name']} member"
    action = Action(kind="purchase", security="common", quantity=quantity,
                    acquirer=Party(name=buyer, group=group), seller="market")
    return Scenario(name=f"{rulebook.groups[group]['name']} buys Common Stock in the market", as_of=as_of,
                    cap_table=cap, action=action, instruments=dict(cap.instruments))


def group_headroom(rulebook: Rulebook, cap: CapTable, group: str, as_of: date) -> dict:
    """The largest market purchase of Common Stock the rules permit the group, with its proof."""
    scenario = market_purchase(rulebook, cap, group, as_of)
    room = headroom(rulebook, scenario)
    ok, over = room.proof
    sized = room.max_quantity is not None
    data = {
        "group": group,
        "as_of": as_of.isoformat(),
        "max_quantity": room.max_quantity,
        "limit": room.limit,
        "reason": room.reason,
        "cure": room.cure,
        "binding": None,
        "proof": {
            "permitted_at": room.max_quantity,
            "blocked_at": (room.max_quantity + 1 if sized else 1) if over is not None else None,
        },
    }
    if room.binding is not None:
        b = room.binding
        data["binding"] = {"rule": b.rule, "section": b.section, "document": b.document, "title": b.title,
                           "quote": b.quote, "outcome": b.outcome}
        if b.missing:
            data["binding"]["missing"] = b.missing
        # The proof shows the binding fact the rulebook names (rulebook.yaml position.headroom).
        shown = rulebook.position.get("headroom")
        # Only a binding rule that tests that fact is proved by it (a change of control's is not).
        tests_it = shown and shown["fact"] in {a.fact for a in atoms(rulebook.rule(b.rule).condition)}
        fig_ok = ok.facts.get(shown["fact"]) if tests_it and sized and ok is not None else None
        if fig_ok is not None:
            data["proof"][shown["key"] + "_at_max"] = calc.pct_display(fig_ok, 9)
            data["proof"][shown["key"] + "_one_more"] = calc.pct_display(over.facts.get(shown["fact"]), 9)
    _with_events(rulebook, scenario, data)
    return data


def _with_events(rulebook: Rulebook, scenario: Scenario, data: dict) -> None:
    """The events a purchase may trigger (rulebook.yaml position.events): the largest purchase
    before each, and which comes first, the limit or the event (`first`: limit, event, both, or
    None when neither has a number)."""
    from .events import event_headroom
    events = [event_headroom(rulebook, scenario, event) for event in rulebook.position.get("events", [])]
    if not events:
        return
    data["events"] = events
    limit = data["max_quantity"]
    for event in events:
        trips = event["max_quantity"]
        if data["limit"] not in ("size", "no_limit"):
            event["first"] = None  # the limit turns on a route or a fact, not on size: nothing to compare
        elif trips is None:
            event["first"] = "limit" if limit is not None else None
        elif limit is None:
            event["first"] = "event"
        else:
            event["first"] = "limit" if limit < trips else "event" if trips < limit else "both"


def _figure(rulebook: Rulebook, entry: dict, sit: Situation, group: str | None) -> Any:
    """One figure of the position block: a measure's value, a parameter's, or a stated text."""
    if "text" in entry:
        return entry["text"]
    if "parameter" in entry:
        return Fraction(sit.deal.parameters[entry["parameter"]])  # as in force, adjustments included
    params = dict(entry["params"])
    spec = MEASURES[entry["measure"]]
    if group is not None and "party" in spec.params:
        params["party"] = group
    if "when" in spec.params:
        params.setdefault("when", "before")
    if "output" in spec.params and "output" not in params:
        # An ownership measure: its shares, denominator and percentage together.
        return {out: measure(entry["measure"], sit, dict(params, output=out)) for out in ("shares", "denominator", "pct")}
    return measure(entry["measure"], sit, params)


def _shown(value: Any, show: Any, places: int, thresholds: tuple = ()) -> Any:
    """A figure as the position JSON carries it (`show`: one form, or a mapping key -> form); a
    percentage capped by a rule has more places where `places` would put it on (or across) one of
    the `thresholds` its fact is compared with."""
    if isinstance(show, dict):
        return {key: _shown(value, form, places, thresholds) for key, form in show.items()}
    if isinstance(value, dict):  # an ownership: pick the part asked for
        part = value["pct"] if show in ("pct", "pct_exact") else value.get(show, value["shares"])
        return _shown(part, show, places, thresholds)
    if value is None:
        return None
    if show == "pct":
        return calc.pct_display_against(value, thresholds, places)
    if show == "pct_exact":
        return _exact(value)
    if show == "money":
        return calc.money_display(value)
    if show == "decimal":
        return str(calc._round_half_up(value, places))
    if show in ("shares", "denominator"):
        return int(value)
    return value if isinstance(value, (int, str)) else str(value)


def positions(rulebook: Rulebook, cap: CapTable, as_of: date) -> dict:
    """Per group, the figures the rulebook's `position` block lists (rulebook.yaml), with each cap
    in force against its rule and the headroom in shares; and the deal-wide terms on the date."""
    block = rulebook.position
    states = instrument_states(rulebook, cap.instruments, as_of)
    # The instruments the figures rest on (a security's `instrument`) whose status is in question.
    in_question = sorted({spec["instrument"] for spec in rulebook.securities.values()
                          if spec.get("instrument") and states.get(spec["instrument"])
                          and states[spec["instrument"]].status is None})
    cap = without_ended(rulebook, cap, as_of)  # securities of an instrument stated ended are held by no one
    sit = Situation(rulebook.deal(as_of, cap.term_events), cap, as_of)
    out: dict = {"as_of": as_of.isoformat(), "common_outstanding": cap.common_outstanding, "terms": {},
                 "term_values": {}, "groups": {},
                 "instruments_in_question": in_question,
                 "term_events": rulebook.recorded_terms(tuple(e for e in cap.term_events if e.on <= as_of))}
    if block.get("seat_rights"):
        out["board_size"] = cap.board_size  # authorized, as the cap table (or --board-size) states it
    for entry in block.get("terms", []):
        figure = _figure(rulebook, entry, sit, None)
        out["terms"][entry["key"]] = _shown(figure, entry["show"], entry["places"])
        if isinstance(figure, (int, Fraction, Decimal)) and not isinstance(figure, bool):
            # The same figure as data (a decimal string, exact where it can be): `terms` is for display.
            unit = {"money": "money", "shares": "shares"}.get(entry["show"], "percent" if str(entry["show"]).startswith("pct")
                                                             else "number")
            out["term_values"][entry["key"]] = value_data(unit, figure)
    for group in rulebook.groups:
        members = cap.group(group)
        row: dict = {"name": rulebook.groups[group]["name"], "holders": [h.name for h in members]}
        for entry in block.get("groups", []):
            capped = rulebook.facts[entry["cap"]].thresholds if entry.get("cap") else ()
            value = _shown(_figure(rulebook, entry, sit, group), entry["show"], entry["places"], capped)
            if entry.get("cap"):
                value.update(_cap(rulebook, cap, group, as_of, entry["cap"]))
            row[entry["key"]] = value
        # Above a cap inside a voting-power safe harbor: the day accretion alone ends the harbor.
        row["accretion_warning"] = capital.accretion_crossing(rulebook, cap, group, as_of)
        if block.get("seat_rights"):
            row["seat_rights"] = seat_rights(rulebook, sit, states, group)
        out["groups"][group] = row
    return out


def seat_rights(rulebook: Rulebook, sit: Situation, states: dict, group: str) -> list[dict]:
    """The group's rights to elect or designate directors (rulebook.yaml position.seat_rights) on
    the date: its holdings as converted against the adjusted threshold (met at or above it,
    A-seat-threshold-at-least), and the status: `on`, `off`, `ended` (its instrument stated
    terminated or cancelled) or `suspended` (the right it yields to is on). The seats it carries
    are counted on the authorized board; None when no board size is stated."""
    rows: dict[str, dict] = {}
    for entry in rulebook.position.get("seat_rights", []):
        if entry["group"] != group:
            continue
        params = dict(entry["params"], party=group, when="before")
        held = measure("threshold_holding", sit, dict(params, output="shares"))
        needed = measure("threshold_holding", sit, dict(params, output="threshold"))
        state = states.get(entry["instrument"]) if entry["instrument"] else None
        if state is not None and state.status == "not_in_force":
            status = "ended"
        else:
            status = "on" if held is not None and held >= needed else "off"
        rows[entry["key"]] = {"key": entry["key"], "label": entry["label"], "cite": entry["cite"], "status": status,
                              "held_as_converted": held, "threshold": needed,
                              "margin": None if held is None else held - needed,
                              "seats": measure("board_seats", sit, dict(entry["seats"], output="seats")),
                              "suspended_while": entry["suspended_while"]}
    for row in rows.values():
        other = rows.get(row["suspended_while"]) if row["suspended_while"] else None
        if other is not None and other["status"] == "on" and row["status"] == "on":
            row["status"] = "suspended"
    return list(rows.values())


def _seat_lines(data: dict) -> list[str]:
    """The seat rights, one line each, for the text report."""
    size = data.get("board_size")
    head = (f"Seat rights (authorized Board of {size}):" if size is not None else
            "Seat rights (authorized Board size not stated: the seats cannot be determined; give --board-size N "
            "or the cap table's board_size):")
    lines = ["", head]
    for gid, g in data["groups"].items():
        for r in g.get("seat_rights", []):
            seats = "seats unknown" if r["seats"] is None else f"{r['seats']} seat{'s' if r['seats'] != 1 else ''}"
            figure = ("-" if r["held_as_converted"] is None else
                      f"{calc.shares_display(r['held_as_converted'])} as converted against "
                      f"{calc.shares_display(r['threshold'])}")
            status = r["status"].upper()
            if r["status"] == "suspended":
                by = next((o["cite"] for o in g["seat_rights"] if o["key"] == r["suspended_while"]), r["suspended_while"])
                status += f" while the {by} right is on"
            lines.append(f"  {gid}: {r['label']} ({r['cite']}): {status}; {figure}; {seats}")
    return lines


def _cap(rulebook: Rulebook, cap: CapTable, group: str, as_of: date, fact: str) -> dict:
    """The cap on `fact` in force for the group on the date, its rule, and the headroom under it."""
    rule, cap_pct = cap_rule(rulebook, group, as_of, fact)
    out = {"cap_pct": str(cap_pct) if cap_pct is not None else None, "rule": rule.id if rule else None,
           "max_quantity": None, "headroom_reason": None}
    if rule is not None:
        room = group_headroom(rulebook, cap, group, as_of)
        out["max_quantity"] = room["max_quantity"]
        if room["max_quantity"] is None and room["limit"] != "no_limit":
            out["headroom_reason"] = room["reason"] + "; to clear it: " + "; ".join(room["cure"])
    return out


def _exact(value: Fraction) -> str:
    value = Fraction(value)
    return f"{value.numerator}/{value.denominator}"


def position_json(data: dict, pretty: bool = False) -> str:
    return render_json({"schema_version": SCHEMA_VERSION, **data}, pretty)


def _cell(row: dict, path: str) -> Any:
    value: Any = row
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def position_text(rulebook: Rulebook, data: dict, as_of: date) -> str:
    block = rulebook.position
    lines = [f"Positions on {data['as_of']} ({calc.shares_display(data['common_outstanding'])} Common outstanding)"]
    if block.get("summary"):
        lines.append(block["summary"].format(**data["terms"]))
    lines.append("")
    rows = []
    reasons = []
    def group_name(gid: str) -> str:
        return str(rulebook.groups.get(gid, {}).get("name") or gid)

    for gid, g in data["groups"].items():
        row = [group_name(gid)]
        for column in block.get("columns", []):
            value, fmt = _cell(g, column["value"]), column["format"]
            head = _cell(g, column["value"].split(".")[0])
            if fmt == "cap":
                row.append(f"{value}%" if value else "not in force")
            elif fmt == "headroom":
                reason = head.get("headroom_reason") if isinstance(head, dict) else None
                row.append(calc.shares_display(value) if value is not None else "unknown" if reason else "-")
                if reason:
                    reasons.append(f"{group_name(gid)}: headroom cannot be given: {reason}.")
            elif fmt == "pct":
                row.append(f"{value}%")
            elif fmt == "shares":
                row.append(calc.shares_display(value) if value is not None else "-")
            else:
                row.append(str(value))
        rows.append(row)
    lines += _table(["Group"] + [c["label"] for c in block.get("columns", [])], rows)
    lines += [f"Accretion warning: {g['accretion_warning']['message']}."
              for gid, g in data["groups"].items() if g.get("accretion_warning")]
    lines += reasons
    if any(g.get("seat_rights") for g in data["groups"].values()):
        lines += _seat_lines(data)
    if data.get("instruments_in_question"):
        names = " and ".join(rulebook.documents[d].name or rulebook.documents[d].title
                             for d in data["instruments_in_question"])
        lines += ["", _wrap_note(f"Caveat: the status of {names} on this date is in question and not stated; "
                                 "the figures above count their securities as if in force. State it with "
                                 + " ".join(f"--instrument {d}=in_force|terminated:DATE"
                                            for d in data["instruments_in_question"]) + ".")]
    if data.get("term_events"):
        lines += [""] + [_wrap_note(line) for line in capital.recorded_terms_text(data["term_events"])]
    if block.get("notes"):
        lines += [""] + block["notes"]
    return "\n".join(lines) + "\n"



def headroom_json_text(data: dict, pretty: bool = False) -> str:
    return render_json({"schema_version": SCHEMA_VERSION, **data}, pretty)


def headroom_text(rulebook: Rulebook, data: dict) -> str:
    return _limit_text(rulebook, data) + _events_text(rulebook, data)


def _binding(rulebook: Rulebook, b: dict) -> str:
    doc = rulebook.documents.get(b["document"])
    return f"Binding provision: {b['title']} ({doc.code if doc and doc.code else b['document']} {b['section']})"


def _events_text(rulebook: Rulebook, data: dict) -> str:
    lines = []
    for e in data.get("events", []):
        if e["max_quantity"] is None:
            lines.append(f"{e['label']}: no market purchase up to the Common Stock outstanding is one.")
            continue
        lines.append(f"{e['label']}: a purchase of {calc.shares_display(e['trips_at'])} shares is one "
                     f"({e['outcome'].replace('_', ' ')}); up to {calc.shares_display(e['max_quantity'])} is not.")
        if e["at_max"] is not None:
            spec = rulebook.facts.get(e["fact"])
            label = spec.label if spec is not None and spec.label else e["fact"]
            lines.append(f"Proof: at {calc.shares_display(e['max_quantity'])} shares, {label} is {e['at_max']}%; at "
                         f"{calc.shares_display(e['trips_at'])} it is {e['one_more']}%.")
        first = {"limit": "The limit above binds first.", "event": f"{e['label']} comes first.",
                 "both": "Both come at the same purchase."}.get(e["first"])
        if first:
            lines.append(first)
    return "".join(line + "\n" for line in lines)


def _limit_text(rulebook: Rulebook, data: dict) -> str:
    name = rulebook.groups[data["group"]]["name"]
    b = data["binding"]
    if data["max_quantity"] is None and data["limit"] == "no_limit":
        return f"{name} on {data['as_of']}: no contractual limit on market purchases of Common Stock ({data['reason']}).\n"
    if data["max_quantity"] is None:
        head = ("the largest market purchase of Common Stock cannot be determined" if data["limit"] == "missing_fact"
                else "no market purchase of Common Stock passes")
        lines = [f"{name} on {data['as_of']}: {head}; {data['reason']}."]
        if b:
            lines.append(f"{_binding(rulebook, b)} ({b['outcome'].replace('_', ' ')}).")
        lines.append("What would clear it:")
        lines += [f"  - {c}" for c in data["cure"]]
        return "\n".join(lines) + "\n"
    if data["max_quantity"] == 0 and b:
        # Already at or over the cap before buying anything: not "up to 0" but no purchase at all.
        lines = [f"{name} on {data['as_of']}: may not buy any Common Stock in the market; it already stands at "
                 f"or above the limit of the binding rule, so even one share is over it."]
    else:
        lines = [f"{name} on {data['as_of']}: may buy up to {calc.shares_display(data['max_quantity'])} shares of "
                 f"Common Stock in the market."]
    if b:
        lines.append(f"{_binding(rulebook, b)}.")
        p = data["proof"]
        shown = rulebook.position.get("headroom")
        if shown and shown["key"] + "_at_max" in p and data["max_quantity"] == 0:
            lines.append(f"Proof: before any purchase {shown['label']} is {p[shown['key'] + '_at_max']}%; at "
                         f"{calc.shares_display(p['blocked_at'])} share it is {p[shown['key'] + '_one_more']}%.")
        elif shown and shown["key"] + "_at_max" in p:
            lines.append(f"Proof: at {calc.shares_display(p['permitted_at'])} shares {shown['label']} is "
                         f"{p[shown['key'] + '_at_max']}%; at {calc.shares_display(p['blocked_at'])} it is "
                         f"{p[shown['key'] + '_one_more']}%.")
    else:
        lines.append("No rule in force limits market purchases of Common Stock on this date.")
    return "\n".join(lines) + "\n"


def _wrap_note(text: str) -> str:
    import textwrap
    return textwrap.fill(text, width=100)
