"""Cleaning of text from other directories (no database needed)."""
from __future__ import annotations

import pytest

from navigator.directory.interop.sanitise import clean_email, clean_line, clean_url, html_to_text


def test_html_becomes_readable_text():
    text, changed = html_to_text(
        "<h1>About</h1><p>We help &amp; support.</p><ul><li>Food</li><li>Advice</li></ul>"
        "<script>steal()</script><style>p{}</style><img src='data:image/png;base64,AAAA'>")
    assert changed
    assert text == "About\n\nWe help & support.\n\n• Food\n• Advice"


def test_plain_text_is_left_alone_and_empty_markup_is_empty():
    assert html_to_text("Tea and chat, 2 < 3") == ("Tea and chat, 2 < 3", False)
    assert html_to_text("<p><br></p>")[0] == ""
    assert html_to_text(None) == ("", False)


def test_control_characters_are_removed():
    assert clean_line("Name\x00 with\x1b junk")[0] == "Name with junk"


@pytest.mark.parametrize("raw, url, repaired", [
    ("https://example.org/a", "https://example.org/a", False),
    ("www.example.org", "https://www.example.org", True),
    ("http:www.example.org", "http://www.example.org", True),
    ("javascript:alert(1)", None, True),
    ("not a url", None, True),
    ("mailto:someone@example.org", None, True),
    ("", None, False),
])
def test_links(raw, url, repaired):
    cleaned, note = clean_url(raw)
    assert cleaned == url
    assert bool(note) == repaired


def test_emails():
    assert clean_email("Help@Example.org ")[0] == "Help@example.org"
    assert clean_email("mailto:help@example.org")[0] == "help@example.org"
    cleaned, note = clean_email("help at example")
    assert cleaned is None and "dropped" in note


def test_emails_with_stray_characters_are_repaired():
    cleaned, note = clean_email("\u200binfo@example.org.")
    assert cleaned == "info@example.org" and "repaired" in note
