"""Hypothesis over every form, path segment and query parameter the app has, as a role allowed
to use it and with a valid CSRF token: never a 5xx, a rejected submission writes nothing, and
no control character ends up stored.

What to fuzz is found, not listed: routes from the URL map, forms by reading each rendered page,
query parameters from each view's source, the search/report forms and the OpenAPI document.
Bounded and reproducible: a fixed seed (printed), derandomised, a few examples per target;
raise NAVIGATOR_FUZZ_EXAMPLES for a longer run.
"""
from __future__ import annotations

import io
import itertools
import json
import re
from urllib.parse import quote, urlsplit

from hypothesis import given, seed
from hypothesis import strategies as st
from sqlalchemy import JSON, String, Text, select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from navigator.auth.models import Role
from navigator.auth.permissions import PUBLIC, access_of
from navigator.extensions import db
from tests.conftest import AuthActions, csrf_token_from
from tests.core.routes import app_rules, dummy_url
from tests.fuzz.conftest import EXAMPLES, FUZZ_SETTINGS, SEED, junk_text, row_counts, value_strategy
from tests.fuzz.harvest import forms_on, openapi_query_names, query_names_in_source

# Submitting these would end the session the fuzzer is using or erase the records it aims at;
# their ids are still fuzzed by the path test.
DISRUPTIVE = {"auth.logout", "auth.set_active", "auth.reset_two_step", "referrals.erase_person"}
ANONYMOUS = "anonymous"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
COMMON_QUERY_NAMES = {"page", "q", "sort", "next", "per_page"}


def _clients(app, users) -> dict:
    clients = {}
    for role in Role:
        client = app.test_client()
        AuthActions(client).login(users[role.value]["email"])
        clients[role.value] = (client, csrf_token_from(client.get("/").get_data(as_text=True)))
    anonymous = app.test_client()
    clients[ANONYMOUS] = (anonymous, csrf_token_from(anonymous.get("/sign-in").get_data(as_text=True)))
    return clients


def _roles_for(app, rule) -> list[str]:
    access = access_of(app.view_functions[rule.endpoint])
    if access is None:
        return []
    if access == PUBLIC:
        return [ANONYMOUS, Role.PRACTITIONER.value]
    return sorted(r.value for r in access)


def _concrete_urls(rule, ids: dict) -> list[str]:
    """The rule with real ids substituted (every combination), or nothing if an argument has none."""
    if any(name not in ids for name in rule.arguments):
        return []
    names = sorted(rule.arguments)
    urls = []
    for combo in itertools.product(*(ids[n] for n in names)):
        urls.append(_fill(rule.rule, dict(zip(names, combo, strict=True))))
    return urls


def _fill(template: str, values: dict) -> str:
    for name, value in values.items():
        template = re.sub(r"<(?:[^:<>]+:)?" + re.escape(name) + r">", lambda _m, v=value: v, template)
    return template


