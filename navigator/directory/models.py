"""Directory models with Open Referral HSDS 3.0 / ORUK compatible names.

Organisation, Service, Location, ServiceAtLocation, Address, Phone, Schedule, Language,
ServiceArea, Taxonomy, TaxonomyTerm and Attribute (a taxonomy term attached to a service:
need categories and our community attributes). Field names follow HSDS so that data can
be exchanged with council directories; the British spelling is used for class names only.
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from navigator.database import Base, UTCDateTime, new_id
from navigator.directory.vocab import (
    AreaType,
    Cost,
    Gender,
    GeocodeStatus,
    LinkStatus,
    ReferralRoute,
    ServiceStatus,
)
from navigator.times import utcnow


def _enum(cls, length=24):
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class TrackedMixin:
    """Who created and last changed a listing, and when; version guards lost updates."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # Provenance for imported records; (source, source_id) is the idempotency key.
    source: Mapped[str | None] = mapped_column(String(200))
    source_id: Mapped[str | None] = mapped_column(String(200))


class Organisation(TrackedMixin, Base):
    __tablename__ = "organisations"
    __mapper_args__ = {"version_id_col": TrackedMixin.version}

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    alternate_name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(2000))
    legal_status: Mapped[str | None] = mapped_column(String(120))
    charity_number: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    services: Mapped[list[Service]] = relationship(
        back_populates="organisation", order_by="Service.name"
    )
    locations: Mapped[list[Location]] = relationship(
        back_populates="organisation", order_by="Location.name"
    )
    phones: Mapped[list[Phone]] = relationship(
        primaryjoin="and_(Phone.organization_id == Organisation.id, Phone.service_id.is_(None))",
        viewonly=True,
    )

    __table_args__ = (UniqueConstraint("source", "source_id", name="uq_organisations_source"),)


class Service(TrackedMixin, Base):
    __tablename__ = "services"
    __mapper_args__ = {"version_id_col": TrackedMixin.version}

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    alternate_name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(2000))
    email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[ServiceStatus] = mapped_column(
        _enum(ServiceStatus), default=ServiceStatus.ACTIVE, index=True
    )
    # How to refer or get in touch: plain language shown to practitioners.
    application_process: Mapped[str | None] = mapped_column(Text)
    eligibility_description: Mapped[str | None] = mapped_column(Text)
    fees_description: Mapped[str | None] = mapped_column(Text)
    interpretation_services: Mapped[str | None] = mapped_column(Text)
    cost: Mapped[Cost] = mapped_column(_enum(Cost), default=Cost.FREE)
    referral_route: Mapped[ReferralRoute] = mapped_column(
        _enum(ReferralRoute), default=ReferralRoute.BOTH
    )
    gender: Mapped[Gender] = mapped_column(_enum(Gender), default=Gender.ANY)
    accepts_sex_offence_convictions: Mapped[bool | None] = mapped_column(Boolean)
    accepts_no_recourse_to_public_funds: Mapped[bool | None] = mapped_column(Boolean)
    capacity_note: Mapped[str | None] = mapped_column(String(255))

    last_verified_at: Mapped[date | None] = mapped_column(Date, index=True)
    last_verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    link_status: Mapped[LinkStatus] = mapped_column(
        _enum(LinkStatus, 12), default=LinkStatus.UNCHECKED
    )
    link_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    link_error: Mapped[str | None] = mapped_column(String(255))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship(back_populates="services")
    service_at_locations: Mapped[list[ServiceAtLocation]] = relationship(
        back_populates="service", cascade="all, delete-orphan"
    )
    attributes: Mapped[list[Attribute]] = relationship(
        back_populates="service", cascade="all, delete-orphan"
    )
    languages: Mapped[list[Language]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="Language.name"
    )
    schedules: Mapped[list[Schedule]] = relationship(
        back_populates="service", cascade="all, delete-orphan"
    )
    service_areas: Mapped[list[ServiceArea]] = relationship(
        back_populates="service", cascade="all, delete-orphan"
    )
    phones: Mapped[list[Phone]] = relationship(
        back_populates="service", cascade="all, delete-orphan"
    )
    last_verified_by = relationship("User", foreign_keys=[last_verified_by_id])

    __table_args__ = (UniqueConstraint("source", "source_id", name="uq_services_source"),)

    @property
    def is_listed(self) -> bool:
        """Whether search may show this service at all."""
        return self.deleted_at is None and self.status == ServiceStatus.ACTIVE

    def terms(self, taxonomy: str) -> list[TaxonomyTerm]:
        return sorted(
            (a.taxonomy_term for a in self.attributes if a.taxonomy_term.taxonomy_id == taxonomy),
            key=lambda t: t.name,
        )

    @property
    def locations(self) -> list[Location]:
        return [sal.location for sal in self.service_at_locations]


