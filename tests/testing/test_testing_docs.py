"""docs/testing.md stays the whole reference: every public name of `inspector.testing`, every
public attribute of its classes, every setting the servers take, every ini option and marker
of the plugin is named there (in backticks), and the docs name nothing the API lacks."""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path

import inspector.testing as api
from inspector.core.settings import EmulatorSettings, ReceiverSettings
from inspector.testing import plugin

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing.md"
NOT_SETTABLE = {"host", "port"}  # the servers listen on 127.0.0.1 and a free port


def _named(text: str) -> set[str]:
    """Every identifier written in backticks, alone or as the head of a call or attribute."""
    names = set()
    for code in re.findall(r"`([^`\n]+)`", text):
        names.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code))
    return names


def _public_members(cls: type) -> set[str]:
    own = set()
    for klass in cls.__mro__:
        if klass.__module__.startswith("inspector."):
            own |= {n for n in vars(klass) if not n.startswith("_")}
    if dataclasses.is_dataclass(cls):
        own |= {f.name for f in dataclasses.fields(cls)}
    return own


def test_every_public_name_and_member_is_in_the_reference():
    named = _named(DOC.read_text())
    missing = []
    for name in api.__all__:
        if name not in named:
            missing.append(name)
        obj = getattr(api, name)
        if inspect.isclass(obj):
            missing += [f"{name}.{m}" for m in sorted(_public_members(obj) - named)]
    assert not missing, f"docs/testing.md does not name: {', '.join(missing)}"


def test_every_setting_ini_option_and_marker_is_in_the_reference():
    named = _named(DOC.read_text())
    settings = {f.name for c in (EmulatorSettings, ReceiverSettings) for f in dataclasses.fields(c)}
    wanted = (settings - NOT_SETTABLE) | set(plugin.INI_OPTIONS) | {
        plugin.MARKER,
        plugin.RECEIVER_MARKER,
        plugin.SESSION_FIXTURE,
        "deepgram_emulator",
        "callback_receiver",
    }
    missing = sorted(wanted - named)
    assert not missing, f"docs/testing.md does not name (add a line for each): {missing}"


def test_the_async_waits_the_reference_names_exist():
    text = DOC.read_text()
    for name in set(re.findall(r"`(wait_for\w*)", text)):
        emulator, receiver = api.DeepgramEmulator, api.CallbackReceiver
        owner = emulator if hasattr(emulator, name) else receiver
        assert hasattr(owner, name), name
        if name.endswith("_async"):
            assert inspect.iscoroutinefunction(getattr(owner, name)), name
