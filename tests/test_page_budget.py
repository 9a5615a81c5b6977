"""PageBudget: rank order; the first walk bound by its own limits, the rest by the budget."""

from __future__ import annotations

from monuv_async._page_budget import PageBudget


class FakeWalk:
    """A walk that wants ``pages`` more requests, with its own cap on pages held."""

    def __init__(self, rank: int, *, pages: int, cap: int = 100, page_events: int = 30) -> None:
        self.rank = rank
        self.page_events = page_events
        self.left = pages
        self.cap = cap
        self.started = 0
        self.in_flight = 0
        self.fetched = 0
        self.opened = False
        self.known = True

    @property
    def held(self) -> int:
        return self.in_flight + self.fetched

    def running(self) -> int:
        return self.in_flight

    def wants(self, running: int) -> bool:
        # Until its first answer, a walk knows of its first page only.
        return self.left > 0 and self.held < self.cap and (self.known or not self.started)

    def start_next(self) -> None:
        self.opened = True
        self.left -= 1
        self.started += 1
        self.in_flight += 1


def budget(
    *, concurrency: int, pages: int, events: int, outside: tuple[int, int, int] = (0, 0, 0)
) -> tuple[PageBudget, list[tuple[int, int, int]]]:
    spare: list[tuple[int, int, int]] = []
    made = PageBudget(
        concurrency=concurrency,
        pages=pages,
        events=events,
        outside=lambda: outside,
        spare=lambda *room: spare.append(room) or room,
    )
    return made, spare


def test_walks_are_filled_in_rank_order_whatever_order_they_joined_in() -> None:
    """The lowest rank takes the places first; a later one only what is left of the concurrency."""
    shared, _ = budget(concurrency=4, pages=100, events=10**6)
    late, first, middle = FakeWalk(2, pages=10), FakeWalk(0, pages=3), FakeWalk(1, pages=10)
    for walk in (late, first, middle):
        shared.join(walk)
    shared.fill()
    assert (first.started, middle.started, late.started) == (3, 1, 0)


def test_the_first_walk_is_bound_by_its_own_limits_only() -> None:
    """Later walks and what is held outside fill the budget; the first walk still starts."""
    shared, _ = budget(concurrency=8, pages=4, events=10**6, outside=(0, 4, 120))
    first, later = FakeWalk(0, pages=5, cap=3), FakeWalk(1, pages=5)
    shared.join(first)
    shared.join(later)
    shared.fill()
    assert first.started == 3  # its own cap, not the full budget
    assert later.started == 0


def test_later_walks_take_only_what_is_left_counting_everything_held() -> None:
    """Pages held by the first walk, by earlier walks and outside all count against the budget."""
    shared, spare = budget(concurrency=16, pages=10, events=10**6, outside=(1, 2, 60))
    first, second, third = FakeWalk(0, pages=3), FakeWalk(1, pages=3), FakeWalk(2, pages=9)
    for walk in (first, second, third):
        shared.join(walk)
    shared.fill()
    assert (first.started, second.started, third.started) == (3, 3, 2)
    # Strictly in order: the third walk was refused, so the spare got nothing.
    assert spare == []


def test_the_event_budget_bounds_later_walks_by_their_page_size() -> None:
    """Pages of 500 events: a later walk starts only as many as the events left allow."""
    shared, _ = budget(concurrency=16, pages=100, events=2000)
    first = FakeWalk(0, pages=2, page_events=500)
    later = FakeWalk(1, pages=10, page_events=500)
    shared.join(first)
    shared.join(later)
    shared.fill()
    assert (first.started, later.started) == (2, 2)


def test_the_spare_is_given_the_room_left_after_every_walk() -> None:
    """``spare`` learns the requests in flight, pages and events held once the walks are served."""
    shared, spare = budget(concurrency=16, pages=10, events=10**6, outside=(0, 1, 30))
    walk = FakeWalk(0, pages=2)
    shared.join(walk)
    shared.fill()
    assert spare == [(2, 3, 90)]


def test_a_walk_that_leaves_frees_its_room_for_the_next() -> None:
    """After the first walk leaves, the next is the first: filled by its own limits."""
    shared, _ = budget(concurrency=2, pages=2, events=10**6)
    first, later = FakeWalk(0, pages=2), FakeWalk(1, pages=4)
    shared.join(first)
    shared.join(later)
    shared.fill()
    assert later.started == 0
    first.in_flight = 0  # its requests are done and taken
    shared.leave(first)
    assert later.started == 2


def test_a_later_walks_first_page_goes_before_other_walks_next_pages() -> None:
    """A window's first page tells how many pages follow: it is asked before later pages."""
    shared, _ = budget(concurrency=3, pages=100, events=10**6)
    first, going, fresh = FakeWalk(0, pages=1), FakeWalk(1, pages=5), FakeWalk(2, pages=5)
    going.opened = True
    fresh.known = False
    for walk in (first, going, fresh):
        shared.join(walk)
    shared.fill()
    assert (first.started, fresh.started, going.started) == (1, 1, 1)
