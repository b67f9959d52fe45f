"""The real session commands in a real process: sessions, export, import.

Run as `python -m inspector.store_cli` (the same functions `callback-inspector` dispatches
to once cli.py wires them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema

from inspector.store.library import SessionLibrary
from tests.factories import BINARY, http_exchange, ws_exchange

EXE = [sys.executable, "-m", "inspector.store_cli"]
SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "har-1.2.schema.json").read_text())


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*EXE, *map(str, args)], capture_output=True, text=True, timeout=60, env=os.environ
    )


def _make_sessions(data: Path) -> tuple[str, str]:
    library = SessionLibrary(data)
    old = library.create(started=1_790_000_000.0)
    old.submit(http_exchange(1)).result(10)
    old.close()
    new = library.create(started=1_790_000_100.0)
    ws, messages = ws_exchange(2)
    items = [
        http_exchange(1, body=BINARY, headers=(("Authorization", "Token sekrit-key-123456"),)),
        ws,
        *messages,
    ]
    for future in [new.submit(item) for item in items]:
        future.result(10)
    new.close()
    return old.path.stem, new.path.stem


def test_sessions_export_import_round_trip(tmp_path):
    data = tmp_path / "data"
    old_id, new_id = _make_sessions(data)
    listed = _run("sessions", "--data-dir", data)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith(new_id) and "2 exchanges" in lines[0]
    assert lines[1].startswith(old_id) and "1 exchange " in lines[1]

    out = tmp_path / "latest.har"
    exported = _run("export", "--data-dir", data, "--session", "latest", "--har", out)
    assert exported.returncode == 0, exported.stderr
    har = json.loads(out.read_text())
    jsonschema.validate(har, SCHEMA)
    assert len(har["log"]["entries"]) == 2
    assert len(har["log"]["entries"][1]["_webSocketMessages"]) == 3

    imported = _run("import", out, "--data-dir", data)
    assert imported.returncode == 0, imported.stderr
    assert "imported 2 exchanges" in imported.stdout
    library = SessionLibrary(data)
    infos = [i for i in library.list() if i.read_only]
    assert len(infos) == 1 and infos[0].source == "har:latest.har"
    assert library.latest() == infos[0]  # named and ordered by when it was imported
    with library.open(infos[0].id) as copy, library.open(new_id) as original:
        assert list(copy.exchanges()) == list(original.exchanges())
        assert copy.messages(2) == original.messages(2)


def test_export_mask_secrets(tmp_path):
    data = tmp_path / "data"
    _, new_id = _make_sessions(data)
    out = tmp_path / "masked.har"
    done = _run(
        "export", "--data-dir", data, "--session", new_id, "--har", out, "--mask-secrets",
        "--secret", "sekrit-key-123456",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "sekrit-key-123456" not in out.read_text()


def test_a_corrupt_session_is_flagged_and_the_others_still_listed(tmp_path):
    data = tmp_path / "data"
    old_id, new_id = _make_sessions(data)
    bad = data / "sessions" / "2030-01-01_00-00-00.cisession"
    bad.write_bytes(b"this is not a database" * 100)
    listed = _run("sessions", "--data-dir", data)
    assert listed.returncode == 0
    assert "2030-01-01_00-00-00  UNREADABLE: not a session file" in listed.stdout
    assert new_id in listed.stdout and old_id in listed.stdout
    # `latest` skips the bad file; naming it gives one clear line, no traceback.
    assert _run("export", "--data-dir", data, "--har", tmp_path / "a.har").returncode == 0
    failed = _run("export", "--data-dir", data, "--session", bad.stem, "--har", tmp_path / "b.har")
    assert failed.returncode == 1
    assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr
    assert "not a session file" in failed.stderr


def test_bad_arguments_and_missing_things(tmp_path):
    no_har = _run("export", "--data-dir", tmp_path)
    assert no_har.returncode == 2 and "--har" in no_har.stderr
    missing = _run("export", "--data-dir", tmp_path, "--session", "nope", "--har", tmp_path / "x")
    assert missing.returncode == 1 and "no session 'nope'" in missing.stderr
    assert "Traceback" not in missing.stderr
    not_har = tmp_path / "x.har"
    not_har.write_text("{}")
    bad_import = _run("import", not_har, "--data-dir", tmp_path)
    assert bad_import.returncode == 1 and "HAR.log is missing" in bad_import.stderr
    empty = _run("sessions", "--data-dir", tmp_path / "none")
    assert empty.returncode == 0 and "no sessions" in empty.stdout
