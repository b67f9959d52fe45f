"""HAR 1.2 export and import, with WebSocket messages in Chrome's `_webSocketMessages` form.

Export writes what browser devtools and HTTP Toolkit read: one entry per exchange, request
and reply with headers in wire order, bodies as text (UTF-8) or base64 with
`encoding: "base64"`, and for a WebSocket its messages as `{type, time, opcode, data}` where
`type` is from the client's side (what the client sent is "send"). What HAR has no field
for (our id, attempt, client address, exact times, how a socket ended) goes in an
`_inspector` object, so an exported file imports back to the same records.

Import also reads HARs made elsewhere (Chrome, Firefox), where every optional field may be
missing; such a file becomes a read-only session. Anything that is not a HAR is a `HarError`
saying where it went wrong.

`mask_secrets` replaces Authorization values, the WebSocket key subprotocol, URL passwords,
and the given key strings with `***` everywhere in the file (bodies included: the masking is
done on the bytes before they are base64-encoded).

Why this module is long: export and import are one mapping read both ways (an exported file must
import back to the same records), so each field's writer and reader stay in one file.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import urllib.parse
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from ..core.body_view import view_body, view_body_prefix
from ..core.deepgram_auth import parse_api_key
from ..core.event_json import iso_time
from ..core.forward import ForwardResult, forward_reply_headers
from ..core.headers import Header, first_header
from ..core.records import ClosedBy, Direction, Exchange, ExchangeKind, WsEnd, WsKind, WsMessage
from ..core.row_expr import Pred
from .library import SUFFIX, SessionLibrary
from .session_reader import SessionReader

HAR_VERSION = "1.2"
MASK = "***"
_MASKED_HEADERS = frozenset({"authorization", "proxy-authorization"})
# scheme://user:PASSWORD@ , plain or percent-encoded (a callback URL inside a query string).
_URL_PASSWORD = re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^/\s:@\"'<>]*:)([^@\s/\"'<>]+)(@)")
_URL_PASSWORD_ENCODED = re.compile(
    r"(?i)([a-z][a-z0-9+.-]*%3A%2F%2F(?:(?!%2F|%40|%3A)[^/\s&\"'<>])*%3A)"
    r"((?:(?!%40)[^@/\s&\"'<>])+)(%40)"
)


class HarError(ValueError):
    """Not a HAR, or a HAR this reader cannot make records of; the message says where."""


# What a session can store and export again: SQLite integers are 64-bit, and every time
# must be a date `iso_time` can write (HAR's `startedDateTime`, the JSON lines).
_INT64 = range(-(2**63), 2**63)


# -- export ------------------------------------------------------------------------------
def _content(data: bytes) -> dict[str, Any]:
    """Text when the bytes are UTF-8, else base64 (the HAR 1.2 `encoding` field)."""
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"text": base64.b64encode(data).decode("ascii"), "encoding": "base64"}


def _har_headers(headers: Iterable[Header]) -> list[dict[str, str]]:
    return [{"name": n, "value": v} for n, v in headers]


def _url(x: Exchange) -> str:
    host = first_header(x.headers, "host") or "localhost"
    scheme = "ws" if x.kind is ExchangeKind.WEBSOCKET else "http"
    target = x.target if x.target.startswith("/") else "/" + x.target
    return f"{scheme}://{host}{target}"


def _query_string(target: str) -> list[dict[str, str]]:
    query = target.partition("?")[2]
    return [
        {"name": n, "value": v} for n, v in urllib.parse.parse_qsl(query, keep_blank_values=True)
    ]


def _mime(headers: Iterable[Header]) -> str:
    return first_header(tuple(headers), "content-type") or ""


class _Masker:
    def __init__(self, secrets: Sequence[str]) -> None:
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        variants: set[str] = set()
        for s in self.secrets:
            variants.update({s, urllib.parse.quote(s, safe=""), urllib.parse.quote_plus(s)})
        self.variants = sorted(variants, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.variants:
            value = value.replace(secret, MASK)
        value = _URL_PASSWORD.sub(lambda m: m.group(1) + MASK + m.group(3), value)
        return _URL_PASSWORD_ENCODED.sub(lambda m: m.group(1) + MASK + m.group(3), value)

    def data(self, value: bytes) -> bytes:
        masked = value
        for secret in self.variants:
            masked = masked.replace(secret.encode("utf-8"), MASK.encode())
        try:
            text = masked.decode("utf-8")
        except UnicodeDecodeError:
            return masked
        return self.text(text).encode("utf-8")

    def headers(self, headers: Iterable[Header]) -> list[Header]:
        out = []
        for name, value in headers:
            lower = name.lower()
            if lower in _MASKED_HEADERS:
                value = MASK
            elif lower == "sec-websocket-protocol":
                key = parse_api_key(None, value.split(","))
                if key:
                    value = value.replace(key, MASK)
            out.append((self.text(name), self.text(value)))
        return out

    def walk(self, value: Any) -> Any:
        """Every string in a JSON value, masked."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.walk(v) for v in value]
        if isinstance(value, dict):
            return {k: self.walk(v) for k, v in value.items()}
        return value


