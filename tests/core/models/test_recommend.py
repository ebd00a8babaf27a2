"""The first-run suggestion: one chat model for each shape of machine, from the catalog alone."""

from __future__ import annotations

import pytest

from app.core.models import catalog, fit, recommend

GB = 2**30

NO_GPU_8 = fit.Machine(8 * GB, 5 * GB)
NO_GPU_16 = fit.Machine(16 * GB, 10 * GB)
GPU_8 = fit.Machine(16 * GB, 10 * GB, "GeForce RTX 4060", 8 * GB)
GPU_24 = fit.Machine(32 * GB, 20 * GB, "GeForce RTX 4090", 24 * GB)
APPLE_16 = fit.Machine(16 * GB, 10 * GB, "Apple Silicon (unified memory)", 12 * GB, unified=True)


def _entry(id, size_gb, *, params=None, active=None, license="apache-2.0", kind="chat", more=()):
    files = [{"file": f"{id}-Q4_K_M.gguf", "quant": "Q4_K_M", "size_bytes": int(size_gb * 1e9)}]
    files += [{"file": f"{id}-{q}.gguf", "quant": q, "size_bytes": int(s * 1e9)} for q, s in more]
    return {
        "id": id,
        "name": id,
        "repo": f"test/{id}",
        "files": files,
        "parameters_b": params,
        "active_parameters_b": active,
        "license": license,
        "kind": kind,
    }


# Best first, as the real catalog is: a large MoE, a dense 9B, a small 4B, a tiny one, and an
# embedding model that must never be suggested for chat.
ENTRIES = catalog.entries(
    {
        "models": [
            _entry("moe-20b", 12.1, params=20.9, active=3.6),
            _entry("dense-9b", 5.7, params=9, more=[("Q8_0", 9.5), ("Q6_K", 6.0)]),
            _entry("small-4b", 2.6, params=4, license="llama3.2"),
            _entry("tiny-0.5b", 0.68, params=0.5),
            _entry("embedder", 0.1, kind="embedding"),
        ]
    }
)


@pytest.mark.parametrize(
    ("machine", "model", "file", "where", "speed"),
    [
        # 8 GB, no GPU: the MoE and the 9B do not fit in half the RAM; the 4B does.
        (NO_GPU_8, "small-4b", "small-4b-Q4_K_M.gguf", "ram", "comfortable"),
        # 16 GB: the 9B fits in RAM but reads 5.7 GB a token on the CPU: the 4B is preferred.
        (NO_GPU_16, "small-4b", "small-4b-Q4_K_M.gguf", "ram", "comfortable"),
        # 8 GB GPU: the 9B fits on it, in its most faithful file that does (Q6_K, not Q8_0).
        (GPU_8, "dense-9b", "dense-9b-Q6_K.gguf", "gpu", "fast"),
        # 24 GB GPU: the best of the catalog, fully on the GPU.
        (GPU_24, "moe-20b", "moe-20b-Q4_K_M.gguf", "gpu", "fast"),
        # Apple: the GPU shares system memory; the 9B fits its share.
        (APPLE_16, "dense-9b", "dense-9b-Q8_0.gguf", "gpu", "comfortable"),
    ],
)
def test_one_model_for_each_shape_of_machine(machine, model, file, where, speed):
    found = recommend.recommend(machine, ENTRIES)
    assert found is not None
    assert (found.entry.id, found.file.file, found.where, found.speed) == (
        model,
        file,
        where,
        speed,
    )
    assert found.fit.kind == ("gpu" if where == "gpu" else "cpu")
    assert recommend.recommend(machine, ENTRIES) == found  # deterministic


def test_a_model_in_ram_leaves_half_of_it_free():
    machine = fit.Machine(32 * GB, 20 * GB)
    found = recommend.recommend(machine, ENTRIES)
    assert found is not None and found.entry.id == "moe-20b"  # 3.6B active: fine on the CPU
    assert found.fit.estimate.total <= 16 * GB
    assert recommend.recommend(fit.Machine(20 * GB, 15 * GB), ENTRIES).entry.id == "small-4b"


def test_a_slow_model_is_suggested_only_when_nothing_faster_fits():
    dense_only = [e for e in ENTRIES if e.id == "dense-9b"]
    found = recommend.recommend(NO_GPU_16, dense_only)
    assert found is not None and found.speed == "slow"
    assert found.speed_text == "slow on this computer"


def test_nothing_fits_a_tiny_machine_and_embedding_models_are_never_suggested():
    assert recommend.recommend(fit.Machine(1 * GB, GB // 2), ENTRIES) is None
    assert recommend.recommend(GPU_24, [e for e in ENTRIES if e.kind == "embedding"]) is None


def test_license_acknowledgement_and_summary():
    found = recommend.recommend(NO_GPU_8, ENTRIES)
    assert found.needs_acknowledgement  # Llama 3.2 Community License: custom terms
    assert found.license.name == "Llama 3.2 Community License"
    assert found.size_bytes == int(2.6e9)
    assert "2.60 GB" in found.summary() and "comfortable on this computer" in found.summary()
    assert not recommend.recommend(GPU_24, ENTRIES).needs_acknowledgement  # Apache 2.0


def test_unknown_sizes_are_skipped():
    raw = _entry("unsized", 1.0)
    raw["files"][0].pop("size_bytes")
    entries = catalog.entries({"models": [raw]})
    assert recommend.fit_of(entries[0].files[0], GPU_24) is None
    assert recommend.recommend(GPU_24, entries) is None


@pytest.mark.parametrize("machine", [NO_GPU_8, NO_GPU_16, GPU_8, GPU_24, APPLE_16])
def test_the_real_catalog_has_a_suggestion_that_fits_each_machine(machine):
    found = recommend.recommend(machine)
    assert found is not None and found.entry.kind == "chat" and found.size_bytes
    if found.where == "gpu":
        assert found.fit.kind == "gpu"
    else:
        assert found.fit.estimate.total <= machine.ram_total * recommend.RAM_SPARE
    assert found.speed != "slow"


def test_an_entry_too_big_for_the_machine_says_so():
    moe = next(e for e in ENTRIES if e.id == "moe-20b")
    found = recommend.entry_fit(moe, NO_GPU_8)
    assert found is not None and found[1].kind == "too_big"
    assert "Too big" in found[1].label
