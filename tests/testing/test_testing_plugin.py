"""Acceptance 1 of issue 18: a user's project, written to a temporary folder, with the README's
test file and nothing else of ours (no conftest, no import of the plugin), run by pytest in a
subprocess: the fixtures come through the `pytest11` entry point of the installed
callback-inspector, and the tests pass. Also the ini options and the marker."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECTION = "## Test your app against the emulator"

SETTINGS_TESTS = '''
import pytest


def test_the_ini_sets_the_defaults(deepgram_emulator, deepgram_emulator_session):
    assert deepgram_emulator.settings.attempt_timeout == 7.0
    assert deepgram_emulator_session.settings.attempt_timeout == 7.0


@pytest.mark.deepgram_emulator(max_retries=2, api_key="marked-key")
def test_the_marker_sets_this_tests_emulator(deepgram_emulator):
    assert deepgram_emulator.settings.max_retries == 2
    assert deepgram_emulator.api_key == "marked-key"
    assert deepgram_emulator.settings.attempt_timeout == 7.0  # the ini still applies


def test_a_session_emulator_changed_by_one_test(deepgram_emulator_session):
    deepgram_emulator_session.fail_next(500)
    deepgram_emulator_session.configure(max_retries=0)


def test_is_clean_for_the_next(deepgram_emulator_session):
    assert not deepgram_emulator_session.faults.active
    assert deepgram_emulator_session.settings.max_retries == 10
    assert deepgram_emulator_session.rejections() == []
'''


def readme_test_file() -> str:
    """The first Python block of the README's testing section: what a user copies."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split(SECTION, 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README's testing section has no Python example"
    return match.group(1)


@pytest.mark.timeout(330)  # its own pytest, the speech model loaded once, on a busy machine
def test_a_users_project_runs_the_readme_tests_with_the_installed_plugin(tmp_path):
    (tmp_path / "test_deepgram.py").write_text(readme_test_file())
    (tmp_path / "test_settings.py").write_text(SETTINGS_TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\ndeepgram_emulator_attempt_timeout = 7\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_PLUGINS")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = ""  # entry points load, as in a user's shell
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert not list(tmp_path.glob("**/conftest.py"))
    assert re.search(r"^plugins: .*callback-inspector-", out, re.M), out  # by entry point
    assert "7 passed" in out, out
    assert str(ROOT / "tests") not in out  # nothing of this repository's tests took part


def test_a_wrong_ini_value_stops_the_run_naming_the_option(pytester):
    pytester.makeini("[pytest]\ndeepgram_emulator_relaxed_ports = perhaps\n")
    pytester.makepyfile("def test_x(): pass\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == 4  # a usage error, before any test runs
    result.stderr.fnmatch_lines(["*deepgram_emulator_relaxed_ports*perhaps*true or false*"])


def test_the_receiver_marker_gives_the_fixture_its_rules_and_settings(pytester):
    pytester.makepyfile(
        """
        import http.client

        import pytest


        def post(receiver, body=b"{}"):
            conn = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=30)
            conn.request("POST", "/hook", body=body)
            status = conn.getresponse().status
            conn.close()
            return status


        @pytest.mark.callback_receiver(rules=[{"name": "down", "status": 503}], max_body=8)
        def test_marked(callback_receiver):
            assert post(callback_receiver) == 503
            assert callback_receiver.wait_for()[0].rule == "down"
            assert post(callback_receiver, b"x" * 9) == 413


        def test_unmarked(callback_receiver):
            assert post(callback_receiver, b"x" * 9) == 200 and callback_receiver.rules == []


        @pytest.mark.callback_receiver({"status": 500})
        def test_positional(callback_receiver):
            pass
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*callback_receiver takes keyword arguments only*rules=*"])


def test_the_readmes_other_examples_are_the_example_apps_own_code():
    """The handler and tests the README shows are excerpts of examples/, word for word, and
    its GitHub Actions job is valid YAML that runs pytest."""
    import yaml

    section = (ROOT / "README.md").read_text().split(SECTION, 1)[1].split("\n## ", 1)[0]
    code = "\n".join(p.read_text() for p in (ROOT / "examples").rglob("*.py"))
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) >= 3
    for block in blocks[1:]:
        for definition in re.split(r"\n\n\n(?=def |async def )", block.strip()):
            assert definition in code, definition[:200]
    [job] = re.findall(r"```yaml\n(.*?)```", section, re.S)
    steps = yaml.safe_load(job)["jobs"]["test"]["steps"]
    assert any("pytest" in step.get("run", "") for step in steps)
