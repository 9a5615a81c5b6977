"""The fast event reader against the strict one: same pages, same errors, on generated pages.

Pages are generated valid and then damaged in the ways a server can get a
value wrong (another JSON type, a number as a string, a bool, a float, an
integer beyond 64 bits, a time that is not canonical or not a time, a key
missing or unknown, impossible counts, another wrapping). For each, an answer
read with the fast path first must be exactly the answer read by the strict
reader alone: the same page, or an error of the same class and message.
"""

from __future__ import annotations

import json
from datetime import UTC, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monuv_async import _fast_events, _wire
from monuv_async._context import RequestContext
from monuv_async._endpoints import event_filters, events_page
from monuv_async._fast_events import fast_reader
from monuv_async._response import read_response
from monuv_async.errors import MonuvError
from monuv_async.models import Event, EventPage

SP = ZoneInfo("America/Sao_Paulo")
ZONES: list[tzinfo] = [SP, UTC, timezone(timedelta(hours=-3)), ZoneInfo("America/New_York")]
CONTEXT = RequestContext("GET /api/v1/events?token=***", lambda text: text)
CHECKED = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
READERS = [True, False] if _fast_events.msgspec is not None else [False]


def event_at() -> st.SearchStrategy[str]:
    """Mostly canonical DD/MM/YYYY HH:MM:SS, DST days of both zones included; sometimes not."""
    canonical = st.builds(
        lambda d, mo, y, h, mi, s: f"{d:02d}/{mo:02d}/{y:04d} {h:02d}:{mi:02d}:{s:02d}",
        st.integers(1, 31),
        st.integers(1, 12),
        st.sampled_from([1999, 2018, 2023, 2026]),
        st.integers(0, 23),
        st.integers(0, 59),
        st.integers(0, 59),
    )
    odd = st.one_of(
        st.sampled_from(
            [
                "31/02/2026 10:00:00",
                "01/01/2026 24:00:00",
                "01/01/2026 10:60:00",
                "01/01/2026 10:00:60",
                "01/01/2026 1:00:000",
                "01/01/2026T10:00:00",
                "2026-01-01 10:00:00",
                "01/01/2026 10:0a:00",
                "01/01/2026 \u0661\u0660:00:00",  # Arabic-Indic digits
                "01/01/2026 10:00:0\u0660",
                "01/01/2026 10:00",
                "",
            ]
        ),
        st.text(max_size=21),
    )
    return st.one_of(canonical, canonical, canonical, odd)


def wrong_value() -> st.SearchStrategy[Any]:
    """Values of the wrong or an unusual JSON type for an event's field."""
    return st.one_of(
        st.sampled_from(
            [None, True, False, 1.0, 2.5, "7", " 7", "-3", "x", [], {}, 2**63, 2**64 + 1]
        ),
        st.integers(-(2**70), 2**70),
        st.text(max_size=8),
    )


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": draw(st.integers(-5, 10**12)),
        "event_at": draw(event_at()),
        "event_type": draw(st.integers(0, 20)),
    }
    optional = {
        "event_description": st.sampled_from(["Detecção Presença/Ausência", "", "x" * 50]),
        "event_url": st.text(max_size=30),
        "camera_id": st.integers(1, 10**6),
        "camera_description": st.sampled_from(["Câmera 01 - Entrada", "Fundos"]),
    }
    for key, values in optional.items():
        choice = draw(st.integers(0, 3))
        if choice == 1:
            row[key] = None
        elif choice >= 2:
            row[key] = draw(values)
    if draw(st.integers(0, 5)) == 0:
        row[draw(st.sampled_from([*row, "unknown"]))] = draw(wrong_value())
    if draw(st.integers(0, 15)) == 0:
        row.pop(draw(st.sampled_from(sorted(row))), None)
    return row


