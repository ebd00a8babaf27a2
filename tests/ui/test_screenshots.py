"""The README's screenshots come from the real window on a real X screen (Xvfb)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

# The built bundle or a virtual X screen: the full suite (`make test`), not `make check`.
pytestmark = pytest.mark.slow


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Xvfb is a Linux X server")
def test_screenshot_script_draws_a_real_conversation(tmp_path, repo_root, enclave_home):
    if shutil.which("xvfb-run") is None:
        pytest.fail("xvfb-run is missing: `scripts/system-deps.sh test` installs it")
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}  # a real X screen
    env["ENCLAVE_HOME"] = str(enclave_home)
    done = subprocess.run(
        [
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1400x900x24",
            sys.executable,
            "scripts/screenshots.py",
            str(tmp_path),
        ],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for name in (
        "welcome.png",
        "chat.png",
        "chat-dark.png",
        "consent.png",
        "cloud-answer.png",
        "audit.png",
        "documents.png",
        "documents-answer.png",
    ):
        image = QImage(str(tmp_path / name))
        dialog = name in ("consent.png", "audit.png", "documents.png")
        assert not image.isNull() and image.width() >= (400 if dialog else 800), name
        colours = {
            image.pixel(x, y)
            for x in range(0, image.width(), 7)
            for y in range(0, image.height(), 7)
        }
        assert len(colours) > 20, f"{name} looks blank"
    dark, light = QImage(str(tmp_path / "chat-dark.png")), QImage(str(tmp_path / "chat.png"))
    assert dark.pixelColor(5, 400).lightness() < 100 < light.pixelColor(5, 400).lightness()
