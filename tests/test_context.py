"""RequestContext: the one value an error about a request is built from."""

from __future__ import annotations

from monuv_async import _endpoints as ep
from monuv_async._context import BODY_LIMIT, RequestContext
from monuv_async._redact import Redactor

SECRET = "s3cret-token-value"


def test_text_redacts_before_cutting_so_no_half_token_survives() -> None:
    """A token straddling the cut is masked whole, never left as a readable prefix."""
    context = RequestContext("GET /x", Redactor(SECRET))
    for offset in range(BODY_LIMIT - len(SECRET), BODY_LIMIT + 1):
        text = context.text(b"x" * offset + SECRET.encode() + b"tail")
        assert len(text) <= BODY_LIMIT
        assert SECRET[:6] not in text


def test_text_replaces_bytes_that_are_not_utf8() -> None:
    """A binary or mis-encoded body becomes text with replacement marks, never an error."""
    context = RequestContext("GET /x", Redactor(SECRET))
    assert context.text(b"ok \xff\xfe") == "ok \ufffd\ufffd"


def test_repr_shows_the_line_and_not_the_redactor() -> None:
    """The repr names the request line only; the redactor (built from the token) stays out."""
    context = RequestContext("GET /api/v1/events?token=***", Redactor(SECRET))
    assert repr(context) == "RequestContext(line='GET /api/v1/events?token=***')"


def test_a_describing_context_builds_its_line_on_first_read_only() -> None:
    """The spec's line is built once, when first read, with the path's token masked."""
    built: list[str] = []

    class Spy:
        def line(self, prefix: str) -> str:
            built.append(prefix)
            return ep.block_user(4).line(prefix)

    context = RequestContext.describing(Spy(), "/monuv", Redactor(SECRET))
    assert built == []
    assert context.line == "GET /monuv/api/user/block/***/4"
    assert repr(context) == "RequestContext(line='GET /monuv/api/user/block/***/4')"
    assert built == ["/monuv"]
