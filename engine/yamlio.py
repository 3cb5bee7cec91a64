"""Safe YAML loading that keeps line numbers and reads decimals exactly."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, Problem, excerpt


class LineDict(dict):
    """A mapping from YAML that remembers the line of each key (1-based) and of itself."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        """Line of `key` if present, else the line where the mapping starts."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence from YAML that remembers its line and the line of each item."""

    line: int = 0
    item_lines: list


# libyaml's parser (yaml.CSafeLoader) is about ten times faster than the pure-Python one and
# gives every node the same marks, so line numbers are kept; without libyaml, the same loader
# falls back to the Python parser.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# Limits on what one YAML file may hold (a scenario, a cap table or a rulebook file): far above
# any real one, well below what would exhaust memory or the stack.
MAX_CHARS = 2_000_000  # characters of text
MAX_DEPTH = 40  # mappings and lists nested in one another
MAX_VALUES = 200_000  # values built, each use of an alias counted again (no "billion laughs")
MAX_DIGITS = 30  # digits of a number as written, and the most its exponent may move the point

# Numbers are read as YAML 1.2 writes them, plain decimal: `2000000`, `-5`, `40.00`, `.5`, `1.5e+3`.
# YAML 1.1 (PyYAML's reading) also takes `1:00:00` as 3600 (base 60), `0x10` as 16, `017` as 15
# (octal), `0b101` as 5 and `1_000` as 1000; a YAML 1.2 reader (an editor's schema check, say) takes
# the first and the last as text and `017` as 17. A share count or an amount that two readers read
# differently, or that reads as a number nobody wrote, is refused on its line rather than guessed:
# digit grouping with `_` included (write 1000000, or quote the text if text is meant).
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE]([-+]?[0-9]+))?")

_RESOLVED: dict[tuple, str] = {}  # (scalar text, implicit flags) -> tag: a pure function, kept once
_RESOLVED_LIMIT = 1 << 16


class _Loader(_Base):
    """A safe loader (libyaml when present) that records line numbers and builds floats as exact Decimals."""

    def resolve(self, kind, value, implicit):  # noqa: D102 - yaml's hook, memoised for scalars
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = _RESOLVED.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(_RESOLVED) < _RESOLVED_LIMIT:
                _RESOLVED[key] = tag
        return tag

    def descend_resolver(self, current_node, current_index):  # noqa: D102 - yaml's hook
        if self.yaml_path_resolvers:  # none are registered for the safe loader: skip the walk
            super().descend_resolver(current_node, current_index)

    def ascend_resolver(self):  # noqa: D102 - yaml's hook
        if self.yaml_path_resolvers:
            super().ascend_resolver()

    def get_single_data(self):  # noqa: D102 - yaml's hook
        node = self.get_single_node()
        return None if node is None else _Builder(self).build(node)


class _Builder:
    """Python objects from composed YAML nodes, as the constructors below build them, walked
    directly instead of through yaml's generic constructor machinery (several times faster).

    Each node is built once, so aliases share one object as they do with yaml's constructor,
    and a node that contains itself is refused as yaml refuses it.
    """

    def __init__(self, loader: "_Loader"):
        self.loader = loader
        self.built: dict[int, Any] = {}
        self.building: set[int] = set()
        self.depth = 0
        self.values = 0
        self.sizes: dict[int, int] = {}  # node -> values in it once aliases are expanded
        self.scalars = {tag: fn for tag, fn in loader.yaml_constructors.items() if tag is not None}

    def build(self, node: yaml.Node) -> Any:
        key = id(node)
        # Every value counts as often as it appears once aliases are expanded, since whoever walks
        # the result walks it that many times.
        self.values += self.sizes.get(key, 1)
        if self.values > MAX_VALUES:
            raise yaml.constructor.ConstructorError(None, None, f"more than {MAX_VALUES:,} values once aliases "
                                                    "are expanded", node.start_mark)
        if key in self.built:
            return self.built[key]
        before = self.values
        if key in self.building:
            raise yaml.constructor.ConstructorError(None, None, "found unconstructable recursive node",
                                                    node.start_mark)
        if isinstance(node, yaml.ScalarNode):
            if node.tag == "tag:yaml.org,2002:str":
                value = node.value
            elif node.tag in self.scalars:
                value = self.scalars[node.tag](self.loader, node)
            else:
                value = self.loader.construct_object(node, deep=True)  # yaml's own error for an unknown tag
            self.built[key] = value
            return value
        self.building.add(key)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise yaml.constructor.ConstructorError(None, None, f"nested more than {MAX_DEPTH} levels deep",
                                                    node.start_mark)
        if isinstance(node, yaml.MappingNode) and node.tag == yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG:
            value = self._mapping(node)
        elif isinstance(node, yaml.SequenceNode) and node.tag == yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG:
            value = LineList(self.build(child) for child in node.value)
            value.line = node.start_mark.line + 1
            value.item_lines = [child.start_mark.line + 1 for child in node.value]
        else:
            value = self.loader.construct_object(node, deep=True)  # any other tag: yaml's constructors
        self.depth -= 1
        self.building.discard(key)
        self.built[key] = value
        self.sizes[key] = 1 + self.values - before
        return value

    def _mapping(self, node: yaml.MappingNode) -> "LineDict":
        self.loader.flatten_mapping(node)  # merge keys (<<), as yaml's constructor does
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.build(key_node)
            if not isinstance(key, (str, int, bool)) and key is not None:
                key = str(key)
            if key in result.key_lines:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
            result[key] = self.build(value_node)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, bool)) and key is not None:
            key = str(key)
        if key in result.key_lines:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


