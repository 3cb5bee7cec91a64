"""One exception hierarchy for bad input; every problem names file:line, category and field."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file, printed as `file:line: category: message`."""

    file: str
    line: int | None
    category: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.category}: {self.message}"


class ClausewiseError(Exception):
    """Base class of every error the command line reports without a traceback."""


class InputError(ClausewiseError):
    """Bad input (a rule file, a cap table or a scenario): one or more problems, exit code 2."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class EngineError(ClausewiseError):
    """The rule engine misbehaved (an action raised, or outcomes contradict each other)."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ` (did you mean 'x'?)` for the closest choice, or an empty string."""
    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


class ProblemList:
    """Collects problems for one or more files so that all of them are reported together."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, line: int | None, category: str, message: str) -> None:
        self.problems.append(Problem(str(file), line, category, message))

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)


def shown(value) -> str:
    """A value from an input file as an error message quotes it: true/false, numbers as written,
    text quoted, and otherwise what kind of thing it is."""
    from decimal import Decimal

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
