"""End-to-end journeys in a real browser, each reading what the user sees.

Every page passed through is checked by axe-core as it loads (see BrowserPage); key pages are
also checked for reflow at 320 CSS px and saved as screenshots.
"""
from __future__ import annotations

import csv
import io
import re
import sqlite3
from datetime import UTC, datetime, timedelta

from tests.browser.steps import (
    CALDMORE,
    JOB_CLUB,
    RESETTLEMENT,
    add_agreed_need,
    add_person,
    draft_referral,
    next_crn,
    person_ready_to_refer,
    send_referral,
)


def test_a_navigator_adds_a_listing_that_is_found_by_postcode(browser):
    b = browser
    b.sign_in("navigator@example.org")
    b.click_link("Directory", exact=True)
    b.click_link("Add an organisation")
    b.fill("#name", "Pelsall Sisters Kitchen")
    b.fill("#description", "A women-led community kitchen and drop-in (browser test listing)")
    b.click_button("Save organisation")
    assert "Pelsall Sisters Kitchen added to the directory" in b.text

    b.click_link("Add a location")
    b.fill("#name", "Pelsall Community Hall")
    b.fill("#address_1", "1 Test Street")
    b.fill("#city", "Walsall")
    b.fill("#postal_code", "WS1 1AA")
    b.click_button("Save location")
    assert "Location saved" in b.text
    locations = " ".join(" ".join(row) for row in b.table_rows())
    assert "1 Test Street, Walsall, WS1 1AA" in locations

    b.click_link("Add a service")
    b.fill("#name", "Sisters' supper club")
    b.fill("#description", "Weekly shared meal and peer support for women after prison.")
    b.choose("Women's services")
    b.choose("Mentoring and peer support")
    b.choose("Women-led")
    b.choose("Women only")
    b.choose("Pelsall Community Hall – 1 Test Street, Walsall, WS1 1AA")
    b.click_button("Save service")
    assert "Sisters' supper club" in b.text

    b.sign_out()
    b.sign_in("practitioner@example.org")
    b.visit("/search")
    b.fill("#q", "supper club")
    b.fill("#postcode", "WS1")
    b.click_button("Search")
    results = b.find_all(".app-result")
    found = [r for r in results if "Sisters' supper club" in r.text]
    assert found, f"the new service is not in the results: {[r.text[:60] for r in results]}"
    assert "Pelsall Sisters Kitchen" in found[0].text
    assert re.search(r"\d+(\.\d+)? miles? away", found[0].text), found[0].text
    assert "Women only" in found[0].text

    # Too far away: the same search 1 mile around a Birmingham district does not list it.
    b.fill("#postcode", "B15")
    b.select("#radius", "1 mile")
    b.click_button("Search")
    assert "Sisters' supper club" not in b.text


def test_a_practitioner_searches_records_consent_and_sends_a_referral(browser, caldmore_agreement):
    b = browser
    b.sign_in("practitioner@example.org")
    b.click_link("Search", exact=True)
    b.fill("#q", "resettlement")
    b.fill("#postcode", "WS1")
    b.select("#radius", "5 miles")
    b.choose("Distance")
    b.click_button("Search")
    b.click_link("Accommodation (")
    selected = b.find(".app-active-filters").text
    assert "Accommodation" in selected and "Within 5 miles of WS1" in selected
    first = b.find_all(".app-result")[0]
    assert RESETTLEMENT in first.text and "miles away" in first.text.replace("mile away", "miles away")
    b.assert_reflows_at_320()
    b.screenshot("search-results")

    b.click_link(RESETTLEMENT, exact=True)
    assert b.heading == RESETTLEMENT
    assert CALDMORE in b.text and "Practitioner referral only" in b.text
    b.assert_reflows_at_320()
    b.screenshot("service-page")

    crn = next_crn()
    add_person(b, "Marcus Campbell", crn)
    add_agreed_need(b, "Accommodation", "Wants somewhere settled to live")
    b.click_link("Record consent")
    b.choose("Name, date of birth and gender")
    b.choose("Needs and notes")
    b.choose(CALDMORE)
    b.fill("#purpose", "Resettlement support")
    b.choose("Consent")
    b.choose("UK GDPR and Data Protection Act 2018 Part 2")
    b.choose("Verbally")
    expiry = datetime.now(UTC).date().replace(day=1) + timedelta(days=400)
    for part, value in (("day", expiry.day), ("month", expiry.month), ("year", expiry.year)):
        b.fill(f"#expires_on-{part}", str(value))
    b.click_button("Save consent")
    consent = b.find("#consent").find_element("xpath", "..").text if b.find_all("#consent") else b.text
    assert "In force" in b.text
    assert f"Expires {expiry.day} {expiry.strftime('%B %Y')}" in b.text, consent

    reference = draft_referral(b, RESETTLEMENT, f"Marcus Campbell ({crn})",
                               share=("Name, date of birth and gender", "Needs and notes"))
    assert b.heading == "Check your answers before sending"
    check = b.text
    assert f"What {CALDMORE} will see" in check
    assert "Date of birth 3 April 1990" in check
    assert "Accommodation Wants somewhere settled to live" in check
    assert re.search(r"Sharing relies on consent CON-\w+ \(version 1\) and the agreement “[^”]+”", check)
    b.assert_reflows_at_320()
    b.screenshot("check-your-answers")

    b.click_button("Send referral")
    assert b.heading == "Referral sent"
    assert reference in b.find(".govuk-panel").text
    b.click_link("View the referral")
    assert reference in b.text and "Sent" in b.text
    b.click_link("Referrals", exact=True)
    row = next(r for r in b.table_rows() if r[0] == reference)
    assert row[1] == "Marcus Campbell" and row[2] == RESETTLEMENT and row[4].startswith("Sent")


