"""The JSON contract: what every verb's `--format json` output is, as pydantic models, and the
JSON Schema files generated from them (engine/schemas/output/*.schema.json).

The verbs build their JSON as plain data (engine/render.py, position.py): a check must not pay
pydantic's import on every run. These models state what that data is, key by key; the tests
validate every verb's output for every sample against them and against the schema files, and
check that the committed files are what the models generate:

    .venv/bin/python -m clausewise.contract --write   # regenerate engine/schemas/output/
    .venv/bin/python -m clausewise.contract           # check they are current

Numbers: counts of shares, votes and days are JSON integers. A percentage or an amount of money
that is not a whole number is a decimal string ("37.0375", "11693.62"), exact when it has a
finite decimal expansion; a `values` entry then gives `exact` as a fraction "n/d" when it has not.
Display strings ("35,208,264", "37.0375%") are in `figures` and `explanation`, for people.
One name for one thing: `max_quantity` is the largest quantity that passes, in check and in
headroom alike.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

from . import SCHEMA_VERSION
OUTCOME = Literal["violation", "cannot_determine", "approval_required", "obligation", "consequence", "permitted",
                  "not_applicable"]
SCHEMAS = Path(__file__).resolve().parent / "schemas" / "output"


class _Closed(BaseModel):
    """A JSON object whose keys are all declared: a key the code adds without declaring it here
    fails the contract tests."""

    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    """A JSON object whose declared keys are fixed and which may carry more, rulebook-defined
    ones (a capital event's figures, a group's seat rights)."""

    model_config = ConfigDict(extra="allow")


class Value(_Closed):
    """A fact's value as data: an integer for shares, votes and days; a decimal string for a
    percentage or money; an ISO date; true or false; a word of the rulebook's vocabulary."""

    value: Union[int, bool, str, None] = Field(description="the value; null when the scenario does not establish it")
    unit: Literal["shares", "percent", "money", "number", "date", "bool", "text", "days"] = Field(
        description="what the value counts: shares (an integer), percent (a decimal string, 37.0375 is 37.0375%), "
                    "money (a decimal string in dollars), number, date (YYYY-MM-DD), bool, text, days")
    exact: Optional[str] = Field(None, description="the exact value as a fraction n/d when the decimal string "
                                                   "is rounded (to 12 places)")


class Comparison(_Closed):
    fact: str
    op: str
    value: str = Field(description="the line compared with, as displayed")
    actual: str = Field(description="the fact's value, as displayed")
    holds: Optional[bool] = Field(description="whether the test holds; null when the fact is unknown")


class ParameterUsed(_Closed):
    name: str
    value: str
    from_: Optional[str] = Field(alias="from")
    document: Optional[str] = None
    section: Optional[str] = None
    cite: Optional[str] = None
    quote: Optional[str] = None


class VersionUsed(_Closed):
    provision: str
    kind: str
    version: str
    from_: str = Field(alias="from")
    title: Optional[str] = None
    document: Optional[str] = None
    section: Optional[str] = None
    cite: Optional[str] = None
    quote: Optional[str] = None


class Coalitions(_Closed):
    minimal_passing: list[list[str]]
    can_block_alone: list[str]
    # False when there are more minimal passing coalitions than are listed (approvals.COALITIONS_LISTED)
    minimal_passing_complete: bool = True


class Tally(_Closed):
    record_date: Optional[str]
    shares_for: int
    shares_against: int
    shares_abstaining: int
    shares_not_voting: int
    shares_unknown: int
    shares_required: int
    result: Literal["passes", "fails", "cannot_determine"]
    votes: dict[str, Any]


class Approval(_Closed):
    rule: str
    section: str
    body: str
    voters: str
    threshold: str
    unit: str
    shares_required: int
    outstanding: int
    blocs: dict[str, int]
    coalitions: Coalitions
    tally: Optional[Tally]


class FindingApproval(_Closed):
    """A finding's approval: what the rule asks (body, voters, threshold), and, when the rule
    requires it for this action, the shares it takes and who can pass or block it."""

    body: str
    threshold: str
    voters: Optional[str] = None
    rule: Optional[str] = None
    section: Optional[str] = None
    unit: Optional[str] = None
    shares_required: Optional[int] = None
    outstanding: Optional[int] = None
    blocs: Optional[dict[str, int]] = None
    coalitions: Optional[Coalitions] = None
    tally: Optional[Tally] = None


