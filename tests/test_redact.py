"""The redactor: every spelling of a secret, and users' api_tokens, become ***."""

from __future__ import annotations

import gc
import json
from urllib.parse import quote, quote_plus

import pytest
from yarl import URL

from monuv_async import MonuvClient, redact_url
from monuv_async import _endpoints as ep
from monuv_async._redact import MASK, Redactor

SECRET = "pa rt/ner+tok&en=42"


def test_mask_is_three_stars() -> None:
    """The mask is the documented ***."""
    assert MASK == "***"


@pytest.mark.parametrize(
    "form",
    [
        SECRET,
        quote(SECRET, safe=""),
        quote_plus(SECRET),
    ],
)
def test_every_spelling_masked(form: str) -> None:
    """Raw, percent-encoded and plus-encoded spellings are all replaced by ***."""
    text = f"GET https://app.monuv.com.br/api/v1/events?token={form}&page=2 failed"
    redacted = Redactor(SECRET)(text)
    assert redacted == "GET https://app.monuv.com.br/api/v1/events?token=***&page=2 failed"


def test_spellings_are_distinct() -> None:
    """The secret used here has three different spellings, so each is really tested."""
    assert len({SECRET, quote(SECRET, safe=""), quote_plus(SECRET)}) == 3


def test_every_occurrence_masked() -> None:
    """Several occurrences, of several spellings, are all masked."""
    text = " | ".join([SECRET, quote(SECRET, safe=""), SECRET, quote_plus(SECRET)])
    assert Redactor(SECRET)(text) == " | ".join([MASK] * 4)


@pytest.mark.parametrize("token", ["plain0123", "a/b c+d&e", "ção-ü-€-token"])
def test_urls_built_by_specs_are_masked(token: str) -> None:
    """The URLs the transport sends, in path or query, come out fully masked."""
    redact = Redactor(token)
    for spec in (ep.camera_options(), ep.block_user(4)):
        url = spec.url(URL("https://app.monuv.com.br"), token)
        # What aiohttp shows (str of the URL, in errors) and what a debugger shows.
        for text in (str(url), repr(url)):
            assert "***" in redact(text)
            for form in (token, quote(token, safe=""), quote_plus(token)):
                assert form not in redact(text)


@pytest.mark.parametrize("secret", ["", "a", "ab", "abc"])
def test_short_secrets_ignored(secret: str) -> None:
    """Secrets shorter than 4 characters are not masked: that would garble everything."""
    text = "a cab: abc ab"
    assert Redactor(secret)(text) == text


def test_four_characters_are_masked() -> None:
    """A secret of 4 characters is long enough to be masked."""
    assert Redactor("abcd")("xabcdx") == "x***x"


def test_several_secrets() -> None:
    """Every secret given is masked."""
    redact = Redactor("first-secret", "second-secret")
    assert redact("first-secret and second-secret") == "*** and ***"


def test_text_without_secrets_unchanged() -> None:
    """Text holding no secret comes back as it was."""
    text = '{"message": "fine", "token": "other"}'
    assert Redactor(SECRET)(text) == text


@pytest.mark.parametrize(
    "text",
    [
        '{"api_token": "user-token-123"}',
        '{"api_token":"user-token-123"}',
        '[{"id": 2, "api_token" :  "user-token-123", "name": "x"}]',
        '{"api_token": "user-\\"token\\"-123"}',
    ],
)
def test_api_token_values_masked(text: str) -> None:
    """A user's api_token in quoted JSON is masked whatever its spacing or escapes."""
    redacted = Redactor()(text)
    assert "user-token-123" not in redacted
    assert "token\\" not in redacted
    assert '"***"' in redacted
    assert "api_token" in redacted


def test_api_token_masking_keeps_the_rest() -> None:
    """Masking an api_token keeps the JSON valid and the other fields intact."""
    body = json.dumps([{"id": 2, "api_token": "user-token-123", "name": "Maria"}])
    assert json.loads(Redactor()(body)) == [{"id": 2, "api_token": "***", "name": "Maria"}]


def test_api_tokens_of_several_users_masked() -> None:
    """Every user's api_token in a body is masked, not only the first."""
    body = json.dumps({"users": [{"api_token": "tok-one-1"}, {"api_token": "tok-two-2"}]})
    redacted = Redactor()(body)
    assert "tok-one-1" not in redacted
    assert "tok-two-2" not in redacted


