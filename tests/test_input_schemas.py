"""The JSON Schemas of the YAML inputs: the engine's general ones (engine/schemas/*.schema.json, see
its README.md), and each rulebook's own scenario and cap table schemas (rules/<rulebook>/schemas/,
written by `python -m clausewise.input_schema RULEBOOK_DIR --write`, engine/input_schema.py).

- Each schema is a valid draft 2020-12 schema, and every $ref in it resolves (a rulebook's two
  schemas refer only to each other).
- The general schemas are general: no deal's names or values in them, and they take any action
  kind, field, party attribute, group or security a rulebook may declare.
- Every bundled input validates: each scenario and cap table of every rulebook under rules/
  against the general schema and against its rulebook's own, and each file of the rulebooks
  icg-2000 and kestrel-2021 (manifest, rule files, facts, parameters, definitions, assumptions,
  documents, declined provisions, YAML test cases) against the general rulebook schemas.
- The rulebooks' schemas are current: the generator's check mode passes for each.
- Broken inputs are rejected at the path of the mistake.
- Every scenario and cap table file names its rulebook's schema on its first line, for the editor.
- The schemas say what the loader accepts: their keys and fixed words are compared with the
  loader's own tuples (engine/scenario.py, engine/capital.py, engine/rulebook.py, engine/folder.py),
  and a rulebook's action kinds, action fields, party attributes, groups, securities, documents
  and term events with what the rulebook declares, so a change to either that the other misses
  fails here.

YAML is read with yaml.safe_load; its dates (values and mapping keys) are turned into the
YYYY-MM-DD text an editor sees before validating.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from clausewise.input_schema import _refs  # every $ref of a schema, as the generator walks them
from clausewise import capital, folder, input_schema
from clausewise import rulebook as rb
from clausewise import scenario as sc
from clausewise.conditions import OPERATORS
from clausewise.facts import FACT_TYPES, PARTY_ROLES, TRADE_KINDS, VALUE_SOURCES
from clausewise.measures import MEASURES
from clausewise.model import CAPITAL_KINDS, INSTRUMENT_STATUSES, VOTE_CHOICES
from clausewise.rulebook import load_rulebook
from clitools import run
from test_engine_general import DEAL_WORDS, SECOND_DEAL, WARRANT_TEXT, party_words

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "engine" / "schemas"
RULES = ROOT / "rules"
BOOKS = ("icg-2000", "kestrel-2021")
DRAFT = "https://json-schema.org/draft/2020-12/schema"
HEADER = "# yaml-language-server: $schema="
SCENARIO, CAPTABLE, RULEBOOK = "scenario.schema.json", "captable.schema.json", "rulebook.schema.json"

# Each rulebook file that is not a rule file (those rulebook.yaml lists) and its schema.
NAMED_FILES = {
    "rulebook.yaml": "rulebook-manifest.schema.json",
    "facts.yaml": "rulebook-facts.schema.json",
    "parameters.yaml": "rulebook-parameters.schema.json",
    "definitions.yaml": "rulebook-definitions.schema.json",
    "assumptions.yaml": "rulebook-assumptions.schema.json",
    "documents.yaml": "rulebook-documents.schema.json",
    "declined.yaml": "rulebook-declined.schema.json",
}


# --- loading ------------------------------------------------------------------------------------


def load_schemas(folder: Path) -> dict[str, dict]:
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))}


def registry(schemas: dict[str, dict]) -> Registry:
    """The schemas of one folder, each found by its file name (as an editor resolves a relative $ref)."""
    return Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT202012)) for name, schema in schemas.items())


SCHEMA_FILES = load_schemas(SCHEMAS)
REGISTRY = registry(SCHEMA_FILES)
# Each rulebook's own scenario and cap table schemas (rules/<rulebook>/schemas/).
BOOK_SCHEMAS = {book: load_schemas(RULES / book / "schemas") for book in BOOKS}
BOOK_REGISTRIES = {book: registry(files) for book, files in BOOK_SCHEMAS.items()}


def validator(name: str, book: str | None = None) -> Draft202012Validator:
    """The general schema `name`, or with `book` that rulebook's own."""
    files, reg = (SCHEMA_FILES, REGISTRY) if book is None else (BOOK_SCHEMAS[book], BOOK_REGISTRIES[book])
    return Draft202012Validator(files[name], registry=reg, format_checker=FormatChecker())


def plain(data: Any) -> Any:
    """YAML data as an editor's validator sees it: dates (values and keys) as YYYY-MM-DD text."""
    if isinstance(data, dict):
        return {(k.isoformat() if isinstance(k, datetime.date) else k): plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    if isinstance(data, datetime.date):
        return data.isoformat()
    return data


def read(path: Path) -> Any:
    return plain(yaml.safe_load(path.read_text(encoding="utf-8")))


def errors(name: str, data: Any, book: str | None = None) -> list:
    return sorted(validator(name, book).iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))


def shown(errs: list) -> str:
    return "\n".join(f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errs)


HEADED_SCHEMAS = (("scenarios", "scenario.schema.json"), ("captables", "captable.schema.json"))


