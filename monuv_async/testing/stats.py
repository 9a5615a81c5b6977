"""What a simulator counts: filled by the server (requests, connections) and the routes."""

from __future__ import annotations

import dataclasses
from collections import Counter

__all__ = ["SimulatorStats"]


@dataclasses.dataclass
class SimulatorStats:
    """What a simulator has seen since it started or since :meth:`~MonuvSimulator.reset_stats`."""

    requests: Counter[str] = dataclasses.field(default_factory=Counter)
    """Requests per route name, rejected and faulted ones included."""
    in_flight: int = 0
    """Requests being handled right now (latency and delays included)."""
    max_in_flight: int = 0
    """The highest ``in_flight`` seen."""
    connections: int = 0
    """TCP connections accepted."""
    created: Counter[str] = dataclasses.field(default_factory=Counter)
    """Objects created through the API: keys ``"clients"``, ``"users"``, ``"cameras"``."""
    snapshot_queries: list[str] = dataclasses.field(default_factory=list)
    """The raw query string of every snapshot request (should all be empty)."""
    snapshot_token_leaks: int = 0
    """Snapshot requests that carried the partner token anywhere (path, query, headers)."""
    live_events: int = 0
    """Events generated as time passed (live mode), late ones included."""
    late_events: int = 0
    """Of ``live_events``, those that arrived late (``event_at`` = arrival - ``late_by``)."""
    expired_events: int = 0
    """Events removed as time passed because they were older than their camera's history."""
