"""Personal data out of a payload before it leaves, and back into the answer when it returns.

E-mail addresses, phone numbers, card numbers (Luhn-checked), IBANs (mod-97-checked), IP addresses,
strings that look like API keys or passwords, and the user's own terms become placeholders such as
``[EMAIL_1]``. One ``Redactor`` serves one payload: the same original always gets the same
placeholder in it, so the provider can still tell that two mentions are the same person. The
mapping never leaves this device; ``restore`` (or ``Restorer`` for a stream) puts the originals back
into the answer locally.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from dataclasses import dataclass

KINDS = {"EMAIL": ("e-mail address", "e-mail addresses"),
         "PHONE": ("phone number", "phone numbers"), "CARD": ("card number", "card numbers"),
         "IBAN": ("IBAN", "IBANs"), "IP": ("IP address", "IP addresses"),
         "SECRET": ("key or password", "keys or passwords"),
         "TERM": ("term from your list", "terms from your list")}

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_IPV4 = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}"
                   r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\d|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d().\s/-]{5,}\d(?![\w])")
_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
# Keys with a recognisable shape, then "password: x" style assignments, then long random tokens.
_KEY_SHAPES = re.compile(
    r"\b(?:sk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,}"
    r"|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|hf_[A-Za-z0-9]{30,}"
    r"|glpat-[A-Za-z0-9_-]{20,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})")
_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----",
                  re.DOTALL)
_ASSIGNED = re.compile(r"(?i)\b(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|"
                       r"access[_-]?key|client[_-]?secret)\b[\"']?\s*(?:[:=]|\bis\b)\s*"
                       r"[\"']?([^\s\"',;]{4,})")
_RANDOM = re.compile(r"(?<![\w/+=-])[A-Za-z0-9_+/=-]{32,}(?![\w/+=-])")
_PLACEHOLDER = re.compile(r"\[(?:%s)_\d+\]" % "|".join(KINDS))


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def iban_ok(text: str) -> bool:
    s = text.replace(" ", "")
    if not 15 <= len(s) <= 34:
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _looks_random(token: str) -> bool:
    """A long run mixing letters and digits (a key), not a word, a path or a hash in prose."""
    has = (any(c.islower() for c in token), any(c.isupper() for c in token),
           any(c.isdigit() for c in token))
    return sum(has) >= 2 and any(c.isdigit() for c in token) and len(set(token)) >= 12


def _phone_ok(text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    if not 7 <= digits <= 15 or _DATE.match(text.strip()):
        return False
    # A bare run of digits is more often an amount or an id than a phone number.
    return text.startswith(("+", "00", "(")) or bool(re.search(r"[\s./-]", text))


# Which detector wins where two overlap: keys first (a key may contain an "@" or digits), terms last.
_ORDER = {kind: i for i, kind in enumerate(("SECRET", "EMAIL", "IBAN", "CARD", "IP", "PHONE",
                                            "TERM"))}


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    kind: str


def _spans(text: str, terms: tuple[str, ...]) -> list[Found]:
    found: list[Found] = []

    def add(kind, pattern, ok=None, group=0):
        for m in pattern.finditer(text):
            if ok is None or ok(m.group(group)):
                found.append(Found(m.start(group), m.end(group), kind))

    add("SECRET", _PEM)
    add("SECRET", _KEY_SHAPES)
    add("SECRET", _ASSIGNED, group=1)
    add("EMAIL", _EMAIL)
    add("IBAN", _IBAN, iban_ok)
    add("CARD", _CARD, lambda s: luhn_ok(re.sub(r"\D", "", s)))
    add("IP", _IPV4)
    add("IP", _IPV6, lambda s: _is_ip(s))
    add("PHONE", _PHONE, _phone_ok)
    add("SECRET", _RANDOM, _looks_random)
    for term in terms:
        if term.strip():
            add("TERM", re.compile(r"(?<!\w)" + re.escape(term.strip()) + r"(?!\w)",
                                   re.IGNORECASE))
    # Earlier detectors win an overlap (their order above; the sort is stable), then the longer
    # match. The chosen spans never overlap, so each candidate needs only its two neighbours.
    starts: list[int] = []
    chosen: list[Found] = []
    for f in sorted(found, key=lambda f: (_ORDER[f.kind], -(f.end - f.start))):
        i = bisect.bisect_left(starts, f.start)
        if (i == 0 or chosen[i - 1].end <= f.start) and (i == len(starts)
                                                          or f.end <= starts[i]):
            starts.insert(i, f.start)
            chosen.insert(i, f)
    return chosen


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


class Redactor:
    """Placeholders for one payload; ``mapping`` (placeholder → original) stays on this device."""

    def __init__(self, terms=()):
        self.terms = tuple(t for t in terms if t and t.strip())
        self.mapping: dict[str, str] = {}
        self._by_original: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}

    def _placeholder(self, kind: str, original: str) -> str:
        key = (kind, original.lower() if kind in ("EMAIL", "TERM") else original)
        if key not in self._by_original:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            placeholder = f"[{kind}_{self._counts[kind]}]"
            self._by_original[key] = placeholder
            self.mapping[placeholder] = original
        return self._by_original[key]

    def redact(self, text: str) -> str:
        out, last = [], 0
        for f in _spans(text, self.terms):
            out.append(text[last:f.start])
            out.append(self._placeholder(f.kind, text[f.start:f.end]))
            last = f.end
        out.append(text[last:])
        return "".join(out)

    def restore(self, text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: self.mapping.get(m.group(0), m.group(0)), text)

    def summary(self) -> dict[str, int]:
        """How many distinct items of each kind were replaced, e.g. {"EMAIL": 2}."""
        return dict(self._counts)

    def describe(self) -> str:
        if not self._counts:
            return "Nothing was found to redact."
        parts = [f"{n} {KINDS[k][n > 1]}" for k, n in self._counts.items()]
        return "Replaced before sending: " + ", ".join(parts) + "."


class Restorer:
    """Puts originals back into a streamed answer, holding back a placeholder cut in two."""

    MAX_PLACEHOLDER = 16

    def __init__(self, redactor: Redactor | None):
        self.redactor = redactor
        self._held = ""

    def feed(self, piece: str) -> str:
        if self.redactor is None or not self.redactor.mapping:
            return piece
        text = self._held + piece
        cut = text.rfind("[")
        if cut != -1 and "]" not in text[cut:] and len(text) - cut < self.MAX_PLACEHOLDER:
            text, self._held = text[:cut], text[cut:]
        else:
            self._held = ""
        return self.redactor.restore(text)

    def flush(self) -> str:
        held, self._held = self._held, ""
        return self.redactor.restore(held) if self.redactor else held