def inputs() -> list[tuple[Path, str]]:
    """(file, schema) for every bundled input file the general schemas cover."""
    out = []
    for sub, schema in HEADED_SCHEMAS:
        out += [(path, schema) for path in sorted(RULES.glob(f"*/{sub}/*.yaml"))]
    for book in BOOKS:
        out += rulebook_files(RULES / book)
    return out


def book_inputs() -> list[tuple[Path, str, str]]:
    """(file, schema, rulebook) for every scenario and cap table of a rulebook, against its own schemas."""
    return [(path, schema, book) for book in BOOKS for sub, schema in HEADED_SCHEMAS
            for path in sorted((RULES / book / sub).glob("*.yaml"))]


def rulebook_files(book: Path) -> list[tuple[Path, str]]:
    out = [(book / name, schema) for name, schema in NAMED_FILES.items() if (book / name).is_file()]
    manifest = yaml.safe_load((book / "rulebook.yaml").read_text(encoding="utf-8"))
    out += [(book / name, "rulebook-rules.schema.json") for name in manifest["rule_files"]]
    out += [(path, "rulebook-tests.schema.json") for path in sorted((book / "tests").glob("*.yaml"))]
    return out


# --- the schemas themselves ---------------------------------------------------------------------


def test_the_input_schemas_are_there():
    names = set(SCHEMA_FILES)
    assert {"scenario.schema.json", "captable.schema.json", "rulebook.schema.json"} <= names
    assert set(NAMED_FILES.values()) | {"rulebook-rules.schema.json", "rulebook-tests.schema.json"} <= names
    assert (SCHEMAS / "README.md").is_file()


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_each_schema_is_a_valid_draft_2020_12_schema_whose_refs_resolve(name):
    schema = SCHEMA_FILES[name]
    assert schema["$schema"] == DRAFT
    assert "$id" not in schema  # refs resolve against the file itself, so an editor reads the sibling files
    Draft202012Validator.check_schema(schema)
    resolver = REGISTRY.resolver(base_uri=name)
    for ref in set(_refs(schema)):
        resolver.lookup(ref)  # raises if the file or the pointer is not there
        assert not ref.startswith(("http:", "https:", "/")), ref  # relative: no network, no absolute path


BOOK_FILES = [(book, name) for book in BOOKS for name in ("scenario.schema.json", "captable.schema.json")]


@pytest.mark.parametrize("book, name", BOOK_FILES, ids=[f"{b}/{n}" for b, n in BOOK_FILES])
def test_each_rulebook_schema_is_valid_and_refers_only_to_its_sibling(book, name):
    assert set(BOOK_SCHEMAS[book]) == {"scenario.schema.json", "captable.schema.json"}
    schema = BOOK_SCHEMAS[book][name]
    assert schema["$schema"] == DRAFT and "$id" not in schema
    assert book in schema["title"]
    Draft202012Validator.check_schema(schema)
    resolver = BOOK_REGISTRIES[book].resolver(base_uri=name)
    for ref in set(_refs(schema)):
        resolver.lookup(ref)
        assert ref.startswith("#") or ref.split("#")[0] in ("scenario.schema.json", "captable.schema.json"), ref


@pytest.mark.parametrize("book", BOOKS)
def test_the_rulebooks_schemas_are_current(book, capsys):
    """What `python -m clausewise.input_schema rules/<book>` checks: the files are what it writes."""
    assert input_schema.main([str(RULES / book)]) == 0, capsys.readouterr().err
    loaded = load_rulebook(RULES / book, check_quotes=False)
    for name, schema in input_schema.schemas(loaded).items():
        assert (RULES / book / "schemas" / name).read_text(encoding="utf-8") == input_schema.render(schema)


def test_the_check_mode_names_a_stale_or_missing_schema_and_write_mends_it(tmp_path, capsys):
    folder = tmp_path / "kestrel-2021"
    shutil.copytree(RULES / "kestrel-2021", folder)
    stale = folder / "schemas" / "scenario.schema.json"
    stale.write_text(stale.read_text(encoding="utf-8").replace('"equity_issuance"', '"equity_issuanse"'),
                     encoding="utf-8")
    missing = folder / "schemas" / "captable.schema.json"
    missing.unlink()
    capsys.readouterr()
    assert input_schema.main([str(folder)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{stale}: out of date (python -m clausewise.input_schema {folder} --write)",
        f"{missing}: missing (python -m clausewise.input_schema {folder} --write)"]
    assert input_schema.main([str(folder), "--write"]) == 0
    assert input_schema.main([str(folder)]) == 0
    for path in (stale, missing):
        assert path.read_bytes() == (RULES / "kestrel-2021" / "schemas" / path.name).read_bytes()


def test_the_generator_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "clausewise.input_schema", str(RULES / "kestrel-2021")],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("up to date")


def test_lint_reads_a_rulebook_with_its_schemas_folder():
    """rules/<rulebook>/schemas/*.json are not rulebook files: lint reads the folder as before."""
    assert sorted(p.name for p in (RULES / "kestrel-2021" / "schemas").iterdir()) == [
        "captable.schema.json", "scenario.schema.json"]
    result = run("lint", str(RULES / "kestrel-2021"))
    assert result.returncode == 0, result.stderr
    assert ": ok: " in result.stdout


