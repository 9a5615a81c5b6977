"""The ``monuv`` argument parser, and which function runs each command.

Each command lives in its own module (:mod:`.events`, :mod:`.admin`,
:mod:`.provision`, :mod:`.simulate`), imported only when that command runs:
building the parser needs none of them, so ``monuv --help`` loads neither the
client nor aiohttp nor the simulator.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from .args import (
    TOKEN_ENV,
    Context,
    Handler,
    HelpFormatter,
    RawDescriptionHelpFormatter,
    add_command,
    add_global_options,
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

# `from typing import TYPE_CHECKING` would load typing (~5 ms, a tenth of
# `monuv --help`); type checkers treat any name TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, NoReturn


__all__ = ["build_parser"]


# -- the commands, each loaded only when it runs ----------------------------------


def _lazy(module: str, name: str) -> Handler:
    """The command ``name`` of the module ``module``, imported when it first runs.

    The command modules import the client (and so aiohttp) or the simulator;
    the parser must not, or ``monuv --help`` would pay for them.
    """

    async def handler(ctx: Context) -> int:
        import importlib  # noqa: PLC0415 - not loaded yet on the way to --help

        command: Handler = getattr(importlib.import_module(f".{module}", __package__), name)
        return await command(ctx)

    return handler


# -- the parser ---------------------------------------------------------------------


class _PrintAndExit(argparse.Action):
    """An option that takes no value, stores nothing, prints and exits (like ``-h``)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.pop("default", None)
        kwargs.pop("nargs", None)
        super().__init__(option_strings, dest, default=argparse.SUPPRESS, nargs=0, **kwargs)


class _Version(_PrintAndExit):
    """``--version``: looks the version up only when asked (a metadata read)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> NoReturn:
        from .. import __version__  # noqa: PLC0415 - only --version needs it

        sys.stdout.write(f"{parser.prog} {__version__}\n")
        parser.exit()


class _ProvisionHelp(_PrintAndExit):
    """``cameras provision -h``: its description is built only when asked, since it
    names the columns read from NewCamera, and importing the models costs every run."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> NoReturn:
        from .columns import provision_description  # noqa: PLC0415 - loads attrs

        parser.description = provision_description()
        parser.print_help()
        parser.exit()


def _add_seed_options(simulate: argparse.ArgumentParser) -> None:
    """``monuv simulate``'s options for what the simulator holds."""
    seeded = simulate.add_argument_group("what it holds")
    seeded.add_argument(
        "--clients",
        type=count_arg,
        default=1,
        metavar="N",
        help="clients to create at start, ids 1.. (%(default)s; their ids are printed)",
    )
    seeded.add_argument(
        "--cameras", type=positive_int, default=3, metavar="N", help="cameras, ids 1001.. (3)"
    )
    seeded.add_argument(
        "--days", type=positive_int, default=7, metavar="N", help="days of events (%(default)s)"
    )
    seeded.add_argument(
        "--events-per-day",
        type=count_arg,
        default=300,
        metavar="N",
        help="events per camera per day (%(default)s)",
    )
    seeded.add_argument(
        "--today",
        type=date_arg,
        metavar="DATE",
        help="the simulated date, YYYY-MM-DD (default: today); events end with it",
    )
    seeded.add_argument(
        "--live",
        type=rate_arg,
        metavar="RATE",
        help="also generate RATE new events per camera per second, as time passes",
    )
    seeded.add_argument(
        "--late-share",
        type=share_arg,
        default=0.0,
        metavar="SHARE",
        help="with --live: this share of new events arrives late (%(default)s)",
    )
    seeded.add_argument(
        "--late-by",
        type=seconds_arg,
        default=300.0,
        metavar="SECONDS",
        help="with --live: how late those arrive (%(default)s)",
    )


