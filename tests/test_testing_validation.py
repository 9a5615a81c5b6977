"""The simulator's request validation: Laravel-style 422s naming every bad field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from _simulator_helpers import (
    CPF,
    api,
    call,
    create_client,
    new_client,
    new_user,
)
from hypothesis import given
from hypothesis import strategies as st

from monuv_async import documents
from monuv_async.testing import MonuvSimulator
from monuv_async.testing.validation import document_digits, is_cep, is_cnpj, is_cpf

pytest_plugins = ["_simulator_fixtures"]  # sim, http


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


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (is_cpf, "529.982.247-25"),
        (is_cpf, "52998224725"),
        (is_cnpj, "11.222.333/0001-81"),
        (is_cnpj, "11444777000161"),
        (is_cep, "01310-100"),
        (is_cep, "01310100"),
    ],
)
def test_document_checks_accept_valid_numbers_formatted_or_bare(
    check: Callable[[str], bool], value: str
) -> None:
    """Valid CPF/CNPJ (check digits right) and CEP pass, with or without separators."""
    assert check(value)


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (is_cpf, "529.982.247-24"),  # last check digit wrong
        (is_cpf, "111.111.111-11"),  # all equal: right arithmetic, refused
        (is_cpf, "11.222.333/0001-81"),  # a CNPJ
        (is_cnpj, "11.222.333/0001-80"),
        (is_cnpj, "11.222.333/0001-8a"),
        (is_cep, "0131-010"),
        (is_cep, "01310_100"),
        (is_cep, "\uff10" * 8),  # fullwidth digits are not ASCII digits
    ],
)
def test_document_checks_refuse_bad_numbers(check: Callable[[str], bool], value: str) -> None:
    """Wrong check digits, all-equal digits, wrong lengths and foreign characters fail."""
    assert not check(value)


@given(st.text(alphabet="0123456789 ./-x", max_size=20))
def test_document_checks_agree_with_the_clients_on_any_input(value: str) -> None:
    """The simulator's own checks and monuv_async.documents, written apart, agree everywhere."""
    assert is_cpf(value) == documents.is_valid_cpf(value)
    assert is_cnpj(value) == documents.is_valid_cnpj(value)
    assert is_cep(value) == documents.is_valid_cep(value)
    assert document_digits(value) == documents.digits_only(value)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_check_digits_agree_with_the_clients_on_every_completion(stem: str) -> None:
    """For any stem, the simulator and the client accept the same two check digits (one pair)."""
    for length, mine, theirs in (
        (11, is_cpf, documents.is_valid_cpf),
        (14, is_cnpj, documents.is_valid_cnpj),
    ):
        numbers = [stem[: length - 2] + f"{d:02d}" for d in range(100)]
        accepted = [number for number in numbers if mine(number)]
        assert accepted == [number for number in numbers if theirs(number)]
        assert len(accepted) <= 1
