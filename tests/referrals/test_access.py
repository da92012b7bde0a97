"""Who sees what: own caseload only, providers only their organisation, every person read audited."""
from __future__ import annotations

import re

from navigator.extensions import db
from navigator.referrals import services
from tests import factories
from tests.conftest import csrf_token_from
from tests.referrals.conftest import audit_events


def test_provider_of_another_organisation_gets_404_for_view_and_actions(app, client, auth, users, sent):
    with app.app_context():
        other_org = factories.make_organisation("Other Organisation B")
        factories.make_user("provider", email="b@example.org", organization_id=other_org.id)
    auth.login("b@example.org")
    rid = sent["referral_id"]
    assert client.get(f"/inbox/{rid}").status_code == 404
    inbox = client.get("/inbox").get_data(as_text=True)
    assert sent["reference"] not in inbox
    token = csrf_token_from(inbox)
    for action in ("accept", "decline", "start", "complete"):
        response = client.post(f"/inbox/{rid}/status", data={"action": action, "reason": "no-capacity",
                                                            "csrf_token": token})
        assert response.status_code == 404
    auth.logout()
    # Nothing happened to the referral: organisation A still sees it as new.
    auth.login(users["provider"]["email"])
    page = client.get("/inbox?tab=new").get_data(as_text=True)
    assert sent["reference"] in page


def test_other_practitioner_gets_404_for_person_and_referral(app, client, auth, users, sent):
    with app.app_context():
        factories.make_user("practitioner", email="other.pract@example.org")
    auth.login("other.pract@example.org")
    assert client.get(f"/people/{sent['person_id']}").status_code == 404
    assert client.get(f"/referrals/{sent['referral_id']}").status_code == 404
    assert client.get(f"/people/{sent['person_id']}/edit").status_code == 404
    caseload = client.get("/people").get_data(as_text=True)
    assert "Jordan Example" not in caseload


def test_shared_case_becomes_visible_to_the_colleague(app, client, auth, users, sent):
    with app.app_context():
        factories.make_user("practitioner", email="cover@example.org")
        services.share_person(sent["person_id"], "cover@example.org", users["practitioner"]["id"])
    auth.login("cover@example.org")
    page = client.get(f"/people/{sent['person_id']}")
    assert page.status_code == 200
    assert "Jordan Example" in page.get_data(as_text=True)


def test_commissioner_and_provider_cannot_open_people(client, auth, users, sent):
    for role in ("commissioner", "provider", "navigator"):
        auth.login(users[role]["email"])
        assert client.get("/people").status_code == 403
        assert client.get(f"/people/{sent['person_id']}").status_code == 403
        auth.logout()


def test_every_read_of_a_person_is_audited_with_who_and_why(app, client, auth, users, sent):
    person_id = sent["person_id"]
    auth.login(users["practitioner"]["email"])
    client.get(f"/people/{person_id}")
    client.get(f"/referrals/{sent['referral_id']}")
    auth.logout()
    auth.login(users["provider"]["email"])
    client.get(f"/inbox/{sent['referral_id']}")
    auth.logout()
    auth.login(users["admin"]["email"])
    client.get(f"/people/{person_id}/export.json")
    with app.app_context():
        reads = audit_events("person.read", person_id)
        purposes = [(e.actor_id, e.detail_dict["purpose"]) for e in reads]
        assert (users["practitioner"]["id"], "view person") in purposes
        assert (users["practitioner"]["id"], "view referral") in purposes
        assert (users["provider"]["id"], "provider view referral") in purposes
        exports = audit_events("person.export", person_id)
        assert [e.actor_id for e in exports] == [users["admin"]["id"]]
        assert all(e.at is not None for e in reads + exports)
        # Audit details never carry the name or case reference.
        for event in reads + exports:
            assert "Jordan" not in (event.detail or "")


def test_check_answers_page_is_audited(app, client, auth, users):
    with app.app_context():
        practitioner = users["practitioner"]["id"]
        org_id = users["provider"]["organization_id"]
        service = factories.make_service(org_id)
        person = factories.make_person(practitioner)
        referral = services.start_referral(service.id, person.id, practitioner)
        rid, pid = referral.id, person.id
    auth.login(users["practitioner"]["email"])
    client.get(f"/referrals/{rid}/check")
    with app.app_context():
        purposes = [e.detail_dict["purpose"] for e in audit_events("person.read", pid)]
        assert "referral check answers" in purposes


def test_person_urls_never_carry_name_or_case_reference(app, client, auth, users, sent):
    auth.login(users["practitioner"]["email"])
    with app.app_context():
        from navigator.referrals.models import Person

        crn = db.session.get(Person, sent["person_id"]).case_reference
    pages = [client.get(u).get_data(as_text=True) for u in
             ("/people", f"/people/{sent['person_id']}", "/referrals", f"/referrals/{sent['referral_id']}")]
    for html in pages:
        for href in re.findall(r'(?:href|action)="([^"]+)"', html):
            assert crn not in href and "Jordan" not in href
    assert re.fullmatch(r"[0-9a-f-]{36}", sent["person_id"])
