"""Fuzz `core.basic_auth`: any Authorization value is BasicAuth or None, never an exception."""

from __future__ import annotations

import base64
import string

from hypothesis import given
from hypothesis import strategies as st

from inspector.core.basic_auth import BasicAuth, encode_basic_auth, parse_basic_auth
from tests.fuzz.strategies import FUZZ, hostile_text

_schemes = st.sampled_from(["Basic", "basic", "BASIC", "bAsIc", "Bearer", "Token", "", "Basic:"])
_spaces = st.sampled_from([" ", "  ", "\t", " \t ", ""])
_b64_alphabet = string.ascii_letters + string.digits + "+/="


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


# Tokens near a valid one: real base64 of any bytes (non-UTF-8, no colon, many colons),
# base64 with its padding broken or with foreign characters, and text that only looks like it.
_tokens = st.one_of(
    st.binary(max_size=40).map(_b64),
    st.builds(lambda u, p: _b64(u + b":" + p), st.binary(max_size=12), st.binary(max_size=12)),
    st.binary(min_size=1, max_size=30).map(lambda b: _b64(b).rstrip("=")),
    st.binary(min_size=1, max_size=30).map(lambda b: _b64(b) + "="),
    st.from_regex(r"\A[A-Za-z0-9+/=_\-.~ ]{0,40}\Z"),
    st.text(st.sampled_from(_b64_alphabet), max_size=40),
    hostile_text,
)
_headers = st.one_of(
    st.none(),
    hostile_text,
    st.builds(lambda s, sp, t, tail: f"{sp}{s}{sp}{t}{tail}", _schemes, _spaces, _tokens, _spaces),
)


@FUZZ
@given(_headers)
def test_any_authorization_value_is_basic_auth_or_none(header: str | None) -> None:
    auth = parse_basic_auth(header)
    assert auth is None or isinstance(auth, BasicAuth)
    if auth is not None:
        # What the window and the session file show: text that encodes as UTF-8.
        auth.user.encode("utf-8")
        auth.password.encode("utf-8")


_credential_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)


@FUZZ
@given(user=_credential_text.filter(lambda u: ":" not in u), password=_credential_text)
def test_valid_user_and_password_round_trip(user: str, password: str) -> None:
    # RFC 7617: the user-id cannot contain a colon; the password may.
    assert parse_basic_auth(encode_basic_auth(user, password)) == BasicAuth(user, password)
