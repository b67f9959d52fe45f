"""Deepgram-side faults as plain data: what the next request or stream gets, what is left."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from inspector.core.control import (
    CommandError,
    SetEmulatorFaults,
    UpdateEmulatorFaults,
    command_from_json,
    command_to_json,
)
from inspector.core.emulator_faults import (
    NO_FAULTS,
    DelayReplies,
    DropStreams,
    EmulatorFaults,
    FailRequests,
    FaultError,
    change_faults,
    change_from_json,
    change_to_json,
    deepgram_error,
    describe_faults,
    faults_to_json,
    parse_fail_spec,
    take_request_fault,
    take_stream_drop,
)


def test_deepgram_error_bodies_for_the_documented_statuses():
    assert deepgram_error(401) == ("INVALID_AUTH", "Invalid credentials.")
    assert deepgram_error(402)[0] == "ASR_PAYMENT_REQUIRED"
    assert "credits" in deepgram_error(402)[1]
    assert deepgram_error(429)[0] == "TOO_MANY_REQUESTS"


def test_undocumented_statuses_say_the_failure_is_the_emulators():
    code, message = deepgram_error(503)
    assert code == "SERVICE_UNAVAILABLE"
    assert "emulator" in message
    assert deepgram_error(599)[0] == "HTTP_599"


def test_failures_are_used_up_in_order_then_nothing():
    faults = EmulatorFaults(fail=(FailRequests(503, count=2), FailRequests(429)))
    statuses = []
    for _ in range(4):
        fault, faults = take_request_fault(faults)
        statuses.append(fault.fail.status if fault.fail else None)
    assert statuses == [503, 503, 429, None]
    assert faults == NO_FAULTS and not faults.active


def test_a_failure_without_count_lasts_until_cleared():
    faults = EmulatorFaults(fail=(FailRequests(402, count=None),))
    for _ in range(3):
        fault, faults = take_request_fault(faults)
        assert fault.fail is not None and fault.fail.status == 402
    assert faults.fail == (FailRequests(402, count=None),)


def test_a_delay_of_the_next_reply_applies_once_and_with_the_failure():
    faults = EmulatorFaults(delay=DelayReplies(2.5, count=1), fail=(FailRequests(500),))
    fault, faults = take_request_fault(faults)
    assert fault.delay == 2.5 and fault.fail is not None and fault.fail.status == 500
    fault, faults = take_request_fault(faults)
    assert fault.delay == 0 and fault.fail is None and faults == NO_FAULTS


def test_every_reply_delayed_stays():
    faults = EmulatorFaults(delay=DelayReplies(1.0))
    fault, left = take_request_fault(faults)
    assert fault.delay == 1.0 and left == faults


def test_stream_drops_count_down_and_leave_requests_alone():
    faults = EmulatorFaults(drop=DropStreams(2, count=1), callback_delay=3.0)
    request, faults = take_request_fault(faults)
    assert request.delay == 0 and request.fail is None and faults.drop is not None
    drop, faults = take_stream_drop(faults)
    assert drop == DropStreams(2, 1011, count=1)
    assert take_stream_drop(faults) == (None, faults)
    assert faults == EmulatorFaults(callback_delay=3.0) and faults.active


@pytest.mark.parametrize(
    "make",
    [
        lambda: FailRequests(200),
        lambda: FailRequests(429, count=0),
        lambda: FailRequests(429, retry_after=-1),
        lambda: DelayReplies(-1.0),
        lambda: DelayReplies(float("nan")),
        lambda: DropStreams(-1),
        lambda: DropStreams(2, code=1006),
        lambda: EmulatorFaults(callback_delay=-2.0),
    ],
)
def test_impossible_faults_are_refused_with_the_value(make):
    with pytest.raises(FaultError):
        make()


def test_description_in_the_users_words():
    faults = EmulatorFaults(
        fail=(FailRequests(429, count=2, retry_after=3), FailRequests(402, count=None)),
        delay=DelayReplies(1.5, count=1),
        drop=DropStreams(1),
        callback_delay=5,
    )
    assert describe_faults(faults) == (
        "next 2 requests: 429 TOO_MANY_REQUESTS, Retry-After 3",
        "every request: 402 ASR_PAYMENT_REQUIRED",
        "next reply delayed 1.5 s",
        "every live stream dropped after 1 message (1011)",
        "callbacks delayed 5 s",
    )
    assert describe_faults(NO_FAULTS) == ()


def test_json_form_lists_every_fault():
    line = faults_to_json(EmulatorFaults(fail=(FailRequests(503),), drop=DropStreams(0)))
    assert line["fail"] == [{"status": 503, "count": 1, "retry_after": None}]
    assert line["drop"] == {"after_messages": 0, "code": 1011, "count": None}
    assert line["delay"] is None and line["callback_delay"] == 0
    assert line["active"] == list(
        describe_faults(EmulatorFaults(fail=(FailRequests(503),), drop=DropStreams(0)))
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("429", FailRequests(429)),
        ("503:3", FailRequests(503, count=3)),
        (" 402:ALL ", FailRequests(402, count=None)),
    ],
)
def test_fail_spec_from_the_command_line(text, expected):
    assert parse_fail_spec(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "429:", "429:x", "200", "429:0", "429:-1"])
def test_bad_fail_specs_say_what_is_expected(text):
    with pytest.raises(FaultError) as err:
        parse_fail_spec(text)
    assert str(err.value)


def test_a_change_touches_one_part_against_what_is_left_now():
    now = EmulatorFaults(
        fail=(FailRequests(429), FailRequests(402, count=None), FailRequests(503, count=None)),
        delay=DelayReplies(3.0),
        callback_delay=9.0,
    )
    assert change_faults(now, add_fail=FailRequests(500)).fail[-1] == FailRequests(500)
    assert change_faults(now, remove_fail=402).fail == (
        FailRequests(429),
        FailRequests(503, count=None),
    )
    assert change_faults(now, delay=None) == replace(now, delay=None)
    assert change_faults(now, drop=DropStreams(1), callback_delay=0.0) == replace(
        now, drop=DropStreams(1), callback_delay=0.0
    )
    assert change_faults(now) == now


def test_the_control_api_carries_faults_and_changes_both_ways():
    faults = EmulatorFaults(fail=(FailRequests(429, count=2, retry_after=3),), drop=DropStreams(1))
    sent = json.loads(json.dumps(command_to_json(SetEmulatorFaults(faults), 7)))
    assert command_from_json(sent) == (7, SetEmulatorFaults(faults))
    change = {"add_fail": FailRequests(503, count=None), "delay": None, "callback_delay": 2.0}
    update = UpdateEmulatorFaults(change_to_json(**change))
    sent = json.loads(json.dumps(command_to_json(update, 8)))
    command_id, command = command_from_json(sent)
    assert command_id == 8 and isinstance(command, UpdateEmulatorFaults)
    assert change_from_json(command.change) == change


@pytest.mark.parametrize(
    "body",
    [
        {"command": "set_emulator_faults", "id": 1, "faults": {"fail": [{"status": 200}]}},
        {"command": "set_emulator_faults", "id": 1, "faults": "none"},
        {"command": "update_emulator_faults", "id": 1, "change": {"colour": 1}},
        {"command": "update_emulator_faults", "id": 1, "change": {"delay": {"seconds": -1}}},
        {"command": "update_emulator_faults", "id": 1, "change": []},
    ],
)
def test_a_wrong_fault_command_is_refused_naming_the_command(body):
    with pytest.raises(CommandError, match="emulator_faults"):
        command_from_json(body)
