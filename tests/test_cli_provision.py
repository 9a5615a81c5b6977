"""`monuv cameras provision` (monuv_async.cli.provision): end to end over loopback HTTP,
and the engine alone, driven by a stand-in client whose creates wait on a gate.

The gate shows what the engine does while requests are slow: how far it reads
ahead, when it writes results, and what an interruption leaves recorded.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import cast

import pytest
from _async_helpers import ThreadedSimulator
from _cli_helpers import cli, make_client, read_results, write_csv

from monuv_async import Camera, CameraModel, CameraOptions, Manufacturer, MonuvClient, NewCamera
from monuv_async.cli.provision import _Run
from monuv_async.cli.results import ResultsFile
from monuv_async.testing import Fault, MonuvSimulator

# Never a real MONUV_TOKEN from the environment: every test gets the simulator's.
pytestmark = pytest.mark.usefixtures("cli_token")


HEADER = ["client_id", "description", "manufacturer", "camera_model", "latitude", "history_days"]


def test_provision_records_every_row_and_resumes(
    served: ThreadedSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Good, by-name, invalid and server-rejected rows; a fixed re-run creates only the failures."""
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
    status = {int(r["row"]): r["status"] for r in results}
    assert status == {1: "created", 2: "created", 3: "failed", 4: "failed", 5: "created"}
    by_row = {int(r["row"]): r for r in results}
    assert by_row[3]["error"].startswith("latitude:")
    assert "422" in by_row[4]["error"]
    assert "client" in by_row[4]["error"]
    assert by_row[1]["key"] == "1:Portão"
    assert by_row[1]["rtmp_url"].startswith("rtmp://")
    garagem = cli_sim.cameras[int(by_row[2]["camera_id"])]
    assert (garagem["manufacturer_id"], garagem["camera_model_id"]) == (5, 6)
    assert cli_sim.stats.requests["create_camera"] == 4  # the invalid row was never sent
    assert cli_sim.stats.requests["camera_options"] == 1  # names resolved with one fetch
    assert cli_sim.stats.created["cameras"] == 3
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .startswith("monuv: 3 created, 0 skipped, 2 failed; results in")
    )

    rows[2][4], rows[3][0] = "-23.6", client_id  # fix both failed rows
    write_csv(source, HEADER, rows)
    assert cli(cli_sim, "cameras", "provision", str(source)) == 0
    assert cli_sim.stats.created["cameras"] == 5  # two more, no duplicate
    assert cli_sim.stats.requests["create_camera"] == 6
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
    cli_sim = served.sim
    client_id, _ = make_client(served)
    cli_sim.inject("create_camera", Fault.reset_after_processing())
    source = write_csv(tmp_path / "one.csv", ["client_id", "description"], [[client_id, "Cam"]])
    results = tmp_path / "out.csv"
    assert cli(cli_sim, "cameras", "provision", str(source), "--results", str(results)) == 1
    [record] = read_results(results)
    assert record["status"] == "failed"
    assert "may exist" in record["error"]
    assert cli_sim.stats.requests["create_camera"] == 1
    assert cli_sim.stats.created["cameras"] == 1  # it did exist: hence no retry


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
    last = read_results(tmp_path / "c.results.csv")[-2:]
    assert {r["key"]: r["status"] for r in last} == {"1:B": "failed", "2:A": "created"}
    assert cli_sim.stats.requests["create_camera"] == 2


def test_provision_rejects_an_unknown_column(
    cli_sim: MonuvSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A misspelt column stops the run before anything is sent: exit 2, one line."""
    source = write_csv(tmp_path / "bad.csv", ["client_id", "descripton"], [[1, "x"]])
    assert cli(cli_sim, "cameras", "provision", str(source)) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "unknown column(s) 'descripton'" in line
    assert cli_sim.stats.requests["create_camera"] == 0


def test_provision_missing_file_is_one_line(
    cli_sim: MonuvSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing input file is reported on one line, exit 1."""
    assert cli(cli_sim, "cameras", "provision", str(tmp_path / "nope.csv")) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("monuv: error: No such file or directory:")


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

    async def camera_options(self) -> CameraOptions:
        model = CameraModel(6, "Câmera IP", 5)
        return CameraOptions(manufacturers=(Manufacturer(5, "Hikvision", (model,)),))


async def settle(*, rounds: int = 200) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


def recorded(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


async def test_reads_ahead_boundedly_and_records_each_row_at_once(tmp_path: Path) -> None:
    """With creates stalled, a 100k-row input is read only a queue's worth ahead of the senders."""
    read = 0

    def rows() -> Iterator[Mapping[str | None, object]]:
        nonlocal read
        for i in range(100_000):
            read += 1
            yield {"client_id": "1", "description": f"Cam {i}"}

    monuv = GatedMonuv()
    path = tmp_path / "results.csv"
    results = ResultsFile(path)
    engine = _Run(cast(MonuvClient, monuv), {}, results, workers=4, redact=str, report=None)
    task = asyncio.create_task(engine.run(rows()))
    await settle()
    assert monuv.started == 4  # the pool, nothing more
    assert read <= 4 + 2 * 4 + 1  # in flight + queue + the row waiting to be queued
    assert recorded(path) == []

    monuv.opened.set()
    await settle(rounds=3)
    task.cancel()  # Ctrl-C: what was queued or in flight finishes and is recorded
    with pytest.raises(asyncio.CancelledError):
        await task
    results.close()
    lines = recorded(path)
    assert len(lines) == monuv.started
    assert {line["status"] for line in lines} == {"created"}


async def test_a_dead_results_file_stops_the_run(tmp_path: Path) -> None:
    """If outcomes cannot be recorded, the run stops with that error instead of hanging."""

    class Full(ResultsFile):
        def write(self, outcome: object) -> None:
            raise OSError(28, "No space left on device")

    monuv = GatedMonuv()
    monuv.opened.set()
    results = Full(tmp_path / "r.csv")
    engine = _Run(cast(MonuvClient, monuv), {}, results, workers=2, redact=str, report=None)
    rows: Iterator[Mapping[str | None, object]] = (
        {"client_id": "1", "description": f"C{i}"} for i in range(1000)
    )
    with pytest.raises(OSError, match="No space left"):
        await asyncio.wait_for(engine.run(rows), timeout=5)
    results.close()
    assert monuv.started < 1000
