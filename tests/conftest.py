"""Shared fixtures: an app per database backend, clients, users and sign-in helpers.

Every data test runs on SQLite and, when NAVIGATOR_TEST_POSTGRES_URL points at a server,
on PostgreSQL too; each backend gets a database created for this run and dropped after.
"""
from __future__ import annotations

import os
import re
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from navigator import create_app
from navigator.auth.passwords import use_fast_hashing
from navigator.extensions import db

PG_ENV = "NAVIGATOR_TEST_POSTGRES_URL"
PASSWORD = "correct horse battery staple"

use_fast_hashing(True)


def _pg_admin_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        return None
    url = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)
    return url


@pytest.fixture(scope="session")
def postgres_url():
    """A database of our own on the configured server, dropped at the end of the run."""
    admin_url = _pg_admin_url()
    if admin_url is None:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    name = f"navigator_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "navigator-test.sqlite3")


_schemas_ready: set[str] = set()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request):
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def app(db_url, tmp_path, monkeypatch):
    """A fresh app on an empty schema of the chosen backend."""
    instance = tmp_path / "instance"
    monkeypatch.setenv("NAVIGATOR_INSTANCE", str(instance))
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SECRET_KEY": "test-secret",
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "SERVER_NAME": "localhost",
    })
    with app.app_context():
        if db_url not in _schemas_ready:
            db.drop_all()
            db.create_all()
            _schemas_ready.add(db_url)
        _empty_all_tables()
        from navigator.testing import prepare_reference_data

        prepare_reference_data()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _empty_all_tables() -> None:
    db.session.rollback()
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        # users <-> organisations reference each other; check keys only at commit.
        db.session.execute(text("PRAGMA defer_foreign_keys=ON"))
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context for calling service functions directly."""
    with app.app_context():
        yield app


class AuthActions:
    """Sign in and out through the real sign-in form (with its CSRF token)."""

    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = PASSWORD):
        page = self._client.get("/sign-in")
        token = csrf_token_from(page.get_data(as_text=True))
        return self._client.post("/sign-in", data={"email": email, "password": password,
                                                  "csrf_token": token})

    def logout(self):
        page = self._client.get("/")
        token = csrf_token_from(page.get_data(as_text=True))
        return self._client.post("/sign-out", data={"csrf_token": token})


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def users(app):
    """One user per role (and a provider tied to a demo organisation)."""
    from tests import factories

    with app.app_context():
        return factories.users_for_every_role()
