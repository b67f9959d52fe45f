#!/usr/bin/env bash
# Linux packages of Callback Inspector, from the PyInstaller one-folder bundle:
#   dist/callback-inspector_VERSION_ARCH.deb          (files under /opt/callback-inspector)
#   dist/callback-inspector-VERSION-linux-MACHINE.tar.gz
# Usage: bash packaging/linux/build.sh   (normally via `bash packaging/build.sh` / `make package`)
# Env:   PYTHON   the interpreter whose environment holds the app and PyInstaller (.venv/bin/python)
#        SKIP_BUNDLE=1  reuse build/pyinstaller/dist/callback-inspector (packaging-only changes)
#        DEB_MAINTAINER "Name <address>" for the Maintainer field and the changelog (the default
#                       is a placeholder in the reserved .invalid domain: set it for releases)
# Needs: dpkg-deb, tar, objdump (binutils); nothing is downloaded here.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
APP=callback-inspector
APPSTREAM_ID=io.github.callback_inspector.CallbackInspector
WORK="$ROOT/build/pyinstaller"
BUNDLE="$WORK/dist/$APP"
DIST="$ROOT/dist"
MAINTAINER="${DEB_MAINTAINER:-Callback Inspector developers <maintainers@callback-inspector.invalid>}"

step() { printf '\n== %s (%ss)\n' "$*" "$SECONDS" >&2; }

VERSION="$("$PYTHON" -c 'from importlib.metadata import version; print(version("callback-inspector"))')"
WANT="$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
if [ "$VERSION" != "$WANT" ]; then
  echo "build.sh: installed version $VERSION differs from pyproject.toml ($WANT); run: make venv" >&2
  exit 1
fi
if ! grep -q "<release version=\"$VERSION\"" "resources/$APP.metainfo.xml"; then
  echo "build.sh: resources/$APP.metainfo.xml has no <release version=\"$VERSION\" date=...>" >&2
  exit 1
fi
ARCH="$(dpkg --print-architecture)"
MACHINE="$(uname -m)"

# 1. The bundle.
if [ "${SKIP_BUNDLE:-0}" != 1 ] || [ ! -x "$BUNDLE/$APP" ]; then
  step "PyInstaller bundle $VERSION"
  "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$WORK/dist" --workpath "$WORK/work" packaging/linux/callback-inspector.spec
fi
for need in _internal/PySide6/Qt/plugins/platforms/libqoffscreen.so \
  _internal/PySide6/Qt/plugins/platforms/libqxcb.so \
  _internal/pocketsphinx/model/en-us/en-us \
  _internal/resources/samples \
  _internal/resources/icons/$APP.svg; do
  [ -e "$BUNDLE/$need" ] || { echo "build.sh: the bundle lacks $need" >&2; exit 1; }
done
"$BUNDLE/$APP" --version | grep -qx "$APP $VERSION" || {
  echo "build.sh: the bundle's --version is not $VERSION" >&2
  exit 1
}

# 2. The Debian package tree.
step "Debian package tree"
STAGE="$ROOT/build/deb/${APP}_${VERSION}_${ARCH}"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/icons/hicolor/scalable/apps" "$STAGE/usr/share/metainfo" \
  "$STAGE/usr/share/doc/$APP" "$STAGE/usr/share/man/man1"
cp -a "$BUNDLE" "$STAGE/opt/$APP"
# Data files need no execute bit (lintian: executable-not-elf-or-script and friends).
find "$STAGE/opt/$APP" -type f ! -name '*.so*' ! -path "*/$APP/$APP" -perm /111 \
  -exec sh -c 'file -b "$1" | grep -q ELF || chmod a-x "$1"' _ {} \;
find "$STAGE/opt/$APP" -type f -name '*.so*' -exec chmod 0644 {} +
find "$STAGE" -type d -exec chmod 0755 {} +

