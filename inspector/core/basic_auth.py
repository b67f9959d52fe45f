"""Decode `Authorization: Basic ...` into user and password (RFC 7617).

Deepgram puts `user:pass@` from the callback URL into a pre-emptive Basic header [CB].
A malformed header is not an error here: it is shown as "not basic auth".
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass


@dataclass(frozen=True)
class BasicAuth:
    user: str
    password: str


def parse_basic_auth(authorization: str | None) -> BasicAuth | None:
    """The user and password of a Basic header, or None when it is absent or malformed."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    text = decoded.decode("utf-8", errors="backslashreplace")
    user, sep, password = text.partition(":")
    if not sep:
        return None
    return BasicAuth(user=user, password=password)


def encode_basic_auth(user: str, password: str) -> str:
    """The header value for `user:password` (what a sender puts on the wire)."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"
