"""Real documents made on the fly for the document tests: PDF (text layer, several pages, one
encrypted, one damaged) and Word .docx, written byte by byte as the formats specify."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(path: Path, pages: list[str]) -> Path:
    """A PDF with one page per string (Helvetica text, one line per input line)."""
    objects: list[bytes] = []
    n_pages = len(pages)
    font_id = 3 + 2 * n_pages
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    for i, text in enumerate(pages):
        lines = text.split("\n")
        ops = ["BT", "/F1 11 Tf", "14 TL", "50 780 Td"]
        for line in lines:
            ops.append(f"({_pdf_escape(line)}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> "
            f"/Contents {4 + 2 * i} 0 R >>".encode()
        )
        objects.append(
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"
        )
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    path.write_bytes(out.getvalue())
    return path


def make_encrypted_pdf(path: Path, text: str, password: str = "secret") -> Path:
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(path.with_suffix(".plain.pdf"), [text])
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    with path.open("wb") as f:
        writer.write(f)
    plain.unlink()
    return path


def make_broken_pdf(path: Path) -> Path:
    """The first part of a real PDF: a download cut off half way."""
    good = make_pdf(path.with_suffix(".whole.pdf"), ["This file was cut off."] * 3)
    data = good.read_bytes()
    good.unlink()
    path.write_bytes(data[: len(data) // 3])
    return path


_DOCX_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""
_DOCX_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""


def make_docx(path: Path, paragraphs: list[tuple[str | None, str]]) -> Path:
    """A Word document; each paragraph is (style, text), style e.g. "Heading1" or None."""
    from xml.sax.saxutils import escape

    body = []
    for style, text in paragraphs:
        ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
        body.append(f'<w:p>{ppr}<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>')
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
        f'main"><w:body>{"".join(body)}</w:body></w:document>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _DOCX_TYPES)
        z.writestr("_rels/.rels", _DOCX_RELS)
        z.writestr("word/document.xml", document)
    return path


def make_mixed_folder(root: Path) -> Path:
    """A folder a user might add: every supported kind, plus files that cannot be indexed."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "notes.txt").write_text(
        "The office wifi password rotates every Monday. Ask Priya in IT for the new one.\n\n"
        "Parking for visitors is in garage B, level 3.\n",
        encoding="utf-8",
    )
    (root / "handbook.md").write_text(
        "# Onboarding\nWelcome to the team.\n\n## Laptop\nEvery engineer gets a ThinkPad X1 "
        "Carbon with 32 GB of memory.\n\n## Holidays\nStaff get 27 days of annual leave plus "
        "public holidays.\n",
        encoding="utf-8",
    )
    make_pdf(
        root / "contract.pdf",
        [
            "SERVICE AGREEMENT\nThis agreement is made between Acme Ltd and Globex Corporation.",
            "Payment terms: invoices are payable within 45 days of receipt.\n"
            "Late payment incurs interest of 2 percent per month.",
        ],
    )
    (root / "policies").mkdir(exist_ok=True)
    make_docx(
        root / "policies" / "travel.docx",
        [
            ("Heading1", "Travel expenses"),
            (None, "Meals are reimbursed up to 60 euros per day when travelling abroad."),
            ("Heading2", "Trains"),
            (None, "Book second class for journeys under four hours."),
        ],
    )
    (root / "faq.html").write_text(
        "<html><head><style>p{}</style><script>track()</script></head><body>"
        "<h1>Support</h1><p>The help desk answers on extension 4455 from 8 to 18 o'clock.</p>"
        "</body></html>",
        encoding="utf-8",
    )
    (root / "backup.py").write_text(
        'def backup_schedule():\n    """Nightly backups run at 02:30 to the Falkenstein '
        'data centre."""\n    return \'02:30\'\n',
        encoding="utf-8",
    )
    make_broken_pdf(root / "scan-cut-off.pdf")
    make_encrypted_pdf(root / "locked.pdf", "Salaries are confidential.")
    (root / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    (root / ".hidden.txt").write_text("never indexed", encoding="utf-8")
    return root
