"""No lost updates: a second editor is told someone else saved, and keeps their input."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from navigator.audit import AuditEvent
from navigator.auth.models import Role
from navigator.directory import services
from navigator.directory.models import Organisation, Service
from navigator.errors import Conflict
from navigator.extensions import db
from tests import factories
from tests.conftest import AuthActions
from tests.directory.conftest import form_post, hidden_value, service_form


@pytest.fixture
def second_navigator(app, users):
    with app.app_context():
        factories.make_user(Role.NAVIGATOR, "second.navigator@example.org", name="Sam Second")
    client = app.test_client()
    AuthActions(client).login("second.navigator@example.org")
    return client


def test_second_editor_of_a_service_gets_a_conflict_and_keeps_their_input(app, navigator, second_navigator):
    with app.app_context():
        org_id = factories.make_organisation("Conflict Trust").id
        service_id = factories.make_service(org_id, "Shared Listing", description="Original").id
    url = f"/directory/services/{service_id}/edit"
    mine = navigator.get(url).get_data(as_text=True)
    theirs = second_navigator.get(url).get_data(as_text=True)
    assert hidden_value(mine, "version") == hidden_value(theirs, "version") == "1"

    saved = form_post(second_navigator, url, service_form("Shared Listing", description="Their wording",
                                                          version="1"))
    assert saved.status_code == 302

    response = form_post(navigator, url, service_form("Shared Listing", description="My wording",
                                                      version="1"))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else changed this listing after you opened it" in html
    assert "Sam Second saved this listing" in html
    assert "<del>Their wording</del>" in html and "<ins>My wording</ins>" in html
    assert ">My wording</textarea>" in html  # their input is still in the form
    assert hidden_value(html, "version") == "2"
    with app.app_context():
        assert db.session.get(Service, service_id).description == "Their wording"

    # Having seen the other change, saving again is a deliberate choice and goes through.
    again = form_post(navigator, url, service_form("Shared Listing", description="My wording",
                                                   version="2"))
    assert again.status_code == 302
    with app.app_context():
        service = db.session.get(Service, service_id)
        assert service.description == "My wording" and service.version == 3


def test_second_editor_of_an_organisation_gets_a_conflict(app, navigator, second_navigator):
    with app.app_context():
        org_id = factories.make_organisation("Org Under Edit").id
    url = f"/directory/organisations/{org_id}/edit"
    assert form_post(second_navigator, url, {"name": "Org Renamed By Sam", "active": "y",
                                             "version": "1"}).status_code == 302
    response = form_post(navigator, url, {"name": "Org Renamed By Me", "active": "y", "version": "1"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "<del>Org Renamed By Sam</del>" in html and "<ins>Org Renamed By Me</ins>" in html
    with app.app_context():
        assert db.session.get(Organisation, org_id).name == "Org Renamed By Sam"


def test_concurrent_write_between_check_and_commit_is_caught(ctx):
    """The version column catches a write that lands after the version check (StaleDataError)."""
    org = factories.make_organisation("Race Trust")
    service = factories.make_service(org.id, "Raced", description="Before")
    service_id = service.id
    # Another transaction's UPDATE, as the row looks to our session's next flush.
    db.session.execute(text("UPDATE services SET version = version + 1, description = 'Theirs' "
                            "WHERE id = :id"), {"id": service_id})
    with pytest.raises(Conflict):
        services.update_service(service_id, {"description": "Mine"}, 1, actor_id=None)
    db.session.expire_all()
    assert db.session.get(Service, service_id).description == "Theirs"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "service.update")) is None


def test_stale_version_is_refused_by_the_service_function(ctx):
    org = factories.make_organisation("Version Trust")
    service = factories.make_service(org.id, "Checked")
    services.update_service(service.id, {"description": "First"}, 1, actor_id=None)
    with pytest.raises(Conflict):
        services.update_service(service.id, {"description": "Second"}, 1, actor_id=None)
    with pytest.raises(Conflict):
        services.set_service_status(service.id, "inactive", 1, actor_id=None)
    assert db.session.get(Service, service.id).description == "First"


def test_verifying_does_not_make_an_open_edit_conflict(app, navigator):
    with app.app_context():
        org_id = factories.make_organisation("Verify Trust").id
        service_id = factories.make_service(org_id, "Verify Me").id
    url = f"/directory/services/{service_id}/edit"
    page = navigator.get(url).get_data(as_text=True)
    assert form_post(navigator, f"/directory/services/{service_id}/verify", {},
                     page_url="/directory/queue").status_code == 302
    response = form_post(navigator, url, service_form("Verify Me", version=hidden_value(page, "version")))
    assert response.status_code == 302
