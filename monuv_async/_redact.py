"""Keeping secrets out of text: URLs, bodies, log lines, exception messages.

The partner token travels in the URL. Any text that may hold a URL (an
aiohttp exception, an HTML error page that echoes the request, a log line)
goes through a :class:`Redactor` before it is kept anywhere.
"""

from __future__ import annotations

import re
from urllib.parse import quote, quote_plus

__all__ = ["MASK", "Redactor"]

MASK = "***"

# A created user's own token, wherever a body that holds it is quoted.
_API_TOKEN_FIELD = re.compile(r'("api_token"\s*:\s*)"(?:[^"\\]|\\.)*"')


class Redactor:
    """Replace every known form of the secrets in a text by ``***``.

    Users' ``api_token`` values in quoted JSON are masked too.

    The raw, percent-encoded (with and without ``/`` kept), form-encoded and
    JSON-escaped spellings are all covered, since a URL or an echoed body may
    show any of them. Secrets shorter than 4 characters are not
    redacted: masking every ``"a"`` in a text hides nothing and garbles all.
    """

    __slots__ = ("_needles",)

    def __init__(self, *secrets: str) -> None:
        needles: set[str] = set()
        for secret in secrets:
            if len(secret) >= 4:
                needles.update(
                    {
                        secret,
                        quote(secret, safe=""),
                        quote(secret),  # "/" kept, as in most URL paths
                        quote_plus(secret),
                        secret.replace("/", "\\/"),  # PHP's JSON escaping of "/"
                    }
                )
        # Longest first, so a spelling that contains another is masked whole.
        self._needles = tuple(sorted(needles, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for needle in self._needles:
            if needle in text:
                text = text.replace(needle, MASK)
        if "api_token" in text:
            text = _API_TOKEN_FIELD.sub(rf'\1"{MASK}"', text)
        return text

    def __repr__(self) -> str:
        return f"Redactor(<{len(self._needles)} secret forms>)"
