"""Reference geography for reports: probation regions, delivery units, local authorities, census.

Loaded by `navigator geodata load-boundaries|load-population|load-pdus` from public files;
these tables hold no personal data and can be reloaded at any time.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from navigator.database import Base


class ProbationRegion(Base):
    """One of the 12 probation regions (Delius region code, e.g. N52 West Midlands)."""

    __tablename__ = "probation_regions"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class ProbationDeliveryUnit(Base):
    """A probation delivery unit (PDU) with its Delius code, e.g. N52WAL."""

    __tablename__ = "probation_delivery_units"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("probation_regions.code"), index=True)

    region: Mapped[ProbationRegion | None] = relationship()


class LocalAuthority(Base):
    """A local authority district (2024 codes) with its boundary and probation geography.

    `boundary` keeps the loaded GeoJSON geometry; `svg_path` is a simplified outline already
    projected for the server-side choropleth, so drawing a map needs no GIS work per request.
    Authorities split between two PDUs are assigned to the first one listed (`pdu_split` set).
    """

    __tablename__ = "local_authorities"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    ons_region: Mapped[str | None] = mapped_column(String(80))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("probation_regions.code"), index=True)
    pdu_code: Mapped[str | None] = mapped_column(ForeignKey("probation_delivery_units.code"), index=True)
    pdu_split: Mapped[bool] = mapped_column(Boolean, default=False)
    pdu_note: Mapped[str | None] = mapped_column(String(255))
    boundary: Mapped[str | None] = mapped_column(Text)
    svg_path: Mapped[str | None] = mapped_column(Text)
    centroid_lat: Mapped[float | None] = mapped_column(Float)
    centroid_lon: Mapped[float | None] = mapped_column(Float)
    min_x: Mapped[float | None] = mapped_column(Float)
    min_y: Mapped[float | None] = mapped_column(Float)
    max_x: Mapped[float | None] = mapped_column(Float)
    max_y: Mapped[float | None] = mapped_column(Float)

    region: Mapped[ProbationRegion | None] = relationship()
    pdu: Mapped[ProbationDeliveryUnit | None] = relationship()
    population: Mapped[Population | None] = relationship(back_populates="local_authority", uselist=False)


class Population(Base):
    """Census 2021 usual residents of a local authority with ethnic group and religion shares.

    Percentages are as published (0-100); `eth_*_est` are the published estimated counts.
    """

    __tablename__ = "populations"

    lad_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.code"), primary_key=True)
    residents: Mapped[int] = mapped_column(Integer)
    eth_asian_pct: Mapped[float | None] = mapped_column(Float)
    eth_black_pct: Mapped[float | None] = mapped_column(Float)
    eth_mixed_pct: Mapped[float | None] = mapped_column(Float)
    eth_white_pct: Mapped[float | None] = mapped_column(Float)
    eth_other_pct: Mapped[float | None] = mapped_column(Float)
    eth_asian_est: Mapped[int | None] = mapped_column(Integer)
    eth_black_est: Mapped[int | None] = mapped_column(Integer)
    eth_mixed_est: Mapped[int | None] = mapped_column(Integer)
    eth_white_est: Mapped[int | None] = mapped_column(Integer)
    eth_other_est: Mapped[int | None] = mapped_column(Integer)
    rel_christian_pct: Mapped[float | None] = mapped_column(Float)
    rel_buddhist_pct: Mapped[float | None] = mapped_column(Float)
    rel_hindu_pct: Mapped[float | None] = mapped_column(Float)
    rel_jewish_pct: Mapped[float | None] = mapped_column(Float)
    rel_muslim_pct: Mapped[float | None] = mapped_column(Float)
    rel_sikh_pct: Mapped[float | None] = mapped_column(Float)
    rel_no_religion_pct: Mapped[float | None] = mapped_column(Float)
    rel_not_stated_pct: Mapped[float | None] = mapped_column(Float)
    rel_other_pct: Mapped[float | None] = mapped_column(Float)

    local_authority: Mapped[LocalAuthority] = relationship(back_populates="population")

    def share(self, column: str | None) -> float | None:
        """The published percentage in `column` as a fraction, or None when unknown."""
        if column is None:
            return None
        value = getattr(self, column, None)
        return None if value is None else value / 100.0
