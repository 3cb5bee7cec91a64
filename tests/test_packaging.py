"""The built package carries the rulebooks, templates and samples, and finds them when installed."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from deal import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel, unpacked as pip would install it (no network: the build uses this venv's setuptools)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True, text=True, timeout=300)
    wheel = next(out.glob("clausewise-*.whl"))
    site = out / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def run_installed(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(site))
    return subprocess.run([sys.executable, "-m", "clausewise", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def test_the_wheel_holds_rules_templates_samples_and_contracts(installed):
    package = installed / "clausewise"
    assert (package / "rules" / "icg-2000" / "rulebook.yaml").is_file()
    assert (package / "reports" / "findings.md.j2").is_file()
    assert (package / "reports" / "vote.md.j2").is_file()
    for schema in ("check", "vote", "position", "headroom", "error"):
        assert (package / "schemas" / "output" / f"{schema}.schema.json").is_file(), schema
    for memo in ("memo.md.j2", "memo.html.j2", "memo.docx"):
        assert (package / "reports" / memo).is_file(), memo
    assert (package / "samples" / "captables" / "closing.yaml").is_file()
    assert (package / "samples" / "contracts" / "13d-liberty-2000-04-20.txt").is_file()
    # The rulebook folder is self-contained: its documents, cap tables, scenarios and cases.
    folder = package / "rules" / "icg-2000"
    assert (folder / "documents" / "13d-liberty-2000-04-20.txt").is_file()
    assert (folder / "captables" / "closing.yaml").is_file()
    assert (folder / "scenarios" / "liberty-buys-2m-2003.yaml").is_file()
    assert (folder / "tests" / "transfers.yaml").is_file()


def test_installed_position_reads_the_default_cap_table_from_the_rulebook_folder(installed, tmp_path):
    result = run_installed(installed, "position", "--as-of", "2003-06-01", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Positions on 2003-06-01 (48,582,035 Common outstanding)")


def test_installed_command_finds_its_rulebook_outside_a_checkout(installed, tmp_path):
    result = run_installed(installed, "lint", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert str(installed / "clausewise" / "rules" / "icg-2000") in result.stdout
    assert "every quote found verbatim" in result.stdout


def test_installed_check_renders_the_markdown_template(installed, tmp_path):
    scenario = installed / "clausewise" / "samples" / "scenarios" / "liberty-buys-2m-2003.yaml"
    result = run_installed(installed, "check", str(scenario), "--format", "markdown", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("# Liberty buys 2,000,000 shares of Common Stock in the market (June 2003)")
    assert "**Largest permitted quantity:** 1,964,341" in result.stdout


def test_installed_memo_fills_the_installed_word_template(installed, tmp_path):
    scenario = installed / "clausewise" / "rules" / "icg-2000" / "scenarios" / "liberty-buys-2m-2003.yaml"
    result = run_installed(installed, "memo", str(scenario), "--format", "docx", "--out", "memo.docx", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == ""  # a violation, as check says
    assert (tmp_path / "memo.docx").read_bytes().startswith(b"PK")
