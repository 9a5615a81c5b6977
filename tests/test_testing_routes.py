"""The simulator's routes over loopback HTTP: documented shapes, tokens, blocks, snapshots."""

from __future__ import annotations

import re

import aiohttp
import pytest
from _samples import sample_json
from _simulator_helpers import (
    CNPJ,
    CPF,
    NOW,
    api,
    call,
    create_client,
    event_time,
    events_page,
    new_client,
    new_user,
    path_url,
)
from yarl import URL

from monuv_async.testing import DEMO_TOKEN, ROUTES, MonuvSimulator
from monuv_async.testing.store import DEFAULT_CAMERA_OPTIONS

pytest_plugins = ["_simulator_fixtures"]  # sim, http


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
