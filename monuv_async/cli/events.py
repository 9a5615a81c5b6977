"""``monuv events``: every event of a date window, as JSON lines or CSV.

The walk is the library's exactly-once :class:`~monuv_async.backfill.Backfill`.
With ``--checkpoint`` its progress is saved as it goes (and only for what is
already on disk), so a crashed or interrupted run resumes with no event lost
or repeated; with ``--snapshots`` each event's image is saved beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from ..backfill import Backfill
from ..checkpoint import Checkpoint
from ..client import MonuvClient
from ..errors import MonuvError
from ..models import Event
from .args import Context, UsageError
from .output import EventWriter, Progress, event_writer

__all__ = ["event_source", "events_command"]

_SAVE_EVERY = 2.0
"""Seconds between checkpoint saves (also at the end, and when the walk fails)."""
_SNAPSHOT_BATCH = 200
"""With --snapshots: events whose images are fetched before they are written."""


def event_source(
    monuv: MonuvClient, args: argparse.Namespace, resume_from: Checkpoint | None = None
) -> Backfill:
    """Where ``monuv events`` reads its events from: an exactly-once, resumable backfill."""
    return monuv.backfill(
        camera=args.camera,
        event_types=args.types,
        start_at=args.since,
        end_at=args.until,
        resume_from=resume_from,
    )


@contextlib.contextmanager
def _output(path: Path | None, *, append: bool) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with path.open("a" if append else "w", encoding="utf-8", newline="") as stream:
        yield stream


def _load_checkpoint(path: Path | None) -> Checkpoint | None:
    if path is None or not path.exists():
        return None
    try:
        return Checkpoint.from_json(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        msg = f"--checkpoint {path}: {exc}"
        raise UsageError(msg) from None


def _save_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    # Write-then-rename: a crash mid-save leaves the previous checkpoint whole.
    partial = path.with_name(path.name + ".part")
    partial.write_text(checkpoint.to_json(), encoding="utf-8")
    os.replace(partial, path)


class _EventSink:
    """Writes a walk's events (and their images), saving the checkpoint only when
    everything it claims is on disk.

    Without ``--snapshots`` an event is written as soon as it arrives. With it,
    events are written in batches once their images are saved, so output,
    images and checkpoint always agree: a resumed run re-reads exactly the
    events the interrupted one had not finished.
    """

    def __init__(
        self,
        ctx: Context,
        monuv: MonuvClient,
        walk: Backfill,
        writer: EventWriter,
        stream: TextIO,
    ) -> None:
        self._ctx = ctx
        self._monuv = monuv
        self._walk = walk
        self._writer = writer
        self._stream = stream
        self._snapshots: Path | None = ctx.args.snapshots
        self._checkpoint: Path | None = ctx.args.checkpoint
        self._pending: list[Event] = []
        self._saved_at = time.monotonic()
        self.count = 0
        self.outcomes: Counter[str] = Counter()

    async def run(self, progress: Progress) -> None:
        """Consume the whole walk."""
        while True:
            try:
                event = await anext(self._walk)
            except StopAsyncIteration:
                break
            except MonuvError:
                # The walk failed between two events: finish what it handed
                # out, and keep that progress.
                await self._flush()
                raise
            except BaseException:
                # Interrupted: without images, everything handed out is
                # written; with them, the last save is the consistent one.
                if self._snapshots is None:
                    self._save()
                raise
            self.count += 1
            if self._snapshots is None:
                self._writer.write(event)
            else:
                self._pending.append(event)
            if (
                len(self._pending) >= _SNAPSHOT_BATCH
                or time.monotonic() - self._saved_at >= _SAVE_EVERY
            ):
                await self._flush()
            if progress.enabled:
                progress.update(f"{self.count:,} events, {self._monuv.stats.requests:,} requests")
        await self._flush()

    async def _flush(self) -> None:
        if self._pending and self._snapshots is not None:
            async for result in self._monuv.download_snapshots(self._pending, self._snapshots):
                self.outcomes[result.status] += 1
                if result.error is not None:
                    sys.stderr.write(
                        self._ctx.redact(
                            f"monuv: snapshot of event {result.event_id}: {result.error}\n"
                        )
                    )
            for event in self._pending:
                self._writer.write(event)
            self._pending.clear()
        self._save()

    def _save(self) -> None:
        if self._checkpoint is not None:
            # Only what is flushed may be claimed as done.
            self._stream.flush()
            _save_checkpoint(self._checkpoint, self._walk.checkpoint)
        self._saved_at = time.monotonic()


async def events_command(ctx: Context) -> int:
    """``monuv events``: 0 when every event (and image) was written, 1 if an image failed."""
    args = ctx.args
    progress = Progress(sys.stderr)
    started = time.perf_counter()
    resume = _load_checkpoint(args.checkpoint)
    append = resume is not None and args.output is not None and args.output.exists()
    async with ctx.client() as monuv:
        walk = event_source(monuv, args, resume)  # checks the filters before --output is opened
        with _output(args.output, append=append) as stream:
            sink = _EventSink(
                ctx, monuv, walk, event_writer(args.format, stream, header=not append), stream
            )
            try:
                async with walk:
                    await sink.run(progress)
            finally:
                progress.clear()
    snapshots = sink.outcomes if args.snapshots is not None else None
    sys.stderr.write(_summary(sink.count, monuv, resume, snapshots, time.perf_counter() - started))
    if sink.outcomes["failed"] and args.checkpoint is not None:
        # The checkpoint counts those events as done: a resumed run will not
        # revisit them, but a plain re-run skips every image already saved.
        sys.stderr.write(
            "monuv: re-run the same window without --checkpoint to fetch only the missing images\n"
        )
    return 1 if sink.outcomes["failed"] else 0


def _summary(
    count: int,
    monuv: MonuvClient,
    resume: Checkpoint | None,
    snapshots: Counter[str] | None,
    elapsed: float,
) -> str:
    resumed = f" (resumed; {resume.yielded:,} before)" if resume is not None else ""
    images = (
        ""
        if snapshots is None
        else f", snapshots {snapshots['downloaded']:,} downloaded"
        f" {snapshots['skipped']:,} skipped {snapshots['failed']:,} failed"
    )
    return (
        f"monuv: {count:,} events{resumed}{images}, {monuv.stats.requests:,} requests"
        f" ({monuv.stats.retries} retries), {elapsed:.2f} s\n"
    )
