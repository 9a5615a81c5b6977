"""``extra``: JSON values checked, collisions refused, secrets and text kept out of ``repr``."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from monuv_async._extra import check_extra, check_json, extra_repr, looks_secret


@pytest.mark.parametrize(
    "key", ["api_token", "password", "client_secret", "stream_key", "hash", "rtmp"]
)
def test_secret_looking_keys(key: str) -> None:
    """Keys naming a token, password, secret, key, hash or RTMP address look secret."""
    assert looks_secret(key)


def test_repr_masks_secrets_and_shows_text_only_by_size() -> None:
    """Secret keys read ***; text and containers show type and size; numbers show as is."""
    shown = extra_repr({"stream_key": "k-123", "note": "hello token", "n": 3, "l": [1, 2]})
    assert shown == "{'stream_key': ***, 'note': <str of 11>, 'n': 3, 'l': <list of 2>}"
    assert "k-123" not in shown
    assert "hello" not in shown


@pytest.mark.parametrize(
    ("value", "error", "needle"),
    [
        ({"a": float("inf")}, ValueError, "extra.a"),
        ({"a": {1: "x"}}, TypeError, "keys must be str"),
        ({"a": [b"bytes"]}, TypeError, "extra.a[0]"),
        ({"a": object()}, TypeError, "not a JSON value"),
    ],
)
def test_non_json_values_are_refused(value: object, error: type[Exception], needle: str) -> None:
    """Only JSON values go in a body; the message names where the bad one is."""
    with pytest.raises(error) as caught:
        check_json("extra", value)
    assert needle in str(caught.value)


def test_too_deep_is_refused() -> None:
    """A nesting deeper than any real body is refused, not recursed into without bound."""
    deep: object = 1
    for _ in range(100):
        deep = [deep]
    with pytest.raises(ValueError, match="deeper"):
        check_json("extra", deep)


def test_check_extra_freezes_and_refuses_collisions() -> None:
    """The result is read-only; a key that names a modelled field is a ValueError naming it."""
    source = {"new_field": [1, {"x": None}]}
    frozen = check_extra(source, ("name",))
    assert isinstance(frozen, MappingProxyType)
    source["new_field"] = "changed"
    assert frozen["new_field"] == [1, {"x": None}]
    with pytest.raises(ValueError, match="'name' is a modelled field"):
        check_extra({"name": "x"}, ("name",))
    with pytest.raises(TypeError, match="mapping"):
        check_extra([("a", 1)], ())
