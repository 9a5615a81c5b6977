"""Fields the library does not model: JSON values checked, secrets masked in ``repr``.

Response models keep the keys Monuv sends that they do not model in
``extra``; request models send their ``extra`` as additional body fields.
Both show ``extra`` in ``repr`` with the value of any key that looks secret
replaced by ``***`` (an unknown field named ``api_token`` or ``stream_key``
is as secret as a known one), and text, lists and objects only by their
type and size: an unknown field may hold the partner token echoed back by
the server, which no model can recognise (it never sees the token).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeAlias

from ._redact import MASK

__all__ = ["EMPTY", "JSONValue", "check_extra", "check_json", "extra_repr", "looks_secret"]

JSONValue: TypeAlias = (
    "bool | int | float | str | Sequence[JSONValue] | Mapping[str, JSONValue] | None"
)
"""A value JSON can carry: ``None``, a bool, number or str, a list or str-keyed object of them."""

EMPTY: Mapping[str, Any] = MappingProxyType({})
"""The shared, read-only, empty ``extra``."""

_SECRET = re.compile(r"token|passw|secret|key|hash|rtmp|credential|auth|signature", re.I)
_MAX_DEPTH = 64  # deeper than any real body; bounds the recursion of the check


def looks_secret(key: str) -> bool:
    """Whether a field named ``key`` probably holds a secret (token, password, key, ...)."""
    return _SECRET.search(key) is not None


class _Shown:
    """A value as ``repr`` shows it inside ``extra``."""

    __slots__ = ("_text",)

    def __init__(self, text: str) -> None:
        self._text = text

    def __repr__(self) -> str:
        return self._text


def _shown(key: str, value: object) -> object:
    if looks_secret(key):
        return _Shown(MASK)
    if value is None or isinstance(value, bool | int | float):
        return value
    size = f" of {len(value)}" if isinstance(value, str | list | dict) else ""
    return _Shown(f"<{type(value).__name__}{size}>")


def extra_repr(value: Mapping[str, Any]) -> str:
    """``extra`` for a ``repr``: secret-looking keys masked, text shown only by its size."""
    return repr({k: _shown(str(k), v) for k, v in value.items()})


def check_json(field: str, value: object, depth: int = 0) -> None:
    """``TypeError``/``ValueError`` naming ``field`` unless ``value`` is a finite JSON value."""
    if depth > _MAX_DEPTH:
        msg = f"{field}: nested deeper than {_MAX_DEPTH} levels"
        raise ValueError(msg)
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            msg = f"{field}: {value} is not a JSON number"
            raise ValueError(msg)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                msg = f"{field}: object keys must be str, got {type(key).__name__}"
                raise TypeError(msg)
            check_json(f"{field}.{key}", item, depth + 1)
        return
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        for index, item in enumerate(value):
            check_json(f"{field}[{index}]", item, depth + 1)
        return
    msg = f"{field}: {type(value).__name__} is not a JSON value"
    raise TypeError(msg)


def check_extra(value: object, modelled: Iterable[str]) -> Mapping[str, Any]:
    """A request model's ``extra``, checked and frozen; a modelled key is a ``ValueError``."""
    if not isinstance(value, Mapping):
        msg = f"extra: must be a mapping of field names to JSON values, not {type(value).__name__}"
        raise TypeError(msg)
    if not value:
        return EMPTY
    taken = set(modelled)
    for key in value:
        if not isinstance(key, str):
            msg = f"extra: keys must be str, got {type(key).__name__}"
            raise TypeError(msg)
        if key in taken:
            msg = f"extra: {key!r} is a modelled field; set it by its own argument"
            raise ValueError(msg)
    check_json("extra", value)
    return MappingProxyType(dict(value))
