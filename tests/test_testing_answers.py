"""How the simulator reads requests and encodes answers: JSON or form input, PHP-like JSON."""

from __future__ import annotations

import json

import aiohttp
from _simulator_helpers import (
    api,
    create_client,
)

from monuv_async.testing import MonuvSimulator
from monuv_async.testing.answers import json_bytes, not_found, reason

pytest_plugins = ["_simulator_fixtures"]  # sim, http


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


def test_reason_phrases_come_from_http_status() -> None:
    """Known codes get http.HTTPStatus's phrase; a code it does not know gets "Error"."""
    assert reason(502) == "Bad Gateway"
    assert reason(429) == "Too Many Requests"
    assert reason(599) == "Error"
    assert (not_found().status, not_found().body) == (404, {"message": "Not Found"})


def test_json_is_encoded_like_phps_json_encode() -> None:
    """Slashes are escaped and non-ASCII text is kept as UTF-8, as in the documented bodies."""
    assert json_bytes({"name": "Câmera/DVR"}) == '{"name": "Câmera\\/DVR"}'.encode()
    assert json.loads(json_bytes({"url": "http://x/y"})) == {"url": "http://x/y"}