def exchange_to_entry(
    x: Exchange, messages: Sequence[WsMessage] = (), masker: _Masker | None = None
) -> dict[str, Any]:
    """One HAR entry for `x` (and its WebSocket messages). A forwarded request's response
    is the user's app's reply, as the app sent it (issue 13); `_inspector.forward` says
    where it went and how long the app took."""
    headers: Sequence[Header] = x.headers
    reply_headers: Sequence[Header] = x.reply_headers
    body, reply_body = x.body, x.reply_body
    forward = x.forward
    if forward is not None and forward.status is not None and forward.error is None:
        reply_headers, reply_body = forward.headers, forward.body
    if masker is not None:
        headers, reply_headers = masker.headers(headers), masker.headers(reply_headers)
        body, reply_body = masker.data(body), masker.data(reply_body)
    duration = max(x.duration_ms or 0.0, 0.0)
    request: dict[str, Any] = {
        "method": x.method,
        "url": _url(x),
        "httpVersion": x.http_version,
        "cookies": [],
        "headers": _har_headers(headers),
        "queryString": _query_string(x.target),
        "headersSize": -1,
        # A refused body keeps only its start: the size is what arrived, the text what was kept.
        "bodySize": x.body_size if x.body_size > len(x.body) else len(body),
    }
    if body or x.body_size:
        request["postData"] = {"mimeType": _mime(headers), **_content(body)}
        if x.body_size > len(x.body):
            request["postData"]["comment"] = (
                f"only the first {len(x.body)} of {x.body_size} bytes were kept: {x.note}"
            )
    response: dict[str, Any] = {
        "status": x.status or 0,
        "statusText": "",
        "httpVersion": x.http_version,
        "cookies": [],
        "headers": _har_headers(reply_headers),
        "content": {"size": len(reply_body), "mimeType": _mime(reply_headers)},
        "redirectURL": first_header(tuple(reply_headers), "location") or "",
        "headersSize": -1,
        "bodySize": len(reply_body),
    }
    if reply_body:
        response["content"].update(_content(reply_body))
    end = x.ws_end
    entry: dict[str, Any] = {
        "startedDateTime": iso_time(x.started),
        "time": duration,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {
            "blocked": -1,
            "dns": -1,
            "connect": -1,
            "ssl": -1,
            "send": 0,
            "wait": duration,
            "receive": 0,
        },
        "_inspector": {
            "id": x.id,
            "kind": x.kind.value,
            "started": x.started,
            "finished": x.finished,
            "client": x.client,
            "target": x.target,
            "status": x.status,
            "body_size": x.body_size,
            "attempt": x.attempt,
            "ws_messages": x.ws_messages,
            "ws_end": None
            if end is None
            else {"by": end.by.value, "code": end.code, "reason": end.reason},
            "note": x.note,
        },
    }
    if forward is not None:
        entry["_inspector"]["forward"] = {
            "url": forward.url,
            "status": forward.status,
            "latency_ms": forward.latency_ms,
            "error": forward.error,
            "timed_out": forward.timed_out,
        }
    if x.probe:
        entry["_inspector"]["probe"] = True
    if x.kind is ExchangeKind.WEBSOCKET:
        entry["_resourceType"] = "websocket"
        entry["_webSocketMessages"] = [_ws_message(m, masker) for m in messages]
    if masker is not None:
        entry = masker.walk(entry)
    return entry


