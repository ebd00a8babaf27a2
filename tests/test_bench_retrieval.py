"""The retrieval evaluation's corpus, searched by words: a ranking change that loses answers
fails here (the full evaluation, with vectors, is bench/retrieval.py)."""

from __future__ import annotations

from app.core.docs.index import DocIndex
from app.core.docs.indexer import Indexer
from bench import retrieval as bench_retrieval, retrieval_corpus


def test_full_text_search_finds_the_answering_file_in_the_top_five(tmp_path):
    retrieval_corpus.write(tmp_path / "corpus")
    with DocIndex(tmp_path / "eval.sqlite3") as index:
        index.create("Eval")
        index.add_roots("Eval", [tmp_path / "corpus"])
        result = Indexer(index).run("Eval")
        assert result.added == len(retrieval_corpus.DOCUMENTS) and not result.problems
        recall = bench_retrieval.recall_at_5(index, None, "Eval")
    assert set(recall) == {"text"}
    assert recall["text"] >= 0.9  # 28 of 30 when this test was written
