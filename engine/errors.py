"""One exception hierarchy for bad input; every problem names file:line, category and field."""

from __future__ import annotations

import difflib
import os
import re
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
        file = self.file if len(self.file) <= 4 * EXCERPT_PATH else excerpt(self.file, EXCERPT_PATH)
        where = f"{file}:{self.line}" if self.line else file
        return one_line(f"{where}: {self.category}: {self.message}")


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
    word = str(word)
    if len(word) > 4 * EXCERPT:  # no choice is that long: not a misspelling, and slow to compare
        return ""
    match = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
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


# An error message quotes at most this many characters of a value from an input (a file's text
# read as a scenario, a name of a megabyte, a command-line argument): enough to recognise it,
# never the whole of it.
EXCERPT = 60
EXCERPT_PATH = 250  # a path named as a problem's file: cut (to this) only when it is four times longer


def excerpt(text, most: int = EXCERPT) -> str:
    """`text` as an error message may quote it: on one line (line breaks, tabs and other control
    characters written as escapes) and at most `most` characters, a longer one cut with "...".
    """
    text = str(text)
    cut = len(text) > most
    text = text[:most]
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)[:most]
    return text + "..." if cut else text


def one_line(text: str) -> str:
    """A message as one line of output: any line break or other control character in it escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def shown(value) -> str:
    """A value from an input file as an error message quotes it: true/false, numbers as written,
    text quoted (at most EXCERPT characters of it), and otherwise what kind of thing it is."""
    from decimal import Decimal

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        if isinstance(value, int) and abs(value) >= 10**EXCERPT:  # str() of a huge int is slow, or refused
            return f"a number of more than {EXCERPT} digits"
        return excerpt(str(value))
    if isinstance(value, str):
        return repr(value[:EXCERPT]) + ("..." if len(value) > EXCERPT else "")
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


# --- what a problem is about, read from its message: the command line's JSON and the server's ---------

# The key or argument named at the head of a message: "cap_table.file: ...", "as_of: ...",
# "argument --format: ...".
FIELD = re.compile(r"^(?:[a-z]+ )?(--?[a-z][\w-]*|[A-Za-z_][\w\-\[\]]*(?:\.[\w\-\[\]]+)+|[a-z]+_[\w]+):\s")
# The likely intended value a message offers (did_you_mean's words).
SUGGESTION = re.compile(r"\(did you mean '([^']+)'\?\)")
_ARGUMENT = re.compile(r"argument (--?[\w-]+|[A-Z]+)")
_YAML_KEY = re.compile(r"^\s*(?:-\s+)?([\w.-]+)\s*:")


def problem_field(problem: Problem) -> str | None:
    """The key or argument a problem is about: named at the head of its message ("cap_table.file:
    ..."), named by argparse ("argument --format: ..."), or the key on the problem's line."""
    if problem.file.startswith("-"):  # a problem with an argument's value: the argument is the field
        return problem.file
    if problem.category == "bad-argument":
        found = _ARGUMENT.search(problem.message) or FIELD.match(problem.message)
        return found.group(1) if found else None
    found = FIELD.match(problem.message)
    if found:
        return found.group(1)
    if problem.line and os.path.isfile(problem.file):  # a regular file: never a pipe, which would wait
        try:
            with open(problem.file, encoding="utf-8") as handle:
                for number, text in enumerate(handle, 1):
                    if number == problem.line:
                        key = _YAML_KEY.match(text)
                        return key.group(1) if key else None
        except (OSError, UnicodeDecodeError):
            return None
    return None
