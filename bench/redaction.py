"""Redaction: how much personal data and how many secrets it catches, and how often it replaces
ordinary text.

    .venv/bin/python bench/redaction.py           # table; writes bench/redaction-results.json
    .venv/bin/python bench/redaction.py --misses  # also every miss and false positive

Recall per kind: the share of labelled values (bench/redaction_corpus.py) of which every
occurrence, in every message of the item's payload, is entirely replaced by a placeholder (of any
kind: what matters is that it does not leave); "as its kind" counts only those replaced by a
placeholder of their own kind. False positives: placeholders in the ordinary prose
(bench/redaction_prose.py, plus the retrieval corpus's documents, written for another purpose),
per 10,000 words. Placeholders in labelled items that cover no label are counted as well.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.privacy.redaction import KINDS, detect  # noqa: E402
from app.core.privacy.textnorm import invisible  # noqa: E402
from bench import redaction_corpus, redaction_prose, retrieval_corpus  # noqa: E402

TARGET_RECALL = 0.95
TARGET_FP_PER_10K = 1.0


def prose() -> list[tuple[str, str]]:
    texts = (
        list(redaction_prose.PROSE.items())
        + list(redaction_prose.CHAT)
        + list(redaction_prose.HELD_OUT)
    )
    texts += [("en", text) for _, parts in retrieval_corpus.DOCUMENTS for _, text in parts]
    texts.append(("en", retrieval_corpus.BOILERPLATE))
    return texts


def _joined_spans(messages, terms):
    """The found spans in the coordinates of the messages joined by a line break."""
    found, _ = detect(list(messages), terms)
    spans, offset = [], 0
    for text, per_message in zip(messages, found):
        spans += [(offset + f.start, offset + f.end, f.kind) for f in per_message]
        offset += len(text) + 1
    return spans


def _covered(text: str, start: int, end: int, spans, kind: str | None) -> bool:
    need = set(range(start, end))
    for s, e, k in spans:
        if kind is None or k == kind:
            need -= set(range(s, e))
    # What may stay: the line break between two messages, invisible characters at the edges.
    return all(text[i].isspace() or invisible(text[i]) for i in need)


def evaluate() -> dict:
    per_kind = {kind: {"items": 0, "caught": 0, "as_kind": 0} for kind in KINDS}
    misses, extras, langs = [], [], set()
    items = redaction_corpus.items()
    t0 = time.perf_counter()
    for item in items:
        langs.add(item.lang)
        joined = "\n".join(item.messages)
        spans = _joined_spans(item.messages, item.terms)
        labelled = []
        for value, kind in item.labels:
            where, at = [], joined.find(value)
            while at != -1:
                where.append((at, at + len(value)))
                at = joined.find(value, at + 1)
            assert where, f"label {value!r} not in {item.messages!r}"
            labelled += where
            per_kind[kind]["items"] += 1
            caught = all(_covered(joined, s, e, spans, None) for s, e in where)
            per_kind[kind]["caught"] += caught
            per_kind[kind]["as_kind"] += all(_covered(joined, s, e, spans, kind) for s, e in where)
            if not caught:
                misses.append({"kind": kind, "lang": item.lang, "value": value, "text": joined})
        for s, e, k in spans:
            if not any(s < le and ls < e for ls, le in labelled):
                extras.append({"kind": k, "text": joined, "found": joined[s:e]})
    items_s = time.perf_counter() - t0

    words, false_positives = 0, []
    t0 = time.perf_counter()
    for lang, text in prose():
        langs.add(lang)
        words += len(text.split())
        for s, e, k in _joined_spans([text], ()):
            false_positives.append(
                {
                    "kind": k,
                    "lang": lang,
                    "found": text[s:e],
                    "context": text[max(0, s - 40) : e + 40],
                }
            )
    prose_s = time.perf_counter() - t0

    recall = {k: round(v["caught"] / v["items"], 4) for k, v in per_kind.items() if v["items"]}
    return {
        "items": len(items),
        "labels": sum(v["items"] for v in per_kind.values()),
        "languages": sorted(langs),
        "prose_words": words,
        "per_kind": per_kind,
        "recall": recall,
        "recall_as_kind": {
            k: round(v["as_kind"] / v["items"], 4) for k, v in per_kind.items() if v["items"]
        },
        "false_positives": len(false_positives),
        "fp_per_10k_words": round(len(false_positives) * 10000 / words, 2),
        "extra_in_items": len(extras),
        "seconds": {"items": round(items_s, 3), "prose": round(prose_s, 3)},
        "misses": misses,
        "false_positive_list": false_positives,
        "extras": extras,
        "targets": {"recall": TARGET_RECALL, "fp_per_10k_words": TARGET_FP_PER_10K},
    }


def met(result: dict) -> bool:
    return (
        min(result["recall"].values()) >= TARGET_RECALL
        and result["fp_per_10k_words"] <= TARGET_FP_PER_10K
    )


def table(result: dict) -> str:
    rows = ["| kind | values | caught | recall | as its kind |", "| --- | --- | --- | --- | --- |"]
    for kind, v in result["per_kind"].items():
        if v["items"]:
            rows.append(
                f"| {kind} | {v['items']} | {v['caught']} | "
                f"{result['recall'][kind]:.3f} | {result['recall_as_kind'][kind]:.3f} |"
            )
    rows.append(
        f"| false positives in prose | {result['prose_words']:,} words | "
        f"{result['false_positives']} | {result['fp_per_10k_words']:.2f} per 10,000 words"
        " | |"
    )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list misses and false positives")
    parser.add_argument("--out", default=str(ROOT / "bench" / "redaction-results.json"))
    args = parser.parse_args()
    result = evaluate()
    print(
        f"{result['items']} items, {result['labels']} labelled values, languages "
        f"{', '.join(result['languages'])}; {result['prose_words']:,} words of prose"
    )
    print(table(result))
    if args.misses:
        for m in result["misses"]:
            print("MISS", m["kind"], m["lang"], repr(m["value"]), "in", repr(m["text"]))
        for fp in result["false_positive_list"]:
            print(
                "FALSE POSITIVE",
                fp["kind"],
                fp["lang"],
                repr(fp["found"]),
                "in",
                repr(fp["context"]),
            )
        for x in result["extras"]:
            print("EXTRA", x["kind"], repr(x["found"]), "in", repr(x["text"]))
    Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    ok = met(result)
    print(
        "targets met" if ok else "targets NOT met",
        f"(recall ≥ {TARGET_RECALL} on every kind, ≤ {TARGET_FP_PER_10K} false positive "
        "per 10,000 words)",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
