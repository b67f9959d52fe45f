"""The Debian package, built by `bash packaging/build.sh` (= `make package`), unpacked and run.

Set CALLBACK_INSPECTOR_DEB=/path/to/callback-inspector_VERSION_ARCH.deb to test a package built
earlier instead of building one (the build takes about 4 minutes on 2 cores).
Needs the Debian tools dpkg-deb, desktop-file-validate (desktop-file-utils) and appstreamcli
(appstream); `.ci/run` installs them.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from unittest import mock

import pytest

from tests import serve_process
from tests.samples import shortest_sample, word_overlap

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

ROOT = Path(__file__).resolve().parents[2]
APP = "callback-inspector"
APPSTREAM_ID = "io.github.callback_inspector.CallbackInspector"
MAX_DEB_BYTES = 200 * 1024 * 1024
KEY = "test-key-0123456789abcdef"


def _tool(name: str, apt_package: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: apt-get install {apt_package} (.ci/run installs it)"
    return path


@pytest.fixture(scope="module")
def deb() -> Path:
    given = os.environ.get("CALLBACK_INSPECTOR_DEB")
    if given:
        path = Path(given)
        assert path.is_file(), f"CALLBACK_INSPECTOR_DEB={given} is not a file"
        return path
    _tool("dpkg-deb", "dpkg")
    done = subprocess.run(
        ["bash", "packaging/build.sh"],
        cwd=ROOT,
        # Bundle the environment running the tests (build.sh adds PyInstaller if it lacks it).
        env={**os.environ, "SKIP_WHEEL": "1", "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=1700,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    path = Path(done.stdout.strip().splitlines()[-1])
    arch = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert path == ROOT / "dist" / f"{APP}_{version(APP)}_{arch}.deb"
    assert path.is_file()
    return path


@pytest.fixture(scope="module")
def unpacked(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("deb-root")
    subprocess.run([_tool("dpkg-deb", "dpkg"), "-x", str(deb), str(root)], check=True)
    return root


@pytest.fixture
def app_env(tmp_path: Path) -> dict[str, str]:
    """Offscreen Qt, and a home of its own so the packaged app leaves the user's alone."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "QT_"))}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        QT_QPA_PLATFORM="offscreen",
    )
    return env


def _launcher(unpacked: Path) -> str:
    return str(unpacked / "usr" / "bin" / APP)


def test_deb_is_small_enough_declares_its_dependencies_and_installs_its_files(deb, unpacked):
    assert deb.stat().st_size < MAX_DEB_BYTES, f"{deb.stat().st_size / 2**20:.0f} MB"
    info = subprocess.run(
        ["dpkg-deb", "--info", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    depends = next(line for line in info.splitlines() if line.strip().startswith("Depends:"))
    for lib in (
        "libc6",
        "libegl1",
        "libgl1",
        "libx11-6",
        "libdbus-1-3",
        "libfontconfig1",
        "libfreetype6",
        "libglib2.0-0",
        "libxkbcommon0",
        "libxkbcommon-x11-0",
        "libxcb-cursor0",
    ):
        assert lib in depends, f"{lib} not in {depends}"
    for rel in (
        f"usr/bin/{APP}",
        f"opt/{APP}/{APP}",
        f"usr/share/applications/{APP}.desktop",
        f"usr/share/icons/hicolor/scalable/apps/{APP}.svg",
        f"usr/share/metainfo/{APPSTREAM_ID}.metainfo.xml",
        f"usr/share/doc/{APP}/copyright",
        f"opt/{APP}/_internal/PySide6/Qt/plugins/platforms/libqoffscreen.so",
        f"opt/{APP}/_internal/PySide6/Qt/plugins/platforms/libqxcb.so",
        f"opt/{APP}/_internal/pocketsphinx/model/en-us/en-us",
    ):
        assert (unpacked / rel).exists(), rel
    assert os.access(unpacked / "usr" / "bin" / APP, os.X_OK)


def test_desktop_file_and_metainfo_validate(unpacked):
    desktop = _tool("desktop-file-validate", "desktop-file-utils")
    appstream = _tool("appstreamcli", "appstream")
    for path in (
        unpacked / "usr/share/applications" / f"{APP}.desktop",
        ROOT / "resources" / f"{APP}.desktop",
    ):
        done = subprocess.run([desktop, str(path)], capture_output=True, text=True)
        assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr
    for path in (
        unpacked / "usr/share/metainfo" / f"{APPSTREAM_ID}.metainfo.xml",
        ROOT / "resources" / f"{APP}.metainfo.xml",
    ):
        done = subprocess.run(
            [appstream, "validate", "--no-net", str(path)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_packaged_version_comes_from_the_package_metadata(unpacked, app_env):
    done = subprocess.run(
        [_launcher(unpacked), "--version"], capture_output=True, text=True, env=app_env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{APP} {version(APP)}"


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", head
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_packaged_window_opens_offscreen_and_saves_a_screenshot(unpacked, app_env, tmp_path):
    out = tmp_path / "window.png"
    done = subprocess.run(
        [
            _launcher(unpacked),
            "gui",
            "--port",
            "0",
            "--emulator-port",
            "0",
            "--screenshot",
            str(out),
            "--quit-after",
            "3",
        ],
        capture_output=True,
        text=True,
        env=app_env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    width, height = _png_size(out)
    assert width >= 800 and height >= 500, (width, height)
    # The bundle's resources were found (the window loads its icon from them).
    assert "Cannot open file" not in done.stderr, done.stderr[-3000:]


@pytest.fixture
def packaged_serve(unpacked, app_env) -> Iterator[serve_process.ServeProcess]:
    with mock.patch.object(serve_process, "EXE", [_launcher(unpacked)]):
        server = serve_process.ServeProcess(
            "--port", "0", "--emulator-port", "0", "--relaxed-ports", env=app_env
        )
    try:
        yield server
    finally:
        assert server.stop() == 0


def _post(url: str, data: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=120) as reply:
        return reply.status, reply.read()


def test_packaged_serve_answers_a_post_and_its_emulator_transcribes_a_sample(packaged_serve):
    serve = packaged_serve
    status, _ = _post(
        f"{serve.url}/hook?n=1", b'{"hello": 1}', {"Content-Type": "application/json"}
    )
    assert status == 200
    request = serve.wait_for("request", timeout=30, path="/hook?n=1")
    assert request["method"] == "POST"

    # Real PocketSphinx in a spawned child of the frozen executable; the result arrives as a
    # callback POST to the packaged receiver.
    assert serve.emulator_url
    wav = shortest_sample()
    status, body = _post(
        f"{serve.emulator_url}/v1/listen?callback={serve.url}/hooks/deepgram&punctuate=true",
        wav.read_bytes(),
        {"Content-Type": "audio/wav", "Authorization": f"Token {KEY}"},
    )
    assert status == 200
    request_id = json.loads(body)["request_id"]
    callback = serve.wait_for("request", timeout=120, request_id=request_id)
    result = json.loads(callback["body"])
    transcript = result["results"]["channels"][0]["alternatives"][0]["transcript"]
    assert word_overlap(transcript, wav) >= 0.6, transcript
