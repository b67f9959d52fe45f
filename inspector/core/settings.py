"""Every limit and Deepgram behaviour in one place, with its default, help text and source.

The CLI builds its flags from these fields (`cli_flag` and `help` metadata), so `serve --help`,
the window and the docs say the same thing (qutebrowser's configdata habit). No other module
hard-codes these numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .attempts import ATTEMPT_MEMORY
from .delivery import DEEPGRAM_MAX_RETRIES, DEEPGRAM_RETRY_DELAY
from .emulator_faults import NO_FAULTS, EmulatorFaults
from .forward import ForwardSettings
from .guard import GuardSettings
from .public_url import PublicUrlSettings
from .rules import Rule
from .setting_field import setting

__all__ = ["MIB", "ForwardSettings", "GuardSettings", "PublicUrlSettings", "setting"]

MIB = 1024 * 1024


@dataclass(frozen=True)
class ReceiverSettings:
    """The user's callback endpoint."""

    host: str = setting(
        "127.0.0.1",
        "address the receiver binds to; anything but loopback exposes it to the network",
        "--host",
        "ADDR",
    )
    port: int = setting(8080, "receiver port (0 picks a free one)", "--port", "PORT")
    # Deepgram transcripts of long audio are tens of MB; aiohttp's 1 MB default would
    # answer 413 to real callbacks [NCB].
    max_body: int = setting(
        64 * MIB, "largest request body accepted; larger ones get 413", "--max-body", "BYTES"
    )
    # Enough of a refused body to read its request_id (Deepgram writes it in the first
    # hundred bytes of `metadata`) and to show what was refused; the rest is not kept.
    keep_refused_body: int = setting(
        16 * 1024,
        "bytes kept (and listed) of a body refused for --max-body: enough to read its "
        "request_id and count its attempts",
        "--keep-refused-body",
        "BYTES",
    )
    # Deepgram's WebSocket callback messages are streaming results [CB][AAS], JSON of a few
    # KB; 10 MiB is a thousand times that, and bounds what one frame from anyone can make the
    # receiver hold, keep and show (aiohttp's default is 4 MiB). Larger: the socket closes 1009.
    max_ws_message: int = setting(
        10 * MIB,
        "largest WebSocket message accepted; a larger one closes the socket with 1009",
        "--max-ws-message",
        "BYTES",
    )
    # aiohttp's defaults, which are also common servers' (8 KB lines and fields). Deepgram's
    # callbacks send about ten short headers; a long signed callback URL stays far below 8 KB.
    max_line_size: int = setting(
        8190,
        "longest request line (method, URL, version); longer ones get 414",
        "--max-line-size",
        "BYTES",
    )
    max_field_size: int = setting(
        8190, "largest header (name and value); larger ones get 431", "--max-field-size", "BYTES"
    )
    max_headers: int = setting(
        128, "most headers in one request; more get 431", "--max-headers", "N"
    )
    # Below the common 1024 open-file limit, with room for the emulator and the session file,
    # so the limit refuses (503, listed) before the system does (accept() failing unseen).
    max_connections: int = setting(
        500,
        "most client connections at once, WebSockets included (0: no limit); the next ones get 503",
        "--max-connections",
        "N",
    )
    # Slowloris: partial request heads held open. Also how long an idle keep-alive connection
    # is kept (aiohttp's default is an hour); nginx uses 60 s for a head, Node.js 5 s idle.
    idle_timeout: float = setting(
        10.0,
        "seconds a connection may take to send a complete request head, from when it opens or "
        "from its last reply; a partial head then gets 408, an idle connection is closed "
        "(0: never)",
        "--idle-timeout",
        "SECONDS",
    )
    # A flood of garbage must not flood the window and the JSON lines with one row each.
    max_listed_refusals: int = setting(
        20,
        "refused requests listed one by one per second; more are counted and listed as one "
        "row per reason",
        "--max-listed-refusals",
        "N",
    )
    # Sized in core/attempts.py: a Deepgram retry comes within ~60 s of the last attempt.
    attempt_memory: int = setting(
        ATTEMPT_MEMORY,
        "request_ids whose attempts are counted (for --fail-first); the least recently seen is "
        "forgotten first and its next attempt counts as 1 (at least 1; read at start)",
        "--attempt-memory",
        "N",
    )


