"""Observability hooks over real loopback HTTP: what they see of each try, never the token."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from _loopback import json_answer, serve
from aiohttp import web

from monuv_async import (
    MonuvClient,
    RequestInfo,
    ResponseInfo,
    RetryPolicy,
    ServerError,
    TransportError,
)
from monuv_async._hooks import call_hook

TOKEN = "tok/en+s3cret&x"
SPELLINGS = (TOKEN, "tok%2Fen%2Bs3cret%26x", "s3cret")
NO_DELAY = RetryPolicy(attempts=3, backoff=0.0, max_backoff=0.0)


class Recorder:
    def __init__(self) -> None:
        self.started: list[RequestInfo] = []
        self.ended: list[ResponseInfo] = []

    def client(self, url: str, **options: Any) -> MonuvClient:
        options.setdefault("retry", NO_DELAY)
        return MonuvClient(
            TOKEN,
            base_url=url,
            on_request=self.started.append,
            on_response=self.ended.append,
            **options,
        )

    def texts(self) -> str:
        return "\n".join(repr(info) for info in [*self.started, *self.ended])


def flaky(*statuses: int) -> Any:
    """A handler answering each status in turn, then 200 with ``{"ok": 1}``."""
    left = list(statuses)

    async def handler(_: web.Request) -> web.Response:
        if left:
            return json_answer({"message": f"echo {TOKEN}"}, left.pop(0))
        return json_answer({"ok": 1, "code": 0})

    return handler


async def test_a_retried_get_reports_each_try() -> None:
    """Two tries: the 503 says it will be retried, the 200 ends it; both name the route."""
    hooks = Recorder()
    async with (
        serve({("GET", "/api/v4/cameras"): flaky(503)}) as server,
        hooks.client(server.url) as monuv,
    ):
        await monuv.request("GET", "/api/v4/cameras", params={"page": 1})
    assert [(i.operation, i.method, i.attempt) for i in hooks.started] == [
        ("/api/v4/cameras", "GET", 1),
        ("/api/v4/cameras", "GET", 2),
    ]
    first, second = hooks.ended
    assert (first.status, first.error, first.will_retry) == (503, "ServerError", True)
    assert (second.status, second.error, second.will_retry) == (200, None, False)
    assert second.request == "GET /api/v4/cameras?token=***&page=1"
    assert first.elapsed >= 0
    assert second.elapsed >= 0


async def test_a_failed_post_is_reported_as_not_retried() -> None:
    """A POST's 500 is the last try: will_retry is False and the error is raised."""
    hooks = Recorder()
    async with (
        serve({("POST", "/api/v1/cameras"): flaky(500)}) as server,
        hooks.client(server.url) as monuv,
    ):
        with pytest.raises(ServerError):
            await monuv.request("POST", "/api/v1/cameras", json={})
    (ended,) = hooks.ended
    assert (ended.operation, ended.status, ended.will_retry) == ("/api/v1/cameras", 500, False)


async def test_no_answer_has_no_status() -> None:
    """A connection refused reports status None and the error's class."""
    hooks = Recorder()
    async with serve({}) as server:
        url = server.url
    async with hooks.client(url, retry=None) as monuv:
        with pytest.raises(TransportError):
            await monuv.camera_options()
    (ended,) = hooks.ended
    assert (ended.operation, ended.status, ended.error) == (
        "camera_options",
        None,
        "TransportError",
    )


async def test_hooks_never_see_the_token_in_path_or_query(tmp_path: Path) -> None:
    """Token in the query, in a path segment, echoed in error bodies: no hook text holds it."""
    routes = {
        ("GET", "/api/user/block/{t}/{id}"): flaky(500),
        ("GET", "/api/v1/cameras/create"): flaky(502, 400),
        ("GET", "/x/{t}/y"): flaky(),
    }
    hooks = Recorder()
    async with serve(routes) as server, hooks.client(server.url) as monuv:
        await monuv.block_user(7)
        with pytest.raises(Exception):  # noqa: B017 - any error: only the hooks matter
            await monuv.camera_options()
        await monuv.request("GET", "/x/{token}/y")
    assert len(hooks.ended) == 5
    text = hooks.texts()
    assert "***" in text
    for spelling in SPELLINGS:
        assert spelling not in text


async def test_a_raising_hook_is_logged_and_the_request_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A hook that raises never breaks the request; its failure is logged."""

    def broken(_: object) -> None:
        raise RuntimeError("metrics backend down")

    async with (
        serve({("GET", "/api/v4/cameras"): flaky()}) as server,
        MonuvClient(TOKEN, base_url=server.url, on_request=broken, on_response=broken) as monuv,
    ):
        with caplog.at_level(logging.ERROR, logger="monuv_async"):
            answer = await monuv.request("GET", "/api/v4/cameras")
    assert answer.status == 200
    failures = [r for r in caplog.records if "hook" in r.getMessage()]
    assert len(failures) == 2
    assert all(r.exc_info is not None for r in failures)


def test_call_hook_with_none_does_nothing() -> None:
    """No hook configured: nothing is called, nothing is raised."""
    call_hook(None, RequestInfo("op", "GET", "GET /x", 1))


def test_hooks_must_be_callable() -> None:
    """A hook that is not callable is a TypeError naming it, at construction."""
    with pytest.raises(TypeError, match="on_response"):
        MonuvClient(TOKEN, on_response="print")  # type: ignore[arg-type]
