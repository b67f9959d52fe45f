#!/usr/bin/env bash
# macOS app and disk image of Callback Inspector; run on a Mac from the repository root:
#   bash packaging/macos/build.sh
# Needs: Python 3.11+ (python.org universal2 installer or Homebrew), Xcode command line tools.
# Output: dist/pyinstaller/Callback Inspector.app, dist/callback-inspector-VERSION-macos-ARCH.dmg
# Env:
#   MACOS_SIGN_IDENTITY   "Developer ID Application: NAME (TEAMID)": sign app and dmg
#   MACOS_NOTARY_PROFILE  a `xcrun notarytool store-credentials` profile: notarise and staple
#   MACOS_TARGET_ARCH     arm64 | x86_64 | universal2 (universal2 needs universal2 wheels of
#                         every dependency; default: the build machine's architecture)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
APP_NAME="Callback Inspector"
VENV="$ROOT/build/venv-macos"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet ".[packaging]"
VERSION="$("$PY" -c 'from importlib.metadata import version; print(version("callback-inspector"))')"
ARCH="${MACOS_TARGET_ARCH:-$(uname -m)}"

"$PY" packaging/make_icons.py build/icons
"$PY" -m PyInstaller --noconfirm --clean --distpath dist/pyinstaller --workpath build/pyinstaller-mac \
  packaging/macos/callback-inspector.spec
APP="dist/pyinstaller/$APP_NAME.app"
"$APP/Contents/MacOS/callback-inspector" --version | grep -qx "callback-inspector $VERSION"

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  # PyInstaller signed each binary; sign the bundle as a whole with the hardened runtime.
  codesign --force --deep --options runtime --timestamp \
    --entitlements packaging/macos/entitlements.plist --sign "$MACOS_SIGN_IDENTITY" "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"
fi

# The disk image: the app and a link to /Applications to drag it onto.
STAGE="build/dmg"
rm -rf "$STAGE" && mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
DMG="dist/callback-inspector-$VERSION-macos-$ARCH.dmg"
rm -f "$DMG"
hdiutil create -volname "$APP_NAME $VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$DMG"
fi
if [ -n "${MACOS_NOTARY_PROFILE:-}" ]; then
  xcrun notarytool submit "$DMG" --keychain-profile "$MACOS_NOTARY_PROFILE" --wait
  xcrun stapler staple "$DMG"
  xcrun stapler validate "$DMG"
  spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
fi
ls -l "$DMG"
