"""The catalog check: the shipped catalog passes, and each kind of broken entry fails with a
message that names the entry and the field."""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys

import pytest

from app.core.models import catalog, catalog_check

TODAY = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def raw() -> dict:
    return json.loads(catalog.catalog_file().read_text(encoding="utf-8"))


def test_the_shipped_catalog_is_valid_and_current(raw):
    errors, warnings = catalog_check.problems(raw, today=TODAY)
    assert errors == [] and warnings == []
    ids = {e.id for e in catalog.load()}
    assert {"gpt-oss-20b", "qwen3.6-35b-a3b", "qwen3.5-9b", "gemma-4-e4b-it"} <= ids
    assert any(e.kind == "embedding" and e.family == "Qwen3 Embedding" for e in catalog.load())
    gpt_oss = catalog.find("gpt-oss-20b")
    assert gpt_oss.reasons and gpt_oss.reasoning.effort == ("low", "medium", "high")
    assert gpt_oss.parameters_text == "20.9B (3.6B active)"


def _broken(raw, change, index=0):
    bad = copy.deepcopy(raw)
    change(bad["models"][index])
    errors, _ = catalog_check.problems(bad, today=TODAY)
    assert errors, "the broken entry passed"
    return errors[0]


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda m: m.pop("license"), ["gpt-oss-20b", "'license' is missing"]),
        (lambda m: m.update(license="apache2"), ["license 'apache2'", "licenses.py"]),
        (lambda m: m.update(commercial_use=False), ["commercial_use False contradicts apache-2.0"]),
        (lambda m: m.update(active_parameters_b=30), ["active_parameters_b 30", "at most"]),
        (lambda m: m.update(experts_used=64), ["experts_used 64"]),
        (lambda m: m["files"][0].update(file="gpt-oss-20b-MXFP4.bin"), ["ending in .gguf"]),
        (lambda m: m["files"][0].update(file="gpt-oss-20b.gguf"), ["does not say", "MXFP4"]),
        (lambda m: m["files"][0].update(quant="Q9_X"), ["quant 'Q9_X' is not a known"]),
        (
            lambda m: m["files"][0].update(file="gpt-oss-20b-MXFP4-1-of-3.gguf"),
            ["NAME-00001-of-00003.gguf"],
        ),
        (lambda m: m["files"][0].update(approx_size_gb=40), ["bits per weight", "check the size"]),
        (lambda m: m.update(reasoning={"format": "tags"}), ["reasoning.format"]),
        (lambda m: m.update(reasoning={"format": "harmony", "effort": ["max"]}), ["effort"]),
        (lambda m: m.update(reviewed="1 Dec 2026"), ["reviewed '1 Dec 2026'", "YYYY-MM-DD"]),
        (lambda m: m.update(reviewed="2027-01-01"), ["in the future"]),
        (lambda m: m.update(repo="gpt-oss-20b"), ["owner/name"]),
    ],
)
def test_a_broken_entry_fails_with_a_clear_message(raw, change, words):
    message = _broken(raw, change)
    assert message.startswith("entry 1 (gpt-oss-20b): ")
    for word in words:
        assert word in message


def test_a_duplicate_id_fails(raw):
    bad = copy.deepcopy(raw)
    bad["models"].append(copy.deepcopy(bad["models"][0]))
    assert any("appears twice" in e for e in catalog_check.problems(bad, today=TODAY)[0])


def test_an_entry_not_reviewed_for_months_warns_without_failing(raw):
    errors, warnings = catalog_check.problems(raw, today=TODAY + dt.timedelta(days=200))
    assert errors == [] and len(warnings) == len(raw["models"])
    assert "over 6 months ago" in warnings[0]


def test_the_script_fails_on_a_broken_catalog_and_passes_the_shipped_one(raw, tmp_path, repo_root):
    script = [sys.executable, str(repo_root / "scripts" / "check-catalog.py")]
    ok = subprocess.run(script, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "entries valid" in ok.stdout
    bad = copy.deepcopy(raw)
    bad["models"][1]["license"] = "wtfpl"
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(bad))
    failed = subprocess.run([*script, str(path)], capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1
    assert "error: entry 2 (qwen3.6-35b-a3b): license 'wtfpl'" in failed.stderr
