"""Bad input gets a clear, field-level message and a 4xx; nothing is half-written."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from navigator.directory import services
from navigator.directory.models import Organisation, Schedule, Service
from navigator.errors import ValidationError
from navigator.extensions import db
from tests import factories
from tests.directory.conftest import form_post, hidden_value, service_form


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def org_id(app):
    with app.app_context():
        return factories.make_organisation("Validation Trust").id


def test_over_long_organisation_name_is_refused(app, navigator):
    before = _count(app, Organisation)
    response = form_post(navigator, "/directory/organisations/new", {"name": "x" * 256})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Error: Add an organisation" in html
    assert "Name must be 255 characters or fewer" in html
    assert _count(app, Organisation) == before


def test_control_characters_are_refused_with_a_message(app, navigator, org_id):
    response = form_post(navigator, f"/directory/organisations/{org_id}/services/new",
                         service_form(description="Nice \x1b[31mred\x1b[0m text"))
    assert response.status_code == 400
    assert "Description must not contain control characters" in response.get_data(as_text=True)
    assert _count(app, Service) == 0


def test_a_javascript_link_is_not_a_website(app, navigator, org_id):
    response = form_post(navigator, f"/directory/organisations/{org_id}/services/new",
                         service_form(url="javascript:alert(1)"))
    assert response.status_code == 400
    assert "Enter a full web address starting with https:// or http://" in response.get_data(as_text=True)
    assert _count(app, Service) == 0


def test_closing_before_opening_is_refused_and_nothing_saved(app, navigator, org_id):
    response = form_post(navigator, f"/directory/organisations/{org_id}/services/new",
                         service_form(**{"schedules-2-opens_at": "17:00", "schedules-2-closes_at": "09:00"}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'href="#schedules-2-opens_at">Wednesday closing time must be after the opening time' in html
    assert 'value="17:00"' in html  # the navigator's input is kept
    assert _count(app, Service) == 0
    assert _count(app, Schedule) == 0


def test_a_time_that_is_not_a_time(app, navigator, org_id):
    response = form_post(navigator, f"/directory/organisations/{org_id}/services/new",
                         service_form(**{"schedules-0-opens_at": "nine"}))
    assert response.status_code == 400
    assert "Enter an opening time like 09:30" in response.get_data(as_text=True)


def test_radius_area_needs_a_distance(app, navigator, org_id):
    response = form_post(navigator, f"/directory/organisations/{org_id}/services/new",
                         service_form(**{"service_areas-1-radius_miles": ""}))
    assert response.status_code == 422
    assert "Enter a radius in miles between 0.1 and 500" in response.get_data(as_text=True)
    assert _count(app, Service) == 0


def test_tampered_choices_get_a_message_not_a_crash(app, navigator, org_id):
    response = form_post(navigator, f"/directory/organisations/{org_id}/services/new",
                         service_form(need=["accommodation", "<script>"], gender="everyone"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert "<script>" not in html.split("There is a problem", 1)[1].split("</ul>", 1)[0]
    assert _count(app, Service) == 0


def test_a_mangled_version_field_is_a_4xx(app, navigator, org_id):
    with app.app_context():
        service_id = factories.make_service(org_id, "Versioned").id
    response = form_post(navigator, f"/directory/services/{service_id}/edit",
                         service_form("Versioned", version="abc"),
                         page_url=f"/directory/services/{service_id}/edit")
    assert response.status_code == 422
    assert "The form is out of date; reload the page" in response.get_data(as_text=True)


def test_service_functions_validate_without_the_forms(ctx, org_id):
    """Imports and suggestions reach the services directly: they validate too."""
    with pytest.raises(ValidationError) as caught:
        services.create_service(org_id, {"name": "", "email": "not-an-email", "cost": "priceless",
                                         "need": ["nonsense"], "languages": ["xx"]}, None)
    errors = caught.value.errors
    assert set(errors) >= {"name", "email", "cost", "need", "languages"}
    with pytest.raises(ValidationError) as caught:
        services.create_location(org_id, {"address_1": "1 Road", "city": "Walsall",
                                          "postal_code": "ZZ99 9ZZZ"}, None)
    assert caught.value.errors["postal_code"] == ["Enter a real UK postcode, like WS1 1AA"]
    assert db.session.scalar(select(func.count()).select_from(Service)) == 0


def test_location_needs_an_address_for_a_place_people_visit(app, navigator, org_id):
    response = form_post(navigator, f"/directory/organisations/{org_id}/locations/new",
                         {"location_type": "physical", "address_1": "", "city": "", "postal_code": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter the first line of the address" in html
    assert "Enter the town or city" in html


def test_edit_form_for_unknown_service_is_404(navigator):
    assert navigator.get("/directory/services/does-not-exist/edit").status_code == 404
    assert navigator.get("/directory/organisations/does-not-exist").status_code == 404
    assert navigator.get("/directory/locations/does-not-exist/edit").status_code == 404


def test_hidden_version_is_in_every_edit_form(app, navigator, org_id):
    with app.app_context():
        service_id = factories.make_service(org_id, "Has Version").id
    page = navigator.get(f"/directory/services/{service_id}/edit").get_data(as_text=True)
    assert hidden_value(page, "version") == "1"


def test_too_many_rows_are_refused_by_the_service(ctx, org_id):
    phones = [{"number": f"01922 00000{n % 10}"} for n in range(11)]
    with pytest.raises(ValidationError) as caught:
        services.create_service(org_id, {"name": "Lots of phones", "phones": phones}, None)
    assert caught.value.errors["phones"] == ["Give no more than 10 phone numbers"]
    with pytest.raises(ValidationError) as caught:
        services.create_service(org_id, {"name": "Odd hours", "schedules": ["MO 9-5"]}, None)
    assert caught.value.errors["schedules"] == ["Opening times are not in the right form"]
