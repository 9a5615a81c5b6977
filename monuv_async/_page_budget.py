"""One budget for the page requests of several walks, the earliest walk served first.

:class:`PageBudget` is what a backfill's sub-window walks share: each
prefetcher of :mod:`monuv_async._pagination` joins it with a rank, and asks
it to fill whenever a place may have freed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

__all__ = ["PageBudget", "Walk"]


class Walk(Protocol):
    """What the budget needs of a walk's prefetcher."""

    rank: int
    page_events: int
    opened: bool
    """Whether it has started any request."""

    @property
    def held(self) -> int:
        """Pages held: in flight, or fetched and not yet taken."""
        ...

    def running(self) -> int:
        """Requests in flight."""
        ...

    def wants(self, running: int) -> bool:
        """Whether the walk's own bounds let it start its next request."""
        ...

    def start_next(self) -> None:
        """Start the request for the next page."""
        ...


class PageBudget:
    """One bound on the pages of several walks at once; the earliest walk is served first.

    A backfill walks several sub-windows together. Their prefetchers join
    with the rank of their window, and whenever a place may have freed, all
    of them fill in rank order, under one ``concurrency`` for requests in
    flight. The first walk (the window being handed out) is bound by its own
    limits only, so it never waits behind later ones. Then
    ``spare(running, pages, events)`` (say, first pages ahead: what the
    next windows need first), which returns what is held after it, then the
    later walks, take only what is left of ``pages`` pages and ``events``
    events, counting everything held: every walk's pages (in flight, or
    fetched and not yet taken) and what the owner holds ``outside`` them,
    ``(running, pages, events)``, asked at each fill. So together they never
    hold more than that budget beside the first walk's own.
    """

    def __init__(
        self,
        *,
        concurrency: int,
        pages: int,
        events: int,
        outside: Callable[[], tuple[int, int, int]],
        spare: Callable[[int, int, int], tuple[int, int, int]],
    ) -> None:
        self.concurrency = concurrency
        self.pages = pages
        self.events = events
        self._outside = outside
        self._spare = spare
        self._walks: list[Walk] = []

    def join(self, walk: Walk) -> None:
        """Take part, after the walks of the same or an earlier rank."""
        index = len(self._walks)
        while index and self._walks[index - 1].rank > walk.rank:
            index -= 1
        self._walks.insert(index, walk)

    def leave(self, walk: Walk) -> None:
        """Stop taking part; what it held is free for the others."""
        if walk in self._walks:
            self._walks.remove(walk)
        self.fill()

    def fill(self) -> None:
        """Start requests: the first walk's, then first pages, then the later walks' in order."""
        running, pages, events = self._outside()
        for walk in self._walks:
            running += walk.running()
            pages += walk.held
            events += walk.held * walk.page_events
        head, later = self._walks[:1], self._walks[1:]
        # A window's first page tells how many pages follow: asked before
        # the later windows' other pages, it keeps the rounds ahead full.
        order: list[Walk | None] = [
            *head,
            *(walk for walk in later if not walk.opened),
            None,  # the spare's turn
            *(walk for walk in later if walk.opened),
        ]
        for entry in order:
            if entry is None:
                running, pages, events = self._spare(running, pages, events)
                continue
            own = entry.running()
            bounded = entry not in head
            while entry.wants(own) and running < self.concurrency:
                if bounded and (pages >= self.pages or events + entry.page_events > self.events):
                    # Strictly in order: what this walk cannot have, no
                    # walk after it takes before it.
                    return
                entry.start_next()
                own += 1
                running += 1
                pages += 1
                events += entry.page_events
