"""`python -m build` from a copy of the working tree, installed into a fresh venv, and run.

The copy stands in for a clean checkout (a `git clone` would miss uncommitted files); the
resources must reach the wheel through the sdist, since `python -m build` builds the wheel from
the sdist. pip may use its cache; it fetches what it lacks from PyPI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
import venv
import zipfile
from importlib.metadata import version
from pathlib import Path
from unittest import mock

import pytest

from tests import serve_process

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
APP = "callback-inspector"
# Not part of a checkout: local environments, build output and caches.
NOT_IN_CHECKOUT = {".venv", ".git", "build", "dist", "__pycache__", ".pytest_cache", ".mypy_cache"}
NOT_IN_CHECKOUT |= {".ruff_cache", ".hypothesis", "out"}


def _ignore(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n in NOT_IN_CHECKOUT or n.endswith(".egg-info")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel built from a copy of the tree; returns its bin dir."""
    base = tmp_path_factory.mktemp("wheel")
    tree = base / "tree"
    shutil.copytree(ROOT, tree, ignore=_ignore, symlinks=True)
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    py = str(bin_dir / "python")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}

    def run(*args: str, cwd: Path = base) -> None:
        done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{args}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"

    run(py, "-m", "pip", "install", "--quiet", "build>=1.2")
    run(py, "-m", "build", "--outdir", str(base / "dist"), str(tree), cwd=tree)
    wheels = sorted((base / "dist").glob("*.whl"))
    assert len(wheels) == 1, wheels
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = wheel.namelist()
    source_samples = sorted(p.name for p in (ROOT / "resources" / "samples").iterdir())
    for name in source_samples:
        assert f"inspector/_resources/samples/{name}" in names, name
    assert "inspector/_resources/icons/callback-inspector.svg" in names
    assert "inspector/py.typed" in names  # users' mypy reads inspector.testing's types (PEP 561)
    run(py, "-m", "pip", "install", "--quiet", str(wheels[0]))
    return bin_dir


def test_version_comes_from_the_package_metadata(installed):
    done = subprocess.run(
        [str(installed / APP), "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{APP} {version(APP)}"


def test_resources_are_found_inside_the_installed_package(installed, tmp_path):
    code = (
        "from inspector import bundled; "
        "print(bundled.samples_dir()); print(bundled.app_icon().is_file())"
    )
    done = subprocess.run(
        [str(installed / "python"), "-c", code],
        cwd=tmp_path,  # not the source tree: the installed package must find its own copy
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    samples, icon_ok = done.stdout.split()
    assert Path(samples).parts[-3:] == ("inspector", "_resources", "samples")
    assert installed.parent in Path(samples).parents
    assert sorted(p.name for p in Path(samples).glob("*.wav"))
    assert icon_ok == "True"


def test_serve_starts_from_the_wheel_and_answers(installed):
    with mock.patch.object(serve_process, "EXE", [str(installed / APP)]):
        server = serve_process.ServeProcess("--port", "0", "--emulator-port", "0")
    try:
        assert server.emulator_url
        request = urllib.request.Request(f"{server.url}/from-wheel", data=b"hi", method="POST")
        with urllib.request.urlopen(request, timeout=30) as reply:
            assert reply.status == 200
        assert server.wait_for("request", timeout=30, path="/from-wheel")["method"] == "POST"
    finally:
        assert server.stop() == 0
