"""Reading GGUF metadata, and turning every kind of bad file into an error that names the file."""

from __future__ import annotations

import shutil
import struct

import pytest

from app.core.errors import EnclaveError, ModelFileError
from app.core.models import gguf


@pytest.fixture(scope="module")
def info(starter_model):
    return gguf.read(starter_model)


def test_reads_the_starter_models_metadata(info, starter_model):
    assert info.path == starter_model
    assert info.version == 3
    assert info.architecture == "llama"
    assert info.context_length == 8192
    assert info.quantization == "Q4_1"
    assert info.layer_count == 30
    assert info.license == "apache-2.0"
    assert info.file_size == starter_model.stat().st_size
    assert info.tensor_count > 100
    assert 100_000_000 < info.parameter_count < 200_000_000  # a 135M model
    assert "135M" in info.name


def test_chat_template_is_present(info):
    template = info.chat_template
    assert template and "<|im_start|>" in template and "messages" in template


def test_huge_token_arrays_are_not_kept_in_memory(info):
    assert "tokenizer.ggml.tokens" in info.metadata
    assert info.metadata["tokenizer.ggml.tokens"] is None
    assert info.metadata["general.languages"] == ["en"]  # short arrays are kept


def _assert_names_file(exc: ModelFileError, path) -> None:
    assert isinstance(exc, EnclaveError)
    assert str(path) in str(exc)
    assert exc.path == path


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere" / "model.gguf"
    with pytest.raises(ModelFileError, match="does not exist") as e:
        gguf.read(path)
    _assert_names_file(e.value, path)


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.gguf"
    path.touch()
    with pytest.raises(ModelFileError, match="empty") as e:
        gguf.read(path)
    _assert_names_file(e.value, path)


def test_a_folder_is_not_a_model(tmp_path):
    with pytest.raises(ModelFileError, match="folder") as e:
        gguf.read(tmp_path)
    _assert_names_file(e.value, tmp_path)


@pytest.mark.parametrize("content", [b"Hello, this is a text file.\n" * 10, b"GGU",
                                     b"\x89PNG\r\n\x1a\n" + b"\0" * 100])
def test_a_file_that_is_not_gguf(tmp_path, content):
    path = tmp_path / "notes.gguf"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match="not a GGUF") as e:
        gguf.read(path)
    _assert_names_file(e.value, path)


def test_an_unknown_gguf_version(tmp_path):
    path = tmp_path / "future.gguf"
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 99, 0, 0))
    with pytest.raises(ModelFileError, match="version 99") as e:
        gguf.read(path)
    _assert_names_file(e.value, path)


def test_an_absurd_header(tmp_path):
    path = tmp_path / "bad.gguf"
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 2**40, 2**40) + b"\0" * 64)
    with pytest.raises(ModelFileError, match="damaged") as e:
        gguf.read(path)
    _assert_names_file(e.value, path)


def _truncated_copy(src, dst, size: int):
    with src.open("rb") as f:
        dst.write_bytes(f.read(size))
    return dst


@pytest.mark.parametrize("cut", ["header", "1MB", "tensor-table", "half", "last-byte"])
def test_a_truncated_copy_of_the_real_file(tmp_path, starter_model, cut):
    # The starter model: metadata up to ~1.77 MB, then the tensor table to ~1.79 MB, then data.
    full = starter_model.stat().st_size
    size = {"header": 20, "1MB": 1_000_000, "tensor-table": 1_777_000, "half": full // 2,
            "last-byte": full - 1}[cut]
    path = _truncated_copy(starter_model, tmp_path / f"cut-{cut}.gguf", size)
    with pytest.raises(ModelFileError, match="truncated") as e:
        gguf.read(path)
    _assert_names_file(e.value, path)


def test_a_whole_copy_reads_the_same(tmp_path, starter_model, info):
    copy = tmp_path / "copy.gguf"
    shutil.copyfile(starter_model, copy)
    again = gguf.read(copy)
    assert again.path == copy
    assert (again.tensor_count, again.parameter_count, again.quantization) == (
        info.tensor_count, info.parameter_count, info.quantization)
