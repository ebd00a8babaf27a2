"""Mixture-of-experts models: experts read from real GGUF header shapes, and a fit of "GPU +
experts in RAM" when the whole model does not fit the GPU but everything except the experts does.
The headers are gpt-oss-20b's and Qwen3-30B-A3B's (tests/moe_gguf.py), local and on the hub."""

from __future__ import annotations

import gguf_build as gb
import moe_gguf
import pytest
from hub_server import HubFile, HubRepo, HubServer

from app.core.engines import placement
from app.core.models import fit, gguf

GB = 2**30


def machine(gpu_gb: float, *, ram_gb: float = 32, unified: bool = False) -> fit.Machine:
    gpu = int(gpu_gb * GB)
    return fit.Machine(
        int(ram_gb * GB), int(ram_gb * GB) // 2, "GPU" if gpu else None, gpu, unified
    )


@pytest.fixture(scope="module")
def gpt_oss(tmp_path_factory):
    return gguf.read(
        moe_gguf.write(tmp_path_factory.mktemp("moe") / "gpt-oss-20b.gguf", "gpt-oss-20b")
    )


@pytest.fixture(scope="module")
def qwen3_moe(tmp_path_factory):
    path = tmp_path_factory.mktemp("moe") / "qwen3-30b-a3b.gguf"
    return gguf.read(moe_gguf.write(path, "qwen3-30b-a3b"))


def need(info, context=4096) -> fit.Estimate:
    return placement.context_and_need(info, context)[1]


