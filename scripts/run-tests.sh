#!/usr/bin/env bash
# The whole test suite, with no display: Qt draws offscreen; screenshot tests start their own Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
