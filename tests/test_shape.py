"""The shape of the code holds: the import contracts in pyproject.toml pass, and they do catch the
mistake they exist for (Qt imported into the core)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="import-linter is not installed (pip install -e .[test])"
)


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
    )


def test_the_import_contracts_hold(repo_root):
    done = _lint_imports(repo_root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_qt_imported_into_the_core_breaks_a_contract(repo_root, tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(repo_root / "app", copy / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(repo_root / "pyproject.toml", copy / "pyproject.toml")
    units = copy / "app" / "core" / "platform" / "units.py"
    units.write_text(
        units.read_text(encoding="utf-8") + "\nfrom PySide6 import QtCore\n", encoding="utf-8"
    )
    done = _lint_imports(copy)
    assert done.returncode != 0
    assert "The core never imports Qt" in done.stdout and "BROKEN" in done.stdout
    assert "app.core.platform.units -> PySide6" in done.stdout
