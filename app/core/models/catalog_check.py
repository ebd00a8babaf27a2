"""Rules every catalog entry must keep, so the catalog cannot silently go stale or wrong.

``problems(raw)`` reads resources/catalog.json's content and returns errors (an entry that is wrong
or incomplete) and warnings (an entry not reviewed for a while). scripts/check-catalog.py runs it
in check-shape; docs/catalog-sources.md says how to update an entry.
"""

from __future__ import annotations

import datetime as dt
import re

from app.core.models import licenses, quant

REQUIRED = (
    "id",
    "name",
    "family",
    "repo",
    "files",
    "parameters_b",
    "context_length",
    "license",
    "license_url",
    "commercial_use",
    "gated",
    "reasoning",
    "tools",
    "reviewed",
)
LICENSES = ("apache-2.0", "mit", "llama3.1", "llama3.2", "gemma", "qwen-research", "cc-by-nc-4.0")
REASONING_FORMATS = ("think_tags", "harmony", "special_tokens")
EFFORTS = ("low", "medium", "high")
STALE_MONTHS = 6
SMALL_B = 2  # below this many billion parameters the vocabulary's embeddings, often kept at
SMALL_SLACK = 1.4  # 16 bits, are a large share: the upper bound is widened (Qwen2.5 0.5B Q8_0: 11)

# Bits per weight a whole file of each quantization plausibly has (embeddings and norms are often
# kept at higher precision, so a file is somewhat above the nominal width).
BITS_PER_WEIGHT = {
    "Q4_0": (4.0, 5.5),
    "Q4_K_M": (4.3, 6.0),
    "Q5_K_M": (5.2, 6.7),
    "Q6_K": (6.3, 7.5),
    "Q8_0": (8.0, 9.6),
    "F16": (15.5, 17.5),
    "BF16": (15.5, 17.5),
    "MXFP4": (4.0, 6.0),  # gpt-oss: experts in MXFP4, the rest wider
}
_ID = re.compile(r"[a-z0-9][a-z0-9.\-]*")
_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*/[A-Za-z0-9][A-Za-z0-9_.\-]*")
_SHARD_LIKE = re.compile(r"\d+-of-\d+", re.IGNORECASE)


def problems(raw: dict, *, today: dt.date | None = None) -> tuple[list[str], list[str]]:
    """(errors, warnings) for the catalog's JSON content; each names the entry and the field."""
    today = today or dt.date.today()
    errors: list[str] = []
    warnings: list[str] = []
    models = raw.get("models")
    if not isinstance(models, list) or not models:
        return ["the catalog has no 'models' list"], []
    seen: set[str] = set()
    for n, m in enumerate(models):
        where = (
            f"entry {n + 1} ({m.get('id', 'no id')})" if isinstance(m, dict) else f"entry {n + 1}"
        )
        if not isinstance(m, dict):
            errors.append(f"{where}: not an object")
            continue
        said = _entry_problems(m, today)
        errors += [f"{where}: {p}" for p in said[0]]
        warnings += [f"{where}: {p}" for p in said[1]]
        if m.get("id") in seen:
            errors.append(f"{where}: id {m['id']!r} appears twice")
        seen.add(str(m.get("id")))
    return errors, warnings


def _entry_problems(m: dict, today: dt.date) -> tuple[list[str], list[str]]:
    errors = [f"'{key}' is missing" for key in REQUIRED if key not in m]
    warnings: list[str] = []
    if errors:
        return errors, warnings
    if not _ID.fullmatch(str(m["id"])):
        errors.append(f"id {m['id']!r}: use lower-case letters, digits, '.' and '-'")
    if not _REPO.fullmatch(str(m["repo"])):
        errors.append(f"repo {m['repo']!r}: expected owner/name as on the hub")
    if m.get("kind", "chat") not in ("chat", "embedding"):
        errors.append(f"kind {m['kind']!r}: expected 'chat' or 'embedding'")
    errors += _license_problems(m)
    errors += _parameter_problems(m)
    errors += _reasoning_problems(m)
    if not isinstance(m["gated"], bool) or not isinstance(m["tools"], bool):
        errors.append("'gated' and 'tools' must be true or false")
    if not isinstance(m["context_length"], int) or m["context_length"] < 512:
        errors.append(f"context_length {m['context_length']!r}: a whole number of tokens, ≥ 512")
    if not isinstance(m["files"], list) or not m["files"]:
        errors.append("'files' must list at least one file")
    else:
        for f in m["files"]:
            errors += [f"file {f.get('file')!r}: {p}" for p in _file_problems(f, m)]
    try:
        reviewed = dt.date.fromisoformat(str(m["reviewed"]))
    except ValueError:
        errors.append(f"reviewed {m['reviewed']!r}: expected a date as YYYY-MM-DD")
    else:
        if reviewed > today:
            errors.append(f"reviewed {reviewed} is in the future")
        elif (today - reviewed).days > STALE_MONTHS * 31:
            warnings.append(
                f"last reviewed {reviewed}, over {STALE_MONTHS} months ago: check it against its "
                f"sources and the current releases (docs/catalog-sources.md)"
            )
    return errors, warnings


