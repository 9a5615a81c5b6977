"""Closing: the ``async with`` shared by the client, backfills and watches."""

from __future__ import annotations

import pytest

from monuv_async import Backfill, EventWatch, MonuvClient
from monuv_async._closing import Closing


class Counted(Closing):
    def __init__(self) -> None:
        self.closed = 0

    async def aclose(self) -> None:
        self.closed += 1


async def test_async_with_gives_the_object_and_closes_it_once_on_leaving() -> None:
    """Entering hands back the object itself; a normal exit awaits aclose() once."""
    counted = Counted()
    async with counted as entered:
        assert entered is counted
        assert counted.closed == 0
    assert counted.closed == 1


async def test_leaving_by_an_exception_closes_too_and_lets_it_through() -> None:
    """An exception inside the block still closes, and is not swallowed."""
    counted = Counted()
    with pytest.raises(KeyError):
        async with counted:
            raise KeyError("boom")
    assert counted.closed == 1


@pytest.mark.parametrize("cls", [MonuvClient, Backfill, EventWatch])
def test_the_public_objects_closed_by_async_with_share_it(cls: type[object]) -> None:
    """The client, a backfill and a watch take async with from Closing, each its own aclose."""
    assert issubclass(cls, Closing)
    assert cls.aclose is not Closing.aclose  # type: ignore[attr-defined]
