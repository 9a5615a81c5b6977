"""The simulator's argument checks: a bad live-mode argument is a ValueError naming it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from monuv_async.testing import MonuvSimulator


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("live_rate", 0),
        ("live_rate", -1.0),
        ("live_rate", 1001.0),
        ("live_rate", float("nan")),
        ("live_rate", True),
        ("live_rate", "1"),
        ("late_share", -0.1),
        ("late_share", 1.5),
        ("late_share", float("nan")),
        ("late_share", None),
        ("late_by", timedelta(0)),
        ("late_by", timedelta(seconds=-5)),
        ("late_by", 300),
    ],
)
def test_bad_live_arguments_name_the_field(field: str, value: Any) -> None:
    """Each bad value is refused before anything starts, naming its field."""
    with pytest.raises(ValueError, match=f"^{field}: "):
        MonuvSimulator(**{field: value})


def test_good_live_arguments_are_kept() -> None:
    """The bounds themselves are accepted; ``live_rate`` reads back."""
    sim = MonuvSimulator(live_rate=1000.0, late_share=1.0, late_by=timedelta(seconds=1))
    assert sim.live_rate == 1000.0
    assert MonuvSimulator(late_share=0).live_rate is None


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("cameras", {"cameras": -1}),
        ("days", {"days": -1}),
        ("per_page", {"per_page": 0}),
        ("rate_limit", {"rate_limit": 0}),
        ("token", {"token": ""}),
    ],
)
def test_bad_data_set_arguments_name_the_field(field: str, kwargs: dict[str, Any]) -> None:
    """The data-set checks moved with the live ones and still name their field."""
    with pytest.raises(ValueError, match=f"^{field}: "):
        MonuvSimulator(**kwargs)
