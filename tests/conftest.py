"""Shared fixtures: the documented Monuv bodies (``tests/samples/``) and the CLI's simulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _async_helpers import ThreadedSimulator
from _cli_helpers import TOKEN, small_simulator
from _samples import SAMPLES, sample_body, sample_json

from monuv_async.testing import MonuvSimulator


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The directory of the documented bodies (``tests/samples``, inside the repository)."""
    return SAMPLES


@pytest.fixture(scope="session")
def fixture_body() -> Callable[[str], bytes]:
    """``fixture_body(name)``: the raw bytes of a documented body (``.json`` optional)."""
    return sample_body


@pytest.fixture(scope="session")
def fixture_json() -> Callable[[str], Any]:
    """``fixture_json(name)``: a documented body, decoded (a fresh copy each call)."""
    return sample_json


# -- the `monuv` command's tests (tests/test_cli_*.py) ---------------------------


@pytest.fixture
def cli_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """MONUV_TOKEN set to the token of ``served``, never a real one from the environment."""
    monkeypatch.setenv("MONUV_TOKEN", TOKEN)


@pytest.fixture
def served() -> Iterator[ThreadedSimulator]:
    """A small simulator served from a thread (``_cli_helpers.small_simulator``), for the CLI."""
    threaded = small_simulator()
    yield threaded
    threaded.close()


@pytest.fixture
def cli_sim(served: ThreadedSimulator) -> MonuvSimulator:
    """The simulator of ``served``."""
    return served.sim
