"""A whole referral journey logged at DEBUG: no name, case reference or date of birth in any
log record (message, arguments or exception text), from any logger."""
from __future__ import annotations

import logging
import re
from datetime import date

from tests import factories
from tests.conftest import csrf_token_from

NAME, CRN, DOB_PARTS = "Zainab Oyelaran-Whitfield", "Q918273", ("1979", "8", "23")
DOB_FORMS = ("1979-08-23", "23/08/1979", "23 August 1979", "1979, 8, 23")


def _post(client, url, data):
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_a_referral_journey_logs_no_personal_data(app, client, auth, users, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    with app.app_context():
        org_id = users["provider"]["organization_id"]
        service_id = factories.make_service(org_id, name="Logging Test Mentoring").id
        factories.make_agreement(org_id, users["navigator"]["id"])
    auth.login(users["practitioner"]["email"])
    created = _post(client, "/people/new", {
        "case_reference": CRN, "name": NAME, "date_of_birth-day": DOB_PARTS[2],
        "date_of_birth-month": DOB_PARTS[1], "date_of_birth-year": DOB_PARTS[0], "gender": "woman",
        "ethnicity": "black-african", "religion": "muslim", "preferred_language": "en",
        "home_postcode": "WS2", "commitments": "Friday prayers"})
    assert created.status_code == 302
    person_id = created.headers["Location"].rsplit("/", 1)[-1]
    assert NAME in client.get(f"/people/{person_id}").get_data(as_text=True)
    # A rejected edit too: error paths must not echo what was typed into the logs.
    bad = _post(client, f"/people/{person_id}/edit", {"case_reference": CRN, "name": NAME + "\x00"})
    assert bad.status_code == 400
    assert _post(client, f"/people/{person_id}/needs/new",
                 {"category": "mentoring", "notes": f"{NAME} wants a mentor", "person_agrees": "yes"}
                 ).status_code == 302
    assert _post(client, f"/people/{person_id}/consents/new", {
        "data_categories": ["identity", "needs"], "organization_ids": [org_id], "purpose": "Mentoring",
        "lawful_basis": "consent", "regime": "uk-gdpr", "how_given": "written",
        "privacy_notice_version": "2025-1", "expires_on-day": "1", "expires_on-month": "1",
        "expires_on-year": str(date.today().year + 1)}).status_code == 302
    started = _post(client, f"/referrals/new?service_id={service_id}", {"person_id": person_id})
    rid = started.headers["Location"].rsplit("/", 1)[-1]
    need_page = client.get(f"/referrals/{rid}/needs").get_data(as_text=True)
    need_id = re.search(r'name="need_ids" type="checkbox" value="([^"]+)"', need_page).group(1)
    assert _post(client, f"/referrals/{rid}/needs", {"need_ids": [need_id]}).status_code == 302
    assert _post(client, f"/referrals/{rid}/sharing", {"data_categories": ["identity", "needs"],
                                                       "message": f"Please help {NAME}"}).status_code == 302
    check = client.get(f"/referrals/{rid}/check").get_data(as_text=True)
    assert NAME in check
    sent = client.post(f"/referrals/{rid}/send", data={"csrf_token": csrf_token_from(check)})
    assert "/confirmation" in sent.headers["Location"]
    auth.logout()
    auth.login(users["provider"]["email"])
    assert NAME in client.get(f"/inbox/{rid}").get_data(as_text=True)

    assert len(caplog.records) > 0, "nothing was logged: the check would prove nothing"
    leaks = []
    for record in caplog.records:
        text = record.getMessage() + " " + repr(record.args) + " " + (record.exc_text or "")
        text += " " + " ".join(str(v) for k, v in vars(record).items() if k not in _STANDARD)
        for secret in (NAME, "Oyelaran", CRN, CRN.lower(), *DOB_FORMS):
            if secret in text:
                leaks.append(f"{record.name}:{record.levelname}: {secret!r} in {text[:200]!r}")
    assert leaks == []


_STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}
