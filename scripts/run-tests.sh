#!/usr/bin/env bash
# The whole test suite, with no display: Qt draws offscreen; screenshot tests start their own Xvfb.
# Keyring tests use the real Secret Service: a private D-Bus session with an unlocked
# gnome-keyring, in a throw-away HOME so the user's own keyring is never touched.
# Without dbus-run-session and gnome-keyring-daemon this fails, so CI cannot go green with the
# keyring tests skipped; ENCLAVE_ALLOW_NO_KEYRING=1 runs the rest and skips them, by request.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
if [ -z "${ENCLAVE_KEYRING_SESSION:-}" ]; then
  if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
    export ENCLAVE_KEYRING_SESSION=1
    exec dbus-run-session -- "$0" "$@"
  fi
  if [ "${ENCLAVE_ALLOW_NO_KEYRING:-}" != 1 ]; then
    echo "run-tests: dbus-run-session and gnome-keyring-daemon are needed for the keyring tests" \
         "(scripts/system-deps.sh test installs them). To run without them and skip those" \
         "tests, set ENCLAVE_ALLOW_NO_KEYRING=1." >&2
    exit 1
  fi
  echo "run-tests: ENCLAVE_ALLOW_NO_KEYRING=1: the keyring tests are skipped." >&2
else
  ENCLAVE_TEST_HOME=$(mktemp -d)
  trap 'rm -rf "$ENCLAVE_TEST_HOME"' EXIT
  export HOME=$ENCLAVE_TEST_HOME
  eval "$(printf 'test-password' | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
fi
.venv/bin/python -m pytest "$@"
