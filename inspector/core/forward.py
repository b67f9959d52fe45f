"""Forwarding to the user's own app: the record of a forward and the decisions behind it.

The receiver stands between Deepgram and the user's callback handler, as a reverse proxy
would (Stripe CLI's `listen --forward-to`, ngrok): the same method, the request path appended
to the forward URL's path, the query, the headers in wire order less the hop-by-hop ones
(RFC 9110 7.6.1), `Host` rewritten, `X-Forwarded-For/-Proto/-Host` added, the body byte for
byte. The app's status, headers and body become the reply. All of that is decided here, over
plain data; `engine/forwarder.py` does the I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from .headers import Header, header_values
from .setting_field import setting

# RFC 9110 7.6.1 (Connection, Proxy-Connection, Keep-Alive, TE, Transfer-Encoding, Upgrade)
# plus the proxy auth pair of RFC 9110 11.7 and Trailer; Content-Length is recomputed by the
# side that sends the body on, so it goes too.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "proxy-connection",
        "keep-alive",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "proxy-authenticate",
        "proxy-authorization",
        "content-length",
    }
)
# What the WebSocket handshake itself consists of: each side's own library sends these.
WEBSOCKET_HANDSHAKE = frozenset(
    {
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-accept",
        "sec-websocket-protocol",
    }
)


class ForwardUrlError(ValueError):
    """A forward URL that cannot be used; the message says why."""


@dataclass(frozen=True)
class ForwardSettings:
    """Where requests go on to (the user's own handler), and how long it may take."""

    url: str | None = setting(
        None,
        "send every request on to your app at URL (http or https; WebSockets go to ws/wss of "
        "it) and answer with its reply; reply rules that answer come first",
        "--forward-to",
        "URL",
    )
    timeout: float = setting(
        30.0,
        "seconds your app may take to answer a forwarded request; then the sender gets 504",
        "--forward-timeout",
        "SECONDS",
    )
    enabled: bool = True  # the window's on/off switch; the flag means on

    @property
    def active(self) -> bool:
        return self.enabled and bool(self.url)

    def check(self) -> ForwardSettings:
        """Itself, or ForwardUrlError when the URL is not one to forward to."""
        if self.url:
            check_forward_url(self.url)
        if not self.timeout > 0:
            raise ForwardUrlError(f"--forward-timeout must be more than 0, not {self.timeout}")
        return self


def check_forward_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise ForwardUrlError(
            f"forward URL {url!r}: use http:// or https:// (WebSockets are forwarded to the "
            "ws:// or wss:// of the same address)"
        )
    if not parts.hostname:
        raise ForwardUrlError(f"forward URL {url!r} has no host (e.g. http://127.0.0.1:3000)")
    try:
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError:
        raise ForwardUrlError(f"forward URL {url!r} has a bad port") from None
    if parts.username is not None or parts.fragment:
        raise ForwardUrlError(f"forward URL {url!r}: no user:pass@ and no #fragment, please")
    return url.strip()


@dataclass(frozen=True)
class ForwardResult:
    """What the user's app made of one forwarded request (or WebSocket handshake).

    `status` None means no reply: `error` says why ("connection refused: is your app
    running on 127.0.0.1:3000?"). Headers are the app's, in wire order, as it sent them."""

    url: str
    status: int | None = None
    headers: tuple[Header, ...] = ()
    body: bytes = b""
    body_size: int = 0
    latency_ms: float | None = None
    error: str | None = None
    timed_out: bool = False

    @property
    def summary(self) -> str:
        """One line for the detail pane and the status bar."""
        if self.status is None:
            return f"Your app did not reply: {self.error}"
        took = f" in {self.latency_ms:.0f} ms" if self.latency_ms is not None else ""
        return f"Your app replied {self.status}{took}"


def forward_target(base_url: str, target: str, websocket: bool = False) -> str:
    """The URL a request for `target` (path and query, the callback prefix already taken
    off) goes to: the request path appended to the forward URL's path, queries joined.

    `/` maps to the forward URL itself, so the public callback URL `.../cb/S/` reaches
    exactly the URL the user gave; `/hook` under `http://app/deepgram` is `/deepgram/hook`."""
    base = urlsplit(base_url)
    path, _, query = target.partition("?")
    base_path = base.path or "/"
    if path in ("", "/"):
        joined = base_path
    else:
        joined = base_path.rstrip("/") + (path if path.startswith("/") else "/" + path)
    queries = "&".join(q for q in (base.query, query) if q)
    scheme = base.scheme
    if websocket:
        scheme = {"http": "ws", "https": "wss"}.get(scheme, scheme)
    return f"{scheme}://{base.netloc}{joined}" + (f"?{queries}" if queries else "")


def _connection_tokens(headers: Sequence[Header]) -> set[str]:
    """Header names listed in `Connection:` are hop-by-hop too (RFC 9110 7.6.1)."""
    return {
        token.strip().lower()
        for value in header_values(headers, "connection")
        for token in value.split(",")
        if token.strip()
    }


def end_to_end(headers: Sequence[Header], also: frozenset[str] = frozenset()) -> list[Header]:
    """`headers` less hop-by-hop ones (and `also`), order and duplicates kept."""
    drop = HOP_BY_HOP | also | _connection_tokens(headers)
    return [(n, v) for n, v in headers if n.lower() not in drop]


def forward_request_headers(
    headers: Sequence[Header],
    forward_url: str,
    client_ip: str,
    scheme: str = "http",
    websocket: bool = False,
) -> list[Header]:
    """The headers sent to the app: the sender's in wire order, hop-by-hop removed, `Host`
    rewritten in place to the app's, then `X-Forwarded-For` (the sender's address appended
    to any chain already there, as nginx's `$proxy_add_x_forwarded_for`), and
    `X-Forwarded-Proto` / `X-Forwarded-Host` unless an earlier proxy (a tunnel) set them:
    the first proxy saw what the original client used."""
    app_host = urlsplit(forward_url).netloc
    original_host = ""
    out: list[Header] = []
    drop = WEBSOCKET_HANDSHAKE if websocket else frozenset()
    for name, value in end_to_end(headers, drop | {"x-forwarded-for"}):
        if name.lower() == "host":
            original_host = original_host or value
            out.append((name, app_host))
        else:
            out.append((name, value))
    if not original_host:
        out.insert(0, ("Host", app_host))
    chain = [v.strip() for v in header_values(headers, "x-forwarded-for") if v.strip()]
    out.append(
        ("X-Forwarded-For", ", ".join([*chain, client_ip]) if client_ip else ", ".join(chain))
    )
    if not header_values(headers, "x-forwarded-proto"):
        out.append(("X-Forwarded-Proto", scheme))
    if original_host and not header_values(headers, "x-forwarded-host"):
        out.append(("X-Forwarded-Host", original_host))
    return out


def forward_reply_headers(headers: Sequence[Header]) -> tuple[Header, ...]:
    """The app's reply headers as sent back to the sender: hop-by-hop ones removed (the
    receiver frames the body itself)."""
    return tuple(end_to_end(headers))


def refused_text(url: str) -> str:
    """The error for a connection refused by the app's address: what to check."""
    netloc = urlsplit(url).netloc
    return f"connection refused: is your app running on {netloc}?"


def timeout_text(timeout: float) -> str:
    return f"your app did not answer within {timeout:g} s (--forward-timeout)"


def failure_reply(result: ForwardResult) -> tuple[int, bytes]:
    """What the sender gets when the app gave no reply: 504 for a timeout, else 502, with
    the error as text (a Deepgram attempt then fails and is retried [CB])."""
    status = 504 if result.timed_out else 502
    return status, f"callback-inspector: {result.error}\n".encode()


def reply_parts(result: ForwardResult) -> tuple[int, tuple[Header, ...], bytes]:
    """(status, headers, body) the sender gets for `result`: the app's reply (hop-by-hop
    headers removed), or 502 / 504 saying why there is none; a refused WebSocket upgrade
    keeps the app's status."""
    if result.status is None or result.error is not None:
        status, text = failure_reply(result)
        if result.status is not None:
            status = result.status
        return status, (("Content-Type", "text/plain; charset=utf-8"),), text
    return result.status, forward_reply_headers(result.headers), result.body
