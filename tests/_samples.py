"""The documented bodies, sample requests and the status table shared by the tests.

The bodies are the API documentation's examples, kept in ``tests/samples/``
inside the repository so that a plain clone (or an unpacked sdist) is the
whole test suite: nothing here reads outside the project.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from monuv_async import (
    APIError,
    AuthenticationError,
    BadRequestError,
    DocumentType,
    NewClient,
    NewUser,
    NotFoundError,
    RateLimitError,
    ServerError,
    ValidationError,
)

SAMPLES = Path(__file__).resolve().parent / "samples"
"""The folder of the documented bodies, one ``<operation>.json`` each."""


def sample_body(name: str) -> bytes:
    """The raw bytes of the documented body ``name`` (``.json`` optional)."""
    return (SAMPLES / (name if name.endswith(".json") else f"{name}.json")).read_bytes()


def sample_json(name: str) -> Any:
    """The documented body ``name``, decoded (a fresh copy each call)."""
    return json.loads(sample_body(name))


NEW_USER = NewUser("Maria", "maria@example.com", "11999999999", "pw-123456")
NEW_CLIENT = NewClient(
    "Acme",
    DocumentType.CNPJ,
    "11.222.333/0001-81",
    "11 3333-4444",
    "01310-100",
    "Av. Paulista",
    "1000",
    "Bela Vista",
    "São Paulo",
    "SP",
)

STATUS_CLASSES: list[tuple[int, type[APIError]]] = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (403, AuthenticationError),
    (404, NotFoundError),
    (422, ValidationError),
    (429, RateLimitError),
    (500, ServerError),
    (501, ServerError),
    (502, ServerError),
    (503, ServerError),
    (504, ServerError),
    (505, ServerError),
    (599, ServerError),
    (402, APIError),
    (405, APIError),
    (408, APIError),
    (409, APIError),
    (410, APIError),
    (418, APIError),
    (451, APIError),
]
"""Each HTTP error status and the most specific class it maps to."""
