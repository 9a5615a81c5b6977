"""Helpers shared by the ``monuv`` command's tests (tests/test_cli_*.py).

``run`` calls ``asyncio.run``, so the simulator lives in a thread with its own
event loop (:class:`ThreadedSimulator`); a test reads the simulator's state
only between commands, while that loop is idle.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
from _async_helpers import ThreadedSimulator
from _samples import NEW_CLIENT

from monuv_async import MonuvClient, NewUser
from monuv_async.cli import run
from monuv_async.testing import MonuvSimulator

SP = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=SP)
# Characters that URL encoding treats specially, so a leak of any spelling shows.
TOKEN = "cli+Secret=Tok&en-7Q3Z"
CNPJ = NEW_CLIENT.document_number  # the document of the client the helpers create


def every_parser(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """``parser`` and the parsers of all its commands, depth first."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from every_parser(sub)


def small_simulator() -> ThreadedSimulator:
    """A small threaded simulator (2 cameras, 3 days of 40 events each) at a fixed clock."""
    return ThreadedSimulator(TOKEN, cameras=2, events_per_camera_per_day=40, days=3, now=NOW)


def cli(sim: MonuvSimulator, *args: str) -> int:
    """``monuv --base-url <sim> args...``, in-process."""
    return run(["--base-url", sim.url, *args])


def expected_events(
    sim: MonuvSimulator,
    since: date,
    until: date,
    camera: int | None = None,
    types: set[int] | None = None,
) -> list[int]:
    """Ids of the simulator's events in the window, newest first."""
    return [
        e.id
        for e in sim.events
        if since <= datetime.fromtimestamp(e.at, sim.tz).date() <= until
        and (camera is None or e.camera_id == camera)
        and (types is None or e.event_type in types)
    ]


def make_client(served: ThreadedSimulator, *, users: int = 0) -> tuple[int, list[int]]:
    """Create a client (and users) through the API; return their ids."""

    async def create() -> tuple[int, list[int]]:
        async with MonuvClient(TOKEN, base_url=served.sim.url) as monuv:
            new_users = tuple(
                NewUser(f"User {i}", f"user{i}@example.com", "11999990000", "pw-123456")
                for i in range(users)
            )
            client = await monuv.create_client(attrs.evolve(NEW_CLIENT, users=new_users))
            return client.id, [u.id for u in client.users]

    return served.call(create())


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    """Write a CSV file with ``header`` and ``rows``; return its path."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_results(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file, as dicts by column."""
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def subprocess_env(**extra: str) -> dict[str, str]:
    """This process's environment without MONUV_TOKEN, unbuffered, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "MONUV_TOKEN"}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def modules_loaded_by_run(argv: list[str]) -> tuple[int, set[str]]:
    """``run(argv)`` in a fresh interpreter: its exit status, and the modules it loaded.

    Loaded means beyond what the interpreter's own start loaded (an editable
    install's finder, say).
    """
    code = (
        "import sys\n"
        "started = set(sys.modules)\n"
        "from monuv_async.cli import run\n"
        f"status = run({argv!r})\n"
        "print(status, *sorted(set(sys.modules) - started))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
        check=True,
    )
    status, *loaded = done.stdout.splitlines()[-1].split()
    return int(status), set(loaded)


# -- crash tests: the real console script in a subprocess --------------------------


def spawn_monuv(url: str, *args: str) -> subprocess.Popen[bytes]:
    """``python -m monuv_async --base-url url args...`` as a subprocess (stdout, stderr piped)."""
    return subprocess.Popen(
        [sys.executable, "-m", "monuv_async", "--base-url", url, *args],
        env=subprocess_env(MONUV_TOKEN=TOKEN),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def output_ids(path: Path, fmt: str) -> list[int]:
    """The event ids of a ``monuv events`` output, in order; fails unless it parses whole
    (JSON lines each an object, CSV with exactly one header, SQLite's events table)."""
    if fmt == "sqlite":
        with contextlib.closing(sqlite3.connect(path)) as db:
            return [row[0] for row in db.execute("SELECT id FROM events ORDER BY rowid")]
    text = path.read_text(encoding="utf-8")
    if fmt == "jsonl":
        return [int(json.loads(line)["id"]) for line in text.splitlines()]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows, "no CSV header"
    assert rows[0][0] == "id"
    assert all(row[0] != "id" for row in rows[1:]), "a second CSV header"
    return [int(row[0]) for row in rows[1:]]
