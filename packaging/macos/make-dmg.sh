#!/usr/bin/env bash
# dist/Enclave.app → dist/Enclave-VERSION.dmg (run on macOS after `pyinstaller build.spec`).
#
# Signing and notarisation (needs an Apple Developer ID; not done by default):
#   export SIGN_ID="Developer ID Application: Your Org (TEAMID)"
#   codesign --force --deep --options runtime --timestamp \
#            --entitlements packaging/macos/entitlements.plist --sign "$SIGN_ID" dist/Enclave.app
#   (this script runs that when SIGN_ID is set, and signs the dmg too)
#   xcrun notarytool store-credentials enclave-notary --apple-id YOU --team-id TEAMID
#   xcrun notarytool submit dist/Enclave-VERSION.dmg --keychain-profile enclave-notary --wait
#   xcrun stapler staple dist/Enclave-VERSION.dmg
#   spctl --assess --type open --context context:primary-signature -v dist/Enclave-VERSION.dmg
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=${1:?version}
APP=dist/Enclave.app
DMG=dist/Enclave-$VERSION.dmg
[ -d "$APP" ] || { echo "no $APP: build with pyinstaller build.spec on macOS first" >&2; exit 1; }
if [ -n "${SIGN_ID:-}" ]; then
  codesign --force --deep --options runtime --timestamp \
    --entitlements packaging/macos/entitlements.plist --sign "$SIGN_ID" "$APP"
fi
STAGE=$(mktemp -d)
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
rm -f "$DMG"
hdiutil create -volname "Enclave $VERSION" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
rm -rf "$STAGE"
[ -n "${SIGN_ID:-}" ] && codesign --sign "$SIGN_ID" --timestamp "$DMG"
echo "$DMG"
