"""Fuzz `core.deepgram_auth`: any header or subprotocol list gives a key or None; a key is
never shown whole."""

from __future__ import annotations

import uuid

from hypothesis import example, given
from hypothesis import strategies as st

from inspector.core.deepgram_auth import key_identifier, mask_key, parse_api_key
from tests.fuzz.strategies import FUZZ, hostile_text

_schemes = st.sampled_from(["Token", "token", "BEARER", "Bearer", "Basic", "", "tokens"])
_keys = st.one_of(st.text("0123456789abcdef", min_size=40, max_size=40), hostile_text)
_authorization = st.one_of(
    st.none(),
    hostile_text,
    st.builds(lambda s, sep, k: f"{s}{sep}{k}", _schemes, st.sampled_from([" ", "\t"]), _keys),
)
_subprotocols = st.lists(st.one_of(_schemes, _keys, st.just(" token ")), max_size=5)


@FUZZ
@given(_authorization, _subprotocols)
def test_any_header_and_subprotocols_give_a_key_or_none(
    authorization: str | None, subprotocols: list[str]
) -> None:
    key = parse_api_key(authorization, subprotocols)
    if key is not None:
        assert key and key == key.strip()
        assert key in (authorization or "") or key in [s.strip() for s in subprotocols]


@FUZZ
@given(_keys)
def test_a_token_header_gives_back_its_key(key: str) -> None:
    if key.strip() and " " not in key.strip():
        assert parse_api_key(f"Token {key}") == key.strip()


@FUZZ
@given(st.one_of(_keys, st.text(min_size=12, max_size=80)))
@example("\ud800")  # found: uuid5 raised on a key that is not UTF-8 (argv, environment)
def test_masking_never_shows_the_key(key: str) -> None:
    masked = mask_key(key)
    if key and set(key) != {"*"}:  # a key of asterisks is "in" any mask
        assert key not in masked
    if len(key) >= 12:
        assert sum(1 for c in masked if c != "…") <= 8  # never more than 8 of its characters
    identifier = key_identifier(key)
    assert str(uuid.UUID(identifier)) == identifier
