"""The service page and the signpost sheet, as a practitioner and a navigator see them."""
from __future__ import annotations

import pytest

from tests.search.helpers import map_points, text_of


@pytest.fixture
def practitioner(client, auth, users, directory):
    auth.login(users["practitioner"]["email"])
    return client


def test_service_page_shows_what_a_practitioner_needs(practitioner, directory):
    service_id = directory["Women's Centre drop-in"]
    response = practitioner.get(f"/services/{service_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = text_of(page)
    for expected in ("Women's Centre drop-in", "Walsall Black Sisters Collective",
                     "A women's centre offering accommodation advice",
                     "Call in or ring 01922 000000.", "Women over 18 living in Walsall.",
                     "Monday 9am to 5pm", "Wednesday 9:30am to 1pm", "English, Somali",
                     "12 Caldmore Green", "Women only", "Black-led", "Reception",
                     "These details have not been checked yet."):
        assert expected in text
    assert [p["service_name"] for p in map_points(page)] == ["Women's Centre drop-in"]


def test_confidential_location_is_never_shown(practitioner, directory):
    page = practitioner.get(f"/services/{directory['Domestic abuse refuge']}").get_data(as_text=True)
    assert "99 Secret Lane" not in page and "WV1 1AA" not in page
    assert "confidential location" in text_of(page)
    assert map_points(page) == []


def test_inactive_service_is_not_found_except_for_navigators(client, auth, users, directory):
    closed = directory["Closed housing project"]
    auth.login(users["practitioner"]["email"])
    assert client.get(f"/services/{closed}").status_code == 404
    auth.logout()
    auth.login(users["navigator"]["email"])
    page = client.get(f"/services/{closed}")
    assert page.status_code == 200
    assert "not listed in search" in text_of(page.get_data(as_text=True))


def test_unknown_service_is_not_found(practitioner):
    assert practitioner.get("/services/no-such-service").status_code == 404


def test_signpost_sheet_lists_chosen_services_in_plain_language(practitioner, directory):
    chosen = [directory["Job club"], directory["Women's Centre drop-in"], directory["Closed housing project"]]
    response = practitioner.get("/signpost", query_string={"service": chosen})
    assert response.status_code == 200
    text = text_of(response.get_data(as_text=True))
    assert "Services that could help you" in text
    assert text.index("Job club") < text.index("Women's Centre drop-in")
    assert "Closed housing project" not in text
    assert "01922 000000" in text and "Monday: 9am to 5pm" in text


def test_signpost_sheet_needs_a_service(practitioner):
    assert practitioner.get("/signpost").status_code == 404


def test_results_page_offers_the_signpost_checkboxes(practitioner, directory):
    page = practitioner.get("/search", query_string={"q": "job"}).get_data(as_text=True)
    job_club = directory["Job club"]
    assert f'name="service" type="checkbox" value="{job_club}"' in page
    assert 'action="/signpost"' in page
