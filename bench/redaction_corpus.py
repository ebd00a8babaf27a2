"""Labelled corpus for the redaction evaluation (bench/redaction.py).

``items()``: personal data and secrets as people, PDFs and pasted text write them, in eight
languages (en, de, fr, es, it, nl, pt, pl): each value in several shapes (case, grouping, dots,
dashes, no-break and zero-width spaces, full-width characters, decomposed accents, line breaks),
set in sentences of the kind people write, with and without a word that says what it is; some
items are payloads of several messages. Every occurrence of a labelled value must be replaced.
Keys and generated card numbers come from a seeded generator, so they look random the way real
ones do and stay the same from run to run.

``PROSE`` (in ``redaction_prose``): ordinary text in the same languages with no personal data at
all, but with what looks like it: dates, times, prices, amounts with thousands separators, version
and build numbers, order, tracking and article numbers, ISBNs and EANs, URLs, checksums, file
names, talk about passwords and tokens. Everything found there is a false positive.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

LANGS = ("en", "de", "fr", "es", "it", "nl", "pt", "pl")
ZW, NBSP, SHY, NNBSP = "\u200b", "\u00a0", "\u00ad", "\u202f"


@dataclass(frozen=True)
class Item:
    lang: str
    messages: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]  # (value as written, kind): every occurrence counts
    terms: tuple[str, ...] = ()


_rng = random.Random(14)
_B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _r(n: int, alphabet: str = _B62) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


def _luhn_card(prefix: str, length: int) -> str:
    body = prefix + "".join(_rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    for check in "0123456789":
        digits = body + check
        total = sum(
            (int(c) * 2 - 9 if int(c) > 4 else int(c) * 2) if i % 2 else int(c)
            for i, c in enumerate(reversed(digits))
        )
        if total % 10 == 0:
            return digits
    raise AssertionError


def _group(digits: str, sizes, sep: str) -> str:
    out, i = [], 0
    for size in sizes:
        out.append(digits[i : i + size])
        i += size
    return sep.join(out)


EMAILS = [
    "anna.berg@example.com",
    "j.doe+newsletter@mail.example.co.uk",
    "jörg.müller@beispiel.de",
    "françois.dupont@exemple.fr",
    "info@münchen.de",
    "maría.garcía@correo.es",
    "łukasz.nowak@poczta.pl",
    "joão.silva@empresa.com.br",
    "pieter" + ZW + ".jansen@voorbeeld.nl",
    "giulia.rossi@esempio.it",
    "mario＠esempio.it",
    "anna.berg (at) example (dot) com",
    "k.schmidt[at]firma.de",
    "o'brien@law.example.ie",
    "first_last-99@sub.domain.example",
    "SUPPORT@EXAMPLE.ORG",
    "user%tag@example.org",
    "info@xn--mnchen-3ya.de",
    "anna.berg@exam" + SHY + "ple.com",
    "m.kowalski@firma.com.pl",
    "t.nguyen@uni-example.edu",
    "Ana.Pereira@Empresa.PT",
    "lena_vogel1987@web.example",
    "dev-team@lists.example.net",
    "hr@northwind" + ZW + ".example",
    "s.van.dijk@gemeente.example.nl",
    "chloé@boîte.example",
    "x.yz@mail.example.travel",
    "r.ferreira@sapo.example.pt",
    "b.nowicka (at) wp.example.pl",
    "ines.martinez@uni.example.es",
    "ｔｏｍ@ｍａｉｌ.ｅｘａｍｐｌｅ",
    "paolo.bianchi@pec.example.it",
    "hans-peter.maier@t-online.example",
    "e.dubois@orange.example.fr",
    "noreply+ticket-4711@helpdesk.example",
    "anne.de.vries@ziggo.example",
    "zofia.wiśniewska@onet.example.pl",
    "carlos.ruiz@empresa.example.es",
    "JENS.HANSEN@FIRMA.EXAMPLE",
    "mila.petrova@post.example.bg",
    "w.müller@straße.example.de",
    "sophie.martin@laposte.example",
]

PHONES = [
    "+49 30 1234567",
    "+49 (0)30 123 456 78",
    "+4915112345678",
    "0151 12345678",
    "030/1234567",
    "+1 (415) 555-0132",
    "415.555.0132",
    "(415) 555-0132",
    "+44 20 7946 0958",
    "020 7946 0958",
    "+33 6 12 34 56 78",
    "06 12 34 56 78",
    "06.12.34.56.78",
    "+34 612 345 678",
    "612 345 678",
    "+39 347 123 4567",
    "347 1234567",
    "+31 20 123 4567",
    "020-1234567",
    "06-12345678",
    "+351 912 345 678",
    "+48 601 234 567",
    "601-234-567",
    "+41 44 668 18 00",
    "+43 1 234 5678",
    "0043 664 1234567",
    "+49" + NBSP + "30" + NBSP + "1234567",
    "0" + ZW + "151 1234 5678",
    "０３０ １２３４５６７",
    "+49-30-1234567",
    "+4930123456",
    "+49 30 / 123 45 67",
    "015112345678",
    "+1-800-555-0199",
    "0033 1 42 68 53 00",
    "+32 2 555 12 34",
    "0612345678",
    "+48 22 123 45 67",
    "22 123 45 67",
    "+351 21 123 4567",
    "0171 2345678",
    "+49 171 2345678",
    "+39 06 1234 5678",
    "02 1234 5678",
    "+34 91 123 45 67",
    "91 123 45 67",
    "+31 6 12345678",
    "(030) 12 34 56 78",
    "+49 89 1234" + NNBSP + "5678",
    "+33" + NBSP + "1" + NBSP + "23" + NBSP + "45" + NBSP + "67" + NBSP + "89",
]

CARDS = [
    "4111 1111 1111 1111",
    "4012888888881881",
    "5555 5555 5555 4444",
    "5105-1051-0510-5100",
    "3782 822463 10005",
    "371449635398431",
    "6011 1111 1111 1117",
    "6011000990139424",
    "3530111333300000",
    "3566 0020 2036 0505",
    "30569309025904",
    "2223 0031 2200 3222",
    "4242.4242.4242.4242",
    "4000 0566 5566 5556",
    "5200828282828210",
    "4111" + ZW + "1111 1111 1111",
    "4111" + NBSP + "1111" + NBSP + "1111" + NBSP + "1111",
    "４２４２ ４２４２ ４２４２ ４２４２",
] + [
    _group(_luhn_card(p, n), g, s)
    for p, n, g, s in [
        ("4", 16, (4, 4, 4, 4), " "),
        ("51", 16, (4, 4, 4, 4), "-"),
        ("52", 16, (16,), ""),
        ("4", 16, (4, 4, 4, 4), "."),
        ("37", 15, (4, 6, 5), " "),
        ("6011", 16, (4, 4, 4, 4), " "),
        ("2720", 16, (4, 4, 4, 4), " "),
        ("4", 19, (4, 4, 4, 4, 3), " "),
        ("55", 16, (16,), ""),
        ("34", 15, (15,), ""),
        ("4", 13, (13,), ""),
        ("62", 16, (4, 4, 4, 4), " "),
        ("35", 16, (4, 4, 4, 4), "-"),
        ("4", 16, (4, 4, 4, 4), "  "),
        ("53", 16, (4, 4, 4, 4), " "),
        ("36", 14, (4, 6, 4), " "),
        ("65", 16, (4, 4, 4, 4), " "),
    ]
]

_IBANS = [
    "DE89370400440532013000",
    "GB82WEST12345698765432",
    "FR1420041010050500013M02606",
    "ES9121000418450200051332",
    "IT60X0542811101000000123456",
    "NL91ABNA0417164300",
    "BE68539007547034",
    "AT611904300234573201",
    "CH9300762011623852957",
    "PL61109010140000071219812874",
    "PT50000201231234567890154",
    "LU280019400644750000",
    "DK5000400440116243",
    "SE4550000000058398257466",
    "NO9386011117947",
    "FI2112345600000785",
    "IE29AIBK93115212345678",
    "CZ6508000000192000145399",
    "HU42117730161111101800000000",
    "GR1601101250000000012300695",
]


def _fours(s: str, sep: str = " ") -> str:
    return sep.join(s[i : i + 4] for i in range(0, len(s), 4))


IBANS = (
    [_fours(s) for s in _IBANS[:8]]
    + _IBANS[8:12]
    + [_fours(s).lower() for s in _IBANS[12:15]]
    + [_fours(s, "-") for s in _IBANS[15:18]]
    + [_fours(s, NBSP) for s in _IBANS[18:]]
    + [
        "de89 3704 0044 0532 0130 00",
        "DE89-3704-0044-0532-0130-00",
        "DE89 3704" + ZW + " 0044 0532 0130 00",
        "DE89 3704 0044\n0532 0130 00",
        "FR14 2004 1010 0505 0001 3M02 606",
        "nl91abna0417164300",
        "DE 89 3704 0044 0532 0130 00",
        "GB82 WEST 1234 5698 7654 32",
        "IT60 X054 2811 1010 0000 0123 456",
        "ES91-2100-0418-4502-0005-1332",
        "PL61 1090 1014 0000 0712 1981 2874",
        "ＤＥ８９ ３７０４ ００４４ ０５３２ ０１３０ ００",
        "BE68 5390 0754 7034",
        "AT61 1904 3002 3457 3201",
    ]
)

IPS = [
    "192.168.1.20",
    "10.0.0.5",
    "172.16.254.1",
    "203.0.113.7",
    "2001:db8::1",
    "fe80::1ff:fe23:4567:890a",
    "198.51.100.23",
    "10.12.4.200",
    "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
    "192.168.178.1",
    "100.64.12.9",
    "::ffff:192.0.2.128",
    "8.8.4.4",
    "172.31.5.77",
    "10.10.10.10",
    "192.0.2.44",
    "2a00:1450:4001:81c::200e",
    "185.199.108.153",
    "127.0.0.1",
    "169.254.10.3",
]

_KEYS = [
    "sk-proj-" + _r(48, _B62 + "_-"),
    "sk-ant-api03-" + _r(86, _B62 + "_-") + "AA",
    "ghp_" + _r(36),
    "github_pat_11" + _r(20) + "_" + _r(59),
    "glpat-" + _r(20, _B62 + "_-"),
    "AKIA" + _r(16, _B62[:26] + "234567"),
    "AIza" + _r(35, _B62 + "_-"),
    "xoxb-" + _r(12, "0123456789") + "-" + _r(13, "0123456789") + "-" + _r(24),
    "hf_" + _r(34),
    "sk_live_" + _r(24),
    "npm_" + _r(36),
    "SG." + _r(22) + "." + _r(43),
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwi"
    "aWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "5012345678:AA" + _r(33, _B62 + "_-"),
    "pk_test_" + _r(24),
    "rk_live_" + _r(24),
    "ya29." + _r(60, _B62 + "_-"),
    "xoxp-" + _r(11, "0123456789") + "-" + _r(32),
    "dop_v1_" + _r(64, "0123456789abcdef"),
    "shpat_" + _r(32, "0123456789abcdef"),
    "pypi-AgEIcHlwaS5vcmc" + _r(60, _B62 + "_-"),
    "glpat-" + _r(8) + ZW + _r(12),
    "sk-proj-" + _r(20) + ZW + _r(28),
    "ghp_" + _r(18) + SHY + _r(18),
]
_PASSWORDS = [
    "Sommer2024!",
    "Tr0ub4dor&3",
    "P@ssw0rd",
    "hunter2x",
    "Zq9!xLp2",
    "Gato_1234",
    "Fiets!2024",
    "Praia@2023",
    "Kot2024!x",
    "Soleil#88",
    "Roma2024!",
    "blue-Elephant-42",
    "Winter#1987",
    "Qwerty!234",
    "M4ria.2019",
    "Zug&Bahn77",
    "ilovemydog",
    "Chocolat#12",
    "Kasia_1990!",
    "Ajax!Amsterdam1",
]

# Sentences that carry a value; "{}" is the value. Several per language and kind, some with a word
# that names the value and some without, as people write them.
TEMPLATES = {
    "EMAIL": {
        "en": [
            "Please write to {} before Friday.",
            "Contact: {}",
            "Anna Berg <{}>",
            "You can reach me at {} or on Teams.",
            "cc {}; the others are on the list",
        ],
        "de": [
            "Schreib mir einfach an {}, danke!",
            "E-Mail: {}",
            "Bitte die Unterlagen an {} schicken.",
            "Ansprechpartner ist Herr Maier ({}).",
            "Mail an {} ging raus.",
        ],
        "fr": [
            "Écrivez-moi à {} avant vendredi.",
            "Courriel : {}",
            "Merci d'envoyer le dossier à {}.",
            "Mon adresse est {}, pas l'ancienne.",
        ],
        "es": [
            "Escríbeme a {} cuando puedas.",
            "Correo: {}",
            "Envía la factura a {}, por favor.",
            "Mi correo nuevo es {}.",
        ],
        "it": [
            "Scrivimi a {} entro venerdì.",
            "E-mail: {}",
            "Mandate il contratto a {}.",
            "Il mio indirizzo è {}.",
        ],
        "nl": ["Mail me op {} als je vragen hebt.", "E-mail: {}", "Stuur de offerte naar {}."],
        "pt": ["Escreva para {} até sexta.", "E-mail: {}", "Pode mandar o contrato para {}?"],
        "pl": ["Napisz do mnie na {} do piątku.", "E-mail: {}", "Proszę wysłać umowę na {}."],
    },
    "PHONE": {
        "en": [
            "Call me on {} after six.",
            "Phone: {}",
            "My mobile is {} if anything comes up.",
            "Reach Anna at {}.",
            "Tel. {} (office hours only)",
        ],
        "de": [
            "Ruf mich unter {} an.",
            "Tel.: {}",
            "Handy {} – abends erreichbar",
            "Meine Nummer ist {}.",
            "Erreichbar unter {} ab 9 Uhr.",
        ],
        "fr": [
            "Appelle-moi au {} demain.",
            "Tél. : {}",
            "Mon portable : {}",
            "Vous pouvez me joindre au {}.",
        ],
        "es": [
            "Llámame al {} esta tarde.",
            "Teléfono: {}",
            "Mi número es {}, escríbeme por WhatsApp.",
            "Móvil {} (solo mañanas)",
        ],
        "it": [
            "Chiamami al {} dopo le sei.",
            "Tel. {}",
            "Il mio cellulare è {}.",
            "Per urgenze: {}",
        ],
        "nl": ["Bel me op {} na vijven.", "Telefoon: {}", "Mijn mobiel is {}."],
        "pt": ["Liga-me para o {} amanhã.", "Telefone: {}", "O meu telemóvel é {}."],
        "pl": ["Zadzwoń pod {} po szóstej.", "Tel. {}", "Mój numer komórki: {}"],
    },
    "CARD": {
        "en": ["Charge it to card {}, expiry 04/27.", "My Visa is {}.", "card number: {}"],
        "de": ["Kreditkarte {} gültig bis 09/26.", "Die Kartennummer lautet {}."],
        "fr": ["Carte bancaire {} expirant en 11/25.", "Numéro de carte : {}"],
        "es": ["Tarjeta {} caduca en 03/28.", "Págalo con la tarjeta {}."],
        "it": ["Carta di credito {} scadenza 12/26.", "Numero carta: {}"],
        "nl": ["Creditcard {} geldig tot 05/27."],
        "pt": ["Cartão {} válido até 08/26."],
        "pl": ["Karta {} ważna do 10/27."],
    },
    "IBAN": {
        "en": ["Please transfer the deposit to {} by Monday.", "IBAN: {}"],
        "de": ["Bitte überweise die Miete auf {}.", "IBAN {} (Sparkasse)", "Konto: {}"],
        "fr": ["Virement sur le compte {} svp.", "IBAN : {}"],
        "es": ["Haz la transferencia a {}.", "Cuenta: {}"],
        "it": ["Bonifico sul conto {} entro lunedì.", "IBAN: {}"],
        "nl": ["Maak het bedrag over naar {}.", "Rekeningnummer: {}"],
        "pt": ["Transferência para o IBAN {}, obrigado."],
        "pl": ["Przelew na konto {}."],
    },
    "IP": {
        "en": ["The server at {} stopped answering.", "ssh into {} and restart nginx"],
        "de": ["Der Drucker hat die Adresse {}.", "Router: {}"],
        "fr": ["Le serveur {} ne répond plus."],
        "es": ["La cámara está en {}."],
        "it": ["Il NAS è raggiungibile su {}."],
        "nl": ["De server {} reageert niet."],
        "pt": ["O servidor {} caiu de novo."],
        "pl": ["Serwer {} nie odpowiada."],
    },
    "KEY": {
        "en": [
            "Here is the key: {}",
            "I accidentally pasted {} into the ticket.",
            "OPENAI_API_KEY={}",
            "use {} for the staging bot",
        ],
        "de": ["Der neue Schlüssel ist {} – bitte nicht weitergeben.", "export TOKEN={}"],
        "fr": ["La clé API : {}", "J'ai mis {} dans le fichier .env"],
        "es": ["Mi token es {}, no lo compartas.", "api_key: {}"],
        "it": ["Ecco il token: {}", "La chiave è {}"],
        "nl": ["De API-sleutel is {}."],
        "pt": ["A chave é {} (não partilhar)."],
        "pl": ["Klucz API: {}"],
    },
    "PASSWORD": {
        "en": [
            "my password is {}",
            "Password: {}",
            "the new password is now {}.",
            "DB_PASSWORD={}",
            "login: admin / password {}",
        ],
        "de": ["Das Passwort lautet {}", "Kennwort: {}", "Mein Passwort ist {}", "PW: {}"],
        "fr": ["Le mot de passe est {}", "mot de passe : {}", "mdp : {}"],
        "es": ["La contraseña es {}", "contraseña: {}", "clave: {}"],
        "it": ["La password è {}", "password: {}", "la mia password è {}."],
        "nl": ["Het wachtwoord is {}", "wachtwoord: {}"],
        "pt": ["A senha é {}", "senha: {}", "palavra-passe: {}"],
        "pl": ["Hasło to {}", "hasło: {}", "Moje hasło: {}"],
    },
}

# Secrets whose shape is the whole sentence: configuration files, URLs, headers, private keys.
_WHOLE_SECRETS = [
    ("en", "aws_secret_access_key = {}", _r(40, _B62 + "+/")),
    (
        "en",
        "DefaultEndpointsProtocol=https;AccountName=prod;AccountKey={};EndpointSuffix=x",
        _r(86, _B62 + "+/") + "==",
    ),
    ("en", "Authorization: Bearer {}", _r(40, _B62 + "-._")),
    ("en", "DATABASE_URL=postgres://app:{}@db.internal:5432/prod", "Zq9xLp2w"),
    ("de", "git clone https://deploy:{}@git.example.com/team/repo.git", "s3cr3tT0ken"),
    ("en", "mongodb+srv://admin:{}@cluster0.example.mongodb.net/test", "Adm1nPass!"),
    ("en", '{{"db_password": "{}", "port": 5432}}', "s3cr3t pass"),
    ("en", "POSTGRES_PASSWORD: {}", "pg-Secret-2024"),
    ("de", "export GITHUB_TOKEN={}", "ghp_" + _r(36)),
    ("en", "SECRET_KEY = '{}'", "django-insecure-" + _r(40, _B62 + "!@#$%^&*(-_=+)")),
    ("fr", "client_secret={}&grant_type=client_credentials", _r(32)),
    ("en", "curl -H 'x-api-key: {}' https://api.example.com/v1", _r(40)),
    ("es", 'smtp_password: "{}"', "Correo#2024"),
    ("it", "apiKey: '{}'", _r(32)),
    ("nl", 'password = "{}"', "Fiets en Trein 2024"),
    ("pt", "senha={}", "Lisboa!88"),
    ("pl", "PGPASSWORD={} psql -h db", "Krakow2024!"),
    (
        "en",
        "webhook: https://hooks.slack.com/services/{}",
        "T"
        + _r(8, _B62[:26] + "0123456789")
        + "/B"
        + _r(8, _B62[:26] + "0123456789")
        + "/"
        + _r(24),
    ),
    (
        "en",
        "{}",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"
        "AAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUxOQAAACD" + _r(40) + "\n" + _r(70) + "\n"
        "-----END OPENSSH PRIVATE KEY-----",
    ),
    (
        "de",
        "Schlüssel:\n{}",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA"
        + _r(48)
        + "\n"
        + _r(64)
        + "\n-----END RSA PRIVATE KEY-----",
    ),
    (
        "en",
        "{}",
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF"
        + _r(60)
        + "\n="
        + _r(4)
        + "\n-----END PGP PRIVATE KEY BLOCK-----",
    ),
]

# The user's terms, and how each turns up in a payload: pasted, typed, or extracted from a PDF.
_TERMS = [
    ("en", "Project Nightjar", "Status of {} after the review."),
    ("de", "Projekt Nachtigall", "Stand {}: Budget überschritten."),
    ("en", "Dr. Olsen", "Ask {} about the results."),
    ("de", "José Müller", "Termin mit {} am Dienstag."),
    ("fr", "François Lefèvre", "Réunion avec {} demain."),
    ("pl", "Zofia Wiśniewska", "Spotkanie z {} w czwartek."),
    ("pt", "João Gonçalves", "Falei com {} ontem."),
    ("nl", "Anneke de Vries", "Overleg met {} gepland."),
    ("it", "Giulia Bianchi", "Il parere di {} è positivo."),
    ("es", "Operación Gaviota", "La {} sigue en marcha."),
    ("de", "Brenner AG", "Angebot der {} liegt vor."),
    ("en", "Ingrid Løvås", "{}'s contract ends in May."),
    ("fr", "Société Générale Lyon", "Le dossier {} est clos."),
    ("es", "Núñez", "El señor {} llamó."),
    ("en", "Sandpiper", "The {} launch slipped again."),
]


def _term_shapes(term: str) -> list[str]:
    import unicodedata

    words = term.split()
    long = max(words, key=len)
    cut = len(long) // 2
    return [
        term,
        term.lower(),
        term.upper(),
        "\n".join(words),
        NBSP.join(words),
        "  ".join(words),
        unicodedata.normalize("NFD", term),
        term.replace(long, long[:cut] + SHY + long[cut:]),
        term.replace(long, long[:cut] + "-\n" + long[cut:]),
        term.replace(long, long[:cut] + ZW + long[cut:]),
    ]


# Payloads of several messages: the same value again, bare, or a term split between two.
_PAYLOADS = [
    (
        "en",
        ("My password: Tr0ub4dor&3", "It says Tr0ub4dor&3 is wrong, why?"),
        (("Tr0ub4dor&3", "SECRET"),),
        (),
    ),
    (
        "de",
        ("Das Passwort lautet Sommer2024!", "Geht Sommer2024! auch für das WLAN?"),
        (("Sommer2024!", "SECRET"),),
        (),
    ),
    (
        "fr",
        ("mot de passe : Soleil#88", "Soleil#88 ne marche pas sur le portail."),
        (("Soleil#88", "SECRET"),),
        (),
    ),
    (
        "es",
        ("Mi número es 612 345 678.", "¿Has guardado el 612 345 678?"),
        (("612 345 678", "PHONE"),),
        (),
    ),
    (
        "en",
        ("mail anna.berg@example.com please", "did ANNA.BERG@EXAMPLE.COM answer?"),
        (("anna.berg@example.com", "EMAIL"), ("ANNA.BERG@EXAMPLE.COM", "EMAIL")),
        (),
    ),
    (
        "de",
        ("Notizen zum Projekt", "Nachtigall: Zeitplan steht."),
        (("Projekt\nNachtigall", "TERM"),),
        ("Projekt Nachtigall",),
    ),
    (
        "en",
        ("Summary of the call with Dr.", "Olsen and the team."),
        (("Dr.\nOlsen", "TERM"),),
        ("Dr. Olsen",),
    ),
    (
        "it",
        ("Passage 3: ... il progetto Airone", "Passage 4: Airone è in ritardo."),
        (("Airone", "TERM"),),
        ("Airone",),
    ),
    (
        "nl",
        ("wachtwoord: Fiets!2024", "Ik heb Fiets!2024 ook voor de mail gebruikt."),
        (("Fiets!2024", "SECRET"),),
        (),
    ),
    (
        "pt",
        ("A senha é Praia@2023", "Mudei de Praia@2023 para outra ontem."),
        (("Praia@2023", "SECRET"),),
        (),
    ),
    (
        "pl",
        ("hasło: Kot2024!x", "Czy Kot2024!x jest jeszcze aktualne?"),
        (("Kot2024!x", "SECRET"),),
        (),
    ),
    (
        "en",
        ("IBAN DE89 3704 0044 0532 0130 00", "or de89370400440532013000, same account"),
        (("DE89 3704 0044 0532 0130 00", "IBAN"), ("de89370400440532013000", "IBAN")),
        (),
    ),
    (
        "de",
        ("Tel. 015112345678", "Die 015112345678 ist nur abends erreichbar."),
        (("015112345678", "PHONE"),),
        (),
    ),
    (
        "es",
        ("La contraseña es Gato_1234", "Gato_1234 funciona también en el portal."),
        (("Gato_1234", "SECRET"),),
        (),
    ),
    (
        "en",
        ("token = " + (_tok := _r(40)), "the log shows " + _tok + " in plain text"),
        ((_tok, "SECRET"),),
        (),
    ),
]


# Written last and run once as they stand, like the held-out prose.
_HELD_OUT = [
    (
        "en",
        "Contact [Anna](mailto:anna.berg@example.com) for access.",
        "anna.berg@example.com",
        "EMAIL",
        (),
    ),
    (
        "en",
        "Write to anna.berg@exam-\nple.com (the PDF wrapped it).",
        "anna.berg@exam-\nple.com",
        "EMAIL",
        (),
    ),
    ("de", "Telefon +49 (0) 30 – 123 45 67, Fax -99", "+49 (0) 30 – 123 45 67", "PHONE", ()),
    ("fr", "Joignable au (+33) 6 12 34 56 78 le soir.", "(+33) 6 12 34 56 78", "PHONE", ()),
    ("fr", "Carte n° 4111-1111-1111-1111, cryptogramme au dos.", "4111-1111-1111-1111", "CARD", ()),
    ("de", "IBAN: DE89370400440532013000.", "DE89370400440532013000", "IBAN", ()),
    (
        "en",
        '{"apiKey":"AIza' + "Sy" + "D4x9Qe1_LmP0o8TnV3bW2cR7kJ6hF5gA-Z" + '"}',
        "AIzaSyD4x9Qe1_LmP0o8TnV3bW2cR7kJ6hF5gA-Z",
        "SECRET",
        (),
    ),
    ("pl", "Dane logowania: użytkownik anna, hasło Wiosna2024!", "Wiosna2024!", "SECRET", ()),
    ("de", "Zugangsdaten: user anna / pw Sommer2024!", "Sommer2024!", "SECRET", ()),
    ("en", "Nightjar's budget was cut.", "Nightjar", "TERM", ("Nightjar",)),
    ("en", "Block 10.20.30.0/24 at the firewall.", "10.20.30.0", "IP", ()),
    (
        "es",
        "Mi IBAN es ES91 2100 0418 4502 0005 1332, a nombre de Ana.",
        "ES91 2100 0418 4502 0005 1332",
        "IBAN",
        (),
    ),
]


def _spread(kind: str, values: list[str]) -> list[Item]:
    out = []
    for i, value in enumerate(values):
        lang = LANGS[i % len(LANGS)]
        sentences = TEMPLATES[kind][lang]
        text = sentences[(i // len(LANGS)) % len(sentences)].format(value)
        label = {"KEY": "SECRET", "PASSWORD": "SECRET"}.get(kind, kind)
        out.append(Item(lang, (text,), ((value, label),)))
    return out


def items() -> list[Item]:
    out = (
        _spread("EMAIL", EMAILS)
        + _spread("PHONE", PHONES)
        + _spread("CARD", CARDS)
        + _spread("IBAN", IBANS)
        + _spread("IP", IPS)
        + _spread("KEY", _KEYS)
        + _spread("PASSWORD", _PASSWORDS)
    )
    out += [
        Item(lang, (text.format(value),), ((value, "SECRET"),))
        for lang, text, value in _WHOLE_SECRETS
    ]
    for i, (lang, term, sentence) in enumerate(_TERMS):
        for shape in _term_shapes(term)[i % 3 :: 3]:
            out.append(Item(lang, (sentence.format(shape),), ((shape, "TERM"),), (term,)))
    out += [Item(lang, messages, labels, terms) for lang, messages, labels, terms in _PAYLOADS]
    out += [
        Item(lang, (text,), ((value, kind),), terms) for lang, text, value, kind, terms in _HELD_OUT
    ]
    return out
