"""The project's habits, one session each: ``nox -s tests lint types bench``."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "types", "tests"]
nox.options.reuse_existing_virtualenvs = True

PACKAGE = "monuv_async"
SOURCES = [PACKAGE, "tests", "benchmarks", "noxfile.py"]


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (unit, integration over loopback, fuzz)."""
    session.install("-e", ".[test,speed]")
    session.run("pytest", *session.posargs)


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
def bench(session: nox.Session) -> None:
    """Benchmarks against the simulator in another process; writes benchmarks/RESULTS.md."""
    session.install("-e", ".[speed]", "requests", "matplotlib", "psutil")
    session.run("python", "-m", "benchmarks", *session.posargs)
