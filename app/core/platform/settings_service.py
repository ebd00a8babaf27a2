"""The one way settings change while Enclave runs: validate, save, apply, notify.

The window, the model thread and the privacy gate all read the same `Settings` object, so a change
lands in that object in place (never a copy swapped in), and only after it is safely on disk: a
change that is refused or cannot be saved leaves memory and the file as they were. Another process
(`enclave config set …`) changes the file, not this object; ``reload`` brings its changes in.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.errors import EnclaveError
from app.core.platform import jsonfile
from app.core.platform import settings as settings_mod
from app.core.platform.settings import Settings

log = logging.getLogger(__name__)

Listener = Callable[[frozenset[str]], None]
_Signature = tuple[int, int, int, int]


class SettingsError(EnclaveError):
    """A change to the settings was refused or could not be saved; nothing changed."""


@dataclass(frozen=True)
class Reloaded:
    """What a reload found: the settings it changed, and what the user should be told."""

    changed: frozenset[str] = frozenset()
    notices: list[str] = field(default_factory=list)


class SettingsService:
    """Owns the one `Settings` object and its file. Any thread may call it; listeners are
    called on the thread that made the change, after the lock is released."""

    def __init__(self, path: Path, settings: Settings | None = None):
        """``settings``: an object already loaded from ``path`` (``load`` otherwise)."""
        self.path = path
        self.settings = settings if settings is not None else settings_mod.load(path)
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []
        # The file as this process last read or wrote it: a reload applies only what another
        # process changed since, so a value set here and not yet saved is not undone.
        self._known = settings_mod.values(self.settings)
        self._signature = _signature(path)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(names)`` after each change; returns the function that unsubscribes."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def update(self, changes: Mapping[str, Any] | None = None, /, **more: Any) -> frozenset[str]:
        """Change settings by name (``network.offline`` and the other aliases too): each value
        is checked, the whole result validated and saved, and only then applied in place.

        Returns the names that changed (a change from another process read first included).

        Raises:
            SettingsError: an unknown name or invalid value (which setting, and why), or the file
                could not be written (where, the reason, what to do). Nothing changed.
        """
        pulled: frozenset[str] = frozenset()
        changed: frozenset[str] = frozenset()
        try:
            with self._lock:
                # Another process's change first, so saving this one does not undo it.
                pulled = self._pull().changed
                changed = self._update(dict(changes or {}, **more))
        finally:
            self._notify(pulled | changed)
        return pulled | changed

    def save(self) -> frozenset[str]:
        """Save what was changed on the object in place; new code calls ``update`` instead.

        If it cannot be saved, those values are put back as they were last saved, so what is
        used agrees with the file again, and SettingsError says why.
        """
        with self._lock:
            edited = {
                name: value
                for name, value in settings_mod.values(self.settings).items()
                if value != self._known[name]
            }
        try:
            return self.update(edited)
        except SettingsError:
            with self._lock:
                for name, value in edited.items():
                    if getattr(self.settings, name) == value:
                        setattr(self.settings, name, self._known[name])
            raise

    def reload(self) -> Reloaded:
        """Read the file again and apply, in place, what another process changed in it.

        A value the file cannot use is skipped with a notice, as at start-up; a file that is
        damaged (set aside, as at start-up) or contradicts itself changes nothing.
        """
        with self._lock:
            found = self._pull(force=True)
        self._notify(found.changed)
        return found

    def reload_if_changed(self) -> Reloaded:
        """``reload``, only when the file's size, time or inode differ from what was last seen."""
        with self._lock:
            found = self._pull()
        self._notify(found.changed)
        return found

    # -- under the lock ---------------------------------------------------------------------

    def _update(self, changes: dict[str, Any]) -> frozenset[str]:
        typed = {}
        try:
            for key, value in changes.items():
                name = settings_mod.field_name(key)
                typed[name] = settings_mod.coerce(name, value, getattr(self.settings, name))
            candidate = dataclasses.replace(self.settings, **typed)
            candidate.validate()
        except ValueError as exc:
            raise SettingsError(f"Settings not changed: {exc}.") from None
        except EnclaveError as exc:  # no such setting
            raise SettingsError(str(exc)) from None
        changed = frozenset(
            n for n, v in typed.items() if v != getattr(self.settings, n) or v != self._known[n]
        )
        if settings_mod.values(candidate) != self._known:
            self._write(candidate)
            self._known = settings_mod.values(candidate)
        for name in changed:
            setattr(self.settings, name, typed[name])
        return changed

    def _write(self, settings: Settings) -> None:
        try:
            jsonfile.write_atomic(self.path, settings_mod.values(settings))
        except OSError as exc:
            raise SettingsError(
                f"Your settings could not be saved to {self.path}: {exc.strerror or exc}. "
                f"Nothing was changed. Free some disk space or check the folder's permissions, "
                f"then try again."
            ) from exc
        self._signature = _signature(self.path)

    def _pull(self, *, force: bool = False) -> Reloaded:
        signature = _signature(self.path)
        if not force and signature == self._signature:
            return Reloaded()
        self._signature = signature
        if signature is None:  # removed: what is in use stays until something is saved
            return Reloaded()
        try:
            found = settings_mod.read(self.path, Settings(**self._known))
        except ValueError as exc:
            log.warning("settings not reloaded: %s", exc)
            return Reloaded(notices=[f"{exc} The settings in use are kept."])
        fresh = settings_mod.values(found)
        changed = set()
        for name, value in fresh.items():
            if value != self._known[name] and value != getattr(self.settings, name):
                setattr(self.settings, name, value)
                changed.add(name)
        self._known = fresh
        if changed:
            log.info("settings changed by another process: %s", ", ".join(sorted(changed)))
        return Reloaded(frozenset(changed), found.notices)

    # -- listeners, outside the lock ------------------------------------------------------------

    def _notify(self, names: frozenset[str]) -> None:
        if not names:
            return
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(names)
            except Exception:  # one broken listener must not stop the others or undo the save
                log.exception("a settings listener failed")


def _signature(path: Path) -> _Signature | None:
    """Enough to notice a replace or an edit without reading the file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size, st.st_ctime_ns)
