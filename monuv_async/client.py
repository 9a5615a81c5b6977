"""``MonuvClient``: its lifecycle, and one short method per operation.

Every operation builds its spec (pure, validating the arguments before
anything is sent) and hands it to the client's
:class:`~monuv_async._requester.Requester`, which sends it under the client's
bounds and retries; the walks and downloads are in :mod:`._pagination`,
:mod:`.backfill` and :mod:`._snapshots`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import tzinfo
from zoneinfo import ZoneInfo

import aiohttp

from . import _endpoints as endpoints
from . import _options as options
from ._closing import Closing
from ._extra import JSONValue
from ._hooks import RequestHook, ResponseHook
from ._options import UNSET, Unset
from ._raw import IDEMPOTENT, RawResponse, raw_spec, read_raw
from ._requester import ClientStats, Requester
from ._transport import DEFAULT_MAX_RESPONSE_BYTES, USER_AGENT, AiohttpTransport, Transport
from ._walks import EventWalks
from .models import Camera, CameraOptions, Client, User
from .requests import CameraUpdate, NewCamera, NewClient, NewUser
from .retry import RetryPolicy

__all__ = ["DEFAULT_BASE_URL", "ClientStats", "MonuvClient"]

DEFAULT_BASE_URL = "https://app.monuv.com.br"
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


class MonuvClient(EventWalks, Closing):
    """An asyncio client for the Monuv partner API.

    Use it as an async context manager (or call :meth:`aclose`)::

        async with MonuvClient(token) as monuv:
            options = await monuv.camera_options()

    ``max_concurrency`` bounds the requests in flight across everything the
    client does; ``timeout`` applies to each try; ``retry=None`` never
    retries; ``rate_limit`` caps the requests started per second. A caller's
    ``session`` is used as-is and never closed; ``transport`` (instead of a
    session) replaces how requests are sent, e.g. ``MockTransport(handler)``
    in unit tests, and is never closed either. ``tz`` is the zone Monuv's
    offset-less timestamps are read in. ``page_buffer`` bounds the pages a
    walk holds ahead (default ``2 * max_concurrency``, shared by a
    backfill's sub-windows). ``max_response_bytes`` caps one answer after
    decompression and ``max_snapshot_bytes`` one image (32 MiB each by
    default; beyond: :class:`~monuv_async.UnexpectedResponseError`).
    ``on_request``/``on_response`` are hooks given a :class:`RequestInfo` /
    :class:`ResponseInfo` per try (token masked; one that raises is logged
    and ignored); ``user_agent`` replaces the ``User-Agent`` header. A client
    belongs to the event loop it is first used in. See the guides "The
    client" and "Power users".
    """

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        max_concurrency: int = 8,
        timeout: float | aiohttp.ClientTimeout = 30.0,
        retry: RetryPolicy | None = RetryPolicy(),  # noqa: B008 - frozen, safe to share
        rate_limit: float | None = None,
        session: aiohttp.ClientSession | None = None,
        tz: tzinfo = SAO_PAULO,
        page_buffer: int | None = None,
        transport: Transport | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_snapshot_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        on_request: RequestHook | None = None,
        on_response: ResponseHook | None = None,
        user_agent: str | None = None,
    ) -> None:
        options.check_construction(
            token,
            max_concurrency=max_concurrency,
            max_response_bytes=max_response_bytes,
            max_snapshot_bytes=max_snapshot_bytes,
            page_buffer=page_buffer,
            hooks={"on_request": on_request, "on_response": on_response},
            tz=tz,
            transport=transport,
            session=session,
        )
        options.rate_limit(rate_limit)
        policy = options.retry_policy(retry)
        agent = options.user_agent(user_agent, USER_AGENT)
        self._base = options.base_url(base_url)
        self._max_concurrency = max_concurrency
        self._page_buffer = page_buffer or 2 * max_concurrency
        self._tz = tz
        self._is_view = False
        # Only the transport the client made is the client's to close.
        self._own_transport: AiohttpTransport | None = None
        if transport is None:
            self._own_transport = AiohttpTransport(
                session,
                connections=max_concurrency,
                max_response_bytes=max_response_bytes,
                user_agent=agent,
            )
            transport = self._own_transport
        self._requester = Requester(
            token,
            base=self._base,
            transport=transport,
            timeout=options.client_timeout(timeout),
            retry=policy,
            rate_limit=rate_limit,
            max_concurrency=max_concurrency,
            tz=tz,
            max_response_bytes=max_response_bytes,
            max_snapshot_bytes=max_snapshot_bytes,
            on_request=on_request,
            on_response=on_response,
        )
        self.stats = self._requester.stats

    def __repr__(self) -> str:
        return (
            f"MonuvClient(base_url={str(self._base)!r}, "
            f"max_concurrency={self._max_concurrency}, token=***)"
        )

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return str(self._base)

    @property
    def max_concurrency(self) -> int:
        """The bound on requests in flight."""
        return self._max_concurrency

    async def aclose(self) -> None:
        """Close the client's own session (a caller's is left open). Idempotent.

        On a view of :meth:`with_options` it does nothing: the view owns
        nothing, and its client stays open.
        """
        if self._is_view:
            return
        self._requester.closed = True
        if self._own_transport is not None:
            await self._own_transport.aclose()

    def with_options(
        self,
        *,
        timeout: float | aiohttp.ClientTimeout | Unset = UNSET,
        retry: RetryPolicy | Unset | None = UNSET,
        rate_limit: float | Unset | None = UNSET,
    ) -> MonuvClient:
        """A view of this client whose calls use these options; the others stay the client's.

        The view shares the client's session, semaphore (``max_concurrency``
        bounds both together), rate limit, stats and hooks; it has nothing
        to close (its :meth:`aclose` and ``async with`` do nothing) and is
        closed with its client. ``timeout`` and ``retry`` (``None``: one try)
        replace the client's for the view's calls. ``rate_limit`` adds a
        limit of the view's own, on top of the client's: the view's calls are
        spaced by it before they queue for the shared bounds.
        """
        view = copy.copy(self)
        view._is_view = True
        view._own_transport = None
        view._requester = self._requester.with_options(
            timeout=None if isinstance(timeout, Unset) else options.client_timeout(timeout),
            retry=None if isinstance(retry, Unset) else options.retry_policy(retry),
            rate_limit=None if isinstance(rate_limit, Unset) else options.rate_limit(rate_limit),
        )
        return view

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: JSONValue | None = None,
        path_params: Mapping[str, str | int] | None = None,
    ) -> RawResponse:
        """Call any endpoint, under the same bounds, retries, errors and redaction as the rest.

        The token goes in the query, or in the path where it says
        ``{token}``; every other ``{name}`` is filled from ``path_params``,
        percent-encoded as one path segment. ``GET``, ``HEAD``, ``PUT`` and
        ``DELETE`` are retried like reads; ``POST`` and ``PATCH`` like
        creates. A non-2xx answer raises its :class:`APIError`. Arguments are
        checked (``ValueError`` naming the problem) before anything is sent.
        """
        spec, body = raw_spec(method, path, params, json, path_params)
        return await self._requester.exchange(
            spec, body, read=read_raw, idempotent=spec.method in IDEMPOTENT
        )

    # -- clients and users -------------------------------------------------

    async def create_client(self, new: NewClient) -> Client:
        """Create a client (the partner's customer), with its users if given."""
        return await self._requester.call(endpoints.create_client(new))

    async def create_client_user(self, client_id: int, new: NewUser) -> User:
        """Create a user inside client ``client_id``."""
        return await self._requester.call(endpoints.create_client_user(client_id, new))

    async def block_client(self, document: str) -> None:
        """Block a client by CPF/CNPJ (formatted or bare); ``OperationFailedError`` if refused."""
        await self._requester.call(endpoints.block_client(document))

    async def unblock_client(self, document: str) -> None:
        """Unblock a client by CPF/CNPJ; ``OperationFailedError`` if refused."""
        await self._requester.call(endpoints.unblock_client(document))

    async def block_user(self, user_id: int) -> None:
        """Block a user; ``OperationFailedError`` if refused."""
        await self._requester.call(endpoints.block_user(user_id))

    async def unblock_user(self, user_id: int) -> None:
        """Unblock a user; ``OperationFailedError`` if refused."""
        await self._requester.call(endpoints.unblock_user(user_id))

    # -- cameras -------------------------------------------------------------

    async def camera_options(self) -> CameraOptions:
        """Manufacturers, models, plans and installation codes for camera requests."""
        return await self._requester.call(endpoints.camera_options())

    async def create_camera(self, new: NewCamera) -> Camera:
        """Create a camera; push its stream to the returned ``rtmp_url``."""
        return await self._requester.call(endpoints.create_camera(new))

    async def update_camera(self, camera_id: int, changes: CameraUpdate) -> Camera:
        """Change a camera's fields (``client_id`` is required by the API)."""
        return await self._requester.call(endpoints.update_camera(camera_id, changes))
