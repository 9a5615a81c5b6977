"""Checkpoint: JSON round trip, compact id runs, and refusal of anything else."""

from __future__ import annotations

from datetime import date

import pytest

from monuv_async.checkpoint import Checkpoint, Window


def test_checkpoint_round_trips_and_rejects_garbage() -> None:
    """to_json/from_json keep every field; a foreign or corrupt text is a ValueError."""
    checkpoint = Checkpoint(
        filters={"camera": None, "split": "day"},
        done=frozenset({"2026-01-01/2026-01-01"}),
        active={"2026-01-02/2026-01-02": frozenset({5, 6, 7, 10})},
        yielded=9,
    )
    assert Checkpoint.from_json(checkpoint.to_json()) == checkpoint
    assert '"active": {"2026-01-02/2026-01-02": [[5, 3], [10, 1]]}' in checkpoint.to_json()
    for text in ["", "[]", '{"version": 2}', '{"version": 1, "filters": 3}']:
        with pytest.raises(ValueError, match=r"^checkpoint"):
            Checkpoint.from_json(text)


def test_ids_of_a_day_are_stored_as_a_few_runs() -> None:
    """Contiguous ids (an unfiltered day) take one run however many there are."""
    checkpoint = Checkpoint(filters={}, active={"d": frozenset(range(1000, 101_000))})
    assert '"d": [[1000, 100000]]' in checkpoint.to_json()
    assert Checkpoint.from_json(checkpoint.to_json()).active["d"] == frozenset(range(1000, 101_000))


@pytest.mark.parametrize(
    "active",
    ['{"d": [[1, 0]]}', '{"d": [[1]]}', '{"d": [["1", 2]]}', '{"d": [[1, 20000000]]}', '{"d": 5}'],
)
def test_corrupt_id_runs_are_refused(active: str) -> None:
    """Zero, huge, malformed or non-integer runs are a ValueError, never a huge allocation."""
    text = '{"version": 1, "filters": {}, "done": [], "yielded": 0, "active": ' + active + "}"
    with pytest.raises(ValueError, match=r"^checkpoint"):
        Checkpoint.from_json(text)


def test_window_key_names_its_days() -> None:
    """A window's key is its first and last day, ISO formatted."""
    assert Window(date(2026, 1, 1), date(2026, 1, 7)).key == "2026-01-01/2026-01-07"


def test_deeply_nested_text_is_a_value_error() -> None:
    """A pathological file is refused as not a checkpoint, never a RecursionError."""
    with pytest.raises(ValueError, match=r"^checkpoint"):
        Checkpoint.from_json("[" * 100_000 + "]" * 100_000)
