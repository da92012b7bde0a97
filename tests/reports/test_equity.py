"""Referral equity: rates by group against White British, with Katz 95% intervals."""
from __future__ import annotations

import math
import re

import pytest

from navigator.reports.equity import broad_ethnic_group, rate_ratio
from tests.reports import helpers


def test_katz_interval_on_a_worked_example():
    # 5 of 20 against 10 of 20: ratio 0.5; SE(log) = sqrt(1/5 - 1/20 + 1/10 - 1/20) = sqrt(0.2).
    ratio = rate_ratio(5, 20, 10, 20)
    se = math.sqrt(0.2)
    assert ratio.ratio == pytest.approx(0.5)
    assert ratio.low == pytest.approx(0.5 * math.exp(-1.959964 * se), rel=1e-5)
    assert ratio.high == pytest.approx(0.5 * math.exp(1.959964 * se), rel=1e-5)
    assert ratio.direction == "similar"
    assert ratio.text() == "0.50 (0.21 to 1.20)"
    assert rate_ratio(50, 100, 10, 100).direction == "higher"
    assert rate_ratio(0, 10, 5, 10) is None and rate_ratio(None, 10, 5, 10) is None


def test_broad_groups_follow_the_census_headings():
    assert broad_ethnic_group("white-british") == "white-british"
    assert broad_ethnic_group("white-roma") == "white-other"
    assert broad_ethnic_group("black-caribbean") == "black"
    assert broad_ethnic_group(None) == "not-stated"


@pytest.fixture
def equity_data(geography):
    """20 White British Christian men, 10 referred (5 accepted and completed, 5 declined);
    20 Black Caribbean Muslim women, 5 referred (all declined); 3 Asian Pakistani and 6 Mixed
    people (no religion), none referred. Sizes are chosen so that only the 3 is hidden, with
    the 6 hidden beside it: the two groups compared stay visible."""
    service = helpers.make_service("Walsall Housing Advice", "WS1", ["accommodation"],
                                   **{"led-by": ["black-led"]})
    for i in range(20):
        person, needs = helpers.make_person("WS1", ["accommodation"], ethnicity="white-british")
        if i < 5:
            helpers.make_referral(person, needs["accommodation"], "accommodation", service,
                                  status="completed", wait_days=3)
        elif i < 10:
            helpers.make_referral(person, needs["accommodation"], "accommodation", service, status="declined",
                                  decline_reason="no-capacity")
    for i in range(20):
        person, needs = helpers.make_person("WS1", ["accommodation"], ethnicity="black-caribbean",
                                            religion="muslim", gender="woman")
        if i < 5:
            helpers.make_referral(person, needs["accommodation"], "accommodation", service, status="declined",
                                  decline_reason="not-eligible")
    for _ in range(3):
        helpers.make_person("WS1", ["accommodation"], ethnicity="asian-pakistani", religion="none")
    for _ in range(6):
        helpers.make_person("WS1", ["accommodation"], ethnicity="mixed-other", religion="none")
    return service


def _row(html: str, label: str) -> str:
    match = re.search(r"<th scope=\"row\"[^>]*>" + re.escape(label) + r".*?</tr>", html, re.S)
    assert match, label
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


def test_equity_heatmap_compares_each_group_with_white_british(app, signed_in, equity_data):
    app.config["REPORT_SUPPRESSION_THRESHOLD"] = 5
    html = signed_in("commissioner").get("/reports/equity").get_data(as_text=True)
    white = _row(html, "White British")
    assert "Baseline" in white and "50.0%" in white and "(10 of 20)" in white
    black = _row(html, "Black, Black British, Caribbean or African")
    assert "25.0% (5 of 20)" in black
    assert "ratio 0.50 (0.21 to 1.20) – similar" in black
    assert "app-equity--similar" in html  # colour class, always with the word beside it
    asian = _row(html, "Asian or Asian British")
    assert "[c]" in asian  # 3 people: hidden
    assert "[c]" in _row(html, "Mixed or multiple ethnic groups")  # hidden too, or 49 - 40 - 6 gives 3
    # Declined: 5 of 5 against 5 of 10 -> ratio 2.0; SE(log) = sqrt(0.1): 1.08 to 3.72, excludes 1.
    assert "100.0% (5 of 5)" in black and "ratio 2.00 (1.08 to 3.72) – higher" in black


def test_share_of_referrals_to_black_led_services(app, signed_in, equity_data):
    app.config["REPORT_SUPPRESSION_THRESHOLD"] = 5
    html = signed_in("navigator").get("/reports/equity").get_data(as_text=True)
    shares = html.split("Referrals to Black-led, faith and culturally specific services", 1)[1]
    white = _row(shares, "White British")
    assert "10 (100.0%)" in white


def test_equity_by_religion_and_gender_have_their_own_baselines(app, signed_in, equity_data):
    app.config["REPORT_SUPPRESSION_THRESHOLD"] = 5
    client = signed_in("commissioner")
    html = client.get("/reports/equity?dimension=religion").get_data(as_text=True)
    assert "Baseline: <strong>Christian</strong>" in html
    assert "ratio 0.50" in _row(html, "Muslim")
    html = client.get("/reports/equity?dimension=gender").get_data(as_text=True)
    assert "Baseline: <strong>Man</strong>" in html


def test_equity_csv_round_trips_and_hides_small_counts(app, signed_in, equity_data):
    import csv
    import io

    app.config["REPORT_SUPPRESSION_THRESHOLD"] = 5
    body = signed_in("commissioner").get("/reports/equity.csv").get_data(as_text=True)
    rows = {r["group"]: r for r in csv.DictReader(io.StringIO(body))}
    assert rows["White British"]["referral_ratio"] == "baseline"
    black = rows["Black, Black British, Caribbean or African"]
    assert black["referred"] == "5" and float(black["referral_ratio"]) == pytest.approx(0.5)
    assert rows["Asian or Asian British"]["people"] == "[c]"


def test_an_unknown_area_is_a_clear_error(signed_in, geography):
    page = signed_in("commissioner").get("/reports/equity?area=la:E00000000")
    assert page.status_code == 422 and "Choose an area from the list" in page.get_data(as_text=True)
