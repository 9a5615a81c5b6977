"""The project's habits, one session each: ``nox -s tests lint types docs dist bench``.

Every session installs the package from this tree; nothing needs the network
beyond the package index.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import nox

nox.options.sessions = [
    "lint",
    "types",
    "tests",
    "docs",
    "tests_without_orjson",
    "plugin_without_pytest_asyncio",
    "dist",
]
nox.options.reuse_existing_virtualenvs = True

PACKAGE = "monuv_async"
SOURCES = [PACKAGE, "tests", "benchmarks", "noxfile.py", ".ci/check_dist.py"]
ROOT = Path(__file__).resolve().parent
CHECK = str(ROOT / ".ci" / "check_dist.py")


def _test_requirements(*, without: str) -> list[str]:
    """The ``test`` extra of pyproject.toml, less the distribution named ``without``."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    kept = [r for r in extras["test"] if not r.lower().startswith(without)]
    assert len(kept) == len(extras["test"]) - 1, f"{without} is not in the test extra"
    return kept


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (unit, integration over loopback, fuzz)."""
    session.install("-e", ".[test,speed]")
    session.run("pytest", "-n", "auto", *session.posargs)


# The tests of everything that decodes or encodes JSON, or reads events: the
# code paths the `speed` extra (orjson, msgspec) replaces when installed.
WITHOUT_SPEED = [
    f"tests/test_{name}.py"
    for name in [
        "wire",
        "fast_events",
        "response",
        "endpoints",
        "requests",
        "extra",
        "raw",
        "client",
        "fuzz",
        "pagination",
        "backfill",
        "checkpoint",
        "watch",
        "watch_checkpoint",
        "snapshots",
        "testing_mock",
        "cli_sinks",
        "cli_events",
    ]
]


@nox.session
def tests_without_orjson(session: nox.Session) -> None:
    """The tests of the JSON and event-reading paths on the fallback: no `speed` extra."""
    session.install("-e", ".[test]")
    for module in ("orjson", "msgspec"):  # the fallback must be what runs
        session.run("python", CHECK, "absent", module)
    session.run(
        "pytest", "-q", "-p", "no:cacheprovider", "-n", "auto", *WITHOUT_SPEED, *session.posargs
    )


@nox.session
def plugin_without_pytest_asyncio(session: nox.Session) -> None:
    """The pytest plugin in a pytest that has no pytest-asyncio: it must break nothing."""
    # speed: the benchmarks, which the suite's collection imports, need orjson.
    session.install("-e", ".[speed]", *_test_requirements(without="pytest-asyncio"))
    session.run("python", CHECK, "absent", "pytest_asyncio")
    # -k picks the tests written for this case; pytest exits 5 (a failed
    # session) if a rename ever leaves it selecting none.
    session.run("pytest", "tests", "-q", "-p", "no:cacheprovider", "-k", "without_pytest_asyncio")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff")
    session.run("ruff", "check", *SOURCES)
    session.run("ruff", "format", "--check", *SOURCES)


@nox.session
def types(session: nox.Session) -> None:
    """mypy --strict on the package, and on the typed-API check of its public surface."""
    session.install("-e", ".[test,speed]", "mypy")
    session.run("mypy", "--strict", "-p", PACKAGE)
    session.run("mypy", "--strict", "tests/typing/api.py")


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site into site/; --strict fails on any warning (a broken reference)."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session
def dist(session: nox.Session) -> None:
    """Build sdist and wheel, check them, use the wheel from a fresh venv, test the sdist
    (complete, collects whole, its install-sensitive tests pass)."""
    session.install("build", "twine")
    out = Path(session.create_tmp()).resolve() / "dist"
    session.run(
        "python", "-m", "build", "--outdir", str(out), "."
    )  # the wheel is built from the sdist
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    session.run("twine", "check", "--strict", str(wheel), str(sdist))
    session.run("python", CHECK, "wheel", str(wheel))

    # The wheel alone, in a virtualenv that has never seen this tree.
    work = out.parent
    session.chdir(work)  # so that no import can come from the source tree
    wheel_env = _fresh_venv(session, work / "wheel-env")
    session.run(str(wheel_env / "pip"), "install", "-q", str(wheel), external=True)
    session.run(str(wheel_env / "python"), CHECK, "installed", external=True)
    session.run(str(wheel_env / "monuv"), "demo", external=True)

    # The unpacked sdist is a whole project: it has every file of this one
    # (checked), its suite collects from it in full, and the tests that could
    # tell the installed package from this tree's pass there. The rest of the
    # suite ran on these same files already (a second full run took 4-5 min).
    session.run("python", CHECK, "sdist", str(sdist))
    session.run("tar", "-xzf", str(sdist), "-C", str(work), external=True)
    (unpacked,) = (p for p in work.iterdir() if p.is_dir() and p.name.startswith("monuv_async-"))
    # Renamed: the suite tells the library's tasks by "monuv_async" in a code path,
    # which the test files themselves would match under monuv_async-X.Y.Z/.
    tree = work / "sdist-tree"
    session.run("rm", "-rf", str(tree), external=True)
    unpacked.rename(tree)
    sdist_env = _fresh_venv(session, work / "sdist-env")
    session.run(str(sdist_env / "pip"), "install", "-q", f"{tree}[test,speed]", external=True)
    session.chdir(tree)
    pytest = [str(sdist_env / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    session.run(*pytest, "--collect-only", external=True, silent=True)
    session.run(*pytest, "-n", "auto", *SDIST_TESTS, external=True)


# What an sdist install can break that the main run cannot see: the metadata
# and version, the pytest11 entry point, the console script, files read next
# to the installed package, the docs' examples against the installed package.
SDIST_TESTS = [
    f"tests/test_{name}.py"
    for name in [
        "init",
        "testing_init",
        "testing_plugin",
        "plugin_without_pytest_asyncio",
        "readme",
        "repository",
        "cli_app",
        "cli_parser",
        "cli_simulate",
    ]
]


def _fresh_venv(session: nox.Session, path: Path) -> Path:
    """A new virtualenv at ``path`` (any old one removed); returns its bin folder."""
    session.run("rm", "-rf", str(path), external=True)
    session.run("python", "-m", "venv", str(path))
    return path / "bin"


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against the simulator in another process; writes benchmarks/RESULTS.md."""
    session.install("-e", ".[speed]", "requests", "matplotlib", "psutil")
    session.run("python", "-m", "benchmarks", *session.posargs)
