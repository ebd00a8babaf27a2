"""Personal data out of a payload before it leaves, and back into the answer when it returns.

E-mail addresses, phone numbers, card numbers (Luhn-checked), IBANs (mod-97-checked), IP addresses,
keys, tokens and passwords, and the user's own terms become placeholders such as ``[EMAIL_1]``.
Matching runs on a folded view of the text (``textnorm``: NFKC, zero-width characters and soft
hyphens dropped, every space a plain space), so an address with a zero-width space in it or a term
that a PDF wrapped onto two lines is still found, while what is cut out and what stays is the text
as written. One ``Redactor`` serves one payload and sees all of it at once (``redact_all``): the
same value gets the same placeholder in every message and in every shape it is written in, a value
found by its context in one message (``password: x``) is replaced wherever else it appears, and a
term split across two messages is caught. The mapping never leaves this device; ``restore`` (or
``Restorer`` for a stream) puts the originals back into the answer locally.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from dataclasses import dataclass

from app.core.privacy.textnorm import Folded, fold

KINDS = {
    "EMAIL": ("e-mail address", "e-mail addresses"),
    "PHONE": ("phone number", "phone numbers"),
    "CARD": ("card number", "card numbers"),
    "IBAN": ("IBAN", "IBANs"),
    "IP": ("IP address", "IP addresses"),
    "SECRET": ("key or password", "keys or passwords"),
    "TERM": ("term from your list", "terms from your list"),
}

# Everything below matches the folded text: horizontal spaces are " ", line breaks "\n".

# "@" or an obfuscated "(at)", "[at]"; a dot or "(dot)"; any script in names, IDN or punycode TLDs.
_AT = r"(?:@|\s?[(\[{]\s?(?:at|@)\s?[)\]}]\s?)"
_DOT = r"(?:\.|\s?[(\[{]\s?(?:dot|punkt|point|punto)\s?[)\]}]\s?)"
_EMAIL = re.compile(
    rf"(?<![\w.%+'-])[\w%+'-]+(?:\.[\w%+'-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}"
    r"(?:[^\W\d_]{2,}|xn--[a-z0-9-]+)(?![\w-])",
    re.IGNORECASE,
)
_CARD = re.compile(r"(?<![\w.,+/-])[2-6](?:(?:[ .-]| {2})?\d){12,18}(?!\w|[.,/-]\d)")
# Groups of any size, any case, spaces, dashes, dots or a line break between them; the exact end is
# found by the checksum (``_iban_end``), since a trailing word can look like one more group.
_IBAN = re.compile(
    r"(?<![\w-])[A-Za-z]{2} ?\d{2}[ .\n-]?[A-Za-z0-9]+(?:[ .\n-][A-Za-z0-9]+){0,8}"
    r"(?![\w-])"
)
_IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}"
    r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\d|\.\d)"
)
_IPV6 = re.compile(
    r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}"
    r"|[0-9A-Fa-f]{0,4})(?![\w:]|\.\d)"
)
_PHONE = re.compile(
    r"(?<![\w+.,/-])(?:\+|00)?(?:\(\d{1,4}\)|\d)(?:[ ./-]{0,3}(?:\(\d{1,4}\)|\d))"
    r"{5,17}(?!\w|[.,/-]\d)"
)
_DATE = re.compile(
    r"\b(?:\d{1,2}[-./]\d{1,2}[-./](?:19|20)\d\d|(?:19|20)\d\d[-./]\d{1,2}"
    r"[-./]\d{1,2})\b|^\d{1,2}[-./]\d{1,2}[-./]\d{2}$"
    r"|\d{1,2}[.:]\d\d ?- ?\d{1,2}[.:]\d\d"
)
_THOUSANDS = re.compile(r"[1-9]\d{0,2}([ .,])\d{3}(?:\1\d{3})*")

# Words before a number that say what it is: a phone number, or some other number.
_PHONE_WORDS = re.compile(
    r"\b(?:tel(?:\b|\.|efon\w*|ephon\w*|éfono|efono|efoon|emóvel|efone)|t[ée]l[ée]phon\w*|tél\b"
    r"|phone\w*|call\w*|mobil\w*|mob\b|cell\w*|fax\b|whats ?app|ring\b|dial\w*|hotline"
    r"|handy\w*|ruf\w*|anruf\w*|erreichbar|portable|appel\w*|joindre|m[óo]vil|llam\w*"
    r"|celular|chiam\w*|bel\b|bell\w*|gsm\b|mobiel|ligue\w*|zadzwo\w*|kom[óo]rk\w*)",
    re.IGNORECASE,
)
_OTHER_NUMBER_WORDS = re.compile(
    r"\b(?:order\w*|bestell\w*|auftrag\w*|invoice\w*|rechnung\w*|isbn|issn|ean\b|gtin|upc\b"
    r"|sku\b|art\.|artikel\w*|item\w*|article\w*|artículo|articolo|serial|serien\w*|s/n"
    r"|ref\b|ref\.|referen\w*|réf\w*|referênci\w*|riferiment\w*|kenmerk|sygnatur\w*|artyku\w*"
    r"|postal\w*|postcode|plz\b|zip\b|cap\b|pocztow\w*|micrologiciel|oprogramowani\w*|commande|facture|pedido|factura|ordine|fattura"
    r"|bestelling|factuur|zam[óo]wieni\w*|faktur\w*|encomenda|fatura|ticket\w*|case\b"
    r"|booking|buchung\w*|réservation|reserva\w*|prenotazion\w*|tracking|sendung\w*|colis"
    r"|envío|spedizion\w*|zending|version\w*|versi[óo]n|version[ei]|versie|vers[ãa]o|wersj\w*"
    r"|build\w*|release\w*|firmware|kunden\w*|customer|kund\w*|patient\w*|dossier"
    r"|aktenzeichen|lot\b|batch|imei|policy|polizz\w*|póliza|vertrag\w*|contrat\w*"
    r"|contract\w*|umow\w*|modell?\b|model\b|part no|v\b|iban|bic|swift|blz|konto\w*"
    r"|account\w*|compte|cuenta|conto|rekening|conta)",
    re.IGNORECASE,
)
_HASH_WORDS = re.compile(
    r"\b(?:sha\w*|md5|hash\w*|checksum\w*|digest|commit\w*|prüfsumme"
    r"|fingerprint|empreinte|somme de contrôle|suma de comprobación)",
    re.IGNORECASE,
)

# Keys with a recognisable shape (provider prefixes), private keys, credentials in URLs.
_KEY_SHAPES = re.compile(
    r"(?<![A-Za-z0-9_-])(?:sk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_-]{20,}"
    r"|(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9+/=]{24,}"
    r"|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,}|glpat-[A-Za-z0-9_-]{20,}"
    r"|(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|ya29\.[0-9A-Za-z_-]{20,}"
    r"|GOCSPX-[A-Za-z0-9_-]{20,}|xox[abposre]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{20,}"
    r"|hf_[A-Za-z0-9]{30,}|npm_[A-Za-z0-9]{36}|pypi-[A-Za-z0-9_-]{50,}"
    r"|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}|SK[0-9a-f]{32}|key-[0-9a-f]{32}"
    r"|shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}|dop_v1_[a-f0-9]{64}|lin_api_[A-Za-z0-9]{40}"
    r"|(?:secret|ntn)_[A-Za-z0-9]{40,}|AGE-SECRET-KEY-1[0-9A-Z]{58}|\d{8,10}:AA[\w-]{33}"
    r"|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"
    r"|(?<=hooks\.slack\.com/services/)[A-Za-z0-9/]{20,}"
    r"|(?<=/api/webhooks/)\d+/[A-Za-z0-9_-]{20,})(?![A-Za-z0-9_-])"
)
_PEM_LABEL = r"-----(?:BEGIN|END) (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
_PEM = re.compile(
    _PEM_LABEL.replace("(?:BEGIN|END)", "BEGIN")
    + r"(?:.*?"
    + _PEM_LABEL.replace("(?:BEGIN|END)", "END")
    + r"|[A-Za-z0-9+/=:, \n-]*)",
    re.DOTALL,
)
_URL_PASSWORD = re.compile(r"(?i)\b[a-z][a-z0-9+.-]{1,15}://[^\s/:@]+:(?P<value>[^\s/@]{3,})@")
_BEARER = re.compile(r"(?i)\b(?:bearer|basic)\s+(?P<value>[A-Za-z0-9._~+/-]{16,}=*)")

# "password" in the languages people write in, alone or inside a name (DB_PASSWORD, apiKey).
_SECRET_WORDS = (
    r"pass(?:words?|wd|phrase|wort|w[öo]rter|code)|pwd|pw|kennw[öo]rt(?:er)?|mot de passe|mdp"
    r"|contrase[ñn]as?|clave(?: de acceso)?|wachtwoord(?:en)?|senhas?|palavra[- ]passe"
    r"|has[łl]o|l[öo]senord|adgangskode|passord|salasana|heslo|[şs]ifre|parola(?: d'ordine)?"
    r"|пароль|secret|token|jeton|pin(?:[ -]?code)?|credentials?"
    r"|(?:api|access|account|secret|private|signing|master|app|client|auth)[ _-]?"
    r"(?:key|token|secret|schl[üu]ssel)|cl[ée] (?:d')?api|chiave api|clave api|klucz api"
    r"|api-sleutel"
)
_COPULAS = (
    r"is|was|ist|lautet|war|est|était|es|era|è|e|é|jest|to|är|er|on|="
    r"|(?:is|ist|est|es|è|é) (?:now|jetzt|nun|maintenant|ahora|ora|nu|agora|teraz)"
)
_ASSIGNED = re.compile(
    # The parts of a name are separated (DB_PASSWORD) or glued (dbPassword, PGPASSWORD); each
    # part has one way to match, so a long identifier cannot make the pattern backtrack for long.
    r"(?<![\w-])(?P<name>(?:[A-Za-z0-9]{1,30}[_.-]){0,6}(?:[a-z0-9]{1,20}(?=[A-Z])|[A-Z0-9]{1,20})?"
    rf"(?i:{_SECRET_WORDS})(?:[_.-][A-Za-z0-9]{{1,30}}){{0,6}})(?![\w])"
    r"(?P<sep>[\"']?[ \t]*(?::=|=>|[:=])[ \t]*|[ \t]+(?i:" + _COPULAS + r")[ \t]+|[ \t]+)"
    r"(?P<value>\"[^\"\n]{4,}?\"|'[^'\n]{4,}?'|“[^”\n]{4,}?”|„[^“”\n]{4,}?[“”]"
    r"|« ?[^»\n]{4,}? ?»|[^\s\"'`,;<>“”„«»‘’]{4,})"
)
_NOT_A_VALUE = re.compile(
    r"(?i)^(?:none|null|nil|true|false|undefined|required|optional|empty"
    r"|hidden|redacted|changed?|reset|[*•x]+)$|^[$%{<\[]|^(?:os|process)\."
    r"|^(?:/|\./|~/)"
)
# Names that hold something about a secret, not the secret: a file, a rule, a hash.
_NOT_A_SECRET_NAME = re.compile(
    r"(?i)[_.-](?:file|path|dir|length|len|min|max|count|hash|policy"
    r"|url|field|prompt|expiry|expires|env|var)$"
)
_RANDOM = re.compile(r"(?<![\w/+=-])[A-Za-z0-9_+/-]{20,}={0,2}(?![\w/+=-])")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

_PLACEHOLDER = re.compile(r"\[(?:" + "|".join(KINDS) + r")_\d+\]")

# Lengths of IBANs by country, where a checksum alone could stop at the wrong group.
_IBAN_LENGTH = {
    "AD": 24,
    "AE": 23,
    "AL": 28,
    "AT": 20,
    "AZ": 28,
    "BA": 20,
    "BE": 16,
    "BG": 22,
    "BH": 22,
    "BR": 29,
    "CH": 21,
    "CR": 22,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "DO": 28,
    "EE": 20,
    "EG": 29,
    "ES": 24,
    "FI": 18,
    "FO": 18,
    "FR": 27,
    "GB": 22,
    "GE": 22,
    "GI": 23,
    "GL": 18,
    "GR": 27,
    "GT": 28,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IL": 23,
    "IS": 26,
    "IT": 27,
    "JO": 30,
    "KW": 30,
    "KZ": 20,
    "LB": 28,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "MC": 27,
    "MD": 24,
    "ME": 22,
    "MK": 19,
    "MR": 27,
    "MT": 31,
    "MU": 30,
    "NL": 18,
    "NO": 15,
    "PK": 24,
    "PL": 28,
    "PS": 29,
    "PT": 25,
    "QA": 29,
    "RO": 24,
    "RS": 22,
    "SA": 24,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "TN": 24,
    "TR": 26,
    "UA": 29,
    "VG": 24,
    "XK": 20,
}


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def iban_ok(text: str) -> bool:
    s = re.sub(r"[^A-Za-z0-9]", "", text).upper()
    # Only countries that issue IBANs, and an account part mostly of digits: words in lower case
    # run together ("at 19.30 uur in zaal") pass the checksum once in 97.
    if (
        len(s) != _IBAN_LENGTH.get(s[:2])
        or not s[2:4].isdigit()
        or sum(c.isdigit() for c in s[4:]) < 0.4 * len(s[4:])
    ):
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _iban_end(text: str) -> int:
    """Length of the longest prefix of ``text`` that ends a group and is a valid IBAN, or 0."""
    ends = [m.end() for m in re.finditer(r"[A-Za-z0-9]+", text)]
    return next((end for end in reversed(ends) if iban_ok(text[:end])), 0)


def _context(norm: str, start: int, words: re.Pattern, others: re.Pattern | None = None) -> int:
    """+1 if the nearest telling word before ``start`` (32 characters, same paragraph) is one of
    ``words``, -1 if one of ``others``, 0 if there is none."""
    paragraph = norm.rfind("\n\n", 0, start)
    window = norm[max(paragraph + 2 if paragraph >= 0 else 0, start - 32) : start]
    near = max((m.end() for m in words.finditer(window)), default=-1)
    other = max((m.end() for m in others.finditer(window)), default=-1) if others else -1
    return 0 if near == other == -1 else (1 if near > other else -1)


def _phone_ok(norm: str, start: int, text: str) -> bool:
    digits = sum(c.isdigit() for c in text.replace("(0)", ""))
    if not 7 <= digits <= 15:
        return False
    said = _context(norm, start, _PHONE_WORDS, _OTHER_NUMBER_WORDS)
    if said:
        return said > 0
    if _DATE.search(text):
        return False
    if text.startswith(("+", "(")) or re.match(r"00[1-9]", text):
        return True
    if re.match(r"(?:19|20)\d\d[/-]", text):
        return False  # a year first: a file or case reference, 2024/0917/33
    if text.isdigit():
        # A bare run of digits is more often an amount or an id; a national number starts 0[1-9].
        return bool(re.fullmatch(r"0[1-9]\d{8,9}", text))
    groups = re.split(r"[ ./-]+", text)
    if "." in text and (min(map(len, groups)) < 2 or max(map(len, groups)) > 4):
        return False  # versions and build numbers: 10.0.19045.3693
    if _THOUSANDS.fullmatch(text):
        # 1 200 000 is an amount; 612 345 678 may be a Spanish or Polish mobile, unless a word
        # or a currency follows it.
        if len(groups) != 3 or len(groups[0]) != 3:
            return False
        rest = norm[start + len(text) : start + len(text) + 3]
        return not re.match(r" ?[^\W\d_]| ?[€$£%¥₹]", rest)
    return True


def _secret_looking(value: str) -> bool:
    """A password as people choose them, not a word of the sentence: digits or symbols in it."""
    return len(value) >= 6 and (
        any(c.isdigit() for c in value)
        or any(not c.isalnum() for c in value)
        or any(c.isupper() for c in value[1:])
    )


def _assigned(norm: str) -> list[tuple[int, int]]:
    spans = []
    for m in _ASSIGNED.finditer(norm):
        start, end = m.span("value")
        value, sep, name = m.group("value"), m.group("sep"), m.group("name")
        quoted = value[0] in "\"'“„«"
        if quoted:
            inner = value[1:-1]
            start += len(inner) - len(inner.lstrip()) + 1
            end -= len(inner) - len(inner.rstrip()) + 1
            value = norm[start:end]
        else:
            while value and value[-1] in ".):?" and len(value) > 4:
                value, end = value[:-1], end - 1
        if len(value) < 4 or _NOT_A_VALUE.search(value) or _NOT_A_SECRET_NAME.search(name):
            continue
        if (
            value.isdigit()
            and len(value) < 6
            and not re.search(r"(?i)pin|pass|pw|code|kenn|contra|senha|wacht|has[łl]|haslo", name)
        ):
            continue  # max_tokens=4096 is a setting
        if "=" in sep:
            ok = True
        elif ":" in sep:
            # "Password: hunter" on its own line is one; "Passwort: mindestens 12 Zeichen" is not.
            ok = quoted or _secret_looking(value) or bool(re.match(r"[ \t]*(?:\n|$)", norm[end:]))
        else:
            ok = quoted or _secret_looking(value)
        if ok:
            spans.append((start, end))
    return spans


def _looks_random(norm: str, start: int, token: str) -> bool:
    """A long run mixing letters and digits (a key), not a word, a file name, a hash or an id."""
    if _UUID.match(token):
        return False
    parts = re.split(r"[_-]", token)
    if len(parts) > 1 and all(p.isalpha() or p.isdigit() or len(p) <= 3 for p in parts):
        return False  # an identifier or file name: report_2024_final_version
    digits = sum(c.isdigit() for c in token)
    upper = sum(c.isupper() for c in token)
    lower = sum(c.islower() for c in token)
    if len(token) < 32:
        return len(parts) == 1 and min(digits, upper, lower) >= 2 and len(set(token)) >= 14
    if re.fullmatch(r"[0-9a-f]+|[0-9A-F]+", token) and _context(norm, start, _HASH_WORDS):
        return False  # a checksum or commit, named as one
    return digits > 0 and (upper > 0) + (lower > 0) >= 1 and len(set(token)) >= 12


def _ip_ok(norm: str, start: int, text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return "." not in text or _context(norm, start, _OTHER_NUMBER_WORDS) == 0


# Which detector wins an overlap: keys first (a key may contain an "@" or digits), terms last.
_ORDER = {
    kind: i for i, kind in enumerate(("SECRET", "EMAIL", "IBAN", "CARD", "IP", "PHONE", "TERM"))
}


@dataclass(frozen=True)
class _Span:
    start: int  # in the folded text
    end: int
    kind: str
    key: str  # the value in a canonical shape: the same key, the same placeholder


def _key(kind: str, value: str) -> str:
    if kind == "EMAIL":
        value = re.sub(r"\s?[(\[{]\s?(?:at|@)\s?[)\]}]\s?", "@", value, flags=re.I)
        return re.sub(
            r"\s?[(\[{]\s?(?:dot|punkt|point|punto)\s?[)\]}]\s?", ".", value, flags=re.I
        ).casefold()
    if kind in ("CARD", "IBAN"):
        return re.sub(r"[^A-Za-z0-9]", "", value).upper()
    if kind == "PHONE":
        digits = re.sub(r"\D", "", value.replace("(0)", ""))
        if value.startswith("00"):
            return "+" + digits[2:]
        return ("+" if value.startswith("+") else "") + digits
    if kind == "TERM":
        return re.sub(r"-?\s+", " ", value).casefold()
    return value.lower() if kind == "IP" else value


def _term_pattern(term: str) -> re.Pattern:
    """The term as PDFs and people break it: any run of spaces or line breaks between its words,
    and a hyphenated or plain line break inside a word."""
    words = fold(term).split()
    inside = r"(?:-? ?\n ?)?"
    body = r"[ \n]+".join(inside.join(re.escape(c) for c in word) for word in words)
    return re.compile(r"(?<!\w)" + body + r"(?!\w)", re.IGNORECASE)


def _candidates(norm: str, terms: tuple[str, ...]) -> list[_Span]:
    found: list[_Span] = []

    def add(kind, pattern, ok=None, group=0):
        for m in pattern.finditer(norm):
            start, end = m.span(group)
            if ok is None or ok(start, norm[start:end]):
                found.append(_Span(start, end, kind, _key(kind, norm[start:end])))

    add("SECRET", _PEM)
    add("SECRET", _KEY_SHAPES)
    add("SECRET", _URL_PASSWORD, group="value")
    add("SECRET", _BEARER, group="value")
    for start, end in _assigned(norm):
        found.append(_Span(start, end, "SECRET", norm[start:end]))
    add("EMAIL", _EMAIL)
    # A candidate may run on into the next IBAN; scanning resumes where the valid one ends.
    at = 0
    while m := _IBAN.search(norm, at):
        end = m.start() + _iban_end(m.group())
        if end > m.start():
            found.append(_Span(m.start(), end, "IBAN", _key("IBAN", norm[m.start() : end])))
        at = max(end, m.start() + 1)
    add(
        "CARD",
        _CARD,
        lambda s, t: (
            13 <= len(d := re.sub(r"\D", "", t)) <= 19
            and luhn_ok(d)
            and _context(norm, s, _OTHER_NUMBER_WORDS) == 0
        ),
    )
    add("IP", _IPV4, lambda s, t: _ip_ok(norm, s, t))
    add("IP", _IPV6, lambda s, t: _ip_ok(norm, s, t))
    add("PHONE", _PHONE, lambda s, t: _phone_ok(norm, s, t))
    add("SECRET", _RANDOM, lambda s, t: _looks_random(norm, s, t))
    for term in terms:
        add("TERM", _term_pattern(term))
    return found


def _resolve(found: list[_Span]) -> list[_Span]:
    """Earlier detectors win an overlap (``_ORDER``; the sort is stable), then the longer match.
    The chosen spans never overlap, so each candidate needs only its two neighbours."""
    starts: list[int] = []
    chosen: list[_Span] = []
    for f in sorted(found, key=lambda f: (_ORDER[f.kind], -(f.end - f.start))):
        i = bisect.bisect_left(starts, f.start)
        if (i == 0 or chosen[i - 1].end <= f.start) and (i == len(starts) or f.end <= starts[i]):
            starts.insert(i, f.start)
            chosen.insert(i, f)
    return chosen


def _repeats(norm: str, known: list[tuple[str, str, str]]) -> list[_Span]:
    """Every other place a value already found appears, written the same way: a password found
    after "password:" in one message is also replaced where it stands alone in the next."""
    found = []
    for kind, value, key in known:
        if len(value) < 4 or kind == "TERM":
            continue
        flags = re.IGNORECASE if kind == "EMAIL" else 0
        for m in re.finditer(r"(?<!\w)" + re.escape(value) + r"(?!\w)", norm, flags):
            found.append(_Span(m.start(), m.end(), kind, key))
    return found


@dataclass(frozen=True)
class Found:
    """A span to replace, in the coordinates of one message as written."""

    start: int
    end: int
    kind: str
    key: str
    original: str  # the whole value as written, across messages if it is split
    head: bool = True  # False: the rest of a value that began in an earlier message


def detect(texts: list[str], terms=(), known=()) -> tuple[list[list[Found]], list]:
    """The spans to replace in each of ``texts``, seen as one payload, and the values found
    (kind, folded value, key) for ``known`` in a later call."""
    joined = "\n".join(texts)
    folded = Folded(joined)
    norm = folded.text
    terms = tuple(t for t in terms if t and t.strip())
    chosen = _resolve(_candidates(norm, terms))
    values = list(known) + [(f.kind, norm[f.start : f.end], f.key) for f in chosen]
    chosen = _resolve(chosen + _repeats(norm, values))
    bounds, offset = [], 0
    for text in texts:
        bounds.append(offset)
        offset += len(text) + 1
    per_message: list[list[Found]] = [[] for _ in texts]
    for f in chosen:
        start, end = folded.span(f.start, f.end)
        original = joined[start:end]
        first = bisect.bisect_right(bounds, start) - 1
        last = bisect.bisect_right(bounds, end - 1) - 1
        for i in range(first, last + 1):
            lo, hi = bounds[i], bounds[i] + len(texts[i])
            s, e = max(start, lo) - lo, min(end, hi) - lo
            if s < e or i == first:
                per_message[i].append(Found(s, e, f.kind, f.key, original, i == first))
    return per_message, list({(k, v): (k, v, key) for k, v, key in values}.values())


class Redactor:
    """Placeholders for one payload; ``mapping`` (placeholder → original) stays on this device."""

    def __init__(self, terms=()):
        self.terms = tuple(t for t in terms if t and t.strip())
        self.mapping: dict[str, str] = {}
        self._by_key: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}
        self._known: list = []  # values found so far, so that a later call replaces them too

    def _placeholder(self, kind: str, key: str, original: str) -> str:
        if (kind, key) not in self._by_key:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            placeholder = f"[{kind}_{self._counts[kind]}]"
            self._by_key[(kind, key)] = placeholder
            self.mapping[placeholder] = original
        return self._by_key[(kind, key)]

    def redact_all(self, texts: list[str]) -> list[str]:
        """Every message of one payload, redacted together."""
        found, self._known = detect(list(texts), self.terms, self._known)
        out = []
        for text, spans in zip(texts, found):
            parts, last = [], 0
            for f in spans:
                parts.append(text[last : f.start])
                if f.head:
                    parts.append(self._placeholder(f.kind, f.key, f.original))
                last = f.end
            parts.append(text[last:])
            out.append("".join(parts))
        return out

    def redact(self, text: str) -> str:
        return self.redact_all([text])[0]

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
