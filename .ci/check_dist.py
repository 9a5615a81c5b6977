"""Checks of a built distribution and of a test environment, run by nox sessions.

``check_dist.py wheel PATH``: the wheel holds the package with its ``py.typed``
marker, and nothing else at the top level (no tests, no benchmarks).
``check_dist.py installed``: run by the interpreter of a fresh virtualenv
where only the wheel was installed, the package imports from that
environment, is typed, and reports the version its metadata carries.
``check_dist.py absent MODULE``: the environment really lacks an optional
dependency, so a session meant to run without it cannot pass with it.
``check_dist.py sdist PATH``: the sdist holds every file of the project
(what git tracks, .gitignore aside): the tests, their samples, the docs whose
examples they run, the benchmarks, noxfile.py and .ci. The sdist is then the
whole project, so that only the tests that can tell an installed package from
an editable one need to run from it again.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

PACKAGE = "monuv_async"
ROOT = Path(__file__).resolve().parents[1]
NOT_SHIPPED = {".gitignore"}
"""Tracked files the sdist leaves out on purpose."""


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


def _project_files() -> set[str]:
    """The files of the project: what git tracks, or (no git checkout) the tree
    without its build and tool folders."""
    try:
        listed = subprocess.run(  # noqa: S603 - a fixed command line
            ["git", "-C", str(ROOT), "ls-files", "-z"],  # noqa: S607 - git from PATH, our args
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".nox", ".venv", "build", "dist", "site", "__pycache__"}
        return {
            path.relative_to(ROOT).as_posix()
            for path in ROOT.rglob("*")
            if path.is_file()
            and not skip & set(path.relative_to(ROOT).parts)
            and not any(part.endswith(".egg-info") for part in path.parts)
            and path.name not in {"PKG-INFO", "setup.cfg"}
            and path.suffix not in {".pyc", ".pyo"}
        }
    return {name for name in listed.decode().split("\0") if name}


def check_sdist(path: str) -> None:
    """The sdist ships every project file but those left out on purpose."""
    with tarfile.open(path) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    wanted = _project_files() - NOT_SHIPPED
    missing = sorted(wanted - names)
    assert not missing, f"the sdist lacks {len(missing)} project files: {missing[:20]}"
    assert "tests/samples" in {name.rsplit("/", 1)[0] for name in wanted}, "no samples found"
    print(f"sdist: all {len(wanted)} project files present, {len(names)} entries")


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
        case ["sdist", path]:
            check_sdist(path)
        case _:
            sys.exit("usage: check_dist.py wheel PATH | sdist PATH | installed | absent MODULE")
