"""Where a backfill stands: serialisable, so a crashed backfill resumes exactly.

A :class:`Checkpoint` names the backfill's filters, the sub-windows finished,
and for each sub-window in progress the ids of the events already yielded.
It always describes exactly what has been yielded, so saving it after
processing each event (or each batch) and resuming from the last save loses
nothing and repeats nothing.

Ids are stored as ``[first, count]`` runs: Monuv's ids grow with time, so the
ids of one day of an unfiltered backfill form a handful of runs however many
events there are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import attrs

from ._wire import loads

__all__ = ["Checkpoint", "Window"]

_VERSION = 1
# No real sub-window holds ten million events; a larger run is a corrupt file.
_MAX_RUN = 10_000_000


@attrs.frozen(slots=True, order=True)
class Window:
    """A sub-window of a backfill: the days ``start..end``, inclusive."""

    start: date
    end: date

    @property
    def key(self) -> str:
        """A stable name for the window, used in checkpoints."""
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


def _runs(ids: Iterable[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for value in sorted(ids):
        if runs and runs[-1][0] + runs[-1][1] == value:
            runs[-1][1] += 1
        else:
            runs.append([value, 1])
    return runs


def _from_runs(runs: object) -> frozenset[int]:
    if not isinstance(runs, list):
        msg = "checkpoint: 'active' runs must be lists of [first, count]"
        raise ValueError(msg)
    ids: set[int] = set()
    for run in runs:
        if (
            not isinstance(run, list)
            or len(run) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in run)
            or not 1 <= run[1] <= _MAX_RUN
        ):
            msg = f"checkpoint: bad id run {run!r:.40}"
            raise ValueError(msg)
        ids.update(range(run[0], run[0] + run[1]))
    return frozenset(ids)


@attrs.frozen(slots=True)
class Checkpoint:
    """The state of a backfill after the events yielded so far.

    ``filters`` identifies the backfill (a checkpoint only resumes the same
    one), ``done`` the keys of finished sub-windows, ``active`` the ids already
    yielded in each unfinished one, ``yielded`` how many events in all.
    """

    filters: Mapping[str, Any]
    done: frozenset[str] = frozenset()
    active: Mapping[str, frozenset[int]] = attrs.field(factory=dict)
    yielded: int = 0

    def to_json(self) -> str:
        """Serialise to a JSON text (stable key order, ids as runs)."""
        return json.dumps(
            {
                "version": _VERSION,
                "filters": dict(self.filters),
                "done": sorted(self.done),
                "active": {key: _runs(ids) for key, ids in sorted(self.active.items())},
                "yielded": self.yielded,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Checkpoint:
        """Read a checkpoint written by :meth:`to_json`; ``ValueError`` if it is not one."""
        try:
            data = loads(text.encode() if isinstance(text, str) else text)
        except ValueError:
            data = None
        if not isinstance(data, dict) or data.get("version") != _VERSION:
            msg = "checkpoint: not a monuv_async checkpoint (version 1 JSON)"
            raise ValueError(msg)
        filters, done, active, yielded = (
            data.get("filters"),
            data.get("done"),
            data.get("active"),
            data.get("yielded"),
        )
        if not isinstance(filters, dict):
            msg = "checkpoint: 'filters' must be an object"
            raise ValueError(msg)
        if not isinstance(done, list) or not all(isinstance(k, str) for k in done):
            msg = "checkpoint: 'done' must be a list of window keys"
            raise ValueError(msg)
        if not isinstance(active, dict):
            msg = "checkpoint: 'active' must be an object"
            raise ValueError(msg)
        if not isinstance(yielded, int) or isinstance(yielded, bool) or yielded < 0:
            msg = "checkpoint: 'yielded' must be a count"
            raise ValueError(msg)
        return cls(
            filters=filters,
            done=frozenset(done),
            active={str(key): _from_runs(runs) for key, runs in active.items()},
            yielded=yielded,
        )
