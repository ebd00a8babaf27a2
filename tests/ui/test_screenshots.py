"""The README's screenshots come from the real window on a real X screen (Xvfb): every screen at
two sizes, in both themes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

# A virtual X screen and answers from the model: the full suite (`make test`), not `make check`.
pytestmark = pytest.mark.slow


def _lightness(image: QImage) -> float:
    """Mean lightness of a grid of pixels, 0 (black) to 255 (white)."""
    seen = [
        image.pixelColor(x, y).lightness()
        for x in range(0, image.width(), 9)
        for y in range(0, image.height(), 9)
    ]
    return sum(seen) / len(seen)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Xvfb is a Linux X server")
def test_screenshot_script_draws_every_screen_at_two_sizes_in_both_themes(
    tmp_path, repo_root, enclave_home
):
    if shutil.which("xvfb-run") is None:
        pytest.fail("xvfb-run is missing: `scripts/system-deps.sh test` installs it")
    sys.path.insert(0, str(repo_root / "scripts"))
    try:
        import screenshots
    finally:
        sys.path.remove(str(repo_root / "scripts"))
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(ENCLAVE_HOME=str(enclave_home), QT_QPA_PLATFORM="xcb")  # a real X screen
    done = subprocess.run(
        [
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1920x1080x24",
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
    made = {p.name for p in tmp_path.glob("*.png")}
    expected = {
        f"{screen}-{width}-{theme}.png"
        for screen in screenshots.SCREENS
        for width, _ in screenshots.SIZES
        for theme in screenshots.THEMES
    }
    assert made == expected
    for screen in screenshots.SCREENS:
        for width, height in screenshots.SIZES:
            light, dark = (
                QImage(str(tmp_path / f"{screen}-{width}-{theme}.png"))
                for theme in ("light", "dark")
            )
            for image in (light, dark):
                assert (image.width(), image.height()) == (width, height), screen
                colours = {
                    image.pixel(x, y)
                    for x in range(0, image.width(), 7)
                    for y in range(0, image.height(), 7)
                }
                assert len(colours) > 20, f"{screen} at {width} looks blank"
            assert _lightness(dark) + 60 < _lightness(light), f"{screen} at {width}"
