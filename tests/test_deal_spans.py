"""The deal a check reads is built once per span of dates between parameter changes: on every
date it holds each parameter's value in force on that date, and the terms worked out for it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from clausewise.errors import InputError
from clausewise.paths import default_rulebook
from clausewise.rulebook import load_rulebook


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(default_rulebook())


def test_each_date_reads_the_values_in_force_on_it(rulebook):
    starts = sorted({v.start for p in rulebook.parameters.values() for v in p.values})
    assert len(starts) >= 2
    days = sorted({d + timedelta(days=k) for d in starts for k in (-1, 0, 1)} | {date(2003, 6, 2), date(2030, 1, 1)})
    early = days.pop(0)  # before any value: refused, each time it is asked
    for _ in range(2):
        with pytest.raises(InputError, match=f"has no value on {early}"):
            rulebook.deal(early)
    changed = 0
    for day in days:
        deal = rulebook.deal(day)
        for name, param in rulebook.parameters.items():
            found = param.at(day)
            assert deal.parameters[name] == (found.value if found is not None else None), (name, day)
        if day - timedelta(days=1) in days and rulebook.deal(day - timedelta(days=1)) is not deal:
            changed += 1
            assert day in starts  # a new deal only where some value starts
    assert changed >= len(starts) - 1  # and one at every start after the earliest date tried
    # The terms the arithmetic reads are those worked out for the date itself.
    for day in days:
        assert rulebook.deal(day).terms == rulebook.terms(day)


def test_within_a_span_one_deal_is_shared(rulebook):
    starts = sorted({v.start for p in rulebook.parameters.values() for v in p.values})
    first, after = starts[-2], starts[-1]
    assert rulebook.deal(first) is rulebook.deal(after - timedelta(days=1))
    assert rulebook.deal(after) is not rulebook.deal(after - timedelta(days=1))
    assert rulebook.deal(None) is rulebook.deal(None)