class Finding(_Closed):
    rule: str = Field(description="the rule's id in the rulebook (a code name)")
    title: str
    outcome: OUTCOME
    document: str
    document_title: str
    section: str
    quote: str = Field(description="the operative words of the clause")
    figures: dict[str, str] = Field(description="fact -> its value as displayed to a person")
    values: dict[str, Value] = Field(default_factory=dict, description="fact -> its value as data")
    labels: dict[str, str] = Field(default_factory=dict, description="fact -> its label in the documents' terms")
    comparisons: list[Comparison]
    explanation: str = Field(description="why, in the documents' terms")
    because: dict[str, Any] = Field(description="what decided the outcome, as data (kind, facts, exceptions)")
    assumptions: list[str]
    exception: Optional[str] = None
    missing: list[str] = Field(default_factory=list)
    reason: Optional[str] = None
    approval: Optional[FindingApproval] = None
    parameters: list[ParameterUsed] = Field(default_factory=list)
    versions: list[VersionUsed] = Field(default_factory=list)
    cite: Optional[str] = None
    trace: Optional[dict[str, Any]] = Field(None, description="--explain only: the full trace of the finding")


class Binding(_Closed):
    rule: str
    section: str
    document: str


class CheckHeadroom(_Closed):
    max_quantity: Optional[int] = Field(description="the largest quantity that passes; null when size does not decide")
    excess: Optional[int]
    limit: Literal["size", "route", "missing_fact", "no_limit"]
    reason: Optional[str]
    cure: list[str]
    binding: Optional[Binding] = None


class Assumption(_Closed):
    id: str
    title: str
    reading: str
    source: str
    alternative: str
    catalogue: str


class Declined(_Closed):
    id: str
    document: str
    section: str
    cite: str
    quote: str
    reason: str
    catalogue: str
    amends: str


class Scenario(_Closed):
    name: str
    file: Optional[str]
    as_of: str


class CheckReport(_Closed):
    """`clausewise check --format json`."""

    schema_version: Literal["1.0"]
    scenario: Scenario
    rulebook: str
    verdict: Literal["violation", "cannot_determine", "approval_required", "clear"]
    counts: dict[OUTCOME, int]
    findings: list[Finding]
    headroom: Optional[CheckHeadroom]
    assumptions: list[Assumption]
    capital_event: Optional[dict[str, Any]]
    standstill_effect: Optional[dict[str, Any]]
    warnings: list[dict[str, Any]]
    term_events: list[dict[str, Any]]
    declined: list[Declined]


class VoteScenario(_Closed):
    name: str
    file: Optional[str]
    as_of: str
    action: str
    vote_by: str


class VoteApproval(Approval):
    title: str
    document: str
    quote: str
    explanation: str
    cite: str


class NotRequired(_Closed):
    rule: str
    title: str
    cite: str
    reason: Optional[str]
    explanation: str


class VoteReport(_Closed):
    """`clausewise vote --format json`."""

    schema_version: Literal["1.0"]
    scenario: VoteScenario
    rulebook: str
    approvals: list[VoteApproval]
    violations: list[Finding]
    undetermined: list[Finding]
    not_required: list[NotRequired]
    obligations: list[Finding]
    consequences: list[Finding]
    all_pass: bool
    assumptions: list[Assumption]


class HeadroomBinding(_Closed):
    rule: str
    section: str
    document: str
    title: str
    quote: str
    outcome: OUTCOME
    missing: list[str] = Field(default_factory=list)


class HeadroomEvent(_Open):
    label: str
    rule: str
    max_quantity: Optional[int]


class HeadroomReport(_Closed):
    """`clausewise headroom --format json`."""

    schema_version: Literal["1.0"]
    group: str
    as_of: str
    max_quantity: Optional[int] = Field(description="the most Common Stock the group may buy; null when size does "
                                                    "not decide")
    limit: Literal["size", "route", "missing_fact", "no_limit"]
    reason: Optional[str]
    cure: list[str] = Field(default_factory=list)
    binding: Optional[HeadroomBinding]
    proof: Optional[dict[str, Any]] = None
    events: list[HeadroomEvent] = Field(default_factory=list)


class Group(_Open):
    """One holder group's figures: which ones, and their keys, the rulebook's position block lists
    (rulebook.yaml); shares are JSON integers, percentages decimal strings."""

    name: str
    holders: list[str]


class PositionReport(_Closed):
    """`clausewise position --format json`."""

    schema_version: Literal["1.0"]
    as_of: str
    common_outstanding: int
    board_size: Optional[int] = None
    terms: dict[str, Any] = Field(description="the deal-wide terms on the date, as displayed")
    term_values: dict[str, Value] = Field(default_factory=dict, description="the same terms as data")
    groups: dict[str, Group]
    instruments_in_question: list[str] = Field(default_factory=list)
    term_events: list[dict[str, Any]] = Field(default_factory=list)


