"""The provisioning engine behind ``monuv cameras provision``, driven without a network.

A stand-in client whose creates wait on a gate shows what the engine does
while requests are slow: how far it reads ahead, when it writes results, and
what an interruption leaves recorded.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import cast

import pytest

from monuv_async import Camera, CameraModel, CameraOptions, Manufacturer, MonuvClient, NewCamera
from monuv_async._cli_provision import (
    _Results,
    _Run,
    default_results_path,
    load_created,
)


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
    results = _Results(path)
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

    class Full(_Results):
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


def test_results_file_survives_a_cut_last_line(tmp_path: Path) -> None:
    """A line cut by a crash is ignored on reading, and the next outcome starts a fresh line."""
    path = tmp_path / "r.csv"
    lines = ["row,key,status,camera_id,rtmp_url,error", "1,1:A,created,7,rtmp://x/7,", "2,2:B,crea"]
    path.write_text("\n".join(lines), encoding="utf-8")
    assert list(load_created(path)) == [1]
    assert load_created(path)[1].camera_id == 7
    results = _Results(path)
    results.close()
    assert path.read_text(encoding="utf-8").endswith("2,2:B,crea\n")


def test_default_results_path_sits_beside_the_input() -> None:
    """`cams.csv` records its outcomes in `cams.results.csv`."""
    assert default_results_path(Path("/data/cams.csv")) == Path("/data/cams.results.csv")
