#!/usr/bin/env bash
# `make package`: every installer this machine can build, into dist/.
#   Linux:   the PyInstaller bundle -> .deb and .tar.gz (packaging/linux/build.sh),
#            plus the wheel and sdist (python -m build; resources inside the wheel).
#   Windows / macOS: run packaging/windows/build.ps1 / packaging/macos/build.sh there.
# Env: PYTHON (default .venv/bin/python), SKIP_WHEEL=1, SKIP_BUNDLE=1 (reuse the last bundle).
# Downloads: only PyInstaller / build from PyPI when the environment lacks them, and the
# build backend (setuptools) from PyPI into `python -m build`'s isolated environment.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
START=$SECONDS

case "$(uname -s)" in
  Linux) ;;
  *)
    echo "packaging/build.sh builds the Linux packages; see packaging/README.md for $(uname -s)" >&2
    exit 2
    ;;
esac

if ! "$PYTHON" -c 'import PyInstaller, build' 2>/dev/null; then
  echo "== installing the packaging extra (PyInstaller, build) from PyPI" >&2
  "$PYTHON" -m pip install --quiet 'pyinstaller>=6.10' 'build>=1.2'
fi
for tool in dpkg-deb objdump file; do
  command -v "$tool" >/dev/null || {
    echo "packaging/build.sh: $tool is missing (apt-get install dpkg binutils file)" >&2
    exit 1
  }
done

bash packaging/linux/build.sh

if [ "${SKIP_WHEEL:-0}" != 1 ]; then
  echo "== wheel and sdist" >&2
  "$PYTHON" -m build --outdir dist . >&2
fi
echo "== make package: $((SECONDS - START)) s" >&2
ls -l dist >&2