@dataclass(frozen=True)
class EmulatorSettings:
    """The built-in Deepgram stand-in; defaults are Deepgram's own behaviour."""

    host: str = setting("127.0.0.1", "address the emulator binds to", None)
    port: int = setting(8081, "emulator port (0 picks a free one)", "--emulator-port", "PORT")
    api_key: str | None = setting(
        None,
        "the only API key the emulator accepts (default: any non-empty key)",
        "--api-key",
        "KEY",
    )
    # Deepgram allows callbacks only on ports 80/443/8080/8443 [CB]; local receivers on
    # other ports need this.
    relaxed_ports: bool = setting(
        False, "accept callback URLs on any port, not only 80/443/8080/8443", "--relaxed-ports"
    )
    # "retried up to 10 times, 30 s apart" [CB]: core/delivery.py
    retry_delay: float = setting(
        DEEPGRAM_RETRY_DELAY,
        f"seconds between callback attempts (Deepgram: {DEEPGRAM_RETRY_DELAY:g})",
        "--retry-delay",
        "SECONDS",
    )
    max_retries: int = setting(
        DEEPGRAM_MAX_RETRIES,
        f"retries after the first failed attempt (Deepgram: {DEEPGRAM_MAX_RETRIES})",
        "--max-retries",
        "N",
    )
    attempt_timeout: float = setting(
        30.0,
        "seconds one callback attempt may take before it counts as failed",
        "--attempt-timeout",
        "SECONDS",
    )
    # Decision (REFERENCE.md section 2): 3xx is not success.
    redirect_is_failure: bool = setting(
        True,
        "count a 3xx callback reply as a failed attempt (Deepgram does not document it)",
        "--redirect-is-failure",
    )
    # Decision (REFERENCE.md section 3): the client socket also receives every message.
    stream_callback_only: bool = setting(
        False,
        "with a streaming callback, send results only to the callback, not to the client",
        "--stream-callback-only",
    )
    # [WSE] about 10 s of no data closes a stream with 1011 NET-0001.
    stream_idle_timeout: float = setting(
        10.0,
        "seconds without audio before a live stream is closed 1011 (NET-0001)",
        "--stream-idle-timeout",
        "SECONDS",
    )
    max_audio_bytes: int = setting(
        512 * MIB, "largest audio file or URL download accepted", "--max-audio", "BYTES"
    )
    url_fetch_timeout: float = setting(
        60.0, 'seconds allowed to download audio given as {"url": ...}', None
    )
    user_agent: str = setting(
        "callback-inspector-emulator (Deepgram emulator; not Deepgram)",
        "User-Agent of callback requests (Deepgram's own is not documented)",
        "--callback-user-agent",
        "TEXT",
    )


@dataclass(frozen=True)
class ControlSettings:
    """The control API of `serve`: a WebSocket that a window (`gui --attach`) or a script uses
    to watch the engine's events and send it commands (core/control.py). Off unless a port
    is given; every connection needs the token, and it binds loopback unless told."""

    port: int | None = setting(
        None,
        "serve the control API on ws://HOST:PORT/control (0 picks a free port; default: off)",
        "--control-port",
        "PORT",
    )
    host: str = setting(
        "127.0.0.1",
        "address the control API binds to; anything but loopback lets others steer this engine "
        "(with the token)",
        "--control-host",
        "ADDR",
    )
    # >= 128 random bits, compared in constant time; the file is created 0600 when missing.
    token_file: str | None = setting(
        None,
        "file holding the control API's token (created, mode 0600, with a new random token "
        "when missing; default: control-token in the data folder)",
        "--control-token-file",
        "FILE",
    )
    tls_cert: str | None = setting(
        None, "serve the control API over TLS (wss://) with this PEM certificate", "--tls-cert",
        "FILE",
    )
    tls_key: str | None = setting(
        None, "the private key (PEM) of --tls-cert", "--tls-key", "FILE"
    )


@dataclass(frozen=True)
class EngineSettings:
    """Everything an engine starts with (engine/engine.py); plain data, so the window can
    hand it to an engine in another process (engine/child_engine.py turns it into `serve`
    flags) without importing the network stack."""

    receiver: ReceiverSettings = field(default_factory=ReceiverSettings)
    emulator: EmulatorSettings | None = None  # None: no emulator
    rules: tuple[Rule, ...] = ()
    data_dir: Path | None = None  # keep a session file there; None: memory only
    # Append to this session file instead of starting a new one in data_dir (ids go on after
    # its last): how the window's restarted engine keeps capturing into the same session.
    session_file: Path | None = None
    keep_sessions: int | None = None  # retention: captured sessions kept in data_dir (None: all)
    # Keep what a control-API client may ask for again (engine/recall.py): on for `serve`
    # with a control transport, off otherwise (nothing asks).
    recall: bool = False
    control: ControlSettings | None = None  # the control API's WebSocket (None: none)
    control_token: str | None = None  # its token (engine/control_server.py reads the file)
    faults: EmulatorFaults = NO_FAULTS  # Deepgram-side failures injected from the start
    # Issue 13: forwarding to the user's app, the receiver's guards, a public URL at start.
    forward: ForwardSettings = field(default_factory=ForwardSettings)
    guard: GuardSettings = field(default_factory=GuardSettings)
    public: PublicUrlSettings | None = None
