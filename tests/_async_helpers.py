"""Helpers shared by the integration suites: bounded waits, leftover tasks, a threaded simulator."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from monuv_async.testing import MonuvSimulator

T = TypeVar("T")


def answers(
    fetch: Callable[..., Awaitable[T]],
) -> Callable[..., Coroutine[Any, Any, Callable[[], T]]]:
    """``fetch`` handing back its page as the client's fetches do: a function that reads it."""

    async def answer(*args: Any) -> Callable[[], T]:
        page = await fetch(*args)
        return lambda: page

    return answer


async def wait_until(predicate: Callable[[], bool], *, turns: int = 400) -> bool:
    """Whether ``predicate()`` becomes true within ``turns`` short sleeps (bounded, not timed)."""
    for _ in range(turns):
        if predicate():
            return True
        await asyncio.sleep(0.005)
    return predicate()


def library_tasks() -> list[asyncio.Task[Any]]:
    """Unfinished tasks running monuv_async code (the simulator's handlers excluded)."""
    found = []
    for task in asyncio.all_tasks():
        if task.done():
            continue
        code = getattr(task.get_coro(), "cr_code", None)
        name = code.co_filename if code is not None else ""
        if "monuv_async" in name and "testing" not in name and "_sim_" not in name:
            found.append(task)
    return found


async def settled() -> bool:
    """Whether the library's tasks all finish within a bounded number of short sleeps.

    A walk suspended at a ``yield`` when its consumer dies is closed by the
    loop's async-generator finalizer a few turns later, not at once.
    """
    return await wait_until(lambda: not library_tasks())


class ThreadedSimulator:
    """A :class:`MonuvSimulator` served by an event loop in a background thread.

    For the CLI, whose ``run`` calls ``asyncio.run`` itself: read or change
    the simulator's state only through :meth:`do`, or between commands.
    """

    def __init__(self, token: str, **kwargs: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

        async def start() -> MonuvSimulator:
            sim = MonuvSimulator(token, **kwargs)
            await sim.start()
            return sim

        self.sim = self.call(start())

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the simulator's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def do(self, fn: Callable[[], T]) -> T:
        """Call ``fn`` on the simulator's loop (changes to, or reads of, its state)."""

        async def wrapper() -> T:
            return fn()

        return self.call(wrapper())

    def idle(self) -> None:
        """Wait until the simulator handles no request (stalled handlers have ended)."""
        self.call(wait_until(lambda: self.sim.stats.in_flight == 0, turns=2000))

    def close(self) -> None:
        self.call(self.sim.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()