def _license_problems(m: dict) -> list[str]:
    if m["license"] not in LICENSES:
        return [
            f"license {m['license']!r} is not one Enclave describes ({', '.join(LICENSES)}); "
            f"add it to app/core/models/licenses.py first"
        ]
    expected = {True: True, False: False, None: "restricted"}[
        licenses.describe(m["license"]).commercial_use
    ]
    if m["commercial_use"] != expected:
        return [f"commercial_use {m['commercial_use']!r} contradicts {m['license']}: {expected!r}"]
    return []


def _parameter_problems(m: dict) -> list[str]:
    total, active = m["parameters_b"], m.get("active_parameters_b")
    if not isinstance(total, (int, float)) or total <= 0:
        return [f"parameters_b {total!r}: billions of parameters, a positive number"]
    out = []
    if active is not None and not 0 < active <= total:
        out.append(f"active_parameters_b {active} must be above 0 and at most parameters_b {total}")
    experts, used = m.get("experts"), m.get("experts_used")
    if (experts is None) != (active is None):
        out.append("a mixture of experts lists both 'experts' and 'active_parameters_b'")
    if experts is not None and not (isinstance(used, int) and 0 < used <= experts):
        out.append(f"experts_used {used!r} must be between 1 and experts ({experts})")
    return out


def _reasoning_problems(m: dict) -> list[str]:
    thinks = m["reasoning"]
    if thinks is None:
        return []
    if not isinstance(thinks, dict) or thinks.get("format") not in REASONING_FORMATS:
        return [
            f"reasoning.format must be one of {', '.join(REASONING_FORMATS)} (or reasoning null)"
        ]
    effort = thinks.get("effort", [])
    if not isinstance(effort, list) or not set(effort) <= set(EFFORTS):
        return [f"reasoning.effort {effort!r}: levels among {', '.join(EFFORTS)}"]
    return []


def _file_problems(f: dict, m: dict) -> list[str]:
    name, q = str(f.get("file", "")), str(f.get("quant", ""))
    out = []
    if not name.lower().endswith(".gguf") or "/" in name or "\\" in name:
        out.append("a file name ending in .gguf, without folders")
    if q not in BITS_PER_WEIGHT and q not in quant.QUALITY_ORDER:
        out.append(f"quant {q!r} is not a known quantization")
    if q.lower() not in name.lower():
        out.append(f"the name does not say its quantization {q}")
    if _SHARD_LIKE.search(name) and not quant.shard(name):
        out.append("a split file is named NAME-00001-of-00003.gguf")
    size = f.get("size_bytes") or (f.get("approx_size_gb") or 0) * 1e9
    bits = BITS_PER_WEIGHT.get(q)
    if size and bits and isinstance(m["parameters_b"], (int, float)):
        per_weight = size * 8 / (m["parameters_b"] * 1e9)
        low, high = bits[0], bits[1] * (SMALL_SLACK if m["parameters_b"] < SMALL_B else 1)
        if not low <= per_weight <= high:
            out.append(
                f"{size / 1e9:.2f} GB is {per_weight:.1f} bits per weight for "
                f"{m['parameters_b']}B parameters; {q} files have {low:g}-{high:g}: check the "
                f"size and parameters_b"
            )
    return out
