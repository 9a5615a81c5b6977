"""``WatchCheckpoint``: stable versioned JSON, and a corrupt or hostile text is a ValueError."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import pytest

from monuv_async import WatchCheckpoint
from monuv_async._watch_state import WatchState

LOW = datetime(2026, 11, 20, 14, 45, tzinfo=UTC)
FULL = WatchCheckpoint(
    filters={"camera": 1001, "event_types": [1, 4]},
    low=LOW,
    known={7: LOW + timedelta(minutes=3), 5: LOW + timedelta(minutes=1)},
    cut=LOW + timedelta(minutes=10),
    cursor=LOW + timedelta(minutes=2),
    cursor_ids=frozenset({6}),
    totals={date(2026, 11, 20): 140},
    zone="America/Sao_Paulo",
    yielded=12,
)


def test_round_trip_keeps_every_field() -> None:
    """from_json(to_json()) gives the same checkpoint back."""
    assert WatchCheckpoint.from_json(FULL.to_json()) == FULL
    assert WatchCheckpoint.from_json(FULL.to_json().encode()) == FULL


def test_the_checkpoint_and_the_watch_state_have_the_same_fields() -> None:
    """of() and state() copy field by field, by name: neither class may have one the other lacks."""
    names = [field.name for field in attrs.fields(WatchCheckpoint)]
    assert names == [field.name for field in attrs.fields(WatchState)]


def test_state_and_back_keeps_every_field_and_shares_no_container() -> None:
    """state() gives a mutable copy, of() a frozen one; changing one leaves the other."""
    checkpoint = attrs.evolve(FULL, priming=True)
    state = checkpoint.state()
    assert isinstance(state.cursor_ids, set)
    assert WatchCheckpoint.of(state) == checkpoint
    state.known[99] = LOW
    state.cursor_ids.add(99)
    state.totals[date(2026, 11, 21)] = 1
    assert checkpoint == attrs.evolve(FULL, priming=True)
    taken = WatchCheckpoint.of(state)
    state.known.clear()
    assert isinstance(taken.cursor_ids, frozenset)
    assert 99 in taken.known


def test_json_is_stable_and_versioned() -> None:
    """Sorted keys, ids in order, times in UTC, a version and a kind."""
    text = FULL.to_json()
    data = json.loads(text)
    assert data["version"] == 1
    assert data["kind"] == "monuv_async.watch"
    assert list(data) == sorted(data)
    assert data["known"] == [
        [5, int((LOW + timedelta(minutes=1)).timestamp())],
        [7, data["known"][1][1]],
    ]
    assert data["low"] == "2026-11-20T14:45:00+00:00"
    assert WatchCheckpoint.from_json(text).to_json() == text


def corrupt(**changes: Any) -> str:
    data = json.loads(FULL.to_json())
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[]",
        '{"version": 1}',
        corrupt(version=2),
        corrupt(kind="backfill"),
        corrupt(filters={"camera": 1001}),
        corrupt(filters={"camera": -1, "event_types": None}),
        corrupt(filters={"camera": None, "event_types": []}),
        corrupt(filters={"camera": None, "event_types": ["4"]}),
        corrupt(low="yesterday"),
        corrupt(low="2026-11-20T14:45:00"),  # no offset
        corrupt(low="9" * 100),
        corrupt(cut="2026-11-20T14:00:00+00:00"),  # before low
        corrupt(cursor="2026-11-20T15:30:00+00:00"),  # not under the cut
        corrupt(cursor=None),  # cursor ids without a cursor
        corrupt(known=[[7]]),
        corrupt(known=[[7, "soon"]]),
        corrupt(known=[[True, 1]]),
        corrupt(known=[[7, 2**62]]),
        corrupt(known=[[7, 1]]),  # 1970: far older than low, outside the look-back
        corrupt(known={"7": 1}),
        corrupt(cursor_ids=[0]),
        corrupt(totals={"20/11/2026": 5}),
        corrupt(totals={"2026-11-20": -1}),
        corrupt(totals={f"2026-10-{d:02}": 1 for d in range(1, 32)} | {"2026-11-01": 1}),
        corrupt(zone=None),
        corrupt(yielded=-1),
        corrupt(yielded=True),
        corrupt(priming="no"),
    ],
)
def test_a_corrupt_checkpoint_is_a_value_error(text: str) -> None:
    """Every malformed field, and every broken invariant, is refused by name."""
    with pytest.raises(ValueError, match=r"^checkpoint"):
        WatchCheckpoint.from_json(text)


def test_a_huge_checkpoint_is_refused_before_parsing() -> None:
    """Past the size bound the text is not even decoded."""
    with pytest.raises(ValueError, match="larger than"):
        WatchCheckpoint.from_json(b" " * (64 * 1024 * 1024 + 1))


def test_too_many_ids_are_refused() -> None:
    """More ids than any look-back window holds: a corrupt checkpoint."""
    with pytest.raises(ValueError, match="at most"):
        WatchCheckpoint.from_json(corrupt(cursor_ids=list(range(1, 1_000_002))))
