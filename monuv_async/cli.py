"""The ``monuv`` command: the Monuv partner API from a shell.

::

    export MONUV_TOKEN=...            # or: monuv --token-file PATH ...
    monuv events --since 2026-11-01 --until 2026-11-07 --format csv > events.csv
    monuv cameras options
    monuv cameras provision cameras.csv
    monuv clients block 11.222.333/0001-81
    monuv demo                        # everything, against an in-process simulator

The token is never accepted on the command line (other users could read it in
the process list) and never printed: every line this command writes about an
error or a request is passed through the library's redactor as well.

Exit codes: 0 success, 1 an operation failed, 2 bad usage or input,
130 interrupted (Ctrl-C), 141 the reader of stdout went away.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import logging
import os
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from . import __version__
from ._cli_args import (
    PROVISION_HELP,
    TOKEN_ENV,
    add_command,
    add_global_options,
    date_arg,
    latency_arg,
    port_arg,
    positive_int,
    types_arg,
)
from ._cli_output import EventWriter, Progress, event_writer, format_options
from ._redact import Redactor
from .backfill import Backfill
from .checkpoint import Checkpoint
from .client import MonuvClient
from .errors import AuthenticationError, MonuvError
from .models import Event

__all__ = ["TOKEN_ENV", "UsageError", "build_parser", "event_source", "main", "run"]


# Kept here (equal to monuv_async.testing.DEMO_TOKEN, which a test checks) so
# that every command need not import the simulator and aiohttp.web.
_DEMO_TOKEN = "monuv-demo-token"  # noqa: S105 - public, and masked like a real one


class UsageError(Exception):
    """Bad command-line usage: reported on one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    """The ``monuv`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="monuv",
        description="Command-line client for the Monuv partner API (cloud video).",
        epilog=(
            f"The partner token is read from the {TOKEN_ENV} environment variable, or from"
            " --token-file; it is never accepted as an argument. Try `monuv demo` for a"
            " tour against a built-in simulator (no token, no network)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_global_options(parser, defaults=True)
    # Accepted after the command too (`monuv events ... -v`); there they
    # default to "not given", so they never undo what came before the command.
    common = argparse.ArgumentParser(add_help=False)
    add_global_options(common, defaults=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    events = add_command(
        commands,
        common,
        "events",
        help="write every event of a date window (JSON lines or CSV)",
        description=(
            "Write every event from --since to --until (whole days, Monuv's time zone),"
            " to stdout or --output. A summary goes to stderr at the end,"
            " and a progress line too when stderr is a terminal."
        ),
    )
    events.add_argument("--since", type=date_arg, required=True, metavar="DATE", help="YYYY-MM-DD")
    events.add_argument("--until", type=date_arg, required=True, metavar="DATE", help="YYYY-MM-DD")
    events.add_argument("--camera", type=positive_int, metavar="ID", help="only this camera")
    events.add_argument(
        "--types", type=types_arg, metavar="IDS", help="only these event types, e.g. 1,4"
    )
    events.add_argument(
        "--format", choices=("jsonl", "csv"), default="jsonl", help="output format (%(default)s)"
    )
    events.add_argument("--output", type=Path, metavar="FILE", help="write here, not to stdout")
    events.add_argument(
        "--checkpoint",
        type=Path,
        metavar="FILE",
        help=(
            "save progress here as it goes, and resume from it if it exists (with --output,"
            " the file is then appended to): a crashed or interrupted run continues with"
            " no event lost or repeated"
        ),
    )
    events.add_argument(
        "--snapshots",
        type=Path,
        metavar="DIR",
        help=(
            "also save each event's image as DIR/<event id>.jpg; files already there are"
            " skipped. Exit 1 if any download failed: re-running the window without"
            " --checkpoint fetches only the missing images"
        ),
    )
    events.set_defaults(handler=_events)

    cameras = add_command(commands, common, "cameras", help="camera options; bulk camera creation")
    camera_commands = cameras.add_subparsers(dest="action", metavar="ACTION", required=True)
    add_command(
        camera_commands,
        common,
        "options",
        help="manufacturers, models, plans and installation codes",
    ).set_defaults(handler=_camera_options)
    provision = add_command(
        camera_commands,
        common,
        "provision",
        help="create cameras from a CSV file (resumable)",
        description=PROVISION_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    provision.add_argument("file", type=Path, metavar="FILE.csv", help="one camera per row")
    provision.add_argument(
        "--results",
        type=Path,
        metavar="FILE",
        help="where outcomes are recorded (default: beside the input, cams.results.csv"
        " for cams.csv)",
    )
    provision.set_defaults(handler=_provision)

    for noun, key, metavar, key_type in (
        ("clients", "document", "DOCUMENT", str),
        ("users", "user_id", "ID", positive_int),
    ):
        group = add_command(commands, common, noun, help=f"block or unblock {noun}")
        actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
        for action in ("block", "unblock"):
            sub = add_command(actions, common, action, help=f"{action} one of the partner's {noun}")
            what = "CPF or CNPJ, formatted or not" if noun == "clients" else "the user's id"
            sub.add_argument(key, type=key_type, metavar=metavar, help=what)
            sub.set_defaults(handler=_block, noun=noun)

    simulate = add_command(
        commands,
        common,
        "simulate",
        help="serve the Monuv simulator until interrupted",
        description=(
            "Serve an in-memory Monuv API (monuv_async.testing.MonuvSimulator) until"
            f" SIGINT/SIGTERM. It accepts the token of {TOKEN_ENV} / --token-file,"
            " or else the demo token."
        ),
    )
    simulate.add_argument("--host", default="127.0.0.1", help="address to bind (%(default)s)")
    simulate.add_argument("--port", type=port_arg, default=8080, help="port (%(default)s; 0: any)")
    simulate.add_argument(
        "--latency",
        type=latency_arg,
        default=0.0,
        metavar="SECONDS",
        help="delay of each answer (%(default)s)",
    )
    simulate.set_defaults(handler=_simulate)

    demo = add_command(
        commands,
        common,
        "demo",
        help="a full tour against an in-process simulator (no token, no network)",
        description=(
            "Start a simulator in-process, create a client with users, create cameras"
            " concurrently, read every event of the last 7 days, and summarise."
        ),
    )
    demo.add_argument(
        "--cameras", type=positive_int, default=24, metavar="N", help="cameras to create (24)"
    )
    demo.add_argument(
        "--latency",
        type=latency_arg,
        default=0.005,
        metavar="SECONDS",
        help="simulated delay of each answer (%(default)s)",
    )
    demo.set_defaults(handler=_demo)
    return parser


# -- running a command ----------------------------------------------------------


class _Context:
    """What a command needs: its arguments, the token (if any), the redactor."""

    def __init__(self, args: argparse.Namespace, token: str | None) -> None:
        self.args = args
        self.token = token
        # The simulator's commands may use its public demo token: mask it too.
        simulated = args.command in {"demo", "simulate"}
        self.redact = Redactor(*filter(None, (token, _DEMO_TOKEN if simulated else None)))

    def client(self) -> MonuvClient:
        """A client configured from the global options; needs the token."""
        if self.token is None:
            msg = f"no token: set {TOKEN_ENV} or give --token-file PATH"
            raise UsageError(msg)
        return MonuvClient(
            self.token,
            base_url=self.args.base_url,
            max_concurrency=self.args.concurrency,
            timeout=self.args.timeout,
        )


Handler = Callable[[_Context], Coroutine[Any, Any, int]]


def _read_token(args: argparse.Namespace) -> str | None:
    """The token from --token-file or the environment; ``None`` when neither gives one."""
    path: Path | None = args.token_file
    if path is not None:
        try:
            token = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            msg = f"cannot read the token file {str(path)!r}: {_reason(error)}"
            raise UsageError(msg) from None
        if not token:
            msg = f"the token file {str(path)!r} is empty"
            raise UsageError(msg)
        return token
    return os.environ.get(TOKEN_ENV, "").strip() or None


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


_SAVE_EVERY = 2.0
"""Seconds between checkpoint saves (also at the end, and when the walk fails)."""
_SNAPSHOT_BATCH = 200
"""With --snapshots: events whose images are fetched before they are written."""


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
        ctx: _Context,
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


async def _events(ctx: _Context) -> int:
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
    sys.stderr.write(
        _events_summary(sink.count, monuv, resume, snapshots, time.perf_counter() - started)
    )
    if sink.outcomes["failed"] and args.checkpoint is not None:
        # The checkpoint counts those events as done: a resumed run will not
        # revisit them, but a plain re-run skips every image already saved.
        sys.stderr.write(
            "monuv: re-run the same window without --checkpoint to fetch only the missing images\n"
        )
    return 1 if sink.outcomes["failed"] else 0


def _events_summary(
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


async def _camera_options(ctx: _Context) -> int:
    async with ctx.client() as monuv:
        options = await monuv.camera_options()
    sys.stdout.write(format_options(options))
    return 0


async def _provision(ctx: _Context) -> int:
    from ._cli_provision import default_results_path, provision  # noqa: PLC0415 - only here

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


async def _block(ctx: _Context) -> int:
    args = ctx.args
    async with ctx.client() as monuv:
        if args.noun == "clients":
            call = monuv.block_client if args.action == "block" else monuv.unblock_client
            await call(args.document)
            what = f"client {args.document}"
        else:
            op = monuv.block_user if args.action == "block" else monuv.unblock_user
            await op(args.user_id)
            what = f"user {args.user_id}"
    sys.stdout.write(f"ok: {what} {args.action}ed\n")
    return 0


async def _simulate(ctx: _Context) -> int:
    from ._cli_sim import simulate  # noqa: PLC0415 - aiohttp.web is loaded only here

    args = ctx.args
    hint = f"--token-file {args.token_file} " if args.token_file else ""
    return await simulate(
        token=ctx.token,
        token_hint=hint,
        host=args.host,
        port=args.port,
        latency=args.latency,
        err=sys.stderr,
    )


async def _demo(ctx: _Context) -> int:
    from ._cli_sim import demo  # noqa: PLC0415 - aiohttp.web is loaded only here

    args = ctx.args
    return await demo(
        concurrency=args.concurrency, cameras=args.cameras, latency=args.latency, out=sys.stdout
    )


# -- errors and logging ----------------------------------------------------------


class _RedactingFormatter(logging.Formatter):
    """Belt and braces: the library masks the token already; this masks it again."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


