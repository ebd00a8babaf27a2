"""Reading GGUF metadata, and turning every kind of bad file into an error that names the file."""

from __future__ import annotations

import shutil
import struct

import gguf_build as gb
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


@pytest.mark.parametrize(
    "content", [b"Hello, this is a text file.\n" * 10, b"GGU", b"\x89PNG\r\n\x1a\n" + b"\0" * 100]
)
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
    size = {
        "header": 20,
        "1MB": 1_000_000,
        "tensor-table": 1_777_000,
        "half": full // 2,
        "last-byte": full - 1,
    }[cut]
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
        info.tensor_count,
        info.parameter_count,
        info.quantization,
    )


# -- Files no honest writer produces: each must end in the one clear error, never a crash -------

_TEXT = (gb.STRING, "thirty")
_HOSTILE_METADATA = {
    "block-count-as-text": {"llama__block_count": _TEXT},
    "context-length-as-text": {"llama__context_length": _TEXT},
    "embedding-length-as-text": {"llama__embedding_length": _TEXT},
    "head-count-as-text": {"llama__attention__head_count": _TEXT},
    "kv-heads-as-text-array": {"llama__attention__head_count_kv": (gb.ARRAY, (gb.STRING, ["a"]))},
    "key-length-as-empty-array": {"llama__attention__key_length": (gb.ARRAY, (gb.U32, []))},
    "context-length-as-nan": {"llama__context_length": (gb.F32, float("nan"))},
    "block-count-negative": {"llama__block_count": (gb.I32, -1)},
    "vocab-size-as-bool": {"llama__vocab_size": (gb.BOOL, True)},
    "file-type-as-array": {"general__file_type": (gb.ARRAY, (gb.U32, [1, 2]))},
    "file-type-as-text": {"general__file_type": _TEXT},
    "architecture-as-array": {"general__architecture": (gb.ARRAY, (gb.STRING, ["llama"]))},
    "chat-template-as-number": {"tokenizer__chat_template": (gb.U32, 7)},
    "license-as-array": {"general__license": (gb.ARRAY, (gb.STRING, ["mit"]))},
    "tokens-as-number": {"tokenizer__ggml__tokens": (gb.U32, 5)},
    "alignment-as-text": {"general__alignment": _TEXT},
    "alignment-not-a-power-of-two": {"general__alignment": (gb.U32, 24)},
    "alignment-zero": {"general__alignment": (gb.U32, 0)},
    "deeply-nested-arrays": {"x": (gb.ARRAY, gb.nested_array(100_000))},
    "array-in-an-array": {"x": (gb.ARRAY, gb.nested_array(1))},
    "unknown-value-type": {"x": (13, gb.Raw(b"\0" * 8))},
    "huge-array-of-bytes": {"x": (gb.ARRAY, gb.Raw(struct.pack("<IQ", gb.U8, 2**63)))},
    "huge-array-of-strings": {"x": (gb.ARRAY, gb.Raw(struct.pack("<IQ", gb.STRING, 2**62)))},
    "huge-array-of-arrays": {"x": (gb.ARRAY, gb.Raw(struct.pack("<IQ", gb.ARRAY, 2**62)))},
    "short-array-of-long-strings": {
        "x": (gb.ARRAY, gb.Raw(struct.pack("<IQQ", gb.STRING, 3, 2**63)))
    },
    "string-longer-than-the-file": {"general__name": (gb.STRING, gb.Raw(struct.pack("<Q", 2**40)))},
}
_BAD_TENSOR = {
    "five-dimensions": ("w", [2, 2, 2, 1, 1], 0, 0),
    "not-whole-blocks": ("w", [7], 2, 0),  # Q4_0 stores 32 values per block
    "unaligned-offset": ("w", [8], 0, 3),
    "data-beyond-the-file": ("w", [2**40], 0, 0),
    "dimension-count-huge": gb.Raw(gb.string("w") + struct.pack("<I", 2**31) + b"\0" * 64),
}
_HOSTILE = {
    **{
        name: gb.model_bytes(gb.llama_metadata(**change))
        for name, change in _HOSTILE_METADATA.items()
    },
    **{name: gb.model_bytes(tensors=[t]) for name, t in _BAD_TENSOR.items()},
    "more-tensors-than-listed": gb.model_bytes(tensor_count=5),
    "more-keys-than-the-file-holds": gb.model_bytes(kv_count=900_000),
    "key-longer-than-the-file": b"GGUF" + struct.pack("<IQQQ", 3, 0, 1, 2**63),
}


