"""Argument checks shared by the request models, the specs and the client.

One wording and one exception type per mistake, wherever it is made: a
value of the wrong type is a ``TypeError``, a value out of range a
``ValueError``, and both messages start with the field's name.
"""

from __future__ import annotations

import math

__all__ = ["check_int", "check_number"]


def check_int(field: str, value: object, *, minimum: int = 1) -> int:
    """``value`` if it is an int (not a bool) of at least ``minimum``."""
    # bool is an int subclass; True as an id or a count is always a mistake.
    if not isinstance(value, int) or isinstance(value, bool):
        msg = f"{field}: must be an int, not {type(value).__name__}"
        raise TypeError(msg)
    if value < minimum:
        msg = f"{field}: must be >= {minimum}, got {value}"
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
