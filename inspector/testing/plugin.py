"""The pytest plugin: `deepgram_emulator`, `callback_receiver`, `deepgram_emulator_session`.

Registered through the `pytest11` entry point, so installing callback-inspector is all it
takes (`pytest -p no:callback_inspector` turns it off). Each fixture gives a started
`inspector.testing` object and stops it after. Defaults come from ini options
(`deepgram_emulator_retry_delay = 1` in pytest.ini / pyproject's `[tool.pytest.ini_options]`)
and, for the function-scoped emulator, from a marker:
`@pytest.mark.deepgram_emulator(max_retries=2, api_key="k")`; the receiver's reply rules and
limits from another: `@pytest.mark.callback_receiver(rules=[{"fail_first": 2, "status": 503}])`.

Loading this module imports nothing heavy: the servers are imported by the first fixture
that runs, so test suites that never use them pay nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .emulator import DeepgramEmulator
    from .receiver import CallbackReceiver

MARKER = "deepgram_emulator"
RECEIVER_MARKER = "callback_receiver"
SESSION_FIXTURE = "deepgram_emulator_session"


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true or false, got {text!r}")


# ini option -> (emulator setting, parser, help)
INI_OPTIONS: dict[str, tuple[str, Callable[[str], Any], str]] = {
    "deepgram_emulator_retry_delay": (
        "retry_delay",
        float,
        "seconds between callback attempts of the emulator fixtures (default 0.1; Deepgram: 30)",
    ),
    "deepgram_emulator_max_retries": (
        "max_retries",
        int,
        "retries after a failed callback attempt (default and Deepgram: 10)",
    ),
    "deepgram_emulator_api_key": (
        "api_key",
        str,
        "the only API key the emulator fixtures accept (default: any non-empty key)",
    ),
    "deepgram_emulator_relaxed_ports": (
        "relaxed_ports",
        _bool,
        "accept callback URLs on any port (default true; Deepgram: 80/443/8080/8443 only)",
    ),
    "deepgram_emulator_attempt_timeout": (
        "attempt_timeout",
        float,
        "seconds one callback attempt may take (default and Deepgram: 30)",
    ),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    for name, (_setting, _parse, help_text) in INI_OPTIONS.items():
        parser.addini(name, help_text, default=None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**settings): settings of this test's deepgram_emulator fixture "
        "(retry_delay, max_retries, api_key, relaxed_ports, attempt_timeout, ...)",
    )
    config.addinivalue_line(
        "markers",
        f"{RECEIVER_MARKER}(rules=[...], **settings): reply rules (rule tables, Rule objects "
        "or a rules file's Path) and settings (max_body, ...) of this test's callback_receiver",
    )
    _ini_settings(config)  # a wrong value stops the run at once, naming the option


def _ini_settings(config: pytest.Config) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for name, (setting, parse, _help) in INI_OPTIONS.items():
        raw = config.getini(name)
        if raw in (None, "", []):
            continue
        try:
            settings[setting] = parse(str(raw))
        except ValueError as exc:
            raise pytest.UsageError(f"ini option {name} = {raw!r}: {exc}") from None
    return settings


def _marker_settings(
    node: pytest.Item | pytest.Collector, marker: str = MARKER
) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for mark in reversed(list(node.iter_markers(marker))):  # the closest marker wins
        if mark.args:
            raise pytest.UsageError(
                f"@pytest.mark.{marker} takes keyword arguments only (e.g. "
                f"{'max_retries=2' if marker == MARKER else 'rules=[...]'})"
            )
        settings.update(mark.kwargs)
    return settings


@pytest.fixture
def deepgram_emulator(request: pytest.FixtureRequest) -> Iterator[DeepgramEmulator]:
    """A Deepgram emulator for this test (`inspector.testing.DeepgramEmulator`), started."""
    from .emulator import DeepgramEmulator

    settings = {**_ini_settings(request.config), **_marker_settings(request.node)}
    with DeepgramEmulator(**settings) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def deepgram_emulator_session(request: pytest.FixtureRequest) -> Iterator[DeepgramEmulator]:
    """One Deepgram emulator for the whole session: its speech model loads once. Faults,
    settings and records are reset after each test that used it."""
    from .emulator import DeepgramEmulator

    with DeepgramEmulator(**_ini_settings(request.config)) as emulator:
        yield emulator


@pytest.fixture
def callback_receiver(request: pytest.FixtureRequest) -> Iterator[CallbackReceiver]:
    """A callback URL for this test (`inspector.testing.CallbackReceiver`), started; with
    `@pytest.mark.callback_receiver(rules=...)` answering by those rules."""
    from .receiver import CallbackReceiver

    with CallbackReceiver(**_marker_settings(request.node, RECEIVER_MARKER)) as receiver:
        yield receiver


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """The session emulator starts each test clean: nothing left over from the last one."""
    funcargs: dict[str, Any] = getattr(item, "funcargs", {})
    emulator = funcargs.get(SESSION_FIXTURE)
    if emulator is not None:
        emulator.reset()