class _BadNumber(yaml.constructor.ConstructorError):
    """A scalar YAML reads as a number that is not a plain decimal one (see _PLAIN_INT)."""


def _not_plain(text: str, node: yaml.ScalarNode) -> _BadNumber:
    """The problem with a number not written in plain decimal digits, saying what YAML 1.1 makes of it."""
    bare = text.lstrip("+-")
    if ":" in text:
        how = "a base-60 (sexagesimal) number in YAML 1.1"
    elif bare[:2].lower() == "0x":
        how = "a hexadecimal number in YAML 1.1"
    elif bare[:2].lower() == "0b":
        how = "a binary number in YAML 1.1"
    elif bare[:2].lower() == "0o" or (len(bare) > 1 and bare[0] == "0" and bare[1:].replace("_", "").isdigit()):
        how = "an octal number in YAML 1.1"
    elif "_" in text:
        how = "a number with '_' between its digits, which YAML 1.2 reads as text"
    elif bare.lower() in (".inf", ".nan"):
        return _BadNumber(None, None, f"'{text}' is not a finite number", node.start_mark)
    else:
        how = "not a plain decimal number"
    return _BadNumber(None, None, f"'{excerpt(text)}' is {how}: write a number in plain decimal digits "
                                  "(1000000, 40.00), or quote it if text is meant", node.start_mark)


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if not isinstance(text, str) or not _PLAIN_INT.fullmatch(text):
        raise _not_plain(str(text), node)
    if len(text.lstrip("+-")) > MAX_DIGITS:
        raise _BadNumber(None, None, f"'{excerpt(text)}' has more than {MAX_DIGITS} digits", node.start_mark)
    return int(text)


def _construct_decimal(loader: _Loader, node: yaml.ScalarNode) -> Decimal:
    text = loader.construct_scalar(node)
    found = _PLAIN_FLOAT.fullmatch(text) if isinstance(text, str) else None
    if found is None:
        raise _not_plain(str(text), node)
    digits = len(text.split("e")[0].split("E")[0].strip("+-").replace(".", "").lstrip("0"))
    if digits > MAX_DIGITS or (found.group(1) is not None and abs(int(found.group(1))) > MAX_DIGITS):
        raise _BadNumber(None, None, f"'{excerpt(text)}' has more than {MAX_DIGITS} digits, or an exponent past "
                                     f"{MAX_DIGITS}", node.start_mark)
    return Decimal(text)


