"""The benchmark data set: Monuv event pages, built once as JSON bytes.

The shape is the one Monuv documents for ``GET /api/v1/events``: a list
wrapping one page object (``total``, ``per_page``, ``current_page``,
``last_page``, ``data``), each event with ``id``, ``event_at`` as
``DD/MM/YYYY HH:MM:SS`` (local time, no offset), ``event_type``,
``event_description``, ``event_url``, ``camera_id``, ``camera_description``.
It is copied here, never read from a reference file at run time.

The data set is ``days`` consecutive days ending on :data:`LAST_DAY`, newest
first (as Monuv lists them), with ids descending and unique across the whole
set. :class:`PagesConfig` says how many pages of how many events the whole set
holds; the events are spread evenly over the days, so every day has its own
pages too (what ``backfill(split="day")`` asks for with ``start_at`` =
``end_at`` = that day).

Everything is deterministic: the same config gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import orjson

__all__ = ["LAST_DAY", "PageSet", "PagesConfig", "day_events", "page_bytes"]

LAST_DAY = date(2025, 6, 1)
"""The newest day of every data set (Brazil has had no DST since 2019)."""

CAMERAS = 10
# (event_type, description): descriptions repeat on every event, as on Monuv.
TYPES = (
    (4, "Detecção Presença/Ausência"),
    (1, "Detecção de Movimento"),
    (2, "Linha Virtual Cruzada"),
)
IMAGE_HOST = "https://detection.monuv.com.br"


@dataclasses.dataclass(frozen=True)
class PagesConfig:
    """The data set and the server's behaviour.

    ``pages`` x ``per_page`` events in all, over ``days`` days; every answer
    waits ``latency`` seconds first (the time to answer, not a bandwidth).
    """

    pages: int = 200
    per_page: int = 500
    days: int = 10
    latency: float = 0.0

    def __post_init__(self) -> None:
        if min(self.pages, self.per_page, self.days) < 1 or self.latency < 0:
            msg = f"PagesConfig: every size must be >= 1 and latency >= 0, got {self}"
            raise ValueError(msg)
        if self.days > self.events:
            msg = f"PagesConfig: {self.days} days for only {self.events} events"
            raise ValueError(msg)

    @property
    def events(self) -> int:
        """Events in the whole data set."""
        return self.pages * self.per_page

    @property
    def first_day(self) -> date:
        """The oldest day of the data set."""
        return LAST_DAY - timedelta(days=self.days - 1)

    @property
    def window(self) -> tuple[date, date]:
        """``(first_day, LAST_DAY)``: the whole set, as a backfill asks for it."""
        return self.first_day, LAST_DAY

    def per_day(self, index: int) -> int:
        """Events on day ``index`` (0 = the newest day)."""
        base, extra = divmod(self.events, self.days)
        return base + (1 if index < extra else 0)

    def first_id(self, index: int) -> int:
        """The id of the newest event of day ``index`` (ids count down from the top)."""
        return self.events - sum(self.per_day(i) for i in range(index))


def day_events(config: PagesConfig, index: int) -> Iterator[dict[str, Any]]:
    """The events of day ``index`` (0 = newest), newest first."""
    day = LAST_DAY - timedelta(days=index)
    stamp = day.strftime("%d/%m/%Y")
    count = config.per_day(index)
    top = config.first_id(index)
    for j in range(count):
        second = 86_399 - (j * 86_400) // count
        hour, rest = divmod(second, 3600)
        event_id = top - j
        kind, text = TYPES[event_id % len(TYPES)]
        camera = 1001 + event_id % CAMERAS
        yield {
            "id": event_id,
            "event_at": f"{stamp} {hour:02d}:{rest // 60:02d}:{rest % 60:02d}",
            "event_type": kind,
            "event_description": text,
            "event_url": f"{IMAGE_HOST}/{camera}/{day.isoformat()}/{event_id}.jpg",
            "camera_id": camera,
            "camera_description": f"Câmera {camera - 1000:02d} - Entrada",
        }


def page_bytes(events: list[dict[str, Any]], per_page: int, number: int, total: int) -> bytes:
    """Page ``number`` (1-based) of ``events`` as Monuv's JSON (empty past the last)."""
    last = max(1, math.ceil(total / per_page))
    data = events[(number - 1) * per_page : number * per_page]
    page = {
        "total": total,
        "per_page": per_page,
        "current_page": number,
        "last_page": last,
        "data": data,
    }
    return orjson.dumps([page])


class PageSet:
    """Every page of the whole set and of each day, pre-built as bytes.

    Other day ranges (never asked by the benchmarks' walks) are built on first
    use and kept.
    """

    def __init__(self, config: PagesConfig) -> None:
        self.config = config
        self._ranges: dict[tuple[date, date], list[bytes]] = {}
        per_day: list[list[dict[str, Any]]] = []
        for index in range(config.days):
            events = list(day_events(config, index))
            per_day.append(events)
            day = LAST_DAY - timedelta(days=index)
            self._ranges[day, day] = self._paged(events)
        self._all = self._paged([e for events in per_day for e in events])
        self._ranges[config.window] = self._all

    def _paged(self, events: list[dict[str, Any]]) -> list[bytes]:
        per_page = self.config.per_page
        count = max(1, math.ceil(len(events) / per_page))
        return [page_bytes(events, per_page, n, len(events)) for n in range(1, count + 1)]

    def pages(self, start: date | None, end: date | None) -> list[bytes]:
        """The pages of ``start..end`` (inclusive; ``None`` = unbounded)."""
        first, last = self.config.window
        start = first if start is None or start < first else start
        end = last if end is None or end > last else end
        if start > end:
            start, end = last + timedelta(days=1), last  # an empty range
        pages = self._ranges.get((start, end))
        if pages is None:
            indexes = range((LAST_DAY - end).days, (LAST_DAY - start).days + 1)
            events = [e for i in indexes for e in day_events(self.config, i)]
            pages = self._ranges[start, end] = self._paged(events)
        return pages

    def page(self, start: date | None, end: date | None, number: int) -> bytes:
        """Page ``number`` of ``start..end``; past the last, an empty page of the same total."""
        pages = self.pages(start, end)
        if number <= len(pages):
            return pages[number - 1]
        total = orjson.loads(pages[0])[0]["total"]
        return page_bytes([], self.config.per_page, number, total)

    @property
    def all_pages(self) -> list[bytes]:
        """The pages of the whole set, as an unfiltered walk reads them."""
        return self._all
