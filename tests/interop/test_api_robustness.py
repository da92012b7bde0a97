"""Hypothesis drives every parameter our OpenAPI document lists: no 5xx, bad input is a JSON 400."""
from __future__ import annotations

import string
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from navigator.directory.interop.openapi import openapi_document

DOC = openapi_document("http://localhost/api")
PARAMS = DOC["components"]["parameters"]


def _operations():
    out = []
    for path, item in DOC["paths"].items():
        operation = item["get"]
        names = []
        for param in operation.get("parameters", []):
            if "$ref" in param:
                names.append(param["$ref"].rsplit("/", 1)[-1])
        has_id = "{id}" in path
        out.append((path, names, has_id))
    return out


OPERATIONS = _operations()

# Well-formed values, edge values and hostile text for every parameter.
nasty_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", " ", "%", "_", "'", "\"", "\\", "\x00", "\x1b[31m", "' OR 1=1 --", "<script>",
                     "need:accommodation", "led-by", "WS1", "WS1 1AA", "ZZ99 9ZZ", "B15", "😀" * 30,
                     "a" * 500]),
)
numbers = st.one_of(st.integers(min_value=-10**20, max_value=10**20).map(str),
                    st.sampled_from(["0", "1", "2", "100", "101", "1e3", "1.5", "-0", "+3", " 7 ",
                                     "0x10", "１２"]),
                    nasty_text)
booleans = st.one_of(st.sampled_from(["true", "false", "TRUE", "1", "0", "yes", "no", "maybe", ""]),
                     nasty_text)
datetimes = st.one_of(st.datetimes().map(lambda d: d.isoformat()), st.dates().map(str),
                      st.sampled_from(["2024-13-01", "0001-01-01T00:00:00+14:00",
                                       "9999-12-31T23:59:59-14:00", "2024-01-01T00:00:00Z", "now"]),
                      nasty_text)


def _strategy(name: str):
    schema = PARAMS[name]["schema"]
    if schema.get("type") == "integer":
        return numbers
    if schema.get("type") == "boolean":
        return booleans
    if schema.get("format") == "date-time":
        return datetimes
    return nasty_text


@st.composite
def requests(draw):
    path, names, has_id = draw(st.sampled_from(OPERATIONS))
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names))) if names else []
    query = "&".join(f"{n}={quote(draw(_strategy(n)), safe='')}" for n in chosen)
    if has_id:
        value = draw(st.one_of(nasty_text, st.uuids().map(str)))
        path = path.replace("{id}", quote(value, safe="") or "x")
    return "/api" + path + ("?" + query if query else "")


def test_the_openapi_document_lists_every_api_route(app):
    documented = {"/api" + p.replace("{id}", "<x>") for p in DOC["paths"]}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            served.add(rule.rule if "<" not in rule.rule else rule.rule.rsplit("<", 1)[0] + "<x>")
    assert served == {d.rstrip("/") if d != "/api/" else d for d in documented}


# Which ORUK 3.0 schema a successful answer from each path must satisfy.
ORUK_SCHEMA_FOR = {"": "api_details.json", "services": "service_list.json",
                   "services/": "service.json", "service_at_locations": "service_at_location_list.json",
                   "service_at_locations/": "service_at_location.json", "taxonomies": "taxonomy_list.json",
                   "taxonomies/": "taxonomy.json", "taxonomy_terms": "taxonomy_term_list.json",
                   "taxonomy_terms/": "taxonomy_term.json"}


def _schema_for(url: str) -> str | None:
    path = url.split("?", 1)[0][len("/api/"):]
    if "minimal=" in url and path == "services":
        return None  # ORUK's "minimal" form is id + last_modified by definition
    head, _, rest = path.partition("/")
    return ORUK_SCHEMA_FOR.get(head + ("/" if rest else ""))


def _optional_schemas():
    from tests.interop.conftest import SchemaCheck, _schema_files_present

    return SchemaCheck() if _schema_files_present() else None


def test_no_parameter_value_causes_a_server_error(app, directory):
    """No 5xx; every 400 is JSON naming the parameter; every 200 meets the ORUK schema
    (when ../shared/data is present to read the schemas from)."""
    client = app.test_client()
    schemas = _optional_schemas()
    tried: list[str] = []

    @settings(max_examples=300, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(requests())
    def check(url):
        tried.append(url)
        response = client.get(url)
        assert response.status_code < 500, url
        assert response.mimetype == "application/json", url
        body = response.get_json()
        if response.status_code == 400:
            assert body["status"] == 400 and body["error"], url
            assert body["errors"], url
        elif response.status_code == 200:
            if "contents" in body:
                assert body["size"] == len(body["contents"]) <= 100, url
            schema = _schema_for(url)
            if schemas is not None and schema and "openapi" not in url:
                assert schemas.oruk(body, schema) == [], url

    check()
    assert len(tried) >= 200 and len({u.split("?")[0].split("/")[2] for u in tried}) >= 5


def test_safe_characters_in_search_are_taken_literally(client, directory):
    for text in string.punctuation:
        response = client.get("/api/services?search=" + quote(text, safe=""))
        assert response.status_code == 200, text
