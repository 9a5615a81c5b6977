"""The partner token never leaks: one scenario through everything, every output scanned.

One test drives every operation (success first, then under every fault), the
backfill, the per-token rate limit, servers that echo the token back, and the
``monuv`` command in-process (with ``-v``), with every logger at DEBUG
(``monuv_async``, ``aiohttp.*``, ``asyncio`` in debug mode). It keeps every
log record, every exception (str, repr, args, attributes, traceback, the
whole ``__cause__``/``__context__`` chain), every warning, every CLI
stdout/stderr and every file the CLI wrote, then looks for the token in each
spelling a URL may give it, and for the ``api_token`` of every created user.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import traceback
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from _resilience_helpers import (
    ALL_KINDS,
    CNPJ,
    CPF,
    END,
    SIM_ARGS,
    STALL,
    START,
    exception_texts,
    setup_client_and_user,
    threaded_sim,
    write_cameras_csv,
)
from yarl import URL

import monuv_async._requester as requester_module
from monuv_async import (
    APIError,
    AuthenticationError,
    CameraUpdate,
    MonuvClient,
    MonuvError,
    NewCamera,
    NewClient,
    NewUser,
    OperationFailedError,
    RateLimitError,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
)
from monuv_async.cli import run
from monuv_async.testing import Fault, MonuvSimulator

TOKEN = "tok/en+s3cr&t=x y"
# Every spelling a URL or a body may give the token. "s3cr" is made of
# unreserved characters, so it survives any encoding (yarl's included).
NEEDLES = (TOKEN, quote(TOKEN, safe=""), quote_plus(TOKEN), "s3cr")

LOGGERS = (
    "monuv_async",
    "aiohttp",
    "aiohttp.client",
    "aiohttp.internal",
    "aiohttp.server",
    "aiohttp.web",
    "aiohttp.access",
    "asyncio",
)

FAST = RetryPolicy(attempts=2, backoff=0.0, max_backoff=0.0)


SPELLINGS = (TOKEN, quote(TOKEN, safe=""), quote(TOKEN), quote_plus(TOKEN))
"""How a server may echo the token: raw, percent-encoded (with or without "/"), form-encoded."""


def php_json(data: object) -> bytes:
    """JSON as Laravel's ``json_encode`` writes it: every "/" escaped as "\\/"."""
    return json.dumps(data).replace("/", "\\/").encode()


def echo_faults() -> list[Fault]:
    """Servers that put the token back into their answers, in the spellings the library masks."""
    page_words = " ".join(SPELLINGS)
    # In PHP's JSON, "/" is written "\\/"; the "/"-kept percent form then escapes
    # the redactor (see test_echoed_token_in_other_spellings_is_masked).
    words = " ".join((TOKEN, quote(TOKEN, safe=""), quote_plus(TOKEN)))

    def echo(code: int, data: object, **headers: str) -> Fault:
        return Fault.status(
            code, php_json(data), content_type="application/json", headers=headers or None
        )

    return [
        Fault.status(500, f"<html><body>GET /x?token={page_words} failed</body></html>"),
        echo(502, {"message": f"upstream saw token={words}"}),
        echo(401, {"message": f"bad token {words}"}),
        echo(422, {"message": f"invalid {words}", "errors": {TOKEN: [words]}}),
        Fault.status(200, f"<html>maintenance {page_words}</html>"),
        echo(201, [{"id": f"not-an-int {words}", "description": words}]),
        echo(200, {"code": 7, "msg": f"refused for {words}"}),
        echo(429, {"message": words}, **{"Retry-After": "0"}),
    ]


