"""Signing in and out, and what an anonymous visitor can reach."""
from tests.conftest import PASSWORD


def test_home_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_sign_in_with_correct_password_shows_home(client, auth, users):
    response = auth.login(users["practitioner"]["email"], PASSWORD)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Test practitioner (Practitioner)" in page


def test_wrong_password_gets_generic_message_and_400(client, auth, users):
    response = auth.login(users["practitioner"]["email"], "not the password")
    assert response.status_code == 400
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_unknown_email_gets_the_same_message(client, auth, users):
    response = auth.login("nobody@example.org", "whatever password")
    assert response.status_code == 400
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_sign_out_ends_the_session(client, auth, users):
    auth.login(users["navigator"]["email"])
    auth.logout()
    assert client.get("/").status_code == 302


def test_health_reports_database_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_pages_send_security_headers(client, auth, users):
    auth.login(users["admin"]["email"])
    response = client.get("/admin/users")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