def _ws_message(m: WsMessage, masker: _Masker | None) -> dict[str, Any]:
    data = masker.data(m.data) if masker is not None else m.data
    out: dict[str, Any] = {
        "type": "send" if m.direction is Direction.IN else "receive",
        "time": m.time,
        "opcode": 1 if m.kind is WsKind.TEXT else 2,
    }
    if m.kind is WsKind.TEXT:
        out["data"] = data.decode("utf-8", errors="backslashreplace")
    else:
        out["data"] = base64.b64encode(data).decode("ascii")
        out["encoding"] = "base64"
    return out


def to_har(
    exchanges: Iterable[Exchange],
    messages_of: Callable[[int], Sequence[WsMessage]] | None = None,
    *,
    mask_secrets: bool = False,
    secrets: Sequence[str] = (),
    creator_version: str = "",
) -> dict[str, Any]:
    """A HAR 1.2 log of `exchanges`; `messages_of(id)` gives a WebSocket's messages."""
    masker = _Masker(secrets) if mask_secrets else None
    entries = [
        exchange_to_entry(
            x,
            messages_of(x.id) if messages_of and x.kind is ExchangeKind.WEBSOCKET else (),
            masker,
        )
        for x in exchanges
    ]
    return {
        "log": {
            "version": HAR_VERSION,
            "creator": {"name": "callback-inspector", "version": creator_version or "0"},
            "pages": [],
            "entries": entries,
        }
    }


def write_har(
    reader: SessionReader,
    path: str | Path,
    *,
    mask_secrets: bool = False,
    secrets: Sequence[str] = (),
    where: Pred | None = None,
    after: int | None = None,
) -> int:
    """Export the session `reader` to `path` (with `where`, only the exchanges it holds
    for: `export --filter`; with `after`, only those with a higher id: the live list after a
    Clear); returns the entry count."""
    har = to_har(
        reader.exchanges(where=where, after=after),
        reader.messages,
        mask_secrets=mask_secrets,
        secrets=secrets,
        creator_version=reader.meta().app_version,
    )
    Path(path).write_text(json.dumps(har, indent=1, ensure_ascii=False), encoding="utf-8")
    return len(har["log"]["entries"])


# -- import ------------------------------------------------------------------------------
def _field(obj: dict[str, Any], key: str, kind: Any, where: str, default: Any = ...) -> Any:
    if key not in obj or obj[key] is None:
        if default is ...:
            raise HarError(f"{where}.{key} is missing")
        return default
    value = obj[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        try:
            value = float(value)
        except OverflowError:
            raise HarError(f"{where}.{key} is too large: {str(value)[:20]}...") from None
    if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)):
        raise HarError(f"{where}.{key} should be {_kind_name(kind)}, not {type(value).__name__}")
    if kind is float and not math.isfinite(value):
        raise HarError(f"{where}.{key} should be a finite number, not {value!r}")
    if kind is int and value not in _INT64:
        raise HarError(f"{where}.{key} is out of range (64-bit): {str(value)[:20]}")
    return value


def _epoch(value: float, where: str) -> float:
    """`value` (epoch seconds), refused when no date can be written for it."""
    try:
        iso_time(value)
    except (ValueError, OverflowError, OSError):
        raise HarError(f"{where} is not a time between the years 1 and 9999: {value!r}") from None
    return value


