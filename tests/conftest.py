"""Shared fixtures: the bundled rulebook, the closing cap table and a scenario builder."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest

from clausewise.rulebook import load_rulebook
from clausewise.scenario import load_cap_table, scenario_from_dict

ROOT = Path(__file__).resolve().parent.parent
RULEBOOK = ROOT / "rules" / "icg-2000"
CLOSING = RULEBOOK / "captables" / "closing.yaml"
SCENARIOS = RULEBOOK / "scenarios"


@pytest.fixture(scope="session")
def rulebook():
    return load_rulebook(RULEBOOK)


@pytest.fixture(scope="session")
def closing(rulebook):
    return load_cap_table(CLOSING, rulebook)


@pytest.fixture
def make_scenario(rulebook):
    """Build a validated scenario from a dict; `cap_table` defaults to the closing cap table file."""

    def build(data: dict):
        data = copy.deepcopy(data)
        data.setdefault("name", "test scenario")
        data.setdefault("cap_table", str(CLOSING))
        return scenario_from_dict(data, rulebook, file="<test>", base_dir=ROOT)

    return build


@pytest.fixture
def rb(tmp_path: Path) -> Path:
    """A fresh copy of the bundled rulebook folder, for a test to break on purpose."""
    target = tmp_path / "icg-2000"
    shutil.copytree(Path(__file__).resolve().parents[1] / "rules" / "icg-2000", target)
    return target
