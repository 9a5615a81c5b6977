"""What an error about one request carries: its redacted request line, and the redactor.

Built once per request by the requester and handed whole to the transport
and the reader, so every error is made complete where it is raised, never
patched afterwards by a caller's caller.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

__all__ = ["BODY_LIMIT", "RequestContext"]

BODY_LIMIT = 4096
"""How much of an answer's text an error keeps, for diagnosis."""


@attrs.frozen(slots=True)
class RequestContext:
    """The request line (token already masked) and the redactor for any text quoted from it."""

    line: str
    """``"GET /api/v1/events?token=***&page=2"``: safe to show as is."""
    redact: Callable[[str], str] = attrs.field(repr=False)
    """Masks the token, however spelled, in text that came from the network."""

    def text(self, body: bytes) -> str:
        """An answer's body as redacted text, cut to :data:`BODY_LIMIT` characters."""
        # Redact the whole text, then cut: a cut first could split a token in two
        # halves that no longer match the mask. (Error path only: cheap enough.)
        return self.redact(body.decode("utf-8", "replace"))[:BODY_LIMIT]