def _time_field(obj: dict[str, Any], key: str, where: str) -> float | None:
    value = _field(obj, key, float, where, None)
    return None if value is None else _epoch(value, f"{where}.{key}")


def _kind_name(kind: Any) -> str:
    names = {str: "a string", int: "an integer", float: "a number", dict: "an object"}
    return names.get(kind, "a list")


def _clean(text: str) -> str:
    """JSON may carry lone surrogates, which SQLite (UTF-8) cannot store: escape them."""
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


def _headers_of(obj: dict[str, Any], where: str) -> tuple[Header, ...]:
    raw = _field(obj, "headers", list, where, [])
    out = []
    for i, h in enumerate(raw):
        if not isinstance(h, dict):
            raise HarError(f"{where}.headers[{i}] should be an object")
        name = _field(h, "name", str, f"{where}.headers[{i}]")
        value = _field(h, "value", str, f"{where}.headers[{i}]", "")
        out.append((_clean(name), _clean(value)))
    return tuple(out)


def _decode(obj: dict[str, Any], where: str) -> bytes:
    text = _field(obj, "text", str, where, "")
    encoding = obj.get("encoding") or obj.get("_encoding")
    if encoding == "base64":
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise HarError(f"{where}.text is not valid base64") from None
    return text.encode("utf-8", errors="surrogatepass")


def _started(entry: dict[str, Any], where: str) -> float:
    text = _field(entry, "startedDateTime", str, where, "")
    if not text:
        return 0.0
    try:
        started = datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except (ValueError, OverflowError, OSError):  # the latter two: year 1 or 9999, local time
        raise HarError(f"{where}.startedDateTime is not an ISO 8601 time: {text[:40]!r}") from None
    return _epoch(started, f"{where}.startedDateTime")


def _target_of(url: str, where: str) -> str:
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:  # an unclosed IPv6 bracket, a host that normalises to a delimiter
        raise HarError(f"{where}.url is not a URL: {url[:80]!r}") from None
    if parts.scheme and parts.netloc:
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if url.startswith("/") or url == "*":
        return url
    raise HarError(f"{where}.url is not a URL: {url[:80]!r}")