# --- the general schemas are general --------------------------------------------------------------


def test_the_general_schemas_name_no_deal():
    """No deal's words (tests/test_engine_general.py's list, and the words of the bundled rulebooks'
    party names) in any general schema, descriptions and examples included."""
    names = re.compile(r"\b(" + "|".join(sorted(party_words())) + r")\b", re.IGNORECASE)
    files = sorted(path for path in SCHEMAS.glob("*") if path.is_file())
    assert {"scenario.schema.json", "captable.schema.json", "README.md"} <= {path.name for path in files}
    hits = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
            for path in files for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if DEAL_WORDS.search(line) or names.search(line)]
    assert hits == []


def test_the_general_scenario_schema_takes_what_any_rulebook_may_declare():
    """Another rulebook's action kinds, fields, party attributes, groups and securities."""
    data = sample_scenario()
    data["action"] = {"kind": "senior_issuance", "senior": True, "terms": {"rank": "senior"}}
    data["vote"] = {"votes": {"any_group": "for"}}
    data["acting_as_group"] = [["any_group", "another_group"]]
    assert errors(SCENARIO, data) == []
    data["action"] = {"kind": "transfer", "from": "Holder", "security": "any_security", "quantity": 5,
                      "to": {"name": "Newco", "group": "any_group", "competitor": True}, "joinder": True}
    assert errors(SCENARIO, data) == []
    data["action"]["Joinder"] = True  # not a name a rulebook can give a field
    assert one(errors(SCENARIO, data), ["action"], "pattern").instance == "Joinder"


def test_the_readme_maps_every_schema_file():
    readme = (SCHEMAS / "README.md").read_text(encoding="utf-8")
    for name in SCHEMA_FILES:
        if name != "rulebook.schema.json":
            assert f"`{name}`" in readme, name


# --- every bundled input validates --------------------------------------------------------------


@pytest.mark.parametrize("path, schema", inputs(), ids=[str(p.relative_to(ROOT)) for p, _ in inputs()])
def test_every_bundled_input_validates_against_its_schema(path, schema):
    found = errors(schema, read(path))
    assert not found, f"{path.relative_to(ROOT)} against {schema}:\n{shown(found)}"


@pytest.mark.parametrize("path, schema, book", book_inputs(),
                         ids=[str(p.relative_to(ROOT)) for p, _, _ in book_inputs()])
def test_every_scenario_and_cap_table_validates_against_its_rulebooks_schema(path, schema, book):
    found = errors(schema, read(path), book)
    assert not found, f"{path.relative_to(ROOT)} against rules/{book}/schemas/{schema}:\n{shown(found)}"


@pytest.mark.parametrize("book", BOOKS)
def test_every_yaml_file_of_a_bundled_rulebook_has_a_schema(book):
    folder_ = RULES / book
    covered = {path for path, _ in rulebook_files(folder_)}
    for sub in ("scenarios", "captables"):
        covered |= set((folder_ / sub).glob("*.yaml"))
    every = {p for p in folder_.rglob("*.yaml")}
    assert every - covered == set()


# --- broken inputs are rejected where the mistake is --------------------------------------------


def one(found: list, path: list, validator_name: str):
    """The error at `path` by `validator_name` (there must be one)."""
    hits = [e for e in found if list(e.absolute_path) == path and e.validator == validator_name]
    assert hits, f"no {validator_name} error at {path}; found:\n{shown(found)}"
    return hits[0]


def sample_scenario() -> dict:
    return read(RULES / "icg-2000" / "scenarios" / "liberty-buys-2m-2003.yaml")


ICG = "icg-2000"


def test_an_unknown_key_in_a_scenario_action_is_rejected_by_the_rulebooks_schema():
    data = sample_scenario()
    assert errors(SCENARIO, data, ICG) == []
    data["action"]["price"] = 12.5
    found = errors(SCENARIO, data, ICG)
    assert "'price' was unexpected" in one(found, ["action"], "additionalProperties").message
    assert len(found) == 1
    assert errors(SCENARIO, data) == []  # the general schema: another rulebook may declare a field `price`


def test_a_misspelled_key_of_a_corporate_action_field_is_rejected_inside_it():
    data = read(RULES / "icg-2000" / "scenarios" / "approval-merger-qt-delaware-llc.yaml")
    data["action"]["resulting_entity"]["jurisdicton"] = data["action"]["resulting_entity"].pop("jurisdiction")
    found = errors(SCENARIO, data, ICG)
    assert "'jurisdicton' was unexpected" in one(found, ["action", "resulting_entity"], "additionalProperties").message


def test_a_wrong_value_of_a_declared_field_is_rejected_at_it():
    data = read(RULES / "icg-2000" / "scenarios" / "approval-merger-qt-delaware-llc.yaml")
    data["action"]["resulting_entity"]["form"] = "limited_company"
    found = errors(SCENARIO, data, ICG)
    assert one(found, ["action", "resulting_entity", "form"], "enum").instance == "limited_company"
    data = read(RULES / "icg-2000" / "scenarios" / "approval-merger-qt-delaware-llc.yaml")
    data["action"]["company_survives"] = "yes"
    one(errors(SCENARIO, data, ICG), ["action", "company_survives"], "type")


