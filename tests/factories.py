"""Test data created through the service functions, as the app itself would."""
from __future__ import annotations

from navigator.auth import services as auth_services
from navigator.auth.models import Role
from tests.conftest import PASSWORD


def make_user(role: Role | str, email: str | None = None, organization_id: str | None = None,
              name: str | None = None):
    role = Role(role)
    email = email or f"{role.value}@example.org"
    user = auth_services.create_user(email, name or f"Test {role.value}", role, PASSWORD,
                                     organization_id)
    return user


def make_organisation(name: str = "Test Community Trust", **fields):
    from navigator.directory import services as directory_services

    return directory_services.create_organisation({"name": name, **fields}, actor_id=None)


def users_for_every_role() -> dict[str, dict]:
    """Create one user per role; returns role -> {id, email} (plain values, no ORM objects)."""
    org = make_organisation("Provider Test Organisation")
    out = {}
    for role in Role:
        user = make_user(role, organization_id=org.id if role == Role.PROVIDER else None)
        out[role.value] = {"id": user.id, "email": user.email, "organization_id": user.organization_id}
    return out


def make_service(organization_id: str, name: str = "Test Mentoring Service", actor_id=None, **fields):
    """A service created through directory.services.create_service (fields use model names)."""
    from navigator.directory import services as directory_services

    return directory_services.create_service(organization_id, {"name": name, **fields}, actor_id)


def make_location(organization_id: str, actor_id=None, **fields):
    """A location created (and geocoded) through directory.services.create_location."""
    from navigator.directory import services as directory_services

    data = {"name": "Community Centre", "address_1": "1 High Street", "city": "Walsall", **fields}
    return directory_services.create_location(organization_id, data, actor_id)


# ---- referrals (appended by the referrals area; all through navigator.referrals.services)

_crn_counter = iter(range(100000, 999999))


def make_person(practitioner_id: int, **fields):
    """A person on a practitioner's caseload, through referrals.services.create_person."""
    from navigator.referrals import services as referral_services

    data = {"case_reference": f"X{next(_crn_counter)}", "name": "Jordan Example",
            "date_of_birth": "1990-03-27", "gender": "man", "ethnicity": "black-caribbean",
            "religion": "christian", "preferred_language": "en", "home_postcode": "WS1 1AA",
            "commitments": "Works shifts", **fields}
    return referral_services.create_person(data, practitioner_id)


def make_need(person_id: str, practitioner_id: int, category: str = "mentoring", agrees: bool = True,
              notes: str = "Wants a mentor with lived experience"):
    from navigator.referrals import services as referral_services

    return referral_services.add_need(person_id, {"category": category, "notes": notes,
                                                  "person_agrees": "yes" if agrees else "no"},
                                      practitioner_id)


def make_consent(person_id: str, practitioner_id: int, organization_ids: list[str],
                 categories: list[str] | None = None, expires_on: str | None = None, **fields):
    from datetime import date, timedelta

    from navigator.referrals import services as referral_services

    data = {"data_categories": categories or ["identity", "needs"], "organization_ids": organization_ids,
            "purpose": "Referral for support", "lawful_basis": "consent", "regime": "uk-gdpr",
            "how_given": "verbal", "privacy_notice_version": "2025-1",
            "expires_on": expires_on or (date.today() + timedelta(days=180)).isoformat(), **fields}
    return referral_services.record_consent(person_id, data, practitioner_id)


def make_agreement(organization_id: str, navigator_id: int, starts_on: str | None = None,
                   ends_on: str | None = None, title: str = "ISA 2025"):
    from datetime import date, timedelta

    from navigator.referrals import services as referral_services

    return referral_services.create_agreement({
        "organization_id": organization_id, "title": title,
        "starts_on": starts_on or (date.today() - timedelta(days=30)).isoformat(),
        "ends_on": ends_on or (date.today() + timedelta(days=365)).isoformat(),
    }, navigator_id)


def make_sent_referral(users: dict, organization_id: str | None = None, service_id: str | None = None,
                       categories: list[str] | None = None):
    """A person with an agreed need, consent, an ISA and a referral sent to the service.

    Returns plain values: {referral_id, person_id, service_id, organization_id, reference}.
    """
    from navigator.referrals import services as referral_services

    practitioner = users["practitioner"]["id"]
    organization_id = organization_id or users["provider"]["organization_id"]
    if service_id is None:
        service_id = make_service(organization_id).id
    categories = categories or ["identity", "needs"]
    person = make_person(practitioner)
    need = make_need(person.id, practitioner)
    make_consent(person.id, practitioner, [organization_id], categories)
    from datetime import date

    from navigator.extensions import db
    from navigator.referrals import queries

    if queries.find_isa_in_date(organization_id, date.today()) is None:
        make_agreement(organization_id, users["navigator"]["id"])
    db.session.expire_all()
    referral = referral_services.start_referral(service_id, person.id, practitioner)
    referral_services.set_referral_needs(referral.id, [need.id], practitioner)
    referral_services.set_referral_sharing(referral.id, {"data_categories": categories,
                                                         "message": "Would benefit from mentoring"},
                                           practitioner)
    referral = referral_services.send_referral(referral.id, practitioner)
    return {"referral_id": referral.id, "person_id": person.id, "service_id": service_id,
            "organization_id": organization_id, "reference": referral.reference}
