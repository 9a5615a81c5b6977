"""The benchmarks still run, and their data and baselines are right.

These prove that ``python -m benchmarks --quick`` runs every benchmark end to
end and writes well-formed results without ever printing the token, that the
pre-built pages are the data set Monuv would serve (day windows honoured,
every event once), and that the raw baselines count every event. They assert
no time: timing is what ``python -m benchmarks`` is for.
"""

from __future__ import annotations

import random
import re
import traceback
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import orjson
import pytest
from aiohttp import web

from benchmarks import __main__ as bench_main
from benchmarks import memory, new_token, provision
from benchmarks._measure import Contender, interleave
from benchmarks._pages import LAST_DAY, PagesConfig, PageSet
from benchmarks._pages_server import build_app
from benchmarks._raw import RawClient, masked
from monuv_async import MonuvClient
from monuv_async.documents import is_valid_cnpj

TOKEN_SHAPE = re.compile(r"bench-[A-Za-z0-9_-]{24}")
"""What :func:`benchmarks.new_token` makes: no such string may be printed or written."""
ROW = re.compile(r"^\| (\w+) \| (.+) \| ([-\d.]+ ?\S*) \| <= ([\d.]+ ?\S*) \| (yes|\*\*no\*\*) \|$")


def test_quick_run_writes_a_table_row_per_target_and_never_the_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "RESULTS.md"
    code = bench_main.main(["--quick", "--output", str(output)])
    printed = capsys.readouterr().out
    text = output.read_text()
    assert code in (0, 1)
    rows = [ROW.match(line) for line in text.splitlines() if ROW.match(line)]
    assert {m.group(1) for m in rows if m} == set(bench_main.ALL)
    for name in bench_main.ALL:
        assert f"{name}: " in printed  # in the summary
    assert "QUICK" in text
    assert not TOKEN_SHAPE.search(printed)
    assert not TOKEN_SHAPE.search(text)


def test_unknown_benchmark_name_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_:
        bench_main.parse(["nope"])
    assert exit_.value.code == 2


def _events(pages: list[bytes]) -> list[dict[str, object]]:
    return [e for body in pages for e in orjson.loads(body)[0]["data"]]


def test_page_set_serves_each_day_its_own_events_and_the_whole_set_once() -> None:
    config = PagesConfig(pages=7, per_page=9, days=3)  # 63 events, 21 a day
    pages = PageSet(config)
    everything = _events(pages.all_pages)
    assert len(pages.all_pages) == config.pages
    assert [e["id"] for e in everything] == list(range(config.events, 0, -1))
    by_day = []
    for index in range(config.days):
        day = LAST_DAY - timedelta(days=index)
        day_pages = pages.pages(day, day)
        first = orjson.loads(day_pages[0])[0]
        assert first["total"] == 21
        assert first["last_page"] == len(day_pages) == 3
        events = _events(day_pages)
        assert {str(e["event_at"])[:10] for e in events} == {day.strftime("%d/%m/%Y")}
        by_day += events
    assert by_day == everything
    two_days = pages.pages(LAST_DAY - timedelta(days=1), LAST_DAY)
    assert _events(two_days) == everything[:42]


def test_page_past_the_last_is_empty_with_the_same_total() -> None:
    pages = PageSet(PagesConfig(pages=2, per_page=5, days=1))
    body = orjson.loads(pages.page(None, None, 9))[0]
    assert (body["data"], body["total"], body["current_page"]) == ([], 10, 9)


@pytest.fixture
async def served() -> AsyncIterator[tuple[str, str, PagesConfig]]:
    token = new_token()
    config = PagesConfig(pages=5, per_page=4, days=2)
    app, _ = build_app(PageSet(config), token, latency=0.0)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", token, config
    finally:
        await runner.cleanup()


async def test_raw_walks_count_every_event_even_with_fewer_pages_than_c(
    served: tuple[str, str, PagesConfig],
) -> None:
    url, token, config = served
    raw = RawClient(url, token, concurrency=8)  # 8 > 5 pages: the first round overshoots
    try:
        assert await raw.walk() == config.events
        assert await raw.walk_first_round() == config.events
        await raw.block_user(7)
    finally:
        await raw.aclose()


async def test_library_walks_the_served_pages_and_days_exactly(
    served: tuple[str, str, PagesConfig],
) -> None:
    url, token, config = served
    async with MonuvClient(token, base_url=url) as monuv:
        ids = [e.id async for e in monuv.iter_events()]
        start, end = config.window
        async with monuv.backfill(start_at=start, end_at=end, split="day") as walk:
            backfilled = [e.id async for e in walk]
        await monuv.block_user(3)
    assert ids == backfilled == list(range(config.events, 0, -1))


async def test_server_refuses_a_wrong_token(served: tuple[str, str, PagesConfig]) -> None:
    url, _, _ = served
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{url}/api/v1/events", params={"token": "wrong"}) as response:
            assert response.status == 401
        async with session.get(f"{url}/api/user/block/wrong/1") as response:
            assert response.status == 401


def test_masked_failure_prints_no_token_in_its_traceback() -> None:
    token = new_token()
    with pytest.raises(RuntimeError) as caught, masked(token):
        raise ValueError(f"GET http://x/api/user/block/{token}/1 failed")
    printed = "".join(traceback.format_exception(caught.value))
    assert "block/***/1" in printed
    assert token not in printed


async def test_interleave_starts_each_round_one_contender_further_along() -> None:
    """After a warm-up in the given order, round r starts with contender r mod n."""
    ran: list[str] = []

    def contender(name: str) -> Contender:
        async def run() -> int:
            ran.append(name)
            return 1

        return run

    samples = await interleave({n: contender(n) for n in "abc"}, 4, expect=1)
    by_round = ["".join(ran[i : i + 3]) for i in range(0, len(ran), 3)]
    assert by_round == ["abc", "abc", "bca", "cab", "abc"]  # the warm-up, then 4 rounds
    assert {name: len(s.runs) for name, s in samples.items()} == {"a": 4, "b": 4, "c": 4}


async def test_interleave_refuses_a_run_that_handled_the_wrong_count() -> None:
    async def short() -> int:
        return 9

    with pytest.raises(RuntimeError, match="short handled 9, expected 10"):
        await interleave({"short": short}, 1, expect=10)


def test_memory_quotes_the_run_of_median_growth_whatever_the_order() -> None:
    def run(growth: int) -> memory.MemorySample:
        return memory.MemorySample("iter_events", 10, 1000, 1000 + growth, 0, False, 0.1)

    runs = [run(900), run(100), run(400)]
    assert memory._median_growth(runs).growth == 400
    assert memory._median_growth([run(5), run(1)]).growth == 5  # the upper of two


def test_valid_cnpj_has_valid_check_digits() -> None:
    rng = random.Random(7)
    assert all(is_valid_cnpj(provision.valid_cnpj(rng)) for _ in range(50))
