"""Check a `callback=` URL against Deepgram's rules before accepting the request.

Rules [CB]: `http`/`https` only (streaming also `ws`/`wss`); ports 80, 443, 8080, 8443 only;
`user:pass@` userinfo allowed (sent as Basic auth); no underscore in the host (Deepgram
answers "Failed to resolve callback"). **Decision** [REFERENCE §2]: validate at submit time,
so a bad URL is a 400 now rather than a callback that silently never arrives; "relaxed
ports" lets a receiver on localhost:9000 through.

Every error says what is wrong and how to fix it, because this message is what the user
reads in the UI when their integration is misconfigured.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

DEEPGRAM_CALLBACK_PORTS: tuple[int, ...] = (80, 443, 8080, 8443)
"""The only ports Deepgram calls back on [CB]."""

_HTTP_SCHEMES = ("http", "https")
_WEBSOCKET_SCHEMES = ("ws", "wss")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_WHITESPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f]")
# `//user:PASSWORD@`: the password runs to the authority's last `@`, as urlsplit reads it.
_USERINFO_PASSWORD = re.compile(r"(//[^/?#:]*:)[^/?#]*@")


class CallbackUrlError(ValueError):
    """A callback URL Deepgram would not call; `reason` says what to change.

    The message shows the URL with any password replaced by `***`.
    """

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"callback URL {_redacted(url)!r}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class CallbackTarget:
    """Where and how to deliver a callback.

    `url_without_userinfo` is the URL to connect to (scheme, host, explicit port, path and
    query; no userinfo, no fragment); the credentials travel as a Basic header instead.
    """

    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None
    url_without_userinfo: str
    is_websocket: bool


def validate_callback_url(
    url: str, *, streaming: bool = False, relaxed_ports: bool = False
) -> CallbackTarget:
    """The delivery target for `url`, or `CallbackUrlError` saying what is wrong [CB]."""
    if not url:
        raise CallbackUrlError(
            url, "the URL is empty; give a full URL like https://example.com/hook"
        )
    if _WHITESPACE_OR_CONTROL.search(url):
        raise CallbackUrlError(
            url, "the URL contains spaces or control characters; percent-encode them (space = %20)"
        )
    try:
        url.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: bytes that were not UTF-8 (argv, a file)
        raise CallbackUrlError(
            url, "the URL is not valid UTF-8 text; percent-encode its bytes (e.g. %C3%A9)"
        ) from None
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: "http://[::1/hook"
        raise CallbackUrlError(
            url, "the host is not valid; write IPv6 addresses in brackets, e.g. http://[::1]:8080/"
        ) from None
    scheme = parts.scheme.lower()
    _check_scheme(url, scheme, streaming)
    host = _host(url, parts)
    port = _port(url, parts, scheme)
    if port not in DEEPGRAM_CALLBACK_PORTS and not relaxed_ports:
        allowed = ", ".join(str(p) for p in DEEPGRAM_CALLBACK_PORTS)
        raise CallbackUrlError(
            url,
            f"port {port} is not one Deepgram calls back on ({allowed}); use one of those, "
            "or turn on relaxed ports for a local receiver",
        )
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    return CallbackTarget(
        scheme=scheme,
        host=host,
        port=port,
        username=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
        url_without_userinfo=urlunsplit((scheme, netloc, parts.path, parts.query, "")),
        is_websocket=scheme in _WEBSOCKET_SCHEMES,
    )


def _check_scheme(url: str, scheme: str, streaming: bool) -> None:
    if scheme in _HTTP_SCHEMES:
        return
    if scheme in _WEBSOCKET_SCHEMES:
        if streaming:
            return
        raise CallbackUrlError(
            url,
            f"{scheme}:// callbacks are only for streaming requests; "
            "use http:// or https:// for pre-recorded audio",
        )
    allowed = "http, https, ws or wss" if streaming else "http or https"
    if not scheme:
        raise CallbackUrlError(
            url, f"the URL has no scheme; start it with {allowed}, e.g. https://example.com/hook"
        )
    raise CallbackUrlError(url, f"scheme {scheme!r} is not supported; use {allowed}")


def _host(url: str, parts: SplitResult) -> str:
    host = parts.hostname
    if not host:
        raise CallbackUrlError(
            url, "the URL has no host; give a full URL like https://example.com/hook"
        )
    if "_" in host:
        raise CallbackUrlError(
            url,
            f"host {host!r} contains an underscore, which Deepgram cannot resolve "
            '("Failed to resolve callback"); use a host name without "_"',
        )
    return host


def _port(url: str, parts: SplitResult, scheme: str) -> int:
    try:
        explicit = parts.port
    except ValueError:
        raise CallbackUrlError(
            url,
            "the port is not a number from 1 to 65535; write it like https://example.com:8443/hook",
        ) from None
    if explicit == 0:
        raise CallbackUrlError(url, "port 0 cannot be called; use 80, 443, 8080 or 8443")
    return explicit if explicit is not None else _DEFAULT_PORTS[scheme]


def _redacted(url: str) -> str:
    """`url` with every userinfo password replaced by `***`, for messages and logs.

    Done on the text rather than with `urlsplit`, so the URLs that most need an error
    message (an unclosed IPv6 bracket, no scheme) still have their password hidden.
    """
    return _USERINFO_PASSWORD.sub(r"\1***@", url)
