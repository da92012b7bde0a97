"""A navigator curates the directory through the pages: organisations, locations, services."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from navigator.audit import AuditEvent
from navigator.directory.models import Location, Organisation, Service
from navigator.extensions import db
from tests import factories
from tests.directory.conftest import form_post, hidden_value, service_form


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _org(app, name="Caldmore Mentoring Trust"):
    with app.app_context():
        return factories.make_organisation(name, website="https://example.org").id


def test_navigator_adds_an_organisation_and_finds_it_in_the_directory(app, navigator):
    response = form_post(navigator, "/directory/organisations/new",
                         {"name": "Walsall Black Sisters Collective", "description": "Support for women",
                          "website": "https://example.org/wbsc", "email": "", "charity_number": "1234567"})
    assert response.status_code == 302
    page = navigator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Walsall Black Sisters Collective" in page
    assert "Support for women" in page
    listing = navigator.get("/directory/?q=black+sisters").get_data(as_text=True)
    assert "Walsall Black Sisters Collective" in listing
    assert "Provider Test Organisation" not in listing


def test_other_roles_cannot_curate(client, auth, users, app):
    org_id = _org(app)
    for role in ("practitioner", "provider", "commissioner"):
        auth.login(users[role]["email"])
        assert client.get("/directory/").status_code == 403
        assert client.get(f"/directory/organisations/{org_id}/edit").status_code == 403
        auth.logout()


def test_location_postcode_is_normalised_and_geocoded_from_offline_districts(app, navigator, districts):
    org_id = _org(app)
    response = form_post(navigator, f"/directory/organisations/{org_id}/locations/new",
                         {"name": "Caldmore Centre", "location_type": "physical",
                          "address_1": "1 Caldmore Green", "city": "Walsall", "postal_code": "ws11aa"})
    assert response.status_code == 302
    page = navigator.get(f"/directory/organisations/{org_id}").get_data(as_text=True)
    assert "1 Caldmore Green, Walsall, WS1 1AA" in page
    assert "Could not be geocoded" not in page
    with app.app_context():
        location = db.session.scalar(select(Location))
        assert location.lad_name == "Walsall"
        assert abs(location.latitude - 52.58) < 0.05


def test_bad_postcode_is_a_field_error_and_nothing_is_saved(app, navigator, districts):
    org_id = _org(app)
    response = form_post(navigator, f"/directory/organisations/{org_id}/locations/new",
                         {"name": "Somewhere", "location_type": "physical", "address_1": "1 Road",
                          "city": "Walsall", "postal_code": "NOT A CODE"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert 'href="#postal_code">Enter a real UK postcode, like WS1 1AA' in html
    assert 'value="1 Road"' in html  # what they typed is kept
    assert _count(app, Location) == 0


def test_unresolvable_place_is_saved_flagged_and_queued(app, navigator, districts):
    org_id = _org(app)
    # A real-looking postcode in a district we hold no centroid for, online lookups off.
    response = form_post(navigator, f"/directory/organisations/{org_id}/locations/new",
                         {"name": "Far Away Hall", "location_type": "physical", "address_1": "2 Moor Lane",
                          "city": "Penzance", "postal_code": "TR18 2AA"})
    assert response.status_code == 302
    follow = navigator.get(response.headers["Location"]).get_data(as_text=True)
    assert "could not be found on the map" in follow
    assert "Could not be geocoded" in follow
    queue = navigator.get("/directory/queue").get_data(as_text=True)
    assert "Locations not on the map (1)" in queue
    assert "Far Away Hall" in queue
    attention = navigator.get("/directory/?attention=ungeocoded").get_data(as_text=True)
    assert "Caldmore Mentoring Trust" in attention


def test_navigator_creates_a_service_with_all_its_details(app, navigator, districts):
    org_id = _org(app)
    with app.app_context():
        location = factories.make_location(org_id, postal_code="WS1 1AA")
        location_id = location.id
    response = form_post(navigator, f"/directory/organisations/{org_id}/services/new",
                         service_form(location_ids=[location_id]))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    org_page = navigator.get(f"/directory/organisations/{org_id}").get_data(as_text=True)
    assert "Mentoring for Young Men" in org_page
    assert "Never verified" in org_page
    with app.app_context():
        service_id = db.session.scalar(select(Service.id))
    edit = navigator.get(f"/directory/services/{service_id}/edit").get_data(as_text=True)
    # The form comes back with everything that was entered.
    assert 'value="mentoring" checked' in edit
    assert 'value="black-led" checked' in edit
    assert 'value="so" checked' in edit
    assert 'value="men" checked' in edit
    assert re.search(r'name="accepts_no_recourse_to_public_funds" type="radio" value="yes" checked', edit)
    assert re.search(r'name="accepts_sex_offence_convictions" type="radio" value="no" checked', edit)
    assert 'value="01922 123456"' in edit
    assert re.search(r'name="schedules-4-opens_at" type="text"\s*value="10:00"', edit)
    assert re.search(r'id="schedules-1-opens_at" name="schedules-1-opens_at" type="text"\s*value=""', edit)
    assert 'value="E08000030"' in edit
    assert f'value="{location_id}" checked' in edit
    with app.app_context():
        service = db.session.get(Service, service_id)
        assert [(s.byday, s.opens_at.strftime("%H:%M"), s.closes_at.strftime("%H:%M"))
                for s in service.schedules] == [("MO", "09:00", "17:00"), ("FR", "10:00", "12:30")]
        assert {a.extent_type.value for a in service.service_areas} == {"local_authority", "radius"}


def test_editing_a_service_records_who_what_and_when_in_the_change_log(app, navigator, users):
    org_id = _org(app)
    with app.app_context():
        service_id = factories.make_service(org_id, "Housing Advice Drop-in").id
    page = navigator.get(f"/directory/services/{service_id}/edit").get_data(as_text=True)
    version = hidden_value(page, "version")
    response = form_post(navigator, f"/directory/services/{service_id}/edit",
                         service_form("Housing Advice Drop-in", version=version,
                                      application_process="Walk in on Mondays."))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    log = navigator.get(f"/directory/services/{service_id}/history").get_data(as_text=True)
    assert "Service changed" in log
    assert "Test navigator" in log
    assert "How to refer" in log and "Walk in on Mondays." in log
    assert "Service created" in log
    with app.app_context():
        service = db.session.get(Service, service_id)
        assert service.updated_by_id == users["navigator"]["id"]
        assert service.version == 2
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "service.update")).all()
        assert len(events) == 1 and "application_process" in events[0].detail_dict["changes"]


def test_saving_without_changes_does_not_record_a_change(app, navigator):
    org_id = _org(app)
    with app.app_context():
        service_id = factories.make_service(org_id, "Food Bank").id
    page = navigator.get(f"/directory/services/{service_id}/edit").get_data(as_text=True)
    version = hidden_value(page, "version")
    # Re-submit the form exactly as loaded: the browser sends back what the page shows.
    data = {"name": "Food Bank", "description": "", "status": "active", "gender": "any", "cost": "free",
            "referral_route": "both", "accepts_sex_offence_convictions": "unknown",
            "accepts_no_recourse_to_public_funds": "unknown", "version": version}
    assert form_post(navigator, f"/directory/services/{service_id}/edit", data).status_code == 302
    with app.app_context():
        assert db.session.get(Service, service_id).version == 1
    assert "Service changed" not in navigator.get(f"/directory/services/{service_id}/history").get_data(
        as_text=True)


def test_deactivating_a_service_shows_its_status(app, navigator):
    org_id = _org(app)
    with app.app_context():
        service_id = factories.make_service(org_id, "Closing Service").id
    page = navigator.get(f"/directory/services/{service_id}/status").get_data(as_text=True)
    response = form_post(navigator, f"/directory/services/{service_id}/status",
                         {"status": "inactive", "version": hidden_value(page, "version")})
    assert response.status_code == 302
    org_page = navigator.get(f"/directory/organisations/{org_id}").get_data(as_text=True)
    assert "Closing Service is now inactive" in org_page
    assert '<strong class="govuk-tag govuk-tag--grey">Inactive</strong>' in org_page


def test_deactivating_an_organisation(app, navigator):
    org_id = _org(app)
    page = navigator.get(f"/directory/organisations/{org_id}/edit").get_data(as_text=True)
    response = form_post(navigator, f"/directory/organisations/{org_id}/edit",
                         {"name": "Caldmore Mentoring Trust", "website": "https://example.org",
                          "version": hidden_value(page, "version")})  # active unticked
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, org_id).active is False
    listing = navigator.get("/directory/").get_data(as_text=True)
    assert "Inactive" in listing


def test_confidential_location_hides_address_in_the_audit_log(app, navigator, districts):
    org_id = _org(app)
    response = form_post(navigator, f"/directory/organisations/{org_id}/locations/new",
                         {"name": "Safe House", "location_type": "physical", "address_1": "9 Secret Road",
                          "city": "Walsall", "postal_code": "WS1 2AB", "confidential": "y"})
    assert response.status_code == 302
    page = navigator.get(f"/directory/organisations/{org_id}").get_data(as_text=True)
    assert "Confidential address" in page
    with app.app_context():
        details = " ".join(e.detail or "" for e in db.session.scalars(select(AuditEvent)))
        assert "9 Secret Road" not in details
        location_id = db.session.scalar(select(Location.id))
    log = navigator.get(f"/directory/locations/{location_id}/history").get_data(as_text=True)
    assert "Location created" in log and "9 Secret Road" not in log


def test_history_for_unknown_listing_is_404(navigator):
    assert navigator.get("/directory/services/nope/history").status_code == 404
    assert navigator.get("/directory/widgets/nope/history").status_code == 404


def test_change_log_shows_readable_values(app, navigator):
    org_id = _org(app)
    with app.app_context():
        service_id = factories.make_service(org_id, "Readable", need=["accommodation"]).id
        from navigator.directory import services

        services.update_service(service_id, {"need": ["accommodation", "mentoring"],
                                             "schedules": [{"byday": "TU", "opens_at": "9:30",
                                                            "closes_at": "13:00"}]}, 1, None)
    log = navigator.get(f"/directory/services/{service_id}/history").get_data(as_text=True)
    assert "<ins>Accommodation, Mentoring and peer support</ins>" in log
    assert "<ins>Tuesday 09:30 to 13:00</ins>" in log
    assert "[" not in log.split("Service changed", 1)[1].split("Service created", 1)[0]
