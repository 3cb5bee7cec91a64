"""Where the rulebooks, report templates and samples are, in a checkout or an installed package."""

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


def contracts_dir() -> Path:
    return samples_dir() / "contracts"


def default_rulebook() -> Path:
    return rules_dir() / "icg-2000"
