"""The practitioner's journey through the pages: person, needs, consent, refer or signpost."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from navigator.extensions import db
from navigator.referrals.models import Person, Referral
from tests import factories
from tests.conftest import csrf_token_from


def _post(client, url, data):
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


PERSON = {"case_reference": "a123456", "name": "Amara Okafor", "date_of_birth-day": "4",
          "date_of_birth-month": "11", "date_of_birth-year": "1988", "gender": "woman",
          "ethnicity": "black-african", "religion": "muslim", "preferred_language": "so",
          "interpreter_needed": "y", "home_postcode": "ws2 8ab", "commitments": "Friday prayers"}


def test_adding_a_person_keeps_only_the_postcode_district(app, client, auth, users):
    auth.login(users["practitioner"]["email"])
    response = _post(client, "/people/new", PERSON)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Amara Okafor" in page and "A123456" in page and "WS2" in page
    assert "WS2 8AB" not in page and "8AB" not in page
    with app.app_context():
        person = db.session.scalar(select(Person))
        assert person.home_outcode == "WS2" and person.case_reference == "A123456"
        assert person.ethnicity == "black-african" and person.religion == "muslim"


def test_bad_person_input_gives_field_messages_and_writes_nothing(app, client, auth, users):
    auth.login(users["practitioner"]["email"])
    bad = {**PERSON, "case_reference": "123456X", "name": "", "date_of_birth-day": "31",
           "date_of_birth-month": "2", "ethnicity": "martian", "home_postcode": "not a postcode"}
    response = _post(client, "/people/new", bad)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "one letter then 6 numbers, like X123456" in html
    assert "Enter the person&#39;s name" in html
    assert "Date of birth must be a real date" in html
    assert "Select ethnic group, or prefer not to say" in html
    assert "Enter a postcode district like WS1" in html
    control = _post(client, "/people/new", {**PERSON, "name": "Bad\x00name"})
    assert control.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_full_journey_from_service_to_confirmation_with_reference(app, client, auth, users):
    with app.app_context():
        org_id = users["provider"]["organization_id"]
        service = factories.make_service(org_id, name="Black Men's Mentoring Circle")
        factories.make_agreement(org_id, users["navigator"]["id"])
        service_id = service.id
    auth.login(users["practitioner"]["email"])
    person_url = _post(client, "/people/new", PERSON).headers["Location"]
    person_id = person_url.rsplit("/", 1)[-1]
    assert _post(client, f"/people/{person_id}/needs/new",
                 {"category": "mentoring", "notes": "Wants someone who gets it", "person_agrees": "yes"}
                 ).status_code == 302
    _post(client, f"/people/{person_id}/needs/new", {"category": "drugs-alcohol", "person_agrees": "no"})
    consent = _post(client, f"/people/{person_id}/consents/new", {
        "data_categories": ["identity", "needs"], "organization_ids": [org_id],
        "purpose": "Mentoring referral", "lawful_basis": "consent", "regime": "uk-gdpr",
        "how_given": "written", "privacy_notice_version": "2025-1",
        "expires_on-day": "1", "expires_on-month": "1", "expires_on-year": str(date.today().year + 1)})
    assert consent.status_code == 302, consent.get_data(as_text=True)

    start = client.get(f"/referrals/new?service_id={service_id}").get_data(as_text=True)
    assert "Black Men&#39;s Mentoring Circle" in start and "Amara Okafor (A123456)" in start
    created = _post(client, f"/referrals/new?service_id={service_id}", {"person_id": person_id})
    referral_url = created.headers["Location"]
    rid = referral_url.rsplit("/", 1)[-1]
    task_list = client.get(referral_url).get_data(as_text=True)
    assert "Choose agreed needs" in task_list and "Cannot start yet" in task_list

    needs_page = client.get(f"/referrals/{rid}/needs").get_data(as_text=True)
    assert "Mentoring and peer support" in needs_page
    assert "Drugs and alcohol" not in needs_page  # not agreed: cannot be referred for
    none_chosen = _post(client, f"/referrals/{rid}/needs", {})
    assert none_chosen.status_code == 400
    assert "Select at least one need the person has agreed to" in none_chosen.get_data(as_text=True)
    need_id = re.search(r'name="need_ids" type="checkbox" value="([^"]+)"', needs_page).group(1)
    assert _post(client, f"/referrals/{rid}/needs", {"need_ids": [need_id]}).status_code == 302
    assert _post(client, f"/referrals/{rid}/sharing",
                 {"data_categories": ["identity", "needs"], "message": "Asked for a mentor"}
                 ).status_code == 302

    check = client.get(f"/referrals/{rid}/check").get_data(as_text=True)
    assert "What Provider Test Organisation will see" in check
    assert "Amara Okafor" in check and "Wants someone who gets it" in check
    assert "Muslim" not in check and "WS2" not in check and "Friday prayers" not in check
    assert "Send referral" in check

    token = csrf_token_from(check)
    sent = client.post(f"/referrals/{rid}/send", data={"csrf_token": token})
    confirmation = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Referral sent" in confirmation
    reference = re.search(r"<strong>(NAV-[2-9A-HJ-NP-Z]{6})</strong>", confirmation).group(1)
    mine = client.get("/referrals").get_data(as_text=True)
    assert reference in mine and "Sent" in mine
    timeline = client.get(f"/referrals/{rid}").get_data(as_text=True)
    assert "Status history" in timeline and "Draft" in timeline and "Sent" in timeline
    with app.app_context():
        referral = db.session.get(Referral, rid)
        assert referral.snapshot["person"] == {"name": "Amara Okafor", "date_of_birth": "1988-11-04",
                                               "gender": "Woman"}
        assert referral.consent_id is not None and referral.isa_id is not None


def test_without_consent_the_practitioner_is_told_why_and_can_only_signpost(app, client, auth, users):
    with app.app_context():
        practitioner = users["practitioner"]["id"]
        org_id = users["provider"]["organization_id"]
        service = factories.make_service(org_id, phones=[{"number": "01922 000000"}])
        person = factories.make_person(practitioner)
        need = factories.make_need(person.id, practitioner)
        from navigator.referrals import services

        referral = services.start_referral(service.id, person.id, practitioner)
        services.set_referral_needs(referral.id, [need.id], practitioner)
        services.set_referral_sharing(referral.id, {"data_categories": ["identity"]}, practitioner)
        rid = referral.id
    auth.login(users["practitioner"]["email"])
    check = client.get(f"/referrals/{rid}/check").get_data(as_text=True)
    assert "This referral cannot be sent" in check
    assert "There is no consent in force to share name, date of birth and gender" in check
    assert "There is no information-sharing agreement in date" in check
    assert "Send referral" not in check
    token = csrf_token_from(check)
    forced = client.post(f"/referrals/{rid}/send", data={"csrf_token": token})
    assert forced.status_code == 422
    signposted = client.post(f"/referrals/{rid}/signpost", data={"csrf_token": token})
    page = client.get(signposted.headers["Location"]).get_data(as_text=True)
    assert "Signpost recorded" in page and "01922 000000" in page
    with app.app_context():
        referral = db.session.get(Referral, rid)
        assert referral.status == "signposted" and referral.shared_snapshot is None
        from navigator.referrals.models import OutboxMessage

        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    auth.logout()
    auth.login(users["provider"]["email"])
    assert client.get(f"/inbox/{rid}").status_code == 404


def test_feedback_on_a_completed_referral(app, client, auth, users, sent):
    from navigator.referrals import services

    with app.app_context():
        provider = users["provider"]["id"]
        services.open_referral(sent["referral_id"], provider)
        for action in ("accept", "start", "complete"):
            services.update_referral_status(sent["referral_id"], action, provider)
    auth.login(users["practitioner"]["email"])
    url = f"/referrals/{sent['referral_id']}/feedback"
    empty = _post(client, url, {})
    assert empty.status_code == 400 and "Answer at least one question" in empty.get_data(as_text=True)
    assert _post(client, url, {"helpful": "yes", "felt_understood": "partly",
                               "comment": "The mentor shared my faith"}).status_code == 302
    page = client.get(f"/referrals/{sent['referral_id']}").get_data(as_text=True)
    assert "The mentor shared my faith" in page and "Partly" in page
