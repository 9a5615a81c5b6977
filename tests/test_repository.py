"""The repository is the whole project: nothing in it reads outside the clone, one version.

A clone (or an unpacked sdist) must run its tests, benchmarks and CI with
nothing beside it, so no file of the package, the tests, the benchmarks,
``noxfile.py`` or ``.ci/run`` may name a path outside the project: not the
``shared`` folder that once sat beside the clone, not an absolute path of
this machine, not a walk up from ``__file__`` past the project root.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
from pathlib import Path, PurePosixPath

import pytest

import monuv_async

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ["monuv_async", "tests", "benchmarks", "noxfile.py", ".ci"]

# The folder the documented bodies used to be read from, beside the clone.
_SHARED = re.compile(r"\.\.[/\\]+shared\b|\bshared[/\\]+fixtures\b|[\"']shared[\"']")
# Absolute paths of a machine; /proc, /dev and /sys are the OS's, not files of it.
_ABSOLUTE = re.compile(
    r"[\"'](?:/(?:work|home|root|opt|srv|mnt|media|usr|var|etc|tmp|Users|private)(?:/|[\"'])"
    r"|[A-Za-z]:\\\\|~/)"
)
# A path in a shell script, optionally anchored at the script's own folder.
_SHELL_PATH = re.compile(r"(\$\(dirname \"?\$(?:0|\{BASH_SOURCE\[0\]\})\"?\))?(/?[\w./-]*)")
# Calls whose string arguments are file-system paths.
_PATH_CALLS = {"Path", "PurePath", "PosixPath", "open", "chdir", "joinpath", "join", "listdir"}


def _escapes(relative: str, depth: int = 0) -> bool:
    """Whether ``relative``, taken from a folder ``depth`` levels inside the root, leaves it."""
    for part in PurePosixPath(relative.replace("\\", "/")).parts:
        depth += -1 if part == ".." else 0 if part == "." else 1
        if depth < 0:
            return True
    return False


class _PathWalk(ast.NodeVisitor):
    """Follows ``Path(__file__)`` walks and string paths in one module, noting escapes."""

    def __init__(self, depth: int) -> None:
        self.file_depth = depth  # e.g. tests/conftest.py: the file sits 2 levels down
        self.names: dict[str, int] = {}
        self.problems: list[int] = []

    def level(self, node: ast.expr) -> int | None:
        """How many levels below the root ``node`` points, if it derives from ``__file__``."""
        if isinstance(node, ast.Name):
            return self.file_depth if node.id == "__file__" else self.names.get(node.id)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in {"Path", "PurePath"} and node.args:
                return self.level(node.args[0])
            if isinstance(func, ast.Attribute):
                if func.attr in {"resolve", "absolute", "abspath", "realpath"}:
                    return self.level(node.args[0] if node.args else func.value)
                if func.attr == "dirname" and node.args:
                    inner = self.level(node.args[0])
                    return None if inner is None else inner - 1
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            inner = self.level(node.value)
            return None if inner is None else inner - 1
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "parents"
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, int)
        ):
            inner = self.level(node.value.value)
            return None if inner is None else inner - 1 - node.slice.value
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            inner = self.level(node.left)
            right = node.right
            if inner is None or not (
                isinstance(right, ast.Constant) and isinstance(right.value, str)
            ):
                return inner
            return -1 if _escapes(right.value, inner) else inner + len(right.value.split("/"))
        return None

    def visit_Assign(self, node: ast.Assign) -> None:
        level = self.level(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name) and level is not None:
                self.names[target.id] = level
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name in _PATH_CALLS and any(
            isinstance(arg, ast.Constant) and isinstance(arg.value, str) and _escapes(arg.value)
            for arg in node.args
        ):
            self.problems.append(node.lineno)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        right = node.right
        if (
            isinstance(node.op, ast.Div)
            and isinstance(right, ast.Constant)
            and isinstance(right.value, str)
            and _escapes(right.value)
        ):
            self.problems.append(node.lineno)
        self.generic_visit(node)

    def generic_visit(self, node: ast.AST) -> None:
        level = self.level(node) if isinstance(node, ast.expr) else None
        if level is not None and level < 0:
            self.problems.append(getattr(node, "lineno", 0))
        super().generic_visit(node)


def _shell_escapes(text: str, depth: int) -> list[int]:
    """Lines of a shell script that walk out of the root (its own folder counts as ``depth``)."""
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split("#", 1)[0] if not line.lstrip().startswith("#!") else ""
        for match in _SHELL_PATH.finditer(code):
            anchored, path = match.group(1), match.group(2)
            if ".." not in PurePosixPath(path).parts:
                continue
            if not anchored or _escapes(path.lstrip("/"), depth):
                lines.append(number)
    return lines


def problems_in(relative: str, text: str) -> list[int]:
    """Line numbers of ``text`` (the file at ``relative``) that refer outside the project."""
    lines = [
        number
        for number, line in enumerate(text.splitlines(), 1)
        if _SHARED.search(line) or _ABSOLUTE.search(line)
    ]
    depth = len(PurePosixPath(relative).parts)
    if relative.endswith(".py"):
        walk = _PathWalk(depth)
        walk.visit(ast.parse(text))
        lines += walk.problems
    elif text.startswith("#!") and "sh" in text.splitlines()[0]:
        lines += _shell_escapes(text, depth - 1)
    return sorted(set(lines))


def _scanned_files() -> list[Path]:
    files = []
    for name in SCANNED:
        path = ROOT / name
        assert path.exists(), f"{name} is missing from the project"
        files += [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return [p for p in files if "__pycache__" not in p.parts and p.suffix not in {".png", ".pyc"}]


def test_nothing_refers_outside_the_project() -> None:
    """No scanned file names the shared folder, a machine's absolute path, or a path above root."""
    found = {}
    for path in _scanned_files():
        relative = path.relative_to(ROOT).as_posix()
        lines = problems_in(relative, path.read_text(encoding="utf-8"))
        if lines:
            found[relative] = lines
    assert found == {}


