"""The query a submission sends to `/v1/listen`, from what the user picked (the window's
Submit panel today; any front end tomorrow): plain data in, query pairs and URLs out.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

# The on/off options, in the order the Submit panel shows them; each is sent as NAME=true.
LISTEN_FLAGS = ("punctuate", "smart_format", "diarize", "utterances", "interim_results")
STREAMING_ONLY_FLAGS = frozenset({"interim_results"})


@dataclass(frozen=True)
class ListenChoices:
    """What the user picked; turned into /v1/listen query parameters."""

    model: str = ""
    punctuate: bool = False
    smart_format: bool = False
    diarize: bool = False
    utterances: bool = False
    interim_results: bool = False
    extra: str = ""  # "key:value, key:value"
    tag: str = ""  # "a, b"
    callback: str | None = None
    callback_method: str = "POST"


def listen_params(c: ListenChoices, streaming: bool) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    if c.model.strip():
        params.append(("model", c.model.strip()))
    for name in LISTEN_FLAGS:
        if getattr(c, name) and (streaming or name not in STREAMING_ONLY_FLAGS):
            params.append((name, "true"))
    params += [("extra", e.strip()) for e in c.extra.split(",") if e.strip()]
    params += [("tag", t.strip()) for t in c.tag.split(",") if t.strip()]
    if c.callback:
        params.append(("callback", c.callback))
        if not streaming and c.callback_method.upper() == "PUT":
            params.append(("callback_method", "put"))
    return params


def with_userinfo(url: str, user: str, password: str) -> str:
    """`url` with `user:password@` (percent-encoded) when a user is given."""
    if not user:
        return url
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    userinfo = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{host}"))


def swap_scheme(url: str, streaming: bool) -> str:
    """http<->ws for the receiver's callback when streaming is switched."""
    if streaming and url.startswith(("http://", "https://")):
        return "ws" + url[4:]
    if not streaming and url.startswith(("ws://", "wss://")):
        return "http" + url[2:]
    return url
