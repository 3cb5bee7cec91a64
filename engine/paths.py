"""Where the rulebooks and report templates are, and where a rulebook keeps its own files."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    # Installed: setuptools maps rules/, reports/ and samples/ into the package (pyproject.toml).
    # Checkout: they sit beside engine/.
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    return _PACKAGE.parent / name


def rules_dir() -> Path:
    return _data_dir("rules")


def reports_dir() -> Path:
    return _data_dir("reports")


def samples_dir() -> Path:
    return _data_dir("samples")


def default_rulebook() -> Path:
    """The rulebook folder named by rules/default.yaml (`default: FOLDER`), the one the command
    line uses when none is given; the first folder with a rulebook.yaml if it names none."""
    import yaml

    root = rules_dir()
    try:
        named = (yaml.safe_load((root / "default.yaml").read_text(encoding="utf-8")) or {}).get("default")
    except (OSError, yaml.YAMLError, AttributeError):
        named = None
    if isinstance(named, str) and (root / named / "rulebook.yaml").is_file():
        return root / named
    found = sorted(p.parent for p in root.glob("*/rulebook.yaml"))
    return found[0] if found else root / "default"


# A rulebook folder is self-contained: its documents' text, cap tables, scenarios and YAML test
# cases sit inside it, so every path below is taken from the rulebook folder, never a global one.


def document_path(rulebook_dir: Path, file: str) -> Path:
    """A document's text file: documents.yaml names it relative to the rulebook folder."""
    return Path(rulebook_dir) / file


def captables_dir(rulebook_dir: Path) -> Path:
    return Path(rulebook_dir) / "captables"


def scenarios_dir(rulebook_dir: Path) -> Path:
    return Path(rulebook_dir) / "scenarios"


def cases_dir(rulebook_dir: Path) -> Path:
    """The rulebook's YAML test cases, each named by a sentence."""
    return Path(rulebook_dir) / "tests"


def default_cap_table(rulebook_dir: Path) -> Path:
    """The cap table a scenario without one is checked against: the rulebook's closing table."""
    return captables_dir(rulebook_dir) / "closing.yaml"
