"""`monuv cameras provision` (monuv_async.cli.provision): end to end over loopback HTTP,
and the engine alone, driven by a stand-in client whose creates wait on a gate.

The crash tests (the real console script killed by signals) are in
tests/test_cli_provision_crash.py.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import cast

import pytest
from _async_helpers import ThreadedSimulator
from _cli_helpers import cli, make_client, read_results, write_csv

from monuv_async import Camera, MonuvClient, NewCamera
from monuv_async.cli.journal import Journal, journal_path, replay
from monuv_async.cli.provision import Provisioning, may_have_been_applied
from monuv_async.errors import APIError, ServerError, TransportError
from monuv_async.testing import Fault, MonuvSimulator

# Never a real MONUV_TOKEN from the environment: every test gets the simulator's.
pytestmark = pytest.mark.usefixtures("cli_token")


HEADER = ["client_id", "description", "manufacturer", "camera_model", "latitude", "history_days"]


def test_provision_reports_every_row_and_resumes(
    served: ThreadedSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Good, by-name, invalid and server-rejected rows; a fixed re-run creates only the failures,
    and the report is rewritten (one line per row, input order), not appended to."""
    cli_sim = served.sim
    client_id, _ = make_client(served)
    rows: list[list[object]] = [
        [client_id, "Portão", "", "", "-23.5", 7],
        [client_id, "Garagem", "hikvision", "CÂMERA IP", "", ""],  # names, any case
        [client_id, "Telhado", "", "", "200", ""],  # invalid latitude: never sent
        [999, "Fundos", "", "", "", ""],  # unknown client: the server says 422
        [client_id, "Sala", "Generico", "DVR", "", 3],
    ]
    source = write_csv(tmp_path / "cams.csv", HEADER, rows)
    assert cli(cli_sim, "cameras", "provision", str(source)) == 1
    results = read_results(tmp_path / "cams.results.csv")
    assert [(int(r["row"]), r["status"]) for r in results] == [
        (1, "created"),
        (2, "created"),
        (3, "failed"),
        (4, "failed"),
        (5, "created"),
    ]
    by_row = {int(r["row"]): r for r in results}
    assert by_row[3]["error"].startswith("latitude:")
    assert "422" in by_row[4]["error"]
    assert (by_row[1]["description"], by_row[1]["client_id"]) == ("Portão", str(client_id))
    assert by_row[1]["rtmp_url"].startswith("rtmp://")
    garagem = cli_sim.cameras[int(by_row[2]["camera_id"])]
    assert (garagem["manufacturer_id"], garagem["camera_model_id"]) == (5, 6)
    assert cli_sim.stats.requests["create_camera"] == 4  # the invalid row was never sent
    assert cli_sim.stats.requests["camera_options"] == 1  # names resolved with one fetch
    assert cli_sim.stats.created["cameras"] == 3
    err = capsys.readouterr().err.splitlines()
    # Failures are echoed as they happen, then one summary line.
    assert sum("failed:" in line for line in err) == 2
    assert err[-1].startswith("monuv: 3 created, 0 skipped, 2 failed, 0 unknown, 0 not sent")

    rows[2][4], rows[3][0] = "-23.6", client_id  # fix both failed rows
    write_csv(source, HEADER, rows)
    assert cli(cli_sim, "cameras", "provision", str(source)) == 0
    assert cli_sim.stats.created["cameras"] == 5  # two more, no duplicate
    assert cli_sim.stats.requests["create_camera"] == 6
    second = read_results(tmp_path / "cams.results.csv")
    assert [(int(r["row"]), r["status"]) for r in second] == [
        (1, "skipped"),
        (2, "skipped"),
        (3, "created"),
        (4, "created"),
        (5, "skipped"),
    ]
    assert "2 created, 3 skipped, 0 failed" in capsys.readouterr().err


