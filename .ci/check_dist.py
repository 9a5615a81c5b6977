"""Checks of a built distribution and of a test environment, run by nox sessions.

``check_dist.py wheel PATH``: the wheel holds the package with its ``py.typed``
marker, and nothing else at the top level (no tests, no benchmarks).
``check_dist.py installed``: run by the interpreter of a fresh virtualenv
where only the wheel was installed, the package imports from that
environment, is typed, and reports the version its metadata carries.
``check_dist.py absent MODULE``: the environment really lacks an optional
dependency, so a session meant to run without it cannot pass with it.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
import zipfile
from pathlib import Path

PACKAGE = "monuv_async"


def check_wheel(path: str) -> None:
    """The wheel ships the package, its py.typed marker, and only those."""
    names = zipfile.ZipFile(path).namelist()
    assert f"{PACKAGE}/py.typed" in names, "py.typed is missing from the wheel"
    tops = {name.split("/", 1)[0] for name in names}
    extra = {top for top in tops if top != PACKAGE and not top.endswith(".dist-info")}
    assert not extra, f"the wheel ships more than the package: {sorted(extra)}"
    licenses = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    assert licenses, "the LICENSE file is missing from the wheel"
    size = Path(path).stat().st_size
    print(f"wheel: {len(names)} files, py.typed and LICENSE present, {size:,} bytes")


def check_installed() -> None:
    """The installed package is the wheel's: imported from site-packages, typed, versioned."""
    import monuv_async  # noqa: PLC0415 - the import is what is being checked

    where = Path(monuv_async.__file__).resolve().parent
    assert Path(sys.prefix).resolve() in where.parents, f"imported from {where}, not the venv"
    assert (where / "py.typed").is_file(), "py.typed is not installed"
    installed = importlib.metadata.version("monuv-async")
    assert installed == monuv_async.__version__, f"{installed} != {monuv_async.__version__}"
    print(f"installed: monuv_async {monuv_async.__version__} from {where}")


def check_absent(module: str) -> None:
    """``module`` cannot be imported here."""
    assert importlib.util.find_spec(module) is None, f"{module} is installed"
    print(f"absent: {module}")


if __name__ == "__main__":
    match sys.argv[1:]:
        case ["wheel", path]:
            check_wheel(path)
        case ["installed"]:
            check_installed()
        case ["absent", module]:
            check_absent(module)
        case _:
            sys.exit("usage: check_dist.py wheel PATH | installed | absent MODULE")
