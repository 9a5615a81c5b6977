"""The public surface: every contract name exported, sorted, importable."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import monuv_async

# Every name the API contract (shared/api-contract.md) documents.
CONTRACT_NAMES = {
    "MonuvClient",
    "RetryPolicy",
    "NewClient",
    "NewUser",
    "NewCamera",
    "CameraUpdate",
    "Client",
    "User",
    "Camera",
    "CameraOptions",
    "Manufacturer",
    "CameraModel",
    "Resolution",
    "EventPage",
    "Event",
    "DocumentType",
    "UserType",
    "MonuvError",
    "APIError",
    "BadRequestError",
    "AuthenticationError",
    "NotFoundError",
    "ValidationError",
    "RateLimitError",
    "ServerError",
    "OperationFailedError",
    "TransportError",
    "RequestTimeoutError",
    "UnexpectedResponseError",
    "redact_url",
}
# Added beside the contract, as users would expect (its "add what users would
# expect beside them"): the default base URL, the client's stats, the version, and
# the types a caller annotates with (Split, the type of backfill(split=...)).
EXTRA_NAMES = {
    "DEFAULT_BASE_URL",
    "Backfill",
    "Checkpoint",
    "ClientStats",
    "EventWatch",
    "SnapshotResult",
    "Split",
    "WatchCheckpoint",
    "__version__",
    # issue 12: request()'s answer, the hooks' types, extra's value type, the User-Agent.
    "JSONValue",
    "RawResponse",
    "RequestHook",
    "RequestInfo",
    "ResponseHook",
    "ResponseInfo",
    "USER_AGENT",
}

PRIVATE_MODULES = sorted(
    info.name
    for info in pkgutil.iter_modules(monuv_async.__path__)
    if info.name.startswith("_") and not info.name.startswith("__")
)


def isort_key(name: str) -> tuple[int, str]:
    """RUF022's isort-style order: SCREAMING_CASE, then CamelCase, then the rest."""
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def test_all_is_the_contract() -> None:
    """__all__ holds the contract's names plus the documented extras, once each."""
    exported = monuv_async.__all__
    assert len(exported) == len(set(exported))
    assert set(exported) >= CONTRACT_NAMES
    assert set(exported) == CONTRACT_NAMES | EXTRA_NAMES


def test_all_is_sorted() -> None:
    """__all__ is in ruff's isort-style order (constants, classes, then dunders)."""
    exported = list(monuv_async.__all__)
    assert exported == sorted(exported, key=isort_key)


@pytest.mark.parametrize("name", sorted(CONTRACT_NAMES | EXTRA_NAMES))
def test_every_name_importable(name: str) -> None:
    """Each exported name is an attribute of the package (`from monuv_async import X`)."""
    namespace: dict[str, object] = {}
    exec(f"from monuv_async import {name}", namespace)
    assert namespace[name] is getattr(monuv_async, name)


def test_star_import_gives_exactly_all() -> None:
    """`from monuv_async import *` gives the names of __all__ and nothing else."""
    namespace: dict[str, object] = {}
    exec("from monuv_async import *", namespace)
    namespace.pop("__builtins__", None)
    assert set(namespace) == set(monuv_async.__all__)


def _type_checking_imports() -> dict[str, str]:
    """``{name: ".module"}`` of the ``if TYPE_CHECKING:`` block of monuv_async/__init__.py."""
    tree = ast.parse(Path(monuv_async.__file__).read_text(encoding="utf-8"))
    [block] = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    ]
    imports: dict[str, str] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom), ast.unparse(node)
        for alias in node.names:
            imports[alias.asname or alias.name] = "." * node.level + (node.module or "")
    return imports


def test_lazy_exports_are_the_type_checking_imports() -> None:
    """_EXPORTS (what runs) and the TYPE_CHECKING block (what mypy and IDEs read) name the
    same names from the same modules, and together with __version__ they are __all__: a
    name added to one list only fails here."""
    assert _type_checking_imports() == monuv_async._EXPORTS
    assert set(monuv_async._EXPORTS) | {"__version__"} == set(monuv_async.__all__)


def test_version_is_the_distribution_version() -> None:
    """__version__ is a version string, that of the installed distribution."""
    assert isinstance(monuv_async.__version__, str)
    assert re.match(r"^\d+\.\d+", monuv_async.__version__)
    assert monuv_async.__version__ == importlib.metadata.version("monuv-async")


def test_private_modules_found() -> None:
    """The private modules under test are discovered (guards the next test)."""
    assert {"_endpoints", "_ratelimit", "_redact", "_response", "_wire"} <= set(PRIVATE_MODULES)


@pytest.mark.parametrize("module_name", PRIVATE_MODULES)
def test_private_modules_declare_all(module_name: str) -> None:
    """Every private module declares __all__, of names it defines."""
    module = importlib.import_module(f"monuv_async.{module_name}")
    exported = getattr(module, "__all__", None)
    assert isinstance(exported, list | tuple), f"{module_name} has no __all__"
    assert all(hasattr(module, name) for name in exported)
    assert len(exported) == len(set(exported))


@pytest.mark.parametrize("module_name", ["documents", "errors", "models", "requests", "retry"])
def test_public_modules_declare_all(module_name: str) -> None:
    """The public submodules declare a complete __all__ too."""
    module = importlib.import_module(f"monuv_async.{module_name}")
    assert all(hasattr(module, name) for name in module.__all__)


def test_the_core_never_loads_the_simulator_or_the_cli() -> None:
    """Importing the package and every core module loads no testing/cli module (one-way imports)."""
    core = [f"monuv_async.{name}" for name in (*PRIVATE_MODULES, "client", "backfill")]
    core = [m for m in core if not m.split(".")[1].startswith(("_sim", "_cli"))]
    script = (
        "import importlib, sys\n"
        f"for name in {core!r}: importlib.import_module(name)\n"
        "wings = ('monuv_async.testing', 'monuv_async.cli', 'monuv_async.pytest_plugin')\n"
        "prefixes = ('monuv_async._sim', 'monuv_async._cli')\n"
        "print(sorted(m for m in sys.modules if m.startswith(prefixes)"
        " or m in wings or m.startswith(tuple(w + '.' for w in wings))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_importing_the_package_loads_no_client_code() -> None:
    """`import monuv_async` loads neither aiohttp nor the client: exports load on first use."""
    script = (
        "import sys, monuv_async\n"
        "print(sorted(m for m in ('aiohttp', 'monuv_async.client', 'importlib.metadata')"
        " if m in sys.modules))\n"
        "monuv_async.MonuvClient\n"
        "print('monuv_async.client' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split() == ["[]", "True"]


def test_dir_lists_every_export_and_unknown_names_raise() -> None:
    """dir() shows the exports before they load; a name not exported is an AttributeError."""
    assert set(monuv_async.__all__) <= set(dir(monuv_async))
    with pytest.raises(AttributeError, match="no_such_name"):
        monuv_async.no_such_name  # noqa: B018
