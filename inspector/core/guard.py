"""Who may reach the receiver once it has a public URL: plain verdicts over plain data.

Anyone can reach a public URL, so while one is active the callback URL carries an
unguessable path prefix (`/cb/<secret>`, 144 random bits, new per run unless pinned), and the
user may also require Basic auth (which Deepgram sends from `user:pass@` in the callback URL
[CB]) or a given `dg-token` (the API key identifier [CB]; Deepgram no longer recommends it for
verification [CHG], so it is an extra check, not the only one). Everything else gets 404, 401
or 403 with the reason the receiver lists; the reply body says as little as a server's would.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from .basic_auth import parse_basic_auth
from .headers import Header, first_header
from .setting_field import setting

SECRET_BYTES = 18  # 144 random bits (the issue asks for at least 128), 24 URL-safe characters
CALLBACK_PREFIX = "/cb/"
_SECRET_TEXT = re.compile(r"^[A-Za-z0-9_-]{22,}$")  # >= 128 bits of base64url
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class GuardSettingError(ValueError):
    """A guard setting that cannot be used; the message names the flag and the fix."""


def new_secret() -> str:
    """A fresh secret for the callback path: 144 bits from the OS's CSPRNG, URL-safe."""
    return secrets.token_urlsafe(SECRET_BYTES)


@dataclass(frozen=True)
class GuardSettings:
    """What the receiver demands of each request. The secret path applies while a public URL
    is active; basic auth and dg-token whenever they are set."""

    secret: str | None = setting(
        None,
        "pin the secret part of the public callback path /cb/SECRET/ (at least 22 URL-safe "
        "characters; default: a new random one per run)",
        "--callback-secret",
        "SECRET",
    )
    basic_auth: str | None = setting(
        None,
        "require this Basic auth on every request (others get 401); the public callback URL "
        "then carries USER:PASS@, which Deepgram sends as a Basic header",
        "--require-basic-auth",
        "USER:PASS",
    )
    dg_token: str | None = setting(
        None,
        "require this dg-token (your Deepgram API key's identifier, a uuid) on every request; "
        "others get 403",
        "--require-dg-token",
        "UUID",
    )

    def check(self) -> GuardSettings:
        """Itself, or GuardSettingError saying which value is wrong and why."""
        if self.secret is not None and not _SECRET_TEXT.match(self.secret):
            raise GuardSettingError(
                "--callback-secret must be at least 22 characters of A-Z a-z 0-9 - _ "
                "(128 random bits); leave it out for a new random one"
            )
        if self.basic_auth is not None:
            user, sep, password = self.basic_auth.partition(":")
            if not sep or not user or not password:
                raise GuardSettingError("--require-basic-auth needs USER:PASS, both non-empty")
        if self.dg_token is not None and not _UUID.match(self.dg_token):
            raise GuardSettingError(
                f"--require-dg-token expects a uuid (the dg-token header), not {self.dg_token!r}"
            )
        return self

    @property
    def user(self) -> str | None:
        return self.basic_auth.partition(":")[0] if self.basic_auth else None

    @property
    def password(self) -> str | None:
        return self.basic_auth.partition(":")[2] if self.basic_auth else None


@dataclass(frozen=True)
class Guard:
    """The guard in force: `prefix` is the callback path prefix ("/cb/SECRET") while a public
    URL is active, else None; the settings' checks always apply."""

    settings: GuardSettings = GuardSettings()
    prefix: str | None = None

    @property
    def active(self) -> bool:
        s = self.settings
        return self.prefix is not None or s.basic_auth is not None or s.dg_token is not None


OPEN = Guard()  # what a receiver without a public URL or guard settings checks: nothing


def callback_prefix(secret: str) -> str:
    return f"{CALLBACK_PREFIX}{secret}"


@dataclass(frozen=True)
class Verdict:
    """The guard's answer: `status` None lets the request through; else the reply status,
    the `reason` listed with the refused request, and the headers and body sent."""

    status: int | None = None
    reason: str = ""
    headers: tuple[Header, ...] = ()
    body: bytes = b""

    @property
    def allowed(self) -> bool:
        return self.status is None


ALLOWED = Verdict()


def judge(guard: Guard, path: str, headers: Sequence[Header]) -> Verdict:
    """Whether a request for `path` (no query) with `headers` may reach the receiver.

    The path is checked first: a scanner that does not know the secret learns nothing
    about the other guards (404 for everything outside the callback path)."""
    if guard.prefix is not None and not within_prefix(path, guard.prefix):
        return Verdict(
            404,
            "not the callback path (the public URL's secret prefix is missing or wrong)",
            (("Content-Type", "text/plain; charset=utf-8"),),
            b"404 not found\n",
        )
    s = guard.settings
    if s.basic_auth is not None:
        auth = parse_basic_auth(first_header(headers, "authorization"))
        if auth is None:
            reason = "no Basic auth, and --require-basic-auth asks for it"
        elif not (_same(auth.user, s.user or "") and _same(auth.password, s.password or "")):
            reason = f"wrong Basic auth (user {auth.user!r}) for --require-basic-auth"
        else:
            reason = ""
        if reason:
            return Verdict(
                401,
                reason,
                (
                    ("WWW-Authenticate", 'Basic realm="callback", charset="UTF-8"'),
                    ("Content-Type", "text/plain; charset=utf-8"),
                ),
                b"401 unauthorized\n",
            )
    if s.dg_token is not None:
        token = first_header(headers, "dg-token")
        if token is None or not _same(token.lower(), s.dg_token.lower()):
            reason = (
                "no dg-token header, and --require-dg-token asks for one"
                if token is None
                else "dg-token is not the one --require-dg-token asks for"
            )
            return Verdict(
                403, reason, (("Content-Type", "text/plain; charset=utf-8"),), b"403 forbidden\n"
            )
    return ALLOWED


def within_prefix(path: str, prefix: str) -> bool:
    """`path` is `prefix` itself or below it (`/cb/S`, `/cb/S/`, `/cb/S/x`, not `/cb/Sx`)."""
    if not path.startswith(prefix):
        return False
    rest = path[len(prefix) :]
    return not rest or rest.startswith("/")


def strip_prefix(target: str, prefix: str | None) -> str:
    """The request target (path and query) with the callback prefix taken off, as the
    user's app should see it: `/cb/S/hook?x=1` -> `/hook?x=1`, `/cb/S` -> `/`."""
    if prefix is None:
        return target
    path, sep, query = target.partition("?")
    if not within_prefix(path, prefix):
        return target
    rest = path[len(prefix) :] or "/"
    return rest + sep + query


def _same(a: str, b: str) -> bool:
    """Constant-time comparison: the time of a refusal must not leak the secret."""
    return hmac.compare_digest(
        a.encode("utf-8", "backslashreplace"), b.encode("utf-8", "backslashreplace")
    )


def callback_url(public_url: str, guard: Guard) -> str:
    """The URL to give Deepgram as callback=: the public URL, the secret prefix (with a
    trailing slash) and, with --require-basic-auth, `user:pass@` (Deepgram sends it as a
    pre-emptive Basic header [CB])."""
    base = public_url.rstrip("/")
    path = (guard.prefix or "") + "/"
    s = guard.settings
    if s.basic_auth is not None:
        scheme, sep, rest = base.partition("://")
        userinfo = f"{quote(s.user or '', safe='')}:{quote(s.password or '', safe='')}@"
        base = f"{scheme}{sep}{userinfo}{rest}"
    return base + path
