"""The control API's commands as JSON: each one round-trips, and a wrong one is refused with
a reason that names the field."""

from __future__ import annotations

import json

import pytest

from inspector.core.control import (
    COMMANDS,
    AnswerHeld,
    CancelHandlerCheck,
    ClearAttempts,
    CloseWebSocket,
    CommandError,
    CommandIdError,
    DropWebSocket,
    FetchExchange,
    FetchList,
    Replay,
    SendWebSocketText,
    SetEmulatorFaults,
    SetEmulatorSettings,
    SetForwarding,
    SetGuards,
    SetReceiverSettings,
    SetRules,
    StartHandlerCheck,
    StartPublicUrl,
    Stop,
    StopPublicUrl,
    Submit,
    UpdateEmulatorFaults,
    command_from_json,
    command_to_json,
    result_json,
)
from inspector.core.emulator_faults import DropStreams, EmulatorFaults, FailRequests
from inspector.core.handler_checks import HandlerCheckSettings
from inspector.core.rules_file import rule_from_table
from inspector.core.settings import (
    EmulatorSettings,
    ForwardSettings,
    GuardSettings,
    PublicUrlSettings,
    ReceiverSettings,
)

EXAMPLES = [
    SetRules(
        (
            rule_from_table({"name": "two fail", "match": {"path": "/hook*"}, "fail_first": 2}),
            rule_from_table({"match": {"method": "PUT"}, "status": 418, "delay_ms": 5}),
        )
    ),
    SetReceiverSettings(ReceiverSettings(port=0, max_body=1000)),
    SetEmulatorSettings(EmulatorSettings(retry_delay=1.0, max_retries=3, relaxed_ports=True)),
    SetEmulatorFaults(EmulatorFaults(fail=(FailRequests(429, 2, 5),), drop=DropStreams(1))),
    UpdateEmulatorFaults({"add_fail": {"status": 503, "count": None}, "delay": None}),
    CloseWebSocket(exchange=3, code=1011, reason="bye"),
    DropWebSocket(exchange=4),
    SendWebSocketText(exchange=5, text="hi\x1b"),
    ClearAttempts(),
    FetchExchange(exchange=6),
    FetchList(after=10, limit=5),
    Submit(
        base_url="http://127.0.0.1:8081",
        key="k",
        path="/tmp/a.wav",
        params=(("punctuate", "true"), ("callback", "http://x/cb")),
        stream=True,
        speed=2.0,
    ),
    Replay(
        exchange=3, url="http://127.0.0.1:9/x", method="PUT", headers=(("A", "b"),), body="e30="
    ),
    StartHandlerCheck(
        url="http://127.0.0.1:9/hook",
        user="u",
        password="p",
        only="put,retry",
        settings=HandlerCheckSettings(attempt_timeout=2.0),
    ),
    CancelHandlerCheck(run=2),
    AnswerHeld(exchange=8, answer="reply", status=418, headers=(("X-A", "1"),), body="e30="),
    SetForwarding(ForwardSettings(url="http://127.0.0.1:3000/app", timeout=5.0, enabled=False)),
    SetGuards(GuardSettings(basic_auth="u:p", dg_token="11111111-2222-3333-4444-555555555555")),
    StartPublicUrl(PublicUrlSettings(provider="cloudflared", probe_timeout=10.0)),
    StopPublicUrl(),
    Stop(),
]


def test_the_examples_cover_every_command():
    assert {type(c).name for c in EXAMPLES} == set(COMMANDS)


@pytest.mark.parametrize("command", EXAMPLES, ids=lambda c: type(c).name)
def test_each_command_round_trips_through_its_json(command):
    text = json.dumps(command_to_json(command, 42))
    assert command_from_json(json.loads(text)) == (42, command)


def test_settings_keep_their_defaults_for_keys_left_out_and_floats_take_whole_numbers():
    _, command = command_from_json(
        {"command": "set_emulator_settings", "id": 1, "settings": {"retry_delay": 2}}
    )
    assert command == SetEmulatorSettings(EmulatorSettings(retry_delay=2.0))


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ([], "a command is a JSON object, not a list"),
        ({"command": "fly", "id": 1}, "unknown command 'fly'"),
        ({"command": "drop_websocket", "id": 1}, "drop_websocket needs 'exchange'"),
        ({"command": "drop_websocket", "id": 1, "exchange": True}, "must be int, not true/false"),
        ({"command": "stop", "id": "x"}, "'id' must be a whole number, not text"),
        ({"command": "set_receiver_settings", "id": 1, "settings": 3}, "must be an object"),
        (
            {"command": "set_receiver_settings", "id": 1, "settings": {"port": "80"}},
            "set_receiver_settings.settings.port must be int, not text",
        ),
        (
            {"command": "set_rules", "id": 1, "rules": [{"status": 99}]},
            "set_rules.rules: rule 1: ",
        ),
        (
            {"command": "submit", "id": 1, "base_url": "u", "key": "k", "params": [["a"]]},
            "submit.params[0] must be a pair of texts, not a list",
        ),
    ],
)
def test_a_wrong_command_says_what_is_wrong(value, says):
    with pytest.raises(CommandError) as error:
        command_from_json(value)
    assert says in str(error.value)


def test_a_refused_command_keeps_its_id_for_the_answer():
    with pytest.raises(CommandIdError) as error:
        command_from_json({"command": "fly", "id": 9})
    assert error.value.command_id == 9
    assert result_json(9, error="no") == {
        "event": "result",
        "v": 1,
        "id": 9,
        "ok": False,
        "error": "no",
    }
