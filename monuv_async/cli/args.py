"""What a ``monuv`` command gets from its command line: argument types, the
options every command shares, and the :class:`Context` handed to each command.

Nothing here imports the client (and so aiohttp): the parser is built from this
module, and ``monuv --help`` should not pay for what only a request needs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Coroutine

# `from typing import TYPE_CHECKING` would load typing (~5 ms, a tenth of
# `monuv --help`); type checkers treat any name TYPE_CHECKING as true.
TYPE_CHECKING = False

# Imported where first used, not here: `monuv --help` and `--version` build the
# parser from this module and exit, and these would cost them ~30 ms (the
# redactor loads yarl; pathlib, datetime).
if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path
    from typing import Any, TypeVar

    from ..client import MonuvClient

    N = TypeVar("N", int, float)

__all__ = [
    "GLOBAL_DEFAULTS",
    "TOKEN_ENV",
    "Context",
    "Handler",
    "HelpFormatter",
    "RawDescriptionHelpFormatter",
    "UsageError",
    "add_command",
    "add_global_options",
    "date_arg",
    "latency_arg",
    "path_arg",
    "poll_interval_arg",
    "port_arg",
    "count_arg",
    "positive_int",
    "rate_arg",
    "share_arg",
    "seconds_arg",
    "types_arg",
]

TOKEN_ENV = "MONUV_TOKEN"  # noqa: S105 - the variable's name, not a token
"""The environment variable the token is read from (unless ``--token-file``)."""

GLOBAL_DEFAULTS: dict[str, object] = {"concurrency": 8, "timeout": 30.0}
"""The values of the global options a command uses when they are not given."""


class UsageError(Exception):
    """Bad command-line usage: reported on one line, exit status 2."""


class Context:
    """What a command needs: its arguments, the token (if any), the redactor.

    ``also_secret`` are further strings to mask in every line the command
    writes (the simulator's public demo token, for the commands that use it).
    """

    def __init__(
        self, args: argparse.Namespace, token: str | None, *, also_secret: tuple[str, ...] = ()
    ) -> None:
        from .._redact import Redactor  # noqa: PLC0415 - see the imports above

        self.args = args
        self.token = token
        self.redact = Redactor(*filter(None, (token, *also_secret)))

    def client(self) -> MonuvClient:
        """A client configured from the global options; needs the token."""
        if self.token is None:
            msg = f"no token: set {TOKEN_ENV} or give --token-file PATH"
            raise UsageError(msg)
        from ..client import DEFAULT_BASE_URL, MonuvClient  # noqa: PLC0415 - loads aiohttp

        url: str | None = self.args.base_url
        return MonuvClient(
            self.token,
            base_url=DEFAULT_BASE_URL if url is None else url,
            max_concurrency=self.args.concurrency,
            timeout=self.args.timeout,
        )


Handler = Callable[[Context], Coroutine[object, object, int]]
"""A command: runs with its context, returns the exit status."""


# -- argument types ----------------------------------------------------------


def date_arg(text: str) -> date:
    """``YYYY-MM-DD`` as a date."""
    from datetime import date  # noqa: PLC0415 - see the imports above

    try:
        return date.fromisoformat(text)
    except ValueError:
        msg = f"not a date (YYYY-MM-DD): {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


_INFINITY = float("inf")  # math.inf, without importing math for --help


def _number(text: str, kind: Callable[[str], N], ok: Callable[[N], bool], what: str) -> N:
    """``text`` read by ``kind`` if ``ok`` accepts it, else an argparse error saying ``what``."""
    try:
        value = kind(text)
    except ValueError:
        value = None
    # NaN fails every comparison, so ``ok`` refuses it too.
    if value is None or not ok(value):
        msg = f"not {what}: {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def positive_int(text: str) -> int:
    """An integer >= 1 (an id, a count)."""
    return _number(text, int, lambda v: v >= 1, "a positive integer")


def count_arg(text: str) -> int:
    """An integer >= 0 (a count that may be none)."""
    return _number(text, int, lambda v: v >= 0, "a count (0 or more)")


def rate_arg(text: str) -> float:
    """A finite rate, > 0 (events per second)."""
    return _number(text, float, lambda v: 0 < v < _INFINITY, "a rate (a number > 0)")


def share_arg(text: str) -> float:
    """A share, from 0 to 1."""
    return _number(text, float, lambda v: 0 <= v <= 1, "a share (0 to 1)")


def seconds_arg(text: str, *, allow_zero: bool = False) -> float:
    """A finite number of seconds, > 0 (or >= 0 with ``allow_zero``)."""

    def ok(value: float) -> bool:
        return (value >= 0 if allow_zero else value > 0) and value < _INFINITY

    return _number(text, float, ok, "a number of seconds")


def latency_arg(text: str) -> float:
    """A finite number of seconds, >= 0."""
    return seconds_arg(text, allow_zero=True)


# watch.MIN_POLL_INTERVAL, not imported: that module loads the whole client,
# which --help must not (tests/test_cli_args.py checks that the two agree).
_MIN_POLL_INTERVAL = 1.0


def poll_interval_arg(text: str) -> float:
    """``--poll-interval``: seconds, at least the watch's minimum (1)."""
    value = seconds_arg(text)
    if value < _MIN_POLL_INTERVAL:
        msg = f"not at least {_MIN_POLL_INTERVAL:g} second: {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def port_arg(text: str) -> int:
    """A TCP port, 0 meaning "any free port"."""
    return _number(text, int, lambda v: 0 <= v <= 65535, "a port number (0-65535)")


def path_arg(text: str) -> Path:
    """A file or directory path, as given (``type=Path``, with pathlib loaded only when used)."""
    from pathlib import Path  # noqa: PLC0415 - see the imports above

    return Path(text)


def types_arg(text: str) -> tuple[int, ...]:
    """Comma-separated event type ids, e.g. ``1,4``."""
    return tuple(positive_int(part.strip()) for part in text.split(","))


# -- help ----------------------------------------------------------------------


def _columns() -> int:
    """What ``shutil.get_terminal_size().columns`` says: COLUMNS, else the terminal, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
        columns = columns or 80
    return columns


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help formatter, as wide as argparse makes it, without importing shutil.

    argparse sizes each formatter with ``shutil.get_terminal_size()``, and
    importing shutil (bz2, lzma and zlib with it) is ~4 ms of ``monuv --help``:
    this reads the same variable and terminal itself. Every parser of the
    command uses it (argparse builds a formatter per argument added, too).
    """

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        width = _columns() - 2 if width is None else width  # argparse's own margin
        super().__init__(prog, indent_increment, max_help_position, width)


class RawDescriptionHelpFormatter(HelpFormatter, argparse.RawDescriptionHelpFormatter):
    """:class:`HelpFormatter` keeping the description's own line breaks."""


# -- shared options ------------------------------------------------------------


def add_global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """Add the options every command shares; ``defaults=False`` leaves unset ones out."""

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    group = parser.add_argument_group("global options")
    # The default URL is the client's own: naming it here would mean importing
    # the client (and aiohttp) to print --help, or keeping a second copy of it.
    group.add_argument(
        "--base-url",
        default=default(None),
        metavar="URL",
        help="API base URL (default: Monuv's production API)",
    )
    group.add_argument(
        "--token-file",
        type=path_arg,
        default=default(None),
        metavar="PATH",
        help=f"read the token from this file instead of {TOKEN_ENV}",
    )
    # Defaults filled in after parsing (GLOBAL_DEFAULTS), so that an option
    # given to a command that has no use for it can be told from its default.
    group.add_argument(
        "--concurrency",
        type=positive_int,
        default=default(None),
        metavar="N",
        help=f"requests in flight at once ({GLOBAL_DEFAULTS['concurrency']})",
    )
    group.add_argument(
        "--timeout",
        type=seconds_arg,
        default=default(None),
        metavar="SECONDS",
        help=f"time limit of each request try ({GLOBAL_DEFAULTS['timeout']:g})",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default(False),
        help="log requests to stderr; tracebacks on errors",
    )


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    name: str,
    **kwargs: Any,
) -> argparse.ArgumentParser:
    """Add the command ``name``, accepting the global options too."""
    kwargs.setdefault("formatter_class", HelpFormatter)
    return commands.add_parser(name, parents=[common], **kwargs)
