"""`monuv cameras options` and `monuv clients|users block|unblock` (monuv_async.cli.admin)."""

from __future__ import annotations

import copy
import json
import sys

import pytest
from _async_helpers import ThreadedSimulator
from _cli_helpers import CNPJ, TOKEN, cli, make_client

from monuv_async.testing import MonuvSimulator
from monuv_async.testing.store import DEFAULT_CAMERA_OPTIONS

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


def test_cameras_options_as_json_for_scripts(
    cli_sim: MonuvSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """`cameras options --format json` prints one JSON document with the same content."""
    assert cli(cli_sim, "cameras", "options", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    [hikvision] = [m for m in data["manufacturers"] if m["id"] == 5]
    assert hikvision["name"] == "Hikvision"
    assert [m["name"] for m in hikvision["camera_models"]] == ["Câmera IP", "DVR"]
    assert data["history_days"] == [1, 3, 7]


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ("123.456.789-00", "the CPF's check digits do not match"),
        ("11.222.333/0001-00", "the CNPJ's check digits do not match"),
        ("123.456", "6 digits; a CPF has 11 and a CNPJ 14"),
        ("12a.456.789-09", "only digits and the separators"),
    ],
)
def test_a_bad_document_says_what_is_wrong_before_any_request(
    cli_sim: MonuvSimulator, document: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`clients block` with a mistyped CPF/CNPJ: exit 2, one line saying what is wrong."""
    assert cli(cli_sim, "clients", "block", document) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert says in line
    assert cli_sim.stats.requests.total() == 0


def test_hostile_option_names_are_shown_inert(capsys: pytest.CaptureFixture[str]) -> None:
    """A manufacturer named with ESC sequences and a CR is printed escaped in the tables."""
    options = copy.deepcopy(dict(DEFAULT_CAMERA_OPTIONS))
    options["manufacturer"][0]["name"] = "\x1b]52;c;ZXZpbA==\x07Hik\rvision"
    served = ThreadedSimulator(TOKEN, cameras=1, days=1, camera_options=options)
    try:
        assert cli(served.sim, "cameras", "options") == 0
    finally:
        served.close()
    out = capsys.readouterr().out
    assert not any(c in out for c in "\x1b\x07\r")
    assert "\\x1b]52;c;ZXZpbA==\\x07Hik\\x0dvision" in out


def test_hostile_option_names_in_json_on_a_terminal_are_escaped_the_json_way(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cameras options --format json` to a terminal: a C1 CSI and a bidi override, which
    json.dumps lets through, are written as \\uNNNN; the document stays the same JSON."""
    name = "Hik\x9b31m\u202evision"
    options = copy.deepcopy(dict(DEFAULT_CAMERA_OPTIONS))
    options["manufacturer"][0]["name"] = name
    served = ThreadedSimulator(TOKEN, cameras=1, days=1, camera_options=options)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    try:
        assert cli(served.sim, "cameras", "options", "--format", "json") == 0
    finally:
        served.close()
    out = capsys.readouterr().out
    assert not any(c in out for c in "\x9b\u202e")
    assert json.loads(out)["manufacturers"][0]["name"] == name
