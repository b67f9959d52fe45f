"""The real Deepgram API key, kept in the OS keyring only.

Never in QSettings, never logged, never shown unmasked (DESIGN.md conventions). The
environment's DEEPGRAM_API_KEY wins over the keyring, as the CLI's `submit --deepgram` does.
"""

from __future__ import annotations

import logging
import os

import keyring
from keyring.errors import KeyringError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "callback-inspector"
KEYRING_USER = "deepgram-api-key"
ENV_VAR = "DEEPGRAM_API_KEY"


class KeyStoreError(Exception):
    """The keyring is unavailable or refused; the message says what to do."""


def load_api_key() -> str | None:
    """The key from DEEPGRAM_API_KEY, else from the keyring; None when there is none."""
    env = os.environ.get(ENV_VAR)
    if env:
        return env
    try:
        return keyring.get_password(KEYRING_SERVICE, KEYRING_USER)
    except KeyringError as exc:
        log.info("no OS keyring available (%s)", type(exc).__name__)
        return None


def save_api_key(key: str) -> None:
    """Store the key in the OS keyring; KeyStoreError when there is no usable keyring."""
    try:
        keyring.set_password(KEYRING_SERVICE, KEYRING_USER, key)
    except KeyringError as exc:
        raise KeyStoreError(
            "no OS keyring is available to keep the key "
            f"({type(exc).__name__}); set {ENV_VAR} in the environment instead"
        ) from None


def forget_api_key() -> None:
    try:
        keyring.delete_password(KEYRING_SERVICE, KEYRING_USER)
    except KeyringError:
        pass