@st.composite
def pages(draw: st.DrawFn) -> tuple[int, bytes]:
    number = draw(st.integers(1, 4))
    page: dict[str, Any] = {
        "total": draw(st.integers(0, 500)),
        "per_page": draw(st.integers(1, 500)),
        "current_page": number,
        "last_page": draw(st.integers(1, 10)),
        "data": draw(st.lists(events(), max_size=6)),
    }
    damage = draw(st.integers(0, 7))
    if damage == 0:
        key = draw(st.sampled_from([*page, "links"]))
        page[key] = draw(st.one_of(wrong_value(), st.sampled_from([-1, 0, None])))
    elif damage == 1:
        page.pop(draw(st.sampled_from(sorted(page))))
    elif damage == 2:
        page["current_page"] = number + 1
    wrapping = draw(st.sampled_from(["list", "list", "bare", "two", "not an object"]))
    body: Any = {"list": [page], "bare": page, "two": [page, page], "not an object": [1]}[wrapping]
    return number, json.dumps(body, ensure_ascii=draw(st.booleans())).encode()


def outcome(number: int, body: bytes, tz: tzinfo, *, fast: bool) -> tuple[str, Any]:
    """What reading ``body`` as page ``number`` gives: the page, or the error's class and text."""
    spec = events_page(event_filters(tz), number)
    if not fast:
        spec = attrs.evolve(spec, read_body=None)
    try:
        return ("page", read_response(spec, 200, {}, body, tz=tz, context=CONTEXT))
    except MonuvError as error:
        return (type(error).__name__, str(error))


@CHECKED
@given(page=pages(), tz=st.sampled_from(ZONES))
def test_fast_and_strict_agree_on_every_generated_page(page: tuple[int, bytes], tz: tzinfo) -> None:
    """Any page, valid or damaged: the same EventPage or the same error with the fast path."""
    number, body = page
    assert outcome(number, body, tz, fast=True) == outcome(number, body, tz, fast=False)


@pytest.mark.parametrize("use_msgspec", READERS)
@CHECKED
@given(page=pages(), tz=st.sampled_from(ZONES))
def test_each_fast_reader_gives_the_strict_page_or_declines(
    use_msgspec: bool, page: tuple[int, bytes], tz: tzinfo
) -> None:
    """Both fast variants (msgspec and plain) return the strict result or None, nothing else."""
    number, body = page
    fast = fast_reader(tz, use_msgspec=use_msgspec)(body)
    strict = outcome(number, body, tz, fast=False)
    if fast is not None:
        assert fast.current_page == number or strict[0] != "page"
        if fast.current_page == number:
            assert strict == ("page", fast)


@pytest.mark.parametrize("use_msgspec", READERS)
def test_a_plain_documented_page_takes_the_fast_path(use_msgspec: bool, fixture_body: Any) -> None:
    """The documented page is read fast (so the tests above compare something) and equals strict."""
    body = fixture_body("events_page")
    fast = fast_reader(SP, use_msgspec=use_msgspec)(body)
    assert fast is not None
    assert ("page", fast) == outcome(1, body, SP, fast=False)
    assert {type(event) for event in fast.events} == {Event}
    event = fast.events[0]
    assert event.event_at.tzinfo is SP
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.id = 2  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        del event.id
    assert hash(event) == hash(attrs.evolve(event))


def test_events_are_built_through_the_generic_setattr() -> None:
    """The building class keeps both of object's hooks: either one inherited from the
    frozen Event would route every field through Python, three times slower per page."""
    building = _fast_events._Building
    assert building.__setattr__ is object.__setattr__
    assert building.__delattr__ is object.__delattr__
    assert building.__basicsize__ == Event.__basicsize__


def test_an_id_beyond_64_bits_reads_as_the_strict_reader_reads_it() -> None:
    """A 65-bit id: the strict reader's answer; declined where the decoder refuses it (orjson)."""
    row = {"id": 2**64 + 1, "event_at": "01/01/2023 12:00:00", "event_type": 1}
    page = {"total": 1, "per_page": 30, "current_page": 1, "last_page": 1, "data": [row]}
    body = json.dumps([page]).encode()
    assert outcome(1, body, SP, fast=True) == outcome(1, body, SP, fast=False)
    if _wire.orjson is not None:  # stdlib json reads any int, and so does the strict reader
        assert all(fast_reader(SP, use_msgspec=m)(body) is None for m in READERS)


