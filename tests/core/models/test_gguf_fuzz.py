"""Mutate the starter model's header thousands of times: the reader parses or says the file is
damaged (ModelFileError), and never raises anything else.

Mutations: byte flips, truncation, inserted and removed bytes, and type and length fields (value
types, array item types, tensor types; string lengths, counts, dimensions, offsets) set to other
types and to edge values. Each case is a real file read by ``gguf.read``: the mutated header, then
the rest of the file as a sparse hole of the right size, so size checks see the whole model.

Two seeds: the starter's header with its three long tokenizer arrays cut to 80 items (the same
structure in 20 KB, so cases are quick and the whole header, tensor table included, is in reach),
and the header as it is (1.8 MB: flips and insertions in its first 64 KB, type and length swaps
anywhere). Hypothesis runs derandomized, so CI sees the same cases each time.
ENCLAVE_GGUF_FUZZ_CASES sets the number of cases on the small seed (default 4000; the full header
gets a twentieth): ``ENCLAVE_GGUF_FUZZ_CASES=100000`` for a long run.
"""

from __future__ import annotations

import collections
import os
import struct

import gguf_build as gb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.engines import placement
from app.core.errors import ModelFileError
from app.core.models import fit, gguf

CASES = int(os.environ.get("ENCLAVE_GGUF_FUZZ_CASES", "4000"))
REGION = 64 * 1024
# The suite's 300 s per test is too short for a long run: allow 0.1 s a case.
long_enough = pytest.mark.timeout(max(300, CASES // 10))
EDGE_TYPES = [*range(14), 255, 2**31, 2**32 - 1]
EDGE_LENGTHS = [0, 1, 2, 3, 4, 8, 64, 65, 2**31, 2**32 - 1, 2**32, 2**62, 2**63, 2**64 - 1]


@pytest.fixture(scope="module")
def header(starter_model):
    with starter_model.open("rb") as f:
        data = f.read(4 << 20)  # the starter's metadata and tensor table end at ~1.8 MB
    return gb.header_of(data, starter_model.stat().st_size)


def _mutations(head: gb.Header):
    region = min(REGION, len(head.data))
    position = st.integers(0, region - 1)
    field = st.one_of(
        st.tuples(
            st.just("type"),
            st.sampled_from(head.types),
            st.sampled_from(EDGE_TYPES) | st.integers(0, 2**32 - 1),
        ),
        st.tuples(
            st.just("length"),
            st.sampled_from(head.lengths),
            st.sampled_from(EDGE_LENGTHS) | st.integers(0, 2**64 - 1) | st.integers(-3, 3),
        ),
    )  # small: the field's own value plus this
    edit = st.one_of(
        st.tuples(st.just("flip"), position, st.integers(1, 255)),
        st.tuples(st.just("insert"), position, st.binary(min_size=1, max_size=16)),
        st.tuples(st.just("remove"), position, st.integers(1, 16)),
        st.tuples(st.just("cut"), st.integers(0, len(head.data) + 64)),
        field,
        field,
    )  # twice: structure-aware mutations find more than flips
    return st.lists(edit, min_size=1, max_size=4)


def _apply(head: gb.Header, edits) -> tuple[bytes, int]:
    """The mutated header and the size of the file it starts."""
    data, size = bytearray(head.data), head.file_size
    for edit in edits:
        op, at = edit[0], edit[1]
        if op in ("flip", "remove") and at >= len(data):
            continue  # past an earlier cut
        if op == "flip":
            data[at] ^= edit[2]
        elif op == "insert":
            data[min(at, len(data)) : min(at, len(data))] = edit[2]
            size += len(edit[2])
        elif op == "remove":
            del data[at : at + edit[2]]
            size -= min(edit[2], len(data) - at)
        elif op == "cut":
            del data[at:]
            size = len(data)
        else:
            offset, width = at
            fmt = "<I" if width == 4 else "<Q"
            if offset + width > len(data):
                continue  # moved out by an earlier cut
            value = edit[2]
            if -3 <= value <= 3:
                value += struct.unpack_from(fmt, data, offset)[0]
            struct.pack_into(fmt, data, offset, value % 2 ** (8 * width))
    return bytes(data), max(size, len(data))


def _outcome(path) -> str:
    """Read the file and use what the app uses; anything but a clean result or the clear error
    propagates and fails the test, with Hypothesis's smallest mutation that causes it."""
    try:
        info = gguf.read(path)
    except ModelFileError as exc:
        if exc.__cause__ is not None and not isinstance(exc.__cause__, OSError):
            raise AssertionError("the reader's safety net caught a stray exception") from exc
        assert str(path) in str(exc) and exc.path == path
        return "refused"
    # What the window, the CLI, the fit estimate and the engine read from a parsed file.
    facts = (
        info.architecture,
        info.name,
        info.context_length,
        info.layer_count,
        info.quantization,
        info.chat_template,
        info.license,
    )
    assert all(f is None or type(f) in (str, int) for f in facts)
    fit.ModelShape.from_metadata(info.metadata)
    placement.context_and_need(info, 4096)
    return "read"


def _fuzz(head: gb.Header, path, cases: int) -> collections.Counter:
    outcomes = collections.Counter()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    @settings(
        max_examples=cases,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(_mutations(head))
    def case(edits):
        data, size = _apply(head, edits)
        os.ftruncate(fd, 0)  # no bytes of the previous case survive
        os.pwrite(fd, data, 0)
        os.ftruncate(fd, size)  # the rest of the model: a hole, read as zeros
        outcomes[_outcome(path)] += 1

    try:
        case()
    finally:
        os.close(fd)
    print(f"{sum(outcomes.values())} cases: {dict(outcomes)}")
    return outcomes


def test_the_seed_files_read(header, tmp_path):
    small = gb.header_of(header.data, header.file_size, keep=80)
    for head in (header, small):
        path = tmp_path / "seed.gguf"
        with path.open("wb") as f:
            f.write(head.data)
            f.truncate(head.file_size)
        info = gguf.read(path)
        assert (info.tensor_count, info.layer_count, info.context_length) == (272, 30, 8192)


@long_enough
@pytest.mark.slow  # thousands of files: the full suite, not `make check`
def test_fuzz_the_compact_starter_header(header, tmp_path):
    small = gb.header_of(header.data, header.file_size, keep=80)
    assert len(small.data) < REGION  # every byte of it is in reach
    outcomes = _fuzz(small, tmp_path / "fuzz.gguf", CASES)
    assert outcomes["refused"] and outcomes["read"]  # the mutations reach both ends


@long_enough
@pytest.mark.slow  # thousands of files: the full suite, not `make check`
def test_fuzz_the_starter_header_as_it_is(header, tmp_path):
    outcomes = _fuzz(header, tmp_path / "fuzz.gguf", max(50, CASES // 20))
    assert outcomes["refused"] and outcomes["read"]
