"""Notifications carry a reference and a link only; withdrawal tells each recipient organisation."""
from __future__ import annotations

from sqlalchemy import select

from navigator.extensions import db
from navigator.referrals import services
from navigator.referrals.models import OutboxMessage, Person
from tests import factories


def _all_messages():
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_no_personal_data_in_any_outbox_message(app, users):
    with app.app_context():
        ids = factories.make_sent_referral(users, categories=["identity", "needs", "area"])
        person = db.session.get(Person, ids["person_id"])
        provider = users["provider"]["id"]
        services.open_referral(ids["referral_id"], provider)
        services.update_referral_status(ids["referral_id"], "accept", provider)
        services.withdraw_consent(person.consents[0].id, users["practitioner"]["id"])
        messages = _all_messages()
        assert len(messages) >= 4
        forbidden = [person.name, person.case_reference, "Jordan", "1990-03-27", "WS1", "mentor"]
        for message in messages:
            text = f"{message.subject}\n{message.body}\n{message.recipient}"
            for value in forbidden:
                assert value.lower() not in text.lower(), (value, text)
            assert ids["reference"] in message.body
            assert "http://localhost/" in message.body


def test_sending_notifies_the_providers_of_that_organisation(app, users, sent):
    with app.app_context():
        messages = _all_messages()
        assert [(m.recipient, m.subject) for m in messages] == [
            (users["provider"]["email"], "New referral for your organisation")]
        assert f"/inbox/{sent['referral_id']}" in messages[0].body


def test_withdrawal_notifies_each_recipient_organisation(app, users):
    with app.app_context():
        practitioner = users["practitioner"]["id"]
        org_a = users["provider"]["organization_id"]
        org_b = factories.make_organisation("Second Recipient", email="office@second.example.org").id
        person = factories.make_person(practitioner)
        consent = factories.make_consent(person.id, practitioner, [org_a, org_b])
        services.withdraw_consent(consent.id, practitioner)
        sent_to = {(m.organization_id, m.recipient) for m in _all_messages()}
        assert sent_to == {(org_a, users["provider"]["email"]), (org_b, "office@second.example.org")}
        assert all(consent.reference in m.body for m in _all_messages())


def test_admins_read_the_outbox(client, auth, users, sent):
    auth.login(users["admin"]["email"])
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert sent["reference"] in page
    assert "New referral for your organisation" in page
    auth.logout()
    auth.login(users["practitioner"]["email"])
    assert client.get("/admin/outbox").status_code == 403