def entry_to_records(
    entry: Any, number: int, where: str
) -> tuple[Exchange, list[WsMessage], int | None]:
    """The exchange (with id `number` unless `_inspector.id` says otherwise), its messages,
    and the id the entry asked for (None when it did not)."""
    if not isinstance(entry, dict):
        raise HarError(f"{where} should be an object")
    request = _field(entry, "request", dict, where)
    response = _field(entry, "response", dict, where, {})
    ours = _field(entry, "_inspector", dict, where, {})
    mine = f"{where}._inspector"
    method = _clean(_field(request, "method", str, f"{where}.request"))
    url = _clean(_field(request, "url", str, f"{where}.request"))
    messages_raw = _field(entry, "_webSocketMessages", list, where, None)
    kind_text = _field(ours, "kind", str, mine, None)
    if kind_text is not None:
        if kind_text not in ("http", "websocket"):
            raise HarError(f"{mine}.kind should be http or websocket, not {kind_text[:20]!r}")
        kind = ExchangeKind(kind_text)
    elif (
        messages_raw is not None
        or entry.get("_resourceType") == "websocket"
        or url.lower().startswith(("ws:", "wss:"))
    ):
        kind = ExchangeKind.WEBSOCKET
    else:
        kind = ExchangeKind.HTTP
    post = _field(request, "postData", dict, f"{where}.request", None)
    body = _decode(post, f"{where}.request.postData") if post is not None else b""
    content = _field(response, "content", dict, f"{where}.response", {})
    reply_body = _decode(content, f"{where}.response.content")
    asked = _field(ours, "id", int, mine, None)
    started = _time_field(ours, "started", mine)
    if started is None:
        started = _started(entry, where)
    status = _field(response, "status", int, f"{where}.response", 0)
    if "status" in ours:
        status = _field(ours, "status", int, mine, None)
    elif status == 0:
        status = None  # Chrome writes 0 for a request that got no reply
    finished = _time_field(ours, "finished", mine)
    if finished is None and "_inspector" not in entry:
        total = _field(entry, "time", float, where, None)
        if total is not None and total >= 0:
            finished = _epoch(started + total / 1000.0, f"{where}.time")
    end_raw = _field(ours, "ws_end", dict, mine, None)
    ws_end = None
    if end_raw is not None:
        by = _field(end_raw, "by", str, f"{mine}.ws_end")
        if by not in {c.value for c in ClosedBy}:
            raise HarError(f"{mine}.ws_end.by should be client, server or abort")
        ws_end = WsEnd(
            ClosedBy(by),
            _field(end_raw, "code", int, f"{mine}.ws_end", None),
            _clean(_field(end_raw, "reason", str, f"{mine}.ws_end", "")),
        )
    exchange_id = asked if asked is not None else number
    body_size = _field(ours, "body_size", int, mine, len(body))
    messages = _messages(messages_raw or [], exchange_id, f"{where}._webSocketMessages")
    reply_headers = _headers_of(response, f"{where}.response")
    forward = _forward_of(ours, mine, reply_headers, reply_body)
    if forward is not None and forward.status is not None and forward.error is None:
        reply_headers = forward_reply_headers(reply_headers)  # what the receiver sent on
    exchange = Exchange(
        id=exchange_id,
        kind=kind,
        started=started,
        client=_clean(_field(ours, "client", str, mine, "")),
        method=method,
        target=_clean(
            _field(ours, "target", str, mine, None) or _target_of(url, f"{where}.request")
        ),
        http_version=_clean(_field(request, "httpVersion", str, f"{where}.request", "HTTP/1.1")),
        headers=_headers_of(request, f"{where}.request"),
        body=body,
        body_size=body_size,
        attempt=_field(ours, "attempt", int, mine, 1),
        status=status,
        reply_headers=reply_headers,
        reply_body=reply_body,
        finished=finished,
        ws_end=ws_end,
        ws_messages=_field(ours, "ws_messages", int, mine, len(messages)),
        note=_clean(_field(ours, "note", str, mine, "")),
        view=view_body_prefix(body) if body_size > len(body) else view_body(body),
        forward=forward,
        probe=_field(ours, "probe", bool, mine, False),
    )
    return exchange, messages, asked


def _forward_of(
    ours: dict[str, Any], mine: str, headers: tuple[Header, ...], body: bytes
) -> ForwardResult | None:
    """`_inspector.forward` back to the record: the response was the app's when it replied."""
    raw = _field(ours, "forward", dict, mine, None)
    if raw is None:
        return None
    where = f"{mine}.forward"
    status = _field(raw, "status", int, where, None)
    error = _field(raw, "error", str, where, None)
    replied = status is not None and error is None
    latency = _field(raw, "latency_ms", float, where, None)
    return ForwardResult(
        url=_clean(_field(raw, "url", str, where)),
        status=status,
        headers=headers if replied else (),
        body=body if replied else b"",
        body_size=len(body) if replied else 0,
        latency_ms=latency,
        error=_clean(error) if error is not None else None,
        timed_out=_field(raw, "timed_out", bool, where, False),
    )


