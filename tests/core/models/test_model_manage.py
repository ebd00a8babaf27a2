"""Import, the Hugging Face cache, per-model defaults, removal, and the keyring's clear failures."""

from __future__ import annotations

import pytest

from app.core.chat.assistant import Assistant
from app.core.models import catalog, installed, licenses
from app.core.models.importer import ImportModelError, find_in_hf_cache, import_file
from app.core.models.records import ModelRecords
from app.core.models.service import ModelLibrary
from app.core.platform.settings import Settings


def test_catalog_entries_are_complete_and_consistent():
    entries = catalog.load()
    assert len(entries) >= 10 and len({e.family for e in entries}) >= 5
    sizes = [e.parameters_b for e in entries if e.parameters_b]
    assert min(sizes) <= 0.6 and max(sizes) >= 14
    for e in entries:
        assert e.repo.count("/") == 1 and e.files, e.id
        for f in e.files:
            assert f.file.lower().endswith(".gguf") and "/" not in f.file, f
        if e.commercial_use is False:
            assert e.license.needs_acknowledgement
    assert catalog.find("Qwen/Qwen2.5-0.5B-Instruct-GGUF").license.commercial_use is True


def test_license_descriptions():
    assert not licenses.describe("apache-2.0").needs_acknowledgement
    assert licenses.describe("qwen-research").commercial_use is False
    custom = licenses.describe("other", "https://example.org/terms")
    assert custom.needs_acknowledgement and custom.url == "https://example.org/terms"
    assert licenses.describe(None).needs_acknowledgement


def test_hf_cache_files_are_found(tmp_path, starter_model, monkeypatch, paths):
    snap = tmp_path / "hub" / "models--org--Model-GGUF" / "snapshots" / "abc123"
    snap.mkdir(parents=True)
    (snap / "model-Q4_1.gguf").symlink_to(starter_model)
    (snap / "big-Q8_0-00002-of-00002.gguf").write_bytes(b"x")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    found = find_in_hf_cache()
    assert [(f.repo, f.path.name) for f in found] == [("org/Model-GGUF", "model-Q4_1.gguf")]
    done = import_file(found[0].path, paths, copy=False)
    assert done.model.source == "reference" and done.info.quantization == "Q4_1"
    assert any(m.id == "model-Q4_1" for m in installed.list_models(paths))


def test_import_needs_all_parts_of_a_split_model(tmp_path, paths, starter_model):
    first = tmp_path / "m-00001-of-00002.gguf"
    first.write_bytes(starter_model.read_bytes())
    with pytest.raises(ImportModelError, match="missing beside it: m-00002-of-00002.gguf"):
        import_file(first, paths)
    second = tmp_path / "m-00002-of-00002.gguf"
    second.write_bytes(starter_model.read_bytes())
    with pytest.raises(ImportModelError, match="import the first part"):
        import_file(second, paths)


def test_per_model_defaults_apply_to_that_model_only(paths, starter_model, tmp_path):
    copy = tmp_path / "tuned.gguf"
    copy.write_bytes(starter_model.read_bytes())
    import_file(copy, paths, copy=False)
    lib = ModelLibrary(paths, Settings())
    lib.set_model_defaults(
        "tuned", temperature="0.1", context_length="1024", system_prompt="Be terse."
    )
    with pytest.raises(ValueError, match="unknown per-model setting"):
        lib.set_model_defaults("tuned", colour="red")
    with pytest.raises(ValueError, match="temperature must be between 0 and 2"):
        lib.set_model_defaults("tuned", temperature="7")
    tuned = installed.resolve("tuned", paths)
    starter = installed.resolve("starter", paths)
    settings = Settings()
    merged = installed.settings_for(settings, tuned)
    assert (merged.temperature, merged.context_length) == (0.1, 1024)
    assert installed.settings_for(settings, starter) is settings
    assert installed.settings_for(settings, tuned, temperature=0.9).temperature == 0.9
    from app.core.chat.store import Store

    with Store(paths.database) as store:
        assistant = Assistant(store, settings, paths)
        conv = store.create_conversation("t", model="tuned")
        assert assistant.system_prompt_for(conv, tuned) == "Be terse."
        assert assistant.options(tuned).temperature == 0.1
        assistant.host.get(tuned)
        assert assistant.host.engine.context_length == 1024
        assistant.host.unload()


def test_remove_frees_the_space_and_refuses_the_starter(paths, starter_model):
    folder = paths.models / "org" / "repo"
    folder.mkdir(parents=True)
    (folder / "x.gguf").write_bytes(starter_model.read_bytes())
    ModelRecords(paths.library_file).set_defaults("x", folder / "x.gguf", temperature=0.3)
    installed.remove("x", paths)
    assert not (paths.models / "org").exists() and ModelRecords(paths.library_file).get("x") is None
    with pytest.raises(Exception, match="comes with Enclave"):
        installed.remove("starter", paths)


def test_no_keyring_gives_a_clear_message_and_stores_nothing(run_cli, enclave_home):
    env = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent", "PYTHON_KEYRING_BACKEND": ""}
    result = run_cli("keys", "set", "huggingface", input="hf_secret_abc\n", env=env)
    assert result.returncode == 1
    assert "only in your system's keyring" in result.stderr
    assert "Nothing was stored anywhere else" in result.stderr
    assert "Traceback" not in result.stderr
    for path in enclave_home.rglob("*"):
        if path.is_file():
            assert b"hf_secret_abc" not in path.read_bytes()
