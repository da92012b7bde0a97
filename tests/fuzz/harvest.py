"""Find what to fuzz: the forms each page renders, the query parameters each view reads.

Nothing here is a hand-kept list of fields, so a form or parameter added later is fuzzed too.
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

# Fields the fuzzer must not replace: the CSRF token is sent valid, on purpose.
SKIP_FIELDS = {"csrf_token"}


@dataclass
class FormField:
    name: str
    kind: str  # input type, "select" or "textarea"
    options: list[str] = field(default_factory=list)  # legal values seen (select options, radios)
    multiple: bool = False


@dataclass
class FoundForm:
    page: str
    method: str
    action: str  # path with any query string
    multipart: bool
    fields: dict[str, FormField]

    def key(self) -> tuple:
        path = urlsplit(self.action).path
        return (self.method, path, tuple(sorted(self.fields)))


class _FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[FoundForm] = []
        self._form: FoundForm | None = None
        self._select: FormField | None = None

    def _add(self, name: str, kind: str, value: str | None = None,
             multiple: bool = False) -> FormField | None:
        if self._form is None or not name or name in SKIP_FIELDS:
            return None
        existing = self._form.fields.get(name)
        if existing is None:
            existing = self._form.fields[name] = FormField(name, kind, multiple=multiple)
        elif kind == "checkbox":
            existing.multiple = True
        if value is not None and value not in existing.options:
            existing.options.append(value)
        return existing

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            action = urljoin(self.page_url, a.get("action") or self.page_url)
            parts = urlsplit(action)
            self._form = FoundForm(
                page=self.page_url, method=(a.get("method") or "get").upper(),
                action=parts.path + (f"?{parts.query}" if parts.query else ""),
                multipart="multipart" in a.get("enctype", ""), fields={})
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in {"submit", "image", "reset"} and not a.get("name"):
                return
            value = a.get("value") if kind in {"radio", "checkbox", "hidden", "submit"} else None
            self._add(a.get("name", ""), kind, value, multiple=kind == "checkbox")
        elif tag == "button" and a.get("name"):
            self._add(a["name"], "button", a.get("value", ""))
        elif tag == "textarea":
            self._add(a.get("name", ""), "textarea")
        elif tag == "select":
            self._select = self._add(a.get("name", ""), "select", multiple="multiple" in a)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if value not in self._select.options:
                self._select.options.append(value)

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None


def forms_on(page_url: str, html: str) -> list[FoundForm]:
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.forms


_ARG_RE = re.compile(r"""request\.(?:args|values)(?:\.get(?:list)?\(|\[)\s*["']([\w\-]+)["']""")


def query_names_in_source(view) -> set[str]:
    """Query parameters a view reads by name (request.args.get("x"), request.values["x"], ...)."""
    try:
        source = inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        return set()
    return set(_ARG_RE.findall(source))


def openapi_query_names(spec: dict) -> dict[str, set[str]]:
    """Path template -> query parameter names declared in the OpenAPI document."""
    out: dict[str, set[str]] = {}
    for path, item in (spec.get("paths") or {}).items():
        names = set()
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for param in operation.get("parameters", []) or []:
                if isinstance(param, dict) and param.get("in") == "query" and param.get("name"):
                    names.add(param["name"])
        out[path] = names
    return out
