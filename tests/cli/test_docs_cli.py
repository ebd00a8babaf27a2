"""`enclave docs …` and `enclave ask --docs` as a user runs them (subprocesses)."""

from __future__ import annotations

import json

import pytest
from docs_files import make_mixed_folder

pytestmark = pytest.mark.slow


@pytest.fixture
def folder(tmp_path):
    return make_mixed_folder(tmp_path / "docs")


def test_add_index_list_show_search_remove(run_cli, folder):
    added = run_cli("docs", "add", "Work", folder)
    assert added.returncode == 0, added.stderr
    assert "made the collection 'Work'" in added.stderr
    assert "reading 9/9 files" in added.stderr  # progress on stderr
    assert "passages, almost done" in added.stderr  # the time left, from the jobs meter
    assert "not indexed: " + str(folder / "locked.pdf") + ": it is encrypted" in added.stderr
    assert "6 new" in added.stderr and added.stdout == ""

    listed = json.loads(run_cli("docs", "list", "--json").stdout)
    assert [(c["name"], c["files"], c["not_indexed"], c["state"]) for c in listed] == [
        ("Work", 6, 3, "ready")
    ]
    shown = run_cli("docs", "show", "Work").stdout
    assert "scan-cut-off.pdf: it is not a readable PDF" in shown

    found = run_cli("docs", "search", "Work", "when are invoices payable")
    assert found.returncode == 0
    assert found.stdout.startswith("[1] contract.pdf, page 2")
    hits = json.loads(run_cli("docs", "search", "Work", "meals abroad", "--json").stdout)
    assert hits[0]["path"].endswith("travel.docx") and hits[0]["heading"] == "Travel expenses"

    again = run_cli("docs", "index", "Work")
    assert "0 new, 0 changed, 7 unchanged, 0 removed" in again.stderr

    assert run_cli("docs", "remove", "Work").returncode == 0
    gone = run_cli("docs", "search", "Work", "invoices")
    assert gone.returncode == 1 and "no collection called 'Work'" in gone.stderr
    assert (folder / "notes.txt").exists()  # the files themselves are untouched


def test_ask_with_docs_lists_its_sources(run_cli, folder):
    run_cli("docs", "add", "Work", folder)
    answer = run_cli(
        "ask",
        "--docs",
        "Work",
        "--max-tokens",
        "16",
        "--temperature",
        "0",
        "Where do visitors park?",
    )
    assert answer.returncode == 0, answer.stderr
    assert "\nSources:\n  [1] notes.txt — " + str(folder / "notes.txt") in answer.stdout
    data = json.loads(
        run_cli(
            "ask", "--docs", "Work", "--max-tokens", "8", "--json", "How many days of annual leave?"
        ).stdout
    )
    assert data["sources"][0]["path"].endswith("handbook.md")
    assert data["sources"][0]["heading"] == "Onboarding › Holidays"


def test_bad_paths_and_names_are_explained(run_cli, tmp_path):
    missing = run_cli("docs", "add", "Work", tmp_path / "nope")
    assert missing.returncode == 1 and "does not exist: nothing was added" in missing.stderr
    ask = run_cli("ask", "--docs", "Nope", "hello")
    assert ask.returncode == 1 and "no collection called 'Nope'" in ask.stderr


def test_never_cloud_from_the_command_line(run_cli, folder, org_provider, provider_server):
    run_cli("docs", "add", "HR", folder, "--never-cloud")
    assert json.loads(run_cli("docs", "list", "--json").stdout)[0]["never_cloud"] is True
    refused = run_cli(
        "ask", "--provider", "Org", "--docs", "HR", "--yes-send", "What are the payment terms?"
    )
    assert refused.returncode == 1 and "marked never to be sent" in refused.stderr
    assert provider_server.requests == []
    run_cli("docs", "cloud", "HR", "ask")
    shown = run_cli("ask", "--provider", "Org", "--docs", "HR", "What are the payment terms?")
    assert shown.returncode == 3  # printed, not sent: no --yes-send and no terminal
    assert "Includes" in shown.stderr + shown.stdout and "within 45 days" in shown.stdout
    assert provider_server.requests == []


def test_a_link_out_of_the_folder_is_listed_not_read(run_cli, folder, tmp_path):
    secret = tmp_path / ".pgpass"
    secret.write_text("db.example:5432:*:admin:hunter2-outside\n")
    (folder / "pgpass.txt").symlink_to(secret)
    added = run_cli("docs", "add", "Work", folder)
    assert added.returncode == 0, added.stderr
    assert (
        f"not indexed: {folder / 'pgpass.txt'}: a link to outside the folder, not followed"
        in added.stderr
    )
    assert "not indexed (skipped): " in run_cli("docs", "show", "Work").stdout
    assert run_cli("docs", "search", "Work", "hunter2-outside", "--json").stdout.strip() == "[]"


@pytest.mark.timeout(240)
def test_indexing_killed_midway_resumes_and_the_index_stays_whole(
    run_cli, tmp_path, cli_env, repo_root, paths
):
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    many = tmp_path / "many"
    many.mkdir()
    for i in range(1500):
        (many / f"note-{i:04}.txt").write_text(
            f"Note {i}. " + "The committee reviewed the budget and the timetable. " * 40
        )
    index = paths.documents_index

    def indexed() -> int:
        try:
            with sqlite3.connect(f"file:{index}?mode=ro", uri=True, timeout=5) as db:
                return db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
        except sqlite3.OperationalError:  # not made yet, or being made
            return 0

    adding = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "docs", "add", "Many", str(many)],
        cwd=repo_root,
        env=cli_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while indexed() < 100 and time.monotonic() < deadline and adding.poll() is None:
        time.sleep(0.05)
    adding.send_signal(signal.SIGKILL)  # a crash, midway
    adding.wait()
    kept = indexed()
    assert 0 < kept < 1500, kept
    with sqlite3.connect(index) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    resumed = run_cli("docs", "index", "Many", timeout=200)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{1500 - kept} new" in resumed.stderr and f"{kept} unchanged" in resumed.stderr
    assert indexed() == 1500
    listed = json.loads(run_cli("docs", "list", "--json").stdout)
    assert [(c["name"], c["files"]) for c in listed] == [("Many", 1500)]
