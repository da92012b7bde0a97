"""Read-only queries over the directory (no commits here)."""
from __future__ import annotations

from sqlalchemy import select

from navigator.directory.models import Organisation
from navigator.extensions import db


def list_organisation_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name))
    return [(row.id, row.name) for row in rows]


def get_organisation_by_name(name: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))
