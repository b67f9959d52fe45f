from __future__ import annotations

import uuid

import pytest

from inspector.core.deepgram_auth import API_KEY_NAMESPACE, key_identifier, mask_key, parse_api_key

KEY = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    "header",
    [f"Token {KEY}", f"token {KEY}", f"Bearer {KEY}", f"bearer {KEY}", f"  TOKEN   {KEY}  "],
)
def test_header_schemes_any_case(header: str) -> None:
    assert parse_api_key(header) == KEY


@pytest.mark.parametrize("header", [None, "", "Token", "Token   ", f"Basic {KEY}", KEY])
def test_no_key_in_header(header: str | None) -> None:
    assert parse_api_key(header) is None


def test_websocket_subprotocols() -> None:
    assert parse_api_key(None, ["token", KEY]) == KEY
    assert parse_api_key(None, [" token", f" {KEY} "]) == KEY
    assert parse_api_key(None, ["chat", "token", KEY]) == KEY
    assert parse_api_key(None, ["token"]) is None
    assert parse_api_key(None, [KEY]) is None
    assert parse_api_key(None, [KEY, "token"]) is None


def test_header_wins_over_subprotocol() -> None:
    assert parse_api_key("Token header-key", ["token", "protocol-key"]) == "header-key"
    assert parse_api_key("Basic abc", ["token", "protocol-key"]) == "protocol-key"


def test_key_identifier_is_stable_uuid_without_the_key() -> None:
    identifier = key_identifier(KEY)
    assert identifier == key_identifier(KEY)
    assert identifier != key_identifier(KEY + "x")
    assert str(uuid.UUID(identifier)) == identifier
    assert uuid.UUID(identifier).version == 5
    assert KEY not in identifier and KEY[:8] not in identifier


def test_mask_key() -> None:
    assert mask_key(KEY) == "0123…4567"
    assert mask_key("abcdefghijkl") == "abcd…ijkl"
    assert mask_key("abcdefghijk") == "***"
    assert mask_key("") == "***"


def test_key_identifier_is_uuid5_and_takes_a_key_that_is_not_utf8() -> None:
    assert key_identifier(KEY) == str(uuid.uuid5(API_KEY_NAMESPACE, KEY))
    # `--api-key $'\xff...'` or a DEEPGRAM_API_KEY of raw bytes arrives with surrogates.
    odd = b"\xffkey".decode("utf-8", errors="surrogateescape")
    assert uuid.UUID(key_identifier(odd)).version == 5
    assert key_identifier(odd) != key_identifier("\\xffkey")
