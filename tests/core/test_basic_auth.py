import base64

import pytest

from inspector.core.basic_auth import BasicAuth, encode_basic_auth, parse_basic_auth


def test_user_and_password_are_decoded():
    assert parse_basic_auth("Basic " + base64.b64encode(b"alice:s3:cret").decode()) == BasicAuth(
        "alice", "s3:cret"
    )


def test_scheme_is_case_insensitive_and_round_trips():
    value = encode_basic_auth("bob", "pw")
    assert parse_basic_auth(value.replace("Basic", "bAsIc")) == BasicAuth("bob", "pw")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer abc",
        "Basic",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"nocolon").decode(),
    ],
)
def test_malformed_headers_are_not_basic_auth(header):
    assert parse_basic_auth(header) is None


def test_invalid_utf8_credentials_are_escaped():
    auth = parse_basic_auth("Basic " + base64.b64encode(b"\xffuser:pw").decode())
    assert auth == BasicAuth("\\xffuser", "pw")