def test_the_experts_are_read_from_the_header(gpt_oss, qwen3_moe):
    assert (gpt_oss.expert_count, gpt_oss.expert_used_count) == (32, 4)
    assert round(gpt_oss.parameter_count / 1e9, 1) == 20.9  # the model card's 21B
    blocks = gpt_oss.metadata[gguf.EXPERT_BLOCKS]
    assert sorted(blocks) == list(range(24))
    # three MXFP4 expert matrices of 2880 x 2880 x 32 per block, and their f32 biases
    assert blocks[0] == 3 * (2880 * 2880 * 32 // 32 * 17) + 3 * 2880 * 32 * 4
    assert 0.75 < gpt_oss.expert_bytes / gpt_oss.file_size < 0.85
    assert (qwen3_moe.expert_count, qwen3_moe.expert_used_count) == (128, 8)
    assert round(qwen3_moe.parameter_count / 1e9, 1) == 30.5
    assert sorted(qwen3_moe.metadata[gguf.EXPERT_BLOCKS]) == list(range(48))


def test_a_dense_model_has_no_experts(starter_model):
    info = gguf.read(starter_model)
    assert info.expert_count == 0 and info.expert_bytes == 0
    assert gguf.EXPERT_BLOCKS not in info.metadata
    assert need(info).expert_blocks == ()


def test_a_file_cannot_claim_expert_sizes_of_its_own(tmp_path):
    forged = gb.llama_metadata(**{gguf.EXPERT_BLOCKS.replace(".", "__"): (gb.U64, 10**12)})
    info = gguf.read(gb.write(tmp_path / "forged.gguf", gb.model_bytes(forged)))
    assert gguf.EXPERT_BLOCKS not in info.metadata and info.expert_bytes == 0


@pytest.mark.parametrize(
    "gpu_gb, kind, words",
    [
        (24, "gpu", ["Fully on GPU"]),
        (8, "experts_in_ram", ["GPU + experts in RAM", "experts of 14 of 24 blocks", "in RAM)"]),
        (4, "experts_in_ram", ["GPU + experts in RAM", "experts of 23 of 24 blocks"]),
        (2, "partial", ["Partial offload"]),  # not even the non-expert part fits
        (0, "cpu", ["CPU only"]),
    ],
)
def test_gpt_oss_fit_label_on_each_gpu(gpt_oss, gpu_gb, kind, words):
    where = fit.check(need(gpt_oss), machine(gpu_gb))
    assert where.kind == kind
    for word in words:
        assert word in where.label


def test_the_experts_kept_in_ram_are_as_few_as_the_gpu_needs(gpt_oss, qwen3_moe):
    for info in (gpt_oss, qwen3_moe):
        est = need(info)
        for gpu_gb in (4, 6, 8, 12, 16):
            where = fit.check(est, machine(gpu_gb))
            if where.kind != "experts_in_ram":
                continue
            blocks = where.ram_expert_blocks
            assert blocks == tuple(range(len(blocks)))  # the first ones, as --n-cpu-moe
            on_gpu = est.total - where.ram_bytes
            assert on_gpu <= gpu_gb * GB * fit.GPU_USABLE
            one_fewer = est.total - (where.ram_bytes - est.expert_blocks[len(blocks) - 1][1])
            assert one_fewer > gpu_gb * GB * fit.GPU_USABLE  # no block more than needed
    whole = fit.check(need(qwen3_moe), machine(2))
    assert whole.kind == "experts_in_ram" and "all experts in system RAM" in whole.label


def test_experts_in_ram_needs_the_ram_and_a_separate_gpu(gpt_oss):
    assert fit.check(need(gpt_oss), machine(8, unified=True)).kind != "experts_in_ram"
    assert fit.check(need(gpt_oss), machine(8, ram_gb=4)).kind == "too_big"


def test_a_dense_model_too_big_for_the_gpu_is_still_partly_offloaded():
    shape = fit.ModelShape(32, 4096, 8, 128, 128, 128256, 131072)
    where = fit.check(fit.estimate(int(4.9e9), shape, 8192), machine(4))
    assert where.kind == "partial" and where.ram_expert_blocks == ()


def test_the_hub_header_of_a_moe_model_is_read_through_its_tensor_table():
    head, _ = moe_gguf.header("gpt-oss-20b")
    meta, _tensors = moe_gguf.gpt_oss_20b()
    end_of_metadata = len(gb.model_bytes(meta, []))  # no tensors: just past the metadata
    assert gguf.metadata_from_prefix(head[: end_of_metadata - 64]) is None
    # the metadata is whole but the tensor table is not: a MoE model asks for more bytes
    assert gguf.metadata_from_prefix(head[: end_of_metadata + 1000]) is None
    whole = gguf.metadata_from_prefix(head)
    assert sorted(whole[gguf.EXPERT_BLOCKS]) == list(range(24))
    # a dense model's metadata is enough on its own
    dense = gb.model_bytes(tensors=[("w", [8], 0, 0)] * 3)
    assert gguf.metadata_from_prefix(dense[: len(gb.model_bytes(tensors=[])) + 10]) is not None


class RangeHub(HubServer):
    """The hub stand-in, answering a range request only with the bytes asked for (``bytes=0-N``),
    as huggingface.co does: the Models window reads a header, not a 12 GB file."""

    def _handler(self):
        base = super()._handler()

        class Handler(base):  # type: ignore[misc, valid-type]
            def _asked(self) -> tuple[int, int] | None:
                rng = self.headers.get("Range", "")
                first, _, last = rng.partition("=")[2].partition("-")
                return (int(first), int(last)) if self.command == "GET" and last else None

            def send_header(self, keyword, value):
                asked = self._asked()
                if asked and keyword == "Content-Length":
                    value = str(asked[1] + 1 - asked[0])
                elif asked and keyword == "Content-Range":
                    value = f"bytes {asked[0]}-{asked[1]}/{value.rpartition('/')[2]}"
                super().send_header(keyword, value)

            def _send_bytes(self, f, filename, start, size):
                asked = self._asked()
                super()._send_bytes(f, filename, start, min(size, asked[1] + 1) if asked else size)

        return Handler


def test_the_models_window_report_labels_a_moe_model_read_from_the_hub(
    paths, tmp_path, monkeypatch
):
    """What the Models window shows for gpt-oss-20b on an 8 GB GPU, its header read from the hub
    stand-in (a range request, as from huggingface.co)."""
    from app.core.models.service import ModelLibrary
    from app.core.platform.settings import Settings

    name = "gpt-oss-20b-MXFP4.gguf"
    served = HubFile(moe_gguf.write(tmp_path / name, "gpt-oss-20b"), sha256="0" * 64)
    server = RangeHub([HubRepo("enclave-test/gpt-oss-20b-GGUF", {name: served})]).start()
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    try:
        library = ModelLibrary(paths, Settings())
        library._machine = machine(8)
        report = library.report("enclave-test/gpt-oss-20b-GGUF", context=4096)
    finally:
        server.stop()
    label = report.fits[name].label
    assert report.fits[name].kind == "experts_in_ram", label
    assert label.startswith("GPU + experts in RAM") and "of 24 blocks" in label
    assert report.recommended == name
