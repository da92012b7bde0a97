"""Reading the search pages the way a user would: titles, counts, facet links, notes."""

from __future__ import annotations

import html
import json
import re


def result_names(page: str) -> list[str]:
    return [
        html.unescape(re.sub(r"<[^>]+>", "", m)).strip()
        for m in re.findall(r'<h3 class="govuk-heading-s app-result__title">(.*?)</h3>', page, re.S)
    ]


def heading(page: str) -> str:
    match = re.search(r'<h2 class="govuk-heading-m" id="results-heading">(.*?)</h2>', page, re.S)
    return " ".join(html.unescape(match.group(1)).split()) if match else ""


def facet_option(page: str, label: str) -> tuple[int, str] | None:
    """(count, link) of the facet option whose text starts with label."""
    for href, text in re.findall(
        r'<li>\s*<a class="govuk-link govuk-link--no-visited-state[^"]*" href="([^"]+)"'
        r"[^>]*>(.*?)</a>",
        page,
        re.S,
    ):
        plain = " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).replace("✓", "").split())
        match = re.match(re.escape(label) + r" \((\d+)\)", plain)
        if match:
            return int(match.group(1)), html.unescape(href)
    return None


def active_filter_links(page: str) -> dict[str, str]:
    links = {}
    for href, text in re.findall(
        r'<a class="govuk-link app-filter-tag" href="([^"]+)">(.*?)</a>', page, re.S
    ):
        label = html.unescape(re.sub(r"<[^>]+>", "", text.split("<span")[0])).strip()
        links[label] = html.unescape(href)
    return links


def map_points(page: str) -> list[dict]:
    match = re.search(r'<script type="application/json" id="app-map-points[^"]*">(.*?)</script>', page, re.S)
    return json.loads(html.unescape(match.group(1)))["points"] if match else []


def text_of(page: str) -> str:
    body = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
