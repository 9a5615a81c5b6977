"""The ``monuv`` command's frame: reading the token, running the chosen command,
logging, and turning what it raised into one line and an exit code.

Exit codes: 0 success, 1 an operation failed, 2 bad usage or input,
128+signal interrupted (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP), 141 the
reader of stdout went away.
"""

from __future__ import annotations

import argparse
import os
import sys

from .args import GLOBAL_DEFAULTS, TOKEN_ENV, Context, Handler, UsageError
from .parser import build_parser

# `monuv --help`, `--version` and a usage error end inside parse_args(), and
# should cost little more than the interpreter's start (issue 14). So what only
# a command that runs needs (the library's errors, the redactor, logging,
# traceback, csv, asyncio, the terminal escaping: ~30 ms) is imported where it
# is used, after parsing. tests/test_cli_app.py checks what --help leaves unloaded.

# `from typing import TYPE_CHECKING` would load typing (~5 ms, a tenth of
# `monuv --help`); type checkers treat any name TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from typing import NoReturn

    from .._redact import Redactor

__all__ = ["main", "run"]

_SIMULATED = frozenset({"demo", "simulate"})
"""The commands that may use the simulator's public demo token (masked like a real one)."""


# -- running a command ----------------------------------------------------------


def _read_token(args: argparse.Namespace) -> str | None:
    """The token from --token-file or the environment; ``None`` when neither gives one."""
    path: Path | None = args.token_file
    if path is not None:
        try:
            # utf-8-sig: Windows Notepad starts the file with a BOM; strip() takes its CRLF.
            token = path.read_text(encoding="utf-8-sig").strip()
        except (OSError, UnicodeDecodeError) as error:
            msg = f"cannot read the token file {str(path)!r}: {_reason(error)}"
            raise UsageError(msg) from None
        if not token:
            msg = f"the token file {str(path)!r} is empty"
            raise UsageError(msg)
        return token
    return os.environ.get(TOKEN_ENV, "").strip() or None


_IGNORED = {
    "demo": ("base_url", "token_file", "timeout"),
    "simulate": ("base_url", "concurrency", "timeout"),
}
"""Global options a command has no use for: refused rather than silently ignored."""


def _check_arguments(args: argparse.Namespace) -> None:
    """What argparse cannot check alone, in the command line's own terms."""
    since, until = getattr(args, "since", None), getattr(args, "until", None)
    if since is not None and until is not None and until < since:
        msg = f"--until {until.isoformat()} is before --since {since.isoformat()}"
        raise UsageError(msg)
    _refuse_ignored(args)


def _refuse_ignored(args: argparse.Namespace) -> None:
    for dest in _IGNORED.get(args.command, ()):
        if getattr(args, dest, None) is not None:
            option = "--" + dest.replace("_", "-")
            msg = f"{option}: `monuv {args.command}` does not use it (it runs its own simulator)"
            if args.command == "simulate" and dest == "base_url":
                msg = f"{option}: `monuv simulate` serves the API; use --host and --port"
            raise UsageError(msg)
    if (
        args.command == "simulate"
        and args.live is None
        and (args.late_share or args.late_by != 300.0)
    ):
        msg = "--late-share/--late-by: only with --live RATE"
        raise UsageError(msg)
    if args.command == "simulate" and args.live is not None and args.today is not None:
        msg = "--today: not with --live (live events follow the real clock)"
        raise UsageError(msg)
    for dest, value in GLOBAL_DEFAULTS.items():
        if getattr(args, dest, None) is None:
            setattr(args, dest, value)


def _context(args: argparse.Namespace) -> Context:
    _check_arguments(args)
    if args.command not in _SIMULATED:
        return Context(args, _read_token(args))
    # These commands load the simulator anyway; its token is masked like a real one.
    from ..testing import DEMO_TOKEN  # noqa: PLC0415 - loads aiohttp.web

    token = None if args.command == "demo" else _read_token(args)
    return Context(args, token, also_secret=(DEMO_TOKEN,))


def _redacting_formatter(redact: Redactor) -> logging.Formatter:
    """Belt and braces: the library masks the token already; this masks it again."""
    import logging  # noqa: PLC0415 - see the imports above

    from .terminal import for_terminal  # noqa: PLC0415 - see the imports above

    class RedactingFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            # Log lines quote server text (URLs, error bodies): no control sequences.
            return for_terminal(redact(super().format(record)), keep_newlines=True)

    return RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


class _Logging:
    """Log the library at DEBUG to stderr while inside, when ``verbose``.

    A class, not ``@contextlib.contextmanager``: nothing else loads contextlib
    on the way to a wheel install's ``--help`` (see the imports above).
    """

    def __init__(self, verbose: bool, redact: Redactor) -> None:
        self._verbose = verbose
        self._redact = redact
        self._undo: Callable[[], None] | None = None

    def __enter__(self) -> None:
        if not self._verbose:
            return
        import logging  # noqa: PLC0415 - see the imports above

        logger = logging.getLogger("monuv_async")
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_redacting_formatter(self._redact))
        level = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)

        def undo() -> None:
            logger.removeHandler(handler)
            logger.setLevel(level)

        self._undo = undo

    def __exit__(self, *exc_info: object) -> None:
        if self._undo is not None:
            self._undo()


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror}{where}"
    return str(error) or type(error).__name__


def _fail(error: BaseException, code: int, *, verbose: bool, redact: Redactor) -> int:
    """Report ``error`` as one line on stderr (after its traceback when verbose)."""
    from ..errors import AuthenticationError  # noqa: PLC0415 - see the imports above
    from .terminal import for_terminal  # noqa: PLC0415 - see the imports above

    if verbose:
        import traceback  # noqa: PLC0415 - see the imports above

        trace = redact("".join(traceback.format_exception(error)))
        sys.stderr.write(for_terminal(trace, keep_newlines=True))
    message = _reason(error)
    if isinstance(error, AuthenticationError):
        message += f" (check the token in {TOKEN_ENV} or --token-file)"
    # The message may quote the server: shown, never obeyed by the terminal.
    sys.stderr.write(f"monuv: error: {for_terminal(redact(message))}\n")
    return code


def run(argv: Sequence[str] | None = None) -> int:
    """Run ``monuv`` with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)  # the commands argv does not name, as stubs
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or a usage error already printed
        return exit_.code if isinstance(exit_.code, int) else 2
    return _execute(args)


def _execute(args: argparse.Namespace) -> int:
    """Run the command ``args`` chose; what it raised becomes a line and an exit status."""
    import csv  # noqa: PLC0415 - see the imports above

    from .._redact import Redactor  # noqa: PLC0415 - see the imports above
    from ..errors import MonuvError  # noqa: PLC0415 - see the imports above

    verbose: bool = args.verbose
    redact = Redactor()
    try:
        ctx = _context(args)
        redact = ctx.redact
        handler: Handler = args.handler
        import asyncio  # noqa: PLC0415 - see the imports above

        with _Logging(verbose, redact):
            return asyncio.run(handler(ctx))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`monuv events | head`): stop quietly, and keep
        # Python from complaining when it flushes stdout at exit.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
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
