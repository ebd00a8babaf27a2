"""Cold start: process start to the main window shown, and the app's idle memory without and with
the starter model loaded. Each figure comes from a fresh process (this file, run as a script)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def probe(with_model: bool) -> None:
    """Run in the child: start the window as `enclave` does, report when it is on screen."""
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    if not with_model:
        from app.core.models import installed

        installed.starter_model_path = lambda: None  # a machine with no model yet
    from app.core.platform import runtime
    from app.ui import theme
    from app.ui.chat.main_window import MainWindow

    app = QApplication([sys.argv[0]])
    rt = runtime.start()
    theme.apply(app, rt.settings.theme)
    window = MainWindow(rt)
    window.show()
    report = {}

    def shown():
        report["shown_at"] = time.time()
        QTimer.singleShot(300, wait_idle)

    def wait_idle():
        if not window.idle():
            QTimer.singleShot(50, wait_idle)
            return
        QTimer.singleShot(1000, finish)  # settle

    def finish():
        report["rss_mb"] = _rss_mb()
        print(json.dumps(report), flush=True)
        window.close()
        app.quit()

    QTimer.singleShot(0, shown)
    app.exec()


def measure(home: Path, *, with_model: bool, runs: int) -> dict:
    starts, rss = [], []
    for _ in range(runs):
        env = dict(os.environ, ENCLAVE_HOME=str(home), QT_QPA_PLATFORM="offscreen")
        started = time.time()
        out = subprocess.run(
            [sys.executable, __file__, "probe", "1" if with_model else "0"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        report = json.loads(out.stdout.strip().splitlines()[-1])
        starts.append(report["shown_at"] - started)
        rss.append(report["rss_mb"])
    return {"shown_s": sorted(starts)[len(starts) // 2], "idle_rss_mb": max(rss)}


if __name__ == "__main__" and sys.argv[1:2] == ["probe"]:
    probe(sys.argv[2] == "1")
