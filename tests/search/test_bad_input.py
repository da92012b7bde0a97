"""Any input at all gets a page (results, an empty result or a clear message), never a 500."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.search.helpers import text_of

NASTY = [
    '"unclosed quote', "(women AND (housing OR", "NOT NOT NOT", "housing OR", "OR", "-", "--housing",
    "wom*n hous?ng", "\x00\x00 mosque", "x" * 10_000, "🏠 housing 🕌", "مسجد نساء", "עזרה",
    "'; DROP TABLE services; --", "<script>alert(1)</script>", "\\", "a:b c:d", "~!@#$%^&*()_+{}|:<>?",
    "the and of", "\u202e reversed", "ＦＵＬＬＷＩＤＴＨ", "é" * 300,
]


@pytest.fixture
def practitioner(client, auth, users, directory):
    auth.login(users["practitioner"]["email"])
    return client


@pytest.mark.parametrize("typed", NASTY)
def test_strange_search_text_never_fails(practitioner, typed):
    response = practitioner.get("/search", query_string={"q": typed})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "service" in text_of(page)


@pytest.mark.parametrize(("params", "message"), [
    ({"postcode": "SW1A"}, "We do not have a location for SW1A"),
    ({"postcode": "\x00"}, None),
    ({"postcode": "W" * 5000}, "Enter a postcode district like WS1"),
    ({"radius": "banana", "postcode": "WS1"}, "Enter a distance between 1 and 200 miles"),
    ({"radius": "1e309", "postcode": "WS1"}, "Enter a distance between 1 and 200 miles"),
    ({"radius": "-3"}, "Enter a distance between 1 and 200 miles"),
    ({"page": "-1"}, None), ({"page": "99999999999999999999"}, None), ({"page": "two"}, None),
    ({"sort": "distance"}, "Enter a postcode district to sort by distance."),
    ({"sort": "<b>"}, None),
    ({"need": "not-a-need", "language": "klingon"}, "Some filters in the link were not recognised"),
    ({"gender": ["women", "nobody"]}, "Some filters in the link were not recognised"),
])
def test_bad_parameters_get_a_clear_message(practitioner, params, message):
    response = practitioner.get("/search", query_string=params)
    assert response.status_code in (200, 422)
    if message:
        assert message in text_of(response.get_data(as_text=True))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=300), postcode=st.text(max_size=12), radius=st.text(max_size=6),
       need=st.lists(st.text(max_size=20), max_size=3), page=st.text(max_size=5))
def test_any_parameters_never_cause_a_server_error(practitioner, q, postcode, radius, need, page):
    response = practitioner.get("/search", query_string={"q": q, "postcode": postcode, "radius": radius,
                                                         "need": need, "page": page})
    assert response.status_code in (200, 303, 422)
