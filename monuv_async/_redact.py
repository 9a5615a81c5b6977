"""Keeping secrets out of text: URLs, bodies, log lines, exception messages.

The partner token travels in the URL. Any text that may hold a URL (an
aiohttp exception, an HTML error page that echoes the request, a log line)
goes through a :class:`Redactor` before it is kept anywhere.
"""

from __future__ import annotations

import html
import re
import weakref

from yarl import URL

__all__ = ["MASK", "Redactor", "redact_url"]

MASK = "***"

# Fields of a JSON body that are credentials wherever they are quoted: a created
# user's own token, and a camera's RTMP publish URL (whoever has it can stream
# into the camera).
_SECRET_FIELDS = re.compile(r'("(?:api_token|rtmp_url)"\s*:\s*)"(?:[^"\\]|\\.)*"')
# An RTMP(S) URL anywhere in a text: its host stays, its path (app and stream
# key) is masked.
_RTMP_URL = re.compile(r"(?i)(rtmps?://[^/\s\"'<>]+)/[^\s\"'<>]*")


def _encoded(char: str) -> str:
    """A regex for ``char`` written raw or percent-encoded, to any depth.

    Encoding again turns each ``%`` into ``%25``: ``/`` is ``%2F``, then
    ``%252F``, ``%25252F``... (a gateway quoting the whole URL into a
    ``?next=`` parameter, once per hop). So a ``%`` is ``%(25)*``.
    """
    if char == "%":
        return "%(?:25)*"
    hexed = "".join(f"%(?:25)*(?i:{byte:02x})" for byte in char.encode())
    return f"(?:{re.escape(char)}|{hexed})"


def _literal(text: str) -> str:
    """A regex for ``text`` with each of its characters raw or percent-encoded, any depth."""
    return "".join(map(_encoded, text))


def _spellings(char: str) -> str:
    """A regex alternation of the ways ``char`` can be written in a URL or a body.

    Every form (raw, percent-, form-, HTML- or JSON-escaped) may itself be
    percent-encoded any number of times, in any mix along the secret.
    """
    forms = {_encoded(char)}
    if char == " ":
        forms.add(_encoded("+"))  # form encoding
    if char == "/":
        forms.add(_literal("\\/"))  # PHP's JSON escaping
    # HTML: named and numeric entities; JSON: \uXXXX.
    escaped = html.escape(char)
    if escaped != char:
        forms.add(_literal(escaped))
    amp, hash_, semi = _encoded("&"), _encoded("#"), _encoded(";")
    forms.add(f"{amp}{hash_}0*{ord(char)}{semi}")
    forms.add(f"{amp}{hash_}(?i:x)0*(?i:{ord(char):x}){semi}")
    if ord(char) < 0x10000:
        forms.add(f"{_encoded(chr(92))}(?i:u{ord(char):04x})")
    return "(?:" + "|".join(sorted(forms, key=len, reverse=True)) + ")"


class Redactor:
    """Replace the secrets in a text by ``***``, however they are spelled.

    A URL or an echoed error page may show a token raw, percent-encoded
    (upper- or lower-case hex, with or without ``/`` kept), form-encoded,
    HTML-escaped or JSON-escaped, or any mix of these character by character:
    each secret becomes one regular expression that accepts every spelling
    of each of its characters, percent-encoded again to any depth. Users'
    ``api_token`` and cameras' ``rtmp_url`` values in quoted JSON, and the
    path of any ``rtmp://`` URL, are masked too. Secrets shorter than 4
    characters are not redacted: masking every ``"a"`` in a text hides
    nothing and garbles all.
    """

    __slots__ = ("__weakref__", "_count", "_pattern")

    def __init__(self, *secrets: str) -> None:
        kept = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)
        self._count = len(kept)
        self._pattern = (
            re.compile("|".join("".join(map(_spellings, secret)) for secret in kept))
            if kept
            else None
        )

    def __call__(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(MASK, text)
        if "api_token" in text or "rtmp_url" in text:
            text = _SECRET_FIELDS.sub(rf'\1"{MASK}"', text)
        if "rtmp" in text.lower():
            text = _RTMP_URL.sub(rf"\1/{MASK}", text)
        return text

    def __repr__(self) -> str:
        return f"Redactor(<{self._count} secrets>)"


# The redactors of live clients: what `redact_url` masks besides the token's
# places. Weak, so a client that is gone takes its token out of the process.
_LIVE: weakref.WeakSet[Redactor] = weakref.WeakSet()

_TOKEN_PARAM = re.compile(r"(?i)([?&;]token=)[^&#;]*")
_TOKEN_SEGMENT = re.compile(r"(?i)(/api/(?:client|user)/(?:un)?block/)[^/?#]*")


def register(redactor: Redactor) -> Redactor:
    """Make ``redactor``'s secrets known to :func:`redact_url` while it is alive."""
    _LIVE.add(redactor)
    return redactor


def redact_url(url: str | URL) -> str:
    """``url`` as text with the partner token masked: fit for traces and logs.

    Masks the value of any ``token`` query parameter and the token segment of
    the block/unblock paths (``/api/client/block/***/...``) whatever the
    token is, then every spelling of the token of every live
    :class:`~monuv_async.MonuvClient` of this process, wherever it is (a
    tracer's ``url_filter`` has no client at hand, so the clients register
    their tokens when created). Use it as OpenTelemetry's aiohttp
    ``url_filter``, or on any URL a ``trace_configs`` hook sees.
    """
    text = str(url)
    text = _TOKEN_PARAM.sub(rf"\1{MASK}", text)
    text = _TOKEN_SEGMENT.sub(rf"\1{MASK}", text)
    for redactor in list(_LIVE):
        text = redactor(text)
    return text
