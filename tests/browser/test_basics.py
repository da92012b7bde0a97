"""Signing in and the start pages, in a real browser: accessible and usable at 320px."""
from __future__ import annotations

import pytest

ROLES = ["navigator", "practitioner", "provider", "commissioner", "admin"]


def test_sign_in_page_is_accessible(browser):
    browser.visit("/sign-in")
    assert "Sign in to Navigator" in browser.text
    browser.assert_accessible()
    browser.assert_reflows_at_320()
    browser.screenshot("sign-in")


def test_wrong_password_shows_an_error_summary_linked_to_the_field(browser):
    browser.visit("/sign-in")
    browser.fill("#email", "practitioner@example.org")
    browser.fill("#password", "not the password")
    browser.click_button("Sign in")
    summary = browser.find(".govuk-error-summary")
    assert "Enter a correct email address and password" in summary.text
    browser.assert_accessible()


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lands_on_an_accessible_home_page(browser, role):
    browser.sign_in(f"{role}@example.org")
    assert "What you can do" in browser.text
    browser.assert_accessible()
    browser.assert_reflows_at_320()
    browser.sign_out()
    assert "Sign in to Navigator" in browser.text
