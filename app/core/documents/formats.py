"""Read the text out of a document: plain text, Markdown, source code, HTML, PDF and Word.

``extract`` returns sections (a PDF page, a Markdown or Word heading's text) with where each one
starts, so a passage can say where it came from. A file that cannot be read raises
``DocumentError`` with the reason a person can act on; nothing here lets an odd file crash the
indexer.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

MAX_FILE_BYTES = 100 * 2**20  # larger files are skipped: they are rarely documents

TEXT = {".txt", ".text", ".log", ".rst", ".csv", ".tsv", ".tex", ".org", ".adoc"}
MARKDOWN = {".md", ".markdown", ".mdown", ".mkd"}
HTML = {".html", ".htm", ".xhtml"}
SOURCE = {
    ".py",
    ".pyi",
    ".js",
    ".jsx",
    ".ts",
    ".tsx",
    ".java",
    ".kt",
    ".c",
    ".h",
    ".cc",
    ".cpp",
    ".hpp",
    ".cs",
    ".go",
    ".rs",
    ".rb",
    ".php",
    ".swift",
    ".scala",
    ".sh",
    ".bash",
    ".ps1",
    ".sql",
    ".r",
    ".m",
    ".lua",
    ".pl",
    ".json",
    ".yaml",
    ".yml",
    ".toml",
    ".ini",
    ".cfg",
    ".xml",
    ".css",
    ".scss",
    ".vue",
    ".dart",
    ".ex",
    ".exs",
    ".hs",
    ".clj",
    ".el",
}
PDF, DOCX = {".pdf"}, {".docx"}
KNOWN_UNSUPPORTED = {
    ".doc": "old Word (.doc) files are not supported: save it as .docx",
    ".rtf": "RTF is not supported: save it as .docx or .txt",
    ".odt": "OpenDocument text is not supported yet: save it as .docx",
    ".pages": "Pages files are not supported: export them as .docx or PDF",
    ".xlsx": "spreadsheets are not supported",
    ".xls": "spreadsheets are not supported",
    ".pptx": "presentations are not supported",
}


def kind_of(path: Path) -> str | None:
    """'text' | 'markdown' | 'html' | 'source' | 'pdf' | 'docx', or None for other files."""
    suffix = path.suffix.lower()
    for kind, suffixes in (
        ("text", TEXT),
        ("markdown", MARKDOWN),
        ("html", HTML),
        ("source", SOURCE),
        ("pdf", PDF),
        ("docx", DOCX),
    ):
        if suffix in suffixes:
            return kind
    return None


def skip_reason(path: Path) -> str:
    suffix = path.suffix.lower()
    return KNOWN_UNSUPPORTED.get(suffix) or (
        f"{suffix} files are not a supported document type"
        if suffix
        else "files without an extension are not read (rename it .txt if it is text)"
    )


class DocumentError(Exception):
    """A file that cannot be read; the message says why."""


@dataclass
class Section:
    text: str
    offset: int = 0  # where ``text`` starts in the file's text (in its page, for a PDF)
    page: int | None = None  # 1-based, PDFs only
    heading: str | None = None  # "Chapter › Section" for Markdown, Word and HTML


def extract(path: Path, data: bytes) -> list[Section]:
    """The sections of ``path``, whose bytes are ``data``.

    Raises:
        DocumentError: unsupported, encrypted, damaged or not really text.
    """
    kind = kind_of(path)
    if kind is None:
        raise DocumentError(skip_reason(path))
    if kind == "pdf":
        return _pdf(data)
    if kind == "docx":
        return _docx(data)
    text = decode(data)
    if kind == "markdown":
        return _markdown(text)
    if kind == "html":
        return _html(text)
    return [Section(text)]


def decode(data: bytes) -> str:
    """Text from bytes: a BOM decides, else UTF-8, else Windows-1252 (what old files are)."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    if b"\x00" in data[:8192]:
        raise DocumentError("it holds binary data, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def _markdown(text: str) -> list[Section]:
    return _split_at_headings(
        text, [(m.start(), len(m.group(1)), m.group(2).strip()) for m in _MD_HEADING.finditer(text)]
    )


def _split_at_headings(text: str, headings: list[tuple[int, int, str]]) -> list[Section]:
    """Cut ``text`` at (offset, level, title) headings; each part knows its heading path."""
    sections: list[Section] = []
    trail: list[tuple[int, str]] = []
    starts = [0] + [h[0] for h in headings]
    titles: list[str | None] = [None]
    for _, level, title in headings:
        trail = [t for t in trail if t[0] < level] + [(level, title)]
        titles.append(" › ".join(t for _, t in trail))
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        if text[start:end].strip():
            sections.append(Section(text[start:end], start, heading=titles[i]))
    return sections


class _HtmlText(HTMLParser):
    SKIP = {"script", "style", "noscript", "template", "svg", "head"}
    BLOCK = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "section",
        "article",
        "pre",
        "blockquote",
        "table",
        "ul",
        "ol",
        "dd",
        "dt",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.headings: list[tuple[int, int, str]] = []
        self._skip = 0
        self._heading: tuple[int, int] | None = None  # (level, offset) of an open <hN>

    def _len(self) -> int:
        return sum(map(len, self.parts))

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")
            if re.fullmatch(r"h[1-6]", tag):
                self._heading = (int(tag[1]), self._len())

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCK:
            if self._heading and re.fullmatch(r"h[1-6]", tag):
                level, start = self._heading
                title = " ".join("".join(self.parts)[start:].split())
                if title:
                    self.headings.append((start, level, title))
                self._heading = None
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _html(text: str) -> list[Section]:
    parser = _HtmlText()
    parser.feed(text)
    parser.close()
    body = "".join(parser.parts)
    return _split_at_headings(body, parser.headings)


def _pdf(data: bytes) -> list[Section]:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files are reported, not logged
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:  # many "protected" PDFs only restrict printing: they open with no password
                if not reader.decrypt(""):
                    raise DocumentError("it is encrypted with a password")
            except (NotImplementedError, DependencyError) as exc:
                raise DocumentError(f"it is encrypted ({exc})") from exc
        sections = []
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text() or ""
            if text.strip():
                sections.append(Section(text, 0, page=number))
    except DocumentError:
        raise
    except (
        PdfReadError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        OSError,
        AssertionError,
        ZeroDivisionError,
    ) as exc:
        raise DocumentError(f"it is not a readable PDF ({type(exc).__name__}: {exc})") from exc
    if not sections:
        raise DocumentError("it has no text layer (a scan?): nothing to index")
    return sections


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx(data: bytes) -> list[Section]:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if "EncryptedPackage" in z.namelist():
                raise DocumentError("it is encrypted with a password")
            info = z.getinfo("word/document.xml")
            if info.file_size > 8 * MAX_FILE_BYTES:
                raise DocumentError("its text is too large to read safely")
            root = ElementTree.fromstring(z.read(info))
    except DocumentError:
        raise
    except zipfile.BadZipFile as exc:
        # Encrypted Office files are OLE containers, not ZIP files.
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise DocumentError("it is encrypted with a password") from exc
        raise DocumentError("it is not a readable Word file (not a ZIP package)") from exc
    except KeyError as exc:
        raise DocumentError("it is not a readable Word file (no word/document.xml)") from exc
    except ElementTree.ParseError as exc:
        raise DocumentError(f"it is not a readable Word file ({exc})") from exc
    lines, headings, length = [], [], 0
    for para in root.iter(f"{_W}p"):
        style = para.find(f"{_W}pPr/{_W}pStyle")
        name = style.get(f"{_W}val", "") if style is not None else ""
        text = "".join(
            node.text or "" if node.tag == f"{_W}t" else "\t"
            for node in para.iter()
            if node.tag in (f"{_W}t", f"{_W}tab")
        )
        level = re.fullmatch(r"(?i)heading\s*([1-9])|title", name)
        if level and text.strip():
            headings.append((length, int(level.group(1) or 1), text.strip()))
        lines.append(text)
        length += len(text) + 1
    return _split_at_headings("\n".join(lines), headings)
