"""Moving events from a walk (a backfill or a watch) into a sink, committing
only states in which output, images and checkpoint agree.

A commit pairs the sink's buffered events with the walk's checkpoint taken
at the same moment. That checkpoint counts an event as soon as the walk
hands it out, so a commit is valid only while no handed-out event is still
unwritten: always between two events without ``--snapshots``; with it, only
once a batch's images are saved and its events written. The pump therefore
commits from :meth:`Pump.tick` (called on a timer, between the consumer's
steps, since commits are synchronous) or at the end, and :meth:`commit`
refuses while a snapshot batch is open. Correctness never depends on a
signal handler: dying at any instant leaves the last commit, which is whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Protocol

from ..client import MonuvClient
from ..errors import MonuvError
from ..models import Event
from .sinks import Sink
from .terminal import for_terminal

__all__ = ["COMMIT_EVERY", "SNAPSHOT_BATCH", "Interrupts", "Pump", "Walk"]

COMMIT_EVERY = 2.0
"""Seconds between commits (also at the end, on failure and on interrupt)."""
SNAPSHOT_BATCH = 200
"""With --snapshots: events whose images are fetched before they are written."""
_COMMIT_EVENTS = 20_000
"""Events buffered before a commit even if COMMIT_EVERY has not passed (bounds memory)."""


class _State(Protocol):
    def to_json(self) -> str: ...


class Walk(Protocol):
    """A :class:`~monuv_async.backfill.Backfill` or an :class:`~monuv_async.watch.EventWatch`."""

    @property
    def checkpoint(self) -> _State: ...

    def __anext__(self) -> Awaitable[Event]: ...


class Pump:
    """Consumes ``walk`` into ``sink``; see the module's docstring for when it commits."""

    def __init__(
        self,
        sink: Sink,
        walk: Walk,
        monuv: MonuvClient,
        *,
        snapshots: Path | None,
        redact: Callable[[str], str],
        snapshot_batch: int = SNAPSHOT_BATCH,
    ) -> None:
        self._sink = sink
        self._walk = walk
        self._monuv = monuv
        self._snapshots = snapshots
        self._redact = redact
        self._batch: list[Event] = []
        # A watch hands out events a poll at a time and then waits: a batch
        # waiting to fill up would hold them back until a later poll.
        self._batch_size = snapshot_batch
        self._uncommitted = 0
        self._committed_at = time.monotonic()
        self.count = 0
        """Events written by this run (committed or not yet)."""
        self.last_event: Event | None = None
        self.last_state: object = None
        """The walk's checkpoint as of the last commit (for progress)."""
        self.outcomes: Counter[str] = Counter()

    async def run(self) -> None:
        """Consume the walk to its end (a watch: until cancelled), then commit."""
        while True:
            try:
                event = await self._walk.__anext__()
            except StopAsyncIteration:
                break
            except MonuvError:
                # Failed between two events: finish what was handed out, keep it.
                await self._write_batch()
                self.commit()
                raise
            self.last_event = event
            if self._snapshots is None:
                self._write(event)
            else:
                self._batch.append(event)
                if len(self._batch) >= self._batch_size:
                    await self._write_batch()
                    self.commit()
            if self._uncommitted >= _COMMIT_EVENTS:
                self.commit()
        await self._write_batch()
        self.commit()

    def _write(self, event: Event) -> None:
        self._sink.write(event)
        self.count += 1
        self._uncommitted += 1

    async def _write_batch(self) -> None:
        if not self._batch or self._snapshots is None:
            return
        async for result in self._monuv.download_snapshots(self._batch, self._snapshots):
            self.outcomes[result.status] += 1
            if result.error is not None:
                text = self._redact(f"snapshot of event {result.event_id}: {result.error}")
                sys.stderr.write(f"monuv: {for_terminal(text)}\n")
        for event in self._batch:
            self._write(event)
        self._batch.clear()

    def tick(self) -> None:
        """Commit if one is due (called between the consumer's steps)."""
        if time.monotonic() - self._committed_at >= COMMIT_EVERY:
            self.commit()

    def commit(self) -> bool:
        """Commit what is written, unless a snapshot batch is half done; whether it did."""
        if self._batch:
            return False
        state = self._walk.checkpoint
        self._sink.commit(state.to_json())
        self.last_state = state
        self._uncommitted = 0
        self._committed_at = time.monotonic()
        return True


_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupts:
    """SIGINT, SIGTERM and SIGHUP cancel ``task`` (once); :attr:`signum` says which came."""

    def __init__(self, task: asyncio.Task[None]) -> None:
        self._task = task
        self.signum: int | None = None

    @contextlib.contextmanager
    def installed(self) -> Iterator[Interrupts]:
        """Handle the signals while inside (the default handling again after)."""
        loop = asyncio.get_running_loop()
        for sig in _SIGNALS:
            loop.add_signal_handler(sig, self._on_signal, sig)
        try:
            yield self
        finally:
            for sig in _SIGNALS:
                loop.remove_signal_handler(sig)

    def _on_signal(self, sig: int) -> None:
        # A signal handled after the walk has ended stops nothing: it is not reported.
        if self.signum is None and not self._task.done():
            self.signum = sig
            self._task.cancel()
