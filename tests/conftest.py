"""Shared fixtures for the tests: the documented Monuv bodies (``tests/samples/``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _samples import SAMPLES, sample_body, sample_json


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
