"""The shared argument checks: one exception type per mistake, the field named first."""

from __future__ import annotations

import math

import pytest

from monuv_async._checks import check_int, check_number


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
