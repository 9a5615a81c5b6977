"""The ``monuv`` argument types and context (monuv_async.cli.args)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from _cli_helpers import every_parser

from monuv_async.cli import build_parser
from monuv_async.cli.args import (
    Context,
    HelpFormatter,
    RawDescriptionHelpFormatter,
    UsageError,
    count_arg,
    date_arg,
    latency_arg,
    path_arg,
    poll_interval_arg,
    port_arg,
    positive_int,
    rate_arg,
    seconds_arg,
    share_arg,
    types_arg,
)
from monuv_async.watch import MIN_POLL_INTERVAL


@pytest.mark.parametrize(
    ("parse", "text", "value"),
    [
        (date_arg, "2026-11-20", date(2026, 11, 20)),
        (positive_int, "42", 42),
        (seconds_arg, "0.5", 0.5),
        (latency_arg, "0", 0.0),
        (port_arg, "0", 0),
        (port_arg, "65535", 65535),
        (types_arg, "1, 4", (1, 4)),
        (count_arg, "0", 0),
        (rate_arg, "0.5", 0.5),
        (share_arg, "1", 1.0),
        (share_arg, "0", 0.0),
    ],
)
def test_types_accept_good_values(parse: Callable[[str], object], text: str, value: object) -> None:
    """Each argument type turns its valid text into the value."""
    assert parse(text) == value


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (date_arg, "20/11/2026"),
        (positive_int, "0"),
        (positive_int, "x"),
        (seconds_arg, "0"),
        (seconds_arg, "inf"),
        (seconds_arg, "nan"),
        (latency_arg, "-1"),
        (port_arg, "65536"),
        (types_arg, "1,,4"),
        (count_arg, "-1"),
        (rate_arg, "0"),
        (rate_arg, "inf"),
        (share_arg, "1.5"),
        (share_arg, "nan"),
    ],
)
def test_types_refuse_bad_values(parse: Callable[[str], object], text: str) -> None:
    """Bad text is an ArgumentTypeError (argparse turns that into exit 2)."""
    with pytest.raises(argparse.ArgumentTypeError, match=r"^not a "):
        parse(text)


def test_context_without_token_is_a_usage_error() -> None:
    """A command needing the API without a token stops with a UsageError naming the variable."""
    ctx = Context(argparse.Namespace(), None)
    with pytest.raises(UsageError, match="MONUV_TOKEN"):
        ctx.client()


def test_context_masks_the_token_and_the_extra_secrets() -> None:
    """The context's redactor masks the token and each ``also_secret`` string."""
    ctx = Context(argparse.Namespace(), "tok-123456", also_secret=("demo-654321",))
    masked = ctx.redact("a tok-123456 b demo-654321")
    assert "tok-123456" not in masked
    assert "demo-654321" not in masked


def test_path_arg_is_a_path() -> None:
    """``path_arg`` gives what ``type=Path`` gave: the path as written."""
    assert path_arg("out/events.csv") == Path("out/events.csv")


@pytest.mark.parametrize("columns", [None, "", "wide", "0", "30", "57", "200"])
def test_help_is_what_argparse_own_formatter_prints(
    columns: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With COLUMNS unset, invalid or set, every parser's help is byte for byte what
    argparse's stock formatter (sized by shutil) prints: HelpFormatter only avoids shutil."""
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    stock: dict[object, type[argparse.HelpFormatter]] = {
        HelpFormatter: argparse.HelpFormatter,
        RawDescriptionHelpFormatter: argparse.RawDescriptionHelpFormatter,
    }
    parsers = list(every_parser(build_parser()))
    assert len(parsers) > 10  # the walk reached the commands
    for parser in parsers:
        ours = parser.format_help()
        parser.formatter_class = stock[parser.formatter_class]
        assert parser.format_help() == ours, parser.prog


def test_poll_interval_arg_takes_the_watch_minimum_and_refuses_less() -> None:
    """The CLI's bound is the watch's own: what it accepts, watch_events accepts too."""
    assert poll_interval_arg(f"{MIN_POLL_INTERVAL}") == MIN_POLL_INTERVAL
    with pytest.raises(argparse.ArgumentTypeError, match=r"not at least 1 second: '0\.5'"):
        poll_interval_arg(f"{MIN_POLL_INTERVAL / 2}")
