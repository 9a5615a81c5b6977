"""The baselines: raw aiohttp doing what the library does, with nothing else.

Each reads with ``orjson.loads`` and touches only ``len(data)`` (or
``code``): no model, no de-duplication, no retry, no redaction. Their
failures are re-raised with the token masked and no chained cause, since
aiohttp puts whole URLs (the token among them) in its messages.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import aiohttp
import orjson

__all__ = ["RawClient", "masked"]


@contextlib.contextmanager
def masked(token: str) -> Iterator[None]:
    """Re-raise any failure as a ``RuntimeError`` with the token masked and no cause."""
    try:
        yield
    except (asyncio.CancelledError, KeyboardInterrupt):
        raise
    except Exception as exc:
        text = f"{type(exc).__name__}: {exc}".replace(token, "***")
        raise RuntimeError(text) from None


class RawClient:
    """One aiohttp session bounded to ``concurrency`` connections, like the library's."""

    def __init__(self, url: str, token: str, concurrency: int) -> None:
        self._url = url
        self._token = token
        self._events = f"{url}/api/v1/events"
        self.concurrency = concurrency
        connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
        self._session = aiohttp.ClientSession(connector=connector)

    def __repr__(self) -> str:
        return f"<RawClient {self._url} token=***>"

    async def aclose(self) -> None:
        """Close the session."""
        await self._session.close()

    async def page(self, number: int) -> tuple[int, int]:
        """Page ``number``: ``(len(data), last_page)``."""
        with masked(self._token):
            params = {"token": self._token, "page": str(number)}
            async with self._session.get(self._events, params=params) as response:
                if response.status != 200:
                    msg = f"HTTP {response.status} on page {number}"
                    raise RuntimeError(msg)
                body = orjson.loads(await response.read())[0]
        return len(body["data"]), body["last_page"]

    async def walk(self) -> int:
        """Like the library: page 1 alone (for ``last_page``), then the rest, bounded."""
        count, last = await self.page(1)
        semaphore = asyncio.Semaphore(self.concurrency)

        async def bounded(number: int) -> int:
            async with semaphore:
                return (await self.page(number))[0]

        counts = await asyncio.gather(*(bounded(n) for n in range(2, last + 1)))
        return count + sum(counts)

    async def walk_first_round(self) -> int:
        """Pages 1..C at once (a guess that there are at least C), then the rest, bounded.

        Never more than ``concurrency`` requests in flight: the first round
        takes every slot, and each later page waits for one.
        """
        semaphore = asyncio.Semaphore(self.concurrency)

        async def bounded(number: int) -> tuple[int, int]:
            async with semaphore:
                return await self.page(number)

        first = [asyncio.ensure_future(bounded(n)) for n in range(1, self.concurrency + 1)]
        try:
            count, last = await first[0]
            rest = await asyncio.gather(*first[1:])
        except BaseException:
            for task in first:
                task.cancel()
            await asyncio.gather(*first, return_exceptions=True)
            raise
        # Pages past the last (a wrong guess) come back empty and count nothing.
        count += sum(n for n, _ in rest)
        later = await asyncio.gather(*(bounded(n) for n in range(self.concurrency + 1, last + 1)))
        return count + sum(n for n, _ in later)

    async def block_user(self, user_id: int) -> None:
        """``GET /api/user/block/{token}/{id}``; fails unless ``code`` is 0."""
        with masked(self._token):
            url = f"{self._url}/api/user/block/{self._token}/{user_id}"
            async with self._session.get(url) as response:
                body = orjson.loads(await response.read())
            if response.status != 200 or body["code"] != 0:
                msg = f"HTTP {response.status}, code {body.get('code')}"
                raise RuntimeError(msg)
