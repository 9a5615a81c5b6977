"""The monuv_async.testing package: its public names, and the simulator's independence."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import monuv_async.testing

PUBLIC_NAMES = {
    "DEMO_TOKEN",
    "ROUTES",
    "Fault",
    "MockRequest",
    "MockResponse",
    "MockTransport",
    "MonuvSimulator",
    "SimEvent",
    "SimulatorStats",
}
# Built on the client on purpose: the plugin hands out a MonuvClient, and
# MockTransport is a transport of the client's own protocol.
CLIENT_SIDE = {"mock", "plugin"}
MODULES = sorted(info.name for info in pkgutil.iter_modules(monuv_async.testing.__path__))
PACKAGE_DIR = Path(monuv_async.testing.__file__).parent


def test_all_holds_the_public_names_sorted() -> None:
    """__all__ is exactly the documented names, in ruff's order, each importable."""
    exported = monuv_async.testing.__all__
    assert set(exported) == PUBLIC_NAMES
    assert exported == sorted(exported, key=lambda name: (not name.isupper(), name))
    assert all(hasattr(monuv_async.testing, name) for name in exported)


def test_the_modules_are_found() -> None:
    """The simulator's parts are discovered (guards the tests over MODULES)."""
    assert {"plugin", "routes", "server", "store", "validation"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_all_of_names_it_defines(name: str) -> None:
    """Each module of the package declares __all__, once per name, each one defined there."""
    module = importlib.import_module(f"monuv_async.testing.{name}")
    exported = module.__all__
    assert len(exported) == len(set(exported))
    assert all(hasattr(module, attribute) for attribute in exported)


def _imported_modules(name: str) -> set[str]:
    tree = ast.parse((PACKAGE_DIR / f"{name}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 1:
            found.add("monuv_async" + (f".{node.module}" if node.module else ""))
    return found


@pytest.mark.parametrize("name", [name for name in MODULES if name not in CLIENT_SIDE])
def test_the_simulator_imports_nothing_of_the_client(name: str) -> None:
    """The simulator is an independent oracle: no module imports monuv_async outside testing."""
    client_imports = {
        module
        for module in _imported_modules(name)
        if module.split(".")[0] == "monuv_async" and not module.startswith("monuv_async.testing")
    }
    assert client_imports == set()


def test_the_plugin_imports_only_the_client_class() -> None:
    """The pytest plugin needs MonuvClient for its fixture, and nothing else of the client."""
    tree = ast.parse((PACKAGE_DIR / "plugin.py").read_text(encoding="utf-8"))
    client = [
        (node.module, [alias.name for alias in node.names])
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "monuv_async"
    ]
    assert client == [("monuv_async", ["MonuvClient"])]
    assert _imported_modules("plugin") & {"monuv_async.documents", "monuv_async._wire"} == set()


def test_the_mock_transport_reads_no_answer() -> None:
    """MockTransport builds answers only: it imports none of the client's parsing."""
    parsing = {"monuv_async._response", "monuv_async._wire", "monuv_async.documents"}
    assert _imported_modules("mock") & parsing == set()
