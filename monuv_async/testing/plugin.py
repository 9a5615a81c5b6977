"""pytest fixtures for code that talks to Monuv, registered automatically.

Installing ``monuv-async`` registers this plugin (the ``pytest11`` entry
point), which provides two async fixtures:

``monuv_simulator``
    a started :class:`~monuv_async.testing.MonuvSimulator` with default
    arguments, closed after the test;
``monuv_client``
    a :class:`~monuv_async.MonuvClient` pointed at that simulator, closed
    after the test.

::

    async def test_blocks_a_client(monuv_simulator, monuv_client):
        monuv_simulator.add_client("11.222.333/0001-81")
        await monuv_client.block_client("11.222.333/0001-81")
        assert monuv_simulator.blocked_documents == {"11222333000181"}

Markers change the arguments: ``@pytest.mark.monuv_simulator(seed=3,
cameras=1)`` is passed to ``MonuvSimulator`` and
``@pytest.mark.monuv_client(retry=None)`` to ``MonuvClient``. The fixtures
need pytest-asyncio; without it, installing ``monuv-async`` must not break
anyone's pytest, so the fixtures then only fail, with a clear message, in the
tests that ask for them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, NoReturn

import pytest

from monuv_async import MonuvClient

from .server import MonuvSimulator

__all__ = ["monuv_client", "monuv_simulator", "pytest_configure"]

try:
    import pytest_asyncio
except ImportError:
    pytest_asyncio = None  # type: ignore[assignment]


def _fixture(function: Callable[..., Any]) -> Any:
    if pytest_asyncio is not None:
        return pytest_asyncio.fixture(function)

    @pytest.fixture(name=function.__name__)
    def unavailable() -> NoReturn:
        pytest.fail(
            f"the {function.__name__} fixture needs pytest-asyncio: pip install pytest-asyncio",
            pytrace=False,
        )

    return unavailable


def pytest_configure(config: pytest.Config) -> None:
    """Declare the markers, so ``--strict-markers`` accepts them."""
    config.addinivalue_line(
        "markers", "monuv_simulator(**kwargs): arguments for the monuv_simulator fixture"
    )
    config.addinivalue_line(
        "markers", "monuv_client(**kwargs): arguments for the monuv_client fixture"
    )


def _marker_arguments(
    request: pytest.FixtureRequest, name: str
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    marker = request.node.get_closest_marker(name)
    if marker is None:
        return (), {}
    return marker.args, dict(marker.kwargs)


@_fixture
async def monuv_simulator(request: pytest.FixtureRequest) -> AsyncIterator[MonuvSimulator]:
    """A started Monuv simulator on a free local port, closed after the test."""
    args, kwargs = _marker_arguments(request, "monuv_simulator")
    async with MonuvSimulator(*args, **kwargs) as simulator:
        yield simulator


@_fixture
async def monuv_client(
    request: pytest.FixtureRequest, monuv_simulator: MonuvSimulator
) -> AsyncIterator[MonuvClient]:
    """A ``MonuvClient`` bound to ``monuv_simulator`` (same token, URL and time zone)."""
    _, kwargs = _marker_arguments(request, "monuv_client")
    kwargs.setdefault("base_url", monuv_simulator.url)
    kwargs.setdefault("tz", monuv_simulator.tz)
    async with MonuvClient(monuv_simulator.token, **kwargs) as client:
        yield client
