"""Declarative base, naming convention and time helpers shared by every model."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# A fixed naming convention makes Alembic migrations deterministic on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Timezone-aware now in UTC; pass the function itself as a column default."""
    return datetime.now(UTC)


def new_id() -> str:
    """A fresh HSDS-style identifier (UUID4 string)."""
    return str(uuid.uuid4())
