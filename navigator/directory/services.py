"""Directory use cases: create and change listings. Each function owns its commit."""
from __future__ import annotations

from navigator import audit
from navigator.directory.models import Organisation
from navigator.errors import ValidationError
from navigator.extensions import db


def create_organisation(data: dict, actor_id: int | None) -> Organisation:
    """Create an organisation from plain values. Raises ValidationError."""
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError("There is a problem", {"name": ["Enter the organisation's name"]})
    org = Organisation(
        name=name,
        description=data.get("description") or "",
        email=data.get("email") or None,
        website=data.get("website") or None,
        created_by_id=actor_id,
        updated_by_id=actor_id,
    )
    db.session.add(org)
    db.session.flush()
    audit.record(db.session, actor_id, "organisation.create", "organisation", org.id, name=name)
    db.session.commit()
    return org