def test_a_wrong_action_kind_is_rejected():
    data = sample_scenario()
    data["action"]["kind"] = "purchse"
    found = errors(SCENARIO, data, ICG)
    assert one(found, ["action", "kind"], "enum").instance == "purchse"
    assert len(found) == 1


def test_an_engine_kind_the_rulebook_does_not_declare_is_rejected():
    """kestrel-2021 declares no conversion or exercise: its loader refuses them, and so does its schema."""
    data = read(RULES / "kestrel-2021" / "scenarios" / sorted(p.name for p in (RULES / "kestrel-2021" / "scenarios")
                                                              .glob("*.yaml"))[0])
    data["action"] = {"kind": "exercise", "holder": "Any Holder", "quantity": 1}
    assert one(errors(SCENARIO, data, "kestrel-2021"), ["action", "kind"], "enum").instance == "exercise"
    assert errors(SCENARIO, data) == []


def test_an_unknown_group_security_or_party_attribute_is_rejected_in_a_scenario():
    data = sample_scenario()
    data["action"]["buyer"] = {"name": "Newco LLC", "group": "libery"}
    assert one(errors(SCENARIO, data, ICG), ["action", "buyer", "group"], "enum").instance == "libery"
    data["action"]["buyer"] = {"name": "Newco LLC", "group": "none", "purchaser_afiliate": True}
    assert "'purchaser_afiliate' was unexpected" in one(errors(SCENARIO, data, ICG), ["action", "buyer"],
                                                        "additionalProperties").message
    data = sample_scenario()
    data["acting_as_group"] = [["liberty", "hmtff"]]
    one(errors(SCENARIO, data, ICG), ["acting_as_group", 0, 1], "enum")
    data = sample_scenario()
    data["action"] = {"kind": "conversion", "holder": "Liberty Media Corporation", "security": "series_a4",
                      "quantity": 10}
    one(errors(SCENARIO, data, ICG), ["action", "security"], "enum")
    data["instruments"] = {"warant": "in_force"}
    assert "'warant' was unexpected" in one(errors(SCENARIO, data, ICG), ["instruments"],
                                            "additionalProperties").message


def test_a_cap_table_holder_with_a_negative_share_count_is_rejected():
    table = read(RULES / "icg-2000" / "captables" / "closing.yaml")
    for book in (None, ICG):
        assert errors(CAPTABLE, table, book) == []
        broken = copy.deepcopy(table)
        broken["holders"][0]["series_a1"] = -50000
        found = errors(CAPTABLE, broken, book)
        assert one(found, ["holders", 0, "series_a1"], "minimum").instance == -50000
        assert len(found) == 1


def test_a_cap_table_holder_in_an_unknown_group_or_with_an_unknown_series_is_rejected():
    table = read(RULES / "icg-2000" / "captables" / "closing.yaml")
    table["holders"][0]["group"] = "libertty"
    found = errors(CAPTABLE, table, ICG)
    assert one(found, ["holders", 0, "group"], "enum").instance == "libertty"
    assert len(found) == 1
    assert errors(CAPTABLE, table) == []  # the general schema knows no rulebook's groups
    table = read(RULES / "icg-2000" / "captables" / "closing.yaml")
    table["holders"][0]["series_a4"] = 10
    assert "'series_a4' was unexpected" in one(errors(CAPTABLE, table, ICG), ["holders", 0],
                                               "additionalProperties").message


def test_a_history_names_the_rulebooks_term_events_with_their_fields():
    table = read(RULES / "icg-2000" / "captables" / "closing.yaml")
    table["history"] = [{"date": "2003-01-02", "kind": "change_of_control", "offer_mailed": "none"}]
    assert errors(CAPTABLE, table, ICG) == []
    table["history"][0].pop("offer_mailed")
    one(errors(CAPTABLE, table, ICG), ["history", 0], "required")
    table["history"][0]["kind"] = "chnage_of_control"
    one(errors(CAPTABLE, table, ICG), ["history", 0, "kind"], "enum")


def test_an_inline_cap_table_without_a_file_states_it_in_full():
    for book in (None, ICG):
        data = sample_scenario()
        data["cap_table"] = {"holders": [{"name": "Liberty Media Corporation", "series_a1": 50000}]}
        found = errors(SCENARIO, data, book)
        one(found, ["cap_table"], "required")  # common_outstanding
        one(found, ["cap_table", "holders", 0], "required")  # group
        data["cap_table"] = {"file": "../captables/closing.yaml",
                             "holders": [{"name": "Liberty Media Corporation", "series_a1": 40000}]}
        assert errors(SCENARIO, data, book) == []


def test_a_terminated_instrument_needs_its_date_and_one_in_force_has_none():
    for book in (None, ICG):
        data = sample_scenario()
        data["instruments"] = {"warrant": {"status": "terminated"}}
        one(errors(SCENARIO, data, book), ["instruments", "warrant"], "required")
        data["instruments"] = {"warrant": {"status": "in_force", "from": "2002-01-01"}}
        assert errors(SCENARIO, data, book)
        data["instruments"] = {"warrant": {"status": "cancelled", "from": "2002-10-10"},
                               "purchase-agreement": "in_force"}
        assert errors(SCENARIO, data, book) == []


