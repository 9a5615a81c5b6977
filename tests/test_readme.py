"""The README's examples run as written (each in a fresh interpreter, in a scratch folder)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
RUNNABLE = [block for block in BLOCKS if "asyncio.run(main())" in block]


def test_readme_has_runnable_examples() -> None:
    """The usage section keeps its runnable examples (a regex slip would skip them all)."""
    assert len(RUNNABLE) >= 8


@pytest.mark.parametrize("code", RUNNABLE, ids=[f"example{i}" for i in range(len(RUNNABLE))])
def test_readme_example_runs(code: str, tmp_path: Path) -> None:
    """This README example exits 0 against the bundled simulator and prints no traceback."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
