"""Values derived from an object and kept beside it, never on it (the object stays as it was)."""

from __future__ import annotations

import weakref
from typing import Any, Callable


def kept_beside(table: dict[int, tuple], owner: Any, make: Callable[[], Any]) -> Any:
    """The value `make()` derives from `owner`, made once and kept in `table` by the owner's
    identity for as long as the owner lives (a weak reference drops the entry with it)."""
    entry = table.get(id(owner))
    if entry is not None and entry[0]() is owner:
        return entry[1]
    value = make()
    key = id(owner)
    table[key] = (weakref.ref(owner, lambda _, key=key: table.pop(key, None)), value)
    return value
