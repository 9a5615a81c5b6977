"""Helpers shared by the request-engine suites: a requester over a mock transport, and a
count of the answers read after their tries."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import aiohttp
import pytest
from yarl import URL

import monuv_async._later as later_module
from monuv_async._requester import Requester
from monuv_async.retry import RetryPolicy
from monuv_async.testing import MockTransport

NO_WAIT = RetryPolicy(attempts=3, backoff=0.0, max_backoff=0.0)
"""Three tries, no back-off: retries without waiting them out."""


def requester(token: str, transport: MockTransport, **changes: object) -> Requester:
    """A requester for ``token`` sending through ``transport``; ``changes`` replace settings."""
    settings: dict[str, object] = {
        "base": URL("https://app.monuv.com.br"),
        "transport": transport,
        "timeout": aiohttp.ClientTimeout(total=5),
        "retry": NO_WAIT,
        "rate_limit": None,
        "max_concurrency": 2,
        "tz": UTC,
        **changes,
    }
    return Requester(token, **settings)  # type: ignore[arg-type]


def counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ``current_page`` of each page :mod:`monuv_async._later` reads, as it reads them."""
    reads: list[int] = []
    original = later_module.read_response

    def counted(*args: Any, **kwargs: Any) -> Any:
        page = original(*args, **kwargs)
        reads.append(page.current_page)
        return page

    monkeypatch.setattr(later_module, "read_response", counted)
    return reads