def _endpoint(app, method: str, path: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(path, method=method)
    except (NotFound, MethodNotAllowed):
        return None
    except Exception:  # noqa: BLE001 - redirects for trailing slashes and the like
        return None
    return endpoint


def _print_seed(what: str) -> None:
    print(f"[fuzz] {what}: hypothesis seed={SEED} derandomize=True max_examples={EXAMPLES}")


def _discover_pages(app, clients, ids):
    """(role, url, html) for every page an allowed role can open with real ids."""
    for rule in app_rules(app):
        if "GET" not in rule.methods:
            continue
        for role in _roles_for(app, rule):
            for url in _concrete_urls(rule, ids):
                client, _ = clients[role]
                response = client.get(url)
                if response.status_code == 200 and response.mimetype == "text/html":
                    yield role, rule, url, response.get_data(as_text=True)


def _encode(values: dict, fields: dict) -> dict:
    data = {}
    for name, value in values.items():
        if fields[name].kind == "file":
            data[name] = (io.BytesIO(value), "upload.json")
        else:
            data[name] = value
    return data


def test_every_form_survives_junk_and_a_rejection_writes_nothing(app, world):
    _print_seed("forms")
    clients = _clients(app, world["users"])
    found = {}
    for role, _rule, url, html in _discover_pages(app, clients, world["ids"]):
        for form in forms_on(url, html):
            endpoint = _endpoint(app, form.method, urlsplit(form.action).path)
            if endpoint is None or endpoint in DISRUPTIVE or not form.fields:
                continue
            found.setdefault((role, *form.key()), (role, endpoint, form))
    endpoints = {endpoint for _, endpoint, _ in found.values()}
    # A floor, so a broken harvester cannot quietly fuzz nothing.
    assert len(endpoints) >= 25, sorted(endpoints)
    print(f"[fuzz] {len(found)} forms on {len(endpoints)} endpoints")

    failures = []
    for role, endpoint, form in found.values():
        client, token = clients[role]
        try:
            _fuzz_form(app, form, client, token, f"{role} {endpoint}")
        except AssertionError as exc:
            failures.append(f"{role} {form.method} {endpoint}: {str(exc)[:600]}")
    assert failures == [], "\n".join(failures)

    with app.app_context():
        stored = _stored_control_characters()
    assert stored == [], stored


def _fuzz_form(app, form, client, token, label: str) -> None:
    @FUZZ_SETTINGS
    @seed(SEED)
    @given(st.fixed_dictionaries({n: value_strategy(f) for n, f in form.fields.items()}))
    def submit(values):
        if form.method == "GET":
            response = client.get(urlsplit(form.action).path, query_string=values)
            assert response.status_code < 500, (label, values, response.status_code)
            return
        with app.app_context():
            before = row_counts()
        response = client.post(form.action, data={**_encode(values, form.fields), "csrf_token": token},
                               content_type="multipart/form-data" if form.multipart else None)
        assert response.status_code < 500, (label, values, response.status_code)
        if response.status_code >= 400:
            with app.app_context():
                after = row_counts()
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            assert not changed, (label, "rejected but wrote", changed, values)

    submit()


def _stored_control_characters() -> list[str]:
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                textual = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                if CONTROL.search(textual):
                    found.append(f"{table.name}.{column.name}: {textual[:80]!r}")
    return found


def test_junk_in_every_path_segment_is_a_4xx(app, world):
    _print_seed("path segments")
    clients = _clients(app, world["users"])
    rules = [r for r in app_rules(app) if r.arguments and r.endpoint not in {"auth.logout"}]
    failures = []
    for rule in rules:
        roles = _roles_for(app, rule)
        if not roles:
            continue
        client, token = clients[roles[0]]
        method = "GET" if "GET" in rule.methods else "POST"

        try:
            _fuzz_path(rule, client, token, method)
        except AssertionError as exc:
            failures.append(f"{rule.endpoint}: {str(exc)[:400]}")
    assert failures == [], "\n".join(failures)


def test_junk_in_every_query_parameter_is_handled(app, world):
    _print_seed("query parameters")
    clients = _clients(app, world["users"])
    api_names = openapi_query_names(json.loads(clients[ANONYMOUS][0].get("/api/openapi.json").get_data()))
    get_form_names: dict[str, set[str]] = {}
    for _role, rule, url, html in _discover_pages(app, clients, world["ids"]):
        for form in forms_on(url, html):
            if form.method == "GET":
                get_form_names.setdefault(rule.endpoint, set()).update(form.fields)
    failures = []
    checked = 0
    for rule in app_rules(app):
        if "GET" not in rule.methods:
            continue
        roles = _roles_for(app, rule)
        if not roles:
            continue
        urls = _concrete_urls(rule, world["ids"]) or [dummy_url(rule)]
        api_path = re.sub(r"^/api", "", re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule))
        names = sorted(query_names_in_source(app.view_functions[rule.endpoint])
                       | get_form_names.get(rule.endpoint, set())
                       | api_names.get(api_path, set()) | COMMON_QUERY_NAMES)
        client, _ = clients[roles[-1]]
        checked += 1

        try:
            _fuzz_query(urls[0], names, client, rule.endpoint)
        except AssertionError as exc:
            failures.append(f"{rule.endpoint}: {str(exc)[:400]}")
    assert checked >= 40
    assert failures == [], "\n".join(failures)


def _fuzz_path(rule, client, token, method: str) -> None:
    @FUZZ_SETTINGS
    @seed(SEED)
    @given(st.fixed_dictionaries({name: junk_text for name in rule.arguments}))
    def request_with(values):
        url = _fill(rule.rule, {k: quote(v, safe="") or "x" for k, v in values.items()})
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        assert response.status_code < 500, (rule.endpoint, url[:200], response.status_code)

    request_with()


def _fuzz_query(url: str, names: list[str], client, endpoint: str) -> None:
    @FUZZ_SETTINGS
    @seed(SEED)
    @given(st.dictionaries(st.sampled_from(names), st.one_of(junk_text, st.lists(junk_text, max_size=3)),
                           max_size=len(names)))
    def query(values):
        response = client.get(url, query_string=values)
        assert response.status_code < 500, (endpoint, values, response.status_code)

    query()
