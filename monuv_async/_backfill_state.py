"""The ids of one backfill sub-window: what it produced, and what is not yet handed out."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import attrs

from .models import Event

__all__ = ["WindowState"]


@attrs.define
class WindowState:
    """Ids of one sub-window: produced (``seen``), and per batch not yet all handed out.

    Batches are handed out in the order produced: the one being handed out
    is ``queued[0]``. Per batch, not a set of pending ids: no work per event.
    """

    seen: set[int]
    queued: deque[list[int]] = attrs.Factory(deque)

    def take(self, events: Sequence[Event], ids: list[int]) -> Sequence[Event]:
        """The events of a page (``ids`` theirs, in order) not seen before, each id once.

        They are seen from now on, and queued as a batch if there are any.
        """
        seen = self.seen
        size = len(seen)
        batch: Sequence[Event] = events
        if not seen.isdisjoint(ids):
            # Keyed by id: an id twice in one page is one event too.
            fresh = {e.id: e for e in events if e.id not in seen}
            batch, ids = list(fresh.values()), list(fresh)
            seen.update(ids)
        else:  # the usual page, every id new: in bulk
            seen.update(ids)
            if len(seen) - size != len(ids):  # an id twice in the page
                fresh = {e.id: e for e in events}
                batch, ids = list(fresh.values()), list(fresh)
        if ids:
            self.queued.append(ids)
        return batch
