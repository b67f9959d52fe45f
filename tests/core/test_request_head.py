"""What is read of a refused request head: its request line and headers, as escaped text."""

from __future__ import annotations

from inspector.core.request_head import escape_bytes, read_partial_head, unrepr_bytes


def test_a_head_cut_inside_an_oversized_header_keeps_the_line_and_the_headers_before():
    head = read_partial_head(b"POST /hugeheader HTTP/1.1\r\nHost: a\r\nX-Big: yyyyyyyy")
    assert (head.method, head.target, head.http_version) == ("POST", "/hugeheader", "HTTP/1.1")
    assert head.headers == (("Host", "a"), ("X-Big", "yyyyyyyy…")) and head.cut


def test_bytes_that_are_not_text_are_escaped_never_raw():
    head = read_partial_head(b"GET /caf\xe9/\x1b[31m HTTP/1.1\r\nX-\xff: v\r\n\r\n")
    assert head.target == "/caf\\xe9/\\x1b[31m"
    assert head.headers == (("X-\\xff", "v"),) and not head.cut
    assert escape_bytes("a\u2028b".encode()) == "a\\u2028b"


def test_no_request_line_reads_as_nothing():
    for garbage in (b"", b"\x16\x03\x01\x00\xa5\x01", b"\x00" * 40, b"GET\x00/ HTTP/1.1\r\n"):
        assert read_partial_head(garbage).method == ""
    assert read_partial_head(b"GARBAGE /// nope\r\n\r\n").method == "GARBAGE"
    assert read_partial_head(b"GARBAGE /// nope\r\n\r\n").http_version == ""  # not HTTP/x.y
    long = read_partial_head(b"GET /" + b"a" * 9000)
    assert long.target.endswith("…") and len(long.target) < 500 and long.cut


def test_a_parser_message_names_the_bytes_as_text():
    assert unrepr_bytes("Invalid method encountered: b'GARBAGE /// nope'") == (
        'Invalid method encountered: "GARBAGE /// nope"'
    )
    assert unrepr_bytes("Invalid char in url path: b'GET /\\xff'") == (
        'Invalid char in url path: "GET /\\xff"'
    )
    assert unrepr_bytes("no excerpt here") == "no excerpt here"
