from app.core.models import quant
from app.core.models.quant import RemoteFile


def test_quantization_from_file_names():
    assert quant.quantization("qwen2.5-1.5b-instruct-q4_k_m.gguf") == "Q4_K_M"
    assert quant.quantization("Llama-3.2-1B-Instruct-Q6_K_L.gguf") == "Q6_K_L"
    assert quant.quantization("gemma-2-9b-it-IQ4_XS.gguf") == "IQ4_XS"
    assert quant.quantization("SmolLM2-135M-Instruct.Q4_1.gguf") == "Q4_1"
    assert quant.quantization("model-bf16-00001-of-00002.gguf") == "BF16"
    assert quant.quantization("Q8_0/model-Q8_0-00002-of-00003.gguf") == "Q8_0"
    assert quant.quantization("gpt-oss-20b-MXFP4.gguf") == "MXFP4"
    assert quant.quantization("Qwen3-30B-A3B-MXFP4_MOE.gguf") == "MXFP4_MOE"
    assert quant.quantization("model.gguf") is None


def test_shards_are_grouped_and_best_quality_first():
    files = [
        RemoteFile("m-Q4_K_M.gguf", 4),
        RemoteFile("m-Q8_0-00002-of-00002.gguf", 5),
        RemoteFile("m-Q8_0-00001-of-00002.gguf", 6),
        RemoteFile("README.md", 1),
        RemoteFile("m-Q2_K-00001-of-00003.gguf", 1),
    ]
    choices = quant.group(files)
    assert [c.name for c in choices] == ["m-Q8_0.gguf", "m-Q4_K_M.gguf", "m-Q2_K.gguf"]
    q8 = choices[0]
    assert [f.name for f in q8.files] == [
        "m-Q8_0-00001-of-00002.gguf",
        "m-Q8_0-00002-of-00002.gguf",
    ]
    assert q8.size == 11 and q8.complete
    assert not choices[2].complete  # 1 of 3 parts listed
    assert quant.group([RemoteFile("x.gguf")])[0].size is None
