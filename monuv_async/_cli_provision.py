"""``monuv cameras provision``: create cameras in bulk from a CSV file, resumably.

Rows stream through a bounded queue to a fixed pool of workers, so memory
stays flat whatever the file's size. Every row's outcome is appended to a
results CSV and flushed at once: a crash loses at most the creates in flight,
and a re-run skips the rows already recorded as ``created``.

Creates are never retried here. The client's retry policy already retries a
``POST`` only when it provably did not reach the server; anything else that
failed may or may not have created the camera, and only a person (or a later
re-run, after checking) should decide to send it again.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from .client import MonuvClient
from .errors import MonuvError, ServerError, TransportError
from .models import CameraOptions
from .requests import NewCamera

__all__ = [
    "COLUMNS",
    "RESULT_FIELDS",
    "Outcome",
    "ProvisionSummary",
    "default_results_path",
    "load_created",
    "provision",
]

_INT_COLUMNS = (
    "client_id",
    "connection_type",
    "resolution_id",
    "history_days",
    "manufacturer_id",
    "camera_model_id",
    "installation_local",
    "installation_area",
    "equipment_state",
)
_TEXT_COLUMNS = ("description", "camera_address", "latitude", "longitude")
_NAME_COLUMNS = ("manufacturer", "camera_model")
COLUMNS = frozenset(_INT_COLUMNS + _TEXT_COLUMNS + _NAME_COLUMNS)
"""The columns an input file may have (``client_id`` and ``description`` are required)."""
_REQUIRED = ("client_id", "description")

RESULT_FIELDS = ("row", "key", "status", "camera_id", "rtmp_url", "error")
"""The columns of the results file."""

_LOST_ANSWER = (
    " [outcome unknown: the request may have reached the server, so this camera may exist;"
    " check before re-running]"
)

Redact = Callable[[str], str]
Report = Callable[["ProvisionSummary"], None]


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What happened to one input row."""

    row: int
    """1-based number of the data row (the header is not counted)."""
    key: str
    """``"<row>:<description>"``: how a re-run recognises a row it created before."""
    status: str
    """``created``, ``failed`` or ``skipped``."""
    camera_id: int | None = None
    rtmp_url: str | None = None
    error: str = ""


@dataclasses.dataclass
class ProvisionSummary:
    """Counts of outcomes, by status."""

    created: int = 0
    skipped: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        """Rows handled so far."""
        return self.created + self.skipped + self.failed


def default_results_path(csv_path: Path) -> Path:
    """``cams.csv`` -> ``cams.results.csv``, beside the input."""
    return csv_path.with_name(csv_path.stem + ".results.csv")


def load_created(path: Path) -> dict[int, Outcome]:
    """The rows a previous run recorded as ``created``, by row number.

    A missing or empty file means none. A row recorded several times counts
    as created if any of its records says so.
    """
    if not path.exists():
        return {}
    created: dict[int, Outcome] = {}
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        if reader.fieldnames is None:
            return {}
        if tuple(reader.fieldnames) != RESULT_FIELDS:
            msg = f"{path}: not a results file (expected columns {','.join(RESULT_FIELDS)})"
            raise ValueError(msg)
        for record in reader:
            # A line cut by a crash has missing cells; it cannot say "created".
            if record.get("status") != "created" or not (record.get("row") or "").isdigit():
                continue
            row = int(record["row"])
            camera_id = record.get("camera_id") or ""
            created[row] = Outcome(
                row,
                record.get("key") or "",
                "created",
                int(camera_id) if camera_id.isdigit() else None,
                record.get("rtmp_url") or None,
            )
    return created


class _Results:
    """The results file, opened for appending; each outcome is flushed at once."""

    def __init__(self, path: Path) -> None:
        # A crash may have cut the last line: start ours on a fresh one.
        needs_newline = False
        if path.exists() and path.stat().st_size > 0:
            with path.open("rb") as raw:
                raw.seek(-1, 2)
                needs_newline = raw.read(1) not in (b"\n", b"\r")
        self._stream: TextIO = path.open("a", encoding="utf-8", newline="")
        if needs_newline:
            self._stream.write("\n")
        self._writer = csv.writer(self._stream, lineterminator="\n")
        if self._stream.tell() == 0:
            self._writer.writerow(RESULT_FIELDS)
            self._stream.flush()

    def write(self, outcome: Outcome) -> None:
        self._writer.writerow(
            [
                outcome.row,
                outcome.key,
                outcome.status,
                "" if outcome.camera_id is None else outcome.camera_id,
                outcome.rtmp_url or "",
                outcome.error,
            ]
        )
        self._stream.flush()

    def close(self) -> None:
        self._stream.close()


class _RowReader:
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
        if row.get(None):  # csv.DictReader files surplus cells under the key None
            msg = "the row has more cells than the header has columns"
            raise ValueError(msg)
        cells = {name: _cell(row.get(name)) for name in COLUMNS}
        ints = {name: _int(name, cells[name]) for name in _INT_COLUMNS}
        client_id, description = ints.pop("client_id"), cells["description"]
        if client_id is None or description is None:
            empty = "client_id" if client_id is None else "description"
            msg = f"{empty}: required, but the cell is empty"
            raise ValueError(msg)
        if cells["manufacturer"] is not None or cells["camera_model"] is not None:
            options = await self._camera_options()
            ints["manufacturer_id"], ints["camera_model_id"] = _resolve_names(
                options,
                ints["manufacturer_id"],
                cells["manufacturer"],
                ints["camera_model_id"],
                cells["camera_model"],
            )
        return NewCamera(
            client_id,
            description=description,
            camera_address=cells["camera_address"],
            latitude=cells["latitude"],
            longitude=cells["longitude"],
            **ints,
        )


