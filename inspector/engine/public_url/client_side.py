"""The public URL, guards and forwarding as a control-API client asks for them (issue 13).

Mixed into `engine.control_client.EngineClient`, so a window on an engine in another process
(`ChildEngine`, `RemoteEngine`) has the same methods as an in-process `Engine`: each one a
command; the public URL's state is the last `public_url` event the engine sent. Imports no
network stack: the window's process stays light.
"""

from __future__ import annotations

import concurrent.futures
from typing import Any

from ...core.control import (
    Command,
    SetForwarding,
    SetGuards,
    StartPublicUrl,
    StopPublicUrl,
    settings_from_json,
)
from ...core.forward import ForwardSettings
from ...core.guard import GuardSettings
from ...core.public_url import PublicUrlEvent, PublicUrlPhase, PublicUrlSettings


class PublicUrlClient:
    """Needs `send(command)`, `receiver_url` and the hello's `forwarding` / `public_url`."""

    _forwarding = ForwardSettings()
    _guards = GuardSettings()
    _public_settings: PublicUrlSettings | None = None
    public_url_state = PublicUrlEvent("", PublicUrlPhase.STOPPED, 0.0)

    def send(self, command: Command) -> concurrent.futures.Future[Any]:
        raise NotImplementedError

    @property
    def receiver_url(self) -> str:
        raise NotImplementedError

    def _hello_public(self, line: dict[str, Any], public_url: Any) -> None:
        """What the hello said: forwarding as set (e.g. by `--forward-to`), the URL's state."""
        forwarding = line.get("forwarding")
        if isinstance(forwarding, dict):
            self._forwarding = settings_from_json(ForwardSettings, forwarding, "hello.forwarding")
        if isinstance(public_url, PublicUrlEvent):
            self.public_url_state = public_url

    def set_forwarding(self, settings: ForwardSettings) -> None:
        self._forwarding = settings.check()
        self.send(SetForwarding(settings))

    @property
    def forwarding(self) -> ForwardSettings:
        return self._forwarding

    def set_guards(self, settings: GuardSettings) -> None:
        self._guards = settings.check()
        self.send(SetGuards(settings))

    @property
    def guards(self) -> GuardSettings:
        return self._guards

    def start_public_url(self, settings: PublicUrlSettings) -> None:
        self._public_settings = settings.check()
        self.send(StartPublicUrl(settings))

    def stop_public_url(self) -> None:
        self._public_settings = None
        self.send(StopPublicUrl())

    @property
    def public_url(self) -> PublicUrlEvent:
        return self.public_url_state

    @property
    def public_url_settings(self) -> PublicUrlSettings | None:
        return self._public_settings

    def callback_url(self, path: str = "/", public: bool = False) -> str:
        """As `Engine.callback_url`: the secret prefix is the public callback URL's path."""
        state = self.public_url_state
        tail = path.lstrip("/")
        if state.callback_url is None or not state.active:
            return self.receiver_url + path
        if public:
            return state.callback_url + tail
        prefix = "/" + state.callback_url.split("://", 1)[-1].split("/", 1)[-1].rstrip("/")
        return f"{self.receiver_url}{prefix}/{tail}"