# A launcher script, not a symlink: it finds the app relative to itself, so it also runs from
# a tree unpacked with `dpkg-deb -x` (the package test does that).
cat >"$STAGE/usr/bin/$APP" <<'EOF'
#!/bin/sh
# Callback Inspector launcher: the app is a PyInstaller bundle in /opt/callback-inspector.
here=$(dirname "$(readlink -f "$0")")
exec "$here/../../opt/callback-inspector/callback-inspector" "$@"
EOF
chmod 0755 "$STAGE/usr/bin/$APP"
install -m 0644 "resources/$APP.desktop" "$STAGE/usr/share/applications/$APP.desktop"
install -m 0644 "resources/icons/$APP.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/$APP.svg"
install -m 0644 "resources/$APP.metainfo.xml" \
  "$STAGE/usr/share/metainfo/$APPSTREAM_ID.metainfo.xml"
install -m 0644 packaging/linux/copyright "$STAGE/usr/share/doc/$APP/copyright"
DATE_R="$(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}")"
printf '%s (%s) unstable; urgency=medium\n\n  * Release %s, built from the PyInstaller bundle.\n\n -- %s  %s\n' \
  "$APP" "$VERSION" "$VERSION" "$MAINTAINER" \
  "$DATE_R" | gzip -9n >"$STAGE/usr/share/doc/$APP/changelog.gz"
gzip -9n <packaging/linux/callback-inspector.1 >"$STAGE/usr/share/man/man1/$APP.1.gz"
chmod 0644 "$STAGE/usr/share/doc/$APP/changelog.gz" "$STAGE/usr/share/man/man1/$APP.1.gz"

# Dependencies: the system libraries the bundled Qt, its xcb platform plugin and the bundled
# Python load from the system (PyInstaller bundles everything else). libc6's floor is the
# newest GLIBC_ symbol version any bundled binary needs.
GLIBC_MIN="$(find "$STAGE/opt/$APP" -type f \( -name '*.so*' -o -name "$APP" \) -print0 |
  xargs -0 objdump -T 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' |
  sort -uV | tail -1)"
DEPENDS="libc6 (>= ${GLIBC_MIN}), libegl1, libgl1, libx11-6, libx11-xcb1, libdbus-1-3,
 libfontconfig1, libfreetype6, libglib2.0-0t64 | libglib2.0-0, libxkbcommon0, libxkbcommon-x11-0,
 libxcb1, libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-randr0,
 libxcb-render0, libxcb-render-util0, libxcb-shape0, libxcb-shm0, libxcb-sync1, libxcb-util1,
 libxcb-xfixes0, libxcb-xkb1"
DEPENDS="$(echo "$DEPENDS" | tr -s ' \n' ' ' | sed 's/ $//')"
SIZE_KB="$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)"
cat >"$STAGE/DEBIAN/control" <<EOF
Package: $APP
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $SIZE_KB
Depends: $DEPENDS
Recommends: fonts-dejavu-core
Section: devel
Priority: optional
Description: see, answer and replay Deepgram speech-to-text callbacks
 Callback Inspector receives the HTTP callbacks and WebSocket streams that
 Deepgram's speech-to-text API sends, shows each request in full and lets you
 choose what to answer, to try out retries, timeouts and failures.
 .
 A built-in offline Deepgram emulator transcribes audio with PocketSphinx on
 this machine, so callbacks can be produced without an account or network.
 .
 The application is a self-contained bundle in /opt/callback-inspector.
EOF
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
  xargs -0 md5sum >DEBIAN/md5sums)
chmod 0644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/md5sums"

# 3. The .deb and the tarball.
mkdir -p "$DIST"
DEB="$DIST/${APP}_${VERSION}_${ARCH}.deb"
step "dpkg-deb --build $DEB"
dpkg-deb --build --root-owner-group -Zxz -z6 "$STAGE" "$DEB" >&2
TARBALL="$DIST/${APP}-${VERSION}-linux-${MACHINE}.tar.gz"
step "tarball $TARBALL"
tar -C "$WORK/dist" --owner=0 --group=0 --numeric-owner \
  --transform "s,^$APP,$APP-$VERSION," -czf "$TARBALL" "$APP"

step "done"
du -sh "$BUNDLE" "$DEB" "$TARBALL" >&2
echo "$DEB"