def test_the_scan_covers_every_area() -> None:
    """The scan reads files of each area (a path slip would make it pass on nothing)."""
    scanned = {p.relative_to(ROOT).as_posix() for p in _scanned_files()}
    expected_files = ["monuv_async/__init__.py", "tests/conftest.py", "noxfile.py", ".ci/run"]
    for expected in expected_files:
        assert expected in scanned
    assert any(name.startswith("benchmarks/") for name in scanned)
    assert any(name.startswith("tests/samples/") for name in scanned)


# Spelled apart so that this file passes its own scan.
UP, SHARED = "..", "sha" + "red"
OUTSIDE = [
    ("tests/conftest.py", f'FIXTURES = REPO_ROOT.parent / "{SHARED}" / "fixtures"\n'),
    ("tests/test_client.py", f'F = Path(__file__).resolve().parents[2] / "{SHARED}"\n'),
    ("tests/x.py", "F = Path(__file__).resolve().parents[2] / 'samples'\n"),
    ("tests/x.py", "ROOT = Path(__file__).parent.parent\nF = ROOT.parent / 'x.json'\n"),
    ("tests/x.py", "HERE = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))\n"),
    ("benchmarks/x.py", "ROOT = Path(__file__).resolve().parent\nF = ROOT / '../../data'\n"),
    ("tests/x.py", f"F = Path('{UP}/{UP}/data.json')\n"),
    ("tests/x.py", f"open('{UP}/notes.txt')\n"),
    ("tests/x.py", "F = Path('/" + "work/fixtures/camera.json')\n"),
    ("tests/x.py", "F = '/" + "home/me/fixtures'\n"),
    (".ci/run", f"#!/usr/bin/env bash\ncp {UP}/{SHARED}/fixtures/* tests/\n"),
    ("noxfile.py", f'session.run("cp", "-r", "{SHARED}/fixtures", "tests")\n'),
    (".ci/run", f'#!/usr/bin/env bash\ncd "$(dirname "$0")/{UP}/{UP}"\n'),
    (".ci/run", f"#!/usr/bin/env bash\ncd {UP}\n"),
]
INSIDE = [
    ("tests/test_readme.py", 'README = Path(__file__).resolve().parents[1] / "README.md"\n'),
    ("tests/conftest.py", "ROOT = Path(__file__).resolve().parent.parent\nF = ROOT / 'x'\n"),
    ("tests/_samples.py", 'SAMPLES = Path(__file__).resolve().parent / "samples"\n'),
    ("tests/x.py", f'BAD_SEGMENTS = ["{UP}/{UP}/api/v1", "a/b"]\n'),  # a URL path under test
    ("benchmarks/x.py", 'text = Path("/proc/cpuinfo").read_text()\n'),
    (".ci/run", f'#!/usr/bin/env bash\ncd "$(dirname "$0")/{UP}"\n'),
    (".ci/run", "#!/usr/bin/env bash\n.venv/bin/python -m pytest  # tests/../ in a comment\n"),
]


@pytest.mark.parametrize(("relative", "text"), OUTSIDE)
def test_the_scan_catches_a_path_outside(relative: str, text: str) -> None:
    """Each of these ways of reading outside the project is caught."""
    assert problems_in(relative, text) != []


@pytest.mark.parametrize(("relative", "text"), INSIDE)
def test_the_scan_accepts_a_path_inside(relative: str, text: str) -> None:
    """Paths that stay inside the project, or are not file paths, are not flagged."""
    assert problems_in(relative, text) == []


def test_installed_metadata_has_the_package_version() -> None:
    """The distribution's metadata version is monuv_async.__version__ (one source of truth)."""
    assert importlib.metadata.version("monuv-async") == monuv_async.__version__


def test_changelog_names_the_current_version_as_the_latest_release() -> None:
    """CHANGELOG.md's first release heading is this version (Keep a Changelog form)."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, re.M)
    assert releases[0] == ("Unreleased", "")
    version, day = releases[1]
    assert version == monuv_async.__version__
    assert day, "a release heading carries its date"
    assert f"[{version}]: " in text, "each release heading has its link"
