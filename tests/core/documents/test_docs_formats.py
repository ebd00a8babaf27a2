"""Reading documents: every supported format from real files, and the clear reasons for files
that cannot be read."""

from __future__ import annotations

import zipfile

import pytest
from docs_files import make_broken_pdf, make_docx, make_encrypted_pdf, make_pdf

from app.core.documents import formats
from app.core.documents.chunking import chunk_sections


def _extract(path):
    return formats.extract(path, path.read_bytes())


def test_a_pdf_gives_one_section_per_page_with_its_number(tmp_path):
    sections = _extract(make_pdf(tmp_path / "a.pdf", ["First page (intro)", "", "Third page"]))
    assert [(s.page, s.text.strip()) for s in sections] == [
        (1, "First page (intro)"),
        (3, "Third page"),
    ]


def test_an_encrypted_or_damaged_pdf_says_so(tmp_path):
    with pytest.raises(formats.DocumentError, match="encrypted with a password"):
        _extract(make_encrypted_pdf(tmp_path / "locked.pdf", "secret"))
    with pytest.raises(formats.DocumentError, match="not a readable PDF"):
        _extract(make_broken_pdf(tmp_path / "cut.pdf"))
    (tmp_path / "fake.pdf").write_bytes(b"just some bytes")
    with pytest.raises(formats.DocumentError, match="not a readable PDF"):
        _extract(tmp_path / "fake.pdf")


def test_a_pdf_without_a_text_layer_is_reported(tmp_path):
    with pytest.raises(formats.DocumentError, match="no text layer"):
        _extract(make_pdf(tmp_path / "scan.pdf", [""]))


def test_word_headings_become_the_passages_heading_path(tmp_path):
    path = make_docx(
        tmp_path / "w.docx",
        [
            ("Title", "Handbook"),
            (None, "Intro text."),
            ("Heading1", "Travel"),
            (None, "Trains."),
            ("Heading2", "Meals"),
            (None, "60 euros."),
        ],
    )
    sections = _extract(path)
    assert [s.heading for s in sections] == ["Handbook", "Travel", "Travel › Meals"]
    assert "60 euros." in sections[-1].text


def test_broken_and_encrypted_word_files_say_so(tmp_path):
    (tmp_path / "old.docx").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)  # an OLE file
    with pytest.raises(formats.DocumentError, match="encrypted"):
        _extract(tmp_path / "old.docx")
    (tmp_path / "bad.docx").write_bytes(b"PK not really")
    with pytest.raises(formats.DocumentError, match="not a readable Word file"):
        _extract(tmp_path / "bad.docx")
    with zipfile.ZipFile(tmp_path / "empty.docx", "w") as z:
        z.writestr("other.xml", "<x/>")
    with pytest.raises(formats.DocumentError, match="no word/document.xml"):
        _extract(tmp_path / "empty.docx")


def test_markdown_and_html_sections_know_their_headings_and_offsets(tmp_path):
    md = tmp_path / "n.md"
    md.write_text("intro\n# A\ntext a\n## B\ntext b\n# C\ntext c\n", encoding="utf-8")
    text = md.read_text(encoding="utf-8")
    sections = _extract(md)
    assert [s.heading for s in sections] == [None, "A", "A › B", "C"]
    for s in sections:  # offsets point into the file's own text
        assert text[s.offset : s.offset + len(s.text)] == s.text
    page = tmp_path / "p.html"
    page.write_text(
        "<html><head><script>evil()</script><style>x{}</style></head><body>"
        "<h1>Top</h1><p>Fish &amp; chips</p><h2>Sub</h2><p>More</p></body></html>"
    )
    sections = _extract(page)
    assert [s.heading for s in sections] == ["Top", "Top › Sub"]
    joined = "".join(s.text for s in sections)
    assert "Fish & chips" in joined and "evil" not in joined and "x{}" not in joined


def test_text_encodings_and_binary_files(tmp_path):
    (tmp_path / "latin.txt").write_bytes("Café crème".encode("cp1252"))
    assert _extract(tmp_path / "latin.txt")[0].text == "Café crème"
    (tmp_path / "wide.txt").write_bytes("Grüße".encode("utf-16"))
    assert _extract(tmp_path / "wide.txt")[0].text == "Grüße"
    (tmp_path / "data.txt").write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(formats.DocumentError, match="binary"):
        _extract(tmp_path / "data.txt")


def test_unsupported_files_are_named_with_a_reason():
    from pathlib import Path

    assert formats.kind_of(Path("a.PDF")) == "pdf" and formats.kind_of(Path("x.rs")) == "source"
    assert "docx" in formats.skip_reason(Path("old.doc"))
    assert "not a supported" in formats.skip_reason(Path("photo.png"))
    with pytest.raises(formats.DocumentError, match="not a supported"):
        formats.extract(Path("photo.png"), b"")


def test_passages_cover_the_text_with_exact_character_ranges(tmp_path):
    para = "Sentence number {} is here to fill the page with ordinary words. "
    text = "\n\n".join("".join(para.format(i * 10 + j) for j in range(6)) for i in range(30))
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    chunks = chunk_sections(_extract(tmp_path / "long.txt"))
    assert len(chunks) > 10
    for c in chunks:
        assert text[c.start : c.end] == c.text  # the range finds the passage in the file
        assert len(c.text) <= 1000 and not c.text[0].isspace()
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
    assert all(b.start < a.end for a, b in zip(chunks, chunks[1:]))  # they overlap
    assert all(c.text.rstrip().endswith(".") for c in chunks[:-1])  # cut at a sentence's end
