"""The Qualifying Transaction's jurisdiction limb (CoD 8(c)): "organized and existing under the laws
of Bermuda, the United States or any State thereof or the District of Columbia".

The engine only recognises names of jurisdictions (engine.facts.jurisdiction); which kinds and
countries qualify is written in rules/icg-2000/definitions.yaml. A name it does not recognise is
unknown, never "foreign" by default: both CoD 8(c)(ii) rules are cannot_determine until the
scenario states the kind (and, for a foreign jurisdiction, the country).

On the closing cap table (75,000 Series A): a Qualifying Transaction needs a majority, 37,501
shares; any other merger 69%, 51,750 shares.
"""

from __future__ import annotations

from datetime import date

import pytest
from clitools import run, run_json
from deal import CLOSING_FILE, MAJORITY, NO_AMENDMENT, NON_QT, PROBLEM, QT, SIXTY_NINE

from clausewise.errors import InputError
from clausewise.evaluate import evaluate
from clausewise.facts import FOREIGN_COUNTRIES, jurisdiction


def merger(**entity) -> dict:
    return {"as_of": date(2001, 9, 4), "action": {
        "kind": "merger", "company_survives": False, "series_a_remains_outstanding": False,
        "resulting_entity": dict({"form": "corporation"}, **entity), "series_a_exchanged_for_equivalent": True,
        "officers_certificate_delivered": True, "opinion_of_counsel_delivered": True, "common_stock_votes": True,
        "amendment": NO_AMENDMENT}}


def series_a_vote(result) -> tuple:
    """(rule, body, threshold, shares_required, outstanding) of the CoD 8(c)(ii) approval."""
    [a] = [a for a in result.approvals if a["rule"] in (QT, NON_QT)]
    return (a["rule"], a["body"], a["threshold"], a["shares_required"], a["outstanding"])


@pytest.mark.parametrize("name, expected", [
    ("Delaware", ("us_state", "united_states")),
    ("State of Delaware", ("us_state", "united_states")),
    ("the State of New York", ("us_state", "united_states")),
    ("Delaware, USA", ("us_state", "united_states")),
    ("Delaware, U.S.A.", ("us_state", "united_states")),
    ("Nevada, United States of America", ("us_state", "united_states")),
    ("Commonwealth of Massachusetts", ("us_state", "united_states")),
    ("District of Columbia", ("district_of_columbia", "united_states")),
    ("Washington, D.C.", ("district_of_columbia", "united_states")),
    ("United States", ("united_states", "united_states")),
    ("United States of America", ("united_states", "united_states")),
    ("U.S.", ("united_states", "united_states")),
    ("Commonwealth of Puerto Rico", ("us_territory", "united_states")),
    ("Bermuda", ("foreign", "bermuda")),
    ("Cayman Islands", ("foreign", "cayman_islands")),
    ("British Virgin Islands", ("foreign", "british_virgin_islands")),
    ("England and Wales", ("foreign", "united_kingdom")),
    ("the Netherlands", ("foreign", "netherlands")),
    ("Narnia", None),
    ("Del.", None),
    ("State of", None),
    ("", None),
])
def test_jurisdiction_names_are_normalised(name, expected):
    assert jurisdiction(name) == expected


def test_recognised_foreign_names_are_countries_of_the_fact():
    assert all(jurisdiction(c.replace("_", " ")) == ("foreign", c) for c in FOREIGN_COUNTRIES)


@pytest.mark.parametrize("name", ["State of Delaware", "Commonwealth of Massachusetts", "Delaware, USA",
                                  "Bermuda", "District of Columbia", "Washington, D.C.", "United States"])
def test_recognised_qualifying_jurisdictions_need_a_majority(rulebook, make_scenario, name):
    # Formerly "State of Delaware" and "Delaware, USA" were "other" and took 69% (51,750 shares).
    result = evaluate(rulebook, make_scenario(merger(jurisdiction=name)))
    assert result.by_rule(QT).outcome == "approval_required"
    assert result.by_rule(NON_QT).outcome == "not_applicable"
    assert series_a_vote(result) == (QT,) + MAJORITY


@pytest.mark.parametrize("name, kind", [("Cayman Islands", "foreign"), ("Commonwealth of Puerto Rico", "us_territory"),
                                        ("Guam", "us_territory")])
def test_recognised_other_jurisdictions_need_69_percent(rulebook, make_scenario, name, kind):
    # A territory of the United States is not "any State thereof".
    result = evaluate(rulebook, make_scenario(merger(jurisdiction=name)))
    assert result.facts["resulting_entity.jurisdiction_kind"] == kind
    assert result.by_rule(QT).outcome == "not_applicable"
    assert series_a_vote(result) == (NON_QT,) + SIXTY_NINE


