"""ngrok through its official Python SDK (PyPI `ngrok`), the optional extra
`callback-inspector[ngrok]`.

The authtoken comes from `NGROK_AUTHTOKEN` or the OS keyring (service `callback-inspector`,
user `ngrok-authtoken`) and is checked for here, before the SDK is called, so a machine with
no token never reaches the network. Every step is bounded: not installed, no token, a bad
token, an unreachable cloud each end in a `ProviderError` within `timeout` seconds.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
from collections.abc import Callable
from typing import Any

from ... import redact
from ..keyring_store import NGROK_AUTHTOKEN, SERVICE, read_secret
from . import ProviderError

log = logging.getLogger(__name__)

ENV_VAR = "NGROK_AUTHTOKEN"
KEYRING_TIMEOUT = 5.0  # a keyring backend may take a second to load, or hang on D-Bus
INSTALL_HINT = (
    "ngrok support is not installed: pip install 'callback-inspector[ngrok]' "
    "(pipx: pipx inject callback-inspector ngrok)"
)


async def find_authtoken() -> str | None:
    """NGROK_AUTHTOKEN, else the keyring's (read off the loop, bounded)."""
    token = os.environ.get(ENV_VAR, "").strip()
    if token:
        return token
    loop = asyncio.get_running_loop()
    try:
        lookup = loop.run_in_executor(None, read_secret, NGROK_AUTHTOKEN)
        return await asyncio.wait_for(lookup, KEYRING_TIMEOUT)
    except TimeoutError:
        log.info("the OS keyring did not answer within %s s", KEYRING_TIMEOUT)
        return None


class NgrokTunnel:
    name = "ngrok"

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.on_lost: Callable[[str], None] | None = None
        self._session: Any = None
        self._listener: Any = None

    async def start(self, local_url: str) -> str:
        try:
            sdk = importlib.import_module("ngrok")
        except ImportError:
            raise ProviderError(INSTALL_HINT) from None
        token = await find_authtoken()
        if not token:
            raise ProviderError(
                f"no ngrok authtoken: set {ENV_VAR}, or keep it in the OS keyring with "
                f"`keyring set {SERVICE} {NGROK_AUTHTOKEN}` (your token is on "
                "dashboard.ngrok.com)"
            )
        redact.register(token)  # never in a log line, stderr or a crash report
        try:
            self._session = await asyncio.wait_for(
                sdk.SessionBuilder().authtoken(token).connect(), self.timeout
            )
            self._listener = await asyncio.wait_for(
                self._session.http_endpoint().listen_and_forward(local_url), self.timeout
            )
        except TimeoutError:
            await self.stop()
            raise ProviderError(
                f"ngrok's cloud did not answer within {self.timeout:g} s (no network, a "
                "firewall, or a proxy in the way?)"
            ) from None
        except Exception as exc:  # the SDK raises plain ValueError/OSError with its message
            await self.stop()
            raise ProviderError(
                f"ngrok refused: {redact.mask(str(exc)) or type(exc).__name__}"
            ) from None
        return str(self._listener.url())

    async def stop(self) -> None:
        listener, session = self._listener, self._session
        self._listener = self._session = None
        for closing in (listener, session):
            if closing is None:
                continue
            try:
                await asyncio.wait_for(closing.close(), 5.0)
            except Exception as exc:  # stopping must never fail the engine's stop
                log.info("closing ngrok: %s", exc)
