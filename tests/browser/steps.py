"""Steps a user takes in the browser, shared by the journeys: each goes through the real pages.

Every page a step passes through is checked by axe (BrowserPage does it on each navigation).
"""
from __future__ import annotations

import itertools
import re
from datetime import date

CALDMORE = "Caldmore Bridge Resettlement Hub"  # the demo provider@ works here
RESETTLEMENT = "Through-the-gate resettlement support"
JOB_CLUB = "Job club for people with convictions"
_crn = itertools.count(200001)


def next_crn() -> str:
    return f"T{next(_crn)}"


def record_agreement(b, organisation: str, title: str):
    """As a navigator: record an information-sharing agreement in date (last year to next)."""
    b.visit("/")
    b.click_link("Sharing agreements")
    b.select("#organization_id", organisation)
    b.fill("#title", title)
    year = date.today().year
    for field, (day, month, yr) in (("starts_on", (1, 1, year - 1)), ("ends_on", (31, 12, year + 1))):
        b.fill(f"#{field}-day", str(day))
        b.fill(f"#{field}-month", str(month))
        b.fill(f"#{field}-year", str(yr))
    b.click_button("Add agreement")
    assert "Information-sharing agreement added" in b.text


def add_person(b, name: str, crn: str, ethnicity: str = "Black: Caribbean", religion: str = "Christian"):
    """As a practitioner: add a person to the caseload; ends on their record."""
    b.visit("/")
    b.click_link("People", exact=True)
    b.click_link("Add a person")
    b.fill("#case_reference", crn)
    b.fill("#name", name)
    for part, value in (("day", "3"), ("month", "4"), ("year", "1990")):
        b.fill(f"#date_of_birth-{part}", value)
    b.choose("Man")
    b.select("#ethnicity", ethnicity)
    b.select("#religion", religion)
    b.fill("#home_postcode", "WS1")
    b.click_button("Save")
    assert "Person added to your caseload" in b.text, b.text[:1500]
    assert name in b.heading


def add_agreed_need(b, need: str, notes: str):
    """On a person's record: record a need the person agrees with."""
    b.click_link("Add a need")
    b.select("#category", need)
    b.fill("#notes", notes)
    b.choose("Yes")
    b.click_button("Save need")
    assert "Need recorded" in b.text


def record_consent(b, organisation: str, categories=("Name, date of birth and gender", "Contact details",
                                                     "Needs and notes")):
    """On a person's record: consent to share these categories with one organisation."""
    b.click_link("Record consent")
    for category in categories:
        b.choose(category)
    b.choose(organisation)
    b.fill("#purpose", "Referral for resettlement support")
    b.choose("Consent")
    b.choose("UK GDPR and Data Protection Act 2018 Part 2")
    b.choose("Verbally")
    expiry = date.today().replace(month=6, day=1).replace(year=date.today().year + 1)
    b.fill("#expires_on-day", str(expiry.day))
    b.fill("#expires_on-month", str(expiry.month))
    b.fill("#expires_on-year", str(expiry.year))
    b.click_button("Save consent")
    assert "Consent recorded" in b.text
    return expiry


def person_ready_to_refer(b, name: str, need: str = "Accommodation") -> str:
    """A person with an agreed need and consent for Caldmore Bridge; returns their CRN."""
    crn = next_crn()
    add_person(b, name, crn)
    add_agreed_need(b, need, "Wants somewhere settled to live")
    record_consent(b, CALDMORE)
    return crn


def open_service(b, query: str, service: str, postcode: str = "WS1"):
    b.visit("/search")
    b.fill("#q", query)
    b.fill("#postcode", postcode)
    b.click_button("Search")
    b.click_link(service, exact=True)
    assert b.heading == service


def draft_referral(b, service: str, person_label: str, need: str = "Accommodation",
                   share=("Name, date of birth and gender", "Contact details", "Needs and notes")):
    """From search to the check-your-answers page of a referral; returns the reference."""
    open_service(b, "resettlement" if service == RESETTLEMENT else "job club", service)
    b.click_link("Refer someone to this service")
    b.choose(person_label)
    b.click_button("Continue")
    reference = re.search(r"Referral (NAV-[A-Z0-9]+) \(draft\)", b.text).group(1)
    b.click_link("Choose agreed needs")
    b.choose(need)
    b.click_button("Save and continue")
    b.click_link("Choose what to share")
    for category in share:
        b.choose(category)
    if "Contact details" in share:
        b.fill("#contact_details", "Mobile 07700 900123")
    b.fill("#message", "Needs a caseworker for housing and ID after release")
    b.click_button("Save and continue")
    b.click_link("Check and send")
    return reference


def send_referral(b, person_label: str, service: str = RESETTLEMENT) -> str:
    """As a practitioner: make and send a referral; returns its reference."""
    reference = draft_referral(b, service, person_label)
    b.click_button("Send referral")
    assert b.heading == "Referral sent"
    return reference
