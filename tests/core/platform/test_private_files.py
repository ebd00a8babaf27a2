"""What Enclave keeps on disk is readable by its user only (POSIX modes; on Windows the folders
are under the user's profile, whose default permissions are per-user)."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from app.core.chat.store import Store
from app.core.documents.index import DocIndex
from app.core.documents.indexer import Indexer
from app.core.platform import jsonfile, runtime

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    """The most permissive umask a user might have: nothing may rely on it."""
    before = os.umask(0o000)
    yield
    os.umask(before)


def test_a_fresh_home_is_owner_only(enclave_home, tmp_path, open_umask, clean_logging):
    rt = runtime.start()
    rt.settings.redaction_terms = ["Project Nightjar"]
    rt.save_settings()
    store = Store(rt.paths.database)
    cid = store.create_conversation("Payroll").id
    store.add_message(cid, "user", "Salaries for Project Nightjar")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "plan.txt").write_text("Project Nightjar launches in May.\n")
    with DocIndex(rt.paths.documents_index) as index:
        index.create("Work")
        index.add_roots("Work", [docs])
        Indexer(index).run("Work")
        jsonfile.write_atomic(rt.paths.providers_file, [])
        jsonfile.write_atomic(rt.paths.library_file, {})
        jsonfile.write_atomic(rt.paths.downloads / "one.json", {})
        logging.getLogger("test").warning("written")
        found = {p: _mode(p) for p in enclave_home.rglob("*")}
    store.close()
    assert {str(p) for p in found} >= {
        str(rt.paths.database),
        str(rt.paths.database) + "-wal",
        str(rt.paths.documents_index),
        str(rt.paths.log_file),
        str(rt.paths.settings_file),
        str(rt.paths.downloads),
    }
    loose = {
        str(p.relative_to(enclave_home)): oct(m)
        for p, m in found.items()
        if m != (0o700 if p.is_dir() else 0o600)
    }
    assert loose == {}


def test_files_from_an_older_version_are_tightened_at_start(
    enclave_home, open_umask, clean_logging, caplog
):
    data = enclave_home / "data"
    data.mkdir(parents=True)
    os.chmod(data, 0o755)
    old = data / "enclave.sqlite3"
    Store(old).close()
    os.chmod(old, 0o644)
    (enclave_home / "config").mkdir()
    settings = enclave_home / "config" / "settings.json"
    settings.write_text('{"redaction_terms": ["Nightjar"]}')
    os.chmod(settings, 0o644)
    with caplog.at_level(logging.INFO):
        rt = runtime.start()
    assert _mode(data) == 0o700 and _mode(old) == 0o600 and _mode(settings) == 0o600
    assert any("owner-only" in r.getMessage() for r in caplog.records)
    store = Store(rt.paths.database)  # and opening it keeps it so
    store.add_message(store.create_conversation("x").id, "user", "hi")
    store.close()
    assert _mode(old) == 0o600
