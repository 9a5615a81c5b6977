"""Shared pieces of the resilience, cancellation and token-leak suites.

Everything here drives the real :class:`~monuv_async.testing.MonuvSimulator`
over loopback HTTP: faults are the simulator's own (:class:`Fault`), and the
assertions read the simulator's counters and state, never a mock.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import aiohttp
import attrs
from _async_helpers import ThreadedSimulator
from _samples import NEW_CLIENT
from aiohttp import web

from monuv_async import (
    MonuvClient,
    MonuvError,
    NewUser,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    TransportError,
)
from monuv_async.testing import Fault, MonuvSimulator

T = TypeVar("T")

SP = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=SP)
START, END = date(2026, 11, 17), date(2026, 11, 20)
CNPJ = NEW_CLIENT.document_number  # the document of the client the helpers create
CPF = "529.982.247-25"

SIM_ARGS: dict[str, Any] = {
    "seed": 5,
    "cameras": 2,
    "events_per_camera_per_day": 30,
    "days": 3,
    "now": NOW,
}
"""A small data set: 180 events over 3 days (2 pages per day-sized window)."""

STALL = 1.5
"""Seconds a stalled answer hangs: past ``TIMEOUT``, short enough to keep tests fast."""
TIMEOUT = 0.5
"""The client timeout of the fault tests."""


# -- the fault catalogue --------------------------------------------------------------


@attrs.frozen
class FaultKind:
    """One way a request goes wrong, and what the contract says follows from it."""

    name: str
    make: Callable[[], Fault]
    error: type[MonuvError]
    """The contract class raised once the retry budget is spent."""
    post_retried: bool = False
    """Whether a create is sent again after it (only 429 here)."""
    processed: bool = False
    """Whether the server performed the operation although the client got no answer."""


FAULT_KINDS: tuple[FaultKind, ...] = (
    FaultKind("429-retry-after", lambda: Fault.retry_after(0), RateLimitError, post_retried=True),
    FaultKind("500", lambda: Fault.status(500), ServerError),
    FaultKind("502", lambda: Fault.status(502), ServerError),
    FaultKind("503", lambda: Fault.status(503), ServerError),
    FaultKind("504", lambda: Fault.status(504), ServerError),
    FaultKind("html-502", lambda: Fault.html(502), ServerError),
    FaultKind("html-503", lambda: Fault.html(503), ServerError),
    FaultKind("reset", Fault.reset, TransportError),
    FaultKind("truncate", Fault.truncate, TransportError, processed=True),
    FaultKind("stall", lambda: Fault.stall(STALL), RequestTimeoutError),
)
"""Every fault of the issue, as the simulator plays it (the rate limit is a simulator setting)."""

LOST_ANSWER_KINDS: tuple[FaultKind, ...] = (
    FaultKind(
        "reset-after-processing", Fault.reset_after_processing, TransportError, processed=True
    ),
    FaultKind(
        "500-after-processing",
        lambda: Fault.status(500, after_processing=True),
        ServerError,
        processed=True,
    ),
    FaultKind(
        "html-502-after-processing",
        lambda: Fault.html(502, after_processing=True),
        ServerError,
        processed=True,
    ),
)
"""Faults where the server did the work and the answer was lost."""

ALL_KINDS = FAULT_KINDS + LOST_ANSWER_KINDS


def kind_ids(kinds: tuple[FaultKind, ...]) -> list[str]:
    return [k.name for k in kinds]


# -- simulator and client plumbing ------------------------------------------------------


@contextlib.asynccontextmanager
async def small_sim(
    token: str = "resilience-token", **changes: Any
) -> AsyncIterator[MonuvSimulator]:
    """A started simulator with the small data set (``changes`` override its arguments)."""
    async with MonuvSimulator(token, **{**SIM_ARGS, **changes}) as sim:
        yield sim


def expected_ids(sim: MonuvSimulator, start: date = START, end: date = END) -> set[int]:
    """Ids of the simulator's events whose day (in its zone) is within ``start..end``."""
    return {e.id for e in sim.events if start <= datetime.fromtimestamp(e.at, sim.tz).date() <= end}


