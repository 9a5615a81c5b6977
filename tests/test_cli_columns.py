"""The provisioning CSV's columns and rows (monuv_async.cli.columns)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import attrs
import pytest

from monuv_async import CameraModel, CameraOptions, Manufacturer, MonuvClient, NewCamera
from monuv_async.cli.columns import (
    COLUMNS,
    REQUIRED_COLUMNS,
    RowReader,
    check_header,
    provision_description,
)
from monuv_async.cli.results import STATUSES


class Options:
    """A stand-in client that only knows camera options, counting its fetches."""

    def __init__(self) -> None:
        self.fetched = 0

    async def camera_options(self) -> CameraOptions:
        self.fetched += 1
        model = CameraModel(6, "Câmera IP", 5)
        return CameraOptions(manufacturers=(Manufacturer(5, "Hikvision", (model,)),))


def reader() -> tuple[RowReader, Options]:
    """A row reader over the stand-in, and the stand-in."""
    options = Options()
    return RowReader(cast(MonuvClient, options)), options


def test_columns_are_the_models_fields_and_the_two_names() -> None:
    """Every NewCamera field but ``extra`` is a column, plus manufacturer and camera_model."""
    fields = {field.name for field in attrs.fields(NewCamera)} - {"extra"}
    assert fields | {"manufacturer", "camera_model"} == COLUMNS
    assert set(REQUIRED_COLUMNS) == {"client_id", "description"}


async def test_a_full_row_becomes_the_camera() -> None:
    """Integer cells become ints, text stays text, empty cells are left out."""
    row_reader, options = reader()
    row = {"client_id": " 3 ", "description": "Portão", "history_days": "7", "latitude": "-23.5"}
    row |= {"camera_address": "", "equipment_state": "2"}
    camera = await row_reader.camera(row)
    assert camera == NewCamera(
        3, description="Portão", history_days=7, latitude="-23.5", equipment_state=2
    )
    assert options.fetched == 0  # no names, no fetch


async def test_names_resolve_to_ids_with_one_fetch() -> None:
    """Manufacturer and model names (any case) become their ids; the options are fetched once."""
    row_reader, options = reader()
    for _ in range(2):
        row = {"client_id": "1", "description": "C", "manufacturer": "HIKVISION"}
        camera = await row_reader.camera(row | {"camera_model": "câmera ip"})
        assert (camera.manufacturer_id, camera.camera_model_id) == (5, 6)
    assert options.fetched == 1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"client_id": "", "description": "C"}, "client_id: required"),
        ({"client_id": "1", "description": " "}, "description: required"),
        (
            {"client_id": "1", "description": "C", "resolution_id": "HD"},
            "resolution_id: not an integer",
        ),
        (
            {"client_id": "1", "description": "C", "manufacturer": "Acme"},
            "manufacturer: none named",
        ),
        ({"client_id": "1", "description": "C", None: ["x"]}, "more cells than the header"),
    ],
)
async def test_bad_rows_name_their_column(row: dict[str | None, object], message: str) -> None:
    """A row that is not a camera is a ValueError saying which cell is wrong."""
    row_reader, _ = reader()
    with pytest.raises(ValueError, match=message):
        await row_reader.camera(row)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ([], "empty file"),
        (["client_id", "description", "colour"], "unknown column"),
        (["client_id", "Description", "description "], "given twice: description"),
        (["client_id"], "missing required column"),
    ],
)
def test_bad_headers_are_refused(header: list[str], message: str) -> None:
    """A header with unknown, repeated or missing required columns is refused before any row."""
    with pytest.raises(ValueError, match=message):
        check_header(Path("cams.csv"), header)


def test_header_cells_are_read_loosely() -> None:
    """Spaces and capitals in header cells are forgiven (spreadsheets add them)."""
    check_header(Path("cams.csv"), [" Client_ID", "DESCRIPTION "])


def test_provision_description_names_every_column_and_status() -> None:
    """The provision help's text names each input column and each results status, and
    wraps at 76 columns."""
    text = provision_description()
    words = set(text.replace(",", " ").replace("|", " ").split())
    assert set(COLUMNS) <= words
    assert set(STATUSES) <= words
    assert max(map(len, text.splitlines())) <= 76
