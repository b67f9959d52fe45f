"""Find the Deepgram API key a client sent, and name it without revealing it.

Clients authenticate with `Authorization: Token <KEY>` or `Bearer <JWT>`; the scheme is
matched case-insensitively because the SDK sends lowercase `bearer` [SDK]. Browsers cannot
set headers on a WebSocket, so they send `Sec-WebSocket-Protocol: token, KEY` [WSE].

A callback carries `dg-token`: the *identifier* of the submitting key (a uuid), never the
key itself [CB]. The emulator derives that identifier from the key with uuid5, so the same
key always gets the same identifier and the identifier cannot be turned back into the key.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence

_AUTH_SCHEMES = ("token", "bearer")

DEEPGRAM_BASE_URL = "https://api.deepgram.com"
EMULATOR_PLACEHOLDER_KEY = "emulator-placeholder-key"  # any non-empty key passes the emulator

API_KEY_NAMESPACE = uuid.UUID("5b0f5a3e-6a8e-5d0c-9a57-1c2f0e4d8b61")
"""Fixed uuid5 namespace for the emulator's key identifiers: changing it would change every
`dg-token` a user has already configured a receiver to expect."""

_MASK_VISIBLE = 4
_MASK_MIN_LENGTH = 12


def parse_api_key(authorization: str | None, subprotocols: Sequence[str] = ()) -> str | None:
    """The key from `Authorization: Token|Bearer KEY`, else from subprotocols `token, KEY`.

    `subprotocols` is the `Sec-WebSocket-Protocol` value split on commas. The header wins
    when both are present. None when no key was offered (the caller answers 401).
    """
    if authorization:
        scheme, _, credential = authorization.strip().partition(" ")
        if scheme.lower() in _AUTH_SCHEMES and credential.strip():
            return credential.strip()
    offered = [item.strip() for item in subprotocols]
    for index, item in enumerate(offered[:-1]):
        if item.lower() in _AUTH_SCHEMES and offered[index + 1]:
            return offered[index + 1]
    return None


def key_identifier(api_key: str) -> str:
    """The stable uuid the emulator reports as this key's identifier (`dg-token`) [CB].

    uuid5 spelled out over the key's UTF-8 bytes, with lone surrogates passed through: a key
    from argv or the environment that was not UTF-8 arrives with them (surrogateescape),
    and `uuid.uuid5` would raise on it. Any other key gets the same uuid as `uuid.uuid5`.
    """
    name = api_key.encode("utf-8", errors="surrogatepass")
    digest = hashlib.sha1(API_KEY_NAMESPACE.bytes + name, usedforsecurity=False).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))


def mask_key(api_key: str) -> str:
    """A key shortened for display, e.g. `abcd…wxyz`; `***` when too short to show any part."""
    if len(api_key) < _MASK_MIN_LENGTH:
        return "***"
    return f"{api_key[:_MASK_VISIBLE]}…{api_key[-_MASK_VISIBLE:]}"