def test_a_date_must_be_a_date():
    for book in (None, ICG):
        data = sample_scenario()
        data["as_of"] = "June 2, 2003"
        one(errors(SCENARIO, data, book), ["as_of"], "pattern")


def test_another_rulebooks_schema_has_its_own_kinds_fields_and_groups(tmp_path, capsys):
    """The generator is general: the invented deal of tests/test_engine_general.py, written as YAML
    only, gets a schema with its own action kind (senior_issuance), field and group."""
    folder = tmp_path / "common-investment"
    folder.mkdir()
    for name, text in SECOND_DEAL.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    (folder / "documents").mkdir()
    shutil.copy(RULES / "icg-2000" / "documents" / WARRANT_TEXT, folder / "documents" / WARRANT_TEXT)
    assert input_schema.main([str(folder), "--write"]) == 0
    files = load_schemas(folder / "schemas")
    check = Draft202012Validator(files[SCENARIO], registry=registry(files), format_checker=FormatChecker())
    kinds = at(files[SCENARIO], "/$defs/action/properties/kind")["enum"]
    assert kinds == ["purchase", "transfer", "senior_issuance"]
    data = {"name": "x", "as_of": "2021-06-01", "cap_table": "cap.yaml", "action": {"kind": "senior_issuance",
                                                                                      "senior": True}}
    assert list(check.iter_errors(data)) == []
    data["action"]["senior"] = "yes"
    one(list(check.iter_errors(data)), ["action", "senior"], "type")
    data["action"] = {"kind": "transfer", "from": "Investor LP", "security": "common", "quantity": 5,
                      "to": {"name": "Rival Inc", "group": "investor", "competitor": True}}
    assert list(check.iter_errors(data)) == []
    data["action"]["to"]["group"] = "liberty"
    one(list(check.iter_errors(data)), ["action", "to", "group"], "enum")
    label = at(files[SCENARIO], "/$defs/party/properties/competitor")["description"]
    assert label.startswith("A Competitor of the Company")


# --- the editor header ----------------------------------------------------------------------------

HEADED = sorted(RULES.glob("*/scenarios/*.yaml")) + sorted(RULES.glob("*/captables/*.yaml"))


@pytest.mark.parametrize("path", HEADED, ids=[str(p.relative_to(ROOT)) for p in HEADED])
def test_every_scenario_and_cap_table_names_its_rulebooks_schema_on_its_first_line(path):
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    schema = "scenario.schema.json" if path.parent.name == "scenarios" else "captable.schema.json"
    assert first == f"{HEADER}../schemas/{schema}", path
    target = (path.parent / first[len(HEADER):]).resolve()
    assert target == (path.parent.parent / "schemas" / schema).resolve() and target.is_file()


# --- the schemas say what the loader accepts ---------------------------------------------------------


def at(schema: dict, pointer: str) -> dict:
    node: Any = schema
    for part in filter(None, pointer.split("/")):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def keys(name: str, pointer: str) -> set:
    return set(at(SCHEMA_FILES[name], pointer)["properties"])


