"""The approvals a corporate action needs: shares it takes, whether a tally passes, who can pass or block."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from . import calc
from .errors import EngineError
from .measures import vote_threshold
from .model import COMPANY, NO_GROUP, CapTable, Finding, Scenario
from .rulebook import Rulebook

PUBLIC = "public Common"  # holders of Common Stock outside the cap table's groups


@dataclass(frozen=True)
class Bloc:
    """Voters who vote together: one group, one holder, or the public holders of Common."""

    name: str
    shares: int  # shares (or votes) counted toward the approval


def required_shares(threshold: str, outstanding: int) -> int:
    """Shares for approval out of the shares `outstanding`, one vote each: "at least NN%" rounds
    up, a majority is more than half, unanimous is all (69% of 75,000 is 51,750, a majority
    37,501). Whether the base is the shares outstanding or those voting is the rulebook's
    reading, stated as an assumption where its documents leave it open."""
    return vote_threshold(threshold, outstanding)


def _voting_class(voters: str, rulebook: Rulebook) -> tuple[list[str], bool, bool]:
    """(the preferred securities that vote, as converted?, does the Common vote?) for `voters`:
    a class of parameters.yaml or a single security."""
    spec = rulebook.classes.get(voters)
    members = list(spec.members) if spec else [voters]
    preferred = [m for m in members if rulebook.securities.get(m, {}).get("class") == "preferred"]
    common = any(rulebook.securities.get(m, {}).get("class") == "common" for m in members)
    return preferred, bool(spec and spec.as_converted), common


def blocs(rulebook: Rulebook, scenario: Scenario, voters: str) -> list[Bloc]:
    """The voting blocs for an approval; shares the Company holds are not outstanding and do not vote."""
    cap: CapTable = scenario.cap_table
    series, as_converted, common = _voting_class(voters, rulebook)
    spec = rulebook.classes.get(voters)
    held_by = spec.held_by if spec else ()
    on = scenario.tally.record_date if scenario.tally and scenario.tally.record_date else scenario.as_of
    terms = rulebook.deal(on, cap.term_events).terms
    by_group = scenario.vote_by == "group"
    counts: dict[str, int] = {}
    for h in cap.holders:
        if h.group == COMPANY or held_by and h.group not in held_by:
            continue
        preferred = sum(h.preferred.get(s, 0) for s in series)
        shares = calc.conversion_shares(terms, preferred, on) if as_converted and preferred else preferred
        if common:
            shares += h.common
        if shares <= 0:
            continue
        key = h.group if by_group and h.group != NO_GROUP else h.name
        counts[key] = counts.get(key, 0) + shares
    out = [Bloc(name, shares) for name, shares in counts.items()]
    if common and not held_by:
        held = sum(h.common for h in cap.holders if h.group != COMPANY)
        if cap.common_outstanding > held:
            out.append(Bloc(PUBLIC, cap.common_outstanding - held))
    return out


COALITIONS_LISTED = 64  # minimal passing coalitions listed at most (40 equal blocs have ~10^11)
COALITION_STEPS = 200_000  # search steps before the list is cut short


def _coalitions(blocs_: list[Bloc], needed: int, unanimous: bool) -> tuple[list[list[str]], list[str], bool]:
    """Minimal sets of blocs that carry the approval (fewest blocs first, then in the blocs' order),
    blocs that can defeat it alone, and whether the list is complete.

    A depth-first search over the blocs, largest first, that stops a branch as soon as it carries
    the approval (a larger set is not minimal) or can no longer reach it: the number of sets
    examined follows the number of minimal ones, not 2**n. Past COALITIONS_LISTED of them, or
    COALITION_STEPS steps, the list is cut short and says so."""
    total = sum(b.shares for b in blocs_)
    names = [b.name for b in blocs_]
    if unanimous:
        return [names], list(names), True
    shares = [b.shares for b in blocs_]
    order = sorted(range(len(names)), key=lambda i: (-shares[i], i))
    rest = [0] * (len(order) + 1)
    for k in range(len(order) - 1, -1, -1):
        rest[k] = rest[k + 1] + shares[order[k]]
    found: list[tuple[int, ...]] = []
    steps, complete = 0, True
    stack = [(0, (), 0)]
    while stack:
        k, chosen, held = stack.pop()
        steps += 1
        if steps > COALITION_STEPS or len(found) > COALITIONS_LISTED:
            complete = False
            break
        if held >= needed:
            # Largest first, so the last bloc added is the smallest: minimal iff it is needed.
            if held - shares[chosen[-1]] < needed:
                found.append(chosen)
            continue
        if k == len(order) or held + rest[k] < needed:
            continue
        stack.append((k + 1, chosen, held))  # without it (explored after)
        stack.append((k + 1, chosen + (order[k],), held + shares[order[k]]))  # with it
    coalitions = sorted((tuple(sorted(c)) for c in found), key=lambda c: (len(c), c))[:COALITIONS_LISTED]
    blockers = [n for n, held in zip(names, shares) if total - held < needed]
    return [[names[i] for i in c] for c in coalitions], blockers, complete


def analyse(rulebook: Rulebook, scenario: Scenario, finding: Finding) -> dict:
    """Figures for one required approval: outstanding, shares needed, tally result, coalitions."""
    spec = dict(finding.approval or {})
    voters, threshold = spec["voters"], str(spec["threshold"])
    groups = blocs(rulebook, scenario, voters)
    outstanding = sum(b.shares for b in groups)
    needed = required_shares(threshold, outstanding)
    minimal, blockers, complete = _coalitions(groups, needed, threshold == "unanimous")
    out = {
        "body": spec["body"],
        "voters": voters,
        "threshold": threshold,
        "outstanding": outstanding,
        "shares_required": needed,
        "unit": "votes" if _voting_class(voters, rulebook)[1] else "shares",
        "blocs": {b.name: b.shares for b in groups},
        # `minimal_passing_complete: false` only where the list is cut short (absent: every one listed).
        "coalitions": {"minimal_passing": minimal, "can_block_alone": blockers,
                       **({} if complete else {"minimal_passing_complete": False})},
        "tally": None,
    }
    if scenario.tally is not None:
        out["tally"] = _tally(scenario, groups, needed, threshold)
    return out


def _tally(scenario: Scenario, groups: list[Bloc], needed: int, threshold: str) -> dict:
    """Whether the record-date vote carries the approval; unstated votes count as not voting."""
    tally = scenario.tally
    choices: dict[str, str] = {}
    unknown = 0
    for b in groups:
        if b.name == PUBLIC:
            continue
        choices[b.name] = tally.votes.get(b.name, "not_voting")
    counts = {c: 0 for c in ("for", "against", "abstain", "not_voting")}
    for b in groups:
        if b.name in choices:
            counts[choices[b.name]] += b.shares
    public = next((b for b in groups if b.name == PUBLIC), None)
    if public is not None:
        if tally.common_for is None:
            unknown = public.shares
        else:
            voted_for = min(tally.common_for, public.shares)
            voted_against = min(tally.common_against or 0, public.shares - voted_for)
            counts["for"] += voted_for
            counts["against"] += voted_against
            counts["not_voting"] += public.shares - voted_for - voted_against
    if counts["for"] >= needed:
        result = "passes"
    elif counts["for"] + unknown >= needed:
        result = "cannot_determine"
    else:
        result = "fails"
    return {
        "record_date": tally.record_date.isoformat() if tally.record_date else None,
        "shares_for": counts["for"], "shares_against": counts["against"], "shares_abstaining": counts["abstain"],
        "shares_not_voting": counts["not_voting"], "shares_unknown": unknown, "shares_required": needed,
        "result": result, "votes": choices,
    }


def approvals(rulebook: Rulebook, scenario: Scenario, findings: list[Finding]) -> list[dict]:
    """Attach the approval figures to every approval_required finding; return them in order."""
    out = []
    for f in findings:
        if f.outcome == "approval_required" and f.approval:
            f.approval = dict(analyse(rulebook, scenario, f), rule=f.rule, section=f.section)
            if f.approval["outstanding"] == 0:
                # Never "1 of 0 shares": a vote of holders who hold nothing is no approval at all.
                raise EngineError(f"rule {f.rule}: asks the holders of {f.approval['voters']}, which has no shares "
                                  "Outstanding; its applies_to must require shares Outstanding so that the "
                                  "finding is not_applicable")
            out.append(f.approval)
    return out


def all_pass(items: list[dict]) -> bool:
    """True when no approval is needed, or every one is shown to pass by the tally."""
    return all(a["tally"] is not None and a["tally"]["result"] == "passes" for a in items)
