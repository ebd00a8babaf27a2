"""The rules again, while a transfer runs: switching to *Work offline* (in any window, or with
`enclave config set network.offline true`), turning "allow cloud" off, or a new administrator
policy stops a download or a streaming answer already under way, not only the next one.

The gate checks when a passage opens; a transfer then calls ``Watch.check`` as its bytes arrive.
It re-reads the saved settings file and the policy (at most every ``every_s``), so a change made by
another process or window counts too. It only ever makes the rules stricter than the settings the
transfer started with.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

from app.core.platform.settings import Settings
from app.core.privacy import gate


def _saved(path: Path, current: Settings) -> Settings:
    """``current``, with the saved file's offline and cloud switches where they are stricter."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raw = {}  # no file, or mid-replace on Windows: the settings the transfer began with
    rules = dataclasses.replace(current)
    if isinstance(raw, dict):
        rules.offline = current.offline or raw.get("offline") is True
        rules.cloud_allowed = current.cloud_allowed and raw.get("cloud_allowed") is not False
    return rules


class Watch:
    """Re-checks one transfer's rules. ``provider``: a providers.Provider, or None for the hub."""

    def __init__(
        self,
        settings: object,
        purpose: str,
        *,
        settings_file: Path | None = None,
        provider=None,
        every_s: float = 0.25,
    ):
        if settings_file is None:
            from app.core.platform import paths

            settings_file = paths.resolve().settings_file
        self.settings, self.purpose, self.provider = settings, purpose, provider
        self.settings_file, self.every_s = settings_file, every_s
        self._next = 0.0

    def check(self) -> None:
        """Raises OfflineError (PolicyError) or CloudNotAllowedError once the rules say stop."""
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + self.every_s
        current = self.settings if isinstance(self.settings, Settings) else None
        if current is None:
            gate.check(self.settings, self.purpose)  # refuses, naming the bug
            return
        rules = _saved(self.settings_file, current)
        try:
            if self.provider is None:
                gate.check(rules, self.purpose)
            else:
                gate.check_cloud(rules, self.provider, self.purpose, needs_consent=False)
        except gate.PolicyError as exc:
            raise gate.PolicyError(
                f"Stopped midway ({self.purpose}); what had arrived is kept. {exc}"
            ) from None
        except gate.OfflineError:
            raise gate.OfflineError(
                f"Enclave was switched to work offline, so it stopped ({self.purpose}) midway; "
                f'what had arrived is kept. Turn off "Work offline" to continue.'
            ) from None
        except gate.CloudNotAllowedError:
            raise gate.CloudNotAllowedError(
                f"Sending to providers was turned off, so Enclave stopped ({self.purpose}) "
                f"midway; what had arrived is kept."
            ) from None
