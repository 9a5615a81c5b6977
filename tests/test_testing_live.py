"""The simulator's live mode: seeded live and late events, history expiry, flat memory."""

from __future__ import annotations

from datetime import timedelta

from _simulator_helpers import NOW, live_simulator

from monuv_async.testing import MonuvSimulator, SimEvent

LATE_BY = timedelta(minutes=5)


def newer_than(sim: MonuvSimulator, first_id: int) -> list[SimEvent]:
    """The events added after the seeded ones, in id (arrival) order."""
    return sorted((e for e in sim.events if e.id >= first_id), key=lambda e: e.id)


def test_advance_generates_the_rate_of_events_per_camera() -> None:
    """2 cameras at 0.5/s for 1000 s: about 1000 events, each at its arrival second, counted."""
    sim = live_simulator()
    first = sim.events[0].id + 1
    start = int(sim.now.timestamp())
    sim.advance(1000)
    made = newer_than(sim, first)
    assert 850 < len(made) < 1150  # Poisson(1000), fixed by the seed
    assert sim.stats.live_events == len(made)
    assert sim.stats.late_events == 0
    assert all(start <= e.at <= start + 1000 for e in made)
    assert [e.at for e in made] == sorted(e.at for e in made)  # ids grow with time
    assert {e.camera_id for e in made} == {1001, 1002}
    assert {e.event_type for e in made} <= set(sim.event_types)
    assert sim.now == NOW + timedelta(seconds=1000)


def test_the_same_seed_gives_the_same_events_whatever_the_steps() -> None:
    """One advance of 600 s, or 600 advances of 1 s: the same events (replayable tests)."""
    one, many, other = live_simulator(), live_simulator(), live_simulator(seed=8)
    one.advance(600)
    for _ in range(600):
        many.advance(1)
    other.advance(600)
    assert list(one.events) == list(many.events)
    assert list(one.events) != list(other.events)


def test_late_events_arrive_late_by_below_the_top() -> None:
    """A late event shows up at its arrival with ``event_at`` = arrival - late_by, a new id."""
    sim = live_simulator(late_share=0.3, late_by=LATE_BY)
    late_by = int(LATE_BY.total_seconds())
    late = on_time = 0
    for _ in range(200):
        before = int(sim.now.timestamp())
        top = max(e.id for e in sim.events)
        sim.advance(5)
        for event in newer_than(sim, top + 1):
            if before <= event.at <= before + 5:
                on_time += 1
            else:
                assert before <= event.at + late_by <= before + 5
                late += 1
    assert sim.stats.late_events == late
    assert sim.stats.live_events == late + on_time
    assert 0.2 < late / (late + on_time) < 0.4
    # Inserted below the top: the newest-first list puts them under newer ids.
    newest_first_ids = [e.id for e in sim.events]
    assert newest_first_ids != sorted(newest_first_ids, reverse=True)


def test_memory_stays_flat_over_a_simulated_day() -> None:
    """24 simulated hours at 1 event/min per camera: the store holds about one day, no more."""
    sim = live_simulator(live_rate=1 / 60, late_share=0.1, events_per_camera_per_day=1440)
    sizes = []
    for _ in range(48):
        sim.advance(1800)
        sizes.append(len(sim.events))
    assert sim.stats.live_events > 2 * 1440 * 0.9
    assert sim.stats.expired_events > 2 * 1440 * 0.9  # the seeded day ran out
    assert max(sizes) < 2 * 1440 * 1.2
    oldest = min(e.at for e in sim.events)
    assert oldest >= (sim.now - timedelta(days=1, minutes=1)).timestamp()


def test_a_cameras_own_history_expires_its_events_sooner() -> None:
    """A camera with ``history_days`` 1 keeps one day; the others keep the simulator's days."""
    sim = live_simulator(days=3, live_rate=None)
    sim.cameras[1001]["history_days"] = 1
    sim.advance(60)
    day_ago = (sim.now - timedelta(days=1)).timestamp()
    assert all(e.at >= day_ago for e in sim.events if e.camera_id == 1001)
    assert any(e.at < day_ago for e in sim.events if e.camera_id == 1002)
    assert sim.stats.expired_events > 0
    assert sim.stats.live_events == 0  # not live: time brings no event


def test_advance_without_live_rate_only_moves_the_clock() -> None:
    """Not live: advance moves ``now``; the seeded events within the history stay."""
    sim = MonuvSimulator(now=NOW, days=2, events_per_camera_per_day=5)
    count = len(sim.events)
    sim.advance(30)
    assert sim.now == NOW + timedelta(seconds=30)
    assert len(sim.events) == count
