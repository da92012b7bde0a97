"""The seeded demo as a practitioner meets it: offline search from any demo area, and what it hides."""
from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from navigator.demo import directory as seed
from navigator.directory.models import Service
from navigator.extensions import db
from tests.conftest import PASSWORD

# A postcode district in each inspection area other than the ones the listings sit in, so the
# search has to resolve it from the seeded centroids (no network in tests).
AREA_DISTRICTS = {"Walsall": "WS4", "Wolverhampton": "WV10", "Birmingham": "B7", "Bradford": "BD7",
                  "Calderdale": "HX3", "Liverpool": "L4", "Sefton": "L21", "Hackney": "E5",
                  "Tower Hamlets": "E3", "Luton": "LU4", "Bedford": "MK41"}


@pytest.fixture
def practitioner(app, client, auth):
    if "search.search" not in app.view_functions:
        pytest.skip("the search page is not installed")
    with app.app_context():
        seed.load_demo(PASSWORD)
    assert auth.login("practitioner@example.org", PASSWORD).status_code == 302
    return client


def _page(client, **params) -> str:
    response = client.get("/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return html.unescape(response.get_data(as_text=True))


def _service(app, source_id: str) -> tuple[str, str]:
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.source_id == source_id))
        return service.id, service.name


@pytest.mark.parametrize("area", list(AREA_DISTRICTS))
def test_a_practitioner_can_search_near_any_district_of_a_demo_area(app, practitioner, area):
    with app.app_context():
        nearby = [s.name for s in db.session.scalars(select(Service).where(Service.source == seed.SOURCE))
                  if s.is_listed and any(loc.lad_name == area for loc in s.locations)]
    page = _page(practitioner, postcode=AREA_DISTRICTS[area], sort="distance")
    assert any(name in page for name in nearby), f"no {area} service found near {AREA_DISTRICTS[area]}"


def test_a_refuge_is_found_but_its_address_is_never_shown(app, practitioner):
    service_id, name = _service(app, "svc-whitmore-refuge")
    page = _page(practitioner, q="refuge", postcode="WV1")
    assert name in page
    assert "Thornbury Close" not in page and "WV3 9ZZ" not in page
    service_page = html.unescape(practitioner.get(f"/services/{service_id}").get_data(as_text=True))
    assert name in service_page
    assert "Thornbury Close" not in service_page and "WV3 9ZZ" not in service_page


def test_inactive_and_closed_demo_services_are_not_found(app, practitioner):
    _, inactive = _service(app, "svc-southport-bereavement")
    _, closed = _service(app, "svc-digbeth-winter")
    assert inactive not in _page(practitioner, q="bereavement café")
    assert closed not in _page(practitioner, q="night shelter")
    # The open day centre from the same organisation still shows, so the search itself worked.
    assert _service(app, "svc-digbeth-day")[1] in _page(practitioner, q="shelter day centre")
