"""Secrets kept in the OS keyring: the real Deepgram API key and the ngrok authtoken.

The one place that talks to `keyring` (service `callback-inspector`): `submit --deepgram`,
the window's submit panel and the ngrok provider all read through it. Never in QSettings,
never logged, never shown unmasked (DESIGN.md conventions); an environment variable wins over
the keyring everywhere. Reading never raises: a machine with no usable backend (or one that
fails on D-Bus) simply has no secret there. The first use loads keyring's backends, about a
second: callers on a UI or event loop call these from a helper thread.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

SERVICE = "callback-inspector"
DEEPGRAM_KEY = "deepgram-api-key"  # the keyring user names, one per secret
NGROK_AUTHTOKEN = "ngrok-authtoken"
DEEPGRAM_ENV = "DEEPGRAM_API_KEY"


class KeyStoreError(Exception):
    """The keyring is unavailable or refused; the message says what to do."""


def read_secret(user: str) -> str | None:
    """The keyring's secret for `user`; None when it has none or cannot be read."""
    try:
        import keyring

        return keyring.get_password(SERVICE, user)
    except Exception as exc:  # any backend trouble (no backend, D-Bus...) means "none here"
        log.info("nothing read from the OS keyring for %s (%s)", user, type(exc).__name__)
        return None


def load_api_key(from_keyring: bool = True) -> str | None:
    """The Deepgram key: DEEPGRAM_API_KEY, else (with `from_keyring`) the keyring's; None when
    neither has one."""
    env = os.environ.get(DEEPGRAM_ENV)
    if env:
        return env
    return read_secret(DEEPGRAM_KEY) if from_keyring else None


def save_api_key(key: str) -> None:
    """Store the Deepgram key in the OS keyring; KeyStoreError when there is no usable one."""
    try:
        import keyring

        keyring.set_password(SERVICE, DEEPGRAM_KEY, key)
    except Exception as exc:
        raise KeyStoreError(
            "no OS keyring is available to keep the key "
            f"({type(exc).__name__}); set {DEEPGRAM_ENV} in the environment instead"
        ) from None
