"""The headers a reply goes out with, decided as aiohttp decides them (the comparison with
the bytes on the wire is tests/engine/test_wire_reply.py)."""

from __future__ import annotations

from inspector.core.reply_wire import reply_wire_headers

DATE, SERVER = "Tue, 01 Dec 2026 10:00:00 GMT", "Python/3.11 aiohttp/3.14"


def _wire(given=(), body=b"", status=200, method="POST", version=(1, 1), keep_alive=True):
    return reply_wire_headers(
        given,
        len(body),
        status=status,
        method=method,
        http_version=version,
        keep_alive=keep_alive,
        date=DATE,
        server=SERVER,
    )


def test_a_plain_reply_gets_length_date_and_server():
    assert _wire() == (("Content-Length", "0"), ("Date", DATE), ("Server", SERVER))
    assert _wire(body=b"nope", keep_alive=False) == (
        ("Content-Length", "4"),
        ("Content-Type", "application/octet-stream"),
        ("Date", DATE),
        ("Server", SERVER),
        ("Connection", "close"),
    )


def test_the_rules_own_headers_come_first_and_are_not_repeated():
    given = (("Content-Type", "application/json"), ("Date", "x"), ("X-A", "1"))
    assert _wire(given, body=b"{}") == (*given, ("Content-Length", "2"), ("Server", SERVER))


def test_statuses_and_methods_without_a_body_carry_no_length():
    assert _wire(status=204) == (("Date", DATE), ("Server", SERVER))
    assert _wire(status=304, given=(("Content-Length", "9"),)) == (
        ("Date", DATE),
        ("Server", SERVER),
    )
    assert _wire(method="HEAD") == (("Date", DATE), ("Server", SERVER))
    assert _wire(version=(1, 0))[-1] == ("Connection", "keep-alive")
    assert ("Connection", "close") not in _wire(version=(1, 0), keep_alive=False)
