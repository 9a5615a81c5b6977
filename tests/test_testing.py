"""The Monuv simulator, exercised over real loopback HTTP with a plain aiohttp session."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from _samples import sample_json
from yarl import URL

from monuv_async._sim_data import DEFAULT_CAMERA_OPTIONS
from monuv_async.testing import DEMO_TOKEN, ROUTES, Fault, MonuvSimulator, SimulatorStats

SP = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2024, 5, 10, 12, 0, 0, tzinfo=SP)
CNPJ = "11.222.333/0001-81"
CNPJ_2 = "11.444.777/0001-61"
CPF = "529.982.247-25"

# The documented bodies' keys, spelled out so each assertion reads on its own;
# test_embedded_shapes_match_the_samples keeps them equal to tests/samples/.
CLIENT_KEYS = {
    "id",
    "name",
    "document_type",
    "document_number",
    "phone",
    "cep",
    "address",
    "address_number",
    "address_nh",
    "city",
    "state",
    "create_url",
    "create_ip",
    "updated_at",
    "created_at",
}
USER_KEYS = {
    "id",
    "user_type_id",
    "name",
    "email",
    "phone",
    "updated_at",
    "created_at",
    "update_user_id",
}
CAMERA_KEYS = {"id", "description", "stream_status", "status_description", "rtmp_url"}
PAGE_KEYS = {"total", "per_page", "current_page", "last_page", "data"}
EVENT_KEYS = {
    "id",
    "event_at",
    "event_type",
    "event_description",
    "event_url",
    "camera_id",
    "camera_description",
}
OPTIONS_KEYS = {"manufacturer", "plans", "installation_info"}


def new_client(document: str = CNPJ, **extra: Any) -> dict[str, Any]:
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
    body: dict[str, Any] = {
        "name": "Ana",
        "email": email,
        "phone": "11999999999",
        "user_type": 1,
        "password": "s3cret!",
        "password_conf": "s3cret!",
    }
    return body | extra


@pytest.fixture
async def sim() -> AsyncIterator[MonuvSimulator]:
    async with MonuvSimulator(now=NOW, cameras=3, events_per_camera_per_day=20, days=3) as s:
        yield s


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def api(sim: MonuvSimulator, path: str, token: str | None = DEMO_TOKEN, **query: Any) -> URL:
    params = {k: str(v) for k, v in query.items()}
    if token is not None:
        params["token"] = token
    return URL(sim.url + path).with_query(params)


def path_url(sim: MonuvSimulator, *segments: str) -> URL:
    # Percent-encode each segment ourselves: a CNPJ holds a "/".
    encoded = "/".join(quote(s, safe="") for s in segments)
    return URL(f"{sim.url}/{encoded}", encoded=True)


async def call(
    http: aiohttp.ClientSession, method: str, url: URL, body: Any = None
) -> tuple[int, Any]:
    async with http.request(method, url, json=body) as resp:
        return resp.status, await resp.json()


async def create_client(
    http: aiohttp.ClientSession, sim: MonuvSimulator, **extra: Any
) -> dict[str, Any]:
    status, body = await call(http, "POST", api(sim, "/api/v1/clients"), new_client(**extra))
    assert status == 201, body
    result: dict[str, Any] = body[0]
    return result


async def events_page(http: aiohttp.ClientSession, sim: MonuvSimulator, **query: Any) -> Any:
    status, body = await call(http, "GET", api(sim, "/api/v1/events", **query))
    assert status == 200, body
    assert isinstance(body, list)
    assert len(body) == 1
    return body[0]


async def all_events(
    http: aiohttp.ClientSession, sim: MonuvSimulator, **query: Any
) -> list[dict[str, Any]]:
    first = await events_page(http, sim, **query)
    events = list(first["data"])
    for page in range(2, first["last_page"] + 1):
        events += (await events_page(http, sim, page=page, **query))["data"]
    return events


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


def event_time(event: dict[str, Any]) -> datetime:
    return datetime.strptime(event["event_at"], "%d/%m/%Y %H:%M:%S").replace(tzinfo=SP)


# -- shapes --------------------------------------------------------------------


def test_embedded_shapes_match_the_samples() -> None:
    """The key sets this file checks against are those of the documented bodies."""
    load = sample_json

    client = load("create_client.json")[0]
    assert set(client) - {"users"} == CLIENT_KEYS
    assert set(client["users"][0]) == USER_KEYS | {"api_token"}
    assert set(load("create_client_user.json")[0]) == USER_KEYS
    assert set(load("camera.json")[0]) == CAMERA_KEYS
    page = load("events_page.json")[0]
    assert set(page) == PAGE_KEYS
    assert set(page["data"][0]) == EVENT_KEYS
    assert load("camera_options.json") == DEFAULT_CAMERA_OPTIONS


async def test_create_client_answers_documented_shape(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """A created client comes back list-wrapped, document_type as a string, no users key."""
    status, body = await call(http, "POST", api(sim, "/api/v1/clients"), new_client())
    assert status == 201
    assert isinstance(body, list)
    assert len(body) == 1
    client = body[0]
    assert set(client) == CLIENT_KEYS
    assert client["document_type"] == "2"
    assert client["document_number"] == CNPJ
    assert client["create_ip"] == "127.0.0.1"
    assert client["created_at"] == client["updated_at"] == "2024-05-10 12:00:00"
    assert sim.clients[client["id"]]["name"] == "Condomínio Azul"
    assert sim.stats.created == {"clients": 1}


async def test_create_client_optional_complement_only_when_sent(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """address_comp is echoed when sent, like Laravel's create()."""
    client = await create_client(http, sim, address_comp="Apto 12")
    assert client["address_comp"] == "Apto 12"


