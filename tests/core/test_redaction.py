"""Redaction: what is found, what is left alone, stable placeholders, and putting originals back."""

import pytest

from app.core.privacy.redaction import Redactor, Restorer, iban_ok, luhn_ok


@pytest.mark.parametrize("text, placeholder", [
    ("write to anna.berg+work@mail.example.co.uk today", "[EMAIL_1]"),
    ("call +1 (415) 555-0132 now", "[PHONE_1]"),
    ("call 0044 20 7946 0958", "[PHONE_1]"),
    ("ring 030/1234567 please", "[PHONE_1]"),
    ("card 4111-1111-1111-1111 expires", "[CARD_1]"),
    ("card 5500 0000 0000 0004", "[CARD_1]"),
    ("IBAN DE89 3704 0044 0532 0130 00 for rent", "[IBAN_1]"),
    ("IBAN GB82WEST12345698765432", "[IBAN_1]"),
    ("host 192.168.10.20 is down", "[IP_1]"),
    ("the server is 10.2.3.4.", "[IP_1]"),
    ("v6 2001:db8::8a2e:370:7334 too", "[IP_1]"),
    ("key sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t here", "[SECRET_1]"),
    ("AKIAIOSFODNN7EXAMPLE is aws", "[SECRET_1]"),
    ("ghp_abcdefghijklmnopqrstuvwxyz0123456789 leaked", "[SECRET_1]"),
    ("password: Tr0ub4dor&3 ok", "[SECRET_1]"),
    ("token = 9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc", "[SECRET_1]"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----", "[SECRET_1]"),
])
def test_each_kind_is_found(text, placeholder):
    r = Redactor()
    redacted = r.redact(text)
    assert placeholder in redacted
    assert r.restore(redacted) == text


@pytest.mark.parametrize("text", [
    "card 4111 1111 1111 1112 fails Luhn",
    "the meeting is on 2024-05-17 at 10:30",
    "we sold 1234567 units",
    "version 1.2.3.4.5 and 3.14159",
    "IBAN DE89 3704 0044 0532 0130 01 has a bad checksum",
    "a plain sentence with no personal data at all",
    "the word password alone",
])
def test_ordinary_text_is_left_alone(text):
    assert Redactor().redact(text) == text


def test_checks():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok("DE89370400440532013000") and not iban_ok("DE89370400440532013001")


def test_placeholders_are_stable_and_terms_are_case_insensitive():
    r = Redactor(terms=["Project Nightjar", "Dr. Olsen"])
    a = r.redact("Ask Dr. Olsen (olsen@clinic.example) about project nightjar.")
    b = r.redact("Olsen@Clinic.example said PROJECT NIGHTJAR is late; cc bo@x.example")
    assert a == "Ask [TERM_1] ([EMAIL_1]) about [TERM_2]."
    assert b == "[EMAIL_1] said [TERM_2] is late; cc [EMAIL_2]"
    assert r.summary() == {"TERM": 2, "EMAIL": 2}
    assert "2 e-mail addresses" in r.describe()


def test_restorer_handles_a_placeholder_split_across_pieces():
    r = Redactor()
    redacted = r.redact("mail me at a@b.example or c@d.example")
    restorer = Restorer(r)
    pieces = [redacted[i:i + 3] for i in range(0, len(redacted), 3)]
    out = "".join(restorer.feed(p) for p in pieces) + restorer.flush()
    assert out == "mail me at a@b.example or c@d.example"
    # An unknown or unfinished bracket is passed through unchanged.
    restorer = Restorer(r)
    assert restorer.feed("see [note") + restorer.flush() == "see [note"
    assert Restorer(None).feed("[EMAIL_1]") == "[EMAIL_1]"