KEYS = [
    (SCENARIO, "/", sc.SCENARIO_KEYS),
    (SCENARIO, "/$defs/vote", sc.VOTE_KEYS),
    (SCENARIO, "/$defs/board", sc.BOARD_KEYS),
    (SCENARIO, "/$defs/director", sc.DIRECTOR_KEYS),
    (SCENARIO, "/$defs/inTestCase", sc.SCENARIO_KEYS),
    (CAPTABLE, "/", sc.CAP_TABLE_KEYS),
    (CAPTABLE, "/$defs/inScenario", ("file",) + sc.CAP_TABLE_KEYS),
    (CAPTABLE, "/$defs/instrumentStatus", sc.INSTRUMENT_KEYS),
    (CAPTABLE, "/$defs/convertible", capital.CONVERTIBLE_KEYS),
    *[(CAPTABLE, f"/$defs/event.{kind}", event_keys) for kind, event_keys in sc.EVENT_KEYS.items()],
    (RULEBOOK, "/$defs/manifest", rb.MANIFEST_KEYS),
    (RULEBOOK, "/$defs/position", rb.POSITION_KEYS),
    (RULEBOOK, "/$defs/positionEntry", rb.POSITION_ENTRY_KEYS),
    (RULEBOOK, "/$defs/position/properties/columns/items", rb.COLUMN_KEYS),
    (RULEBOOK, "/$defs/position/properties/headroom", rb.HEADROOM_KEYS),
    (RULEBOOK, "/$defs/position/properties/seat_rights/items", rb.SEAT_RIGHT_KEYS),
    (RULEBOOK, "/$defs/position/properties/events/items", rb.POSITION_EVENT_KEYS),
    (RULEBOOK, "/$defs/rule", rb.RULE_KEYS),
    (RULEBOOK, "/$defs/rule/properties/in_force", rb.IN_FORCE_KEYS),
    (RULEBOOK, "/$defs/rule/properties/applies_to", rb.APPLIES_KEYS),
    (RULEBOOK, "/$defs/rule/properties/unless/items", rb.EXCEPTION_KEYS),
    (RULEBOOK, "/$defs/rule/properties/approval", rb.APPROVAL_KEYS),
    (RULEBOOK, "/$defs/version", rb.VERSION_KEYS),
    (RULEBOOK, "/$defs/definitionVersion", rb.DEFINITION_VERSION_KEYS),
    (RULEBOOK, "/$defs/citation", rb.SOURCE_KEYS),
    (RULEBOOK, "/$defs/definition", rb.DEFINITION_KEYS),
    (RULEBOOK, "/$defs/assumption", rb.ASSUMPTION_KEYS),
    (RULEBOOK, "/$defs/document", rb.DOCUMENT_KEYS),
    (RULEBOOK, "/$defs/declined", rb.DECLINED_KEYS),
    (RULEBOOK, "/$defs/factsFile", rb.FACTS_FILE_KEYS),
    (RULEBOOK, "/$defs/fact", rb.FACT_KEYS),
    (RULEBOOK, "/$defs/factFrom", rb.FROM_KEYS),
    (RULEBOOK, "/$defs/partyAttribute", rb.ATTRIBUTE_KEYS),
    (RULEBOOK, "/$defs/constraint", rb.CONSTRAINT_KEYS),
    (RULEBOOK, "/$defs/parametersFile", rb.PARAMETER_FILE_KEYS),
    (RULEBOOK, "/$defs/parameter", rb.PARAMETER_KEYS),
    (RULEBOOK, "/$defs/parameterValue", rb.PARAMETER_VALUE_KEYS),
    (RULEBOOK, "/$defs/security", rb.SECURITY_KEYS),
    (RULEBOOK, "/$defs/security/properties/on_transfer_outside_group", rb.TRANSFER_CONVERSION_KEYS),
    (RULEBOOK, "/$defs/securityClass", rb.CLASS_KEYS),
    (RULEBOOK, "/$defs/group", rb.GROUP_KEYS),
    (RULEBOOK, "/$defs/instrumentEvent", rb.EVENT_KEYS),
    (RULEBOOK, "/$defs/termEvent", rb.TERM_EVENT_KEYS),
    (RULEBOOK, "/$defs/termEffect", rb.TERM_EFFECT_KEYS),
]


@pytest.mark.parametrize("name, pointer, expected", KEYS, ids=[f"{n}#{p}" for n, p, _ in KEYS])
def test_the_schema_takes_the_keys_the_loader_takes(name, pointer, expected):
    assert keys(name, pointer) == set(expected)


def test_a_conversion_and_an_exercise_take_the_engines_keys_and_any_the_rulebook_declares():
    # The general schema: the engine's keys, and any further word-key a rulebook declares for the
    # kind (a rulebook's own schema closes it on the fields it declares).
    for kind in ("conversion", "exercise"):
        node = at(SCHEMA_FILES[SCENARIO], f"/$defs/action.{kind}")
        assert set(node["properties"]) == set(capital.ACTION_KEYS[kind])
        assert node["additionalProperties"] == {"$ref": "#/$defs/rulebookField"}


def test_the_closed_mappings_are_closed_where_the_loader_rejects_unknown_keys():
    for name, pointer, _ in KEYS:
        assert at(SCHEMA_FILES[name], pointer).get("additionalProperties") is False, (name, pointer)


def test_required_keys_are_the_loaders():
    assert set(SCHEMA_FILES[SCENARIO]["required"]) == {"name", "as_of", "cap_table", "action"}
    assert set(SCHEMA_FILES[CAPTABLE]["required"]) == {"common_outstanding", "holders"}
    assert set(at(SCHEMA_FILES[RULEBOOK], "/$defs/parametersFile")["required"]) == set(rb.PARAMETER_FILE_REQUIRED)
    for kind, required in sc.ACTION_REQUIRED.items():
        assert set(at(SCHEMA_FILES[SCENARIO], f"/$defs/action.{kind}")["required"]) == {"kind", *required}
    for kind, event_keys in sc.EVENT_KEYS.items():
        optional = sc.EVENT_OPTIONAL.get(kind, ())
        assert set(at(SCHEMA_FILES[CAPTABLE], f"/$defs/event.{kind}")["required"]) == {
            k for k in event_keys if k not in optional}


def enum_at(name: str, pointer: str) -> list:
    return at(SCHEMA_FILES[name], pointer)["enum"]


