"""Document search: how often the right passage is found, and how fast folders are indexed.

    .venv/bin/python bench/retrieval.py                  # vectors from the starter model
    .venv/bin/python bench/retrieval.py --model X.gguf   # vectors from an embedding model
    .venv/bin/python bench/retrieval.py --quick          # a smaller indexing run

Recall@5: the share of the corpus's questions (bench/retrieval_corpus.py, asked in other words
than the documents use) whose answering file — and page, for a PDF — is among the five passages
returned, for full-text (BM25), vector and hybrid (reciprocal rank fusion) search.

Indexing speed: pages per second (a page of a text file is 3,000 characters), against the
reference measured in the same run on the same files: reading, extracting and cutting them into
passages without storing anything. Words only: copies of the corpus plus a long PDF. With vectors:
the corpus itself (computing vectors on the CPU dominates, so a small set tells the rate).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench import retrieval_corpus  # noqa: E402


def recall_at_5(index, embedder, name: str) -> dict[str, float]:
    from app.core.documents import retrieval

    found = {}
    for mode in retrieval.MODES:
        if mode != "text" and embedder is None:
            continue
        hits = 0
        for question, file, page in retrieval_corpus.QUESTIONS:
            top = retrieval.search(index, [name], question, embedder=embedder, mode=mode, limit=5)
            hits += any(Path(h.path).name == file and (page is None or h.page == page) for h in top)
        found[mode] = hits / len(retrieval_corpus.QUESTIONS)
    return found


def speed_corpus(folder: Path, copies: int, pdf_pages: int) -> None:
    from docs_files import make_pdf

    source = folder / "source"
    retrieval_corpus.write(source)
    for i in range(copies):
        shutil.copytree(source, folder / f"copy{i:03}")
    shutil.rmtree(source)
    para = (
        "Clause {n}. The supplier shall deliver the services described in schedule {n} "
        "with reasonable skill and care, and report progress every month. "
    )
    make_pdf(
        folder / "long-report.pdf",
        ["\n".join(para.format(n=p * 10 + k) for k in range(12)) for p in range(pdf_pages)],
    )


def extraction_only(folder: Path) -> tuple[int, float]:
    """The reference: read, extract and cut every file, storing nothing. (pages, seconds)"""
    from app.core.documents import formats
    from app.core.documents.chunking import chunk_sections

    started, pages = time.perf_counter(), 0
    for path in sorted(folder.rglob("*")):
        if path.is_file() and formats.kind_of(path):
            data = path.read_bytes()
            sections = formats.extract(path, data)
            chunk_sections(sections)
            pages += max((s.page or 0 for s in sections), default=0) or max(1, len(data) // 3000)
    return pages, time.perf_counter() - started


def _speed(result, reference_pages_per_s: float) -> dict:
    rate = result.pages / result.seconds
    return {
        "files": result.added,
        "pages": result.pages,
        "passages": result.chunks,
        "seconds": round(result.seconds, 2),
        "pages_per_s": round(rate, 1),
        "vs_extraction_alone": round(rate / reference_pages_per_s, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a GGUF embedding model (default: starter)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "retrieval-results.json")
    args = parser.parse_args()

    from app.core.documents.embedder import Embedder
    from app.core.documents.index import DocIndex
    from app.core.documents.indexer import Indexer
    from app.core.models.installed import starter_model_path

    model = args.model or starter_model_path()
    embedder = Embedder(model, model_id=model.stem)
    results: dict = {"embedding_model": model.name}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        retrieval_corpus.write(tmp / "corpus")
        with DocIndex(tmp / "eval.sqlite3") as index:
            index.create("Eval")
            index.add_roots("Eval", [tmp / "corpus"])
            r = Indexer(index, embedder=embedder).run("Eval")
            results["recall_at_5"] = recall_at_5(index, embedder, "Eval")
            results["questions"] = len(retrieval_corpus.QUESTIONS)
        ref_pages, ref_s = extraction_only(tmp / "corpus")
        results["indexing with vectors"] = _speed(r, ref_pages / ref_s)

        copies, pdf_pages = (4, 20) if args.quick else (20, 200)
        speed_corpus(tmp / "speed", copies, pdf_pages)
        ref_pages, ref_s = extraction_only(tmp / "speed")
        results["reference_pages_per_s"] = ref_pages / ref_s
        with DocIndex(tmp / "speed.sqlite3") as index:
            index.create("Speed")
            index.add_roots("Speed", [tmp / "speed"])
            r = Indexer(index).run("Speed")
        results["indexing words only"] = _speed(r, results["reference_pages_per_s"])
    embedder.close()

    print(f"Retrieval, {results['questions']} questions, vectors from {model.name}")
    for mode, value in results["recall_at_5"].items():
        print(f"  recall@5 {mode:<7} {value:.2f}")
    print(f"Indexing (reference: extraction alone {results['reference_pages_per_s']:.0f} pages/s)")
    for label in ("words only", "with vectors"):
        r = results[f"indexing {label}"]
        print(
            f"  {label:<13} {r['pages_per_s']:>8.1f} pages/s  ({r['files']} files, "
            f"{r['pages']} pages, {r['passages']} passages, {r['seconds']} s; "
            f"{r['vs_extraction_alone']:.2f} × extraction alone)"
        )
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
