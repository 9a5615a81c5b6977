"""``monuv cameras provision``: create cameras in bulk from a CSV file, resumably.

Rows stream through a bounded queue to a fixed pool of workers, so memory
stays flat whatever the file's size. Every row's outcome is appended to a
results CSV and flushed at once: a crash loses at most the creates in flight,
and a re-run skips the rows already recorded as ``created``.

Creates are never retried here. The client's retry policy already retries a
``POST`` only when it provably did not reach the server; anything else that
failed may or may not have created the camera, and only a person (or a later
re-run, after checking) should decide to send it again.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ..client import MonuvClient
from ..errors import MonuvError, ServerError, TransportError
from ..requests import NewCamera
from .args import Context
from .columns import RowReader, cell, check_header, column
from .output import Progress
from .results import Outcome, ProvisionSummary, ResultsFile, default_results_path, load_created

__all__ = ["provision", "provision_command"]

_LOST_ANSWER = (
    " [outcome unknown: the request may have reached the server, so this camera may exist;"
    " check before re-running]"
)

Redact = Callable[[str], str]
Report = Callable[[ProvisionSummary], None]


def _error_text(error: Exception) -> str:
    if not isinstance(error, MonuvError):  # a bug somewhere: say what it was
        return f"{type(error).__name__}: {error}{_LOST_ANSWER}"
    text = str(error)
    # Only these leave a create's fate unknown: a 4xx means "not done".
    if (isinstance(error, TransportError) and error.sent) or isinstance(error, ServerError):
        text += _LOST_ANSWER
    return text


def _check_paths(csv_path: Path, results_path: Path) -> None:
    if csv_path.resolve() == results_path.resolve():
        msg = "the results file must not be the input file"
        raise ValueError(msg)


class _Run:
    """One provisioning run: a producer reading rows, a fixed pool of senders."""

    def __init__(
        self,
        monuv: MonuvClient,
        previous: Mapping[int, Outcome],
        results: ResultsFile,
        *,
        workers: int,
        redact: Redact,
        report: Report | None,
    ) -> None:
        self.monuv = monuv
        self.previous = previous
        self.results = results
        self.workers = workers
        self.redact = redact
        self.report = report
        self.summary = ProvisionSummary()
        self.reader = RowReader(monuv)
        # Bounded: the reader waits for the senders, so memory stays flat.
        self.queue: asyncio.Queue[tuple[int, str, NewCamera]] = asyncio.Queue(2 * workers)
        self.pool: list[asyncio.Task[None]] = []

    def record(self, outcome: Outcome) -> None:
        self.results.write(dataclasses.replace(outcome, error=self.redact(outcome.error)))
        setattr(self.summary, outcome.status, getattr(self.summary, outcome.status) + 1)
        if self.report is not None:
            self.report(self.summary)

    async def send(self) -> None:
        while True:
            number, key, new = await self.queue.get()
            try:
                camera = await self.monuv.create_camera(new)
            except Exception as error:  # recorded, whatever it is: never lost
                self.record(Outcome(number, key, "failed", error=_error_text(error)))
            else:
                self.record(Outcome(number, key, "created", camera.id, camera.rtmp_url))
            finally:
                self.queue.task_done()

    async def produce(self, rows: Iterable[Mapping[str | None, object]]) -> None:
        for number, row in enumerate(rows, start=1):
            if any(task.done() for task in self.pool):
                return  # a sender died: run() re-raises its error
            key = f"{number}:{cell(row.get('description')) or ''}"
            before = self.previous.get(number)
            if before is not None:
                if before.key == key:
                    self.record(Outcome(number, key, "skipped", before.camera_id, before.rtmp_url))
                else:
                    # The file changed under the results: creating now could
                    # duplicate a camera, so refuse and let a person look.
                    error = f"row {number} was created before as {before.key!r}: not sent"
                    self.record(Outcome(number, key, "failed", error=error))
                continue
            try:
                new = await self.reader.camera(row)
            except (ValueError, TypeError) as error:
                self.record(Outcome(number, key, "failed", error=str(error)))
                continue
            await self.queue.put((number, key, new))

    async def run(self, rows: Iterable[Mapping[str | None, object]]) -> ProvisionSummary:
        self.pool = [asyncio.create_task(self.send()) for _ in range(self.workers)]
        try:
            await self.produce(rows)
        finally:
            # Whatever stopped the reading (end of file, a bad file, Ctrl-C), let
            # the rows already queued finish and be recorded -- unless a sender
            # died (the results file cannot be written, say): then nobody would.
            drained = asyncio.create_task(self.queue.join())
            await asyncio.wait([drained, *self.pool], return_when=asyncio.FIRST_COMPLETED)
            for task in (drained, *self.pool):
                task.cancel()
            ended = await asyncio.gather(*self.pool, drained, return_exceptions=True)
        for outcome in ended:
            if isinstance(outcome, Exception):
                raise outcome
        return self.summary


async def provision(
    monuv: MonuvClient,
    csv_path: Path,
    results_path: Path,
    *,
    workers: int,
    redact: Redact = str,
    report: Report | None = None,
) -> ProvisionSummary:
    """Create a camera per row of ``csv_path``; record every outcome in ``results_path``.

    Rows recorded as created in ``results_path`` by an earlier run are skipped.
    At most ``workers`` creates are in flight. ``report`` is called after each
    outcome (for a progress display).
    """
    _check_paths(csv_path, results_path)
    previous = load_created(results_path)
    with csv_path.open(encoding="utf-8-sig", newline="") as source:
        rows = csv.DictReader(source)
        check_header(csv_path, rows.fieldnames)
        rows.fieldnames = [column(name) for name in rows.fieldnames or ()]
        results = ResultsFile(results_path)
        try:
            return await _Run(
                monuv, previous, results, workers=workers, redact=redact, report=report
            ).run(rows)
        finally:
            results.close()


async def provision_command(ctx: Context) -> int:
    """``monuv cameras provision``: 0 when every row is created (now or before), else 1."""
    args = ctx.args
    results = args.results or default_results_path(args.file)
    progress = Progress(sys.stderr)
    async with ctx.client() as monuv:
        try:
            summary = await provision(
                monuv,
                args.file,
                results,
                workers=args.concurrency,
                redact=ctx.redact,
                report=lambda s: progress.update(
                    f"{s.total:,} rows: {s.created:,} created, {s.skipped:,} skipped,"
                    f" {s.failed:,} failed"
                ),
            )
        finally:
            progress.clear()
    sys.stderr.write(
        f"monuv: {summary.created:,} created, {summary.skipped:,} skipped,"
        f" {summary.failed:,} failed; results in {results}\n"
    )
    return 1 if summary.failed else 0
