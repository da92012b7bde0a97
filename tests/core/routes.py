"""Walks the URL map so route-level tests cover every route, including ones added later."""
from __future__ import annotations

from werkzeug.routing import Rule

from navigator.web import STATIC_ENDPOINTS

# Values for URL parameters when no real record is needed: they name nothing that exists.
DUMMY_BY_CONVERTER = {"IntegerConverter": "999999", "UUIDConverter": "00000000-0000-4000-8000-000000000000"}


def app_rules(app) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint not in STATIC_ENDPOINTS),
        key=lambda r: (r.rule, r.endpoint),
    )


def dummy_url(rule: Rule) -> str:
    values = {}
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__
        values[name] = DUMMY_BY_CONVERTER.get(converter, "does-not-exist")
    path = rule.rule
    for name, value in values.items():
        path = _substitute(path, name, value)
    return path


def _substitute(path: str, name: str, value: str) -> str:
    import re

    return re.sub(r"<(?:[^:<>]+:)?" + re.escape(name) + r">", value, path)
