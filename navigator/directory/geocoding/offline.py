"""Offline geocoding from postcode-district centroids (the PostcodeDistrict table).

Gives an APPROXIMATE point for any postcode or district, plus the local authority,
probation region and probation delivery unit: no outside service is involved.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from navigator.directory.geocoding.base import GeocodeQuery, GeocodeResult
from navigator.directory.models import PostcodeDistrict
from navigator.directory.vocab import GeocodeStatus
from navigator.extensions import db


def get_district(outcode: str | None) -> PostcodeDistrict | None:
    if not outcode:
        return None
    with db.session.no_autoflush:
        return db.session.get(PostcodeDistrict, outcode)


def get_district_in_lad(lad_code: str) -> PostcodeDistrict | None:
    """Any district whose main local authority is `lad_code` (for its region and PDU)."""
    with db.session.no_autoflush:
        return db.session.scalars(
            select(PostcodeDistrict)
            .where(PostcodeDistrict.lad_code == lad_code)
            .order_by(PostcodeDistrict.outcode)
            .limit(1)
        ).first()


def count_districts() -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(PostcodeDistrict)) or 0


def enrich(result: GeocodeResult, outcode: str | None) -> GeocodeResult:
    """Fill the area fields an exact point lacks from the district table (never overwrite)."""
    result.outcode = result.outcode or outcode
    district = get_district(result.outcode)
    if district is not None and result.lad_code is None:
        result.lad_code, result.lad_name = district.lad_code, district.lad_name
    if district is not None and district.lad_code != result.lad_code and result.lad_code:
        # The point's authority differs from the district's main one (a district that
        # straddles a boundary): take the region and PDU of a district inside that authority.
        district = get_district_in_lad(result.lad_code) or None
    if district is not None:
        result.lad_name = result.lad_name or district.lad_name
        result.pdu_code = result.pdu_code or district.pdu_code
        result.pdu_name = result.pdu_name or district.pdu_name
        result.probation_region = result.probation_region or district.probation_region
    return result


def district_result(district: PostcodeDistrict) -> GeocodeResult:
    return GeocodeResult(
        latitude=district.latitude,
        longitude=district.longitude,
        status=GeocodeStatus.APPROXIMATE,
        source="postcode district",
        outcode=district.outcode,
        lad_code=district.lad_code,
        lad_name=district.lad_name,
        pdu_code=district.pdu_code,
        pdu_name=district.pdu_name,
        probation_region=district.probation_region,
    )


class DistrictGeocoder:
    """Postcode or district -> the district's centroid (APPROXIMATE)."""

    name = "postcode district"
    online = False

    def lookup(self, queries: Sequence[GeocodeQuery]) -> dict[GeocodeQuery, GeocodeResult]:
        outcodes = {q.outcode for q in queries if q.outcode}
        if not outcodes:
            return {}
        with db.session.no_autoflush:
            rows = {
                d.outcode: d
                for d in db.session.scalars(
                    select(PostcodeDistrict).where(PostcodeDistrict.outcode.in_(outcodes))
                )
            }
        return {q: district_result(rows[q.outcode]) for q in queries if q.outcode in rows}
