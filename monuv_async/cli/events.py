"""``monuv events``: every event of a date window, or ``--follow`` new ones as
they arrive, as JSON lines, CSV or an SQLite database.

The walk is the library's exactly-once :class:`~monuv_async.backfill.Backfill`
(or, with ``--follow``, :meth:`~monuv_async.MonuvClient.watch_events`). What
reaches the output is committed together with the walk's state (see
:mod:`.sinks` and :mod:`.pump`), so a run killed at any instant and run again
writes every event once. SIGINT, SIGTERM and SIGHUP stop it cleanly: what is
whole is committed, one line says so, and the exit status is 128 + signal.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from ..backfill import Backfill, split_window
from ..checkpoint import Checkpoint
from ..client import MonuvClient
from ..watch import EventWatch, WatchCheckpoint
from .args import Context, UsageError
from .output import Progress, _isatty
from .progress import backfill_status, follow_status, interrupted_line
from .pump import SNAPSHOT_BATCH, Interrupts, Pump
from .sinks import FileSink, Sink, SqliteSink

__all__ = ["event_options", "event_source", "events_command", "output_format"]

_SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
_TICK = 0.2
"""Seconds between progress redraws (and checks for a due commit)."""


def output_format(args: argparse.Namespace) -> str:
    """``--format``, or else ``sqlite`` for an ``--output`` named ``*.db``, else ``jsonl``."""
    if args.format is not None:
        return str(args.format)
    output: Path | None = args.output
    if output is not None and output.suffix.lower() in _SQLITE_SUFFIXES:
        return "sqlite"
    return "jsonl"


def event_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options a checkpoint belongs to (a resumed run must give the same ones)."""
    return {
        "--since": None if args.since is None else args.since.isoformat(),
        "--until": None if args.until is None else args.until.isoformat(),
        "--camera": args.camera,
        "--types": None if args.types is None else list(args.types),
        "--follow": bool(args.follow),
    }


def _check_args(args: argparse.Namespace, fmt: str) -> None:
    if args.follow:
        if args.until is not None:
            msg = "--until: not with --follow (it follows new events until interrupted)"
            raise UsageError(msg)
    else:
        for option, value in (("--since", args.since), ("--until", args.until)):
            if value is None:
                msg = f"{option}: required (or --follow to follow new events)"
                raise UsageError(msg)
        if args.until < args.since:
            msg = f"--until {args.until} is before --since {args.since}"
            raise UsageError(msg)
    if fmt == "sqlite":
        if args.output is None:
            msg = "--format sqlite: needs --output FILE.db"
            raise UsageError(msg)
        if args.checkpoint is not None:
            msg = "--checkpoint: not with an SQLite output, which keeps its own progress"
            raise UsageError(msg)


def _open_sink(args: argparse.Namespace, fmt: str) -> Sink:
    options = event_options(args)
    if fmt == "sqlite":
        return SqliteSink(args.output, options)
    return FileSink(fmt, args.output, args.checkpoint, options, csv_raw=args.csv_raw)


def event_source(
    monuv: MonuvClient, args: argparse.Namespace, saved: str | None = None
) -> Backfill | EventWatch:
    """The walk ``monuv events`` reads: a backfill, or a watch with ``--follow``;
    ``saved`` is the state a previous run committed (to resume from)."""
    try:
        if args.follow:
            resume = None if saved is None else WatchCheckpoint.from_json(saved)
            return monuv.watch_events(
                camera=args.camera,
                event_types=args.types,
                since=args.since if resume is None else None,
                poll_interval=args.poll_interval,
                resume_from=resume,
            )
        return monuv.backfill(
            camera=args.camera,
            event_types=args.types,
            start_at=args.since,
            end_at=args.until,
            resume_from=None if saved is None else Checkpoint.from_json(saved),
        )
    except (ValueError, TypeError) as error:
        where = args.checkpoint or args.output
        msg = f"--checkpoint {where}: {error}" if saved is not None else str(error)
        raise UsageError(msg) from None


