#!/usr/bin/env bash
# dist/Enclave.app → dist/Enclave-VERSION-macos-ARCH.dmg (run on macOS after `pyinstaller build.spec`,
# which scripts/build-dist.sh does). The bundle holds one architecture: the build machine's.
#
# Signing and notarisation (needs an Apple Developer ID; not done by default):
#   export MACOS_SIGN_ID="Developer ID Application: Your Org (TEAMID)"
#   scripts/build-dist.sh --with-starter
#     build.spec signs every executable and library as PyInstaller collects them, with the hardened
#     runtime and packaging/macos/entitlements.plist (re-signing the finished .app with --deep
#     misses nested code and is a known notarisation failure); this script then verifies the
#     signature, self-tests the signed .app and signs the dmg.
#   xcrun notarytool store-credentials enclave-notary --apple-id YOU --team-id TEAMID
#   xcrun notarytool submit dist/Enclave-VERSION-macos-ARCH.dmg --keychain-profile enclave-notary --wait
#   xcrun stapler staple dist/Enclave-VERSION-macos-ARCH.dmg
#   spctl --assess --type open --context context:primary-signature -v dist/Enclave-VERSION-macos-ARCH.dmg
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=${1:?version}
APP=dist/Enclave.app
DMG=dist/Enclave-$VERSION-macos-$(uname -m).dmg
[ -d "$APP" ] || { echo "no $APP: build with pyinstaller build.spec on macOS first" >&2; exit 1; }
if [ -n "${MACOS_SIGN_ID:-}" ]; then
  codesign --verify --deep --strict --verbose=2 "$APP"
  spctl --assess --type execute --verbose "$APP" || echo "(spctl accepts it only once notarised)"
fi
echo "== self-test of $APP"
"$APP/Contents/MacOS/enclave" --self-test --scratch
STAGE=$(mktemp -d)
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
rm -f "$DMG"
hdiutil create -volname "Enclave $VERSION" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
rm -rf "$STAGE"
if [ -n "${MACOS_SIGN_ID:-}" ]; then codesign --sign "$MACOS_SIGN_ID" --timestamp "$DMG"; fi
echo "$DMG"
