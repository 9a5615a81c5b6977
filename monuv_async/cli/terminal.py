"""Text on its way to a person's terminal: server-provided text is untrusted.

An error message, an option name or a camera description comes from the
server (or from a CSV file) and may hold terminal control sequences: ESC
sequences that recolour or move the cursor, OSC 52 that writes the clipboard,
BEL, or a carriage return that rewrites the line into something it is not
("ok: client blocked"). :func:`for_terminal` makes every such character
visible as an escape (``\\x1b``, ``\\u202e``) instead of letting the terminal act
on it. Everything the ``monuv`` command prints for a person goes through it;
JSON written to a terminal goes through :func:`json_for_terminal` instead,
which escapes the same characters the JSON way, so the text stays valid JSON.
"""

from __future__ import annotations

import re

__all__ = ["for_terminal", "json_for_terminal"]

# C0 controls but TAB (and LF, handled apart), DEL, C1 controls; then the
# Unicode bidi controls, which reorder what a person reads (U+202E can make
# "exe.txt" look like "txt.exe"); then the line/paragraph separators, which
# some terminals and most editors treat as new lines.
_UNSAFE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)
_UNSAFE_KEEP_NEWLINES = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def for_terminal(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control character shown as an escape, never acted on.

    C0 and C1 control characters (ESC, BEL, CR, ...), DEL and the Unicode
    bidirectional controls become ``\\xNN`` / ``\\uNNNN``; a tab is kept. A
    newline is escaped too (one message stays one line) unless
    ``keep_newlines``, for multi-line text the command itself composed.
    """
    pattern = _UNSAFE_KEEP_NEWLINES if keep_newlines else _UNSAFE
    return pattern.sub(_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_for_terminal(text: str) -> str:
    """JSON text ``text`` with what :func:`for_terminal` escapes spelled ``\\uNNNN``.

    ``json.dumps(..., ensure_ascii=False)`` escapes the C0 controls but lets the
    C1 controls (U+009B is a CSI on many terminals) and the bidi controls
    through. In JSON such a character can only be inside a string, where
    ``\\uNNNN`` is the same value: the output stays valid, equal JSON, and the
    newlines between values are kept.
    """
    return _UNSAFE_KEEP_NEWLINES.sub(_json_escape, text)
