"""setuptools build hook: ship the top-level `resources/` in the package as `inspector/_resources`.

Wired in pyproject.toml:

    [tool.setuptools.cmdclass]
    build_py = "packaging.setuptools_resources.BuildPy"
    sdist = "packaging.setuptools_resources.Sdist"

(setuptools loads this file by its path in the source tree; `packaging/` is a plain folder here,
not the PyPI `packaging` library, and needs no `__init__.py`.)

`resources/` stays the single source of truth: nothing is copied into the source tree.
- `BuildPy` (wheels) copies `resources/` into the build tree as `inspector/_resources/`.
  In editable installs it does nothing: `inspector.bundled` then finds `resources/` beside the
  package in the source tree.
- `Sdist` adds `resources/` and this file to the source distribution, since `python -m build`
  builds the wheel from the sdist and the wheel needs both.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from setuptools.command.build_py import build_py as _build_py
from setuptools.command.sdist import sdist as _sdist

SOURCE = "resources"
TARGET = os.path.join("inspector", "_resources")
HOOK = os.path.join("packaging", "setuptools_resources.py")


def _resource_files(root: Path) -> list[str]:
    """Files under `resources/`, relative to the project root; no caches or dotfiles."""
    found = []
    for path in sorted((root / SOURCE).rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
            continue
        found.append(rel.as_posix())
    return found


class BuildPy(_build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # editable: resources are read from the source tree
        root = Path.cwd()
        files = _resource_files(root)
        if not files:
            raise RuntimeError(f"no files in {root / SOURCE}: the wheel would lack its resources")
        for rel in files:
            dest = Path(self.build_lib, TARGET, *Path(rel).parts[1:])
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / rel, dest)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not getattr(self, "editable_mode", False):
            root = Path.cwd()
            outputs += [
                os.path.join(self.build_lib, TARGET, *Path(rel).parts[1:])
                for rel in _resource_files(root)
            ]
        return outputs


class Sdist(_sdist):
    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        extra = [*_resource_files(Path.cwd()), HOOK]
        super().make_release_tree(base_dir, sorted({*files, *extra}))
