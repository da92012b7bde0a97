"""The verification queue: overdue listings, broken links, places not on the map."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from navigator.audit import AuditEvent
from navigator.directory import services
from navigator.directory.models import Service
from navigator.extensions import db
from navigator.times import utcnow
from tests import factories
from tests.directory.conftest import form_post


def _make(app, **last_verified_days_ago):
    """Services named by key, last verified that many days ago (None = never)."""
    ids = {}
    with app.app_context():
        org = factories.make_organisation("Queue Trust")
        for name, days in last_verified_days_ago.items():
            service = factories.make_service(org.id, name)
            if days is not None:
                # Arrange a past verification date directly: the app only ever records "today".
                db.session.execute(update(Service).where(Service.id == service.id).values(
                    last_verified_at=utcnow().date() - timedelta(days=days)))
            ids[name] = service.id
        db.session.commit()
    return ids


def _due_section(html: str) -> str:
    return html.split('id="due"', 1)[1].split('id="broken"', 1)[0]


def test_queue_lists_never_and_long_ago_verified_services(app, navigator):
    _make(app, NeverChecked=None, CheckedLastYear=300, CheckedLastWeek=7)
    html = navigator.get("/directory/queue").get_data(as_text=True)
    due = _due_section(html)
    assert "Verification due (2)" in html
    assert "NeverChecked" in due and "CheckedLastYear" in due
    assert "CheckedLastWeek" not in due
    # Never-verified come first: they are the most urgent.
    assert due.index("NeverChecked") < due.index("CheckedLastYear")


def test_period_is_configurable(app, navigator):
    _make(app, CheckedLastWeek=7)
    app.config["VERIFICATION_PERIOD_DAYS"] = 5
    assert "CheckedLastWeek" in _due_section(navigator.get("/directory/queue").get_data(as_text=True))


def test_verified_today_takes_a_service_off_the_queue_and_is_audited(app, navigator, users):
    ids = _make(app, NeverChecked=None)
    response = form_post(navigator, f"/directory/services/{ids['NeverChecked']}/verify", {},
                         page_url="/directory/queue")
    assert response.status_code == 302
    html = navigator.get(response.headers["Location"]).get_data(as_text=True)
    assert "NeverChecked marked as verified today" in html
    assert "NeverChecked" not in _due_section(html)
    with app.app_context():
        service = db.session.get(Service, ids["NeverChecked"])
        assert service.last_verified_at == utcnow().date()
        assert service.last_verified_by_id == users["navigator"]["id"]
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "service.verify"))
        assert event.actor_id == users["navigator"]["id"]
    log = navigator.get(f"/directory/services/{ids['NeverChecked']}/history").get_data(as_text=True)
    assert "Verified" in log and "Test navigator" in log


def test_verify_needs_a_post_with_csrf(app, navigator):
    ids = _make(app, NeverChecked=None)
    assert navigator.get(f"/directory/services/{ids['NeverChecked']}/verify").status_code == 405
    assert navigator.post(f"/directory/services/{ids['NeverChecked']}/verify").status_code == 400
    with app.app_context():
        assert db.session.get(Service, ids["NeverChecked"]).last_verified_at is None


def test_broken_links_are_queued_with_the_problem(app, navigator):
    ids = _make(app, DeadSite=None, LiveSite=None)
    with app.app_context():
        services.record_link_results({ids["DeadSite"]: (False, "The site answered HTTP 404"),
                                      ids["LiveSite"]: (True, None)})
    html = navigator.get("/directory/queue").get_data(as_text=True)
    broken = html.split('id="broken"', 1)[1].split('id="ungeocoded"', 1)[0]
    assert "Broken website links (1)" in html
    assert "DeadSite" in broken and "The site answered HTTP 404" in broken
    assert "LiveSite" not in broken
    assert "Queue Trust" in navigator.get("/directory/?attention=broken").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Service, ids["DeadSite"]).version == 1  # bookkeeping, not an edit


def test_directory_filters_by_needing_verification(app, navigator):
    _make(app, NeverChecked=None)
    with app.app_context():
        fresh = factories.make_organisation("Fresh Trust")
        services.verify_service(factories.make_service(fresh.id, "Fresh").id, None)
    html = navigator.get("/directory/?attention=unverified").get_data(as_text=True)
    assert "Queue Trust" in html and "Fresh Trust" not in html
    assert "1 to verify" in html
