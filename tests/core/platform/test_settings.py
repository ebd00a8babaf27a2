"""User settings: defaults, a faithful round trip, and damaged files that never stop the app."""

from __future__ import annotations

import dataclasses
import json

import pytest

from app.core.platform import settings as settings_mod
from app.core.platform.settings import Settings


@pytest.fixture
def settings_file(paths):
    return paths.settings_file


def test_defaults_when_there_is_no_file(settings_file):
    s = settings_mod.load(settings_file)
    assert s == Settings()
    assert s.notices == []
    assert s.default_model == ""
    assert s.context_length == 4096
    assert s.gpu_layers == -1
    assert s.theme == "system"
    s.validate()  # the defaults are valid
    assert not settings_file.exists()  # loading writes nothing


def test_roundtrip_keeps_every_field(settings_file):
    changed = Settings(
        default_model="mistral-7b",
        context_length=8192,
        max_answer_tokens=2048,
        temperature=0.2,
        top_p=0.5,
        repeat_penalty=1.3,
        gpu_layers=0,
        threads=3,
        system_prompt="Réponds en français. 🙂",
        theme="dark",
    )
    settings_mod.save(changed, settings_file)
    loaded = settings_mod.load(settings_file)
    for f in dataclasses.fields(Settings):
        if f.name != "notices":
            assert getattr(loaded, f.name) == getattr(changed, f.name), f.name
    assert loaded.notices == []
    assert not settings_file.with_name(settings_file.name + ".tmp").exists()


def test_saved_file_is_plain_json_without_notices(settings_file):
    s = Settings(theme="light")
    s.notices.append("something happened")
    settings_mod.save(s, settings_file)
    raw = json.loads(settings_file.read_text(encoding="utf-8"))
    assert raw["theme"] == "light"
    assert "notices" not in raw
    assert set(raw) == {f.name for f in dataclasses.fields(Settings)} - {"notices"}


@pytest.mark.parametrize("content", ["{not json", "[1, 2, 3]", "\x00\x01garbage"])
def test_damaged_file_is_set_aside_with_a_notice(settings_file, content):
    settings_file.write_text(content, encoding="utf-8")
    s = settings_mod.load(settings_file)
    assert s == Settings()  # defaults in use
    assert len(s.notices) == 1
    notice = s.notices[0]
    assert str(settings_file) in notice
    assert "defaults" in notice
    backups = list(settings_file.parent.glob("settings.json.damaged-*"))
    assert len(backups) == 1, "the damaged file must be kept, not lost"
    assert backups[0].read_text(encoding="utf-8") == content
    assert backups[0].name in notice
    assert not settings_file.exists()
    # The next start is clean: defaults, no notice.
    assert settings_mod.load(settings_file).notices == []


def test_values_of_the_wrong_type_are_ignored_with_a_notice(settings_file):
    settings_file.write_text(
        json.dumps(
            {
                "context_length": "big",  # str for int: ignored
                "gpu_layers": True,  # bool for int: ignored
                "temperature": 1,  # int for float: accepted as 1.0
                "top_p": "0.5",  # str for float: ignored
                "theme": "dark",  # fine
                "system_prompt": None,  # null for str: ignored
            }
        ),
        encoding="utf-8",
    )
    s = settings_mod.load(settings_file)
    assert s.context_length == 4096
    assert s.gpu_layers == -1
    assert s.temperature == 1.0 and isinstance(s.temperature, float)
    assert s.top_p == 0.95
    assert s.theme == "dark"
    assert s.system_prompt == Settings().system_prompt
    assert len(s.notices) == 4
    joined = " ".join(s.notices)
    for name in ("context_length", "gpu_layers", "top_p", "system_prompt"):
        assert name in joined
    assert settings_file.exists()  # a readable file is not moved aside


def test_out_of_range_values_reset_to_defaults_with_a_notice(settings_file):
    settings_file.write_text(json.dumps({"temperature": 9.0, "theme": "dark"}), encoding="utf-8")
    s = settings_mod.load(settings_file)
    assert s.temperature == Settings().temperature
    assert s.theme == "system"  # everything reset, not a half-valid mix
    assert any("temperature" in n for n in s.notices)


def test_unknown_keys_are_ignored_and_never_written(settings_file):
    settings_file.write_text(
        json.dumps({"theme": "light", "api_key": "sk-secret", "future_option": [1, 2]}),
        encoding="utf-8",
    )
    s = settings_mod.load(settings_file)
    assert s.theme == "light"
    assert not hasattr(s, "api_key")
    assert s.notices == []
    settings_mod.save(s, settings_file)
    text = settings_file.read_text(encoding="utf-8")
    assert "api_key" not in text and "sk-secret" not in text and "future_option" not in text
    assert json.loads(text)["theme"] == "light"


@pytest.mark.parametrize(
    "change",
    [
        {"context_length": 100},
        {"max_answer_tokens": 4000},
        {"max_answer_tokens": 0},
        {"temperature": -0.1},
        {"top_p": 0.0},
        {"repeat_penalty": 0.5},
        {"gpu_layers": -2},
        {"threads": -1},
        {"theme": "purple"},
    ],
)
def test_invalid_settings_are_never_saved(settings_file, change):
    settings_mod.save(Settings(theme="dark"), settings_file)
    before = settings_file.read_text(encoding="utf-8")
    with pytest.raises(ValueError):
        settings_mod.save(dataclasses.replace(Settings(), **change), settings_file)
    assert settings_file.read_text(encoding="utf-8") == before
