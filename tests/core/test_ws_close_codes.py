"""WebSocket close codes are named once, for every place that shows one."""

from __future__ import annotations

from inspector.core.ws_close_codes import close_code_name, close_code_text


def test_standard_codes_have_their_rfc_names():
    assert close_code_text(1000) == "1000 normal"
    assert close_code_text(1006) == "1006 abnormal"
    assert close_code_text(1008) == "1008 policy violation"  # Deepgram: undecodable audio
    assert close_code_text(1011) == "1011 internal error"  # Deepgram: NET-0001, a lost callback


def test_ranges_without_a_name_are_said_for_what_they_are():
    assert close_code_text(4000) == "4000 application"
    assert close_code_text(3001) == "3001 registered"
    assert close_code_text(1234) == "1234"
    assert close_code_name(None) == "" and close_code_text(None) == ""