def test_the_provider_accepts_a_referral_and_records_its_outcome(browser, caldmore_agreement):
    b = browser
    b.sign_in("practitioner@example.org")
    crn = person_ready_to_refer(b, "Delroy Hinds")
    reference = send_referral(b, f"Delroy Hinds ({crn})")
    b.sign_out()

    b.sign_in("provider@example.org")
    b.click_link("Inbox", exact=True)
    assert b.heading == "Referrals to your organisation"
    row = next(r for r in b.table_rows() if r[0] == reference)
    assert row[1] == RESETTLEMENT and row[3] == "Sent"
    b.assert_reflows_at_320()
    b.screenshot("provider-inbox")

    b.click_link(reference, exact=True)
    assert "Delroy Hinds" in b.text  # shared under consent
    b.click_button("Accept referral")
    assert "Referral updated" in b.text and "Accepted" in b.find("h1").text + b.text
    b.click_button("Record that it started")
    b.click_button("Record completed")
    assert "Completed" in b.find(".app-timeline, main").text
    assert "Accept referral" not in b.buttons()
    b.click_link("Back to inbox")
    b.click_link("Closed (")
    row = next(r for r in b.table_rows() if r[0] == reference)
    assert row[3] == "Completed"
    b.sign_out()

    # The practitioner sees the outcome on their list.
    b.sign_in("practitioner@example.org")
    b.click_link("Referrals", exact=True)
    row = next(r for r in b.table_rows() if r[0] == reference)
    assert row[4] == "Completed"


def test_after_consent_is_withdrawn_a_second_referral_can_only_be_a_signpost(browser, caldmore_agreement):
    b = browser
    b.sign_in("practitioner@example.org")
    crn = person_ready_to_refer(b, "Yusuf Adeyemi")
    first = send_referral(b, f"Yusuf Adeyemi ({crn})")

    b.click_link("People", exact=True)
    b.click_link("Yusuf Adeyemi")
    b.click_link("Withdraw")
    b.click_button("Withdraw consent")
    assert "Consent withdrawn" in b.text and "Withdrawn" in b.text

    draft_referral(b, JOB_CLUB, f"Yusuf Adeyemi ({crn})", share=("Name, date of birth and gender",))
    assert "This referral cannot be sent" in b.text
    assert f"There is no consent in force to share name, date of birth and gender with {CALDMORE}" in b.text
    assert "Send referral" not in b.buttons()
    assert "Record a signpost (share nothing)" in b.buttons()
    b.click_button("Record a signpost (share nothing)")
    assert "signpost" in b.heading.lower() or "signpost" in b.text.lower()
    b.sign_out()

    # The provider can no longer see the person's details on the first referral.
    b.sign_in("provider@example.org")
    b.visit("/inbox?tab=new")
    b.click_link(first, exact=True)
    assert "The person has withdrawn consent to share their information" in b.text
    assert "Yusuf Adeyemi" not in b.text


