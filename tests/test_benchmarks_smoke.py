"""The benchmarks still run: each core function, at a tiny size, against an in-process simulator.

These prove only that every benchmark module imports, runs end to end, and
produces well-formed figures without ever printing the token. They assert no
time: timing is what ``python -m benchmarks`` is for.
"""

from __future__ import annotations

import math
import random
from collections.abc import AsyncIterator

import pytest

from benchmarks import Check, Report, cpu, latency, memory, new_token, provision
from benchmarks._server import SimConfig, sim_stats
from monuv_async.documents import is_valid_cnpj
from monuv_async.testing import MonuvSimulator

TINY = SimConfig(cameras=1, events_per_camera_per_day=12, days=2, per_page=5)
"""24 events, 5 pages."""


def assert_well_formed(rep: Report, token: str) -> None:
    assert rep.lines
    assert rep.checks
    for check in rep.checks:
        assert isinstance(check, Check)
        assert math.isfinite(check.value)
        assert check.value >= 0
        assert check.verdict() in {"met", "MISSED"}
    text = rep.text()
    assert token not in text
    assert "MISSED" in text or "met" in text


@pytest.fixture
async def sim() -> AsyncIterator[MonuvSimulator]:
    config = SimConfig(**{**TINY.__dict__, "latency": 0.002})
    async with MonuvSimulator(new_token(), **config.simulator_kwargs()) as simulator:
        yield simulator


async def test_latency_benchmark_produces_figures(sim: MonuvSimulator) -> None:
    result = await latency.measure(
        sim.url,
        sim.token,
        window=latency.window_of(TINY),
        latency=0.002,
        concurrency=2,
        rounds=1,
        expected_pages=5,
        reset_stats=sim.reset_stats,
        read_stats=lambda: sim_stats(sim),
    )
    assert (result.pages, result.events) == (5, 24)
    assert result.requests_per_walk == 5
    assert len(result.iter_event_pages) == len(result.raw_floor) == 1
    assert result.floor == pytest.approx(0.002 + 2 * 0.002)
    assert_well_formed(latency.report(result), sim.token)


async def test_cpu_benchmark_produces_figures(sim: MonuvSimulator) -> None:
    sim.latency = 0.0
    result = await cpu.measure(
        sim.url, sim.token, concurrency=2, rounds=1, expected_pages=5, with_profile=True
    )
    assert result.events == result.decode.events == 24
    assert all(run.events == 24 for run in [*result.library, *result.floor, *result.naive])
    assert any("_wire.py" in line for line in result.profile)
    assert_well_formed(cpu.report(result), sim.token)


async def test_memory_benchmark_produces_figures() -> None:
    token = new_token()
    sizes = {24: TINY, 48: SimConfig(**{**TINY.__dict__, "days": 4})}
    samples = {}
    heap_peaks = {}
    for size, config in sizes.items():
        async with MonuvSimulator(token, **config.simulator_kwargs()) as sim:
            for mode in memory.MODES:
                sample = await memory.stream(
                    sim.url, token, mode, window=latency.window_of(config), trace=True
                )
                assert sample.events == size
                assert sample.peak >= sample.baseline > 0
                assert sample.heap_peak is not None
                samples[mode, size] = sample
                heap_peaks[mode, size] = sample.heap_peak
    result = memory.MemoryResult(samples, heap_peaks, TINY.per_page, memory.CONCURRENCY)
    rep = memory.report(result)
    assert len(rep.checks) == 2 * len(memory.MODES)
    assert_well_formed(rep, token)


async def test_provision_benchmark_produces_figures(sim: MonuvSimulator) -> None:
    result = await provision.measure(
        sim.url,
        sim.token,
        cameras=12,
        latency=0.002,
        concurrency=4,
        rounds=1,
        sequential_sample=3,
        reset_stats=sim.reset_stats,
        read_stats=lambda: sim_stats(sim),
    )
    assert result.created == 12
    assert result.max_in_flight is not None
    assert result.max_in_flight <= 4
    assert result.floor == pytest.approx(3 * 0.002)
    assert result.sequential_estimate == pytest.approx(result.sequential_sample_seconds * 4)
    assert_well_formed(provision.report(result), sim.token)


def test_valid_cnpj_has_valid_check_digits() -> None:
    rng = random.Random(7)
    assert all(is_valid_cnpj(provision.valid_cnpj(rng)) for _ in range(50))