class BatchResult(_Closed):
    """One order's result: the row `clausewise batch` writes to its results file, column for
    column, with its numbers as numbers and `accepted` as true or false."""

    row: int = Field(description="the order's number in the blotter, counting from 1 (a CSV blotter's rows count "
                                 "its header as row 1, so its first order is row 2)")
    date: str = Field(description="YYYY-MM-DD; for a row that could not be read, as sent")
    account: str
    group: str = Field(description="the group column as sent (empty for an account on the cap table)")
    side: str
    security: str
    quantity: Union[int, str] = Field(description="whole shares; for a row that could not be read, as sent")
    counterparty: str
    verdict: Literal["CLEAR", "VIOLATION", "CANNOT DETERMINE", "APPROVAL REQUIRED", "REFUSED"] = Field(
        description="check's verdict for the order; REFUSED: the row could not be read (see `reasons`)")
    accepted: bool = Field(description="the order is clear and counts in the position of the orders after it")
    clause: str = Field(description="the binding clause: its document's code and section; empty when none binds")
    rule: str
    title: str
    figure: str = Field(description="the label of the binding figure, in the documents' terms")
    value: str = Field(description="the figure after the order, as displayed")
    threshold: str = Field(description="the line the figure is compared with, as displayed")
    room_after: Union[int, Literal["no limit"], None] = Field(
        description="shares the group may still buy after the order (all its room when the order is rejected); "
                    "null when size does not decide")
    max_quantity: Union[int, Literal["no limit"], None] = Field(
        description="the largest quantity of the order that would have passed; null when size does not decide")
    reasons: str = Field(description="what a verdict that cannot be determined needs established; for a REFUSED "
                                     "row, the column and what was wrong with it")
    decided_by: str = Field(description="headroom (the engine's headroom for the order's set of facts), sale (the "
                                        "engine's decision for a market sale by the group on the date) or check (the "
                                        "order evaluated in full); empty for a row that could not be read")


class BatchProblem(_Closed):
    """A row that could not be read: reported, written as REFUSED, and the rest still runs."""

    row: int
    column: str
    message: str


class NearCap(_Closed):
    group: str
    room_after: int
    date: str
    row: int


class BatchSummary(_Closed):
    """`clausewise batch --format json` (which adds the paths of its `blotter` and `results`), and a
    batch request's `summary`."""

    orders: int
    by_verdict: dict[str, int]
    by_clause: dict[str, int] = Field(description="orders not clear, by the clause that stopped them, most first")
    nearest_their_caps: list[NearCap] = Field(description="each group's room left after its last order, least first")
    seconds: float
    orders_per_second: Optional[int]
    decided: dict[str, int] = Field(description="how the orders were decided (fast, full) and the engine's headroom "
                                                "searches")
    parts: int = Field(description="the parts the blotter was pre-cleared in, one per group or set of groups "
                                   "(--workers, --engine dask)")
    one_part: Optional[str] = Field(description="why a run asked for parts ran in one (an order joining two groups, "
                                                "dates out of order, the market's float), else null")


class BatchReport(_Closed):
    """POST /v1/batch: `clausewise batch` on a blotter sent as JSON. One result per order, in blotter
    order, each checked against the cap table with the orders accepted before it."""

    schema_version: Literal["1.0"]
    rulebook: str
    as_of: Optional[str] = Field(description="the date of every order, when the request states one")
    cap_table: str = Field(description="the rulebook's cap table the orders start from")
    mode: Literal["fast", "full"]
    results: list[BatchResult]
    problems: list[BatchProblem] = Field(description="the rows that could not be read, in blotter order")
    summary: BatchSummary


class Error(_Closed):
    file: str = Field(description="the file (or the argument) the problem is in")
    line: Optional[int] = Field(description="1-based line, when the problem is in a file")
    field: Optional[str] = Field(description="the key or argument at fault, when one is named")
    category: str = Field(description="missing-file, unknown-key, wrong-type, bad-value, bad-date, "
                                      "dangling-reference, bad-argument, ...")
    message: str
    suggestion: Optional[str] = Field(description="the likely intended value, when there is one")


class ErrorReport(_Closed):
    """Any verb's bad input under `--format json`: one entry per problem (exit code 2)."""

    schema_version: Literal["1.0"]
    errors: list[Error]


MODELS: dict[str, type[BaseModel]] = {"check": CheckReport, "vote": VoteReport, "headroom": HeadroomReport,
                                      "position": PositionReport, "batch": BatchReport, "error": ErrorReport}


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of one verb's output, as the model generates it (serialization form)."""
    out = MODELS[name].model_json_schema(by_alias=True, mode="serialization")
    out = {"$schema": "https://json-schema.org/draft/2020-12/schema",
           "$id": f"https://clausewise.example/schemas/output/{name}.schema.json", **out}
    return out


def schema_text(name: str) -> str:
    return json.dumps(schema(name), indent=2, sort_keys=False) + "\n"


def main(argv: list[str]) -> int:
    stale = []
    for name in MODELS:
        path = SCHEMAS / f"{name}.schema.json"
        if "--write" in argv:
            SCHEMAS.mkdir(parents=True, exist_ok=True)
            path.write_text(schema_text(name), encoding="utf-8")
        elif not path.is_file() or path.read_text(encoding="utf-8") != schema_text(name):
            stale.append(str(path))
    if stale:
        print("out of date (run with --write): " + ", ".join(stale))
        return 1
    print(f"{SCHEMAS}: {'written' if '--write' in argv else 'current'} ({len(MODELS)} schemas, version {SCHEMA_VERSION})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