def test_an_overdue_referral_appears_on_the_practitioner_and_navigator_queues(browser, caldmore_agreement,
                                                                              live_server):
    b = browser
    b.sign_in("practitioner@example.org")
    crn = person_ready_to_refer(b, "Samuel Okafor")
    reference = send_referral(b, f"Samuel Okafor ({crn})")

    # Time passes: move this referral's sent and due times back in the live instance's database
    # (the app computes "overdue" from them on every page view; nothing else is changed).
    now = datetime.now(UTC).replace(tzinfo=None)
    with sqlite3.connect(live_server["instance"] / "navigator.sqlite3") as conn:
        changed = conn.execute(
            "UPDATE referrals SET sent_at = ?, ack_due_at = ? WHERE reference = ?",
            ((now - timedelta(days=12)).isoformat(" "), (now - timedelta(days=3)).isoformat(" "), reference),
        ).rowcount
    assert changed == 1

    b.click_link("Referrals", exact=True)
    row = next(r for r in b.table_rows() if r[0] == reference)
    assert "Overdue" in row[4] and "Not acknowledged by the end of" in row[4]
    b.sign_out()

    b.sign_in("navigator@example.org")
    b.click_link("Overdue referrals")
    assert b.heading == "Overdue referrals"
    row = next(r for r in b.table_rows() if r[0] == reference)
    assert row[1] == CALDMORE and row[2] == RESETTLEMENT and row[5] == "practitioner@example.org"
    b.assert_reflows_at_320()


def test_a_commissioner_changes_the_gap_map_need_and_downloads_the_csv(browser):
    b = browser
    b.sign_in("commissioner@example.org")
    b.click_link("Gap map", exact=True)
    assert b.heading == "Gap map"
    first_heading = b.find("main h2").text
    b.select("#need", "Women's services")
    b.click_button("Show report")
    heading = b.find("main h2").text
    assert heading.startswith("Women's services") and heading != first_heading
    areas = " ".join(" ".join(r) for r in b.table_rows(".app-gap-table, main table"))
    assert "Walsall" in areas
    b.assert_reflows_at_320()
    b.screenshot("gap-map")

    csv_url = b.link("CSV", exact=True).get_attribute("href")
    assert "need=womens-services" in csv_url
    response = b.session_requests().get(csv_url, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers.get("Content-Disposition", "")
    assert "womens-services" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {"area_code", "area_name"} <= set(rows[0])
    assert "Walsall" in {row["area_name"] for row in rows}

    b.click_link("Referral equity")
    assert "equity" in b.heading.lower()
    b.assert_reflows_at_320()
    b.screenshot("equity")


def test_the_referral_journey_works_with_the_keyboard_alone(browser, caldmore_agreement):
    from selenium.webdriver.common.keys import Keys

    b = browser
    b.sign_in("practitioner@example.org")
    crn = person_ready_to_refer(b, "Aaliyah Aaronson")

    # From here on no mouse: TAB to each control, SPACE to tick, ENTER to follow or submit.
    b.visit("/search")
    assert b.tab_until(lambda e: True).text == "Skip to main content"
    b.tab_to_field("What does the person need?").send_keys("resettlement")
    b.tab_to_field("Near postcode district").send_keys("WS1")
    b.tab_to_text("Search")
    b.press_enter()
    assert "found" in b.find("#results-heading").text
    b.tab_to_text(RESETTLEMENT)
    b.press_enter()
    assert b.heading == RESETTLEMENT
    b.tab_to_text("Refer someone to this service")
    b.press_enter()
    # People are listed by name: a long caseload means many arrow presses, so this person sorts first.
    b.choose_radio_by_keyboard("person_id", f"Aaliyah Aaronson ({crn})")
    b.tab_to_text("Continue")
    b.press_enter()
    assert "(draft)" in b.text
    b.tab_to_text("Choose agreed needs")
    b.press_enter()
    b.tab_to_field("Accommodation")
    b.type_keys(Keys.SPACE)
    b.tab_to_text("Save and continue")
    b.press_enter()
    b.tab_to_text("Choose what to share")
    b.press_enter()
    b.tab_to_field("Name, date of birth and gender")
    b.type_keys(Keys.SPACE)
    b.tab_to_field("Needs and notes")
    b.type_keys(Keys.SPACE)
    b.tab_to_field("Reason for referral").send_keys("Needs help with housing after release")
    b.tab_to_text("Save and continue")
    b.press_enter()
    b.tab_to_text("Check and send")
    b.press_enter()
    assert b.heading == "Check your answers before sending"
    assert "Information shared Name, date of birth and gender, Needs and notes" in b.text
    b.tab_to_text("Send referral")
    b.press_space_to_submit()
    assert b.heading == "Referral sent"
    assert re.search(r"NAV-[A-Z0-9]+", b.find(".govuk-panel").text)
