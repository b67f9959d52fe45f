"""The public URL in front of the receiver: its settings, its states, and reading cloudflared.

Three ways to a public URL (issue 13): a cloudflared quick tunnel, ngrok through its official
SDK, or the user's own URL (a reverse proxy, a server, a tunnel they run). The engine side
(`engine/public_url/`) runs them; what they report, and how cloudflared's log is read, are
plain decisions here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit

from .setting_field import setting

PROVIDERS = ("cloudflared", "ngrok", "url")  # "url": the user's own (--public-url)
PROBE_HEADER = "X-Callback-Inspector-Probe"


class PublicUrlSettingError(ValueError):
    """A public-URL setting that cannot be used; the message names the flag."""


@dataclass(frozen=True)
class PublicUrlSettings:
    """Which public URL to start, and the limits of starting and probing it."""

    provider: str | None = setting(
        None,
        "open a public URL with cloudflared (a quick tunnel, no account) or ngrok "
        "(needs NGROK_AUTHTOKEN or a token in the OS keyring); capture goes on locally if it "
        "fails",
        "--public",
        "cloudflared|ngrok",
    )
    url: str | None = setting(
        None,
        "your own public URL that reaches this receiver (a reverse proxy, a server, a tunnel "
        "you run); it is probed like the others",
        "--public-url",
        "URL",
    )
    cloudflared: str = setting(
        "cloudflared", "the cloudflared executable to run", "--cloudflared", "PATH"
    )
    # cloudflared prints its URL within seconds; DNS for it may take longer (the probe).
    start_timeout: float = setting(
        30.0,
        "seconds a provider may take to give a URL before it counts as failed",
        "--public-start-timeout",
        "SECONDS",
    )
    probe_timeout: float = setting(
        30.0,
        "seconds the probe keeps trying the public URL (quick tunnels take a while)",
        "--probe-timeout",
        "SECONDS",
    )
    connect_to: str | None = setting(
        None,
        "send the probe for HOST:PORT to HOST2:PORT2 instead, as curl's --connect-to does "
        "(split DNS, a local test of a tunnel)",
        "--probe-connect-to",
        "HOST:PORT:HOST2:PORT2",
    )

    @property
    def chosen(self) -> str | None:
        """The provider to start: "url" for --public-url, else --public, else None."""
        return "url" if self.url else self.provider

    def check(self) -> PublicUrlSettings:
        if self.provider is not None and self.provider not in ("cloudflared", "ngrok"):
            raise PublicUrlSettingError(
                f"--public {self.provider!r}: choose cloudflared or ngrok (or --public-url URL)"
            )
        if self.provider is not None and self.url is not None:
            raise PublicUrlSettingError("use --public or --public-url, not both")
        if self.url is not None:
            check_public_url(self.url)
        if self.connect_to is not None:
            parse_connect_to(self.connect_to)
        return self


def check_public_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PublicUrlSettingError(
            f"--public-url {url!r}: give the http(s) URL that reaches this receiver, "
            "e.g. https://hooks.example.com"
        )
    if parts.username is not None or parts.query or parts.fragment:
        raise PublicUrlSettingError(
            f"--public-url {url!r}: no user:pass@, query or #fragment (use --require-basic-auth "
            "for credentials)"
        )
    return url.strip().rstrip("/")


@dataclass(frozen=True)
class ConnectTo:
    host: str
    port: int
    to_host: str
    to_port: int


def parse_connect_to(text: str) -> ConnectTo:
    parts = text.split(":")
    try:
        host, port, to_host, to_port = parts
        result = ConnectTo(host.lower(), int(port), to_host, int(to_port))
    except ValueError:
        raise PublicUrlSettingError(
            f"--probe-connect-to {text!r}: expected HOST:PORT:HOST2:PORT2, e.g. "
            "abc.trycloudflare.com:443:127.0.0.1:8443"
        ) from None
    if not (0 < result.port < 65536 and 0 < result.to_port < 65536):
        raise PublicUrlSettingError(f"--probe-connect-to {text!r}: a port is out of range")
    return result


class PublicUrlPhase(Enum):
    STARTING = "starting"  # the provider is starting (no URL yet)
    PROBING = "probing"  # the URL is known; the probe is on its way
    REACHABLE = "reachable"  # the probe arrived at the receiver through the URL
    UNREACHABLE = "unreachable"  # the probe did not arrive within the probe timeout
    FAILED = "failed"  # the provider failed; no URL (capture goes on locally)
    STOPPED = "stopped"


@dataclass(frozen=True)
class PublicUrlEvent:
    """The public URL's state, published each time it changes. `callback_url` is what to
    give Deepgram (the secret path, and user:pass@ with --require-basic-auth)."""

    provider: str
    phase: PublicUrlPhase
    time: float
    url: str | None = None
    callback_url: str | None = None
    error: str | None = None

    @property
    def active(self) -> bool:
        """A URL is (or is being) set up: the secret path applies."""
        return self.phase not in (PublicUrlPhase.FAILED, PublicUrlPhase.STOPPED)


# -- cloudflared's log --------------------------------------------------------------------
# Lines look like `2024-05-01T10:00:00Z INF |  https://words-here.trycloudflare.com  |`; the
# first one also carries `https://developers.cloudflare.com/...` (not the tunnel) and a
# failure names `https://api.trycloudflare.com/tunnel` (not the tunnel either).
_PREFIX = re.compile(r"^\s*\d{4}-\d\d-\d\dT[\d:.]+Z?\s+(?P<level>[A-Z]{3})\s+")
_TUNNEL_URL = re.compile(
    r"https://(?!api\.)[a-z0-9]+(?:-[a-z0-9]+)*\.trycloudflare\.com(?![\w./-])"
)
_FAILURE = re.compile(r"(?i)\bfailed to\b.*\bquick tunnel\b|\bquick tunnel\b.*\bfailed\b")


@dataclass(frozen=True)
class CloudflaredLine:
    """What one line of cloudflared's log says: the tunnel's URL, a failure (its text as
    cloudflared wrote it, without the timestamp), or an error-level line (`ERR`), or none."""

    url: str | None = None
    failure: str | None = None
    error: str | None = None


NOTHING = CloudflaredLine()


def read_cloudflared_line(line: str) -> CloudflaredLine:
    text = line.strip()
    level = ""
    prefix = _PREFIX.match(text)
    if prefix is not None:
        level = prefix.group("level")
        text = text[prefix.end() :].strip()
    if _FAILURE.search(text):
        return CloudflaredLine(failure=text)
    found = _TUNNEL_URL.search(text)
    if found is not None:
        return CloudflaredLine(url=found.group(0))
    if level in ("ERR", "FTL"):
        return CloudflaredLine(error=text)
    return NOTHING


def cloudflared_command(executable: str, local_url: str) -> list[str]:
    """A quick tunnel to the receiver; no self-update from inside our process."""
    return [executable, "tunnel", "--url", local_url, "--no-autoupdate"]
