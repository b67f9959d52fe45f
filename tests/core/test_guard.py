"""The guarded receiver's verdicts: secret path, basic auth, dg-token."""

from __future__ import annotations

import pytest

from inspector.core.basic_auth import encode_basic_auth
from inspector.core.guard import (
    Guard,
    GuardSettingError,
    GuardSettings,
    callback_prefix,
    callback_url,
    judge,
    new_secret,
    strip_prefix,
    within_prefix,
)

SECRET = "A" * 24
TOKEN = "11111111-2222-3333-4444-555555555555"


def test_a_new_secret_has_at_least_128_random_bits_and_is_new_each_time():
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(len(s) * 6 >= 128 and GuardSettings(secret=s).check() for s in secrets)


@pytest.mark.parametrize(
    ("path", "inside"),
    [
        ("/cb/S", True),
        ("/cb/S/", True),
        ("/cb/S/hook", True),
        ("/cb/Sx", False),
        ("/", False),
        ("/cb/", False),
        ("/other/cb/S", False),
    ],
)
def test_within_the_callback_prefix(path, inside):
    assert within_prefix(path, "/cb/S") is inside


def test_outside_the_secret_path_is_404_not_the_callback_path():
    guard = Guard(GuardSettings(), callback_prefix(SECRET))
    for path in ("/", "/cb/wrong", "/favicon.ico"):
        verdict = judge(guard, path, [])
        assert verdict.status == 404 and "not the callback path" in verdict.reason
    assert judge(guard, f"/cb/{SECRET}/", []).allowed


def test_basic_auth_missing_or_wrong_is_401_with_a_challenge_right_passes():
    guard = Guard(GuardSettings(basic_auth="deepgram:s3cret"))
    missing = judge(guard, "/x", [])
    wrong = judge(guard, "/x", [("Authorization", encode_basic_auth("deepgram", "nope"))])
    assert (missing.status, wrong.status) == (401, 401)
    assert "no Basic auth" in missing.reason and "wrong Basic auth" in wrong.reason
    assert "nope" not in wrong.reason  # the password tried is never listed
    assert ("WWW-Authenticate", 'Basic realm="callback", charset="UTF-8"') in missing.headers
    right = [("Authorization", encode_basic_auth("deepgram", "s3cret"))]
    assert judge(guard, "/x", right).allowed


def test_dg_token_missing_or_other_is_403_the_right_one_passes_in_any_case():
    guard = Guard(GuardSettings(dg_token=TOKEN))
    assert judge(guard, "/x", []).status == 403
    assert judge(guard, "/x", [("dg-token", "00000000-0000-0000-0000-000000000000")]).status == 403
    assert judge(guard, "/x", [("DG-Token", TOKEN.upper())]).allowed


def test_the_path_is_checked_first_so_scanners_learn_nothing_of_the_other_guards():
    guard = Guard(GuardSettings(basic_auth="u:p", dg_token=TOKEN), callback_prefix(SECRET))
    assert judge(guard, "/", []).status == 404
    assert judge(guard, f"/cb/{SECRET}/", []).status == 401


def test_no_guard_lets_everything_through():
    assert not Guard().active and judge(Guard(), "/anything", []).allowed


def test_the_app_sees_the_path_without_the_secret_prefix():
    prefix = callback_prefix(SECRET)
    assert strip_prefix(f"{prefix}/hook?a=1", prefix) == "/hook?a=1"
    assert strip_prefix(prefix, prefix) == "/"
    assert strip_prefix(f"{prefix}/", prefix) == "/"
    assert strip_prefix("/hook", None) == "/hook"


def test_the_callback_url_carries_the_secret_path_and_user_pass_with_basic_auth():
    guard = Guard(GuardSettings(basic_auth="deep gram:p@ss"), callback_prefix(SECRET))
    assert callback_url("https://x.trycloudflare.com/", guard) == (
        f"https://deep%20gram:p%40ss@x.trycloudflare.com/cb/{SECRET}/"
    )
    assert callback_url("https://h", Guard(GuardSettings(), "/cb/S")) == "https://h/cb/S/"


@pytest.mark.parametrize(
    "settings",
    [
        GuardSettings(secret="short"),
        GuardSettings(secret="has spaces in it and is long enough"),
        GuardSettings(basic_auth="nopassword"),
        GuardSettings(basic_auth=":p"),
        GuardSettings(dg_token="not-a-uuid"),
    ],
)
def test_bad_guard_settings_say_which_flag(settings):
    with pytest.raises(GuardSettingError, match="--"):
        settings.check()
