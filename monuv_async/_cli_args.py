"""Argument types and shared options of the ``monuv`` command (see :mod:`monuv_async.cli`)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from .client import DEFAULT_BASE_URL

__all__ = [
    "PROVISION_HELP",
    "TOKEN_ENV",
    "add_command",
    "add_global_options",
    "date_arg",
    "latency_arg",
    "port_arg",
    "positive_int",
    "seconds_arg",
    "types_arg",
]

TOKEN_ENV = "MONUV_TOKEN"  # noqa: S105 - the variable's name, not a token
"""The environment variable the token is read from (unless ``--token-file``)."""

PROVISION_HELP = """\
Create one camera per row of FILE.csv. The first line names the columns:
client_id and description are required; camera_address, latitude, longitude,
connection_type, resolution_id, history_days, manufacturer_id,
camera_model_id, installation_local, installation_area and equipment_state
are optional, and so are manufacturer and camera_model, which give those by
name (see `monuv cameras options`). Empty cells are left out. A row that
does not validate is recorded as failed without being sent. At most
--concurrency creates are in flight at once, and the file is read only as
fast as they complete, so any size of file runs in constant memory.

Every row's outcome (row, key, status created|failed|skipped, camera_id,
rtmp_url, error) is appended to the results file as soon as it is known.
Running again with the same results file skips the rows recorded as created
(matched by row number and description: do not reorder the file between
runs) and sends the others again. Creates are never retried here: a row that
failed because its answer was lost (a timeout, a reset connection, a 5xx)
may nevertheless exist on the server; its error says so -- check before
re-running. Exits 1 if any row failed."""


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
    group.add_argument(
        "--base-url",
        default=default(DEFAULT_BASE_URL),
        metavar="URL",
        help=f"API base URL ({DEFAULT_BASE_URL})",
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
