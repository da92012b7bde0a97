"""Fixtures for the directory curation tests: signed-in clients and a few postcode districts."""
from __future__ import annotations

import re

import pytest

from tests.conftest import AuthActions, csrf_token_from

DISTRICTS_CSV = (
    "outcode,latitude,longitude,town_area,post_town,lad24cd,lad24nm,probation_region,pdu_2023,"
    "pdu_delius_code\n"
    "WS1,52.5806,-1.9822,Walsall,Walsall,E08000030,Walsall,West Midlands,Walsall,N53WAL\n"
    "B15,52.4681,-1.9197,Edgbaston,Birmingham,E08000025,Birmingham,West Midlands,"
    "Birmingham Central and South,N53BCS\n"
)


@pytest.fixture
def districts(app, tmp_path):
    """The offline centroids for WS1 and B15, loaded through the geodata loader."""
    from navigator.directory.geocoding.districts import load_postcode_districts

    path = tmp_path / "districts.csv"
    path.write_text(DISTRICTS_CSV, encoding="utf-8")
    with app.app_context():
        report = load_postcode_districts(str(path))
    assert report.loaded == 2
    return path


@pytest.fixture
def navigator(client, users):
    """A client signed in as the navigator."""
    AuthActions(client).login(users["navigator"]["email"])
    return client


def form_post(client, url: str, data: dict, page_url: str | None = None):
    """Load the page for its CSRF token, then post the form as a browser would."""
    page = client.get(page_url or url)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name} field"
    return match.group(1)


def service_form(name: str = "Mentoring for Young Men", **extra) -> dict:
    """A complete service form submission (what a navigator fills in)."""
    data = {
        "name": name, "description": "Weekly mentoring by people with lived experience.",
        "status": "active", "need": ["mentoring", "ete"], "led_by": ["black-led"],
        "community": ["black-caribbean"], "faith": [], "languages": ["en", "so"],
        "gender": "men", "cost": "free", "referral_route": "both",
        "application_process": "Phone the referrals line.",
        "eligibility_description": "Men aged 18 to 30.",
        "accepts_sex_offence_convictions": "no", "accepts_no_recourse_to_public_funds": "yes",
        "url": "https://example.org/mentoring", "email": "hello@example.org",
        "phones-0-number": "01922 123456", "phones-0-description": "Referrals line",
        "schedules-0-opens_at": "09:00", "schedules-0-closes_at": "17:00",
        "schedules-4-opens_at": "10:00", "schedules-4-closes_at": "12:30",
        "service_areas-0-extent_type": "local_authority", "service_areas-0-name": "Walsall",
        "service_areas-0-lad_code": "E08000030",
        "service_areas-1-extent_type": "radius", "service_areas-1-radius_miles": "10",
    }
    data.update(extra)
    return data
