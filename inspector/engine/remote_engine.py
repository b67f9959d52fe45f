"""`gui --attach URL --token-file F`: the window on a `serve` that runs somewhere else.

The same control API as the window's own engine, over the authenticated WebSocket of
`serve --control-port` (engine/control_server.py). Everything the remote engine captures is
mirrored into a local session file as it arrives (bodies the lines do not carry inline are
fetched), so the traffic stays readable here after the remote stops. Stopping the window
detaches; it never stops the remote engine.

If the connection drops, the client says so (`EngineProcessEvent` "lost"), connects again,
fetches what it missed (`fetch_list`) and says "restarted"; after `MAX_RECONNECTS` failed
tries it gives up ("gone").
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI, WebSocketException
from websockets.sync.client import ClientConnection, connect

from ..core.control import FetchList
from ..core.event_read import LineError, exchange_from_record
from ..core.events import EmulatorEvent, Event, ExchangeAdded, ExchangeUpdated, WsMessageAdded
from ..store.library import SessionLibrary
from ..store.schema import SessionFileError
from ..store.session import SessionWriter
from .api import Attachment
from .control_client import ControlError, EngineClient

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0
MAX_RECONNECTS = 5
FIRST_ROWS = 10_000  # the newest rows of the remote listed when attaching (and after a gap)
RECONNECT_DELAY = 1.0


class AttachError(OSError):
    """The remote engine cannot be attached to; the message says why and what to do."""


def read_token(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise AttachError(f"cannot read the control token file {path}: {exc}") from None
    if not token:
        raise AttachError(f"the control token file {path} is empty")
    return token


class RemoteEngine(EngineClient):
    def __init__(self, url: str, token: str, mirror_dir: Path | None = None) -> None:
        super().__init__()
        self.url = url
        self._token = token
        self._mirror_dir = mirror_dir
        self._mirror: SessionWriter | None = None
        self._ws: ClientConnection | None = None
        self._send_lock = threading.Lock()
        self._stopping = False
        self._last_id = 0
        self._live_ids: set[int] = set()  # rows the live events listed while catching up
        self._catching_up = False

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, timeout: float = CONNECT_TIMEOUT) -> None:
        self._stopping = False
        self._connect(timeout)
        hello = self.hello
        first = self._last_id == 0 and hello is not None
        if hello is not None and first:  # the remote's newest rows from before: listed, mirrored
            self._last_id = max(0, hello.last_id - FIRST_ROWS)
        if self._mirror_dir is not None and self._mirror is None:
            try:
                self._mirror = SessionLibrary(self._mirror_dir).create(source=f"attach:{self.url}")
            except (OSError, SessionFileError) as exc:
                log.error("the remote's traffic is not mirrored to disk: %s", exc)
        self.running = True
        if first:
            self._catch_up()

    def _connect(self, timeout: float) -> None:
        self._hello_seen.clear()
        try:
            ws = connect(
                self.url,
                additional_headers={"Authorization": f"Bearer {self._token}"},
                open_timeout=timeout,
                max_size=None,
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status == 401:
                raise AttachError(
                    f"{self.url} refused the token (401): check --token-file against the "
                    "engine's --control-token-file"
                ) from None
            raise AttachError(f"{self.url} answered {status}, not a control API") from None
        except InvalidURI as exc:
            raise AttachError(f"not a ws:// or wss:// URL: {exc}") from None
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise AttachError(f"cannot reach {self.url}: {exc}") from None
        self._ws = ws
        threading.Thread(target=self._read, args=(ws,), name="attach-reader", daemon=True).start()
        if not self.wait_for_hello(timeout, lambda: self._ws is ws):
            ws.close()
            raise AttachError(f"{self.url} said no hello within {timeout:g} s")

    def stop(self, timeout: float = 10.0) -> None:
        """Detach (the remote engine goes on); the mirror file is closed."""
        self._stopping = True
        self.running = False
        ws, self._ws = self._ws, None
        if ws is not None:
            ws.close()
        if self._mirror is not None:
            self._mirror.close()
            self._mirror = None

    @property
    def session_path(self) -> Path | None:
        """The local mirror (the remote's own file is on its machine)."""
        return self._mirror.path if self._mirror is not None else None

    @property
    def data_dir(self) -> Path | None:
        """Where the mirror sessions are kept, on this machine."""
        return self._mirror_dir

    shares_files = False  # another machine: audio goes as bytes, not as a path

    @property
    def attached_to(self) -> Attachment | None:
        hello = self.hello
        return Attachment(self.url, hello.host if hello else "", hello.pid if hello else None)

    def session_complete(self) -> bool:
        """The mirror fetches large bodies after the fact: the window keeps its own copy."""
        return False

    # -- the connection ----------------------------------------------------------------------
    def _send(self, text: str) -> None:
        ws = self._ws
        if ws is None:
            raise RuntimeError("not attached")
        with self._send_lock:
            ws.send(text)

    def _read(self, ws: ClientConnection) -> None:
        try:
            for message in ws:
                if isinstance(message, bytes):
                    continue
                try:
                    line = json.loads(message)
                except ValueError:
                    continue
                if isinstance(line, dict):
                    self._on_line(line)
        except ConnectionClosed:
            pass
        if ws is not self._ws and self._ws is not None:
            return  # replaced by a newer connection
        self._on_closed(f"the connection to {self.url} ended")
        if not self._stopping:
            self._reconnect()

    def publish(self, event: Event) -> None:
        self._mirror_event(event)
        super().publish(event)

    def _mirror_event(self, event: Event) -> None:
        mirror = self._mirror
        if isinstance(event, ExchangeAdded | ExchangeUpdated):
            x = event.exchange
            self._last_id = max(self._last_id, x.id)
            if self._catching_up:
                self._live_ids.add(x.id)
            if mirror is None:
                return
            if len(x.body) < x.body_size and x.status is not None:
                self._mirror_in_full(x.id)  # the line did not carry the body
            mirror.submit(x)
        elif isinstance(event, WsMessageAdded | EmulatorEvent) and mirror is not None:
            mirror.submit(event)

    def _mirror_in_full(self, exchange_id: int) -> None:
        def done(f: concurrent.futures.Future[Any]) -> None:
            mirror = self._mirror
            if mirror is None or f.exception() is not None:
                return
            x, messages = f.result()
            mirror.submit(x)
            for m in messages:
                mirror.submit(m)

        self.fetch_exchange(exchange_id).add_done_callback(done)

    def _reconnect(self) -> None:
        self._say("lost", f"the connection to {self.url} ended; connecting again")
        for attempt in range(1, MAX_RECONNECTS + 1):
            time.sleep(RECONNECT_DELAY * attempt)  # a backoff between tries, not a test wait
            if self._stopping:
                return
            try:
                self._connect(CONNECT_TIMEOUT)
            except AttachError as exc:
                log.info("reconnect %d to %s failed: %s", attempt, self.url, exc)
                continue
            self._catch_up()
            self._say("restarted", f"attached to {self.url} again")
            return
        self.running = False
        self._say("gone", f"cannot reach {self.url} after {MAX_RECONNECTS} tries")

    def _catch_up(self) -> None:
        """What happened before the connection (or while it was down), as light rows; rows
        the live events brought meanwhile are not listed twice."""
        self._live_ids = set()
        self._catching_up = True
        try:
            rows = self.send(FetchList(after=self._last_id, limit=FIRST_ROWS)).result(30)
        except (ControlError, concurrent.futures.TimeoutError) as exc:
            log.warning("cannot fetch what was missed from %s: %s", self.url, exc)
            self._catching_up = False
            return
        listed_live, self._catching_up = self._live_ids, False
        for record in rows:
            try:
                x = exchange_from_record(record)
                if x.id in listed_live:
                    continue
                self.publish(ExchangeAdded(x))
            except LineError as exc:
                log.warning("a missed exchange cannot be read: %s", exc)
