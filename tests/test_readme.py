"""The README's and the docs' examples run as written, and the API reference covers the surface.

Each runnable example runs in a fresh interpreter in a scratch folder; each
pytest example runs in a scratch project with its own pytest configuration
(not this repository's ``asyncio_mode = auto``), as a user's project would.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import monuv_async
import monuv_async.testing

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def _blocks(language: str) -> list[tuple[str, str]]:
    """``(page:n, code)`` for every fenced block of ``language`` in the README and the docs."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        codes = re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.S | re.M)
        found += [(f"{page.relative_to(ROOT)}:{n}", code) for n, code in enumerate(codes, 1)]
    return found


PYTHON = _blocks("python")
RUNNABLE = [(where, code) for where, code in PYTHON if "asyncio.run(main())" in code]
PYTEST = [(where, code) for where, code in PYTHON if re.search(r"^async def test_", code, re.M)]
TOML = [code for _, code in _blocks("toml")]


def test_pages_keep_their_examples() -> None:
    """The README and the guides keep their examples (a regex slip would skip them all)."""
    assert any(where.startswith("README.md") for where, _ in RUNNABLE)
    assert len(RUNNABLE) >= 10
    assert len(PYTEST) >= 1


def test_every_python_example_is_tested() -> None:
    """Each python block is either a program (asyncio.run(main())) or a pytest module."""
    untested = [where for where, code in PYTHON if (where, code) not in RUNNABLE + PYTEST]
    assert untested == []


@pytest.mark.parametrize(("where", "code"), RUNNABLE, ids=[where for where, _ in RUNNABLE])
def test_example_runs(where: str, code: str, tmp_path: Path) -> None:
    """This example exits 0 against the bundled simulator and prints no traceback."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{where}:\n{done.stderr}"
    assert "Traceback" not in done.stderr


def _run_scratch_project(folder: Path, config: str, test_module: str) -> str:
    """Run pytest in ``folder`` with ``config`` as its pyproject.toml; return its output."""
    (folder / "pyproject.toml").write_text(config, encoding="utf-8")
    (folder / "test_example.py").write_text(test_module, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--rootdir", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.parametrize(("where", "code"), PYTEST, ids=[where for where, _ in PYTEST])
def test_pytest_example_passes_in_strict_mode(where: str, code: str, tmp_path: Path) -> None:
    """As written, the example passes under pytest-asyncio's default (strict) mode."""
    config = '[project]\nname = "scratch"\nversion = "0"\n\n[tool.pytest.ini_options]\n'
    output = _run_scratch_project(tmp_path, config, code)
    assert re.search(r"^1 passed", output, re.M), f"{where}:\n{output}"


@pytest.mark.parametrize(("where", "code"), PYTEST, ids=[where for where, _ in PYTEST])
def test_pytest_example_passes_unmarked_with_the_documented_auto_mode(
    where: str, code: str, tmp_path: Path
) -> None:
    """Without its asyncio marks, the example passes under the documented configuration."""
    (auto_mode,) = [block for block in TOML if "asyncio_mode" in block]
    unmarked = code.replace("@pytest.mark.asyncio\n", "")
    assert unmarked != code, f"{where}: no asyncio mark to drop"
    output = _run_scratch_project(tmp_path, auto_mode, unmarked)
    assert re.search(r"^1 passed", output, re.M), f"{where}:\n{output}"


def _reference_targets() -> list[str]:
    pages = sorted((DOCS / "reference").glob("*.md"))
    return [m for page in pages for m in re.findall(r"^::: (\S+)$", page.read_text(), re.M)]


def test_reference_documents_every_public_name() -> None:
    """Every name exported by monuv_async and monuv_async.testing has its reference entry."""
    targets = set(_reference_targets())
    public = {f"monuv_async.{name}" for name in monuv_async.__all__ if name != "__version__"}
    public |= {f"monuv_async.testing.{name}" for name in monuv_async.testing.__all__}
    assert sorted(public - targets) == []


def test_reference_uses_only_public_import_paths() -> None:
    """The reference names objects as users import them, never through a private module."""
    targets = _reference_targets()
    public = {f"monuv_async.{name}" for name in monuv_async.__all__}
    public |= {f"monuv_async.testing.{name}" for name in monuv_async.testing.__all__}
    assert [t for t in targets if t not in public] == []
    assert len(targets) == len(set(targets)), "an object is documented twice"
