"""The provisioning report (monuv_async.cli.results): rewritten atomically, read back, named."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from monuv_async.cli import results as results_module
from monuv_async.cli.results import (
    RESULT_FIELDS,
    Outcome,
    ProvisionSummary,
    default_results_path,
    load_report,
    progress_text,
    write_report,
)


def test_the_report_is_replaced_not_appended(tmp_path: Path) -> None:
    """Writing a report twice leaves only the second: one line per row."""
    path = tmp_path / "r.csv"
    write_report(path, [Outcome(1, "A", "7", "pending")])
    write_report(path, [Outcome(1, "A", "7", "created", 1001, "rtmp://x/1")])
    assert path.read_text(encoding="utf-8").splitlines() == [
        ",".join(RESULT_FIELDS),
        "1,A,7,created,1001,rtmp://x/1,",
    ]


def test_a_failed_write_leaves_the_old_report_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the new report cannot be made durable, the old one stays whole."""
    path = tmp_path / "r.csv"
    write_report(path, [Outcome(1, "A", "7", "created", 1001)])
    before = path.read_bytes()

    def broken(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(results_module.os, "fsync", broken)
    with pytest.raises(OSError, match="Input/output"):
        write_report(path, [Outcome(1, "A", "7", "failed", error="x")])
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["r.csv"]


def test_server_text_cannot_become_a_formula(tmp_path: Path) -> None:
    """An error cell starting with = (from the server) is written inert, with a leading '."""
    path = tmp_path / "r.csv"
    write_report(path, [Outcome(1, "A", "7", "failed", error='=HYPERLINK("http://x")')])
    with path.open(encoding="utf-8", newline="") as stream:
        [record] = csv.DictReader(stream)
    assert record["error"] == "'" + '=HYPERLINK("http://x")'


def test_the_report_reads_back_created_and_unknown_rows(tmp_path: Path) -> None:
    """Created and skipped rows read back as created, unknown as unknown; the rest not at all."""
    path = tmp_path / "r.csv"
    write_report(
        path,
        [
            Outcome(1, "A", "7", "created", 1001, "rtmp://x/1"),
            Outcome(2, "B", "7", "skipped", 1002, "rtmp://x/2"),
            Outcome(3, "C", "7", "failed", error="422"),
            Outcome(4, "D", "7", "unknown", error="may exist"),
            Outcome(5, "E", "7", "pending"),
        ],
    )
    found = load_report(path)
    assert {n: o.status for n, o in found.items()} == {1: "created", 2: "created", 4: "unknown"}
    assert found[2].camera_id == 1002


def test_an_older_appended_results_file_reads_back(tmp_path: Path) -> None:
    """A results file of an older version (key column, a line cut by a crash) still says
    which rows were created."""
    path = tmp_path / "r.csv"
    lines = ["row,key,status,camera_id,rtmp_url,error", "1,1:A,created,7,rtmp://x/7,", "2,2:B,crea"]
    path.write_text("\n".join(lines), encoding="utf-8")
    assert load_report(path) == {1: Outcome(1, "A", "", "created", 7, "rtmp://x/7")}


def test_a_file_that_is_not_a_report_is_refused(tmp_path: Path) -> None:
    """Pointing --results at some other CSV fails before anything is overwritten."""
    path = tmp_path / "r.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a results file"):
        load_report(path)


def test_default_results_path_sits_beside_the_input() -> None:
    """`cams.csv` records its outcomes in `cams.results.csv`."""
    assert default_results_path(Path("/data/cams.csv")) == Path("/data/cams.results.csv")


def test_progress_says_rows_done_of_total_counts_rate_and_time_left() -> None:
    """The progress line a person sees on a terminal."""
    summary = ProvisionSummary(created=10, failed=1, unknown=1)
    assert progress_text(summary, 40, 3.0) == (
        "12/40 rows: 10 created, 0 skipped, 1 failed, 1 unknown; 4.0 rows/s, 7 s left"
    )
    assert progress_text(ProvisionSummary(), 40, 0.0) == (
        "0/40 rows: 0 created, 0 skipped, 0 failed, 0 unknown"
    )
