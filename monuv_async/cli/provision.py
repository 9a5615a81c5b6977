"""``monuv cameras provision``: create cameras in bulk from a CSV file, never twice.

Rows stream through a bounded queue to a fixed pool of senders. Each send is
bracketed by the journal (:mod:`.journal`): ``sending`` is durable before the
``POST`` leaves, the outcome after the answer. A re-run replays the journal:
created rows are skipped, and a row left ``sending`` (the process died
mid-request) or whose error says it may have been applied is reported as
``unknown`` and not sent again -- unless ``--resend-unknown``, after a person
has checked Monuv. SIGINT, SIGTERM and SIGHUP stop the reading; the rows in
flight finish (or, after a grace period or a second signal, are abandoned as
``unknown``); then the report (:mod:`.results`) is rewritten and the command
exits 128+signal.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import signal
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TextIO

from ..client import MonuvClient
from ..errors import MonuvError
from ..requests import NewCamera
from .args import Context, UsageError
from .columns import RowReader, cell, check_header, column
from .journal import SENDING, Journal, journal_path, replay
from .results import (
    Outcome,
    ProvisionSummary,
    RowProgress,
    default_results_path,
    load_report,
    write_report,
)
from .terminal import for_terminal

__all__ = ["GRACE_SECONDS", "Provisioning", "may_have_been_applied", "provision_command"]

GRACE_SECONDS = 10.0
"""How long rows in flight may take to finish after a first interrupt."""

_UNKNOWN = "may exist, check Monuv"
_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)

Redact = Callable[[str], str]
Row = Mapping[str | None, object]


def may_have_been_applied(error: BaseException) -> bool:
    """Whether a failed create may nevertheless have created the camera."""
    if not isinstance(error, MonuvError):  # a bug somewhere: assume the worst
        return True
    return error.may_have_been_applied


def _rows(path: Path) -> Iterator[tuple[int, Row]]:
    with path.open(encoding="utf-8-sig", newline="") as source:
        rows = csv.DictReader(source)
        check_header(path, rows.fieldnames)
        rows.fieldnames = [column(name) for name in rows.fieldnames or ()]
        yield from enumerate(rows, start=1)


def _identity(row: Row) -> tuple[str, str]:
    return cell(row.get("description")) or "", cell(row.get("client_id")) or ""


def _check_paths(csv_path: Path, results_path: Path) -> None:
    if not csv_path.is_file():
        msg = f"FILE.csv: no such file: {csv_path}"
        raise UsageError(msg)
    if not results_path.parent.is_dir():
        msg = f"--results: no such folder: {results_path.parent}"
        raise UsageError(msg)
    if csv_path.resolve() == results_path.resolve():
        msg = "--results: the results file must not be the input file"
        raise UsageError(msg)


class Provisioning:
    """One run over ``csv_path``: a reader, a fixed pool of senders, a journal."""

    def __init__(
        self,
        monuv: MonuvClient,
        csv_path: Path,
        results_path: Path,
        *,
        workers: int,
        resend_unknown: bool = False,
        redact: Redact = str,
        err: TextIO | None = None,
        grace: float = GRACE_SECONDS,
    ) -> None:
        _check_paths(csv_path, results_path)
        self.monuv = monuv
        self.csv_path = csv_path
        self.results_path = results_path
        self.workers = workers
        self.resend_unknown = resend_unknown
        self.redact = redact
        self.err = err
        self.grace = grace
        self.total = sum(1 for _ in _rows(csv_path))
        self.journal_path = journal_path(results_path)
        # The journal wins; a report of a run without one fills the gaps.
        self.previous = load_report(results_path) | replay(self.journal_path)
        self.outcomes: dict[int, Outcome] = {}
        self.summary = ProvisionSummary()
        self.progress = RowProgress(self.total, err)
        self.stopping = asyncio.Event()
        self.abandon = asyncio.Event()
        self.signal: int | None = None
        self.queue: asyncio.Queue[tuple[int, str, str, NewCamera]] = asyncio.Queue(2 * workers)

    # -- recording -----------------------------------------------------------------

    def record(self, outcome: Outcome, journal: Journal | None = None) -> None:
        outcome = dataclasses.replace(outcome, error=self.redact(outcome.error))
        if journal is not None:
            journal.write(outcome)
        self.outcomes[outcome.row] = outcome
        self.summary.add(outcome.status)
        if outcome.status in ("failed", "unknown") and self.err is not None:
            self.progress.clear()
            who = f"row {outcome.row} ({outcome.description!r}, client {outcome.client_id})"
            self.err.write(for_terminal(f"monuv: {who}: {outcome.status}: {outcome.error}") + "\n")
            self.err.flush()
        self.progress.show(self.summary)

    def _previous_outcome(self, number: int, description: str, client: str) -> Outcome | None:
        """What an earlier run decided for this row, when it forbids sending it now."""
        before = self.previous.get(number)
        if before is None or before.status == "failed":
            return None  # never sent, or refused: sending it (again) is safe
        same = before.description == description
        if before.status == "created":
            if same:
                return Outcome(
                    number, description, client, "skipped", before.camera_id, before.rtmp_url
                )
            error = f"row {number} was created before as {before.description!r}: not sent"
            return Outcome(number, description, client, "failed", error=error)
        if self.resend_unknown and same:
            return None
        was = "" if same else f" (then as {before.description!r})"
        error = (
            f"{_UNKNOWN}: sent by an earlier run{was} that stopped before its answer;"
            " not sent again (after checking, --resend-unknown sends it)"
        )
        return Outcome(number, description, client, "unknown", error=error)

    # -- the run -------------------------------------------------------------------

    async def send(self, journal: Journal) -> None:
        while True:
            number, description, client, new = await self.queue.get()
            try:
                if self.stopping.is_set():
                    continue  # interrupted before it was sent: stays pending
                journal.write(Outcome(number, description, client, SENDING))
                try:
                    camera = await self.monuv.create_camera(new)
                except asyncio.CancelledError:
                    error = f"{_UNKNOWN}: abandoned while its request was in flight"
                    self.record(
                        Outcome(number, description, client, "unknown", error=error), journal
                    )
                    raise
                except Exception as error:  # recorded, whatever it is: never lost
                    text = str(error) if isinstance(error, MonuvError) else repr(error)
                    if may_have_been_applied(error):
                        status, text = "unknown", f"{_UNKNOWN}: {text}"
                    else:
                        status = "failed"
                    self.record(Outcome(number, description, client, status, error=text), journal)
                else:
                    self.record(
                        Outcome(number, description, client, "created", camera.id, camera.rtmp_url),
                        journal,
                    )
            finally:
                self.queue.task_done()

    async def produce(self, pool: list[asyncio.Task[None]]) -> None:
        reader = RowReader(self.monuv)
        for number, row in _rows(self.csv_path):
            if self.stopping.is_set() or any(task.done() for task in pool):
                return  # interrupted, or a sender died: run() re-raises its error
            description, client = _identity(row)
            decided = self._previous_outcome(number, description, client)
            if decided is not None:
                self.record(decided)
                continue
            try:
                new = await reader.camera(row)
            except (ValueError, TypeError) as error:
                self.record(Outcome(number, description, client, "failed", error=str(error)))
                continue
            await self.queue.put((number, description, client, new))

    def interrupt(self, signum: int) -> None:
        """A signal: stop reading; a second one (or the grace period) abandons rows in flight."""
        if self.signal is not None:
            self.abandon.set()
            return
        self.signal = signum
        self.stopping.set()
        asyncio.get_running_loop().call_later(self.grace, self.abandon.set)

    async def run(self) -> ProvisionSummary:
        """Send every row that needs it; rewrite the report; return the counts."""
        journal = Journal(self.journal_path)
        try:
            pool = [asyncio.create_task(self.send(journal)) for _ in range(self.workers)]
            try:
                await self.produce(pool)
            finally:
                drained = asyncio.create_task(self.queue.join())
                abandoned = asyncio.create_task(self.abandon.wait())
                await asyncio.wait([drained, abandoned, *pool], return_when=asyncio.FIRST_COMPLETED)
                for task in (drained, abandoned, *pool):
                    task.cancel()
                ended = await asyncio.gather(*pool, drained, abandoned, return_exceptions=True)
                self.progress.clear()
                write_report(self.results_path, self.report())
        finally:
            journal.close()
        for outcome in ended:
            if isinstance(outcome, Exception):
                raise outcome
        return self.summary

    def report(self) -> Iterator[Outcome]:
        """Every input row's latest state, in input order."""
        for number, row in _rows(self.csv_path):
            outcome = self.outcomes.get(number)
            if outcome is None:
                description, client = _identity(row)
                before = self.previous.get(number)
                outcome = self._previous_outcome(number, description, client) or (
                    Outcome(number, description, client, "failed", error=before.error)
                    if before is not None and before.status == "failed"
                    else Outcome(number, description, client, "pending", error="not sent yet")
                )
                if outcome.status == "pending":
                    self.summary.pending += 1
            yield outcome


