"""Consent is versioned, never edited in place; agreements; subject access and anonymisation."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from navigator.errors import Conflict, ValidationError
from navigator.extensions import db
from navigator.referrals import services
from navigator.referrals.models import Consent, Person, Referral, ReferralNeed
from tests import factories
from tests.conftest import csrf_token_from
from tests.referrals.conftest import audit_events


def test_a_change_is_a_new_version_and_the_old_one_stays_unchanged(app, users):
    with app.app_context():
        practitioner = users["practitioner"]["id"]
        org_id = users["provider"]["organization_id"]
        person = factories.make_person(practitioner)
        first = factories.make_consent(person.id, practitioner, [org_id], ["identity"])
        second = services.record_consent(person.id, {
            "data_categories": ["identity", "needs"], "organization_ids": [org_id], "purpose": "Wider",
            "lawful_basis": "consent", "regime": "uk-gdpr", "how_given": "written",
            "privacy_notice_version": "2025-2",
            "expires_on": (datetime.now(UTC) + timedelta(days=90)).date().isoformat()},
            practitioner, replaces_id=first.id)
        db.session.expire_all()
        first = db.session.get(Consent, first.id)
        assert first.superseded_at is not None and first.data_categories == ["identity"]
        assert first.purpose == "Referral for support"
        assert (second.version, second.supersedes_id, second.chain_id) == (2, first.id, first.chain_id)
        with pytest.raises(Conflict):
            services.record_consent(person.id, {}, practitioner, replaces_id=first.id)
        db.session.rollback()
        second.purpose = "Edited in place"
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()


def test_consent_needs_categories_organisations_and_a_future_expiry(app, users):
    with app.app_context():
        person = factories.make_person(users["practitioner"]["id"])
        with pytest.raises(ValidationError) as exc:
            services.record_consent(person.id, {"data_categories": ["telepathy"], "expires_on": "2001-01-01"},
                                    users["practitioner"]["id"])
        errors = exc.value.errors
        assert set(errors) >= {"data_categories", "organization_ids", "purpose", "lawful_basis", "regime",
                               "how_given", "expires_on"}
        assert db.session.scalar(select(func.count()).select_from(Consent)) == 0


def test_withdrawal_is_one_post_and_hides_shared_details_from_the_provider(app, client, auth, users, sent):
    with app.app_context():
        consent_id = db.session.get(Person, sent["person_id"]).consents[0].id
    auth.login(users["provider"]["email"])
    assert "Jordan Example" in client.get(f"/inbox/{sent['referral_id']}").get_data(as_text=True)
    auth.logout()
    auth.login(users["practitioner"]["email"])
    url = f"/people/{sent['person_id']}/consents/{consent_id}/withdraw"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 302
    person_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Withdrawn" in person_page
    auth.logout()
    auth.login(users["provider"]["email"])
    page = client.get(f"/inbox/{sent['referral_id']}").get_data(as_text=True)
    assert "withdrawn consent" in page and "Jordan Example" not in page


def test_navigators_keep_agreements_and_ending_one_stops_sharing(app, client, auth, users):
    org_id = users["provider"]["organization_id"]
    auth.login(users["navigator"]["email"])
    token = csrf_token_from(client.get("/agreements").get_data(as_text=True))
    bad = client.post("/agreements", data={
        "csrf_token": token, "organization_id": org_id, "title": "ISA",
        "starts_on-day": "1", "starts_on-month": "6", "starts_on-year": "2026",
        "ends_on-day": "1", "ends_on-month": "1", "ends_on-year": "2026"})
    assert bad.status_code == 400
    assert "End date must be the same as or after the start date" in bad.get_data(as_text=True)
    today = datetime.now(UTC).date()
    ok = client.post("/agreements", data={
        "csrf_token": token, "organization_id": org_id, "title": "Walsall ISA 2026",
        "starts_on-day": "1", "starts_on-month": "1", "starts_on-year": str(today.year - 1),
        "ends_on-day": "31", "ends_on-month": "12", "ends_on-year": str(today.year + 1)})
    assert ok.status_code == 302
    page = client.get("/agreements").get_data(as_text=True)
    assert "Walsall ISA 2026" in page and "In date" in page
    with app.app_context():
        from navigator.referrals.queries import find_isa_in_date

        isa = find_isa_in_date(org_id, today)
        assert isa is not None
        isa_id = isa.id
    client.post(f"/agreements/{isa_id}/end", data={"csrf_token": token})
    assert "Ended" in client.get("/agreements").get_data(as_text=True)
    with app.app_context():
        assert find_isa_in_date(org_id, today) is None


def test_subject_access_export_json_and_printable(app, client, auth, users, sent):
    auth.login(users["admin"]["email"])
    response = client.get(f"/people/{sent['person_id']}/export.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["person"]["name"] == "Jordan Example"
    assert data["needs"][0]["category"] == "Mentoring and peer support"
    assert data["referrals"][0]["reference"] == sent["reference"]
    assert data["referrals"][0]["what_was_shared"]["person"]["name"] == "Jordan Example"
    printable = client.get(f"/people/{sent['person_id']}/export").get_data(as_text=True)
    assert "Everything held about this person" in printable and sent["reference"] in printable
    with app.app_context():
        assert len(audit_events("person.export", sent["person_id"])) == 2
    auth.logout()
    auth.login(users["practitioner"]["email"])
    assert client.get(f"/people/{sent['person_id']}/export.json").status_code == 403


def test_erasure_waits_for_the_retention_period_then_keeps_only_aggregates(app, users, sent):
    admin = users["admin"]["id"]
    with app.app_context():
        provider = users["provider"]["id"]
        services.open_referral(sent["referral_id"], provider)
        services.update_referral_status(sent["referral_id"], "decline", provider, reason_code="no-capacity")
        with pytest.raises(Conflict) as early:
            services.erase_person(sent["person_id"], admin)
        assert "retention period has not ended" in early.value.message
        db.session.rollback()
        later = datetime.now(UTC) + timedelta(days=7 * 366)
        assert [p.id for p in services.list_due_for_erasure(admin, now=later)] == [sent["person_id"]]
        services.erase_person(sent["person_id"], admin, now=later)
        db.session.expire_all()
        person = db.session.get(Person, sent["person_id"])
        assert (person.name, person.case_reference, person.date_of_birth, person.commitments) == (None,) * 4
        assert (person.ethnicity, person.religion, person.gender, person.home_outcode) == (
            "black-caribbean", "christian", "man", "WS1")
        referral = db.session.get(Referral, sent["referral_id"])
        assert "Jordan" not in referral.shared_snapshot
        assert (referral.status, referral.decline_reason, referral.organization_id) == (
            "declined", "no-capacity", sent["organization_id"])
        assert referral.sent_at is not None
        assert db.session.scalars(select(ReferralNeed.category)).all() == ["mentoring"]
        assert all(n.notes is None for n in person.needs)
        assert len(audit_events("person.erase", sent["person_id"])) == 1
        with pytest.raises(Conflict):
            services.erase_person(sent["person_id"], admin, now=later)


def test_erasure_is_refused_while_a_referral_is_open(app, users, sent):
    with app.app_context():
        later = datetime.now(UTC) + timedelta(days=8 * 366)
        with pytest.raises(Conflict) as exc:
            services.erase_person(sent["person_id"], users["admin"]["id"], now=later)
        assert "open referrals" in exc.value.message
