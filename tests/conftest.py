"""Shared helpers for the tests: the documented Monuv bodies.

The documented bodies live in ``shared/fixtures`` *beside* the repository
(CI lays ``shared/`` next to the clone), never inside it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = REPO_ROOT.parent / "shared" / "fixtures"


def _load_body(name: str) -> bytes:
    path = FIXTURES / (name if name.endswith(".json") else f"{name}.json")
    return path.read_bytes()


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The directory of the documented bodies (``../shared/fixtures``)."""
    return FIXTURES


@pytest.fixture(scope="session")
def fixture_body() -> Callable[[str], bytes]:
    """``fixture_body(name)``: the raw bytes of a documented body (``.json`` optional)."""
    return _load_body


@pytest.fixture(scope="session")
def fixture_json() -> Callable[[str], Any]:
    """``fixture_json(name)``: a documented body, decoded (a fresh copy each call)."""

    def load(name: str) -> Any:
        return json.loads(_load_body(name))

    return load
