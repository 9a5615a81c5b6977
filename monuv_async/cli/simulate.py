"""``monuv simulate`` and ``monuv demo``: the simulator, served or driven in-process.

Nothing here prints a token, not even the simulator's public demo token: the
``monuv`` command has one rule for secrets, and it has no exceptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TextIO

from ..client import MonuvClient
from ..models import DocumentType, UserType
from ..requests import NewCamera, NewClient, NewUser
from ..testing import DEMO_TOKEN, MonuvSimulator
from .args import TOKEN_ENV, Context

__all__ = ["DEMO_CNPJ", "demo", "demo_command", "simulate", "simulate_command"]

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


async def simulate(
    *,
    token: str | None,
    token_hint: str,
    host: str,
    port: int,
    latency: float,
    err: TextIO,
) -> int:
    """Serve a :class:`MonuvSimulator` until SIGINT or SIGTERM; always returns 0.

    ``token_hint`` is how the user gave the token (for the usage line), since
    the token itself is never printed.
    """
    stop = asyncio.Event()
    sim = MonuvSimulator(token or DEMO_TOKEN, host=host, port=port, latency=latency)
    with _stop_on_signals(stop):
        async with sim:
            if token is None:
                setup = f"{TOKEN_ENV}={_DEMO_ENV_SHELL} monuv --base-url {sim.url}"
                accepted = "the demo token (monuv_async.testing.DEMO_TOKEN)"
            else:
                setup = f"{token_hint}monuv --base-url {sim.url}"
                accepted = "the same token as this command"
            err.write(
                f"monuv: simulator serving {sim.url}"
                f" ({len(sim.cameras)} cameras, {len(sim.events):,} events);"
                " Ctrl-C to stop\n"
                f"monuv: it accepts {accepted}; point the CLI at it with:\n"
                f"  {setup} cameras options\n"
            )
            err.flush()
            await stop.wait()
            err.write("monuv: simulator stopped\n")
    return 0


async def demo(*, concurrency: int, cameras: int, latency: float, out: TextIO) -> int:
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
            f"  requests   {monuv.stats.requests:,} sent ({monuv.stats.retries} retries);"
            f" the simulator answered {sim.stats.requests.total():,}",
            f"             by route: {routes}",
            f"  in flight  at most {monuv.stats.max_in_flight}"
            f" (bound: --concurrency {concurrency}; the simulator saw {sim.stats.max_in_flight})",
            f"  elapsed    {time.perf_counter() - started:.2f} s",
        ]
    out.write("\n".join(lines) + "\n")
    return 0 if len(seen) == expected and duplicates == 0 else 1


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
    )


async def demo_command(ctx: Context) -> int:
    """``monuv demo``: the whole tour (see :func:`demo`)."""
    args = ctx.args
    return await demo(
        concurrency=args.concurrency, cameras=args.cameras, latency=args.latency, out=sys.stdout
    )