def _cell(value: object) -> str | None:
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


def _column(name: str) -> str:
    """A header cell as a column name: spreadsheets add spaces and capitals."""
    return name.strip().lower()


def _check_header(path: Path, fieldnames: Sequence[str] | None) -> None:
    if not fieldnames:
        msg = f"{path}: empty file; the first line must name the columns"
        raise ValueError(msg)
    names = [_column(name) for name in fieldnames]
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
    missing = [name for name in _REQUIRED if name not in names]
    if missing:
        msg = f"{path}: missing required column(s): {', '.join(missing)}"
        raise ValueError(msg)


def _error_text(error: Exception) -> str:
    if not isinstance(error, MonuvError):  # a bug somewhere: say what it was
        return f"{type(error).__name__}: {error}{_LOST_ANSWER}"
    text = str(error)
    # Only these leave a create's fate unknown: a 4xx means "not done".
    if (isinstance(error, TransportError) and error.sent) or isinstance(error, ServerError):
        text += _LOST_ANSWER
    return text


def _check_paths(csv_path: Path, results_path: Path) -> None:
    if csv_path.resolve() == results_path.resolve():
        msg = "the results file must not be the input file"
        raise ValueError(msg)


class _Run:
    """One provisioning run: a producer reading rows, a fixed pool of senders."""

    def __init__(
        self,
        monuv: MonuvClient,
        previous: Mapping[int, Outcome],
        results: _Results,
        *,
        workers: int,
        redact: Redact,
        report: Report | None,
    ) -> None:
        self.monuv = monuv
        self.previous = previous
        self.results = results
        self.workers = workers
        self.redact = redact
        self.report = report
        self.summary = ProvisionSummary()
        self.reader = _RowReader(monuv)
        # Bounded: the reader waits for the senders, so memory stays flat.
        self.queue: asyncio.Queue[tuple[int, str, NewCamera]] = asyncio.Queue(2 * workers)
        self.pool: list[asyncio.Task[None]] = []

    def record(self, outcome: Outcome) -> None:
        self.results.write(dataclasses.replace(outcome, error=self.redact(outcome.error)))
        setattr(self.summary, outcome.status, getattr(self.summary, outcome.status) + 1)
        if self.report is not None:
            self.report(self.summary)

    async def send(self) -> None:
        while True:
            number, key, new = await self.queue.get()
            try:
                camera = await self.monuv.create_camera(new)
            except Exception as error:  # recorded, whatever it is: never lost
                self.record(Outcome(number, key, "failed", error=_error_text(error)))
            else:
                self.record(Outcome(number, key, "created", camera.id, camera.rtmp_url))
            finally:
                self.queue.task_done()

    async def produce(self, rows: Iterable[Mapping[str | None, object]]) -> None:
        for number, row in enumerate(rows, start=1):
            if any(task.done() for task in self.pool):
                return  # a sender died: run() re-raises its error
            key = f"{number}:{_cell(row.get('description')) or ''}"
            before = self.previous.get(number)
            if before is not None:
                if before.key == key:
                    self.record(Outcome(number, key, "skipped", before.camera_id, before.rtmp_url))
                else:
                    # The file changed under the results: creating now could
                    # duplicate a camera, so refuse and let a person look.
                    error = f"row {number} was created before as {before.key!r}: not sent"
                    self.record(Outcome(number, key, "failed", error=error))
                continue
            try:
                new = await self.reader.camera(row)
            except (ValueError, TypeError) as error:
                self.record(Outcome(number, key, "failed", error=str(error)))
                continue
            await self.queue.put((number, key, new))

    async def run(self, rows: Iterable[Mapping[str | None, object]]) -> ProvisionSummary:
        self.pool = [asyncio.create_task(self.send()) for _ in range(self.workers)]
        try:
            await self.produce(rows)
        finally:
            # Whatever stopped the reading (end of file, a bad file, Ctrl-C), let
            # the rows already queued finish and be recorded -- unless a sender
            # died (the results file cannot be written, say): then nobody would.
            drained = asyncio.create_task(self.queue.join())
            await asyncio.wait([drained, *self.pool], return_when=asyncio.FIRST_COMPLETED)
            for task in (drained, *self.pool):
                task.cancel()
            ended = await asyncio.gather(*self.pool, drained, return_exceptions=True)
        for outcome in ended:
            if isinstance(outcome, Exception):
                raise outcome
        return self.summary


async def provision(
    monuv: MonuvClient,
    csv_path: Path,
    results_path: Path,
    *,
    workers: int,
    redact: Redact = str,
    report: Report | None = None,
) -> ProvisionSummary:
    """Create a camera per row of ``csv_path``; record every outcome in ``results_path``.

    Rows recorded as created in ``results_path`` by an earlier run are skipped.
    At most ``workers`` creates are in flight. ``report`` is called after each
    outcome (for a progress display).
    """
    _check_paths(csv_path, results_path)
    previous = load_created(results_path)
    with csv_path.open(encoding="utf-8-sig", newline="") as source:
        rows = csv.DictReader(source)
        _check_header(csv_path, rows.fieldnames)
        rows.fieldnames = [_column(name) for name in rows.fieldnames or ()]
        results = _Results(results_path)
        try:
            return await _Run(
                monuv, previous, results, workers=workers, redact=redact, report=report
            ).run(rows)
        finally:
            results.close()