_Fill = Callable[[argparse.ArgumentParser, argparse.ArgumentParser], None]
"""What adds a command's arguments, given its parser and the shared options' parser."""


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``monuv`` argument parser; the one for the command line ``argv``, if given.

    Given ``argv``, only the commands it names are built in full. The others
    get their name and help line alone: all that ``monuv --help`` shows of
    them, and all argparse needs, since it only ever enters the command the
    line names (matched whole). That spares ``--help``, ``--version`` and each
    command building a dozen parsers they never use, ~5 ms of the start-up.
    """
    parser = argparse.ArgumentParser(
        formatter_class=HelpFormatter,
        prog="monuv",
        description="Command-line client for the Monuv partner API (cloud video).",
        epilog=(
            f"The partner token is read from the {TOKEN_ENV} environment variable, or from"
            " --token-file; it is never accepted as an argument. Try `monuv demo` for a"
            " tour against a built-in simulator (no token, no network)."
        ),
    )
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    add_global_options(parser, defaults=True)
    # Accepted after the command too (`monuv events ... -v`); there they
    # default to "not given", so they never undo what came before the command.
    common = argparse.ArgumentParser(add_help=False, formatter_class=HelpFormatter)
    add_global_options(common, defaults=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_, fill in _COMMANDS:
        if argv is None or name in argv:
            fill(add_command(commands, common, name, help=help_), common)
        else:
            commands.add_parser(name, help=help_, add_help=False)
    return parser


def _events(events: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    events.description = (
        "Write every event from --since to --until (whole days, Monuv's time zone),"
        " or with --follow every new event until interrupted, to stdout or --output."
        " A summary goes to stderr at the end, and a progress line too when stderr"
        " is a terminal. Killed at any moment (even kill -9) and run again with the"
        " same options, a run with --checkpoint (or an SQLite output) writes every"
        " event exactly once; SIGINT, SIGTERM and SIGHUP stop it cleanly (exit 128 +"
        " signal)."
    )
    events.add_argument(
        "--since", type=date_arg, metavar="DATE", help="YYYY-MM-DD (required unless --follow)"
    )
    events.add_argument(
        "--until", type=date_arg, metavar="DATE", help="YYYY-MM-DD (required unless --follow)"
    )
    events.add_argument("--camera", type=positive_int, metavar="ID", help="only this camera")
    events.add_argument(
        "--types", type=types_arg, metavar="IDS", help="only these event types, e.g. 1,4"
    )
    events.add_argument(
        "--format",
        choices=("jsonl", "csv", "sqlite"),
        default=None,
        help="output format (jsonl; sqlite for an --output named *.db, *.sqlite, *.sqlite3)",
    )
    events.add_argument("--output", type=path_arg, metavar="FILE", help="write here, not to stdout")
    events.add_argument(
        "--checkpoint",
        type=path_arg,
        metavar="FILE",
        help=(
            "save progress here with each commit, and resume from it if it exists (needs"
            " --output, which is then truncated to what was committed and appended to):"
            " a crashed or interrupted run continues with no event lost or repeated."
            " An SQLite output keeps its progress inside and needs none"
        ),
    )
    events.add_argument(
        "--snapshots",
        type=path_arg,
        metavar="DIR",
        help=(
            "also save each event's image as DIR/<event id>.jpg (an event is written once"
            " its image is saved); files already there are skipped. Exit 1 if any download"
            " failed: re-running the window without --checkpoint fetches only the missing"
            " images"
        ),
    )
    events.add_argument(
        "--csv-raw",
        action="store_true",
        help=(
            "CSV: write cells as they are; by default a cell starting with = + - @, tab or"
            " CR gets a leading ' so spreadsheets do not run it as a formula"
        ),
    )
    events.add_argument(
        "--follow",
        action="store_true",
        help="keep writing new events until interrupted (from --since if given, else from now)",
    )
    events.add_argument(
        "--poll-interval",
        type=poll_interval_arg,
        default=10.0,
        metavar="SECONDS",
        help="with --follow: seconds between polls (%(default)s; at least 1)",
    )
    events.set_defaults(handler=_lazy("events", "events_command"))


def _cameras(cameras: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    camera_commands = cameras.add_subparsers(dest="action", metavar="ACTION", required=True)
    options = add_command(
        camera_commands,
        common,
        "options",
        help="manufacturers, models, plans and installation codes",
    )
    options.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="tables for a person, or JSON for scripts (%(default)s)",
    )
    options.set_defaults(handler=_lazy("admin", "camera_options_command"))
    provision = add_command(
        camera_commands,
        common,
        "provision",
        help="create cameras from a CSV file (resumable)",
        formatter_class=RawDescriptionHelpFormatter,
        add_help=False,
    )
    provision.add_argument("-h", "--help", action=_ProvisionHelp, help="show this help and exit")
    provision.add_argument("file", type=path_arg, metavar="FILE.csv", help="one camera per row")
    provision.add_argument(
        "--results",
        type=path_arg,
        metavar="FILE",
        help="where outcomes are recorded (default: beside the input, cams.results.csv"
        " for cams.csv)",
    )
    provision.add_argument(
        "--resend-unknown",
        action="store_true",
        help="send again the rows whose outcome is unknown (they may exist: check Monuv first)",
    )
    provision.set_defaults(handler=_lazy("provision", "provision_command"))


def _blocking(noun: str, key: str, metavar: str, key_type: Callable[[str], object]) -> _Fill:
    """``monuv clients`` or ``monuv users``: block and unblock one."""

    def fill(group: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
        actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
        for action in ("block", "unblock"):
            sub = add_command(actions, common, action, help=f"{action} one of the partner's {noun}")
            what = "CPF or CNPJ, formatted or not" if noun == "clients" else "the user's id"
            sub.add_argument(key, type=key_type, metavar=metavar, help=what)
            sub.set_defaults(handler=_lazy("admin", "block_command"), noun=noun)

    return fill


def _simulate(simulate: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    simulate.description = (
        "Serve an in-memory Monuv API (monuv_async.testing.MonuvSimulator) until"
        f" SIGINT/SIGTERM. It accepts the token of {TOKEN_ENV} / --token-file,"
        " or else the demo token."
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
    _add_seed_options(simulate)
    simulate.set_defaults(handler=_lazy("simulate", "simulate_command"))


def _demo(demo: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    demo.description = (
        "Start a simulator in-process, create a client with users, create cameras"
        " concurrently, read every event of the last 7 days, follow new events live"
        " for a few seconds, and summarise."
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
    demo.add_argument(
        "--follow",
        type=latency_arg,
        default=3.0,
        metavar="SECONDS",
        help="then follow new events live for this long, with watch_events (%(default)s; 0: no)",
    )
    demo.set_defaults(handler=_lazy("simulate", "demo_command"))


# The commands in the order --help lists them: name, help line, what adds the rest.
_COMMANDS: tuple[tuple[str, str, _Fill], ...] = (
    (
        "events",
        "write every event of a date window, or follow new ones (JSON lines, CSV, SQLite)",
        _events,
    ),
    ("cameras", "camera options; bulk camera creation", _cameras),
    ("clients", "block or unblock clients", _blocking("clients", "document", "DOCUMENT", str)),
    ("users", "block or unblock users", _blocking("users", "user_id", "ID", positive_int)),
    ("simulate", "serve the Monuv simulator until interrupted", _simulate),
    ("demo", "a full tour against an in-process simulator (no token, no network)", _demo),
)
