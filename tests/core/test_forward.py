"""Forwarding decisions over plain data: target URLs, header rewriting, who answers."""

from __future__ import annotations

import pytest

from inspector.core.forward import (
    ForwardResult,
    ForwardSettings,
    ForwardUrlError,
    failure_reply,
    forward_reply_headers,
    forward_request_headers,
    forward_target,
    refused_text,
    reply_parts,
)


@pytest.mark.parametrize(
    ("base", "target", "expected"),
    [
        ("http://127.0.0.1:3000", "/", "http://127.0.0.1:3000/"),
        ("http://127.0.0.1:3000/deepgram", "/", "http://127.0.0.1:3000/deepgram"),
        ("http://127.0.0.1:3000/deepgram", "/hook", "http://127.0.0.1:3000/deepgram/hook"),
        ("http://127.0.0.1:3000/deepgram/", "/hook?a=1", "http://127.0.0.1:3000/deepgram/hook?a=1"),
        ("http://app:80/x?key=k", "/y?a=1", "http://app:80/x/y?key=k&a=1"),
        ("https://app.example", "/cb%20x", "https://app.example/cb%20x"),
    ],
)
def test_the_request_path_is_appended_to_the_forward_urls_path(base, target, expected):
    assert forward_target(base, target) == expected


def test_websockets_go_to_the_ws_or_wss_of_the_forward_url():
    assert forward_target("http://a:1/p", "/s", websocket=True) == "ws://a:1/p/s"
    assert forward_target("https://a/p", "/", websocket=True) == "wss://a/p"


def test_request_headers_lose_hop_by_hop_keep_order_rewrite_host_and_add_forwarded():
    headers = [
        ("Host", "public.example"),
        ("Connection", "keep-alive, X-Secret-Hop"),
        ("X-Secret-Hop", "1"),
        ("dg-token", "t"),
        ("Proxy-Authorization", "Basic abc"),
        ("Content-Length", "2"),
        ("X-Dup", "a"),
        ("X-Dup", "b"),
    ]
    out = forward_request_headers(headers, "http://127.0.0.1:3000/app", "10.0.0.7")
    assert out == [
        ("Host", "127.0.0.1:3000"),
        ("dg-token", "t"),
        ("X-Dup", "a"),
        ("X-Dup", "b"),
        ("X-Forwarded-For", "10.0.0.7"),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Host", "public.example"),
    ]


def test_an_earlier_proxys_forwarded_headers_are_kept_and_the_chain_grows():
    headers = [
        ("Host", "x.trycloudflare.com"),
        ("X-Forwarded-For", "198.51.100.1"),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "orig.example"),
    ]
    out = dict(forward_request_headers(headers, "http://app:1", "127.0.0.1"))
    assert out["X-Forwarded-For"] == "198.51.100.1, 127.0.0.1"
    assert out["X-Forwarded-Proto"] == "https" and out["X-Forwarded-Host"] == "orig.example"


def test_websocket_handshake_headers_are_left_to_each_sides_library():
    headers = [("Host", "h"), ("Upgrade", "websocket"), ("Sec-WebSocket-Key", "k"), ("A", "1")]
    names = [n for n, _ in forward_request_headers(headers, "http://a:1", "", websocket=True)]
    assert names == ["Host", "A", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"]


def test_reply_headers_lose_framing_and_hop_by_hop_only():
    headers = [("Content-Type", "a/b"), ("Transfer-Encoding", "chunked"), ("X-A", "1")]
    assert forward_reply_headers(headers) == (("Content-Type", "a/b"), ("X-A", "1"))


def test_no_reply_from_the_app_is_502_or_504_with_the_reason():
    refused = ForwardResult("http://127.0.0.1:3000/", error=refused_text("http://127.0.0.1:3000/"))
    assert failure_reply(refused) == (
        502,
        b"callback-inspector: connection refused: is your app running on 127.0.0.1:3000?\n",
    )
    assert failure_reply(ForwardResult("u", error="slow", timed_out=True))[0] == 504


def test_the_senders_reply_is_the_apps_or_a_502_504_that_says_why():
    app = ForwardResult("u", status=299, headers=(("X", "1"), ("Connection", "close")), body=b"b")
    assert reply_parts(app) == (299, (("X", "1"),), b"b")
    refused = ForwardResult("u", status=403, error="your app refused the WebSocket upgrade")
    assert reply_parts(refused)[0] == 403
    assert reply_parts(ForwardResult("u", error="slow", timed_out=True))[0] == 504


@pytest.mark.parametrize(
    "url",
    ["ftp://x", "ws://127.0.0.1:3000", "http://", "http://u:p@h", "http://h:99999", "h:80"],
)
def test_unusable_forward_urls_are_refused_with_a_reason(url):
    with pytest.raises(ForwardUrlError):
        ForwardSettings(url=url).check()


def test_forwarding_is_active_only_with_a_url_and_switched_on():
    assert ForwardSettings(url="http://a:1").active
    assert not ForwardSettings(url="http://a:1", enabled=False).active
    assert not ForwardSettings().active


def test_the_summary_says_what_the_app_did():
    assert (
        ForwardResult("u", status=202, latency_ms=14.2).summary == "Your app replied 202 in 14 ms"
    )
    assert ForwardResult("u", error="boom").summary == "Your app did not reply: boom"
