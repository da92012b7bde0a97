"""A backup restored into an empty instance gives back the same records."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from navigator import create_app
from navigator.auth.models import User
from navigator.extensions import db


def _snapshot(app) -> dict:
    with app.app_context():
        users = sorted((u.email, u.role.value) for u in db.session.scalars(db.select(User)))
        counts = {t.name: db.session.scalar(select(func.count()).select_from(t))
                  for t in db.metadata.sorted_tables}
        return {"users": users, "counts": counts}


@pytest.fixture
def empty_target_url(db_url, tmp_path):
    """A second, empty database on the same backend as the source."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"navigator_restore_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_backup_then_restore_into_empty_instance(app, users, runner, tmp_path, empty_target_url,
                                                 monkeypatch):
    before = _snapshot(app)
    assert before["users"], "there is something to back up"
    backup_file = tmp_path / "navigator.backup"
    result = runner.invoke(args=["backup", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert backup_file.stat().st_size > 0

    monkeypatch.setenv("NAVIGATOR_INSTANCE", str(tmp_path / "other-instance"))
    target = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_target_url,
                         "SEARCH_INDEX_DIR": str(tmp_path / "other-index")})
    result = target.test_cli_runner().invoke(args=["restore", "--yes", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert _snapshot(target) == before
    with target.app_context():
        db.engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(runner, tmp_path, app):
    bogus = tmp_path / "bogus.backup"
    bogus.write_bytes(b"this is not a database at all" * 100)
    result = runner.invoke(args=["restore", "--yes", str(bogus)])
    assert result.exit_code != 0
    assert "Error" in result.output
