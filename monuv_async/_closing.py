"""``async with`` for the objects that stop or close with ``aclose()``."""

from __future__ import annotations

from types import TracebackType
from typing import Self

__all__ = ["Closing"]


class Closing:
    """Entering gives the object itself; leaving, however it happens, awaits its :meth:`aclose`."""

    async def aclose(self) -> None:
        """Stop or close; each subclass says what that means."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