def test_repr_hides_the_secrets() -> None:
    """repr of a Redactor never shows what it masks."""
    text = repr(Redactor(SECRET))
    for form in (SECRET, quote(SECRET, safe=""), quote_plus(SECRET)):
        assert form not in text
    assert "Redactor" in text


def test_masks_path_style_and_json_escaped_spellings() -> None:
    """A token with '/' is masked when quoted with '/' kept and when JSON-escaped as '\\/'."""
    redact = Redactor("ab/cd+ef gh")
    text = 'path /x/ab/cd%2Bef%20gh/1 and body {"t": "ab\\/cd+ef gh"}'
    assert "ab" not in redact(text).replace("***", "")


@pytest.mark.parametrize(
    "spelling",
    [
        "tok/en%2bs3cr%26t%3dx%20y",  # lower-case hex
        "tok/en+s3cr&amp;t=x y",  # HTML-escaped
        "tok&#47;en&#x2B;s3cr&#38;t=x y",  # numeric entities
        "tok\\/en%2Bs3cr%26t%3Dx%20y",  # %-encoded with / kept, then JSON-escaped
        "tok/en%2Bs3cr%26t%3Dx+y",  # form-encoded with / kept
        "tok\\u002fen+s3cr\\u0026t=x y",  # JSON \\u escapes
    ],
)
def test_masks_every_mix_of_spellings(spelling: str) -> None:
    """Each character may be spelled differently; the token is masked whatever the mix."""
    masked = Redactor("tok/en+s3cr&t=x y")(f"before {spelling} after")
    assert masked == "before *** after"


@pytest.mark.parametrize("depth", [2, 3, 5])
def test_any_depth_of_percent_encoding_is_masked(depth: int) -> None:
    """The token quoted again and again (a login redirect's ?next=, per hop) is still masked."""
    form = SECRET
    for _ in range(depth):
        form = quote(form, safe="")
    text = f"302 to /login?next=%2Fapi%3Ftoken%3D{form}%26page%3D2"
    assert Redactor(SECRET)(text) == "302 to /login?next=%2Fapi%3Ftoken%3D***%26page%3D2"


def test_mixed_encodings_at_depth_are_masked() -> None:
    """PHP's \\/ and HTML entities, then percent-encoded twice, are masked too."""
    escaped = SECRET.replace("/", "\\/").replace("&", "&amp;")
    for text in (quote(quote(escaped, safe=""), safe=""), quote(quote_plus(SECRET), safe="")):
        assert Redactor(SECRET)(f"a {text} b") == f"a {MASK} b"


def test_rtmp_urls_are_masked_in_bodies_and_text() -> None:
    """A camera's rtmp_url in quoted JSON, and any rtmp:// URL's path, become ***."""
    body = json.dumps({"id": 1, "rtmp_url": "rtmp://live.monuv.com.br/live/key-123"})
    assert "key-123" not in Redactor()(body)
    assert '"rtmp_url": "***"' in Redactor()(body)
    line = "publish to RTMPS://live.monuv.com.br:443/live/key-123?x=1 now"
    assert Redactor()(line) == "publish to RTMPS://live.monuv.com.br:443/*** now"


@pytest.mark.parametrize(
    "url",
    [
        "https://app.monuv.com.br/api/v1/events?page=2&token=abc%2Fdef&x=1",
        "https://app.monuv.com.br/api/client/block/abc%2Fdef/11222333000181",
        "https://app.monuv.com.br/api/user/unblock/abc%2Fdef/4",
    ],
)
def test_redact_url_masks_the_token_by_its_place(url: str) -> None:
    """Whatever the token, its query value and block/unblock segment are masked."""
    assert "abc" not in redact_url(url)
    assert redact_url(URL(url, encoded=True)) == redact_url(url)
    assert MASK in redact_url(url)


def test_redact_url_masks_every_live_clients_token_anywhere() -> None:
    """A live client's token is masked wherever it appears, in any spelling; gone with it."""
    token = "live-client/tok+en"
    client = MonuvClient(token)
    echoed = f"https://gw.example/login?next={quote(quote(token, safe=''), safe='')}"
    assert "live-client" not in redact_url(echoed)
    del client
    gc.collect()
    assert "live-client" in redact_url(echoed)  # only secrets the process still holds


def test_redact_url_keeps_the_rest() -> None:
    """Everything but the token is kept: host, path, other parameters."""
    url = "https://app.monuv.com.br/api/v1/events?token=abc&page=2&start_at=2026-11-01"
    assert redact_url(url) == (
        "https://app.monuv.com.br/api/v1/events?token=***&page=2&start_at=2026-11-01"
    )
