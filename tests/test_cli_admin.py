"""`monuv cameras options` and `monuv clients|users block|unblock` (monuv_async.cli.admin)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _async_helpers import ThreadedSimulator
from _cli_helpers import CNPJ, TOKEN, cli, make_client, small_simulator

from monuv_async.testing import MonuvSimulator


@pytest.fixture
def served() -> Iterator[ThreadedSimulator]:
    """A small simulator served from a thread, closed after the test."""
    threaded = small_simulator()
    yield threaded
    threaded.close()


@pytest.fixture
def sim(served: ThreadedSimulator) -> MonuvSimulator:
    """The simulator of ``served``."""
    return served.sim


@pytest.fixture(autouse=True)
def _token_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONUV_TOKEN", TOKEN)


def test_cameras_options_prints_tables(
    sim: MonuvSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """`cameras options` prints manufacturers/models, plans and installation codes as tables."""
    assert cli(sim, "cameras", "options") == 0
    out = capsys.readouterr().out
    assert "5                Hikvision     6                Câmera IP" in out
    assert "history_days: 1, 3, 7" in out
    assert "1              VGA" in out
    assert "Installation: equipment_state" in out
    assert "Câmera/DVR novo" in out


def test_clients_and_users_block_unblock(
    served: ThreadedSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """`clients`/`users` block and unblock print one "ok" line and change the server's state."""
    sim = served.sim
    _, [user_id] = make_client(served, users=1)
    assert cli(sim, "clients", "block", CNPJ) == 0
    assert sim.blocked_documents == {"11222333000181"}
    assert cli(sim, "users", "block", str(user_id)) == 0
    assert sim.blocked_users == {user_id}
    assert cli(sim, "clients", "unblock", "11222333000181") == 0
    assert cli(sim, "users", "unblock", str(user_id)) == 0
    assert not sim.blocked_documents
    assert not sim.blocked_users
    assert capsys.readouterr().out.splitlines() == [
        f"ok: client {CNPJ} blocked",
        f"ok: user {user_id} blocked",
        "ok: client 11222333000181 unblocked",
        f"ok: user {user_id} unblocked",
    ]
    assert cli(sim, "users", "block", "999") == 1  # refused with HTTP 200 and code != 0
    assert "Usuário não encontrado" in capsys.readouterr().err
