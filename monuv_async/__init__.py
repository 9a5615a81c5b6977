"""monuv_async: an asyncio-native, typed client for the Monuv partner API.

::

    from monuv_async import MonuvClient

    async with MonuvClient(token) as monuv:
        async for event in monuv.iter_events(start_at=date(2026, 11, 1)):
            ...
"""

from __future__ import annotations

from ._extra import JSONValue
from ._hooks import RequestHook, RequestInfo, ResponseHook, ResponseInfo
from ._raw import RawResponse
from ._redact import redact_url
from ._snapshots import SnapshotResult
from ._transport import USER_AGENT
from ._version import __version__
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