class Location(TrackedMixin, Base):
    __tablename__ = "locations"
    __mapper_args__ = {"version_id_col": TrackedMixin.version}

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    location_type: Mapped[str] = mapped_column(String(20), default="physical")
    name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # Refuges and safe houses: the address is never shown, exported or searched by.
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    geocode_status: Mapped[GeocodeStatus] = mapped_column(
        _enum(GeocodeStatus, 12), default=GeocodeStatus.UNRESOLVED, index=True
    )
    geocode_source: Mapped[str | None] = mapped_column(String(40))
    outcode: Mapped[str | None] = mapped_column(String(4), index=True)
    lad_code: Mapped[str | None] = mapped_column(String(9), index=True)
    lad_name: Mapped[str | None] = mapped_column(String(120))
    pdu_code: Mapped[str | None] = mapped_column(String(16))
    pdu_name: Mapped[str | None] = mapped_column(String(120))
    probation_region: Mapped[str | None] = mapped_column(String(80))

    organisation: Mapped[Organisation | None] = relationship(back_populates="locations")
    addresses: Mapped[list[Address]] = relationship(
        back_populates="location", cascade="all, delete-orphan"
    )
    service_at_locations: Mapped[list[ServiceAtLocation]] = relationship(
        back_populates="location", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_locations_lat_lon", "latitude", "longitude"),
        UniqueConstraint("source", "source_id", name="uq_locations_source"),
    )

    @property
    def address(self) -> Address | None:
        return self.addresses[0] if self.addresses else None

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Address(Base):
    __tablename__ = "addresses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    location_id: Mapped[str] = mapped_column(ForeignKey("locations.id"), index=True)
    attention: Mapped[str | None] = mapped_column(String(255))
    address_1: Mapped[str] = mapped_column(String(255))
    address_2: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str] = mapped_column(String(120))
    region: Mapped[str | None] = mapped_column(String(120))
    state_province: Mapped[str | None] = mapped_column(String(120))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    country: Mapped[str] = mapped_column(String(2), default="GB")
    address_type: Mapped[str] = mapped_column(String(20), default="physical")

    location: Mapped[Location] = relationship(back_populates="addresses")

    def one_line(self) -> str:
        parts = [self.address_1, self.address_2, self.city, self.postal_code]
        return ", ".join(p for p in parts if p)


class ServiceAtLocation(Base):
    __tablename__ = "service_at_locations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id"), index=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("locations.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service] = relationship(back_populates="service_at_locations")
    location: Mapped[Location] = relationship(back_populates="service_at_locations")

    __table_args__ = (UniqueConstraint("service_id", "location_id", name="uq_sal_service_location"),)


class Phone(Base):
    __tablename__ = "phones"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("services.id"), index=True)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("locations.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    extension: Mapped[str | None] = mapped_column(String(10))
    type: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(String(255))

    service: Mapped[Service | None] = relationship(back_populates="phones")


class Schedule(Base):
    """Weekly opening hours: one row per day and opening window (HSDS byday/opens_at/closes_at)."""

    __tablename__ = "schedules"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("services.id"), index=True)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("locations.id"), index=True)
    freq: Mapped[str] = mapped_column(String(10), default="WEEKLY")
    byday: Mapped[str] = mapped_column(String(2))
    opens_at: Mapped[time | None] = mapped_column(Time)
    closes_at: Mapped[time | None] = mapped_column(Time)
    description: Mapped[str | None] = mapped_column(String(255))

    service: Mapped[Service | None] = relationship(back_populates="schedules")


