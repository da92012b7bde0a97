"""Cleaning of text that arrives from other directories: HTML to plain text, emails, links.

Every function returns the cleaned value and, where it had to change or drop something,
a short plain-language note that the importer puts in its report.
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from navigator.validation import CONTROL_CHARS

# Tags whose end starts a new line of text; anything else is inline.
_BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "blockquote", "section", "article", "header", "footer", "pre", "hr", "dd", "dt",
})
# Content inside these tags is never text a person should read.
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript", "head", "title", "svg"})
_TAG_HINT = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|&[a-zA-Z#0-9]+;")
_SPACES = re.compile(r"[ \t\u00a0\u200b\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_INVISIBLE = {ord(ch): None for ch in "\u200b\u200c\u200d\u2060\ufeff"}
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.IGNORECASE)


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS and tag != "li":  # the next item or the list's end breaks the line
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    return bool(_TAG_HINT.search(text or ""))


def strip_control(text: str) -> str:
    return CONTROL_CHARS.sub("", text)


def html_to_text(value) -> tuple[str, bool]:
    """Plain text from an HTML fragment (paragraphs and list items kept as lines).

    Returns (text, changed): changed is True when markup or entities were removed, so
    the importer can report that the description was sanitised.
    """
    if value is None:
        return "", False
    text = strip_control(str(value))
    if not looks_like_html(text):
        cleaned = _tidy(text)
        return cleaned, False
    parser = _TextExtractor()
    try:
        parser.feed(text)
        parser.close()
        extracted = "".join(parser.parts)
    except Exception:  # noqa: BLE001 - malformed markup falls back to a crude strip
        extracted = html.unescape(re.sub(r"<[^>]*>", " ", text))
    return _tidy(extracted), True


def _tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    joined = "\n".join(lines)
    joined = _BLANK_LINES.sub("\n\n", joined)
    # A list item marker left on its own line by empty <li> elements is noise.
    joined = re.sub(r"(?m)^•\s*$\n?", "", joined)
    return joined.strip()


def clean_line(value, max_length: int | None = None) -> tuple[str, list[str]]:
    """A single-line text value: markup and control characters removed, spaces collapsed."""
    notes: list[str] = []
    if value is None:
        return "", notes
    if not isinstance(value, str):
        value = str(value)
    text, changed = html_to_text(value)
    text = " ".join(text.split())
    if changed:
        notes.append("markup removed")
    if max_length is not None and len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
        notes.append(f"shortened to {max_length} characters")
    return text, notes


def clean_email(value) -> tuple[str | None, str | None]:
    """A syntactically valid email address, or None with the reason it was dropped."""
    if value is None or not str(value).strip():
        return None, None
    original = strip_control(str(value)).strip()
    raw = original
    if raw.lower().startswith("mailto:"):
        raw = raw[7:]
    # Invisible characters and a full stop typed after the address are common in feeds.
    raw = raw.translate(_INVISIBLE).strip().rstrip(".")
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        return None, f"email address {original[:80]!r} is not valid and was dropped"
    if len(result.normalized) > 254:
        return None, "email address is too long and was dropped"
    note = None if raw == original or original.lower().startswith("mailto:") else \
        "email address repaired (stray characters removed)"
    return result.normalized, note


def clean_url(value) -> tuple[str | None, str | None]:
    """An http(s) link, or None. Bare domains ('www.x.org') gain https://.

    Returns (url, note): note says what was repaired or why the link was dropped.
    """
    if value is None or not str(value).strip():
        return None, None
    raw = strip_control(str(value)).strip()
    if any(ch.isspace() for ch in raw):
        return None, f"link {raw[:80]!r} contains spaces and was dropped"
    note = None
    lowered = raw.lower()
    if lowered.startswith(("http:", "https:")) and not lowered.startswith(("http://", "https://")):
        # A common typo in council feeds: "http:www.example.org".
        scheme, rest = raw.split(":", 1)
        raw = f"{scheme.lower()}://{rest.lstrip('/')}"
        note = "link repaired (missing //)"
    elif "://" not in raw:
        host = raw.split("/", 1)[0]
        if ":" in host or not _DOMAIN.match(host):
            return None, f"link {raw[:80]!r} is not a web address and was dropped"
        raw = "https://" + raw
        note = "link repaired (https:// added)"
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None, f"link {raw[:80]!r} is not a web address and was dropped"
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not _DOMAIN.match(host):
        return None, f"link {raw[:80]!r} is not a web address and was dropped"
    if len(raw) > 2000:
        return None, "link is too long and was dropped"
    return raw, note


def slugify(text: str, max_length: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "term"