def test_a_lost_answer_is_unknown_and_never_resent_without_resend_unknown(
    served: ThreadedSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A create whose answer was lost is sent once, reported unknown ("may exist, check
    Monuv") with its description and client, not resent by a re-run; --resend-unknown does."""
    cli_sim = served.sim
    client_id, _ = make_client(served)
    cli_sim.inject("create_camera", Fault.reset_after_processing())
    source = write_csv(tmp_path / "one.csv", ["client_id", "description"], [[client_id, "Cam"]])
    results = tmp_path / "out.csv"
    assert cli(cli_sim, "cameras", "provision", str(source), "--results", str(results)) == 1
    [record] = read_results(results)
    assert record["status"] == "unknown"
    assert "may exist, check Monuv" in record["error"]
    assert f"row 1 ('Cam', client {client_id}): unknown: may exist" in capsys.readouterr().err
    assert cli_sim.stats.created["cameras"] == 1  # it did exist: hence no retry

    assert cli(cli_sim, "cameras", "provision", str(source), "--results", str(results)) == 1
    assert cli_sim.stats.requests["create_camera"] == 1  # not sent again
    [record] = read_results(results)
    assert record["status"] == "unknown"
    assert "--resend-unknown" in record["error"]

    args = ("cameras", "provision", str(source), "--results", str(results), "--resend-unknown")
    assert cli(cli_sim, *args) == 0
    assert cli_sim.stats.requests["create_camera"] == 2
    assert read_results(results)[0]["status"] == "created"


def test_a_row_left_sending_by_a_crash_is_unknown(
    served: ThreadedSimulator, tmp_path: Path
) -> None:
    """A journal whose last record of a row is "sending" (the process died mid-request)
    makes the row unknown: it is not sent; the other rows are."""
    cli_sim = served.sim
    client_id, _ = make_client(served)
    rows = [[client_id, "A"], [client_id, "B"]]
    source = write_csv(tmp_path / "c.csv", ["client_id", "description"], rows)
    journal = journal_path(tmp_path / "c.results.csv")
    sending = {"row": 1, "description": "A", "client_id": str(client_id), "status": "sending"}
    sending |= {"camera_id": None, "rtmp_url": None, "error": ""}
    journal.write_text(
        json.dumps(sending) + '\n{"row":2,"descr', encoding="utf-8"
    )  # and a torn record of row 2: never durable, so never sent
    assert cli(cli_sim, "cameras", "provision", str(source)) == 1
    report = read_results(tmp_path / "c.results.csv")
    assert [r["status"] for r in report] == ["unknown", "created"]
    assert cli_sim.stats.requests["create_camera"] == 1
    assert replay(journal)[2].status == "created"


def test_provision_refuses_a_row_that_changed_since_it_was_created(
    served: ThreadedSimulator, tmp_path: Path
) -> None:
    """A row number recorded as created under another description fails unsent (no duplicate)."""
    cli_sim = served.sim
    client_id, _ = make_client(served)
    source = write_csv(tmp_path / "c.csv", ["client_id", "description"], [[client_id, "A"]])
    assert cli(cli_sim, "cameras", "provision", str(source)) == 0
    write_csv(source, ["client_id", "description"], [[client_id, "B"], [client_id, "A"]])
    assert cli(cli_sim, "cameras", "provision", str(source)) == 1
    report = read_results(tmp_path / "c.results.csv")
    assert [(r["description"], r["status"]) for r in report] == [("B", "failed"), ("A", "created")]
    assert cli_sim.stats.requests["create_camera"] == 2


def test_an_old_report_without_journal_still_prevents_duplicates(
    served: ThreadedSimulator, tmp_path: Path
) -> None:
    """A results file of an older version (appended, a `key` column) is read back: its created
    rows are skipped even though no journal exists."""
    cli_sim = served.sim
    client_id, _ = make_client(served)
    source = write_csv(tmp_path / "c.csv", ["client_id", "description"], [[client_id, "A"]])
    (tmp_path / "c.results.csv").write_text(
        "row,key,status,camera_id,rtmp_url,error\n1,1:A,created,7,rtmp://x/7,\n", encoding="utf-8"
    )
    assert cli(cli_sim, "cameras", "provision", str(source)) == 0
    assert cli_sim.stats.requests["create_camera"] == 0
    assert read_results(tmp_path / "c.results.csv")[0]["camera_id"] == "7"


def test_provision_rejects_an_unknown_column(
    cli_sim: MonuvSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A misspelt column stops the run before anything is sent: exit 2, one line."""
    source = write_csv(tmp_path / "bad.csv", ["client_id", "descripton"], [[1, "x"]])
    assert cli(cli_sim, "cameras", "provision", str(source)) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "unknown column(s) 'descripton'" in line
    assert cli_sim.stats.requests["create_camera"] == 0


def test_a_missing_file_or_results_folder_is_bad_input(
    cli_sim: MonuvSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing input file or results folder: exit 2, one line naming it."""
    assert cli(cli_sim, "cameras", "provision", str(tmp_path / "nope.csv")) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == f"monuv: error: FILE.csv: no such file: {tmp_path / 'nope.csv'}"
    source = write_csv(tmp_path / "c.csv", ["client_id", "description"], [[1, "A"]])
    results = tmp_path / "missing" / "r.csv"
    assert cli(cli_sim, "cameras", "provision", str(source), "--results", str(results)) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("monuv: error: --results: no such folder")
    assert cli_sim.stats.requests["create_camera"] == 0


def test_hostile_server_text_reaches_stderr_inert(
    served: ThreadedSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An error message with OSC 52 (clipboard), BEL and CR is echoed with them escaped."""
    cli_sim = served.sim
    client_id, _ = make_client(served)
    hostile = "\x1b]52;c;ZWNobyBwd25lZA==\x07\rok: camera created"
    cli_sim.inject("create_camera", Fault.status(422, {"message": hostile}))
    source = write_csv(tmp_path / "c.csv", ["client_id", "description"], [[client_id, "A"]])
    assert cli(cli_sim, "cameras", "provision", str(source)) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "\x07" not in err
    assert "\r" not in err
    assert "\\x1b]52;c;" in err


def test_provision_keeps_creates_bounded(served: ThreadedSimulator, tmp_path: Path) -> None:
    """With --concurrency 3, never more than 3 creates reach the server at once."""
    cli_sim = served.sim
    client_id, _ = make_client(served)
    cli_sim.latency = 0.02
    rows: list[list[object]] = [[client_id, f"Cam {i}"] for i in range(30)]
    source = write_csv(tmp_path / "many.csv", ["client_id", "description"], rows)
    cli_sim.reset_stats()
    assert cli(cli_sim, "--concurrency", "3", "cameras", "provision", str(source)) == 0
    assert cli_sim.stats.max_in_flight == 3
    assert cli_sim.stats.created["cameras"] == 30


def test_may_have_been_applied_by_error_kind() -> None:
    """A 4xx did nothing; a 5xx, a sent-then-lost request or a bug may have created it."""
    assert not may_have_been_applied(APIError("no", status=422))
    assert not may_have_been_applied(TransportError("refused", sent=False))
    assert may_have_been_applied(TransportError("reset", sent=True))
    assert may_have_been_applied(ServerError("oops", status=502))
    assert may_have_been_applied(RuntimeError("a bug"))


# -- the engine alone --------------------------------------------------------------


class GatedMonuv:
    """Creates wait until ``opened``; ``started`` counts the creates sent."""

    def __init__(self) -> None:
        self.started = 0
        self.opened = asyncio.Event()

    async def create_camera(self, new: NewCamera) -> Camera:
        self.started += 1
        number = self.started
        await self.opened.wait()
        return Camera(number, new.description, rtmp_url=f"rtmp://x/{number}")


async def settle(*, rounds: int = 200) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


def engine(monuv: GatedMonuv, tmp_path: Path, rows: int, **kwargs: object) -> Provisioning:
    lines = [[1, f"Cam {i}"] for i in range(rows)]
    source = write_csv(tmp_path / "in.csv", ["client_id", "description"], lines)
    return Provisioning(
        cast(MonuvClient, monuv),
        source,
        tmp_path / "r.csv",
        workers=4,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_in_flight_rows_are_journaled_before_their_answer(tmp_path: Path) -> None:
    """With creates stalled, exactly the rows in flight are "sending" in the journal."""
    monuv = GatedMonuv()
    run = engine(monuv, tmp_path, 50)
    task = asyncio.create_task(run.run())
    await settle()
    assert monuv.started == 4  # the pool, nothing more
    states = replay(run.journal_path)
    assert sorted(states) == [1, 2, 3, 4]
    assert {entry.status for entry in states.values()} == {"sending"}
    monuv.opened.set()
    await task
    assert {entry.status for entry in replay(run.journal_path).values()} == {"created"}


async def test_an_interrupt_lets_in_flight_rows_finish_and_leaves_the_rest_pending(
    tmp_path: Path,
) -> None:
    """A first signal: no new row is sent, those in flight finish; the report says which."""
    monuv = GatedMonuv()
    run = engine(monuv, tmp_path, 50)
    task = asyncio.create_task(run.run())
    await settle()
    run.interrupt(15)
    monuv.opened.set()
    summary = await task
    assert monuv.started == 4
    assert (summary.created, summary.pending) == (4, 46)
    assert [r["status"] for r in read_results(tmp_path / "r.csv")] == ["created"] * 4 + [
        "pending"
    ] * 46


async def test_a_second_interrupt_abandons_in_flight_rows_as_unknown(tmp_path: Path) -> None:
    """A second signal does not wait: the rows in flight are recorded unknown, never resent."""
    monuv = GatedMonuv()
    run = engine(monuv, tmp_path, 10)
    task = asyncio.create_task(run.run())
    await settle()
    run.interrupt(15)
    run.interrupt(15)
    summary = await task
    assert (summary.unknown, summary.pending) == (4, 6)
    assert {e.status for e in replay(run.journal_path).values()} == {"unknown"}


async def test_a_dead_journal_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the journal cannot be written, nothing is sent and the run stops with the error."""
    monuv = GatedMonuv()
    monuv.opened.set()
    run = engine(monuv, tmp_path, 1000)

    def full(self: Journal, entry: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Journal, "write", full)
    with pytest.raises(OSError, match="No space left"):
        await asyncio.wait_for(run.run(), timeout=5)
    assert monuv.started == 0  # "sending" could not be made durable: nothing was sent


async def test_rows_still_in_flight_after_the_grace_period_are_abandoned_as_unknown(
    tmp_path: Path,
) -> None:
    """One signal, and creates that never answer: after the grace period the rows in flight
    are recorded unknown (never resent), the rest pending; the run ends."""
    monuv = GatedMonuv()  # never opened
    run = engine(monuv, tmp_path, 10, grace=0.05)
    task = asyncio.create_task(run.run())
    await settle()
    run.interrupt(1)
    summary = await asyncio.wait_for(task, timeout=10)
    assert (summary.unknown, summary.pending, monuv.started) == (4, 6, 4)
    report = read_results(tmp_path / "r.csv")
    assert [r["status"] for r in report] == ["unknown"] * 4 + ["pending"] * 6
    assert "abandoned while its request was in flight" in report[0]["error"]
