"""Keeping secrets out of text: URLs, bodies, log lines, exception messages.

The partner token travels in the URL. Any text that may hold a URL (an
aiohttp exception, an HTML error page that echoes the request, a log line)
goes through a :class:`Redactor` before it is kept anywhere.
"""

from __future__ import annotations

import html
import re

__all__ = ["MASK", "Redactor"]

MASK = "***"

# A created user's own token, wherever a body that holds it is quoted.
_API_TOKEN_FIELD = re.compile(r'("api_token"\s*:\s*)"(?:[^"\\]|\\.)*"')


def _spellings(char: str) -> str:
    """A regex alternation of the ways ``char`` can be written in a URL or a body."""
    forms = {re.escape(char)}
    encoded = char.encode()
    # Percent-encoding, upper- or lower-case hex (each UTF-8 byte).
    forms.add("".join(f"%(?i:{byte:02x})" for byte in encoded))
    if char == " ":
        forms.add(r"\+")  # form encoding
    if char == "/":
        forms.add(r"\\/")  # PHP's JSON escaping
    # HTML: named and numeric entities; JSON: \uXXXX.
    escaped = html.escape(char)
    if escaped != char:
        forms.add(re.escape(escaped))
    forms.add(f"&#0*{ord(char)};")
    forms.add(f"&#(?i:x)0*(?i:{ord(char):x});")
    if ord(char) < 0x10000:
        forms.add(f"\\\\u(?i:{ord(char):04x})")
    return "(?:" + "|".join(sorted(forms, key=len, reverse=True)) + ")"


class Redactor:
    """Replace the secrets in a text by ``***``, however they are spelled.

    A URL or an echoed error page may show a token raw, percent-encoded
    (upper- or lower-case hex, with or without ``/`` kept), form-encoded,
    HTML-escaped or JSON-escaped, or any mix of these character by character:
    each secret becomes one regular expression that accepts every spelling
    of each of its characters. Users' ``api_token`` values in quoted JSON are
    masked too. Secrets shorter than 4 characters are not redacted: masking
    every ``"a"`` in a text hides nothing and garbles all.
    """

    __slots__ = ("_count", "_pattern")

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
        if "api_token" in text:
            text = _API_TOKEN_FIELD.sub(rf'\1"{MASK}"', text)
        return text

    def __repr__(self) -> str:
        return f"Redactor(<{self._count} secrets>)"
