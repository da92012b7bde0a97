"""Suggested edits: practitioners and providers propose, navigators review; nothing goes live unreviewed."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from navigator.directory.models import Service, SuggestedEdit
from navigator.extensions import db
from tests import factories
from tests.conftest import AuthActions
from tests.directory.conftest import form_post, hidden_value, service_form


@pytest.fixture
def listing(app, users):
    """A service at the provider's own organisation and one at another organisation."""
    with app.app_context():
        own = factories.make_service(users["provider"]["organization_id"], "Provider Own Service",
                                     description="Old description", need=["mentoring"])
        other_org = factories.make_organisation("Someone Else's Trust")
        other = factories.make_service(other_org.id, "Other Org Service", description="Theirs")
        return {"own": own.id, "other": other.id, "other_org": other_org.id}


def _sign_in(app, email):
    client = app.test_client()
    AuthActions(client).login(email)
    return client


def _suggest(client, service_id, **changes):
    url = f"/directory/services/{service_id}/suggest"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Send the form back as the browser would: pre-filled values plus the changes.
    data = service_form(**changes)
    data["name"] = re.search(r'id="name" name="name" type="text"\s*value="([^"]*)"', html).group(1)
    return form_post(client, url, data)


def test_practitioner_suggestion_is_reviewed_side_by_side_then_accepted(app, users, listing, navigator):
    practitioner = _sign_in(app, users["practitioner"]["email"])
    response = _suggest(practitioner, listing["other"], description="New wording from the field",
                        comment="Spoke to their manager on Tuesday")
    assert response.status_code == 200
    sent = response.get_data(as_text=True)
    assert "Suggestion sent" in sent and "S-1" in sent
    with app.app_context():
        assert db.session.get(Service, listing["other"]).description == "Theirs"  # not live yet

    queue = navigator.get("/directory/suggestions").get_data(as_text=True)
    assert "S-1" in queue and "Other Org Service" in queue and "Test practitioner" in queue
    review = navigator.get("/directory/suggestions/1").get_data(as_text=True)
    assert "Spoke to their manager on Tuesday" in review
    assert "<del>Theirs</del>" in review and "<ins>New wording from the field</ins>" in review
    assert "has changed since" not in review

    accepted = form_post(navigator, "/directory/suggestions/1/accept",
                         {"version": hidden_value(review, "version")}, page_url="/directory/suggestions/1")
    assert accepted.status_code == 302
    assert "Suggestion accepted" in navigator.get(accepted.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Service, listing["other"]).description == "New wording from the field"
    log = navigator.get(f"/directory/services/{listing['other']}/history").get_data(as_text=True)
    assert "Suggestion accepted" in log and "Change suggested" in log
    mine = practitioner.get("/directory/my-suggestions").get_data(as_text=True)
    assert "Accepted" in mine


def test_review_says_when_the_listing_changed_since_and_refuses_a_stale_accept(app, users, listing,
                                                                                 navigator):
    practitioner = _sign_in(app, users["practitioner"]["email"])
    _suggest(practitioner, listing["other"], description="Suggested")
    review = navigator.get("/directory/suggestions/1").get_data(as_text=True)
    seen_version = hidden_value(review, "version")
    edit = f"/directory/services/{listing['other']}/edit"
    assert form_post(navigator, edit, service_form("Other Org Service", description="Edited meanwhile",
                                                   version=seen_version)).status_code == 302
    warned = navigator.get("/directory/suggestions/1").get_data(as_text=True)
    assert "The listing has changed since this suggestion was made" in warned
    stale = form_post(navigator, "/directory/suggestions/1/accept", {"version": seen_version},
                      page_url="/directory/suggestions/1")
    assert stale.status_code == 409
    assert "Someone else changed this listing" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Service, listing["other"]).description == "Edited meanwhile"
        assert db.session.get(SuggestedEdit, 1).status == "pending"


def test_edit_then_accept_applies_the_reviewers_version(app, users, listing, navigator):
    practitioner = _sign_in(app, users["practitioner"]["email"])
    _suggest(practitioner, listing["other"], description="Typo in suggestoin")
    form = navigator.get("/directory/suggestions/1/edit").get_data(as_text=True)
    assert ">Typo in suggestoin</textarea>" in form
    response = form_post(navigator, "/directory/suggestions/1/edit",
                         service_form("Other Org Service", description="Typo fixed",
                                      version=hidden_value(form, "version")))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Service, listing["other"]).description == "Typo fixed"
        suggestion = db.session.get(SuggestedEdit, 1)
        assert suggestion.status == "accepted"
        assert suggestion.review_reason == "Edited by the reviewer before accepting"


