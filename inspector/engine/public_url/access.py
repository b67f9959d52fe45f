"""The public URL in front of the receiver: the chosen provider, the guard, the probe.

`PublicAccess.start` returns at once; the provider starts in the background and each change
of state is published as a `PublicUrlEvent` (serve prints `public_url` / `public_url_error`).
While a URL is starting or active the receiver demands the secret callback path; a provider
that fails leaves the receiver as it was, local capture goes on, and nothing exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import replace

from ... import redact
from ...core.basic_auth import encode_basic_auth
from ...core.events import Event
from ...core.guard import Guard, GuardSettings, callback_prefix, callback_url, new_secret
from ...core.public_url import (
    PublicUrlEvent,
    PublicUrlPhase,
    PublicUrlSettings,
    parse_connect_to,
)
from ..receiver import Receiver
from . import ProviderError, PublicUrlProvider
from .cloudflared import CloudflaredTunnel
from .ngrok_sdk import NgrokTunnel
from .own_url import OwnUrl
from .probe import ProbeWatch, probe

log = logging.getLogger(__name__)


def make_provider(settings: PublicUrlSettings) -> PublicUrlProvider:
    chosen = settings.chosen
    if chosen == "url":
        assert settings.url is not None
        return OwnUrl(settings.url)
    if chosen == "cloudflared":
        return CloudflaredTunnel(settings.cloudflared, settings.start_timeout)
    if chosen == "ngrok":
        return NgrokTunnel(settings.start_timeout)
    raise ProviderError(f"no such public URL provider: {chosen!r} (cloudflared, ngrok or url)")


class PublicAccess:
    def __init__(self, receiver: Receiver, publish: Callable[[Event], None]) -> None:
        self.receiver = receiver
        self._publish = publish
        self.guard_settings = GuardSettings()
        self._secret = new_secret()  # one per run, unless pinned (--callback-secret)
        self.provider: PublicUrlProvider | None = None
        self.settings: PublicUrlSettings | None = None
        self.state = PublicUrlEvent("", PublicUrlPhase.STOPPED, time.time())
        self._task: asyncio.Task[None] | None = None
        redact.register(self._secret)

    # -- guard ----------------------------------------------------------------------------
    @property
    def secret(self) -> str:
        return self.guard_settings.secret or self._secret

    @property
    def prefix(self) -> str:
        return callback_prefix(self.secret)

    def set_guard(self, settings: GuardSettings) -> None:
        """New guard settings (checked by the caller), in force from the next request."""
        self.guard_settings = settings
        redact.register(settings.secret)
        redact.register(settings.password)
        self._apply_guard()
        if self.state.url is not None:  # the callback URL changes with the guards
            self._set(replace(self.state, callback_url=self._callback_url(self.state.url)))

    def _apply_guard(self) -> None:
        prefix = self.prefix if self.state.active else None
        self.receiver.guard = Guard(self.guard_settings, prefix)

    def _callback_url(self, url: str) -> str:
        return callback_url(url, Guard(self.guard_settings, self.prefix))

    # -- lifecycle ------------------------------------------------------------------------
    def _set(self, event: PublicUrlEvent) -> None:
        self.state = event
        self._apply_guard()
        self._publish(event)

    async def start(self, settings: PublicUrlSettings) -> None:
        """Stop any URL there is, then start the one `settings` choose, in the background."""
        await self.stop(publish=False)
        self.settings = settings
        name = settings.chosen or ""
        self._set(PublicUrlEvent(name, PublicUrlPhase.STARTING, time.time()))
        self._task = asyncio.ensure_future(self._run(settings, name))

    async def wait(self) -> None:
        """Until the start under way (and its probe) is over."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._task)

    async def _run(self, settings: PublicUrlSettings, name: str) -> None:
        try:
            provider = make_provider(settings)
            self.provider = provider
            provider.on_lost = lambda why: self._lost(name, why)
            url = (await provider.start(self.receiver.url)).rstrip("/")
        except ProviderError as exc:
            self._fail(name, str(exc))
            return
        except Exception as exc:  # a provider's bug must not end capture
            log.exception("public URL provider %s failed", name)
            self._fail(name, f"{type(exc).__name__}: {exc}")
            return
        log.info("public URL (%s): %s", name, url)
        callback = self._callback_url(url)
        self._set(PublicUrlEvent(name, PublicUrlPhase.PROBING, time.time(), url, callback))
        watch = ProbeWatch()
        self.receiver.probe = watch
        headers: dict[str, str] = {}
        if self.guard_settings.dg_token:
            headers["dg-token"] = self.guard_settings.dg_token
        if self.guard_settings.basic_auth:
            user, password = self.guard_settings.user or "", self.guard_settings.password or ""
            headers["Authorization"] = encode_basic_auth(user, password)
        connect_to = parse_connect_to(settings.connect_to) if settings.connect_to else None
        try:
            reachable, why = await probe(
                callback_url(url, Guard(GuardSettings(), self.prefix)),
                watch,
                settings.probe_timeout,
                headers,
                connect_to,
            )
        finally:
            if self.receiver.probe is watch:
                self.receiver.probe = None
        phase = PublicUrlPhase.REACHABLE if reachable else PublicUrlPhase.UNREACHABLE
        if not reachable:
            log.warning("the public URL %s does not reach this receiver: %s", url, why)
        self._set(replace(self.state, phase=phase, time=time.time(), error=why))

    def _fail(self, name: str, error: str) -> None:
        log.error("public URL (%s): %s", name, error)
        self._set(PublicUrlEvent(name, PublicUrlPhase.FAILED, time.time(), error=error))

    def _lost(self, name: str, why: str) -> None:
        if self.state.active:
            self._fail(name, why)

    async def stop(self, publish: bool = True) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        provider, self.provider = self.provider, None
        if provider is not None:
            await provider.stop()
        self.receiver.probe = None
        was = self.state
        if was.phase is not PublicUrlPhase.STOPPED and publish:
            self._set(PublicUrlEvent(was.provider, PublicUrlPhase.STOPPED, time.time(), was.url))
        else:
            self.state = PublicUrlEvent(was.provider, PublicUrlPhase.STOPPED, time.time())
            self._apply_guard()
