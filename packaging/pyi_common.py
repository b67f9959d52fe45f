"""What every PyInstaller spec in packaging/ collects; imported by the .spec files.

Kept in one place so the Linux, Windows and macOS bundles hold the same app.
"""

from __future__ import annotations

import os
from importlib.metadata import version

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata

APP_NAME = "callback-inspector"
DIST_NAME = "callback-inspector"  # the distribution name, for importlib.metadata
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
LAUNCHER = os.path.join(ROOT, "packaging", "launcher.py")
RESOURCES = os.path.join(ROOT, "resources")
ICON_SVG = os.path.join(RESOURCES, "icons", "callback-inspector.svg")


def app_version() -> str:
    """The version of the installed project (pyproject.toml), as `--version` will print it."""
    return version(DIST_NAME)


def datas() -> list[tuple[str, str]]:
    # <bundle>/_internal/resources: where inspector/bundled.py looks in a bundle (sys._MEIPASS).
    # File by file, leaving out the scripts that made the resources (e.g. make_samples.sh).
    found = []
    for folder, dirs, files in os.walk(RESOURCES):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        dest = os.path.join("resources", os.path.relpath(folder, RESOURCES))
        found += [
            (os.path.join(folder, name), os.path.normpath(dest))
            for name in sorted(files)
            if not name.startswith(".") and not name.endswith(".sh")
        ]
    # The PocketSphinx en-us acoustic model, dictionary and language model (~37 MB).
    found += collect_data_files("pocketsphinx", includes=["model/**/*"])
    # Word lists the emulator's sentiment and profanity_filter read (core/sentiment.py,
    # core/profanity.py).
    found += collect_data_files("vaderSentiment") + collect_data_files("better_profanity")
    # `--version` and saved sessions read the version from the package metadata.
    found += copy_metadata(DIST_NAME)
    return found


def hiddenimports() -> list[str]:
    # The ASR worker imports its transcriber by name ("module:Class"), the GUI lazily:
    # take the whole package so nothing depends on what the analysis can see.
    return [*collect_submodules("inspector"), "pocketsphinx"]


# Never needed at run time; some are installed in the build venv (test extras).
EXCLUDES = [
    "tkinter",
    "_tkinter",
    "pytest",
    "_pytest",
    "hypothesis",
    "mypy",
    "ruff",
    "deepgram",
    "jsonschema",
    "IPython",
    "matplotlib",
    "setuptools",
    "pkg_resources",
    # Pulled in by optional imports of dependencies, unused by the app (~10 MB):
    "pydantic",
    "pydantic_core",
    "yaml",
    "PIL",  # av.video.frame.to_image(); the app decodes audio only
    "sounddevice",  # pocketsphinx's microphone helper
]
