"""Source documents: load their text and check that quotes appear in them verbatim."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

ELISION = "[...]"

# Page furniture of the filed text: a line holding only a page number ("24", "Page 5",
# "- 3 -"), only the EDGAR "<PAGE>" marker, or only dashes and underscores (the underlines
# that EDGAR prints beneath defined terms and headings).
_FURNITURE = re.compile(
    r"""^\s*(?:
        (?:Page\s+)?-?\s*\d{1,3}\s*-?   # a page number
      | <PAGE>                          # the EDGAR page marker
      | [-_][-_\s]*                     # a rule of dashes or underscores
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

_CURLY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str) -> str:
    """Drop page furniture lines, straighten curly quotes and collapse whitespace.

    The result is what a quote is compared against: line breaks, indentation and the
    page numbers and underlines of the filed text do not count, the words do.
    """
    kept = (line for line in text.split("\n") if not _FURNITURE.match(line))
    joined = " ".join(kept).translate(_CURLY)
    return re.sub(r"\s+", " ", joined).strip()


_TEXTS: dict[tuple, str] = {}  # (digest of the file's bytes, lines) -> normalised text: many rulebooks cite one filing
_TEXTS_LIMIT = 64


def document_text(path: Path, lines: tuple[int, int] | None = None) -> str:
    """Normalised text of a document file, or of its 1-based inclusive line range.

    Bytes that are not UTF-8 are replaced rather than refused, since the filings are
    kept byte-for-byte as filed. The same bytes are normalised once per process, wherever
    the file is (rulebook folders copied from one another carry the same filings).
    """
    data = Path(path).read_bytes()
    key = (hashlib.sha256(data).digest(), lines)
    text = _TEXTS.get(key)
    if text is None:
        if len(_TEXTS) >= _TEXTS_LIMIT:
            _TEXTS.clear()
        text = _TEXTS[key] = _document_text(_universal_newlines(data.decode("utf-8", errors="replace")), lines)
    return text


def _universal_newlines(text: str) -> str:
    """Line ends as a file read in text mode has them (what the text was always read as)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _document_text(text: str, lines: tuple[int, int] | None) -> str:
    if lines is not None:
        first, last = lines
        text = "\n".join(text.split("\n")[first - 1 : last])
    return normalise(text)


_FOUND: dict[tuple[str, str], bool] = {}  # (quote, normalised text) -> found: rulebooks copied cite alike
_FOUND_LIMIT = 1 << 14


def quote_found(quote: str, text: str) -> bool:
    """Whether a quote appears verbatim in normalised document text.

    The quote is normalised like the text. "[...]" marks an elision: the fragments
    between elisions must each appear, in order, without overlapping. Empty fragments
    are ignored; the comparison is case-sensitive. Each answer is kept by the quote and the
    text (the text is the one kept per filing by `document_text`, so it is compared by identity).
    """
    key = (quote, text)
    found = _FOUND.get(key)
    if found is None:
        if len(_FOUND) >= _FOUND_LIMIT:
            _FOUND.clear()
        found = _FOUND[key] = _quote_found(quote, text)
    return found


def _quote_found(quote: str, text: str) -> bool:
    position = 0
    for fragment in normalise(quote).split(ELISION):
        fragment = fragment.strip()
        if not fragment:
            continue
        found = text.find(fragment, position)
        if found < 0:
            return False
        position = found + len(fragment)
    return True
