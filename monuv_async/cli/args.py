"""What a ``monuv`` command gets from its command line: argument types, the
options every command shares, and the :class:`Context` handed to each command.

Nothing here imports the client (and so aiohttp): the parser is built from this
module, and ``monuv --help`` should not pay for what only a request needs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._redact import Redactor

if TYPE_CHECKING:
    from ..client import MonuvClient

__all__ = [
    "TOKEN_ENV",
    "Context",
    "Handler",
    "UsageError",
    "add_command",
    "add_global_options",
    "date_arg",
    "latency_arg",
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


Handler = Callable[[Context], Coroutine[Any, Any, int]]
"""A command: runs with its context, returns the exit status."""


# -- argument types ----------------------------------------------------------


def date_arg(text: str) -> date:
    """``YYYY-MM-DD`` as a date."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        msg = f"not a date (YYYY-MM-DD): {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


def positive_int(text: str) -> int:
    """An integer >= 1 (an id, a count)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        msg = f"not a positive integer: {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def count_arg(text: str) -> int:
    """An integer >= 0 (a count that may be none)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        msg = f"not a count (0 or more): {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def rate_arg(text: str) -> float:
    """A finite rate, > 0 (events per second)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        msg = f"not a rate (a number > 0): {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def share_arg(text: str) -> float:
    """A share, from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        msg = f"not a share (0 to 1): {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def seconds_arg(text: str, *, allow_zero: bool = False) -> float:
    """A finite number of seconds, > 0 (or >= 0 with ``allow_zero``)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value >= 0 if allow_zero else value > 0) or value == float("inf"):
        msg = f"not a number of seconds: {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def latency_arg(text: str) -> float:
    """A finite number of seconds, >= 0."""
    return seconds_arg(text, allow_zero=True)


def port_arg(text: str) -> int:
    """A TCP port, 0 meaning "any free port"."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        msg = f"not a port number (0-65535): {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def types_arg(text: str) -> tuple[int, ...]:
    """Comma-separated event type ids, e.g. ``1,4``."""
    return tuple(positive_int(part.strip()) for part in text.split(","))


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
        type=Path,
        default=default(None),
        metavar="PATH",
        help=f"read the token from this file instead of {TOKEN_ENV}",
    )
    group.add_argument(
        "--concurrency",
        type=positive_int,
        default=default(8),
        metavar="N",
        help="requests in flight at once (8)",
    )
    group.add_argument(
        "--timeout",
        type=seconds_arg,
        default=default(30.0),
        metavar="SECONDS",
        help="time limit of each request try (30)",
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
    return commands.add_parser(name, parents=[common], **kwargs)
