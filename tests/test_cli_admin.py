"""`monuv cameras options` and `monuv clients|users block|unblock` (monuv_async.cli.admin)."""

from __future__ import annotations

import pytest
from _async_helpers import ThreadedSimulator
from _cli_helpers import CNPJ, cli, make_client

from monuv_async.testing import MonuvSimulator

# Never a real MONUV_TOKEN from the environment: every test gets the simulator's.
pytestmark = pytest.mark.usefixtures("cli_token")


def test_cameras_options_prints_tables(
    cli_sim: MonuvSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """`cameras options` prints manufacturers/models, plans and installation codes as tables."""
    assert cli(cli_sim, "cameras", "options") == 0
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
    cli_sim = served.sim
    _, [user_id] = make_client(served, users=1)
    assert cli(cli_sim, "clients", "block", CNPJ) == 0
    assert cli_sim.blocked_documents == {"11222333000181"}
    assert cli(cli_sim, "users", "block", str(user_id)) == 0
    assert cli_sim.blocked_users == {user_id}
    assert cli(cli_sim, "clients", "unblock", "11222333000181") == 0
    assert cli(cli_sim, "users", "unblock", str(user_id)) == 0
    assert not cli_sim.blocked_documents
    assert not cli_sim.blocked_users
    assert capsys.readouterr().out.splitlines() == [
        f"ok: client {CNPJ} blocked",
        f"ok: user {user_id} blocked",
        "ok: client 11222333000181 unblocked",
        f"ok: user {user_id} unblocked",
    ]
    assert cli(cli_sim, "users", "block", "999") == 1  # refused with HTTP 200 and code != 0
    assert "Usuário não encontrado" in capsys.readouterr().err
