#!/usr/bin/env python3
"""Validate resources/catalog.json: every entry's fields, file names, license id, parameters, sizes
and review date (app/core/models/catalog_check.py). Exit 1 on an error; warnings do not fail.

    .venv/bin/python scripts/check-catalog.py [catalog.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.models import catalog, catalog_check  # noqa: E402


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else catalog.catalog_file()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"check-catalog: cannot read {path}: {exc}", file=sys.stderr)
        return 1
    errors, warnings = catalog_check.problems(raw)
    for line in warnings:
        print(f"check-catalog: warning: {line}", file=sys.stderr)
    for line in errors:
        print(f"check-catalog: error: {line}", file=sys.stderr)
    if errors:
        print(f"check-catalog: {path}: {len(errors)} error(s)", file=sys.stderr)
        return 1
    print(f"check-catalog: {path}: {len(raw['models'])} entries valid")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
