"""What an error about one request carries: its redacted request line, and the redactor.

Built once per request by the requester and handed whole to the transport
and the reader, so every error is made complete where it is raised, never
patched afterwards by a caller's caller.

The line is built when first read: most requests succeed with nothing
logged or hooked, and building it (quoting every part, masking the token)
was a tenth of the library's cost per call. However late it is built, it is
built from the spec with the mask where the token goes: it never holds the
token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

__all__ = ["BODY_LIMIT", "RequestContext"]

BODY_LIMIT = 4096
"""How much of an answer's text an error keeps, for diagnosis."""


class _Describable(Protocol):
    def line(self, prefix: str) -> str: ...


class RequestContext:
    """The request line (token already masked) and the redactor for any text quoted from it."""

    __slots__ = ("_line", "_prefix", "_spec", "redact")

    redact: Callable[[str], str]
    """Masks the token, however spelled, in text that came from the network."""

    def __init__(self, line: str, redact: Callable[[str], str]) -> None:
        self._line: str | None = line
        self._spec: _Describable | None = None
        self._prefix = ""
        self.redact = redact

    @classmethod
    def describing(
        cls, spec: _Describable, prefix: str, redact: Callable[[str], str]
    ) -> RequestContext:
        """A context whose line is ``spec.line(prefix)``, built only if it is read."""
        context = cls.__new__(cls)
        context._line = None
        context._spec = spec
        context._prefix = prefix
        context.redact = redact
        return context

    @property
    def line(self) -> str:
        """``"GET /api/v1/events?token=***&page=2"``: safe to show as is."""
        line = self._line
        if line is None:
            assert self._spec is not None  # one of the two is always set
            line = self._line = self._spec.line(self._prefix)
            self._spec = None
        return line

    def __repr__(self) -> str:
        return f"RequestContext(line={self.line!r})"

    def text(self, body: bytes) -> str:
        """An answer's body as redacted text, cut to :data:`BODY_LIMIT` characters."""
        # Redact the whole text, then cut: a cut first could split a token in two
        # halves that no longer match the mask. (Error path only: cheap enough.)
        return self.redact(body.decode("utf-8", "replace"))[:BODY_LIMIT]