def test_reject_needs_a_reason_which_the_suggester_sees(app, users, listing, navigator):
    practitioner = _sign_in(app, users["practitioner"]["email"])
    _suggest(practitioner, listing["other"], description="Wrong")
    empty = form_post(navigator, "/directory/suggestions/1/reject", {"reason": ""},
                      page_url="/directory/suggestions/1")
    assert empty.status_code == 400
    assert "Enter the reason for rejecting the suggestion" in empty.get_data(as_text=True)
    done = form_post(navigator, "/directory/suggestions/1/reject",
                     {"reason": "The service confirmed the old description"},
                     page_url="/directory/suggestions/1")
    assert done.status_code == 302
    mine = practitioner.get("/directory/my-suggestions").get_data(as_text=True)
    assert "Rejected" in mine and "The service confirmed the old description" in mine
    with app.app_context():
        assert db.session.get(Service, listing["other"]).description == "Theirs"
    # Already decided: a second decision is refused.
    again = form_post(navigator, "/directory/suggestions/1/accept", {"version": "1"},
                      page_url="/directory/suggestions/1")
    assert again.status_code == 409


def test_provider_can_suggest_for_their_own_service_only(app, users, listing):
    provider = _sign_in(app, users["provider"]["email"])
    assert provider.get(f"/directory/services/{listing['other']}/suggest").status_code == 404
    page = provider.get(f"/directory/services/{listing['own']}/suggest").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    forged = provider.post(f"/directory/services/{listing['other']}/suggest",
                           data={"csrf_token": token,
                                 **service_form("Other Org Service", description="Hijack")})
    assert forged.status_code == 404
    ok = _suggest(provider, listing["own"], description="Our new description", need=["mentoring", "ete"])
    assert ok.status_code == 200
    with app.app_context():
        suggestions = db.session.scalars(select(SuggestedEdit)).all()
        assert [s.target_id for s in suggestions] == [listing["own"]]
        proposed = json.loads(suggestions[0].proposed)
        assert proposed["description"] == "Our new description"
        assert proposed["need"] == ["ete", "mentoring"]
        assert "name" not in proposed  # only what changed is stored


def test_provider_cannot_propose_a_service_for_another_organisation(app, users, listing):
    provider = _sign_in(app, users["provider"]["email"])
    page = provider.get("/directory/suggest-service").get_data(as_text=True)
    assert "Someone Else&#39;s Trust" not in page and "Someone Else's Trust" not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    forged = provider.post("/directory/suggest-service", data={
        "csrf_token": token, "organization_id": listing["other_org"], **service_form("Sneaky")})
    assert forged.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(SuggestedEdit)) is None


def test_practitioner_proposes_a_new_service_which_a_navigator_accepts(app, users, listing, navigator):
    practitioner = _sign_in(app, users["practitioner"]["email"])
    response = form_post(practitioner, "/directory/suggest-service",
                         {"organization_id": listing["other_org"],
                          **service_form("Friday Prayers Mentoring", comment="Run at the mosque")})
    assert response.status_code == 200 and "Suggestion sent" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Service).where(Service.name == "Friday Prayers Mentoring")) is None
    queue = navigator.get("/directory/suggestions").get_data(as_text=True)
    assert "New service ‘Friday Prayers Mentoring’ at Someone Else&#39;s Trust" in queue
    review = navigator.get("/directory/suggestions/1").get_data(as_text=True)
    assert "New service proposed for Someone Else&#39;s Trust" in review
    assert form_post(navigator, "/directory/suggestions/1/accept", {"version": ""},
                     page_url="/directory/suggestions/1").status_code == 302
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.name == "Friday Prayers Mentoring"))
        assert service is not None and service.organization_id == listing["other_org"]
        assert [lang.code for lang in service.languages] == ["en", "so"]


def test_a_suggestion_must_change_something_or_say_something(app, users, listing):
    practitioner = _sign_in(app, users["practitioner"]["email"])
    url = f"/directory/services/{listing['other']}/suggest"
    html = practitioner.get(url).get_data(as_text=True)
    data = {"name": "Other Org Service", "description": "Theirs", "status": "active", "gender": "any",
            "cost": "free", "referral_route": "both", "accepts_sex_offence_convictions": "unknown",
            "accepts_no_recourse_to_public_funds": "unknown"}
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = practitioner.post(url, data={"csrf_token": token, **data})
    assert response.status_code == 422
    assert "Change at least one detail, or describe what is wrong in the comment" in response.get_data(
        as_text=True)


def test_commissioners_and_admins_cannot_suggest_or_review(client, auth, users, listing):
    for role in ("commissioner", "admin"):
        auth.login(users[role]["email"])
        assert client.get(f"/directory/services/{listing['other']}/suggest").status_code == 403
        assert client.get("/directory/suggestions").status_code == 403
        auth.logout()
    auth.login(users["practitioner"]["email"])
    assert client.get("/directory/suggestions").status_code == 403