async def events_command(ctx: Context) -> int:
    """``monuv events``: 0 when every event (and image) was written, 1 if an image failed,
    128 + signal when interrupted."""
    args = ctx.args
    fmt = output_format(args)
    _check_args(args, fmt)
    started = time.perf_counter()
    client = ctx.client()  # no token: refused before the output is touched
    sink = _open_sink(args, fmt)  # every other refusal happens here, before any request
    resumed = sink.saved_walk is not None
    before = sink.events
    try:
        async with client as monuv:
            walk = event_source(monuv, args, sink.saved_walk)
            pump = Pump(
                sink,
                walk,
                monuv,
                snapshots=args.snapshots,
                redact=ctx.redact,
                # Following, each event (and image) is written as soon as it comes.
                snapshot_batch=1 if args.follow else SNAPSHOT_BATCH,
            )
            # Never drawn between events written to the same terminal.
            progress = Progress(sys.stderr)
            if args.output is None and _isatty(sys.stdout):
                progress = Progress(io.StringIO())
            status = _status(args, pump, walk, started)
            async with walk:
                signum = await _pump(pump, progress, status)
    finally:
        sink.close()
    if signum is not None:
        sys.stderr.write(interrupted_line(sink.events, sink.where))
        return 128 + signum
    snapshots = pump.outcomes if args.snapshots is not None else None
    sys.stderr.write(
        _summary(
            pump.count, monuv, before if resumed else None, snapshots, time.perf_counter() - started
        )
    )
    if pump.outcomes["failed"] and args.checkpoint is not None:
        # The checkpoint counts those events as done: a resumed run will not
        # revisit them, but a plain re-run skips every image already saved.
        sys.stderr.write(
            "monuv: re-run the same window without --checkpoint to fetch only the missing images\n"
        )
    return 1 if pump.outcomes["failed"] else 0


async def _pump(pump: Pump, progress: Progress, status: Callable[[], str]) -> int | None:
    """Run ``pump`` until its walk ends or a signal stops it; the signal, if one did."""
    work = asyncio.ensure_future(pump.run())
    stop = Interrupts(work)
    try:
        with stop.installed():
            async with _ticking(pump, progress, status):
                try:
                    await work
                except asyncio.CancelledError:
                    if stop.signum is None:
                        raise
    finally:
        progress.clear()
    if stop.signum is not None:
        # Stopped between two events: commit what is whole (a snapshot batch
        # half done is dropped, and fetched again by the next run).
        pump.commit()
    return stop.signum


@contextlib.asynccontextmanager
async def _ticking(
    pump: Pump, progress: Progress, status: Callable[[], str]
) -> AsyncIterator[None]:
    async def tick() -> None:
        progress.update(status(), force=True)  # at once, not only after the first tick
        while True:
            await asyncio.sleep(_TICK)
            pump.tick()
            progress.update(status(), force=True)

    ticker = asyncio.ensure_future(tick())
    try:
        yield
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker


def _status(
    args: argparse.Namespace, pump: Pump, walk: Backfill | EventWatch, started: float
) -> Callable[[], str]:
    if isinstance(walk, EventWatch):
        polled = {"polls": walk.polls, "at": time.monotonic()}

        def following() -> str:
            if walk.polls != polled["polls"]:
                polled.update(polls=walk.polls, at=time.monotonic())
            left = polled["at"] + args.poll_interval - time.monotonic()
            last = None if pump.last_event is None else pump.last_event.event_at
            return follow_status(pump.count, last, walk.polls, max(0.0, left))

        return following
    days = len(split_window(args.since, args.until, "day"))

    def backfilling() -> str:
        state = pump.last_state
        done = len(state.done) if isinstance(state, Checkpoint) else 0
        return backfill_status(pump.count, done, days, time.perf_counter() - started)

    return backfilling


def _summary(
    count: int,
    monuv: MonuvClient,
    before: int | None,
    snapshots: Any,
    elapsed: float,
) -> str:
    resumed = f" (resumed; {before:,} before)" if before is not None else ""
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