async def test_create_client_with_users_returns_each_user_with_a_token(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Users sent with a client come back under "users", each with its own api_token."""
    users = [new_user("a@example.com"), new_user("b@example.com", user_type="2")]
    client = await create_client(http, sim, users=users)
    assert [set(u) for u in client["users"]] == [USER_KEYS | {"api_token"}] * 2
    tokens = {u["api_token"] for u in client["users"]}
    assert len(tokens) == 2
    assert all(len(t) >= 20 for t in tokens)
    assert {u["user_type_id"] for u in client["users"]} == {6}
    assert {u["update_user_id"] for u in client["users"]} == {1}
    stored = [sim.users[u["id"]] for u in client["users"]]
    assert [u["client_id"] for u in stored] == [client["id"]] * 2
    assert [u["user_type"] for u in stored] == [1, 2]
    assert sim.stats.created == {"clients": 1, "users": 2}


async def test_create_client_reports_every_invalid_field(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """An empty body gets a 422 naming every required field, and nothing is stored."""
    status, body = await call(http, "POST", api(sim, "/api/v1/clients"), {})
    assert status == 422
    assert body["message"] == "The given data was invalid."
    required = {"name", "document_type", "document_number", "phone", "cep", "address"}
    required |= {"address_number", "address_nh", "city", "state"}
    assert set(body["errors"]) == required
    assert all(isinstance(m, list) and m for m in body["errors"].values())
    assert sim.clients == {}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"document_type": 3}, "document_type"),
        ({"document_type": 1}, "document_number"),  # a CNPJ is not a CPF
        ({"document_number": "11.222.333/0001-80"}, "document_number"),
        ({"cep": "0131-010"}, "cep"),
        ({"name": "   "}, "name"),
        ({"phone": 11999999999}, "phone"),
        ({"users": "ana"}, "users"),
    ],
)
async def test_create_client_rejects_bad_values(
    sim: MonuvSimulator, http: aiohttp.ClientSession, changes: dict[str, Any], field: str
) -> None:
    """Each bad value gets a 422 keyed by its field."""
    status, body = await call(http, "POST", api(sim, "/api/v1/clients"), new_client() | changes)
    assert status == 422
    assert set(body["errors"]) == {field}


async def test_create_client_rejects_a_used_document_in_any_format(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """A document already used (compared by digits) is a 422 on document_number."""
    await create_client(http, sim, document=CPF)
    status, body = await call(http, "POST", api(sim, "/api/v1/clients"), new_client("52998224725"))
    assert status == 422
    assert list(body["errors"]) == ["document_number"]
    assert len(sim.clients) == 1


async def test_create_client_keys_user_errors_by_index(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Errors in nested users are keyed users.<i>.<field>; duplicates in one request too."""
    users = [
        new_user("dup@example.com", password_conf="other"),
        new_user("DUP@example.com"),
        new_user("no-at-sign", user_type=5),
    ]
    status, body = await call(http, "POST", api(sim, "/api/v1/clients"), new_client(users=users))
    assert status == 422
    assert set(body["errors"]) == {
        "users.0.password_conf",
        "users.1.email",
        "users.2.email",
        "users.2.user_type",
    }
    assert sim.clients == {}
    assert sim.users == {}


async def test_create_client_user_answers_documented_shape(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """A created user comes back list-wrapped, user_type_id 6, without api_token."""
    client = await create_client(http, sim)
    url = api(sim, f"/api/v1/clients/{client['id']}/users")
    status, body = await call(http, "POST", url, new_user())
    assert status == 201
    assert isinstance(body, list)
    assert set(body[0]) == USER_KEYS
    assert body[0]["user_type_id"] == 6
    assert sim.users[body[0]["id"]]["client_id"] == client["id"]
    assert sim.stats.created == {"clients": 1, "users": 1}


async def test_create_client_user_validates_and_checks_the_client(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Unknown client -> 404; a used e-mail or a wrong confirmation -> 422 per field."""
    status, _ = await call(http, "POST", api(sim, "/api/v1/clients/99/users"), new_user())
    assert status == 404
    client = await create_client(http, sim, users=[new_user("taken@example.com")])
    url = api(sim, f"/api/v1/clients/{client['id']}/users")
    bad = new_user("Taken@Example.com", password_conf="nope", user_type=0)
    status, body = await call(http, "POST", url, bad)
    assert status == 422
    assert set(body["errors"]) == {"email", "password_conf", "user_type"}
    status, body = await call(http, "POST", url, {})
    assert set(body["errors"]) == {
        "name",
        "email",
        "phone",
        "user_type",
        "password",
        "password_conf",
    }


async def test_malformed_json_body_is_a_400(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """A body that is not a JSON object is refused with 400."""
    headers = {"Content-Type": "application/json"}
    for raw in (b"{not json", b"[1, 2]"):
        async with http.post(api(sim, "/api/v1/clients"), data=raw, headers=headers) as resp:
            assert resp.status == 400
            assert "message" in await resp.json()


async def test_form_encoded_bodies_are_accepted(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """A form-encoded body works like JSON (numbers arrive as strings)."""
    client = await create_client(http, sim)
    form = {"client_id": str(client["id"]), "description": "Hall", "resolution_id": "1"}
    async with http.post(api(sim, "/api/v1/cameras"), data=form) as resp:
        assert resp.status == 201
        camera = (await resp.json())[0]
    assert sim.cameras[camera["id"]]["resolution_id"] == 1


# -- authentication ------------------------------------------------------------------

QUERY_ROUTES = [
    ("POST", "/api/v1/clients"),
    ("POST", "/api/v1/clients/1/users"),
    ("GET", "/api/v1/cameras/create"),
    ("POST", "/api/v1/cameras"),
    ("PUT", "/api/v1/cameras/1001"),
    ("GET", "/api/v1/events"),
]


@pytest.mark.parametrize(("method", "path"), QUERY_ROUTES)
async def test_query_token_is_required(
    sim: MonuvSimulator, http: aiohttp.ClientSession, method: str, path: str
) -> None:
    """A wrong or missing ?token= is a 401 {"message": "Unauthenticated."}."""
    for token in ("wrong", None):
        status, body = await call(http, method, api(sim, path, token=token), {})
        assert (status, body) == (401, {"message": "Unauthenticated."})
    assert sum(sim.stats.requests.values()) == 2


@pytest.mark.parametrize("kind", ["client/block", "client/unblock", "user/block", "user/unblock"])
async def test_path_token_is_required(
    sim: MonuvSimulator, http: aiohttp.ClientSession, kind: str
) -> None:
    """A wrong token in the path of block/unblock routes is a 401, and changes nothing."""
    sim.add_client(CNPJ)
    target = CNPJ if kind.startswith("client") else "1"
    status, body = await call(http, "GET", path_url(sim, "api", *kind.split("/"), "nope", target))
    assert (status, body) == (401, {"message": "Unauthenticated."})
    assert sim.blocked_documents == set()


# -- blocking ------------------------------------------------------------------------


@pytest.mark.parametrize("document", [CNPJ, "11222333000181"])
async def test_block_and_unblock_client_by_document(
    sim: MonuvSimulator, http: aiohttp.ClientSession, document: str
) -> None:
    """Blocking by formatted (percent-encoded) or bare document changes the state; code 0."""
    await create_client(http, sim)
    block = path_url(sim, "api", "client", "block", DEMO_TOKEN, document)
    assert await call(http, "GET", block) == (200, {"code": 0, "msg": ""})
    assert sim.blocked_documents == {"11222333000181"}
    unblock = path_url(sim, "api", "client", "unblock", DEMO_TOKEN, document)
    assert await call(http, "GET", unblock) == (200, {"code": 0, "msg": ""})
    assert sim.blocked_documents == set()


async def test_block_unknown_client_is_a_200_with_a_failure_code(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """An unknown document answers HTTP 200 with a non-zero code and a message."""
    status, body = await call(http, "GET", path_url(sim, "api", "client", "block", DEMO_TOKEN, CPF))
    assert status == 200
    assert body["code"] != 0
    assert body["msg"]
    assert sim.blocked_documents == set()


async def test_block_and_unblock_user(sim: MonuvSimulator, http: aiohttp.ClientSession) -> None:
    """Users are blocked and unblocked by id; an unknown id is code != 0 with HTTP 200."""
    client = await create_client(http, sim, users=[new_user()])
    user_id = str(client["users"][0]["id"])
    block = path_url(sim, "api", "user", "block", DEMO_TOKEN, user_id)
    assert await call(http, "GET", block) == (200, {"code": 0, "msg": ""})
    assert sim.blocked_users == {int(user_id)}
    unblock = path_url(sim, "api", "user", "unblock", DEMO_TOKEN, user_id)
    assert await call(http, "GET", unblock) == (200, {"code": 0, "msg": ""})
    assert sim.blocked_users == set()
    for unknown in ("424242", "abc"):
        status, body = await call(
            http, "GET", path_url(sim, "api", "user", "block", DEMO_TOKEN, unknown)
        )
        assert status == 200
        assert body["code"] != 0


# -- cameras -------------------------------------------------------------------------


async def test_camera_options_are_the_documented_bare_object(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Camera options come back as a bare object, slashes escaped like PHP's json_encode."""
    async with http.get(api(sim, "/api/v1/cameras/create")) as resp:
        raw = await resp.text()
        body = await resp.json()
    assert resp.status == 200
    assert set(body) == OPTIONS_KEYS
    assert body["plans"]["history_days"] == [1, 3, 7]
    assert body["installation_info"]["equipment_state"]["1"] == "Câmera/DVR novo"
    assert "Câmera\\/DVR" in raw


async def test_camera_options_can_be_replaced() -> None:
    """camera_options= serves (and validates against) the caller's options."""
    options = {"manufacturer": [], "plans": {"history_days": [30], "resolutions": []}}
    async with (
        MonuvSimulator(camera_options=options, cameras=0) as sim,
        aiohttp.ClientSession() as http,
    ):
        assert await call(http, "GET", api(sim, "/api/v1/cameras/create")) == (200, options)
        client = await create_client(http, sim)
        body = {"client_id": client["id"], "description": "x", "history_days": 7}
        status, answer = await call(http, "POST", api(sim, "/api/v1/cameras"), body)
        assert status == 422
        assert list(answer["errors"]) == ["history_days"]


async def test_create_then_update_camera(sim: MonuvSimulator, http: aiohttp.ClientSession) -> None:
    """Create answers a list, update a bare object; both see the stored, merged camera."""
    client = await create_client(http, sim)
    body = {
        "client_id": client["id"],
        "description": "Portão",
        "demo": True,
        "latitude": "-23.56",
        "longitude": "-46.65",
        "connection_type": 1,
        "resolution_id": 1,
        "history_days": 7,
        "manufacturer_id": 5,
        "camera_model_id": 25,
        "installation_local": 1,
        "installation_area": "2",
        "equipment_state": 1,
    }
    status, created = await call(http, "POST", api(sim, "/api/v1/cameras"), body)
    assert status == 201
    assert isinstance(created, list)
    camera = created[0]
    assert set(camera) == CAMERA_KEYS
    assert (camera["stream_status"], camera["status_description"]) == (2, "OFFLINE")
    assert re.fullmatch(r"rtmp://rtmp\.monuv\.com\.br/[\w-]+\.stream", camera["rtmp_url"])
    stored = sim.cameras[camera["id"]]
    assert stored["client_id"] == client["id"]
    assert stored["installation_area"] == 2
    assert "demo" not in stored

    second = await call(http, "POST", api(sim, "/api/v1/cameras"), body)
    assert second[1][0]["rtmp_url"] != camera["rtmp_url"]

    url = api(sim, f"/api/v1/cameras/{camera['id']}")
    status, updated = await call(
        http, "PUT", url, {"client_id": client["id"], "description": "Novo"}
    )
    assert status == 200
    assert isinstance(updated, dict)
    assert updated == camera | {"description": "Novo"}
    assert sim.cameras[camera["id"]]["history_days"] == 7
    assert sim.stats.created == {"clients": 1, "cameras": 2}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"client_id": None}, "client_id"),
        ({"client_id": 999}, "client_id"),
        ({"client_id": "one"}, "client_id"),
        ({"description": ""}, "description"),
        ({"resolution_id": 2}, "resolution_id"),
        ({"history_days": 5}, "history_days"),
        ({"manufacturer_id": 6}, "manufacturer_id"),
        ({"manufacturer_id": 5, "camera_model_id": 39}, "camera_model_id"),
        ({"camera_model_id": 99}, "camera_model_id"),
        ({"installation_local": 3}, "installation_local"),
        ({"installation_area": "x"}, "installation_area"),
        ({"equipment_state": 9}, "equipment_state"),
        ({"latitude": "north"}, "latitude"),
        ({"longitude": 200}, "longitude"),
    ],
)
async def test_create_camera_validates_against_the_options(
    sim: MonuvSimulator, http: aiohttp.ClientSession, changes: dict[str, Any], field: str
) -> None:
    """Missing or unknown ids (per the camera options) are a 422 on that field."""
    client = await create_client(http, sim)
    body = {"client_id": client["id"], "description": "Hall"} | changes
    status, answer = await call(http, "POST", api(sim, "/api/v1/cameras"), body)
    assert status == 422
    assert list(answer["errors"]) == [field]
    assert sim.stats.created["cameras"] == 0


