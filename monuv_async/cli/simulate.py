"""``monuv simulate`` and ``monuv demo``: the simulator, served or driven in-process.

Nothing here prints a token, not even the simulator's public demo token: the
``monuv`` command has one rule for secrets, and it has no exceptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import secrets
import signal
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from ..client import MonuvClient
from ..models import DocumentType, UserType
from ..requests import NewCamera, NewClient, NewUser
from ..testing import DEMO_TOKEN, MonuvSimulator
from ..watch import MIN_POLL_INTERVAL
from .args import TOKEN_ENV, Context
from .terminal import for_terminal

__all__ = ["DEMO_CNPJ", "Seed", "demo", "demo_command", "simulate", "simulate_command"]

_SAO_PAULO = ZoneInfo("America/Sao_Paulo")
"""Monuv's time zone, the simulator's default: a ``--today`` is a day there."""

DEMO_CNPJ = "11.222.333/0001-81"
"""A CNPJ with valid check digits, for the demo's client."""

# Shell text that reads the demo token from the package instead of showing it.
_DEMO_ENV_SHELL = "\"$(python -c 'from monuv_async.testing import DEMO_TOKEN; print(DEMO_TOKEN)')\""


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """Set ``stop`` on SIGINT/SIGTERM while inside; Ctrl-C stays a KeyboardInterrupt elsewhere."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            # Windows, or not the main thread: Ctrl-C then arrives as
            # KeyboardInterrupt, which the command turns into exit 130.
            continue
        installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


@dataclasses.dataclass(frozen=True)
class Seed:
    """What ``monuv simulate`` holds, for trying the other commands by hand."""

    clients: int = 1
    """Clients created at start (ids 1, 2, ...: ``client_id`` of a provisioning CSV)."""
    cameras: int = 3
    days: int = 7
    events_per_day: int = 300
    """Events per camera per day."""
    today: date | None = None
    """The simulated date (its last second is "now"); ``None``: the real date."""
    live_rate: float | None = None
    """New events per camera per second, generated as time passes (``None``: none)."""
    late_share: float = 0.0
    late_by: timedelta = timedelta(minutes=5)


def _documents() -> Iterator[str]:
    """CNPJs with valid check digits, :data:`DEMO_CNPJ` first."""
    yield DEMO_CNPJ
    base = 11222333
    for i in itertools.count(1):
        digits = f"{base + i:08d}0001"
        digits += _cnpj_digit(digits)
        yield digits + _cnpj_digit(digits)


def _cnpj_digit(digits: str) -> str:
    weights = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)[-len(digits) :]
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "0" if remainder < 2 else str(11 - remainder)


def _simulator(token: str, host: str, port: int, latency: float, seed: Seed) -> MonuvSimulator:
    now = None
    if seed.today is not None:
        now = datetime.combine(seed.today, dt_time(23, 59, 59), tzinfo=_SAO_PAULO)
    live: dict[str, Any] = {}
    if seed.live_rate is not None:
        # The live mode (issue 13): keyword-only arguments of the simulator.
        live = {"live_rate": seed.live_rate, "late_share": seed.late_share, "late_by": seed.late_by}
    return MonuvSimulator(
        token,
        host=host,
        port=port,
        latency=latency,
        cameras=seed.cameras,
        days=seed.days,
        events_per_camera_per_day=seed.events_per_day,
        now=now,
        **live,
    )


async def simulate(
    *,
    token: str | None,
    token_hint: str,
    host: str,
    port: int,
    latency: float,
    err: TextIO,
    seed: Seed = Seed(),
) -> int:
    """Serve a :class:`MonuvSimulator` until SIGINT or SIGTERM; always returns 0.

    ``token_hint`` is how the user gave the token (for the usage line), since
    the token itself is never printed.
    """
    stop = asyncio.Event()
    sim = _simulator(token or DEMO_TOKEN, host, port, latency, seed)
    with _stop_on_signals(stop):
        async with sim:
            clients = [
                sim.add_client(document, f"Cliente {number}")
                for number, document in zip(range(1, seed.clients + 1), _documents(), strict=False)
            ]
            if token is None:
                setup = f"{TOKEN_ENV}={_DEMO_ENV_SHELL} monuv --base-url {sim.url}"
                accepted = "the demo token (monuv_async.testing.DEMO_TOKEN)"
            else:
                setup = f"{token_hint}monuv --base-url {sim.url}"
                accepted = "the same token as this command"
            days = f"{len(sim.events):,} events over {seed.days} days up to {sim.now.date()}"
            live = (
                "" if seed.live_rate is None else f", {seed.live_rate:g} new per camera per second"
            )
            ids = ", ".join(str(c["id"]) for c in clients) or "none"
            cameras = ", ".join(str(c) for c in sorted(sim.cameras)) or "none"
            err.write(
                for_terminal(
                    f"monuv: simulator serving {sim.url}"
                    f" ({len(sim.cameras)} cameras, {days}{live}); Ctrl-C to stop",
                )
                + "\n"
                + for_terminal(f"monuv: it accepts {accepted}; point the CLI at it with:")
                + "\n"
                + for_terminal(f"  {setup} cameras options")
                + "\n"
                + for_terminal(f"monuv: client ids: {ids}; camera ids: {cameras}")
                + "\n"
            )
            err.flush()
            await stop.wait()
            err.write("monuv: simulator stopped\n")
    return 0


async def _feed(sim: MonuvSimulator, every: float) -> None:
    """Cameras detecting things: one new event every ``every`` s, stamped with the real time."""
    while True:
        await asyncio.sleep(every)
        sim.append_events(1, at=datetime.now(sim.tz))


async def _follow(monuv: MonuvClient, sim: MonuvSimulator, seconds: float) -> tuple[int, int]:
    """Follow new events for ``seconds`` with ``watch_events``; (events seen, duplicates)."""
    seen: set[int] = set()
    duplicates = 0
    feeder = asyncio.create_task(_feed(sim, 0.25))
    try:
        async with monuv.watch_events(poll_interval=MIN_POLL_INTERVAL) as watch:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    async for event in watch:
                        duplicates += event.id in seen
                        seen.add(event.id)
    finally:
        feeder.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await feeder
    return len(seen), duplicates


async def demo(
    *, concurrency: int, cameras: int, latency: float, out: TextIO, follow: float = 3.0
) -> int:
    """Drive a whole scenario against an in-process simulator and print a summary.

    Returns 0 when every event of the window was read exactly once, else 1.
    """
    started = time.perf_counter()
    async with (
        MonuvSimulator(latency=latency) as sim,
        MonuvClient(sim.token, base_url=sim.url, max_concurrency=concurrency) as monuv,
    ):
        # Random passwords: a demo must not teach fixed credentials.
        admin = NewUser(
            "Ana Souza",
            "ana@example.com",
            "(11) 99999-0001",
            secrets.token_urlsafe(12),
            user_type=UserType.ADMIN,
        )
        client = await monuv.create_client(
            NewClient(
                "Padaria Exemplo Ltda",
                DocumentType.CNPJ,
                DEMO_CNPJ,
                "(11) 3333-4444",
                "01310-100",
                "Avenida Paulista",
                "1000",
                "Bela Vista",
                "São Paulo",
                "SP",
                users=(admin,),
            )
        )
        await monuv.create_client_user(
            client.id,
            NewUser("Bruno Lima", "bruno@example.com", "(11) 3333-0002", secrets.token_urlsafe(12)),
        )
        t0 = time.perf_counter()
        made = await asyncio.gather(
            *(
                monuv.create_camera(NewCamera(client.id, description=f"Loja {i:02d}"))
                for i in range(1, cameras + 1)
            )
        )
        cameras_elapsed = time.perf_counter() - t0

        end = sim.now.date()
        start = end - timedelta(days=6)
        seen: set[int] = set()
        duplicates = 0
        t0 = time.perf_counter()
        # The whole backfill: one call; day windows walked concurrently, pages
        # fetched ahead, bounded memory, every event exactly once.
        async for event in monuv.backfill(start_at=start, end_at=end):
            duplicates += event.id in seen
            seen.add(event.id)
        events_elapsed = time.perf_counter() - t0
        expected = sum(
            1 for e in sim.events if start <= datetime.fromtimestamp(e.at, sim.tz).date() <= end
        )

        followed, repeated = (0, 0) if follow <= 0 else await _follow(monuv, sim, follow)

        routes = ", ".join(f"{name} {n}" for name, n in sim.stats.requests.most_common())
        created = sim.stats.created
        lines = [
            f"monuv demo: an in-process Monuv simulator at {sim.url} (no network, no token)",
            f"  created    {created['clients']} client (CNPJ {DEMO_CNPJ}),"
            f" {created['users']} users, {len(made)} cameras"
            f" ({cameras_elapsed:.2f} s, up to {concurrency} at once)",
            f"  events     {len(seen):,} read in {events_elapsed:.2f} s,"
            f" {start.isoformat()} .. {end.isoformat()}"
            f" ({expected:,} in the simulator, {duplicates} duplicates)",
            *(
                []
                if follow <= 0
                else [
                    f"  following  {followed} new events in {follow:g} s with watch_events"
                    f" (a poll every {MIN_POLL_INTERVAL:g} s; {repeated} duplicates)"
                ]
            ),
            f"  requests   {monuv.stats.requests:,} sent ({monuv.stats.retries} retries);"
            f" the simulator answered {sim.stats.requests.total():,}",
            f"             by route: {routes}",
            f"  in flight  at most {monuv.stats.max_in_flight}"
            f" (bound: --concurrency {concurrency}; the simulator saw {sim.stats.max_in_flight})",
            f"  elapsed    {time.perf_counter() - started:.2f} s",
        ]
    out.write(for_terminal("\n".join(lines), keep_newlines=True) + "\n")
    return 0 if len(seen) == expected and duplicates == 0 == repeated else 1


async def simulate_command(ctx: Context) -> int:
    """``monuv simulate``: serve until SIGINT/SIGTERM (see :func:`simulate`)."""
    args = ctx.args
    hint = f"--token-file {args.token_file} " if args.token_file else ""
    return await simulate(
        token=ctx.token,
        token_hint=hint,
        host=args.host,
        port=args.port,
        latency=args.latency,
        err=sys.stderr,
        seed=Seed(
            clients=args.clients,
            cameras=args.cameras,
            days=args.days,
            events_per_day=args.events_per_day,
            today=args.today,
            live_rate=args.live,
            late_share=args.late_share,
            late_by=timedelta(seconds=args.late_by),
        ),
    )


async def demo_command(ctx: Context) -> int:
    """``monuv demo``: the whole tour (see :func:`demo`)."""
    args = ctx.args
    return await demo(
        concurrency=args.concurrency,
        cameras=args.cameras,
        latency=args.latency,
        out=sys.stdout,
        follow=args.follow,
    )
