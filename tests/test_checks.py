"""The shared argument checks: one exception type per mistake, the field named first."""

from __future__ import annotations

import math

import pytest

from monuv_async._checks import MAX_INT, check_int, check_number, check_text


@pytest.mark.parametrize("value", [1, 2, 10**12])
def test_check_int_accepts_ints_at_or_above_the_minimum(value: int) -> None:
    """An int >= 1 comes back unchanged."""
    assert check_int("page", value) == value


@pytest.mark.parametrize("value", [True, 1.0, "1", None])
def test_check_int_wrong_type_is_a_type_error(value: object) -> None:
    """A bool, float, str or None is a TypeError naming the field."""
    with pytest.raises(TypeError, match=r"^page: must be an int"):
        check_int("page", value)


def test_check_int_below_the_minimum_is_a_value_error() -> None:
    """0 (or below the given minimum) is a ValueError naming the field."""
    with pytest.raises(ValueError, match=r"^page: must be >= 1, got 0"):
        check_int("page", 0)
    with pytest.raises(ValueError, match=r"^attempts: must be >= 2"):
        check_int("attempts", 1, minimum=2)


@pytest.mark.parametrize(("value", "positive"), [(0, False), (0.5, True), (3, True)])
def test_check_number_accepts_finite_numbers(value: float, positive: bool) -> None:
    """A finite number in range comes back as a float."""
    assert check_number("timeout", value, positive=positive) == float(value)


@pytest.mark.parametrize(
    ("value", "positive"),
    [(-1, False), (0, True), (math.inf, False), (math.nan, False)],
)
def test_check_number_out_of_range_is_a_value_error(value: float, positive: bool) -> None:
    """Negative, zero when positive is required, infinite or NaN: a ValueError naming it."""
    with pytest.raises(ValueError, match=r"^timeout: must be a finite number"):
        check_number("timeout", value, positive=positive)


@pytest.mark.parametrize("value", [True, "1", None])
def test_check_number_wrong_type_is_a_type_error(value: object) -> None:
    """A bool, str or None is a TypeError naming the field."""
    with pytest.raises(TypeError, match=r"^timeout: must be a number"):
        check_number("timeout", value)


def test_check_number_huge_int_is_a_value_error_not_an_overflow() -> None:
    """An int too large for a float is out of range (ValueError), not an OverflowError."""
    with pytest.raises(ValueError, match=r"^timeout: must be a finite number"):
        check_number("timeout", 10**400)


@pytest.mark.parametrize("value", [2**63, 2**64, 10**30])
def test_check_int_above_the_maximum_is_a_value_error(value: int) -> None:
    """An int no JSON encoder or 64-bit column takes is refused, naming the field, not the value."""
    with pytest.raises(ValueError, match=r"^client_id: must be <= 9223372036854775807$"):
        check_int("client_id", value)
    assert check_int("client_id", MAX_INT) == MAX_INT


@pytest.mark.parametrize("value", ["a\ud800b", "\udfff"])
def test_check_text_refuses_lone_surrogates(value: str) -> None:
    """A lone surrogate cannot be sent as UTF-8: refused, naming the field."""
    with pytest.raises(ValueError, match=r"^name: holds a lone surrogate"):
        check_text("name", value)


@pytest.mark.parametrize("value", ["a\x00b", "me@example.com\n", "\x1b[2J", "a\x7fb", "a\x85b"])
def test_check_text_refuses_control_characters(value: str) -> None:
    """NUL, a trailing newline, ESC, DEL and C1 controls are refused in one-line text."""
    with pytest.raises(ValueError, match=r"^email: must not hold control characters"):
        check_text("email", value)


def test_check_text_multiline_allows_tab_and_newline_only() -> None:
    """Free text may hold tabs and newlines, never other controls."""
    assert check_text("description", "a\n\tb", multiline=True) == "a\n\tb"
    with pytest.raises(ValueError, match=r"^description:"):
        check_text("description", "a\r\x00", multiline=True)
    assert check_text("name", "Portão 2 — €") == "Portão 2 — €"
