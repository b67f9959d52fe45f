"""One `/v1/listen` request by hand, for tests about the emulator's replies, not transcripts."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def listen(emulator_url: str, key: str = "k", body: bytes = b"not audio") -> tuple[int, dict, Any]:
    """POST `body` as audio; the status, headers and JSON body of the reply (errors too)."""
    request = urllib.request.Request(
        f"{emulator_url}/v1/listen",
        data=body,
        headers={"Authorization": f"Token {key}", "Content-Type": "audio/wav"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, dict(r.headers), json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())
