"""Helpers shared by the simulator's tests (tests/test_testing_*.py): bodies, URLs, calls.

Their ``sim`` and ``http`` fixtures are in ``_simulator_fixtures``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import aiohttp
from yarl import URL

from monuv_async.testing import DEMO_TOKEN, MonuvSimulator

SP = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2024, 5, 10, 12, 0, 0, tzinfo=SP)
CNPJ = "11.222.333/0001-81"
CNPJ_2 = "11.444.777/0001-61"
CPF = "529.982.247-25"


def new_client(document: str = CNPJ, **extra: Any) -> dict[str, Any]:
    """A valid "create client" body for ``document``, with ``extra`` fields on top."""
    body: dict[str, Any] = {
        "name": "Condomínio Azul",
        "document_type": 2 if len(re.sub(r"\D", "", document)) == 14 else 1,
        "document_number": document,
        "phone": "(11) 99999-9999",
        "cep": "01310-100",
        "address": "Av. Paulista",
        "address_number": "1000",
        "address_nh": "Bela Vista",
        "city": "São Paulo",
        "state": "SP",
    }
    return body | extra


def new_user(email: str = "ana@example.com", **extra: Any) -> dict[str, Any]:
    """A valid "create client user" body for ``email``, with ``extra`` fields on top."""
    body: dict[str, Any] = {
        "name": "Ana",
        "email": email,
        "phone": "11999999999",
        "user_type": 1,
        "password": "s3cret!",
        "password_conf": "s3cret!",
    }
    return body | extra


def api(sim: MonuvSimulator, path: str, token: str | None = DEMO_TOKEN, **query: Any) -> URL:
    """The URL of ``path`` on ``sim``, with ``?token=`` (unless None) and ``query``."""
    params = {k: str(v) for k, v in query.items()}
    if token is not None:
        params["token"] = token
    return URL(sim.url + path).with_query(params)


def path_url(sim: MonuvSimulator, *segments: str) -> URL:
    """The URL of ``segments`` on ``sim``, each one percent-encoded (a CNPJ holds a "/")."""
    encoded = "/".join(quote(s, safe="") for s in segments)
    return URL(f"{sim.url}/{encoded}", encoded=True)


async def call(
    http: aiohttp.ClientSession, method: str, url: URL, body: Any = None
) -> tuple[int, Any]:
    """Send ``body`` as JSON; the status and the decoded JSON answer."""
    async with http.request(method, url, json=body) as resp:
        return resp.status, await resp.json()


async def create_client(
    http: aiohttp.ClientSession, sim: MonuvSimulator, **extra: Any
) -> dict[str, Any]:
    """Create a client over HTTP (asserting a 201); the created client."""
    status, body = await call(http, "POST", api(sim, "/api/v1/clients"), new_client(**extra))
    assert status == 201, body
    result: dict[str, Any] = body[0]
    return result


async def events_page(http: aiohttp.ClientSession, sim: MonuvSimulator, **query: Any) -> Any:
    """One events page (asserting a 200 and the list wrapping); the page object."""
    status, body = await call(http, "GET", api(sim, "/api/v1/events", **query))
    assert status == 200, body
    assert isinstance(body, list)
    assert len(body) == 1
    return body[0]


async def all_events(
    http: aiohttp.ClientSession, sim: MonuvSimulator, **query: Any
) -> list[dict[str, Any]]:
    """Every event matching ``query``, walking all pages."""
    first = await events_page(http, sim, **query)
    events = list(first["data"])
    for page in range(2, first["last_page"] + 1):
        events += (await events_page(http, sim, page=page, **query))["data"]
    return events


def event_time(event: dict[str, Any]) -> datetime:
    """An event's ``event_at`` read back as an aware São Paulo time."""
    return datetime.strptime(event["event_at"], "%d/%m/%Y %H:%M:%S").replace(tzinfo=SP)


def live_simulator(**kwargs: Any) -> MonuvSimulator:
    """A live simulator (2 cameras, 0.5 events per camera per second) at NOW, unstarted."""
    args: dict[str, Any] = {
        "seed": 7,
        "cameras": 2,
        "events_per_camera_per_day": 10,
        "days": 1,
        "now": NOW,
        "live_rate": 0.5,
    }
    return MonuvSimulator(**(args | kwargs))