ENUMS = [
    (SCENARIO, "/$defs/action.purchase/properties/basis", sc.BASES),
    (SCENARIO, "/$defs/action.exercise/properties/method", capital.EXERCISE_METHODS),
    (SCENARIO, "/$defs/vote/properties/by", ("group", "holder")),
    (SCENARIO, "/$defs/vote/properties/votes/additionalProperties", VOTE_CHOICES),
    (CAPTABLE, "/$defs/instrumentStatus/properties/status", INSTRUMENT_STATUSES),
    (CAPTABLE, "/$defs/event.exercise/properties/method", sc.EXERCISE_METHODS),
    (CAPTABLE, "/$defs/convertible/properties/kind", capital.CONVERTIBLE_KINDS),
    (CAPTABLE, "/$defs/convertible/properties/fractions", capital.FRACTIONS),
    (RULEBOOK, "/$defs/rule/properties/outcome", rb.OUTCOMES),
    (RULEBOOK, "/$defs/rule/properties/otherwise", rb.OTHERWISE),
    (RULEBOOK, "/$defs/factTest/properties/op", OPERATORS),
    (RULEBOOK, "/$defs/fact/properties/type", FACT_TYPES),
    (RULEBOOK, "/$defs/fact/properties/values_from/items", VALUE_SOURCES),
    (RULEBOOK, "/$defs/factFrom/properties/party", PARTY_ROLES),
    (RULEBOOK, "/$defs/measure", tuple(MEASURES)),
    (RULEBOOK, "/$defs/termEvent/properties/fields/additionalProperties", rb.TERM_FIELD_TYPES),
    (RULEBOOK, "/$defs/position/properties/columns/items/properties/format", rb.COLUMN_FORMATS),
    (RULEBOOK, "/$defs/positionEntry/properties/show/anyOf/0", rb.SHOW_FIELDS),
    (RULEBOOK, "/$defs/checkCase/properties/expect/additionalProperties/anyOf/0", folder.OUTCOMES),
    (RULEBOOK, "/$defs/testsFile/else/propertyNames", folder.VERBS),
]


@pytest.mark.parametrize("name, pointer, expected", ENUMS, ids=[f"{n}#{p}" for n, p, _ in ENUMS])
def test_the_engines_fixed_words_are_enums_of_the_schema(name, pointer, expected):
    assert enum_at(name, pointer) == list(expected)


def test_the_patterns_are_the_loaders():
    book = SCHEMA_FILES[RULEBOOK]
    assert at(book, "/$defs/rule/properties/approval/properties/threshold")["pattern"] == rb.THRESHOLD.pattern
    assert at(book, "/$defs/factsFile/properties/facts/propertyNames")["pattern"] == rb.FACT_NAME.pattern
    assert at(SCHEMA_FILES[SCENARIO], "/$defs/shares1")["maximum"] == sc.MAX_SHARES


def test_each_measure_takes_its_params():
    book = SCHEMA_FILES[RULEBOOK]
    for name, measure in MEASURES.items():
        assert keys(RULEBOOK, f"/$defs/params.{name}") == set(measure.params), name
        assert at(book, f"/$defs/params.{name}")["additionalProperties"] is False


def test_the_parameters_the_arithmetic_reads_are_typed():
    typed = at(SCHEMA_FILES[RULEBOOK], "/$defs/parametersFile/properties/parameters/properties")
    assert set(typed) == set(rb.PARAMETER_TYPES)


@pytest.fixture(scope="module")
def rulebooks():
    """Every rulebook folder under rules/, loaded, by id."""
    return {path.parent.name: load_rulebook(path.parent, check_quotes=False)
            for path in sorted(RULES.glob("*/rulebook.yaml"))}


ENGINE_KINDS = TRADE_KINDS + CAPITAL_KINDS


def test_the_general_action_kinds_are_the_engines_and_any_other_word():
    kind = at(SCHEMA_FILES[SCENARIO], "/$defs/action/properties/kind")
    assert kind["anyOf"][0]["enum"] == list(ENGINE_KINDS)
    assert kind["anyOf"][1] == {"$ref": "#/$defs/text"}
    for name in ENGINE_KINDS:
        assert f"action.{name}" in SCHEMA_FILES[SCENARIO]["$defs"], name


@pytest.mark.parametrize("book", BOOKS)
def test_a_rulebooks_action_kinds_are_those_it_declares(rulebooks, book):
    schema = BOOK_SCHEMAS[book][SCENARIO]
    kinds = at(schema, "/$defs/action/properties/kind")["enum"]
    assert kinds == list(rulebooks[book].action_kinds)
    assert {name[len("action."):] for name in schema["$defs"] if name.startswith("action.")} == (
        set(kinds) | ({"companyBuysFromHolder"} if "purchase" in kinds else set()))


def declared_fields(book, kind: str) -> dict[str, set]:
    """The fields a rulebook declares for an action kind: head -> the parts of a dotted field."""
    fields: dict[str, set] = {}
    for spec in book.facts.values():
        if spec.key and kind in spec.kinds:
            head, _, tail = spec.key.partition(".")
            fields.setdefault(head, set()).update({tail} if tail else set())
    return fields