async def provision_command(ctx: Context) -> int:
    """``monuv cameras provision``: 0 when every row is created (now or before), else 1."""
    args = ctx.args
    results = args.results or default_results_path(args.file)
    loop = asyncio.get_running_loop()
    async with ctx.client() as monuv:
        run = Provisioning(
            monuv,
            args.file,
            results,
            workers=args.concurrency,
            resend_unknown=args.resend_unknown,
            redact=ctx.redact,
            err=sys.stderr,
        )
        installed = []
        for sig in _SIGNALS:
            try:
                loop.add_signal_handler(sig, run.interrupt, sig)
            except (NotImplementedError, RuntimeError, ValueError):  # Windows: Ctrl-C raises
                continue
            installed.append(sig)
        try:
            summary = await run.run()
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
    s = summary
    counts = (
        f"{s.created:,} created, {s.skipped:,} skipped, {s.failed:,} failed,"
        f" {s.unknown:,} unknown, {s.pending:,} not sent"
    )
    if run.signal is not None:
        name = signal.Signals(run.signal).name
        line = (
            f"monuv: interrupted ({name}): {counts}; report in {results};"
            " run the same command again to continue"
        )
        sys.stderr.write(for_terminal(line) + "\n")
        return 128 + run.signal
    sys.stderr.write(for_terminal(f"monuv: {counts}; report in {results}") + "\n")
    return 1 if s.failed or s.unknown or s.pending else 0
