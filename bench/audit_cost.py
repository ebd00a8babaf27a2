"""What the audit log costs one request: ``begin`` + ``complete`` through the real OS keyring.

    dbus-run-session -- sh -c 'export HOME=$(mktemp -d); eval "$(printf pw | \\
        gnome-keyring-daemon --unlock --components=secrets)"; .venv/bin/python bench/audit_cost.py'

Prints the mean and worst milliseconds per request over a fresh log in a temporary folder.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REQUESTS = int(os.environ.get("AUDIT_COST_REQUESTS", "50"))


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        os.environ["ENCLAVE_HOME"] = home
        os.environ["ENCLAVE_KEYRING_SERVICE"] = f"Enclave-bench-{os.getpid()}"
        from app.core.platform import paths
        from app.core.privacy import audit

        log = audit.for_paths(paths.resolve().ensure())
        times = []
        for n in range(REQUESTS):
            start = time.perf_counter()
            started = log.begin(purpose="bench", host="127.0.0.1", method="POST", bytes_sent=n)
            log.complete(started, status=200, bytes_received=10)
            times.append((time.perf_counter() - start) * 1000)
        verified = log.verify()
        rest = times[1:]
        print(
            f"{REQUESTS} requests, ms per request: first {times[0]:.1f} (reads or makes the key); "
            f"then mean {statistics.mean(rest):.1f}, median {statistics.median(rest):.1f}, "
            f"worst {max(rest):.1f}; verify: {'intact' if verified.ok else verified.problems}"
        )


if __name__ == "__main__":
    main()