@pytest.mark.parametrize("use_msgspec", READERS)
@pytest.mark.parametrize(
    "change",
    [
        {"links": []},
        {"total": "100"},
        {"per_page": 0},
        {"total": -1},
        {"data": [{"id": True, "event_at": "01/01/2023 12:00:00", "event_type": 1}]},
        {"data": [{"id": 1.0, "event_at": "01/01/2023 12:00:00", "event_type": 1}]},
        {"data": [{"id": 1, "event_at": "01/01/2023 12:00:00", "event_type": 1, "extra": 1}]},
        {"data": [{"id": 1, "event_at": "01/01/2023 12:00:00", "event_type": 1, "camera_id": "9"}]},
        {"data": [{"id": 1, "event_at": "1/1/2023 12:00:00", "event_type": 1}]},
    ],
)
def test_unusual_pages_are_declined(use_msgspec: bool, change: dict[str, Any]) -> None:
    """Unknown keys, numbers as strings, bools, floats, huge ints, odd times: left to strict."""
    page = {"total": 1, "per_page": 30, "current_page": 1, "last_page": 1, "data": []}
    body = json.dumps([{**page, **change}]).encode()
    assert fast_reader(SP, use_msgspec=use_msgspec)(body) is None


def test_an_event_field_off_the_wire_takes_its_default() -> None:
    """The builder is derived from attrs.fields(Event): a field not on the wire gets its default."""

    @attrs.frozen(slots=True)
    class Wider:
        id: int
        event_at: Any
        event_type: int
        event_description: str | None = None
        event_url: str | None = None
        camera_id: int | None = None
        camera_description: str | None = None
        extra: Any = attrs.field(factory=dict)

    source = _fast_events._builder_source(attrs.fields(Wider), _fast_events._key, checked=True)
    assert source is not None
    assert "event.extra = default_extra" in source

    @attrs.frozen(slots=True)
    class Unfillable:
        id: int
        needed: int

    assert (
        _fast_events._builder_source(attrs.fields(Unfillable), _fast_events._key, checked=True)
        is None
    )


