"""Argument checks shared by the request models, the specs and the client.

One wording and one exception type per mistake, wherever it is made: a
value of the wrong type is a ``TypeError``, a value out of range a
``ValueError``, and both messages start with the field's name.
"""

from __future__ import annotations

import math
import unicodedata

__all__ = ["MAX_INT", "check_int", "check_number", "check_text"]

MAX_INT = 2**63 - 1
"""The largest integer sent: a signed 64-bit column's, and what every JSON encoder can write."""


def check_int(field: str, value: object, *, minimum: int = 1, maximum: int = MAX_INT) -> int:
    """``value`` if it is an int (not a bool) of at least ``minimum``, at most ``maximum``."""
    # bool is an int subclass; True as an id or a count is always a mistake.
    if not isinstance(value, int) or isinstance(value, bool):
        msg = f"{field}: must be an int, not {type(value).__name__}"
        raise TypeError(msg)
    if value < minimum:
        msg = f"{field}: must be >= {minimum}, got {value}"
        raise ValueError(msg)
    if value > maximum:
        # Not the value itself: 10**30 in a message is noise, 10**5000 cannot be printed.
        msg = f"{field}: must be <= {maximum}"
        raise ValueError(msg)
    return value


def check_text(field: str, value: str, *, multiline: bool = False) -> str:
    """``value`` if it can be sent as JSON text and holds no control character.

    A lone surrogate cannot be encoded as UTF-8; a NUL, an escape sequence or
    a trailing newline has no use in a name, an e-mail or a phone number
    (``multiline`` allows tab and newline, for free text).
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        msg = f"{field}: holds a lone surrogate, which cannot be sent as UTF-8"
        raise ValueError(msg) from None
    allowed = "\t\n" if multiline else ""
    for char in value:
        if char not in allowed and unicodedata.category(char) in {"Cc", "Cs"}:
            msg = f"{field}: must not hold control characters, found {char!r}"
            raise ValueError(msg)
    return value


def check_number(field: str, value: object, *, positive: bool = False) -> float:
    """``value`` as a float if it is a finite number, ``>= 0`` (``> 0`` if ``positive``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{field}: must be a number, not {type(value).__name__}"
        raise TypeError(msg)
    # Finite too: an infinite wait or budget is never bounded.
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int too large for a float
        finite = False
    if not finite or value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        msg = f"{field}: must be a finite number {bound}, got {value}"
        raise ValueError(msg)
    return float(value)
