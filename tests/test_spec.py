"""Spec: where the token goes, percent-encoded in the URL and masked in the request line."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from yarl import URL

from monuv_async import _endpoints as ep
from monuv_async._spec import Spec

SP = ZoneInfo("America/Sao_Paulo")
BASE = URL("https://app.monuv.com.br")
ODD_TOKEN = "ab/cd&ef+gh ij=kl?mn#op%qr"


def some_specs() -> list[Spec[Any]]:
    """A spec of each shape: token in the query, in the path, with filters, with a body."""
    return [
        ep.camera_options(),
        ep.block_client("11.222.333/0001-81"),
        ep.block_user(12),
        ep.events_page(ep.event_filters(SP, camera=3, event_types=(1, 4)), 2),
    ]


@pytest.mark.parametrize("token", [ODD_TOKEN, "a b", "x+y", "p/q", "m&n=o", "plain-TOKEN-123"])
def test_token_percent_encoded_in_query(token: str) -> None:
    """The token in the query is fully percent-encoded and reads back exactly."""
    url = ep.camera_options().url(BASE, token)
    assert url.raw_query_string == f"token={quote(token, safe='')}"
    assert url.query["token"] == token
    assert list(url.query) == ["token"]
    assert url.raw_path == "/api/v1/cameras/create"


@pytest.mark.parametrize("token", [ODD_TOKEN, "a b", "x+y", "p/q", "m&n=o"])
def test_token_percent_encoded_in_path(token: str) -> None:
    """The token as a path segment cannot add segments, a query or a fragment."""
    url = ep.block_client("11.222.333/0001-81").url(BASE, token)
    segments = url.raw_path.split("/")
    assert segments == ["", "api", "client", "block", quote(token, safe=""), "11222333000181"]
    assert url.raw_query_string == ""
    assert url.fragment == ""
    assert url.host == "app.monuv.com.br"


def test_url_of_events_page_keeps_filters() -> None:
    """Filters read back from the URL as sent: event types joined by a comma."""
    filters = ep.event_filters(SP, camera=3, event_types=(1, 4), start_at=date(2023, 1, 1))
    url = ep.events_page(filters, 2).url(BASE, ODD_TOKEN)
    assert dict(url.query) == {
        "token": ODD_TOKEN,
        "camera": "3",
        "event_types": "1,4",
        "start_at": "2023-01-01",
        "page": "2",
    }


@pytest.mark.parametrize("spec", some_specs(), ids=lambda s: s.op)
def test_describe_masks_the_token(spec: Spec[Any]) -> None:
    """describe() shows *** where the token goes and never the token."""
    text = spec.describe(BASE)
    assert "***" in text
    assert text.startswith(f"{spec.method} /api/")
    for form in (ODD_TOKEN, quote(ODD_TOKEN, safe="")):
        assert form not in text
    assert text == f"{spec.method} {spec.url(BASE, 'SENTINEL').raw_path_qs}".replace(
        "SENTINEL", "***"
    )


def test_describe_examples() -> None:
    """describe() gives the familiar request line."""
    assert ep.camera_options().describe(BASE) == "GET /api/v1/cameras/create?token=***"
    assert ep.block_user(4).describe(BASE) == "GET /api/user/block/***/4"


@pytest.mark.parametrize(
    "base",
    [
        "https://proxy.example/monuv",
        "https://proxy.example/monuv/",
        "https://proxy.example/monuv//",
    ],
)
def test_base_url_with_path_prefix(base: str) -> None:
    """A base URL with a path keeps it as a prefix, with one slash before `api`."""
    spec = ep.block_user(4)
    url = spec.url(URL(base), "tok")
    assert url.raw_path == "/monuv/api/user/block/tok/4"
    assert spec.describe(URL(base)) == "GET /monuv/api/user/block/***/4"


def test_base_url_origin_kept() -> None:
    """Scheme, host and port of the base URL are kept; its query is not."""
    url = ep.camera_options().url(URL("http://127.0.0.1:8080/?debug=1"), "tok")
    assert str(url) == "http://127.0.0.1:8080/api/v1/cameras/create?token=tok"
