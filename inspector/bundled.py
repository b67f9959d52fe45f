"""Where the app's resources (icons, style sheets, sample audio, desktop files) are at run time.

The single source of truth is the top-level `resources/` folder of the repository. It reaches a
running app in one of three ways, tried in this order:

1. a PyInstaller bundle: copied to `<sys._MEIPASS>/resources` by the spec files in `packaging/`
   (the same place relative to the package as in the source tree);
2. an installed wheel (pip, pipx): copied into the package as `inspector/_resources` by the
   build hook `packaging/setuptools_resources.py` (pyproject.toml, `[tool.setuptools.cmdclass]`);
3. a source tree or an editable install: `resources/` beside the `inspector/` package.

`CALLBACK_INSPECTOR_RESOURCES` overrides all three (a folder with the same layout as `resources/`).

Usage:

    from inspector import bundled

    bundled.samples_dir()                       # Path to resources/samples
    bundled.icons_dir()                         # Path to resources/icons
    bundled.app_icon()                          # Path to the app's SVG icon
    bundled.resource("samples", "numbers.wav")  # any file under resources/
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

ENV_VAR = "CALLBACK_INSPECTOR_RESOURCES"
PACKAGED_NAME = "_resources"  # inspector/_resources in wheels
APP_ID = "callback-inspector"

_PACKAGE_DIR = Path(__file__).resolve().parent


def _candidates() -> list[Path]:
    found: list[Path] = []
    override = os.environ.get(ENV_VAR)
    if override:
        found.append(Path(override))
    meipass = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and meipass:
        found.append(Path(meipass) / "resources")
    found.append(_PACKAGE_DIR / PACKAGED_NAME)
    found.append(_PACKAGE_DIR.parent / "resources")
    return found


@cache
def resources_dir() -> Path:
    """The folder with the layout of the repository's `resources/`; raises if there is none."""
    candidates = _candidates()
    for path in candidates:
        if path.is_dir():
            return path
    looked = ", ".join(str(p) for p in candidates)
    raise FileNotFoundError(f"Callback Inspector resources not found (looked in: {looked})")


def resource(*parts: str) -> Path:
    """A path under the resources folder (it may not exist: check if it matters)."""
    return resources_dir().joinpath(*parts)


def samples_dir() -> Path:
    """Spoken sample WAVs, each with the text it says in a .txt beside it."""
    return resource("samples")


def icons_dir() -> Path:
    """SVG icons used by the window."""
    return resource("icons")


def app_icon() -> Path:
    """The application icon (SVG), also installed into the hicolor theme by the packages."""
    return icons_dir() / f"{APP_ID}.svg"

