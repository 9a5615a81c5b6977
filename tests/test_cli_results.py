"""The provisioning results file (monuv_async.cli.results): read back, appended to, named."""

from __future__ import annotations

from pathlib import Path

from monuv_async.cli.results import (
    RESULT_FIELDS,
    Outcome,
    ResultsFile,
    default_results_path,
    load_created,
)


def test_results_file_survives_a_cut_last_line(tmp_path: Path) -> None:
    """A line cut by a crash is ignored on reading, and the next outcome starts a fresh line."""
    path = tmp_path / "r.csv"
    lines = ["row,key,status,camera_id,rtmp_url,error", "1,1:A,created,7,rtmp://x/7,", "2,2:B,crea"]
    path.write_text("\n".join(lines), encoding="utf-8")
    assert list(load_created(path)) == [1]
    assert load_created(path)[1].camera_id == 7
    results = ResultsFile(path)
    results.close()
    assert path.read_text(encoding="utf-8").endswith("2,2:B,crea\n")


def test_default_results_path_sits_beside_the_input() -> None:
    """`cams.csv` records its outcomes in `cams.results.csv`."""
    assert default_results_path(Path("/data/cams.csv")) == Path("/data/cams.results.csv")


def test_header_is_the_documented_one() -> None:
    """The columns stay those of earlier runs' files (Outcome's fields must keep this order)."""
    assert RESULT_FIELDS == ("row", "key", "status", "camera_id", "rtmp_url", "error")


def test_written_outcomes_read_back_as_created_only(tmp_path: Path) -> None:
    """Outcomes written are read back: created rows with their camera, others left out."""
    path = tmp_path / "r.csv"
    results = ResultsFile(path)
    results.write(Outcome(1, "1:A", "created", 7, "rtmp://x/7"))
    results.write(Outcome(2, "2:B", "failed", error="latitude: out of range"))
    results.close()
    assert path.read_text(encoding="utf-8").splitlines()[1:] == [
        "1,1:A,created,7,rtmp://x/7,",
        "2,2:B,failed,,,latitude: out of range",
    ]
    assert load_created(path) == {1: Outcome(1, "1:A", "created", 7, "rtmp://x/7")}