class Collected:
    """Every text the scenario produced, with where it came from."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []
        self.errors: list[BaseException] = []
        self.api_tokens: set[str] = set()

    def add(self, source: str, *texts: str) -> None:
        self.texts += [(source, text) for text in texts]

    def error(self, source: str, error: BaseException) -> None:
        self.errors.append(error)
        self.add(source, *exception_texts(error))
        self.add(source, "".join(traceback.format_exception(error)))
        # As error reporters that capture locals see it (Sentry, `pytest -l`):
        # the repr of every local of every frame on the traceback, down the chain.
        with_locals = traceback.TracebackException.from_exception(error, capture_locals=True)
        self.add(f"{source} (locals)", "".join(with_locals.format()))

    async def attempt(self, source: str, call: Callable[[], Awaitable[Any]]) -> None:
        try:
            result = await call()
        except Exception as error:  # every exception is kept, whatever its class
            self.error(source, error)
        else:
            self.add(source, repr(result), str(result))


def constant(fault: Fault) -> Callable[[], Fault]:
    return lambda: fault


async def consume(iterator: Any) -> list[Any]:
    return [item async for item in iterator]


OPERATIONS = (
    "create_client",
    "create_client_user",
    "block_client",
    "unblock_client",
    "block_user",
    "unblock_user",
    "camera_options",
    "create_camera",
    "update_camera",
    "events_page",
    "iter_event_pages",
    "iter_events",
    "backfill-ordered",
    "backfill-unordered",
)


def operations(
    monuv: MonuvClient, client_id: int, user_id: int
) -> dict[str, tuple[str, Callable[[], Awaitable[Any]]]]:
    """Every operation of the contract: name -> (simulator route, call)."""
    count = iter(range(10_000))
    return {
        "create_client": (
            "create_client",
            lambda: monuv.create_client(
                NewClient(
                    "Outro", 1, CPF, "11999990000", "01310-100", "Rua", "2", "Centro", "SP", "SP"
                )
            ),
        ),
        "create_client_user": (
            "create_client_user",
            lambda: monuv.create_client_user(
                client_id, NewUser("Bia", f"bia{next(count)}@example.com", "119", "pw-654321")
            ),
        ),
        "block_client": ("block_client", lambda: monuv.block_client(CNPJ)),
        "unblock_client": ("unblock_client", lambda: monuv.unblock_client(CNPJ)),
        "block_user": ("block_user", lambda: monuv.block_user(user_id)),
        "unblock_user": ("unblock_user", lambda: monuv.unblock_user(user_id)),
        "camera_options": ("camera_options", monuv.camera_options),
        "create_camera": (
            "create_camera",
            lambda: monuv.create_camera(NewCamera(client_id, f"Cam {next(count)}")),
        ),
        "update_camera": (
            "update_camera",
            lambda: monuv.update_camera(1001, CameraUpdate(client_id, description="Renamed")),
        ),
        "events_page": ("events", lambda: monuv.events_page(start_at=START, end_at=END, page=2)),
        "iter_event_pages": (
            "events",
            lambda: consume(monuv.iter_event_pages(start_at=START, end_at=END)),
        ),
        "iter_events": ("events", lambda: consume(monuv.iter_events(start_at=START, end_at=END))),
        "backfill-ordered": ("events", lambda: consume(monuv.backfill(start_at=START, end_at=END))),
        "backfill-unordered": (
            "events",
            lambda: consume(monuv.backfill(start_at=START, end_at=END, ordered=False)),
        ),
    }


async def library_scenario(found: Collected) -> Counter[str]:
    """Every operation, then each under every fault, echoes, the rate limit, a dead server."""
    failed_ops: Counter[str] = Counter()
    async with MonuvSimulator(TOKEN, **SIM_ARGS) as sim:
        found.add("repr(sim)", repr(sim))
        async with (
            MonuvClient(
                # A timeout far above any answer's time on a loaded machine
                # (0.1 s timed out the calls meant to succeed): only `once`
                # meets the stalls, with a timeout shorter than they are.
                TOKEN, base_url=sim.url, timeout=STALL * 5, retry=FAST,
                on_request=lambda info: found.add("on_request", repr(info)),
                on_response=lambda info: found.add("on_response", repr(info)),
            ) as monuv,
            MonuvClient(
                TOKEN, base_url=sim.url, timeout=0.1, retry=None,
                on_response=lambda info: found.add("on_response", repr(info)),
            ) as once,
        ):  # fmt: skip
            found.add("repr(client)", repr(monuv))
            client_id, user_id = await setup_client_and_user(monuv)
            made = await monuv.create_client(
                NewClient(
                    "Com Usuarios", 2, "45.723.174/0001-10", "1133334444", "01310-100", "Rua",
                    "3", "Centro", "SP", "SP",
                    users=(NewUser("Caio", "caio@example.com", "119", "pw-111111"),),
                )
            )  # fmt: skip
            found.api_tokens.update(u.api_token for u in made.users if u.api_token)
            found.add("created client", repr(made), str(made))

            ops = operations(monuv, client_id, user_id)
            for name, (_, call) in ops.items():  # all succeed first
                await found.attempt(f"ok {name}", call)
            assert not found.errors, found.errors

            faults = [(k.name, k.make) for k in ALL_KINDS]
            faults += [(f"echo-{i}", constant(f)) for i, f in enumerate(echo_faults())]
            for fault_name, make in faults:
                # A stall costs a timeout per try: one try is enough to see its error.
                client = once if fault_name == "stall" else monuv
                for name, (route, call) in operations(client, client_id, user_id).items():
                    sim.inject(route, *(make() for _ in range(4)))
                    before = len(found.errors)
                    await found.attempt(f"{fault_name} {name}", call)
                    failed_ops[name] += len(found.errors) > before
                    sim.clear_faults()
                # and one recovery per fault: the retry is logged
                sim.inject("events", make())
                await found.attempt(f"{fault_name} recovered", ops["events_page"][1])
                sim.clear_faults()

            sim.rate_limit = 0.5  # the per-token limit: a burst gets 429s
            for name, (_, call) in ops.items():
                await found.attempt(f"rate-limit {name}", call)
            sim.rate_limit = None

        async with MonuvClient("another-token", base_url=sim.url, retry=None) as stranger:
            await found.attempt("wrong token", stranger.camera_options)
    async with MonuvClient(TOKEN, base_url=sim.url, retry=FAST) as dead:  # nothing listens now
        await found.attempt("refused", dead.camera_options)
        await found.attempt("refused create", lambda: dead.create_camera(NewCamera(1, "x")))
    return failed_ops


async def no_wait(_: float) -> None:
    """A back-off sleep that only yields to the loop."""
    await asyncio.sleep(0)


def cli_scenario(
    found: Collected,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> list[tuple[list[str], int]]:
    """The ``monuv`` command: every command with -v, then under every fault."""
    out = tmp_path / "out"
    out.mkdir()
    secret = tmp_path / "secret"
    secret.mkdir()
    token_file = secret / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")

    codes: list[tuple[list[str], int]] = []
    with threaded_sim(TOKEN) as served:
        sim = served.sim

        async def setup() -> tuple[int, int]:
            async with MonuvClient(TOKEN, base_url=sim.url) as monuv:
                return await setup_client_and_user(monuv)

        client_id, user_id = served.call(setup())
        cams = write_cameras_csv(out / "cams.csv", client_id, 12)
        window = ["--since", START.isoformat(), "--until", END.isoformat()]

        def cli(
            *args: str, faults: tuple[str, list[Fault]] | None = None, timeout: float = STALL * 5
        ) -> int:
            # Only a stall should time out: 0.1 s for a run that meets one, else far
            # above any answer's time on a loaded machine.
            if faults is not None:
                served.do(lambda: sim.inject(faults[0], *faults[1]))
            argv = ["--base-url", sim.url, "--timeout", str(timeout), *args]
            code = run(argv)
            served.do(sim.clear_faults)
            served.idle()
            captured = capsys.readouterr()
            found.add(f"cli stdout {args}", captured.out)
            found.add(f"cli stderr {args}", captured.err)
            codes.append((list(args), code))
            return code

        cli("-v", "cameras", "options")
        cli("-v", "events", *window, "--output", str(out / "events.jsonl"))
        cli("events", *window, "--format", "csv", "-v")
        cli("-v", "--token-file", str(token_file), "clients", "block", CNPJ)
        cli("-v", "clients", "unblock", CNPJ)
        cli("-v", "users", "block", str(user_id))
        cli("users", "unblock", str(user_id), "-v")
        cli("-v", "clients", "block", CPF)  # no such client: code 1 from the API
        cli("-v", "clients", "block", "11.222.333/0001-80")  # bad check digits: usage
        every = [k.make() for k in ALL_KINDS] + echo_faults()
        cli(
            "-v",
            "cameras",
            "provision",
            str(cams),
            "--results",
            str(out / "cams.results.csv"),
            faults=("create_camera", every),
            timeout=0.1,
        )
        for kind in ALL_KINDS:
            timeout = 0.1 if kind.name == "stall" else STALL * 5
            many = [kind.make() for _ in range(8)]
            cli("-v", "cameras", "options", faults=("camera_options", many), timeout=timeout)
            many = [kind.make() for _ in range(8)]
            out_file = str(out / "e.jsonl")
            events = ("events", many)
            cli("-v", "events", *window, "--output", out_file, faults=events, timeout=timeout)
            many = [kind.make() for _ in range(8)]
            cli("-v", "users", "block", str(user_id), faults=("block_user", many), timeout=timeout)
        for fault in echo_faults():
            cli("-v", "clients", "unblock", CNPJ, faults=("unblock_client", [fault] * 4))
            cli("-v", "events", *window, faults=("events", [fault] * 4))
        served.do(lambda: setattr(sim, "rate_limit", 0.5))
        cli("-v", "events", *window)
        served.do(lambda: setattr(sim, "rate_limit", None))
        dead = sim.url
    codes.append((["dead server"], run(["-v", "--base-url", dead, "cameras", "options"])))
    captured = capsys.readouterr()
    found.add("cli dead server", captured.out, captured.err)
    for path in sorted(out.rglob("*")):
        if path.is_file():
            found.add(f"file {path.name}", path.read_text(encoding="utf-8", errors="replace"))
    return codes


def record_texts(record: logging.LogRecord) -> list[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    texts = [record.getMessage(), formatter.format(record), repr(record.args)]
    texts += [str(value) for value in vars(record).values()]
    return texts


def test_the_token_appears_nowhere(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every operation, fault, CLI command and backfill, logged at DEBUG: no token anywhere."""
    monkeypatch.setenv("MONUV_TOKEN", TOKEN)
    # Back-off and Retry-After sleeps take no time (the rate-limit round waited
    # 2 s a call, 29 s in all): only what is written matters here.
    monkeypatch.setattr(requester_module, "_sleep", no_wait)
    monkeypatch.setenv("PYTHONASYNCIODEBUG", "1")  # the CLI's asyncio.run in debug mode too
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    found = Collected()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        failed_ops = asyncio.run(library_scenario(found), debug=True)
        codes = cli_scenario(found, tmp_path, capsys, monkeypatch)

    found.add("warnings", *(str(w.message) for w in caught))
    for record in caplog.records:
        found.add(f"log {record.name}", *record_texts(record))
    found.add("caplog text", caplog.text)

    # The scenario really went everywhere (so that an empty scan means something).
    kinds = {type(e) for e in found.errors}
    for expected in (
        RateLimitError,
        ServerError,
        TransportError,
        RequestTimeoutError,
        UnexpectedResponseError,
        OperationFailedError,
        AuthenticationError,
        ValidationError,
    ):
        assert expected in kinds, f"no {expected.__name__} was raised"
    assert all(isinstance(e, MonuvError) for e in found.errors), [
        type(e) for e in found.errors if not isinstance(e, MonuvError)
    ]
    assert set(failed_ops) == set(OPERATIONS)
    assert any(isinstance(e, APIError) and e.body for e in found.errors)
    assert found.api_tokens
    loggers = {record.name.split(".")[0] for record in caplog.records}
    assert {"monuv_async", "asyncio"} <= loggers
    assert any("token=***" in record.getMessage() for record in caplog.records)
    exit_codes = Counter(code for _, code in codes)
    assert exit_codes[0] >= 7
    assert exit_codes[1] >= len(ALL_KINDS) * 3
    assert exit_codes[2] >= 1
    assert any("DEBUG monuv_async" in text for source, text in found.texts if "stderr" in source)
    assert any(source.startswith("file cams.results") for source, _ in found.texts)
    assert sum(source == "on_response" for source, _ in found.texts) > 100  # the hooks ran

    needles = NEEDLES + tuple(found.api_tokens)
    leaks = sorted(
        {(source, needle) for source, text in found.texts for needle in needles if needle in text}
    )
    assert leaks == [], f"{len(leaks)} leaks: {leaks[:20]}"