def test_the_hour_table_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many distinct hours: the table is cleared when full, never grows past its bound."""
    monkeypatch.setattr(_fast_events, "_HOURS_KEPT", 5)
    reader = _fast_events._Reader(UTC, use_msgspec=False)
    rows = [
        {"id": i, "event_at": f"{1 + i:02d}/01/2023 10:00:00", "event_type": 1} for i in range(12)
    ]
    page = {"total": 12, "per_page": 30, "current_page": 1, "last_page": 1, "data": rows}
    read = reader.read(json.dumps(page).encode())
    assert read is not None
    assert [e.event_at.day for e in read.events] == list(range(1, 13))
    assert len(reader._hours) <= 5
    assert isinstance(read, EventPage)


@pytest.mark.parametrize("use_msgspec", READERS)
@pytest.mark.parametrize(
    ("tz", "day", "hour"),
    [
        (SP, "04/11/2018", 0),  # Sao Paulo's last spring-forward gap
        (SP, "17/02/2018", 23),  # and its last repeated hour
        (ZoneInfo("America/New_York"), "12/03/2023", 2),
        (ZoneInfo("America/New_York"), "05/11/2023", 1),
        (UTC, "29/02/2024", 13),
    ],
)
def test_every_minute_and_second_of_an_hour_reads_as_strict(
    use_msgspec: bool, tz: tzinfo, day: str, hour: int
) -> None:
    """All 3,600 :MM:SS of hours around DST changes: the fast times equal the strict ones."""
    rows = [
        {"id": i, "event_at": f"{day} {hour:02d}:{i // 60:02d}:{i % 60:02d}", "event_type": 1}
        for i in range(3600)
    ]
    page = {"total": 3600, "per_page": 3600, "current_page": 1, "last_page": 1, "data": rows}
    body = json.dumps([page]).encode()
    fast = fast_reader(tz, use_msgspec=use_msgspec)(body)
    assert fast is not None
    assert outcome(1, body, tz, fast=False) == ("page", fast)
    strict = outcome(1, body, tz, fast=False)[1]
    assert [(e.event_at.utcoffset(), e.event_at.fold) for e in fast.events] == [
        (e.event_at.utcoffset(), e.event_at.fold) for e in strict.events
    ]


@pytest.mark.parametrize("use_msgspec", READERS)
def test_repeated_descriptions_are_one_string_object(use_msgspec: bool) -> None:
    """Equal descriptions on different events (and pages) come out as one shared object."""
    rows = [
        {"id": i, "event_at": "01/01/2023 10:00:00", "event_type": 1, "camera_description": "Cam"}
        for i in range(3)
    ]
    page = {"total": 3, "per_page": 30, "current_page": 1, "last_page": 1, "data": rows}
    read = fast_reader(UTC, use_msgspec=use_msgspec)
    first, second = read(json.dumps(page).encode()), read(json.dumps(page).encode())
    assert first is not None
    assert second is not None
    names = {id(e.camera_description) for e in first.events + second.events}
    assert len(names) == 1
    assert first.events[0].camera_description == "Cam"


@pytest.mark.parametrize("use_msgspec", READERS)
def test_the_shared_strings_stay_bounded(
    monkeypatch: pytest.MonkeyPatch, use_msgspec: bool
) -> None:
    """Every description new (a hostile server): the table is cleared between pages when full."""
    monkeypatch.setattr(_fast_events, "_SHARED_KEPT", 4)
    reader = _fast_events._Reader(UTC, use_msgspec=use_msgspec)
    for number in range(6):
        rows = [
            {
                "id": 10 * number + i,
                "event_at": "01/01/2023 10:00:00",
                "event_type": 1,
                "event_description": f"type {number}.{i}",
                "camera_description": f"camera {number}.{i}",
            }
            for i in range(3)
        ]
        page = {"total": 3, "per_page": 30, "current_page": 1, "last_page": 1, "data": rows}
        read = reader.read(json.dumps(page).encode())
        assert read is not None
        got = [(e.event_description, e.camera_description) for e in read.events]
        assert got == [(r["event_description"], r["camera_description"]) for r in rows]
        # What was there before the page (under the bound), and this page's six.
        assert len(reader._shared) <= 4 + 6


def read_stamps_both_ways(stamps: list[str], *, use_msgspec: bool) -> EventPage:
    """A page of one event per stamp read fast in Sao Paulo, checked equal to the strict read."""
    rows = [{"id": i, "event_at": at, "event_type": 1} for i, at in enumerate(stamps)]
    page = {"total": len(rows), "per_page": 30, "current_page": 1, "last_page": 1, "data": rows}
    body = json.dumps(page).encode()
    fast = fast_reader(SP, use_msgspec=use_msgspec)(body)
    assert fast is not None
    assert ("page", fast) == outcome(1, body, SP, fast=False)
    return fast


@pytest.mark.parametrize("use_msgspec", READERS)
def test_hours_that_come_back_read_as_strict(use_msgspec: bool) -> None:
    """Hours alternating event to event (no two alike in a row): each time is still its own."""
    stamps = [
        "01/01/2023 10:05:00",
        "01/01/2023 11:05:00",
        "01/01/2023 10:06:00",
        "02/01/2023 10:06:00",
    ]
    fast = read_stamps_both_ways(stamps, use_msgspec=use_msgspec)
    assert [e.event_at.strftime("%d %H:%M") for e in fast.events] == [
        "01 10:05",
        "01 11:05",
        "01 10:06",
        "02 10:06",
    ]


@pytest.mark.parametrize("use_msgspec", READERS)
def test_minutes_that_come_back_read_as_strict(use_msgspec: bool) -> None:
    """A minute's start is made once per run of events in it: minutes alternating event to
    event, and a minute of another hour or day, each keep their own time."""
    stamps = [
        "01/01/2023 10:05:59",
        "01/01/2023 10:06:00",
        "01/01/2023 10:05:01",
        "01/01/2023 11:05:01",
        "02/01/2023 11:05:01",
        "02/01/2023 11:05:02",
    ]
    fast = read_stamps_both_ways(stamps, use_msgspec=use_msgspec)
    assert [e.event_at.strftime("%d/%m/%Y %H:%M:%S") for e in fast.events] == stamps
