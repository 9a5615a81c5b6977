"""The columns of ``monuv cameras provision``'s input, and reading a row of it.

The columns are :class:`~monuv_async.requests.NewCamera`'s fields, read from
the model itself (integers where the field is an ``int``), plus
``manufacturer`` and ``camera_model``, which give those ids by name. A field
added to the model becomes a column without a change here.
"""

from __future__ import annotations

import textwrap
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..models import CameraOptions
from ..requests import NewCamera

if TYPE_CHECKING:
    from ..client import MonuvClient

__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "RowReader",
    "cell",
    "check_header",
    "column",
    "provision_description",
]


def _is_int(hint: object) -> bool:
    """``int`` or ``int | None``."""
    return set(typing.get_args(hint) or (hint,)) - {type(None)} == {int}


_HINTS = typing.get_type_hints(NewCamera)
# `extra` (fields the library does not model) is no CSV column.
_FIELDS = tuple(f for f in attrs.fields(NewCamera) if f.name != "extra")
_INT_COLUMNS = tuple(f.name for f in _FIELDS if _is_int(_HINTS[f.name]))
_NAME_COLUMNS = ("manufacturer", "camera_model")
REQUIRED_COLUMNS = tuple(f.name for f in _FIELDS if f.default is attrs.NOTHING)
"""The columns every input file must have (``client_id``, ``description``)."""
OPTIONAL_COLUMNS = (
    *(f.name for f in _FIELDS if f.default is not attrs.NOTHING),
    *_NAME_COLUMNS,
)
"""The columns an input file may leave out, in the model's order, names last."""
COLUMNS = frozenset(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
"""The columns an input file may have."""


class RowReader:
    """Turns CSV rows into ``NewCamera``; names are resolved through the options."""

    def __init__(self, monuv: MonuvClient) -> None:
        self._monuv = monuv
        self._options: CameraOptions | None = None

    async def _camera_options(self) -> CameraOptions:
        # Fetched once, and only if some row names a manufacturer or model.
        if self._options is None:
            self._options = await self._monuv.camera_options()
        return self._options

    async def camera(self, row: Mapping[str | None, object]) -> NewCamera:
        """The camera of one row; ``ValueError`` (naming the column) if it is not one."""
        if row.get(None):  # csv.DictReader files surplus cells under the key None
            msg = "the row has more cells than the header has columns"
            raise ValueError(msg)
        cells = {name: cell(row.get(name)) for name in COLUMNS}
        values: dict[str, Any] = {f.name: cells[f.name] for f in _FIELDS}
        values.update({name: _int(name, cells[name]) for name in _INT_COLUMNS})
        empty = [name for name in REQUIRED_COLUMNS if values[name] is None]
        if empty:
            msg = f"{empty[0]}: required, but the cell is empty"
            raise ValueError(msg)
        if cells["manufacturer"] is not None or cells["camera_model"] is not None:
            options = await self._camera_options()
            values["manufacturer_id"], values["camera_model_id"] = _resolve_names(
                options,
                values["manufacturer_id"],
                cells["manufacturer"],
                values["camera_model_id"],
                cells["camera_model"],
            )
        # The model checks every value and names the field of any it refuses.
        return NewCamera(**values)


def cell(value: object) -> str | None:
    """A cell's text, stripped; ``None`` for an empty or missing cell."""
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _int(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        msg = f"{name}: not an integer: {value!r}"
        raise ValueError(msg) from None


def _resolve_names(
    options: CameraOptions,
    manufacturer_id: int | None,
    manufacturer: str | None,
    camera_model_id: int | None,
    camera_model: str | None,
) -> tuple[int | None, int | None]:
    """Ids for the ``manufacturer`` / ``camera_model`` names, checked against given ids."""
    if manufacturer is not None:
        try:
            found = options.manufacturer(manufacturer).id
        except KeyError:
            msg = f"manufacturer: none named {manufacturer!r} (see `monuv cameras options`)"
            raise ValueError(msg) from None
        if manufacturer_id is not None and manufacturer_id != found:
            msg = f"manufacturer: {manufacturer!r} is id {found}, not {manufacturer_id}"
            raise ValueError(msg)
        manufacturer_id = found
    if camera_model is None:
        return manufacturer_id, camera_model_id
    makers = (
        options.manufacturers
        if manufacturer_id is None
        else [m for m in options.manufacturers if m.id == manufacturer_id]
    )
    matches = [
        model
        for maker in makers
        for model in maker.camera_models
        if model.name.casefold() == camera_model.casefold()
    ]
    if not matches:
        msg = f"camera_model: no camera model named {camera_model!r}" + (
            "" if manufacturer_id is None else f" for manufacturer {manufacturer_id}"
        )
        raise ValueError(msg)
    if len(matches) > 1:
        msg = f"camera_model: {camera_model!r} is ambiguous: give the manufacturer too"
        raise ValueError(msg)
    model = matches[0]
    if camera_model_id is not None and camera_model_id != model.id:
        msg = f"camera_model: {camera_model!r} is id {model.id}, not {camera_model_id}"
        raise ValueError(msg)
    return manufacturer_id if manufacturer_id is not None else model.manufacturer_id, model.id


def column(name: str) -> str:
    """A header cell as a column name: spreadsheets add spaces and capitals."""
    return name.strip().lower()


def check_header(path: Path, fieldnames: Sequence[str] | None) -> None:
    """``ValueError`` unless the header names known columns, once each, required ones included."""
    if not fieldnames:
        msg = f"{path}: empty file; the first line must name the columns"
        raise ValueError(msg)
    names = [column(name) for name in fieldnames]
    unknown = sorted(set(names) - COLUMNS)
    if unknown:
        msg = (
            f"{path}: unknown column(s) {', '.join(map(repr, unknown))};"
            f" allowed: {', '.join(sorted(COLUMNS))}"
        )
        raise ValueError(msg)
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        msg = f"{path}: column(s) given twice: {', '.join(duplicated)}"
        raise ValueError(msg)
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        msg = f"{path}: missing required column(s): {', '.join(missing)}"
        raise ValueError(msg)


def provision_description() -> str:
    """``monuv cameras provision --help``'s description: it names the columns, and the
    fields of the results file, from the models themselves (no stale copy)."""
    from .results import RESULT_FIELDS, STATUSES  # noqa: PLC0415 - beside the columns

    required = " and ".join(REQUIRED_COLUMNS)
    optional = ", ".join(OPTIONAL_COLUMNS[:-1]) + f" and {OPTIONAL_COLUMNS[-1]}"
    first = (
        f"Create one camera per row of FILE.csv. The first line names the columns:"
        f" {required} are required; {optional} are optional (manufacturer and"
        " camera_model give those ids by name: see `monuv cameras options`)."
        " Empty cells are left out. A row that does not validate is recorded as failed"
        " without being sent. At most --concurrency creates are in flight at once, and"
        " the file is read only as fast as they complete."
    )
    statuses = "|".join(STATUSES)
    recorded = ", ".join(
        f"status {statuses}" if name == "status" else name for name in RESULT_FIELDS
    )
    second = (
        f"The results file is a report, one line per input row in input order ({recorded}),"
        " rewritten whole at the end and on interrupt. A journal beside it"
        " (RESULTS.journal) records each create durably before it is sent and after its"
        " answer, so a re-run (same files) skips rows created before and never sends a"
        " create twice, whatever instant the process died at: a row that was in flight"
        " then, or whose answer was lost (a timeout, a reset connection, a 5xx), is"
        " 'unknown: may exist, check Monuv' and is sent again only with --resend-unknown,"
        " after checking. Do not reorder the file between runs. SIGINT, SIGTERM and"
        " SIGHUP stop the run cleanly (exit 128+signal). Exits 1 if any row failed, is"
        " unknown or was not sent."
    )
    return "\n\n".join(textwrap.fill(text, 76, break_on_hyphens=False) for text in (first, second))
