"""OpenTelemetry's aiohttp instrumentation with ``url_filter=redact_url``: no token in any span.

The real ``opentelemetry-instrumentation-aiohttp-client`` instruments every
``aiohttp.ClientSession`` made after ``instrument()`` (the client's own
included), and an in-memory exporter keeps every span. Every operation runs
once cleanly and once under each kind of fault; then every span's name,
status, attributes, events and links are scanned for every spelling of the
token.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from _resilience_helpers import CNPJ, CPF, END, SIM_ARGS, START, setup_client_and_user
from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from yarl import URL

from monuv_async import (
    CameraUpdate,
    MonuvClient,
    MonuvError,
    NewCamera,
    NewClient,
    NewUser,
    RetryPolicy,
    redact_url,
)
from monuv_async.testing import Fault, MonuvSimulator

TOKEN = "trace/tok+en s3cr&t"
SPELLINGS = (TOKEN, quote(TOKEN, safe=""), quote(TOKEN), quote_plus(TOKEN), "s3cr")
FAST = RetryPolicy(attempts=2, backoff=0.0, max_backoff=0.0)

FAULTS: dict[str, Callable[[], Fault]] = {
    "503": lambda: Fault.status(503),
    "404": lambda: Fault.status(404, {"message": "not found"}),
    "reset": Fault.reset,
    "truncate": Fault.truncate,
    "stall": lambda: Fault.stall(0.5),
    "bad-body": lambda: Fault.status(200, "<html>maintenance</html>"),
}


@contextlib.contextmanager
def instrumented(url_filter: Callable[[URL], str] | None) -> Iterator[InMemorySpanExporter]:
    """aiohttp instrumented with ``url_filter``; the exporter holds every span."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = AioHttpClientInstrumentor()
    instrumentor.instrument(tracer_provider=provider, url_filter=url_filter)
    try:
        yield exporter
    finally:
        instrumentor.uninstrument()


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Instrumented with redact_url as url_filter, as the observability guide says."""
    with instrumented(redact_url) as exporter:
        yield exporter


def span_texts(span: ReadableSpan) -> list[str]:
    """Everything a span records, as text."""
    texts = [span.name, str(span.status.description)]
    texts += [f"{k}={v}" for k, v in (span.attributes or {}).items()]
    for event in span.events:
        texts.append(event.name)
        texts += [f"{k}={v}" for k, v in (event.attributes or {}).items()]
    for link in span.links:
        texts += [f"{k}={v}" for k, v in (link.attributes or {}).items()]
    return texts


def leaks(exporter: InMemorySpanExporter) -> list[tuple[str, str]]:
    return [
        (span.name, spelling)
        for span in exporter.get_finished_spans()
        for text in span_texts(span)
        for spelling in SPELLINGS
        if spelling in text
    ]


def operations(monuv: MonuvClient, client_id: int, user_id: int) -> dict[str, Any]:
    """Every operation: name -> (simulator route, call)."""

    async def walk(iterator: Any) -> None:
        async for _ in iterator:
            pass

    calls: dict[str, tuple[str, Callable[[], Awaitable[Any]]]] = {
        "create_client": (
            "create_client",
            lambda: monuv.create_client(
                NewClient("Outro", 1, CPF, "119", "01310-100", "Rua", "2", "Centro", "SP", "SP")
            ),
        ),
        "create_client_user": (
            "create_client_user",
            lambda: monuv.create_client_user(
                client_id, NewUser("Bia", "bia@example.com", "119", "pw-654321")
            ),
        ),
        "block_client": ("block_client", lambda: monuv.block_client(CNPJ)),
        "unblock_client": ("unblock_client", lambda: monuv.unblock_client(CNPJ)),
        "block_user": ("block_user", lambda: monuv.block_user(user_id)),
        "unblock_user": ("unblock_user", lambda: monuv.unblock_user(user_id)),
        "camera_options": ("camera_options", monuv.camera_options),
        "create_camera": ("create_camera", lambda: monuv.create_camera(NewCamera(client_id, "C"))),
        "update_camera": (
            "update_camera",
            lambda: monuv.update_camera(1001, CameraUpdate(client_id, description="R")),
        ),
        "events_page": ("events", lambda: monuv.events_page(start_at=START, end_at=END)),
        "iter_events": ("events", lambda: walk(monuv.iter_events(start_at=START, end_at=END))),
        "backfill": ("events", lambda: walk(monuv.backfill(start_at=START, end_at=END))),
    }
    return calls


async def test_no_span_holds_the_token(spans: InMemorySpanExporter) -> None:
    """Every operation, clean and under every fault kind: no span records the token."""
    failures = 0
    async with (
        MonuvSimulator(TOKEN, **SIM_ARGS) as sim,
        MonuvClient(TOKEN, base_url=sim.url, timeout=0.2, retry=FAST) as monuv,
    ):
        client_id, user_id = await setup_client_and_user(monuv)
        ops = operations(monuv, client_id, user_id)
        for _, call in ops.values():
            await call()
        for make in FAULTS.values():
            for route, call in ops.values():
                sim.inject(route, *(make() for _ in range(2)))
                try:
                    await call()
                except MonuvError:
                    failures += 1
                sim.clear_faults()
    finished = spans.get_finished_spans()
    assert len(finished) > 100  # every request became a span
    assert failures >= len(ops) * 3  # the faults were really met
    assert any("block/***/" in text for s in finished for text in span_texts(s))
    assert leaks(spans) == []


def strip_query(url: URL) -> str:
    """The instrumentation's own documented recipe: drop the query string."""
    return str(url.with_query(None))


@pytest.mark.parametrize("url_filter", [None, strip_query], ids=["no-filter", "strip-query"])
async def test_without_redact_url_the_spans_do_hold_the_token(
    url_filter: Callable[[URL], str] | None,
) -> None:
    """The scan sees a leak when there is one: unfiltered, or with the query stripped
    (the block path still holds the token), the spans record it."""
    with instrumented(url_filter) as exporter:
        async with (
            MonuvSimulator(TOKEN, **SIM_ARGS) as sim,
            MonuvClient(TOKEN, base_url=sim.url) as monuv,
        ):
            _, user_id = await setup_client_and_user(monuv)
            await monuv.block_user(user_id)
    assert leaks(exporter)
