"""The user's own public URL (`--public-url`): a reverse proxy, a server, a tunnel they run.

Nothing to start; the probe tells whether it really reaches this receiver.
"""

from __future__ import annotations

from collections.abc import Callable

from ...core.public_url import check_public_url


class OwnUrl:
    name = "url"

    def __init__(self, url: str) -> None:
        self.url = check_public_url(url)
        self.on_lost: Callable[[str], None] | None = None

    async def start(self, local_url: str) -> str:
        return self.url

    async def stop(self) -> None:
        return None
