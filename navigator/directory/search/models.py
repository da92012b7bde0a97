"""The PostgreSQL full-text backend's index table (one row per listed service).

On PostgreSQL `tsv` is a weighted tsvector (name A, everything else B) with a GIN index
and `tags` a text[] of facet tags with a GIN index. On SQLite the table exists (the
schema is shared) but stays empty: the Whoosh backend is used there.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from navigator.database import Base, UTCDateTime
from navigator.times import utcnow


class SearchDocument(Base):
    __tablename__ = "search_documents"

    service_id: Mapped[str] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, default="")
    tsv = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"), nullable=True)
    tags = mapped_column(Text().with_variant(ARRAY(Text), "postgresql"), nullable=True)
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_search_documents_tsv", "tsv", postgresql_using="gin"),
        Index("ix_search_documents_tags", "tags", postgresql_using="gin"),
    )
