from __future__ import annotations

import pytest

from inspector.core.callback_url import (
    DEEPGRAM_CALLBACK_PORTS,
    CallbackTarget,
    CallbackUrlError,
    validate_callback_url,
)


def refused(url: str, **kwargs: bool) -> str:
    with pytest.raises(CallbackUrlError) as caught:
        validate_callback_url(url, **kwargs)
    assert isinstance(caught.value, ValueError)
    assert caught.value.url == url
    return caught.value.reason


def test_allowed_ports_are_deepgrams() -> None:
    assert DEEPGRAM_CALLBACK_PORTS == (80, 443, 8080, 8443)


@pytest.mark.parametrize(
    ("url", "port"),
    [
        ("http://example.com/hook", 80),
        ("https://example.com/hook", 443),
        ("http://example.com:8080/hook", 8080),
        ("https://example.com:8443/hook", 8443),
        ("HTTPS://Example.COM/hook", 443),
    ],
)
def test_ports_explicit_or_implied(url: str, port: int) -> None:
    target = validate_callback_url(url)
    assert target.port == port
    assert target.host == "example.com"
    assert not target.is_websocket


def test_port_9000_refused_with_fix() -> None:
    reason = refused("http://localhost:9000/hook")
    assert reason == (
        "port 9000 is not one Deepgram calls back on (80, 443, 8080, 8443); "
        "use one of those, or turn on relaxed ports for a local receiver"
    )


def test_port_9000_allowed_with_relaxed_ports() -> None:
    target = validate_callback_url("http://localhost:9000/hook?x=1", relaxed_ports=True)
    assert target == CallbackTarget(
        scheme="http",
        host="localhost",
        port=9000,
        username=None,
        password=None,
        url_without_userinfo="http://localhost:9000/hook?x=1",
        is_websocket=False,
    )


def test_underscore_in_host_refused() -> None:
    reason = refused("https://my_receiver.example.com/hook")
    assert "underscore" in reason
    assert "Failed to resolve callback" in reason


def test_underscore_in_path_is_fine() -> None:
    assert validate_callback_url("https://example.com/my_hook").host == "example.com"


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "file:///etc/passwd", "mailto:a@b.c"])
def test_bad_scheme_refused(url: str) -> None:
    assert "use http or https" in refused(url)


def test_missing_scheme_and_host() -> None:
    assert "no scheme" in refused("example.com/hook")
    assert "no host" in refused("https:///hook")
    assert "empty" in refused("")


def test_websocket_only_when_streaming() -> None:
    assert "only for streaming" in refused("wss://example.com/socket")
    target = validate_callback_url("wss://example.com/socket", streaming=True)
    assert target.is_websocket
    assert target.port == 443
    assert validate_callback_url("ws://example.com/s", streaming=True).port == 80
    assert "http, https, ws or wss" in refused("ftp://example.com/", streaming=True)


def test_userinfo_percent_decoded_and_removed_from_url() -> None:
    target = validate_callback_url("https://us%40er:p%3Ass%20w@example.com:8443/hook?a=1#frag")
    assert target.username == "us@er"
    assert target.password == "p:ss w"
    assert target.url_without_userinfo == "https://example.com:8443/hook?a=1"


def test_user_without_password() -> None:
    target = validate_callback_url("https://user@example.com/")
    assert (target.username, target.password) == ("user", None)


def test_password_not_in_error_message() -> None:
    with pytest.raises(CallbackUrlError) as caught:
        validate_callback_url("http://user:hunter2@example.com:9000/")
    assert "hunter2" not in str(caught.value)
    assert "user:***@example.com:9000" in str(caught.value)


@pytest.mark.parametrize(
    "url",
    ["http://user:hunter2@[::1/hook", "://user:hunter2@example.com/", "http://u:a@hunter2@h:9000/"],
)
def test_password_hidden_even_when_the_url_does_not_parse(url: str) -> None:
    with pytest.raises(CallbackUrlError) as caught:
        validate_callback_url(url)
    assert "hunter2" not in str(caught.value)
    assert ":***@" in str(caught.value)


def test_url_that_is_not_utf8_text_is_refused() -> None:
    # A non-UTF-8 argv byte arrives as a lone surrogate; Basic auth could not encode it.
    url = b"http://us\xffer:pw@example.com/".decode("utf-8", errors="surrogateescape")
    assert "not valid UTF-8" in refused(url)


def test_bad_port_and_whitespace() -> None:
    assert "not a number" in refused("http://example.com:http/")
    assert "not a number" in refused("http://example.com:99999/")
    assert "spaces" in refused("http://example.com/a b")


def test_ipv6_host_kept_in_brackets() -> None:
    target = validate_callback_url("http://[::1]:8080/hook")
    assert target.host == "::1"
    assert target.url_without_userinfo == "http://[::1]:8080/hook"
    assert "IPv6" in refused("http://[::1/hook")