def test_an_unrecognised_jurisdiction_cannot_be_determined(rulebook, make_scenario):
    # Formerly any unrecognised name was "other" and silently took the 69% path.
    result = evaluate(rulebook, make_scenario(merger(jurisdiction="Narnia")))
    for rule in (QT, NON_QT):
        finding = result.by_rule(rule)
        assert finding.outcome == "cannot_determine", rule
        assert finding.missing == ["resulting_entity.jurisdiction_kind", "resulting_entity.country"], rule
    assert "resulting_entity.jurisdiction_kind" not in result.facts
    assert [a["rule"] for a in result.approvals if a["rule"] in (QT, NON_QT)] == []
    assert result.blocked is True


@pytest.mark.parametrize("stated, rule, expected", [
    ({"jurisdiction_kind": "foreign", "country": "other"}, NON_QT, SIXTY_NINE),
    ({"jurisdiction_kind": "us_state"}, QT, MAJORITY),
    ({"jurisdiction_kind": "foreign", "country": "bermuda"}, QT, MAJORITY),
], ids=["stated-foreign", "stated-state", "stated-bermuda"])
def test_an_unrecognised_name_decides_once_its_kind_is_stated(rulebook, make_scenario, stated, rule, expected):
    result = evaluate(rulebook, make_scenario(merger(jurisdiction="Narnia", **stated)))
    assert series_a_vote(result) == (rule,) + expected


def test_a_foreign_kind_without_its_country_cannot_be_determined(rulebook, make_scenario):
    # Foreign, but is it Bermuda? Only the country can say.
    result = evaluate(rulebook, make_scenario(merger(jurisdiction="Narnia", jurisdiction_kind="foreign")))
    assert result.by_rule(QT).missing == ["resulting_entity.country"]
    assert result.by_rule(NON_QT).outcome == "cannot_determine"


def test_a_stated_kind_that_contradicts_a_recognised_name_is_refused(rulebook, make_scenario):
    with pytest.raises(InputError) as info:
        make_scenario(merger(jurisdiction="State of Delaware", jurisdiction_kind="foreign"))
    [problem] = info.value.problems
    assert (problem.category, problem.message) == (
        "contradiction", "action.resulting_entity.jurisdiction_kind: foreign contradicts the jurisdiction "
                         "'State of Delaware', which is us_state")


def write(tmp_path, jurisdiction_line: str):
    path = tmp_path / "merger.yaml"
    path.write_text(
        "name: Merger into a new corporation\nas_of: 2001-09-04\n"
        f"cap_table: {CLOSING_FILE}\n"
        "action:\n  kind: merger\n  company_survives: false\n  series_a_remains_outstanding: false\n"
        f"  resulting_entity: {{form: corporation, {jurisdiction_line}}}\n"
        "  series_a_exchanged_for_equivalent: true\n  officers_certificate_delivered: true\n"
        "  opinion_of_counsel_delivered: true\n  common_stock_votes: true\n"
        "  amendment: {instrument: none, adversely_affects: [], changes_authorized_series_a: false,\n"
        "              alters_relative_rights: false}\n", encoding="utf-8")
    return path


def test_vote_cli_state_of_delaware_needs_a_majority():
    code, report = run_json("vote", "samples/scenarios/approval-merger-qt-state-of-delaware.yaml")
    assert code == 1  # no tally: not shown to pass
    [series] = [a for a in report["approvals"] if a["rule"] == QT]
    assert (series["threshold"], series["shares_required"], series["outstanding"]) == ("majority", 37_501, 75_000)
    assert report["undetermined"] == []


def test_vote_cli_unrecognised_jurisdiction_names_the_missing_facts(tmp_path):
    result = run("vote", write(tmp_path, "jurisdiction: Narnia"))
    assert (result.returncode, result.stderr) == (1, "")
    text = " ".join(result.stdout.split())
    assert ("CANNOT DETERMINE: A merger, consolidation or sale of substantially all assets that is a Qualifying "
            "Transaction needs a majority of the Series A (CoD 8(c)(ii)): Cannot determine: the scenario does not "
            "establish the kind of that jurisdiction (the United States, a State, the District of Columbia, a "
            "territory, or a foreign country)") in text
    assert "51,750" not in text and "37,501" not in text


def test_vote_cli_contradictory_jurisdiction_is_bad_input(tmp_path):
    path = write(tmp_path, "jurisdiction: 'Delaware, USA', country: bermuda")
    result = run("vote", path)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    match = PROBLEM.match(line)
    assert match and (match["file"], match["line"], match["category"]) == (str(path), "8", "contradiction")
    assert match["message"] == ("action.resulting_entity.country: bermuda contradicts the jurisdiction "
                                "'Delaware, USA', which is united_states")
