"""Public URL providers: one small interface, one module per provider (issue 13).

A provider turns the receiver's local URL into a public one (`start`), reports a later loss
through `on_lost`, and undoes it all (`stop`). `cloudflared` runs a quick tunnel,
`ngrok_sdk` uses the official ngrok SDK (an optional extra), `own_url` is the user's own.
`access.PublicAccess` runs whichever is chosen, guards the receiver and probes the URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class ProviderError(Exception):
    """A provider that could not give a URL; the message says why and what to do."""


class PublicUrlProvider(Protocol):
    name: str
    on_lost: Callable[[str], None] | None  # called with why, when a running URL goes away

    async def start(self, local_url: str) -> str:
        """The public base URL that reaches `local_url`; ProviderError within a bounded
        time otherwise (never a hang)."""
        ...

    async def stop(self) -> None:
        """Release the URL and everything started for it; safe to call twice."""
        ...
