"""Moving a walk's events into a sink (monuv_async.cli.pump): every commit pairs the
events written with the walk state that describes exactly them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pytest
from _cli_helpers import SP

from monuv_async import Event, MonuvClient, SnapshotResult
from monuv_async.cli import pump as pump_module
from monuv_async.cli.pump import Pump


class State:
    """A walk state: how many events the walk had handed out."""

    def __init__(self, handed: int) -> None:
        self.handed = handed

    def to_json(self) -> str:
        return str(self.handed)


class Walk:
    """``n`` events; ``during`` is called while the consumer awaits the next one."""

    def __init__(self, n: int, during: Any = None) -> None:
        self.n, self.handed, self.during = n, 0, during

    @property
    def checkpoint(self) -> State:
        return State(self.handed)

    def __aiter__(self) -> Walk:
        return self

    async def __anext__(self) -> Event:
        if self.during is not None:
            self.during()
        if self.handed == self.n:
            raise StopAsyncIteration
        self.handed += 1  # counted as it is handed out, like Backfill and EventWatch
        return Event(self.handed, datetime(2026, 11, 1, tzinfo=SP), 1)


class Sink:
    """Records, at each commit, the events written so far and the state claimed."""

    def __init__(self) -> None:
        self.written: list[int] = []
        self.commits: list[tuple[int, str]] = []
        self.events, self.saved_walk, self.where = 0, None, None

    def write(self, event: Event) -> None:
        self.written.append(event.id)

    def commit(self, walk: str) -> None:
        self.commits.append((len(self.written), walk))

    def close(self) -> None:
        pass


class Snapshots:
    """A client whose downloads all succeed at once."""

    async def _results(
        self, events: Iterable[Event], folder: Path
    ) -> AsyncIterator[SnapshotResult]:
        for event in list(events):
            yield SnapshotResult(event.id, folder / f"{event.id}.jpg", "downloaded")

    def download_snapshots(
        self, events: Iterable[Event], folder: Path
    ) -> AsyncIterator[SnapshotResult]:
        return self._results(events, folder)


def make_pump(sink: Sink, walk: Walk, snapshots: Path | None = None) -> Pump:
    """A pump over fakes (the client is used only for snapshots)."""
    monuv = cast("MonuvClient", Snapshots())
    return Pump(sink, walk, monuv, snapshots=snapshots, redact=str)  # type: ignore[arg-type]


async def test_every_commit_claims_exactly_the_events_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Commits along the way and at the end each claim as many events as are written."""
    monkeypatch.setattr(pump_module, "_COMMIT_EVENTS", 3)
    sink = Sink()
    await make_pump(sink, Walk(10)).run()
    assert sink.written == list(range(1, 11))
    assert len(sink.commits) >= 4
    assert all(str(written) == walk for written, walk in sink.commits)


async def test_no_commit_while_a_snapshot_batch_is_open(tmp_path: Path) -> None:
    """While handed-out events wait for their images, a due commit is refused (the walk
    state would claim events not yet written); the batch is committed once written."""
    sink = Sink()
    refused: list[bool] = []
    walk = Walk(3, during=lambda: refused.append(pump.commit()))
    pump = make_pump(sink, walk, snapshots=tmp_path)
    await pump.run()
    assert refused == [True, False, False, False]  # only before the first event
    assert sink.commits[-1] == (3, "3")
    assert all(str(written) == walk for written, walk in sink.commits)


async def test_a_batch_of_one_writes_each_event_before_the_next_is_awaited(
    tmp_path: Path,
) -> None:
    """Following (snapshot_batch=1), an event and its image are written and committable
    before the walk is asked for the next one, however long that takes."""
    sink = Sink()
    seen: list[int] = []
    walk = Walk(3, during=lambda: seen.append(len(sink.written)))
    pump = Pump(
        sink,
        walk,
        cast("MonuvClient", Snapshots()),
        snapshots=tmp_path,
        redact=str,
        snapshot_batch=1,
    )
    await pump.run()
    assert seen == [0, 1, 2, 3]