async def setup_client_and_user(monuv: MonuvClient) -> tuple[int, int]:
    """Create a client (CNPJ) with one user through the API; return (client id, user id)."""
    client = await monuv.create_client(
        attrs.evolve(
            NEW_CLIENT, users=(NewUser("Ana", "ana@example.com", "11999990000", "pw-123456"),)
        )
    )
    return client.id, client.users[0].id


def acquired(connector: aiohttp.BaseConnector) -> int:
    """Connections the connector has handed out and not had back."""
    return len(connector._acquired)


def chain_types(error: BaseException) -> list[type[BaseException]]:
    """The classes of an exception and of everything chained to it."""
    found: list[type[BaseException]] = []
    current: BaseException | None = error
    while current is not None and len(found) < 50:
        found.append(type(current))
        current = current.__cause__ or current.__context__
    return found


def is_contract_error(error: BaseException) -> bool:
    """A contract class, with no aiohttp/asyncio/cattrs exception chained behind it."""
    return isinstance(error, MonuvError) and all(
        issubclass(cls, MonuvError) for cls in chain_types(error)
    )


def spy_sleep(delays: list[float]) -> Callable[[float], Awaitable[None]]:
    """A back-off sleep that records each delay asked for and really waits it."""

    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        await asyncio.sleep(seconds)

    return sleep


# -- a slow body: headers and half the body, then a pause ----------------------------------


class SlowBody:
    """A middleware for a simulator: the next ``armed`` answers stop mid-body.

    Install it before the simulator starts. ``started`` is set once an answer
    has sent its headers and the first half of its body and is pausing.
    """

    def __init__(self, pause: float = 30.0) -> None:
        self.armed = 0
        self.pause = pause
        self.started = asyncio.Event()
        self.paused = 0
        """Answers pausing mid-body right now (back to 0 once their client hangs up)."""

    def install(self, sim: MonuvSimulator) -> None:
        sim.app.middlewares.append(self._middleware)

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        answer = await handler(request)
        if self.armed <= 0 or not isinstance(answer, web.Response):
            return answer
        self.armed -= 1
        body = answer.body if isinstance(answer.body, bytes) else b""
        stream = web.StreamResponse(status=answer.status)
        stream.content_type = answer.content_type
        stream.content_length = len(body)
        await stream.prepare(request)
        await stream.write(body[: len(body) // 2])
        self.paused += 1
        self.started.set()
        try:
            await asyncio.sleep(self.pause)  # cancelled when the client hangs up
        finally:
            self.paused -= 1
        await stream.write(body[len(body) // 2 :])
        await stream.write_eof()
        return stream


# -- a simulator in a thread, for the CLI (which runs its own asyncio.run) -------------------


@contextlib.contextmanager
def threaded_sim(token: str, **changes: Any) -> Iterator[ThreadedSimulator]:
    """A :class:`ThreadedSimulator` with the suites' small data set, closed after."""
    served = ThreadedSimulator(token, **{**SIM_ARGS, **changes})
    try:
        yield served
    finally:
        served.close()


def write_cameras_csv(path: Path, client_id: int, rows: int) -> Path:
    """A provisioning input of ``rows`` cameras with distinct descriptions."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["client_id", "description", "latitude", "longitude"])
        for i in range(1, rows + 1):
            writer.writerow([client_id, f"Cam {i:03d}", "-23.5", "-46.6"])
    return path


def read_results(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


# -- every text an exception carries ------------------------------------------------------


def exception_texts(error: BaseException) -> list[str]:
    """str, repr, args and every attribute value, down ``__cause__`` and ``__context__``."""
    texts: list[str] = []
    seen: set[int] = set()
    stack: list[BaseException] = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        texts += [type(current).__name__, str(current), repr(current)]
        texts += [repr(arg) for arg in current.args]
        texts += [str(arg) for arg in current.args]
        for value in vars(current).values():
            texts += [str(value), repr(value)]
        texts += [str(note) for note in getattr(current, "__notes__", ())]
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                stack.append(linked)
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)
    return texts