def _assert_clear(exc: ModelFileError, path, *words: str) -> None:
    """The reader recognised the problem itself (no stray exception underneath)."""
    assert type(exc) is ModelFileError and exc.__cause__ is None
    _assert_names_file(exc, path)
    for word in words or ("damaged", "download it again"):
        assert word in str(exc)


def test_a_well_formed_small_file_reads_and_every_field_is_usable(tmp_path):
    from app.core.engines import placement

    path = gb.write(
        tmp_path / "tiny.gguf",
        gb.model_bytes(
            gb.llama_metadata(llama__attention__head_count_kv=(gb.ARRAY, (gb.I32, [2, 1])))
        ),
    )
    info = gguf.read(path)
    assert (info.layer_count, info.context_length, info.quantization) == (1, 256, "F32")
    assert (info.architecture, info.name, info.license) == ("llama", "tiny", "apache-2.0")
    assert info.parameter_count == 8 and info.chat_template == "{{ messages }}"
    n_ctx, need = placement.context_and_need(info, 512)
    assert n_ctx == 256 and need.layers == 1


@pytest.mark.parametrize("name", sorted(_HOSTILE))
def test_a_malformed_file_ends_in_the_clear_error(tmp_path, name):
    path = gb.write(tmp_path / f"{name}.gguf", _HOSTILE[name])
    with pytest.raises(ModelFileError) as e:
        gguf.read(path)
    _assert_clear(e.value, path)


def test_a_weight_format_enclave_does_not_know(tmp_path):
    path = gb.write(tmp_path / "new.gguf", gb.model_bytes(tensors=[("w", [8], 999, 0)]))
    with pytest.raises(ModelFileError) as e:
        gguf.read(path)
    _assert_clear(e.value, path, "ggml type 999", "cannot read", "Update Enclave")


@pytest.mark.parametrize("name", sorted(n for n in _HOSTILE_METADATA if "-as-" in n))
def test_a_field_of_the_wrong_type_is_named(tmp_path, name):
    path = gb.write(tmp_path / "bad.gguf", _HOSTILE[name])
    with pytest.raises(ModelFileError) as e:
        gguf.read(path)
    key = next(iter(_HOSTILE_METADATA[name])).replace("__", ".")
    assert key in str(e.value)


@pytest.mark.parametrize(
    "name",
    ["block-count-as-text", "deeply-nested-arrays", "tokens-as-number", "huge-array-of-arrays"],
)
def test_a_malformed_header_on_the_hub_is_the_clear_error(name):
    with pytest.raises(ModelFileError, match="hub"):
        gguf.metadata_from_prefix(_HOSTILE[name])


def test_a_good_header_on_the_hub_gives_the_models_shape():
    from app.core.models import fit

    metadata = gguf.metadata_from_prefix(gb.model_bytes()[:600])
    assert fit.ModelShape.from_metadata(metadata).layers == 1
    assert gguf.metadata_from_prefix(gb.model_bytes()[:100]) is None  # more bytes needed


def test_an_architecture_name_that_is_not_a_plain_word_is_not_repeated(tmp_path):
    odd = "<img src=x>"
    path = gb.write(
        tmp_path / "odd.gguf",
        gb.model_bytes(
            gb.llama_metadata(
                general__architecture=(gb.STRING, odd), **{f"{odd}.block_count": _TEXT}
            )
        ),
    )
    with pytest.raises(ModelFileError, match=r"field \(model\)\.block_count holds text") as e:
        gguf.read(path)
    assert odd not in str(e.value)
