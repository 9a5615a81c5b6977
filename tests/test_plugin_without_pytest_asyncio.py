"""The installed pytest plugin in a user's project that has no pytest-asyncio.

``nox -s plugin_without_pytest_asyncio`` runs this where pytest-asyncio is
really not installed. In the main suite, where it is, the scratch project's
pytest is denied it instead: a stand-in module that fails to import, and
``-p no:asyncio`` so that pytest does not load its entry point.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

USER_TESTS = """
def test_plain():
    assert True

def test_wants_the_simulator(monuv_simulator):
    pass

def test_wants_the_client(monuv_client):
    pass
"""


def _pytest_without_pytest_asyncio(project: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    options = []
    if importlib.util.find_spec("pytest_asyncio") is not None:
        blocker = project.parent / "blocker"
        (blocker / "pytest_asyncio").mkdir(parents=True)
        (blocker / "pytest_asyncio" / "__init__.py").write_text(
            "raise ImportError('pytest-asyncio is not installed (test stand-in)')\n"
        )
        env["PYTHONPATH"] = os.pathsep.join([str(blocker), env.get("PYTHONPATH", "")])
        options = ["-p", "no:asyncio"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *options],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_pytest_asyncio_only_the_fixture_users_fail_and_say_why(tmp_path: Path) -> None:
    """Plain tests still pass; each test asking for a fixture errors, naming what to install."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    (project / "test_user.py").write_text(USER_TESTS)
    done = _pytest_without_pytest_asyncio(project)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output  # tests failed; not a crash (3) or a usage error (4)
    assert "1 passed, 2 errors" in output
    assert "the monuv_simulator fixture needs pytest-asyncio" in output
    assert "the monuv_client fixture needs pytest-asyncio" in output