@pytest.mark.parametrize("book", BOOKS)
def test_each_action_kind_takes_the_fields_the_rulebook_declares_for_it(rulebooks, book):
    """An action's keys: the engine's own and, for each fact the rulebook states `from: {field,
    kinds}`, the field (a dotted field is a mapping of its parts); each labelled and closed."""
    schema = BOOK_SCHEMAS[book][SCENARIO]
    for kind in rulebooks[book].action_kinds:
        fields = declared_fields(rulebooks[book], kind)
        own = capital.ACTION_KEYS.get(kind) or sc.ACTION_KEYS.get(kind) or ("kind",)
        pointer = f"/$defs/action.{kind}"
        node = at(schema, pointer)
        assert set(node["properties"]) == set(own) | set(fields), kind
        if kind in CAPITAL_KINDS and fields:  # a conversion or exercise takes the rulebook's own fields too
            assert all(f"facts.yaml: " in node["properties"][head]["description"] for head in fields), kind
        assert node["additionalProperties"] is False, kind
        for head, tails in fields.items():
            if tails:
                assert set(at(schema, f"{pointer}/properties/{head}")["properties"]) == tails, (kind, head)
    for spec in rulebooks[book].facts.values():
        if spec.key and spec.kinds[0] not in CAPITAL_KINDS:
            head, _, tail = spec.key.partition(".")
            node = at(schema, f"/$defs/action.{spec.kinds[0]}/properties/{head}")
            node = node["properties"][tail] if tail else node
            assert f"facts.yaml: " in node["description"] and spec.name in node["description"], spec.name


@pytest.mark.parametrize("book", BOOKS)
def test_a_party_takes_the_attributes_and_groups_the_rulebook_declares(rulebooks, book):
    loaded = rulebooks[book]
    party = at(BOOK_SCHEMAS[book][SCENARIO], "/$defs/party")
    assert set(party["properties"]) == {"name", "group"} | set(loaded.party_attributes)
    assert party["additionalProperties"] is False
    assert party["properties"]["group"]["enum"] == [*loaded.groups, "none", "company"]
    general = at(SCHEMA_FILES[SCENARIO], "/$defs/party")
    assert set(general["properties"]) == {"name", "group"}
    assert isinstance(general["additionalProperties"], dict)  # any attribute another rulebook may declare


@pytest.mark.parametrize("book", BOOKS)
def test_a_rulebooks_cap_table_names_its_groups_securities_documents_and_term_events(rulebooks, book):
    loaded = rulebooks[book]
    schema = BOOK_SCHEMAS[book][CAPTABLE]
    preferred = [s for s, spec in loaded.securities.items() if spec.get("class") == "preferred"]
    holder = at(schema, "/$defs/holder")
    assert set(holder["properties"]) == {"name", "group", "common", "warrants", "permitted_transferee_agreement",
                                         "convertibles", *preferred}
    assert holder["additionalProperties"] is False
    assert holder["properties"]["group"]["enum"] == [*loaded.groups, "none", "company"]
    assert set(at(schema, "/$defs/instruments")["properties"]) == set(loaded.documents)
    assert set(schema["properties"]) == set(sc.cap_table_keys(loaded))
    kinds = at(schema, "/$defs/historyEvent/properties/kind")["enum"]
    assert kinds == [*sc.EVENT_KEYS, *loaded.term_events]
    for event_id, spec in loaded.term_events.items():
        assert set(keys_of(schema, f"/$defs/event.{event_id}")) == {"date", "kind", *(f for f, _ in spec.fields)}


def keys_of(schema: dict, pointer: str) -> set:
    return set(at(schema, pointer)["properties"])


def test_a_company_buying_from_a_holder_is_read_as_the_holders_transfer():
    """The loader reads `kind: purchase, buyer: company, seller: <holder>` as a transfer, so it
    takes the transfer's keys (pledge_in_bona_fide_financing, the Company-only fields)."""
    data = sample_scenario()
    data["action"] = {"kind": "purchase", "buyer": "company", "seller": "Liberty Media Corporation",
                      "security": "series_a1", "quantity": 1000, "basis": "exempt",
                      "pledge_in_bona_fide_financing": False, "company_offer": "none"}
    assert errors(SCENARIO, data, ICG) == []
    assert errors(SCENARIO, data) == []
    data["action"]["seller"] = "market"
    found = errors(SCENARIO, data, ICG)
    assert "'pledge_in_bona_fide_financing'" in one(found, ["action"], "additionalProperties").message
    for schema in (SCHEMA_FILES[SCENARIO], BOOK_SCHEMAS[ICG][SCENARIO]):
        expected = {{"to": "buyer", "from": "seller"}.get(k, k) for k in keys_of(schema, "/$defs/action.transfer")}
        assert keys_of(schema, "/$defs/action.companyBuysFromHolder") == expected


def test_a_purchase_in_the_market_states_no_facts_of_a_holders_disposition():
    for book in (None, ICG):
        data = sample_scenario()
        data["action"]["basis"] = "exempt"
        assert errors(SCENARIO, data, book)
        data["action"]["seller"] = "HMTF Bridge ICG, LLC"
        assert errors(SCENARIO, data, book) == []


@pytest.mark.parametrize("book", BOOKS)
def test_a_test_cases_scenario_is_checked_as_a_scenario(book):
    """A YAML case's `scenario` is checked by the scenario schema (a misspelt key is refused in it)."""
    for path, schema in rulebook_files(RULES / book):
        if schema != "rulebook-tests.schema.json":
            continue
        data = read(path)
        cases = data if isinstance(data, list) else []
        for case in cases:
            broken = copy.deepcopy(case)
            broken["scenario"]["actoin"] = broken["scenario"].pop("action")
            found = errors(schema, [broken])
            one(found, [0, "scenario"], "additionalProperties")
            break
