#!/usr/bin/env bash
# The whole test suite, with no display: Qt draws offscreen; screenshot tests start their own Xvfb.
# Keyring tests use the real Secret Service: a private D-Bus session with an unlocked
# gnome-keyring, in a throw-away HOME so the user's own keyring is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
if [ -z "${ENCLAVE_KEYRING_SESSION:-}" ] && command -v dbus-run-session >/dev/null \
    && command -v gnome-keyring-daemon >/dev/null; then
  export ENCLAVE_KEYRING_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi
if [ -n "${ENCLAVE_KEYRING_SESSION:-}" ]; then
  ENCLAVE_TEST_HOME=$(mktemp -d)
  trap 'rm -rf "$ENCLAVE_TEST_HOME"' EXIT
  export HOME=$ENCLAVE_TEST_HOME
  eval "$(printf 'test-password' | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
fi
.venv/bin/python -m pytest "$@"