async def test_update_camera_errors(sim: MonuvSimulator, http: aiohttp.ClientSession) -> None:
    """Unknown camera -> 404; update without client_id -> 422 (documented as always required)."""
    client = await create_client(http, sim)
    status, _ = await call(
        http, "PUT", api(sim, "/api/v1/cameras/9999"), {"client_id": client["id"]}
    )
    assert status == 404
    status, _ = await call(
        http, "PUT", api(sim, "/api/v1/cameras/abc"), {"client_id": client["id"]}
    )
    assert status == 404
    status, body = await call(http, "PUT", api(sim, "/api/v1/cameras/1001"), {"description": "x"})
    assert status == 422
    assert list(body["errors"]) == ["client_id"]


# -- events --------------------------------------------------------------------------


async def test_events_page_shape_and_paging_math(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """A page is list-wrapped with total/per_page/current_page/last_page and documented events."""
    page = await events_page(http, sim)
    assert set(page) == PAGE_KEYS
    assert page["total"] == 3 * 20 * 3 == len(sim.events)
    assert (page["per_page"], page["current_page"], page["last_page"]) == (30, 1, 6)
    assert len(page["data"]) == 30
    event = page["data"][0]
    assert set(event) == EVENT_KEYS
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", event["event_at"])
    assert event["event_url"] == f"{sim.url}/snapshots/{event['id']}.jpg"
    assert event["camera_description"] == sim.cameras[event["camera_id"]]["description"]
    assert event["event_description"] == sim.event_types[event["event_type"]]
    assert event == sim.event_json(sim.events[0])
    assert event_time(event) <= NOW


async def test_last_page_math_and_pages_past_the_end() -> None:
    """last_page = ceil(total / per_page), at least 1; a page past it has no data."""
    async with (
        MonuvSimulator(now=NOW, cameras=1, events_per_camera_per_day=7, days=1, per_page=3) as sim,
        aiohttp.ClientSession() as http,
    ):
        page = await events_page(http, sim, page=3)
        assert (page["total"], page["last_page"], len(page["data"])) == (7, 3, 1)
        past = await events_page(http, sim, page=4)
        assert (past["current_page"], past["data"], past["total"]) == (4, [], 7)
        empty = await events_page(http, sim, camera=4242)
        assert (empty["total"], empty["last_page"], empty["data"]) == (0, 1, [])


async def test_walking_every_page_sees_each_event_once_newest_first(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """All pages together hold every event once, ordered by (event_at, id) descending."""
    events = await all_events(http, sim)
    ids = [e["id"] for e in events]
    assert len(ids) == len(set(ids)) == 180
    keys = [(event_time(e), e["id"]) for e in events]
    assert keys == sorted(keys, reverse=True)
    assert ids == [e.id for e in sim.events]
    times = [event_time(e) for e in events]
    assert NOW - timedelta(days=3) < min(times)
    assert max(times) <= NOW


async def test_events_filter_by_camera_and_types(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """camera= and event_types=1,4 keep only matching events, with totals to match."""
    events = await all_events(http, sim, camera=1002, event_types="1,4")
    expected = [e.id for e in sim.events if e.camera_id == 1002 and e.event_type in {1, 4}]
    assert [e["id"] for e in events] == expected
    assert expected
    assert {e["camera_id"] for e in events} == {1002}
    assert {e["event_type"] for e in events} <= {1, 4}
    assert (await events_page(http, sim, event_types="1, 4"))["total"] == len(
        [e for e in sim.events if e.event_type in {1, 4}]
    )


async def test_events_date_filters_are_inclusive_local_days(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """start_at/end_at select whole local days, both ends included."""
    sim.append_events(1, camera_id=1001, at=datetime(2024, 5, 9, 0, 0, 0))
    sim.append_events(1, camera_id=1001, at=datetime(2024, 5, 9, 23, 59, 59))
    sim.append_events(1, camera_id=1001, at=datetime(2024, 5, 8, 23, 59, 59))
    events = await all_events(http, sim, start_at="2024-05-09", end_at="2024-05-09")
    expected = [e.id for e in sim.events if e.event_at(SP).date() == date(2024, 5, 9)]
    assert [e["id"] for e in events] == expected
    stamps = {e["event_at"] for e in events}
    assert {"09/05/2024 00:00:00", "09/05/2024 23:59:59"} <= stamps
    assert "08/05/2024 23:59:59" not in stamps
    since = await all_events(http, sim, start_at="2024-05-09")
    assert {event_time(e).date() for e in since} == {date(2024, 5, 9), date(2024, 5, 10)}
    until = await events_page(http, sim, end_at="2024-05-08")
    assert until["total"] == len(
        [e for e in sim.events if e.event_at(SP).date() <= date(2024, 5, 8)]
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page": 0}, "page"),
        ({"page": "two"}, "page"),
        ({"camera": "x"}, "camera"),
        ({"event_types": "1,a"}, "event_types"),
        ({"start_at": "2024/05/01"}, "start_at"),
        ({"end_at": "2024-02-30"}, "end_at"),
        ({"start_at": "2024-05-02", "end_at": "2024-05-01"}, "end_at"),
    ],
)
async def test_events_bad_query_is_a_422(
    sim: MonuvSimulator, http: aiohttp.ClientSession, query: dict[str, Any], field: str
) -> None:
    """Malformed filters or page numbers get a 422 naming the parameter."""
    status, body = await call(http, "GET", api(sim, "/api/v1/events", **query))
    assert status == 422
    assert list(body["errors"]) == [field]


async def test_event_data_is_deterministic_per_seed() -> None:
    """The same seed and clock give the same events; another seed gives others."""
    one = MonuvSimulator(seed=7, now=NOW, events_per_camera_per_day=50)
    two = MonuvSimulator(seed=7, now=NOW, events_per_camera_per_day=50)
    other = MonuvSimulator(seed=8, now=NOW, events_per_camera_per_day=50)
    assert list(one.events) == list(two.events)
    assert list(one.events) != list(other.events)
    assert [e.id for e in one.events] == list(range(len(one.events), 0, -1))
    assert one.events[0] == one.events[-len(one.events)]
    assert one.events[-1].id == 1
    assert one.events[:2] == [one.events[0], one.events[1]]
    with pytest.raises(IndexError):
        one.events[len(one.events)]


def test_event_generation_is_fast() -> None:
    """~6,300 events generate in well under a second, 100k+ in about a second at most."""
    started = time.perf_counter()
    default = MonuvSimulator()
    small = time.perf_counter() - started
    assert len(default.events) == 6300
    started = time.perf_counter()
    big = MonuvSimulator(cameras=50, events_per_camera_per_day=300, days=7)
    large = time.perf_counter() - started
    assert len(big.events) == 105_000
    # Generous bounds: shared CI machines are slow; typical runs are 10x faster.
    assert small < 0.5
    assert large < 3.0


async def test_big_data_set_pages_quickly() -> None:
    """Pages deep into a 100k-event set, filtered or not, are answered without a full scan each."""
    async with (
        MonuvSimulator(now=NOW, cameras=50, events_per_camera_per_day=300, days=7) as sim,
        aiohttp.ClientSession() as http,
    ):
        started = time.perf_counter()
        for page in range(1000, 1020):
            await events_page(http, sim, page=page, start_at="2024-05-05")
            await events_page(http, sim, page=page // 50, camera=1007)
        assert time.perf_counter() - started < 3.0


# -- drift knobs ----------------------------------------------------------------------


async def test_appended_events_shift_page_one(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """New events go first, pushing the previous first page down by as many items."""
    before = await events_page(http, sim)
    new_ids = sim.append_events(5, camera_id=1003)
    assert new_ids == list(range(181, 186))
    after = await events_page(http, sim)
    assert [e["id"] for e in after["data"][:5]] == new_ids[::-1]
    assert [e["id"] for e in after["data"][5:]] == [e["id"] for e in before["data"][:25]]
    assert after["total"] == before["total"] + 5
    assert after["data"][0]["event_at"] == "10/05/2024 12:00:00"


async def test_expired_events_drop_the_oldest(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """expire_events removes the oldest ones: the last page shrinks, snapshots 404."""
    oldest = [e.id for e in sim.events[-3:]]
    assert sorted(sim.expire_events(3)) == sorted(oldest)
    last = await events_page(http, sim, page=6)
    assert last["total"] == 177
    assert len(last["data"]) == 27
    assert not set(oldest) & {e["id"] for e in last["data"]}
    async with http.get(f"{sim.url}/snapshots/{oldest[0]}.jpg") as resp:
        assert resp.status == 404


async def test_delete_events_and_the_page_hook(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """delete_events removes by id; on_events_request sees each page number before answering."""
    seen: list[int] = []

    async def hook(simulator: MonuvSimulator, page: int) -> None:
        seen.append(page)
        if page == 2:
            # Drift while walking: a new event arrives between pages 1 and 2.
            simulator.append_events(1)

    first = await events_page(http, sim)
    sim.delete_events([first["data"][0]["id"], 999_999])
    sim.on_events_request = hook
    page1 = await events_page(http, sim)
    assert page1["data"][0]["id"] == first["data"][1]["id"]
    page2 = await events_page(http, sim, page=2)
    # The arrival pushed page 1's last event onto page 2: seen twice.
    assert page2["data"][0]["id"] == page1["data"][-1]["id"]
    assert seen == [1, 2]
    sim.on_events_request = lambda simulator, page: seen.append(-page)
    await events_page(http, sim, page=3)
    assert seen == [1, 2, -3]


async def test_append_events_rejects_unknown_cameras(sim: MonuvSimulator) -> None:
    """append_events refuses a camera the simulator does not know."""
    with pytest.raises(ValueError, match="camera_id"):
        sim.append_events(1, camera_id=42)
    with pytest.raises(ValueError, match="n:"):
        sim.expire_events(-1)
    sim.add_event_types({9: "Linha Virtual"})
    (event_id,) = sim.append_events(1, event_type=9)
    assert sim.events[0].id == event_id
    assert sim.event_json(sim.events[0])["event_description"] == "Linha Virtual"


# -- faults ---------------------------------------------------------------------------


async def test_status_faults_are_consumed_in_order(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Two 500s then success: the failed requests create nothing, the third does."""
    client = await create_client(http, sim)
    sim.inject("create_camera", Fault.status(500), Fault.status(503, {"error": "down"}))
    body = {"client_id": client["id"], "description": "Hall"}
    assert await call(http, "POST", api(sim, "/api/v1/cameras"), body) == (
        500,
        {"message": "Internal Server Error"},
    )
    assert await call(http, "POST", api(sim, "/api/v1/cameras"), body) == (503, {"error": "down"})
    assert sim.stats.created["cameras"] == 0
    status, _ = await call(http, "POST", api(sim, "/api/v1/cameras"), body)
    assert status == 201
    assert sim.stats.created["cameras"] == 1
    assert sim.stats.requests["create_camera"] == 3
    assert sim.pending_faults() == 0


async def test_html_status_fault_and_after_processing(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """An HTML error page arrives as text/html; after_processing=True still performs the work."""
    sim.inject("create_client", Fault.html(502), Fault.status(500, after_processing=True))
    async with http.post(api(sim, "/api/v1/clients"), json=new_client()) as resp:
        assert resp.status == 502
        assert resp.content_type == "text/html"
        assert "<h1>502 Bad Gateway</h1>" in await resp.text()
    assert sim.clients == {}
    async with http.post(api(sim, "/api/v1/clients"), json=new_client()) as resp:
        assert resp.status == 500
    assert len(sim.clients) == 1
    custom = Fault.status(418, b"teapot", headers={"X-Why": "test"}, content_type="text/plain")
    sim.inject("camera_options", custom)
    async with http.get(api(sim, "/api/v1/cameras/create")) as resp:
        assert (resp.status, resp.content_type, resp.headers["X-Why"]) == (
            418,
            "text/plain",
            "test",
        )
        assert await resp.read() == b"teapot"


async def test_retry_after_fault(sim: MonuvSimulator, http: aiohttp.ClientSession) -> None:
    """Fault.retry_after answers 429 (or the given code) with a Retry-After in whole seconds."""
    sim.inject("events", Fault.retry_after(2), Fault.retry_after(0.2, code=503))
    async with http.get(api(sim, "/api/v1/events")) as resp:
        assert (resp.status, resp.headers["Retry-After"]) == (429, "2")
        assert (await resp.json())["message"]
    async with http.get(api(sim, "/api/v1/events")) as resp:
        assert (resp.status, resp.headers["Retry-After"]) == (503, "1")


async def test_wildcard_faults_hit_any_route_after_route_faults(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """A route's own queue is used before the "*" queue, which any route consumes."""
    sim.inject("*", Fault.status(500))
    sim.inject("events", Fault.status(502))
    assert (await call(http, "GET", api(sim, "/api/v1/events")))[0] == 502
    assert (await call(http, "GET", api(sim, "/api/v1/events")))[0] == 500
    assert (await call(http, "GET", api(sim, "/api/v1/events")))[0] == 200
    sim.inject("*", Fault.status(500))
    sim.clear_faults()
    assert (await call(http, "GET", api(sim, "/api/v1/cameras/create")))[0] == 200


async def test_delay_fault_then_normal_answer(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Fault.delay answers normally, late."""
    sim.inject("camera_options", Fault.delay(0.2))
    started = time.perf_counter()
    status, _ = await call(http, "GET", api(sim, "/api/v1/cameras/create"))
    assert status == 200
    assert time.perf_counter() - started >= 0.2


async def test_reset_fault_drops_the_connection_without_doing_anything(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Fault.reset: the client sees a reset/disconnect and nothing was created."""
    sim.inject("create_client", Fault.reset(), Fault.reset(rst=False))
    for _ in range(2):
        with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
            await call(http, "POST", api(sim, "/api/v1/clients"), new_client())
    assert sim.clients == {}
    assert sim.stats.requests["create_client"] == 2
    await create_client(http, sim)


async def test_aiohttp_resends_a_reset_get_once_by_itself(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """As documented on Fault.reset: one reset on a GET is absorbed by aiohttp, two are not."""
    sim.inject("camera_options", Fault.reset())
    assert (await call(http, "GET", api(sim, "/api/v1/cameras/create")))[0] == 200
    assert sim.stats.requests["camera_options"] == 2
    sim.inject("camera_options", Fault.reset(), Fault.reset())
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await call(http, "GET", api(sim, "/api/v1/cameras/create"))
    assert sim.stats.requests["camera_options"] == 4


async def test_lost_answer_fault_creates_the_object(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Fault.reset_after_processing: the camera exists although the client got an error."""
    client = await create_client(http, sim)
    sim.inject("create_camera", Fault.reset_after_processing())
    body = {"client_id": client["id"], "description": "Hall"}
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await call(http, "POST", api(sim, "/api/v1/cameras"), body)
    assert sim.stats.created["cameras"] == 1
    assert [c["description"] for c in sim.cameras.values() if c["client_id"]] == ["Hall"]


async def test_truncate_fault_fails_reading_the_body(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Fault.truncate: headers and half a body arrive, reading it fails, the work was done."""
    sim.inject("create_client", Fault.truncate())
    async with http.post(api(sim, "/api/v1/clients"), json=new_client()) as resp:
        assert resp.status == 201
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()
    assert len(sim.clients) == 1


async def test_stall_fault_outlasts_a_client_timeout(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Fault.stall: the client times out; the server stops waiting once the client hangs up."""
    sim.inject("events", Fault.stall(30))
    with pytest.raises(TimeoutError):
        async with http.get(api(sim, "/api/v1/events"), timeout=aiohttp.ClientTimeout(total=0.2)):
            pass
    await until(lambda: sim.stats.in_flight == 0)


async def test_close_does_not_wait_for_stalled_requests() -> None:
    """Closing the simulator ends pending stalls at once instead of waiting them out."""
    sim = MonuvSimulator(cameras=0)
    await sim.start()
    sim.inject("camera_options", Fault.stall(30))
    async with aiohttp.ClientSession() as http:
        pending = asyncio.ensure_future(call(http, "GET", api(sim, "/api/v1/cameras/create")))
        await until(lambda: sim.stats.in_flight == 1)
        started = time.perf_counter()
        await sim.close()
        await sim.close()
        assert time.perf_counter() - started < 2
        await asyncio.gather(pending, return_exceptions=True)


def test_fault_constructors_validate() -> None:
    """Impossible faults are refused when built, and unknown routes when injected."""
    with pytest.raises(ValueError, match="code"):
        Fault.status(42)
    with pytest.raises(ValueError, match="seconds"):
        Fault.delay(-1)
    with pytest.raises(ValueError, match="kind"):
        Fault("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="route"):
        MonuvSimulator(cameras=0).inject("nope", Fault.status(500))
    assert Fault.reset() == Fault.reset()


# -- rate limit, latency, stats ----------------------------------------------------------


async def test_rate_limit_answers_429_with_retry_after() -> None:
    """Beyond rate_limit requests per second per token: 429, Retry-After >= 1, JSON body."""
    async with (
        MonuvSimulator(rate_limit=2, cameras=0) as sim,
        aiohttp.ClientSession() as http,
    ):
        statuses = []
        for _ in range(3):
            async with http.get(api(sim, "/api/v1/cameras/create")) as resp:
                statuses.append(resp.status)
                last = resp
                body = await resp.json()
        assert statuses == [200, 200, 429]
        assert int(last.headers["Retry-After"]) >= 1
        assert body == {"message": "Too Many Attempts."}
        status, _ = await call(http, "GET", api(sim, "/api/v1/cameras/create", token="bad"))
        assert status == 401
        await asyncio.sleep(0.55)
        assert (await call(http, "GET", api(sim, "/api/v1/cameras/create")))[0] == 200


async def test_latency_applies_to_every_answer() -> None:
    """latency (+ jitter) delays every answer."""
    async with (
        MonuvSimulator(latency=0.1, latency_jitter=0.05, cameras=0) as sim,
        aiohttp.ClientSession() as http,
    ):
        started = time.perf_counter()
        await call(http, "GET", api(sim, "/api/v1/cameras/create", token="bad"))
        assert time.perf_counter() - started >= 0.1


async def test_stats_count_requests_in_flight_and_connections(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Requests are counted per route; 5 concurrent delayed ones give max_in_flight 5."""
    await call(http, "GET", api(sim, "/api/v1/events", token="bad"))
    sim.inject("*", *[Fault.delay(0.2)] * 5)
    urls = [api(sim, "/api/v1/events", page=p) for p in range(1, 6)]
    results = await asyncio.gather(*(call(http, "GET", url) for url in urls))
    assert [status for status, _ in results] == [200] * 5
    assert sim.stats.max_in_flight == 5
    assert sim.stats.in_flight == 0
    assert sim.stats.requests == {"events": 6}
    sim.reset_stats()
    assert sim.stats == SimulatorStats()


async def test_keep_alive_requests_share_one_connection(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Ten sequential requests on one keep-alive session open one TCP connection."""
    sim.reset_stats()
    for _ in range(10):
        await call(http, "GET", api(sim, "/api/v1/cameras/create"))
    assert sim.stats.connections == 1
    assert sim.stats.requests["camera_options"] == 10
    async with aiohttp.ClientSession() as other:
        await call(other, "GET", api(sim, "/api/v1/cameras/create"))
    assert sim.stats.connections == 2


# -- snapshots --------------------------------------------------------------------------


async def test_snapshots_are_small_deterministic_jpegs(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """event_url serves JPEG-looking bytes without a token; unknown ids are 404."""
    events = (await events_page(http, sim))["data"]
    bodies = []
    for event in events[:2]:
        async with http.get(event["event_url"]) as resp:
            assert resp.status == 200
            assert resp.content_type == "image/jpeg"
            body = await resp.read()
            assert int(resp.headers["Content-Length"]) == len(body)
        assert body.startswith(b"\xff\xd8\xff")
        assert body.endswith(b"\xff\xd9")
        assert 1024 < len(body) < 8192
        bodies.append(body)
    assert bodies[0] != bodies[1]
    async with http.get(events[0]["event_url"]) as resp:
        assert await resp.read() == bodies[0]
    for name in ("999999.jpg", "abc.jpg", "1.png"):
        async with http.get(f"{sim.url}/snapshots/{name}") as resp:
            assert resp.status == 404
    assert sim.stats.snapshot_queries == [""] * 6
    assert sim.stats.snapshot_token_leaks == 0
    assert sim.stats.requests["snapshot"] == 6


async def test_snapshot_requests_carrying_the_token_are_flagged(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """A token sent to the snapshot host (query or header) is recorded as a leak."""
    url = sim.event_json(sim.events[0])["event_url"]
    async with http.get(URL(url).with_query(token=DEMO_TOKEN)) as resp:
        assert resp.status == 200
    async with http.get(url, headers={"Authorization": f"Bearer {DEMO_TOKEN}"}) as resp:
        assert resp.status == 200
    assert sim.stats.snapshot_queries == [f"token={DEMO_TOKEN}", ""]
    assert sim.stats.snapshot_token_leaks == 2


# -- lifecycle and hygiene ------------------------------------------------------------------


async def test_lifecycle_binding_and_repr() -> None:
    """Binds 127.0.0.1 on a free port; url needs start; start twice fails; repr hides the token."""
    sim = MonuvSimulator("s3cr3t-token", cameras=0)
    with pytest.raises(RuntimeError):
        _ = sim.url
    assert "s3cr3t" not in repr(sim)
    await sim.start()
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sim.url)
        assert sim.port > 0
        assert "s3cr3t" not in repr(sim)
        with pytest.raises(RuntimeError):
            await sim.start()
    finally:
        await sim.close()
    await sim.close()
    with pytest.raises(RuntimeError):
        await sim.start()


def test_constructor_validates_arguments() -> None:
    """Nonsense sizes, rates and empty tokens are refused at construction."""
    cases: list[dict[str, Any]] = [{"cameras": -1}, {"per_page": 0}, {"rate_limit": 0}]
    for kwargs in [*cases, {"days": -2}]:
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            MonuvSimulator(**kwargs)
    with pytest.raises(ValueError, match="token"):
        MonuvSimulator("")


async def test_add_client_helper_feeds_the_block_routes(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """add_client stores a client directly (uncounted), usable by block routes."""
    client = sim.add_client(CPF, city="Campinas")
    assert (client["document_type"], client["city"]) == ("1", "Campinas")
    with pytest.raises(ValueError, match="already exists"):
        sim.add_client("52998224725")
    with pytest.raises(ValueError, match="CPF"):
        sim.add_client("123")
    assert sim.stats.created == {}
    block = path_url(sim, "api", "client", "block", DEMO_TOKEN, "529.982.247-25")
    assert (await call(http, "GET", block))[1] == {"code": 0, "msg": ""}
    assert sim.blocked_documents == {"52998224725"}
    status, _ = await call(http, "POST", api(sim, "/api/v1/clients"), new_client(CNPJ_2))
    assert status == 201


async def test_the_token_is_never_logged(
    sim: MonuvSimulator, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """No log record produced while serving (faults included) contains the token."""
    caplog.set_level(logging.DEBUG)
    # POSTs: aiohttp itself silently retries a GET whose reused connection drops.
    sim.inject("create_client", Fault.reset(), Fault.truncate())
    for _ in range(2):
        with pytest.raises(aiohttp.ClientError):
            await call(http, "POST", api(sim, "/api/v1/clients"), new_client())
    await call(http, "GET", api(sim, "/api/v1/events", page=2))
    await call(http, "GET", path_url(sim, "api", "client", "block", DEMO_TOKEN, CNPJ))
    assert all(DEMO_TOKEN not in record.getMessage() for record in caplog.records)
    assert all(DEMO_TOKEN not in str(record.args) for record in caplog.records)


def test_route_names_are_the_documented_ones() -> None:
    """ROUTES lists the route names used by stats and inject."""
    assert set(ROUTES) == {
        "create_client",
        "create_client_user",
        "block_client",
        "unblock_client",
        "block_user",
        "unblock_user",
        "camera_options",
        "create_camera",
        "update_camera",
        "events",
        "snapshot",
    }
