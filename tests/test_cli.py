"""The ``monuv`` command, run in-process against a simulator over real loopback HTTP.

``cli.run`` calls ``asyncio.run``, so the simulator lives in a thread with its
own event loop (:class:`ThreadedSimulator`); a test reads the simulator's state
only between commands, while that loop is idle. A few tests run the command
in a subprocess, where signals and exit statuses are real.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Coroutine, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from _async_helpers import ThreadedSimulator

from monuv_async import MonuvClient, NewClient, NewUser
from monuv_async import cli as cli_module
from monuv_async._cli_output import Progress
from monuv_async.cli import run
from monuv_async.testing import DEMO_TOKEN, Fault, MonuvSimulator

T = TypeVar("T")

SP = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=SP)
# Characters that URL encoding treats specially, so a leak of any spelling shows.
TOKEN = "cli+Secret=Tok&en-7Q3Z"
CNPJ = "11.222.333/0001-81"


@pytest.fixture
def served() -> Iterator[ThreadedSimulator]:
    """A small simulator (2 cameras, 3 days of 40 events each) at a fixed clock."""
    threaded = ThreadedSimulator(TOKEN, cameras=2, events_per_camera_per_day=40, days=3, now=NOW)
    yield threaded
    threaded.close()


@pytest.fixture
def sim(served: ThreadedSimulator) -> MonuvSimulator:
    """The simulator of ``served``."""
    return served.sim


@pytest.fixture(autouse=True)
def _token_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONUV_TOKEN", TOKEN)


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
            client = await monuv.create_client(
                NewClient(
                    "Cliente",
                    2,
                    CNPJ,
                    "1133334444",
                    "01310-100",
                    "Rua",
                    "1",
                    "Centro",
                    "São Paulo",
                    "SP",
                    users=new_users,
                )
            )
            return client.id, [u.id for u in client.users]

    return served.call(create())


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_results(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


# -- usage, token, errors ---------------------------------------------------------


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    """`monuv --help` exits 0 and names every subcommand and the token variable."""
    assert run(["--help"]) == 0
    out = capsys.readouterr().out
    for word in ("events", "cameras", "clients", "users", "simulate", "demo", "MONUV_TOKEN"):
        assert word in out
    assert "--token " not in out  # no way to put the token on the command line


def test_global_options_work_after_the_command(
    sim: MonuvSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """`monuv cameras options --base-url URL -v` works: global options go either side."""
    assert run(["cameras", "options", "--base-url", sim.url, "-v"]) == 0
    captured = capsys.readouterr()
    assert "Hikvision" in captured.out
    assert "DEBUG monuv_async" in captured.err


def test_missing_token_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without MONUV_TOKEN or --token-file, a command needing the API exits 2, one clean line."""
    monkeypatch.delenv("MONUV_TOKEN")
    assert run(["cameras", "options"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "monuv: error: no token: set MONUV_TOKEN or give --token-file PATH"
    ]


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A bad date or an empty token file is a usage error: exit 2, no traceback."""
    assert run(["events", "--since", "yesterday", "--until", "2026-11-20"]) == 2
    assert "not a date" in capsys.readouterr().err
    empty = tmp_path / "token"
    empty.write_text("\n")
    assert run(["--token-file", str(empty), "cameras", "options"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("monuv: error: the token file")
    assert "Traceback" not in err


def test_token_file_is_used(
    sim: MonuvSimulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--token-file supplies the token (trailing newline ignored) when MONUV_TOKEN is unset."""
    monkeypatch.delenv("MONUV_TOKEN")
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    assert run(["--base-url", sim.url, "--token-file", str(path), "cameras", "options"]) == 0
    assert "Hikvision" in capsys.readouterr().out


def test_library_error_is_one_line_without_traceback(
    sim: MonuvSimulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A MonuvError (a refused token) ends as exit 1 and exactly one `monuv: error:` line."""
    monkeypatch.setenv("MONUV_TOKEN", "not-the-right-token")
    assert cli(sim, "cameras", "options") == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith("monuv: error: GET /api/v1/cameras/create?token=***: HTTP 401")
    assert "MONUV_TOKEN" in line  # the hint


def test_verbose_adds_traceback_and_request_log(
    sim: MonuvSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """With -v, a failure shows its traceback and the request log, still ending in one line."""
    sim.inject("camera_options", Fault.status(404))
    assert cli(sim, "-v", "cameras", "options") == 1
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "NotFoundError" in err
    assert "DEBUG monuv_async" in err
    assert err.splitlines()[-1].startswith("monuv: error: ")


def test_keyboard_interrupt_exits_130_quietly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (KeyboardInterrupt out of the event loop) exits 130 and prints nothing."""

    def interrupted(coro: Coroutine[Any, Any, int]) -> int:
        coro.close()
        raise KeyboardInterrupt

    monkeypatch.setattr("monuv_async.cli.asyncio.run", interrupted)
    assert run(["cameras", "options"]) == 130
    assert capsys.readouterr() == ("", "")


def test_broken_pipe_is_quiet(sim: MonuvSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader that goes away (`monuv events | head`) ends the command quietly, status 141."""

    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    err = io.StringIO()
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    monkeypatch.setattr(sys, "stderr", err)
    assert cli(sim, "events", "--since", "2026-11-19", "--until", "2026-11-20") == 141
    assert err.getvalue() == ""


# -- events ------------------------------------------------------------------------


def test_events_jsonl_has_every_event_of_the_window(
    sim: MonuvSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """`events` writes one JSON object per event of the window, all of them, with offsets."""
    assert cli(sim, "events", "--since", "2026-11-19", "--until", "2026-11-20") == 0
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.splitlines()]
    want = expected_events(sim, date(2026, 11, 19), date(2026, 11, 20))
    assert [r["id"] for r in records] == want
    assert len(want) > 30
    first = datetime.fromisoformat(records[0]["event_at"])
    assert first.utcoffset() is not None
    assert first == datetime.fromtimestamp(sim.events[0].at, SP)
    assert set(records[0]) == {
        "id",
        "event_at",
        "event_type",
        "event_description",
        "event_url",
        "camera_id",
        "camera_description",
    }
    [summary] = captured.err.splitlines()
    assert summary.startswith(f"monuv: {len(want)} events, {sim.stats.requests['events']} requests")


def test_events_csv_to_file_with_filters(
    sim: MonuvSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`events --format csv --output F --camera --types` writes a header and the filtered rows."""
    out = tmp_path / "events.csv"
    args = ["--since", "2026-11-17", "--until", "2026-11-20", "--camera", "1002", "--types", "1,4"]
    assert cli(sim, "events", *args, "--format", "csv", "--output", str(out)) == 0
    assert capsys.readouterr().out == ""  # everything went to the file
    rows = read_results(out)
    want = expected_events(sim, date(2026, 11, 17), date(2026, 11, 20), 1002, {1, 4})
    assert [int(r["id"]) for r in rows] == want
    assert want
    assert {r["camera_id"] for r in rows} == {"1002"}
    assert {r["event_type"] for r in rows} <= {"1", "4"}
    assert datetime.fromisoformat(rows[-1]["event_at"]).tzinfo is not None


def test_progress_draws_only_on_a_terminal() -> None:
    """The progress line is drawn (and erased) on a TTY, and never written to a pipe."""

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    pipe, tty = io.StringIO(), Tty()
    for stream in (pipe, tty):
        progress = Progress(stream)
        progress.update("12 events", force=True)
        progress.clear()
    assert pipe.getvalue() == ""
    assert tty.getvalue() == "\r12 events\r         \r"


# -- cameras options, clients, users --------------------------------------------------


def test_cameras_options_prints_tables(
    sim: MonuvSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """`cameras options` prints manufacturers/models, plans and installation codes as tables."""
    assert cli(sim, "cameras", "options") == 0
    out = capsys.readouterr().out
    assert "5                Hikvision     6                Câmera IP" in out
    assert "history_days: 1, 3, 7" in out
    assert "1              VGA" in out
    assert "Installation: equipment_state" in out
    assert "Câmera/DVR novo" in out


def test_clients_and_users_block_unblock(
    served: ThreadedSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """`clients`/`users` block and unblock print one "ok" line and change the server's state."""
    sim = served.sim
    _, [user_id] = make_client(served, users=1)
    assert cli(sim, "clients", "block", CNPJ) == 0
    assert sim.blocked_documents == {"11222333000181"}
    assert cli(sim, "users", "block", str(user_id)) == 0
    assert sim.blocked_users == {user_id}
    assert cli(sim, "clients", "unblock", "11222333000181") == 0
    assert cli(sim, "users", "unblock", str(user_id)) == 0
    assert not sim.blocked_documents
    assert not sim.blocked_users
    assert capsys.readouterr().out.splitlines() == [
        f"ok: client {CNPJ} blocked",
        f"ok: user {user_id} blocked",
        "ok: client 11222333000181 unblocked",
        f"ok: user {user_id} unblocked",
    ]
    assert cli(sim, "users", "block", "999") == 1  # refused with HTTP 200 and code != 0
    assert "Usuário não encontrado" in capsys.readouterr().err


# -- provisioning ------------------------------------------------------------------------

HEADER = ["client_id", "description", "manufacturer", "camera_model", "latitude", "history_days"]


def test_provision_records_every_row_and_resumes(
    served: ThreadedSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Good, by-name, invalid and server-rejected rows; a fixed re-run creates only the failures."""
    sim = served.sim
    client_id, _ = make_client(served)
    rows: list[list[object]] = [
        [client_id, "Portão", "", "", "-23.5", 7],
        [client_id, "Garagem", "hikvision", "CÂMERA IP", "", ""],  # names, any case
        [client_id, "Telhado", "", "", "200", ""],  # invalid latitude: never sent
        [999, "Fundos", "", "", "", ""],  # unknown client: the server says 422
        [client_id, "Sala", "Generico", "DVR", "", 3],
    ]
    source = write_csv(tmp_path / "cams.csv", HEADER, rows)
    assert cli(sim, "cameras", "provision", str(source)) == 1
    results = read_results(tmp_path / "cams.results.csv")
    status = {int(r["row"]): r["status"] for r in results}
    assert status == {1: "created", 2: "created", 3: "failed", 4: "failed", 5: "created"}
    by_row = {int(r["row"]): r for r in results}
    assert by_row[3]["error"].startswith("latitude:")
    assert "422" in by_row[4]["error"]
    assert "client" in by_row[4]["error"]
    assert by_row[1]["key"] == "1:Portão"
    assert by_row[1]["rtmp_url"].startswith("rtmp://")
    garagem = sim.cameras[int(by_row[2]["camera_id"])]
    assert (garagem["manufacturer_id"], garagem["camera_model_id"]) == (5, 6)
    assert sim.stats.requests["create_camera"] == 4  # the invalid row was never sent
    assert sim.stats.requests["camera_options"] == 1  # names resolved with one fetch
    assert sim.stats.created["cameras"] == 3
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .startswith("monuv: 3 created, 0 skipped, 2 failed; results in")
    )

    rows[2][4], rows[3][0] = "-23.6", client_id  # fix both failed rows
    write_csv(source, HEADER, rows)
    assert cli(sim, "cameras", "provision", str(source)) == 0
    assert sim.stats.created["cameras"] == 5  # two more, no duplicate
    assert sim.stats.requests["create_camera"] == 6
    second = read_results(tmp_path / "cams.results.csv")[len(results) :]
    assert sorted((int(r["row"]), r["status"]) for r in second) == [
        (1, "skipped"),
        (2, "skipped"),
        (3, "created"),
        (4, "created"),
        (5, "skipped"),
    ]
    assert "2 created, 3 skipped, 0 failed" in capsys.readouterr().err


def test_provision_never_retries_a_create_whose_answer_was_lost(
    served: ThreadedSimulator, tmp_path: Path
) -> None:
    """A create whose answer was lost is sent once, recorded failed, and flagged as maybe done."""
    sim = served.sim
    client_id, _ = make_client(served)
    sim.inject("create_camera", Fault.reset_after_processing())
    source = write_csv(tmp_path / "one.csv", ["client_id", "description"], [[client_id, "Cam"]])
    results = tmp_path / "out.csv"
    assert cli(sim, "cameras", "provision", str(source), "--results", str(results)) == 1
    [record] = read_results(results)
    assert record["status"] == "failed"
    assert "may exist" in record["error"]
    assert sim.stats.requests["create_camera"] == 1
    assert sim.stats.created["cameras"] == 1  # it did exist: hence no retry


def test_provision_refuses_a_row_that_changed_since_it_was_created(
    served: ThreadedSimulator, tmp_path: Path
) -> None:
    """A row number recorded as created under another description fails unsent (no duplicate)."""
    sim = served.sim
    client_id, _ = make_client(served)
    source = write_csv(tmp_path / "c.csv", ["client_id", "description"], [[client_id, "A"]])
    assert cli(sim, "cameras", "provision", str(source)) == 0
    write_csv(source, ["client_id", "description"], [[client_id, "B"], [client_id, "A"]])
    assert cli(sim, "cameras", "provision", str(source)) == 1
    last = read_results(tmp_path / "c.results.csv")[-2:]
    assert {r["key"]: r["status"] for r in last} == {"1:B": "failed", "2:A": "created"}
    assert sim.stats.requests["create_camera"] == 2


def test_provision_rejects_an_unknown_column(
    sim: MonuvSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A misspelt column stops the run before anything is sent: exit 2, one line."""
    source = write_csv(tmp_path / "bad.csv", ["client_id", "descripton"], [[1, "x"]])
    assert cli(sim, "cameras", "provision", str(source)) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "unknown column(s) 'descripton'" in line
    assert sim.stats.requests["create_camera"] == 0


def test_provision_missing_file_is_one_line(
    sim: MonuvSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing input file is reported on one line, exit 1."""
    assert cli(sim, "cameras", "provision", str(tmp_path / "nope.csv")) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("monuv: error: No such file or directory:")


def test_provision_keeps_creates_bounded(served: ThreadedSimulator, tmp_path: Path) -> None:
    """With --concurrency 3, never more than 3 creates reach the server at once."""
    sim = served.sim
    client_id, _ = make_client(served)
    sim.latency = 0.02
    rows: list[list[object]] = [[client_id, f"Cam {i}"] for i in range(30)]
    source = write_csv(tmp_path / "many.csv", ["client_id", "description"], rows)
    sim.reset_stats()
    assert cli(sim, "--concurrency", "3", "cameras", "provision", str(source)) == 0
    assert sim.stats.max_in_flight == 3
    assert sim.stats.created["cameras"] == 30


# -- demo, simulate, secrets -----------------------------------------------------------


def test_demo_runs_and_summarises(capsys: pytest.CaptureFixture[str]) -> None:
    """`monuv demo` needs no token, exits 0, prints its summary, and no token even with -v."""
    assert run(["-v", "demo", "--cameras", "6", "--latency", "0"]) == 0
    out, err = capsys.readouterr()
    assert "DEBUG monuv_async" in err
    assert DEMO_TOKEN not in err
    assert "1 client" in out
    assert "2 users, 6 cameras" in out
    assert "0 duplicates" in out
    assert "requests" in out
    assert "in flight" in out
    assert DEMO_TOKEN not in out
    assert "token=" not in out


def test_cli_knows_the_demo_token() -> None:
    """The CLI's copy of the demo token (masked in its output) matches the simulator's."""
    assert cli_module._DEMO_TOKEN == DEMO_TOKEN


def test_token_never_appears_in_any_output(
    served: ThreadedSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Across commands, failures and -v, no spelling of the token reaches any output or file."""
    sim = served.sim
    client_id, [user_id] = make_client(served, users=1)
    source = write_csv(
        tmp_path / "p.csv", ["client_id", "description"], [[client_id, "A"], [999, "B"]]
    )
    sim.inject("events", Fault.status(500), Fault.truncate())
    sim.inject("create_camera", Fault.html(502))
    window = ["--since", "2026-11-19", "--until", "2026-11-20"]
    for verbose in ([], ["-v"]):
        cli(sim, *verbose, "events", *window)
        cli(sim, *verbose, "cameras", "options")
        cli(sim, *verbose, "cameras", "provision", str(source))
        cli(sim, *verbose, "clients", "block", CNPJ)
        cli(sim, *verbose, "users", "unblock", str(user_id))
        cli(sim, *verbose, "users", "block", "999")
    sim.inject("*", Fault.status(401))
    cli(sim, "-v", "cameras", "options")
    captured = capsys.readouterr()
    texts = [captured.out, captured.err, (tmp_path / "p.results.csv").read_text()]
    assert "DEBUG" in captured.err
    assert "***" in captured.err
    for text in texts:
        for spelling in (
            TOKEN,
            urllib.parse.quote(TOKEN, safe=""),
            urllib.parse.quote_plus(TOKEN),
            "Secret",
        ):
            assert spelling not in text


def _subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MONUV_TOKEN"}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_simulate_serves_until_signalled(sig: signal.Signals) -> None:
    """`monuv simulate` serves, names its URL, hides the token, stops cleanly on a signal."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "monuv_async", "simulate", "--port", "0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_subprocess_env(MONUV_TOKEN=TOKEN),
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        url = first.split()[3]
        assert url.startswith("http://127.0.0.1:")
        hint = proc.stderr.readline() + proc.stderr.readline()
        assert f"--base-url {url}" in hint
        query = urllib.parse.urlencode({"token": TOKEN})
        with urllib.request.urlopen(f"{url}/api/v1/cameras/create?{query}", timeout=5) as answer:
            assert answer.status == 200
        proc.send_signal(sig)
        out, rest = proc.communicate(timeout=10)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0
    assert rest == "monuv: simulator stopped\n"
    assert TOKEN not in first + hint + rest + out


def test_ctrl_c_during_a_command_exits_130(sim: MonuvSimulator) -> None:
    """SIGINT while a request is pending ends `python -m monuv_async` with 130 and no traceback."""
    sim.latency = 30.0
    proc = subprocess.Popen(
        [sys.executable, "-m", "monuv_async", "--base-url", sim.url, "cameras", "options"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_subprocess_env(MONUV_TOKEN=TOKEN),
    )
    try:
        deadline = time.monotonic() + 10
        while sim.stats.in_flight == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
        proc.wait()
    assert (proc.returncode, out, err) == (130, "", "")