class Language(Base):
    __tablename__ = "languages"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("services.id"), index=True)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("locations.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    code: Mapped[str | None] = mapped_column(String(8), index=True)
    note: Mapped[str | None] = mapped_column(String(255))

    service: Mapped[Service | None] = relationship(back_populates="languages")


class ServiceArea(Base):
    """Coverage: a named local authority, a radius around the service, national or remote."""

    __tablename__ = "service_areas"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    extent_type: Mapped[AreaType] = mapped_column(_enum(AreaType, 20))
    lad_code: Mapped[str | None] = mapped_column(String(9), index=True)
    radius_miles: Mapped[float | None] = mapped_column(Float)
    uri: Mapped[str | None] = mapped_column(String(2000))

    service: Mapped[Service] = relationship(back_populates="service_areas")


class Taxonomy(Base):
    __tablename__ = "taxonomies"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    uri: Mapped[str | None] = mapped_column(String(2000))
    version: Mapped[str | None] = mapped_column(String(20))

    terms: Mapped[list[TaxonomyTerm]] = relationship(back_populates="taxonomy", order_by="TaxonomyTerm.name")


class TaxonomyTerm(Base):
    __tablename__ = "taxonomy_terms"

    id: Mapped[str] = mapped_column(String(80), primary_key=True, default=new_id)
    taxonomy_id: Mapped[str] = mapped_column(ForeignKey("taxonomies.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[str | None] = mapped_column(String(80), ForeignKey("taxonomy_terms.id"))

    taxonomy: Mapped[Taxonomy] = relationship(back_populates="terms")

    __table_args__ = (UniqueConstraint("taxonomy_id", "code", name="uq_taxonomy_terms_code"),)


class Attribute(Base):
    """A taxonomy term applied to a service (HSDS attribute with link_type 'service')."""

    __tablename__ = "attributes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id"), index=True)
    taxonomy_term_id: Mapped[str] = mapped_column(String(80), ForeignKey("taxonomy_terms.id"), index=True)
    value: Mapped[str | None] = mapped_column(String(255))

    service: Mapped[Service] = relationship(back_populates="attributes")
    taxonomy_term: Mapped[TaxonomyTerm] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("service_id", "taxonomy_term_id", name="uq_attributes_term"),)


class SuggestedEdit(Base):
    """A change proposed by a practitioner or provider, applied only after navigator review."""

    __tablename__ = "suggested_edits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_type: Mapped[str] = mapped_column(String(20))  # organisation | service | new_service
    target_id: Mapped[str | None] = mapped_column(String(36), index=True)
    proposed: Mapped[str] = mapped_column(Text)  # JSON of field -> proposed value
    base_version: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_reason: Mapped[str | None] = mapped_column(Text)

    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])


class PostcodeDistrict(Base):
    """Offline centroid of a postcode district (outcode), with its local authority and PDU."""

    __tablename__ = "postcode_districts"

    outcode: Mapped[str] = mapped_column(String(4), primary_key=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    town: Mapped[str | None] = mapped_column(String(255))
    lad_code: Mapped[str | None] = mapped_column(String(9), index=True)
    lad_name: Mapped[str | None] = mapped_column(String(120))
    probation_region: Mapped[str | None] = mapped_column(String(80))
    pdu_code: Mapped[str | None] = mapped_column(String(16))
    pdu_name: Mapped[str | None] = mapped_column(String(120))


class GeocodeCacheEntry(Base):
    """A resolved place from an online geocoder, so each address is looked up once."""

    __tablename__ = "geocode_cache"

    query: Mapped[str] = mapped_column(String(400), primary_key=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(40))
    lad_code: Mapped[str | None] = mapped_column(String(9))
    # The district the point lies in (from the answer itself), for its probation area.
    outcode: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ZeroResultSearch(Base):
    """A search that found nothing: gap evidence. Holds no user or person data."""

    __tablename__ = "zero_result_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    terms: Mapped[str] = mapped_column(String(400), default="")
    filters: Mapped[str] = mapped_column(Text, default="{}")
    outcode: Mapped[str | None] = mapped_column(String(4), index=True)
    lad_code: Mapped[str | None] = mapped_column(String(9), index=True)