def _messages(raw: list[Any], exchange_id: int, where: str) -> list[WsMessage]:
    out: list[WsMessage] = []
    for i, m in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(m, dict):
            raise HarError(f"{at} should be an object")
        kind_text = _field(m, "type", str, at)
        if kind_text not in ("send", "receive"):
            raise HarError(f"{at}.type should be send or receive, not {kind_text[:20]!r}")
        opcode = _field(m, "opcode", int, at, 1)
        if opcode not in (1, 2):
            continue  # control frames (ping, close) are not messages
        data_text = _field(m, "data", str, at, "")
        if opcode == 2:
            # Chrome writes binary frames as base64 without saying so; ours add `encoding`.
            try:
                data = base64.b64decode(data_text, validate=True)
            except (binascii.Error, ValueError):
                if m.get("encoding") == "base64":
                    raise HarError(f"{at}.data is not valid base64") from None
                data = data_text.encode("utf-8", errors="surrogatepass")
        else:
            data = data_text.encode("utf-8", errors="backslashreplace")
        out.append(
            WsMessage(
                exchange_id=exchange_id,
                index=len(out),
                direction=Direction.IN if kind_text == "send" else Direction.OUT,
                kind=WsKind.TEXT if opcode == 1 else WsKind.BINARY,
                data=data,
                time=_time_field(m, "time", at) or 0.0,
            )
        )
    return out


def har_to_records(data: Any) -> tuple[list[Exchange], list[WsMessage]]:
    """The exchanges and WebSocket messages of a HAR (parsed JSON)."""
    if not isinstance(data, dict):
        raise HarError("not a HAR: the top level should be an object with `log`")
    log = _field(data, "log", dict, "HAR")
    entries = _field(log, "entries", list, "log")
    records = [entry_to_records(e, i + 1, f"log.entries[{i}]") for i, e in enumerate(entries)]
    asked = [a for _, _, a in records]
    if None in asked or len(set(asked)) != len(asked):
        # Made elsewhere, or ids that collide: number the entries in file order.
        records = [
            (replace(x, id=i + 1), [replace(m, exchange_id=i + 1) for m in msgs], None)
            for i, (x, msgs, _) in enumerate(records)
        ]
    exchanges = [x for x, _, _ in records]
    messages = [m for _, msgs, _ in records for m in msgs]
    return exchanges, messages


# A compressed HAR's JSON may be this big at most (a small file can unpack to far more).
MAX_UNPACKED = 4 * 1024**3


def _unpacked(data: bytes, path: str | Path) -> bytes:
    """`data` as JSON bytes: mitmproxy's `.zhar` is zlib, a `.har.gz` gzip; a plain HAR (a
    UTF-8 BOM and all) is returned as it is."""
    if data[:2] == b"\x1f\x8b":
        wbits, what = 16 + zlib.MAX_WBITS, "gzip"
    elif len(data) > 1 and data[0] == 0x78 and (data[0] << 8 | data[1]) % 31 == 0:
        wbits, what = zlib.MAX_WBITS, "zlib"
    else:
        return data
    unpack = zlib.decompressobj(wbits)
    try:
        out = unpack.decompress(data, MAX_UNPACKED)
    except zlib.error as exc:
        raise HarError(f"{path} is not a HAR file (damaged {what} data: {exc})") from None
    if unpack.unconsumed_tail:
        raise HarError(f"{path} unpacks to more than {MAX_UNPACKED // 1024**3} GiB of JSON")
    if not unpack.eof:
        raise HarError(f"{path} is not a HAR file (its {what} data ends too early)")
    return out


def load_har(path: str | Path) -> Any:
    """Parsed JSON of a HAR file (plain, mitmproxy's zlib `.zhar` or gzip), or HarError
    saying why it is not one."""
    try:
        text = _unpacked(Path(path).read_bytes(), path)
    except OSError as exc:
        raise HarError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise HarError(f"{path} is not a HAR file (not JSON: {exc})") from None


def import_har(path: str | Path, library: SessionLibrary) -> tuple[str, int]:
    """Make a read-only session of the HAR at `path`; returns (session id, exchange count)."""
    path = Path(path)
    exchanges, messages = har_to_records(load_har(path))
    # Named and ordered by when it was imported; the traffic keeps its own times.
    writer = library.create(source=f"har:{path.name}", read_only=True)
    try:
        futures = [writer.submit(x) for x in exchanges]
        futures += [writer.submit(m) for m in messages]
        for future in futures:
            future.result()
    finally:
        writer.close()
    return writer.path.name[: -len(SUFFIX)], len(exchanges)
