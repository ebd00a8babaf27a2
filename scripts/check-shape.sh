#!/usr/bin/env bash
# The shape holds (seconds, no model, no bundle): lint, the import contracts, types.
#   ruff          pyflakes, pycodestyle, import order, modern syntax, and one formatting
#                 (`ruff format` fixes it; pyproject [tool.ruff])
#   lint-imports  the core never imports Qt, the window or the CLI; the window never the CLI;
#                 only the gate's client, the remote engine and hub/download reach the network
#                 libraries (pyproject [tool.importlinter])
#   mypy          app/core, with the privacy gate fully typed (pyproject [tool.mypy])
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${VENV:-.venv}/bin
"$bin/ruff" check app tests bench scripts packaging
"$bin/ruff" format --check --quiet app tests bench scripts packaging
"$bin/lint-imports" --no-cache
"$bin/mypy"
"$bin/python" scripts/check-catalog.py  # the model catalog: fields, file names, licenses, review date
