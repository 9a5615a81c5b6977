"""monuv_async: an asyncio-native, typed client for the Monuv partner API.

::

    from monuv_async import MonuvClient

    async with MonuvClient(token) as monuv:
        async for event in monuv.iter_events(start_at=date(2026, 11, 1)):
            ...
"""

from __future__ import annotations

# Exports are loaded on first use (PEP 562): `monuv --help` and anything that
# needs one name only do not pay for aiohttp and the whole client at import.
# `from monuv_async import X` works as before; type checkers and IDEs read
# the TYPE_CHECKING block.
from ._version import __version__

# `from typing import TYPE_CHECKING` would load typing (~5 ms, a tenth of
# `monuv --help`); type checkers treat any name TYPE_CHECKING as true.
TYPE_CHECKING = False


if TYPE_CHECKING:
    from ._extra import JSONValue
    from ._hooks import RequestHook, RequestInfo, ResponseHook, ResponseInfo
    from ._raw import RawResponse
    from ._redact import redact_url
    from ._snapshots import SnapshotResult
    from ._transport import USER_AGENT
    from .backfill import Backfill, Split
    from .checkpoint import Checkpoint
    from .client import DEFAULT_BASE_URL, ClientStats, MonuvClient
    from .errors import (
        APIError,
        AuthenticationError,
        BadRequestError,
        MonuvError,
        NotFoundError,
        OperationFailedError,
        RateLimitError,
        RequestTimeoutError,
        ServerError,
        TransportError,
        UnexpectedResponseError,
        ValidationError,
    )
    from .models import (
        Camera,
        CameraModel,
        CameraOptions,
        Client,
        DocumentType,
        Event,
        EventPage,
        Manufacturer,
        Resolution,
        User,
        UserType,
    )
    from .requests import CameraUpdate, NewCamera, NewClient, NewUser
    from .retry import RetryPolicy
    from .watch import EventWatch, WatchCheckpoint

__all__ = [
    "DEFAULT_BASE_URL",
    "USER_AGENT",
    "APIError",
    "AuthenticationError",
    "Backfill",
    "BadRequestError",
    "Camera",
    "CameraModel",
    "CameraOptions",
    "CameraUpdate",
    "Checkpoint",
    "Client",
    "ClientStats",
    "DocumentType",
    "Event",
    "EventPage",
    "EventWatch",
    "JSONValue",
    "Manufacturer",
    "MonuvClient",
    "MonuvError",
    "NewCamera",
    "NewClient",
    "NewUser",
    "NotFoundError",
    "OperationFailedError",
    "RateLimitError",
    "RawResponse",
    "RequestHook",
    "RequestInfo",
    "RequestTimeoutError",
    "Resolution",
    "ResponseHook",
    "ResponseInfo",
    "RetryPolicy",
    "ServerError",
    "SnapshotResult",
    "Split",
    "TransportError",
    "UnexpectedResponseError",
    "User",
    "UserType",
    "ValidationError",
    "WatchCheckpoint",
    "__version__",
    "redact_url",
]

# Where each name of __all__ (but __version__, imported above) lives: the
# TYPE_CHECKING block again, as data; tests/test_init.py fails if they differ.
_EXPORTS: dict[str, str] = {
    name: module
    for module, names in {
        "._extra": "JSONValue",
        "._hooks": "RequestHook RequestInfo ResponseHook ResponseInfo",
        "._raw": "RawResponse",
        "._redact": "redact_url",
        "._snapshots": "SnapshotResult",
        "._transport": "USER_AGENT",
        ".backfill": "Backfill Split",
        ".checkpoint": "Checkpoint",
        ".client": "ClientStats DEFAULT_BASE_URL MonuvClient",
        ".errors": (
            "APIError AuthenticationError BadRequestError MonuvError NotFoundError "
            "OperationFailedError RateLimitError RequestTimeoutError ServerError "
            "TransportError UnexpectedResponseError ValidationError"
        ),
        ".models": (
            "Camera CameraModel CameraOptions Client DocumentType Event EventPage "
            "Manufacturer Resolution User UserType"
        ),
        ".requests": "CameraUpdate NewCamera NewClient NewUser",
        ".retry": "RetryPolicy",
        ".watch": "EventWatch WatchCheckpoint",
    }.items()
    for name in names.split()
}


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib  # noqa: PLC0415 - not loaded yet in a wheel install's `monuv --help`

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # once: later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
