"""An in-memory Monuv API, served over real HTTP, for tests, demos and benchmarks.

:class:`MonuvSimulator` answers every documented route of the Monuv partner
API with the documented shapes and quirks (list-wrapped bodies, ``document_type``
as a string, a bare object from "update camera", ``DD/MM/YYYY`` event times,
``code``/``msg`` failures with HTTP 200). It keeps state (clients, users,
cameras, blocks), serves a deterministic set of events with paging, and can
misbehave on demand: :class:`Fault` injects error statuses, delays, resets and
truncated bodies, and ``rate_limit`` answers 429 with ``Retry-After``.

In-process, in any asyncio program::

    from monuv_async import MonuvClient
    from monuv_async.testing import Fault, MonuvSimulator

    async with MonuvSimulator(seed=1, cameras=2) as sim:
        sim.inject("events", Fault.status(503))
        async with MonuvClient(sim.token, base_url=sim.url) as monuv:
            page = await monuv.events_page(camera=1001)  # retried after the 503
        assert sim.stats.requests["events"] == 2

With pytest, the ``monuv_simulator`` and ``monuv_client`` fixtures are
registered automatically once ``monuv-async`` is installed (see
:mod:`monuv_async.testing.plugin`). From a shell, ``monuv simulate`` runs the
same simulator as a standalone server.

The simulator binds to 127.0.0.1 and a free port by default. It never logs
the token: aiohttp's access log is off because request lines carry it. It is
an independent oracle: it shares none of the client's parsing code.

Import from this package; its modules are the simulator's parts, not an API:
``server`` (lifecycle, latency, counting; its ``site`` counts connections,
``arguments`` checks its arguments) serves ``routes`` (the handlers) over a
``store`` (state; its ``events``), moved on in time by ``live`` (live
events, history expiry), checking requests with ``validation``, answering
through ``answers``, misbehaving through ``faults`` and ``ratelimit``;
``plugin`` is the pytest plugin. ``mock``
holds :class:`MockTransport`, which answers a client in memory, no server
at all (it is the one module here built on the client's core).
"""

from __future__ import annotations

from .events import SimEvent
from .faults import Fault
from .mock import MockRequest, MockResponse, MockTransport
from .routes import ROUTES
from .server import DEMO_TOKEN, MonuvSimulator
from .stats import SimulatorStats

__all__ = [
    "DEMO_TOKEN",
    "ROUTES",
    "Fault",
    "MockRequest",
    "MockResponse",
    "MockTransport",
    "MonuvSimulator",
    "SimEvent",
    "SimulatorStats",
]