@contextlib.contextmanager
def _logging(verbose: bool, redact: Redactor) -> Iterator[None]:
    """Log the library at DEBUG to stderr while inside, when ``verbose``."""
    if not verbose:
        yield
        return
    logger = logging.getLogger("monuv_async")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter(redact))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror}{where}"
    return str(error) or type(error).__name__


def _fail(error: BaseException, code: int, *, verbose: bool, redact: Redactor) -> int:
    """Report ``error`` as one line on stderr (after its traceback when verbose)."""
    if verbose:
        sys.stderr.write(redact("".join(traceback.format_exception(error))))
    message = _reason(error)
    if isinstance(error, AuthenticationError):
        message += f" (check the token in {TOKEN_ENV} or --token-file)"
    sys.stderr.write(f"monuv: error: {redact(message)}\n")
    return code


def run(argv: Sequence[str] | None = None) -> int:
    """Run ``monuv`` with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or a usage error already printed
        return exit_.code if isinstance(exit_.code, int) else 2
    verbose: bool = args.verbose
    redact = Redactor()
    try:
        token = None if args.command == "demo" else _read_token(args)
        ctx = _Context(args, token)
        redact = ctx.redact
        handler: Handler = args.handler
        with _logging(verbose, redact):
            return asyncio.run(handler(ctx))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`monuv events | head`): stop quietly, and keep
        # Python from complaining when it flushes stdout at exit.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 141
    except UsageError as error:
        return _fail(error, 2, verbose=False, redact=redact)
    except (ValueError, TypeError) as error:
        return _fail(error, 2, verbose=verbose, redact=redact)
    except (MonuvError, OSError, csv.Error) as error:
        return _fail(error, 1, verbose=verbose, redact=redact)


def main() -> NoReturn:
    """The console script: run with ``sys.argv`` and exit with its status."""
    sys.exit(run())
