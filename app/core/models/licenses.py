"""What a model's license allows, in words a user can act on before downloading.

Only licenses whose terms are known are described here; anything else counts as a custom license
that the user must read (at its link) and acknowledge.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class License:
    id: str
    name: str
    url: str | None
    commercial_use: bool | None  # None: allowed only under the license's own conditions
    summary: str

    @property
    def needs_acknowledgement(self) -> bool:
        """Non-commercial and custom licenses must be read and accepted before downloading."""
        return self.commercial_use is not True


_KNOWN = {
    "apache-2.0": License(
        "apache-2.0",
        "Apache License 2.0",
        "https://www.apache.org/licenses/LICENSE-2.0",
        True,
        "Permissive: personal and commercial use allowed; keep the license and notices.",
    ),
    "mit": License(
        "mit",
        "MIT License",
        "https://opensource.org/license/mit",
        True,
        "Permissive: personal and commercial use allowed; keep the copyright notice.",
    ),
    "llama3.1": License(
        "llama3.1",
        "Llama 3.1 Community License",
        "https://www.llama.com/llama3_1/license/",
        None,
        "Custom license: commercial use allowed with conditions (an extra license is needed "
        "above 700 million monthly users; the Acceptable Use Policy applies; "
        '"Built with Llama" attribution).',
    ),
    "llama3.2": License(
        "llama3.2",
        "Llama 3.2 Community License",
        "https://www.llama.com/llama3_2/license/",
        None,
        "Custom license: commercial use allowed with conditions (an extra license is needed "
        "above 700 million monthly users; the Acceptable Use Policy applies; "
        '"Built with Llama" attribution).',
    ),
    "gemma": License(
        "gemma",
        "Gemma Terms of Use",
        "https://ai.google.dev/gemma/terms",
        None,
        "Custom license: use, including commercial use, is allowed under Google's terms and "
        "its Prohibited Use Policy, which pass on to anyone you share the model with.",
    ),
    "qwen-research": License(
        "qwen-research",
        "Qwen Research License",
        None,
        False,
        "Non-commercial use only (research and personal use); commercial use needs a separate "
        "license from the Qwen team.",
    ),
    "cc-by-nc-4.0": License(
        "cc-by-nc-4.0",
        "Creative Commons Attribution-NonCommercial 4.0",
        "https://creativecommons.org/licenses/by-nc/4.0/",
        False,
        "Non-commercial use only.",
    ),
}


def describe(license_id: str | None, url: str | None = None) -> License:
    """The license for an id from a model card ("apache-2.0"), or a custom one to be read."""
    key = (license_id or "").strip().lower()
    known = _KNOWN.get(key)
    if known:
        return (
            known
            if url is None or url == known.url
            else License(known.id, known.name, url, known.commercial_use, known.summary)
        )
    if not key:
        return License(
            "unknown",
            "No license stated",
            url,
            None,
            "The repository states no license. Find out the terms before any use.",
        )
    return License(
        key,
        f"Custom license ({key})",
        url,
        None,
        "A license Enclave does not know: read it before you use the model.",
    )
