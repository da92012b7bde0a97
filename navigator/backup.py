"""Backup and restore of the whole database.

SQLite uses the online backup API (safe while the app is serving); PostgreSQL uses
pg_dump/pg_restore in custom format. The search index is derived data and is rebuilt
after a restore rather than backed up.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - fixed argument lists, no shell
from pathlib import Path

from sqlalchemy.engine import make_url

from navigator.errors import ValidationError


def _sqlite_path(url) -> str:
    if not url.database or url.database == ":memory:":
        raise ValidationError("An in-memory SQLite database cannot be backed up")
    return url.database


def _pg_env_and_args(url) -> tuple[dict, list[str]]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    return env, args


def backup_database(database_url: str, target: str) -> Path:
    """Write a consistent copy of the database to `target`; returns the path written."""
    url = make_url(database_url)
    out = Path(target).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        dest = sqlite3.connect(str(out))
        try:
            with dest:
                source.backup(dest)
        finally:
            dest.close()
            source.close()
        return out
    if url.get_backend_name() == "postgresql":
        _require("pg_dump")
        env, args = _pg_env_and_args(url)
        subprocess.run(  # noqa: S603
            ["pg_dump", *args, "--format=custom", "--no-owner", "--file", str(out), url.database],
            check=True, env=env, capture_output=True,
        )
        return out
    raise ValidationError(f"Backups are not supported for {url.get_backend_name()}")


def restore_database(database_url: str, source: str) -> None:
    """Replace the database's contents with the backup at `source`.

    Stop the web app first: a restore swaps every table.
    """
    url = make_url(database_url)
    path = Path(source)
    if not path.is_file():
        raise ValidationError(f"No backup file at {source}")
    if url.get_backend_name() == "sqlite":
        backup = sqlite3.connect(str(path))
        try:
            if backup.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise ValidationError("The backup file is damaged (integrity check failed)")
            dest = sqlite3.connect(_sqlite_path(url))
            try:
                with dest:
                    backup.backup(dest)
            finally:
                dest.close()
        except sqlite3.DatabaseError as exc:
            raise ValidationError(f"Not a SQLite backup: {exc}") from exc
        finally:
            backup.close()
        return
    if url.get_backend_name() == "postgresql":
        _require("pg_restore")
        env, args = _pg_env_and_args(url)
        result = subprocess.run(  # noqa: S603
            ["pg_restore", *args, "--clean", "--if-exists", "--no-owner", "--single-transaction",
             "--dbname", url.database, str(path)],
            env=env, capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise ValidationError("pg_restore failed: " + result.stderr.strip()[-500:])
        return
    raise ValidationError(f"Restore is not supported for {url.get_backend_name()}")


def _require(tool: str) -> None:
    if shutil.which(tool) is None:
        raise ValidationError(f"{tool} is not installed (Debian package postgresql-client)")
