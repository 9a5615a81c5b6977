"""How the simulator speaks HTTP: error answers, JSON encoded like PHP, Laravel's input.

Monuv is a Laravel application; these helpers reproduce the bytes it sends
and the way it reads a request, so a client is tested against the real
quirks, not against what aiohttp would do by default.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from aiohttp import web

__all__ = ["ApiError", "json_bytes", "json_response", "not_found", "read_input", "reason"]


class ApiError(Exception):
    """An error answer, raised by a handler and turned into a response."""

    def __init__(self, status: int, body: object, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def reason(code: int) -> str:
    """The reason phrase of an HTTP status (``"Error"`` for codes ``http`` does not know)."""
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"


def not_found() -> ApiError:
    """Laravel's 404 for an unknown route parameter: ``{"message": "Not Found"}``."""
    return ApiError(404, {"message": reason(404)})


def json_bytes(data: object) -> bytes:
    """Encode like PHP's ``json_encode`` with unescaped unicode: slashes become ``\\/``.

    ``/`` never appears in JSON outside strings, so replacing it everywhere
    is safe, and it reproduces the documented bodies (``"Câmera\\/DVR"``).
    """
    return json.dumps(data, ensure_ascii=False).replace("/", "\\/").encode()


def json_response(
    data: object, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A JSON answer encoded like Monuv's."""
    return web.Response(
        status=status,
        body=json_bytes(data),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


async def read_input(request: web.Request) -> dict[str, Any]:
    """Like Laravel's ``$request->input()``: the query string and the body merged.

    The body may be JSON (it must then be an object: 400 otherwise) or a
    form; the partner token of the query string is not input.
    """
    data: dict[str, Any] = {k: v for k, v in request.query.items() if k != "token"}
    if not request.body_exists:
        return data
    if request.content_type == "application/json" or request.content_type.endswith("+json"):
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, {"message": "The request body is not valid JSON."}) from None
        if not isinstance(body, dict):
            raise ApiError(400, {"message": "The request body must be a JSON object."})
        data.update(body)
    else:
        form = await request.post()
        data.update({k: v for k, v in form.items() if isinstance(v, str)})
    return data
