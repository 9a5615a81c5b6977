"""Servers in a separate process: the simulator here, the pre-built pages in ``_pages_server``.

The benchmarks measure the client's event loop, so the simulator must not
share it (nor its GIL): :func:`start_server` runs ``python -m benchmarks._server``
in a child process, which builds the simulator from a :class:`SimConfig`,
binds 127.0.0.1 on a free port, and reports its URL on stdout when it is
ready to answer. The parent keeps a small line protocol on the child's
stdin/stdout to read or reset the simulator's counters (``stats``, ``reset``)
and to stop it (``quit``, or just closing stdin).

The token travels in the child's environment, never on its command line and
never on any output.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self, TypeVar

from . import FIXED_NOW, Report, new_token

R = TypeVar("R")

__all__ = [
    "ServerProcess",
    "SimConfig",
    "reply",
    "run_against_server",
    "serve_commands",
    "sim_stats",
    "start_child",
    "start_server",
    "take_token",
]

ROOT = Path(__file__).resolve().parent.parent
TOKEN_ENV = "MONUV_BENCH_TOKEN"


@dataclasses.dataclass(frozen=True)
class SimConfig:
    """The simulator's knobs (see :class:`~monuv_async.testing.MonuvSimulator`)."""

    seed: int = 1
    cameras: int = 3
    events_per_camera_per_day: int = 300
    days: int = 4
    per_page: int = 30
    latency: float = 0.0
    latency_jitter: float = 0.0
    now: str = FIXED_NOW.isoformat()

    @property
    def events(self) -> int:
        """How many events the data set holds."""
        return self.cameras * self.events_per_camera_per_day * self.days

    def simulator_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``MonuvSimulator``."""
        return {
            "seed": self.seed,
            "cameras": self.cameras,
            "events_per_camera_per_day": self.events_per_camera_per_day,
            "days": self.days,
            "per_page": self.per_page,
            "latency": self.latency,
            "latency_jitter": self.latency_jitter,
            "now": datetime.fromisoformat(self.now),
        }


def sim_stats(sim: Any) -> dict[str, Any]:
    """The counters of a simulator, as plain JSON-able data."""
    stats = sim.stats
    return {
        "requests": dict(stats.requests),
        "max_in_flight": stats.max_in_flight,
        "connections": stats.connections,
        "created": dict(stats.created),
        "events": len(sim.events),
        "cameras": len(sim.cameras),
    }


class ServerProcess:
    """A running server in a child process: its URL, its token, its counters."""

    def __init__(self, proc: subprocess.Popen[str], token: str, config: object) -> None:
        self._proc = proc
        self.token = token
        self.config = config
        self.url = ""
        self._lines: queue.Queue[str | None] = queue.Queue()
        assert proc.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        self._reader.start()

    def __repr__(self) -> str:
        return f"<ServerProcess {self.url or '(starting)'} pid={self._proc.pid} token=***>"

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def _answer(self, timeout: float) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            msg = f"simulator process did not answer within {timeout:.0f} s"
            raise RuntimeError(msg) from None
        if line is None:
            msg = f"simulator process exited (code {self._proc.poll()})"
            raise RuntimeError(msg)
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _command(self, command: str, timeout: float = 30.0) -> dict[str, Any]:
        assert self._proc.stdin is not None
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        return self._answer(timeout)

    def wait_ready(self, timeout: float) -> None:
        """Block until the child reports its URL."""
        self.url = str(self._answer(timeout)["ready"])

    def stats(self) -> dict[str, Any]:
        """The server's counters (for the simulator, see :func:`sim_stats`)."""
        return self._command("stats")

    def reset_stats(self) -> None:
        """Zero the simulator's counters."""
        self._command("reset")

    def stop(self) -> None:
        """Ask the child to stop, and make sure it has. Idempotent."""
        proc = self._proc
        if proc.poll() is None and proc.stdin is not None and not proc.stdin.closed:
            try:
                proc.stdin.write("quit\n")
                proc.stdin.flush()
                proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        self._reader.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_server(config: SimConfig, *, timeout: float = 120.0) -> ServerProcess:
    """Start a simulator in a child process and wait until it answers."""
    return start_child("benchmarks._server", config, dataclasses.asdict(config), timeout=timeout)


def start_child(
    module: str, config: object, payload: dict[str, Any], *, timeout: float = 120.0
) -> ServerProcess:
    """Run ``python -m module '<payload JSON>'`` with a fresh token; wait until it is ready.

    The child takes the token with :func:`take_token`, reports its URL with
    ``reply({"ready": url})`` and then answers :func:`serve_commands`.
    """
    token = new_token()
    env = dict(os.environ)
    env[TOKEN_ENV] = token
    proc = subprocess.Popen(
        [sys.executable, "-m", module, json.dumps(payload)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    server = ServerProcess(proc, token, config)
    try:
        server.wait_ready(timeout)
    except BaseException:
        server.stop()
        raise
    return server


def run_against_server(
    config: Any,
    measure: Callable[..., Coroutine[Any, Any, R]],
    report: Callable[[R], Report],
    /,
    *,
    start: Callable[[Any], ServerProcess] | None = None,
    **options: Any,
) -> Report:
    """Start a server (``start(config)``, the simulator by default), run
    ``measure(url, token, reset_stats=, read_stats=, **options)`` against it,
    then print and return ``report(result)`` with the time it all took."""
    started = time.perf_counter()
    with (start or start_server)(config) as server:
        result = asyncio.run(
            measure(
                server.url,
                server.token,
                reset_stats=server.reset_stats,
                read_stats=server.stats,
                **options,
            )
        )
    rep = report(result)
    rep.seconds = time.perf_counter() - started
    print(rep.text(), flush=True)
    return rep


# -- the child --------------------------------------------------------------------


def reply(answer: dict[str, Any]) -> None:
    """One answer line to the parent."""
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


def take_token() -> str:
    """The token the parent put in this child's environment (removed from it)."""
    return os.environ.pop(TOKEN_ENV, "")


async def serve_commands(stats: Callable[[], dict[str, Any]], reset: Callable[[], None]) -> None:
    """Answer the parent's ``stats`` / ``reset`` lines until ``quit`` or end of input."""
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        command = line.strip()
        if not line or command == "quit":
            return
        if command == "stats":
            reply(stats())
        elif command == "reset":
            reset()
            reply({"ok": True})
        else:
            reply({"error": f"unknown command {command!r}"})


async def _serve(config: SimConfig, token: str) -> None:
    from monuv_async.testing import MonuvSimulator  # noqa: PLC0415 - the child only

    sim = MonuvSimulator(token, host="127.0.0.1", port=0, **config.simulator_kwargs())
    async with sim:
        reply({"ready": sim.url})
        await serve_commands(lambda: sim_stats(sim), sim.reset_stats)


def _child_main(argv: list[str]) -> None:
    token = take_token()
    if not token or len(argv) != 1:
        sys.exit("usage: MONUV_BENCH_TOKEN=... python -m benchmarks._server '<SimConfig JSON>'")
    config = SimConfig(**json.loads(argv[0]))
    asyncio.run(_serve(config, token))


if __name__ == "__main__":
    _child_main(sys.argv[1:])
