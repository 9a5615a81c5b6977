"""The pytest plugin: its fixtures and markers, used directly and from a pytester run."""

from __future__ import annotations

import aiohttp
import pytest

from monuv_async import MonuvClient
from monuv_async.testing import DEMO_TOKEN, MonuvSimulator

pytest_plugins = ["pytester"]

_INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
addopts = --strict-markers
filterwarnings = error::ResourceWarning
"""


async def test_simulator_fixture_is_started_with_defaults(
    monuv_simulator: MonuvSimulator,
) -> None:
    """monuv_simulator is a started, default MonuvSimulator (demo token, 3 cameras)."""
    assert monuv_simulator.token == DEMO_TOKEN
    assert sorted(monuv_simulator.cameras) == [1001, 1002, 1003]
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{monuv_simulator.url}/api/v1/cameras/create?token={DEMO_TOKEN}") as resp,
    ):
        assert resp.status == 200


@pytest.mark.monuv_simulator(live_rate=0.5, late_share=0.25)
async def test_the_marker_makes_a_live_simulator(monuv_simulator: MonuvSimulator) -> None:
    """The live-mode arguments pass through the marker: time brings events."""
    assert monuv_simulator.live_rate == 0.5
    monuv_simulator.advance(600)
    assert monuv_simulator.stats.live_events > 0
    assert monuv_simulator.stats.late_events > 0


async def test_client_fixture_is_bound_to_the_simulator(
    monuv_simulator: MonuvSimulator, monuv_client: MonuvClient
) -> None:
    """monuv_client reaches the simulator of the same test."""
    options = await monuv_client.camera_options()
    assert options.history_days == (1, 3, 7)
    assert monuv_simulator.stats.requests["camera_options"] == 1


def test_simulator_is_closed_after_the_test(pytester: pytest.Pytester) -> None:
    """The fixture's simulator stops listening once its test is over."""
    pytester.makeini(_INI)
    pytester.makepyfile(
        """
        import aiohttp
        import pytest

        URLS = []

        async def test_uses_it(monuv_simulator):
            URLS.append(monuv_simulator.url)

        async def test_it_is_gone():
            async with aiohttp.ClientSession() as http:
                with pytest.raises(aiohttp.ClientConnectionError):
                    await http.get(URLS[0] + "/api/v1/cameras/create")
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_markers_configure_both_fixtures(pytester: pytest.Pytester) -> None:
    """monuv_simulator(...) and monuv_client(...) markers pass their arguments (strict markers)."""
    pytester.makeini(_INI)
    pytester.makepyfile(
        """
        import pytest
        from monuv_async import ServerError
        from monuv_async.testing import Fault

        @pytest.mark.monuv_simulator("other-token", cameras=1, events_per_camera_per_day=2, days=1)
        async def test_simulator_marker(monuv_simulator):
            assert monuv_simulator.token == "other-token"
            assert len(monuv_simulator.events) == 2

        @pytest.mark.monuv_simulator(cameras=0)
        @pytest.mark.monuv_client(retry=None)
        async def test_client_marker(monuv_simulator, monuv_client):
            monuv_simulator.inject("camera_options", Fault.status(503))
            with pytest.raises(ServerError):
                await monuv_client.camera_options()
            assert monuv_simulator.stats.requests["camera_options"] == 1
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_plugin_loads_without_pytest_asyncio(pytester: pytest.Pytester) -> None:
    """Without pytest-asyncio, pytest still runs; only a test using the fixture fails, clearly."""
    pytester.makeconftest(
        "import sys\nsys.modules['pytest_asyncio'] = None\n"
        "import importlib, monuv_async.testing.plugin as plugin\nimportlib.reload(plugin)\n"
        "from monuv_async.testing.plugin import monuv_simulator  # noqa: F401\n"
    )
    pytester.makepyfile(
        "def test_plain():\n    assert True\n\n"
        "def test_wants_the_simulator(monuv_simulator):\n    pass\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:asyncio", "-p", "no:monuv_async")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*monuv_simulator fixture needs pytest-asyncio*"])