class _BadDate(yaml.constructor.ConstructorError):
    """A YYYY-MM-DD scalar that is not a calendar date."""


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode):
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise _BadDate(None, None, f"'{node.value}' is not a calendar date ({exc})", node.start_mark) from None


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _read(path: Path, name: str) -> str:
    """A YAML file's text; a missing or unreadable file is one problem naming it.

    Only a regular file is read: a folder, a device (/dev/zero never ends) or a pipe (whose
    opening waits for a writer) is refused before it is opened, and no more is read than a file
    within MAX_CHARS can hold, so that no input hangs the command or fills the memory."""
    def problem(category: str, message: str, line: int | None = None) -> InputError:
        return InputError([Problem(name, line, category, message)])

    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise problem("unreadable-file", "a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise problem("unreadable-file", "not a regular file (a device, a pipe or a socket)")
        with open(path, "rb") as handle:
            data = handle.read(4 * MAX_CHARS + 1)  # UTF-8 takes at most four bytes a character
    except FileNotFoundError:
        raise problem("missing-file", "no such file") from None
    except NotADirectoryError:
        raise problem("missing-file", "no such file (a part of the path is not a folder)") from None
    except OSError as exc:
        raise problem("unreadable-file", excerpt(exc.strerror or exc.__class__.__name__)) from None
    except ValueError as exc:  # a path with a NUL character in it
        raise problem("unreadable-file", f"not a usable path ({excerpt(exc)})") from None
    if len(data) > 4 * MAX_CHARS:
        raise problem("too-large", f"more than {4 * MAX_CHARS:,} bytes; a YAML file may have at most "
                                   f"{MAX_CHARS:,} characters")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        raise problem("unreadable-file", f"not UTF-8 text: byte 0x{data[exc.start]:02x} at byte {column} of the "
                                         "line", line) from None
    # As Path.read_text reads it: a line ends with \n, \r\n or \r alike.
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def load_yaml(path: Path | str, display: str | None = None) -> Any:
    """Load one YAML file safely; malformed YAML raises InputError naming file and line."""
    path = Path(path)
    name = display or str(path)
    return load_yaml_text(_read(path, name), name)


_SHARED: dict[bytes, Any] = {}  # digest of a rulebook file's text -> its loaded tree, read and never changed
_SHARED_LIMIT = 256


def load_yaml_shared(path: Path | str, display: str | None = None) -> Any:
    """load_yaml for a rulebook's own files, whose loaded trees are only read: the same text is
    parsed once per process, wherever the file is (rulebook folders copied from one another, a
    folder loaded again), and every caller gets the same tree, which none may change."""
    path = Path(path)
    name = display or str(path)
    text = _read(path, name)
    key = hashlib.sha256(text.encode("utf-8")).digest()
    if key in _SHARED:
        return _SHARED[key]
    data = load_yaml_text(text, name)
    if len(_SHARED) >= _SHARED_LIMIT:
        _SHARED.clear()
    _SHARED[key] = data
    return data


def load_yaml_text(text: str, name: str) -> Any:
    """Load YAML from a string (see load_yaml), within MAX_CHARS, MAX_DEPTH and MAX_VALUES."""
    if len(text) > MAX_CHARS:
        raise InputError([Problem(name, None, "too-large", f"{len(text):,} characters; a YAML file may have at "
                                                           f"most {MAX_CHARS:,}")])
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from (C)SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = _quoted_short(exc.problem or exc.context or "malformed YAML")
        if isinstance(exc, _BadDate):
            raise InputError([Problem(name, line, "bad-date", what)]) from None
        if isinstance(exc, _BadNumber):
            raise InputError([Problem(name, line, "bad-value", what)]) from None
        raise InputError([Problem(name, line, "yaml", f"malformed YAML: {what}")]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, most control characters)
        position = exc.position if isinstance(exc.position, int) and 0 <= exc.position <= len(text) else None
        line = text.count("\n", 0, position) + 1 if position is not None else None
        character = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(excerpt(exc.character))
        raise InputError([Problem(name, line, "yaml", f"malformed YAML: the character {character} is not allowed "
                                                      "in a YAML file (control characters are not)")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(name, None, "yaml", f"malformed YAML: {_quoted_short(str(exc))}")]) from None
    except RecursionError:  # the parser's own stack, before MAX_DEPTH could be counted
        raise InputError([Problem(name, None, "yaml", f"nested more than {MAX_DEPTH} levels deep")]) from None


_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")


def _quoted_short(text: str) -> str:
    """A YAML error's words, on one line, with each quoted part of the file (a tag, a key, a
    value) cut to an excerpt."""
    text = " ".join(str(text).split())
    return _QUOTED.sub(lambda m: repr(excerpt(m.group(1) if m.group(1) is not None else m.group(2))), text)


def line_of(node: Any, key: str | None = None) -> int | None:
    """Best-known line of a loaded node (or of one of its keys)."""
    if isinstance(node, LineDict):
        return node.line_of(key) if key is not None else node.line
    if isinstance(node, LineList):
        return node.line
    return None
