"""Fuzz `core.callback_url`: any string is a `CallbackTarget` or a `CallbackUrlError`."""

from __future__ import annotations

import string
from urllib.parse import urlsplit

from hypothesis import example, given
from hypothesis import strategies as st

from inspector.core.basic_auth import encode_basic_auth
from inspector.core.callback_url import CallbackTarget, CallbackUrlError, validate_callback_url
from tests.fuzz.strategies import FUZZ, hostile_text

_ALNUM = string.ascii_letters + string.digits
_schemes = st.sampled_from(["http", "HTTPS", "ws", "wss", "ftp", "", "javascript", "h"])
_passwords = st.builds(
    lambda u, p: f"{u}:{p}@", st.text(_ALNUM, max_size=6), st.text(_ALNUM, min_size=1)
)
_userinfo = st.one_of(
    st.just(""),
    st.builds(lambda u: f"{u}@", st.text(st.characters(exclude_characters="@/?#"), max_size=10)),
    st.builds(lambda u, p: f"{u}:{p}@", hostile_text, hostile_text),
    _passwords,
    st.sampled_from(["user:p%40ss@", "us%3Aer:pa:ss@", "%ff:%zz@", ":@", "a@b@", "u:p%@"]),
)
_hosts = st.one_of(
    st.from_regex(r"\A[a-z0-9.-]{1,20}\Z"),
    st.sampled_from(
        ["example.com", "bücher.de", "xn--bcher-kva.de", "例え.jp", "a_b.example", "127.0.0.1",
         "[::1]", "[fe80::1%25eth0]", "[::1", "::1]", "[v1.x]", "[127.0.0.1]", "[]", "",
         "ex\u2100ample.com", "exa\uff0fmple", "ᴬ.com", "..", "-", "localhost", "[::ffff:1.2.3.4]"]
    ),
    hostile_text,
)  # fmt: skip
_ports = st.one_of(
    st.just(""),
    st.integers(-2, 70_000).map(lambda p: f":{p}"),
    st.sampled_from([":", ":80", ":0080", ":8443", ":٨٠", ":+80", ": 80", ":99999999999999999999"]),
)
_rest = st.one_of(
    st.from_regex(r"\A(/[a-z_%0-9]{0,5}){0,3}(\?[a-z=&_@]{0,8})?(#x)?\Z"), hostile_text
)
# Hosts urlsplit refuses (brackets that are not an IPv6 address, a character that NFKC turns
# into a delimiter): the URLs whose error message must still hide the password.
_unparsable_hosts = st.sampled_from(
    ["[::1", "[]", "[127.0.0.1]", "[v1.x]", "[::1]x", "ex\uff03ample.com", "a\u2100b"]
)
_urls = st.one_of(
    hostile_text,
    st.builds(
        lambda s, ui, h, r: f"{s}://{ui}{h}{r}", _schemes, _passwords, _unparsable_hosts, _rest
    ),
    st.builds(
        lambda s, sep, ui, h, p, r: f"{s}{sep}{ui}{h}{p}{r}",
        _schemes,
        st.sampled_from(["://", ":", ":/", ":///", "//"]),
        _userinfo,
        _hosts,
        _ports,
        _rest,
    ),
)


def _password(url: str) -> str | None:
    """The userinfo password as a reader sees it: `scheme://user:PASSWORD@host...`."""
    _, sep, rest = url.partition("://")
    authority = rest
    for end in "/?#":
        authority = authority.partition(end)[0]
    userinfo, at, _ = authority.rpartition("@")
    if not (sep and at and ":" in userinfo):
        return None
    password = userinfo.partition(":")[2]
    return password or None


@FUZZ
@given(url=_urls, streaming=st.booleans(), relaxed_ports=st.booleans())
@example(url="http://[::1]:8080/", streaming=False, relaxed_ports=False)
# Found: the password was shown when urlsplit refused the URL, or when it had no scheme.
@example(url="http://:000@[::1", streaming=False, relaxed_ports=False)
@example(url="http://:00[@example.com", streaming=False, relaxed_ports=False)
@example(url="http://:000@[127.0.0.1]", streaming=False, relaxed_ports=False)
@example(url="://:000@", streaming=False, relaxed_ports=False)
@example(url="http://0:?@example.com", streaming=False, relaxed_ports=False)
# Seeded: a lone surrogate (non-UTF-8 argv) that Basic auth could not encode.
@example(url="http://\ud800@example.com", streaming=False, relaxed_ports=False)
def test_any_url_is_a_target_or_a_callback_url_error(
    url: str, streaming: bool, relaxed_ports: bool
) -> None:
    try:
        target = validate_callback_url(url, streaming=streaming, relaxed_ports=relaxed_ports)
    except CallbackUrlError as exc:
        assert exc.url == url and exc.reason
        password = _password(url)
        if password and password != "***":
            shown = f":{repr(password)[1:-1]}@"  # as the message's repr() of the URL writes it
            assert shown not in str(exc), "the password is in the message"
        return
    assert isinstance(target, CallbackTarget)
    # What the dispatcher does with it: connect to the URL, send the userinfo as Basic auth.
    target.url_without_userinfo.encode("utf-8")
    encode_basic_auth(target.username or "", target.password or "")
    assert 1 <= target.port <= 65535 and "_" not in target.host
    assert "@" not in urlsplit(target.url_without_userinfo).netloc
    # The URL we connect to is itself a valid callback URL for the same place.
    again = validate_callback_url(
        target.url_without_userinfo, streaming=streaming, relaxed_ports=relaxed_ports
    )
    assert (again.scheme, again.host, again.port) == (target.scheme, target.host, target.port)
    assert again.username is None and again.password is None