OTHER_SPELLINGS = {
    # An error page that echoes the URL escapes "&" (Apache's 404 page shows the path).
    "html-escaped": f"<p>The URL /api/client/block/{html.escape(TOKEN)}/1 was not found</p>",
    # Laravel's JSON of a URL whose path kept "/": json_encode writes "\/".
    "php-json-of-path": php_json({"message": f"No route for {quote(TOKEN)}"}).decode(),
    # A server re-encoding with lower-case hex digits.
    "lowercase-percent": f"<p>GET /api/v1/cameras/create?token={quote(TOKEN, safe='').lower()}</p>",
    # A query re-encoded as forms do, "/" kept: yarl's and many servers' spelling.
    "form-with-slash": f"<p>GET /x?{URL('http://h/').with_query(token=TOKEN).raw_query_string}</p>",
}


@pytest.mark.parametrize("spelling", list(OTHER_SPELLINGS))
async def test_echoed_token_in_other_spellings_is_masked(spelling: str) -> None:
    """An error page echoing the token in another spelling is masked in the error's body."""
    body = OTHER_SPELLINGS[spelling]
    assert "s3cr" in body
    async with MonuvSimulator(TOKEN, **SIM_ARGS) as sim:
        sim.inject("camera_options", Fault.status(500, body.encode(), content_type="text/html"))
        async with MonuvClient(TOKEN, base_url=sim.url, retry=None) as monuv:
            with pytest.raises(ServerError) as info:
                await monuv.camera_options()
    texts = exception_texts(info.value)
    assert not [text for text in texts if "s3cr" in text]
