import json

from inspector.core.body_view import view_body


def test_prerecorded_result_gives_request_id_and_transcript():
    body = {
        "metadata": {"request_id": "abc-123"},
        "results": {"channels": [{"alternatives": [{"transcript": "hello world"}]}]},
    }
    view = view_body(json.dumps(body).encode())
    assert (view.request_id, view.transcript, view.json_valid) == ("abc-123", "hello world", True)
    assert view.is_final is None


def test_streaming_results_give_is_final_and_transcript():
    body = {
        "type": "Results",
        "is_final": True,
        "channel": {"alternatives": [{"transcript": "good morning"}]},
        "metadata": {"request_id": "s-1"},
    }
    view = view_body(json.dumps(body).encode())
    assert (view.request_id, view.transcript, view.is_final, view.message_type) == (
        "s-1",
        "good morning",
        True,
        "Results",
    )


def test_error_body_is_flagged_with_its_request_id():
    view = view_body(
        b'{"err_code":"INVALID_AUTH","err_msg":"Invalid credentials.","request_id":"e1"}'
    )
    assert view.is_error and view.request_id == "e1"


def test_invalid_json_and_invalid_utf8_are_flagged_not_raised():
    assert view_body(b"{not json").json_valid is False
    bad = view_body(b"\xff\xfe{}")
    assert (bad.utf8_valid, bad.json_valid) == (False, False)
    assert view_body(b"[1,2]").json_valid is True
    assert view_body(b"[" * 100000).json_valid is False  # deep nesting is not a crash


def test_lone_surrogate_escapes_are_shown_escaped_so_the_view_is_storable():
    view = view_body(
        b'{"type":"Results\\ud83d","metadata":{"request_id":"r\\ud800"},'
        b'"channel":{"alternatives":[{"transcript":"hi \\udfff"}]}}'
    )
    assert view.request_id == "r\\ud800"
    assert view.transcript == "hi \\udfff"
    assert view.message_type == "Results\\ud83d"
    # A valid pair is one character, not escaped.
    assert view_body(b'{"request_id":"\\ud83d\\ude00"}').request_id == "\U0001f600"
